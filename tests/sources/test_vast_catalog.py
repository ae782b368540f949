"""Vast.ai offers from the SkyPilot catalog (`vast-catalog`) on the real capture."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import polars as pl

from tests.helpers import RealCapture, row, run


def test_vast_offers_keep_form_factor_and_divide_by_gpu_count(real_capture: RealCapture, realdata: Path) -> None:
    _, quotes, _ = run(real_capture("vast-catalog", "skypilot-format/vast/vms.csv"))
    rows = list(csv.DictReader((realdata / "skypilot-format/vast/vms.csv").open()))
    h200 = next(r for r in rows if r["InstanceType"].startswith("8x-H200"))
    q = row(quotes, sku=h200["InstanceType"], region=h200["Region"])
    assert q["price_usd"] == Decimal(h200["Price"]) / 8
    assert q["good"] == "H200-SXM-141GB"
    nvl = [r for r in rows if "H100_NVL" in r["InstanceType"]]
    assert nvl, "capture has H100 NVL offers"
    assert set(quotes.filter(pl.col("sku").str.contains("H100_NVL"))["good"]) == {"H100-NVL-94GB"}
    assert quotes["provider_class"].unique().to_list() == ["marketplace"]
    assert quotes["input_tier"].unique().to_list() == ["executable"]
