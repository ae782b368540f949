"""How to read a page as a document: parse it, get visible text, walk elements in order."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from selectolax.parser import HTMLParser, Node

from pipeline.domain.records import RawCapture
from pipeline.sources.pages.bounded import bounded_html
from pipeline.sources.pages.rivals import strip_comparisons
from pipeline.sources.pages.shown import drop_not_shown

_ORPHAN_CELL = re.compile(r"<t[dhr][\s>]", re.IGNORECASE)


def squash(text: str) -> str:
    """Collapse every run of whitespace (including no-break spaces) to one space."""
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def dom(capture: RawCapture) -> HTMLParser:
    """Parse a capture's body as HTML, within the size and depth bounds; a body that is not HTML is schema drift.
    Another firm's rows and columns (a comparison table), the tab panels the page hides and crossed-out figures are
    left out: a layout reader would read them as the provider's own prices now."""
    return _as_shown(bounded_html(capture), capture)


def table_dom(capture: RawCapture) -> HTMLParser:
    """Like `dom`, for an excerpt cut inside a table: its orphan <tr>/<td>/<th> get a <table> to live in.

    An HTML parser drops table cells that have no enclosing <table>, so an archive excerpt that
    starts mid-table would lose its rows. Such an excerpt is parsed again inside a <table>;
    a document that already yields rows is returned unchanged.
    """
    tree = dom(capture)
    if tree.css_first("tr") is not None:
        return tree
    raw = capture.body.decode("utf-8", "replace")
    if not _ORPHAN_CELL.search(raw):
        return tree
    wrapped = _as_shown(bounded_html(capture, f"<table>{raw}</table>"), capture)
    return wrapped if wrapped.css_first("tr") is not None else tree


def _as_shown(tree: HTMLParser, capture: RawCapture) -> HTMLParser:
    return drop_not_shown(strip_comparisons(tree, capture.source))


def node_text(node: Node | None) -> str:
    """A node's visible text, whitespace collapsed ('' for a missing node)."""
    if node is None:
        return ""
    return squash(node.text(deep=True, separator=" "))


def cell_texts(row: Node) -> list[str]:
    """The texts of a table row's own cells (<th> and <td>), in order."""
    return [node_text(cell) for cell in row.iter() if cell.tag in ("td", "th")]


def classes(node: Node) -> set[str]:
    """The node's CSS classes."""
    return set((node.attributes.get("class") or "").split())


def has_class(node: Node, name: str) -> bool:
    """True when the element carries CSS class `name`."""
    return name in classes(node)


def walk(root: Node, keep: Callable[[Node], bool]) -> Iterator[Node]:
    """Elements under root in document order that `keep` accepts (a CSS selector group loses that order)."""
    for node in root.traverse(include_text=False):
        if keep(node):
            yield node
