"""A GPU a page says is not rentable yet, in a row the layout readers read: its figure is refused, every other row
read as captured.

The meaning reader read "Coming soon" beside a figure already; the layout readers (Lambda's, Crusoe's, Fluidstack's,
Hyperstack's tables) take the price cell they know and read none of the row's others, so a status cell published a
price nobody could pay yet as the price in force. DataCrunch's and GCP's dropped a row with a cell their header
lacks, silently.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from pipeline.config import realdata_dir
from pipeline.domain.records import RawCapture
from pipeline.sources import REGISTRY
from pipeline.sources.pages.rows import UNTIED_REASON
from pipeline.sources.pages.wording import NOT_YET_REASON
from tests.helpers import FETCHED, normalise
from tests.sources.test_pages_redesigned import PAGES, as_captured, quotes

_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.IGNORECASE | re.DOTALL)


def first_priced_row(text: str) -> re.Match[str] | None:
    """The first table row that holds a cell and a dollar figure."""
    return next((m for m in _ROW.finditer(text) if "$" in m.group(1) and "<td" in m.group(1).lower()), None)


TABLED = [(s, r) for s, r in PAGES if first_priced_row((realdata_dir() / r).read_text(errors="replace"))]
# Pages whose reader finds the price in its row by what it is, not by position (GCP's and DataCrunch's read cells
# under their column titles: a cell the header lacks unties the row).
BY_ROW = [(s, r) for s, r in TABLED if s not in ("gcp-page", "datacrunch-page")]


def with_cell(text: str, cell: str) -> str:
    """The page with one more cell (`cell`'s text) at the end of its first priced row."""
    row = first_priced_row(text)
    assert row is not None
    return text[: row.end(1)] + f"<td>{cell}</td>" + text[row.end(1) :]


def capture(source: str, text: str) -> RawCapture:
    return RawCapture(source, REGISTRY[source].requests[0].url, FETCHED, text.encode())


@pytest.mark.parametrize("status", ["Coming soon", "Pre-order", "Available Q3 2026"])
@pytest.mark.parametrize(("source", "relative"), TABLED)
def test_a_row_whose_status_cell_says_not_yet_gives_no_quote(
    realdata: Path, source: str, relative: str, status: str
) -> None:
    """The first priced row of every real page with table rows, given a status cell: that row's quotes (what the
    page loses without the row) are gone, refused; every other quote is as captured."""
    path = realdata / relative
    text = path.read_text(errors="replace")
    row = first_priced_row(text)
    assert row is not None
    without_row = quotes(capture(source, text[: row.start()] + text[row.end() :]))
    with_status = with_cell(text, status)
    captured = as_captured(source, path)
    assert quotes(capture(source, with_status)) == captured & without_row
    _, refused = normalise(REGISTRY[source].parse(capture(source, with_status)), capture(source, with_status))
    if captured - without_row:  # the row gave quotes: their figures are refused, saying why
        reasons = set(refused["reason"])
        untied = UNTIED_REASON.split("{titles}")[1]  # a layout reader that reads cells by position (GCP, DataCrunch)
        assert NOT_YET_REASON in reasons or any(r.endswith(untied) for r in reasons)


@pytest.mark.parametrize(("source", "relative"), BY_ROW)
def test_a_status_cell_of_a_time_already_come_leaves_the_row_as_read(
    realdata: Path, source: str, relative: str
) -> None:
    """ "Available from January 2023", before every page's date: the GPU is rentable, its row read as captured."""
    path = realdata / relative
    dated = with_cell(path.read_text(errors="replace"), "Available from January 2023")
    assert quotes(capture(source, dated)) == as_captured(source, path)


def test_a_status_column_is_read_with_its_row() -> None:
    """A status column the header names: the row saying "Coming soon" is refused, the row saying "Available" read."""
    page = (
        "<title>DataCrunch products</title><table><tr><th>Instance name</th><th>GPU model</th><th>GPU</th>"
        "<th>Status</th><th>On demand price</th></tr>"
        "<tr><td>1B200.180S.30V</td><td>B200 SXM6 180GB</td><td>1</td><td>Coming soon</td><td>$3.64/h</td></tr>"
        "<tr><td>1H100.80S.30V</td><td>H100 SXM5 80GB</td><td>1</td><td>Available</td><td>$2.19/h</td></tr></table>"
    )
    found, refused = normalise(
        REGISTRY["datacrunch-page"].parse(capture("datacrunch-page", page)), capture("datacrunch-page", page)
    )
    assert [(r["good"], f"{r['price_usd'].normalize():f}") for r in found.iter_rows(named=True)] == [
        ("H100-SXM-80GB", "2.19")
    ]
    assert refused.filter(pl.col("reason") == NOT_YET_REASON)["price_native"].to_list() == ["3.64"]
