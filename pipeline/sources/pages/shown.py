"""What a page shows: its hidden tab panels left out before a layout reader reads it.

A panel the page does not show (the reserved tab's table behind an on-demand tab) holds rows of a layout
reader's shape that are not the prices the page shows; read so, they were published as on-demand. The
meaning reader leaves out every hidden element itself and types the shown panels by their tabs (`tabs`).
"""

from __future__ import annotations

from selectolax.parser import HTMLParser


def drop_hidden_panels(tree: HTMLParser) -> HTMLParser:
    """The tree without its hidden tab panels (hidden, display:none or aria-hidden)."""
    for panel in tree.css("[role=tabpanel], .w-tab-pane, .tab-pane"):
        style = (panel.attributes.get("style") or "").replace(" ", "").lower()
        if "hidden" in panel.attributes or "display:none" in style or panel.attributes.get("aria-hidden") == "true":
            panel.decompose()
    return tree
