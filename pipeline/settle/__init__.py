"""Monthly average-price contract settlement, from the fixings in force. Pure core, stored by the warehouse.

Contract specifications and business calendars are data (`contracts.json`, versioned).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


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


@dataclass(frozen=True)
class DayFixing:
    """The fixing in force for one day, as the settlement sees it."""

    day: date
    status: str  # published | withheld | missing
    value: Decimal | None
    revision: int | None


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


@cache
def contracts() -> dict[str, Contract]:
    doc = json.loads((HERE / "contracts.json").read_text())
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
    return str(json.loads((HERE / "contracts.json").read_text())["version"])


def contract(code: str) -> Contract:
    try:
        return contracts()[code]
    except KeyError:
        raise KeyError(f"unknown contract {code!r}") from None


def settle(
    spec: Contract, year: int, month: int, fixings: dict[date, DayFixing], prior: DayFixing | None
) -> Settlement:
    """Arithmetic mean of the month's business-day fixings; a withheld or missing day takes the prior
    published value (flagged); a run of more than the allowed fallbacks means no settlement price."""
    evidence: list[dict[str, Any]] = []
    values: list[Decimal] = []
    last_published = prior if prior is not None and prior.status == "published" else None
    run = longest = fallbacks = 0
    flags: list[str] = []
    for day in spec.business_days(year, month):
        f = fixings.get(day, DayFixing(day, "missing", None, None))
        if f.status == "published" and f.value is not None:
            values.append(f.value)
            last_published = f
            run = 0
            evidence.append(
                {
                    "date": day.isoformat(),
                    "status": "published",
                    "value": _text(f.value),
                    "revision": f.revision,
                    "used": _text(f.value),
                    "fallback": False,
                }
            )
            continue
        fallbacks += 1
        run += 1
        longest = max(longest, run)
        used = last_published.value if last_published is not None else None
        if used is not None:
            values.append(used)
        evidence.append(
            {
                "date": day.isoformat(),
                "status": f.status,
                "value": _text(f.value),
                "revision": f.revision,
                "used": _text(used),
                "fallback": True,
                "fallback_from": last_published.day.isoformat() if last_published else None,
            }
        )
    if fallbacks:
        flags.append("fallback_used")
    period = f"{year:04d}-{month:02d}"
    if longest > spec.max_consecutive_fallbacks or not values or len(values) < len(evidence):
        if longest > spec.max_consecutive_fallbacks:
            flags.append("administrator_review:consecutive_fallbacks")
        if len(values) < len(evidence):
            flags.append("administrator_review:no_prior_published_value")
        return Settlement(
            spec.code, period, "no_settlement", None, None, evidence, fallbacks, longest, flags, contracts_version()
        )
    unrounded = sum(values, Decimal(0)) / len(values)
    price = unrounded.quantize(Decimal(1).scaleb(-spec.decimals), rounding=ROUND_HALF_EVEN)
    return Settlement(
        spec.code, period, "settled", price, unrounded, evidence, fallbacks, longest, flags, contracts_version()
    )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def settlement_document(s: Settlement, computed_at: datetime | None = None) -> dict[str, Any]:
    return {
        "contract": s.contract,
        "period": s.period,
        "status": s.status,
        "price": _text(s.price),
        "unrounded": None if s.unrounded is None else format(s.unrounded, "f"),
        "fallbacks": s.fallbacks,
        "max_consecutive_fallbacks": s.max_run_of_fallbacks,
        "flags": s.flags,
        "contracts_version": s.contracts_version,
        "evidence": s.evidence,
        **({"computed_at": computed_at.isoformat()} if computed_at else {}),
    }


def settle_from_warehouse(warehouse: Any, code: str, period: str, version: str) -> Settlement:
    """Read the fixings in force for the contract month (and the last published one before it) and settle."""
    spec = contract(code)
    year, month = (int(x) for x in period.split("-"))
    days = spec.business_days(year, month)
    if not days:
        raise ValueError(f"{period} has no business days")
    rows = warehouse.day_fixings(spec.index, days[0], days[-1], version)
    fixings = {
        r["fixing_date"]: DayFixing(
            r["fixing_date"], r["status"], None if r["value"] is None else Decimal(r["value"]), r["revision"]
        )
        for r in rows.iter_rows(named=True)
    }
    p = warehouse.prior_published(spec.index, days[0], version)
    prior = None if p is None else DayFixing(p["fixing_date"], "published", Decimal(p["value"]), p["revision"])
    return settle(spec, year, month, fixings, prior)
