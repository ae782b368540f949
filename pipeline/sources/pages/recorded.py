"""What the words a layout reader recorded with a figure say of it: the refusals a layout reader does not make.

A provider's layout reader takes the figure in the cell it knows ("$3.90/hr" under "On-demand") and records the
words it read it from (`attributes`: the figure's own text as `price_text`, `shown` or `unit`, its column's header
as `column`). A redesign may put in that cell what is no GPU-hour price of a defined good, and a layout reader
reading the cell's first figure would publish it as one. So a figure it took is refused when those words say:
- another unit of time and never the hour: its own text ("$0.065/min"), else its column's header ("Price (per
  month)"); a figure whose unit neither says is left as read;
- a range ("$2.49 - $3.29/hr"): the figure is one end of it, not the price of one good (as the meaning reader
  refuses both ends);
- a floor ("from $2.49", a teaser), a maximum ("up to $3.29/hr") or an approximation ("~$2.49/hr", "about
  $2.49"): not the stated price;
- another pricing type than its column's ("$2.19/hr with a 1-year commitment" under "On-demand"), or a whole
  machine's price ("$23.92 per node", or a column "Price per node") where the reader took a GPU's: what the figure
  is, its own words say, else its column's;
- a column whose header makes its figures no price of use now (`money.not_the_price`: "Regular price", "Price
  incl. VAT").
(The meaning reader reads all of this with the figure itself.)
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import polars as pl

from pipeline.sources.pages.marks import OTHER_TIME_ADVERBS, unknown_unit, unknown_unit_in
from pipeline.sources.pages.money import (
    UNKNOWN_UNIT_REASON,
    amounts,
    figure_at,
    not_the_price,
    other_time_after,
    starts_range,
    time_unit,
)
from pipeline.sources.pages.nearest import SEVERAL_TYPES_REASON, several_types_said
from pipeline.sources.pages.pairs import UNTOLD_REASON, untold_pair
from pipeline.sources.pages.records import RANGE_REASON
from pipeline.sources.pages.wording import TEASER_REASON, is_teaser, only_type, per_gpu, per_instance, pricing_type_of

OTHER_UNIT_REASON = "the page shows {figure} per {unit}, not per hour"
BOUND_REASON = "a maximum ({text!r}), not the price of a defined good"
APPROXIMATE_REASON = "an approximate figure ({text!r}), not a stated price"
OTHER_TYPE_REASON = "its own words ({text!r}) make it a {said} price, not {read}"
MACHINE_REASON = "its own words ({text!r}) price a whole machine, not one GPU"
MACHINE_COLUMN_REASON = "its column ({text!r}) prices a whole machine, not one GPU"

# The unit of time a price's text or its column's header names: "(/hr)", "Per Hour", "GPU-hour", "/GPU/hr", "/mo",
# "(Monthly)", "Hourly rate"; not how often a bill is sent or a price is set ("billed monthly", "updated daily").
_SAID = re.compile(
    r"(?:/\s*(?:gpu\s*[/-]\s*)?|\bper\s+(?:gpu\s+)?|\bgpu[\s-])"
    r"(?P<unit>hours?|hrs?|h|minutes?|mins?|seconds?|secs?|days?|months?|mo|years?|yrs?)\b"
    rf"|(?<!\bbilled )(?<!\binvoiced )(?<!\bupdated )(?<!\brefreshed )(?<!\breset )(?<!\bre-set )(?<!\bchanges )"
    rf"\b(?P<adverb>hourly|{OTHER_TIME_ADVERBS})\b",
    re.IGNORECASE,
)
# The words right before a figure that make it a maximum, or an approximation.
_BOUND_BEFORE = re.compile(r"(?:\b(?:up\s+to|max(?:imum)?\.?|at\s+most|no\s+more\s+than)|≤|<=)\s*:?\s*$", re.IGNORECASE)
# ... and right after it, past its unit ("/GPU/hr") and a footnote's star: "$2.49 or less", "$2.49 (est.)".
_TAIL = r"(?:\s*/\s*[a-z]+)*\s*\**\s*[(\[]?\s*"
_BOUND_AFTER = re.compile(rf"{_TAIL}(?:or\s+(?:less|lower|below)|at\s+most|max(?:imum)?)\b", re.IGNORECASE)
_ABOUT_AFTER = re.compile(rf"{_TAIL}(?:est(?:imated|imate)?|approx(?:imately|imate)?)\b", re.IGNORECASE)
_ABOUT_BEFORE = re.compile(
    r"(?:[~≈]|\b(?:approx(?:imately|\.)?|about|around|circa|ca\.|est(?:imated|\.)?))\s*$", re.IGNORECASE
)
_OWN, _HEADER = ("price_text", "shown", "unit"), ("column",)  # the figure's own words, its column's header


def units_in(text: str) -> set[str]:
    return {time_unit(m.group("unit") or m.group("adverb")) for m in _SAID.finditer(text)}


def _recorded(attributes: str | None) -> dict[str, Any]:
    try:
        recorded = json.loads(attributes) if attributes else {}
    except ValueError:
        return {}
    return recorded if isinstance(recorded, dict) else {}


def units_said(attributes: str | None) -> set[str]:
    """The time units the words a layout reader recorded with a figure name: its own text's ("$0.30 per min"), else
    its column header's ("Price per hour"). A figure's own words say what it is, whatever its column says."""
    recorded = _recorded(attributes)
    for keys in (_OWN, _HEADER):
        said = set().union(*(units_in(str(recorded.get(k) or "")) for k in keys))
        if said:
            return said
    return set()


def _figure_reason(text: str, price: str, currency: str) -> str | None:
    """Why the figure `price`, where its own text shows it, is no hourly price of one good: another unit of time
    right after it ("$999/mo) / Hour": the month's), the end of a range, a floor ("from $X": a teaser), a maximum or
    an approximation; None when its text says none of these (or does not show it)."""
    found = amounts(text)
    at = next((n for n, (_, a, c) in enumerate(found) if Decimal(a) == Decimal(price) and c == currency), None)
    if at is None:
        return None
    start = found[at][0]
    if (unit := other_time_after(text, figure_at(text, start))) is not None:
        return OTHER_UNIT_REASON.format(figure=f"{price} {currency}", unit=unit)
    if (word := unknown_unit(text[figure_at(text, start) :])) is not None:  # "$2,49/Monat"
        return UNKNOWN_UNIT_REASON.format(word=word)
    if untold_pair(text, found) is not None:  # "$0.01 / $2.99/hr": which of the two is the price, nothing says
        return UNTOLD_REASON.format(text=text.strip())
    if starts_range(text, start) or (at > 0 and starts_range(text, found[at - 1][0])):
        return RANGE_REASON.format(text=text.strip())
    if is_teaser(text[:start]) or is_teaser(text[start:]):  # "from $2.49", "$2.49+", "$2.49/hr and up"
        return TEASER_REASON
    after = text[figure_at(text, start) :]
    if _BOUND_BEFORE.search(text[:start]) or _BOUND_AFTER.match(after):
        return BOUND_REASON.format(text=text.strip())
    if _ABOUT_BEFORE.search(text[:start]) or _ABOUT_AFTER.match(after):
        return APPROXIMATE_REASON.format(text=text.strip())
    return None


def text_reason(text: str, price: str, currency: str, pricing_type: str | None, price_per: str) -> str | None:
    """Why a figure's own text refuses the figure as read (`pricing_type`, per `price_per`): another unit of time, a
    range, a floor, a maximum, an approximation, another pricing type or a whole machine's price where a GPU's was
    read. For a layout reader that does not record the text, called on it; `reason_of` for one that does."""
    said = units_in(text)
    if said and "hour" not in said:
        return OTHER_UNIT_REASON.format(figure=f"{price} {currency}", unit=min(said))
    if (figure := _figure_reason(text, price, currency)) is not None:
        return figure
    said_type = pricing_type_of(text)
    if said_type is not None and pricing_type is not None and said_type != pricing_type:
        return OTHER_TYPE_REASON.format(text=text.strip(), said=said_type, read=pricing_type)
    if price_per == "gpu_hour" and per_instance(text) and not per_gpu(text):
        return MACHINE_REASON.format(text=text.strip())
    return None


def reason_of(
    attributes: str | None, price: str, currency: str, pricing_type: str | None, price_per: str
) -> str | None:
    """Why the words recorded with a figure refuse it: its header's unit of time when its own text names none, then
    its own text's (`text_reason`)."""
    said = units_said(attributes)
    if said and "hour" not in said:
        return OTHER_UNIT_REASON.format(figure=f"{price} {currency}", unit=min(said))
    recorded = _recorded(attributes)
    if not said and (word := unknown_unit_in(str(recorded.get("column") or ""))) is not None:  # "Price (/Monat)"
        return UNKNOWN_UNIT_REASON.format(word=word)
    for key in _OWN:
        text = recorded.get(key)
        if text and (reason := text_reason(str(text), price, currency, pricing_type, price_per)) is not None:
            return reason
    column, own = str(recorded.get("column") or ""), " ".join(str(recorded.get(k) or "") for k in _OWN)
    if several_types_said([column]) is not None and only_type(own) is None:
        return SEVERAL_TYPES_REASON.format(text=column.strip())  # "Spot / On-demand": not which one this figure is
    if price_per == "gpu_hour" and per_instance(column) and not per_gpu(column) and not per_gpu(own):
        return MACHINE_COLUMN_REASON.format(text=column.strip())
    return not_the_price("", "", column)  # a column of former prices, of prices with tax in them ...


def refuse_by_recorded_words(rows: pl.DataFrame) -> pl.DataFrame:
    """The parsed rows, each hourly price not refused already refused when the words recorded with it say it is no
    GPU-hour price of a defined good (`reason_of`)."""
    hourly = (
        pl.col("reject_reason").is_null()
        & pl.col("price_per").is_in(["gpu_hour", "instance_hour"])
        & pl.col("price_native").is_not_null()
    )
    if rows.is_empty() or not rows.select(hourly.any()).item():
        return rows
    read = rows.select("price_native", "currency", "attributes", "pricing_type", "price_per", hourly)
    reasons = [
        reason_of(attributes, price, currency, pricing_type, price_per) if open_row else None
        for price, currency, attributes, pricing_type, price_per, open_row in read.iter_rows()
    ]
    refused = pl.Series("_recorded_reason", reasons, dtype=pl.String)
    return (
        rows.with_columns(refused)
        .with_columns(pl.coalesce("reject_reason", "_recorded_reason").alias("reject_reason"))
        .drop("_recorded_reason")
    )
