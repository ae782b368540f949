"""Hyperstack's pricing page (`hyperstack-page`) on the real captures; expected values read from the HTML by eye."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest

from pipeline.sources.pages.reader import read_by_meaning
from pipeline.sources.pages.wording import TEASER_REASON
from tests.helpers import RealCapture, row, run
from tests.sources.page_meaning import by_meaning


def test_hyperstack_2024_table_and_starts_from_reservations(real_capture: RealCapture) -> None:
    _, quotes, rejections = run(real_capture("hyperstack-page", "pricing-pages/hyperstack_20240822101707.html"))
    # "NVIDIA H100 SXM 80GB | 80 | 24 | 240 | $ 3.75 per Hour | Starts from $2.25/hour"
    sxm = row(quotes, sku="NVIDIA H100 SXM 80GB")
    assert (sxm["good"], sxm["pricing_type"], sxm["price_usd"]) == ("H100-SXM-80GB", "on_demand", Decimal("3.75"))
    assert row(quotes, sku="NVIDIA H100 PCIe NVLink 80GB")["good"] == "H100-PCIE-80GB"
    assert row(quotes, sku="NVIDIA H100 PCIe NVLink 80GB")["price_usd"] == Decimal("3.54")
    assert row(quotes, sku="NVIDIA A100 PCIe 80GB")["good"] == "A100-PCIE-80GB"
    assert row(quotes, sku="NVIDIA A100 PCIe 80GB")["price_usd"] == Decimal("2.20")  # "$ &nbsp;2.20 per Hour"
    teasers = rejections.filter(pl.col("reason") == TEASER_REASON)
    assert teasers.height == 9
    assert row(teasers, sku="NVIDIA H100 SXM 80GB")["price_native"] == "2.25"
    # "NVIDIA RTX A6000/A40": one price for two GPUs is no single good (never the A40's).
    combined = row(rejections, sku="NVIDIA RTX A6000/A40", price_native="1.00")
    assert "two GPU models" in combined["reason"]
    assert "A40-48GB" not in set(quotes["good"].drop_nulls())


def test_hyperstack_2025_cards_on_demand_spot_and_teasers(real_capture: RealCapture) -> None:
    parsed, quotes, rejections = run(real_capture("hyperstack-page", "pricing-pages/hyperstack_20250724001416.html"))
    h200 = row(quotes, sku="NVIDIA H200 SXM", pricing_type="on_demand")
    assert (h200["good"], h200["price_usd"]) == ("H200-SXM-141GB", Decimal("3.50"))
    assert row(quotes, sku="NVIDIA H100 SXM", pricing_type="on_demand")["price_usd"] == Decimal("2.40")
    assert row(quotes, sku="NVIDIA A100 SXM", pricing_type="on_demand")["good"] == "A100-SXM-80GB"
    assert row(quotes, sku="NVIDIA L40", pricing_type="spot")["price_usd"] == Decimal("0.80")
    # The VRAM column of the on-demand card gives the spot card's A100 its 80GB, but the page never
    # says SXM or PCIe for "NVIDIA A100", nor for "NVIDIA H100" / "NVIDIA H100 NVLink".
    assert row(rejections, sku="NVIDIA A100", price_native="1.08")["rule"] == "identity_ambiguous"
    assert row(rejections, sku="NVIDIA H100", price_native="1.90")["rule"] == "identity_ambiguous"
    assert row(rejections, sku="NVIDIA H100 NVLink", price_native="1.95")["rule"] == "identity_ambiguous"
    # Reservation card: "Starting from" every figure.
    reserved = parsed.filter(pl.col("pricing_type") == "reserved_unspecified")
    assert reserved.height == 10
    assert set(reserved["reject_reason"]) == {TEASER_REASON}
    assert row(reserved, sku="NVIDIA H100 SXM")["price_native"] == "2.04"


def test_hyperstack_2026_page(real_capture: RealCapture) -> None:
    parsed, quotes, _ = run(real_capture("hyperstack-page", "provider-pages-2026/hyperstack.html"))
    assert row(quotes, sku="NVIDIA H200 SXM", pricing_type="on_demand")["price_usd"] == Decimal("3.99")
    assert row(quotes, sku="NVIDIA H100 SXM", pricing_type="on_demand")["price_usd"] == Decimal("3.20")
    b200 = row(quotes, sku="NVIDIA B200", pricing_type="on_demand")
    assert (b200["good"], b200["price_usd"]) == ("B200-SXM-180GB", Decimal("6.00"))
    assert row(quotes, sku="NVIDIA B300", pricing_type="on_demand")["good"] == "B300-SXM-288GB"
    spot = row(quotes, sku="NVIDIA H100 PCIe", pricing_type="spot")
    assert (spot["good"], spot["price_usd"]) == ("H100-PCIE-80GB", Decimal("2.00"))
    assert row(parsed, sku="NVIDIA B200", pricing_type="reserved_unspecified")["reject_reason"] == TEASER_REASON
    # CPU flavours ("n1-cpu-small $0.35"), storage and token prices are not GPU rows.
    assert parsed.filter(pl.col("sku").str.starts_with("n1-cpu")).is_empty()
    assert parsed.height == 30


def _on_demand(prices: dict[str, str]) -> set[object]:
    return {(gpu, "on_demand", "gpu_hour", 1, price) for gpu, price in prices.items()}


def _spot(prices: dict[str, str]) -> set[object]:
    return {(gpu, "spot", "gpu_hour", 1, price) for gpu, price in prices.items()}


@pytest.mark.parametrize(
    ("relative", "offered", "floors"),
    [
        (
            "pricing-pages/hyperstack_20240822101707.html",
            _on_demand(
                {
                    "NVIDIA RTX A4000 16GB": "0.30",
                    "NVIDIA RTX A5000 24GB": "0.50",
                    "NVIDIA L40 48GB": "1.15",
                    "NVIDIA A100 PCIe 80GB": "2.20",
                    "NVIDIA A100 80GB PCIe NVLink": "2.30",
                    "NVIDIA H100 PCIe 80GB": "3.44",
                    "NVIDIA H100 PCIe NVLink 80GB": "3.54",
                    "NVIDIA H100 SXM 80GB": "3.75",
                }
            ),
            # "Starts from $0.18/hour": floors. "NVIDIA RTX A6000/A40" names two GPUs for one price ($1.00,
            # from $0.60): refused with that reason (test_a_row_naming_two_gpus_is_refused_with_its_reason).
            {"0.18", "0.30", "0.69", "1.32", "1.38", "2.06", "2.12", "2.25", "1.00", "0.60"},
        ),
        (
            "pricing-pages/hyperstack_20250724001416.html",
            _on_demand(
                {
                    "NVIDIA H200 SXM 141GB": "3.50",
                    "NVIDIA H100 SXM 80GB": "2.40",
                    "NVIDIA H100 NVLink 80GB": "1.95",
                    "NVIDIA H100 80GB": "1.90",
                    "NVIDIA A100 SXM 80GB": "1.60",
                    "NVIDIA A100 NVLink 80GB": "1.40",
                    "NVIDIA A100 80GB": "1.35",
                    "NVIDIA L40 48GB": "1.00",
                    "NVIDIA A6000 48GB": "0.50",
                    "NVIDIA A4000 16GB": "0.15",
                }
            )
            | _spot({"NVIDIA A100": "1.08", "NVIDIA L40": "0.80", "NVIDIA A6000": "0.40"}),
            {"2.45", "2.04", "1.37", "1.33", "1.36", "0.98", "0.95", "0.70", "0.35", "0.11"},  # "Starting from"
        ),
        (
            "provider-pages-2026/hyperstack.html",
            _on_demand(
                {
                    "NVIDIA H200 SXM 141GB": "3.99",
                    "NVIDIA H100 SXM 80GB": "3.20",
                    "NVIDIA H100 NVLink 80GB": "2.60",
                    "NVIDIA H100 80GB": "2.50",
                    "NVIDIA RTX Pro 6000 SE 96GB": "1.85",
                    "NVIDIA A100 SXM 80GB": "1.60",
                    "NVIDIA A100 NVLink 80GB": "1.40",
                    "NVIDIA A100 80GB": "1.35",
                    "NVIDIA L40 48GB": "1.00",
                    "NVIDIA A6000 48GB": "0.50",
                    "NVIDIA A4000 16GB": "0.15",
                    "NVIDIA B200 192GB": "6.00",
                    "NVIDIA B300 288GB": "7.40",
                }
            )
            | _spot(
                {
                    "NVIDIA H100 PCIe": "2.00",
                    "NVIDIA RTX Pro 6000 SE": "1.48",
                    "NVIDIA A100": "1.08",
                    "NVIDIA L40": "0.80",
                    "NVIDIA A6000": "0.40",
                }
            ),
            {"2.79", "2.72", "1.82", "1.75", "1.36", "1.30", "0.98", "0.95", "0.70", "0.35", "0.11", "5.10"},
        ),
    ],
)
def test_hyperstack_every_capture_read_by_meaning(
    real_capture: RealCapture, relative: str, offered: set[object], floors: set[str]
) -> None:
    read, refused = by_meaning(real_capture, "hyperstack-page", relative)
    assert read == offered
    assert {price for _, price in refused} == floors


def test_a_row_naming_two_gpus_is_refused_with_its_reason(real_capture: RealCapture) -> None:
    frame = read_by_meaning(
        real_capture("hyperstack-page", "pricing-pages/hyperstack_20240822101707.html"), "hyperstack"
    )
    shared = frame.filter(pl.col("label").str.contains("A6000/A40"))
    assert set(shared["price_native"]) == {"1.00", "0.60"}
    assert set(shared["reject_reason"]) == {
        "the row names RTX A6000 and A40 for one price: which GPU it is for is not stated"
    }
