"""Verify every stored fixing from the raw captures, and tell a code change from tampering.

`verify` trusts nothing in the warehouse but the raw capture files it can hash: every stored body must
still hash to its name; every price capture is re-parsed with the parser version its quotes record and
re-normalised; every reference (FX) capture is re-read and its stored rates compared; then each stored
fixing revision is recomputed under the methodology version it names, from exactly the captures that
had been loaded when that revision was recorded, and compared.

A difference is a *problem* (tampering, or non-determinism) unless the code that produced the stored
rows has changed since: a quote made by a parser version that is no longer shipped, or under other
identity rules, is a *code change*, reported as a note; its stored quotes then stand as the inputs the
fixings were computed from.

Each capture is parsed once, not on every run: a re-derivation is looked up in the parse cache
(`flow.parse_cache`) under a key that holds the capture's sha256, the parser's name and version, the
plausibility bounds and FX rates it is normalised with, and a fingerprint of the source code that parses and
normalises. A code change is therefore a cache miss, and that capture is re-parsed by the code as it is now and
compared with its stored quotes, which is what `verify` is for. A cache entry is checked against its own
sha256 on read; one that fails is discarded, named in the report and its capture re-parsed. `reparse=True`
(`cix verify --reparse`) ignores the cache, re-parses everything on every core and also catches a parser that is
not deterministic. The report counts the captures taken from the cache and those re-parsed.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import polars as pl

from pipeline import sources
from pipeline.capture import CaptureIntegrityError, CaptureStore
from pipeline.domain.fixing import Fixing
from pipeline.domain.records import PRICE_DTYPE, QUOTE_SCHEMA, RawCapture, empty, plain
from pipeline.flow.ingest import parse_capture
from pipeline.flow.parse_cache import ParseCache
from pipeline.index.fixing import compute_many
from pipeline.methodology import Bounds, load
from pipeline.normalize.fx import MAX_AGE_DAYS, rates_for
from pipeline.normalize.identity import RULES_VERSION
from pipeline.store import Warehouse

Key = tuple[str, str, datetime]
KEY_COLUMNS = ["source", "capture_id", "fetched_at"]


@dataclass
class VerifyReport:
    checked_fixings: int = 0
    checked_captures: int = 0
    problems: list[str] = field(default_factory=list)
    code_changes: list[str] = field(default_factory=list)
    from_cache: int = 0  # price captures whose re-derivation came from the parse cache
    reparsed: int = 0  # price captures parsed again from their raw bytes
    cache_discarded: list[str] = field(default_factory=list)  # cache entries that failed their own check

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(
    warehouse: Warehouse,
    store: CaptureStore,
    cache: ParseCache | None = None,
    *,
    reparse: bool = False,
    workers: int | None = None,
) -> VerifyReport:
    """Check every capture and recompute every stored fixing revision. `cache`: where re-derivations are looked up
    and re-parsed captures stored (none: re-parse all); `reparse`: ignore what the cache holds (and refill it);
    `workers`: processes that re-parse (default: one per core when there is enough to parse)."""
    report = VerifyReport()
    altered = _check_bodies(warehouse, store, report)
    loaded = warehouse.loaded_captures()
    derived = _rederive_all(warehouse, store, loaded, altered, report, cache, reparse, workers)
    all_quotes = pl.concat(list(derived.values()), how="vertical_relaxed") if derived else empty(QUOTE_SCHEMA)
    known = loaded.select(
        pl.col("source").cast(pl.String),
        pl.col("capture_id").cast(pl.String),
        pl.col("fetched_at").cast(pl.Datetime("us", "UTC")),
        pl.col("checked_at").cast(pl.Datetime("us", "UTC")),
    )
    all_quotes = all_quotes.join(known, on=["source", "capture_id", "fetched_at"], how="left")
    revisions = warehouse.all_revisions()
    again = _recompute(all_quotes, revisions)
    for f in revisions.iter_rows(named=True):
        report.checked_fixings += 1
        report.problems += _compare(
            f, again.get((f["methodology_version"], f["recorded_at"], f["index_code"], f["fixing_time"]))
        )
    return report


def _check_bodies(warehouse: Warehouse, store: CaptureStore, report: VerifyReport) -> set[str]:
    """Every stored body still hashes to its name; reference captures still give the stored rates. Returns the
    ids of the bodies that do not (missing or altered)."""
    altered: set[str] = set()
    for row in warehouse.all_captures().iter_rows(named=True):
        try:
            body = store.get(row["capture_id"])
        except CaptureIntegrityError as exc:
            report.problems.append(f"capture {row['source']} {row['capture_id']}: {exc}")
            altered.add(row["capture_id"])
            continue
        try:
            source = sources.get(row["source"])
        except KeyError:
            report.problems.append(f"capture {row['source']} {row['capture_id']}: unknown source")
            continue
        if source.read_rates is None:
            continue
        report.checked_captures += 1
        capture = _capture(row, body)
        try:
            rates = {(r.day, r.currency): r.usd_per_unit for r in source.read_rates(capture)}
        except Exception:  # a body that was recorded as unreadable left no rates
            rates = {}
        stored = {(r.day, r.currency): r.usd_per_unit for r in warehouse.fx_rates_of_capture(row["capture_id"])}
        if stored and stored != {k: v for k, v in rates.items() if k in stored}:
            report.problems.append(
                f"fx capture {row['source']} {row['capture_id'][:16]}…: stored rates differ from the capture's"
            )
        elif set(stored) - set(rates):
            report.problems.append(f"fx capture {row['source']} {row['capture_id'][:16]}…: stored rates not in it")
    return altered


def _capture(row: dict[str, Any], body: bytes) -> RawCapture:
    return RawCapture(
        source=row["source"],
        url=row["url"],
        fetched_at=row["fetched_at"],
        body=body,
        http_status=row["http_status"],
        content_type=row["content_type"] or "",
        method=row["method"],
        in_force_until=row["in_force_until"],
    )


@dataclass(frozen=True)
class _ToParse:
    key: Key
    name: str
    capture: RawCapture  # metadata only until it is parsed; the body is read then
    version: str
    fx_rates: dict[str, Decimal]
    cache_key: str


def _rederive_all(
    warehouse: Warehouse,
    store: CaptureStore,
    loaded: pl.DataFrame,
    altered: set[str],
    report: VerifyReport,
    cache: ParseCache | None,
    reparse: bool,
    workers: int | None,
) -> dict[Key, pl.DataFrame]:
    """Each loaded capture's quotes, re-derived with the parser version that made them (from the cache or parsed
    again); the stored quotes where that code has changed since (a code change, not a problem)."""
    bounds = load().bounds
    rates = _RatesByDay(warehouse)
    stored = _by_capture(warehouse.all_quotes())
    derived: dict[Key, pl.DataFrame] = {}
    rules_of: dict[Key, str] = {}
    names: dict[Key, str] = {}
    pending: dict[Key, _ToParse] = {}
    discarded_before = len(cache.discarded) if cache is not None else 0
    for row in loaded.iter_rows(named=True):
        report.checked_captures += 1
        key = (row["source"], row["capture_id"], row["fetched_at"])
        if row["capture_id"] in altered or key in derived or key in pending:
            continue  # an altered body is already reported by _check_bodies
        names[key] = name = f"{row['source']} {row['capture_id'][:16]}…"
        version = row["parser_version"] or "1"
        rules_of[key] = row["rules_version"] or "1"
        try:
            sources.get(row["source"]).parser(version)
        except KeyError:
            report.code_changes.append(f"capture {name}: parser version {version} is retired; its stored quotes stand")
            derived[key] = _as_quotes(stored.get(key, empty(QUOTE_SCHEMA)))
            continue
        capture = _capture(row, b"")
        fx = rates.on(capture.fetched_at.date())
        entry = cache.key(capture, row["capture_id"], version, bounds, fx) if cache is not None else ""
        hit = cache.get(entry) if cache is not None and not reparse else None
        if hit is not None:
            report.from_cache += 1
            derived[key] = hit[0]
        else:
            pending[key] = _ToParse(key, name, capture, version, fx, entry)
    for job, result in zip(pending.values(), _parse_all(store, list(pending.values()), bounds, workers), strict=True):
        report.reparsed += 1
        if isinstance(result, str):  # a parser that no longer reads its own capture is itself a finding
            report.problems.append(f"capture {job.name}: cannot be re-parsed by parser version {job.version}: {result}")
            continue
        if cache is not None:
            cache.put(job.cache_key, *result)
        derived[job.key] = result[0]
    if cache is not None:
        discarded = cache.discarded[discarded_before:]
        report.cache_discarded += [f"parse cache entry {d}: discarded and re-parsed" for d in discarded]
    for key in _with_differences(derived, stored):
        differences = _differences(stored.get(key, empty(QUOTE_SCHEMA)), derived[key])
        if differences and rules_of[key] != RULES_VERSION:
            report.code_changes.append(
                f"capture {names[key]}: identity rules changed ({rules_of[key]} -> {RULES_VERSION}); "
                f"{len(differences)} quote(s) read differently now; the stored quotes stand"
            )
            derived[key] = _as_quotes(stored.get(key, empty(QUOTE_SCHEMA)))
        else:
            report.problems += [f"quote {names[key]} {d}" for d in differences]
    return derived


class _RatesByDay:
    """The stored reference rates that convert a price observed on a day (`ingest.fx_rates_on`), from one read."""

    def __init__(self, warehouse: Warehouse) -> None:
        self.all = warehouse.fx_rates_between(date.min, date.max)
        self.days: dict[date, dict[str, Decimal]] = {}

    def on(self, day: date) -> dict[str, Decimal]:
        if day not in self.days:
            first = day - timedelta(days=MAX_AGE_DAYS)
            self.days[day] = rates_for([r for r in self.all if first <= r.day <= day], day)
        return self.days[day]


def _by_capture(quotes: pl.DataFrame) -> dict[Key, pl.DataFrame]:
    return {(s, c, f): q for (s, c, f), q in quotes.partition_by(KEY_COLUMNS, as_dict=True).items()}


# How many bytes of captures to re-parse before a process per core pays for its start (~1 s of imports each).
POOL_MIN_BYTES = 4 * 1024 * 1024


def _parse_all(
    store: CaptureStore, jobs: list[_ToParse], bounds: Mapping[str, Bounds], workers: int | None
) -> list[tuple[pl.DataFrame, pl.DataFrame] | str]:
    """Parse the captures (largest first across `workers` processes when more than one); each result is the
    quotes and rejections, or why it could not be parsed."""
    tasks = []
    for job in jobs:
        try:
            body = store.get(job.key[1])
        except CaptureIntegrityError as exc:
            body, error = b"", str(exc)
        else:
            error = ""
        tasks.append((replace(job.capture, body=body), bounds, job.fx_rates, job.version, error))
    size = sum(len(t[0].body) for t in tasks)
    n = workers if workers is not None else (os.cpu_count() or 1) if size >= POOL_MIN_BYTES else 1
    n = max(1, min(n, len(tasks)))
    if n == 1:
        return [_parse_one(t) for t in tasks]
    order = sorted(range(len(tasks)), key=lambda i: -len(tasks[i][0].body))
    with ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = dict(zip(order, pool.map(_parse_one, [tasks[i] for i in order]), strict=True))
    return [results[i] for i in range(len(tasks))]


def _parse_one(
    task: tuple[RawCapture, Mapping[str, Bounds], dict[str, Decimal], str, str],
) -> tuple[pl.DataFrame, pl.DataFrame] | str:
    """One capture parsed (in a worker process or here); an error as text, since not every exception pickles."""
    capture, bounds, fx, version, error = task
    if error:
        return error
    try:
        return parse_capture(capture, bounds, fx, version)
    except Exception as exc:
        return str(exc)


def _with_differences(derived: dict[Key, pl.DataFrame], stored: dict[Key, pl.DataFrame]) -> list[Key]:
    """The captures whose re-derived quotes may differ from the stored ones, found in one join over all of them;
    `_differences` then names each difference of just these."""
    compared = [*KEY_COLUMNS, "row_no", "unit", "price_usd", "good", "provider"]
    types = {"fetched_at": pl.Datetime("us", "UTC"), "price_usd": PRICE_DTYPE}

    def side(frames: list[pl.DataFrame]) -> pl.DataFrame:
        if not frames:
            return empty({c: QUOTE_SCHEMA[c] for c in compared})
        return pl.concat([f.select(pl.col(c).cast(types.get(c, QUOTE_SCHEMA[c])) for c in compared) for f in frames])

    new = side(list(derived.values()))
    old = side([stored[k] for k in derived if k in stored])
    joined = new.join(old, on=[*KEY_COLUMNS, "row_no", "unit"], how="full", coalesce=True, suffix="_stored")
    same = pl.all_horizontal(pl.col(c).eq_missing(pl.col(f"{c}_stored")) for c in ("price_usd", "good", "provider"))
    differ = {tuple(r) for r in joined.filter(~same).select(KEY_COLUMNS).unique().iter_rows()}
    counts = {k for k, q in derived.items() if q.height != (stored[k].height if k in stored else 0)}
    return [k for k in derived if k in differ or k in counts]


def _as_quotes(stored: pl.DataFrame) -> pl.DataFrame:
    return stored.select(
        pl.col(c).cast(t) if c in stored.columns else pl.lit(None, dtype=t).alias(c) for c, t in QUOTE_SCHEMA.items()
    )


def _differences(stored: pl.DataFrame, quotes: pl.DataFrame) -> list[str]:
    want = {(r["row_no"], r["unit"]): (r["price_usd"], r["good"], r["provider"]) for r in quotes.iter_rows(named=True)}
    have = {(r["row_no"], r["unit"]): (r["price_usd"], r["good"], r["provider"]) for r in stored.iter_rows(named=True)}
    return [
        f"row {key[0]} {key[1]}: stored {_show(have.get(key))} but the raw capture gives {_show(want.get(key))}"
        for key in sorted(set(want) | set(have), key=str)
        if want.get(key) != have.get(key)
    ]


def _show(v: tuple[Any, ...] | None) -> str:
    return "nothing" if v is None else f"{plain(v[0])} ({v[2]}, {v[1]})"


def _recompute(all_quotes: pl.DataFrame, revisions: pl.DataFrame) -> dict[tuple[Any, ...], Fixing]:
    """Every stored revision recomputed under its methodology version from the quotes known when it was
    recorded: one vectorised pass per (version, recording time) and index, not one per fixing."""
    out: dict[tuple[Any, ...], Fixing] = {}
    groups = revisions.select("methodology_version", "recorded_at", "index_code", "fixing_time").unique()
    for (version, recorded_at), group in groups.group_by("methodology_version", "recorded_at"):
        try:
            m = load(str(version))
        except KeyError:
            continue
        wanted = []
        for code, at in group.select("index_code", "fixing_time").iter_rows():
            try:
                wanted.append((m.index(code), at))
            except KeyError:
                continue
        known_then = all_quotes.filter(pl.col("checked_at") <= recorded_at).drop("checked_at")
        out |= {(version, recorded_at, *key): f for key, f in compute_many(known_then, wanted, m).items()}
    return out


def _compare(f: dict[str, Any], again: Fixing | None) -> list[str]:
    name = f"fixing {f['index_code']} {f['fixing_date']} v{f['methodology_version']} rev {f['revision']}"
    if again is None:
        return [f"{name}: methodology version or index definition not found"]
    diffs = []
    stored_status = again.status if f["status"] == "not_republished" and again.status != "withheld" else f["status"]
    if again.status != stored_status:
        diffs.append(f"status {f['status']} != recomputed {again.status}")
    if not _same_value(f["value"], again.value):
        diffs.append(f"value {plain(f['value'])} != recomputed {plain(again.value)}")
    if again.inputs_digest != f["inputs_digest"]:
        diffs.append("inputs digest differs (the set of input quotes changed)")
    if again.n_providers != f["n_providers"]:
        diffs.append(f"providers {f['n_providers']} != recomputed {again.n_providers}")
    return [f"{name}: {'; '.join(diffs)}"] if diffs else []


def _same_value(stored: Any, new: Decimal | None) -> bool:
    if stored is None or new is None:
        return stored is None and new is None
    return Decimal(stored) == new
