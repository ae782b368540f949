"""Rows into the lake's tables: inserted only where their key is absent (a lake declares no keys), exact decimals as
text that DuckDB casts exactly."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import duckdb
import polars as pl


def insert_new(
    con: duckdb.DuckDBPyConnection,
    table: str,
    frame: pl.DataFrame,
    key: list[str],
    decimals: dict[str, int] | None = None,
) -> None:
    """Insert the rows of `frame` whose key is not in `table` yet (the first of duplicate keys in the frame)."""
    if frame.is_empty():
        return
    con.register("incoming_rows", frame.unique(subset=key, keep="first", maintain_order=True).to_arrow())
    try:
        match = " AND ".join(f"t.{c} = n.{c}" for c in key)
        # table, key and casts come from the store's own constants, never from input
        con.execute(
            f"INSERT INTO {table} BY NAME SELECT {decimal_casts(decimals or {})} FROM incoming_rows AS n "  # noqa: S608
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} AS t WHERE {match})"
        )
    finally:
        con.unregister("incoming_rows")


def decimal_casts(decimals: dict[str, int]) -> str:
    """Select list turning exact decimal text into DECIMAL columns (text -> DECIMAL is exact in DuckDB)."""
    if not decimals:
        return "*"
    casts = ", ".join(f"CAST({c} AS DECIMAL(38,{scale})) AS {c}" for c, scale in decimals.items())
    return f"* REPLACE ({casts})"


def exact_text(value: Any, places: int = 18) -> str | None:
    """Decimal as text rounded half-even to the column's scale; DuckDB casts text to DECIMAL exactly."""
    if value is None:
        return None
    return format(Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN), "f")
