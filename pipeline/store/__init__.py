"""The DuckDB warehouse: the only place that writes the database. One writer; SQL is parameterised."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipeline.config import PROJECT_ROOT
from pipeline.index.fixing import Fixing
from pipeline.models import QUOTE_SCHEMA, REJECTION_SCHEMA, RawCapture

SCHEMA_SQL = PROJECT_ROOT / "sql" / "schema.sql"
VIEWS_SQL = PROJECT_ROOT / "sql" / "views.sql"


class Warehouse:
    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.path = path
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.con = _connect(path, read_only)
        self.con.execute("SET TimeZone = 'UTC'")
        if not read_only:
            self.con.execute(SCHEMA_SQL.read_text())
            self.con.execute(VIEWS_SQL.read_text())

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """First row of a parameterised query (the result is fully consumed)."""
        rows = self.con.execute(sql, list(params)).fetchall()
        return rows[0] if rows else None

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    # -- captures and quotes -------------------------------------------------
    def has_capture(self, capture: RawCapture) -> bool:
        row = self.one(
            "SELECT count(*) FROM raw_capture WHERE source = ? AND capture_id = ? AND fetched_at = ?",
            [capture.source, capture.capture_id, capture.fetched_at],
        )
        return bool(row and row[0])

    def record_capture(self, capture: RawCapture, stored_path: str, replayed_from: str | None) -> None:
        self.con.execute(
            "INSERT OR IGNORE INTO raw_capture VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                capture.capture_id,
                capture.source,
                capture.url,
                capture.method,
                capture.fetched_at,
                capture.http_status,
                capture.content_type,
                len(capture.body),
                stored_path,
                replayed_from,
                capture.in_force_until,
            ],
        )

    def load_batch(self, quotes: pl.DataFrame, rejections: pl.DataFrame, ingested_at: datetime) -> None:
        """Insert a normalised batch in one transaction; rows already present are left as they are."""
        q = quotes.select(list(QUOTE_SCHEMA)).with_columns(pl.lit(ingested_at).alias("ingested_at"))
        r = rejections.select(list(REJECTION_SCHEMA)).with_columns(pl.lit(ingested_at).alias("ingested_at"))
        with self.transaction() as con:
            con.register("incoming_quotes", q.to_arrow())
            con.register("incoming_rejections", r.to_arrow())
            con.execute("INSERT OR IGNORE INTO quote BY NAME SELECT * FROM incoming_quotes")
            con.execute("INSERT OR IGNORE INTO rejection BY NAME SELECT * FROM incoming_rejections")
            con.unregister("incoming_quotes")
            con.unregister("incoming_rejections")

    def record_check(
        self,
        capture: RawCapture,
        suite: str,
        success: bool,
        n_rows: int,
        failures: list[dict[str, Any]],
        checked_at: datetime,
    ) -> None:
        """Record a gate result. A batch that already passed keeps its first pass: that is when its quotes
        became known, which `verify` relies on to recompute each fixing from what was known then."""
        passed = self.one(
            "SELECT success FROM batch_check WHERE source = ? AND capture_id = ? AND fetched_at = ? AND suite = ?",
            [capture.source, capture.capture_id, capture.fetched_at, suite],
        )
        if passed is not None and passed[0]:
            return
        self.con.execute(
            "INSERT OR REPLACE INTO batch_check VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                capture.source,
                capture.capture_id,
                capture.fetched_at,
                suite,
                success,
                n_rows,
                json.dumps(failures, sort_keys=True, default=str),
                checked_at,
            ],
        )

    def record_source_run(
        self, source: str, started_at: datetime, status: str, error_kind: str | None, error: str | None, n_captures: int
    ) -> None:
        self.con.execute(
            "INSERT OR REPLACE INTO source_run VALUES (?, ?, ?, ?, ?, ?)",
            [source, started_at, status, error_kind, error, n_captures],
        )

    def quotes_between(self, start: datetime, end: datetime) -> pl.DataFrame:
        frame = self.con.sql(
            "SELECT * EXCLUDE (ingested_at) FROM quote WHERE observed_at > ? AND observed_at <= ?",
            params=[start, end],
        ).pl()
        return frame.cast({k: v for k, v in QUOTE_SCHEMA.items() if k in frame.columns})  # type: ignore[arg-type,no-any-return]

    def count(self, table: str) -> int:
        if table not in {
            "raw_capture",
            "quote",
            "rejection",
            "fixing",
            "fixing_constituent",
            "batch_check",
            "source_run",
            "settlement",
            "fx_rate",
        }:
            raise ValueError(f"unknown table {table!r}")
        row = self.one(f"SELECT count(*) FROM {table}")  # noqa: S608 - table name allow-listed
        return int(row[0]) if row else 0

    # -- fixings ---------------------------------------------------------------
    def current_revision(self, code: str, day: date, version: str) -> dict[str, Any] | None:
        """The revision in force (published or withheld) for an index, date and methodology version."""
        row = self.one(
            "SELECT revision, status, value, inputs_digest, flags FROM fixing "
            "WHERE index_code = ? AND fixing_date = ? AND methodology_version = ? "
            "AND status IN ('published', 'withheld') ORDER BY revision DESC LIMIT 1",
            [code, day, version],
        )
        if row is None:
            return None
        return dict(zip(["revision", "status", "value", "inputs_digest", "flags"], row, strict=True))

    def store_fixings(
        self,
        fixings: Sequence[Fixing],
        recorded_at: datetime,
        reason: str = "initial determination",
        *,
        republish_threshold: Decimal = Decimal("0.005"),
        force: bool = False,
    ) -> list[StoredFixing]:
        """Append-only: a fixing identical to the one in force is skipped; a different one is a new revision.

        A recomputation that moves a published value by no more than `republish_threshold` (relative) is
        kept for the audit trail as `not_republished` and does not replace the published value, unless
        `force` (an administrator's restatement with a reason). Rows go in as one batch per table.
        """
        results: list[StoredFixing] = []
        current = self._current_revisions(fixings)
        fixing_rows: list[dict[str, Any]] = []
        constituent_rows: list[dict[str, Any]] = []
        for f in fixings:
            now, last = current.get((f.index_code, f.fixing_date, f.methodology_version), (None, 0))
            if now is not None and _same(now, f):
                results.append(StoredFixing(f.index_code, int(now["revision"]), "unchanged"))
                continue
            status, action, why = f.status, "new", reason
            if now is not None:
                action, why = "restated", f"correction: {reason}"
                old, new = now["value"], f.value
                small = (
                    now["status"] == "published"
                    and f.status == "published"
                    and old is not None
                    and new is not None
                    and abs(Decimal(new) - Decimal(old)) <= republish_threshold * abs(old)
                )
                if small and not force:
                    status, action = "not_republished", "below_threshold"
                    why = f"recomputation within {republish_threshold:%} of the published value: {reason}"
            fixing_rows.append(_fixing_row(f, last + 1, status, why, recorded_at))
            constituent_rows += _constituent_rows(f, last + 1)
            results.append(StoredFixing(f.index_code, last + 1, action))
        with self.transaction() as con:
            for table, rows, decimals in (
                ("fixing", fixing_rows, FIXING_DECIMALS),
                ("fixing_constituent", constituent_rows, CONSTITUENT_DECIMALS),
            ):
                if not rows:
                    continue
                con.register("incoming_rows", pl.DataFrame(rows, infer_schema_length=None).to_arrow())
                # table and casts come from the constants above, never from input
                con.execute(f"INSERT INTO {table} BY NAME SELECT {_casts(decimals)} FROM incoming_rows")  # noqa: S608
                con.unregister("incoming_rows")
        return results

    def _current_revisions(
        self, fixings: Sequence[Fixing]
    ) -> dict[tuple[str, date, str], tuple[dict[str, Any] | None, int]]:
        """Per (index, date, methodology): the revision in force and the highest revision number."""
        if not fixings:
            return {}
        days = sorted({f.fixing_date for f in fixings})
        frame = self.frame(
            "SELECT index_code, fixing_date, methodology_version, revision, status, value, inputs_digest, flags "
            "FROM fixing WHERE fixing_date BETWEEN ? AND ? ORDER BY revision",
            [days[0], days[-1]],
        )
        out: dict[tuple[str, date, str], tuple[dict[str, Any] | None, int]] = {}
        for r in frame.iter_rows(named=True):
            key = (r["index_code"], r["fixing_date"], r["methodology_version"])
            in_force, _ = out.get(key, (None, 0))
            if r["status"] in ("published", "withheld"):
                in_force = r
            out[key] = (in_force, int(r["revision"]))
        return out

    def revisions(self, code: str, day: date, version: str | None = None) -> pl.DataFrame:
        """Every revision of a fixing, oldest first (the audit trail)."""
        sql = "SELECT * FROM fixing WHERE index_code = ? AND fixing_date = ?"
        params: list[Any] = [code, day]
        if version is not None:
            sql += " AND methodology_version = ?"
            params.append(version)
        return self.frame(sql + " ORDER BY methodology_version, revision", params)

    def constituents(self, code: str, day: date, version: str, revision: int) -> pl.DataFrame:
        return self.frame(
            "SELECT * FROM fixing_constituent WHERE index_code = ? AND fixing_date = ? AND methodology_version = ? "
            "AND revision = ? ORDER BY excluded_by NULLS FIRST, value, provider",
            [code, day, version, revision],
        )

    def frame(self, sql: str, params: Sequence[Any] = ()) -> pl.DataFrame:
        """Run a parameterised query and return it as a polars frame."""
        frame: pl.DataFrame = self.con.sql(sql, params=list(params)).pl()
        return frame

    def fixings(
        self,
        day: date | None = None,
        as_of: datetime | None = None,
        version: str | None = None,
        code: str | None = None,
    ) -> pl.DataFrame:
        """The revision in force of each fixing (as known at `as_of`, if given)."""
        where = ["status IN ('published', 'withheld')"]
        params: list[Any] = []
        if version is not None:
            where.append("methodology_version = ?")
            params.append(version)
        if code is not None:
            where.append("index_code = ?")
            params.append(code)
        if day is not None:
            where.append("fixing_date = ?")
            params.append(day)
        if as_of is not None:
            where.append("recorded_at <= ?")
            params.append(as_of)
        sql = (
            "SELECT * FROM fixing WHERE "  # noqa: S608 - fixed condition strings; values are bound parameters
            + " AND ".join(where)
            + " QUALIFY row_number() OVER (PARTITION BY index_code, fixing_date, methodology_version"
            " ORDER BY revision DESC) = 1 ORDER BY fixing_date, index_code, methodology_version"
        )
        return self.frame(sql, params)

    def day_fixings(self, code: str, start: date, end: date, version: str) -> pl.DataFrame:
        """Fixings in force for one index over a date range (inclusive)."""
        return self.frame(
            "SELECT fixing_date, status, value, revision FROM fixing WHERE index_code = ? AND methodology_version = ? "
            "AND fixing_date BETWEEN ? AND ? AND status IN ('published', 'withheld') "
            "QUALIFY row_number() OVER (PARTITION BY fixing_date ORDER BY revision DESC) = 1 ORDER BY fixing_date",
            [code, version, start, end],
        )

    def prior_published(self, code: str, before: date, version: str) -> dict[str, Any] | None:
        rows = self.frame(
            "SELECT fixing_date, status, value, revision FROM fixing WHERE index_code = ? AND methodology_version = ? "
            "AND fixing_date < ? AND status IN ('published', 'withheld') "
            "QUALIFY row_number() OVER (PARTITION BY fixing_date ORDER BY revision DESC) = 1 "
            "ORDER BY fixing_date DESC",
            [code, version, before],
        ).filter(pl.col("status") == "published")
        return rows.row(0, named=True) if rows.height else None

    def store_settlement(self, doc: dict[str, Any], index_code: str, version: str, computed_at: datetime) -> int:
        """Append the settlement unless it equals the latest revision; returns the revision in force."""
        latest = self.one(
            "SELECT revision, status, price, evidence FROM settlement WHERE contract = ? AND period = ? "
            "ORDER BY revision DESC LIMIT 1",
            [doc["contract"], doc["period"]],
        )
        evidence = json.dumps(doc["evidence"], sort_keys=True)
        price = None if doc["price"] is None else Decimal(doc["price"])
        if latest is not None and latest[1] == doc["status"] and _eq(latest[2], price) and latest[3] == evidence:
            return int(latest[0])
        revision = 1 if latest is None else int(latest[0]) + 1
        self.con.execute(
            "INSERT INTO settlement BY NAME SELECT ? AS contract, ? AS period, ? AS revision, ? AS index_code, "
            "? AS methodology_version, ? AS contracts_version, ? AS status, CAST(? AS DECIMAL(38,18)) AS price, "
            "? AS unrounded, ? AS fallbacks, ? AS flags, ? AS evidence, ? AS computed_at",
            [
                doc["contract"],
                doc["period"],
                revision,
                index_code,
                version,
                doc["contracts_version"],
                doc["status"],
                doc["price"],
                doc["unrounded"],
                doc["fallbacks"],
                json.dumps(doc["flags"]),
                evidence,
                computed_at,
            ],
        )
        return revision

    def record_fx_rates(self, rates: Sequence[Any], capture_id: str) -> int:
        rows = [
            (r.day, r.currency, format(r.usd_per_unit, "f"), format(r.ecb_rate, "f"), r.source, capture_id)
            for r in rates
        ]
        self.con.executemany(
            "INSERT OR IGNORE INTO fx_rate VALUES (?, ?, CAST(? AS DECIMAL(38,18)), CAST(? AS DECIMAL(38,18)), ?, ?)",
            rows,
        )
        return len(rows)

    def fx_rates_on(self, day: date, max_age_days: int = 5) -> dict[str, Decimal]:
        """USD per unit for each currency: its latest rate on or before `day`, at most `max_age_days` old."""
        rows = self.con.execute(
            "SELECT currency, arg_max(usd_per_unit, day) FROM fx_rate WHERE day <= ? AND day > ? GROUP BY currency",
            [day, day - timedelta(days=max_age_days + 1)],
        ).fetchall()
        return {c: Decimal(v) for c, v in rows}

    def latest_fixing_date(self) -> date | None:
        row = self.one("SELECT max(fixing_date) FROM fixing")
        return row[0] if row and row[0] else None


FIXING_DECIMALS = {"value": 18, "robust_cv": 18, "p25": 18, "p75": 18}
CONSTITUENT_DECIMALS = {"value": 18, "weight_raw": 18, "weight_capped": 18, "trim_weight": 18}


def _casts(decimals: dict[str, int]) -> str:
    """Select list turning exact decimal text into DECIMAL columns (text -> DECIMAL is exact in DuckDB)."""
    casts = ", ".join(f"CAST({c} AS DECIMAL(38,{scale})) AS {c}" for c, scale in decimals.items())
    return f"* REPLACE ({casts})"


def _fixing_row(f: Fixing, revision: int, status: str, reason: str, recorded_at: datetime) -> dict[str, Any]:
    return {
        "index_code": f.index_code,
        "fixing_date": f.fixing_date,
        "methodology_version": f.methodology_version,
        "revision": revision,
        "fixing_time": f.fixing_time,
        "status": status,
        "value": _exact(f.value),
        "unrounded": None if f.unrounded is None else format(f.unrounded, "f"),
        "unit": f.unit,
        "currency": f.currency,
        "flags": json.dumps(list(f.flags)),
        "gates": json.dumps(f.gates, sort_keys=True, default=str),
        "n_providers": f.n_providers,
        "n_quotes": f.n_quotes,
        "robust_cv": _exact(f.robust_cv),
        "p25": _exact(f.p25),
        "p75": _exact(f.p75),
        "inputs_digest": f.inputs_digest,
        "input_keys": json.dumps(list(f.input_keys)),
        "reason": reason,
        "recorded_at": recorded_at,
    }


def _constituent_rows(f: Fixing, revision: int) -> list[dict[str, Any]]:
    base = {
        "index_code": f.index_code,
        "fixing_date": f.fixing_date,
        "methodology_version": f.methodology_version,
        "revision": revision,
    }
    rows = [
        {
            **base,
            "provider": c.provider,
            "value": _exact(c.value),
            "tier": c.tier,
            "sources": json.dumps(list(c.sources)),
            "n_quotes": c.n_quotes,
            "screened_out": c.screened_out,
            "excluded_by": "mad_screen" if c.screened_out else None,
            "screen_reason": c.screen_reason,
            "weight_raw": _exact(c.weight_raw),
            "weight_capped": _exact(c.weight_capped),
            "trim_weight": _exact(c.trim_weight),
            "last_observed_at": c.last_observed_at,
        }
        for c in f.constituents
    ]
    rows += [
        {
            **base,
            "provider": s.provider,
            "value": _exact(s.value),
            "tier": "rate_card",
            "sources": json.dumps(list(s.sources)),
            "n_quotes": 0,
            "screened_out": True,
            "excluded_by": "stale",
            "screen_reason": f"stale: latest quote {s.last_observed_at.isoformat()} is older than the maximum age",
            "weight_raw": None,
            "weight_capped": None,
            "trim_weight": None,
            "last_observed_at": s.last_observed_at,
        }
        for s in f.stale
    ]
    return rows


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """DuckDB allows one writing process: another process (a parallel Airflow task) waits for the file lock,
    up to CIX_DB_LOCK_TIMEOUT seconds (default 120), instead of failing at once."""
    deadline = time.monotonic() + float(os.environ.get("CIX_DB_LOCK_TIMEOUT", "120"))
    wait = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() + wait > deadline:
                raise
            time.sleep(wait)
            wait = min(wait * 2, 2.0)


@dataclass(frozen=True)
class StoredFixing:
    index_code: str
    revision: int
    action: str  # new | unchanged | restated | below_threshold


def _exact(value: Decimal | None, places: int = 18) -> str | None:
    """Decimal as text rounded half-even to the column's scale; DuckDB casts text to DECIMAL exactly."""
    return None if value is None else format(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN), "f")


def _same(current: dict[str, Any], f: Fixing) -> bool:
    return (
        current["inputs_digest"] == f.inputs_digest
        and current["status"] == f.status
        and _eq(current["value"], f.value)
        and current["flags"] == json.dumps(list(f.flags))
    )


def _eq(stored: Decimal | None, new: Decimal | None) -> bool:
    if stored is None or new is None:
        return stored is None and new is None
    return Decimal(stored) == new
