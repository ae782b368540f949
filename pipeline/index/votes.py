"""One vote per provider (v1) or firm (v3): the median over its snapshots of the snapshot's median (or
blend). The grouping is one polars pass, for one fixing or for many fixing times at once; the medians
are exact decimals. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, NamedTuple

import polars as pl

from pipeline.domain.fixing import ProviderValue
from pipeline.index.estimator import median
from pipeline.methodology import IndexDefinition

TIER_ORDER = ("executable", "rate_card", "judgement")
SNAPSHOT = ["provider", "capture_id", "fetched_at", "observed_at", "unit"]
Votes = tuple[list[ProviderValue], list[str]]


def units_of(definition: IndexDefinition) -> list[str]:
    """The quote units an index reads: its unit, or the units of its per-provider blend."""
    return [u for u, _ in definition.blend] if definition.blend else [definition.unit]


def quote_key(capture_id: str, fetched_at: datetime, row_no: int, unit: str) -> str:
    """Stable name of one input quote: which capture (and fetch), which parsed row, which unit."""
    return f"{capture_id}@{fetched_at.astimezone(UTC).strftime('%Y%m%dT%H%M%S.%fZ')}#{row_no}:{unit}"


def snapshots(inputs: pl.DataFrame, by: str = "provider", group: Sequence[str] = ()) -> pl.DataFrame:
    """Each provider's snapshots (capture, fetch, observation, unit) it votes with, per `group` (e.g. the
    fixing time): those in the window when it has any there, else its latest one."""
    if by != "provider":
        inputs = inputs.drop("provider").rename({by: "provider"})
    over = [*group, "provider"]
    chosen = inputs.with_columns(
        pl.col("in_window").any().over(over).alias("_any_window"),
        pl.col("observed_at").max().over(over).alias("_latest"),
    ).filter(
        pl.when(pl.col("_any_window")).then(pl.col("in_window")).otherwise(pl.col("observed_at") == pl.col("_latest"))
    )
    return chosen.group_by([*group, *SNAPSHOT]).agg(
        pl.col("row_no").sort(),
        pl.col("price_usd").sort_by("row_no"),
        pl.col("source").first(),
        pl.col("input_tier").unique().sort(),
        pl.col("carried").all(),
        pl.col("_any_window").first(),
    )


class Leg(NamedTuple):
    """What one snapshot's quotes of one unit say, whichever fixing reads them: their median and their keys."""

    value: Decimal
    keys: tuple[str, ...]
    tiers: tuple[str, ...]
    source: str


class Reading(NamedTuple):
    """A leg as one fixing reads it: whether it is carried forward, and whether its provider had window quotes."""

    provider: str
    snapshot: tuple[str, datetime, datetime]  # capture, fetch, observation
    unit: str
    leg: Leg
    carried: bool
    any_window: bool


def readings(snaps: pl.DataFrame, key: str | None = None) -> dict[Any, list[Reading]]:
    """The rows of `snapshots` as readings, by the value of column `key` (None: all under one key). A snapshot
    read by many fixings (a rate card in force for weeks) is turned into a `Leg` once, not once per fixing."""
    content = [*SNAPSHOT, "row_no", "price_usd", "source", "input_tier"]
    per_fixing = [] if key is None else [pl.col(key)]
    grouped = snaps.group_by(content).agg(*per_fixing, pl.col("carried"), pl.col("_any_window"))
    out: dict[Any, list[Reading]] = {}
    for (
        provider,
        capture_id,
        fetched_at,
        observed_at,
        unit,
        rows,
        prices,
        source,
        tiers,
        *at,
        carried,
        window,
    ) in grouped.iter_rows():
        leg = Leg(
            value=median([Decimal(x) for x in prices]),
            keys=tuple(quote_key(capture_id, fetched_at, row, unit) for row in rows),
            tiers=tuple(tiers),
            source=source,
        )
        snapshot = (capture_id, fetched_at, observed_at)
        for k, c, w in zip(at[0] if at else [None] * len(carried), carried, window, strict=True):
            out.setdefault(k, []).append(Reading(provider, snapshot, unit, leg, c, w))
    return out


def values_of(rows: Iterable[Reading], definition: IndexDefinition, tier_order: tuple[str, ...]) -> Votes:
    """The provider values and the input quote keys from one fixing's readings (in any order)."""
    grouped: dict[str, dict[tuple[str, datetime, datetime], dict[str, Reading]]] = {}
    for r in rows:
        grouped.setdefault(r.provider, {}).setdefault(r.snapshot, {})[r.unit] = r
    units = units_of(definition)
    weights = dict(definition.blend)
    values: list[ProviderValue] = []
    used: list[str] = []
    for provider in sorted(grouped):
        snapshot_values: list[Decimal] = []
        snapshot_keys: list[str] = []
        tiers: set[str] = set()
        sources: set[str] = set()
        carried, in_window, last = True, False, None
        for (_, _, observed_at), legs in grouped[provider].items():
            if any(u not in legs for u in units):
                continue  # a blend needs both legs from the same snapshot
            if definition.blend:
                total = sum(weights[u] for u in units)
                snapshot_values.append(sum((weights[u] * legs[u].leg.value for u in units), Decimal(0)) / total)
            else:
                snapshot_values.append(legs[units[0]].leg.value)
            for u in units:
                reading = legs[u]
                snapshot_keys += reading.leg.keys
                tiers.update(reading.leg.tiers)
                sources.add(reading.leg.source)
                carried = carried and reading.carried
                in_window = reading.any_window
            last = observed_at if last is None else max(last, observed_at)
        if not snapshot_values:
            continue
        values.append(
            ProviderValue(
                provider=provider,
                value=median(snapshot_values),
                tier=next((t for t in tier_order if t in tiers), "rate_card"),
                carried=carried,
                sources=tuple(sorted(sources)),
                n_quotes=len(snapshot_keys),
                in_window=in_window,
                last_observed_at=last,
            )
        )
        used += snapshot_keys
    return values, used


def provider_values(
    inputs: pl.DataFrame, definition: IndexDefinition, *, by: str = "provider", tier_order: tuple[str, ...] = TIER_ORDER
) -> Votes:
    """One value per provider (or firm, `by="firm"`): a provider with quotes in the window uses those;
    otherwise its latest snapshot within the maximum age (or still in force) stands in, flagged."""
    if inputs.height == 0:
        return [], []
    return values_of(readings(snapshots(inputs, by)).get(None, []), definition, tier_order)


def provider_values_by(
    inputs: pl.DataFrame, definition: IndexDefinition, key: str, *, by: str, tier_order: tuple[str, ...]
) -> dict[Any, Votes]:
    """`provider_values` of every value of column `key` (a fixing time) in one grouping pass."""
    if inputs.height == 0:
        return {}
    return {
        k: values_of(rows, definition, tier_order) for k, rows in readings(snapshots(inputs, by, (key,)), key).items()
    }
