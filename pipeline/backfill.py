"""Rebuild index history from dated archives, each observation at its own time.

An archive is a folder of files a source's parser reads. Two kinds:
- *snapshot* archives (a file is the state of a price list until the next file, e.g. the
  LiteLLM map committed at month end, or a cloud catalog on the days it changed): each
  snapshot is loaded with `in_force_until` = the next snapshot's time, so the methodology's
  carry-forward rule may use it (flagged `carried_forward_input`) for at most its limit;
- *observation* archives (every record carries its own time: half-hourly marketplace
  statistics, a daily price log, a dated page capture): loaded as they are.
Then the fixings of every day the archives cover are computed and recorded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import polars as pl
from rich.progress import Progress

from pipeline import sources
from pipeline.capture import CaptureStore
from pipeline.index.fixing import Fixing, compute_series, fixing_time, lookback
from pipeline.methodology import Methodology
from pipeline.models import RawCapture
from pipeline.run import SourceOutcome, process
from pipeline.store import Warehouse

TimeOf = Callable[[Path, bytes], datetime]


def _date_in_name(path: Path, at: time) -> datetime:
    match = re.search(r"(\d{4})-?(\d{2})-?(\d{2})", path.stem)
    if not match:
        raise ValueError(f"{path.name}: no date in the file name")
    return datetime.combine(date(*(int(g) for g in match.groups())), at, tzinfo=UTC)


def end_of_named_day(path: Path, _body: bytes) -> datetime:
    """Catalog archives keep the last commit of each day: the state at the end of that day."""
    return _date_in_name(path, time(23, 59, 59))


def litellm_time(path: Path, body: bytes) -> datetime:
    """The mirror adds `last_updated` (UTC) when it writes the file; else the commit date in the name."""
    match = re.search(rb'"last_updated":\s*"([^"]+)"', body)
    if match:
        return datetime.fromisoformat(match.group(1).decode()).astimezone(UTC)
    return _date_in_name(path, time(12, 0))


def last_record_time(_path: Path, body: bytes) -> datetime:
    """A log of dated records was captured no earlier than its last record."""
    stamps = re.findall(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?", body)
    latest = max(datetime.fromisoformat(s.decode().replace("Z", "+00:00")) for s in stamps)
    return latest if latest.tzinfo else latest.replace(tzinfo=UTC)


def wayback_time(_path: Path, body: bytes) -> datetime:
    from pipeline.sources._html import wayback_time as read

    found = read(body)
    if found is None:
        raise ValueError("archived page without a Wayback capture time")
    return found


def commit_time(when: str) -> TimeOf:
    """A file whose only date is the commit it was taken from (stated in the archive's README)."""
    fixed = datetime.fromisoformat(when).astimezone(UTC)
    return lambda _path, _body: fixed


@dataclass(frozen=True)
class Archive:
    name: str
    source: str
    pattern: str  # glob under the realdata root
    time_of: TimeOf
    snapshots: bool


PAGE_SOURCES = {
    "lambda": "lambda-page",
    "crusoe": "crusoe-page",
    "datacrunch": "datacrunch-page",
    "nebius": "nebius-page",
    "hyperstack": "hyperstack-page",
    "fluidstack": "fluidstack-page",
    "paperspace": "paperspace-page",
    "digitalocean": "digitalocean-page",
    "voltagepark": "voltagepark-page",
    "runpod": "runpod-page",
}

ARCHIVES: tuple[Archive, ...] = (
    Archive("litellm-history", "litellm", "litellm-history/*.json", litellm_time, snapshots=True),
    Archive("llm-prices", "llm-prices", "llm-prices/*.json", commit_time("2026-08-05T18:25:35-07:00"), False),
    Archive("lambda-catalog-history", "lambda-catalog", "gpu-catalog-history/lambda/*.csv", end_of_named_day, True),
    Archive("azure-catalog-history", "azure-catalog", "gpu-catalog-history/azure/*.csv", end_of_named_day, True),
    Archive("vast-catalog-history", "vast-catalog", "gpu-catalog-history/vast/*.csv", end_of_named_day, True),
    Archive("gpu-price-tracker", "primeintellect", "gpu-price-tracker/*.jsonl", last_record_time, False),
    Archive("primeintellect", "primeintellect", "primeintellect/*.jsonl", last_record_time, False),
    Archive("aws-gpu-prices", "aws-history", "aws/gpu_prices.csv", last_record_time, False),
    *(
        Archive(f"pricing-pages-{provider}", source, f"pricing-pages/{provider}_*.html", wayback_time, False)
        for provider, source in PAGE_SOURCES.items()
    ),
)
# Not loaded: gpu-catalog-history/gcp keeps only accelerator rows, and a GCP GPU machine's price is the
# accelerator plus its host VM, which those files do not have (see pipeline/sources/gcp.py).


@dataclass
class BackfillReport:
    captures: int = 0
    loaded_quotes: int = 0
    errors: list[str] | None = None
    days: int = 0
    published: int = 0
    withheld: int = 0
    first_day: date | None = None
    last_day: date | None = None


def archive_captures(archive: Archive, root: Path) -> list[RawCapture]:
    """The archive's files as captures at their own times, snapshots chained by `in_force_until`."""
    files = sorted(root.glob(archive.pattern))
    dated = sorted(((archive.time_of(p, p.read_bytes()), p) for p in files), key=lambda tp: (tp[0], tp[1].name))
    captures = []
    for i, (when, path) in enumerate(dated):
        following = dated[i + 1][0] if archive.snapshots and i + 1 < len(dated) else None
        captures.append(
            RawCapture(
                source=archive.source,
                url=f"archive://{archive.name}/{path.relative_to(root)}",
                fetched_at=when,
                body=path.read_bytes(),
                content_type="text/csv" if path.suffix == ".csv" else "application/octet-stream",
                in_force_until=following,
            )
        )
    return captures


def backfill(
    warehouse: Warehouse,
    store: CaptureStore,
    root: Path,
    m: Methodology,
    *,
    only: Iterable[str] | None = None,
    progress: bool = True,
    publish_root: Path | None = None,
    home: Path | None = None,
) -> BackfillReport:
    wanted = set(only) if only else None
    archives = [a for a in ARCHIVES if (wanted is None or a.name in wanted) and a.source in sources.REGISTRY]
    report = BackfillReport(errors=[])
    now = datetime.now(UTC)
    with Progress(disable=not progress, transient=False) as bar:
        task = bar.add_task("loading archives", total=len(archives))
        for archive in archives:
            captures = archive_captures(archive, root)
            outcome = SourceOutcome(source=archive.source, captures=captures)
            for c in captures:
                warehouse.record_capture(c, store.put(c), f"backfill:{archive.name}")
            process(outcome, warehouse, m, ingested_at=now, group_gate=True)
            report.captures += len(captures)
            report.loaded_quotes += outcome.loaded_quotes
            if outcome.error is not None:
                report.errors.append(f"{archive.name}: {outcome.error.reason}")  # type: ignore[union-attr]
            bar.advance(task)

        first, last = _covered_days(warehouse)
        if first is None or last is None:
            return report
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        report.first_day, report.last_day, report.days = first, last, len(days)
        quotes = warehouse.quotes_between(fixing_time(first, m) - lookback(m), fixing_time(last, m))
        task = bar.add_task("computing fixings", total=len(m.indices))
        for definition in m.indices:
            _store(warehouse, compute_series(quotes, definition, days, m), m, report)
            bar.advance(task)
        if publish_root is not None:
            from pipeline.publish.signing import load_signing_key
            from pipeline.run import publish

            key = load_signing_key(home) if home is not None else None
            task = bar.add_task("publishing", total=len(days))
            for day in days:
                publish(day, warehouse, publish_root, m.version, key=key, home=home)
                bar.advance(task)
    return report


def _store(warehouse: Warehouse, batch: list[Fixing], m: Methodology, report: BackfillReport) -> None:
    warehouse.store_fixings(
        batch, datetime.now(UTC), "backfill from dated archives", republish_threshold=m.republish_threshold
    )
    report.published += sum(f.status == "published" for f in batch)
    report.withheld += sum(f.status == "withheld" for f in batch)


def _covered_days(warehouse: Warehouse) -> tuple[date | None, date | None]:
    row = warehouse.one("SELECT min(observed_at), max(coalesce(in_force_until, observed_at)) FROM quote")
    if row is None or row[0] is None:
        return None, None
    first: datetime = row[0]
    last: datetime = row[1]
    return first.astimezone(UTC).date(), last.astimezone(UTC).date()


def summary(warehouse: Warehouse) -> pl.DataFrame:
    """Published days and span per index: what the backfill produced."""
    return warehouse.frame(
        "SELECT index_code, count(*) FILTER (WHERE status = 'published') AS published_days, "
        "count(*) AS days, min(fixing_date) FILTER (WHERE status = 'published') AS first_published, "
        "max(fixing_date) FILTER (WHERE status = 'published') AS last_published FROM fixing "
        "WHERE status IN ('published', 'withheld') GROUP BY index_code ORDER BY index_code"
    )


def dump(report: BackfillReport) -> str:
    return json.dumps({k: (v.isoformat() if isinstance(v, date) else v) for k, v in report.__dict__.items()})
