"""What a page shows: what it hides and what it crosses out, left out before a layout reader reads it.

A panel the page does not show (the reserved tab's table behind an on-demand tab) holds rows of a layout
reader's shape that are not the prices the page shows; read so, they were published as on-demand. A panel is
hidden by its markup (hidden, display:none, aria-hidden) or, as Bootstrap and Webflow hide the tabs not selected,
by the stylesheet alone: a pane without its framework's active class beside a sibling pane that has it. The
meaning reader types the panels by their tabs (`tabs`). Every other element the page hides (`hidden`: the one
definition both readers use) and what is never rendered (<template>, <noscript>) are left out as well.

A crossed-out figure (`<del>$3.50</del> $2.99`) is shown, but as the price no more: a layout reader reading a
cell's first figure took it for the price. Struck elements are left out too; the meaning reader refuses them.
"""

from __future__ import annotations

import re

from selectolax.parser import HTMLParser, Node

_HIDDEN_CLASSES = frozenset(("hide", "hidden", "d-none", "is-hidden", "w-condition-invisible", "visually-hidden"))
_NEVER_SHOWN = ("template", "noscript")  # a template's content is never rendered; noscript's not beside a script
_STRUCK_TAGS = ("del", "s", "strike")
# A framework's pane class, and the classes that show one of its panes (Bootstrap 3-5, Webflow).
_SHOWN_BY = {"tab-pane": {"active"}, "w-tab-pane": {"w--tab-active"}}
PANELS = "[role=tabpanel], .w-tab-pane, .tab-pane"


def drop_not_shown(tree: HTMLParser) -> HTMLParser:
    """The tree without what a layout reader must not read as a price now: hidden elements (`hidden`), tab panels
    hidden by aria-hidden or by their framework's stylesheet, what is never rendered, crossed-out elements."""
    candidates = tree.css(f"[hidden], [style], [class], [aria-hidden], {', '.join((*_STRUCK_TAGS, *_NEVER_SHOWN))}")
    _drop_outermost([n for n in candidates if _not_shown(n)])
    return tree


class Seen:
    """What the checks read of an element, read once: selectolax builds a new dict at each `attributes` access, and
    reading it up to seven times per element was most of the time a page's transforms took."""

    __slots__ = ("attributes", "classes", "style", "tag")

    def __init__(self, node: Node) -> None:
        self.tag, self.attributes = node.tag, node.attributes
        self.style = (self.attributes.get("style") or "").replace(" ", "").lower()
        self.classes = set((self.attributes.get("class") or "").split())

    def hidden(self) -> bool:
        """True for an element the page does not show (hidden attribute, display:none, a hiding class)."""
        if "hidden" in self.attributes or "display:none" in self.style or "visibility:hidden" in self.style:
            return True
        if _HIDDEN_CLASSES.isdisjoint(self.classes):
            return False
        # "hidden md:table" / "d-none d-md-block": hidden on small screens only, shown on a desktop
        return not any(":" in c or (c.startswith("d-") and c != "d-none") for c in self.classes)

    def crossed_out(self) -> bool:
        """True for a crossed-out element: <del>, <s>, <strike>, a line-through style or (Tailwind) class."""
        return self.tag in _STRUCK_TAGS or "line-through" in self.style or "line-through" in self.classes

    def struck_by_class(self) -> bool:
        """True for an element whose class names a former price ("old-price", "price--was", "compare-at-price"): the
        meaning reader refuses its figures as crossed out. Only a class naming the price as former: one naming a
        style says nothing sure (DigitalOcean 2025 wraps every price, struck or not, in a "StyledStrikeThrough")."""
        return any(_FORMER_PRICE_CLASS.search(c) for c in self.classes)


def hidden(node: Node) -> bool:
    """`Seen.hidden` of one element."""
    return Seen(node).hidden()


_FORMER_PRICE_CLASS = re.compile(
    r"^(?:[\w-]*[-_])?(?:old|was|former|compare(?:[-_]at)?)[-_]+price$|^price[-_]+(?:old|was|former)$", re.IGNORECASE
)


def _not_shown(node: Node) -> bool:
    seen = Seen(node)
    if seen.tag in _NEVER_SHOWN or seen.hidden() or seen.crossed_out():
        return True
    return _panel(seen) and (seen.attributes.get("aria-hidden") == "true" or not_selected(node))


def _panel(seen: Seen) -> bool:
    return seen.attributes.get("role") == "tabpanel" or not seen.classes.isdisjoint(_SHOWN_BY)


def _drop_outermost(nodes: list[Node]) -> None:
    """Remove the nodes from their tree, each once: one inside another goes with it (removing it again after its
    ancestor would touch a freed node)."""
    ids = {n.mem_id for n in nodes}
    for node in nodes:
        parent, inside = node.parent, False
        while parent is not None and not inside:
            inside, parent = parent.mem_id in ids, parent.parent
        if not inside:
            node.decompose()


def not_selected(panel: Node) -> bool:
    """A framework's pane without its active class while a sibling pane has it: the stylesheet hides it. When no
    pane is marked active the page's script has not chosen one yet, and nothing is dropped."""
    classes = _classes(panel)
    for pane, shown in _SHOWN_BY.items():
        if pane in classes and shown.isdisjoint(classes) and panel.parent is not None:
            siblings = (c for c in panel.parent.iter() if pane in _classes(c))
            if any(not shown.isdisjoint(_classes(c)) for c in siblings):
                return True
    return False


def _classes(node: Node) -> set[str]:
    return set((node.attributes.get("class") or "").split())
