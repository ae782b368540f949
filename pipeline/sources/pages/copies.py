"""A row that prints itself twice (a desktop grid and a mobile column of the same figures) is read once.

Responsive pages often repeat a row's name and figures in a second block that a style sheet shows
only on small screens; the markup does not say which copy is hidden. Read both and the prices of
one row spill into the next. A copy is recognised by what it says, not by its class names: inside
an element that names the same GPU twice (and no other GPU), a child block that states two or
more figures or names, every one of which the rest of the element also states, is a copy. Later
blocks are tested first, so of two blocks that copy each other the first one is kept.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import pairwise

from selectolax.parser import HTMLParser

from pipeline.sources.pages.cells import Page, read_page
from pipeline.sources.pages.names import is_name

_FIGURE = re.compile(r"\d[\d,]*(?:\.\d+)?")
_ROW_CELLS = 80  # a row with its copy is small; a larger element is a page section, not one row


def read_without_copies(tree: HTMLParser) -> Page:
    """The page's cells with each responsive copy of a row left out (the tree loses those blocks)."""
    page = read_page(tree)
    copies = _copies(page)
    if not copies:
        return page
    for element in copies:
        node = page.elements[element].node
        if node is not None:
            node.decompose()
    return read_page(tree)


def _keys(page: Page, first: int, last: int) -> Counter[str]:
    """What a run of cells states: its figures and the GPU names it prints."""
    keys: Counter[str] = Counter()
    for cell in page.cells[first:last]:
        if is_name(cell.text):
            keys["name:" + cell.text.lower()] += 1
        keys.update(f.replace(",", "") for f in _FIGURE.findall(cell.text))
    return keys


def _copies(page: Page) -> list[int]:
    names = [i for i, cell in enumerate(page.cells) if is_name(cell.text)]
    out: list[int] = []
    done: set[int] = set()
    for a, b in pairwise(names):
        if page.cells[a].text.lower() != page.cells[b].text.lower():
            continue
        row = page.common(a, b)
        if row < 0:
            continue
        el = page.elements[row]
        if row in done or el.last - el.first > _ROW_CELLS or el.tag == "tr":
            continue  # a table row's cells are its columns (a GPU heading two of them), never a copy
        done.add(row)
        if any(page.cells[i].text.lower() != page.cells[a].text.lower() for i in names if el.first <= i < el.last):
            continue  # the element holds another GPU too: a list of rows, not one row and its copy
        columns = page.children(row)
        kept = {c: _keys(page, page.elements[c].first, page.elements[c].last) for c in columns}
        total = sum(kept.values(), Counter())
        for column in reversed(columns):
            own = kept[column]
            rest = total - own
            if sum(own.values()) >= 2 and all(rest[k] > 0 for k in own):
                out.append(column)
                total = rest
    return out
