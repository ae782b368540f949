"""The stored reference (FX) rates a run converts prices with: those in force on the day a price was observed."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
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

    def __init__(self, warehouse: Warehouse, days: Iterable[date] | None = None) -> None:
        """`days`: the days asked about, to read only the rates that can serve them (default: every stored rate)."""
        self.wanted = None if days is None else sorted(set(days))
        if self.wanted is None:
            self.rates = warehouse.fx_rates_between(date.min, date.max)  # in order of day
        elif self.wanted:
            self.rates = warehouse.fx_rates_between(self.wanted[0] - timedelta(days=MAX_AGE_DAYS), self.wanted[-1])
        else:
            self.rates = []
        self.days = [r.day for r in self.rates]
        self.known: dict[date, dict[str, Decimal]] = {}

    def on(self, day: date) -> dict[str, Decimal]:
        if self.wanted is not None and not (self.wanted and self.wanted[0] <= day <= self.wanted[-1]):
            raise ValueError(f"the rates for {day} were not read (read for {self.wanted[:1]}..{self.wanted[-1:]})")
        if day not in self.known:
            first = bisect_left(self.days, day - timedelta(days=MAX_AGE_DAYS))
            self.known[day] = rates_for(self.rates[first : bisect_right(self.days, day)], day)
        return self.known[day]
