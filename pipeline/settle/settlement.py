"""Monthly average-price contract settlement from the fixings in force. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from pipeline.settle.contracts import Contract, contracts_version


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


def settle_month(
    spec: Contract,
    year: int,
    month: int,
    in_force: Iterable[Mapping[str, Any]],
    prior: Mapping[str, Any] | None,
) -> Settlement:
    """Settle from stored rows: the fixings in force for the month, and the last published one before it."""
    fixings = {
        r["fixing_date"]: DayFixing(
            r["fixing_date"], r["status"], None if r["value"] is None else Decimal(r["value"]), r["revision"]
        )
        for r in in_force
    }
    before = None
    if prior is not None:
        before = DayFixing(prior["fixing_date"], "published", Decimal(prior["value"]), prior["revision"])
    return settle(spec, year, month, fixings, before)
