"""When were a page's prices in force: the archive's capture time if it states one, else our fetch time."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

from pipeline.domain.records import RawCapture

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
