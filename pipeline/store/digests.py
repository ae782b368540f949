"""One digest of a capture's quotes as `verify` compares them, computed the same way over the lake's stored rows
and over a parsed frame: equal digests mean the same rows, so `verify` need not read either side's rows.

What a digest covers is what `verify` compares (`audit.rederive.COMPARED`): each row's number, unit, USD price
(at the lake's DECIMAL(38,24), so 2.49 and 2.490 are one price), good and provider, written as JSON (a null stays
null) and hashed with sha256 in row order (row, unit, then the text itself, so two rows under one key still give
one order). Both sides run the same SQL in DuckDB: no second implementation of the text to drift from the first.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import duckdb
import polars as pl

_ROW = "to_json(struct_pack(r := row_no, u := unit, p := CAST(price_usd AS DECIMAL(38,24)), g := good, v := provider))"
_DIGEST = f"sha256(string_agg({_ROW}, chr(10) ORDER BY row_no, unit, {_ROW}))"


# Per capture of the lake (`Reads.quote_digests`); a parsed frame's is the same aggregate (`_BY_FRAME`).
STORED_DIGESTS = f"SELECT source, capture_id, fetched_at, {_DIGEST} AS digest FROM quote GROUP BY ALL"  # noqa: S608


KEY = ("source", "capture_id", "fetched_at")  # a capture
COMPARED = ("row_no", "unit", "price_usd", "good", "provider")  # what a digest covers of each of its quotes
NO_ROWS = "no rows"  # the digest of a capture without quotes (it has no group in either side's query)

_BY_FRAME = f"SELECT _n, count(DISTINCT ({', '.join(KEY)})), {_DIGEST} FROM parsed GROUP BY _n"  # noqa: S608 (ours)
_local = threading.local()


def parsed_digest(quotes: pl.DataFrame) -> str:
    """The digest of one capture's parsed quotes (`NO_ROWS` for none), as `Reads.quote_digests` gives the stored."""
    return parsed_digests([quotes])[0]


def parsed_digests(frames: Sequence[pl.DataFrame]) -> list[str]:
    """`parsed_digest` of each frame (each one capture's quotes): one query per set of frames of one schema (as
    stored, the lot), the same SQL grouped by frame; frames are never cast to another's types."""
    columns = [f.select(*KEY, *COMPARED) for f in frames]
    by_schema: dict[tuple[tuple[str, pl.DataType], ...], list[int]] = {}
    for n, frame in enumerate(columns):
        by_schema.setdefault(tuple(frame.schema.items()), []).append(n)
    out = [NO_ROWS] * len(frames)
    for numbers in by_schema.values():
        numbered = pl.concat([columns[n].with_columns(pl.lit(n, dtype=pl.Int64).alias("_n")) for n in numbers])
        for n, captures, digest in _query(numbered):
            if captures > 1:
                raise ValueError(f"a parsed capture's quotes name {captures} captures, not one")
            out[n] = str(digest)
    return out


def _query(numbered: pl.DataFrame) -> list[tuple[int, int, str]]:
    con: duckdb.DuckDBPyConnection | None = getattr(_local, "con", None)
    if con is None:  # one in-memory connection per thread, made once
        con = _local.con = duckdb.connect()
    con.register("parsed", numbered.to_arrow())
    try:
        return con.execute(_BY_FRAME).fetchall()
    finally:
        con.unregister("parsed")
