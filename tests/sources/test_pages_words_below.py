"""A sentence below a table that says what every price in it is ("All prices above are for 3-year reserved
contracts"): the table's on-demand figures are refused with it; a sentence that says on demand, or does not point back
at the prices, changes nothing.

Neither reader read the prose after a table (a layout reader reads its cells, the meaning reader the words around each
figure), so a table of 3-year prices so captioned was published as on-demand prices. No real page in `../shared`
writes one; each test writes one under the first priced table of every real page with table rows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.sources import REGISTRY
from pipeline.sources.pages.below import BELOW_TYPE_REASON
from tests.helpers import normalise
from tests.sources.test_pages_not_yet import TABLED, capture, first_priced_row
from tests.sources.test_pages_redesigned import as_captured, quotes


def below_first_table(text: str, words: str) -> tuple[str, str]:
    """(the page with `words` in a paragraph right below the table of its first priced row, the page without that
    table). An excerpt cut inside a table is closed after its last row."""
    row = first_priced_row(text)
    assert row is not None
    start = max(text.rfind("<table", 0, row.start()), 0)
    end = text.find("</table>", row.end())
    close = ""
    if end < 0:
        end, close = text.rfind("</tr>") + len("</tr>"), "</table>"
    else:
        end += len("</table>")
    return text[:end] + f"{close}<p>{words}</p>" + text[end:], text[:start] + close + text[end:]


def table_quotes(source: str, captured: set[tuple[object, ...]], without: str) -> set[tuple[object, ...]]:
    try:
        return captured - quotes(capture(source, without))
    except Exception:  # the page has no other table: every quote was the table's
        return captured


@pytest.mark.parametrize(("source", "relative"), TABLED)
def test_a_table_captioned_below_as_reserved_gives_no_on_demand_quote(
    realdata: Path, source: str, relative: str
) -> None:
    path = realdata / relative
    page, without = below_first_table(
        path.read_text(errors="replace"), "All prices above are for 3-year reserved contracts."
    )
    captured = as_captured(source, path)
    table = table_quotes(source, captured, without)
    on_demand = {q for q in table if q[1] == "on_demand"}
    assert quotes(capture(source, page)) == captured - on_demand
    if on_demand:
        _, refused = normalise(REGISTRY[source].parse(capture(source, page)), capture(source, page))
        said = BELOW_TYPE_REASON.format(
            words="All prices above are for 3-year reserved contracts.", said="reserved_3y", read="on_demand"
        )
        assert said in set(refused["reason"])


@pytest.mark.parametrize(
    "words",
    [
        "Prices above are on-demand; reserved pricing is available on request.",  # says on demand of these prices
        "Reserved instances are available for 1 to 3 year terms.",  # not of the prices above
        "Contact us for a 3-year reserved quote.",
    ],
)
@pytest.mark.parametrize(("source", "relative"), TABLED)
def test_words_below_that_say_nothing_of_the_tables_prices_change_nothing(
    realdata: Path, source: str, relative: str, words: str
) -> None:
    path = realdata / relative
    page, _ = below_first_table(path.read_text(errors="replace"), words)
    assert quotes(capture(source, page)) == as_captured(source, path)
