"""Parsed rows -> quotes (USD per unit, canonical identity) | rejections, vectorised in polars.

Arithmetic, FX and checks are polars expressions over the whole batch; identity rules (regexes) run
in Python once per distinct label and are cached for the process, compiled once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from typing import Final

import polars as pl

from pipeline.domain.records import PRICE_DTYPE, QUOTE_SCHEMA, REJECTION_SCHEMA, RawCapture
from pipeline.methodology.params import Bounds
from pipeline.normalize.identity import (
    GPU_MODEL,
    GPU_RULES,
    NO_GPU_MODEL,
    RULES_VERSION,
    TOKEN_RULES,
    TOKEN_VARIANT_PATTERN,
    Rule,
)
from pipeline.normalize.segments import SEGMENT_RULES, STANDARD

MILLION = 1_000_000
# A batch is thousands of rows at most: polars' in-memory engine, not the streaming default of polars 2,
# whose fixed cost per query is larger than the work.
IN_MEMORY: Final = "in-memory"
_QUOTES = pl.Schema(QUOTE_SCHEMA)
_REJECTIONS = pl.Schema(REJECTION_SCHEMA)


@dataclass(frozen=True)
class _Compiled:
    all_of: tuple[re.Pattern[str], ...]
    none_of: tuple[re.Pattern[str], ...]
    rule: Rule


@cache
def _compiled(product: str) -> tuple[_Compiled, ...]:
    """The rules for a product, compiled once per process (GPU rules for GPU-hours, token rules otherwise)."""
    rules = GPU_RULES if product == "gpu_hour" else TOKEN_RULES
    return tuple(
        _Compiled(tuple(re.compile(p) for p in r.all_of), tuple(re.compile(p) for p in r.none_of), r) for r in rules
    )


_VARIANT = re.compile(TOKEN_VARIANT_PATTERN)
_GPU_MODEL = re.compile(GPU_MODEL)


@lru_cache(maxsize=1 << 16)
def identity_of(product: str | None, key: str | None) -> tuple[str | None, float | None, str | None, str | None]:
    """(good, nominal memory, identity rejection reason, token variant) of one identity key: the first rule
    whose every `all_of` pattern is found and no `none_of` pattern is. Cached: a label is judged once."""
    if key is None:
        return None, None, None, None
    gpu = product == "gpu_hour"
    variant = None
    if not gpu:
        variant = "+".join(dict.fromkeys(_VARIANT.findall(key))) or None
    for c in _compiled("gpu_hour" if gpu else "tokens"):
        if all(p.search(key) for p in c.all_of) and not any(p.search(key) for p in c.none_of):
            return c.rule.good, (c.rule.memory_gb if gpu else None), c.rule.reason, variant
    if gpu and not _GPU_MODEL.search(key):
        return None, None, NO_GPU_MODEL, variant
    return None, None, None, variant


def _gpu_key() -> pl.Expr:
    memory = pl.col("gpu_memory_gb").round(0).cast(pl.Int64).cast(pl.String)
    label = pl.col("label").str.to_uppercase().str.replace_all(r"[_\-/()|]", " ")
    return pl.when(pl.col("gpu_memory_gb").is_not_null()).then(label + " | " + memory + "GB").otherwise(label)


def identities(parsed: pl.DataFrame) -> pl.DataFrame:
    """Canonical identity per distinct (product, key): the rules run once per label, not once per row."""
    return _identities(parsed.with_columns(_identity_key()))


def normalise(
    parsed: pl.DataFrame,
    capture: RawCapture,
    bounds: Mapping[str, Bounds],
    fx_rates: Mapping[str, Decimal] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split a parser's rows into quotes and rejections. Pure: same inputs, same outputs.

    One lazy plan per batch after the identity rules have judged its distinct keys; the expressions
    depend only on the bounds and are built once per bounds."""
    return normalise_many([(parsed, capture)], bounds, fx_rates)[0]


def normalise_many(
    batch: Sequence[tuple[pl.DataFrame, RawCapture]],
    bounds: Mapping[str, Bounds],
    fx_rates: Mapping[str, Decimal] | None = None,
) -> list[tuple[pl.DataFrame, pl.DataFrame]]:
    """`normalise` of many captures' rows under the same bounds and FX rates, in one plan: a polars query's fixed
    cost is most of a small capture's work. Each capture's quotes and rejections are exactly those of `normalise`
    on its own rows (no rule looks beyond its row). All frames must have one schema (the parsers' own)."""
    if not batch:
        return []
    rates = {"USD": Decimal(1), **(fx_rates or {})}
    parts = [
        parsed.with_columns(
            pl.lit(i, dtype=pl.UInt32).alias("_part"),
            pl.lit(capture.capture_id).alias("capture_id"),
            pl.lit(capture.fetched_at).alias("fetched_at"),
            pl.lit(capture.in_force_until, dtype=pl.Datetime("us", "UTC")).alias("_in_force_until"),
        )
        for i, (parsed, capture) in enumerate(batch)
    ]
    together = parts[0] if len(parts) == 1 else pl.concat(parts, how="vertical")
    keyed = together.lazy().with_columns(_identity_key()).collect(engine=IN_MEMORY)
    plan = _plan(tuple((unit, b.low, b.high) for unit, b in bounds.items()))
    frame = (
        keyed.lazy()
        .with_columns(plan.price)
        .join(_identities(keyed).lazy(), on=["product", "_identity_key"], how="left")
        .join(_rate_table(tuple(rates.items())).lazy(), on="currency", how="left")
        .with_columns(plan.per_unit)
        .with_columns(plan.price_usd)
        .with_columns(plan.columns)
    )
    done = frame.collect(engine=IN_MEMORY)
    part = pl.col("_part")
    if done["rule"].null_count() == done.height:  # nothing rejected (the usual batch): no filtering, no copies
        quoted = done.lazy().select(*plan.quote_columns, part).cast(_QUOTES).collect(engine=IN_MEMORY)
        rejected = pl.DataFrame(schema={**_REJECTIONS, "_part": pl.UInt32})
    else:
        quotes = done.lazy().filter(pl.col("rule").is_null()).select(*plan.quote_columns, part).cast(_QUOTES)
        rejections = done.lazy().filter(pl.col("rule").is_not_null()).select(*REJECTION_SCHEMA, part)
        quoted, rejected = pl.collect_all([quotes, rejections.cast(_REJECTIONS)], engine=IN_MEMORY)
    if len(batch) == 1:
        return [(quoted.drop("_part"), rejected.drop("_part"))]
    return list(zip(_by_part(quoted, len(batch)), _by_part(rejected, len(batch)), strict=True))


def _by_part(frame: pl.DataFrame, n: int) -> list[pl.DataFrame]:
    """The rows of each of `n` parts, in their order (an empty frame for a part without any)."""
    found = frame.partition_by("_part", as_dict=True, include_key=False, maintain_order=True)
    none = frame.clear().drop("_part")
    return [found.get((i,), none) for i in range(n)]


@lru_cache(maxsize=256)
def _rate_table(rates: tuple[tuple[str, Decimal], ...]) -> pl.DataFrame:
    """USD per unit of each currency, exact (18 decimals), as a frame to join on."""
    return pl.DataFrame(
        {"currency": [c for c, _ in rates], "fx_rate": [str(v) for _, v in rates]},
        schema={"currency": pl.String, "fx_rate": pl.String},
    ).with_columns(pl.col("fx_rate").str.to_decimal(scale=18))


def _identity_key() -> pl.Expr:
    is_gpu = pl.col("product") == "gpu_hour"
    return pl.when(is_gpu).then(_gpu_key()).otherwise(pl.col("sku").str.to_lowercase()).alias("_identity_key")


def _identities(keyed: pl.DataFrame) -> pl.DataFrame:
    """`identities` of rows whose identity key is already a column."""
    keys = keyed.lazy().select("product", "_identity_key").unique(maintain_order=True).collect(engine=IN_MEMORY)
    found = [identity_of(p, k) for p, k in keys.iter_rows()]
    return keys.hstack(
        [
            pl.Series("good", [f[0] for f in found], dtype=pl.String),
            pl.Series("_nominal_gb", [f[1] for f in found], dtype=pl.Float64),
            pl.Series("_identity_reason", [f[2] for f in found], dtype=pl.String),
            pl.Series("variant", [f[3] for f in found], dtype=pl.String),
        ]
    )


@dataclass(frozen=True)
class _Plan:
    price: pl.Expr
    per_unit: pl.Expr
    price_usd: pl.Expr
    columns: tuple[pl.Expr, ...]
    quote_columns: tuple[pl.Expr, ...]


@lru_cache(maxsize=64)
def _plan(bounds: tuple[tuple[str, Decimal, Decimal], ...]) -> _Plan:
    """The expressions of `normalise` under one set of bounds (unit, low, high): built once, reused per capture."""
    is_gpu = pl.col("product") == "gpu_hour"
    price = pl.col("price_native").str.strip_chars().str.to_decimal(scale=28)
    # Per GPU: null without a GPU count (refused below), never a division by zero (polars 2 raises on one).
    counted = pl.when(pl.col("gpu_count") > 0).then(pl.col("gpu_count"))
    per_unit = (
        pl.when(pl.col("price_per") == "instance_hour")
        .then(pl.col("_price") / counted)
        .when(pl.col("price_per") == "token")
        .then(pl.col("_price") * MILLION)
        .otherwise(pl.col("_price"))
        .alias("_per_unit")
    )
    low = pl.col("unit").replace_strict({u: str(lo) for u, lo, _ in bounds}, default=None).str.to_decimal(scale=24)
    high = pl.col("unit").replace_strict({u: str(hi) for u, _, hi in bounds}, default=None).str.to_decimal(scale=24)
    memory_off = (pl.col("gpu_memory_gb") - pl.col("_nominal_gb")).abs() / pl.col("_nominal_gb") > 0.15
    rule, reason = _first_failure(
        [
            ("parser", pl.col("reject_reason").is_not_null(), pl.col("reject_reason")),
            (
                "price_unreadable",
                pl.col("_price").is_null(),
                pl.format("price {} is not a decimal number", pl.col("price_native")),
            ),
            (
                "non_positive_price",
                pl.col("_price") <= 0,
                pl.format("price {} is not positive", pl.col("price_native")),
            ),
            (
                "gpu_count_missing",
                is_gpu
                & (pl.col("price_per") == "instance_hour")
                & (pl.col("gpu_count").is_null() | (pl.col("gpu_count") <= 0)),
                pl.lit("instance price without a GPU count cannot be put per GPU-hour"),
            ),
            (
                "no_fx_rate",
                pl.col("fx_rate").is_null(),
                pl.format("no FX rate for {} on the capture date", pl.col("currency")),
            ),
            ("identity_ambiguous", pl.col("_identity_reason").is_not_null(), pl.col("_identity_reason")),
            (
                "memory_contradicts_good",
                is_gpu & pl.col("good").is_not_null() & memory_off.fill_null(False),
                pl.format(
                    "disclosed memory {} GB contradicts {} ({} GB)",
                    pl.col("gpu_memory_gb").round(1),
                    pl.col("good"),
                    pl.col("_nominal_gb"),
                ),
            ),
            (
                "implausible_price",
                (pl.col("price_usd") < low) | (pl.col("price_usd") > high),
                pl.format(
                    "{} USD per {} is outside the plausible range [{}, {}]",
                    pl.col("price_usd").cast(pl.String),
                    pl.col("unit"),
                    low.cast(pl.String),
                    high.cast(pl.String),
                ),
            ),
        ]
    )
    columns = (
        rule.alias("rule"),
        reason.alias("reason"),
        pl.col("in_force_until").fill_null(pl.col("_in_force_until")),
        pl.col("segment").fill_null(_segment()),
        pl.col("time_basis").fill_null(
            pl.when(pl.col("observed_at") == pl.col("fetched_at")).then(pl.lit("fetch")).otherwise(pl.lit("content"))
        ),
        pl.lit(RULES_VERSION).alias("rules_version"),
    )
    quote_columns = tuple(
        pl.col("_price").alias("price_native") if name == "price_native" else pl.col(name) for name in QUOTE_SCHEMA
    )
    return _Plan(
        price=price.alias("_price"),
        per_unit=per_unit,
        price_usd=(pl.col("_per_unit") * pl.col("fx_rate")).cast(PRICE_DTYPE).alias("price_usd"),
        columns=columns,
        quote_columns=quote_columns,
    )


def _segment() -> pl.Expr:
    """The segment a GPU quote's region names (`normalize.segments`); tokens have none."""
    region = pl.col("region").str.to_lowercase()
    segment: pl.Expr = pl.when(pl.col("product") == "gpu_hour").then(pl.lit(STANDARD)).otherwise(None)
    for name, pattern in reversed(SEGMENT_RULES):
        segment = (
            pl.when((pl.col("product") == "gpu_hour") & region.str.contains(pattern))
            .then(pl.lit(name))
            .otherwise(segment)
        )
    return segment


def _first_failure(checks: list[tuple[str, pl.Expr, pl.Expr]]) -> tuple[pl.Expr, pl.Expr]:
    rule: pl.Expr = pl.lit(None, dtype=pl.String)
    reason: pl.Expr = pl.lit(None, dtype=pl.String)
    for name, failed, why in reversed(checks):
        rule = pl.when(failed.fill_null(False)).then(pl.lit(name)).otherwise(rule)
        reason = pl.when(failed.fill_null(False)).then(why).otherwise(reason)
    return rule, reason
