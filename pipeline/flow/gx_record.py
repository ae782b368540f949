"""Great Expectations' record of the batches a run loaded, made after the run (off its hot path).

A run's gate decides with the polars evaluator; this validates what was actually stored with GX's own engine
over the same suite, updates the GX project's validation results and Data Docs, and reports any batch where the
two disagree, or where the stored rows are not the rows that were checked. Failed batches are not here: GX
validated each of them when it failed (`quality.check_batches`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl

from pipeline import sources as source_registry
from pipeline.methodology import Methodology
from pipeline.quality import data_docs_index, validate_with_gx
from pipeline.store import Warehouse

BatchKey = tuple[str, str, datetime]  # source, capture_id, fetched_at
KEY = ["source", "capture_id", "fetched_at"]


@dataclass(frozen=True)
class GxRecord:
    batches: int  # loaded batches GX validated
    rows: int
    failed_at_run: int  # batches the run's gate failed (and GX validated then)
    disagreements: list[str] = field(default_factory=list)
    data_docs: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.disagreements


def record_with_gx(
    warehouse: Warehouse, m: Methodology, since: datetime | None = None, only: Collection[BatchKey] | None = None
) -> GxRecord:
    """GX over the stored quotes of the batches checked since `since` (default: the latest run's), or of `only`
    (whenever they were checked: never before they were fetched)."""
    if only is not None and not only:
        return GxRecord(0, 0, 0)  # a run that loaded nothing (every source down)
    checks = warehouse.batch_checks(since if only is None else min(k[2] for k in only))
    if only is not None:
        schema: dict[str, pl.DataType] = {
            "source": pl.String(),
            "capture_id": pl.String(),
            "fetched_at": checks.schema["fetched_at"],
        }
        checks = checks.join(pl.DataFrame(list(only), schema=schema, orient="row"), on=KEY)
    passed = checks.filter(pl.col("success"))
    failed_at_run = checks.height - passed.height
    if passed.is_empty():
        return GxRecord(0, 0, failed_at_run)
    stored = warehouse.quotes_of_captures(passed["capture_id"].to_list())
    by_batch = stored.partition_by(KEY, as_dict=True, maintain_order=True)
    empty = stored.clear()
    batches, names, checked, disagreements = [], [], [], []
    for source, capture_id, fetched_at, n_rows in passed.select(*KEY, "n_rows").iter_rows():
        name = f"{source} {capture_id[:12]} {fetched_at:%Y-%m-%d %H:%M}"
        if source not in source_registry.REGISTRY:
            disagreements.append(f"{name}: not validated, source {source!r} is not registered (no suite family)")
            continue
        batches.append((source_registry.get(source).product, by_batch.get((source, capture_id, fetched_at), empty)))
        names.append(name)
        checked.append(n_rows)
    for name, n_checked, (_, frame), gx in zip(
        names, checked, batches, validate_with_gx(batches, m.bounds) if batches else [], strict=True
    ):
        if not gx.success:
            disagreements.append(f"{name}: GX fails what the gate passed ({', '.join(_failed(gx.failures))})")
        if frame.height != n_checked:
            disagreements.append(f"{name}: {frame.height} rows stored, {n_checked} checked")
    docs = data_docs_index() if batches else None
    return GxRecord(len(batches), sum(f.height for _, f in batches), failed_at_run, disagreements, docs)


def _failed(failures: list[dict[str, object]]) -> list[str]:
    return [str(f["expectation"]) for f in failures]
