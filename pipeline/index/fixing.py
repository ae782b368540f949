"""From stored quotes to a fixing: select the window's inputs, one vote per provider, estimate. Pure."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import polars as pl

from pipeline.index.estimator import Constituent, Estimate, ProviderValue, estimate, median
from pipeline.methodology import IndexDefinition, Methodology

TIER_ORDER = ("executable", "rate_card", "judgement")


@dataclass(frozen=True)
class Fixing:
    index_code: str
    fixing_date: date
    fixing_time: datetime
    status: str
    value: Decimal | None
    unit: str
    currency: str
    flags: tuple[str, ...]
    gates: dict[str, Any]
    n_providers: int
    n_quotes: int
    robust_cv: Decimal | None
    p25: Decimal | None
    p75: Decimal | None
    methodology_version: str
    inputs_digest: str
    constituents: tuple[Constituent, ...]
    input_keys: tuple[str, ...]  # capture_id:row_no of every quote used

    @classmethod
    def from_estimate(
        cls, definition: IndexDefinition, day: date, at: datetime, est: Estimate, m: Methodology, keys: list[str]
    ) -> Fixing:
        return cls(
            index_code=definition.code,
            fixing_date=day,
            fixing_time=at,
            status=est.status,
            value=est.value,
            unit=definition.unit,
            currency=definition.currency,
            flags=est.flags,
            gates=est.gates,
            n_providers=est.n_providers,
            n_quotes=len(keys),
            robust_cv=est.robust_cv,
            p25=est.p25,
            p75=est.p75,
            methodology_version=m.version,
            inputs_digest=inputs_digest(keys, m),
            constituents=est.constituents,
            input_keys=tuple(sorted(keys)),
        )


def fixing_time(day: date, m: Methodology) -> datetime:
    return datetime.combine(day, m.fixing_time, tzinfo=UTC)


def inputs_digest(keys: list[str], m: Methodology) -> str:
    h = hashlib.sha256(f"methodology:{m.version}:{m.digest}\n".encode())
    for key in sorted(keys):
        h.update(key.encode() + b"\n")
    return h.hexdigest()


def _units(definition: IndexDefinition) -> list[str]:
    return [u for u, _ in definition.blend] if definition.blend else [definition.unit]


def select_inputs(quotes: pl.DataFrame, definition: IndexDefinition, at: datetime, m: Methodology) -> pl.DataFrame:
    """Quotes of the index's good observed within max_age before the fixing time; window flag added."""
    oldest = at - timedelta(hours=m.max_age_hours)
    window_start = at - timedelta(minutes=m.window_minutes)
    return quotes.filter(
        (pl.col("product") == definition.product)
        & (pl.col("good") == definition.good)
        & (pl.col("pricing_type") == definition.pricing_type)
        & pl.col("provider_class").is_in(list(definition.provider_classes))
        & pl.col("unit").is_in(_units(definition))
        & (pl.col("observed_at") <= at)
        & (pl.col("observed_at") > oldest)
    ).with_columns((pl.col("observed_at") > window_start).alias("in_window"))


def provider_values(inputs: pl.DataFrame, definition: IndexDefinition) -> tuple[list[ProviderValue], list[str]]:
    """One value per provider: median over its snapshots of the snapshot's median (or blend)."""
    values: list[ProviderValue] = []
    used: list[str] = []
    units = _units(definition)
    weights = dict(definition.blend)
    for provider, rows in sorted(inputs.partition_by("provider", as_dict=True).items(), key=lambda kv: str(kv[0])):
        name = str(provider[0])
        in_window = bool(rows["in_window"].any())
        if in_window:
            rows = rows.filter(pl.col("in_window"))
        else:  # nothing in the window: the latest snapshot within max age stands in, flagged
            latest = rows["observed_at"].max()
            rows = rows.filter(pl.col("observed_at") == latest)
        snapshot_values: list[Decimal] = []
        snapshot_keys: list[str] = []
        for _, snap in sorted(
            rows.partition_by(["capture_id", "observed_at"], as_dict=True).items(),
            key=lambda kv: (str(kv[0][0]), str(kv[0][1])),
        ):
            per_unit = {u: [Decimal(x) for x in snap.filter(pl.col("unit") == u)["price_usd"].to_list()] for u in units}
            if any(not per_unit[u] for u in units):
                continue  # a blend needs both legs from the same snapshot
            if definition.blend:
                total = sum(weights[u] for u in units)
                snapshot_values.append(sum((weights[u] * median(per_unit[u]) for u in units), Decimal(0)) / total)
            else:
                snapshot_values.append(median(per_unit[units[0]]))
            snapshot_keys += [f"{c}:{r}:{u}" for c, r, u in snap.select("capture_id", "row_no", "unit").iter_rows()]
        if not snapshot_values:
            continue
        tiers = set(rows["input_tier"].to_list())
        values.append(
            ProviderValue(
                provider=name,
                value=median(snapshot_values),
                tier=next((t for t in TIER_ORDER if t in tiers), "rate_card"),
                sources=tuple(sorted(set(rows["source"].to_list()))),
                n_quotes=len(snapshot_keys),
                in_window=in_window,
            )
        )
        used += snapshot_keys
    return values, used


def compute_fixing(quotes: pl.DataFrame, definition: IndexDefinition, day: date, m: Methodology) -> Fixing:
    at = fixing_time(day, m)
    values, keys = provider_values(select_inputs(quotes, definition, at, m), definition)
    return Fixing.from_estimate(definition, day, at, estimate(values, m.estimator), m, keys)


def compute_all(quotes: pl.DataFrame, day: date, m: Methodology) -> list[Fixing]:
    return [compute_fixing(quotes, d, day, m) for d in m.indices]
