"""Which quotes of an index's good may vote under methodology v3, as which firm, and why the others may not. Pure.

Every quote of the good (product, good, pricing type, unit) is attributed to a firm through the
provider register, then checked in order; the first rule it fails excludes it, and the exclusion
is recorded with its reason:
- `aggregator_own_price`: an aggregator's own price re-reports other firms' prices;
- `segment_<name>`: community, government or sovereign capacity is not the standard good;
- `serving_variant`: a quantised or speed-tier token variant is a different good;
- `not_reference_shape` / `not_reference_region` / `no_reference_region`: the firm declared the
  configuration its value is read from (methodology `reference_configs`), so listing or delisting
  another shape or region cannot move it;
- `re_report`: a price re-reported through an aggregator, when the firm quotes directly.
Quotes of firms outside the index's classes (a hyperscaler for a neocloud index) belong to another
index and are not exclusions. Freshness depends on the input tier (`stale_after_hours`).
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from pipeline.domain.fixing import Exclusion, StaleProvider
from pipeline.index.estimator import median
from pipeline.index.fixing import matching, quote_key_expr
from pipeline.index.spread import AT, AT_TYPE
from pipeline.index.votes import units_of
from pipeline.methodology import IndexDefinition, Methodology
from pipeline.methodology.params import Eligibility
from pipeline.methodology.register import AGGREGATOR, Register


def with_firms(quotes: pl.DataFrame, register: Register) -> pl.DataFrame:
    """Add `firm` (the register's firm, or the provider itself when unregistered), `registered` and
    `firm_class` (the register's class for the quote's product, else the quote's own class)."""
    rows = [
        (alias, firm.id, firm.classes.get("gpu_hour"), firm.classes.get("tokens"))
        for alias, firm in register.by_alias.items()
    ]
    table = pl.DataFrame(
        rows, schema={"provider": pl.String, "_firm": pl.String, "_gpu": pl.String, "_tok": pl.String}, orient="row"
    )
    joined = quotes.join(table, on="provider", how="left")
    registered_class = pl.when(pl.col("product") == "gpu_hour").then(pl.col("_gpu")).otherwise(pl.col("_tok"))
    return joined.with_columns(
        pl.coalesce("_firm", "provider").alias("firm"),
        pl.col("_firm").is_not_null().alias("registered"),
        pl.coalesce(registered_class, "provider_class").alias("firm_class"),
    ).drop("_firm", "_gpu", "_tok")


def _reference_tables(m: Methodology) -> tuple[pl.DataFrame, pl.DataFrame]:
    configs = m.reference_configs or {}
    shapes = [(f, g, sku) for f, goods in configs.items() for g, c in goods.items() for sku in c.skus]
    regions = [
        (f, g, r, rank) for f, goods in configs.items() for g, c in goods.items() for rank, r in enumerate(c.regions)
    ]
    return (
        pl.DataFrame(shapes, schema={"firm": pl.String, "good": pl.String, "sku": pl.String}, orient="row"),
        pl.DataFrame(
            regions,
            schema={"firm": pl.String, "good": pl.String, "region": pl.String, "_rank": pl.Int64},
            orient="row",
        ),
    )


def _rules(frame: pl.DataFrame, definition: IndexDefinition, e: Eligibility, m: Methodology) -> pl.DataFrame:
    """Each row's first failing eligibility rule (`rule`, `reason`), or null."""
    shapes, regions = _reference_tables(m)
    configured = shapes.select("firm", "good").unique().with_columns(pl.lit(True).alias("_configured"))
    frame = (
        frame.join(configured, on=["firm", "good"], how="left")
        .join(shapes.with_columns(pl.lit(True).alias("_shape")), on=["firm", "good", "sku"], how="left")
        .join(regions, on=["firm", "good", "region"], how="left")
    )
    configured_row = pl.col("_configured").fill_null(False)
    checks: list[tuple[str, pl.Expr, pl.Expr]] = [
        (
            "aggregator_own_price",
            pl.lit(e.exclude_aggregators) & (pl.col("firm_class") == AGGREGATOR) & pl.col("via").is_null(),
            pl.format("{} is an aggregator: its own price re-reports other firms' prices and never votes", "firm"),
        ),
        (
            "segment",
            pl.col("segment").is_not_null() & ~pl.col("segment").is_in(list(e.segments)),
            pl.format("{} capacity ({}) is not the standard good", pl.col("segment"), pl.col("region")),
        ),
        (
            "serving_variant",
            pl.lit(e.exclude_variants) & (pl.col("product") == "tokens") & pl.col("variant").is_not_null(),
            pl.format("serving variant '{}' is a different good", pl.col("variant")),
        ),
        (
            "not_reference_shape",
            configured_row & pl.col("_shape").is_null(),
            pl.format("{} is not {}'s declared reference shape for {}", pl.col("sku"), pl.col("firm"), pl.col("good")),
        ),
    ]
    rule: pl.Expr = pl.lit(None, dtype=pl.String)
    reason: pl.Expr = pl.lit(None, dtype=pl.String)
    for name, failed, why in reversed(checks):
        label = pl.format("segment_{}", pl.col("segment")) if name == "segment" else pl.lit(name)
        rule = pl.when(failed.fill_null(False)).then(label).otherwise(rule)
        reason = pl.when(failed.fill_null(False)).then(why).otherwise(reason)
    return frame.with_columns(rule.alias("rule"), reason.alias("reason")).drop("_shape")


def _reference_region(usable: pl.DataFrame) -> pl.DataFrame:
    """Of a configured firm's usable rows of its reference shape, only the first declared region quoted counts."""
    open_row = pl.col("rule").is_null() & pl.col("_configured").fill_null(False)
    best = pl.col("_rank").filter(open_row).min().over(AT, "firm", "good")
    no_region = open_row & best.is_null()
    other_region = open_row & best.is_not_null() & (pl.col("_rank").is_null() | (pl.col("_rank") != best))
    return usable.with_columns(
        pl.when(no_region)
        .then(pl.lit("no_reference_region"))
        .when(other_region)
        .then(pl.lit("not_reference_region"))
        .otherwise(pl.col("rule"))
        .alias("rule"),
        pl.when(no_region)
        .then(pl.format("none of {}'s declared reference regions quotes {}", "firm", "good"))
        .when(other_region)
        .then(pl.format("region {} is not the first declared reference region quoted", pl.col("region")))
        .otherwise(pl.col("reason"))
        .alias("reason"),
    ).drop("_configured", "_rank")


def _fresh(e: Eligibility) -> pl.Expr:
    hours = pl.col("input_tier").replace_strict(e.stale_after_hours, default=24, return_dtype=pl.Int64)
    return pl.col("observed_at") > (pl.col(AT) - pl.duration(hours=hours))


def ruled(quotes: pl.DataFrame, definition: IndexDefinition, m: Methodology, register: Register) -> pl.DataFrame:
    """The good's quotes of the index's classes with their firm and first failing row rule: the part of the
    selection that does not depend on the fixing time, computed once for any number of fixings."""
    assert m.eligibility is not None
    universe = with_firms(matching(quotes, definition, by_class=False), register)
    universe = universe.filter(pl.col("firm_class").is_in([*definition.provider_classes, AGGREGATOR]))
    return _rules(universe, definition, m.eligibility, m)


def select(
    quotes: pl.DataFrame, definition: IndexDefinition, at: datetime, m: Methodology, register: Register
) -> tuple[pl.DataFrame, list[Exclusion], tuple[StaleProvider, ...]]:
    """The voting quotes (with `firm`, `in_window`, `carried`), the recorded exclusions, and the stale firms."""
    rows = ruled(quotes, definition, m, register).filter(pl.col("observed_at") <= at)
    inputs, excluded, stale = select_at(rows.with_columns(pl.lit(at, dtype=AT_TYPE).alias(AT)), definition, m)
    return inputs.drop(AT), exclusions_by_time(excluded).get(at, []), stale.get(at, ())


def select_at(
    rows: pl.DataFrame, definition: IndexDefinition, m: Methodology
) -> tuple[pl.DataFrame, pl.DataFrame, dict[datetime, tuple[StaleProvider, ...]]]:
    """`select` for every fixing time at once: `rows` are `ruled` rows, each with a fixing time `_at` it may
    be read at (observed at or before it). Gives the voting rows, the excluded rows and the stale firms,
    each by fixing time."""
    assert m.eligibility is not None
    e = m.eligibility
    at = pl.col(AT)
    in_force = (
        pl.col("in_force_until").is_not_null()
        & (pl.col("in_force_until") > at)
        & (pl.col("observed_at") > at - pl.duration(days=m.archive_carry_forward_days))
    )
    usable = _reference_region(rows.filter(_fresh(e) | in_force))
    eligible = usable.filter(pl.col("rule").is_null())
    if e.direct_before_re_reports:
        direct = pl.col("via").is_null().any().over(AT, "firm")
        re_report = pl.col("via").is_not_null() & direct
        eligible = eligible.with_columns(
            pl.when(re_report).then(pl.lit("re_report")).otherwise(pl.col("rule")).alias("rule"),
            pl.when(re_report)
            .then(pl.format("re-reported via {}; {}'s own quote is used", pl.col("via"), pl.col("firm")))
            .otherwise(pl.col("reason"))
            .alias("reason"),
        )
    excluded = pl.concat([usable.filter(pl.col("rule").is_not_null()), eligible.filter(pl.col("rule").is_not_null())])
    inputs = eligible.filter(pl.col("rule").is_null()).with_columns(
        (pl.col("observed_at") > at - pl.duration(minutes=m.window_minutes)).alias("in_window"),
        (~_fresh(e)).alias("carried"),
    )
    stale = _stale(rows.filter(pl.col("rule").is_null()), inputs, definition, m)
    return inputs.drop("rule", "reason"), excluded, stale


def exclusions_by_time(excluded: pl.DataFrame) -> dict[datetime, list[Exclusion]]:
    """The excluded rows as recorded exclusions (by firm, provider and rule), by fixing time."""
    if excluded.height == 0:
        return {}
    grouped = (
        excluded.with_columns(quote_key_expr().alias("_key"))
        .group_by(AT, "firm", "provider", "rule")
        .agg(pl.col("reason").sort_by("_key").first(), pl.len().alias("n"), pl.col("_key").min())
        .sort(AT, "firm", "provider", "rule")
    )
    out: dict[datetime, list[Exclusion]] = {}
    for r in grouped.iter_rows(named=True):
        out.setdefault(r[AT], []).append(
            Exclusion(
                firm=r["firm"],
                provider=r["provider"],
                rule=r["rule"],
                reason=r["reason"],
                n_quotes=r["n"],
                example=r["_key"],
            )
        )
    return out


def _stale(
    candidates: pl.DataFrame, inputs: pl.DataFrame, definition: IndexDefinition, m: Methodology
) -> dict[datetime, tuple[StaleProvider, ...]]:
    """Firms seen for the good in the look-back period but without a usable quote now: excluded as stale."""
    fresh = inputs.select(AT, "firm").unique()
    old = candidates.filter(pl.col("observed_at") > pl.col(AT) - pl.duration(days=m.stale_lookback_days)).join(
        fresh, on=[AT, "firm"], how="anti"
    )
    last = (
        old.filter(
            (pl.col("observed_at") == pl.col("observed_at").max().over(AT, "firm"))
            & (pl.col("unit") == units_of(definition)[0])
        )
        .group_by(AT, "firm")
        .agg(pl.col("price_usd"), pl.col("observed_at").first(), pl.col("source").unique())
    )
    out: dict[datetime, list[StaleProvider]] = {}
    for r in last.iter_rows(named=True):
        out.setdefault(r[AT], []).append(
            StaleProvider(
                provider=str(r["firm"]),
                value=median(list(r["price_usd"])),
                last_observed_at=r["observed_at"],
                sources=tuple(sorted(set(r["source"]))),
            )
        )
    return {k: tuple(sorted(v, key=lambda s: s.provider)) for k, v in out.items()}
