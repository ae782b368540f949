"""Azure Retail Prices API (`azure`) on the real capture: per-GPU prices, and meters that are not GPU goods."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import polars as pl

from tests.helpers import RealCapture, row, run


def test_azure_per_gpu_price_is_vm_price_over_gpu_count(real_capture: RealCapture, realdata: Path) -> None:
    _, quotes, _rejections = run(real_capture("azure", "azure/azure.json"))
    items = json.loads((realdata / "azure/azure.json").read_text(), parse_float=Decimal)
    nd = next(
        i
        for i in items
        if i["armSkuName"] == "Standard_ND96isr_H100_v5"
        and i["meterName"] == "ND96isrH100v5"
        and not i["productName"].endswith("Windows")
    )
    q = row(quotes, sku="Standard_ND96isr_H100_v5", region=nd["armRegionName"], pricing_type="on_demand")
    assert q["good"] == "H100-SXM-80GB"
    assert q["gpu_count"] == 8
    assert q["price_usd"] == nd["retailPrice"] / 8
    assert q["price_native"] == nd["retailPrice"]
    # NC40ads H100 v5 is one H100 NVL: a different good from SXM.
    assert set(quotes.filter(pl.col("sku") == "Standard_NC40ads_H100_v5")["good"]) == {"H100-NVL-94GB"}
    # ND96asr v4 carries A100 40GB, never the 80GB good.
    assert set(quotes.filter(pl.col("sku") == "Standard_ND96asr_v4")["good"]) == {"A100-SXM-40GB"}
    assert "spot" in set(quotes["pricing_type"])


def test_azure_windows_and_low_priority_meters_are_rejected_with_reasons(real_capture: RealCapture) -> None:
    parsed, quotes, rejections = run(real_capture("azure", "azure/azure.json"))
    windows = parsed.filter(pl.col("attributes").str.contains("Windows"))
    assert windows.height > 0
    assert set(windows["row_no"]) <= set(rejections["row_no"])
    assert rejections.filter(pl.col("reason").str.contains("Windows")).height == windows.height
    assert rejections.filter(pl.col("reason").str.contains("low-priority")).height > 0
    assert not quotes["attributes"].str.contains("Low Priority").any()
