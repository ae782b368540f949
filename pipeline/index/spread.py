"""Many fixing times in one pass: each quote row once per fixing time it can affect. Pure.

A fixing at `at` reads the quotes observed in (at - look-back, at]. Instead of slicing the history once per
fixing (dozens of small frame operations per index and day), every row is repeated for the fixing times it
can still influence, tagged `_at`, and the selection runs as group-bys over (`_at`, ...) for all days at once.
A row is repeated only while it can matter (`until`, e.g. its freshness or carry-forward end), so the work is
linear in the history, not in history x look-back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

AT = "_at"  # the fixing time a row is read at
AT_TYPE = pl.Datetime("us", "UTC")


def epoch_us(dt: datetime) -> int:
    return int((dt - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(microseconds=1))


def spread(rows: pl.DataFrame, ats: Sequence[datetime], span: timedelta, until: pl.Expr) -> pl.DataFrame:
    """`rows` once per fixing time `at` of `ats` (ascending) with observed_at <= at < observed_at + span and
    at < `until` (the last moment the row can affect a fixing), tagged `_at`."""
    ats = sorted(ats)
    times = pl.DataFrame(
        {"_i": np.arange(len(ats), dtype=np.int64), AT: list(ats)}, schema={"_i": pl.Int64, AT: AT_TYPE}
    )
    if rows.height == 0 or not ats:
        return rows.with_columns(pl.lit(None, dtype=AT_TYPE).alias(AT)).clear()
    stamps = np.array([epoch_us(a) for a in ats], dtype=np.int64)
    observed = rows["observed_at"].dt.epoch("us").to_numpy()
    last = rows.select(until.dt.epoch("us").fill_null(np.iinfo(np.int64).max)).to_series().to_numpy()
    end = np.minimum(observed + int(span / timedelta(microseconds=1)), last)
    lo = np.searchsorted(stamps, observed, side="left")
    hi = np.maximum(np.searchsorted(stamps, end, side="left"), lo)
    return (
        rows.with_columns(pl.int_ranges(pl.Series(lo), pl.Series(hi)).alias("_i"))
        .explode("_i")
        .drop_nulls("_i")
        .join(times, on="_i", how="left")
        .drop("_i")
    )


def until(fresh_for: pl.Expr, stale_lookback_days: int, carry_days: int) -> pl.Expr:
    """When a row stops mattering: fresh for `fresh_for` after observation, counted for stale detection for the
    look-back, or carried forward while in force (at most the carry limit)."""
    observed = pl.col("observed_at")
    carried = pl.when(pl.col("in_force_until").is_not_null()).then(
        pl.min_horizontal(pl.col("in_force_until"), observed + pl.duration(days=carry_days))
    )
    return pl.max_horizontal(observed + fresh_for, observed + pl.duration(days=stale_lookback_days), carried)
