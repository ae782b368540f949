"""When an archived file was in force: readers of a file's own time, for the `Archive`s sources declare."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from pathlib import Path

from pipeline.sources.base import TimeOf
from pipeline.sources.pages.when import wayback_time


def date_in_name(path: Path, at: time) -> datetime:
    match = re.search(r"(\d{4})-?(\d{2})-?(\d{2})", path.stem)
    if not match:
        raise ValueError(f"{path.name}: no date in the file name")
    return datetime.combine(date(*(int(g) for g in match.groups())), at, tzinfo=UTC)


def end_of_named_day(path: Path, _body: bytes) -> datetime:
    """Catalog archives keep the last commit of each day: the state at the end of that day."""
    return date_in_name(path, time(23, 59, 59))


def last_record_time(_path: Path, body: bytes) -> datetime:
    """A log of dated records was captured no earlier than its last record."""
    stamps = re.findall(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?", body)
    if not stamps:
        raise ValueError("no dated record in the file")
    latest = max(datetime.fromisoformat(s.decode().replace("Z", "+00:00")) for s in stamps)
    return latest if latest.tzinfo else latest.replace(tzinfo=UTC)


def archived_page_time(_path: Path, body: bytes) -> datetime:
    """An archived pricing page: the Wayback capture time it states."""
    found = wayback_time(body)
    if found is None:
        raise ValueError("archived page without a Wayback capture time")
    return found


def commit_time(when: str) -> TimeOf:
    """A file whose only date is the commit it was taken from (stated in the archive's README)."""
    fixed = datetime.fromisoformat(when).astimezone(UTC)
    return lambda _path, _body: fixed
