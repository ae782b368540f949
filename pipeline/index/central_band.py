"""Methodology v3's estimator: one value per firm in, a fixing and its status out. Pure.

1. Screen from 3 firms, leave-one-out: each firm's log price is compared with the median and MAD of
   the *others* (so an outlier cannot widen the band that judges it); beyond k robust sigma, or the
   ratio band when the others agree exactly, it is screened out. If more than the overload share
   would be screened, the market is not a market: withheld (`screen_overload`), never "exclude none".
2. Weights: tier weights (executable > rate card > statistic) capped at 20 % each, so any two firms
   hold at most 40 %; below 5 firms the cap is infeasible and weights are equal.
3. Value: the weighted mean of the central band [40 %, 60 %] of cumulative weight. Two firms with at
   most 40 % of the weight can never reach that band from outside the others' range, so two
   colluders cannot move a settlement fixing beyond the range of the other firms.
4. Status: withheld below 3 firms, on screen overload or above the dispersion ceiling; otherwise
   `published` (settlement grade) only with at least 5 firms, a unimodal market, and when no single
   firm, placed anywhere from 0.001x to 1000x its price, could move the fixing by more than 2 %
   (`index.influence`); else `indicative`, with the failing gate named. No contract settles on an
   indicative value.
Values, weights and the result are exact decimals in a fixed order; floats only in the logarithms of
the screen and in the influence test.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import Any

from pipeline.domain.fixing import Constituent, Estimate, ProviderValue
from pipeline.index.estimator import cap_weights, feed_counts, input_flags, median, percentile, robust_cv, trimmed_mean
from pipeline.index.influence import influences
from pipeline.index.remember import Remembered
from pipeline.methodology.params import CentralBandParams

CONTEXT_PRECISION = 50
SETTLE_DECIMALS = 28

# An estimate in steps (`_estimate`): it hands out the firms to test for influence and takes the test back.
Steps = Generator[list[ProviderValue], dict[str, Any], Estimate]


def loo_screen(values: list[ProviderValue], p: CentralBandParams) -> dict[str, str]:
    """Firms screened out by the leave-one-out log-space MAD screen, with the reason for each."""
    if len(values) < p.min_providers:
        return {}
    logs = {v.provider: Decimal(math.log(v.value)) for v in values}
    floor = Decimal(math.log(p.ratio_band))
    out: dict[str, str] = {}
    for v in values:
        others = [x for k, x in logs.items() if k != v.provider]
        centre = median(others)
        mad = median([abs(x - centre) for x in others])
        sigma_limit = p.mad_k * p.mad_scale * mad
        limit = max(sigma_limit, floor)
        distance = abs(logs[v.provider] - centre)
        if distance > limit:
            why = (
                f"{p.mad_k} robust sigma of the others ({sigma_limit:.4f})"
                if sigma_limit >= floor
                else f"the {p.ratio_band}x ratio band ({floor:.4f})"
            )
            side = "above" if logs[v.provider] > centre else "below"
            ratio = math.exp(distance)
            out[v.provider] = (
                f"{ratio:.3f}x {side} the median of the others (log distance {distance:.4f}) is beyond {why}"
            )
    return out


def weights_of(kept: list[ProviderValue], p: CentralBandParams) -> dict[str, Decimal]:
    """Capped tier weights; equal weights when the cap cannot be met (fewer firms than 1/cap)."""
    if not kept:
        return {}
    if p.cap * len(kept) < 1:
        return {v.provider: Decimal(1) / len(kept) for v in kept}
    raw = {v.provider: p.tier_weights[v.tier] for v in kept}
    capped = cap_weights(raw, p.cap)
    assert capped is not None
    return capped


def multimodal(kept: list[ProviderValue], weights: dict[str, Decimal], p: CentralBandParams) -> dict[str, Any] | None:
    """The widest gap in log price that splits the firms into two groups each holding at least the minimum
    share of weight, when it is wider than `multimodal_gap` times the spread inside either group: the centre
    of such a market is set by which listings come or go, not by a price level."""
    ordered = sorted(kept, key=lambda v: (v.value, v.provider))
    logs = [math.log(v.value) for v in ordered]
    total = float(sum(weights.values()))
    found: dict[str, Any] | None = None
    cum = 0.0
    for k in range(len(ordered) - 1):
        cum += float(weights[ordered[k].provider]) / total
        if cum < float(p.multimodal_min_share) or 1 - cum < float(p.multimodal_min_share):
            continue
        gap = logs[k + 1] - logs[k]
        spread = max(logs[k] - logs[0], logs[-1] - logs[k + 1], 0.02)
        if gap > float(p.multimodal_gap) * spread and (found is None or gap > found["log_gap"]):
            found = {"between": [str(ordered[k].value), str(ordered[k + 1].value)], "log_gap": round(gap, 6)}
    return found


def estimate(values: list[ProviderValue], p: CentralBandParams) -> Estimate:
    """The estimate of one set of firm values."""
    return estimate_many([values], p)[0]


def estimate_many(markets: list[list[ProviderValue]], p: CentralBandParams) -> list[Estimate]:
    """The estimate of each set of firm values (a market: one index at one time). Pure, so a run over many days of
    a quiet market (where the same votes recur day after day) computes each distinct set once: the answer is
    remembered for the set. The influence tests of the sets that need one are run together (`influences`)."""
    keys = [tuple(sorted(values, key=lambda v: (v.value, v.provider))) for values in markets]
    answers = {key: answer for key in keys if (answer := _REMEMBERED.known(p, key)) is not None}
    paused: dict[tuple[ProviderValue, ...], tuple[Steps, list[ProviderValue]]] = {}
    for key in dict.fromkeys(k for k in keys if k not in answers):
        steps = _estimate(list(key), p)
        outcome = _resume(steps, None)
        if isinstance(outcome, Estimate):
            answers[key] = _REMEMBERED.remember(p, key, outcome)
        else:
            paused[key] = (steps, outcome)
    tests = influences([asked for _, asked in paused.values()], p)
    for (key, (steps, _)), test in zip(paused.items(), tests, strict=True):
        outcome = _resume(steps, test)
        assert isinstance(outcome, Estimate)
        answers[key] = _REMEMBERED.remember(p, key, outcome)
    return [answers[key] for key in keys]


def _resume(steps: Steps, test: dict[str, Any] | None) -> Estimate | list[ProviderValue]:
    """Run an estimate's steps on to its influence test (the firms it asks about) or to its end (the Estimate),
    in exact decimal arithmetic of CONTEXT_PRECISION digits, restoring the caller's context in between."""
    with localcontext() as ctx:
        ctx.prec = CONTEXT_PRECISION
        try:
            return next(steps) if test is None else steps.send(test)
        except StopIteration as done:
            estimate: Estimate = done.value
            return estimate


# Estimates by their sorted firm values (an Estimate is never changed once made).
_REMEMBERED: Remembered[Estimate] = Remembered(at_most=20_000)


def _estimate(values: list[ProviderValue], p: CentralBandParams) -> Steps:
    """The estimate, as steps: it pauses at the influence test, handing out the firms and taking the test's result
    back, so that many estimates can have their tests run together."""
    n = len(values)
    excluded = loo_screen(values, p)
    kept = [v for v in values if v.provider not in excluded]
    gates: dict[str, Any] = {
        "min_providers": {"required": p.min_providers, "observed": n, "after_screen": len(kept)},
        "screen": {"screened": len(excluded), "max_share": str(p.max_screened_share)},
    }
    withheld: list[str] = []
    if n and Decimal(len(excluded)) > p.max_screened_share * n:
        withheld.append("screen_overload")
    if len(kept) < p.min_providers:
        withheld.append("min_providers")
    cv = robust_cv([v.value for v in kept], p.mad_scale) if kept else None
    gates["dispersion"] = {"max_robust_cv": str(p.max_robust_cv), "observed": None if cv is None else str(round(cv, 6))}
    if cv is not None and len(kept) >= p.min_providers and cv > p.max_robust_cv:
        withheld.append("dispersion")

    weights = weights_of(kept, p) if not withheld else {}
    value = unrounded = None
    inside: dict[str, Decimal] = {}
    indicative: list[str] = []
    if not withheld:
        unrounded, inside = trimmed_mean(
            [(v.value, v.provider, weights[v.provider]) for v in kept], p.trim_low, p.trim_high
        )
        # Weights such as 1/24 are not exact in 50 digits; the band mean is settled at 28 decimals first,
        # so an exact half (0.65875) rounds as the exact arithmetic says, not as its last digit's error says.
        unrounded = unrounded.quantize(Decimal(1).scaleb(-SETTLE_DECIMALS), rounding=ROUND_HALF_EVEN)
        value = unrounded.quantize(Decimal(1).scaleb(-p.decimals), rounding=ROUND_HALF_EVEN)
        gates["settlement_min_providers"] = {"required": p.settlement_min_providers, "observed": len(kept)}
        if len(kept) < p.settlement_min_providers:
            indicative.append("settlement_min_providers")
        split = multimodal(kept, weights, p)
        gates["multimodal"] = split
        if split is not None:
            indicative.append("multimodal")
        if len(kept) >= p.settlement_min_providers and split is None:
            gates["influence"] = yield values
            if not gates["influence"]["holds"]:
                indicative.append("influence")
    gates["failed"] = withheld
    gates["indicative"] = indicative
    gates["venue_concentration"] = venue_concentration(kept)
    status = "withheld" if withheld else ("indicative" if indicative else "published")
    flags = _flags(values, kept, excluded, p)
    total_raw = sum((p.tier_weights[v.tier] for v in kept), Decimal(0))
    constituents = tuple(
        Constituent.of(
            v,
            weight_raw=(p.tier_weights[v.tier] / total_raw) if v.provider not in excluded and total_raw else None,
            weight_capped=weights.get(v.provider),
            trim_weight=inside.get(v.provider),
            screen_reason=excluded.get(v.provider),
        )
        for v in values
    )
    return Estimate(
        status=status,
        value=value,
        gates=gates,
        flags=tuple(flags),
        constituents=constituents,
        n_providers=len(kept),
        robust_cv=cv,
        p25=percentile([v.value for v in kept], Decimal("0.25")) if kept else None,
        p75=percentile([v.value for v in kept], Decimal("0.75")) if kept else None,
        unrounded=unrounded,
    )


def _flags(
    values: list[ProviderValue], kept: list[ProviderValue], excluded: dict[str, str], p: CentralBandParams
) -> list[str]:
    overload = ["screen_overload"] if values and Decimal(len(excluded)) > p.max_screened_share * len(values) else []
    return [*overload, *input_flags(kept, p.settlement_min_providers, p.venue_concentration_share)]


def venue_concentration(kept: list[ProviderValue]) -> dict[str, Any] | None:
    """The feed that supplies the largest share of the voting firms, and that share."""
    feeds = feed_counts(kept)
    if not feeds:
        return None
    feed = min(feeds, key=lambda s: (-feeds[s], s))
    return {
        "feed": feed,
        "firms": feeds[feed],
        "of": len(kept),
        "share": str(round(Decimal(feeds[feed]) / len(kept), 4)),
    }


__all__ = ["estimate", "estimate_many", "loo_screen", "multimodal", "venue_concentration", "weights_of"]
