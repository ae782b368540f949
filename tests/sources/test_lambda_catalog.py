"""Lambda Cloud from the SkyPilot catalog (`lambda-catalog`) on a real history file."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import polars as pl

from tests.helpers import HISTORY, RealCapture, catalog_day, row, run


def test_lambda_instance_price_over_gpu_count_and_form_factor_from_instance_type(
    real_capture: RealCapture, realdata: Path
) -> None:
    relative = f"{HISTORY}/lambda/2026-05-20.csv"
    parsed, quotes, rejections = run(real_capture("lambda-catalog", relative, catalog_day("2026-05-20")))
    rows = list(csv.DictReader((realdata / relative).open()))
    assert parsed.height == len(rows)  # Lambda has no spot prices: one row per catalog row
    sxm = next(r for r in rows if r["InstanceType"] == "gpu_8x_h100_sxm5")
    q = row(quotes, sku="gpu_8x_h100_sxm5", region=sxm["Region"])
    assert q["good"] == "H100-SXM-80GB"
    assert q["gpu_count"] == 8
    assert q["price_usd"] == Decimal(sxm["Price"]) / 8
    assert q["observed_at"] == catalog_day("2026-05-20")
    pcie = next(r for r in rows if r["InstanceType"] == "gpu_1x_h100_pcie")
    assert row(quotes, sku="gpu_1x_h100_pcie", region=pcie["Region"])["price_usd"] == Decimal(pcie["Price"])
    assert set(quotes.filter(pl.col("sku") == "gpu_1x_h100_pcie")["good"]) == {"H100-PCIE-80GB"}
    assert set(quotes.filter(pl.col("sku") == "gpu_8x_a100_80gb_sxm4")["good"]) == {"A100-SXM-80GB"}
    assert set(quotes.filter(pl.col("sku") == "gpu_1x_gh200")["good"]) == {"GH200-96GB"}
    # "gpu_8x_a100" does not say SXM or PCIe: rejected as ambiguous, never guessed.
    assert "gpu_8x_a100" not in set(quotes["sku"])
    assert set(rejections.filter(pl.col("sku") == "gpu_8x_a100")["rule"]) == {"identity_ambiguous"}
