"""The pipeline's steps, as functions the CLI and the Airflow DAG both call.

capture (network or replay) -> normalise -> quality gate -> load -> fix -> publish.
Each step is safe to repeat: captures are content-addressed, loads skip rows already
present, and a fixing is only re-recorded when it changed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import polars as pl

from pipeline import sources as source_registry
from pipeline.capture import CaptureSet, CaptureStore, replay_server
from pipeline.config import SAMPLES_DIR, Paths, paths
from pipeline.index.fixing import Fixing, compute_all, lookback
from pipeline.methodology import CURRENT, Methodology, load
from pipeline.models import RawCapture
from pipeline.normalize import normalise
from pipeline.publish import write_publication
from pipeline.publish.signing import SigningKey, load_signing_key
from pipeline.sources import Fetcher, Request, Source, SourceError
from pipeline.store import Warehouse

log = logging.getLogger("cix")
DEFAULT_SAMPLE_SET = SAMPLES_DIR / "default"


@dataclass
class SourceOutcome:
    source: str
    captures: list[RawCapture] = field(default_factory=list)
    error: SourceError | None = None
    loaded_quotes: int = 0
    rejections: int = 0
    gate_failures: list[str] = field(default_factory=list)


@dataclass
class RunReport:
    fixing_date: date
    outcomes: list[SourceOutcome]
    fixings: list[Fixing]
    publication: list[Path]


def fetch_source(source: Source, fetcher: Fetcher) -> tuple[list[RawCapture], SourceError | None]:
    try:
        return fetcher.fetch(source), None
    except SourceError as exc:
        return exc.partial, exc


def capture(
    selected: Iterable[Source],
    warehouse: Warehouse,
    store: CaptureStore,
    *,
    capture_set: CaptureSet | None = None,
    clock: Callable[[], datetime] | None = None,
    timeout: float = 30.0,
    concurrency: int = 4,
    retries: int = 1,
) -> list[SourceOutcome]:
    """Fetch every selected source (from the replay server when a capture set is given) and keep the bodies."""
    selected = list(selected)
    now = clock or (lambda: datetime.now(UTC))
    if capture_set is not None:
        fixed = now if clock is not None else (lambda: capture_set.fetched_at)
        with replay_server(capture_set.entries) as base, httpx.Client(timeout=timeout) as client:
            fetcher = Fetcher(client=client, replay_base=base, clock=fixed, retries=retries, sleep=lambda s: None)
            fetched = _fetch_all([_as_replayed(s, capture_set) for s in selected], fetcher, concurrency)
            return [_record(o, warehouse, store, capture_set.name) for o in fetched]
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        fetcher = Fetcher(client=client, clock=now)
        return [_record(o, warehouse, store, None) for o in _fetch_all(selected, fetcher, concurrency)]


def _as_replayed(source: Source, capture_set: CaptureSet) -> Source:
    """In a replay, a source requests exactly what the capture set recorded for it."""
    recorded = tuple(Request(url=e.url, method=e.method) for e in capture_set.entries if e.source == source.name)
    return replace(source, requests=recorded) if recorded else source


def _fetch_all(selected: list[Source], fetcher: Fetcher, concurrency: int) -> list[tuple[SourceOutcome, datetime]]:
    """Fetch sources concurrently (bounded); one source's failure is its own outcome, never the others'."""

    def one(source: Source) -> tuple[SourceOutcome, datetime]:
        started = fetcher.clock()
        captures, error = fetch_source(source, fetcher)
        return SourceOutcome(source=source.name, captures=captures, error=error), started

    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="cix-fetch") as pool:
        return list(pool.map(one, selected))  # in the order of `selected`, so loads stay deterministic


def _record(
    fetched: tuple[SourceOutcome, datetime], warehouse: Warehouse, store: CaptureStore, replayed_from: str | None
) -> SourceOutcome:
    """Keep every body received and record the attempt, success or error."""
    outcome, started = fetched
    for c in outcome.captures:
        warehouse.record_capture(c, store.put(c), replayed_from)
    error = outcome.error
    if error is not None:
        log.warning("source %s failed: %s", outcome.source, error.reason)
    warehouse.record_source_run(
        outcome.source,
        started,
        "error" if error else "ok",
        error.kind if error else None,
        error.reason if error else None,
        len(outcome.captures),
    )
    return outcome


def parse_and_normalise(
    capture: RawCapture, m: Methodology, fx_rates: dict[str, Decimal] | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    source = source_registry.get(capture.source)
    return normalise(source.parse(capture), capture, fx_rates=fx_rates, bounds=m.bounds)


def load_fx(outcome: SourceOutcome, warehouse: Warehouse, ingested_at: datetime) -> SourceOutcome:
    """Reference-rate captures are not prices: their rates go to `fx_rate`, dated, for normalisation to use."""
    from pipeline.sources.ecb_fx import parse_ecb_rates

    for c in outcome.captures:
        try:
            source_registry.get(c.source).parse(c)  # structure check: SchemaDrift on anything else
            outcome.loaded_quotes += warehouse.record_fx_rates(parse_ecb_rates(c.body), c.capture_id)
        except SourceError as exc:
            outcome.error = exc
            warehouse.record_source_run(c.source, ingested_at, "error", exc.kind, exc.reason, len(outcome.captures))
    return outcome


def gate_and_load(
    capture: RawCapture,
    quotes: pl.DataFrame,
    rejections: pl.DataFrame,
    warehouse: Warehouse,
    m: Methodology,
    *,
    ingested_at: datetime,
    gate: bool = True,
) -> bool:
    """Run the quality gate on one batch and load it if it passes; a failed batch is recorded, not loaded."""
    from pipeline.quality import check_batch

    if gate:
        result = check_batch(quotes, m.bounds)
        warehouse.record_check(capture, result.suite, result.success, result.n_rows, result.failures, ingested_at)
        if not result.success:
            reasons = "; ".join(f["expectation"] for f in result.failures)
            warehouse.record_source_run(
                capture.source,
                ingested_at,
                "error",
                "quality_gate",
                f"batch {capture.capture_id[:12]} failed: {reasons}",
                1,
            )
            return False
    warehouse.load_batch(quotes, rejections, ingested_at)
    return True


def process(
    outcome: SourceOutcome,
    warehouse: Warehouse,
    m: Methodology,
    *,
    ingested_at: datetime,
    gate: bool = True,
    group_gate: bool = False,
) -> SourceOutcome:
    """Parse, normalise, gate and load every capture of one source; record what failed and why.

    With `group_gate` (backfills of many files) the suite first runs once over all batches together;
    only if that fails is each batch checked on its own, so a bad file still fails alone."""
    from pipeline.quality import check_batch

    if source_registry.get(outcome.source).product == "fx":
        return load_fx(outcome, warehouse, ingested_at)
    batches = []
    for c in outcome.captures:
        try:
            quotes, rejections = parse_and_normalise(c, m, warehouse.fx_rates_on(c.fetched_at.date()))
        except SourceError as exc:
            outcome.error = exc
            warehouse.record_source_run(c.source, ingested_at, "error", exc.kind, exc.reason, len(outcome.captures))
            continue
        batches.append((c, quotes, rejections))
    if gate and group_gate and len(batches) > 1:
        together = check_batch(pl.concat([q for _, q, _ in batches]), m.bounds)
        if together.success:
            for c, quotes, _ in batches:
                warehouse.record_check(c, together.suite, True, quotes.height, [], ingested_at)
            gate = False
    for c, quotes, rejections in batches:
        if gate_and_load(c, quotes, rejections, warehouse, m, ingested_at=ingested_at, gate=gate):
            outcome.loaded_quotes += quotes.height
            outcome.rejections += rejections.height
        else:
            outcome.gate_failures.append(c.capture_id)
    return outcome


def fix(
    day: date,
    warehouse: Warehouse,
    m: Methodology,
    *,
    recorded_at: datetime,
    reason: str = "initial determination",
    force: bool = False,
    codes: list[str] | None = None,
) -> list[Fixing]:
    """Compute and record the day's fixings (all indices, or `codes`) from the stored quotes."""
    fixings = [f for f in compute_day(day, warehouse, m) if codes is None or f.index_code in codes]
    warehouse.store_fixings(fixings, recorded_at, reason, republish_threshold=m.republish_threshold, force=force)
    return fixings


def compute_day(day: date, warehouse: Warehouse, m: Methodology) -> list[Fixing]:
    """The day's fixings from what the warehouse holds now (nothing is written)."""
    at = datetime.combine(day, m.fixing_time, tzinfo=UTC)
    quotes = warehouse.quotes_between(at - lookback(m), at)
    return compute_all(quotes, day, m)


def publish(
    day: date,
    warehouse: Warehouse,
    root: Path,
    version: str = CURRENT,
    *,
    key: SigningKey | None = None,
    home: Path | None = None,
) -> list[Path]:
    """Write and sign the day's fixings in force under one methodology version (the current one at the top)."""
    folder = root / day.isoformat() if version == CURRENT else root / day.isoformat() / f"methodology-v{version}"
    signing = key or load_signing_key(home or paths().home)
    history = warehouse.frame(
        "SELECT * FROM fixing WHERE fixing_date = ? AND methodology_version = ? ORDER BY index_code, revision",
        [day, version],
    )
    return write_publication(day, warehouse.fixings(day, version=version), folder, revisions=history, key=signing)


def run(
    *,
    offline: bool = True,
    at: datetime | None = None,
    db: Path | None = None,
    capture_set_dir: Path = DEFAULT_SAMPLE_SET,
    only: list[str] | None = None,
    where: Paths | None = None,
    methodology_version: str | None = None,
    timeout: float = 30.0,
) -> RunReport:
    """The whole daily job: capture every source, load, fix and publish for the date of `at`."""
    where = where or paths()
    m = load(methodology_version) if methodology_version else load()
    capture_set = CaptureSet.load(capture_set_dir) if offline else None
    when = at or (capture_set.fetched_at if capture_set else datetime.now(UTC))
    names = only or (capture_set.sources() if capture_set else sorted(source_registry.REGISTRY))
    selected = [source_registry.get(n) for n in names]
    store = CaptureStore(where.captures)
    with Warehouse(db or where.db) as warehouse:
        # Replayed captures carry the capture set's declared time unless --at overrides it.
        clock = (lambda: when) if at is not None else None
        outcomes = capture(selected, warehouse, store, capture_set=capture_set, clock=clock, timeout=timeout)
        # Reference rates first: the day's prices in other currencies are converted with them.
        for outcome in sorted(outcomes, key=lambda o: source_registry.get(o.source).product != "fx"):
            process(outcome, warehouse, m, ingested_at=datetime.now(UTC))
        day = when.date()
        fixings = fix(day, warehouse, m, recorded_at=datetime.now(UTC))
        publication = publish(day, warehouse, where.publish, m.version, home=where.home)
    return RunReport(fixing_date=day, outcomes=outcomes, fixings=fixings, publication=publication)
