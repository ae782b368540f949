"""Nebius's price list (`nebius-page`) on the real captures; every expected value read from the HTML by eye."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from pipeline.domain.records import RawCapture
from pipeline.sources import nebius_page
from pipeline.sources.pages.money import FORMER_REASON
from pipeline.sources.pages.wording import TEASER_REASON
from tests.helpers import FETCHED, RealCapture, row, run
from tests.sources.page_meaning import by_meaning


def test_nebius_2024_machine_prices_and_reserve_teasers(real_capture: RealCapture) -> None:
    parsed, quotes, rejections = run(real_capture("nebius-page", "pricing-pages/nebius_20241115043809.html"))
    # "8 × H100 SXM | 640 | 1600 | 128 | $23.60 | $16.00": machine price, vRAM is the machine's.
    h100 = row(quotes, sku="8 × H100 SXM")
    assert (h100["good"], h100["gpu_count"], h100["price_native"]) == ("H100-SXM-80GB", 8, Decimal("23.60"))
    assert h100["price_usd"] == Decimal("2.95")
    assert row(parsed, sku="8 × H100 SXM", pricing_type="on_demand")["gpu_memory_gb"] == 80.0
    assert row(quotes, sku="1 × H200 SXM")["price_usd"] == Decimal("3.50")
    assert row(quotes, sku="8 × H200 SXM")["price_usd"] == Decimal("28.00") / 8
    assert row(quotes, sku="1 × L40s PCIe")["good"] == "L40S-48GB"
    # "As low as $2.00 per hour" cards, and the term-less Reserve column that repeats them.
    cards = rejections.filter(pl.col("sku").str.contains("NVIDIA®"))
    assert sorted(cards["price_native"]) == ["0.80", "2.00", "2.30"]
    assert set(cards["reason"]) == {TEASER_REASON}
    assert row(rejections, sku="1 × H100 SXM")["reason"] == TEASER_REASON
    assert row(rejections, sku="8 × H100 SXM")["reason"] == nebius_page.NO_TERM_REASON
    assert set(quotes["pricing_type"]) == {"on_demand"}


def test_nebius_2026_archive_per_gpu_hour_preemptible_and_from_prices(real_capture: RealCapture) -> None:
    parsed, quotes, _rejections = run(real_capture("nebius-page", "pricing-pages/nebius_20260712235400.html"))
    # "NVIDIA HGX H200 | 16 | 200 | $2.45 | $4.50" under "Preemptible, GPU-hour | On-demand, GPU-hour"
    h200 = quotes.filter(pl.col("sku") == "NVIDIA HGX H200")
    assert set(h200["good"]) == {"H200-SXM-141GB"}
    assert dict(zip(h200["pricing_type"], h200["price_usd"], strict=True)) == {
        "spot": Decimal("2.45"),
        "on_demand": Decimal("4.50"),
    }
    assert row(quotes, sku="NVIDIA HGX B300", pricing_type="on_demand")["price_usd"] == Decimal("7.85")
    assert row(quotes, sku="NVIDIA HGX B200", pricing_type="spot")["good"] == "B200-SXM-180GB"
    assert set(quotes.filter(pl.col("sku") == "NVIDIA HGX H100")["good"]) == {"H100-SXM-80GB"}
    assert row(parsed, sku="NVIDIA HGX H100", pricing_type="on_demand")["price_native"] == "3.85"
    # "from $0.90 | from $1.82": teasers. GB300/GB200 "Contact us": nothing priced.
    l40s = parsed.filter(pl.col("sku").str.starts_with("NVIDIA L40S"))
    assert l40s.height == 4
    assert set(l40s["reject_reason"]) == {TEASER_REASON}
    assert parsed.filter(pl.col("sku").str.contains("GB[23]00")).is_empty()


def test_nebius_2026_page_future_prices_wait_for_their_date(real_capture: RealCapture) -> None:
    # "NVIDIA HGX H200 | 16 | 200 | $4.50 | $5.40" under "On-demand, GPU-hour | GPU-hour (Effective October 1, 2026)"
    before = real_capture("nebius-page", "provider-pages-2026/nebius.html")
    parsed, quotes, rejections = run(before)
    assert row(quotes, sku="NVIDIA HGX H200")["price_usd"] == Decimal("4.50")
    assert "2026-10-01" in row(rejections, sku="NVIDIA HGX H200", price_native="5.40")["reason"]
    # Preemptible: "from $0.79" for every GPU.
    spot = parsed.filter(pl.col("pricing_type") == "spot")
    assert spot.height == 7
    assert set(spot["reject_reason"]) == {TEASER_REASON}
    # Fetched after the date, the announced price is the quote and the old one is superseded.
    after = real_capture("nebius-page", "provider-pages-2026/nebius.html", datetime(2026, 10, 2, tzinfo=UTC))
    _, quotes_after, rejections_after = run(after)
    assert row(quotes_after, sku="NVIDIA HGX H200")["price_usd"] == Decimal("5.40")
    assert "superseded" in row(rejections_after, sku="NVIDIA HGX H200", price_native="4.50")["reason"]


@pytest.mark.parametrize(
    ("relative", "offered", "refused"),
    [
        (
            "pricing-pages/nebius_20241115043809.html",
            {
                ("H200 SXM 141GB", "on_demand", "gpu_hour", 1, "3.50"),
                ("H200 SXM 141GB", "on_demand", "instance_hour", 8, "28.00"),
                ("H100 SXM 80GB", "on_demand", "gpu_hour", 1, "2.95"),
                ("H100 SXM 80GB", "on_demand", "instance_hour", 8, "23.60"),
                ("L40s PCIe 48GB", "on_demand", "gpu_hour", 1, "1.55"),
            },
            # "Reserve" with no term; the cards' "As low as $2.30 per hour" are floors
            {
                ("H200 SXM 141GB", "2.30"),
                ("H200 SXM 141GB", "18.40"),
                ("H100 SXM 80GB", "2.00"),
                ("H100 SXM 80GB", "16.00"),
                ("L40s PCIe 48GB", "0.80"),
                ("NVIDIA H200 Tensor Core", "2.30"),
                ("NVIDIA H100 Tensor Core", "2.00"),
                ("NVIDIA L40S", "0.80"),
            },
        ),
        (
            "pricing-pages/nebius_20260712235400.html",
            {
                (gpu, kind, "gpu_hour", 1, price)
                for gpu, prices in {
                    "NVIDIA HGX B300 (SXM)": ("4.30", "7.85"),
                    "NVIDIA HGX B200 (SXM)": ("3.95", "7.15"),
                    "NVIDIA HGX H200 (SXM)": ("2.45", "4.50"),
                    "NVIDIA HGX H100 (SXM)": ("2.15", "3.85"),
                    "NVIDIA RTX PRO 6000": ("0.95", "1.80"),
                }.items()
                for kind, price in zip(("spot", "on_demand"), prices, strict=True)  # "Preemptible", "On-demand"
            },
            {  # "from $0.90": floors
                ("NVIDIA L40S with Intel CPU", "0.90"),
                ("NVIDIA L40S with Intel CPU", "1.82"),
                ("NVIDIA L40S with AMD CPU", "0.74"),
                ("NVIDIA L40S with AMD CPU", "1.55"),
            },
        ),
        (
            "provider-pages-2026/nebius.html",
            {
                ("NVIDIA HGX B300 (SXM)", "on_demand", "gpu_hour", 1, "7.85"),
                ("NVIDIA HGX B200 (SXM)", "on_demand", "gpu_hour", 1, "7.15"),
                ("NVIDIA HGX H200 (SXM)", "on_demand", "gpu_hour", 1, "4.50"),
                ("NVIDIA HGX H100 (SXM)", "on_demand", "gpu_hour", 1, "3.85"),
                ("NVIDIA RTX PRO 6000", "on_demand", "gpu_hour", 1, "1.80"),
            },
            {  # "GPU-hour (Effective October 1, 2026)": not yet in force; spot "from"; L40S "from"
                ("NVIDIA HGX B300 (SXM)", "9.50"),
                ("NVIDIA HGX B200 (SXM)", "8.50"),
                ("NVIDIA HGX H200 (SXM)", "5.40"),
                ("NVIDIA HGX H100 (SXM)", "4.50"),
                ("NVIDIA HGX B300 (SXM)", "0.99"),
                ("NVIDIA HGX B200 (SXM)", "0.99"),
                ("NVIDIA HGX H200 (SXM)", "0.79"),
                ("NVIDIA HGX H100 (SXM)", "0.79"),
                ("NVIDIA RTX PRO 6000", "0.79"),
                ("NVIDIA L40S with Intel CPU", "1.55"),
                ("NVIDIA L40S with AMD CPU", "1.82"),
                ("NVIDIA L40S with Intel CPU", "0.74"),
                ("NVIDIA L40S with AMD CPU", "0.90"),
            },
        ),
    ],
)
def test_nebius_every_capture_read_by_meaning(
    real_capture: RealCapture, relative: str, offered: set[object], refused: set[object]
) -> None:
    assert by_meaning(real_capture, "nebius-page", relative) == (offered, refused)


def test_nebius_table_cells_whose_figures_are_passed_over_are_refused(realdata: Path) -> None:
    """Every table figure of the 2024 page written "Was $X": no quote, and each figure the page quoted is refused
    with the reason (the reader dropped the cell in silence)."""
    text = (realdata / "pricing-pages/nebius_20241115043809.html").read_text()
    was = re.sub(r'(role="cell"><span>)(\$[\d.,]+)', r"\1Was \2", text)
    assert was != text
    _, quoted, _ = run(RawCapture("nebius-page", nebius_page.URL, FETCHED, text.encode()))
    _, found, refused = run(RawCapture("nebius-page", nebius_page.URL, FETCHED, was.encode()))
    assert found.height == 0
    former = refused.filter(pl.col("reason") == FORMER_REASON)
    assert {Decimal(p) for p in quoted["price_native"]} <= {Decimal(p) for p in former["price_native"]}
