"""What a page's words say about a figure: a teaser, per GPU or per machine, which pricing type, which term."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from pipeline.sources.pages.document import squash
from pipeline.sources.pages.marks import MARK
from pipeline.sources.pages.when import MONTHS as _MONTHS

TEASER_REASON = "teaser price ('from $X'), not a price for a defined good"
NO_TERM_REASON = "reserved price with no commitment term stated, not a price for a defined good"

# "from" a time the GPU is available from ("Available from July 2026: $6.99/GPU/hr") is no floor of a price; a floor's
# sign is one, by a figure in any currency: "$2.49+", "¥450+", "2,49 EUR and up", "≥ ₹200" (not "$2.49 + $0.10 disk").
_FIGURE = rf"(?:{MARK}\s*\d[\d.,]*|\d[\d.,]*\s*{MARK})"
_TEASER = re.compile(
    r"\b((?<!available )from|starting\s+(at|from)|starts\s+(at|from)|as\s+low\s+as|low\s+as)\b"
    rf"|{_FIGURE}\s*\+(?!\s*(?:[\d+]|{MARK}))|(?:≥|>=)\s*(?:{MARK}|\d|$)"
    rf"|{_FIGURE}(?:\s*/\s*[a-z]+)*\s+(?:and\s+(?:up|above)|or\s+more|onwards?)\b",
    re.IGNORECASE,
)
# "/GPU/hr", "per GPU hour", "GPU-hr"; a GPU also called a card or an accelerator ("/card/hour").
_GPU = r"(?:gpu|card|accelerator)"
_PER_GPU = re.compile(rf"\bper\s+{_GPU}\b|/\s*{_GPU}\b|\bgpu[\s-]*h(ou)?rs?\b", re.IGNORECASE)
# "$1.89/H100/hour", "$1.89/H100 hourly": a GPU model used as the unit, however the page dresses its name
# ("/H100™/hour", "/NVIDIA H100 SXM/hr"), never a machine of them ("/8x H100/hr", "/H100 node/hr").
_PER_UNIT = re.compile(r"/\s*([^/$]{1,48}?)\s*(?:/\s*h(?:ou)?r\b|\s+(?:hourly|per\s+hour)\b)", re.IGNORECASE)
_MODEL = re.compile(r"(?<![\w-])[a-z]{1,3}\d{2,4}[a-z]*(?!\w)", re.IGNORECASE)
_PER_GPU_OTHER_TIME = re.compile(
    rf"(?:/\s*|\bper\s+){_GPU}\s*(?:[/-]\s*|\s+per\s+|\s+a\s+)"
    r"(?:months?|mos?|years?|yrs?|weeks?|days?|minutes?|mins?|seconds?|secs?)\b",
    re.IGNORECASE,
)
# "VRAM per GPU", "vCPUs per GPU", "80 GB per GPU": a spec of each GPU's share of the machine, not the price's unit.
_SPEC_PER_GPU = re.compile(
    r"\b(?:vram|memory|ram|v?cpus?|cpu\s+cores?|cores?|storage|disks?|ssd|nvme|bandwidth|network|[gt]i?b)\b"
    rf"(?:\s*\([^)]{{0,12}}\))?\s+per\s+{_GPU}\b",
    re.IGNORECASE,
)
_A_MACHINE = re.compile(r"\b(instance|machine|node|server|vm|cluster|pod)s?\b|(?<![\w.])\d{1,3}\s*[x×]", re.IGNORECASE)
# "per instance", "/node", and with the machine's size before it: "per 8-GPU node", "/8x server", "per 8 GPU machine".
_MACHINE_SIZE = r"(?:\d{1,3}\s*(?:[x×]|[\s-]*gpus?)[\s-]*)?"
_PER_INSTANCE = re.compile(rf"(?:\bper\s+|/\s*){_MACHINE_SIZE}(instance|machine|node|server|vm)\b", re.IGNORECASE)
# A commitment's length: "3-years", "6 month", "12 mo"; a week only where the words make it a commitment ("1-week
# minimum", "a minimum of 2 weeks", "2-week term"), not a trial or a billing cycle ("7-day free trial").
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "nine": 9, "twelve": 12, "eighteen": 18}
_N = rf"(\d+|{'|'.join(_WORDS)}|twenty[\s-]four|thirty[\s-]six)"  # "3", "three", "thirty-six"
_TERM = re.compile(
    rf"\b{_N}[\s-]*(months?|mo|years?|yrs?)\b|\b(?:minimum|at\s+least)\s+(?:of\s+)?{_N}[\s-]*(weeks?)\b"
    rf"|\b{_N}[\s-]*(weeks?)[\s-]+(?:minimum|min|term|commitment|reservation|contract)\b",
    re.IGNORECASE,
)
# "Annual" / "yearly" beside an hourly figure: the rate of a one-year commitment.
_ANNUAL = re.compile(r"\b(annual(ly)?|yearly)\b", re.IGNORECASE)
# "8x NVIDIA H100 SXM", "8 × H200 SXM", "1x A100": a machine of N GPUs named by its GPU.
_SIZED = re.compile(r"^(\d+)\s*(?:[x×]|-?\s*GPUs?\b)\s+(\S.*)$", re.IGNORECASE)  # "8x NVIDIA H100", "8-GPU H100"
_HGX = re.compile(r"\bHGX\b", re.I)
PCIE = r"PCIE|PCI[\s-]?E(?:XPRESS)?"  # the PCIe form factor however written: "PCIe", "PCI-E", "PCI Express"
_FORM = re.compile(rf"\b(SXM\d?|{PCIE}|NVL|NVLINK)\b", re.I)
_REGION = re.compile(r"\bregion:\s*([A-Za-z][A-Za-z ]{1,40}?)\s*$|\b(secure\s+cloud|community\s+cloud)\b", re.I)


def is_teaser(text: str) -> bool:
    """True for "from $X" / "starting at" / "as low as" wording or a floor's sign: not a price for a defined good."""
    return _TEASER.search(squash(text)) is not None


def teaser_reason(text: str) -> str | None:
    """The standard reject_reason when text is a teaser price, else None."""
    return TEASER_REASON if is_teaser(text) else None


def per_gpu(text: str) -> bool:
    """True when the wording says the figure is per GPU ("/GPU/hr", "per GPU hour", "GPU-hr", "/H100/hour"). A
    month's figure per GPU beside a machine's hourly price ("$20.72/hr ($999/GPU/month)") says nothing of the hour's."""
    said = _SPEC_PER_GPU.sub(" ", _PER_GPU_OTHER_TIME.sub(" ", squash(text)))
    if _PER_GPU.search(said):
        return True
    return any(_MODEL.search(u) and not _A_MACHINE.search(u) for u in (m.group(1) for m in _PER_UNIT.finditer(said)))


def per_instance(text: str) -> bool:
    """True when the wording says the figure is for the whole machine ("per instance", "/node")."""
    return _PER_INSTANCE.search(squash(text)) is not None


def commitment(text: str) -> str | None:
    """`reserved_<term>` for a commitment named in text ("3-years" -> reserved_3y, "six-month" -> reserved_6m,
    "1-week minimum" -> reserved_1w). Twelve-month multiples are years: "12 months" is "1 year"'s pricing type."""
    match = _TERM.search(squash(text))
    if match is None:
        return None
    number, unit = (g.lower() for g in match.groups() if g)
    n = int(number) if number.isdigit() else _WORDS.get(number) or (24 if number.startswith("twenty") else 36)
    if unit.startswith("y"):
        return f"reserved_{n}y"
    if unit.startswith("w"):
        return f"reserved_{n}w"  # a commitment no index prices, kept apart from on-demand
    return f"reserved_{n // 12}y" if n % 12 == 0 else f"reserved_{n}m"


ON_DEMAND = r"on[\s-]?demand|pay[\s-]as[\s-]you[\s-]go"  # the words that name on-demand pricing
PRICE_TITLE = r"price|cost|rate|/\s*h(?:ou)?r|\bhour|hourly"  # the words of a column title over prices of the hour


def pricing_type_of(text: str) -> str | None:
    """The pricing type a column header or row label names, or None when it names none.

    A reservation without a stated term is `reserved_unspecified`: kept distinct so it is never
    mistaken for a priced commitment of a known length.
    """
    words = squash(text).lower()
    if re.search(r"\b(?:un|non[\s-]?)interrupt[ai]ble\b", words):  # RunPod's "uninterruptable": on demand
        return "on_demand"
    if re.search(r"\b(spot|preemptible|interrupt[ai]ble)\b", words):
        return "spot"
    if re.search(r"\bmonth[\s-]to[\s-]month\b", words):  # a month's commitment, renewed: no on-demand price
        return "reserved_1m"
    if re.search(
        r"\b(reserved?|reservation|commit(ted|ment)?|contract|savings\s+plans?|prepa(?:y|id|yment))\b|\bsprint\b", words
    ) or _TERM.search(words):
        return commitment(words) or ("reserved_1y" if _ANNUAL.search(words) else "reserved_unspecified")
    if _ANNUAL.search(words):
        return "reserved_1y"
    if re.search(rf"\b(?:{ON_DEMAND})\b", words):
        return "on_demand"
    return None


def region_of(text: str) -> str | None:
    """The region or cloud a heading or price label names ("REGION: NORTH AMERICA", "Secure Cloud"), as a slug.

    Prices of the same GPU in two regions or clouds are two offers, not one figure replacing another.
    """
    words = squash(text)
    match = _REGION.search(words)
    if match is None:
        return None
    return re.sub(r"\W+", "_", (match.group(1) or match.group(2)).strip().lower())


# Words that name only a place: a column headed "US East" or "EU (Finland)" prices the GPU there.
_PLACES = frozenset(
    (
        *("us", "usa", "eu", "europe", "european", "asia", "apac", "emea", "america", "north", "south", "east"),
        *("west", "central", "canada", "uk", "japan", "india", "singapore", "australia", "iceland", "finland"),
        *("norway", "sweden", "france", "germany", "netherlands", "texas", "virginia", "oregon", "california"),
    )
)


def place_of(header: str) -> str | None:
    """The region a column's header names when it names nothing but a place ("US East" -> "us_east"), as a slug;
    None for any other header. Prices of one GPU under two such columns are two regions' offers, not two figures
    nothing tells apart."""
    words = re.findall(r"[a-z]+", squash(header).lower())
    return "_".join(words) if words and all(w in _PLACES for w in words) else None


def region_in(text: str, label: str, column: str, heading: str) -> str | None:
    """The region a price is in: named by its own words, its label or its column ("REGION: ...", "Secure Cloud"), a
    column headed by a place alone, or the section's heading; None when nothing names one."""
    return next((r for r in [*map(region_of, [text, label, column]), place_of(column), region_of(heading)] if r), None)


def types_named(text: str) -> set[str]:
    """Every pricing type a text names, part by part ("Spot and on-demand instances", "On-demand / Spot": spot and
    on_demand), where `pricing_type_of` alone picks one of them."""
    named = {kind for part in _PARTS.split(text) if (kind := pricing_type_of(part))}
    if any(k.startswith("reserved_") and k != "reserved_unspecified" for k in named):
        named.discard("reserved_unspecified")  # "Reserved instances, 1-year term": the term says which reservation
    return named


def only_type(text: str) -> str | None:
    """The one pricing type a text names; None when it names none or several."""
    named = types_named(text)
    return named.pop() if len(named) == 1 else None


_PARTS = re.compile(r"\b(?:and|or)\b|[,;&/|()]|(?<=[.!?])\s")  # "On-demand (spot available)": two


def sized_name(text: str) -> tuple[int, str] | None:
    """(GPU count, GPU name) for a machine named "8x NVIDIA H100 SXM" or "8 × H200 SXM"; None otherwise."""
    match = _SIZED.match(squash(text))
    if match is None:
        return None
    return int(match.group(1)), match.group(2)


def leading_int(text: str) -> int | None:
    """The whole number a cell starts with: "8" -> 8, "4^1" (footnoted) -> 4, "1/8" -> None (a fraction)."""
    match = re.match(r"\s*(\d+)(?![\d/.])", text)
    return int(match.group(1)) if match else None


def hgx_label(name: str) -> str:
    """Spell out the form factor that "HGX" states: NVIDIA's HGX baseboards carry SXM modules only.

    The identity rules look for "SXM"; a page that says "HGX H100" has said SXM, so the label
    says it too. A name that already states a form factor is left alone.
    """
    name = squash(name)
    if _HGX.search(name) and not _FORM.search(name):
        return f"{name} (SXM)"
    return name


# "8x node", "8 x GPU cluster", "8-GPU instance", "node (8 GPUs)": the machine a figure's own words price.
_MACHINE = re.compile(
    r"\b(\d{1,3})\s*[x×]\s*(?:gpus?\s*)?(?:node|cluster|instance|machine|server|vm)s?\b"
    r"|\b(\d{1,3})[\s-]*gpus?\s+(?:node|cluster|instance|machine|server|vm)s?\b"
    r"|\b(?:node|cluster|instance|machine|server|vm)\s*\(\s*(\d{1,3})\s*[x×]?\s*gpus?\s*\)",
    re.IGNORECASE,
)
_OWN = ("price", "column", "label")  # the places of a figure's own words (`nearest.PLACES`)


def own_machine(
    own: str, per: tuple[str, str], count: tuple[int | None, str | None]
) -> tuple[tuple[str, str], tuple[int | None, str | None]]:
    """A figure's (per, where said) and (machine GPUs, where said), given the machine its own words name ("$23.92/hr
    for an 8x node" beside "$2.99/GPU/hr"): that machine, priced whole, unless its own words say per GPU."""
    match = _MACHINE.search(squash(own))
    size = int(next(g for g in match.groups() if g)) if match else None
    if size is None or not 0 < size <= 128 or (per[0] == "gpu_hour" and per[1] in _OWN):
        return per, count
    return ("instance_hour" if size > 1 else "gpu_hour", per[1] if per[1] in _OWN else "price"), (size, "price")


MACHINE_REASON = "the whole machine's price ({n} x the per-GPU figure beside it), not a second per-GPU price"


def whole_machine(earlier: str, later: str, later_attributes: Mapping[str, Any]) -> str | None:
    """Why an earlier figure is refused beside a later one for the same GPU, when the later's own words say per GPU
    ("$23.92/hr ($2.99/GPU/hr)") and the earlier is a whole multiple of it (2-16, a machine's GPUs): it is the
    machine's price, whose GPU count the page does not tie to it. None otherwise (a replaced list price)."""
    n = Decimal(earlier) / Decimal(later) if Decimal(later) > 0 else Decimal(0)
    if later_attributes.get("price_per_from") not in _OWN or n != n.to_integral_value() or not 2 <= n <= 16:
        return None
    return MACHINE_REASON.format(n=int(n))


# A GPU the record says is not rentable yet ("Coming soon", "Pre-order", "Available Q3 2026"): its figure is no price
# of use when the page was seen.
_PERIODS = rf"q[1-4]|h[12]|early|late|mid|spring|summer|autumn|fall|winter|{'|'.join(_MONTHS)}"
_NOT_YET = re.compile(
    rf"\bcoming\s+soon\b|\bpre-?orders?\b|\bnot\s+yet\s+available\b|\bavailable\s+(?:(?P<since>from\s+)|in\s+)?"
    rf"(?:(?P<period>{_PERIODS})\b[\s,-]*(?P<year>20\d\d)?|(?P<bare>20\d\d))\b",
    re.IGNORECASE,
)
NOT_YET_REASON = "the GPU is not rentable yet ('coming soon', 'pre-order'): its figure is no price of use now"
# Each period a page makes a GPU available in, as (first month, months): "Q3" -> (7, 3), "late" -> (9, 4).
_PERIOD_MONTHS = {
    **{f"q{q}": (3 * q - 2, 3) for q in range(1, 5)},
    **{"h1": (1, 6), "h2": (7, 6), "early": (1, 4), "mid": (5, 4), "late": (9, 4)},
    **{"spring": (3, 3), "summer": (6, 3), "autumn": (9, 3), "fall": (9, 3), "winter": (12, 3)},
    **{month: (i, 1) for i, month in enumerate(_MONTHS, start=1)},
}


def not_yet_rentable(text: str, as_of: date | None = None) -> bool:
    """True when the words say the GPU cannot be rented yet ("Coming soon", "Pre-order", "Available Q3 2026").

    A stated time already come when the page was seen (`as_of`) is no longer to come: "from" a time, once it has
    begun ("Available from November 2024" on a page of 2024-11-15); "in" a time, only once it is over ("Available
    Q3 2026" seen in August 2026 may still be weeks away). A time without its year is always to come."""
    for match in _NOT_YET.finditer(squash(text)):
        year = match.group("year") or match.group("bare")
        if as_of is None or year is None:
            return True
        first, months = _PERIOD_MONTHS[match.group("period").lower()] if match.group("period") else (1, 12)
        since = 0 if match.group("since") else months  # from its first month, else from the month after it
        month = first - 1 + since
        if date(int(year) + month // 12, month % 12 + 1, 1) > as_of:
            return True
    return False
