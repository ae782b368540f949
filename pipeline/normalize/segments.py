"""Which market segment a quote is sold in, as data: the region or tier a provider names.

A standard good is sold to anyone on the public cloud. Government clouds (AWS GovCloud, Azure
Government and DoD regions, Oracle's government realms) and sovereign clouds operated by another
firm (Azure China by 21Vianet) sell to restricted buyers; community clouds (RunPod community,
peer-to-peer hosts) rent other people's machines without a datacenter's service terms. They are
recorded on the quote, and each methodology decides which segments an index admits.
A parser that knows the segment sets it; otherwise these rules read the region.
"""

from __future__ import annotations

import re

STANDARD = "standard"

# (segment, regex on the lower-cased region); the first match wins.
SEGMENT_RULES: tuple[tuple[str, str], ...] = (
    ("community", r"community"),
    ("government", r"gov|\bdod|usdod|usnat|ussec|langley|luke"),
    ("sovereign", r"^china|sovereign|21vianet"),
)


def segment_of(product: str, region: str | None) -> str | None:
    """The segment these rules give a quote (the same rules `normalise` applies to a frame)."""

    if product != "gpu_hour":
        return None
    for name, pattern in SEGMENT_RULES:
        if region and re.search(pattern, region.lower()):
            return name
    return STANDARD
