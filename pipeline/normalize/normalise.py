"""Parsed rows -> quotes (USD per unit, canonical identity) | rejections, vectorised in polars."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import polars as pl

from pipeline.domain.records import PRICE_DTYPE, QUOTE_SCHEMA, REJECTION_SCHEMA, RawCapture
from pipeline.methodology.params import Bounds
from pipeline.normalize.identity import GPU_RULES, RULES_VERSION, TOKEN_RULES, TOKEN_VARIANT_PATTERN, Rule
from pipeline.normalize.segments import SEGMENT_RULES, STANDARD

MILLION = 1_000_000


def _match(rules: tuple[Rule, ...], key: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(good, nominal memory, identity rejection reason) for the first matching rule."""
    good: pl.Expr = pl.lit(None, dtype=pl.String)
    memory: pl.Expr = pl.lit(None, dtype=pl.Float64)
    reason: pl.Expr = pl.lit(None, dtype=pl.String)
    for rule in reversed(rules):  # build inside-out so the first rule wins
        cond = pl.lit(True)
        for pattern in rule.all_of:
            cond = cond & key.str.contains(pattern)
        for pattern in rule.none_of:
            cond = cond & ~key.str.contains(pattern)
        good = pl.when(cond).then(pl.lit(rule.good, dtype=pl.String)).otherwise(good)
        memory = pl.when(cond).then(pl.lit(rule.memory_gb, dtype=pl.Float64)).otherwise(memory)
        reason = pl.when(cond).then(pl.lit(rule.reason, dtype=pl.String)).otherwise(reason)
    return good, memory, reason


def _gpu_key() -> pl.Expr:
    memory = pl.col("gpu_memory_gb").round(0).cast(pl.Int64).cast(pl.String)
    label = pl.col("label").str.to_uppercase().str.replace_all(r"[_\-/()]", " ")
    return pl.when(pl.col("gpu_memory_gb").is_not_null()).then(label + " " + memory + "GB").otherwise(label)


def identities(parsed: pl.DataFrame) -> pl.DataFrame:
    """Canonical identity per distinct (product, key): rules run once per label, not once per row."""
    is_gpu = pl.col("product") == "gpu_hour"
    keys = parsed.select(
        "product",
        pl.when(is_gpu).then(_gpu_key()).otherwise(pl.col("sku").str.to_lowercase()).alias("_identity_key"),
    ).unique()
    gpu_good, gpu_memory, gpu_reason = _match(GPU_RULES, pl.col("_identity_key"))
    token_good, _, token_reason = _match(TOKEN_RULES, pl.col("_identity_key"))
    return keys.with_columns(
        pl.when(is_gpu).then(gpu_good).otherwise(token_good).alias("good"),
        pl.when(is_gpu).then(gpu_memory).otherwise(None).alias("_nominal_gb"),
        pl.when(is_gpu).then(gpu_reason).otherwise(token_reason).alias("_identity_reason"),
        pl.when(is_gpu)
        .then(pl.lit(None, dtype=pl.String))
        .otherwise(
            pl.col("_identity_key")
            .str.extract_all(TOKEN_VARIANT_PATTERN)
            .list.unique(maintain_order=True)
            .list.join("+")
            .replace("", None)
        )
        .alias("variant"),
    )


def normalise(
    parsed: pl.DataFrame,
    capture: RawCapture,
    bounds: Mapping[str, Bounds],
    fx_rates: Mapping[str, Decimal] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split a parser's rows into quotes and rejections. Pure: same inputs, same outputs."""
    rates = {"USD": Decimal(1), **(fx_rates or {})}
    is_gpu = pl.col("product") == "gpu_hour"

    rate_table = pl.DataFrame(
        {"currency": list(rates), "fx_rate": [str(v) for v in rates.values()]},
        schema={"currency": pl.String, "fx_rate": pl.String},
    ).with_columns(pl.col("fx_rate").str.to_decimal(scale=18))

    frame = (
        parsed.with_columns(
            pl.col("price_native").str.strip_chars().str.to_decimal(scale=28).alias("_price"),
            pl.when(is_gpu).then(_gpu_key()).otherwise(pl.col("sku").str.to_lowercase()).alias("_identity_key"),
        )
        .join(identities(parsed), on=["product", "_identity_key"], how="left")
        .join(rate_table, on="currency", how="left")
        .with_columns(
            pl.when((pl.col("price_per") == "instance_hour") & (pl.col("gpu_count") > 0))
            .then(pl.col("_price") / pl.col("gpu_count"))
            .when(pl.col("price_per") == "instance_hour")
            .then(None)
            .when(pl.col("price_per") == "token")
            .then(pl.col("_price") * MILLION)
            .otherwise(pl.col("_price"))
            .alias("_per_unit")
        )
        .with_columns((pl.col("_per_unit") * pl.col("fx_rate")).cast(PRICE_DTYPE).alias("price_usd"))
    )

    low = (
        pl.col("unit").replace_strict({u: str(b.low) for u, b in bounds.items()}, default=None).str.to_decimal(scale=24)
    )
    high = (
        pl.col("unit")
        .replace_strict({u: str(b.high) for u, b in bounds.items()}, default=None)
        .str.to_decimal(scale=24)
    )
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
    frame = frame.with_columns(
        rule.alias("rule"),
        reason.alias("reason"),
        pl.lit(capture.capture_id).alias("capture_id"),
        pl.lit(capture.fetched_at).alias("fetched_at"),
        pl.col("in_force_until").fill_null(pl.lit(capture.in_force_until, dtype=pl.Datetime("us", "UTC"))),
        pl.col("segment").fill_null(_segment()),
        pl.col("time_basis").fill_null(
            pl.when(pl.col("observed_at") == pl.lit(capture.fetched_at))
            .then(pl.lit("fetch"))
            .otherwise(pl.lit("content"))
        ),
        pl.lit(RULES_VERSION).alias("rules_version"),
        pl.col("_price").alias("price_native_dec"),
    )
    quotes = (
        frame.filter(pl.col("rule").is_null())
        .select(
            pl.col("price_native_dec").alias("price_native") if name == "price_native" else pl.col(name)
            for name in QUOTE_SCHEMA
        )
        .cast(pl.Schema(QUOTE_SCHEMA))
    )
    rejections = (
        frame.filter(pl.col("rule").is_not_null()).select(list(REJECTION_SCHEMA)).cast(pl.Schema(REJECTION_SCHEMA))
    )
    return quotes, rejections


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
