"""Tables the meaning reader has to see as tables: where a record's column titles are (the header row beside its
row, or its own first row when the record is a whole table pricing one GPU), and which title is above a cell."""

from __future__ import annotations

import re

from pipeline.sources.pages.cells import Page
from pipeline.sources.pages.money import bare_price, is_no_price
from pipeline.sources.pages.tabs import is_tab_bar
from pipeline.sources.pages.wording import PRICE_TITLE

_SECTIONS = frozenset(("thead", "tbody", "tfoot"))


def one_row_header(
    page: Page, element: int, name: int, name_count: list[int], price_count: list[int]
) -> tuple[list[str], int]:
    """For a record holding a whole table of one GPU row: the titles of its first row (no name, no price) and the
    row that names the GPU (cell `name`), whose columns they title. Otherwise no titles, and the record itself.
    (A table of several GPU rows makes a record of each row, whose header `header_row` finds.)"""
    chain = page.chain(page.cells[name].block)
    table = next((e for e in chain[: chain.index(element) + 1] if page.elements[e].tag == "table"), None)
    if table is None:
        return [], element
    parts = page.children(table)  # its rows, through its head and body sections
    rows = [r for part in parts for r in (page.children(part) if page.elements[part].tag in _SECTIONS else [part])]
    if len(rows) != 2 or any(page.elements[r].tag != "tr" for r in rows):
        return [], element
    top, body = page.elements[rows[0]], page.elements[rows[1]]
    if name_count[top.last] - name_count[top.first] or price_count[top.last] - price_count[top.first]:
        return [], element
    if not body.first <= name < body.last:
        return [], element
    titles = [page.text(c) for c in page.columns(rows[0])]
    return (titles, rows[1]) if len(titles) == len(page.columns(rows[1])) else ([], element)


def header_row(page: Page, element: int, name_count: list[int]) -> list[str]:
    """The header cells of the row-like record `element`: a nearby earlier sibling with column titles."""
    node = element
    for _ in range(3):
        parent = page.elements[node].parent
        if parent < 0:
            return []
        siblings, place, unnamed_before = _siblings(page, parent, name_count)
        if node not in place:
            return []
        run: list[str] = []  # a header cut loose from its row: one title per sibling
        # Other records' rows are skipped in one step (the nearest earlier sibling naming no GPU), not one by one.
        for at in range(unnamed_before[place[node]], -1, -1):
            sibling = siblings[at]
            s = page.elements[sibling]
            if name_count[s.last] - name_count[s.first] > 0:
                break
            if is_tab_bar(page, sibling):
                break  # tab buttons name panels, not the columns of a row
            titles = [page.text(c) for c in page.columns(sibling)] or [page.text(sibling)]
            titles = [t for t in titles if not is_no_price(t)] or titles  # a group's label row ("G4 | - | -")
            if any(bare_price(t) and len(t) < 20 for t in titles):
                break
            if len(titles) >= 2 and not run:
                return titles
            if len(titles) != 1:
                break
            run.insert(0, titles[0])
        if len(run) >= 2:
            return run
        node = parent
    return []


def _siblings(page: Page, parent: int, name_count: list[int]) -> tuple[list[int], dict[int, int], list[int]]:
    """The children of `parent`, each one's place, and for each place the last earlier one naming no GPU (-1)."""

    def compute() -> tuple[list[int], dict[int, int], list[int]]:
        siblings = page.children(parent)
        unnamed_before, last = [], -1
        for n, child in enumerate(siblings):
            unnamed_before.append(last)
            if name_count[page.elements[child].last] == name_count[page.elements[child].first]:
                last = n
        return siblings, {c: n for n, c in enumerate(siblings)}, unnamed_before

    return page.remember("siblings", parent, compute)


# The title of a column of the rows' names: "Instance name", "Model", "Plan", "Machine type", "SKU".
_NAMES_TITLE = re.compile(
    r"^(?:instance|model|gpu\s+model|name|plan|machine|sku|product|configuration|server)\b", re.IGNORECASE
)
# A title over prices: "Price", "Cost", "Rate", "$/hr", "Per hour", "Hourly", "On-demand", "Spot", "1-year".
_PRICE_TITLE = re.compile(
    rf"{PRICE_TITLE}|[$€£]|on[\s-]?demand|spot|reserved|commit|\d+\s*-?\s*(?:year|month)", re.IGNORECASE
)


def column_of(page: Page, columns: list[int], header: list[str], cell: int) -> str:
    """The header title above a cell of the record. Titles as many as the cells stand over them one by one, more
    titles than cells over the last cells; fewer titles than cells are aligned from the right (a header without a
    title over the rows' names), or from the left when the first title is the names' ("Instance name"), unless the
    other way sets fewer figures under titles of something else and fewer price titles over no figure (a status or
    a price cell the header lacks, before or after the others: a GPU count was read from the vCPUs beside it)."""
    if not header or not columns:
        return ""
    at = next((n for n, c in enumerate(columns) if page.elements[c].first <= cell < page.elements[c].last), None)
    if at is None:
        return ""
    index = at - _offset(page, columns, header)
    return header[index] if 0 <= index < len(header) else ""


def _offset(page: Page, columns: list[int], header: list[str]) -> int:
    """How many cells of the row come before the first title's: see `column_of`."""
    extra = len(columns) - len(header)
    if extra <= 0:
        return extra  # the record's cells are some of the columns: the last ones (its name is in a cell apart)
    tried = (0, extra) if _NAMES_TITLE.match(header[0]) is not None else (extra, 0)
    return min(tried, key=lambda offset: _misfits(page, columns, header, offset))  # the first of equals


def _misfits(page: Page, columns: list[int], header: list[str], offset: int) -> int:
    """Figures under a title of something else, and price titles over a cell that is neither a figure nor "no price
    here", with the titles `offset` cells to the right."""
    misfits = 0
    for n, column in enumerate(columns):
        if not 0 <= n - offset < len(header) or not (title := header[n - offset]):
            continue
        text = page.text(column)
        priced = bare_price(text) is not None
        misfits += priced != (_PRICE_TITLE.search(title) is not None) and (priced or not is_no_price(text))
    return misfits
