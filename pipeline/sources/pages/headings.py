"""Which cells head the records below them: a section's title (an <h1>-<h6>, or an element styled as a heading), not
a row of column titles styled the same way."""

from __future__ import annotations

import re

from pipeline.sources.pages.cells import Page
from pipeline.sources.pages.money import bare_price
from pipeline.sources.pages.names import is_name

_HEADING = re.compile(r"^h[1-6]$")
_HEADING_CLASS = re.compile(r"heading|title|eyebrow", re.IGNORECASE)


def headings(page: Page) -> list[int]:
    """For each cell, the index of the last heading cell before it (-1 for none). A cell styled as a heading beside
    others so styled in one element ("GPU model | On-demand | Current spot", each a "pricing-heading") is a row of
    column titles, not a section's heading: its last title would otherwise head every record below."""
    out, last = [], -1
    for i, cell in enumerate(page.cells):
        out.append(last)
        el = page.elements[cell.block]
        heading = _HEADING.match(el.tag) or (_HEADING_CLASS.search(el.classes) and not _in_title_row(page, cell.block))
        if heading and not is_name(cell.text) and bare_price(cell.text) is None:
            last = i
    return out


def _in_title_row(page: Page, block: int) -> bool:
    """True when the element's parent holds other cells styled as headings (a row of column titles)."""
    parent = page.elements[block].parent
    if parent < 0:
        return False
    holder = page.elements[parent]
    styled = {
        c.block for c in page.cells[holder.first : holder.last] if _HEADING_CLASS.search(page.elements[c.block].classes)
    }
    return len(styled) > 1
