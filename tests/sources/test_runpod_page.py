"""RunPod's pricing page (`runpod-page`) in its three shapes, on the real archived captures; values read by eye."""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from pipeline.sources.pages import TEASER_REASON
from tests.helpers import RealCapture, row, run


def test_runpod_page_2023_next_data(real_capture: RealCapture) -> None:
    _, quotes, rejections = run(real_capture("runpod-page", "pricing-pages/runpod_20230929070808.html"))
    # "H100 80GB SXM5": secure 4.49, community 4.09, community spot 2.49.
    h100 = quotes.filter(pl.col("sku") == "NVIDIA H100 80GB HBM3")
    assert set(h100["good"]) == {"H100-SXM-80GB"}
    assert row(h100, region="secure_cloud", pricing_type="on_demand")["price_usd"] == Decimal("4.49")
    assert row(h100, region="community_cloud", pricing_type="on_demand")["price_usd"] == Decimal("4.09")
    assert row(h100, region="community_cloud", pricing_type="spot")["price_usd"] == Decimal("2.49")
    assert row(quotes, sku="NVIDIA A100 80GB PCIe", region="secure_cloud")["good"] == "A100-PCIE-80GB"
    # A100 SXM 80GB has communityCloud false: its communityPrice 1.69 is not an offer.
    sxm = row(rejections, sku="NVIDIA A100-SXM4-80GB", price_native="1.69")
    assert "communityCloud is false" in sxm["reason"]
    assert row(quotes, sku="NVIDIA A100-SXM4-80GB", region="secure_cloud")["good"] == "A100-SXM-80GB"
    # L40 has 1/3/6-month prices 1.08 / 1.02 / 0.97.
    assert row(quotes, sku="NVIDIA L40", pricing_type="reserved_1m")["price_usd"] == Decimal("1.08")
    assert row(quotes, sku="NVIDIA L40", pricing_type="reserved_6m")["price_usd"] == Decimal("0.97")
    # RTX 3080 securePrice 0: not offered, never a $0 quote.
    assert row(rejections, sku="NVIDIA GeForce RTX 3080", price_native="0")["reason"] == (
        "not offered on secure_cloud (securePrice is 0)"
    )


def test_runpod_page_2025_price_attributes(real_capture: RealCapture) -> None:
    _, quotes, rejections = run(real_capture("runpod-page", "pricing-pages/runpod_20250909131230.html"))
    h200 = row(quotes, sku="H200", region="secure_cloud")
    assert (h200["good"], h200["price_usd"]) == ("H200-SXM-141GB", Decimal("3.79"))
    assert row(quotes, sku="H200", region="community_cloud")["price_usd"] == Decimal("3.59")
    assert row(quotes, sku="H100 NVL", region="secure_cloud")["good"] == "H100-NVL-94GB"
    assert row(quotes, sku="H100 PCIe", region="community_cloud")["price_usd"] == Decimal("1.99")
    assert row(quotes, sku="B200", region="community_cloud")["price_usd"] == Decimal("5.98")
    assert set(quotes.filter(pl.col("sku") == "H100 SXM")["good"]) == {"H100-SXM-80GB"}
    assert quotes.height == 10 and rejections.height == 0


def test_runpod_page_2026_json_ld(real_capture: RealCapture) -> None:
    parsed, quotes, rejections = run(real_capture("runpod-page", "pricing-pages/runpod_20260810082317.html"))
    b300 = quotes.filter(pl.col("label") == "B300")
    assert set(b300["good"]) == {"B300-SXM-288GB"}
    assert row(b300, region="community_cloud")["price_usd"] == Decimal("6.94")
    assert row(b300, region="secure_cloud")["price_usd"] == Decimal("7.39")
    assert row(quotes, label="H100 SXM", region="secure_cloud")["price_usd"] == Decimal("2.99")
    assert row(quotes, label="L4", region="secure_cloud")["price_usd"] == Decimal("0.39")
    # "Rent H100 80GB from $1.99/hr" in the page description: a teaser, not a quote.
    teaser = row(rejections, label="H100 80GB")
    assert (teaser["price_native"], teaser["reason"]) == ("1.99", TEASER_REASON)
    # "A100 SXM" / "A100 PCIe" without memory stay ambiguous.
    assert set(rejections.filter(pl.col("label").str.starts_with("A100"))["rule"]) == {"identity_ambiguous"}
    assert parsed.filter(pl.col("reject_reason").is_null()).height == 38  # 19 GPUs x 2 clouds
