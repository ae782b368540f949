"""Flat grids: a table laid out as cells side by side in one container, with no element per row.

A CSS grid ("GPU | VRAM | Price | H100 SXM | 80 GB | $2.99 | A100 80GB SXM | 80 GB | $1.79", every
cell a child of one element) has rows only in the reader's eye. When the GPU names among the
container's children repeat at one fixed step, the step is the row's width; the rows are the runs of
that many children in which each name sits at the same place and each holds a price, and a run of
titles before the first row (no name, no price) titles the columns. When more than one placing of
the rows fits, or none does, the container is not read as a grid.
"""

from __future__ import annotations

from itertools import pairwise

from pipeline.sources.pages.cells import Page


def grid_row(page: Page, element: int, name_count: list[int], price_count: list[int]) -> list[tuple[str, range]]:
    """(column title, cells) of each other cell in the grid row of the GPU named in `element`; [] if not a grid."""
    parent = page.elements[element].parent
    if parent < 0:
        return []
    children, place, width, off, titles = page.remember(
        "grid", parent, lambda: _grid(page, parent, name_count, price_count)
    )
    at = place.get(element, -1)
    if at < 0 or not width:
        return []
    row = children[at - off : at - off + width]
    return [
        (titles[p] if titles else "", range(page.elements[c].first, page.elements[c].last))
        for p, c in enumerate(row)
        if c != element
    ]


def _grid(
    page: Page, parent: int, name_count: list[int], price_count: list[int]
) -> tuple[list[int], dict[int, int], int, int, list[str]]:
    """(children, their places, row width, the name's place in its row, column titles) of `parent` read as a grid;
    width 0 if it is none."""
    children = page.children(parent)

    def count(counts: list[int], child: int) -> int:
        el = page.elements[child]
        return counts[el.last] - counts[el.first]

    named = [n for n, child in enumerate(children) if count(name_count, child)]
    steps = {b - a for a, b in pairwise(named)}
    if len(named) < 2 or len(steps) != 1 or (width := steps.pop()) < 2:
        return children, {}, 0, 0, []

    def header(start: int) -> list[str]:
        """The titles of the run before the first row, when it names no GPU and states no price."""
        run = children[start - width : start] if start >= width else []
        return [] if any(count(name_count, c) or count(price_count, c) for c in run) else [page.text(c) for c in run]

    fits = [
        off
        for off in range(width)
        if named[0] - off >= 0
        and named[-1] - off + width <= len(children)
        and all(any(count(price_count, c) for c in children[n - off : n - off + width]) for n in named)
        and not any(count(price_count, c) for c in children[named[-1] - off + width :])  # no price left over
    ]
    titled = [off for off in fits if header(named[0] - off)]
    if len(fits) != 1 and len(titled) != 1:
        return children, {}, 0, 0, []
    off = (fits if len(fits) == 1 else titled)[0]
    return children, {child: n for n, child in enumerate(children)}, width, off, header(named[0] - off)
