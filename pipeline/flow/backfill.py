"""Rebuild index history from the dated archives the sources declare, each observation at its own time.

An archive is a folder of files a source's parser reads (`sources.base.Archive`). Two kinds:
- *snapshot* archives (a file is the state of a price list until the next file, e.g. the
  LiteLLM map committed at month end, or a cloud catalog on the days it changed): each
  snapshot is loaded with `in_force_until` = the next snapshot's time, so the methodology's
  carry-forward rule may use it (flagged `carried_forward_input`) for at most its limit;
- *observation* archives (every record carries its own time: half-hourly marketplace
  statistics, a daily price log, a dated page capture): loaded as they are.
Then the fixings of every day the archives cover are computed and recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
from rich.progress import Progress

from pipeline import sources
from pipeline.capture import CaptureStore
from pipeline.domain.fixing import Fixing
from pipeline.domain.records import RawCapture
from pipeline.flow.daily import record_fixings
from pipeline.flow.helpers import Helpers
from pipeline.flow.ingest import SourceOutcome, ingest_all
from pipeline.flow.parse import POOL_MIN_BYTES
from pipeline.flow.parse_cache import ParseCache
from pipeline.index.fixing import CHUNK_DAYS, chunk_fixings, chunks
from pipeline.methodology import Methodology
from pipeline.sources.base import Archive
from pipeline.store import Warehouse


@dataclass(frozen=True)
class SourceArchive:
    """An archive and the source whose parser reads it."""

    source: str
    archive: Archive

    @property
    def name(self) -> str:
        return self.archive.name


def archives() -> list[SourceArchive]:
    """Every archive the registered sources declare, in registry order."""
    return [SourceArchive(s.name, a) for s in sources.REGISTRY.values() for a in s.archives]


@dataclass
class BackfillReport:
    captures: int = 0
    loaded_quotes: int = 0
    errors: list[str] = field(default_factory=list)
    days: int = 0
    published: int = 0
    indicative: int = 0
    withheld: int = 0
    first_day: date | None = None
    last_day: date | None = None


def archive_captures(entry: SourceArchive, root: Path) -> list[RawCapture]:
    """The archive's files as captures at their own times, snapshots chained by `in_force_until`."""
    archive = entry.archive
    files = sorted(root.glob(archive.pattern))
    dated = sorted(((archive.time_of(p, p.read_bytes()), p) for p in files), key=lambda tp: (tp[0], tp[1].name))
    captures = []
    for i, (when, path) in enumerate(dated):
        following = dated[i + 1][0] if archive.snapshots and i + 1 < len(dated) else None
        captures.append(
            RawCapture(
                source=entry.source,
                url=f"archive://{archive.name}/{path.relative_to(root)}",
                fetched_at=when,
                body=path.read_bytes(),
                content_type="text/csv" if path.suffix == ".csv" else "application/octet-stream",
                in_force_until=following,
            )
        )
    return captures


def load_archives(
    warehouse: Warehouse,
    store: CaptureStore,
    root: Path,
    m: Methodology,
    *,
    only: Iterable[str] | None = None,
    report: BackfillReport | None = None,
    on_archive: Callable[[], None] | None = None,
    cache: ParseCache | None = None,
    helpers: Helpers | None = None,
) -> list[date]:
    """Load the selected archives (idempotent: captures are keyed, loads skip rows present) and return the days
    their quotes cover (the days a backfill fixes). Every capture is parsed once here: through `cache` when given,
    which then holds what `verify` would otherwise re-parse."""
    wanted = set(only) if only else None
    report = report if report is not None else BackfillReport()
    now = datetime.now(UTC)
    outcomes: dict[str, SourceOutcome] = {}
    for archive in [a for a in archives() if wanted is None or a.name in wanted]:
        captures = archive_captures(archive, root)
        warehouse.record_captures([(c, store.put(c)) for c in captures], f"backfill:{archive.name}")
        outcomes[archive.name] = SourceOutcome(source=archive.source, captures=captures)
        if on_archive is not None:
            on_archive()
    # all archives in one ingest: reference rates first, one quality gate over every batch, one load
    ingest_all(outcomes.values(), warehouse, m, ingested_at=now, cache=cache, helpers=helpers)
    for name, outcome in outcomes.items():
        report.captures += len(outcome.captures)
        report.loaded_quotes += outcome.loaded_quotes
        if outcome.error is not None:
            report.errors.append(f"{name}: {outcome.error.reason}")
    first, last = (None if t is None else t.astimezone(UTC).date() for t in warehouse.quote_span())
    if first is None or last is None:
        return []
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


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
    cache: ParseCache | None = None,
    workers: int | None = None,
) -> BackfillReport:
    """Load the archives, then compute and record the fixings of every day they cover, then publish them when asked.
    Parsing and computing use `workers` processes (None: one per core when there is enough to parse, or more than
    one chunk of days to compute)."""
    wanted = set(only) if only else None
    selected = [a for a in archives() if wanted is None or a.name in wanted]
    report = BackfillReport()
    with Progress(disable=not progress, transient=False) as bar, Helpers(workers) as helpers:
        size = sum(p.stat().st_size for a in selected for p in root.glob(a.archive.pattern))
        if helpers.parts_for(size, POOL_MIN_BYTES) > 1:
            helpers.pool()  # started now, so the helpers' imports overlap the reading of the archives
        task = bar.add_task("reading archives", total=len(selected))  # then one ingest of them all
        days = load_archives(
            warehouse, store, root, m, only=only, report=report, on_archive=lambda: bar.advance(task), cache=cache,
            helpers=helpers,
        )  # fmt: skip
        if not days:
            return report
        first, last = days[0], days[-1]
        report.first_day, report.last_day, report.days = first, last, len(days)
        # in chunks of days, each from only the quotes it may read, so memory stays flat however long the history;
        # every chunk is recorded as of the same moment, as one backfill
        recorded_at = datetime.now(UTC)
        chunk = chunk_days(warehouse.count("quote"), (last - first).days + 1)
        task = bar.add_task("computing fixings", total=-(-len(days) // chunk))
        for batch in fixings_in_chunks(warehouse.quotes_between, days, m, chunk, helpers):
            _store(warehouse, batch, m, report, recorded_at)
            bar.advance(task)
        if publish_root is not None:
            from pipeline.flow.daily import publish_days
            from pipeline.publish.signing import load_signing_key

            key = load_signing_key(home) if home is not None else None
            task = bar.add_task("publishing", total=len(days))
            publish_days(
                days, warehouse, publish_root, m.version, key=key, home=home, on_day=lambda _: bar.advance(task)
            )
    return report


# Quotes a backfill computes from at once. Each is repeated for every fixing time it can still affect (up to the
# carry-forward limit), so 250k quotes made a 1.4 GB peak in `make bench`'s history row (2M: 6.6 GB). A chunk
# is at least CHUNK_DAYS days, more where quotes are sparse: each chunk costs a fixed ~1 s of grouping.
QUOTES_PER_CHUNK = 250_000


def chunk_days(quotes: int, span_days: int) -> int:
    """Days per chunk for `quotes` spread over `span_days`: sparse archives in one chunk, dense ones a month."""
    per_day = max(quotes, 1) / max(span_days, 1)
    return max(CHUNK_DAYS, int(QUOTES_PER_CHUNK / per_day))


def fixings_in_chunks(
    read: Callable[[datetime, datetime], pl.DataFrame],
    days: list[date],
    m: Methodology,
    chunk_days: int,
    helpers: Helpers,
) -> Iterator[list[Fixing]]:
    """`index.fixing.history_in_chunks` on every core: of each group of chunks (one per process), this process reads
    every chunk's quotes, hands all but the first to the helpers, computes the first itself, then yields them in
    order. The same fixings in the same order; memory is one chunk per process."""
    plan = chunks(days, m, chunk_days)
    parts = helpers.parts_for(len(plan), 2)
    for i in range(0, len(plan), parts):
        here, *elsewhere = plan[i : i + parts]
        remote = [helpers.submit(chunk_fixings, read(c.start, c.end), c, m) for c in elsewhere]
        yield chunk_fixings(read(here.start, here.end), here, m)
        for future in remote:
            yield helpers.result(future)


def _store(
    warehouse: Warehouse, batch: list[Fixing], m: Methodology, report: BackfillReport, recorded_at: datetime
) -> None:
    record_fixings(warehouse, batch, recorded_at, "backfill from dated archives", m)
    report.published += sum(f.status == "published" for f in batch)
    report.indicative += sum(f.status == "indicative" for f in batch)
    report.withheld += sum(f.status == "withheld" for f in batch)
