"""Quality gate: a persisted Great Expectations suite and checkpoint per source family over the normalised batches.

Row-level problems are rejections made earlier, in normalisation; this gate catches what must never reach the
warehouse at all (a broken parser, schema drift, a unit bug): a failed batch is recorded and not loaded.

The GX project lives under `$CIX_HOME/gx` (suites, validation definitions, checkpoints, results) and every run
updates its Data Docs (`$CIX_HOME/gx/uncommitted/data_docs/local_site/index.html`). The gate runs once per run
and family over all batches together; only when that fails is each batch of the family checked on its own, so a
bad batch still fails alone. GX is imported inside the functions (seconds): DAG files and the CLI's other
commands never pay for it, and its INFO logging is turned down to warnings.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from pipeline.domain.records import QUOTE_SCHEMA, UNITS
from pipeline.methodology.params import Bounds

SUITE_NAME = "quote_batch"
SUITE_VERSION = "2"
FAMILIES: dict[str, tuple[str, ...]] = {"gpu_hour": ("gpu_hour",), "tokens": tuple(u for u in UNITS if u != "gpu_hour")}
KEY_COLUMNS = ["source", "capture_id", "fetched_at", "row_no"]
NUMERIC = ["price_native", "fx_rate", "price_usd"]  # exact decimals, checked as floats (what is loaded stays exact)
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


def suite_name(family: str, bounds: dict[str, tuple[str, str]] | None = None) -> str:
    """quote_batch_<family>_v<version>_<digest of the bounds the suite checks>."""
    digest = hashlib.sha256(repr(sorted((bounds or {}).items())).encode()).hexdigest()[:8]
    return f"{SUITE_NAME}_{family}_v{SUITE_VERSION}_{digest}"


def gx_root() -> Path:
    """The GX project folder (GX names it `gx` inside the project root, here `$CIX_HOME`)."""
    from pipeline.config import paths

    return paths().home / "gx"


def data_docs_index() -> Path:
    return gx_root() / "uncommitted" / "data_docs" / "local_site" / "index.html"


@contextmanager
def _project_lock(root: Path) -> Iterator[None]:
    """GX writes its project files (YAML, JSON) without locking: one process at a time here."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".cix.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@cache
def _context(root: Path) -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    with _project_lock(root):
        context = gx.get_context(mode="file", project_root_dir=str(root.parent))
        context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def _checkpoint(context: Any, family: str, bounds: dict[str, tuple[str, str]]) -> Any:
    """The family's checkpoint, read from the GX project (under its lock, so it is the stored one). Suites are
    immutable: a suite's name carries its version and a digest of its bounds, and a name missing from the
    project is created (with its validation definition and checkpoint) by the first process that needs it."""
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction

    name = suite_name(family, bounds)
    try:
        return context.checkpoints.get(f"{name}_gate")
    except Exception:  # noqa: S110 - GX raises its own not-found kinds; any other trouble recurs below
        pass
    source = next((d for d in context.data_sources.all().values() if d.name == "cix"), None)
    source = source or context.data_sources.add_pandas("cix")
    asset = next((a for a in source.assets if a.name == family), None) or source.add_dataframe_asset(family)
    batch = next((b for b in asset.batch_definitions if b.name == "run"), None)
    batch = batch or asset.add_batch_definition_whole_dataframe("run")
    suite = context.suites.add_or_update(_suite(gx, name, FAMILIES[family], bounds))
    validation = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=name, data=batch, suite=suite)
    )
    return context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=f"{name}_gate",
            validation_definitions=[validation],
            actions=[UpdateDataDocsAction(name="data_docs")],
            result_format={"result_format": "SUMMARY"},
        )
    )


def _suite(gx: Any, name: str, units: tuple[str, ...], bounds: dict[str, tuple[str, str]]) -> Any:
    e = gx.expectations
    family = name.split("_v")[0].removeprefix(f"{SUITE_NAME}_")
    suite = gx.ExpectationSuite(name=name)
    suite.add_expectation(e.ExpectTableColumnsToMatchSet(column_set=list(QUOTE_SCHEMA), exact_match=True))
    for column in NOT_NULL:
        suite.add_expectation(e.ExpectColumnValuesToNotBeNull(column=column))
    suite.add_expectation(e.ExpectColumnValuesToBeInSet(column="unit", value_set=list(units)))
    suite.add_expectation(e.ExpectColumnValuesToBeInSet(column="product", value_set=[family]))
    suite.add_expectation(e.ExpectColumnValuesToMatchRegex(column="currency", regex=r"^[A-Z]{3}$"))
    suite.add_expectation(
        e.ExpectColumnValuesToMatchRegex(column="pricing_type", regex=r"^(?:on_demand|spot|batch|reserved_[a-z0-9_]+)$")
    )
    suite.add_expectation(e.ExpectColumnValuesToBeBetween(column="price_usd", min_value=0, strict_min=True))
    for unit in units:
        if unit in bounds:
            low, high = bounds[unit]
            suite.add_expectation(
                e.ExpectColumnValuesToBeBetween(
                    column="price_usd",
                    min_value=float(low),
                    max_value=float(high),
                    row_condition=f'unit=="{unit}"',
                    condition_parser="pandas",
                )
            )
    suite.add_expectation(e.ExpectCompoundColumnsToBeUnique(column_list=KEY_COLUMNS))
    return suite


def _run(family: str, quotes: pl.DataFrame, bounds: dict[str, Bounds]) -> GateResult:
    checked = {u: (str(b.low), str(b.high)) for u, b in bounds.items() if u in FAMILIES[family]}
    frame = quotes.with_columns(*(pl.col(c).cast(pl.Float64) for c in NUMERIC if c in quotes.columns)).to_pandas()
    context = _context(gx_root())
    with _project_lock(gx_root()):  # the checkpoint stores its result and rebuilds the Data Docs
        result = _checkpoint(context, family, checked).run(batch_parameters={"dataframe": frame})
    failures = []
    for validation in result.run_results.values():
        for r in validation.results:
            if r.success:
                continue
            config = r.expectation_config
            kwargs = {k: v for k, v in dict(config.kwargs).items() if k not in {"batch_id", "column_set"}}
            observed = {
                k: r.result.get(k)
                for k in ("observed_value", "unexpected_count", "partial_unexpected_list")
                if k in r.result
            }
            failures.append({"expectation": config.type, "kwargs": kwargs, "observed": observed})
    return GateResult(suite=suite_name(family, checked), success=not failures, n_rows=quotes.height, failures=failures)


def check_batch(quotes: pl.DataFrame, bounds: dict[str, Bounds], family: str | None = None) -> GateResult:
    """Validate one normalised batch; never raises for a bad batch, returns the failures instead."""
    return check_batches([(family or _family_of(quotes), quotes)], bounds)[0]


def check_batches(batches: Sequence[tuple[str, pl.DataFrame]], bounds: dict[str, Bounds]) -> list[GateResult]:
    """One result per batch: one checkpoint run per family over all its batches; when that fails, each batch of
    the family again on its own (so only the bad one fails)."""
    results: list[GateResult | None] = [None] * len(batches)
    for family in FAMILIES:
        mine = [i for i, (f, _) in enumerate(batches) if f == family]
        if not mine:
            continue
        together = _run(family, pl.concat([batches[i][1] for i in mine], how="diagonal_relaxed"), bounds)
        for i in mine:
            results[i] = (
                GateResult(together.suite, True, batches[i][1].height, [])
                if together.success
                else _run(family, batches[i][1], bounds)
            )
    unknown = [batches[i][0] for i, r in enumerate(results) if r is None]
    if unknown:
        raise ValueError(f"no quality suite for source family {unknown[0]!r}; known: {', '.join(FAMILIES)}")
    return [r for r in results if r is not None]


def _family_of(quotes: pl.DataFrame) -> str:
    products = quotes.get_column("product").unique().to_list() if "product" in quotes.columns else []
    return str(products[0]) if len(products) == 1 and products[0] in FAMILIES else "gpu_hour"
