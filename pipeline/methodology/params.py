"""Typed views of a methodology file's parameters. No defaults: every value comes from the file."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any


def _dec(x: Any) -> Decimal:
    return Decimal(str(x))


@dataclass(frozen=True)
class Bounds:
    """Plausible price range per unit: outside it a row is a recorded rejection."""

    low: Decimal
    high: Decimal


@dataclass(frozen=True)
class EstimatorParams:
    """Screen, weights, trimmed band, gates and flags of the estimator (methodology §4)."""

    min_providers: int
    min_providers_for_screen: int
    mad_k: Decimal
    mad_scale: Decimal
    ratio_band: Decimal
    max_screened_share: Decimal
    tier_weights: dict[str, Decimal]
    cap: Decimal
    trim_low: Decimal
    trim_high: Decimal
    decimals: int
    max_robust_cv: Decimal
    low_contribution_below: int
    venue_concentration_share: Decimal

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EstimatorParams:
        return cls(
            min_providers=int(d["gates"]["min_providers"]),
            min_providers_for_screen=int(d["screen"]["min_providers_for_screen"]),
            mad_k=_dec(d["screen"]["mad_k"]),
            mad_scale=_dec(d["screen"]["mad_scale"]),
            ratio_band=_dec(d["screen"]["ratio_band"]),
            max_screened_share=_dec(d["screen"]["max_screened_share"]),
            tier_weights={k: _dec(v) for k, v in d["weights"]["tiers"].items()},
            cap=_dec(d["weights"]["cap"]),
            trim_low=_dec(d["estimator"]["trim_low"]),
            trim_high=_dec(d["estimator"]["trim_high"]),
            decimals=int(d["estimator"]["decimals"]),
            max_robust_cv=_dec(d["gates"]["max_robust_cv"]),
            low_contribution_below=int(d["flags"]["low_contribution_below"]),
            venue_concentration_share=_dec(d["flags"]["venue_concentration_share"]),
        )


def bounds_from_dict(plausible: dict[str, list[str]]) -> dict[str, Bounds]:
    return {unit: Bounds(_dec(lo), _dec(hi)) for unit, (lo, hi) in plausible.items()}
