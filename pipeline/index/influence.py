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
distance within two rounding ticks of the bound counts as exceeding it. Grid points beyond the market all give the
same fixing once the firm is screened out and too far from every other firm's centre to move its MAD, so only the
nearest of them on each side is run (`scenarios`); the numbers are those of running every point.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from pipeline.domain.fixing import ProviderValue
from pipeline.index.remember import Remembered
from pipeline.index.scenarios import candidates_of
from pipeline.methodology.params import CentralBandParams


def influence(values: list[ProviderValue], p: CentralBandParams) -> dict[str, Any]:
    """How far one firm could move the fixing (the largest relative reach), which firm, and whether the bound holds."""
    return influences([values], p)[0]


def influences(markets: list[list[ProviderValue]], p: CentralBandParams) -> list[dict[str, Any]]:
    """`influence` of many markets (sets of firm values). A pure function of the firms, their values and tiers:
    remembered, because day after day the same firms quote the same prices (rate cards), and a backfill or `verify`
    would otherwise rerun the same test. The markets not remembered have their scenarios estimated together, since
    for one small market the fixed cost of an `estimate_rows` call is most of the work."""
    keys = [tuple((v.provider, v.value, v.tier) for v in values) for values in markets]
    answers = {key: answer for key in keys if (answer := _REMEMBERED.known(p, key)) is not None}
    missing = {key: values for key, values in zip(keys, markets, strict=True) if key not in answers}
    for key, answer in zip(missing, _influences(list(missing.values()), p), strict=True):
        answers[key] = _REMEMBERED.remember(p, key, answer)
    return [copy.deepcopy(answers[key]) for key in keys]


_REMEMBERED: Remembered[dict[str, Any]] = Remembered(at_most=4096)

# Scenarios estimated per `estimate_rows` call: blocks of scenarios go in one call while (rows x firms^2) stays
# below this.
BATCH_CELLS = 4_000_000


def _influences(
    markets: list[list[ProviderValue]], p: CentralBandParams, batch_cells: int = BATCH_CELLS
) -> list[dict[str, Any]]:
    """The influence test of each market. A block of rows is one market's actual prices (firm None) or one firm's
    scenarios (its price replaced by each candidate); blocks of markets of the same size are estimated together.
    Every row is estimated on its own, so batching changes no result, only the overhead."""
    prices = [np.array([float(v.value) for v in values]) for values in markets]
    tiers = [np.array([float(p.tier_weights[v.tier]) for v in values]) for values in markets]
    by_size: dict[int, list[tuple[int, int | None, np.ndarray]]] = {}
    for s, row in enumerate(prices):
        blocks = by_size.setdefault(len(row), [])
        blocks.append((s, None, row[:1]))
        blocks += [(s, i, tried) for i, tried in enumerate(candidates_of(row, p))]
    fixings: dict[tuple[int, int | None], np.ndarray] = {}
    for n, blocks in by_size.items():
        for batch in _batches(blocks, n * n, batch_cells):
            rows = np.concatenate([np.repeat(prices[s][None, :], len(c), axis=0) for s, _, c in batch])
            weights = np.concatenate([np.repeat(tiers[s][None, :], len(c), axis=0) for s, _, c in batch])
            at = 0
            for _, i, tried in batch:
                if i is not None:
                    rows[at : at + len(tried), i] = tried
                at += len(tried)
            parts = np.split(estimate_rows(rows, weights, p), np.cumsum([len(c) for _, _, c in batch])[:-1])
            fixings.update({(s, i): part for (s, i, _), part in zip(batch, parts, strict=True)})
    return [
        _verdict(values, fixings[s, None][0], [fixings[s, i] for i in range(len(values))], p)
        for s, values in enumerate(markets)
    ]


def _batches(blocks: list[tuple[int, int | None, np.ndarray]], cells_per_row: int, limit: int) -> Iterator[list[Any]]:
    """The blocks in order, grouped while (rows x cells_per_row) stays within `limit` (at least one block each)."""
    batch: list[Any] = []
    cells = 0
    for block in blocks:
        size = len(block[2]) * cells_per_row
        if batch and cells + size > limit:
            yield batch
            batch, cells = [], 0
        batch.append(block)
        cells += size
    if batch:
        yield batch


def _verdict(
    values: list[ProviderValue], actual: float, per_firm: list[np.ndarray], p: CentralBandParams
) -> dict[str, Any]:
    """From each firm's scenario fixings: the lowest and highest fixing it alone could produce, and whether every
    firm stays within the bound."""
    tick = 0.5 * 10.0 ** (-p.decimals)
    bound = float(p.influence_bound)
    worst: dict[str, Any] = {"provider": None, "relative_reach": 0.0, "low": None, "high": None}
    holds = True
    for v, fixings in zip(values, per_firm, strict=True):
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


def estimate_rows(rows: np.ndarray, tiers: np.ndarray, p: CentralBandParams) -> np.ndarray:
    """The central-band estimator on many scenarios at once (rows of firm prices; `tiers` the firms' tier weights,
    one row for all scenarios or one per scenario): the fixing, or NaN when a withholding gate fails. Mirrors
    `central_band.estimate` in floats."""
    m, n = rows.shape
    logs = np.log(rows)
    screened = np.zeros((m, n), dtype=bool)
    floor = math.log(float(p.ratio_band))
    scale = float(p.mad_k * p.mad_scale)
    if n >= p.min_providers:
        centre, mad = _loo_centres_and_mads(logs)  # (m, n) each: the median of the others and their MAD, per firm
        limit = np.maximum(scale * mad, floor)
        screened = np.abs(logs - centre) > limit
    kept = ~screened
    n_kept = kept.sum(axis=1)
    withheld = (screened.sum(axis=1) > float(p.max_screened_share) * n) | (n_kept < p.min_providers)
    masked = np.where(kept, rows, np.nan)
    with np.errstate(all="ignore"):
        med = _row_nanmedian(masked, n_kept)
        mad = _row_nanmedian(np.abs(masked - med[:, None]), n_kept)
        cv = float(p.mad_scale) * mad / med
    withheld |= cv > float(p.max_robust_cv)
    weights = _weights(kept, tiers, float(p.cap))
    order = np.argsort(np.where(kept, rows, np.inf), axis=1, kind="stable")
    every = np.arange(m)[:, None]
    values = rows[every, order]
    w = weights[every, order]
    end = np.cumsum(w, axis=1)
    start = end - w
    overlap = np.clip(np.minimum(end, float(p.trim_high)) - np.maximum(start, float(p.trim_low)), 0, None)
    with np.errstate(all="ignore"):
        fixing: np.ndarray = (overlap * np.where(np.isfinite(values), values, 0)).sum(axis=1) / overlap.sum(axis=1)
    fixing[withheld] = np.nan
    return fixing


def _row_nanmedian(masked: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """`np.nanmedian(masked, axis=1)` where row r holds counts[r] numbers and NaN elsewhere, without its slow masked
    path on small rows: the same numbers (the middle one, or the mean of the two middle ones), NaN for no number."""
    ordered = np.sort(masked, axis=1)  # NaN last
    every = np.arange(masked.shape[0])
    low = ordered[every, np.maximum(counts - 1, 0) // 2]
    high = ordered[every, counts // 2]
    median: np.ndarray = np.where(counts > 0, (low + high) / 2, np.nan)
    return median


def _loo_medians(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each row and each column j, the median of the row without column j. Removing one element leaves one of
    at most three middles (j above the middle, at it, below it), so: those three per row (m x 3), which one is each
    column's (m x n), and the medians themselves (m x n). From one sort per row.

    Which middle is a column's follows from its value: removing any one of several equal values leaves the same
    numbers, so a value is taken at its first sorted position k, and k <= i exactly when value <= ordered[i]."""
    n = values.shape[1]
    ordered = np.sort(values, axis=1)
    lo, hi = (n - 2) // 2, (n - 1) // 2  # middle positions among the n - 1 others
    # Removing the element at sorted position k shifts positions >= k up by one.
    middles = np.stack(
        [
            (ordered[:, lo] + ordered[:, hi]) / 2,  # j above both middle positions
            (ordered[:, lo] + ordered[:, hi + 1]) / 2,  # j between them
            (ordered[:, lo + 1] + ordered[:, hi + 1]) / 2,  # j at or below the lower one
        ],
        axis=1,
    )
    which: np.ndarray = (values <= ordered[:, hi, None]).astype(np.intp) + (values <= ordered[:, lo, None])
    return middles, which, _pick(middles, which)


def _pick(three: np.ndarray, which: np.ndarray) -> np.ndarray:
    """three[r, which[r, j]] (or three[r, which[r, j], j] when `three` holds a value per column), as one gather (of
    the middles a row's columns can have: three, or two)."""
    m, n = which.shape
    at = np.arange(m)[:, None] * three.shape[1] + which
    if three.ndim == 3:
        at = at * n + np.arange(n)
    picked: np.ndarray = np.take(three, at)
    return picked


def _loo_centres_and_mads(logs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row and column j: the median of the others (`centre`) and the median of the others' distances from it
    (the leave-one-out MAD). A row's centres take at most three values (two for an even n), so the distances are
    taken from each of those (m x 3 x n) and each firm's MAD is the leave-one-out median of its centre's distances:
    the same numbers as measuring every firm's n - 1 distances (m x n x n), in a fraction of the work."""
    m, n = logs.shape
    centres, which, centre = _loo_medians(logs)
    if n % 2 == 0:  # an odd number of others has one middle: a column is above it or at it, never between two
        centres, which = centres[:, ::2], which // 2
    k = centres.shape[1]
    distances = np.abs(logs[:, None, :] - centres[:, :, None])  # (m, k, n)
    _, _, loo = _loo_medians(distances.reshape(m * k, n))
    return centre, _pick(loo.reshape(m, k, n), which)


def _weights(kept: np.ndarray, tiers: np.ndarray, cap: float) -> np.ndarray:
    """Capped tier weights per scenario (iterative cap), equal weights where the cap is infeasible."""
    n_kept = kept.sum(axis=1, keepdims=True)
    raw = np.where(kept, np.broadcast_to(tiers, kept.shape), 0.0)
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
