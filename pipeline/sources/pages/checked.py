"""The page as the checks after a reader see it (`components`, `captions`, `layout_checks`): parsed within its bounds,
as shown (`document.table_dom`) and walked into cells (`cells.read_page`) once per capture, where each check parsed
and walked it again (five times a page, most of the time a page's parse took). The checks only read the tree; a
reader, which may change its tree, parses its own."""

from __future__ import annotations

import functools

from selectolax.parser import HTMLParser

from pipeline.domain.records import RawCapture
from pipeline.sources.pages.cells import Page, read_page
from pipeline.sources.pages.document import table_dom
from pipeline.sources.pages.version import at_least


class ShownPage:
    """A capture's tree as shown, and its cells when first asked for."""

    def __init__(self, tree: HTMLParser) -> None:
        self.tree = tree
        self._page: Page | None = None

    @property
    def page(self) -> Page:
        if self._page is None:
            self._page = read_page(self.tree)
        return self._page


def shown(capture: RawCapture) -> ShownPage:
    """The capture's page as shown (a capture is immutable: the same capture, the same page; one that is refused is
    refused again each time), as the page parser version reading it shows it."""
    return _shown(capture, at_least(5))


@functools.lru_cache(maxsize=2)  # the checks of one capture run one after another, by one version or two
def _shown(capture: RawCapture, v5: bool) -> ShownPage:
    return ShownPage(table_dom(capture))
