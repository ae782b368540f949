"""The stored reference (FX) rates a run converts prices with: those in force on the day a price was observed."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import date, timedelta
from decimal import Decimal

from pipeline.normalize.fx import MAX_AGE_DAYS, rates_for
from pipeline.store import Warehouse


def fx_rates_on(warehouse: Warehouse, day: date) -> dict[str, Decimal]:
    """The stored reference rates that convert a price observed on `day`."""
    return rates_for(warehouse.fx_rates_between(day - timedelta(days=MAX_AGE_DAYS), day), day)


class RatesByDay:
    """`fx_rates_on` for the many days of a run over many captures (a backfill, a verify), from one read of the
    stored rates instead of one query per capture."""

    def __init__(self, warehouse: Warehouse) -> None:
        self.rates = warehouse.fx_rates_between(date.min, date.max)  # in order of day
        self.days = [r.day for r in self.rates]
        self.known: dict[date, dict[str, Decimal]] = {}

    def on(self, day: date) -> dict[str, Decimal]:
        if day not in self.known:
            first = bisect_left(self.days, day - timedelta(days=MAX_AGE_DAYS))
            self.known[day] = rates_for(self.rates[first : bisect_right(self.days, day)], day)
        return self.known[day]
