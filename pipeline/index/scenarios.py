"""Which prices the influence test tries for a firm (`influence`): a dense grid from `influence_low` to
`influence_high` times its price, every other firm's price (just below, at and just above it: where the order
changes) and the edges of its own screen band (where it is dropped); of the grid points beyond the market, only the
nearest on each side, since every price further out gives the very same fixing (`settled`). Pure."""

from __future__ import annotations

import math

import numpy as np

from pipeline.methodology.params import CentralBandParams

GRID_PER_DECADE = 100
NUDGE = 1e-9


def candidates(prices: np.ndarray, i: int, p: CentralBandParams) -> np.ndarray:
    """The prices tried for firm `i` (of `candidates_of`)."""
    return candidates_of(prices, p)[i]


def candidates_of(prices: np.ndarray, p: CentralBandParams) -> list[np.ndarray]:
    """The prices tried for each firm of a market, computed for all its firms at once (row i: firm i's, as if it
    were computed alone: the same numbers, element by element)."""
    n = len(prices)
    decades = math.log10(float(p.influence_high) / float(p.influence_low))
    grid = np.geomspace(
        prices * float(p.influence_low), prices * float(p.influence_high), int(decades * GRID_PER_DECADE) + 1, axis=1
    )
    others = each_without_one(prices)  # row i: all but firm i
    logs = np.log(others)
    ordered = np.sort(logs, axis=1)
    centre = middles(ordered)
    mad = middles(np.sort(np.abs(logs - centre[:, None]), axis=1))
    limit = np.maximum(float(p.mad_k * p.mad_scale) * mad, math.log(float(p.ratio_band)))
    edges = np.exp(np.stack([centre - limit, centre + limit], axis=1))
    near = np.concatenate([others, edges], axis=1)
    tried = np.concatenate([grid, near, near * (1 - NUDGE), near * (1 + NUDGE), prices[:, None]], axis=1)
    if n < 4 or n < p.min_providers:  # with two others, a far price is itself one of the two
        return list(tried)  # a firm's screen centres on; with no screen, a far price is never dropped
    spans = (logs.max(axis=1) - logs.min(axis=1)).tolist()
    settled_low, settled_high = _settled(ordered, centre, limit)
    nearest, farthest = near.min(axis=1).tolist(), near.max(axis=1).tolist()
    high = [
        min(f * math.exp(s), math.exp(h)) * (1 + 1e-6) for f, s, h in zip(farthest, spans, settled_high, strict=True)
    ]
    low = [
        max(n * math.exp(-s), math.exp(lo)) * (1 - 1e-6) for n, s, lo in zip(nearest, spans, settled_low, strict=True)
    ]
    return beyond_once(tried, np.array(low), np.array(high))


def each_without_one(values: np.ndarray) -> np.ndarray:
    """For the last axis of `values` (length n), its values without each one in turn, in order: shape (..., n, n - 1),
    where [..., j, :] lacks value j."""
    n = values.shape[-1]
    every = np.broadcast_to(values[..., None, :], (*values.shape[:-1], n, n))
    without: np.ndarray = every[..., ~np.eye(n, dtype=bool)].reshape(*values.shape[:-1], n, n - 1)
    return without


def middle(ordered: np.ndarray) -> float:
    """The median of sorted numbers, as `np.median` computes it (the mean of the two middle ones), without its
    overhead on a few numbers."""
    return float(middles(ordered[None, :])[0])


def middles(ordered: np.ndarray) -> np.ndarray:
    """`middle` of each row."""
    n = ordered.shape[1]
    found: np.ndarray = (ordered[:, (n - 1) // 2] + ordered[:, n // 2]) / 2
    return found


def settled(others: np.ndarray, centre: float, limit: float) -> tuple[float, float]:
    """The log prices beyond which the tested firm's price, moved further out, changes nothing (`others`: the other
    firms' log prices, sorted; `centre`, `limit`: the tested firm's screen). Beyond both its screen edges and every
    other price, the firm is screened out, and it is each other firm's highest (lowest) price: that firm's centre, the
    median of its others, is then two fixed middle values whatever the price; and once the price is at least as far
    from that centre as the middle of the others' distances from it, the firm's MAD is fixed too. Every firm's screen
    is then what it is at any price further out, and the tested firm is in none of the rest of the computation."""
    low, high = _settled(others[None, :], np.array([centre]), np.array([limit]))
    return low[0], high[0]


def _settled(others: np.ndarray, centre: np.ndarray, limit: np.ndarray) -> tuple[list[float], list[float]]:
    """`settled` of each tested firm (row t of `others`: the other firms' sorted log prices when firm t is tested)."""
    n = others.shape[1]  # each other firm's others: n - 1 of these and the tested firm's price
    lo, hi = (n - 1) // 2, n // 2  # the middle positions of n values
    rest = each_without_one(others)  # rest[t, j]: firm t's others without firm j, sorted
    above = (rest[:, :, lo] + rest[:, :, hi]) / 2  # each firm's centre with the price above every other
    below = (rest[:, :, lo - 1] + rest[:, :, hi - 1]) / 2  # ... and below every other (first position)
    high = np.max([others[:, -1], centre + limit, (above + _middle_distance(rest, above, hi)).max(axis=1)], axis=0)
    low = np.min([others[:, 0], centre - limit, (below - _middle_distance(rest, below, hi)).min(axis=1)], axis=0)
    return low.tolist(), high.tolist()


def _middle_distance(rest: np.ndarray, centres: np.ndarray, hi: int) -> np.ndarray:
    """Per firm, the distance from its centre that the tested price's own, on top of the others', leaves its MAD at."""
    distances: np.ndarray = np.sort(np.abs(rest - centres[..., None]), axis=-1)[..., hi]
    return distances


def beyond_once(candidates: np.ndarray, low: np.ndarray, high: np.ndarray) -> list[np.ndarray]:
    """Each row of candidates, keeping of those beyond its `low` and `high` only the nearest on each side: every price
    beyond either gives the very same fixing (`settled`; or, more than the others' whole log span beyond both them and
    the screen edges, the price is the farthest from every centre), so one of them stands for all (min and max
    unchanged)."""
    low, high = low[:, None], high[:, None]
    inside = (candidates >= low) & (candidates <= high)
    above = np.where(candidates > high, candidates, np.inf).min(axis=1)
    below = np.where(candidates < low, candidates, -np.inf).max(axis=1)
    return [
        np.concatenate([row[keep], [a] if a < np.inf else [], [b] if b > -np.inf else []])
        for row, keep, a, b in zip(candidates, inside, above.tolist(), below.tolist(), strict=True)
    ]
