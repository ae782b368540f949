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


@dataclass(frozen=True)
class CentralBandParams:
    """Methodology v3's estimator: leave-one-out screen from 3 providers, capped tier weights, the weighted
    mean of the central band of weight, and the gates that decide published / indicative / withheld."""

    min_providers: int
    settlement_min_providers: int
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
    influence_bound: Decimal
    influence_low: Decimal
    influence_high: Decimal
    multimodal_gap: Decimal
    multimodal_min_share: Decimal
    venue_concentration_share: Decimal

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CentralBandParams:
        gates, screen = d["gates"], d["screen"]
        low, high = gates["influence_range"]
        return cls(
            min_providers=int(gates["min_providers"]),
            settlement_min_providers=int(gates["settlement_min_providers"]),
            mad_k=_dec(screen["mad_k"]),
            mad_scale=_dec(screen["mad_scale"]),
            ratio_band=_dec(screen["ratio_band"]),
            max_screened_share=_dec(screen["max_screened_share"]),
            tier_weights={k: _dec(v) for k, v in d["weights"]["tiers"].items()},
            cap=_dec(d["weights"]["cap"]),
            trim_low=_dec(d["estimator"]["trim_low"]),
            trim_high=_dec(d["estimator"]["trim_high"]),
            decimals=int(d["estimator"]["decimals"]),
            max_robust_cv=_dec(gates["max_robust_cv"]),
            influence_bound=_dec(gates["influence_bound"]),
            influence_low=_dec(low),
            influence_high=_dec(high),
            multimodal_gap=_dec(gates["multimodal_gap"]),
            multimodal_min_share=_dec(gates["multimodal_min_share"]),
            venue_concentration_share=_dec(d["flags"]["venue_concentration_share"]),
        )


@dataclass(frozen=True)
class ReferenceConfig:
    """The declared configuration a provider's value for a good is read from: listing or delisting any
    other shape or region cannot move it. Regions are in order of preference: the first one quoted is used."""

    skus: tuple[str, ...]
    regions: tuple[str, ...]


@dataclass(frozen=True)
class Eligibility:
    """Which quotes of an index's good may vote (v3): the admitted segments, and whether token serving
    variants, aggregators' own prices and re-reported prices of firms that quote directly are excluded."""

    segments: tuple[str, ...]
    exclude_variants: bool
    exclude_aggregators: bool
    direct_before_re_reports: bool
    stale_after_hours: dict[str, int]  # per input tier; content-dated rate cards stay usable longer

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Eligibility:
        return cls(
            segments=tuple(d["segments"]),
            exclude_variants=bool(d["exclude_variants"]),
            exclude_aggregators=bool(d["exclude_aggregators"]),
            direct_before_re_reports=bool(d["direct_before_re_reports"]),
            stale_after_hours={k: int(v) for k, v in d["stale_after_hours"].items()},
        )
