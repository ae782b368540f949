"""Methodology v3 on a rate-card basket: each maker prices a different good, so no outlier screen judges one
against the others; the value is their equal-weight mean, withheld without every member, never settlement."""

from __future__ import annotations

from decimal import Decimal

from pipeline.domain.fixing import ProviderValue
from pipeline.index import basket, central_band
from pipeline.methodology import load
from pipeline.methodology.params import CentralBandParams

P = load("3").estimator
assert isinstance(P, CentralBandParams)
# 3:1 blends of GPT-5, Claude Sonnet 4.5 and Gemini 2.5 Pro rate cards (USD per million tokens): far apart.
MAKERS = {"openai": Decimal("3.4375"), "anthropic": Decimal("6"), "google": Decimal("3.4375")}


def votes(prices: dict[str, Decimal]) -> list[ProviderValue]:
    return [ProviderValue(provider=k, value=v, sources=(k,)) for k, v in prices.items()]


def test_a_basket_is_the_mean_of_its_makers_and_only_indicative() -> None:
    prices = {**MAKERS, "anthropic": Decimal("60")}  # one member ten times the others: still a member
    est = basket.estimate(votes(prices), 3, P)
    assert est.status == "indicative" and est.gates["indicative"] == ["rate_card_basket"]
    assert est.value == (sum(prices.values()) / 3).quantize(Decimal("0.0001"))
    assert [c.screened_out for c in est.constituents] == [False] * 3
    assert len({c.weight_capped for c in est.constituents}) == 1  # equal weights
    # The single-good estimator would have screened the odd member out and withheld the basket.
    assert central_band.estimate(votes(prices), P).status == "withheld"


def test_a_basket_missing_a_member_is_withheld() -> None:
    est = basket.estimate(votes({"openai": MAKERS["openai"], "google": MAKERS["google"]}), 3, P)
    assert est.status == "withheld" and est.value is None
    assert est.gates["failed"] == ["basket_incomplete"]
    assert est.gates["basket"] == {"members": 3, "observed": 2}


def test_the_mean_is_exact_before_rounding() -> None:
    est = basket.estimate(votes({"a": Decimal("1"), "b": Decimal("1"), "c": Decimal("2")}), 3, P)
    assert est.unrounded == Decimal("1." + "3" * 28)  # settled at 28 decimals, then rounded
    assert est.value == Decimal("1.3333")
