"""Verify every stored fixing from the raw captures.

`verify` trusts nothing in the warehouse but the raw capture files it can hash: it re-parses them
with the source parsers, re-normalises, recomputes each stored fixing revision under the
methodology version it names, from exactly the captures that had been loaded when that revision
was recorded, and compares.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import polars as pl

from pipeline.capture import CaptureIntegrityError, CaptureStore
from pipeline.domain.records import QUOTE_SCHEMA, RawCapture, empty, plain
from pipeline.flow.ingest import fx_rates_on, parse_capture
from pipeline.index.fixing import History, compute_fixing
from pipeline.methodology import load
from pipeline.store import Warehouse


@dataclass
class VerifyReport:
    checked_fixings: int = 0
    checked_captures: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(warehouse: Warehouse, store: CaptureStore) -> VerifyReport:
    report = VerifyReport()
    loaded = warehouse.loaded_captures()
    derived: dict[tuple[str, str, datetime], pl.DataFrame] = {}
    for row in loaded.iter_rows(named=True):
        report.checked_captures += 1
        try:
            body = store.get(row["capture_id"])
        except CaptureIntegrityError as exc:
            report.problems.append(f"capture {row['source']} {row['capture_id']}: {exc}")
            continue
        capture = RawCapture(
            source=row["source"],
            url=row["url"],
            fetched_at=row["fetched_at"],
            body=body,
            http_status=row["http_status"],
            content_type=row["content_type"] or "",
            method=row["method"],
            in_force_until=row["in_force_until"],
        )
        try:
            quotes, _ = parse_capture(capture, load().bounds, fx_rates_on(warehouse, capture.fetched_at.date()))
        except Exception as exc:  # a parser that no longer reads its own capture is itself a finding
            report.problems.append(f"capture {row['source']} {row['capture_id']}: cannot be re-parsed: {exc}")
            continue
        derived[(row["source"], row["capture_id"], row["fetched_at"])] = quotes
        report.problems += _compare_stored_quotes(warehouse, row, quotes)

    all_quotes = pl.concat(list(derived.values())) if derived else empty(QUOTE_SCHEMA)
    checked_at = {
        k: r["checked_at"]
        for r in loaded.iter_rows(named=True)
        for k in [(r["source"], r["capture_id"], r["fetched_at"])]
    }
    known = pl.DataFrame(
        [{"source": s, "capture_id": c, "fetched_at": f, "checked_at": t} for (s, c, f), t in checked_at.items()],
        schema={
            "source": pl.String,
            "capture_id": pl.String,
            "fetched_at": pl.Datetime("us", "UTC"),
            "checked_at": pl.Datetime("us", "UTC"),
        },
    )
    all_quotes = all_quotes.join(known, on=["source", "capture_id", "fetched_at"], how="left")
    histories: dict[tuple[str, str], History | None] = {}
    for f in warehouse.all_revisions().iter_rows(named=True):
        report.checked_fixings += 1
        key = (f["methodology_version"], f["index_code"])
        if key not in histories:
            try:
                m = load(key[0])
                histories[key] = History(all_quotes, m.index(key[1]), m)
            except KeyError:
                histories[key] = None
        report.problems += _recompute_and_compare(f, histories[key])
    return report


def _compare_stored_quotes(warehouse: Warehouse, capture: dict[str, Any], quotes: pl.DataFrame) -> list[str]:
    stored = warehouse.stored_quotes_of(capture["source"], capture["capture_id"], capture["fetched_at"])
    want = {(r["row_no"], r["unit"]): (r["price_usd"], r["good"], r["provider"]) for r in quotes.iter_rows(named=True)}
    have = {(r["row_no"], r["unit"]): (r["price_usd"], r["good"], r["provider"]) for r in stored.iter_rows(named=True)}
    problems = []
    for key in sorted(set(want) | set(have), key=str):
        if want.get(key) != have.get(key):
            problems.append(
                f"quote {capture['source']} {capture['capture_id'][:16]}… row {key[0]} {key[1]}: stored "
                f"{_show(have.get(key))} but the raw capture gives {_show(want.get(key))}"
            )
    return problems


def _show(v: tuple[Any, ...] | None) -> str:
    return "nothing" if v is None else f"{plain(v[0])} ({v[2]}, {v[1]})"


def _recompute_and_compare(f: dict[str, Any], history: History | None) -> list[str]:
    name = f"fixing {f['index_code']} {f['fixing_date']} v{f['methodology_version']} rev {f['revision']}"
    if history is None:
        return [f"{name}: methodology version or index definition not found"]
    m = load(f["methodology_version"])
    definition = m.index(f["index_code"])
    window = history.around(f["fixing_time"])
    known_then = window.filter(pl.col("checked_at") <= f["recorded_at"]).drop("checked_at")
    again = compute_fixing(known_then, definition, f["fixing_time"], m)
    diffs = []
    stored_status = "published" if f["status"] == "not_republished" else f["status"]
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
