"""One price capture into quotes and rejections: its source's parser, then normalisation. The code `verify` re-runs on
every stored capture, and what the parse cache's code fingerprint covers (with `sources/`, `normalize/`, `domain/`
and `methodology/`): loading, gating and fetching live elsewhere, so changing them does not void the cache."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import NamedTuple

import polars as pl

from pipeline import sources as source_registry
from pipeline.domain.records import RawCapture
from pipeline.methodology import Bounds
from pipeline.normalize.normalise import normalise_many
from pipeline.sources import SourceError
from pipeline.sources.base import BatchParser


def parse_capture(
    capture: RawCapture,
    bounds: Mapping[str, Bounds],
    fx_rates: Mapping[str, Decimal] | None = None,
    parser_version: str | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Quotes and rejections of one price capture, by the source's current parser or a named version. Pure: the same
    capture and parameters, the same rows; every row records its parser version (`parse_cached` caches it)."""
    return _normalised([(_parsed(capture, parser_version), capture)], bounds, fx_rates)[0]


def _parsed(
    capture: RawCapture, parser_version: str | None, together: pl.DataFrame | SourceError | None = None
) -> pl.DataFrame:
    """The source's parser's rows, each with the parser version (`together`: what reading it with others gave)."""
    source = source_registry.get(capture.source)
    if len(capture.body) > source.max_bytes:
        raise SourceError(source.name, f"body of {len(capture.body)} bytes exceeds cap {source.max_bytes}", "oversize")
    version = parser_version or source.parser_version
    if isinstance(together, SourceError):
        raise together
    rows = source.parser(version)(capture) if together is None else together
    return rows.with_columns(pl.lit(version, dtype=pl.String).alias("parser_version"))


def _normalised(
    batch: list[tuple[pl.DataFrame, RawCapture]], bounds: Mapping[str, Bounds], fx_rates: Mapping[str, Decimal] | None
) -> list[tuple[pl.DataFrame, pl.DataFrame]]:
    """`normalise_many`; rows normalisation cannot handle make the capture unreadable, never a crash."""
    try:
        return normalise_many(batch, bounds, fx_rates=fx_rates)
    except Exception as exc:
        source = batch[0][1].source if len(batch) == 1 else "several sources"
        raise SourceError(source, f"cannot normalise: {type(exc).__name__}: {str(exc)[:300]}", "parse_error") from exc


class Unreadable(NamedTuple):
    """Why a capture could not be parsed, in values that cross a process boundary (not every exception pickles):
    the kind recorded (`schema_drift`, `oversize`, `parse_error` ...), the reason, and the error's own text."""

    kind: str
    reason: str
    text: str


def unreadable(exc: Exception) -> Unreadable:
    if isinstance(exc, SourceError):
        return Unreadable(exc.kind, exc.reason, str(exc))
    return Unreadable("parse_error", f"{type(exc).__name__}: {str(exc)[:300]}", str(exc))


# How many bytes of captures to parse before helper processes pay for their start (~0.5-1 s of imports each).
POOL_MIN_BYTES = 4 * 1024 * 1024

# A capture to parse: the capture, the bounds, the FX rates of its day and the parser version (None: current).
ParseTask = tuple[RawCapture, Mapping[str, Bounds], Mapping[str, Decimal] | None, str | None]


# Rows normalised in one plan by `parse_many` (bounding the memory a batch of many large captures takes at once).
BATCH_ROWS = 250_000


def parse_many(tasks: list[ParseTask]) -> list[tuple[pl.DataFrame, pl.DataFrame] | Unreadable]:
    """`parse_capture` of each task (here or in a helper process), a failure as its `Unreadable`. Each capture is
    parsed on its own, or with others of its source when the source reads many at once (`Source.parse_batch`, the
    same rows), `BATCH_BYTES` of bodies at a time; captures of the same bounds, FX rates and row schema are
    normalised together (the same rows as one by one, without a polars query's fixed cost per capture), a batch as
    soon as it holds `BATCH_ROWS` rows, so only one batch's parsed rows are held at a time (holding a million
    offers' parsed rows before normalising any took 16.5 s in one process, against 14.2 s so); a batch that fails
    is normalised capture by capture, so a failure is the failing capture's alone."""
    out: dict[int, tuple[pl.DataFrame, pl.DataFrame] | Unreadable] = {}
    batches: dict[tuple[object, ...], tuple[list[tuple[int, pl.DataFrame]], list[int]]] = {}
    for chunk in _chunks([len(task[0].body) for task in tasks], BATCH_BYTES):
        read = _read_together([tasks[i] for i in chunk])
        for i, together in zip(chunk, read, strict=True):
            capture, bounds, fx, version = tasks[i]
            try:
                parsed = _parsed(capture, version, together)
            except Exception as exc:
                out[i] = unreadable(exc)
                continue
            same = (_items(bounds), _items(fx or {}), tuple(parsed.schema.items()))
            members, rows = batches.setdefault(same, ([], [0]))
            if members and rows[0] + parsed.height > BATCH_ROWS:
                out |= _normalised_batch(members, tasks)
                members.clear()
                rows[0] = 0
            members.append((i, parsed))
            rows[0] += parsed.height
    for members, _ in batches.values():
        if members:
            out |= _normalised_batch(members, tasks)
    return [out[i] for i in range(len(tasks))]


# Bytes of bodies a source that reads many captures at once (`Source.parse_batch`) is given at a time.
BATCH_BYTES = 64 * 1024 * 1024


def _chunks(sizes: list[int], limit: int) -> list[list[int]]:
    """Consecutive indices of `sizes` in runs of at most `limit` in total (a larger one alone)."""
    runs: list[list[int]] = [[]]
    total = 0
    for i, size in enumerate(sizes):
        if runs[-1] and total + size > limit:
            runs.append([])
            total = 0
        runs[-1].append(i)
        total += size
    return runs if runs[0] else []


def _read_together(tasks: list[ParseTask]) -> list[pl.DataFrame | SourceError | None]:
    """The rows of the tasks whose source reads many captures at once, by their current parser within its size cap,
    read together per source (or the SourceError of one); None for the rest, read one by one."""
    out: list[pl.DataFrame | SourceError | None] = [None] * len(tasks)
    by_parser: dict[BatchParser, list[int]] = {}
    for i, (capture, _, _, version) in enumerate(tasks):
        source = source_registry.REGISTRY.get(capture.source)
        if source is None or source.parse_batch is None or version not in (None, source.parser_version):
            continue
        if len(capture.body) <= source.max_bytes:
            by_parser.setdefault(source.parse_batch, []).append(i)
    for batch_parse, members in by_parser.items():
        for i, rows in zip(members, batch_parse([tasks[i][0] for i in members]), strict=True):
            out[i] = rows
    return out


def _normalised_batch(
    members: list[tuple[int, pl.DataFrame]], tasks: list[ParseTask]
) -> dict[int, tuple[pl.DataFrame, pl.DataFrame] | Unreadable]:
    """The batch's captures normalised together (they share bounds and FX rates); if that fails, each on its own."""
    bounds, fx = tasks[members[0][0]][1], tasks[members[0][0]][2]
    try:
        results = _normalised([(parsed, tasks[i][0]) for i, parsed in members], bounds, fx)
    except SourceError:
        results = []
    if len(results) == len(members):
        return {i: result for (i, _), result in zip(members, results, strict=True)}
    out: dict[int, tuple[pl.DataFrame, pl.DataFrame] | Unreadable] = {}
    for i, parsed in members:  # which capture it was: each on its own
        try:
            out[i] = _normalised([(parsed, tasks[i][0])], bounds, fx)[0]
        except Exception as exc:
            out[i] = unreadable(exc)
    return out


def _items(mapping: Mapping[str, object]) -> tuple[tuple[str, object], ...]:
    return tuple(sorted(mapping.items()))
