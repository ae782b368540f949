"""Fluidstack's pricing page (`fluidstack-page`) on the real archived captures; values read from the HTML by eye."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from pipeline.domain.records import RawCapture
from pipeline.sources import REGISTRY
from tests.helpers import FETCHED, RealCapture, absent, row, run
from tests.sources.page_meaning import by_meaning


def test_fluidstack_2023_grid(real_capture: RealCapture) -> None:
    capture = real_capture("fluidstack-page", "pricing-pages/fluidstack_20230930024119.html")
    _, quotes, rejections = run(capture)
    # The grid prices the GPU alone: "Max vCPUs per GPU ($0.01/hr)" and "Max RAM (GB) per GPU ($0.005/hr)" bill the
    # host apart, so no figure is the price of a rentable GPU-hour (parser v4): each is refused, saying why.
    assert quotes.is_empty()
    assert rejections.height == 12 and set(rejections["rule"]) == {"parser"}
    assert all("bills the host apart ('vCPUs per GPU ($0.01/hr)')" in r for r in rejections["reason"])
    # As parser v3 read it (quotes stored with v3 re-derive so): "NVIDIA HGX H100" $4.76 on-demand, $2.89 on 6
    # months; HGX says SXM.
    v3 = REGISTRY["fluidstack-page"].parser("3")(capture)
    hgx = v3.filter(pl.col("sku") == "NVIDIA HGX H100")
    assert set(zip(hgx["pricing_type"], hgx["price_native"], strict=True)) == {
        ("on_demand", "4.76"),
        ("reserved_6m", "2.89"),
    }
    assert hgx["reject_reason"].is_null().all()
    # "A100 80GB NVLINK" does not say SXM or PCIe: ambiguous, not guessed (v3 leaves it to the identity rules).
    assert v3.filter(pl.col("sku") == "A100 80GB NVLINK").height == 2
    # The "Max vCPUs per GPU ($0.01/hr)" column prices CPUs: never a GPU row.
    assert "0.01" not in set(v3["price_native"])


def test_fluidstack_2023_grid_without_per_gpu_in_its_titles(realdata: Path) -> None:
    """ "Max vCPUs ($0.01/hr)", "Max RAM (GB) ($0.005/hr)": the host's allotment priced by the unit, "per GPU" left out,
    still bills the host apart; every figure is refused as a component's (read as prices, before: $4.76 an H100-hour
    for a part of a rentable one)."""
    text = (realdata / "pricing-pages/fluidstack_20230930024119.html").read_text().replace(" per GPU (", " (")
    assert "Max vCPUs ($0.01/hr)" in text
    _, quotes, rejections = run(
        RawCapture("fluidstack-page", REGISTRY["fluidstack-page"].requests[0].url, FETCHED, text.encode())
    )
    assert quotes.is_empty()
    assert rejections.height == 12
    assert all("bills the host apart ('Max vCPUs ($0.01/hr)')" in r for r in rejections["reason"])


def test_fluidstack_2025_table(real_capture: RealCapture) -> None:
    _, quotes, _ = run(real_capture("fluidstack-page", "pricing-pages/fluidstack_20250109013724.html"))
    # H200 on-demand is "n/a": only its 1-year price ($2.45) is a row.
    assert absent(quotes, sku="Nvidia H200", pricing_type="on_demand")
    h200 = row(quotes, sku="Nvidia H200", pricing_type="reserved_1y")
    assert (h200["good"], h200["price_usd"]) == ("H200-SXM-141GB", Decimal("2.45"))
    assert row(quotes, sku="Nvidia H100 PCIe", pricing_type="on_demand")["price_usd"] == Decimal("2.89")
    assert row(quotes, sku="Nvidia A100 80GB PCIe", pricing_type="reserved_1y")["good"] == "A100-PCIE-80GB"
    l40 = row(quotes, sku="Nvidia L40", pricing_type="on_demand")
    assert (l40["good"], l40["price_usd"]) == ("L40-48GB", Decimal("1.25"))
    assert quotes.height == 9


@pytest.mark.parametrize(
    ("relative", "offered"),
    [
        (
            "pricing-pages/fluidstack_20230930024119.html",
            {
                (gpu, kind, "gpu_hour", 1, price)
                for gpu, prices in {
                    "NVIDIA HGX H100 80GB (SXM)": ("4.76", "2.89"),
                    "NVIDIA H100 PCIe 80GB": ("4.25", "2.89"),
                    "A100 80GB NVLINK": ("2.21", "1.48"),
                    "A100 80GB PCIe": ("2.21", "1.42"),
                    "A100 40GB NVLINK": ("1.29", "1.29"),
                    "A100 40GB PCIe": ("1.40", "1.38"),
                }.items()
                for kind, price in zip(("on_demand", "reserved_6m"), prices, strict=True)
            },
        ),
        (
            "pricing-pages/fluidstack_20250109013724.html",
            {
                ("Nvidia H200 141GB", "reserved_1y", "gpu_hour", 1, "2.45"),  # on-demand "n/a"
                ("Nvidia H100 PCIe 80GB", "on_demand", "gpu_hour", 1, "2.89"),
                ("Nvidia H100 PCIe 80GB", "reserved_1y", "gpu_hour", 1, "2.05"),
                ("Nvidia A100 80GB PCIe", "on_demand", "gpu_hour", 1, "1.80"),
                ("Nvidia A100 80GB PCIe", "reserved_1y", "gpu_hour", 1, "1.20"),
                ("Nvidia A100 40GB PCIe", "on_demand", "gpu_hour", 1, "1.65"),
                ("Nvidia A100 40GB PCIe", "reserved_1y", "gpu_hour", 1, "1.05"),
                ("Nvidia L40 48GB", "on_demand", "gpu_hour", 1, "1.25"),
                ("Nvidia L40 48GB", "reserved_1y", "gpu_hour", 1, "0.99"),
            },
        ),
    ],
)
def test_fluidstack_every_capture_read_by_meaning(
    real_capture: RealCapture, relative: str, offered: set[object]
) -> None:
    assert by_meaning(real_capture, "fluidstack-page", relative) == (offered, set())
