"""The AWS price history (`aws-history`) on the real capture: a quote per reading, at its own timestamp."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl

from tests.helpers import RealCapture, row, run


def test_aws_history_quote_per_day_at_its_own_timestamp(real_capture: RealCapture, realdata: Path) -> None:
    parsed, quotes, rejections = run(real_capture("aws-history", "aws/gpu_prices.csv"))
    rows = list(csv.DictReader((realdata / "aws/gpu_prices.csv").open(newline="")))
    assert parsed.height == len(rows) == 500
    assert set(quotes["good"]) == {"H100-SXM-80GB"} and set(quotes["gpu_count"]) == {8}
    cut = datetime(2025, 6, 5, tzinfo=UTC)
    before = quotes.filter(pl.col("observed_at") < cut)
    after = quotes.filter(pl.col("observed_at") >= cut)
    assert before.height > 0 and after.height > 0
    # The capture's README states the two prices in force: 98.32 until June 2025, then 55.04.
    assert set(before["price_usd"]) == {Decimal("98.32") / 8}
    assert set(after["price_usd"]) == {Decimal("55.04") / 8}
    first = row(quotes, row_no=0)
    assert first["observed_at"] == datetime.fromisoformat(rows[0]["timestamp"]).replace(tzinfo=UTC)
    assert str(first["observed_at"].tzinfo) == "UTC"
    empty = [i for i, r in enumerate(rows) if not r["price_usd"].strip()]
    assert sorted(rejections["row_no"]) == empty and len(empty) == 13
    assert set(rejections["reason"]) == {"empty price (failed run or placeholder row)"}
