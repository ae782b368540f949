"""DigitalOcean's GPU Droplet page (`digitalocean-page`) on the real archived capture; values read by eye."""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from pipeline.sources.pages.wording import TEASER_REASON
from tests.helpers import RealCapture, row, run
from tests.sources.page_meaning import by_meaning


def test_digitalocean_per_gpu_cards_promotions_and_reserved_floors(real_capture: RealCapture) -> None:
    parsed, quotes, rejections = run(
        real_capture("digitalocean-page", "pricing-pages/digitalocean_20250707231929.html")
    )
    # "AMD Instinct MI300Xx8": $1.99/GPU/hour, 8 GPUs, 1,536 GB -> 192 GB per GPU.
    mi300 = row(quotes, sku="gpu-mi300x8-1536gb")
    assert (mi300["good"], mi300["gpu_count"], mi300["price_usd"]) == ("MI300X-192GB", 8, Decimal("1.99"))
    assert row(parsed, sku="gpu-mi300x8-1536gb")["gpu_memory_gb"] == 192.0
    # "NVIDIA H100x8" $2.99/GPU/hour: the page never says SXM or PCIe.
    h100x8 = row(rejections, sku="gpu-h100x8-640gb")
    assert (h100x8["rule"], h100x8["price_native"]) == ("identity_ambiguous", "2.99")
    # Single H100: $6.74 struck through, $3.39 promotional in force.
    single = parsed.filter(pl.col("sku") == "gpu-h100x1-80gb").sort("row_no")
    assert single["price_native"].to_list() == ["6.74", "3.39"]
    assert "struck-through" in single["reject_reason"][0] and single["reject_reason"][1] is None
    # Reserved cards: "Prices start as low as $1.99/GPU/hour ... 12 months" -> teaser, reserved_1y.
    reserved = parsed.filter(pl.col("sku").str.ends_with("(reserved)"))
    assert sorted(reserved["price_native"]) == ["1.49", "1.99"]
    assert set(reserved["pricing_type"]) == {"reserved_1y"}
    assert set(reserved["reject_reason"]) == {TEASER_REASON}
    assert row(quotes, sku="NVIDIA L40S")["good"] == "L40S-48GB"
    assert row(quotes, sku="gpu-rtx6000x1-48gb")["good"] == "RTX6000ADA-48GB"


def test_digitalocean_capture_read_by_meaning(real_capture: RealCapture) -> None:
    offered, refused = by_meaning(real_capture, "digitalocean-page", "pricing-pages/digitalocean_20250707231929.html")
    assert offered == {
        ("NVIDIA H100 80GB", "on_demand", "gpu_hour", 1, "2.99"),  # H100x8, "$2.99 /GPU/hour", 640 GB over 8
        ("AMD Instinct MI300X 192GB", "on_demand", "gpu_hour", 1, "1.99"),
        ("NVIDIA H100 80GB", "on_demand", "gpu_hour", 1, "3.39"),  # "$6.74 /GPU/hour $3.39 /GPU/hour*"
        ("NVIDIA RTX 4000 Ada Generation 20GB", "on_demand", "gpu_hour", 1, "0.76"),
        ("NVIDIA RTX 6000 Ada Generation 48GB", "on_demand", "gpu_hour", 1, "1.57"),
        ("NVIDIA L40S 48GB", "on_demand", "gpu_hour", 1, "1.57"),
    }
    # "Prices start as low as $1.99/GPU/hour ... 12 months": floors; $6.74 is the list price $3.39 replaces
    assert refused == {("NVIDIA H100", "1.99"), ("AMD Instinct MI300X", "1.49"), ("NVIDIA H100 80GB", "6.74")}
