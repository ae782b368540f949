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

from selectolax.parser import HTMLParser, Node

_HIDDEN_CLASSES = frozenset(("hide", "hidden", "d-none", "is-hidden", "w-condition-invisible", "visually-hidden"))
_NEVER_SHOWN = ("template", "noscript")  # a template's content is never rendered; noscript's not beside a script
# A framework's pane class, and the classes that show one of its panes (Bootstrap 3-5, Webflow).
_SHOWN_BY = {"tab-pane": {"active"}, "w-tab-pane": {"w--tab-active"}}


def drop_hidden(tree: HTMLParser) -> HTMLParser:
    """The tree without what the page does not show: hidden elements (as the meaning reader leaves them out), and
    hidden tab panels (also by aria-hidden, or a framework's pane not shown beside one shown)."""
    panels = [p for p in tree.css("[role=tabpanel], .w-tab-pane, .tab-pane") if _marked_hidden(p) or _not_selected(p)]
    marked = [n for n in tree.css("[hidden], [style], [class]") if hidden(n)]
    _drop_outermost([*panels, *marked, *tree.css(", ".join(_NEVER_SHOWN))])
    return tree


def hidden(node: Node) -> bool:
    """True for an element the page does not show (hidden attribute, display:none, a hiding class)."""
    attrs = node.attributes
    if "hidden" in attrs:
        return True
    style = (attrs.get("style") or "").replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style:
        return True
    classes = (attrs.get("class") or "").split()
    if _HIDDEN_CLASSES.isdisjoint(classes):
        return False
    # "hidden md:table" / "d-none d-md-block": hidden on small screens only, shown on a desktop
    return not any(":" in c or (c.startswith("d-") and c != "d-none") for c in classes)


def drop_struck(tree: HTMLParser) -> HTMLParser:
    """The tree without its crossed-out elements (<del>, <s>, <strike>, a line-through style or class)."""
    _drop_outermost([n for n in tree.css("del, s, strike, [style], [class]") if _crossed_out(n)])
    return tree


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


def _crossed_out(node: Node) -> bool:
    style = (node.attributes.get("style") or "").replace(" ", "").lower()
    return node.tag in ("del", "s", "strike") or "line-through" in style or "line-through" in _classes(node)


def _marked_hidden(panel: Node) -> bool:
    style = (panel.attributes.get("style") or "").replace(" ", "").lower()
    return "hidden" in panel.attributes or "display:none" in style or panel.attributes.get("aria-hidden") == "true"


def _not_selected(panel: Node) -> bool:
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
