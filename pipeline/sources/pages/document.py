"""How to read a page as a document: parse it, get visible text, walk elements in order."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from selectolax.parser import HTMLParser, Node

from pipeline.domain.records import RawCapture
from pipeline.sources.pages.bounded import bounded_html, excerpt_html
from pipeline.sources.pages.marks import MARK
from pipeline.sources.pages.rivals import strip_comparisons
from pipeline.sources.pages.shown import drop_not_shown
from pipeline.sources.pages.spans import row_cells

# Elements that flow within a line: text on either side of them is one run of text, not two blocks.
INLINE = frozenset([
    "a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "del", "dfn", "em",
    "font", "i", "ins", "kbd", "label", "mark", "nobr", "q", "s", "samp", "small", "span",
    "strike", "strong", "sub", "sup", "time", "tt", "u", "var", "wbr",
])  # fmt: skip
COMMENT = "_comment"  # selectolax's tag of an HTML comment
_DECIMAL_PART = re.compile(r"[.,]\d")
# "$3.": a price whose decimals follow in the next inline element (not "1." of a list: "1." then "5 GPUs")
_SEPARATOR_END = re.compile(rf"{MARK}\s*\d[\d,]*[.,]$")


def squash(text: str) -> str:
    """Collapse every run of whitespace (including no-break spaces) to one space."""
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def sentences(text: str) -> list[str]:
    """A text's sentences (a note that types one figure in its first and states another price in its next)."""
    return _SENTENCE_END.split(text)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def joins_figure(before: str, after: str) -> bool:
    """True when `after` continues the figure `before` ends with: "$3" then ".90", "$3." then "90" (cents in a
    <sup>, after a currency mark), or "$3" then "." then "90", in inline elements with nothing between them (a
    typographic split a browser shows as "$3.90"). Read apart, "$3" would be a price the page does not show. Digits
    alone after a whole figure ("$3" then "1") are not joined: a footnote's number is set so too."""
    if before[-1:].isdigit():
        return _DECIMAL_PART.match(after) is not None or after in (".", ",")
    return _SEPARATOR_END.search(before) is not None and after[:1].isdigit()


def add_text(text: str, raw: str, gap: bool) -> str:
    """`text` followed by the piece `raw` as a reader sees them: a space between them unless the source has none
    (`gap`: whitespace or a block's edge since `text`) and `raw` is the decimal part of `text`'s last figure."""
    piece = squash(raw)
    if not text:
        return piece
    glued = not gap and not raw[:1].isspace() and joins_figure(text, piece)
    return text + piece if glued else f"{text} {piece}"


def dom(capture: RawCapture) -> HTMLParser:
    """Parse a capture's body as HTML, within the size and depth bounds; a body that is not HTML is schema drift.
    Another firm's rows and columns (a comparison table), the tab panels the page hides and crossed-out figures are
    left out: a layout reader would read them as the provider's own prices now."""
    return _as_shown(bounded_html(capture), capture)


def table_dom(capture: RawCapture) -> HTMLParser:
    """Like `dom`, for an excerpt cut inside a table (`bounded.excerpt_html`): its first rows are kept."""
    return _as_shown(excerpt_html(capture), capture)


def _as_shown(tree: HTMLParser, capture: RawCapture) -> HTMLParser:
    return drop_not_shown(strip_comparisons(tree, capture.source))


def node_text(node: Node | None) -> str:
    """A node's visible text, whitespace collapsed ('' for a missing node): its pieces of text with a space between
    them, except inside a figure split across inline elements (`add_text`)."""
    if node is None:
        return ""
    text, gap = "", False
    stack: list[Node | None] = [node]  # None: the end of a block element
    while stack:
        item = stack.pop()
        if item is not None and item.tag == COMMENT:
            continue  # shows nothing, breaks nothing ("$3<!-- -->.90")
        if item is None or item.tag == "br" or (item.tag != "-text" and item.tag not in INLINE):
            gap = True  # a block's edge or a line break separates what is before it from what comes after
            if item is None:
                continue
        if item.tag == "-text":
            raw = item.text_content or ""
            if squash(raw):
                text, gap = add_text(text, raw, gap), raw[-1:].isspace()
            else:
                gap = gap or bool(raw)
            continue
        if item.tag not in INLINE:
            stack.append(None)
        stack.extend(reversed(list(item.iter(include_text=True))))
    return text


def cell_texts(row: Node) -> list[str]:
    """The texts of a table row's own cells (<th> and <td>), in order."""
    return [node_text(cell) for cell in row_cells(row)]


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


def inside_table(node: Node | None) -> bool:
    """True when the node is a table or inside one."""
    while node is not None:
        if node.tag == "table":
            return True
        node = node.parent
    return False
