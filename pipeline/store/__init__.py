"""The warehouse: the only database writes, and named queries for every read."""

from pipeline.store.connection import WarehouseBusy, change_stamp
from pipeline.store.warehouse import Warehouse, sql_text

__all__ = ["Warehouse", "WarehouseBusy", "change_stamp", "sql_text"]
