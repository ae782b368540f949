"""Quality gate: the suite of each source family (`quality.suite`) over the normalised batches of a run.

Row-level problems are rejections made earlier, in normalisation; this gate catches what must never reach the
warehouse at all (a broken parser, schema drift, a unit bug): a failed batch is recorded and not loaded.

A run decides with the polars evaluator (milliseconds); Great Expectations validates the same suite off the hot
path: at once for a failed batch, afterwards for loaded ones (`cix quality`, the capture DAG's `gx_record`). The GX
project lives under `$CIX_HOME/gx` (suites, validation definitions, checkpoints, results) and each GX validation
updates its Data Docs (`$CIX_HOME/gx/uncommitted/data_docs/local_site/index.html`). GX is imported inside the
functions (seconds): a run that passes, the DAG files and the CLI's other commands never pay for it, and its INFO
logging is turned down to warnings.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from pipeline.methodology.params import Bounds
from pipeline.quality.evaluate import evaluate
from pipeline.quality.suite import FAMILIES, NUMERIC, expectations, suite_name


@dataclass(frozen=True)
class GateResult:
    suite: str
    success: bool
    n_rows: int
    failures: list[dict[str, Any]]


def gx_root() -> Path:
    """The GX project folder (GX names it `gx` inside the project root, here `$CIX_HOME`)."""
    from pipeline.config import paths

    return paths().home / "gx"


def data_docs_index() -> Path:
    return gx_root() / "uncommitted" / "data_docs" / "local_site" / "index.html"


# GX validation results kept, with their Data Docs pages: about a day of 15-minute capture runs (two families
# each). Every checkpoint run rebuilds the Data Docs index from all stored results (measured: 0.5 s + 1.5 ms per
# stored result, ~100 kB of files each), so without a limit a year of runs would take minutes each and gigabytes.
# The record of every verdict is the warehouse's `batch_check`; GX's results are a view of the recent ones.
KEEP_RESULTS = 200


def prune_results(root: Path, keep: int) -> int:
    """Delete all but the newest `keep` stored validation results and their Data Docs pages; returns how many went.
    A result's folder is named by its run time (YYYYMMDDTHHMMSS.ffffffZ), so names sort as times."""
    results = root / "uncommitted" / "validations"
    pages = root / "uncommitted" / "data_docs" / "local_site" / "validations"
    stored = sorted(results.glob("*/*/*/*.json"), key=lambda f: (f.parent.name, str(f)), reverse=True)
    for old in stored[keep:]:
        relative = old.relative_to(results)
        old.unlink()
        pages.joinpath(relative).with_suffix(".html").unlink(missing_ok=True)
        for folder in (results / relative.parent, pages / relative.parent):
            while folder not in (results, pages) and folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
                folder = folder.parent
    return max(0, len(stored) - keep)


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
    suite = context.suites.add_or_update(_suite(gx, name, family, bounds))
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


def _suite(gx: Any, name: str, family: str, bounds: dict[str, tuple[str, str]]) -> Any:
    suite = gx.ExpectationSuite(name=name)
    for e in expectations(family, bounds):
        kwargs = {k: float(v) if k in {"min_value", "max_value"} else v for k, v in e.kwargs.items()}
        suite.add_expectation(getattr(gx.expectations, e.class_name)(**kwargs))
    return suite


def gx_validate(family: str, quotes: pl.DataFrame, bounds: dict[str, Bounds], docs: bool = True) -> GateResult:
    """Great Expectations' verdict on one frame of a family: a checkpoint run (its result stored, Data Docs updated),
    or with `docs=False` its validation definition's run alone (the result stored, the Data Docs left as they are:
    the same verdict in about a third of the time, for a caller that only compares verdicts)."""
    checked = _checked(family, bounds)
    frame = quotes.with_columns(*(pl.col(c).cast(pl.Float64) for c in NUMERIC if c in quotes.columns)).to_pandas()
    context = _context(gx_root())
    batch = {"dataframe": frame}
    with _project_lock(gx_root()):  # the run stores its result (and the checkpoint rebuilds the Data Docs)
        prune_results(gx_root(), KEEP_RESULTS - 1)
        checkpoint = _checkpoint(context, family, checked)
        if docs:
            validations = list(checkpoint.run(batch_parameters=batch).run_results.values())
        else:
            definition = checkpoint.validation_definitions[0]
            validations = [definition.run(batch_parameters=batch, result_format=checkpoint.result_format)]
    failures = []
    for validation in validations:
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
    """One result per batch, decided by the polars evaluator: one pass per family over all its batches, each
    batch on its own only when that fails. A failed batch is validated by Great Expectations at once (a failure
    is rare and worth GX's own record, which is what is stored); should GX pass a batch the evaluator failed, the
    batch still fails (the stricter verdict stands) and its record says `gx_passed`."""
    results: list[GateResult | None] = [None] * len(batches)
    for family, mine in _by_family(batches):
        checked = _checked(family, bounds)
        suite, name = expectations(family, checked), suite_name(family, checked)
        together = evaluate(pl.concat([batches[i][1] for i in mine], how="diagonal_relaxed"), suite)
        passed = all(o.success for o in together)
        for i in mine:
            quotes = batches[i][1]
            own = [] if passed else [o.failure() for o in evaluate(quotes, suite) if not o.success]
            if not own:
                results[i] = GateResult(name, True, quotes.height, [])
                continue
            gx = gx_validate(family, quotes, bounds)
            results[i] = gx if not gx.success else GateResult(name, False, quotes.height, [*own, GX_PASSED])
    return [r for r in results if r is not None]


GX_PASSED = {"expectation": "gx_passed", "kwargs": {}, "observed": {"note": "Great Expectations passed this batch"}}


def validate_with_gx(batches: Sequence[tuple[str, pl.DataFrame]], bounds: dict[str, Bounds]) -> list[GateResult]:
    """Great Expectations' own verdict per batch (off the hot path: for the record, the Data Docs and the check
    that both evaluators agree): one checkpoint run per family over all its batches; when that fails, each batch of
    the family again on its own (so only the bad one fails)."""
    results: list[GateResult | None] = [None] * len(batches)
    for family, mine in _by_family(batches):
        together = gx_validate(family, pl.concat([batches[i][1] for i in mine], how="diagonal_relaxed"), bounds)
        for i in mine:
            results[i] = (
                GateResult(together.suite, True, batches[i][1].height, [])
                if together.success
                else gx_validate(family, batches[i][1], bounds)
            )
    return [r for r in results if r is not None]


def _by_family(batches: Sequence[tuple[str, pl.DataFrame]]) -> list[tuple[str, list[int]]]:
    unknown = [f for f, _ in batches if f not in FAMILIES]
    if unknown:
        raise ValueError(f"no quality suite for source family {unknown[0]!r}; known: {', '.join(FAMILIES)}")
    groups = [(family, [i for i, (f, _) in enumerate(batches) if f == family]) for family in FAMILIES]
    return [(family, mine) for family, mine in groups if mine]


def _checked(family: str, bounds: dict[str, Bounds]) -> dict[str, tuple[str, str]]:
    return {u: (str(b.low), str(b.high)) for u, b in bounds.items() if u in FAMILIES[family]}


def _family_of(quotes: pl.DataFrame) -> str:
    products = quotes.get_column("product").unique().to_list() if "product" in quotes.columns else []
    return str(products[0]) if len(products) == 1 and products[0] in FAMILIES else "gpu_hour"
