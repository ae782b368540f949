"""Quality gate: a Great Expectations suite over each normalised batch.

Row-level problems are rejections made earlier, in normalisation; this gate catches
what must never reach the warehouse at all (a broken parser, schema drift, a unit
bug): if any expectation fails, the whole batch is recorded as failed and not loaded.
GX is imported inside `check_batch` because its import is slow (seconds): DAG files
and the CLI's other commands never pay for it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from typing import Any

import polars as pl

from pipeline.domain.records import QUOTE_SCHEMA, UNITS
from pipeline.methodology.params import Bounds

SUITE_NAME = "quote_batch"
SUITE_VERSION = "1"
KEY_COLUMNS = ["source", "capture_id", "fetched_at", "row_no"]
NOT_NULL = [
    "capture_id",
    "fetched_at",
    "source",
    "provider",
    "provider_class",
    "input_tier",
    "sku",
    "product",
    "pricing_type",
    "unit",
    "price_native",
    "currency",
    "fx_rate",
    "price_usd",
    "observed_at",
]


@dataclass(frozen=True)
class GateResult:
    suite: str
    success: bool
    n_rows: int
    failures: list[dict[str, Any]]


@cache
def _context() -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    source = context.data_sources.add_pandas("cix")
    asset = source.add_dataframe_asset("quote_batch")
    return gx, asset.add_batch_definition_whole_dataframe("whole")


def _suite(gx: Any, bounds: dict[str, Bounds]) -> Any:
    e = gx.expectations
    suite = gx.ExpectationSuite(name=f"{SUITE_NAME}_v{SUITE_VERSION}")
    suite.add_expectation(e.ExpectTableColumnsToMatchSet(column_set=list(QUOTE_SCHEMA), exact_match=True))
    for column in NOT_NULL:
        suite.add_expectation(e.ExpectColumnValuesToNotBeNull(column=column))
    suite.add_expectation(e.ExpectColumnValuesToBeInSet(column="unit", value_set=list(UNITS)))
    suite.add_expectation(e.ExpectColumnValuesToBeInSet(column="product", value_set=["gpu_hour", "tokens"]))
    suite.add_expectation(e.ExpectColumnValuesToMatchRegex(column="currency", regex=r"^[A-Z]{3}$"))
    suite.add_expectation(
        e.ExpectColumnValuesToMatchRegex(column="pricing_type", regex=r"^(?:on_demand|spot|batch|reserved_[a-z0-9_]+)$")
    )
    suite.add_expectation(e.ExpectColumnValuesToBeBetween(column="price_usd_f", min_value=0, strict_min=True))
    for unit, b in bounds.items():
        suite.add_expectation(
            e.ExpectColumnValuesToBeBetween(
                column=f"range_{unit}", min_value=float(b.low), max_value=float(b.high), mostly=1.0
            )
        )
    suite.add_expectation(e.ExpectCompoundColumnsToBeUnique(column_list=KEY_COLUMNS))
    return suite


def check_batch(quotes: pl.DataFrame, bounds: dict[str, Bounds]) -> GateResult:
    """Validate one normalised batch; never raises for a bad batch, returns the failures instead."""
    gx, batch_definition = _context()
    suite = _suite(gx, bounds)
    frame = quotes.with_columns(
        pl.col("price_usd").cast(pl.Float64).alias("price_usd_f"),
        *(
            pl.when(pl.col("unit") == unit).then(pl.col("price_usd").cast(pl.Float64)).alias(f"range_{unit}")
            for unit in bounds
        ),
    )
    pdf = frame.to_pandas()
    # Exact-column check runs on the real columns only; helper columns are for the numeric checks.
    result = batch_definition.get_batch(batch_parameters={"dataframe": pdf}).validate(suite)
    failures = []
    for r in result.results:
        if r.success:
            continue
        config = r.expectation_config
        kwargs = dict(config.kwargs)
        kwargs.pop("batch_id", None)
        if config.type == "expect_table_columns_to_match_set":
            observed = set(r.result.get("observed_value") or [])
            helpers = {"price_usd_f", *(f"range_{u}" for u in bounds)}
            if observed - helpers == set(QUOTE_SCHEMA):
                continue
        failures.append(
            {
                "expectation": config.type,
                "kwargs": {k: v for k, v in kwargs.items() if k != "column_set"},
                "observed": {
                    k: r.result.get(k)
                    for k in ("observed_value", "unexpected_count", "partial_unexpected_list")
                    if k in r.result
                },
            }
        )
    return GateResult(
        suite=f"{SUITE_NAME}_v{SUITE_VERSION}", success=not failures, n_rows=quotes.height, failures=failures
    )
