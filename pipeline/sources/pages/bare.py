"""Figures a table prints bare, its currency and its unit said once in the column's title: "On-demand ($/GPU/hr)" over
"3.90". A currency mark is what makes a figure a price to every reader (never "80" of "80 GB"), so read as printed
such a column holds no price and a redesign that moved the "$" into the title would read as drift. Each such cell is
rewritten as the price it shows ("$3.90") before any reader walks the page. Only a title that names a currency mark
and the hour and quotes no price itself; only a cell that is one bare decimal and nothing else; only a row whose cells
line up with the titles (no cell spanning columns).
"""

from __future__ import annotations

import re

from selectolax.parser import HTMLParser, Node

from pipeline.sources.pages.marks import HOUR_UNITS, MARK, OTHER_TIME_UNITS
from pipeline.sources.pages.spans import own_table, row_cells

_CURRENCY = re.compile(MARK)
_HOURLY = re.compile(rf"(?:/|\bper\b)\s*(?:gpu\s*[/-]?\s*)?(?:{HOUR_UNITS})\b|\bgpu[\s-]*h(?:ou)?r\b|\bhourly\b", re.I)
_OTHER_TIME = re.compile(rf"(?:/|\bper\b)\s*(?:gpu\s*[/-]?\s*)?(?:{OTHER_TIME_UNITS})\b|\bmonthly\b", re.IGNORECASE)
_BARE = re.compile(r"\d{1,5}(?:\.\d{1,6})?")
_AMOUNT = re.compile(rf"{MARK}\s*\d|\d\s*{MARK}")  # a title quoting a price ("Was $3.50/hr") gives no mark


def mark_bare_figures(tree: HTMLParser) -> HTMLParser:
    """The tree, each bare figure under a title naming its currency and the hour written with that currency's mark."""
    for table in tree.css("table"):
        if table.css_first("th") is None:
            continue  # no titles, no figure to mark
        rows = [row_cells(tr) for tr in table.css("tr") if own_table(tr) == table.mem_id]
        titles = next((cells for cells in rows if cells and all(c.tag == "th" for c in cells)), [])
        marks = [_mark(_text(c)) for c in titles]
        if not any(marks):
            continue
        for cells in rows:
            if len(cells) != len(titles) or any(c.attributes.get("colspan") not in (None, "1") for c in cells):
                continue
            for cell, mark in zip(cells, marks, strict=True):
                text = _text(cell)
                if mark and _BARE.fullmatch(text):
                    _rewrite(cell, text, f"{mark} {text}" if mark.isalpha() else f"{mark}{text}")
    return tree


def _mark(title: str) -> str | None:
    """The currency mark a column title gives its figures ("Price ($/hr)": "$"), None when it gives none."""
    found = _CURRENCY.search(title)
    if found is None or _AMOUNT.search(title) or not _HOURLY.search(title) or _OTHER_TIME.search(title):
        return None
    return found.group(0)


def _text(node: Node) -> str:
    """A cell's text as a title or a bare figure is compared (`document.node_text` is not importable here: the tree
    transforms run inside `bounded_html`, which `document` imports)."""
    return (node.text(deep=True, separator=" ") or "").strip()


def _rewrite(cell: Node, figure: str, price: str) -> None:
    """The text node of `cell` that holds `figure` alone, written as `price`."""
    for part in cell.traverse(include_text=True):
        if part.tag == "-text" and (part.text_content or "").strip() == figure:
            part.replace_with((part.text_content or "").replace(figure, price, 1))
            return
