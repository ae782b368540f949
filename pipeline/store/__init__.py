"""The warehouse: a DuckLake with the only database writes, and named queries for every read."""

from pipeline.store.lake import Lake, Stamp, change_stamp, default_lake
from pipeline.store.warehouse import Warehouse, WarehouseBusy, sql_text

__all__ = ["Lake", "Stamp", "Warehouse", "WarehouseBusy", "change_stamp", "default_lake", "sql_text"]
