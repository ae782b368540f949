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
