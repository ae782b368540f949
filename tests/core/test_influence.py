"""The influence test (methodology v3's settlement gate) is computed the fast way: leave-one-out centres and MADs
from three candidate middles, every firm's scenarios in one batch, and of the prices far beyond the market only
the nearest one. Its verdict and every number it reports must be those of the plain way: each firm's n - 1
distances measured one by one, numpy's own nanmedian, every grid point estimated."""

from __future__ import annotations

import math
import warnings
from decimal import Decimal
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.domain.fixing import ProviderValue
from pipeline.index import influence, scenarios
from pipeline.methodology import load
from pipeline.methodology.params import CentralBandParams


def _central_band() -> CentralBandParams:
    p = load("3").estimator
    assert isinstance(p, CentralBandParams)
    return p


P = _central_band()
TIERS = ("executable", "rate_card", "statistic")


def plain_estimate_rows(rows: np.ndarray, tiers: np.ndarray, p: CentralBandParams) -> np.ndarray:
    """`influence.estimate_rows` as first written: the (m x n x n) distances, np.nanmedian."""
    m, n = rows.shape
    logs = np.log(rows)
    screened = np.zeros((m, n), dtype=bool)
    if n >= p.min_providers:
        centre = np.empty((m, n))
        for j in range(n):
            centre[:, j] = np.median(np.delete(logs, j, axis=1), axis=1)
        deviations = np.abs(logs[:, None, :] - centre[:, :, None])
        deviations[:, np.arange(n), np.arange(n)] = np.nan
        mad = np.nanmedian(deviations, axis=2)
        limit = np.maximum(float(p.mad_k * p.mad_scale) * mad, math.log(float(p.ratio_band)))
        screened = np.abs(logs - centre) > limit
    kept = ~screened
    n_kept = kept.sum(axis=1)
    withheld = (screened.sum(axis=1) > float(p.max_screened_share) * n) | (n_kept < p.min_providers)
    masked = np.where(kept, rows, np.nan)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a scenario that screens out every firm: NaN, as meant
        med = np.nanmedian(masked, axis=1)
        cv = float(p.mad_scale) * np.nanmedian(np.abs(masked - med[:, None]), axis=1) / med
    withheld |= cv > float(p.max_robust_cv)
    weights = influence._weights(kept, tiers, float(p.cap))
    order = np.argsort(np.where(kept, rows, np.inf), axis=1, kind="stable")
    values = np.take_along_axis(rows, order, axis=1)
    w = np.take_along_axis(weights, order, axis=1)
    end = np.cumsum(w, axis=1)
    overlap = np.clip(np.minimum(end, float(p.trim_high)) - np.maximum(end - w, float(p.trim_low)), 0, None)
    with np.errstate(all="ignore"):
        fixing: np.ndarray = (overlap * np.where(np.isfinite(values), values, 0)).sum(axis=1) / overlap.sum(axis=1)
    fixing[withheld] = np.nan
    return fixing


def plain_reach(values: list[ProviderValue], p: CentralBandParams) -> list[tuple[float, float]]:
    """Per firm, the lowest and highest fixing over every candidate price (the whole grid), the plain way."""
    prices = np.array([float(v.value) for v in values])
    tiers = np.array([float(p.tier_weights[v.tier]) for v in values])
    out = []
    for i in range(len(values)):
        ys = plain_tried(prices, i, p)[0]
        rows = np.repeat(prices[None, :], len(ys), axis=0)
        rows[:, i] = ys
        seen = plain_estimate_rows(rows, tiers, p)
        seen = seen[~np.isnan(seen)]
        out.append((float(seen.min()), float(seen.max())) if seen.size else (math.nan, math.nan))
    return out


def plain_tried(
    prices: np.ndarray, i: int, p: CentralBandParams
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
    """Every price tried for firm i (the whole grid, the others' prices and the firm's screen edges, each also nudged
    either way), with numpy's own median and geomspace; and those prices and edges, the others' log prices, the
    firm's centre and limit."""
    own, others = prices[i], np.delete(prices, i)
    logs = np.log(others)
    centre = float(np.median(logs))
    limit = max(float(p.mad_k * p.mad_scale) * float(np.median(np.abs(logs - centre))), math.log(float(p.ratio_band)))
    near = np.concatenate([others, np.exp(np.array([centre - limit, centre + limit]))])
    decades = math.log10(float(p.influence_high) / float(p.influence_low))
    grid = np.geomspace(own * float(p.influence_low), own * float(p.influence_high), int(decades * 100) + 1)
    return np.concatenate([grid, near, near * (1 - 1e-9), near * (1 + 1e-9), [own]]), near, logs, centre, limit


markets = st.builds(
    lambda n, centre, spread, seed, ties, tiers: _market(n, centre, spread, seed, ties, tiers),
    st.integers(min_value=3, max_value=24),
    st.floats(min_value=0.05, max_value=40),
    st.sampled_from([0.0, 0.02, 0.1, 0.4, 1.5]),
    st.integers(min_value=0, max_value=10_000),
    st.booleans(),
    st.lists(st.sampled_from(TIERS), min_size=24, max_size=24),
)


def _market(n: int, centre: float, spread: float, seed: int, ties: bool, tiers: list[str]) -> list[ProviderValue]:
    rng = np.random.default_rng(seed)
    levels = centre * np.exp(rng.normal(0, spread, 3 if ties else n))  # ties: a few rate-card levels, repeated
    prices = [Decimal(str(round(float(levels[k % len(levels)]), 4))) for k in rng.permutation(n)]
    return [
        ProviderValue(f"f{i}", max(v, Decimal("0.0001")), tier=tiers[i], sources=(f"s{i}",))
        for i, v in enumerate(prices)
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markets)
def test_the_fast_influence_test_reports_the_very_numbers_of_the_plain_one(values: list[ProviderValue]) -> None:
    fast: dict[str, Any] = influence._influences([values], P)[0]
    prices = np.array([[float(v.value) for v in values]])
    actual = float(plain_estimate_rows(prices, np.array([float(P.tier_weights[v.tier]) for v in values]), P)[0])
    tick, holds = 0.5 * 10.0 ** (-P.decimals), True
    worst: tuple[str | None, float, list[float] | None] = (None, 0.0, None)
    for v, (low, high) in zip(values, plain_reach(values, P), strict=True):
        if math.isnan(low):
            if math.isnan(actual):
                continue
            low = high = actual
        low, high = (min(low, actual), max(high, actual)) if not math.isnan(actual) else (low, high)
        here = low if math.isnan(actual) else actual
        reach = max(high - here, here - low)
        holds = holds and not reach + 2 * tick > float(P.influence_bound) * low
        relative = reach / low if low > 0 else math.inf
        if relative > worst[1]:
            worst = (v.provider, relative, [round(low, 6), round(high, 6)])
    assert fast["holds"] == holds
    assert (fast["worst_provider"], fast["worst_relative_reach"], fast["worst_fixing_range"]) == (
        worst[0],
        round(worst[1], 6),
        worst[2],
    )


def test_of_the_far_prices_only_the_nearest_on_each_side_is_estimated() -> None:
    values = [ProviderValue(f"f{i}", Decimal(x)) for i, x in enumerate(["2.10", "2.20", "2.25", "2.30", "2.40"])]
    prices = np.array([float(v.value) for v in values])
    candidates = np.sort(scenarios.candidates(prices, 0, P))
    assert len(candidates) < 0.5 * (int(6 * scenarios.GRID_PER_DECADE) + 1)  # most of 0.001x..1000x is far
    logs = np.log(prices[1:])
    centre = float(np.median(logs))
    limit = max(float(P.mad_k * P.mad_scale) * float(np.median(np.abs(logs - centre))), math.log(float(P.ratio_band)))
    low_edge, high_edge = math.exp(centre - limit), math.exp(centre + limit)
    assert candidates[0] < low_edge and candidates[-1] > high_edge  # a screened-out price on each side is tried


def test_a_price_far_enough_to_settle_every_screen_stands_for_all_beyond_it() -> None:
    """Twenty firms over a decade: beyond the tested firm's screen edges and every other price, once the price is
    as far from each other firm's centre as the middle of that firm's distances, nothing moves any more; of the grid
    points past that, only the nearest on each side is run, well inside the others' whole span beyond them (the
    bound before). The numbers are those of running every point:
    `test_the_fast_influence_test_reports_the_very_numbers_of_the_plain_one`."""
    prices = np.geomspace(1.0, 10.0, 20)
    others = np.sort(np.log(np.delete(prices, 10)))
    centre = scenarios.middle(others)
    mad = scenarios.middle(np.sort(np.abs(others - centre)))
    limit = max(float(P.mad_k * P.mad_scale) * mad, math.log(float(P.ratio_band)))
    low, high = np.exp(scenarios.settled(others, centre, limit))
    assert high < 10.0 * 10.0 and low > 1.0 / 10.0  # inside the span rule's bounds
    candidates = scenarios.candidates(prices, 10, P)
    assert (candidates > high * (1 + 1e-6)).sum() == 1 and (candidates < low * (1 - 1e-6)).sum() == 1
    assert candidates.min() < low <= math.exp(centre - limit) and candidates.max() > high >= math.exp(centre + limit)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(markets, min_size=2, max_size=6), st.sampled_from([20_000, influence.BATCH_CELLS]))
def test_markets_tested_together_get_the_very_answers_each_gets_alone(
    group: list[list[ProviderValue]], batch_cells: int
) -> None:
    """A backfill tests many markets in one batch (markets of one size share `estimate_rows` calls, split where a
    batch would grow too large): each answer must be the one its market gets tested on its own."""
    alone = [influence._influences([values], P)[0] for values in group]
    assert influence._influences(group, P, batch_cells) == alone


def plain_candidates(prices: np.ndarray, i: int, p: CentralBandParams) -> np.ndarray:
    """One firm's tried prices computed for it alone: of those beyond the settled bounds, the nearest on each side."""
    tried, near, logs, centre, limit = plain_tried(prices, i, p)
    if len(prices) < max(4, p.min_providers):
        return tried
    span = float(logs.max() - logs.min())
    settled_low, settled_high = scenarios.settled(np.sort(logs), centre, limit)
    high = min(float(near.max()) * math.exp(span), math.exp(settled_high)) * (1 + 1e-6)
    low = max(float(near.min()) * math.exp(-span), math.exp(settled_low)) * (1 - 1e-6)
    above, below = tried[tried > high], tried[tried < low]
    ends = ([above.min()] if above.size else []) + ([below.max()] if below.size else [])
    return np.concatenate([tried[(tried >= low) & (tried <= high)], ends])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markets)
def test_a_markets_candidates_made_together_are_each_firms_made_alone(values: list[ProviderValue]) -> None:
    """`candidates_of` builds every firm's tried prices in one vectorised pass: each must be, number for number and in
    order, what the firm's own computation gives (the influence numbers are then those of testing firm by firm)."""
    prices = np.array([float(v.value) for v in values])
    together = scenarios.candidates_of(prices, P)
    for i, tried in enumerate(together):
        assert np.array_equal(tried, plain_candidates(prices, i, P)), f"firm {i} of {prices}"
