"""The daily job's later steps, as functions the CLI and the Airflow DAGs both call.

capture + ingest (`flow.ingest`) -> fix -> publish. A fixing is recorded only when it changed (the
corrections policy of `index.corrections` decides how). The administrator's steps (restatements,
settlement) are in `flow.administer`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pipeline import sources as source_registry
from pipeline.capture import CaptureSet, CaptureStore
from pipeline.config import SAMPLES_DIR, Paths, paths
from pipeline.domain.fixing import DETERMINATIONS, Fixing
from pipeline.domain.serialise import constituent_rows, exclusion_rows, fixing_row
from pipeline.flow.ingest import SourceOutcome, capture, ingest_all
from pipeline.flow.parse_cache import ParseCache
from pipeline.index.corrections import decide
from pipeline.index.fixing import compute_all, fixing_time, lookback
from pipeline.methodology import CURRENT, Methodology, load
from pipeline.publish import write_publication
from pipeline.publish.atomic import clean_leftovers
from pipeline.publish.signing import SigningKey, load_signing_key
from pipeline.store import Lake, Warehouse
from pipeline.store.locks import held, revision_key

DEFAULT_SAMPLE_SET = SAMPLES_DIR / "default"


@dataclass(frozen=True)
class StoredFixing:
    index_code: str
    revision: int
    action: str  # new | unchanged | restated | below_threshold


@dataclass
class RunReport:
    fixing_date: date
    outcomes: list[SourceOutcome]
    fixings: list[Fixing]
    publication: list[Path]


def compute_day(day: date, warehouse: Warehouse, m: Methodology) -> list[Fixing]:
    """The day's fixings from what the warehouse holds now (nothing is written)."""
    at = fixing_time(day, m)
    return compute_all(warehouse.quotes_between(at - lookback(m), at), day, m)


def record_fixings(
    warehouse: Warehouse,
    fixings: Sequence[Fixing],
    recorded_at: datetime,
    reason: str,
    m: Methodology,
    *,
    force: bool = False,
) -> list[StoredFixing]:
    """Append each fixing that differs from the revision in force as a new revision (corrections policy)."""
    if not fixings:
        return []
    series = [revision_key("fixing", f.index_code, f.fixing_date, f.methodology_version) for f in fixings]
    with held(warehouse.lake, series):  # another process fixing the same day waits, then sees this revision
        return _record_fixings(warehouse, fixings, recorded_at, reason, m, force=force)


def _record_fixings(
    warehouse: Warehouse,
    fixings: Sequence[Fixing],
    recorded_at: datetime,
    reason: str,
    m: Methodology,
    *,
    force: bool,
) -> list[StoredFixing]:
    days = sorted({f.fixing_date for f in fixings})
    in_force: dict[tuple[str, date, str], tuple[dict[str, Any] | None, int]] = {}
    for r in warehouse.revision_outcomes_between(days[0], days[-1]).iter_rows(named=True):
        key = (r["index_code"], r["fixing_date"], r["methodology_version"])
        current, _ = in_force.get(key, (None, 0))
        in_force[key] = (r if r["status"] in DETERMINATIONS else current, int(r["revision"]))
    results: list[StoredFixing] = []
    fixing_rows: list[dict[str, Any]] = []
    constituents: list[dict[str, Any]] = []
    exclusions: list[dict[str, Any]] = []
    for f in fixings:
        current, last = in_force.get((f.index_code, f.fixing_date, f.methodology_version), (None, 0))
        decision = decide(current, f, reason, m.republish_threshold, force=force)
        if decision.action == "unchanged":
            assert current is not None
            results.append(StoredFixing(f.index_code, int(current["revision"]), "unchanged"))
            continue
        revision = last + 1
        identity = {
            "index_code": f.index_code,
            "fixing_date": f.fixing_date,
            "methodology_version": f.methodology_version,
        }
        fixing_rows.append(
            {
                **fixing_row(f),
                "revision": revision,
                "status": decision.status,
                "reason": decision.reason,
                "recorded_at": recorded_at,
            }
        )
        constituents += [{**identity, "revision": revision, **c} for c in constituent_rows(f)]
        exclusions += [{**identity, "revision": revision, **e} for e in exclusion_rows(f)]
        results.append(StoredFixing(f.index_code, revision, decision.action))
    warehouse.append_fixings(fixing_rows, constituents, exclusions)
    return results


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
    record_fixings(warehouse, fixings, recorded_at, reason, m, force=force)
    return fixings


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
    return publish_days([day], warehouse, root, version, key=key, home=home)


def publish_days(
    days: Sequence[date],
    warehouse: Warehouse,
    root: Path,
    version: str = CURRENT,
    *,
    key: SigningKey | None = None,
    home: Path | None = None,
    on_day: Callable[[date], None] | None = None,
) -> list[Path]:
    """`publish` of each of `days`, their fixings and revisions read in two queries, not two per day (a lake query
    costs ~20 ms whatever it returns, and a backfill publishes hundreds of days). Days are written by
    `PUBLISH_THREADS` threads: each day's folder is its own atomic swap, and most of a day's time is waiting for its
    files to reach the disk (fsync), which threads overlap. `on_day` is told of the days in order."""
    if not days:
        return []
    signing = key or load_signing_key(home or paths().home)
    first, last = min(days), max(days)
    in_force = warehouse.fixings(version=version, start=first, end=last)
    history = warehouse.revisions_between(first, last, version)
    in_force_of, history_of = (f.partition_by("fixing_date", as_dict=True) for f in (in_force, history))
    clean_leftovers(root)  # what interrupted publications left, once for the batch

    def write(day: date) -> list[Path]:
        folder = root / day.isoformat() if version == CURRENT else root / day.isoformat() / f"methodology-v{version}"
        fixings, revisions = in_force_of.get((day,), in_force.clear()), history_of.get((day,), history.clear())
        return write_publication(day, fixings, folder, revisions=revisions, key=signing)

    written: list[Path] = []
    with ThreadPoolExecutor(min(PUBLISH_THREADS, len(days))) as pool:
        # A day that fails is raised here, in day order; `map` then cancels the days no thread has begun.
        for day, paths_of_day in zip(days, pool.map(write, days), strict=True):
            written += paths_of_day
            if on_day is not None:
                on_day(day)
    return written


# Threads that publish a backfill's days (measured on 1,089 days: 8.0 s by one, 5.3 s by four, 5.8 s by eight).
PUBLISH_THREADS = 4


class SigningKeyRefused(RuntimeError):
    """A live run without a real signing key (the development key is for replays and `--dev-key`)."""


def signing_key(home: Path, *, allow_development: bool) -> SigningKey:
    try:
        return load_signing_key(home, allow_development=allow_development)
    except RuntimeError as exc:
        raise SigningKeyRefused(
            f"{exc}; a live run does not sign with the development key unless told so (--dev-key)"
        ) from None


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
    progress: Callable[[str, str], None] | None = None,
    dev_key: bool = False,
) -> RunReport:
    """The whole daily job: capture every source, load, fix and publish for the date of `at`.

    `progress(step, what)` hears each step as it ends: ("fetched", source) and ("loaded", source) per source,
    then ("fixed", day) and ("published", day). A live run signs with a real key (CIX_SIGNING_KEY, _FILE or an
    Airflow connection) and refuses the development key unless `dev_key`; that is checked before anything runs."""
    tell = progress or (lambda step, what: None)
    where = where or paths()
    key = signing_key(where.home, allow_development=offline or dev_key)
    m = load(methodology_version) if methodology_version else load()
    capture_set = CaptureSet.load(capture_set_dir) if offline else None
    when = at or (capture_set.fetched_at if capture_set else datetime.now(UTC))
    names = only or (capture_set.sources() if capture_set else sorted(source_registry.REGISTRY))
    selected = [source_registry.get(n) for n in names]
    store = CaptureStore.of(where)
    with Warehouse(db or Lake.from_env(where.db)) as warehouse:
        # Replayed captures carry the capture set's declared time unless --at overrides it.
        clock = (lambda: when) if at is not None else None
        outcomes = capture(
            selected,
            warehouse,
            store,
            capture_set=capture_set,
            clock=clock,
            timeout=timeout,
            on_fetched=lambda o: tell("fetched", o.source),
        )
        cache = ParseCache(where.parse_cache)  # the day's captures parsed once: `verify` later reads them from it
        ingest_all(
            outcomes,
            warehouse,
            m,
            ingested_at=datetime.now(UTC),
            on_loaded=lambda o: tell("loaded", o.source),
            cache=cache,
        )
        day = when.date()
        fixings = fix(day, warehouse, m, recorded_at=datetime.now(UTC))
        tell("fixed", day.isoformat())
        publication = publish(day, warehouse, where.publish, m.version, key=key, home=where.home)
        tell("published", day.isoformat())
    return RunReport(fixing_date=day, outcomes=outcomes, fixings=fixings, publication=publication)
