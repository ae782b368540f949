"""Methodology v3 determinations: eligible quotes -> one value per firm -> central-band estimate; blends from
their legs; day-on-day referral. Pure: the same quotes and methodology give the same fixings.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import polars as pl

from pipeline.domain.fixing import Estimate, Fixing
from pipeline.index import basket, central_band, eligibility
from pipeline.index.fixing import build_fixing, fixing_time, inputs_digest, provider_values
from pipeline.methodology import IndexDefinition, Methodology, load_register
from pipeline.methodology.params import CentralBandParams

TIER_ORDER = ("executable", "rate_card", "statistic", "judgement")


def _params(m: Methodology) -> CentralBandParams:
    assert isinstance(m.estimator, CentralBandParams), f"methodology v{m.version} is not a central-band methodology"
    return m.estimator


def compute_fixing(
    quotes: pl.DataFrame, definition: IndexDefinition, at: datetime, m: Methodology, previous: Fixing | None = None
) -> Fixing:
    """One index's v3 fixing at `at`; `previous` (the prior day's fixing) decides the referral flag."""
    if definition.blend_of:
        legs = {code: compute_fixing(quotes, m.index(code), at, m) for code, _ in definition.blend_of}
        fixing = blend(definition, at, m, legs)
    else:
        fixing = _single(quotes, definition, at, m)
    return referred(fixing, previous, definition, m)


def _single(quotes: pl.DataFrame, definition: IndexDefinition, at: datetime, m: Methodology) -> Fixing:
    register = load_register(m.register_version or "1")
    inputs, exclusions, stale = eligibility.select(quotes, definition, at, m, register)
    values, keys = provider_values(inputs, definition, by="firm", tier_order=TIER_ORDER)
    if definition.basket:
        est = basket.estimate(values, len(definition.goods), _params(m))
    else:
        est = central_band.estimate(values, _params(m))
    flags: list[str] = []
    if inputs.height and not inputs.filter(~pl.col("registered")).is_empty():
        flags.append("unregistered_provider")
    if inputs.height and not inputs.filter(pl.col("time_basis") == "fetch").is_empty():
        flags.append("fetch_time_input")
    return build_fixing(definition, at, est, m, keys, stale, tuple(exclusions), tuple(flags))


def blend(definition: IndexDefinition, at: datetime, m: Methodology, legs: dict[str, Fixing]) -> Fixing:
    """The blend of the legs' published values (e.g. 3:1 input:output), withheld with either leg and
    indicative with either leg; it has no constituents of its own."""
    weights = dict(definition.blend_of)
    statuses = {f.status for f in legs.values()}
    status = "withheld" if "withheld" in statuses else ("indicative" if "indicative" in statuses else "published")
    total = sum(weights.values())
    value = unrounded = None
    if status != "withheld":
        unrounded = sum((weights[c] * f.value for c, f in legs.items() if f.value is not None), Decimal(0)) / total
        value = unrounded.quantize(Decimal(1).scaleb(-_params(m).decimals), rounding=ROUND_HALF_EVEN)
    gates: dict[str, Any] = {
        "legs": {
            c: {"status": f.status, "value": None if f.value is None else str(f.value), "weight": weights[c]}
            for c, f in sorted(legs.items())
        },
        "failed": [f"leg_withheld:{c}" for c, f in sorted(legs.items()) if f.status == "withheld"],
        "indicative": [f"leg_indicative:{c}" for c, f in sorted(legs.items()) if f.status == "indicative"],
    }
    flags = tuple(sorted({flag for f in legs.values() for flag in f.flags}))
    keys = sorted({k for f in legs.values() for k in f.input_keys})
    est = Estimate(
        status=status,
        value=value,
        gates=gates,
        flags=flags,
        constituents=(),
        n_providers=min(f.n_providers for f in legs.values()),
        robust_cv=None,
        p25=None,
        p75=None,
        unrounded=unrounded,
    )
    fixing = build_fixing(definition, at, est, m, keys)
    return fixing


def referred(fixing: Fixing, previous: Fixing | None, definition: IndexDefinition, m: Methodology) -> Fixing:
    """Flag `referred` (for an administrator's look; still published) when the value moved from the prior
    day's by more than the good's threshold."""
    thresholds = m.referral_thresholds or {}
    threshold = thresholds.get(definition.good, thresholds.get(definition.product))
    if threshold is None or previous is None or previous.value is None or fixing.value is None:
        return fixing
    move = fixing.value / previous.value - 1
    gates = {
        **fixing.gates,
        "referral": {"previous": str(previous.value), "move": str(round(move, 6)), "threshold": str(threshold)},
    }
    flags = (*fixing.flags, "referred") if abs(move) > threshold else fixing.flags
    return Fixing(**{**fixing.__dict__, "gates": gates, "flags": flags})


def compute_all(quotes: pl.DataFrame, day: date, m: Methodology) -> list[Fixing]:
    """Every index's fixing for `day`, each referred against the same computation for the day before."""
    before = _day(quotes, day - timedelta(days=1), m, {})
    return list(_day(quotes, day, m, before).values())


def _day(quotes: pl.DataFrame, day: date, m: Methodology, previous: dict[str, Fixing]) -> dict[str, Fixing]:
    at = fixing_time(day, m)
    out: dict[str, Fixing] = {}
    for d in sorted(m.indices, key=lambda d: bool(d.blend_of)):
        if d.blend_of:
            fixing = blend(d, at, m, {code: out[code] for code, _ in d.blend_of})
        else:
            fixing = _single(quotes, d, at, m)
        out[d.code] = referred(fixing, previous.get(d.code), d, m)
    return {d.code: out[d.code] for d in m.indices}


def compute_history(slices: Any, days: list[date], m: Methodology) -> list[Fixing]:
    """Fixings of every index for many days; `slices(definition, at)` gives the quotes a fixing at `at` may read."""
    out: list[Fixing] = []
    previous: dict[str, Fixing] = {}
    for day in days:
        at = fixing_time(day, m)
        today: dict[str, Fixing] = {}
        for d in sorted(m.indices, key=lambda d: bool(d.blend_of)):
            if d.blend_of:
                fixing = blend(d, at, m, {code: today[code] for code, _ in d.blend_of})
            else:
                fixing = _single(slices(d, at), d, at, m)
            today[d.code] = referred(fixing, previous.get(d.code), d, m)
        out += [today[d.code] for d in m.indices]
        previous = today
    return out


__all__ = ["blend", "compute_all", "compute_fixing", "compute_history", "inputs_digest", "referred"]
