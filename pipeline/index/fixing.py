"""From stored quotes to a fixing: select the window's inputs, one vote per provider, estimate. Pure."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from typing import NamedTuple

import numpy as np
import polars as pl

from pipeline.domain.fixing import Estimate, Exclusion, Fixing, StaleProvider
from pipeline.index.estimator import estimate, median
from pipeline.index.spread import AT, spread
from pipeline.index.spread import until as spread_until
from pipeline.index.votes import TIER_ORDER, provider_values_by, units_of
from pipeline.methodology import IndexDefinition, Methodology, load_register
from pipeline.methodology.loader import CENTRAL_BAND
from pipeline.methodology.params import EstimatorParams


def build_fixing(
    definition: IndexDefinition,
    at: datetime,
    est: Estimate,
    m: Methodology,
    keys: list[str],
    stale: tuple[StaleProvider, ...] = (),
    exclusions: tuple[Exclusion, ...] = (),
    flags: tuple[str, ...] = (),
) -> Fixing:
    return Fixing(
        index_code=definition.code,
        fixing_date=at.date(),
        fixing_time=at,
        status=est.status,
        value=est.value,
        unit=definition.unit,
        currency=definition.currency,
        flags=(*est.flags, *flags, *(("rate_card_basket",) if definition.basket else ())),
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
        unrounded=est.unrounded,
        stale=stale,
        exclusions=exclusions,
    )


def quote_key_expr() -> pl.Expr:
    """`quote_key` as a polars expression over a frame of quotes."""
    stamp = pl.col("fetched_at").dt.convert_time_zone("UTC").dt.strftime("%Y%m%dT%H%M%S%.6fZ")
    return pl.format("{}@{}#{}:{}", pl.col("capture_id"), stamp, pl.col("row_no"), pl.col("unit"))


def fixing_time(day: date, m: Methodology) -> datetime:
    return datetime.combine(day, m.fixing_time, tzinfo=UTC)


def inputs_digest(keys: list[str], m: Methodology) -> str:
    """sha256 over the methodology (and, from v3, the provider register) and every input quote key."""
    h = hashlib.sha256(f"methodology:{m.version}:{m.digest}\n".encode())
    if m.register_version is not None:
        h.update(f"register:{m.register_version}:{load_register(m.register_version).digest}\n".encode())
    for key in sorted(keys):
        h.update(key.encode() + b"\n")
    return h.hexdigest()


_units = units_of


def matching(quotes: pl.DataFrame, definition: IndexDefinition, *, by_class: bool = True) -> pl.DataFrame:
    """Quotes of the index's standard good: product, good, pricing type, unit, and (v1) provider class."""
    condition = (
        (pl.col("product") == definition.product)
        & pl.col("good").is_in(list(definition.goods or (definition.good,)))
        & (pl.col("pricing_type") == definition.pricing_type)
        & pl.col("unit").is_in(units_of(definition))
    )
    if by_class:
        condition = condition & pl.col("provider_class").is_in(list(definition.provider_classes))
    return quotes.filter(condition)


def compute_fixing(quotes: pl.DataFrame, definition: IndexDefinition, at: datetime, m: Methodology) -> Fixing:
    """The fixing of one index at time `at` from the quotes given (pure), under the methodology's own rules.

    A v3 fixing is referred against the same computation one day earlier, so that day is computed too."""
    if m.method == CENTRAL_BAND:
        from pipeline.index import fixing_v3

        previous = fixing_v3.compute_fixing(quotes, definition, at - timedelta(days=1), m)
        return fixing_v3.compute_fixing(quotes, definition, at, m, previous)
    fixing: Fixing = _history_v1(quotes, definition, [at], m)[at]
    return fixing


def compute_many(
    quotes: pl.DataFrame, wanted: list[tuple[IndexDefinition, datetime]], m: Methodology
) -> dict[tuple[str, datetime], Fixing]:
    """`compute_fixing` of every (index, time) wanted, keyed by (index code, time): one vectorised pass per
    index over all its times (what `verify` recomputes)."""
    if m.method == CENTRAL_BAND:
        from pipeline.index import fixing_v3

        return fixing_v3.compute_many(quotes, wanted, m)
    times: dict[str, tuple[IndexDefinition, set[datetime]]] = {}
    for d, at in wanted:
        times.setdefault(d.code, (d, set()))[1].add(at)
    out: dict[tuple[str, datetime], Fixing] = {}
    for code, (d, ats) in times.items():
        out |= {(code, at): f for at, f in _history_v1(History(quotes, d, m).quotes, d, sorted(ats), m).items()}
    return out


def lookback(m: Methodology) -> timedelta:
    """How far back a fixing may look: stale detection, or an archived snapshot still in force (v3: and
    the day before, which its referral compares with)."""
    days = max(m.stale_lookback_days, m.archive_carry_forward_days) + (1 if m.method == CENTRAL_BAND else 0)
    return timedelta(days=days)


def compute_history(quotes: pl.DataFrame, days: list[date], m: Methodology) -> list[Fixing]:
    """Fixings of every index for many days, each from only the quotes it may look at (the same result as
    `compute_fixing` per day, without rescanning the whole history every day)."""
    if m.method == CENTRAL_BAND:  # a blend is made from its legs' fixings: its quotes are never selected
        from pipeline.index import fixing_v3

        return fixing_v3.compute_history(lambda d: History(quotes, d, m).quotes, days, m)
    histories = {d.code: History(quotes, d, m) for d in m.indices}
    ats = [fixing_time(day, m) for day in days]
    out = []
    for d in m.indices:
        fixings = _history_v1(histories[d.code].quotes, d, ats, m)
        out += [fixings[at] for at in ats]
    return out


CHUNK_DAYS = 31  # days of fixings computed together by `history_in_chunks`


class Chunk(NamedTuple):
    """Days of a long history computed together, from only the quotes observed in (`start`, `end`]. A v3 chunk also
    computes the day before its first (which that day is referred against) and drops it."""

    days: list[date]
    first: date  # the first day kept
    start: datetime
    end: datetime


def chunks(days: list[date], m: Methodology, chunk_days: int = CHUNK_DAYS) -> list[Chunk]:
    """`days` (ascending) in chunks of `chunk_days`, each with the span of quotes it may read."""
    lead = 1 if m.method == CENTRAL_BAND else 0
    out = []
    for i in range(0, len(days), chunk_days):
        computed = days[max(0, i - lead) : i + chunk_days]
        out.append(Chunk(computed, days[i], fixing_time(computed[0], m) - lookback(m), fixing_time(computed[-1], m)))
    return out


def chunk_fixings(quotes: pl.DataFrame, chunk: Chunk, m: Methodology) -> list[Fixing]:
    """The fixings of a chunk's days from its quotes (those observed in its span)."""
    return [f for f in compute_history(quotes, chunk.days, m) if f.fixing_date >= chunk.first]


def history_in_chunks(
    read: Callable[[datetime, datetime], pl.DataFrame], days: list[date], m: Methodology, chunk_days: int = CHUNK_DAYS
) -> Iterator[list[Fixing]]:
    """`compute_history` of `days` (ascending), `chunk_days` at a time, each chunk from only the quotes it may look
    at: `read(start, end)` gives those observed in (start, end] (as `Warehouse.quotes_between`). Memory stays one
    chunk's plus the look-back whatever the history's length, and the fixings are exactly those of one
    `compute_history` over everything (each chunk's in its order). `flow.history` computes the chunks on every
    core."""
    for chunk in chunks(days, m, chunk_days):
        yield chunk_fixings(read(chunk.start, chunk.end), chunk, m)


def _history_v1(
    quotes: pl.DataFrame, definition: IndexDefinition, ats: list[datetime], m: Methodology
) -> dict[datetime, Fixing]:
    """One v1 index's fixings at many times in one pass: the fresh or in-force inputs, the votes and
    the stale providers as group-bys over the fixing time."""
    assert isinstance(m.estimator, EstimatorParams)
    at = pl.col(AT)
    until = spread_until(pl.duration(hours=m.max_age_hours), m.stale_lookback_days, m.archive_carry_forward_days)
    rows = spread(matching(quotes, definition), ats, lookback(m), until)
    fresh = pl.col("observed_at") > at - pl.duration(hours=m.max_age_hours)
    in_force = (
        pl.col("in_force_until").is_not_null()
        & (pl.col("in_force_until") > at)
        & (pl.col("observed_at") > at - pl.duration(days=m.archive_carry_forward_days))
    )
    inputs = rows.filter(fresh | in_force).with_columns(
        (pl.col("observed_at") > at - pl.duration(minutes=m.window_minutes)).alias("in_window"),
        (~fresh).alias("carried"),
    )
    votes = provider_values_by(inputs, definition, AT, by="provider", tier_order=TIER_ORDER)
    old = rows.filter(pl.col("observed_at") > at - pl.duration(days=m.stale_lookback_days)).join(
        inputs.select(AT, "provider").unique(), on=[AT, "provider"], how="anti"
    )
    last = (
        old.filter(
            (pl.col("observed_at") == pl.col("observed_at").max().over(AT, "provider"))
            & (pl.col("unit") == units_of(definition)[0])
        )
        .group_by(AT, "provider")
        .agg(pl.col("price_usd"), pl.col("observed_at").first(), pl.col("source").unique())
    )
    stale: dict[datetime, list[StaleProvider]] = {}
    for r in last.iter_rows(named=True):
        stale.setdefault(r[AT], []).append(
            StaleProvider(
                provider=str(r["provider"]),
                value=median([Decimal(x) for x in r["price_usd"]]),
                last_observed_at=r["observed_at"],
                sources=tuple(sorted(set(r["source"]))),
            )
        )
    out = {}
    for when in ats:
        values, keys = votes.get(when, ([], []))
        provider_stale = tuple(sorted(stale.get(when, []), key=lambda s: s.provider))
        out[when] = build_fixing(definition, when, estimate(values, m.estimator), m, keys, provider_stale)
    return out


class History:
    """One index's quotes sorted by observation time, sliced to what a fixing at `at` may look at."""

    def __init__(self, quotes: pl.DataFrame, definition: IndexDefinition, m: Methodology) -> None:
        legs = [m.index(code) for code, _ in definition.blend_of] or [definition]
        v3 = m.method == CENTRAL_BAND
        frames = [matching(quotes, leg, by_class=not v3) for leg in legs]
        together = frames[0] if len(frames) == 1 else pl.concat(frames).unique(maintain_order=True)
        self.quotes = together.sort("observed_at")
        self.span = lookback(m)

    @cached_property
    def stamps(self) -> np.ndarray:
        """Observation times as epoch microseconds, for `around` (a history read whole never needs them)."""
        return self.quotes["observed_at"].dt.epoch("us").to_numpy()

    def around(self, at: datetime) -> pl.DataFrame:
        lo = int(np.searchsorted(self.stamps, _epoch_us(at - self.span), side="right"))
        hi = int(np.searchsorted(self.stamps, _epoch_us(at), side="right"))
        return self.quotes.slice(lo, hi - lo)


def _epoch_us(dt: datetime) -> int:
    return int((dt - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(microseconds=1))


def compute_all(quotes: pl.DataFrame, day: date, m: Methodology) -> list[Fixing]:
    """Every index's fixing for `day` from the quotes given."""
    if m.method == CENTRAL_BAND:
        from pipeline.index import fixing_v3

        return fixing_v3.compute_all(quotes, day, m)
    at = fixing_time(day, m)
    return [compute_fixing(quotes, d, at, m) for d in m.indices]
