"""CoreWeave's pricing page (`coreweave-page`) on the real capture; values read from the HTML by eye."""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from tests.helpers import RealCapture, absent, row, run


def test_coreweave_instance_prices_are_divided_by_gpu_count(real_capture: RealCapture) -> None:
    _, quotes, rejections = run(real_capture("coreweave-page", "provider-pages-2026/coreweave.html"))
    # HGX H100, 8 GPUs: $49.24 per instance-hour in both regions -> $6.155 per GPU-hour.
    for region in ("north_america", "europe"):
        q = row(quotes, sku="hgx-h100", region=region, pricing_type="on_demand")
        assert (q["good"], q["gpu_count"]) == ("H100-SXM-80GB", 8)
        assert q["price_native"] == Decimal("49.24")
        assert q["price_usd"] == Decimal("49.24") / 8 == Decimal("6.155")
    assert row(quotes, sku="hgx-h100", region="north_america", pricing_type="spot")["price_usd"] == Decimal("19.71") / 8
    assert row(quotes, sku="hgx-h100", region="europe", pricing_type="spot")["price_usd"] == Decimal("19.51") / 8
    # GB200 NVL72: "4^1" GPUs per instance at $42.00 -> $10.50.
    gb200 = row(quotes, sku="nvidia-gb200-nvl72", region="north_america")
    assert (gb200["good"], gb200["gpu_count"], gb200["price_usd"]) == ("GB200-186GB", 4, Decimal("10.50"))
    assert row(quotes, sku="hgx-h200", region="north_america", pricing_type="on_demand")["good"] == "H200-SXM-141GB"
    assert row(quotes, sku="nvidia-gh200", region="europe")["price_usd"] == Decimal("6.50")
    # HGX B300 on-demand says "Contact sales": no row; its spot $35.84 is a quote.
    assert absent(quotes, sku="nvidia-b300", pricing_type="on_demand")
    assert row(quotes, sku="nvidia-b300", region="north_america")["price_usd"] == Decimal("35.84") / 8
    # "Inference Single GPU Price" ($6.16 for H100) is for inference-platform customers only.
    inference = row(rejections, sku="hgx-h100:inference")
    assert (inference["price_native"], inference["rule"]) == ("6.16", "parser")
    # "NVIDIA A100" (80 GB) does not say SXM or PCIe.
    assert set(rejections.filter(pl.col("sku") == "nvidia-a100")["rule"]) == {"identity_ambiguous"}
    # CPU, storage and networking tables are not read.
    assert not quotes["label"].str.contains("AMD Genoa|Intel").any()
