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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import polars as pl

from pipeline import sources
from pipeline.capture import CaptureIntegrityError, CaptureStore
from pipeline.domain.fixing import Fixing
from pipeline.domain.records import QUOTE_SCHEMA, RawCapture, empty, plain
from pipeline.flow.ingest import fx_rates_on, parse_capture
from pipeline.index.fixing import compute_many
from pipeline.methodology import load
from pipeline.normalize.identity import RULES_VERSION
from pipeline.store import Warehouse

Key = tuple[str, str, datetime]


@dataclass
class VerifyReport:
    checked_fixings: int = 0
    checked_captures: int = 0
    problems: list[str] = field(default_factory=list)
    code_changes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(warehouse: Warehouse, store: CaptureStore) -> VerifyReport:
    report = VerifyReport()
    _check_bodies(warehouse, store, report)
    loaded = warehouse.loaded_captures()
    derived: dict[Key, pl.DataFrame] = {}
    for row in loaded.iter_rows(named=True):
        key = (row["source"], row["capture_id"], row["fetched_at"])
        quotes = _rederive(warehouse, store, row, report)
        if quotes is not None:
            derived[key] = quotes
    all_quotes = pl.concat(list(derived.values()), how="vertical_relaxed") if derived else empty(QUOTE_SCHEMA)
    known = pl.DataFrame(
        [
            {
                "source": r["source"],
                "capture_id": r["capture_id"],
                "fetched_at": r["fetched_at"],
                "checked_at": r["checked_at"],
            }
            for r in loaded.iter_rows(named=True)
        ],
        schema={
            "source": pl.String,
            "capture_id": pl.String,
            "fetched_at": pl.Datetime("us", "UTC"),
            "checked_at": pl.Datetime("us", "UTC"),
        },
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


def _check_bodies(warehouse: Warehouse, store: CaptureStore, report: VerifyReport) -> None:
    """Every stored body still hashes to its name; reference captures still give the stored rates."""
    for row in warehouse.all_captures().iter_rows(named=True):
        try:
            body = store.get(row["capture_id"])
        except CaptureIntegrityError as exc:
            report.problems.append(f"capture {row['source']} {row['capture_id']}: {exc}")
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


def _rederive(
    warehouse: Warehouse, store: CaptureStore, row: dict[str, Any], report: VerifyReport
) -> pl.DataFrame | None:
    """A loaded capture's quotes, re-derived with the parser version that made them; the stored quotes when
    that code has changed since (reported as a code change, not a problem)."""
    report.checked_captures += 1
    name = f"{row['source']} {row['capture_id'][:16]}…"
    try:
        capture = _capture(row, store.get(row["capture_id"]))
    except CaptureIntegrityError:
        return None  # already reported by _check_bodies
    version = row["parser_version"] or "1"
    rules = row["rules_version"] or "1"
    stored = warehouse.stored_quotes_of(row["source"], row["capture_id"], row["fetched_at"])
    try:
        sources.get(row["source"]).parser(version)
    except KeyError:
        report.code_changes.append(f"capture {name}: parser version {version} is retired; its stored quotes stand")
        return _as_quotes(stored)
    try:
        quotes, _ = parse_capture(capture, load().bounds, fx_rates_on(warehouse, capture.fetched_at.date()), version)
    except Exception as exc:  # a parser that no longer reads its own capture is itself a finding
        report.problems.append(f"capture {name}: cannot be re-parsed by parser version {version}: {exc}")
        return None
    differences = _differences(stored, quotes)
    if differences and rules != RULES_VERSION:
        report.code_changes.append(
            f"capture {name}: identity rules changed ({rules} -> {RULES_VERSION}); {len(differences)} quote(s) read "
            "differently now; the stored quotes stand"
        )
        return _as_quotes(stored)
    report.problems += [f"quote {name} {d}" for d in differences]
    return quotes


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
