"""Which page parser version is reading a page: what a later version reads differently, it reads only when asked.

The page readers are shared by every page source and every parser version a source keeps (`reader.page_parsers`), and
a version's reading of a stored capture must never change: `verify` re-derives each capture's quotes with the version
that made them. A rule added with version 5 asks `at_least(5)`; `page_parsers`' v5 reads within `reading_as(5)`, and
everything else (v1-v4, a reader called outside a parser) reads as version 4 did.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

BEFORE = 4  # the version every reader reads as unless told otherwise
_READING: ContextVar[int] = ContextVar("page_parser_version", default=BEFORE)


@contextmanager
def reading_as(version: int) -> Iterator[None]:
    """Within: the page readers read as page parser `version`."""
    token = _READING.set(version)
    try:
        yield
    finally:
        _READING.reset(token)


def at_least(version: int) -> bool:
    """True when the version reading is `version` or later."""
    return _READING.get() >= version
