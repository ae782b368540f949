"""Tables the meaning reader has to see as tables: where a record's column titles are when the record is a whole
table (a page, or a section, that prices one GPU in one row under a header row)."""

from __future__ import annotations

from pipeline.sources.pages.cells import Page

_SECTIONS = frozenset(("thead", "tbody", "tfoot"))


def one_row_header(
    page: Page, element: int, name: int, name_count: list[int], price_count: list[int]
) -> tuple[list[str], int]:
    """For a record holding a whole table of one GPU row: the titles of its first row (no name, no price) and the
    row that names the GPU (cell `name`), whose columns they title. Otherwise no titles, and the record itself.
    (A table of several GPU rows makes a record of each row, whose header `records._header_row` finds.)"""
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
