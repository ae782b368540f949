"""Google Cloud's GPU pricing page (`gcp-page`) on the real capture; values read from the HTML by eye."""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from tests.helpers import RealCapture, absent, row, run


def test_gcp_page_vm_prices_per_gpu(real_capture: RealCapture) -> None:
    _, quotes, rejections = run(real_capture("gcp-page", "provider-pages-2026/gcp.html"))
    a3 = quotes.filter(pl.col("sku") == "a3-highgpu-8g")
    assert set(a3["good"]) == {"H100-SXM-80GB"} and set(a3["gpu_count"]) == {8}
    assert row(a3, pricing_type="on_demand")["price_usd"] == Decimal("88.490000119") / 8
    assert row(a3, pricing_type="spot")["price_usd"] == Decimal("52.962296548") / 8
    assert row(a3, pricing_type="reserved_1y")["price_usd"] == Decimal("61.383674231") / 8
    assert row(a3, pricing_type="reserved_3y")["price_usd"] == Decimal("38.864383195") / 8
    assert row(quotes, sku="a3-ultragpu-8g", pricing_type="on_demand")["good"] == "H200-SXM-141GB"
    assert row(quotes, sku="a2-ultragpu-1g", pricing_type="on_demand")["good"] == "A100-SXM-80GB"
    a2 = row(quotes, sku="a2-highgpu-1g", pricing_type="on_demand")
    assert (a2["good"], a2["price_usd"]) == ("A100-SXM-40GB", Decimal("3.673385"))
    g2 = row(quotes, sku="g2-standard-4", pricing_type="on_demand")
    assert (g2["good"], g2["price_usd"]) == ("L4-24GB", Decimal("0.706832276"))
    assert row(quotes, sku="g2-standard-4", pricing_type="reserved_1y_flexible")["price_usd"] == Decimal("0.558397485")
    # A4 on-demand is "N/A": no row; its DWS Flex-start $64.44 is recorded but rejected.
    assert absent(quotes, sku="a4-highgpu-8g", pricing_type="on_demand")
    assert "Dynamic Workload Scheduler" in row(rejections, sku="a4-highgpu-8g", price_native="64.4400")["reason"]
    assert absent(quotes, pricing_type="dws_flex_start") and absent(quotes, pricing_type="dws_calendar")
    # Page quirks: a spot cell reading "g2-standard-24-spot", "$2 .0000/ 1 hour", fractional GPUs.
    assert "not a '$X / 1 hour' amount" in row(rejections, price_native="g2-standard-24-spot")["reason"]
    g4 = rejections.filter(pl.col("sku") == "g4-standard-6", ~pl.col("reason").str.contains("Dynamic Workload"))
    assert g4.height == 6 and g4["reason"].str.contains("1/8 GPUs").all()
    assert absent(quotes, sku="g4-standard-6")
    assert row(quotes, sku="g4-standard-48", pricing_type="on_demand")["price_usd"] == Decimal("4.49993")
