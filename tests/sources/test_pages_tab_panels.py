"""A table of reserved prices in a tab panel beside the on-demand one ("On-demand | 1-year reserved"), the reserved
panel hidden by the page's stylesheet rather than by markup: its figures are never read as on-demand prices.

A layout reader reads every table of its shape, whichever tab shows it: Lambda 2023's and GCP's readers published the
reserved panel's figures as on-demand prices beside the real ones. No real page in `../shared` has such tabs; each test
puts the table of the first priced row of every real page with tables into two panels, the second's figures cheaper.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.config import realdata_dir
from tests.sources.test_pages_not_yet import TABLED, capture, first_priced_row
from tests.sources.test_pages_redesigned import as_captured, quotes

_FIGURE = re.compile(r"(\$(?:\s|<[^>]+>)*)(\d+\.\d+)")


def cheaper(html: str) -> str:
    """Every figure of the table at 80 % (a reservation's price beside the on-demand one)."""
    return _FIGURE.sub(
        lambda m: m.group(1) + str((Decimal(m.group(2)) * Decimal("0.8")).quantize(Decimal("0.01"))), html
    )


def in_tabs(text: str, hidden: str) -> str | None:
    """The page with the table of its first priced row in an "On-demand" tab's panel and a cheaper copy in a
    "1-year reserved" tab's (`hidden`: how the second panel is hidden in the markup, "" for by a class only); None for a
    page whose table has no start or end (an excerpt cut inside it)."""
    row = first_priced_row(text)
    assert row is not None
    start, end = text.rfind("<table", 0, row.start()), text.find("</table>", row.end())
    if start < 0 or end < 0:
        return None
    end += len("</table>")
    table = text[start:end]
    tabs = (
        '<div role="tablist"><button role="tab" id="t0" aria-controls="p0" aria-selected="true">On-demand</button>'
        '<button role="tab" id="t1" aria-controls="p1" aria-selected="false">1-year reserved</button></div>'
        f'<div role="tabpanel" id="p0" aria-labelledby="t0">{table}</div>'
        f'<div role="tabpanel" id="p1" aria-labelledby="t1" class="tab-pane"{hidden}>{cheaper(table)}</div>'
    )
    return text[:start] + tabs + text[end:]


WHOLE_TABLES = [(s, r) for s, r in TABLED if in_tabs((realdata_dir() / r).read_text(errors="replace"), "") is not None]


@pytest.mark.parametrize("hidden", ["", ' hidden=""', ' style="display:none"'], ids=["by a class", "hidden", "styled"])
@pytest.mark.parametrize(("source", "relative"), WHOLE_TABLES)
def test_a_reserved_tab_panel_gives_no_on_demand_quote(realdata: Path, source: str, relative: str, hidden: str) -> None:
    page = in_tabs((realdata / relative).read_text(errors="replace"), hidden)
    assert page is not None
    found = quotes(capture(source, page))
    captured = as_captured(source, realdata / relative)
    assert {q for q in found if q[1] == "on_demand"} == {q for q in captured if q[1] == "on_demand"}
