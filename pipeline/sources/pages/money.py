"""What amount and currency does a piece of page text state, if any."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from pipeline.sources.pages.document import squash
from pipeline.sources.pages.marks import CURRENCY_MARKS, MARK, OTHER_TIME_ADVERBS, OTHER_TIME_UNITS, unknown_unit
from pipeline.sources.pages.tax import OS_AFTER, OS_BEFORE, OS_REASON, TAX_AFTER, TAX_BEFORE, TAX_REASON, tax_included

_NUMBER = r"\d[\d,.]*\d|\d"
# A mark then a number ("$2.49", "US$ 2.49", "€1,20") or a number then a mark ("2,49 €", "2.49 EUR").
_MONEY = re.compile(
    rf"(?P<pre>{MARK})\s*(?P<a>{_NUMBER})|(?<![\w.,])(?P<b>{_NUMBER})\s*(?P<post>{MARK})(?![A-Za-z\d])",
)
# A code after a figure its mark names ("$3.90 AUD"): the code says which dollar.
_CODE_AFTER = re.compile(r"\s*([A-Z]{3})(?![A-Za-z])")
_CODES = dict(CURRENCY_MARKS)
# "(was $3.50)", "Previously: $3.50", "Regular price $3.50": the words right before a figure that say it is gone
# (or a column's header: "Regular price", "Was").
_FORMER = re.compile(
    r"\b(?:was|previous(?:ly)?|original(?:ly)?|formerly|regular(?:ly)?|reg\.|normally)(?:\s+price)?\s*:?\s*[(\[]?\s*$",
    re.IGNORECASE,
)
FORMER_REASON = "a former price the page names as such ('was $X'), not the price now"
# "Last year the H100 cost $4.50/hr", "two years ago": a price of an earlier time, in the figure's own sentence.
_PAST = re.compile(
    r"\b(?:(?:last|previous)\s+(?:year|quarter|month|week)|(?:a|one|two|three|\d+)\s+(?:years?|months?)\s+ago"
    r"|back\s+in\s+(?:19|20)\d\d)\b[^.;!?]*$",  # not "used to" ("the GPUs used to train GPT-4: $2.49/hr")
    re.IGNORECASE,
)
# "100 hours on an H100 cost $249.00", "a 72-hour run: $179.28": a sum for a stated time, not a rate (a rate has its
# unit of time after the figure, "72-hour minimum, $2.49/hr", and is passed over by this).
_DURATION = re.compile(r"\b(?:[2-9]|\d{2,})[\d,]*\s*-?\s*(?:hours?|hrs?|days?|weeks?|months?)\b[^.;!?]*$", re.I)
_RATE_AFTER = re.compile(r"^\s*(?:/|per\b|an?\s+(?:hour|day|week|month)\b|hourly\b)", re.IGNORECASE)
TOTAL_REASON = "a sum for a stated length of time ('100 hours ... $249'), not a price per hour"
# "The average H100 price across clouds is $3.21/hr", "Market rate: $2.85/hr": a statistic of the market the page
# quotes, not an offer of its own.
_MARKET = re.compile(  # not "ideal for typical workloads: $2.49/hr"
    r"\b(?:(?:average|avg\.|median|typical)\b[^.;!?$]{0,40}?\b(?:prices?|rates?|costs?)|market\s+(?:rate|price|average)"
    r"|across\s+(?:clouds|providers|the\s+market))\b[^.;!?]*$",
    re.IGNORECASE,
)
MARKET_REASON = "a statistic of the market the page quotes ('the average price is $X'), not an offer of its own"
# "$2.49/hr avg.", "$2.49 (median)": a statistic of prices, after its figure.
_STATISTIC_AFTER = re.compile(r"^\s*(?:/\s*[\w.-]+\s*)*\**\s*[(\[]?\s*(?:avg\.?|average|median|mean)\b", re.I)
# "Save $0.50/hr", "$0.50 off", "a $0.50/hr discount": a discount's amount, not a price.
_DISCOUNT_BEFORE = re.compile(
    r"\b(?:save|saves|saving|savings\s+of|discount\s+of|rebate\s+of)\s*:?\s*(?:up\s+to\s+)?$", re.I
)
_DISCOUNT_AFTER = re.compile(
    r"^\s*(?:/\s*[\w.-]+\s*)*\**\s*(?:off\b(?!-)|discount|savings?\b|rebate|cheaper|less\s+than)", re.IGNORECASE
)
DISCOUNT_REASON = "a discount's amount ('Save $X', '$X off'), not a price"
# "$249 per 100 hours", "$2,490 / 1,000 GPU-hours": a price for a block of hours, not for one.
_HOURS_AFTER = re.compile(
    r"^\s*(?:/|\bper\b)\s*(?:1[,.]?0|[2-9]|\d{2,})[\d,]*\s*(?:gpu[\s-]*)?(?:hours?|hrs?|h)\b", re.I
)
HOURS_REASON = "a price for a block of hours ('$X per 100 hours'), not per hour"
# "$1.99/hr for 1,000+ hours", "$1.99 (volume pricing)": a price on a volume of use, in the figure's own words (a
# heading "Volume discounts" beside a table says nothing of its figures).
_VOLUME_AFTER = re.compile(
    r"^\s*(?:/\s*[\w.-]+\s*)*\**\s*(?:[(\[]\s*|\b(?:for|at|with|over)\s+)"
    r"(?:\d[\d,]*\+\s*(?:gpu[\s-]*)?(?:hours?|hrs?)\b|volume\s+(?:pricing|prices?|discounts?|tiers?|rates?)\b)",
    re.IGNORECASE,
)
VOLUME_REASON = "a price on a volume of use ('for 1,000+ hours', 'volume pricing'), not the standing price"
UNKNOWN_UNIT_REASON = "a price per '{word}', a unit the reader does not know: not a known price per hour"
# "$24.90 per 10 GPUs", "$23.92/hr per 8 GPUs": a price for several GPUs that no machine of the row's is said to be.
_GPUS_AFTER = re.compile(r"^\s*(?:/\s*h(?:ou)?r\s*)?(?:/|\bper\b)\s*(?:[2-9]|\d{2,})\s*(?:gpus|cards)\b", re.I)
GPUS_REASON = "a price for several GPUs together ('$X per 10 GPUs'), not one GPU's nor a machine's the row names"
# "Minimum spend $5,000", "Deposit: $100", "$500 in free credits": the words beside a figure that make it a sum to
# spend, hold or be given, no price of use (or a column's header: "Minimum spend", "Credits").
_SUM_BEFORE = re.compile(
    r"(?:\b(?:(?:minimum|min\.?)\s+(?:spend|commitment|order|deposit|purchase|top[- ]?up|balance)|deposit|top[- ]?up)"
    r"\s*(?:of\s*)?:?|\b(?:credits?|spend)\s*(?:of|:))\s*[(\[]?\s*$",  # "credits $2.99/hr" alone: paid in credits
    re.IGNORECASE,
)
_SUM_AFTER = re.compile(r"^\s*(?:(?:in|of|worth\s+of)\s+)?(?:free\s+)?(?:credits?|deposit)\b", re.IGNORECASE)
# "+ $0.10/hr", "$0.10/hr for storage", "Storage: $0.10/hr": an add-on's price beside the GPU's, not the GPU's;
# `ADD_ONS` are what add-ons are called (the embedded-JSON reader names them by these too).
ADD_ONS = r"storage|disks?|volumes?|egress|bandwidth|snapshots?|backups?"
_ADDON_BEFORE = re.compile(rf"(?:\+|\b(?:{ADD_ONS})\s*:?)\s*$", re.I)
_ADDON_AFTER = re.compile(
    r"^\s*(?:/\s*[\w.-]+\s*)*(?:for|of)\s+(?:\w+\s+){0,2}(?:" + ADD_ONS + r")\b",
    re.IGNORECASE,
)
ADDON_REASON = "an add-on's price ('+ $X/hr for storage'), not the GPU's"
SUM_REASON = "a sum to spend or be credited ('Minimum spend $X', '$X in credits'), not a price of use"
# "$1,799/month ($2.49/hr equivalent)", "equivalent to $2.49/hr", "works out to $2.49/hr": an hour's share of a price
# for a longer period, worked out by the page; the GPU is not rented by the hour at it.
_EQUIVALENT_BEFORE = re.compile(r"\b(?:equivalent\s+(?:to|of)|works?\s+out\s+(?:to|at))\s*:?\s*$", re.I)
_EQUIVALENT_AFTER = re.compile(r"^\s*(?:/\s*[\w.-]+\s*)*(?:equivalent|equiv\.)", re.IGNORECASE)
EQUIVALENT_REASON = "an hour's share of a price for a longer period ('$X/hr equivalent'), not an hourly price"
# (reason, the words before the figure or its column's header that say so, the words after it that say so)
_NOT_THE_PRICE: tuple[tuple[str, re.Pattern[str], re.Pattern[str] | None], ...] = (
    (FORMER_REASON, _FORMER, None),
    (SUM_REASON, _SUM_BEFORE, _SUM_AFTER),
    (ADDON_REASON, _ADDON_BEFORE, _ADDON_AFTER),
    (TAX_REASON, TAX_BEFORE, TAX_AFTER),
    (EQUIVALENT_REASON, _EQUIVALENT_BEFORE, _EQUIVALENT_AFTER),
    (DISCOUNT_REASON, _DISCOUNT_BEFORE, _DISCOUNT_AFTER),
    (OS_REASON, OS_BEFORE, OS_AFTER),
)
# Cell texts that say "no price here" (not offered, ask sales): no row, because nothing is priced.
_NO_PRICE = re.compile(r"^(?:n/?a|-|–|—|none|not available|contact(?: sales| us)?|coming soon|sold out)?$", re.I)


def money(text: str) -> tuple[str, str] | None:
    """The first amount in text as (exact decimal text, ISO currency), e.g. "2,49 €" -> ("2.49", "EUR").

    Only amounts with a currency mark count, so "8x" or "80GB" are never read as prices, and a former price
    ("Was $3.50 Now $2.99"), a sum ("Minimum spend $5,000") or an add-on's price ("+ $0.10/hr for storage") is
    passed over.
    Separators: when both ',' and '.' appear the last one is the decimal point; a lone ','
    is a thousands separator only before exactly three digits of a number >= 1 ("$1,234"),
    otherwise a decimal comma ("2,49 €", "0,035 €").
    """
    text = squash(text)
    candidates = [m for m in _figures(text) if not_the_price(text[: m.start()], text[m.end() :]) is None]
    # "$1,800/mo $2.49/hr": a figure its unit makes another time's price gives way to one that is not (alone, it is
    # read, and refused for its unit by the source's last step).
    hourly = (m for m in candidates if other_time_after(text, m.end()) is None)
    match = next(hourly, None) or next(iter(candidates), None)
    if match is None:
        return None
    number = _decimal_text(match.group("a") or match.group("b"))
    currency = _currency(match, text)
    if number is None or currency is None:
        return None
    return number, currency


# A unit of time other than the hour right after a figure: "/mo", "/GPU/month", "/GB/mo", "per year", "a month",
# "monthly".
_OTHER_TIME_AFTER = re.compile(
    r"\s*(?:(?:/\s*(?:[a-z]{1,5}\s*[/-]\s*)?|\bper\s+(?:[a-z]{1,5}\s+(?:per\s+)?)?|\ban?\s+)"
    rf"(?P<unit>{OTHER_TIME_UNITS})|(?P<adverb>{OTHER_TIME_ADVERBS}))\b",
    re.IGNORECASE,
)
_TIME_NAMES = {
    **{"h": "hour", "hr": "hour", "min": "minute", "sec": "second", "wk": "week", "mo": "month", "yr": "year"},
    **{"hourly": "hour", "monthly": "month", "yearly": "year", "annually": "year", "weekly": "week", "daily": "day"},
}


def time_unit(word: str) -> str:
    """One name per unit of time, however a page writes it: "hrs" -> "hour", "mo" -> "month", "monthly" -> "month"."""
    word = word.lower()
    return _TIME_NAMES.get(word) or _TIME_NAMES.get(word.removesuffix("s"), word.removesuffix("s"))


def other_time_after(text: str, end: int) -> str | None:
    """The unit of time other than the hour right after a figure ending at `end` ("$1,800/mo" -> "month"), or None."""
    match = _OTHER_TIME_AFTER.match(text, end)
    return None if match is None else time_unit(match.group("unit") or match.group("adverb"))


def not_the_price(before: str, after: str = "", column: str = "") -> str | None:
    """Why a figure is not the price of use now, when the words beside it (or its column's header) say so: a former
    price ("was $3.50", a "Regular price" column, "last year"), a sum to spend or be credited ("Minimum spend $5,000",
    "$500 in credits"), an add-on's price ("+ $0.10/hr for storage"), one with tax in it ("incl. VAT"), an hour's
    share of a longer period's ("$2.49/hr equivalent"), a statistic of the market, a sum for a stated time; None
    otherwise."""
    if tax_included(column):  # a column's header says it of all its figures, wherever it says it
        return TAX_REASON
    for reason, said_before, said_after in _NOT_THE_PRICE:
        if said_before.search(before[-40:]) or said_before.search(column[-40:]):
            return reason
        if said_after is not None and said_after.match(after[:40]):
            return reason
    if _PAST.search(before[-80:]):
        return FORMER_REASON
    if _MARKET.search(before[-80:]) or _STATISTIC_AFTER.match(after[:40]):
        return MARKET_REASON
    if _HOURS_AFTER.match(after[:30]):
        return HOURS_REASON
    if _GPUS_AFTER.match(after[:30]):
        return GPUS_REASON
    if _VOLUME_AFTER.match(after[:40]):
        return VOLUME_REASON
    if (word := unknown_unit(after[:60])) is not None:
        return UNKNOWN_UNIT_REASON.format(word=word)
    if _DURATION.search(before[-80:]) and not _RATE_AFTER.match(after[:12]):
        return TOTAL_REASON
    return None


def amounts(text: str) -> list[tuple[int, str, str]]:
    """Every amount text states, as (where it starts, exact decimal text, ISO currency), in order."""
    out = []
    for match in _figures(text):
        number = _decimal_text(match.group("a") or match.group("b"))
        currency = _currency(match, text)
        if number is not None and currency is not None:
            out.append((match.start(), number, currency))
    return out


# "$3·90": a decimal point the reader does not know (a middle dot, a bullet): the figure is not "$3".
_ODD_POINT = re.compile(r"[·•]\d")


def _figures(text: str) -> list[re.Match[str]]:
    """The figures of `text` that end where their number ends (not "$3" of "$3·90")."""
    return [m for m in _MONEY.finditer(text) if not _ODD_POINT.match(text, m.end())]


def _currency(match: re.Match[str], text: str) -> str | None:
    """The figure's currency: its mark's, or the code after it where a bare "$" leaves the dollar open ("$3.90 AUD");
    None when the two disagree ("US$3.90 EUR")."""
    mark = match.group("pre") or match.group("post")
    after = _CODE_AFTER.match(text, match.end()) if match.group("pre") else None
    named = _CODES.get(after.group(1)) if after else None
    if named is None or named == _CODES[mark]:
        return _CODES[mark]
    return named if mark == "$" else None


# What follows the first figure of a range: "$2.49 - $3.29", "$2.49–3.29", "$2.49 to $3.29", "2,49 € – 3,29 €".
_RANGE_JOIN = re.compile(rf"\s*(?:[-–—~]|to\b)\s*(?:{MARK})?\s*\d", re.IGNORECASE)


# The unit right after a figure: "/hr", "/GPU/hour", " / GPU-hr*", " per hour".
_UNIT_AFTER = re.compile(r"\s*(?:/\s*[\w.-]+(?:\s*/\s*[\w.-]+)*|per\s+(?:gpu[\s-]*)?h(?:ou)?r\b)\*{0,3}", re.I)
_LETTER = re.compile(r"[^\W\d_]")


def figure_words(text: str, starts: list[int]) -> list[str]:
    """The words of each of several figures in one text. Words before the first figure are its label ("On-demand
    $2.99/hr 1-year reserved $2.19/hr"): each figure has the words before it, and its unit. Otherwise notes follow
    their figure ("$6.74 /GPU/hour $3.39 /GPU/hour*"): each has the words from it to the next."""
    ends = [figure_at(text, s) for s in starts]
    ends = [e + len(m.group(0)) if (m := _UNIT_AFTER.match(text, e)) else e for e in ends[:-1]] + [len(text)]
    if _LETTER.search(text[: starts[0]]):
        return [text[b:e].strip() for b, e in zip([0, *ends[:-1]], ends, strict=True)]
    # Notes follow their figure, but a label set apart after one ("$2.49/hr · Spot: $0.97/hr", "(1-year: $1.99)")
    # is the next figure's.
    begins = [starts[0]]
    for end, start in zip(ends[:-1], starts[1:], strict=True):
        label = _NEXT_LABEL.match(text, end, start)
        begins.append(label.start("label") if label else start)
    return [text[b:e].strip() for b, e in zip(begins, [*begins[1:], len(text)], strict=True)]


# Between two figures, after the first one's stars and unit ("*", "/ hour"): a separator, then words ending in a
# colon ("· Spot:", "(1-year:", "| Reserved:"), the label of the second.
_NEXT_LABEL = re.compile(
    r"(?:\s*[*†‡]+)?(?:\s*/\s*[\w-]+)*\s*(?P<label>(?:[·|;,(–—]|\s-\s|\bor\b|\band\b)[^$€£]*:\s*)$",
    re.IGNORECASE,
)


def figure_at(text: str, start: int) -> int:
    """Where the amount `amounts` found at `start` ends."""
    match = _MONEY.match(text, start)
    return match.end() if match is not None else start


def starts_range(text: str, start: int) -> bool:
    """True when the amount `amounts` found at `start` is the first end of a price range."""
    match = _MONEY.match(text, start)
    return match is not None and _RANGE_JOIN.match(text, match.end()) is not None


def _decimal_text(raw: str) -> str | None:
    digits = raw
    if "," in digits and "." in digits:
        if digits.rfind(",") > digits.rfind("."):
            digits = digits.replace(".", "").replace(",", ".")
        else:
            digits = digits.replace(",", "")
    elif "," in digits:
        whole, _, tail = digits.rpartition(",")
        thousands = len(tail) == 3 and whole.replace(",", "").lstrip("0") != ""
        digits = digits.replace(",", "") if thousands else whole.replace(",", "") + "." + tail
    try:
        value = Decimal(digits)
    except InvalidOperation:
        return None
    return format(value, "f") if value.is_finite() else None


def is_no_price(text: str) -> bool:
    """True for an empty, "N/A", "-" or "Contact sales" cell: a listing without a figure."""
    return _NO_PRICE.match(squash(text)) is not None


def bare_price(text: str) -> tuple[str, str] | None:
    """(amount, currency) for a cell that is a price ("$3.90 /hr", "from $0.90"), not a sentence quoting one."""
    found = money(text)
    if found is None or len(text) > 60:
        return None
    return found
