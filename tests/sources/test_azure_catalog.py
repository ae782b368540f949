"""Azure from the SkyPilot catalog (`azure-catalog`) on real history files: on-demand and spot per GPU."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import polars as pl

from tests.helpers import HISTORY, RealCapture, catalog_day, row, run


def test_azure_catalog_on_demand_and_spot_per_gpu(real_capture: RealCapture, realdata: Path) -> None:
    relative = f"{HISTORY}/azure/2026-05-20.csv"
    _, quotes, rejections = run(real_capture("azure-catalog", relative, catalog_day("2026-05-20")))
    rows = list(csv.DictReader((realdata / relative).open()))
    nd = next(r for r in rows if r["InstanceType"] == "Standard_ND96isr_H100_v5")
    on_demand = row(quotes, sku=nd["InstanceType"], region=nd["Region"], pricing_type="on_demand")
    spot = row(quotes, sku=nd["InstanceType"], region=nd["Region"], pricing_type="spot")
    assert on_demand["good"] == spot["good"] == "H100-SXM-80GB"
    assert on_demand["price_usd"] == Decimal(nd["Price"]) / 8
    assert spot["price_usd"] == Decimal(nd["SpotPrice"]) / 8
    assert (on_demand["provider"], on_demand["provider_class"]) == ("azure", "hyperscaler")
    assert set(quotes.filter(pl.col("sku") == "Standard_NC40ads_H100_v5")["good"]) == {"H100-NVL-94GB"}
    assert set(quotes.filter(pl.col("sku") == "Standard_ND96asr_v4")["good"]) == {"A100-SXM-40GB"}
    assert set(quotes.filter(pl.col("sku") == "Standard_ND96isr_MI300X_v5")["good"]) == {"MI300X-192GB"}
    # The confidential-computing NCC40ads H100 v5 is Azure's H100 NVL size too.
    assert set(quotes.filter(pl.col("sku") == "Standard_NCC40ads_H100_v5")["good"]) == {"H100-NVL-94GB"}
    spots = sum(1 for r in rows if r["SpotPrice"].strip())
    assert quotes.height + rejections.height == len(rows) + spots


def test_azure_catalog_empty_price_is_a_rejection(real_capture: RealCapture, realdata: Path) -> None:
    relative = f"{HISTORY}/azure/2026-05-01.csv"
    _, _, rejections = run(real_capture("azure-catalog", relative, catalog_day("2026-05-01")))
    empty = [r for r in csv.DictReader((realdata / relative).open()) if not r["Price"].strip()]
    assert empty
    assert rejections.filter(pl.col("reason") == "empty Price").height == len(empty)
