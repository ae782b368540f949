"""A priced cell whose every figure its words pass over ("Was $3.50", "Minimum spend $5,000"): no quote, and the
figure is refused with the reason, never dropped in silence.

`money` passes over a figure whose words say it is no price of use now; a layout reader that took "no price in this
cell" as "nothing here" left the cell's figure nowhere (Crusoe's, DataCrunch's, Hyperstack's and Nebius's readers):
nothing in the lake said the page had printed it.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from pipeline.sources import REGISTRY
from pipeline.sources.pages.money import amounts
from tests.helpers import normalise
from tests.sources.test_pages_introductory import FIGURE
from tests.sources.test_pages_not_yet import TABLED, capture, first_priced_row


def figures(price_native: str) -> set[Decimal]:
    """A rejection's figure: its number, or those of the cell text a reader keeps when the cell is not one."""
    try:
        return {Decimal(price_native)}
    except ArithmeticError:
        return {Decimal(amount) for _, amount, _ in amounts(price_native)}


def read(source: str, text: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    return normalise(REGISTRY[source].parse(capture(source, text)), capture(source, text))


@pytest.mark.parametrize("words", ["Was ", "Minimum spend "])
@pytest.mark.parametrize(("source", "relative"), TABLED)
def test_a_row_priced_only_by_passed_over_figures_is_refused_not_dropped(
    realdata: Path, source: str, relative: str, words: str
) -> None:
    """Every figure of the first priced row of every real page with table rows written after `words`: the figures the
    page as captured quoted from that row are each refused (a rejection with that figure), none quoted."""
    text = (realdata / relative).read_text(errors="replace")
    row = first_priced_row(text)
    assert row is not None
    quoted, _ = read(source, text)
    without_row, _ = read(source, text[: row.start()] + text[row.end() :])
    key = ["sku", "pricing_type", "price_native"]
    from_row = quoted.join(without_row.select(key), on=key, how="anti")  # the row's quotes
    changed = text[: row.start(1)] + FIGURE.sub(lambda m: words + m.group(1), row.group(1)) + text[row.end(1) :]
    found, refused = read(source, changed)
    assert found.join(from_row.select(key), on=key, how="semi").height == 0
    assert set(from_row["price_native"]) <= {figure for p in refused["price_native"] if p for figure in figures(p)}
