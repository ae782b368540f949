"""A price a page ties to a condition on the buyer (for a first month, for new customers only, with a code): refused,
never published as the standing on-demand price; a sale open to every buyer is read; every other row as captured.

A layout reader takes the price cell it knows and reads none of the row's other words, so a "New customers only" badge
beside the figure, "for the first month" after it, or a star pointing to "* Introductory price" published an offer
some buyers get for a while as the price every buyer pays. No real page in `../shared` prints one; each test here
writes one into every real page with table rows.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.sources import REGISTRY
from pipeline.sources.gcp_page import UNNAMED_MACHINE_REASON
from pipeline.sources.pages.introductory import INTRODUCTORY_REASON, introductory
from pipeline.sources.pages.rows import UNTIED_REASON
from tests.helpers import normalise
from tests.sources.test_pages_not_yet import BY_ROW, TABLED, capture, first_priced_row, with_cell
from tests.sources.test_pages_redesigned import REDESIGNS, as_captured, quotes

_PRICED_CELL = re.compile(r"(<t[dh]\b[^>]*>)((?:(?!</t[dh]>).)*\$(?:(?!</t[dh]>).)*)(</t[dh]>)", re.I | re.S)
FIGURE = re.compile(r"(\$(?:\s|<[^>]+>)*\d[\d,]*(?:\.\d+)?)")  # "$2.49", "<span>$</span> 2.49"


def reasons(source: str, text: str) -> set[str]:
    _, refused = normalise(REGISTRY[source].parse(capture(source, text)), capture(source, text))
    return set(refused["reason"])


def row_changed(source: str, relative: str, realdata: Path, change: str) -> tuple[str, set[object], set[object]]:
    """The page with its first priced row changed (`change`: "badge", "name_badge", "after", "star"), the page's quotes
    without that row, and as captured."""
    path = realdata / relative
    text = path.read_text(errors="replace")
    row = first_priced_row(text)
    assert row is not None
    without_row = quotes(capture(source, text[: row.start()] + text[row.end() :]))
    body = row.group(1)
    if change == "badge":
        body += "<td>New customers only</td>"
    elif change == "name_badge":  # in the row's first cell, beside the GPU's name
        body = re.sub(
            r"(<t[dh]\b[^>]*>.*?)(</t[dh]>)", r"\1 <span>New customers only</span>\2", body, count=1, flags=re.S
        )
    elif change == "after":  # every priced cell of the row: its figure is for a first month
        body = _PRICED_CELL.sub(lambda m: f"{m.group(1)}{m.group(2)} for the first month{m.group(3)}", body)
    else:  # every figure of the row starred (by a mark the page does not use yet), and the note at the page's end
        mark = next(m for m in ("*", "**", "***") if m not in text)
        body = _PRICED_CELL.sub(lambda m: m.group(1) + FIGURE.sub(rf"\1{mark}", m.group(2)) + m.group(3), body)
    changed = text[: row.start(1)] + body + text[row.end(1) :]
    if change == "star":
        changed += f"<p>{mark} Introductory price for the first 3 months of a new account.</p>"
    return changed, without_row, as_captured(source, path)


@pytest.mark.parametrize(("source", "relative"), TABLED)
def test_a_row_with_a_new_customer_badge_gives_no_quote(realdata: Path, source: str, relative: str) -> None:
    """ "New customers only" in a cell of the first priced row of every real page with table rows: that row's quotes
    (what the page loses without the row) are refused, saying why; every other quote is as captured."""
    page, without_row, captured = row_changed(source, relative, realdata, "badge")
    assert quotes(capture(source, page)) == captured & without_row
    if captured - without_row:
        untied = UNTIED_REASON.split("{titles}")[1]  # a reader that reads cells by position (GCP, DataCrunch)
        assert INTRODUCTORY_REASON in reasons(source, page) or any(r.endswith(untied) for r in reasons(source, page))


@pytest.mark.parametrize(("source", "relative"), TABLED)
def test_a_new_customer_badge_beside_the_name_gives_no_quote(realdata: Path, source: str, relative: str) -> None:
    """A badge beside the GPU's name in the row's first cell, on the page as captured and redesigned as cards of
    labelled fields with new class names (read by meaning): the row's or card's quotes are refused as an introductory
    price's, nothing else changes."""
    page, without_row, captured = row_changed(source, relative, realdata, "name_badge")
    unnamed = UNNAMED_MACHINE_REASON.split("{cell!r}")[1]  # GCP's first cell is the machine type, badged: refused
    for shown in (page, REDESIGNS["cards_renamed"](page)):
        assert quotes(capture(source, shown)) == captured & without_row
        if captured - without_row:
            assert any(r == INTRODUCTORY_REASON or r.endswith(unnamed) for r in reasons(source, shown))


@pytest.mark.parametrize(("source", "relative"), BY_ROW)
def test_a_figure_for_a_first_month_gives_no_quote(realdata: Path, source: str, relative: str) -> None:
    """ "$2.49/hr for the first month" in every priced cell of the first priced row: the row's quotes are refused as
    an introductory price's, every other quote is as captured."""
    page, without_row, captured = row_changed(source, relative, realdata, "after")
    assert quotes(capture(source, page)) == captured & without_row
    if captured - without_row:
        assert INTRODUCTORY_REASON in reasons(source, page)


@pytest.mark.parametrize(("source", "relative"), TABLED)
def test_a_figure_starred_to_an_introductory_note_gives_no_quote(realdata: Path, source: str, relative: str) -> None:
    """ "$2.49*" with "* Introductory price for the first 3 months" below: the row's quotes are refused, naming the
    note; every other quote is as captured."""
    page, without_row, captured = row_changed(source, relative, realdata, "star")
    assert quotes(capture(source, page)) == captured & without_row
    if captured - without_row:  # refused for the note, or as a cell of a shape the reader does not read (GCP's)
        assert any(r == INTRODUCTORY_REASON or re.search(r"'\$[\d.,]+\*+ ", r) for r in reasons(source, page))


@pytest.mark.parametrize(
    ("words", "says"),
    [
        ("New customers only", True),
        ("Introductory price", True),
        ("$1.99/hr for the first month", True),
        ("for your first 100 hours", True),
        ("with code GPU50", True),
        ("For new accounts", True),
        ("Limited-time offer", False),  # a sale open to every buyer: the price in force
        ("Promotional pricing is limited to on-demand GPU Droplets", False),  # DigitalOcean 2025, read as in force
        ("Reserve for 1 month", False),  # a term
        ("On-demand", False),
        ("Contact sales", False),
        ("Built for new AI workloads", False),
    ],
)
def test_introductory_wording(words: str, says: bool) -> None:
    assert introductory(words) is says


@pytest.mark.parametrize(("source", "relative"), BY_ROW)
def test_a_sale_open_to_every_buyer_is_read(realdata: Path, source: str, relative: str) -> None:
    """ "Limited-time offer" beside a figure: a sale any buyer gets is the price in force, read as captured."""
    path = realdata / relative
    sale = with_cell(path.read_text(errors="replace"), "Limited-time offer")
    assert quotes(capture(source, sale)) == as_captured(source, path)
