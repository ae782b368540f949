"""The estimator: worked examples and properties (hypothesis)."""

from __future__ import annotations

import random
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.domain.fixing import ProviderValue
from pipeline.index.estimator import cap_weights, estimate, trimmed_mean
from pipeline.methodology import load
from pipeline.methodology.params import EstimatorParams

P = load("1").estimator  # the v1 estimator, frozen: these tests pin its behaviour
HALF_TICK = Decimal("0.00005")


def pv(values: list[Decimal], tier: str = "rate_card") -> list[ProviderValue]:
    return [ProviderValue(provider=f"p{i}", value=v, tier=tier, sources=(f"s{i}",)) for i, v in enumerate(values)]


def test_worked_example_screen_cap_and_trim() -> None:
    # Five providers, one 100x above the rest: screened out; the four left get 25% each and the
    # central 50% of weight is the middle two, so the fixing is their mean.
    est = estimate(pv([Decimal(x) for x in ("2.0", "2.5", "3.0", "2.2", "300")]), P)
    assert est.status == "published"
    assert est.value == Decimal("2.3500")
    screened = [c for c in est.constituents if c.screened_out]
    assert [c.value for c in screened] == [Decimal("300")]
    assert "beyond" in (screened[0].screen_reason or "")


def test_fewer_than_three_providers_is_withheld_with_the_gate_named() -> None:
    est = estimate(pv([Decimal("2"), Decimal("3")]), P)
    assert est.status == "withheld" and est.value is None
    assert est.gates["failed"] == ["min_providers"]


def test_dispersion_above_the_ceiling_is_withheld() -> None:
    est = estimate(pv([Decimal(x) for x in ("1", "1.1", "2.9", "3.0", "5.5", "8", "9")]), P)
    assert est.status == "withheld"
    assert "dispersion" in est.gates["failed"]


def test_cap_redistributes_excess_iteratively() -> None:
    weights = cap_weights({"a": Decimal(10), "b": Decimal(1), "c": Decimal(1), "d": Decimal(1)}, Decimal("0.35"))
    assert weights is not None
    assert weights["a"] == Decimal("0.35")
    assert sum(weights.values()) == 1
    assert all(w <= Decimal("0.35") for w in weights.values())
    assert cap_weights({"a": Decimal(1), "b": Decimal(1)}, Decimal("0.35")) is None


def test_trimmed_mean_takes_partial_weight_at_the_band_edges() -> None:
    value, inside = trimmed_mean(
        [(Decimal(1), "a", Decimal("0.3")), (Decimal(2), "b", Decimal("0.4")), (Decimal(3), "c", Decimal("0.3"))],
        Decimal("0.25"),
        Decimal("0.75"),
    )
    assert inside == {"a": Decimal("0.05"), "b": Decimal("0.4"), "c": Decimal("0.05")}
    assert value == Decimal(2)


prices = st.decimals(min_value=Decimal("0.05"), max_value=Decimal("50"), places=4)


@settings(max_examples=200, deadline=None)
@given(st.lists(prices, min_size=0, max_size=12), st.randoms(use_true_random=False))
def test_deterministic_and_order_invariant(values: list[Decimal], rnd: random.Random) -> None:
    providers = pv(values)
    shuffled = providers[:]
    rnd.shuffle(shuffled)
    a, b = estimate(providers, P), estimate(shuffled, P)
    assert (a.status, a.value, a.gates, a.flags) == (b.status, b.value, b.gates, b.flags)
    assert estimate(providers, P) == a


@settings(max_examples=200, deadline=None)
@given(st.lists(prices, min_size=3, max_size=12), st.sampled_from([Decimal("0.5"), Decimal(2), Decimal(10)]))
def test_scaling_every_price_scales_the_fixing(values: list[Decimal], k: Decimal) -> None:
    a = estimate(pv(values), P)
    b = estimate(pv([v * k for v in values]), P)
    assert a.status == b.status
    if a.unrounded is not None and b.unrounded is not None:
        assert abs(b.unrounded - a.unrounded * k) <= Decimal("1e-25") * b.unrounded


@settings(max_examples=300, deadline=None)
@given(
    st.lists(prices, min_size=4, max_size=11),
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1000"), places=3),
)
def test_one_provider_at_any_price_cannot_leave_the_range_of_the_others(others: list[Decimal], factor: Decimal) -> None:
    """The documented bound (docs/methodology.md): with >= 5 equal-tier providers, wherever one of them
    quotes (0.001x to 1000x the others' median), a published fixing stays within [min, max] of the
    other providers' values, so one provider moves it by at most the others' range."""
    ordered = sorted(others)
    median = ordered[len(ordered) // 2]
    est = estimate(pv([*others, median * factor]), P)
    if est.status == "published":
        assert est.value is not None
        assert min(others) - HALF_TICK <= est.value <= max(others) + HALF_TICK


@settings(max_examples=100, deadline=None)
@given(st.lists(prices, min_size=0, max_size=2))
def test_fewer_than_three_is_always_withheld(values: list[Decimal]) -> None:
    est = estimate(pv(values), P)
    assert est.status == "withheld" and est.value is None


def test_params_come_from_the_methodology_file() -> None:
    assert EstimatorParams.from_dict(load("1").raw) == P
    assert P.cap == Decimal("0.35") and P.min_providers == 3 and P.trim_low == Decimal("0.25")
