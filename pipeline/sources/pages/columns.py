"""Tables whose GPUs head the columns: "GPU | H100 SXM | H200" over "On-demand | $2.99 | $3.49".

A GPU name in a row that names other GPUs owns its column: the cell at its position in each other row
of the same table, titled by that row's first cell ("On-demand", "VRAM", "Machine type"). The titles then say what
each figure is, as a header row does for a table of GPU rows. A row whose cells do not line up with
the name row (a cell spanning columns, a missing one) gives nothing rather than a figure from the
wrong column.
"""

from __future__ import annotations

from pipeline.sources.pages.cells import Page


def name_row(page: Page, element: int, name_count: list[int], price_count: list[int]) -> tuple[int, int] | None:
    """(row, position) when `element` is a cell of a row that names two or more GPUs and holds no price."""
    row = page.elements[element].parent
    if row < 0 or price_count[page.elements[row].last] != price_count[page.elements[row].first]:
        return None
    cells = _cells(page, row)
    named = page.remember(
        "named",
        row,
        lambda: sum(1 for c in cells if name_count[page.elements[c].last] > name_count[page.elements[c].first]),
    )
    if named < 2:
        return None
    at = page.remember("place", row, lambda: {c: n for n, c in enumerate(cells)}).get(element)
    return None if at is None else (row, at)


def column_below(page: Page, row: int, at: int) -> list[tuple[str, range]]:
    """(title, cells) of position `at` in each other row of its table that lines up with `row`."""
    out = []
    for title, cells in _rows_beside(page, row):
        value = page.elements[cells[at]]
        if value.first >= 0:
            out.append((title, range(value.first, value.last)))
    return out


def _rows_beside(page: Page, row: int) -> list[tuple[str, list[int]]]:
    """(title, cells) of each other row of `row`'s table with as many cells; found once per name row."""
    return page.remember("rows", row, lambda: _rows_of_table(page, row))


def _rows_of_table(page: Page, row: int) -> list[tuple[str, list[int]]]:
    top = page.elements[row]
    table = next((e for e in page.chain(row) if page.elements[e].tag == "table"), top.parent)
    width, at_cell, end = len(_cells(page, row)), page.elements[table].first, page.elements[table].last
    out = []
    while 0 <= at_cell < end:
        other = page.cells[at_cell].block
        while other >= 0 and page.elements[other].depth > top.depth:
            other = page.elements[other].parent
        if other < 0 or other == row or page.elements[other].depth != top.depth or page.elements[other].tag != top.tag:
            at_cell = max(at_cell + 1, page.elements[other].last if other == row else 0)
            continue
        cells = _cells(page, other)
        if len(cells) == width:
            out.append((page.text(cells[0]), cells))
        at_cell = max(page.elements[other].last, at_cell + 1)
    return out


def _cells(page: Page, row: int) -> list[int]:
    """The row's child elements, empty ones included (a column is a position, so blanks count)."""
    return page.remember("cells", row, lambda: _children_of(page, row))


def _children_of(page: Page, row: int) -> list[int]:
    depth, out = page.elements[row].depth, []
    for n in range(row + 1, len(page.elements)):
        element = page.elements[n]
        if element.depth <= depth:
            break
        if element.parent == row:
            out.append(n)
    return out
