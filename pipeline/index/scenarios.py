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
    own = prices[i]
    decades = math.log10(float(p.influence_high) / float(p.influence_low))
    grid = np.geomspace(own * float(p.influence_low), own * float(p.influence_high), int(decades * GRID_PER_DECADE) + 1)
    others = np.delete(prices, i)
    logs = np.log(others)
    ordered = np.sort(logs)
    centre = middle(ordered)
    mad = middle(np.sort(np.abs(logs - centre)))
    limit = max(float(p.mad_k * p.mad_scale) * mad, math.log(float(p.ratio_band)))
    edges = np.exp(np.array([centre - limit, centre + limit]))
    near = np.concatenate([others, edges])
    candidates = np.concatenate([grid, near, near * (1 - NUDGE), near * (1 + NUDGE), [own]])
    if len(prices) < 4 or len(prices) < p.min_providers:  # with two others, a far price is itself one of the two
        return candidates  # a firm's screen centres on; with no screen, a far price is never dropped
    span = float(logs.max() - logs.min())
    settled_low, settled_high = settled(ordered, centre, limit)
    high = min(float(near.max()) * math.exp(span), math.exp(settled_high)) * (1 + 1e-6)
    low = max(float(near.min()) * math.exp(-span), math.exp(settled_low)) * (1 - 1e-6)
    return beyond_once(candidates, low, high)


def middle(ordered: np.ndarray) -> float:
    """The median of sorted numbers, as `np.median` computes it (the mean of the two middle ones), without its
    overhead on a few numbers."""
    n = len(ordered)
    return float((ordered[(n - 1) // 2] + ordered[n // 2]) / 2)


def settled(others: np.ndarray, centre: float, limit: float) -> tuple[float, float]:
    """The log prices beyond which the tested firm's price, moved further out, changes nothing (`others`: the other
    firms' log prices, sorted; `centre`, `limit`: the tested firm's screen). Beyond both its screen edges and every
    other price, the firm is screened out, and it is each other firm's highest (lowest) price: that firm's centre, the
    median of its others, is then two fixed middle values whatever the price; and once the price is at least as far
    from that centre as the middle of the others' distances from it, the firm's MAD is fixed too. Every firm's screen
    is then what it is at any price further out, and the tested firm is in none of the rest of the computation."""
    n = len(others)  # each other firm's others: n - 1 of these and the tested firm's price
    lo, hi = (n - 1) // 2, n // 2  # the middle positions of n values
    rest = np.broadcast_to(others, (n, n))[~np.eye(n, dtype=bool)].reshape(n, n - 1)  # row j: all but firm j, sorted
    above = (rest[:, lo] + rest[:, hi]) / 2  # each firm's centre with the price above every other (last position)
    below = (rest[:, lo - 1] + rest[:, hi - 1]) / 2  # ... and below every other (first position)
    high = max(float(others[-1]), centre + limit, float((above + _middle_distance(rest, above, hi)).max()))
    low = min(float(others[0]), centre - limit, float((below - _middle_distance(rest, below, hi)).min()))
    return low, high


def _middle_distance(rest: np.ndarray, centres: np.ndarray, hi: int) -> np.ndarray:
    """Per firm, the distance from its centre that the tested price's own, on top of the others', leaves its MAD at."""
    distances: np.ndarray = np.sort(np.abs(rest - centres[:, None]), axis=1)[:, hi]
    return distances


def beyond_once(candidates: np.ndarray, low: float, high: float) -> np.ndarray:
    """The candidates, keeping of those beyond `low` and `high` only the nearest on each side: every price beyond
    either gives the very same fixing (`settled`; or, more than the others' whole log span beyond both them and the
    screen edges, the price is the farthest from every centre), so one of them stands for all (min and max
    unchanged)."""
    inside = (candidates >= low) & (candidates <= high)
    above, below = candidates[candidates > high], candidates[candidates < low]
    ends = [above[[above.argmin()]]] if above.size else []
    ends += [below[[below.argmax()]]] if below.size else []
    kept: np.ndarray = np.concatenate([candidates[inside], *ends])
    return kept
