"""Monthly average-price contract settlement from the fixings in force. Pure.

Only a *published* fixing is a settlement value: an indicative one (too few firms, or one firm could
move it too far) is not, and neither is a withheld or missing day. Such a day takes the fallback
waterfall: (1) the most recent published fixing, if it is at most `max_fallback_age_business_days`
business days old (looking back across the month boundary); (2) otherwise the day has no value and
the month has no settlement price (administrator review). The month also has no settlement price
when its fallbacks exceed `max_fallback_share` of its business days, or when a run of days without a
published fixing, counted across the month boundary, is longer than `max_consecutive_fallbacks`.
The evidence says, day by day, what was used and why.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from pipeline.domain.serialise import iso
from pipeline.settle.contracts import Contract, contracts, contracts_version


@dataclass(frozen=True)
class DayFixing:
    """The fixing in force for one day, as the settlement sees it."""

    day: date
    status: str  # published | indicative | withheld | missing
    value: Decimal | None
    revision: int | None

    @property
    def usable(self) -> bool:
        return self.status == "published" and self.value is not None


@dataclass(frozen=True)
class Settlement:
    contract: str
    period: str
    status: str  # settled | no_settlement
    price: Decimal | None
    unrounded: Decimal | None
    evidence: list[dict[str, Any]]
    fallbacks: int
    max_run_of_fallbacks: int
    flags: list[str]
    contracts_version: str


_WHY = {
    "indicative": "indicative: not a settlement value",
    "withheld": "withheld: no value",
    "missing": "no fixing recorded",
}


def settle(
    spec: Contract, year: int, month: int, fixings: Mapping[date, DayFixing], before: Iterable[DayFixing] = ()
) -> Settlement:
    """Settle the month from its days' fixings in force and those of the business days before it (any order)."""
    history = {f.day: f for f in before}
    lookback = spec.max_fallback_age_business_days + spec.max_consecutive_fallbacks
    prior_days = spec.business_days_before(date(year, month, 1), lookback)
    run = 0  # the run of recorded, non-published days that ends where the month starts
    for day in prior_days:
        if day not in history or history[day].usable:
            break  # a published day ends the run; so does a day before the index had any record
        run += 1
    last = next((history[d] for d in prior_days if d in history and history[d].usable), None)
    days = spec.business_days(year, month)
    evidence: list[dict[str, Any]] = []
    values: list[Decimal] = []
    longest = run
    fallbacks = 0
    flags: list[str] = []
    for day in days:
        f = fixings.get(day, DayFixing(day, "missing", None, None))
        record: dict[str, Any] = {
            "date": day.isoformat(),
            "status": f.status,
            "value": _text(f.value),
            "revision": f.revision,
        }
        if f.usable:
            assert f.value is not None
            values.append(f.value)
            last, run = f, 0
            evidence.append({**record, "used": _text(f.value), "fallback": False})
            continue
        fallbacks += 1
        run += 1
        longest = max(longest, run)
        age = None if last is None else _business_days_between(spec, last.day, day)
        usable = last is not None and age is not None and age <= spec.max_fallback_age_business_days
        if usable:
            assert last is not None and last.value is not None
            values.append(last.value)
        evidence.append(
            {
                **record,
                "used": _text(last.value) if usable and last is not None else None,
                "fallback": True,
                "fallback_from": last.day.isoformat() if usable and last is not None else None,
                "why": _WHY.get(f.status, f.status)
                + (
                    ""
                    if usable
                    else f"; no published fixing within {spec.max_fallback_age_business_days} business days"
                    + ("" if last is None else f" (the last, {last.day}, is {age} business days old)")
                ),
            }
        )
    if fallbacks:
        flags.append("fallback_used")
    allowed = int(spec.max_fallback_share * len(days))
    if longest > spec.max_consecutive_fallbacks:
        flags.append("administrator_review:consecutive_fallbacks")
    if fallbacks > allowed:
        flags.append("administrator_review:fallback_share")
    if len(values) < len(days):
        flags.append("administrator_review:no_fallback_within_age")
    period = f"{year:04d}-{month:02d}"
    if any(f.startswith("administrator_review") for f in flags) or not values:
        return Settlement(
            spec.code, period, "no_settlement", None, None, evidence, fallbacks, longest, flags, contracts_version()
        )
    unrounded = sum(values, Decimal(0)) / len(values)
    price = unrounded.quantize(Decimal(1).scaleb(-spec.decimals), rounding=ROUND_HALF_EVEN)
    return Settlement(
        spec.code, period, "settled", price, unrounded, evidence, fallbacks, longest, flags, contracts_version()
    )


def _business_days_between(spec: Contract, earlier: date, later: date) -> int:
    """Business days after `earlier` up to and including `later`."""
    count, day = 0, later
    while day > earlier:
        if spec.is_business_day(day):
            count += 1
        day = date.fromordinal(day.toordinal() - 1)
    return count


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _priced_in(code: str) -> dict[str, str | None]:
    """What a contract's price is in (its currency, per its index's unit), from its specification."""
    spec = contracts().get(code)
    return {"currency": spec.currency if spec else None, "unit": spec.unit if spec else None}


def settlement_document(s: Settlement, computed_at: datetime | None = None) -> dict[str, Any]:
    return {
        "contract": s.contract,
        "period": s.period,
        "status": s.status,
        "price": _text(s.price),
        **_priced_in(s.contract),
        "unrounded": None if s.unrounded is None else format(s.unrounded, "f"),
        "fallbacks": s.fallbacks,
        "max_consecutive_fallbacks": s.max_run_of_fallbacks,
        "flags": s.flags,
        "contracts_version": s.contracts_version,
        "evidence": s.evidence,
        **({"computed_at": computed_at.isoformat()} if computed_at else {}),
    }


def stored_document(row: Mapping[str, Any]) -> dict[str, Any]:
    """A stored settlement revision (a `settlement` row) as an exchange reads it: one shape for `cix settle` and
    the HTTP API. `max_consecutive_fallbacks` is None in a revision recorded before it was stored."""
    return {
        "contract": row["contract"],
        "period": row["period"],
        "revision": row["revision"],
        "index_code": row["index_code"],
        "methodology_version": row["methodology_version"],
        "contracts_version": row["contracts_version"],
        "status": row["status"],
        "price": _text(row["price"]),
        **_priced_in(row["contract"]),
        "unrounded": row["unrounded"],
        "fallbacks": row["fallbacks"],
        "max_consecutive_fallbacks": row.get("max_consecutive_fallbacks"),
        "flags": json.loads(row["flags"]),
        "evidence": json.loads(row["evidence"]),
        "computed_at": iso(row["computed_at"]),
        "final": bool(row["final"]),
    }


def day_fixings(rows: Iterable[Mapping[str, Any]]) -> dict[date, DayFixing]:
    """Stored fixings in force (rows with fixing_date, status, value, revision) as the settlement sees them."""
    return {
        r["fixing_date"]: DayFixing(
            r["fixing_date"], r["status"], None if r["value"] is None else Decimal(r["value"]), r["revision"]
        )
        for r in rows
    }
