"""A sentence below or above a table that says what every price in it is ("All prices above are for 3-year reserved
contracts", "All prices below are for 1-year reserved contracts"): the table's on-demand figures are refused with it;
a sentence that says on demand, or does not point at the prices, changes nothing.

Neither reader read the prose around a table (a layout reader reads its cells, the meaning reader the words around
each figure), so a table of term prices so captioned was published as on-demand prices. No real page in `../shared`
writes one; each test writes one beside the first priced table of every real page with table rows.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.sources.pages.captions import CAPTION_TYPE_REASON, PAGE_TYPE_REASON
from tests.sources.test_pages_introductory import reasons
from tests.sources.test_pages_not_yet import TABLED, capture, first_priced_row
from tests.sources.test_pages_redesigned import PAGES, as_captured, quotes


def beside_first_table(text: str, words: str, below: bool = True) -> tuple[str, str]:
    """(the page with `words` in a paragraph right below (or above) the table of its first priced row, the page
    without that table). An excerpt cut inside a table is closed after its last row, and opened before its first."""
    row = first_priced_row(text)
    assert row is not None
    start = text.rfind("<table", 0, row.start())
    end = text.find("</table>", row.end())
    close = ""
    if end < 0:
        end, close = text.rfind("</tr>") + len("</tr>"), "</table>"
    else:
        end += len("</table>")
    if below:
        return text[:end] + f"{close}<p>{words}</p>" + text[end:], text[: max(start, 0)] + close + text[end:]
    opened = "" if start >= 0 else "<table>"
    start = max(start, 0)
    return text[:start] + f"<p>{words}</p>{opened}" + text[start:], text[:start] + close + text[end:]


def table_quotes(source: str, captured: set[tuple[object, ...]], without: str) -> set[tuple[object, ...]]:
    try:
        return captured - quotes(capture(source, without))
    except Exception:  # the page has no other table: every quote was the table's
        return captured


CAPTIONS = {  # where the words are: the words
    "below": ("All prices above are for 3-year reserved contracts.", "reserved_3y"),
    "above": ("All prices below are for 1-year reserved contracts.", "reserved_1y"),
}


@pytest.mark.parametrize("where", sorted(CAPTIONS))
@pytest.mark.parametrize(("source", "relative"), TABLED)
def test_a_table_captioned_as_reserved_gives_no_on_demand_quote(
    realdata: Path, source: str, relative: str, where: str
) -> None:
    path = realdata / relative
    words, said = CAPTIONS[where]
    page, without = beside_first_table(path.read_text(errors="replace"), words, below=where == "below")
    captured = as_captured(source, path)
    table = table_quotes(source, captured, without)
    on_demand = {q for q in table if q[1] == "on_demand"}
    assert quotes(capture(source, page)) == captured - on_demand
    if on_demand:
        assert CAPTION_TYPE_REASON.format(where=where, words=words, said=said, read="on_demand") in reasons(
            source, page
        )


@pytest.mark.parametrize(
    "words",
    [
        "Prices in this table are on-demand; reserved pricing is available on request.",  # on demand, of these prices
        "Reserved instances are available for 1 to 3 year terms.",  # not of the prices above
        "Contact us for a 3-year reserved quote.",
    ],
)
@pytest.mark.parametrize(("source", "relative"), TABLED)
def test_words_beside_a_table_that_say_nothing_of_its_prices_change_nothing(
    realdata: Path, source: str, relative: str, words: str
) -> None:
    path = realdata / relative
    for below in (True, False):
        page, _ = beside_first_table(path.read_text(errors="replace"), words, below)
        assert quotes(capture(source, page)) == as_captured(source, path)


PAGE_WIDE = "All prices on this page are for 1-year reserved contracts."


@pytest.mark.parametrize(("source", "relative"), PAGES)
def test_a_page_that_says_every_price_on_it_is_reserved_gives_no_on_demand_quote(
    realdata: Path, source: str, relative: str
) -> None:
    """At the top of every real page (tables or cards): no on-demand quote, each refused with the sentence."""
    path = realdata / relative
    text = path.read_text(errors="replace")
    page = _at_top(text, f"<p>{PAGE_WIDE}</p>")
    captured = as_captured(source, path)
    assert quotes(capture(source, page)) == {q for q in captured if q[1] != "on_demand"}
    if any(q[1] == "on_demand" for q in captured):
        assert PAGE_TYPE_REASON.format(words=PAGE_WIDE, said="reserved_1y", read="on_demand") in reasons(source, page)


@pytest.mark.parametrize(
    "words",
    [
        "All prices on this page are in USD.",
        "Prices on this page exclude VAT.",
        "Prices on this page are on-demand rates.",
        "Prices on this page are for spot and on-demand instances.",  # names on demand too
        "Reserved and spot prices on this page are subject to availability.",  # names two types, neither of all
    ],
)
@pytest.mark.parametrize(("source", "relative"), PAGES)
def test_a_page_wide_sentence_naming_no_other_type_changes_nothing(
    realdata: Path, source: str, relative: str, words: str
) -> None:
    path = realdata / relative
    page = _at_top(path.read_text(errors="replace"), f"<p>{words}</p>")
    assert quotes(capture(source, page)) == as_captured(source, path)


def _at_top(text: str, html: str) -> str:
    """`html` at the top of the page's body (after an excerpt's comment)."""
    body = re.search(r"<body[^>]*>", text)
    at = body.end() if body else (text.find("-->") + 3 if text.startswith("<!--") else 0)
    return text[:at] + html + text[at:]
