"""A real page's tables with a price column added after its own (spot, a term, a month's price, an add-on): every
quote it gives is one the page as captured gives, or the new column's own figure under its own pricing type.

Lambda's layout reader read a row's last figure as its on-demand price, whatever the column (the spot, reserved,
monthly and storage figures were published as on-demand H100 prices, a machine's divided by its GPUs); the meaning
reader aligned a header whose first title names the rows ("Instance name") from the right when a row had a cell
more, and read DataCrunch's vCPUs as the GPU count; a cell inserted after the names shifted every title after it.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.config import realdata_dir
from pipeline.domain.records import RawCapture
from pipeline.sources import REGISTRY
from pipeline.sources.base import SchemaDrift
from pipeline.sources.pages.money import amounts, figure_words
from tests.helpers import FETCHED
from tests.sources.test_pages_redesigned import _PRICE, PAGES, as_captured, in_shown_text, quotes

_ROW = re.compile(r"(<tr\b[^>]*>)(.*?)</tr>", re.IGNORECASE | re.DOTALL)
FIGURE = "0.97"
_GPU_PRICE = Decimal("0.10")  # a GPU-hour costs more: a figure below is a host part's (Fluidstack 2023's "$0.01/hr")
COLUMNS = {  # title: the new column's cell in each priced row
    "Spot price": f"${FIGURE}/hr",
    "1-year reserved": f"${FIGURE}/hr",
    "Price per month": "$997",
    "Storage": f"${FIGURE}/hr",
}


_FIRST_CELL_END = re.compile(r"</t[dh]>", re.IGNORECASE)


def with_column(html: str, title: str, cell: str, first: bool = False) -> str:
    """Every table row given one more cell, last or (`first`) right after its first: the title in header rows of
    <th> cells (no figure), the cell in priced rows."""

    def row(m: re.Match[str]) -> str:
        start, inner = m.group(1), m.group(2)
        if "$" in inner:
            added = f"<td>{cell}</td>"
        elif "<th" in inner.lower():
            added = f"<th>{title}</th>"
        else:
            return m.group(0)
        at = end.end() if first and (end := _FIRST_CELL_END.search(inner)) else len(inner)
        return f"{start}{inner[:at]}{added}{inner[at:]}</tr>"

    return _ROW.sub(row, html)


TABLED = [(s, r) for s, r in PAGES if _ROW.search((realdata_dir() / r).read_text(errors="replace"))]


@pytest.mark.parametrize("first", [False, True], ids=["last", "after the name"])
@pytest.mark.parametrize("title", COLUMNS)
@pytest.mark.parametrize(("source", "relative"), TABLED)
def test_a_price_column_added_to_the_pages_own_invents_nothing(
    realdata: Path, source: str, relative: str, title: str, first: bool
) -> None:
    """Nothing but the page's own quotes, and the new figure (a machine's, per GPU) as what its column says it is."""
    path = realdata / relative
    changed = with_column(path.read_text(errors="replace"), title, COLUMNS[title], first)
    try:
        found = quotes(RawCapture(source, REGISTRY[source].requests[0].url, FETCHED, changed.encode()))
    except SchemaDrift:
        found = set()
    new_figure = {q for q in found if q[1] != "on_demand" and Decimal(q[3]) * (q[2] or 1) == Decimal(FIGURE)}
    assert not found - as_captured(source, path) - new_figure


@pytest.mark.parametrize("beside", [" · Spot: $0.97/hr", " (Spot: $0.97/hr)", " | Spot: $0.97/hr"])
@pytest.mark.parametrize(("source", "relative"), PAGES)
def test_a_labelled_price_after_each_price_is_its_labels(
    realdata: Path, source: str, relative: str, beside: str
) -> None:
    """A spot price after each price, "$2.49/hr · Spot: $0.97/hr": the label before the second figure is its own
    (before, it was read as a note of the first: DigitalOcean's on-demand price became spot and $0.97 the on-demand
    price, on Fluidstack's and GCP's pages too)."""
    path = realdata / relative

    def after(m: re.Match[str]) -> str:
        return m.group(0) + (beside if Decimal(m.group(1).replace(",", "") + (m.group(2) or "")) >= _GPU_PRICE else "")

    def besides(text: str) -> str:
        return _PRICE.sub(after, text)

    changed = in_shown_text(besides)(path.read_text(errors="replace"))
    try:
        found = quotes(RawCapture(source, REGISTRY[source].requests[0].url, FETCHED, changed.encode()))
    except SchemaDrift:
        found = set()
    new_figure = {q for q in found if q[1] == "spot" and Decimal(q[3]) * (q[2] or 1) == Decimal(FIGURE)}
    assert not found - as_captured(source, path) - new_figure


SECTIONS = [
    "Serverless inference endpoints",
    "Managed Kubernetes",
    "Dedicated inference deployments",
    "Spot instances",
    "Reserved instances, 1-year term",
    "Private cloud (3-year contract, 1,024+ GPUs)",
]


@pytest.mark.parametrize("heading", SECTIONS)
def test_a_table_under_another_products_heading_is_not_the_on_demand_price(heading: str) -> None:
    """Lambda's layout reader read every table of its shape, whatever its heading: the H100 price under
    "Serverless inference endpoints", "Spot instances" or "Private cloud (3-year contract)" was published as the
    on-demand price of an instance. Refused now, with the heading that says what it is."""
    table = (
        "<h2>{}</h2><table><tr><th>Instance</th><th>PRICE/GPU/HR</th></tr>"
        "<tr><td>8x NVIDIA H100 SXM</td><td>${}</td></tr></table>"
    )
    page = (
        "<h1>Lambda GPU cloud pricing</h1>"
        + table.format("On-demand instances", "2.99")
        + table.format(heading, "4.49")
    )
    capture = RawCapture("lambda-page", REGISTRY["lambda-page"].requests[0].url, FETCHED, page.encode())
    assert quotes(capture) == {("H100-SXM-80GB", "on_demand", 1, "2.99")}


@pytest.mark.parametrize("heading", ["Spot and on-demand instances", "On-demand and 1-year reserved GPUs"])
def test_a_heading_naming_on_demand_among_other_types_refuses_nothing(heading: str) -> None:
    """A section heading that names on demand beside another pricing type says nothing of which a table's figure is:
    read as its first type named ("spot"), it refused the on-demand price of the table under it."""
    page = (
        f"<h1>Lambda GPU cloud pricing</h1><h2>{heading}</h2><table><tr><th>Instance</th><th>PRICE/GPU/HR</th></tr>"
        "<tr><td>On-demand 8x NVIDIA H100 SXM</td><td>$2.99</td></tr></table>"
    )
    capture = RawCapture("lambda-page", REGISTRY["lambda-page"].requests[0].url, FETCHED, page.encode())
    assert quotes(capture) == {("H100-SXM-80GB", "on_demand", 1, "2.99")}


def test_a_star_pointing_to_another_pricing_type_refuses_the_layout_readers_figure() -> None:
    """ "PRICE/GPU/HR*" with "* Prices for 3-year reserved contracts" below, or a figure "$2.49*" whose note says a
    1-year commitment: Lambda's reader read them as on-demand prices (it reads the figure, not the note). A star on
    another type's own column ("Spot price*") says nothing of the on-demand figures."""

    def lambda_page(title: str, rows: str, note: str) -> set[tuple[object, ...]]:
        page = (
            f"<h1>Lambda GPU cloud pricing</h1><table><tr><th>Instance</th><th>{title}</th></tr>{rows}</table>"
            f"<p>{note}</p>"
        )
        return quotes(RawCapture("lambda-page", REGISTRY["lambda-page"].requests[0].url, FETCHED, page.encode()))

    h100 = "<tr><td>8x NVIDIA H100 SXM</td><td>{}</td></tr>"
    a100 = "<tr><td>8x NVIDIA A100 SXM 80GB</td><td>{}</td></tr>"
    assert lambda_page("PRICE/GPU/HR*", h100.format("$2.99"), "* Prices for 3-year reserved contracts") == set()
    assert lambda_page("PRICE/GPU/HR", h100.format("$2.49*") + a100.format("$1.79"), "* With a 1-year commitment") == {
        ("A100-SXM-80GB", "on_demand", 1, "1.79")
    }
    assert lambda_page("PRICE/GPU/HR", h100.format("$2.99"), "* plus applicable sales tax") == {
        ("H100-SXM-80GB", "on_demand", 1, "2.99")
    }


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("$1.57/hr · Spot: $0.97/hr", ["$1.57/hr", "· Spot: $0.97/hr"]),
        ("$2.24* / hour · Spot: $0.97/hr", ["$2.24* / hour", "· Spot: $0.97/hr"]),
        ("$4.85/H100/hour (1-year: $1.99/hr)", ["$4.85/H100/hour", "(1-year: $1.99/hr)"]),
        ("$2.49/hr - Spot: $0.97", ["$2.49/hr", "- Spot: $0.97"]),
        # notes that follow their figure stay its own
        ("$6.74 /GPU/hour $3.39 /GPU/hour*", ["$6.74 /GPU/hour", "$3.39 /GPU/hour*"]),
        ("$2.49/hr on-demand, $1.99/hr spot", ["$2.49/hr on-demand,", "$1.99/hr spot"]),
    ],
)
def test_each_figure_of_a_cell_has_its_own_words(text: str, words: list[str]) -> None:
    assert figure_words(text, [start for start, _, _ in amounts(text)]) == words
