"""Figures a page explains elsewhere: footnotes that say what a starred figure is, or state a price of their own.

"2.24*" with "*$2.24/hour pricing is for a 3-year commitment. On-demand pricing for H100 is
$6.00/hour" is a 3-year price, and the note's second sentence is the H100's on-demand price; a
figure the row's own prose calls a floor ("Prices start as low as $1.99") is a floor.
"""

from __future__ import annotations

import re
from decimal import Decimal

from pipeline.sources.pages.marks import MARK
from pipeline.sources.pages.money import amounts, money
from pipeline.sources.pages.names import models
from pipeline.sources.pages.records import Price, Record
from pipeline.sources.pages.wording import is_teaser

# "$6.00/hour", "6.00 USD per hour", "USD 6.00/hour": a figure (its mark before or after it) and then the hour.
_HOURLY_AFTER = re.compile(
    rf"^(?:{MARK}\s*)?\S*?\d[\d,.]*\s*(?:{MARK}\s*)?(?:/\s*h(?:ou)?r\b|per\s+hour\b)", re.IGNORECASE
)


def footnote(record: Record, text: str) -> str:
    """The footnote a figure's stars point to ("2.24*" -> "*$2.24/hour pricing is for a 3-year commitment")."""
    match = re.search(r"\d(\*{1,3})|(\*{1,3})\s*$", text)
    if match is None:
        return ""
    return record.notes.get(match.group(1) or match.group(2), "")


def noted_prices(record: Record, model: str) -> list[Price]:
    """Hourly prices a footnote of the record's figures states for the record's GPU.

    "*$2.24/hour pricing is for a 3-year commitment. On-demand pricing for H100 is $6.00/hour": the
    second sentence names H100 and one hourly figure, a price of the same GPU the page states.
    """
    out: list[Price] = []
    stated = {Decimal(p.amount) for p in record.prices}
    for note in dict.fromkeys(footnote(record, p.text) for p in record.prices):
        for sentence in re.split(r"(?<=[.;])\s+", note):
            if model not in models(sentence):
                continue
            hourly = [(a, c) for at, a, c in amounts(sentence) if _HOURLY_AFTER.match(sentence[at:])]
            if len(hourly) == 1 and Decimal(hourly[0][0]) not in stated:
                out.append(Price(-1, sentence, hourly[0][0], hourly[0][1], label=sentence))
    return out


def floor_sentence(record: Record, price: Price) -> bool:
    """True when the record's own prose calls the same figure a floor ("Prices start as low as $1.99")."""
    for text in record.cells:
        found = money(text) if len(text) > 60 and is_teaser(text) else None
        if found is not None and Decimal(found[0]) == Decimal(price.amount):
            return True
    return False
