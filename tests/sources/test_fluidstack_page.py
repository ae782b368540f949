"""Fluidstack's pricing page (`fluidstack-page`) on the real archived captures; values read from the HTML by eye."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest

from tests.helpers import RealCapture, absent, row, run
from tests.sources.page_meaning import by_meaning


def test_fluidstack_2023_grid(real_capture: RealCapture) -> None:
    _, quotes, rejections = run(real_capture("fluidstack-page", "pricing-pages/fluidstack_20230930024119.html"))
    # "NVIDIA HGX H100": $4.76 on-demand, $2.89 on 6 months; HGX says SXM.
    hgx = row(quotes, sku="NVIDIA HGX H100", pricing_type="on_demand")
    assert (hgx["good"], hgx["price_usd"]) == ("H100-SXM-80GB", Decimal("4.76"))
    assert row(quotes, sku="NVIDIA HGX H100", pricing_type="reserved_6m")["price_usd"] == Decimal("2.89")
    assert row(quotes, sku="NVIDIA H100 PCIe", pricing_type="on_demand")["good"] == "H100-PCIE-80GB"
    a100 = row(quotes, sku="A100 40GB PCIe", pricing_type="on_demand")
    assert (a100["good"], a100["price_usd"]) == ("A100-PCIE-40GB", Decimal("1.40"))
    # "A100 80GB NVLINK" does not say SXM or PCIe: ambiguous, not guessed.
    nvlink = rejections.filter(pl.col("sku") == "A100 80GB NVLINK")
    assert set(nvlink["rule"]) == {"identity_ambiguous"} and nvlink.height == 2
    # The "Max vCPUs per GPU ($0.01/hr)" column prices CPUs: never a GPU row.
    assert absent(quotes, price_usd=Decimal("0.01"))


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
