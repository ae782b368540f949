"""Figures a page typesets in parts: cents raised or set apart from the dollars, without a decimal point.

"$2<sup>49</sup>/hr" shows as $2 with a raised 49: two dollars forty-nine. Read as text it is "$2 49/hr", whose
first amount is $2: a price a reader would publish that the page does not show. The same for cents in an inline
element of their own that the stylesheet sets apart ("<span class='cents'>49</span>"): a page splits a figure so
only to style its cents. Such a pair is rewritten as the one figure it shows ("$2.49") before any reader walks the
page. Only two or more digits right after a whole amount with its currency mark ("$2", "US$ 2", "2" before "€"),
with no space between them (or raised, a space apart), are its decimals; a single raised digit is a footnote's mark
("$2¹"), left as it is.
"""

from __future__ import annotations

import re

from selectolax.parser import HTMLParser, Node

# The elements cents are set in: raised, or an inline element of their own (a class that names them, or none).
_CENTS_TAGS = "sup, span, small, b, strong, em, i, u, font"
_CENTS = re.compile(r"\d{2,12}")  # cents, or the finer decimals of a rate ("$64<sup>4400</sup>")
_MARK = r"(?:[A-Z]{1,3}\$|\$|€|£|¥|₹|\b[A-Z]{3})"  # "$", "US$", "€", "USD": a currency mark as pages print one
_WHOLE_AFTER_MARK = re.compile(rf"{_MARK}\s*\d{{1,6}}$")  # "$2", "USD 2" right before the cents
_WHOLE = re.compile(r"(?<![\d.,])\d{1,6}$")
_MARK_NEXT = re.compile(rf"^\s*{_MARK}")  # "2<sup>49</sup> €"
# An inline element whose class says it holds something other than cents (a unit, a footnote, a badge).
_NOT_CENTS_CLASS = re.compile(r"unit|note|badge|count|qty", re.IGNORECASE)
_INLINE = frozenset(("a", "b", "strong", "em", "i", "u", "span", "small", "font", "sup", "label", "data"))


def join_cents(tree: HTMLParser) -> HTMLParser:
    """The tree, each figure typeset in parts rewritten as one ("$2<sup>49</sup>" -> "$2.49")."""
    for node in tree.css(_CENTS_TAGS):
        digits = node.text(deep=True)
        if not _CENTS.fullmatch(digits) or _NOT_CENTS_CLASS.search(node.attributes.get("class") or ""):
            continue
        before, after = _beside(node, before=True), _beside(node, before=False)
        if _WHOLE_AFTER_MARK.search(before) or (_WHOLE.search(before) and _MARK_NEXT.match(after)):
            node.replace_with(f".{digits}")
        elif node.tag == "sup" and _WHOLE_AFTER_MARK.search(before.rstrip()) and _spaced(node):
            node.prev.replace_with((node.prev.text_content or "").rstrip())  # type: ignore[union-attr]
            node.replace_with(f".{digits}")  # "$2 <sup>49</sup>": raised cents a space apart
    return tree


def _spaced(node: Node) -> bool:
    """True when only spaces stand between the node and the text before it, in one text node of its own."""
    prev = node.prev
    return prev is not None and prev.tag == "-text" and (prev.text_content or "")[-1:].isspace()


def _beside(node: Node, *, before: bool) -> str:
    """The text right before (or after) `node` in its line: its siblings' text, and its inline parents' when it is
    the first (or last) thing in them; '' at a block's edge."""
    text, current = "", node
    while current.parent is not None:
        siblings = list(current.parent.iter(include_text=True))
        at = next(i for i, s in enumerate(siblings) if s.mem_id == current.mem_id)
        side = siblings[:at] if before else siblings[at + 1 :]
        found = "".join(s.text(deep=True) for s in side)
        text = found + text if before else text + found
        if found.strip() or current.parent.tag not in _INLINE:
            return text
        current = current.parent
    return text
