"""A table of reserved prices in a tab panel beside the on-demand one ("On-demand | 1-year reserved"), the reserved
panel hidden by the page's stylesheet rather than by markup: its figures are never read as on-demand prices.

A layout reader reads every table of its shape, whichever tab shows it: Lambda 2023's and GCP's readers published the
reserved panel's figures as on-demand prices beside the real ones. No real page in `../shared` has such tabs; each test
puts the table of the first priced row of every real page with tables into two panels, the second's figures cheaper.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.config import realdata_dir
from tests.sources.test_pages_not_yet import TABLED, capture, first_priced_row
from tests.sources.test_pages_redesigned import REDESIGNS, as_captured, quotes

_FIGURE = re.compile(r"(\$(?:\s|<[^>]+>)*)(\d+\.\d+)")


def cheaper(html: str) -> str:
    """Every figure of the table at 80 % (a reservation's price beside the on-demand one)."""
    return _FIGURE.sub(
        lambda m: m.group(1) + str((Decimal(m.group(2)) * Decimal("0.8")).quantize(Decimal("0.01"))), html
    )


def in_panels(text: str, panels: Callable[[str], str]) -> str | None:
    """The page with the table of its first priced row replaced by `panels(table)`; None for a page whose table has no
    start or end (an excerpt cut inside it)."""
    row = first_priced_row(text)
    assert row is not None
    start, end = text.rfind("<table", 0, row.start()), text.find("</table>", row.end())
    if start < 0 or end < 0:
        return None
    end += len("</table>")
    return text[:start] + panels(text[start:end]) + text[end:]


def in_tabs(text: str, hidden: str) -> str | None:
    """The table in an "On-demand" tab's panel and a cheaper copy in a "1-year reserved" tab's, tied by their markup
    (`hidden`: how the second panel is hidden in it, "" for by a class only)."""
    return in_panels(
        text,
        lambda table: (
            '<div role="tablist"><button role="tab" id="t0" aria-controls="p0" aria-selected="true">On-demand</button>'
            '<button role="tab" id="t1" aria-controls="p1" aria-selected="false">1-year reserved</button></div>'
            f'<div role="tabpanel" id="p0" aria-labelledby="t0">{table}</div>'
            f'<div role="tabpanel" id="p1" aria-labelledby="t1" class="tab-pane"{hidden}>{cheaper(table)}</div>'
        ),
    )


def in_class_tabs(text: str) -> str | None:
    """As `in_tabs`, the tabs and panels tied by nothing but their order and the page's script (class names only)."""
    return in_panels(
        text,
        lambda table: (
            '<ul class="pricing-switch"><li class="active"><a>On-demand</a></li><li><a>1-year reserved</a></li></ul>'
            f'<div class="panes"><div class="pane active">{table}</div><div class="pane">{cheaper(table)}</div></div>'
        ),
    )


WHOLE_TABLES = [(s, r) for s, r in TABLED if in_tabs((realdata_dir() / r).read_text(errors="replace"), "") is not None]


@pytest.mark.parametrize("hidden", ["", ' hidden=""', ' style="display:none"'], ids=["by a class", "hidden", "styled"])
@pytest.mark.parametrize(("source", "relative"), WHOLE_TABLES)
def test_a_reserved_tab_panel_gives_no_on_demand_quote(realdata: Path, source: str, relative: str, hidden: str) -> None:
    page = in_tabs((realdata / relative).read_text(errors="replace"), hidden)
    assert page is not None
    found = quotes(capture(source, page))
    captured = as_captured(source, realdata / relative)
    assert {q for q in found if q[1] == "on_demand"} == {q for q in captured if q[1] == "on_demand"}


@pytest.mark.parametrize(("source", "relative"), WHOLE_TABLES)
def test_panels_tied_to_no_tab_invent_no_on_demand_price(realdata: Path, source: str, relative: str) -> None:
    """Tabs tied to their panels by the page's script alone: a layout reader reads both panels' rows alike, so one
    machine's two figures of one pricing type are refused together (`twins`); none is read as an on-demand price the
    page as captured does not give."""
    page = in_class_tabs((realdata / relative).read_text(errors="replace"))
    assert page is not None
    found = {q for q in quotes(capture(source, page)) if q[1] == "on_demand"}
    assert found <= {q for q in as_captured(source, realdata / relative) if q[1] == "on_demand"}


def test_panels_tied_to_no_tab_read_by_meaning_invent_no_on_demand_price(realdata: Path) -> None:
    """The same, Lambda 2023 redesigned as cards (read by meaning): its rows' figures have no column title, so each is
    typed only by the heading above both panels ("On-demand GPU cloud pricing"), and one machine's two such figures
    in different records are refused (`reader.untold_like_their_section`), where both were published on demand."""
    relative = "pricing-pages/lambda_20230909194011.html"
    page = in_class_tabs((realdata / relative).read_text(errors="replace"))
    assert page is not None
    found = quotes(capture("lambda-page", REDESIGNS["cards_renamed"](page)))
    captured = as_captured("lambda-page", realdata / relative)
    assert {q for q in found if q[1] == "on_demand"} <= {q for q in captured if q[1] == "on_demand"}
