"""Getting prices in: capture (network or replay) -> parse -> normalise -> quality gate -> load.

One ingest path, used by `cix run`, the Airflow tasks, backfills and `verify`: `parse.parse_capture`
is the pure part (a capture and its parameters in, quotes and rejections out), `ingest` the
whole step for one source's captures. Reference sources (FX) are read into dated rates instead
of quotes, and `ingest_all` takes them first, because the day's prices are converted with them.
Each step is safe to repeat: captures are content-addressed, loads skip rows already present.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import polars as pl

from pipeline import sources as source_registry
from pipeline.capture import CaptureSet, CaptureStore, replay_server
from pipeline.domain.records import QUOTE_SCHEMA, REJECTION_SCHEMA, RawCapture, empty
from pipeline.flow.helpers import Helpers
from pipeline.flow.parse import Unreadable, unreadable
from pipeline.flow.parse_cache import ParseCache, parse_all_cached
from pipeline.flow.rates import RatesByDay
from pipeline.methodology import Methodology
from pipeline.sources import Request, Source, SourceError
from pipeline.sources.fetch import Fetcher
from pipeline.sources.fetch import client as http_client
from pipeline.store import Warehouse

log = logging.getLogger("cix")
MAX_CONCURRENCY = 64  # sources fetched at once; each waits on its own server, so threads are cheap here


@dataclass
class SourceOutcome:
    source: str
    captures: list[RawCapture] = field(default_factory=list)
    error: SourceError | None = None
    loaded_quotes: int = 0
    rejections: int = 0
    gate_failures: list[str] = field(default_factory=list)
    started_at: datetime | None = None  # when the fetch attempt started: the key of its `source_run` row
    unreadable: list[str] = field(default_factory=list)  # "<capture id>: <why>" for captures that did not parse


# -- capture -------------------------------------------------------------------------------------
def capture(
    selected: Iterable[Source],
    warehouse: Warehouse,
    store: CaptureStore,
    *,
    capture_set: CaptureSet | None = None,
    clock: Callable[[], datetime] | None = None,
    timeout: float = 30.0,
    deadline: float | None = None,
    concurrency: int = MAX_CONCURRENCY,
    retries: int = 1,
    on_fetched: Callable[[SourceOutcome], None] | None = None,
) -> list[SourceOutcome]:
    """Fetch every selected source (from the replay server when a capture set is given) and keep the bodies.
    `timeout` bounds each network operation, `deadline` (default 4 x timeout) each document in all.
    `on_fetched` hears of each source as its fetch ends (progress for people)."""
    selected = list(selected)
    now = clock or (lambda: datetime.now(UTC))
    limit = deadline if deadline is not None else 4 * timeout
    if capture_set is not None:
        fixed = now if clock is not None else (lambda: capture_set.fetched_at)
        with replay_server(capture_set.entries) as base, http_client(timeout) as client:
            fetcher = Fetcher(client, base, fixed, retries=retries, sleep=lambda s: None, deadline=limit)
            fetched = _fetch_all([_as_replayed(s, capture_set) for s in selected], fetcher, concurrency, on_fetched)
            return [_record(o, warehouse, store, capture_set.name) for o in fetched]
    with http_client(timeout) as client:
        fetcher = Fetcher(client=client, clock=now, deadline=limit)
        return [_record(o, warehouse, store, None) for o in _fetch_all(selected, fetcher, concurrency, on_fetched)]


def _as_replayed(source: Source, capture_set: CaptureSet) -> Source:
    """In a replay, a source requests exactly what the capture set recorded for it."""
    recorded = tuple(Request(url=e.url, method=e.method) for e in capture_set.entries if e.source == source.name)
    return replace(source, requests=recorded) if recorded else source


def _fetch_all(
    selected: list[Source],
    fetcher: Fetcher,
    concurrency: int,
    on_fetched: Callable[[SourceOutcome], None] | None = None,
) -> list[tuple[SourceOutcome, datetime]]:
    """Fetch sources concurrently (bounded); one source's failure is its own outcome, never the others'."""

    def one(source: Source) -> tuple[SourceOutcome, datetime]:
        started = fetcher.clock()
        try:
            captures, error = fetcher.fetch(source), None
        except SourceError as exc:
            captures, error = exc.partial, exc
        outcome = SourceOutcome(source=source.name, captures=captures, error=error, started_at=started)
        if on_fetched is not None:
            on_fetched(outcome)
        return outcome, started

    # Fetching is waiting on the network, so one thread per source (bounded): 50 sources take about as long as one.
    workers = max(1, min(concurrency, len(selected)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cix-fetch") as pool:
        return list(pool.map(one, selected))  # in the order of `selected`, so loads stay deterministic


def _record(
    fetched: tuple[SourceOutcome, datetime], warehouse: Warehouse, store: CaptureStore, replayed_from: str | None
) -> SourceOutcome:
    """Keep every body received and record the attempt, success or error."""
    outcome, started = fetched
    warehouse.record_captures([(c, store.put(c)) for c in outcome.captures], replayed_from)
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


# -- parse, normalise, gate, load ----------------------------------------------------------------
def ingest(
    outcome: SourceOutcome, warehouse: Warehouse, m: Methodology, *, ingested_at: datetime, gate: bool = True,
    cache: ParseCache | None = None,
) -> SourceOutcome:  # fmt: skip
    """Parse, normalise, gate and load every capture of one source; record what failed and why."""
    return ingest_all([outcome], warehouse, m, ingested_at=ingested_at, gate=gate, cache=cache)[0]


def _unreadable(outcome: SourceOutcome, c: RawCapture, failure: Unreadable, warehouse: Warehouse, at: datetime) -> None:
    """Record a capture that could not be read as one rejection row (rule: its kind); its body stays stored."""
    kind, why, _ = failure
    log.warning("source %s: capture %s unreadable: %s", c.source, c.capture_id[:12], why)
    outcome.unreadable.append(f"{kind} in capture {c.capture_id[:12]}: {why}")
    row = {"capture_id": c.capture_id, "fetched_at": c.fetched_at, "row_no": -1, "source": c.source}
    row |= {"rule": kind, "reason": why, "observed_at": c.fetched_at, "parser_version": None, "rules_version": None}
    warehouse.load_batch(empty(QUOTE_SCHEMA), pl.DataFrame([row], schema=REJECTION_SCHEMA), at)
    outcome.rejections += 1


def _record_unreadable(outcome: SourceOutcome, warehouse: Warehouse, at: datetime) -> None:
    """The source's attempt becomes an error naming every unreadable capture (one row per attempt: idempotent)."""
    if not outcome.unreadable:
        return
    reasons = ([outcome.error.reason] if outcome.error is not None else []) + outcome.unreadable
    kind = outcome.error.kind if outcome.error is not None else outcome.unreadable[0].split(" ", 1)[0]
    if outcome.error is None:
        outcome.error = SourceError(outcome.source, "; ".join(outcome.unreadable), kind=kind)
    warehouse.record_source_run(
        outcome.source, outcome.started_at or at, "error", kind, "; ".join(reasons), len(outcome.captures)
    )


def ingest_all(
    outcomes: Iterable[SourceOutcome],
    warehouse: Warehouse,
    m: Methodology,
    *,
    ingested_at: datetime,
    on_loaded: Callable[[SourceOutcome], None] | None = None,
    gate: bool = True,
    cache: ParseCache | None = None,
    helpers: Helpers | None = None,
) -> list[SourceOutcome]:
    """Reference rates first (the day's prices are converted with them), then every price capture parsed (via `cache`
    if given; on `helpers` too when given and there is enough to parse), one quality gate over all the run's
    batches, the passing ones loaded; `on_loaded` hears of each."""
    given = list(outcomes)
    references = [o for o in given if source_registry.get(o.source).is_reference]
    prices = [o for o in given if not source_registry.get(o.source).is_reference]
    for o in references:
        _ingest_rates(source_registry.get(o.source), o, warehouse, ingested_at)
        if on_loaded is not None:
            on_loaded(o)
    rates = RatesByDay(warehouse, [c.fetched_at.date() for o in prices for c in o.captures])
    # an error reply is kept as a capture, but it is not a price document
    documents = [(o, c) for o in prices for c in o.captures if c.http_status < 400]
    batches: list[Batch] = []
    owner: list[SourceOutcome] = []
    parsed = parse_all_cached([(c, m.bounds, rates.on(c.fetched_at.date())) for _, c in documents], cache, helpers)
    for (o, c), result in zip(documents, parsed, strict=True):
        if isinstance(result, Unreadable):  # one unreadable body is that capture's recorded rejection, never the end
            _unreadable(o, c, result, warehouse, ingested_at)
            continue
        batches.append((c, *result))
        owner.append(o)
    failed, unloadable = gate_and_load_all(batches, warehouse, m, ingested_at=ingested_at, gate=gate)
    failed_ids = {id(c) for c in failed}
    for (c, quotes, rejections), o in zip(batches, owner, strict=True):
        if id(c) in unloadable:
            _unreadable(o, c, unreadable(unloadable[id(c)]), warehouse, ingested_at)
        elif id(c) in failed_ids:
            o.gate_failures.append(c.capture_id)
        else:
            o.loaded_quotes += quotes.height
            o.rejections += rejections.height
    for o in prices:
        _record_unreadable(o, warehouse, ingested_at)
        if on_loaded is not None:
            on_loaded(o)
    return [*references, *prices]


Batch = tuple[RawCapture, pl.DataFrame, pl.DataFrame]


def gate_and_load_all(
    batches: list[Batch], warehouse: Warehouse, m: Methodology, *, ingested_at: datetime, gate: bool = True
) -> tuple[list[RawCapture], dict[int, Exception]]:
    """One quality gate over all batches (a checkpoint per source family), the passing batches loaded in one
    transaction; each failed batch is recorded (its check and a `quality_gate` error) and not loaded. Returns the
    captures of the failed batches, and (by `id` of the capture) the error of any batch the warehouse refused."""
    from pipeline.quality import check_batches

    if not batches:
        return [], {}
    families = [source_registry.get(c.source).product for c, _, _ in batches]
    results = check_batches([(f, q) for f, (_, q, _) in zip(families, batches, strict=True)], m.bounds) if gate else []
    failed, passed = [], []
    if gate:
        checks = [(c, r.suite, r.success, r.n_rows, r.failures) for (c, _, _), r in zip(batches, results, strict=True)]
        warehouse.record_checks(checks, ingested_at)
    for i, (c, quotes, rejections) in enumerate(batches):
        if gate:
            r = results[i]
            if not r.success:
                reasons = "; ".join(f["expectation"] for f in r.failures)
                warehouse.record_source_run(
                    c.source, ingested_at, "error", "quality_gate", f"batch {c.capture_id[:12]} failed: {reasons}", 1
                )
                failed.append(c)
                continue
        passed.append((c, quotes, rejections))
    return failed, _load(passed, warehouse, ingested_at)


def _load(passed: list[Batch], warehouse: Warehouse, ingested_at: datetime) -> dict[int, Exception]:
    """The passing batches in one transaction; if refused, one by one, so only the offending batch stays out."""
    refused: dict[int, Exception] = {}
    try:
        warehouse.load_batches([(q, r) for _, q, r in passed], ingested_at)
    except Exception:  # retried batch by batch, each failure kept with its batch
        for c, quotes, rejections in passed:
            try:
                warehouse.load_batches([(quotes, rejections)], ingested_at)
            except Exception as exc:
                refused[id(c)] = exc
    return refused


def _ingest_rates(source: Source, outcome: SourceOutcome, warehouse: Warehouse, ingested_at: datetime) -> SourceOutcome:
    """Reference-rate captures are not prices: their rates go to `fx_rate`, dated, for normalisation to use."""
    assert source.read_rates is not None
    for c in outcome.captures:
        if c.http_status >= 400:
            continue
        try:
            outcome.loaded_quotes += warehouse.record_fx_rates(source.read_rates(c), c.capture_id)
        except Exception as exc:
            _unreadable(outcome, c, unreadable(exc), warehouse, ingested_at)
    _record_unreadable(outcome, warehouse, ingested_at)
    return outcome
