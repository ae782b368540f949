"""Methodology versions as data: parameters and index definitions, one JSON file per version.

A published fixing names the version it was computed under; that file is never edited
after publication (a change is a new version), so any fixing can be recomputed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from pipeline.index.estimator import EstimatorParams
from pipeline.normalize import Bounds

HERE = Path(__file__).resolve().parent
CURRENT = "1"


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
    estimator: EstimatorParams
    bounds: dict[str, Bounds]
    indices: tuple[IndexDefinition, ...]
    raw: dict[str, Any]

    def index(self, code: str) -> IndexDefinition:
        for definition in self.indices:
            if definition.code == code:
                return definition
        raise KeyError(f"index {code!r} is not defined in methodology v{self.version}")


def available() -> list[str]:
    return sorted(p.stem[1:] for p in HERE.glob("v*.json"))


@cache
def load(version: str = CURRENT) -> Methodology:
    path = HERE / f"v{version}.json"
    if not path.exists():
        raise KeyError(f"methodology version {version!r} not found (have {available()})")
    text = path.read_bytes()
    raw = json.loads(text)
    hh, mm = (int(x) for x in raw["fixing"]["time_utc"].split(":"))
    return Methodology(
        version=str(raw["version"]),
        digest=hashlib.sha256(text).hexdigest(),
        fixing_time=time(hh, mm),
        window_minutes=int(raw["fixing"]["window_minutes"]),
        max_age_hours=int(raw["fixing"]["max_age_hours"]),
        stale_lookback_days=int(raw["fixing"]["stale_lookback_days"]),
        archive_carry_forward_days=int(raw["fixing"]["archive_carry_forward_days"]),
        republish_threshold=Decimal(raw["corrections"]["republish_threshold"]),
        estimator=EstimatorParams.from_dict(raw),
        bounds={u: Bounds(Decimal(lo), Decimal(hi)) for u, (lo, hi) in raw["plausible"].items()},
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
            )
            for i in raw["indices"]
        ),
        raw=raw,
    )
