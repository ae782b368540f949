"""Fixings a chunk of days at a time (bounded memory over years of history), in one process or two, are exactly
those of one pass over everything, including the first day of each chunk, which a v3 fixing refers against the day
before."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from bench.generate import months, plan, quotes_of_month
from pipeline.domain.fixing import Fixing
from pipeline.flow.backfill import archive_captures, archives, fixings_in_chunks
from pipeline.flow.helpers import Helpers
from pipeline.index.fixing import compute_history, history_in_chunks
from pipeline.methodology import load
from tests.helpers import run

# A few real snapshots: GPU rate cards (carried forward while in force) and token prices from first parties,
# API hosts and an aggregator (exclusions, re-reports).
ARCHIVES = ("lambda-catalog-history", "azure-catalog-history", "genai-prices-history")


@pytest.mark.parametrize("version", ["1", "3"])
def test_history_in_chunks_is_one_pass_over_everything(realdata: Path, version: str) -> None:
    m = load(version)
    real = pl.concat(run(c)[1] for a in archives() if a.name in ARCHIVES for c in archive_captures(a, realdata)[-2:])
    start = date(2026, 3, 1)
    history = plan(real, m, scale=0.00004, start=start, end=start + timedelta(days=15))
    quotes = pl.concat(quotes_of_month(history, first, last) for first, last in months(history))
    days = [start + timedelta(days=i) for i in range(14)]

    def read(lo: datetime, hi: datetime) -> pl.DataFrame:
        return quotes.filter((pl.col("observed_at") > lo) & (pl.col("observed_at") <= hi))

    def by_day(fixings: list[Fixing]) -> list[Fixing]:
        return sorted(fixings, key=lambda f: (f.fixing_date, f.index_code))  # v1 gives them index by index

    whole = by_day(compute_history(quotes, days, m))
    chunked = by_day([f for chunk in history_in_chunks(read, days, m, chunk_days=5) for f in chunk])

    assert [(f.index_code, f.fixing_date) for f in chunked] == [(f.index_code, f.fixing_date) for f in whole]
    assert [(f.status, f.value, f.inputs_digest) for f in chunked] == [
        (f.status, f.value, f.inputs_digest) for f in whole
    ]
    assert chunked == whole  # flags, gates (the referral), exclusions and stale providers too
    with Helpers(2) as helpers:  # as `cix backfill` computes them: a helper process takes every other chunk
        assert [f for chunk in fixings_in_chunks(read, days, m, 5, helpers) for f in chunk] == [
            f for chunk in history_in_chunks(read, days, m, chunk_days=5) for f in chunk
        ]
    if m.referral_thresholds:  # v3: a later chunk's first day is referred against the day before, its lead day
        assert any("referral" in f.gates for f in chunked if f.fixing_date == days[5])
    assert sum(f.status == "published" for f in whole) > 10


def test_a_backfill_chunks_dense_histories_by_month_and_sparse_ones_whole() -> None:
    from pipeline.flow.backfill import QUOTES_PER_CHUNK, chunk_days
    from pipeline.index.fixing import CHUNK_DAYS

    assert chunk_days(86_000, 1_089) >= 1_089  # the real archives: one chunk, no per-chunk overhead
    assert chunk_days(50_000_000, 1_826) == CHUNK_DAYS  # five dense years: never less than a month
    assert chunk_days(5_000_000, 1_826) == QUOTES_PER_CHUNK * 1_826 // 5_000_000  # a bounded number of quotes
    assert chunk_days(0, 10) >= 10
    days = chunk_days(1_000_000, 1_000)  # 1,000 quotes a day
    assert days * 1_000 <= QUOTES_PER_CHUNK < (days + 1) * 1_000
