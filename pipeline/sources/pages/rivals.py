"""Other firms' prices on a provider's page: the comparison tables marketing pages carry ("AWS | H100 | $12.29").

A price whose row, column or label names another cloud is that cloud's price as the page reports
it, not an offer of the page's provider: it is refused with the firm's name, so a comparison can
never publish a competitor's figure under the provider's name. The names are parser data, kept
with the reader that uses them (a new name changes what a page parses to, so it is a parser change).
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

from selectolax.parser import HTMLParser

if TYPE_CHECKING:
    from pipeline.sources.pages.records import Record

RIVAL_REASON = "another firm's price ({firm}) shown on the page, a comparison: not an offer of this provider"
_SHORT = 40  # a cell that starts with a firm's name and says little more is that firm's label

# Firm -> the names pages print for it. Keys are the register's firm ids where the firm is registered.
FIRM_NAMES: dict[str, tuple[str, ...]] = {
    "aws": ("AWS", "Amazon Web Services", "Amazon EC2", "Amazon", "EC2"),
    "google": ("Google Cloud", "Google", "GCP"),
    "microsoft": ("Microsoft Azure", "Azure", "Microsoft"),
    "oracle": ("Oracle Cloud", "Oracle", "OCI"),
    "coreweave": ("CoreWeave",),
    "crusoe": ("Crusoe Cloud", "Crusoe"),
    "datacrunch": ("DataCrunch", "Verda"),
    "digitalocean": ("DigitalOcean", "Paperspace"),
    "fluidstack": ("Fluidstack",),
    "gmi": ("GMI Cloud",),
    "hyperstack": ("Hyperstack",),
    "lambda": ("Lambda Labs", "Lambda Cloud", "Lambda"),
    "latitude": ("Latitude.sh",),
    "massedcompute": ("Massed Compute",),
    "nebius": ("Nebius",),
    "nscale": ("Nscale",),
    "oblivus": ("Oblivus",),
    "ovhcloud": ("OVHcloud", "OVH"),
    "primeintellect": ("Prime Intellect",),
    "runpod": ("RunPod",),
    "scaleway": ("Scaleway",),
    "vast": ("Vast.ai",),
    "voltagepark": ("Voltage Park",),
    "vultr": ("Vultr",),
    "together": ("Together AI", "Together.ai"),
    "modal": ("Modal",),
    "tensordock": ("TensorDock",),
    "jarvislabs": ("Jarvislabs", "JarvisLabs.ai"),
    "cudo": ("Cudo Compute",),
    "ibm": ("IBM Cloud",),
    "alibaba": ("Alibaba Cloud",),
    "linode": ("Linode", "Akamai"),
}
# A page source's provider name (a register alias) -> the firm whose names are its own.
_OWN = {"gcp": "google", "azure": "microsoft", "paperspace": "digitalocean", "crusoecloud": "crusoe"}


def refuse_rivals(records: list[Record], provider: str) -> None:
    """Mark each price whose row, column or label names another firm, or whose own words or name say whose it is
    ("H100 SXM on AWS: $12.29/GPU/hr"), as that firm's, refused."""
    own = _OWN.get(provider, provider)
    pattern, anywhere = _rivals(own), _rivals_anywhere(own)
    for record in records:
        titles = {price.column for price in record.prices}  # a one-row table's header cells are in its record
        row = [text for text in (*record.names, *record.cells) if text not in titles]
        in_row = next((found for text in row if (found := _named(pattern, text))), None)
        in_name = next((found for text in (record.name, *record.names) if (found := _said(anywhere, text))), None)
        for price in record.prices:
            firm = in_row or in_name or _named(pattern, price.column) or _named(pattern, price.label)
            firm = firm or _said(anywhere, price.text) or _said(_OTHERS, price.text) or _said(_OTHERS, record.name)
            if firm is not None and price.refused is None:
                price.refused = RIVAL_REASON.format(firm=firm)


def strip_comparisons(tree: HTMLParser, source: str) -> HTMLParser:
    """The page without the table rows and columns that another firm's name heads, for the layout readers (which
    would take any row of their layout for the provider's own). The meaning reader records them instead."""
    own = source.removesuffix("-page")
    pattern = _rivals(_OWN.get(own, own))
    for table in tree.css("table"):
        rows = table.css("tr")
        head = [" ".join(c.text(deep=True).split()) for c in rows[0].css("th,td")] if rows else []
        theirs = {n for n, title in enumerate(head) if _named(pattern, title)}
        for row in rows:
            cells = row.css("th,td")
            if any(_named(pattern, " ".join(c.text(deep=True).split())) for c in cells if row is not rows[0]):
                row.decompose()
            elif len(cells) == len(head):
                for n in theirs:
                    cells[n].decompose()
    return tree


def _named(pattern: re.Pattern[str], text: str) -> str | None:
    found = pattern.match(text) if len(text) <= _SHORT else None
    return found.group(1) if found else None


def _said(pattern: re.Pattern[str], text: str) -> str | None:
    found = pattern.search(text) if len(text) <= _SAID else None
    return (found.group(1) or found.group(2)) if found else None


_SAID = 120  # a price's own words or a name: a sentence at most
# "on AWS", "at Google Cloud", "via Lambda", "AWS's": a firm's name where it says whose a price is (not "75% less than
# AWS" or "vs. Azure" beside a price: the page's own, compared)
_WHOSE = r"(?:\b(?:on|at|via|from)\s+)"


# Firms the page does not name, as whose a price is: "Hyperscalers list the H100 at $11.06/hr", "other clouds charge
# ...", "on the hyperscalers" (not "70% below hyperscalers" beside the page's own price).
_UNNAMED = r"hyperscalers?|other\s+(?:clouds?|providers?)|competitors?|big\s+(?:three\s+)?clouds?"
_OTHERS = re.compile(
    rf"\b({_UNNAMED})\s+(?:list|charge|price|sell|bill|ask|offer)s?\b|\b(?:on|at|from)\s+(?:the\s+)?({_UNNAMED})\b",
    re.IGNORECASE,
)


@cache
def _rivals_anywhere(own: str) -> re.Pattern[str]:
    names = sorted((n for firm, ns in FIRM_NAMES.items() if firm != own for n in ns), key=len, reverse=True)
    alternatives = "|".join(map(re.escape, names))
    return re.compile(rf"(?:{_WHOSE}|^\s*)({alternatives})(?![\w.])|({alternatives})'s\b", re.IGNORECASE)


@cache
def _rivals(own: str) -> re.Pattern[str]:
    names = sorted((n for firm, ns in FIRM_NAMES.items() if firm != own for n in ns), key=len, reverse=True)
    return re.compile(r"\s*(" + "|".join(map(re.escape, names)) + r")(?![\w.])", re.IGNORECASE)
