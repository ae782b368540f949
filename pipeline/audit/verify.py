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

Likewise each group of fixings is recomputed once by the same code from the same inputs (`audit.recompute`: keyed
by the recomputing code, the methodology version, the fixings and the content of every capture known then), so a
daily `verify` recomputes the new day only. Every stored revision is still compared with its recomputation, as one
join: only the rows that may differ are examined one by one.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl

from pipeline import sources
from pipeline.audit.recompute import GROUP, RECOMPUTE_POOL_MIN, WANTED, RecomputeCache, Recomputed, known_by, recompute
from pipeline.audit.rederive import capture_of, rederive_all
from pipeline.capture import CaptureIntegrityError, CaptureStore
from pipeline.domain.records import QUOTE_SCHEMA, RawCapture, empty, plain
from pipeline.flow.helpers import Helpers
from pipeline.flow.parse_cache import ParseCache
from pipeline.sources.base import RateReader, Source
from pipeline.store import Warehouse


@dataclass
class VerifyReport:
    checked_fixings: int = 0
    checked_captures: int = 0
    problems: list[str] = field(default_factory=list)
    code_changes: list[str] = field(default_factory=list)
    from_cache: int = 0  # price captures whose re-derivation came from the parse cache
    reparsed: int = 0  # price captures parsed again from their raw bytes
    recomputed_from_cache: int = 0  # fixing recomputations taken from the recompute cache (`audit.recompute`)
    recomputed: int = 0  # fixings recomputed now
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
    revisions = warehouse.all_revisions(COMPARED)
    helpers = Helpers(workers)
    memo = RecomputeCache(cache.root / "recomputed") if cache is not None else None
    try:
        if (memo is None or reparse) and helpers.parts_for(revisions.height, RECOMPUTE_POOL_MIN) > 1:
            helpers.pool()  # everything is recomputed: started now, so the helpers' imports overlap the capture checks
        again = _rederive_and_recompute(warehouse, store, revisions, report, cache, memo, reparse, helpers)
    finally:
        helpers.close()
    if memo is not None:
        report.cache_discarded += [f"recompute cache entry {d}: discarded and recomputed" for d in memo.discarded]
    if prune_cache and cache is not None and memo is not None:
        report.cache_pruned = cache.prune(started) + memo.prune(started)
    report.checked_fixings = revisions.height
    joined = revisions.join(again, on=GROUP + WANTED, how="left", suffix="_again", maintain_order="left")
    for f in joined.filter(~_agrees()).iter_rows(named=True):  # the rows that may differ, named one by one
        report.problems += _compare(f, _again(f))
    return report


def _rederive_and_recompute(
    warehouse: Warehouse,
    store: CaptureStore,
    revisions: pl.DataFrame,
    report: VerifyReport,
    cache: ParseCache | None,
    memo: RecomputeCache | None,
    reparse: bool,
    helpers: Helpers,
) -> pl.DataFrame:
    altered = _check_bodies(warehouse, store, report)
    loaded = warehouse.loaded_captures()
    # Read on this connection, not beside it: two readers of an embedded (SQLite) catalog at once stall for a second
    # now and then on its lock (measured: 1 s in 4 of 15 tries), more than the overlap saves.
    stored = warehouse.quote_digests() if cache is not None and not reparse else {}
    rederived = rederive_all(warehouse, store, loaded, altered, report, cache, reparse, helpers, stored)
    known = loaded.select(
        pl.col("source").cast(pl.String),
        pl.col("capture_id").cast(pl.String),
        pl.col("fetched_at").cast(pl.Datetime("us", "UTC")),
        pl.col("checked_at").cast(pl.Datetime("us", "UTC")),
    )

    def all_quotes() -> pl.DataFrame:  # only when a stored revision is recomputed
        frames = rederived.quotes()
        quotes = pl.concat(frames, how="vertical_relaxed") if frames else empty(QUOTE_SCHEMA)
        return quotes.join(known, on=["source", "capture_id", "fetched_at"], how="left")

    digests = rederived.digests
    inputs = known_by(
        (
            (t, f"{s} {c} {f.isoformat()}", digests[(s, c, f)])
            for s, c, f, t in known.iter_rows()
            if (s, c, f) in digests
        ),
        revisions["recorded_at"].unique(),
    )
    again = recompute(all_quotes, revisions, helpers, report, memo if digests else None, inputs, reparse)
    report.cache_discarded += [f"{d}: discarded and re-parsed" for d in rederived.discarded]
    report.problems += rederived.problems
    return again


# Bodies fetched and re-hashed at once: an object store answers each GET after a round trip, and sha256 releases the
# GIL, so a few at a time cost little more than one; only a reference capture's body is kept past its check.
FETCHERS = 8


def _check_bodies(warehouse: Warehouse, store: CaptureStore, report: VerifyReport) -> set[str]:
    """Every stored body still hashes to its name; reference captures still give the stored rates. Returns the
    ids of the bodies that do not (missing or altered)."""

    def fetched(row: dict[str, Any]) -> tuple[dict[str, Any], Source | None, bytes | None, str | None]:
        try:
            body = store.get(row["capture_id"])
        except CaptureIntegrityError as exc:
            return row, None, None, str(exc)
        source = sources.REGISTRY.get(row["source"])
        return row, source, body if source is not None and source.read_rates is not None else None, None

    altered: set[str] = set()
    with ThreadPoolExecutor(FETCHERS) as fetchers:
        for row, source, body, problem in fetchers.map(fetched, warehouse.all_captures().iter_rows(named=True)):
            if problem is not None:
                report.problems.append(f"capture {row['source']} {row['capture_id']}: {problem}")
                altered.add(row["capture_id"])
                continue
            if source is None:
                report.problems.append(f"capture {row['source']} {row['capture_id']}: unknown source")
                continue
            if body is None or source.read_rates is None:  # only a reference capture's body is kept
                continue
            report.checked_captures += 1
            _check_rates(warehouse, source.read_rates, capture_of(row, body), report)
    return altered


def _check_rates(warehouse: Warehouse, read_rates: RateReader, capture: RawCapture, report: VerifyReport) -> None:
    """A reference capture still gives the rates stored from it."""
    try:
        rates = {(r.day, r.currency): r.usd_per_unit for r in read_rates(capture)}
    except Exception:  # a body that was recorded as unreadable left no rates
        rates = {}
    stored = {(r.day, r.currency): r.usd_per_unit for r in warehouse.fx_rates_of_capture(capture.capture_id)}
    name = f"fx capture {capture.source} {capture.capture_id[:16]}…"
    changed = sorted(k for k in stored.keys() & rates.keys() if stored[k] != rates[k])
    if changed:
        report.problems.append(f"{name}: stored rates differ from the capture's ({_rate_names(changed)})")
    if missing := sorted(stored.keys() - rates.keys()):
        report.problems.append(f"{name}: stored rates not in it ({_rate_names(missing)})")


def _rate_names(keys: list[tuple[date, str]]) -> str:
    return ", ".join(f"{currency} {day}" for day, currency in keys)


# What a stored revision is found (group and fixing), named (date, revision) and compared on.
COMPARED = [*GROUP, *WANTED, "fixing_date", "revision", "status", "value", "inputs_digest", "n_providers"]


def _agrees() -> pl.Expr:
    """True where a stored revision surely equals its recomputation (joined as `<column>_again`); anything else,
    null included, is left to `_compare`, which names the difference (and finds none where this was unsure)."""
    status, again = pl.col("status"), pl.col("status_again")
    stored_status = pl.when((status == "not_republished") & (again != "withheld")).then(again).otherwise(status)
    value, value_again = pl.col("value"), pl.col("value_again")
    same_value = (value.is_null() & value_again.is_null()) | (_plain(value.cast(pl.String)) == _plain(value_again))
    same = [stored_status == again, same_value] + [
        pl.col(c) == pl.col(f"{c}_again") for c in ("inputs_digest", "n_providers")
    ]
    return pl.all_horizontal(same).fill_null(False)


def _plain(text: pl.Expr) -> pl.Expr:
    """A decimal's text without trailing zeros after its point ("3.240000" and "3.24" alike; "100" stays)."""
    return text.str.replace(r"^(-?[0-9]+)\.([0-9]*?)0*$", "${1}.${2}").str.strip_suffix(".")


def _again(f: dict[str, Any]) -> Recomputed | None:
    if f["status_again"] is None:
        return None
    value = None if f["value_again"] is None else Decimal(f["value_again"])
    return Recomputed(f["status_again"], value, f["inputs_digest_again"], f["n_providers_again"])


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
