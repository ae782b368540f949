"""One digest of a capture's quotes as `verify` compares them, computed the same way over the lake's stored rows
and over a parsed frame: equal digests mean the same rows, so `verify` need not read either side's rows.

What a digest covers is what `verify` compares (`audit.rederive.COMPARED`): each row's number, unit, USD price
(at the lake's DECIMAL(38,24), so 2.49 and 2.490 are one price), good and provider, in row order (row, unit, then
the rest, so two rows under one key still give one order), hashed with sha256. Both sides select those columns
with the same SQL in DuckDB (one cast to the lake's types, no second implementation of it to drift from the
first) and hash the same Arrow columns the same way (`_digests`): each column's values as they lie in memory,
never formatted as text one row at a time (which made the digest of a whole backfill cost twice DuckDB's own
per-provider-per-day median).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

KEY = ("source", "capture_id", "fetched_at")  # a capture
COMPARED = ("row_no", "unit", "price_usd", "good", "provider")  # what a digest covers of each of its quotes
NO_ROWS = "no rows"  # the digest of a capture without quotes (it has no group in either side's query)
TAG = b"cix quotes digest 2\n"  # changes with the bytes hashed, so no digest of one layout equals another's

_COLUMNS = (
    "CAST(row_no AS BIGINT) AS row_no, CAST(unit AS VARCHAR) AS unit, "
    "CAST(price_usd AS DECIMAL(38,24)) AS price_usd, CAST(good AS VARCHAR) AS good, "
    "CAST(provider AS VARCHAR) AS provider"
)
_TYPES = {
    "row_no": pa.int64(),
    "unit": pa.large_string(),
    "price_usd": pa.decimal128(38, 24),
    "good": pa.large_string(),
    "provider": pa.large_string(),
}
_STORED = f"SELECT {', '.join(KEY)}, {_COLUMNS} FROM quote"  # noqa: S608 (ours)
_PARSED = f"SELECT _n, {_COLUMNS} FROM parsed"  # noqa: S608 (ours)
_local = threading.local()


def stored_digests(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str, datetime], str]:
    """Each capture's stored quotes (the lake's `quote` table on `con`) as one digest, keyed by `KEY`."""
    return {(s, c, f): d for (s, c, f), d in _digests(con.execute(_STORED).to_arrow_table(), KEY).items()}


def parsed_digest(quotes: pl.DataFrame) -> str:
    """The digest of one capture's parsed quotes (`NO_ROWS` for none), as `stored_digests` gives the stored."""
    return parsed_digests([quotes])[0]


def parsed_digests(frames: Sequence[pl.DataFrame]) -> list[str]:
    """`parsed_digest` of each frame (each one capture's quotes): one query per set of frames of one schema (as
    stored, the lot), the same SQL for each; frames are never cast to another's types."""
    columns = [f.select(*KEY, *COMPARED) for f in frames]
    by_schema: dict[tuple[tuple[str, pl.DataType], ...], list[int]] = {}
    for n, frame in enumerate(columns):
        if (captures := frame.select(pl.struct(KEY).n_unique()).item()) > 1:
            raise ValueError(f"a parsed capture's quotes name {captures} captures, not one")
        by_schema.setdefault(tuple(frame.schema.items()), []).append(n)
    out = [NO_ROWS] * len(frames)
    for numbers in by_schema.values():
        numbered = pl.concat([columns[n].with_columns(pl.lit(n, dtype=pl.Int64).alias("_n")) for n in numbers])
        for (n,), digest in _digests(_query(numbered), ("_n",)).items():
            out[n] = digest
    return out


def _query(numbered: pl.DataFrame) -> pa.Table:
    con: duckdb.DuckDBPyConnection | None = getattr(_local, "con", None)
    if con is None:  # one in-memory connection per thread, made once
        con = _local.con = duckdb.connect()
    con.register("parsed", numbered.to_arrow())
    try:
        return con.execute(_PARSED).to_arrow_table()
    finally:
        con.unregister("parsed")


def _digests(table: pa.Table, group: Sequence[str]) -> dict[tuple[Any, ...], str]:
    """The digest of each group of rows (rows with the same `group` values) of `table` (the group columns and
    `COMPARED`, as the SQL above selects them). The rows are sorted by the group then every compared column, so a
    group's digest is of its rows, not of their order in the table; then each group's rows are hashed column by
    column: the row count, and per column a validity byte per row and the values (8 bytes per row number,
    16 per price, the unscaled decimal; a text's length in 8 bytes, then the texts' UTF-8), little-endian."""
    if table.num_rows == 0:
        return {}
    typed = [*(table.schema.field(g) for g in group), *(pa.field(c, t) for c, t in _TYPES.items())]
    table = table.cast(pa.schema(typed))
    table = table.take(pc.sort_indices(table, [(c, "ascending") for c in (*group, *COMPARED)])).combine_chunks()
    n = table.num_rows
    starts = _group_starts([table.column(g).chunk(0) for g in group], n)
    ends = [*starts[1:], n]
    parts = [_column_parts(table.column(c).chunk(0), n) for c in COMPARED]
    keys = list(zip(*(table.column(g).chunk(0).take(pa.array(starts)).to_pylist() for g in group), strict=True))
    out = {}
    for key, start, end in zip(keys, starts, ends, strict=True):
        h = hashlib.sha256(TAG)
        h.update(np.int64(end - start).astype("<i8").tobytes())
        for valid, fixed, lengths, data in parts:
            h.update(valid[start:end].tobytes())
            if lengths is None:
                h.update(fixed[start:end].tobytes())
            else:
                h.update(np.diff(lengths[start : end + 1]).astype("<i8").tobytes())
                h.update(data[lengths[start] : lengths[end]])
        out[key] = h.hexdigest()
    return out


def _group_starts(columns: list[pa.Array], n: int) -> list[int]:
    """The first row of each run of equal group values in sorted columns."""
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for column in columns:
        differs = pc.fill_null(pc.not_equal(column[1:], column[:-1]), True)  # a null beside a value differs
        both_null = pc.and_(column[1:].is_null(), column[:-1].is_null())
        change[1:] |= np.asarray(pc.and_not(differs, both_null), dtype=bool)
    return [int(i) for i in np.flatnonzero(change)]


def _column_parts(column: pa.Array, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, memoryview]:
    """A column as (validity bytes, fixed-width values as one row of bytes each, text offsets, text bytes): nulls
    filled first, so a null's slot holds a zero or an empty text whatever its buffer held."""
    valid = np.asarray(column.is_valid(), dtype=np.uint8)
    if pa.types.is_large_string(column.type):
        filled = pc.fill_null(column, "")
        offsets = np.frombuffer(filled.buffers()[1], dtype="<i8", count=filled.offset + n + 1)[filled.offset :]
        return valid, np.empty(0, np.uint8), offsets, memoryview(filled.buffers()[2] or b"")
    filled = pc.fill_null(column, pa.scalar(Decimal(0) if pa.types.is_decimal(column.type) else 0, column.type))
    width = column.type.bit_width // 8
    raw = np.frombuffer(filled.buffers()[1], dtype=np.uint8, count=(filled.offset + n) * width).reshape(-1, width)
    return valid, raw[filled.offset :], None, memoryview(b"")  # a row per value: its `width` bytes
