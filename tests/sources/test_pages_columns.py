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
from tests.helpers import FETCHED
from tests.sources.test_pages_redesigned import PAGES, as_captured, quotes

_ROW = re.compile(r"(<tr\b[^>]*>)(.*?)</tr>", re.IGNORECASE | re.DOTALL)
FIGURE = "0.97"
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
