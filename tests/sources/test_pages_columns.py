"""A real page's tables with a price column added after its own (spot, a term, a month's price, an add-on): every
quote it gives is one the page as captured gives, or the new column's own figure under its own pricing type.

Lambda's layout reader read a row's last figure as its on-demand price, whatever the column (the spot, reserved,
monthly and storage figures were published as on-demand H100 prices, a machine's divided by its GPUs); the meaning
reader aligned a header whose first title names the rows ("Instance name") from the right when a row had a cell
more, and read DataCrunch's vCPUs as the GPU count.
"""

from __future__ import annotations

import re
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


def with_column(html: str, title: str, cell: str) -> str:
    """Every table row given one more cell: the title in header rows (no figure), the cell in priced rows."""

    def row(m: re.Match[str]) -> str:
        start, inner = m.group(1), m.group(2)
        if "$" in inner:
            return f"{start}{inner}<td>{cell}</td></tr>"
        if "<th" in inner.lower():
            return f"{start}{inner}<th>{title}</th></tr>"
        return m.group(0)

    return _ROW.sub(row, html)


TABLED = [(s, r) for s, r in PAGES if _ROW.search((realdata_dir() / r).read_text(errors="replace"))]


@pytest.mark.parametrize("title", COLUMNS)
@pytest.mark.parametrize(("source", "relative"), TABLED)
def test_a_price_column_added_after_the_pages_own_invents_nothing(
    realdata: Path, source: str, relative: str, title: str
) -> None:
    path = realdata / relative
    changed = with_column(path.read_text(errors="replace"), title, COLUMNS[title])
    try:
        found = quotes(RawCapture(source, REGISTRY[source].requests[0].url, FETCHED, changed.encode()))
    except SchemaDrift:
        found = set()
    invented = {q for q in found - as_captured(source, path) if not (q[3] == FIGURE and q[1] != "on_demand")}
    assert not invented
