"""Crusoe's pricing page (`crusoe-page`) on the real captures; every expected value read from the HTML by eye."""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from tests.helpers import RealCapture, row, run


def test_crusoe_2025_table_on_demand_spot_and_reserved_terms(real_capture: RealCapture) -> None:
    parsed, quotes, _ = run(real_capture("crusoe-page", "pricing-pages/crusoe_20250521220413.html"))
    h100 = quotes.filter(pl.col("label") == "NVIDIA H100 80GB SXM")
    assert set(h100["good"]) == {"H100-SXM-80GB"}
    # "$ 3.90 /hr | Contact Sales | $ 3.12 | $ 2.93 | $ 2.54"
    assert dict(zip(h100["pricing_type"], h100["price_usd"], strict=True)) == {
        "on_demand": Decimal("3.90"),
        "reserved_6m": Decimal("3.12"),
        "reserved_1y": Decimal("2.93"),
        "reserved_3y": Decimal("2.54"),
    }
    assert row(quotes, label="NVIDIA H200 141GB SXM", pricing_type="on_demand")["good"] == "H200-SXM-141GB"
    assert row(quotes, label="NVIDIA H200 141GB SXM", pricing_type="reserved_3y")["price_usd"] == Decimal("2.79")
    assert row(quotes, label="AMD MI300X 192GB OAM", pricing_type="spot")["price_usd"] == Decimal("0.95")
    assert row(quotes, label="AMD MI300X 192GB OAM", pricing_type="spot")["good"] == "MI300X-192GB"
    assert row(quotes, label="NVIDIA L40S 48GB PCIe", pricing_type="spot")["price_usd"] == Decimal("0.50")
    pcie80 = row(quotes, label="NVIDIA A100 80GB PCIe", pricing_type="on_demand")
    assert (pcie80["good"], pcie80["price_usd"]) == ("A100-PCIE-80GB", Decimal("1.65"))
    pcie40 = row(quotes, label="NVIDIA A100 40GB PCIe", pricing_type="on_demand")
    assert (pcie40["good"], pcie40["price_usd"]) == ("A100-PCIE-40GB", Decimal("1.45"))
    assert row(quotes, label="NVIDIA A100 80GB SXM", pricing_type="on_demand")["good"] == "A100-SXM-80GB"
    # H100 spot is "Contact Sales"; the excerpt ends at the A40's name, before its prices.
    assert parsed.filter((pl.col("label") == "NVIDIA H100 80GB SXM") & (pl.col("pricing_type") == "spot")).is_empty()
    assert parsed.filter(pl.col("label").str.contains("A40")).is_empty()
    assert parsed.height == 30


def test_crusoe_late_2025_list_per_gpu_hour_and_hgx_left_to_identity(real_capture: RealCapture) -> None:
    parsed, quotes, _rejections = run(real_capture("crusoe-page", "pricing-pages/crusoe_20251215002446.html"))
    # "NVIDIA H200 | 141GB | HGX | $4.29/GPU-hr | Contact sales"
    h200 = row(quotes, label="NVIDIA H200 141GB HGX")
    assert (h200["good"], h200["pricing_type"], h200["price_usd"]) == ("H200-SXM-141GB", "on_demand", Decimal("4.29"))
    # "NVIDIA H100 | 80GB | HGX | $3.90/GPU-hr | $1.60/GPU-hr": parsed as the page says it ...
    h100 = parsed.filter(pl.col("label") == "NVIDIA H100 80GB HGX")
    assert dict(zip(h100["pricing_type"], h100["price_native"], strict=True)) == {"on_demand": "3.90", "spot": "1.60"}
    # ... and "HGX" states SXM (HGX baseboards carry only SXM modules).
    assert set(quotes.filter(pl.col("label") == "NVIDIA H100 80GB HGX")["good"]) == {"H100-SXM-80GB"}
    # GB200 and B200 are "Contact sales" in both columns: nothing priced.
    assert parsed.filter(pl.col("label").str.contains("B200")).is_empty()


def test_crusoe_2026_page_reads_only_the_gpu_instance_list(real_capture: RealCapture) -> None:
    parsed, quotes, _ = run(real_capture("crusoe-page", "provider-pages-2026/crusoe.html"))
    assert row(quotes, label="NVIDIA A100 80GB SXM")["price_usd"] == Decimal("2.30")
    assert row(quotes, label="NVIDIA A100 80GB SXM")["good"] == "A100-SXM-80GB"
    assert row(quotes, label="NVIDIA A100 80GB PCIe")["price_usd"] == Decimal("2.00")
    assert row(quotes, label="NVIDIA L40S 48GB")["good"] == "L40S-48GB"
    assert row(quotes, label="NVIDIA L40S 48GB")["price_usd"] == Decimal("1.50")
    assert row(quotes, label="AMD MI300X 192GB")["price_usd"] == Decimal("3.45")
    assert row(quotes, label="NVIDIA H200 141GB HGX")["price_usd"] == Decimal("4.29")
    # Spot is "Contact sales" for every GPU; the dedicated-endpoint list ("NVIDIA H100 ... $5.50") is
    # another product, and token/CPU prices are not GPU-hours.
    assert set(parsed["pricing_type"]) == {"on_demand"}
    assert "5.50" not in set(parsed["price_native"])
    assert parsed.height == 6
