"""The warehouse: the only database writes, and named queries for every read."""

from pipeline.store.warehouse import Warehouse, sql_text

__all__ = ["Warehouse", "sql_text"]
