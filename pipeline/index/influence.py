"""How far could one firm move this fixing? The test behind methodology v3's settlement status. Pure.

For each firm in turn, the whole estimator (screen, weights, central band, gates) is re-run with that
firm's value replaced by every point of a dense grid from `influence_low` to `influence_high` times its
price, by every other firm's price (just below, at and just above it: where the order changes), and by
the edges of its own screen band (where it is dropped). Those runs give the lowest and highest fixing
that firm alone could produce, whatever it quotes. If, for every firm, the fixing is within
`influence_bound` (2 %) of the lowest of them on both sides, then any other price that firm could have
quoted (its honest price, say) gives a fixing within 2 % of this one: a settlement fixing's stated bound
holds by construction. Otherwise the fixing is indicative (gate `influence`).

This runs on floats (numpy), vectorised over the scenarios; it decides a status, never a value. A
distance within two rounding ticks of the bound counts as exceeding it.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from pipeline.domain.fixing import ProviderValue
from pipeline.methodology.params import CentralBandParams

GRID_PER_DECADE = 100
NUDGE = 1e-9


def influence(values: list[ProviderValue], p: CentralBandParams) -> dict[str, Any]:
    """How far one firm could move the fixing (the largest relative reach), which firm, and whether the bound holds.

    A pure function of the firms, their values and tiers: remembered, because day after day the same firms
    quote the same prices (rate cards), and a backfill or `verify` would otherwise rerun the same test."""
    key = (repr(p), tuple((v.provider, v.value, v.tier) for v in values))
    if key not in _REMEMBERED:
        if len(_REMEMBERED) >= _REMEMBER_AT_MOST:
            _REMEMBERED.pop(next(iter(_REMEMBERED)))
        _REMEMBERED[key] = _influence(values, p)
    return copy.deepcopy(_REMEMBERED[key])


_REMEMBERED: dict[tuple[str, tuple[tuple[str, Any, str], ...]], dict[str, Any]] = {}
_REMEMBER_AT_MOST = 4096


def _influence(values: list[ProviderValue], p: CentralBandParams) -> dict[str, Any]:
    prices = np.array([float(v.value) for v in values])
    tiers = np.array([float(p.tier_weights[v.tier]) for v in values])
    actual = estimate_rows(prices[None, :], tiers, p)[0]
    tick = 0.5 * 10.0 ** (-p.decimals)
    bound = float(p.influence_bound)
    worst: dict[str, Any] = {"provider": None, "relative_reach": 0.0, "low": None, "high": None}
    holds = True
    for i, v in enumerate(values):
        ys = _candidates(prices, i, p)
        rows = np.repeat(prices[None, :], len(ys), axis=0)
        rows[:, i] = ys
        fixings = estimate_rows(rows, tiers, p)
        seen = fixings[~np.isnan(fixings)]
        if not math.isnan(actual):
            seen = np.append(seen, actual)
        if seen.size == 0:
            continue
        low, high = float(seen.min()), float(seen.max())
        here = low if math.isnan(actual) else actual
        reach = max(high - here, here - low)
        relative = reach / low if low > 0 else math.inf
        if reach + 2 * tick > bound * low:
            holds = False
        if relative > worst["relative_reach"]:
            worst = {"provider": v.provider, "relative_reach": relative, "low": low, "high": high}
    return {
        "holds": holds,
        "bound": str(p.influence_bound),
        "range_tested": [str(p.influence_low), str(p.influence_high)],
        "worst_provider": worst["provider"],
        "worst_relative_reach": round(float(worst["relative_reach"]), 6),
        "worst_fixing_range": None if worst["low"] is None else [round(worst["low"], 6), round(worst["high"], 6)],
    }


def _candidates(prices: np.ndarray, i: int, p: CentralBandParams) -> np.ndarray:
    own = prices[i]
    decades = math.log10(float(p.influence_high) / float(p.influence_low))
    grid = np.geomspace(own * float(p.influence_low), own * float(p.influence_high), int(decades * GRID_PER_DECADE) + 1)
    others = np.delete(prices, i)
    logs = np.log(others)
    centre = float(np.median(logs))
    mad = float(np.median(np.abs(logs - centre)))
    limit = max(float(p.mad_k * p.mad_scale) * mad, math.log(float(p.ratio_band)))
    edges = np.exp(np.array([centre - limit, centre + limit]))
    near = np.concatenate([others, edges])
    return np.concatenate([grid, near, near * (1 - NUDGE), near * (1 + NUDGE), [own]])


def estimate_rows(rows: np.ndarray, tiers: np.ndarray, p: CentralBandParams) -> np.ndarray:
    """The central-band estimator on many scenarios at once (rows of firm prices): the fixing, or NaN when
    a withholding gate fails. Mirrors `central_band.estimate` in floats."""
    m, n = rows.shape
    logs = np.log(rows)
    screened = np.zeros((m, n), dtype=bool)
    floor = math.log(float(p.ratio_band))
    scale = float(p.mad_k * p.mad_scale)
    if n >= p.min_providers:
        centre = _loo_medians(logs)  # (m, n): the median of the others, per firm
        deviations = np.abs(logs[:, None, :] - centre[:, :, None])  # (m, n, n): others' distance from it
        deviations[:, np.arange(n), np.arange(n)] = np.inf  # the firm itself is not among the others
        mad = _median_of_first(deviations, n - 1)
        limit = np.maximum(scale * mad, floor)
        screened = np.abs(logs - centre) > limit
    kept = ~screened
    n_kept = kept.sum(axis=1)
    withheld = (screened.sum(axis=1) > float(p.max_screened_share) * n) | (n_kept < p.min_providers)
    masked = np.where(kept, rows, np.nan)
    with np.errstate(all="ignore"):
        med = np.nanmedian(masked, axis=1)
        mad = np.nanmedian(np.abs(masked - med[:, None]), axis=1)
        cv = float(p.mad_scale) * mad / med
    withheld |= cv > float(p.max_robust_cv)
    weights = _weights(kept, tiers, float(p.cap))
    order = np.argsort(np.where(kept, rows, np.inf), axis=1, kind="stable")
    values = np.take_along_axis(rows, order, axis=1)
    w = np.take_along_axis(weights, order, axis=1)
    end = np.cumsum(w, axis=1)
    start = end - w
    overlap = np.clip(np.minimum(end, float(p.trim_high)) - np.maximum(start, float(p.trim_low)), 0, None)
    with np.errstate(all="ignore"):
        fixing: np.ndarray = (overlap * np.where(np.isfinite(values), values, 0)).sum(axis=1) / overlap.sum(axis=1)
    fixing[withheld] = np.nan
    return fixing


def _loo_medians(logs: np.ndarray) -> np.ndarray:
    """For each row and each column j, the median of the row without column j (from one sort per row)."""
    n = logs.shape[1]
    order = np.argsort(logs, axis=1, kind="stable")
    ranks = np.argsort(order, axis=1, kind="stable")  # position of each column in its sorted row
    ordered = np.take_along_axis(logs, order, axis=1)
    lo, hi = (n - 2) // 2, (n - 1) // 2  # middle positions among the n - 1 others
    # Removing the element at sorted position k shifts positions >= k up by one.
    idx_lo = np.where(lo < ranks, lo, lo + 1)
    idx_hi = np.where(hi < ranks, hi, hi + 1)
    median: np.ndarray = (np.take_along_axis(ordered, idx_lo, axis=1) + np.take_along_axis(ordered, idx_hi, axis=1)) / 2
    return median


def _median_of_first(values: np.ndarray, count: int) -> np.ndarray:
    """Median along the last axis of the `count` smallest values (the others are +inf placeholders)."""
    lo, hi = (count - 1) // 2, count // 2
    part = np.partition(values, (lo, hi), axis=-1)
    median: np.ndarray = (part[..., lo] + part[..., hi]) / 2
    return median


def _weights(kept: np.ndarray, tiers: np.ndarray, cap: float) -> np.ndarray:
    """Capped tier weights per scenario (iterative cap), equal weights where the cap is infeasible."""
    n_kept = kept.sum(axis=1, keepdims=True)
    raw = np.where(kept, tiers[None, :], 0.0)
    with np.errstate(all="ignore"):
        weights = raw / raw.sum(axis=1, keepdims=True)
        capped = np.zeros_like(kept)
        for _ in range(kept.shape[1] + 1):
            over = (weights > cap + 1e-12) & ~capped & kept
            if not over.any():
                break
            capped |= over
            free = np.where(capped, 0.0, raw)
            remaining = 1 - cap * capped.sum(axis=1, keepdims=True)
            weights = np.where(capped, cap, remaining * free / free.sum(axis=1, keepdims=True))
        equal = np.where(kept, 1.0 / n_kept, 0.0)
    infeasible = (n_kept * cap < 1).ravel()
    weights[infeasible] = equal[infeasible]
    result: np.ndarray = np.nan_to_num(np.where(kept, weights, 0.0))
    return result
