"""A figure the page prices per minute, day, month or year, read by a layout reader as an hour's price.

A provider's layout reader takes the figure in the cell it knows ("$3.90/hr" under "On-demand"); if the page
redesigns its prices per minute ("$0.065/min") or shows a monthly commitment ("$1,800/mo") there, the figure is no
GPU-hour price, and taking it as one would put a number beside other firms' hourly prices that none of them compares
with. So a figure the layout reader took is refused when the words it recorded with it name another unit of time
and not the hour: its own text ("$0.30 per minute"), else its column's header ("Price (per month)"). A figure whose
unit neither says is left as read. (The meaning reader reads the unit with the figure itself.)
"""

from __future__ import annotations

import json
import re

import polars as pl

OTHER_UNIT_REASON = "the page shows {figure} per {unit}, not per hour"

_NAMES = {"h": "hour", "hr": "hour", "min": "minute", "sec": "second", "mo": "month", "yr": "year"}
# The unit of time a price's text or its column's header names: "(/hr)", "Per Hour", "GPU-hour", "/GPU/hr", "/mo".
_SAID = re.compile(
    r"(?:/\s*(?:gpu\s*[/-]\s*)?|\bper\s+(?:gpu\s+)?|\bgpu[\s-])"
    r"(?P<unit>hours?|hrs?|h|minutes?|mins?|seconds?|secs?|days?|months?|mo|years?|yrs?)\b",
    re.IGNORECASE,
)
# What layout readers record of a figure's words (`attributes`): its own text first, then its column's header.
_OWN, _HEADER = ("price_text", "shown", "unit"), ("column",)


def _unit(name: str) -> str:
    """ "hrs" -> "hour", "mo" -> "month", "secs" -> "second": one name per unit of time."""
    name = name.lower().removesuffix("s")
    return _NAMES.get(name, name)


def units_said(attributes: str | None) -> set[str]:
    """The time units the words a layout reader recorded with a figure name: its own text's ("$0.30 per min"), else
    its column header's ("Price per hour"). A figure's own words say what it is, whatever its column says."""
    try:
        recorded = json.loads(attributes) if attributes else {}
    except ValueError:
        return set()
    if not isinstance(recorded, dict):
        return set()
    for keys in (_OWN, _HEADER):
        said = {_unit(m.group("unit")) for k in keys for m in _SAID.finditer(str(recorded.get(k) or ""))}
        if said:
            return said
    return set()


def refuse_other_units(rows: pl.DataFrame) -> pl.DataFrame:
    """The parsed rows, each hourly price not refused already refused when the words recorded with it name another
    unit of time and not the hour."""
    hourly = pl.col("reject_reason").is_null() & pl.col("price_per").is_in(["gpu_hour", "instance_hour"])
    if rows.is_empty() or not rows.select(hourly.any()).item():
        return rows
    reasons: list[str | None] = []
    read = rows.select("price_native", "currency", "attributes", hourly)
    for price, currency, attributes, open_row in read.iter_rows():
        said = units_said(attributes) if open_row else set()
        refuse = bool(said) and "hour" not in said
        reasons.append(OTHER_UNIT_REASON.format(figure=f"{price} {currency}", unit=min(said)) if refuse else None)
    refused = pl.Series("_unit_reason", reasons, dtype=pl.String)
    return (
        rows.with_columns(refused)
        .with_columns(pl.coalesce("reject_reason", "_unit_reason").alias("reject_reason"))
        .drop("_unit_reason")
    )
