"""Methodology versions as data: parameters and index definitions, one JSON file per version.

A published fixing names the version it was computed under; that file is never edited after
publication (a change is a new version), so any fixing can be recomputed. A version may be
written as the changes to an earlier one (`"extends"` + `"changes"`); it is resolved into the
full document, and its digest is the sha256 of that document in the canonical form
(`json.dumps(doc, indent=1)`), which is byte for byte the form every self-contained version
file is written in. So a version's digest does not depend on how its file is written.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from pipeline.methodology.params import (
    Bounds,
    CentralBandParams,
    Eligibility,
    EstimatorParams,
    ReferenceConfig,
    bounds_from_dict,
)

CURRENT = "3"
TRIMMED_MEAN = "trimmed_mean"  # v1, v2
CENTRAL_BAND = "central_band"  # v3


@dataclass(frozen=True)
class IndexDefinition:
    code: str
    product: str
    good: str
    pricing_type: str
    provider_classes: tuple[str, ...]
    unit: str  # gpu_hour | mtok_input | mtok_output | mtok_blend
    currency: str
    description: str
    blend: tuple[tuple[str, int], ...] = ()
    goods: tuple[str, ...] = ()  # a basket: several goods, one vote per provider
    basket: bool = False
    blend_of: tuple[tuple[str, int], ...] = ()  # v3: an index computed from other indices' fixings (its legs)


@dataclass(frozen=True)
class Methodology:
    version: str
    digest: str
    fixing_time: time
    window_minutes: int
    max_age_hours: int
    stale_lookback_days: int
    archive_carry_forward_days: int
    republish_threshold: Decimal
    estimator: EstimatorParams | CentralBandParams
    bounds: dict[str, Bounds]
    indices: tuple[IndexDefinition, ...]
    raw: dict[str, Any]
    method: str = TRIMMED_MEAN
    register_version: str | None = None
    eligibility: Eligibility | None = None
    reference_configs: dict[str, dict[str, ReferenceConfig]] | None = None
    referral_thresholds: dict[str, Decimal] | None = None  # product or good -> day-on-day move that is referred

    def index(self, code: str) -> IndexDefinition:
        for definition in self.indices:
            if definition.code == code:
                return definition
        raise KeyError(f"index {code!r} is not defined in methodology v{self.version}")

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(d.code for d in self.indices)


def _files() -> dict[str, Any]:
    folder = resources.files("pipeline.methodology")
    return {p.name[1:-5]: p for p in folder.iterdir() if p.name.startswith("v") and p.name.endswith(".json")}


def available() -> list[str]:
    return sorted(_files(), key=lambda v: (len(v), v))


def _merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Objects merge key by key (the base's key order kept, new keys appended); anything else replaces.

    `indices` may be given as an object of index code -> changes: each named definition is merged
    (a new code is appended, a null removes one), so a version states only the definitions it changes."""
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if key == "indices" and isinstance(value, dict) and isinstance(out.get(key), list):
            out[key] = _merge_indices(out[key], value)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _merge_indices(base: list[dict[str, Any]], changes: dict[str, Any]) -> list[dict[str, Any]]:
    by_code = {d["code"]: d for d in base}
    out = []
    for d in base:
        change = changes.get(d["code"], {})
        if change is None:
            continue
        merged = _merge(d, change)
        out.append({k: v for k, v in merged.items() if v is not None})
    out += [{"code": code, **d} for code, d in changes.items() if code not in by_code and d is not None]
    return out


@cache
def document(version: str) -> dict[str, Any]:
    """The full methodology document of a version, overlays resolved."""
    files = _files()
    if version not in files:
        raise KeyError(f"methodology version {version!r} not found (have {available()})")
    raw = json.loads(files[version].read_bytes())
    if "extends" not in raw:
        return dict(raw)
    doc = _merge(document(str(raw["extends"])), raw.get("changes", {}))
    for key in ("version", "published", "summary", "governance"):
        if key in raw:
            doc[key] = raw[key]
    return doc


def digest_of(doc: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(doc, indent=1).encode()).hexdigest()


def _estimator(raw: dict[str, Any]) -> EstimatorParams | CentralBandParams:
    if raw["estimator"].get("method", TRIMMED_MEAN) == CENTRAL_BAND:
        return CentralBandParams.from_dict(raw)
    return EstimatorParams.from_dict(raw)


def _reference_configs(raw: dict[str, Any]) -> dict[str, dict[str, ReferenceConfig]] | None:
    configs = raw.get("reference_configs")
    if configs is None:
        return None
    return {
        firm: {
            good: ReferenceConfig(skus=tuple(c.get("skus", ())), regions=tuple(c.get("regions", ())))
            for good, c in goods.items()
        }
        for firm, goods in configs.items()
        if not firm.startswith("_")
    }


@cache
def load(version: str = CURRENT) -> Methodology:
    raw = document(version)
    hh, mm = (int(x) for x in raw["fixing"]["time_utc"].split(":"))
    referral = raw.get("flags", {}).get("referral")
    return Methodology(
        version=str(raw["version"]),
        digest=digest_of(raw),
        fixing_time=time(hh, mm),
        window_minutes=int(raw["fixing"]["window_minutes"]),
        max_age_hours=int(raw["fixing"]["max_age_hours"]),
        stale_lookback_days=int(raw["fixing"]["stale_lookback_days"]),
        archive_carry_forward_days=int(raw["fixing"]["archive_carry_forward_days"]),
        republish_threshold=Decimal(raw["corrections"]["republish_threshold"]),
        estimator=_estimator(raw),
        bounds=bounds_from_dict(raw["plausible"]),
        indices=tuple(
            IndexDefinition(
                code=i["code"],
                product=i["product"],
                good=i["good"],
                pricing_type=i["pricing_type"],
                provider_classes=tuple(i["provider_classes"]),
                unit=i["unit"],
                currency=i["currency"],
                description=i["description"],
                blend=tuple(sorted((i.get("blend") or {}).items())),
                goods=tuple(i.get("goods") or [i["good"]]),
                basket=bool(i.get("basket", False)),
                blend_of=tuple(sorted((i.get("blend_of") or {}).items())),
            )
            for i in raw["indices"]
        ),
        raw=raw,
        method=str(raw["estimator"].get("method", TRIMMED_MEAN)),
        register_version=raw.get("register"),
        eligibility=Eligibility.from_dict(raw["eligibility"]) if "eligibility" in raw else None,
        reference_configs=_reference_configs(raw),
        referral_thresholds={k: Decimal(v) for k, v in referral.items()} if referral else None,
    )
