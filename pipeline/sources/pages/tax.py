"""Whether a price has a tax in it: every list price a real page shows is before tax ("plus applicable sales tax",
"shown without any applicable taxes"), so a figure with tax in it is no list price beside the others. Likewise a
price with an operating system's licence in it ("Windows: $4.99/hr"): GPU goods are Linux machines."""

from __future__ import annotations

import re

# "$2.99/hr incl. 20% VAT", "(tax included)", a column "Price incl. VAT"; the words before a figure, after it, anywhere.
_TAX = r"(?:vat|taxes|tax|gst|mwst|tva|iva)\b"
_INCLUDED = r"(?:in[ck]l(?:\.|uding|usive\s+of|usive)?|inc\.)"
TAX_BEFORE = re.compile(rf"\b{_INCLUDED}\s+(?:\d+(?:[.,]\d+)?\s*%\s*)?{_TAX}\s*\)?\s*:?\s*$", re.IGNORECASE)
TAX_AFTER = re.compile(
    rf"^\s*(?:/\s*[\w.-]+\s*)*[(,]?\s*(?:{_INCLUDED}\s+(?:\d+(?:[.,]\d+)?\s*%\s*)?{_TAX}|{_TAX}\s*(?:incl(?:\.|uded)?|inclusive)\b)",
    re.IGNORECASE,
)
_TAX_SAID = re.compile(
    rf"\b{_INCLUDED}\s+(?:\d+(?:[.,]\d+)?\s*%\s*)?{_TAX}|\b{_TAX}\s*(?:incl(?:\.|uded)?|inclusive)\b", re.I
)
TAX_REASON = "a price with tax in it ('incl. VAT'): list prices are compared before tax"


def tax_included(text: str) -> bool:
    """True when the words say a price has tax in it ("incl. VAT", "Price (incl. 20% VAT)", "tax included")."""
    return _TAX_SAID.search(text) is not None


# "excl. VAT", "plus applicable sales tax", "before tax": a price before tax, as list prices are.
_TAX_APART = re.compile(
    rf"\b(?:excl(?:\.|uding|usive\s+of)?|ex\.?|plus|\+|before|without|net\s+of)\s+(?:any\s+)?(?:applicable\s+)?(?:sales\s+)?{_TAX}",
    re.I,
)


def tax_excluded(text: str) -> bool:
    """True when the words say a price is before tax ("excl. VAT", "plus applicable sales tax", "before tax")."""
    return _TAX_APART.search(text) is not None


# "Windows: $4.99/hr", "$4.99/hr (Windows)", "with Windows Server $4.99": the licensed system's price, beside or
# instead of the Linux machine's.
_OS = r"(?:windows(?:\s+server)?|rhel|red\s+hat(?:\s+enterprise\s+linux)?|sles|suse(?:\s+linux\s+enterprise)?)"
OS_BEFORE = re.compile(rf"\b(?:with\s+|on\s+)?{_OS}\s*[:(-]?\s*$", re.IGNORECASE)
OS_AFTER = re.compile(  # not "..., Windows: $99.99/hr": there the word labels the next figure
    rf"^\s*(?:/\s*[\w.-]+\s*)*\**\s*[(\[,]?\s*(?:(?:with|incl\.?|including|on)\s+)?{_OS}\b(?![^()\d]{{0,6}}\d)", re.I
)
OS_REASON = "a price with an operating system's licence in it ('Windows: $X'): GPU goods are Linux machines"
