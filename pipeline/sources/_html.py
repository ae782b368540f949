"""Helpers shared by HTML pricing-page parsers: archive timestamps, money text, price wording.

Pricing pages state a figure as text ("$2.49/hr", "2,49 €", "from $1.99 per GPU/hour"), so every
page parser needs the same answers: when was this page in force, what exact amount and currency
does this text say, is it per GPU, per machine or a teaser, and which pricing type does a column
name. They live here so the page parsers agree on them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from selectolax.parser import HTMLParser, Node

from pipeline.models import RawCapture
from pipeline.sources._util import require

__all__ = [
    "NO_TERM_REASON",
    "TEASER_REASON",
    "cell_texts",
    "commitment",
    "dom",
    "effective_date",
    "has_class",
    "is_teaser",
    "memory_gb",
    "money",
    "node_text",
    "observed_at",
    "page_row",
    "per_gpu",
    "per_instance",
    "pricing_type_of",
    "sized_name",
    "squash",
    "table_dom",
    "teaser_reason",
    "walk",
    "wayback_time",
]

TEASER_REASON = "teaser price ('from $X'), not a price for a defined good"
NO_TERM_REASON = "reserved price with no commitment term stated, not a price for a defined good"

# A Wayback capture time, three ways: the "(capture 20241103180910, ..." note in the header comment
# of an archived excerpt, the /web/<timestamp>/ of an archive URL, or the footer comment the Wayback
# Machine appends to a replayed page ("FILE ARCHIVED ON 19:40:11 Sep 09, 2023 AND RETRIEVED ...").
_LEADING_COMMENT = re.compile(rb"^\s*(?:<!doctype[^>]*>\s*)?<!--(.*?)-->", re.IGNORECASE | re.DOTALL)
_NOTE_STAMP = re.compile(rb"\bcapture\s+(\d{14})\b|web\.archive\.org/web/(\d{14})", re.IGNORECASE)
_URL_STAMP = re.compile(r"^/web/(\d{14})")
_FOOTER_STAMP = re.compile(rb"FILE ARCHIVED ON (\d{2}:\d{2}:\d{2} [A-Z][a-z]{2} \d{2}, \d{4}) AND RETRIEVED")

# Currency marks as pages print them, to ISO codes. Longer marks first so "US$" wins over "$".
_CURRENCY_MARKS: tuple[tuple[str, str], ...] = (
    ("US$", "USD"),
    ("USD", "USD"),
    ("EUR", "EUR"),
    ("GBP", "GBP"),
    ("CAD", "CAD"),
    ("C$", "CAD"),
    ("A$", "AUD"),
    ("AUD", "AUD"),
    ("JPY", "JPY"),
    ("INR", "INR"),
    ("$", "USD"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("¥", "JPY"),
    ("₹", "INR"),
)
_MARK = "|".join(re.escape(mark) for mark, _ in _CURRENCY_MARKS)
_NUMBER = r"\d[\d,.]*\d|\d"
# A mark then a number ("$2.49", "US$ 2.49", "€1,20") or a number then a mark ("2,49 €", "2.49 EUR").
_MONEY = re.compile(
    rf"(?P<pre>{_MARK})\s*(?P<a>{_NUMBER})|(?P<b>{_NUMBER})\s*(?P<post>{_MARK})(?![A-Za-z])",
)
_CODES = dict(_CURRENCY_MARKS)

_TEASER = re.compile(r"\b(from|starting\s+(at|from)|starts\s+(at|from)|as\s+low\s+as|low\s+as)\b", re.IGNORECASE)
# "/GPU/hr", "per GPU hour", "GPU-hr", "$1.89/H100/hour" (a GPU model used as the unit).
_PER_GPU = re.compile(
    r"\bper\s+gpu\b|/\s*gpu\b|\bgpu[\s-]*h(ou)?rs?\b|/\s*[a-z]{1,3}\d{2,4}[a-z]*\s*/\s*h(ou)?r",
    re.IGNORECASE,
)
_PER_INSTANCE = re.compile(
    r"\bper\s+(instance|machine|node|server|vm)\b|/\s*(instance|machine|node|vm)\b", re.IGNORECASE
)
_TERM = re.compile(r"\b(\d+)[\s-]*(months?|mo|years?|yrs?)\b", re.IGNORECASE)
_MEMORY = re.compile(r"(\d+(?:\.\d+)?)\s*GB\b", re.IGNORECASE)
# "8x NVIDIA H100 SXM", "8 × H200 SXM", "1x A100": a machine of N GPUs named by its GPU.
_SIZED = re.compile(r"^(\d+)\s*[x×]\s+(\S.*)$", re.IGNORECASE)
_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_EFFECTIVE = re.compile(
    rf"\beffective\s+(?:from\s+|on\s+)?({'|'.join(_MONTHS)})\s+(\d{{1,2}}),?\s+(\d{{4}})\b", re.IGNORECASE
)
_ORPHAN_CELL = re.compile(r"<t[dhr][\s>]", re.IGNORECASE)


def wayback_time(body: bytes) -> datetime | None:
    """The Wayback capture time (UTC) an archived page states: its header note or the archive's footer."""
    lead = _LEADING_COMMENT.match(body[:8192])
    if lead is not None:
        note = _NOTE_STAMP.search(lead.group(1))
        if note is not None:
            return _stamp((note.group(1) or note.group(2)).decode())
    footer = _FOOTER_STAMP.search(body[-16384:])
    if footer is not None:
        try:
            return datetime.strptime(footer.group(1).decode(), "%H:%M:%S %b %d, %Y").replace(tzinfo=UTC)
        except ValueError:
            return None
    return None


def observed_at(capture: RawCapture) -> datetime:
    """When the page's prices were in force: the archive's capture time if it says one, else when we fetched it."""
    found = wayback_time(capture.body)
    if found is not None:
        return found
    parts = urlsplit(capture.url)
    if parts.hostname == "web.archive.org":
        match = _URL_STAMP.match(parts.path)
        if match is not None:
            stamp = _stamp(match.group(1))
            if stamp is not None:
                return stamp
    return capture.fetched_at


def _stamp(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def squash(text: str) -> str:
    """Collapse every run of whitespace (including no-break spaces) to one space."""
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def money(text: str) -> tuple[str, str] | None:
    """The first amount in text as (exact decimal text, ISO currency), e.g. "2,49 €" -> ("2.49", "EUR").

    Only amounts with a currency mark count, so "8x" or "80GB" are never read as prices.
    Separators: when both ',' and '.' appear the last one is the decimal point; a lone ','
    is a thousands separator only before exactly three digits of a number >= 1 ("$1,234"),
    otherwise a decimal comma ("2,49 €", "0,035 €").
    """
    match = _MONEY.search(squash(text))
    if match is None:
        return None
    mark = match.group("pre") or match.group("post")
    number = _decimal_text(match.group("a") or match.group("b"))
    if number is None:
        return None
    return number, _CODES[mark]


def _decimal_text(raw: str) -> str | None:
    digits = raw
    if "," in digits and "." in digits:
        if digits.rfind(",") > digits.rfind("."):
            digits = digits.replace(".", "").replace(",", ".")
        else:
            digits = digits.replace(",", "")
    elif "," in digits:
        whole, _, tail = digits.rpartition(",")
        thousands = len(tail) == 3 and whole.replace(",", "").lstrip("0") != ""
        digits = digits.replace(",", "") if thousands else whole.replace(",", "") + "." + tail
    try:
        value = Decimal(digits)
    except InvalidOperation:
        return None
    return format(value, "f") if value.is_finite() else None


def is_teaser(text: str) -> bool:
    """True for "from $X" / "starting at" / "as low as" wording: a floor, not a price for a defined good."""
    return _TEASER.search(squash(text)) is not None


def teaser_reason(text: str) -> str | None:
    """The standard reject_reason when text is a teaser price, else None."""
    return TEASER_REASON if is_teaser(text) else None


def per_gpu(text: str) -> bool:
    """True when the wording says the figure is per GPU ("/GPU/hr", "per GPU hour", "GPU-hr", "/H100/hour")."""
    return _PER_GPU.search(squash(text)) is not None


def per_instance(text: str) -> bool:
    """True when the wording says the figure is for the whole machine ("per instance", "/node")."""
    return _PER_INSTANCE.search(squash(text)) is not None


def commitment(text: str) -> str | None:
    """`reserved_<term>` for a commitment named in text ("3-years" -> reserved_3y, "6-month" -> reserved_6m).

    Twelve-month multiples are years, so "12 months" and "1 year" are the same pricing type.
    """
    match = _TERM.search(squash(text))
    if match is None:
        return None
    n = int(match.group(1))
    if match.group(2).lower().startswith("y"):
        return f"reserved_{n}y"
    return f"reserved_{n // 12}y" if n % 12 == 0 else f"reserved_{n}m"


def pricing_type_of(text: str) -> str | None:
    """The pricing type a column header or row label names, or None when it names none.

    A reservation without a stated term is `reserved_unspecified`: kept distinct so it is never
    mistaken for a priced commitment of a known length.
    """
    words = squash(text).lower()
    if re.search(r"\b(spot|preemptible|interruptible)\b", words):
        return "spot"
    if re.search(r"\b(reserved?|reservation|commit(ted|ment)?|contract)\b|\bsprint\b", words) or _TERM.search(words):
        return commitment(words) or "reserved_unspecified"
    if re.search(r"\bon[\s-]?demand\b|\bpay[\s-]as[\s-]you[\s-]go\b", words):
        return "on_demand"
    return None


def memory_gb(text: str) -> float | None:
    """GPU memory in GB named in text ("80 GB", "141GB"); None if the text names none."""
    match = _MEMORY.search(squash(text))
    return float(match.group(1)) if match else None


def sized_name(text: str) -> tuple[int, str] | None:
    """(GPU count, GPU name) for a machine named "8x NVIDIA H100 SXM" or "8 × H200 SXM"; None otherwise."""
    match = _SIZED.match(squash(text))
    if match is None:
        return None
    return int(match.group(1)), match.group(2)


def effective_date(text: str) -> date | None:
    """The date a header says a price takes effect ("GPU-hour (Effective October 1, 2026)")."""
    match = _EFFECTIVE.search(squash(text))
    if match is None:
        return None
    try:
        return date(int(match.group(3)), _MONTHS.index(match.group(1).lower()) + 1, int(match.group(2)))
    except ValueError:
        return None


def dom(capture: RawCapture) -> HTMLParser:
    """Parse a capture's body as HTML; a body that is not text is schema drift, not an empty page."""
    try:
        text = capture.body.decode("utf-8")
    except UnicodeDecodeError:
        text = capture.body.decode("latin-1")
    require("<" in text, capture, "body is not HTML")
    return HTMLParser(text)


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
    wrapped = HTMLParser(f"<table>{raw}</table>")
    return wrapped if wrapped.css_first("tr") is not None else tree


def node_text(node: Node | None) -> str:
    """A node's visible text, whitespace collapsed ('' for a missing node)."""
    if node is None:
        return ""
    return squash(node.text(deep=True, separator=" "))


def cell_texts(row: Node) -> list[str]:
    """The texts of a table row's own cells (<th> and <td>), in order."""
    return [node_text(cell) for cell in row.iter() if cell.tag in ("td", "th")]


def has_class(node: Node, name: str) -> bool:
    """True when the element carries CSS class `name`."""
    return name in (node.attributes.get("class") or "").split()


def walk(root: Node, keep: Callable[[Node], bool]) -> Iterator[Node]:
    """Elements under root in document order that `keep` accepts (a CSS selector group loses that order)."""
    for node in root.traverse(include_text=False):
        if keep(node):
            yield node


def page_row(capture: RawCapture, provider: str, **fields: Any) -> dict[str, Any]:
    """A parsed GPU-hour rate-card row from a neocloud's pricing page, with the fields every page fills alike."""
    row: dict[str, Any] = {
        "source": capture.source,
        "provider": provider,
        "provider_class": "neocloud",
        "input_tier": "rate_card",
        "product": "gpu_hour",
        "unit": "gpu_hour",
        "observed_at": observed_at(capture),
    }
    row.update(fields)
    return row
