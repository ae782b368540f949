"""When were a page's prices in force: the archive's capture time if it states one, else our fetch time; and the
dates a figure's words give it ("Effective March 1, 2027", "until 2025-12-31")."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from pipeline.domain.records import RawCapture
from pipeline.sources.pages.document import squash

# A Wayback capture time, three ways: the "(capture 20241103180910, ..." note in the header comment
# of an archived excerpt, the /web/<timestamp>/ of an archive URL, or the footer comment the Wayback
# Machine appends to a replayed page ("FILE ARCHIVED ON 19:40:11 Sep 09, 2023 AND RETRIEVED ...").
_LEADING_COMMENT = re.compile(rb"^\s*(?:<!doctype[^>]*>\s*)?<!--(.*?)-->", re.IGNORECASE | re.DOTALL)
_NOTE_STAMP = re.compile(rb"\bcapture\s+(\d{14})\b|web\.archive\.org/web/(\d{14})", re.IGNORECASE)
_URL_STAMP = re.compile(r"^/web/(\d{14})")
_FOOTER_STAMP = re.compile(rb"FILE ARCHIVED ON (\d{2}:\d{2}:\d{2} [A-Z][a-z]{2} \d{2}, \d{4}) AND RETRIEVED")


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


def page_time(capture: RawCapture) -> datetime:
    """When the page's prices were in force: the archive's capture time (body or URL), else our fetch time."""
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


MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")  # fmt: skip
_MONTH = "|".join(f"{m[:3]}(?:{m[3:]})?" if len(m) > 3 else m for m in MONTHS) + "|sept"  # "Mar", "March", "Sept."
# "March 1, 2027", "Mar 1st 2027"; "1 March 2027"; "2027-03-01"
_DATE = (
    rf"(?:(?P<m>{_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m2>{_MONTH})\.?,?\s+(?P<y2>\d{{4}})"
    r"|(?P<iso>\d{4}-\d{2}-\d{2}))\b"
)
_FROM = re.compile(rf"\b(?:effective|valid|in\s+force|applies)\s+(?:from\s+|on\s+|as\s+of\s+)?{_DATE}", re.I)
_UNTIL = re.compile(rf"\b(?:until|till|through|thru|ends?|ending|expires?|expiring)\s+(?:on\s+)?{_DATE}", re.I)


def _date(match: re.Match[str] | None) -> date | None:
    if match is None:
        return None
    try:
        if match.group("iso"):
            return date.fromisoformat(match.group("iso"))
        named = (match.group("m") or match.group("m2")).lower()[:3]
        month = next(i for i, m in enumerate(MONTHS, start=1) if m.startswith(named))
        return date(int(match.group("y") or match.group("y2")), month, int(match.group("d") or match.group("d2")))
    except ValueError:
        return None


def effective_date(text: str) -> date | None:
    """The date words say a price takes effect ("GPU-hour (Effective October 1, 2026)", "effective 2027-03-01")."""
    return _date(_FROM.search(squash(text)))


def until_date(text: str) -> date | None:
    """The last date words say a price is in force ("until Dec 31, 2025", "valid through 2025-12-31")."""
    return _date(_UNTIL.search(squash(text)))


def not_in_force(words: Iterable[str | None], as_of: date | None) -> str | None:
    """Why a figure's words make it no price in force on `as_of` (None: any date said to come): it takes effect later
    ("Effective March 1, 2027"), or was in force only until earlier ("until Dec 31, 2025")."""
    for text in filter(None, words):
        if (starts := effective_date(text)) is not None and (as_of is None or starts > as_of):
            return f"price announced to take effect on {starts.isoformat()}, not in force when the page was seen"
        if (ends := until_date(text)) is not None and as_of is not None and ends < as_of:
            return f"price in force until {ends.isoformat()}, over when the page was seen"
    return None
