"""Which FX rate converts a price observed on a given day. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from pipeline.domain.records import FxRate

MAX_AGE_DAYS = 5  # the ECB does not publish on weekends or TARGET holidays; a long Easter is 4 days


def rates_for(rates: Iterable[FxRate], day: date, max_age_days: int = MAX_AGE_DAYS) -> dict[str, Decimal]:
    """USD per unit of each currency from its latest rate on or before `day`, at most `max_age_days` old.

    A Sunday uses Friday's rates. A currency with no rate in that span is absent, and
    normalisation rejects its prices with "no FX rate". Between two sources publishing the same
    currency on the same day, the one first in name order wins (deterministic).
    """
    latest: dict[str, FxRate] = {}
    for rate in rates:
        if rate.day > day or (day - rate.day).days > max_age_days:
            continue
        held = latest.get(rate.currency)
        if held is None or (rate.day, held.source) > (held.day, rate.source):
            latest[rate.currency] = rate
    return {currency: latest[currency].usd_per_unit for currency in sorted(latest)}
