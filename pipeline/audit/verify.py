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

import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

import polars as pl

from pipeline import sources
from pipeline.audit.rederive import capture_of, rederive_all
from pipeline.capture import CaptureIntegrityError, CaptureStore
from pipeline.domain.fixing import Fixing
from pipeline.domain.records import QUOTE_SCHEMA, empty, plain
from pipeline.flow.helpers import Helpers
from pipeline.flow.parse_cache import ParseCache
from pipeline.index.fixing import compute_many
from pipeline.methodology import IndexDefinition, load
from pipeline.store import Warehouse


@dataclass
class VerifyReport:
    checked_fixings: int = 0
    checked_captures: int = 0
    problems: list[str] = field(default_factory=list)
    code_changes: list[str] = field(default_factory=list)
    from_cache: int = 0  # price captures whose re-derivation came from the parse cache
    reparsed: int = 0  # price captures parsed again from their raw bytes
    cache_discarded: list[str] = field(default_factory=list)  # cache entries that failed their own check
    cache_pruned: int = 0  # unused cache entries deleted (`prune_cache`)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(
    warehouse: Warehouse,
    store: CaptureStore,
    cache: ParseCache | None = None,
    *,
    reparse: bool = False,
    workers: int | None = 1,
    prune_cache: bool = False,
) -> VerifyReport:
    """Check every capture and recompute every stored fixing revision. `cache`: where re-derivations are looked up
    and re-parsed captures stored (none: re-parse all); `reparse`: ignore what the cache holds (and refill it);
    `workers`: processes that re-parse and recompute; None: one per core when there is enough work (`cix verify`).
    Helpers are spawned, so a script that asks for more than one must guard its main (`if __name__ == ...`).
    `prune_cache`: afterwards delete the cache entries no stored capture was looked up under (left by older code or
    inputs), except those written while this ran."""
    started = time.time()
    report = VerifyReport()
    revisions = warehouse.all_revisions()
    helpers = Helpers(workers)
    try:
        if helpers.parts_for(revisions.height, RECOMPUTE_POOL_MIN) > 1:
            helpers.pool()  # started now, so the helpers' imports overlap the capture checks
        again = _rederive_and_recompute(warehouse, store, revisions, report, cache, reparse, helpers)
    finally:
        helpers.close()
    if prune_cache and cache is not None:
        report.cache_pruned = cache.prune(started)
    for f in revisions.iter_rows(named=True):
        report.checked_fixings += 1
        report.problems += _compare(
            f, again.get((f["methodology_version"], f["recorded_at"], f["index_code"], f["fixing_time"]))
        )
    return report


def _rederive_and_recompute(
    warehouse: Warehouse,
    store: CaptureStore,
    revisions: pl.DataFrame,
    report: VerifyReport,
    cache: ParseCache | None,
    reparse: bool,
    helpers: Helpers,
) -> dict[tuple[Any, ...], Recomputed]:
    altered = _check_bodies(warehouse, store, report)
    loaded = warehouse.loaded_captures()
    derived = rederive_all(warehouse, store, loaded, altered, report, cache, reparse, helpers)
    all_quotes = pl.concat(list(derived.values()), how="vertical_relaxed") if derived else empty(QUOTE_SCHEMA)
    known = loaded.select(
        pl.col("source").cast(pl.String),
        pl.col("capture_id").cast(pl.String),
        pl.col("fetched_at").cast(pl.Datetime("us", "UTC")),
        pl.col("checked_at").cast(pl.Datetime("us", "UTC")),
    )
    all_quotes = all_quotes.join(known, on=["source", "capture_id", "fetched_at"], how="left")
    return _recompute(all_quotes, revisions, helpers)


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
        capture = capture_of(row, body)
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


# How many stored fixings make a second process worth its start (~0.5 s of imports, overlapped with other work).
RECOMPUTE_POOL_MIN = 5000


class Recomputed(NamedTuple):
    """What a recomputed fixing is compared on: small, so a helper process hands back little."""

    status: str
    value: Decimal | None
    inputs_digest: str
    n_providers: int


def _recomputed(fixings: dict[tuple[str, datetime], Fixing]) -> dict[tuple[str, datetime], Recomputed]:
    return {k: Recomputed(f.status, f.value, f.inputs_digest, f.n_providers) for k, f in fixings.items()}


def _recompute(
    all_quotes: pl.DataFrame, revisions: pl.DataFrame, helpers: Helpers
) -> dict[tuple[Any, ...], Recomputed]:
    """Every stored revision recomputed under its methodology version from the quotes known when it was
    recorded: one vectorised pass per (version, recording time) and index, not one per fixing. With helpers, the
    indices are split (a blend with its legs, so each index is computed exactly as in one pass): the first part
    here, the others in the helpers at the same time."""
    parts = helpers.parts_for(revisions.height, RECOMPUTE_POOL_MIN)
    out: dict[tuple[Any, ...], Recomputed] = {}
    remote: list[tuple[str, datetime, Future[dict[tuple[str, datetime], Recomputed]]]] = []
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
        here, *elsewhere = _split(wanted, parts)
        for part in [p for p in elsewhere if p]:
            named = [(d.code, at) for d, at in part]
            future = helpers.pool().submit(_compute_part, known_then, named, str(version))
            remote.append((str(version), recorded_at, future))
        out |= {(version, recorded_at, *key): f for key, f in _recomputed(compute_many(known_then, here, m)).items()}
    for version, recorded_at, future in remote:
        out |= {(version, recorded_at, *key): f for key, f in helpers.result(future).items()}
    return out


def _split(wanted: list[tuple[IndexDefinition, datetime]], parts: int) -> list[list[tuple[IndexDefinition, datetime]]]:
    """`wanted` in `parts` of about equal size that share no index: a blend and its legs stay together."""
    group_of: dict[str, str] = {}

    def root(code: str) -> str:
        while group_of.setdefault(code, code) != code:
            code = group_of[code]
        return code

    for d, _ in wanted:
        for leg, _ in d.blend_of:
            group_of[root(leg)] = root(d.code)
    groups: dict[str, list[tuple[IndexDefinition, datetime]]] = {}
    for d, at in wanted:
        groups.setdefault(root(d.code), []).append((d, at))
    out: list[list[tuple[IndexDefinition, datetime]]] = [[] for _ in range(max(1, parts))]
    for _, members in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        min(out, key=len).extend(members)
    return out


def _compute_part(
    quotes: pl.DataFrame, wanted: list[tuple[str, datetime]], version: str
) -> dict[tuple[str, datetime], Recomputed]:
    """`compute_many` in a helper process (indices by code: the process loads the methodology itself)."""
    m = load(version)
    return _recomputed(compute_many(quotes, [(m.index(code), at) for code, at in wanted], m))


def _compare(f: dict[str, Any], again: Recomputed | None) -> list[str]:
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
