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
from pipeline.normalize import normalise
from pipeline.sources import SourceError


def parse_capture(
    capture: RawCapture,
    bounds: Mapping[str, Bounds],
    fx_rates: Mapping[str, Decimal] | None = None,
    parser_version: str | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Quotes and rejections of one price capture, by the source's current parser or a named version. Pure: the same
    capture and parameters, the same rows; every row records its parser version (`parse_cached` caches it)."""
    source = source_registry.get(capture.source)
    if len(capture.body) > source.max_bytes:
        raise SourceError(source.name, f"body of {len(capture.body)} bytes exceeds cap {source.max_bytes}", "oversize")
    version = parser_version or source.parser_version
    parsed = source.parser(version)(capture).with_columns(pl.lit(version, dtype=pl.String).alias("parser_version"))
    try:
        return normalise(parsed, capture, bounds, fx_rates=fx_rates)
    except Exception as exc:  # rows normalisation cannot handle make the capture unreadable, never a crash
        raise SourceError(
            source.name, f"cannot normalise: {type(exc).__name__}: {str(exc)[:300]}", "parse_error"
        ) from exc


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


def parse_many(tasks: list[ParseTask]) -> list[tuple[pl.DataFrame, pl.DataFrame] | Unreadable]:
    """`parse_capture` of each task (here or in a helper process), a failure as its `Unreadable`."""
    out: list[tuple[pl.DataFrame, pl.DataFrame] | Unreadable] = []
    for task in tasks:
        try:
            out.append(parse_capture(*task))
        except Exception as exc:
            out.append(unreadable(exc))
    return out
