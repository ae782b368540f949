"""Oracle Cloud's price list API (`oracle`) on the real capture: GPU-hour parts, and parts that are not."""

from __future__ import annotations

from decimal import Decimal

from tests.helpers import RealCapture, row, run


def test_oracle_gpu_hour_parts(real_capture: RealCapture) -> None:
    _, quotes, rejections = run(real_capture("oracle", "provider-pages-2026/oracle.json"))
    h200 = row(quotes, sku="B110519")
    assert (h200["good"], h200["price_usd"]) == ("H200-SXM-141GB", Decimal("10"))
    assert row(quotes, sku="B110978")["good"] == "B200-SXM-180GB"
    assert row(quotes, sku="B110978")["price_usd"] == Decimal("14")
    assert row(quotes, sku="B109479")["good"] == "L40S-48GB"
    assert row(quotes, sku="B109485")["price_usd"] == Decimal("6")
    # "GPU - H100" does not say SXM or PCIe.
    assert row(rejections, sku="B98415")["rule"] == "identity_ambiguous"
    # Cloud@Customer and VMware node-hour / per-day parts are not public GPU-hour prices.
    assert "Cloud@Customer" in row(rejections, sku="B111455")["reason"]
    assert "Node Per Hour" in row(rejections, sku="B108807")["reason"]
    assert "Per Day" in row(rejections, sku="B109493")["reason"]
    assert set(quotes["provider"]) == {"oracle"}
