"""A page read once, in document order, as the text blocks a reader sees ("cells"), each knowing its elements.

One iterative walk over the parsed tree (no recursion, no re-walk of a subtree): every element gets an id, its parent
and depth; every run of text inside the same block element (a <td>, a <div>, a <p>; inline <span>/<b>/<a> do not
break it) becomes one cell. Each element also knows the range of cells it holds, so "the cells of this row" is a
slice, not a new walk. Cost is linear in the page size times the (capped) nesting depth.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from selectolax.parser import HTMLParser, Node

from pipeline.sources.pages.document import COMMENT, INLINE, add_text, squash
from pipeline.sources.pages.money import money
from pipeline.sources.pages.shown import Seen
from pipeline.sources.pages.tabs import controlled, panels_read

T = TypeVar("T")
_SKIP = frozenset(
    ["script", "style", "noscript", "template", "svg", "head", "title", "iframe", "object", "select", "option"]
)
_LINK = frozenset(("a", "button"))
_MARK_ONLY = re.compile(r"(?:^|\s)(?:US\$|\$|€|£|USD|EUR|GBP)$")
_FIGURE = re.compile(r"\d{1,6}(?:\.\d{1,8})?")
_NUMBER_FIRST = re.compile(r"^\d[\d,.]*\**(?:\s|$)")


@dataclass(slots=True)
class Element:
    """An element of the page: its tag, attributes, parent and the cells it holds ([first, last))."""

    tag: str
    attrs: dict[str, str | None]
    parent: int
    depth: int
    first: int = -1
    last: int = -1
    node: Node | None = None  # the parsed element, so a reader can drop a block it found to be a copy

    @property
    def classes(self) -> str:
        return self.attrs.get("class") or ""


@dataclass(slots=True)
class Cell:
    """A run of visible text inside one block element."""

    text: str
    block: int  # the id of the block element that holds it
    struck: bool = False  # inside <s>/<del>/<strike>: a crossed-out figure
    link: bool = False  # inside a link or button: a call to action ("Reserve now"), not a label
    data: bool = False  # a figure the page keeps in a data attribute (data-secure-cloud-price="3.79")


@dataclass
class Page:
    """The page as cells in reading order, and the elements that hold them."""

    cells: list[Cell] = field(default_factory=list)
    elements: list[Element] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)  # HTML id attribute -> element
    controls: dict[str, int] = field(default_factory=dict)  # a tab panel's id -> the tab that shows it
    memo: dict[tuple[str, int], Any] = field(default_factory=dict)  # readers' per-element answers, computed once

    def chain(self, element: int) -> list[int]:
        """The element and its ancestors, innermost first."""
        out = []
        while element >= 0:
            out.append(element)
            element = self.elements[element].parent
        return out

    def text(self, element: int) -> str:
        """The visible text of an element: its cells joined."""
        el = self.elements[element]
        return " ".join(c.text for c in self.cells[el.first : el.last]) if el.first >= 0 else ""

    def children(self, element: int) -> list[int]:
        """The element's child elements that hold text, in order (found from the cells, not by a walk)."""
        out: list[int] = []
        depth = self.elements[element].depth
        el = self.elements[element]
        at = el.first
        while 0 <= at < el.last:
            child = self.cells[at].block
            while self.elements[child].depth > depth + 1:
                child = self.elements[child].parent
            if self.elements[child].depth != depth + 1:
                at += 1  # text directly inside the element, no child of its own
                continue
            out.append(child)
            at = self.elements[child].last
        return out

    def columns(self, element: int) -> list[int]:
        """An element's columns: its children that hold text, looking through wrappers with a single child."""
        children = self.children(element)
        while len(children) == 1:
            children = self.children(children[0])
        return children

    def common(self, a: int, b: int) -> int:
        """The innermost element holding both cells (-1 for none)."""
        x, y = self.cells[a].block, self.cells[b].block
        while x != y and x >= 0 and y >= 0:
            if self.elements[x].depth >= self.elements[y].depth:
                x = self.elements[x].parent
            else:
                y = self.elements[y].parent
        return x if x == y else -1

    def common_depth(self, a: int, b: int) -> int:
        """How deep the innermost element holding both cells lies (deeper: the closer they belong)."""
        both = self.common(a, b)
        return self.elements[both].depth if both >= 0 else -1

    def remember(self, what: str, element: int, compute: Callable[[], T]) -> T:
        """A reader's answer about an element, computed once per page (a container's rows, grid, siblings)."""
        if (what, element) not in self.memo:
            self.memo[(what, element)] = compute()
        return self.memo[(what, element)]  # type: ignore[no-any-return]


def read_page(tree: HTMLParser) -> Page:
    """Walk the tree once and return its cells and elements."""
    page = Page()
    root = tree.body if tree.body is not None else tree.root
    if root is None:
        return page
    # Each stack entry: (node, parent element id, nearest block element id, (inside <s>, inside a link)).
    stack: list[tuple[Node, int, int, tuple[bool, bool]]] = [(root, -1, -1, (False, False))]
    open_cell: tuple[int, int] | None = None  # (block, cell index) the last text went into
    behind_tabs = panels_read(tree)
    gap = False  # whitespace in the source since the last text (a figure split without any is read as one)
    while stack:
        node, parent, block, struck = stack.pop()
        tag = node.tag or ""
        if tag == "-text":
            raw = node.text_content or ""
            text = squash(raw)
            if not text or block < 0:
                gap = gap or bool(raw)
                continue
            if open_cell is not None and open_cell[0] == block and page.cells[open_cell[1]].struck == struck[0]:
                page.cells[open_cell[1]].text = add_text(page.cells[open_cell[1]].text, raw, gap)
                page.cells[open_cell[1]].link &= struck[1]
            else:
                page.cells.append(Cell(text, block, *struck))
                open_cell = (block, len(page.cells) - 1)
                _extend(page, block, len(page.cells) - 1)
            gap = raw[-1:].isspace()
            continue
        if tag == "-end":
            open_cell = None  # a block element ended: text after it is a new cell
            continue
        if tag == "br":
            open_cell = None  # a line break: the text after it is read as another line
            continue
        if tag.startswith("-") or tag == COMMENT or tag in _SKIP:
            continue  # a comment shows nothing and breaks nothing: "$3<!-- -->.90" (React's output) reads "$3.90"
        seen = Seen(node)
        if seen.hidden() and node.mem_id not in behind_tabs:  # a panel its tab shows is read, typed by the tab
            continue
        me = len(page.elements)
        depth = page.elements[parent].depth + 1 if parent >= 0 else 0
        attrs = dict(seen.attributes)
        page.elements.append(Element(tag, attrs, parent, depth, node=None if isinstance(node, _Term) else node))
        if attrs.get("id"):
            page.ids.setdefault(str(attrs["id"]), me)
        if panel := controlled(attrs):
            page.controls.setdefault(panel, me)
        inner_block = me if tag not in INLINE or block < 0 else block
        inner_struck = (
            struck[0] or seen.crossed_out() or seen.struck_by_class(),
            struck[1] or tag in _LINK,
        )
        figures = _data_prices(attrs)
        if figures and money(node.text(deep=True) or "") is None:
            # The figures are the attributes; the element's text is a placeholder script fills in ("0"). A price
            # the element shows itself ("$2.99") is read as shown: its attributes may hold other currencies.
            open_cell = None
            for text in figures:
                page.cells.append(Cell(text, me, data=True))
                _extend(page, me, len(page.cells) - 1)
            continue
        children = list(node.iter(include_text=True))
        if tag == "dl":
            children = _terms(children)
        if inner_block == me:  # a block starts a new cell, and so does the text after it ends
            open_cell = None
            stack.append((_END, parent, block, struck))
        stack.extend((child, me, inner_block, inner_struck) for child in reversed(children))
    _join_split_prices(page)
    return page


def _join_split_prices(page: Page) -> None:
    """A price laid out in pieces ("$" | "3.09" | "/ hour") is read as one cell: the mark's, the others emptied.

    The mark may end a phrase ("as low as $" | "1.99"): the figure still belongs to its words.
    """
    cells = page.cells
    for i in range(len(cells) - 1):
        mark = _trailing_mark(cells[i].text)
        if mark is not None and cells[i + 1].data:
            cells[i].text = cells[i].text[: -len(mark)].strip()
            for after in cells[i + 1 :]:
                if not after.data or after.block != cells[i + 1].block:
                    break
                after.text = f"{mark}{after.text}"  # the page's one "$" stands before each of its figures
            continue
        if mark is not None and _NUMBER_FIRST.match(cells[i + 1].text):
            cells[i].text += " " + cells[i + 1].text
            cells[i + 1].text = ""
            if i + 2 < len(cells) and re.match(r"^(?:/|per\b)", cells[i + 2].text, re.IGNORECASE):
                cells[i].text += " " + cells[i + 2].text
                cells[i + 2].text = ""


def _trailing_mark(text: str) -> str | None:
    """The mark ending a cell with no figure before it ("as low as $"); not "3.50 USD"'s, a price in itself."""
    found = _MARK_ONLY.search(text)
    if found is None or re.search(r"\d\s*$", text[: found.start()]):
        return None
    return found.group(0).strip()


# Data attributes that hold a price under the name of the cloud or pricing type alone (RunPod's rows went from
# `data-secure-cloud-price="2.99"` to `data-secure="2.99"`), and the words that name it.
_PRICE_NAMED = {"secure": "secure cloud price", "community": "community cloud price", "spot": "spot price"}


def _data_prices(attrs: dict[str, str | None]) -> list[str]:
    """ "3.79 secure cloud price" for each data-*price* attribute (or one named only by its cloud or pricing type,
    `_PRICE_NAMED`) holding a figure, in the page's order."""
    out = []
    for name, value in attrs.items():
        if not (name.startswith("data-") and value and _FIGURE.fullmatch(value.strip())):
            continue
        if "price" in name:
            out.append(f"{value.strip()} {name[5:].replace('-', ' ')}")
        elif name[5:] in _PRICE_NAMED:
            out.append(f"{value.strip()} {_PRICE_NAMED[name[5:]]}")
    return out


class _Term:
    """A <dt> with the <dd>s after it, as one element: a description list's term owns its descriptions, as a
    table row owns its cells (HTML lets a <div> wrap them; most pages leave them side by side)."""

    tag = "div"
    attributes: dict[str, str | None] = {}  # noqa: RUF012 - read only

    def __init__(self, nodes: list[Node]) -> None:
        self.nodes = nodes

    def iter(self, include_text: bool = True) -> list[Node]:
        return self.nodes


def _terms(children: list[Node]) -> list[Node]:
    """The children of a <dl>, each <dt> grouped with the <dd>s (and the whitespace) that follow it."""
    out: list[Node] = []
    for child in children:
        term = out[-1] if out and isinstance(out[-1], _Term) else None
        if child.tag == "dt":
            out.append(_Term([child]))  # type: ignore[arg-type]
        elif term is not None and child.tag in ("dd", "-text"):
            term.nodes.append(child)
        else:
            out.append(child)
    return out


class _EndMarker:
    """Stands for "a block element ended here" on the walk's stack."""

    tag = "-end"


_END: Node = _EndMarker()  # type: ignore[assignment]


def _extend(page: Page, block: int, cell: int) -> None:
    """Widen the cell ranges of the block and its ancestors to hold `cell`."""
    element = block
    while element >= 0:
        el = page.elements[element]
        if el.first < 0:
            el.first = cell
        if el.last > cell:
            return
        el.last = cell + 1
        element = el.parent
