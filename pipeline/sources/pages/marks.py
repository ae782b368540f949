"""How pages print a currency and a unit of time: the marks and words every reader of figures looks for. Kept apart
from `money` (which reads amounts) so a transform of the page tree can use them before any reader runs."""

from __future__ import annotations

import re

# Currency marks as pages print them, to ISO codes. Longer marks first so "US$" wins over "$"; a "$" with letters
# right before it is another country's dollar ("HK$", "NZ$", a prefix not listed here): never read as USD.
CURRENCY_MARKS: tuple[tuple[str, str], ...] = (
    ("US$", "USD"),
    ("CA$", "CAD"),
    ("AU$", "AUD"),
    ("HK$", "HKD"),
    ("NZ$", "NZD"),
    ("SG$", "SGD"),
    ("MX$", "MXN"),
    ("NT$", "TWD"),
    ("R$", "BRL"),
    ("S$", "SGD"),
    ("C$", "CAD"),
    ("A$", "AUD"),
    ("USD", "USD"),
    ("EUR", "EUR"),
    ("GBP", "GBP"),
    ("CAD", "CAD"),
    ("AUD", "AUD"),
    ("JPY", "JPY"),
    ("INR", "INR"),
    ("CHF", "CHF"),
    ("CNY", "CNY"),
    ("HKD", "HKD"),
    ("SGD", "SGD"),
    ("NZD", "NZD"),
    ("MXN", "MXN"),
    ("BRL", "BRL"),
    ("KRW", "KRW"),
    ("SEK", "SEK"),
    ("NOK", "NOK"),
    ("DKK", "DKK"),
    ("PLN", "PLN"),
    ("$", "USD"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("¥", "JPY"),
    ("₹", "INR"),
)
_MARK = "|".join(re.escape(mark) if mark != "$" else r"(?<![A-Za-z])\$" for mark, _ in CURRENCY_MARKS)
MARK = rf"(?:{_MARK})"  # any currency mark a page prints, for a pattern of another module

# How pages write the units of time after a figure: the hour, the others, and the others as adverbs.
HOUR_UNITS = r"hrs?|hours?|h"
OTHER_TIME_UNITS = r"minutes?|mins?|seconds?|secs?|days?|weeks?|wks?|months?|mos?|years?|yrs?"
OTHER_TIME_ADVERBS = r"monthly|yearly|annually|weekly|daily"

# The hour as a few other languages write it: a host billed so is billed apart all the same (`components`), but a
# figure per "Stunde" is not read as an hourly price: the readers' other words (per GPU, per machine) are English.
FOREIGN_HOURS = r"stunden?|std|heures?|horas?|ora|uur|時間|小时"
_TIMES = rf"{HOUR_UNITS}|hourly|{OTHER_TIME_UNITS}|{OTHER_TIME_ADVERBS}"
# The words a page writes after a figure's "/" ("/GPU/hr", "/ 1 hour", "/H100/hour", "/GB/mo", "/8x node"): a unit of
# time, what is priced (a GPU, a machine and its size, a GPU model, a resource) or a vendor's name before its model.
_UNIT_WORDS = re.compile(
    rf"(?:{_TIMES}"
    r"|gpus?|cards?|accelerators?|chips?|devices?|nodes?|instances?|servers?|vms?|machines?|pods?|clusters?|units?"
    r"|each|ea|[gt]i?b|v?cpus?|cores?|ram|nvidia|amd|intel|hgx|dgx|rtx|tesla|sxm\d?|pcie|nvl|[a-z]{1,3}\d{2,4}[a-z]*"
    r"|\d+(?:\.\d+)?[x×]?)",
    re.IGNORECASE,
)
_SLASHED = re.compile(r"\s*/\s*([^\s/$€£<>()]+)")
_TIME_WORD = re.compile(_TIMES, re.IGNORECASE)
_FIGURE_NEXT = re.compile(rf"\s*:?\s*(?:{MARK}\s*)?\d")  # "/ Spot $0.99", "/ Windows: 2,99 €"


def unknown_unit(after: str) -> str | None:
    """The first word of the "/"-chain right after a figure that names no unit a reader knows ("$2,49/Monat", "/mois",
    "/月"), or None: a figure per something unknown is no known price per hour, whatever else is read of it. The chain
    ends at its unit of time ("/hr / Spot $0.99": what follows is another figure's), and a "/" before another figure is
    a separator ("$2.49 / Spot $0.99"), not a unit."""
    pos = 0
    while (match := _SLASHED.match(after, pos)) is not None:
        for word in re.split(r"[-*.,;:!?™®©]+", match.group(1)):
            if not word:
                continue
            if _TIME_WORD.fullmatch(word):
                return None
            if not _UNIT_WORDS.fullmatch(word):
                return None if _FIGURE_NEXT.match(after, match.end()) else word
        pos = match.end()
    return None


def unknown_unit_in(text: str) -> str | None:
    """`unknown_unit` of any "/"-chain in a header or label ("On-Demand Price (/Monat)"), or None."""
    return next((word for i, c in enumerate(text) if c == "/" and (word := unknown_unit(text[i:])) is not None), None)
