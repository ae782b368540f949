"""Introductory prices: a price the buyer gets only on a condition (for a first period of the rental, as a new
customer, with a code), not the standing price every buyer pays. Read as the on-demand price, an offer some buyers get
for a while would be the market's price. A sale open to every buyer ("Limited-time offer", DigitalOcean 2025's
"Promotional pricing ... limited to on-demand GPU Droplets" for $3.39, struck $6.74 beside it) is the price in force,
and is read as it.

`refuse_introductory` refuses them, for either reader, from the words that belong to the figure: the sentence of its
own cell that states it, a star's footnote (its sentences that state this figure or no figure at all: "*$2.24/hour
pricing is for a 3-year commitment. On-demand ... is $6.00/hour" leaves $2.24 a 3-year price whatever the second
sentence says), its label and column title, and the few words of a status cell or badge in its row or card.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

import polars as pl

from pipeline.domain.records import RawCapture
from pipeline.sources.pages.bounded import excerpt_html
from pipeline.sources.pages.copies import read_without_copies
from pipeline.sources.pages.document import squash
from pipeline.sources.pages.money import amounts
from pipeline.sources.pages.names import models
from pipeline.sources.pages.notes import footnote, noted_prices
from pipeline.sources.pages.records import SHORT, Price, Record, find_records
from pipeline.sources.pages.rows import row_amount

# Words that tie a price to a condition on the buyer: an initial period of the rental, being new, a code. A sale open
# to every buyer ("Limited-time offer", "Promotional pricing", "$6.74" struck for "$3.39") is the price in force, and
# is read as it.
_CONDITION = re.compile(
    r"\bintroductory\b|\bintro\s+(?:price|pricing|offer|rate)\b|\bearly[- ]bird\b"
    r"|\bfor\s+(?:the|your)\s+first\s+(?:\d+\s+|[a-z]+\s+)?(?:hours?|days?|weeks?|months?|year)\b"
    r"|\(\s*first\s+(?:\d+\s+|[a-z]+\s+)?(?:hours?|days?|weeks?|months?|year)(?:\s+only)?\s*\)"  # "(first month)"
    r"|\bfirst\s+(?:\d+\s+|[a-z]+\s+)?(?:hours?|days?|weeks?|months?|year)\s+only\b"
    r"|\bfor\s+new\s+(?:customers|users|accounts|sign[- ]?ups)\b|\bnew\s+(?:customers|users|accounts)\s+only\b"
    r"|\bfirst[- ]time\s+(?:customers|users|buyers)\b"
    r"|\b(?:with|using)\s+(?:a|the)?\s*(?:promo(?:tion(?:al)?)?\s+)?(?:code|coupon)\b|\bcoupon\b",
    re.IGNORECASE,
)
INTRODUCTORY_REASON = (
    "an introductory price ('for the first month', 'new customers only', 'with code ...'): a condition the buyer must "
    "meet, not the standing price"
)
_SENTENCE = re.compile(r"(?<=[.;!?])\s+")


def introductory(text: str) -> bool:
    """True when the words tie a price to a condition on the buyer ("Introductory price", "$1.99/hr for the first
    month", "New customers only", "with code GPU50"); a sale open to all ("Limited-time offer") is not one."""
    return _CONDITION.search(squash(text)) is not None


def refuse_introductory(rows: pl.DataFrame, capture: RawCapture) -> pl.DataFrame:
    """The rows not yet refused whose figure the page's words make an introductory price, refused
    (`INTRODUCTORY_REASON`). A row is matched to the page's records (`records.find_records`, as the meaning reader
    reads them) by its GPU model and amount; a page whose text never says so is not read again."""
    open_rows = pl.col("reject_reason").is_null()
    if not rows.select(open_rows.any()).item() or not introductory(capture.body.decode("utf-8", "replace")):
        return rows
    conditional = {
        (named, Decimal(price.amount))
        for record in find_records(read_without_copies(excerpt_html(capture)))
        if (named := tuple(models(record.name)))  # a GPU the reader can name: a figure of no model matches none
        for price in [*record.prices, *(p for model in named for p in noted_prices(record, model))]
        if any(map(introductory, _words_of(record, price)))
    }
    reasons = [
        INTRODUCTORY_REASON
        if reason is None and (tuple(models(label or "")), row_amount(amount)) in conditional
        else reason
        for label, amount, reason in rows.select("label", "price_native", "reject_reason").iter_rows()
    ]
    return rows.with_columns(pl.Series("reject_reason", reasons, dtype=pl.String))


def _words_of(record: Record, price: Price) -> Iterable[str]:
    """The words that belong to one figure: the sentences of its cell and of its footnote that state it (or state no
    figure), its label and column title, and its record's short cells (a badge beside the GPU's name, a status)."""
    yield from _stating(price.text, price.amount)
    yield from _stating(footnote(record, price.text), price.amount)
    yield from (price.label, price.column)
    yield from (cell for cell in [*record.names, *record.cells] if len(cell) <= SHORT)


def _stating(text: str, amount: str) -> list[str]:
    """The sentences of `text` that state `amount`, or state no figure at all."""
    return [s for s in _SENTENCE.split(text) if not (found := amounts(s)) or any(_same(a, amount) for _, a, _ in found)]


def _same(a: str, b: str) -> bool:
    return Decimal(a) == Decimal(b)
