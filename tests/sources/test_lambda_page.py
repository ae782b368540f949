"""Lambda's pricing page (`lambda-page`) on the real archived captures; expected values read from the HTML by eye."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from pipeline.domain.records import RawCapture
from pipeline.sources.lambda_page import UNSIZED_REASON, URL
from pipeline.sources.pages.meaning import UNTOLD_REASON
from pipeline.sources.pages.money import FORMER_REASON
from pipeline.sources.pages.tax import TAX_REASON
from tests.helpers import FETCHED, RealCapture, row, run
from tests.sources.page_meaning import by_meaning
from tests.sources.test_pages_redesigned import as_captured, quotes


def lambda_page(html: str) -> RawCapture:
    """A page written here, captured as fetched from Lambda's pricing address."""
    return RawCapture("lambda-page", URL, FETCHED, html.encode())


def test_lambda_2023_machine_prices_are_divided_by_gpu_count(real_capture: RealCapture) -> None:
    parsed, quotes, rejections = run(real_capture("lambda-page", "pricing-pages/lambda_20230909194011.html"))
    # "8x NVIDIA H100 SXM | 80 GB | ... | $20.72 / hr": the machine's price.
    h100 = row(quotes, sku="8x NVIDIA H100 SXM 80GB", pricing_type="on_demand")
    assert h100["good"] == "H100-SXM-80GB"
    assert h100["gpu_count"] == 8
    assert h100["price_native"] == Decimal("20.72")
    assert h100["price_usd"] == Decimal("20.72") / 8 == Decimal("2.59")
    pcie = row(quotes, sku="1x NVIDIA H100 PCIe 80GB")
    assert (pcie["good"], pcie["price_usd"]) == ("H100-PCIE-80GB", Decimal("1.99"))
    a6000 = row(quotes, sku="4x NVIDIA RTX A6000 48GB")
    assert (a6000["good"], a6000["price_usd"]) == ("RTXA6000-48GB", Decimal("0.80"))
    # "1x NVIDIA A100 | 40 GB": the page does not say SXM or PCIe, so no good is guessed.
    a100 = rejections.filter(pl.col("label").str.contains("A100"))
    assert a100.height == 5
    assert set(a100["rule"]) == {"identity_ambiguous"}
    assert row(parsed, sku="8x NVIDIA A100 80GB")["price_native"] == "12.00"


def test_lambda_2023_reserved_cluster_prices_carry_their_term(real_capture: RealCapture) -> None:
    _, quotes, _ = run(real_capture("lambda-page", "pricing-pages/lambda_20230909194011.html"))
    # "Reserved | 8x NVIDIA H100 | H100 SXM | 80 GB | ... | $1.89/H100/hour | 3-years"
    reserved = row(quotes, pricing_type="reserved_3y")
    assert (reserved["good"], reserved["price_usd"], reserved["gpu_count"]) == ("H100-SXM-80GB", Decimal("1.89"), 1)
    # "Sprint | ... | $4.85/H100/hour | 3-months"
    sprint = row(quotes, pricing_type="reserved_3m")
    assert (sprint["good"], sprint["price_usd"]) == ("H100-SXM-80GB", Decimal("4.85"))


def test_lambda_2024_per_gpu_prices_by_machine_size(real_capture: RealCapture) -> None:
    parsed, quotes, _ = run(real_capture("lambda-page", "pricing-pages/lambda_20241103180910.html"))
    # "On-demand 8x NVIDIA H100 SXM | 80 GB | ... | $2.99 / GPU / hr" ... 1x at $3.29.
    for size, price in (("8x", "2.99"), ("4x", "3.09"), ("2x", "3.19"), ("1x", "3.29")):
        q = row(quotes, sku=f"{size} NVIDIA H100 SXM 80GB")
        assert (q["good"], q["pricing_type"], q["price_usd"], q["gpu_count"]) == (
            "H100-SXM-80GB",
            "on_demand",
            Decimal(price),
            1,
        )
    assert row(quotes, sku="1x NVIDIA H100 PCIe 80GB")["price_usd"] == Decimal("2.49")
    assert row(quotes, sku="8x NVIDIA A100 SXM 80GB")["good"] == "A100-SXM-80GB"
    assert row(quotes, sku="8x NVIDIA A100 SXM 80GB")["price_usd"] == Decimal("1.79")
    assert row(quotes, sku="1x NVIDIA A100 SXM 40GB")["good"] == "A100-SXM-40GB"
    assert row(quotes, sku="4x NVIDIA A100 PCIe 40GB")["good"] == "A100-PCIE-40GB"
    assert row(quotes, sku="4x NVIDIA A100 PCIe 40GB")["price_usd"] == Decimal("1.29")
    # "Reserved 8x NVIDIA H100 SXM ... CONTACT SALES" is not priced: no row.
    assert set(parsed["pricing_type"]) == {"on_demand"}
    assert parsed.height == 17


LAMBDA_2024_11 = {
    ("NVIDIA H100 SXM 80GB", "on_demand", "gpu_hour", 1, p)
    for p in ("2.99", "3.09", "3.19", "3.29")  # 8x/4x/2x/1x
} | {
    ("NVIDIA H100 PCIe 80GB", "on_demand", "gpu_hour", 1, "2.49"),
    ("NVIDIA A100 SXM 80GB", "on_demand", "gpu_hour", 1, "1.79"),
    ("NVIDIA A100 SXM 40GB", "on_demand", "gpu_hour", 1, "1.29"),
    ("NVIDIA A100 PCIe 40GB", "on_demand", "gpu_hour", 1, "1.29"),
    ("NVIDIA A10 24GB", "on_demand", "gpu_hour", 1, "0.75"),
    ("NVIDIA A6000 48GB", "on_demand", "gpu_hour", 1, "0.80"),
    ("NVIDIA Tesla V100 16GB", "on_demand", "gpu_hour", 1, "0.55"),
    ("NVIDIA Quadro RTX 6000 24GB", "on_demand", "gpu_hour", 1, "0.50"),
}


@pytest.mark.parametrize(
    ("relative", "offered"),
    [
        (
            "pricing-pages/lambda_20230909194011.html",
            {
                ("NVIDIA H100 PCIe 80GB", "on_demand", "gpu_hour", 1, "1.99"),
                ("NVIDIA H100 SXM 80GB", "on_demand", "instance_hour", 8, "20.72"),  # "8x ... $20.72 / hr"
                ("NVIDIA A100 40GB", "on_demand", "gpu_hour", 1, "1.10"),
                ("NVIDIA A100 40GB", "on_demand", "instance_hour", 2, "2.20"),
                ("NVIDIA A100 40GB", "on_demand", "instance_hour", 4, "4.40"),
                ("NVIDIA A100 40GB", "on_demand", "instance_hour", 8, "8.80"),
                ("NVIDIA A100 80GB", "on_demand", "instance_hour", 8, "12.00"),
                ("NVIDIA RTX A6000 48GB", "on_demand", "gpu_hour", 1, "0.80"),
                ("NVIDIA RTX A6000 48GB", "on_demand", "instance_hour", 2, "1.60"),
                ("NVIDIA RTX A6000 48GB", "on_demand", "instance_hour", 4, "3.20"),
                ("NVIDIA A10 24GB", "on_demand", "gpu_hour", 1, "0.60"),
                ("NVIDIA Quadro RTX 6000 24GB", "on_demand", "gpu_hour", 1, "0.50"),
                ("NVIDIA Tesla V100 16GB", "on_demand", "instance_hour", 8, "4.40"),
                # "Reserved | 8x NVIDIA H100 | H100 SXM | ... | $1.89/H100/hour | 3-years"; "Sprint ... 3-months"
                ("NVIDIA H100 SXM 80GB", "reserved_3y", "gpu_hour", 1, "1.89"),
                ("NVIDIA H100 SXM 80GB", "reserved_3m", "gpu_hour", 1, "4.85"),
            },
        ),
        ("pricing-pages/lambda_20241103180910.html", LAMBDA_2024_11),
    ],
)
def test_lambda_every_capture_read_by_meaning(real_capture: RealCapture, relative: str, offered: set[object]) -> None:
    assert by_meaning(real_capture, "lambda-page", relative) == (offered, set())


@pytest.mark.parametrize(
    "relative", ["pricing-pages/lambda_20230909194011.html", "pricing-pages/lambda_20241103180910.html"]
)
def test_lambda_column_titles_in_td_cells_are_titles(realdata: Path, relative: str) -> None:
    """Column titles set in <td> cells, as Lambda's CMS writes tables too: before, the "Term" column went unread and
    the 3-year $1.89 and 3-month $4.85 reservations of 2023 were lost (the page refused them as unstated terms)."""
    text = (realdata / relative).read_text()
    as_td = re.sub(r"<(/?)th\b", r"<\1td", text, flags=re.IGNORECASE)
    assert quotes(lambda_page(as_td)) == as_captured("lambda-page", realdata / relative)


def test_lambda_a_term_column_names_the_commitment() -> None:
    """A term column's "1 week" is a one-week commitment (before: read as on demand), "3 months" a 3-month one."""
    page = (
        "<h1>Lambda pricing</h1><table><tr><td>Instance</td><td>Term</td><td>PRICE/GPU/HR</td></tr>"
        "<tr><td>8x NVIDIA H100 SXM</td><td>1 week</td><td>$2.69 / GPU / hr</td></tr>"
        "<tr><td>8x NVIDIA H100 SXM</td><td>3 months</td><td>$2.59 / GPU / hr</td></tr>"
        "<tr><td>8x NVIDIA H100 SXM</td><td>On-demand</td><td>$2.99 / GPU / hr</td></tr></table>"
    )
    assert quotes(lambda_page(page)) == {
        ("H100-SXM-80GB", "reserved_1w", 1, "2.69"),
        ("H100-SXM-80GB", "reserved_3m", 1, "2.59"),
        ("H100-SXM-80GB", "on_demand", 1, "2.99"),
    }


def test_lambda_a_section_label_row_leaves_the_column_titles_standing() -> None:
    """A one-cell row naming a section does not replace the titles above it: "PRICE/GPU/HR" still makes each figure
    one GPU's, never a machine's divided by eight."""
    page = (
        "<h1>Lambda pricing</h1><table><tr><th>Instance</th><th>PRICE/GPU/HR</th></tr>"
        "<tr><td colspan='2'>NVIDIA H100 instances</td></tr>"
        "<tr><td>8x NVIDIA H100 SXM</td><td>$2.99</td></tr></table>"
    )
    assert quotes(lambda_page(page)) == {("H100-SXM-80GB", "on_demand", 1, "2.99")}


def test_lambda_a_row_of_several_figures_takes_the_one_its_title_names() -> None:
    """ "PRICE/GPU/HR" beside "Spot price": the first is the on-demand price (before: the last figure, the spot one,
    was read as on demand); two figures no title tells apart are refused, never one picked by position."""
    titled = (
        "<h1>Lambda pricing</h1><table><tr><th>Instance</th><th>PRICE/GPU/HR</th><th>Spot price</th></tr>"
        "<tr><td>8x NVIDIA H100 SXM</td><td>$2.99</td><td>$1.49</td></tr></table>"
    )
    assert quotes(lambda_page(titled)) == {("H100-SXM-80GB", "on_demand", 1, "2.99")}
    untitled = "<h1>Lambda pricing</h1><table><tr><td>8x NVIDIA H100 SXM</td><td>$2.99</td><td>$1.49</td></tr></table>"
    _, found, refused = run(lambda_page(untitled))
    assert found.height == 0 and set(refused["reason"]) == {UNTOLD_REASON}


@pytest.mark.parametrize(("cell", "why"), [("Was $3.50/hr", FORMER_REASON), ("$3.59/hr incl. 20% VAT", TAX_REASON)])
def test_lambda_a_row_priced_only_by_figures_its_words_pass_over_is_refused(cell: str, why: str) -> None:
    """A machine row whose only figure is a former price or one with tax in it: refused with the reason (before: the
    row was passed over in silence, its figure accounted for nowhere)."""
    page = (
        f"<h1>Lambda pricing</h1><table><tr><td>8x NVIDIA H100 SXM</td><td>{cell}</td></tr>"
        "<tr><td>8x NVIDIA A100 SXM 80GB</td><td>$1.79 / GPU / hr</td></tr></table>"
    )
    _, found, refused = run(lambda_page(page))
    assert found["good"].to_list() == ["A100-SXM-80GB"] and refused["reason"].to_list() == [why]


@pytest.mark.parametrize("machine", ["NVIDIA H100 SXM x8", "NVIDIA H100 SXM ×8", "NVIDIA H100 SXM (8x)", "8×H100 SXM"])
def test_lambda_a_machine_named_with_its_count_after_its_gpu_is_read(machine: str) -> None:
    """ "NVIDIA H100 SXM x8" is the 8-GPU machine "8x NVIDIA H100 SXM" is (before: its row was passed over in
    silence, neither read nor refused)."""
    page = (
        f"<h1>Lambda pricing</h1><table><tr><th>Instance</th><th>Price</th></tr><tr><td>{machine}</td>"
        "<td>$23.92 / hr</td></tr><tr><td>8x NVIDIA A100 SXM 80GB</td><td>$14.32 / hr</td></tr></table>"
    )
    assert quotes(lambda_page(page)) == {
        ("H100-SXM-80GB", "on_demand", 8, "2.99"),
        ("A100-SXM-80GB", "on_demand", 8, "1.79"),
    }


def test_lambda_a_gpus_priced_row_naming_no_machine_is_refused_not_passed_over() -> None:
    page = (
        "<h1>Lambda pricing</h1><table><tr><th>Instance</th><th>Price</th></tr>"
        "<tr><td>8x NVIDIA H100 SXM</td><td>$23.92 / hr</td></tr>"
        "<tr><td>NVIDIA A100 SXM 80GB</td><td>$1.79 / hr</td></tr>"
        "<tr><td>Persistent storage</td><td>$0.20 / GB / month</td></tr></table>"
    )
    _, found, refused = run(lambda_page(page))
    assert found["good"].to_list() == ["H100-SXM-80GB"]
    assert refused["price_native"].to_list() == ["1.79"] and refused["reason"].to_list() == [UNSIZED_REASON]


@pytest.mark.parametrize(
    ("table", "read"),
    [
        (  # "Month-to-month 8x NVIDIA H100 SXM": a month's commitment, not the on-demand price rows default to
            "<tr><th>Instance</th><th>PRICE/GPU/HR</th></tr>"
            "<tr><td>On-demand 8x NVIDIA H100 SXM</td><td>$2.99</td></tr>"
            "<tr><td>Month-to-month 8x NVIDIA H100 SXM</td><td>$2.59</td></tr>",
            {("H100-SXM-80GB", "on_demand", 1, "2.99"), ("H100-SXM-80GB", "reserved_1m", 1, "2.59")},
        ),
        (  # a first cell naming a type this reader has no kind word for ("Spot")
            "<tr><td></td><td>Instance</td><td>PRICE/GPU/HR</td></tr>"
            "<tr><td>Spot</td><td>8x NVIDIA H100 SXM</td><td>$1.29</td></tr>"
            "<tr><td>On-demand</td><td>8x NVIDIA H100 SXM</td><td>$2.99</td></tr>",
            {("H100-SXM-80GB", "spot", 1, "1.29"), ("H100-SXM-80GB", "on_demand", 1, "2.99")},
        ),
    ],
)
def test_lambda_the_one_type_a_rows_own_words_name_is_the_rows(table: str, read: set[tuple[object, ...]]) -> None:
    assert quotes(lambda_page(f"<h1>Lambda pricing</h1><table>{table}</table>")) == read


@pytest.mark.parametrize(
    ("first_cell", "read"),
    [
        ("Reserved", ("reserved_3y", None)),  # as captured
        ("On-demand / reserved", (None, "several pricing types")),
        ("On-demand", (None, "several pricing types")),  # on demand, yet with a 3-year term
        ("Spot", (None, "several pricing types")),  # likewise
    ],
)
def test_lambda_a_rows_own_words_decide_its_type_or_leave_it_untold(
    real_capture: RealCapture, first_cell: str, read: tuple[str | None, str | None]
) -> None:
    """The 2023 page's reserved row ("Reserved | 8x NVIDIA H100 | ... | $1.89/H100/hour | 3-years") with its first
    cell reworded: the $1.89 is refused when the row's words name several types (before: "On-demand" or "On-demand /
    reserved" made it an on-demand H100 at $1.89, a 3-year price)."""
    capture = real_capture("lambda-page", "pricing-pages/lambda_20230909194011.html")
    body = capture.body.replace(b">Reserved<", f">{first_cell}<".encode())
    _, found, refused = run(replace(capture, body=body))
    priced = found.filter(pl.col("price_usd") == Decimal("1.89"))
    kind, why = read
    if kind is not None:
        assert priced["pricing_type"].to_list() == [kind]
    else:
        assert priced.height == 0
        assert refused.filter(pl.col("price_native") == "1.89")["reason"].str.contains(why).to_list() == [True]
