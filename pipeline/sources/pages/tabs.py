"""Tabs: which tab names a panel of prices, and whether a row of tab buttons leaves a price's pricing type open.

Pricing pages put on-demand and reserved prices of the same GPUs in tab panels ("On-demand | 1-year
reserved"). A panel is tied to its tab by the page's markup: `aria-labelledby` on the panel, a tab's
`aria-controls` or `href="#panel"` naming it, Webflow's `data-w-tab` on both. A tab bar is never a
table's header row, and a price whose pricing type nothing nearer states is read from the tab marked
selected; with several pricing types in the tabs and none selected it is refused, never taken as on-demand.
"""

from __future__ import annotations

import re
from itertools import takewhile
from typing import TYPE_CHECKING

from selectolax.parser import HTMLParser, Node

from pipeline.sources.pages.document import squash
from pipeline.sources.pages.shown import PANELS, hidden, not_selected
from pipeline.sources.pages.version import at_least
from pipeline.sources.pages.wording import place_of, pricing_type_of, region_of

if TYPE_CHECKING:
    from pipeline.sources.pages.cells import Page

TABS_REASON = "the page's tabs name several pricing types ({tabs}) and nothing says which one this price is"
# A class naming a tab control ("tab", "w-tab-link", "nav-tabs", "tabs__item"), not a panel or its container.
_TAB_CLASS = re.compile(r"^(?!.*(?:content|pane|panel|body))(?:.*[_-])?tabs?(?:[_-].*)?$", re.IGNORECASE)
_SELECTED_CLASSES = frozenset(("active", "w--current", "is-active", "selected", "is-selected", "current"))
_UP = 3  # a tab's text may sit a few elements inside the element that carries its markup


def panel_names(page: Page, element: int) -> list[str]:
    """The names of the tabs whose panels hold `element`, innermost first ("8x", "1-year reserved")."""
    out = []
    for outer in page.chain(element):
        attrs = page.elements[outer].attrs
        ref = attrs.get("aria-labelledby")
        if ref and ref in page.ids:
            out.append(_text(page, page.ids[ref]))
        elif attrs.get("id") and str(attrs["id"]) in page.controls:
            out.append(_text(page, page.controls[str(attrs["id"])]))
        elif attrs.get("data-w-tab") and page.elements[outer].tag not in ("a", "button"):
            out.append(str(attrs["data-w-tab"]))
    return out


def panel_place(names: list[str]) -> str | None:
    """The region or cloud the tabs of a price's panels name ("US | Europe", "Secure Cloud | Community Cloud"), from
    page parsers v5: each panel's prices are that region's offers, not figures of one good nothing tells apart (v4
    read only the panel shown, as region-less)."""
    if not at_least(5):
        return None
    return next((place for name in names if (place := region_of(name) or place_of(name))), None)


def panels_read(tree: HTMLParser) -> set[object]:
    """The hidden panels a page is read with (`mem_id`s): those behind tabs from page parsers v5, else none."""
    return {panel.mem_id for panel in panels_behind_tabs(tree)} if at_least(5) else set()


def panels_behind_tabs(tree: HTMLParser) -> list[Node]:
    """The tab panels the page shows only when their tab is clicked (hidden by markup, aria-hidden or their framework's
    stylesheet) and that a tab of the page names (a tab's `aria-controls` or `#id` link, the panel's `aria-labelledby`
    naming a tab, Webflow's `data-w-tab`). Their figures are prices the page states, each typed by its tab
    (`panel_names`: "4x", "1-year reserved"); a hidden panel no tab names is left out, nothing saying what it holds."""
    tab_buttons = [node for node in tree.css("[aria-controls], [href^='#']") if _is_tab_button(node)]
    shown_by = {named for node in tab_buttons if (named := controlled(node.attributes))}
    tabs = {node.attributes.get("id") for node in tree.css("[role=tab][id]")}
    by_id = [node for node in tree.css("[id]") if node.attributes.get("id") in shown_by] if shown_by else []
    out = []
    for panel in {node.mem_id: node for node in [*tree.css(PANELS), *by_id]}.values():
        attrs = panel.attributes
        tied = attrs.get("id") in shown_by or attrs.get("aria-labelledby") in tabs or "data-w-tab" in attrs
        if tied and (hidden(panel) or attrs.get("aria-hidden") == "true" or not_selected(panel)):
            out.append(panel)
    return out


def _is_tab_button(node: Node) -> bool:
    """A tab (its role, a Bootstrap tab or pill toggle, or a control in a tab list), not a disclosure: an FAQ's
    "aria-controls" shows an answer, whose figures ("a first payment of at least $25") are no offer."""
    attrs = node.attributes
    if attrs.get("role") == "tab" or (attrs.get("data-bs-toggle") or attrs.get("data-toggle")) in ("tab", "pill"):
        return True
    parent = node.parent
    for _ in range(_UP):
        if parent is None or parent.attributes.get("role") == "tablist":
            return parent is not None
        parent = parent.parent
    return False


# Markup that ties tabs to panels, in a page's bytes (a page without any has no panel behind a tab).
TABBED = re.compile(rb"role=[\"']?tab|aria-controls|tab-pane|data-w-tab|data-(?:bs-)?toggle", re.IGNORECASE)


def controlled(attrs: dict[str, str | None]) -> str | None:
    """The id of the panel a tab element shows (its `aria-controls`, or the `#id` its link points to)."""
    if attrs.get("aria-controls"):
        return str(attrs["aria-controls"])
    href, toggle = attrs.get("href") or "", attrs.get("data-bs-toggle") or attrs.get("data-toggle") or ""
    if href.startswith("#") and len(href) > 1 and (attrs.get("role") == "tab" or toggle in ("tab", "pill")):
        return href[1:]
    return None


def is_tab_bar(page: Page, element: int) -> bool:
    """True for a row of tab buttons: every cell a link or button, and the markup says they are tabs."""
    el = page.elements[element]

    def tabs() -> bool:
        cells = [i for i in range(el.first, el.last) if page.cells[i].text] if el.first >= 0 else []
        return bool(cells) and all(page.cells[i].link and _tab(page, page.cells[i].block) for i in cells)

    return page.remember("tab bar", element, tabs)


def tabs_in(page: Page, first: int, last: int) -> list[tuple[str, bool]]:
    """(name, selected) of each tab among cells [first, last) that names a pricing type."""
    return [
        (cell.text, _selected(page, cell.block))
        for cell in page.cells[first:last]
        if cell.link and pricing_type_of(cell.text) and _tab(page, cell.block)
    ]


def by_tab(tabs: list[tuple[str, bool]]) -> tuple[str, str, str | None]:
    """(pricing type, where from, refusal) for a price nothing nearer types, from the tabs around it."""
    types = {pricing_type_of(name) for name, _ in tabs}
    if len(types) < 2:
        return "on_demand", "default", None
    chosen = [name for name, selected in tabs if selected]
    if len(chosen) == 1:
        return pricing_type_of(chosen[0]) or "on_demand", "selected_tab", None
    return "on_demand", "tabs", TABS_REASON.format(tabs=", ".join(dict.fromkeys(name for name, _ in tabs)))


def _near(page: Page, element: int) -> list[int]:
    """The element, a few of its ancestors and its first few descendants (a tab's inline <a> inside its <li>)."""
    depth, after = page.elements[element].depth, page.elements[element + 1 : element + 1 + _UP]
    inside = len(list(takewhile(lambda e: e.depth > depth, after)))
    return page.chain(element)[:_UP] + list(range(element + 1, element + 1 + inside))


def _text(page: Page, element: int) -> str:
    """An element's visible text; an inline element's (a tab's <a>) from its node, its cells being its block's."""
    node = page.elements[element].node
    return page.text(element) or (squash(node.text(deep=True)) if node is not None else "")


def _tab(page: Page, element: int) -> bool:
    for outer in _near(page, element):
        attrs = page.elements[outer].attrs
        if attrs.get("role") in ("tab", "tablist") or "aria-selected" in attrs or controlled(attrs):
            return True
        if "data-w-tab" in attrs and page.elements[outer].tag in ("a", "button"):  # a Webflow tab link, not its pane
            return True
        if any(_TAB_CLASS.match(token) for token in page.elements[outer].classes.split()):
            return True
    return False


def _selected(page: Page, element: int) -> bool:
    for outer in _near(page, element):
        attrs = page.elements[outer].attrs
        if attrs.get("aria-selected") == "true" or attrs.get("data-state") == "active" or "aria-current" in attrs:
            return True
        if _SELECTED_CLASSES.intersection(page.elements[outer].classes.split()):
            return True
    return False
