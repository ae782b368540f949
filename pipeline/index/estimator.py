"""The fixing estimator (methodology §4): screen, weight, cap, trimmed mean, gates. Pure.

Inputs are one value per provider (the provider's vote); the output says what each
provider contributed and why, so every published number can be re-derived by hand.
Floats are used only for the screen's logarithms; values, weights and the result are
exact decimals, computed in a fixed order (sorted inputs), so the result does not
depend on input order.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import Any

from pipeline.domain.fixing import Constituent, Estimate, ProviderValue
from pipeline.methodology.params import EstimatorParams

CONTEXT_PRECISION = 50


def median(values: list[Decimal]) -> Decimal:
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        raise ValueError("median of nothing")
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def percentile(values: list[Decimal], q: Decimal) -> Decimal:
    """Linear-interpolation percentile (type 7), exact in decimals."""
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def robust_cv(values: list[Decimal], scale: Decimal) -> Decimal:
    med = median(values)
    mad = median([abs(v - med) for v in values])
    return scale * mad / med if med > 0 else Decimal(0)


def screen(values: list[ProviderValue], p: EstimatorParams) -> dict[str, str]:
    """Providers excluded by the log-space MAD screen, with the reason for each."""
    if len(values) < p.min_providers_for_screen:
        return {}
    logs = {v.provider: Decimal(math.log(v.value)) for v in values}
    centre = median(list(logs.values()))
    mad = median([abs(x - centre) for x in logs.values()])
    # The band is k robust sigma, but never narrower than the ratio band: with MAD at or near 0
    # (many providers on one list price) a pure MAD band would screen providers a cent away.
    sigma_limit = p.mad_k * p.mad_scale * mad
    floor = Decimal(math.log(p.ratio_band))
    limit = max(sigma_limit, floor)
    why = (
        f"{p.mad_k} robust sigma ({sigma_limit:.4f})"
        if sigma_limit >= floor
        else f"the {p.ratio_band}x ratio band ({floor:.4f})"
    )
    out: dict[str, str] = {}
    for v in values:
        distance = abs(logs[v.provider] - centre)
        if distance > limit:
            ratio = math.exp(distance)
            side = "above" if logs[v.provider] > centre else "below"
            out[v.provider] = f"{ratio:.3f}x {side} the median (log distance {distance:.4f}) is beyond {why}"
    return out


def screen_or_overload(values: list[ProviderValue], p: EstimatorParams) -> tuple[dict[str, str], bool]:
    """The screen removes outliers, not a market: if it would drop more than `max_screened_share`
    of providers, the market is dispersed (or split), so nobody is dropped and the dispersion
    gate decides."""
    out = screen(values, p)
    if values and Decimal(len(out)) > p.max_screened_share * len(values):
        return {}, True
    return out, False


def cap_weights(raw: dict[str, Decimal], cap: Decimal) -> dict[str, Decimal] | None:
    """Normalise, then cap any weight above `cap` and share the excess pro rata (iterated). None if infeasible."""
    if not raw or cap * len(raw) < 1:
        return None
    total = sum(raw.values(), Decimal(0))
    weights = {k: w / total for k, w in raw.items()}
    capped: set[str] = set()
    for _ in range(len(raw) + 1):
        over = {k for k, w in weights.items() if w > cap and k not in capped}
        if not over:
            break
        capped |= over
        free = {k: raw[k] for k in raw if k not in capped}
        free_total = sum(free.values(), Decimal(0))
        remaining = 1 - cap * len(capped)
        weights = {k: (cap if k in capped else remaining * raw[k] / free_total) for k in raw}
    return weights


def trimmed_mean(
    items: list[tuple[Decimal, str, Decimal]], low: Decimal, high: Decimal
) -> tuple[Decimal, dict[str, Decimal]]:
    """Weighted mean of the central [low, high] band of cumulative weight; items are (value, provider, weight)."""
    cum = Decimal(0)
    inside: dict[str, Decimal] = {}
    for _value, provider, weight in sorted(items):
        start, end = cum, cum + weight
        cum = end
        overlap = min(end, high) - max(start, low)
        inside[provider] = overlap if overlap > 0 else Decimal(0)
    band = sum(inside.values(), Decimal(0))
    total = sum((inside[p] * v for v, p, _ in items), Decimal(0))
    return total / band, inside


def estimate(values: list[ProviderValue], p: EstimatorParams) -> Estimate:
    with localcontext() as ctx:
        ctx.prec = CONTEXT_PRECISION
        return _estimate(sorted(values, key=lambda v: (v.value, v.provider)), p)


def _estimate(values: list[ProviderValue], p: EstimatorParams) -> Estimate:
    gates: dict[str, Any] = {"min_providers": {"required": p.min_providers, "observed": len(values)}}
    excluded, overloaded = screen_or_overload(values, p)
    kept = [v for v in values if v.provider not in excluded]
    gates["min_providers"]["after_screen"] = len(kept)
    flags = [
        *(["screen_overload"] if overloaded else []),
        *input_flags(kept, p.low_contribution_below, p.venue_concentration_share),
    ]

    cv = robust_cv([v.value for v in kept], p.mad_scale) if kept else None
    p25 = percentile([v.value for v in kept], Decimal("0.25")) if kept else None
    p75 = percentile([v.value for v in kept], Decimal("0.75")) if kept else None
    failed: list[str] = []
    if len(kept) < p.min_providers:
        failed.append("min_providers")
    gates["dispersion"] = {"max_robust_cv": str(p.max_robust_cv), "observed": None if cv is None else str(round(cv, 6))}
    if cv is not None and len(kept) >= p.min_providers and cv > p.max_robust_cv:
        failed.append("dispersion")

    raw = {v.provider: p.tier_weights.get(v.tier, Decimal(1)) for v in kept}
    weights = cap_weights(raw, p.cap) if not failed else None
    if not failed and weights is None:
        failed.append("weight_cap_infeasible")
    gates["failed"] = failed

    value = unrounded = None
    inside: dict[str, Decimal] = {}
    if not failed and weights is not None:
        unrounded, inside = trimmed_mean(
            [(v.value, v.provider, weights[v.provider]) for v in kept], p.trim_low, p.trim_high
        )
        value = unrounded.quantize(Decimal(1).scaleb(-p.decimals), rounding=ROUND_HALF_EVEN)

    constituents = tuple(
        Constituent.of(
            v,
            weight_raw=(raw[v.provider] / sum(raw.values())) if v.provider in raw else None,
            weight_capped=weights.get(v.provider) if weights else None,
            trim_weight=inside.get(v.provider),
            screen_reason=excluded.get(v.provider),
        )
        for v in values
    )
    return Estimate(
        status="withheld" if failed else "published",
        value=value,
        gates=gates,
        flags=tuple(flags),
        constituents=constituents,
        n_providers=len(kept),
        robust_cv=cv,
        p25=p25,
        p75=p75,
        unrounded=unrounded,
    )


def feed_counts(kept: list[ProviderValue]) -> dict[str, int]:
    """How many of the voting providers each feed supplies."""
    feeds: dict[str, int] = {}
    for v in kept:
        for s in set(v.sources):
            feeds[s] = feeds.get(s, 0) + 1
    return feeds


def input_flags(kept: list[ProviderValue], low_contribution_below: int, venue_share: Decimal) -> list[str]:
    """Flags about what the voting providers' values rest on (every methodology raises them alike)."""
    flags: list[str] = []
    if any(not v.in_window for v in kept):
        flags.append("outside_window_input")
    if any(v.carried for v in kept):
        flags.append("carried_forward_input")
    if kept and not any(v.tier == "executable" for v in kept):
        flags.append("no_executable_input")
    if 0 < len(kept) < low_contribution_below:
        flags.append("low_contribution")
    if kept and max(feed_counts(kept).values(), default=0) > venue_share * len(kept):
        flags.append("venue_concentration")
    return flags
