"""Crusoe's pricing page (`crusoe-page`) on the real captures; every expected value read from the HTML by eye."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from pipeline.domain.records import RawCapture
from pipeline.sources import REGISTRY
from tests.helpers import FETCHED, RealCapture, row, run
from tests.sources.page_meaning import by_meaning


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


# Read by meaning alone (no layout reader): every price printed next to a GPU, as a person reads it.
CRUSOE_2025_05 = {
    (gpu, kind, "gpu_hour", 1, price)
    for gpu, prices in {
        "NVIDIA H200 141GB SXM": ("4.29", None, "3.43", "3.22", "2.79"),
        "NVIDIA H100 80GB SXM": ("3.90", None, "3.12", "2.93", "2.54"),
        "AMD MI300X 192GB OAM": ("3.45", "0.95", "2.76", "2.59", "2.24"),
        "NVIDIA A100 80GB SXM": ("1.95", None, "1.56", "1.46", "1.27"),
        "NVIDIA A100 80GB PCIe": ("1.65", None, "1.32", "1.24", "1.07"),
        "NVIDIA A100 40GB PCIe": ("1.45", None, "1.16", "1.09", "0.94"),
        "NVIDIA L40S 48GB PCIe": ("1.00", "0.50", "0.80", "0.75", "0.65"),
    }.items()
    for kind, price in zip(("on_demand", "spot", "reserved_6m", "reserved_1y", "reserved_3y"), prices, strict=True)
    if price is not None  # "Contact Sales"
}


@pytest.mark.parametrize(
    ("relative", "offered", "refused"),
    [
        ("pricing-pages/crusoe_20250521220413.html", CRUSOE_2025_05, set()),
        (
            "pricing-pages/crusoe_20251215002446.html",
            {
                ("NVIDIA H200 141GB HGX (SXM)", "on_demand", "gpu_hour", 1, "4.29"),
                ("NVIDIA H100 80GB HGX (SXM)", "on_demand", "gpu_hour", 1, "3.90"),
                ("NVIDIA H100 80GB HGX (SXM)", "spot", "gpu_hour", 1, "1.60"),
            },
            set(),
        ),
        (
            "provider-pages-2026/crusoe.html",
            {
                ("NVIDIA H200 141GB HGX (SXM)", "on_demand", "gpu_hour", 1, "4.29"),
                ("NVIDIA H100 80GB HGX (SXM)", "on_demand", "gpu_hour", 1, "3.90"),
                ("NVIDIA A100 80GB SXM", "on_demand", "gpu_hour", 1, "2.30"),
                ("NVIDIA A100 80GB PCIe", "on_demand", "gpu_hour", 1, "2.00"),
                ("NVIDIA L40S 48GB", "on_demand", "gpu_hour", 1, "1.50"),
                ("AMD MI300X 192GB", "on_demand", "gpu_hour", 1, "3.45"),
            },
            # "Self-Serve Deployments": dedicated inference endpoints, a managed service
            {
                ("NVIDIA H100 80GB HGX (SXM)", "5.50"),
                ("NVIDIA H200 141GB HGX (SXM)", "6.00"),
                ("NVIDIA B200 180GB HGX (SXM)", "9.65"),
                ("AMD MI355x 288GB", "7.40"),
            },
        ),
    ],
)
def test_crusoe_every_capture_read_by_meaning(
    real_capture: RealCapture, relative: str, offered: set[object], refused: set[object]
) -> None:
    assert by_meaning(real_capture, "crusoe-page", relative) == (offered, refused)


def test_a_column_title_styled_as_a_heading_does_not_head_the_records_below(realdata: Path) -> None:
    """Crusoe 2026's titles "GPU model | On-demand | Current spot" are each styled "pricing-heading". With "On-demand"
    called "Hourly" (a title naming no pricing type, read by meaning), the last title, "Current spot", was taken for
    the section's heading and every on-demand figure published as a spot price ($3.90 an H100 spot hour)."""
    text = (realdata / "provider-pages-2026/crusoe.html").read_text()
    hourly = text.replace(">On-demand<", ">Hourly<")
    assert hourly != text
    _, quotes, _ = run(RawCapture("crusoe-page", REGISTRY["crusoe-page"].requests[0].url, FETCHED, hourly.encode()))
    assert "spot" not in set(quotes["pricing_type"])
    assert row(quotes, good="H100-SXM-80GB")["price_usd"] == Decimal("3.90")
    assert row(quotes, good="H100-SXM-80GB")["pricing_type"] == "on_demand"
