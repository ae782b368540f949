"""Every real pricing page with the words that name its figures' pricing type reworded to name two types: the
figures they typed are then of no one type, so the page can only lose quotes, never gain one (a $1.89 3-year
reservation read as on demand, a first match taken as the type). A regression test of every reader at once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.domain.records import RawCapture
from pipeline.sources import REGISTRY
from pipeline.sources.base import SchemaDrift
from tests.helpers import FETCHED
from tests.sources.test_pages_redesigned import PAGES, as_captured, quotes

# The type words as a cell, header or eyebrow prints them (the whole text of an element, or its start).
TYPE_WORDS = {
    "on demand": r"On[- ]?[Dd]emand|Pay[- ]as[- ]you[- ]go",
    "spot": r"Spot|Interruptible|Preemptible",
    "reserved": r"Reserved|Committed",
}
TWO_TYPES = ("On-demand / Spot", "Spot (on-demand also offered)", "Reserved or on-demand", "Spot or reserved")


def reworded(html: str, words: str, two: str) -> str:
    return re.sub(rf"(?<=>)\s*(?:{words})(?=[^<]{{0,40}}<)", two, html)


@pytest.mark.parametrize("two", TWO_TYPES)
@pytest.mark.parametrize("words", sorted(TYPE_WORDS))
def test_type_words_naming_two_types_never_add_a_quote(realdata: Path, words: str, two: str) -> None:
    changed_pages = 0
    for source, relative in PAGES:
        path = realdata / relative
        html = path.read_text(errors="replace")
        changed = reworded(html, TYPE_WORDS[words], two)
        if changed == html:
            continue
        changed_pages += 1
        try:
            found = quotes(RawCapture(source, REGISTRY[source].requests[0].url, FETCHED, changed.encode()))
        except SchemaDrift:
            found = set()
        assert found <= as_captured(source, path), (relative, sorted(found - as_captured(source, path)))
    assert changed_pages >= 3, "the rewording reaches the real pages' type words"
