"""The real pricing pages with their words rewritten, read as captured and as rewritten: the rewording tests' loop."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from pipeline.domain.records import RawCapture
from pipeline.sources import REGISTRY
from pipeline.sources.base import SchemaDrift
from tests.helpers import FETCHED
from tests.sources.test_pages_redesigned import PAGES, as_captured, quotes

Quotes = set[tuple[object, ...]]


def reworded_pages(realdata: Path, pattern: str, replacement: str) -> Iterator[tuple[str, Quotes, Quotes]]:
    """Each real page the rewriting (`re.sub`) changes: its path under realdata, its quotes rewritten (none when it
    drifts) and as captured."""
    for source, relative in PAGES:
        html = (realdata / relative).read_text(errors="replace")
        changed = re.sub(pattern, replacement, html)
        if changed == html:
            continue
        try:
            found = quotes(RawCapture(source, REGISTRY[source].requests[0].url, FETCHED, changed.encode()))
        except SchemaDrift:
            found = set()
        yield relative, found, as_captured(source, realdata / relative)
