"""Parse a page only when its cost is bounded: a size cap and a nesting-depth cap checked before parsing.

An HTML parser keeps a stack of open elements and checks it on every start tag, so a body nested
50,000 elements deep costs seconds (quadratic). The depth is measured first by a linear scan of
the tags (no regular expression that can backtrack), and a body nested deeper than any real
pricing page is refused as schema drift, naming the depth found.
"""

from __future__ import annotations

import functools
import re

from selectolax.parser import HTMLParser

from pipeline.domain.records import RawCapture
from pipeline.sources.pages.bare import mark_bare_figures
from pipeline.sources.pages.spans import expand_rowspans
from pipeline.sources.pages.typography import join_cents
from pipeline.sources.pages.version import at_least
from pipeline.sources.read import require

MAX_HTML_BYTES = 8 * 1024 * 1024
_ORPHAN_CELL = re.compile(r"<t[dhr][\s>]", re.IGNORECASE)
_TABLE_TAG = re.compile(r"<(/?)table\b", re.IGNORECASE)
MAX_HTML_DEPTH = 256

# Elements that never hold content, or whose end tag a parser supplies when a sibling starts: not
# counted as depth, since a page that leaves its <p>/<li>/<td> open is not nested by them.
_NOT_NESTING = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
        "p",
        "li",
        "dt",
        "dd",
        "td",
        "th",
        "tr",
        "tbody",
        "thead",
        "tfoot",
        "option",
        "optgroup",
        "colgroup",
        "caption",
        "rb",
        "rt",
        "rp",
    ]
)
_RAW_TEXT = frozenset(("script", "style", "textarea", "title", "xmp"))


def html_depth(text: str, limit: int = MAX_HTML_DEPTH) -> int:
    """The deepest nesting of elements in text, counting up to `limit + 1` (enough to refuse); linear time. Remembered
    for the last two texts: every reader of a page and every check after them parses it again, with its bounds."""
    return _html_depth(text, limit)


@functools.lru_cache(maxsize=2)  # a page, and an excerpt of it wrapped in a <table>
def _html_depth(text: str, limit: int) -> int:
    lowered = text.lower()
    depth = deepest = 0
    at, end, close = 0, len(text), -1
    while True:
        at = text.find("<", at)
        if at < 0 or at + 1 >= end:
            return deepest
        if text.startswith("<!--", at):
            close = text.find("-->", at + 4)
            at = end if close < 0 else close + 3
            continue
        if close <= at:  # the first ">" after an earlier "<" is also the first after this one
            close = text.find(">", at + 1)
        if close < 0:
            return deepest
        closing = text[at + 1] == "/"
        name = _tag_name(text, at + (2 if closing else 1), close)
        if not name:
            at += 1
            continue
        if closing:
            depth = max(0, depth - 1) if name not in _NOT_NESTING else depth
        elif name in _RAW_TEXT:  # its content is text, not tags: resume at its end tag
            skip = lowered.find(f"</{name}", close)
            at = end if skip < 0 else skip
            continue
        elif name not in _NOT_NESTING and text[close - 1] != "/":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
        at = close + 1


def _tag_name(text: str, start: int, stop: int) -> str:
    """The lower-cased tag name starting at `start` (letters, digits, '-', ':'), '' when none."""
    found = _NAME.match(text, start, stop)
    name = found.group() if found else ""  # it matches the empty text too: never None
    return name.lower() if name[:1].isalpha() else ""


_NAME = re.compile(r"(?:[^\W_]|[-:])*")  # str.isalnum's characters (\w but "_"), '-', ':': one way to match each


def page_text(capture: RawCapture) -> str:
    """The body as text (UTF-8, else Latin-1), refused when it is too large or not HTML."""
    require(len(capture.body) <= MAX_HTML_BYTES, capture, f"page of {len(capture.body)} bytes exceeds {MAX_HTML_BYTES}")
    try:
        text = capture.body.decode("utf-8")
    except UnicodeDecodeError:
        text = capture.body.decode("latin-1")
    require("<" in text, capture, "body is not HTML")
    if at_least(5):  # page parsers v5: "\u200f$2.49\u200f" (a right-to-left page's marks) reads as "$2.49"
        text = _INVISIBLE.sub("", text)
    # A whole page (or a whole excerpt of one) ends with a tag. One that ends inside text was cut off there, and its
    # last figure may be cut too ("$2." of "$2.49"): refused, never read as a shorter price.
    end = text.rstrip()
    require(end.endswith(">"), capture, f"the page ends inside text ({end[-24:]!r}): cut off, not a whole page")
    # One that opens as a whole document and never closes it was cut off between two tags: what it would have said
    # further down (a footnote making a figure a 3-year price, a label after it) is missing.
    whole = _DOCUMENT_START.match(text) is None or _DOCUMENT_END.search(text) is not None
    require(whole, capture, f"the page opens a document but ends before closing it ({end[-24:]!r}): cut off")
    return text


# Characters that show nothing: bidirectional marks and embeddings, zero-width spaces and joiners, the byte-order mark
# and the soft hyphen. Between a figure and its words they hid the words from every pattern that reads them.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_DOCUMENT_START = re.compile(r"\s*(?:<!--.*?-->\s*)*<(?:!doctype|html)\b", re.IGNORECASE | re.DOTALL)
_DOCUMENT_END = re.compile(r"</(?:html|body)\s*>", re.IGNORECASE)  # anything after it (a tracker's script) is shown too


def bounded_html(capture: RawCapture, text: str | None = None) -> HTMLParser:
    """Parse a page whose size and nesting are within bounds (beyond them, schema drift saying which), its figures
    typeset in parts joined (`typography.join_cents`)."""
    text = within_bounds(capture, text)
    return mark_bare_figures(expand_rowspans(join_cents(HTMLParser(text))))


def within_bounds(capture: RawCapture, text: str | None = None) -> str:
    """The page's text (`page_text`, or `text`), refused as `bounded_html` refuses it: too large, nested too deep."""
    text = page_text(capture) if text is None else text
    depth = html_depth(text)
    require(depth <= MAX_HTML_DEPTH, capture, f"HTML nested more than {MAX_HTML_DEPTH} elements deep")
    return text


def excerpt_html(capture: RawCapture, text: str | None = None) -> HTMLParser:
    """`bounded_html`, for an archive excerpt cut inside a table too: its first cells get a <table> to live in.

    An HTML parser drops the tags of cells that have no enclosing <table>, so an excerpt that starts mid-table would
    lose its rows: it is parsed again inside a <table> (the parser closes it at the excerpt's own </table>). The sign
    of such an excerpt: cells before its first table tag when that tag closes a table (a table whose start was cut),
    or cells in a document that yields no rows at all. A document that needs no wrapping is returned as parsed."""
    text = page_text(capture) if text is None else text
    tree = bounded_html(capture, text)
    first = _TABLE_TAG.search(text)
    if tree.css_first("tr") is None:
        cut = _ORPHAN_CELL.search(text) is not None
    else:
        cut = first is not None and first.group(1) == "/" and _ORPHAN_CELL.search(text, 0, first.start()) is not None
    if not cut:
        return tree
    wrapped = bounded_html(capture, f"<table>{text}</table>")
    return wrapped if wrapped.css_first("tr") is not None else tree
