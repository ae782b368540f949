"""Many captures of one source read by one polars query over all their records.

A columnar parser's query has a fixed cost (its expressions handed to polars and planned) that was most of the time
a 1,000-offer marketplace body took to read once its tokens were decoded: 5.9 ms a body against 1.3 ms a body with
the same query over many bodies' rows. A source whose parser is columnar can give `Source.parse_batch`: its current
parser over many captures at once, each capture's rows exactly as its parser gives them alone (its tests hold it).

`read_batch` is the shared part: each capture's records are decoded on their own (a body that cannot be decoded is
read alone by the parser, so its error is the one the parser raises), their raw tokens become one frame with each
record's capture and row within it, the source's expressions run once, and the result is cut back into captures.
A capture any of whose rows the query marks as needing the parser's slow path is read alone by the parser.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import msgspec
import numpy as np
import polars as pl

from pipeline.domain.records import RawCapture
from pipeline.sources.base import Parser, SourceError
from pipeline.sources.read import joined_tokens, split_tokens

CAPTURE = "_capture"  # which capture of the batch a record is from (its place in the batch)
ROW = "_row"  # the record's place within its capture (the parser's row_no)
SLOW = "_slow"  # the query's verdict that the record needs the parser's slow path, read alone
SOURCE = "_source"  # the capture's source, as a single-capture parser gives it by pl.lit
OBSERVED_AT = "_observed_at"  # the capture's fetch time, likewise


def read_batch(
    captures: Sequence[RawCapture],
    records: Callable[[RawCapture], Sequence[msgspec.Struct] | None],
    rows_of: Callable[[pl.LazyFrame], pl.LazyFrame],
    parse: Parser,
) -> list[pl.DataFrame | SourceError]:
    """Each capture's rows (or the SourceError its parser raises): `records` decodes a capture's records, all of
    one struct type (None, or an exception, leaves the capture to `parse` alone), `rows_of` is the parser's query
    over the records' token columns (one String column per struct field, and `_capture`, `_row`, `_source`,
    `_observed_at`) giving its rows in order with a Boolean `_slow` column, and `parse` is the source's (guarded)
    single-capture parser."""
    out: dict[int, pl.DataFrame | SourceError] = {}
    read: list[int] = []
    texts: list[str] = []  # each capture's tokens, joined as soon as decoded (its structs then freed)
    counts: list[int] = []
    fields: list[str] = []
    for i, capture in enumerate(captures):
        try:
            structs = records(capture)
        except Exception:
            structs = None
        if not structs:
            out[i] = _alone(parse, capture)
            continue
        fields = fields or list(type(structs[0]).__struct_fields__)
        texts.append(joined_tokens(structs))
        counts.append(len(structs))
        read.append(i)
    if read:
        try:
            rows: pl.DataFrame | None = _query(texts, counts, fields, [captures[i] for i in read], rows_of)
        except Exception:  # whatever the query trips on, each capture alone says which one it is
            rows = None
        starts = np.concatenate(([0], np.cumsum(counts)[:-1])).tolist()
        slow = _any_per_capture(rows, starts) if rows is not None else [True] * len(read)
        rows = rows.drop(SLOW) if rows is not None else None
        for i, start, count, needs_parser in zip(read, starts, counts, slow, strict=True):
            out[i] = _alone(parse, captures[i]) if needs_parser or rows is None else rows.slice(start, count)
    return [out[i] for i in range(len(captures))]


def _alone(parse: Parser, capture: RawCapture) -> pl.DataFrame | SourceError:
    try:
        return parse(capture)
    except SourceError as exc:
        return exc


def _query(
    texts: list[str],
    counts: list[int],
    fields: list[str],
    captures: list[RawCapture],
    rows_of: Callable[[pl.LazyFrame], pl.LazyFrame],
) -> pl.DataFrame:
    """The parser's query over every record's tokens at once (`texts`: each capture's, joined; `counts`: its
    records)."""
    sizes = np.array(counts, dtype=np.int64)
    records = int(sizes.sum())
    tokens = split_tokens(pl.Series("tokens", texts, dtype=pl.String))
    index = pl.Series(CAPTURE, np.repeat(np.arange(len(counts), dtype=np.uint32), sizes))
    row = np.arange(records, dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    source = pl.Series(SOURCE, [c.source for c in captures], dtype=pl.String)
    observed = pl.Series(OBSERVED_AT, [c.fetched_at for c in captures])
    frame = (
        tokens.reshape((records, len(fields)))
        .arr.to_struct(fields)
        .struct.unnest()
        .with_columns(index, pl.Series(ROW, row), source.gather(index), observed.gather(index))
    )
    return rows_of(frame.lazy()).collect(engine="in-memory")


def _any_per_capture(rows: pl.DataFrame, starts: list[int]) -> list[bool]:
    """Whether any row of each capture (rows from `starts[k]` to the next start) is marked `_slow`."""
    marks = rows.get_column(SLOW).fill_null(True).to_numpy().astype(np.int64)
    return (np.add.reduceat(marks, starts) > 0).tolist() if len(marks) else [False] * len(starts)
