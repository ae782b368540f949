"""Re-derive the loaded captures' quotes for `verify`: from the parse cache or parsed again (on every core when
there is much to parse), then compared with the stored quotes in one join.

A capture made by a parser version no longer shipped, or whose quotes read differently only because the identity
rules changed, is a *code change*: its stored quotes stand. Any other difference is a problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import polars as pl

from pipeline import sources
from pipeline.audit.recompute import frame_digest
from pipeline.capture import CaptureIntegrityError, CaptureStore
from pipeline.domain.records import QUOTE_SCHEMA, RawCapture, plain
from pipeline.flow.helpers import Helpers
from pipeline.flow.parse import POOL_MIN_BYTES, ParseTask, Unreadable, parse_many
from pipeline.flow.parse_cache import ParseCache
from pipeline.flow.rates import RatesByDay
from pipeline.methodology import Bounds, load
from pipeline.normalize.identity import RULES_VERSION
from pipeline.store import Warehouse
from pipeline.store.digests import NO_ROWS, parsed_digest, parsed_digests

if TYPE_CHECKING:
    from pipeline.audit.verify import VerifyReport

Key = tuple[str, str, datetime]
KEY_COLUMNS = ["source", "capture_id", "fetched_at"]


def capture_of(row: dict[str, Any], body: bytes) -> RawCapture:
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


@dataclass
class Rederived:
    """Each loaded capture's quotes as re-derived: decoded (`frames`), or held by the parse cache entry whose digest
    the stored quotes carry (`agreed`: decoded only if a recomputation needs them); and the sha256 of each capture's
    re-derived content (the cache entry's payload, or the stored quotes' that stand), which the recomputation is
    keyed on (`audit.recompute`; empty without a cache)."""

    frames: dict[Key, pl.DataFrame]
    agreed: dict[Key, tuple[_ToParse, str]]  # the entry to decode and its quotes' digest
    digests: dict[Key, str]
    cache: ParseCache | None
    store: CaptureStore
    helpers: Helpers
    discarded: list[str] = field(default_factory=list)  # entries found unusable when decoded
    problems: list[str] = field(default_factory=list)  # captures whose agreement rested on an entry found false

    def quotes(self) -> list[pl.DataFrame]:
        """Every capture's quotes, those held by agreeing entries decoded now and held to the digest that agreed: an
        entry whose quotes do not give it (edited apart from its digest) or that went missing since is parsed again
        (noted in `discarded`), and the capture's raw body must give that digest."""
        again = []
        found: dict[Key, pl.DataFrame] = {}
        if self.cache is not None:
            entries = ((key, self.cache.quotes(job.cache_key)) for key, (job, _) in self.agreed.items())
            found = {key: hit for key, hit in entries if hit is not None}
        digests = dict(zip(found, parsed_digests(list(found.values())), strict=True))
        for key, (job, digest) in self.agreed.items():
            hit = found.get(key)
            if hit is not None and digests[key] == digest:
                self.frames[key] = hit
                continue
            if hit is not None:
                self.discarded.append(f"parse cache entry {job.cache_key[:16]}…: its quotes do not give its digest")
            again.append((job, digest))
        jobs = [job for job, _ in again]
        for (job, digest), result in zip(again, _parse_all(self.store, jobs, load().bounds, self.helpers), strict=True):
            if isinstance(result, str) or parsed_digest(result[0]) != digest:
                self.problems.append(
                    f"capture {job.name}: its stored quotes carry the digest of a parse cache entry the raw capture "
                    "does not give (an edited entry): the stored quotes are unverified; run `cix verify --reparse`"
                )
                continue
            if self.cache is not None:
                self.cache.put(job.cache_key, *result, digest)  # a sound entry in its place (its digest checked)
            self.frames[job.key] = result[0]
        self.agreed = {}
        return list(self.frames.values())


def rederive_all(
    warehouse: Warehouse,
    store: CaptureStore,
    loaded: pl.DataFrame,
    altered: set[str],
    report: VerifyReport,
    cache: ParseCache | None,
    reparse: bool,
    helpers: Helpers,
    stored_digests: Mapping[Key, str],
) -> Rederived:
    """Each loaded capture's quotes, re-derived with the parser version that made them (from the cache or parsed
    again) and compared with the stored ones; the stored quotes where that code has changed since (a code change,
    not a problem). A cache entry whose digest (`store.digests`) the capture's stored quotes carry (`stored_digests`,
    `Reads.quote_digests`) agrees with them row for row: neither side's rows are read. Any other capture's are
    compared row by row, in one join."""
    bounds = load().bounds
    rates = RatesByDay(warehouse)
    derived: dict[Key, pl.DataFrame] = {}
    agreed: dict[Key, tuple[_ToParse, str]] = {}
    rules_of: dict[Key, str] = {}
    names: dict[Key, str] = {}
    pending: dict[Key, _ToParse] = {}
    entries: dict[Key, str] = {}  # the parse cache entry each capture's quotes come from ("": none)
    standing: set[Key] = set()  # captures whose code changed since: their stored quotes stand, not compared
    discarded_before = len(cache.discarded) if cache is not None else 0
    for row in loaded.iter_rows(named=True):
        report.checked_captures += 1
        key = (row["source"], row["capture_id"], row["fetched_at"])
        if row["capture_id"] in altered or key in derived or key in pending or key in agreed:
            continue  # an altered body is already reported by _check_bodies
        names[key] = name = f"{row['source']} {row['capture_id'][:16]}…"
        version = row["parser_version"] or "1"
        rules_of[key] = row["rules_version"] or "1"
        try:
            sources.get(row["source"]).parser(version)
        except KeyError:
            report.code_changes.append(f"capture {name}: parser version {version} is retired; its stored quotes stand")
            derived[key] = _standing(warehouse, key)
            entries[key] = ""
            standing.add(key)
            continue
        capture = capture_of(row, b"")
        fx = rates.on(capture.fetched_at.date())
        entry = cache.key(capture, row["capture_id"], version, bounds, fx) if cache is not None else ""
        entries[key] = entry
        job = _ToParse(key, name, capture, version, fx, entry)
        digest = cache.digest(entry) if cache is not None and not reparse else None
        if digest is not None and stored_digests.get(key, NO_ROWS) == digest:
            report.from_cache += 1
            agreed[key] = (job, digest)
            continue
        hit = cache.quotes(entry) if digest is not None and cache is not None else None
        if hit is not None:  # the entry and the stored quotes differ: both read, to name each difference
            report.from_cache += 1
            derived[key] = hit
        else:
            pending[key] = job
    for job, result in zip(pending.values(), _parse_all(store, list(pending.values()), bounds, helpers), strict=True):
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
    compared = [key for key in derived if key not in standing]
    stored = (
        warehouse.all_quotes(COMPARED, of_captures=[k[1] for k in compared]).cast(_COMPARED_TYPES)
        if compared
        else pl.DataFrame(schema=_COMPARED_TYPES)
    )
    for key in _with_differences({k: derived[k] for k in compared}, stored):
        differences = _differences(_of(stored, key), derived[key])
        if differences and rules_of[key] != RULES_VERSION:
            report.code_changes.append(
                f"capture {names[key]}: identity rules changed ({rules_of[key]} -> {RULES_VERSION}); "
                f"{len(differences)} quote(s) read differently now; the stored quotes stand"
            )
            derived[key] = _standing(warehouse, key)
            entries[key] = ""
        else:
            report.problems += [f"quote {names[key]} {d}" for d in differences]
    digests: dict[Key, str] = {}
    if cache is not None:
        for key in [*derived, *agreed]:
            digests[key] = cache.digests.get(entries[key]) or frame_digest(derived[key])
    return Rederived(derived, agreed, digests, cache, store, helpers)


def _of(quotes: pl.DataFrame, key: Key) -> pl.DataFrame:
    """The rows of one capture."""
    return quotes.filter(pl.all_horizontal(pl.col(c) == v for c, v in zip(KEY_COLUMNS, key, strict=True)))


def _standing(warehouse: Warehouse, key: Key) -> pl.DataFrame:
    """A capture's stored quotes, whole, as the inputs that stand for it (its code has changed since)."""
    return _as_quotes(
        _of(warehouse.quotes_of_captures([key[1]]).cast({"fetched_at": _COMPARED_TYPES["fetched_at"]}), key)
    )


def _parse_all(
    store: CaptureStore, jobs: list[_ToParse], bounds: Mapping[str, Bounds], helpers: Helpers
) -> list[tuple[pl.DataFrame, pl.DataFrame] | str]:
    """Parse the captures, in pieces across this process and the helpers when there is enough; each result
    is the quotes and rejections, or why the capture could not be parsed."""
    tasks: list[ParseTask] = []
    failed: dict[int, str] = {}
    for i, job in enumerate(jobs):
        try:
            body = store.get(job.key[1])
        except CaptureIntegrityError as exc:
            body, failed[i] = b"", str(exc)
        tasks.append((replace(job.capture, body=body), bounds, job.fx_rates, job.version))
    wanted = [i for i in range(len(jobs)) if i not in failed]
    parsed = helpers.spread(
        parse_many, [tasks[i] for i in wanted], [len(tasks[i][0].body) for i in wanted], POOL_MIN_BYTES
    )
    results: dict[int, tuple[pl.DataFrame, pl.DataFrame] | str] = dict(failed)
    for i, result in zip(wanted, parsed, strict=True):
        results[i] = result.text if isinstance(result, Unreadable) else result
    return [results[i] for i in range(len(jobs))]


# What a re-derived quote is compared on, and its type.
COMPARED = [*KEY_COLUMNS, "row_no", "unit", "price_usd", "good", "provider"]
_COMPARED_TYPES = pl.Schema({c: pl.Datetime("us", "UTC") if c == "fetched_at" else QUOTE_SCHEMA[c] for c in COMPARED})


def _with_differences(derived: dict[Key, pl.DataFrame], stored: pl.DataFrame) -> list[Key]:
    """The captures whose re-derived quotes may differ from the stored ones (`COMPARED` columns), found in one join
    over all of them; `_differences` then names each difference of just these."""
    if not derived:
        return []
    new = pl.concat([f.select(pl.col(c).cast(t) for c, t in _COMPARED_TYPES.items()) for f in derived.values()])
    keys = pl.DataFrame(list(derived), schema={c: _COMPARED_TYPES[c] for c in KEY_COLUMNS}, orient="row")
    old = stored.join(keys, on=KEY_COLUMNS, how="semi")
    joined = new.join(old, on=[*KEY_COLUMNS, "row_no", "unit"], how="full", coalesce=True, suffix="_stored")
    same = pl.all_horizontal(pl.col(c).eq_missing(pl.col(f"{c}_stored")) for c in ("price_usd", "good", "provider"))
    differ = {tuple(r) for r in joined.filter(~same).select(KEY_COLUMNS).unique().iter_rows()}
    counts = [s.group_by(KEY_COLUMNS).len() for s in (new, old)]  # a row twice on one side: the join cannot tell
    both = counts[0].join(counts[1], on=KEY_COLUMNS, how="full", coalesce=True)
    differ |= {
        tuple(r) for r in both.filter(~pl.col("len").eq_missing(pl.col("len_right"))).select(KEY_COLUMNS).iter_rows()
    }
    return [k for k in derived if k in differ]


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
