"""A figure beside a machine of several GPUs, read as the machine's price, must grow with the machine: one that would
make its GPU-hour at most half the same GPU's in a smaller machine of the page is a price per GPU the page no longer
calls one, and is refused, never divided.

Lambda's 2024 table written without "/GPU" (a column titled "PRICE/HR", figures "$2.99 / hr"): its reader read each
"8x", "4x" and "2x" H100 machine's per-GPU figure as the machine's price and published $0.37, $0.77 and $1.60 an
H100-hour beside the 1x machine's $3.29. (A GPU the page lists in one machine size only, its "8x A100 SXM 80GB", has
nothing on the page to tell: it is read as the machine's price, as before; its GPU-hour, $0.22, is then out of line
with every other firm's and screened out of the index.)
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from pipeline.domain.records import RawCapture, parsed_frame
from pipeline.sources import REGISTRY
from pipeline.sources.pages.machine_sizes import NOT_GROWING_REASON, refuse_machine_prices_that_do_not_grow
from tests.helpers import FETCHED, run

LAMBDA_2024 = "pricing-pages/lambda_20241103180910.html"


def test_lambda_per_gpu_figures_under_a_title_that_no_longer_says_per_gpu_are_not_divided(realdata: Path) -> None:
    text = (realdata / LAMBDA_2024).read_text()
    retitled = re.sub(r"/\s*GPU\s*/", "/", text)  # "PRICE/GPU/HR*" -> "PRICE/HR*", "$2.99 / GPU / hr" -> "$2.99 / hr"
    assert retitled != text
    _, quotes, rejections = run(
        RawCapture("lambda-page", REGISTRY["lambda-page"].requests[0].url, FETCHED, retitled.encode())
    )
    h100 = quotes.filter(pl.col("good") == "H100-SXM-80GB", pl.col("pricing_type") == "on_demand")
    assert [(r["gpu_count"], r["price_usd"]) for r in h100.iter_rows(named=True)] == [(1, Decimal("3.29"))]
    refused = rejections.filter(pl.col("reason").str.starts_with("read as the price of a machine of"))
    assert sorted(zip(refused["sku"], refused["price_native"], strict=True)) == [
        ("2x NVIDIA A100 PCIe 40GB", "1.29"),  # 1x, 2x and 4x at $1.29
        ("2x NVIDIA A6000 48GB", "0.80"),
        ("2x NVIDIA H100 SXM 80GB", "3.19"),
        ("4x NVIDIA A100 PCIe 40GB", "1.29"),
        ("4x NVIDIA A6000 48GB", "0.80"),
        ("4x NVIDIA H100 SXM 80GB", "3.09"),
        ("8x NVIDIA A100 SXM 40GB", "1.29"),
        ("8x NVIDIA H100 SXM 80GB", "2.99"),
    ]


def machines(*rows: tuple[int, str, str]) -> pl.DataFrame:
    """Parsed rows of one GPU: (GPUs, price per, figure)."""
    return parsed_frame(
        [
            {
                "source": "x", "provider": "x", "provider_class": "neocloud", "input_tier": "rate_card",
                "product": "gpu_hour", "unit": "gpu_hour", "observed_at": FETCHED, "sku": f"{n}x",
                "label": "NVIDIA H100 SXM 80GB", "pricing_type": "on_demand", "gpu_count": n, "price_per": per,
                "price_native": figure, "currency": "USD",
            }
            for n, per, figure in rows
        ]
    )  # fmt: skip


@pytest.mark.parametrize(
    ("rows", "refused"),
    [
        ([(1, "instance_hour", "3.29"), (8, "instance_hour", "26.32")], []),  # a machine's price: grows
        ([(1, "instance_hour", "3.29"), (8, "instance_hour", "21.04")], []),  # a volume discount of 20 %
        ([(1, "gpu_hour", "3.29"), (8, "instance_hour", "2.99")], [8]),  # the 1x figure per GPU, the 8x's alike
        ([(1, "instance_hour", "1.29"), (2, "instance_hour", "1.29")], [2]),  # one figure for both: per GPU
        ([(2, "instance_hour", "6.58"), (8, "instance_hour", "2.99")], [8]),  # against the smaller machine
        ([(8, "instance_hour", "2.99")], []),  # alone: nothing on the page to tell
    ],
)
def test_machine_prices_must_grow_with_the_machine(rows: list[tuple[int, str, str]], refused: list[int]) -> None:
    checked = refuse_machine_prices_that_do_not_grow(machines(*rows))
    assert checked.filter(pl.col("reject_reason").is_not_null())["gpu_count"].to_list() == refused
    assert all(r.startswith(NOT_GROWING_REASON.split("{count}")[0]) for r in checked["reject_reason"].drop_nulls())
