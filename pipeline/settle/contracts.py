"""Contract specifications and business calendars, as data (`contracts.json`, versioned)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
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
    max_fallback_share: Decimal
    max_fallback_age_business_days: int
    final_settlement_lag_business_days: int
    unit: str
    currency: str
    weekend: tuple[int, ...]
    holidays: frozenset[date]

    def is_business_day(self, day: date) -> bool:
        return day.weekday() not in self.weekend and day not in self.holidays

    def business_days(self, year: int, month: int) -> list[date]:
        day = date(year, month, 1)
        out = []
        while day.month == month:
            if self.is_business_day(day):
                out.append(day)
            day += timedelta(days=1)
        return out

    def business_days_before(self, day: date, count: int) -> list[date]:
        """The `count` business days before `day`, latest first."""
        out: list[date] = []
        while len(out) < count:
            day -= timedelta(days=1)
            if self.is_business_day(day):
                out.append(day)
        return out

    def final_settlement_day(self, year: int, month: int) -> date:
        """The business day, after the month, on which its settlement becomes final and is frozen."""
        day = self.business_days(year, month)[-1]
        for _ in range(self.final_settlement_lag_business_days):
            day += timedelta(days=1)
            while not self.is_business_day(day):
                day += timedelta(days=1)
        return day


@cache
def contracts() -> dict[str, Contract]:
    doc = _document()
    calendars = doc["calendars"]
    out = {}
    for entry in doc["contracts"]:
        c = {**doc.get("defaults", {}), **entry}
        cal = calendars[c["calendar"]]
        out[c["code"]] = Contract(
            code=c["code"],
            index=c["index"],
            decimals=int(c["decimals"]),
            rounding=c["rounding"],
            max_consecutive_fallbacks=int(c["max_consecutive_fallbacks"]),
            max_fallback_share=Decimal(c["max_fallback_share"]),
            max_fallback_age_business_days=int(c["max_fallback_age_business_days"]),
            final_settlement_lag_business_days=int(c["final_settlement_lag_business_days"]),
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
