"""DataCrunch's products page (`datacrunch-page`) on the real archived capture; values read from the HTML by eye."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import polars as pl
import pytest

from pipeline.sources import datacrunch_page
from tests.helpers import RealCapture, row, run
from tests.sources.page_meaning import by_meaning


def test_datacrunch_instance_prices_per_gpu_and_dynamic_kept_apart(real_capture: RealCapture) -> None:
    parsed, quotes, rejections = run(real_capture("datacrunch-page", "pricing-pages/datacrunch_20250808081801.html"))
    assert set(quotes["good"]) == {"B200-SXM-180GB"}
    assert set(parsed["gpu_memory_gb"]) == {180.0}
    # "8B200.240V | B200 SXM6 180GB | 8 | ... | $29.10/h | $21.42/h | $6.43/h"
    on_demand = row(quotes, sku="8B200.240V", pricing_type="on_demand")
    assert on_demand["gpu_count"] == 8
    assert on_demand["price_native"] == Decimal("29.10")
    assert on_demand["price_usd"] == Decimal("29.10") / 8
    assert row(quotes, sku="8B200.240V", pricing_type="spot")["price_usd"] == Decimal("6.43") / 8
    assert row(quotes, sku="1B200.30V", pricing_type="on_demand")["price_usd"] == Decimal("3.64")
    assert row(quotes, sku="2B200.60V", pricing_type="spot")["price_usd"] == Decimal("1.61") / 2
    dynamic = rejections.filter(pl.col("reason") == datacrunch_page.DYNAMIC_REASON)
    assert sorted(dynamic["price_native"]) == ["10.71", "2.68", "21.42", "5.36"]
    assert quotes.height == 8


def test_datacrunch_capture_read_by_meaning(real_capture: RealCapture) -> None:
    # "1B200.30V | B200 SXM6 180GB | 1 | ... | $3.64/h | $2.68/h | $0.80/h" ... "8B200.240V ... 8 ... $29.10/h ..."
    offered, refused = by_meaning(real_capture, "datacrunch-page", "pricing-pages/datacrunch_20250808081801.html")
    b200 = "B200 SXM6 180GB"
    assert offered == {
        (b200, "on_demand", "gpu_hour", 1, "3.64"),
        (b200, "spot", "gpu_hour", 1, "0.80"),
        (b200, "on_demand", "instance_hour", 2, "7.27"),
        (b200, "spot", "instance_hour", 2, "1.61"),
        (b200, "on_demand", "instance_hour", 4, "14.55"),
        (b200, "spot", "instance_hour", 4, "3.21"),
        (b200, "on_demand", "instance_hour", 8, "29.10"),
        (b200, "spot", "instance_hour", 8, "6.43"),
    }
    assert refused == {(b200, p) for p in ("2.68", "5.36", "10.71", "21.42")}  # "Dynamic price": re-set daily


def test_a_price_column_naming_two_pricing_types_is_neither(real_capture: RealCapture) -> None:
    """The real page with its "On demand price" header saying more ("On demand price (reserved pricing available)"):
    its figures are not read as a reservation, nor as on demand, but refused for naming two types."""
    capture = real_capture("datacrunch-page", "pricing-pages/datacrunch_20250808081801.html")
    header = "On demand price (reserved pricing available)"
    body = capture.body.replace(b">On demand price<", f">{header}<".encode())
    assert body != capture.body
    _, quotes, rejections = run(replace(capture, body=body))
    assert set(quotes["pricing_type"]) == {"spot"}
    refused = rejections.filter(pl.col("reason").str.contains("names several pricing types"))
    assert sorted(refused["price_native"]) == ["14.55", "29.10", "3.64", "7.27"]


@pytest.mark.parametrize(
    ("header", "renamed"),
    [("GPU model", "Model"), ("GPU model", "GPU type"), ("GPU", "GPUs"), ("GPU", "# of GPUs"), ("GPU", "GPU count")],
)
def test_renamed_model_and_count_columns_are_read_by_what_their_cells_say(
    real_capture: RealCapture, header: str, renamed: str
) -> None:
    """The real page with its "GPU model" or "GPU" header renamed: the model is the one cell of a row naming a GPU,
    the count the column headed as a count of GPUs; the same quotes as the page as captured (refused before: no GPU
    model named, or no GPU count for an instance's price)."""
    capture = real_capture("datacrunch-page", "pricing-pages/datacrunch_20250808081801.html")
    body = capture.body.replace(f">{header}<".encode(), f">{renamed}<".encode())
    assert body != capture.body
    _, as_captured, _ = run(capture)
    _, quotes, _ = run(replace(capture, body=body))
    assert quotes.drop("capture_id").equals(as_captured.drop("capture_id"))
