"""One price capture into quotes and rejections: its source's parser, then normalisation. The code `verify` re-runs on
every stored capture, and what the parse cache's code fingerprint covers (with `sources/`, `normalize/`, `domain/`
and `methodology/`): loading, gating and fetching live elsewhere, so changing them does not void the cache."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

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
