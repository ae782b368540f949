"""The warehouse: the only database writes, and named queries for every read."""

from pipeline.store.warehouse import Warehouse, WarehouseBusy, change_stamp, sql_text

__all__ = ["Warehouse", "WarehouseBusy", "change_stamp", "sql_text"]
