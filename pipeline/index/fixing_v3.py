"""Methodology v3 determinations: eligible quotes -> one value per firm -> central-band estimate; blends from
their legs; day-on-day referral. Pure: the same quotes and methodology give the same fixings.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import polars as pl

from pipeline.domain.fixing import Estimate, Fixing
from pipeline.index import basket, central_band, eligibility, spread
from pipeline.index.fixing import build_fixing, fixing_time, inputs_digest, lookback
from pipeline.index.votes import provider_values_by
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
    return _singles(quotes, definition, [at], m)[at]


def _singles(
    quotes: pl.DataFrame, definition: IndexDefinition, ats: list[datetime], m: Methodology
) -> dict[datetime, Fixing]:
    """One single index's fixings at many times (ascending) in one vectorised selection and grouping."""
    assert m.eligibility is not None
    register = load_register(m.register_version or "1")
    hours = pl.col("input_tier").replace_strict(m.eligibility.stale_after_hours, default=24, return_dtype=pl.Int64)
    until = spread.until(pl.duration(hours=hours), m.stale_lookback_days, m.archive_carry_forward_days)
    rows = spread.spread(eligibility.ruled(quotes, definition, m, register), ats, lookback(m), until)
    inputs, excluded, stale = eligibility.select_at(rows, definition, m)
    votes = provider_values_by(inputs, definition, spread.AT, by="firm", tier_order=TIER_ORDER)
    exclusions = eligibility.exclusions_by_time(excluded)
    flagged = {
        r[spread.AT]: r
        for r in inputs.group_by(spread.AT)
        .agg(
            (~pl.col("registered")).any().alias("unregistered"), (pl.col("time_basis") == "fetch").any().alias("fetch")
        )
        .iter_rows(named=True)
    }
    markets = [votes.get(at, ([], []))[0] for at in ats]
    if definition.basket:
        estimates = [basket.estimate(values, len(definition.goods), _params(m)) for values in markets]
    else:
        estimates = central_band.estimate_many(markets, _params(m))
    out: dict[datetime, Fixing] = {}
    for at, est in zip(ats, estimates, strict=True):
        keys = votes.get(at, ([], []))[1]
        flags: list[str] = []
        if flagged.get(at, {}).get("unregistered"):
            flags.append("unregistered_provider")
        if flagged.get(at, {}).get("fetch"):
            flags.append("fetch_time_input")
        out[at] = build_fixing(
            definition, at, est, m, keys, stale.get(at, ()), tuple(exclusions.get(at, [])), tuple(flags)
        )
    return out


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
    """Every index's fixing for `day`, each referred against the same computation for the day before (both days
    in one pass)."""
    return compute_history(lambda d: quotes, [day - timedelta(days=1), day], m)[len(m.indices) :]


def compute_many(
    quotes: pl.DataFrame, wanted: list[tuple[IndexDefinition, datetime]], m: Methodology
) -> dict[tuple[str, datetime], Fixing]:
    """`compute_fixing(quotes, d, at, m, previous=compute_fixing(quotes, d, at - 1 day, m))` for every (d, at)
    wanted, keyed by (code, at), with every single index computed for all its times in one pass."""
    day = timedelta(days=1)
    times: dict[str, set[datetime]] = {}
    for d, at in wanted:
        for code in [c for c, _ in d.blend_of] or [d.code]:
            times.setdefault(code, set()).update((at, at - day))
    singles = {code: _singles(quotes, m.index(code), sorted(ats), m) for code, ats in times.items()}

    def unreferred(d: IndexDefinition, at: datetime) -> Fixing:
        if d.blend_of:
            return blend(d, at, m, {code: singles[code][at] for code, _ in d.blend_of})
        return singles[d.code][at]

    return {(d.code, at): referred(unreferred(d, at), unreferred(d, at - day), d, m) for d, at in wanted}


def compute_history(
    quotes_of: Callable[[IndexDefinition], pl.DataFrame], days: list[date], m: Methodology
) -> list[Fixing]:
    """Fixings of every index for many days; `quotes_of(definition)` gives the quotes its fixings may read.
    Each single index is computed for all days in one pass; blends and referrals then follow day by day."""
    ats = [fixing_time(day, m) for day in days]
    singles = {d.code: _singles(quotes_of(d), d, ats, m) for d in m.indices if not d.blend_of}
    out: list[Fixing] = []
    previous: dict[str, Fixing] = {}
    for at in ats:
        today: dict[str, Fixing] = {}
        for d in sorted(m.indices, key=lambda d: bool(d.blend_of)):
            if d.blend_of:
                fixing = blend(d, at, m, {code: today[code] for code, _ in d.blend_of})
            else:
                fixing = singles[d.code][at]
            today[d.code] = referred(fixing, previous.get(d.code), d, m)
        out += [today[d.code] for d in m.indices]
        previous = today
    return out


__all__ = ["blend", "compute_all", "compute_fixing", "compute_history", "compute_many", "inputs_digest", "referred"]
