"""Voltage Park's pricing page (`voltagepark-page`) on the real archived capture; values read by eye."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from tests.helpers import RealCapture, row, run
from tests.sources.page_meaning import by_meaning


def test_voltagepark_hgx_h100_plans(real_capture: RealCapture) -> None:
    _, quotes, _ = run(real_capture("voltagepark-page", "pricing-pages/voltagepark_20250712040631.html"))
    assert set(quotes["good"]) == {"H100-SXM-80GB"}
    assert row(quotes, sku="On-Demand, Ethernet")["price_usd"] == Decimal("1.99")
    assert row(quotes, sku="On-demand, 3200 Gbps Infiniband")["price_usd"] == Decimal("2.49")
    assert quotes.height == 2


def test_voltagepark_capture_read_by_meaning(real_capture: RealCapture) -> None:
    # "On-Demand, Ethernet | $1.99/hr | ... 1-1016 HGX H100 GPUs": the card names its GPU below its price
    offered, refused = by_meaning(real_capture, "voltagepark-page", "pricing-pages/voltagepark_20250712040631.html")
    assert offered == {
        ("HGX H100 (SXM)", "on_demand", "gpu_hour", 1, "1.99"),
        ("HGX H100 (SXM)", "on_demand", "gpu_hour", 1, "2.49"),
    }
    assert refused == set()


def test_a_plan_naming_two_pricing_types_is_neither(real_capture: RealCapture) -> None:
    """The real page with a plan's eyebrow reworded to name two types: its $1.99 is refused, not read as the first
    type named (before: "Spot or reserved" made it a spot price)."""
    capture = real_capture("voltagepark-page", "pricing-pages/voltagepark_20250712040631.html")
    body = capture.body.replace(b"On-Demand, Ethernet", b"Spot or reserved, Ethernet")
    assert body != capture.body
    _, quotes, rejections = run(replace(capture, body=body))
    assert quotes["price_usd"].to_list() == [Decimal("2.49")]  # the other plan, on demand as captured
    refused = row(rejections, price_native="1.99")
    assert "names several pricing types" in refused["reason"]
