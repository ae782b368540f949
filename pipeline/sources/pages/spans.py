"""A table cell that spans rows ("NVIDIA H100 SXM" beside its 1x and 8x rows): a browser shows it in each row it spans,
the markup only in the first. Read as marked up, the rows below it have no GPU name and their prices were dropped
unread. Each spanned row gets the cell's copy in its place (the HTML table model's grid) before any reader walks the
page. Row groups (thead, tbody) are spans' bounds, as in a browser; a span beyond `MAX_ROWSPAN` rows, or "0" (to the
group's end), is left as marked up."""

from __future__ import annotations

from selectolax.parser import HTMLParser, Node

MAX_ROWSPAN = 64


def expand_rowspans(tree: HTMLParser) -> HTMLParser:
    """The tree, each cell spanning rows copied into every row it spans."""
    for table in tree.css("table"):
        if table.css_first("[rowspan]") is None:
            continue  # most tables: nothing to copy
        groups: dict[object, list[Node]] = {}
        for tr in table.css("tr"):
            if own_table(tr) == table.mem_id and tr.parent is not None:
                groups.setdefault(tr.parent.mem_id, []).append(tr)
        for rows in groups.values():
            _expand(rows)
    return tree


def _expand(rows: list[Node]) -> None:
    """Copy the spanning cells of one row group into the rows they span, at their columns."""
    spanning: dict[int, tuple[Node, int]] = {}  # column -> (cell, rows still to fill)
    for tr in rows:
        cells = row_cells(tr)
        column, k = 0, 0
        while k < len(cells) or any(col >= column for col in spanning):
            if column in spanning:
                cell, left = spanning.pop(column)
                if cells:  # before the cell now at this column, or after the row's last one
                    place = cells[k].insert_before if k < len(cells) else cells[-1].insert_after
                    place(_copy(cell))  # type: ignore[arg-type]  # selectolax inserts a node too; its stub says text
                    cells, k = row_cells(tr), k + 1
                if left > 1:
                    spanning[column] = (cell, left - 1)
                column += _span(cell, "colspan")
                continue
            if k >= len(cells):
                column += 1
                continue
            cell, k = cells[k], k + 1
            rowspan = _span(cell, "rowspan")
            if 1 < rowspan <= MAX_ROWSPAN:
                spanning[column] = (cell, rowspan - 1)
            column += _span(cell, "colspan")


def _span(cell: Node, attribute: str) -> int:
    value = (cell.attributes.get(attribute) or "1").strip()
    return int(value) if value.isdigit() and int(value) > 0 else 1


def _copy(cell: Node) -> Node:
    """The cell as a new element spanning one row."""
    made = HTMLParser(f"<table><tr>{cell.html}</tr></table>").css_first(cell.tag or "td")
    assert made is not None
    if "rowspan" in made.attrs:
        del made.attrs["rowspan"]
    return made


def row_cells(tr: Node) -> list[Node]:
    """A row's own cells, in order."""
    return [c for c in tr.iter() if c.tag in ("td", "th")]


def own_table(node: Node) -> object:
    """The id of the nearest table around `node` (a row's own table, not one nesting it)."""
    parent = node.parent
    while parent is not None and parent.tag != "table":
        parent = parent.parent
    return None if parent is None else parent.mem_id
