"""Small helpers tests share: normalisation under the current methodology's bounds, one-row SQL reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from pipeline.domain.records import RawCapture
from pipeline.methodology import Bounds, load
from pipeline.normalize import normalise as _normalise
from pipeline.store import Warehouse

REPO = Path(__file__).resolve().parents[1]
BOUNDS = load().bounds


def normalise(
    parsed: pl.DataFrame,
    capture: RawCapture,
    bounds: Mapping[str, Bounds] | None = None,
    fx_rates: Mapping[str, Decimal] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    return _normalise(parsed, capture, bounds or BOUNDS, fx_rates=fx_rates)


def one(w: Warehouse, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
    frame = w.query(sql, params)
    return frame.row(0) if frame.height else None
