"""Contract specifications and business calendars, as data (`contracts.json`, versioned)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any


@cache
def _document() -> dict[str, Any]:
    return dict(json.loads(resources.files("pipeline.settle").joinpath("contracts.json").read_text()))


@dataclass(frozen=True)
class Contract:
    code: str
    index: str
    decimals: int
    rounding: str
    max_consecutive_fallbacks: int
    unit: str
    currency: str
    weekend: tuple[int, ...]
    holidays: frozenset[date]

    def business_days(self, year: int, month: int) -> list[date]:
        day = date(year, month, 1)
        out = []
        while day.month == month:
            if day.weekday() not in self.weekend and day not in self.holidays:
                out.append(day)
            day += timedelta(days=1)
        return out


@cache
def contracts() -> dict[str, Contract]:
    doc = _document()
    calendars = doc["calendars"]
    out = {}
    for c in doc["contracts"]:
        cal = calendars[c["calendar"]]
        out[c["code"]] = Contract(
            code=c["code"],
            index=c["index"],
            decimals=int(c["decimals"]),
            rounding=c["rounding"],
            max_consecutive_fallbacks=int(c["max_consecutive_fallbacks"]),
            unit=c["unit"],
            currency=c["currency"],
            weekend=tuple(cal["weekend"]),
            holidays=frozenset(date.fromisoformat(h) for h in cal["holidays"]),
        )
    return out


def contracts_version() -> str:
    return str(_document()["version"])


def contract(code: str) -> Contract:
    try:
        return contracts()[code]
    except KeyError:
        raise KeyError(f"unknown contract {code!r}") from None
