"""Volume tiers: one GPU priced by how many are rented ("1-49 GPUs: $2.99/hr; 50+ GPUs: $2.49/hr").

The discount for renting many is not the price of one GPU on demand: read beside the base tier as a later figure, it
replaced it (the 50+ price was published as the on-demand price). When prices of one GPU and pricing type name the
quantity they start at, and a tier starting at more GPUs is cheaper than one starting at fewer, it is refused as a
volume tier. A larger minimum at a higher price is another product (an InfiniBand cluster of 8 or more beside
single Ethernet GPUs), not a discount, and is left as read.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from pipeline.sources.pages.offers import Offer

VOLUME_REASON = "a volume tier's price (from {n} GPUs), cheaper than the price from {base}: not one GPU on demand"

# "50+ GPUs", "1-49 GPUs", "8-1016 HGX H100 GPUs", "for 64+ GPUs", "from 100 GPUs", "64 or more GPUs".
_TIER = re.compile(
    r"\b(\d{1,5})\s*(?:\+|(?:-|–|to)\s*\d{1,5}|or\s+more)\s*(?:[a-z][\w-]*\s+){0,2}?gpus?\b"
    r"|\b(?:for|from)\s+(\d{1,5})\s*\+?\s*gpus?\b",
    re.IGNORECASE,
)


def tier_start(words: list[str]) -> int | None:
    """The number of GPUs a price's own words say it starts at, or None."""
    for text in words:
        found = _TIER.search(text or "")
        if found:
            return int(found.group(1) or found.group(2))
    return None


def volume_tiers(offers: list[Offer]) -> list[Offer]:
    """The offers, with each cheaper price of a tier that starts at more GPUs refused (`VOLUME_REASON`)."""
    groups: dict[tuple[Any, ...], list[tuple[int, Offer]]] = {}
    for offer in offers:
        if offer.reject_reason is not None:
            continue
        said = [offer.attributes.get(k) or "" for k in ("price_text", "column", "label")]
        start = tier_start(said)
        groups.setdefault((*offer.good(), offer.currency), []).append((start or 1, offer))
    for tiers in groups.values():
        if len({start for start, _ in tiers}) < 2:
            continue
        for start, offer in tiers:
            fewer = [(s, o) for s, o in tiers if s < start and Decimal(o.amount) > Decimal(offer.amount)]
            if fewer:
                offer.reject_reason = VOLUME_REASON.format(n=start, base=min(s for s, _ in fewer))
    return offers
