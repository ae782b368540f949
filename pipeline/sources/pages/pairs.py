"""Two figures side by side that nothing on the page tells apart ("$0.01 / $2.99/hr", "$2.99 or $1.49"): which of
them is the price, a reader cannot know, so both are refused rather than the first (a layout reader's cell) or the
later (the meaning reader's list price replaced) taken. Figures their own words tell apart are not such a pair: per
GPU and per machine ("$20.72/hr ($2.59/GPU/hr)"), a pricing type after the second ("$2.99/hr, $1.49/hr spot"), the
same figure twice, another currency."""

from __future__ import annotations

import re
from itertools import pairwise

from pipeline.sources.pages.money import figure_at
from pipeline.sources.pages.wording import per_instance, pricing_type_of

UNTOLD_REASON = "one of two figures side by side ({text!r}) with nothing saying which is the price"
# Between two such figures: their hour unit at most, then a separator of alternatives ("/", "|", ",", "or") or none.
_BETWEEN = re.compile(r"\s*(?:/\s*(?:gpu\s*/\s*)?h(?:ou)?rs?\b\.?)?\s*(?P<sep>[/|,]|\bor\b)?\s*", re.IGNORECASE)


def untold_pair(text: str, found: list[tuple[int, str, str]], alternatives_only: bool = False) -> int | None:
    """The index in `found` (`money.amounts(text)`) of the first of two neighbouring figures nothing tells apart, or
    None. `alternatives_only`: only those a separator sets apart (the meaning reader reads "$6.74 /GPU/hour $3.39
    /GPU/hour*" as a list price and the price replacing it)."""
    for n, (a, b) in enumerate(pairwise(found)):
        if a[1:] == b[1:] or a[2] != b[2]:
            continue
        between = _BETWEEN.fullmatch(text[figure_at(text, a[0]) : b[0]])
        tail = text[figure_at(text, b[0]) :]
        if between is None or pricing_type_of(tail) or per_instance(tail):
            continue
        if between.group("sep") or not alternatives_only:
            return n
    return None
