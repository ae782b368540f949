"""The DuckDB warehouse: the only place that writes the database. SQL is parameterised and lives here.

Writes are idempotent (captures, quotes and rejections are keyed; fixings and settlements are
appended as new revisions only when they differ). Reads are the named queries of
`store.queries`; `query()` is the ad-hoc read for analysts (`cix sql`) and tests.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipeline.domain.records import QUOTE_SCHEMA, REJECTION_SCHEMA, RawCapture
from pipeline.store.connection import connect
from pipeline.store.queries import Queries

TABLES = frozenset(
    {
        "raw_capture",
        "quote",
        "rejection",
        "fixing",
        "fixing_constituent",
        "fixing_exclusion",
        "batch_check",
        "source_run",
        "settlement",
        "fx_rate",
        "methodology",
        "governance_event",
    }
)
FIXING_DECIMALS = {"value": 18, "robust_cv": 18, "p25": 18, "p75": 18}
CONSTITUENT_DECIMALS = {"value": 18, "weight_raw": 18, "weight_capped": 18, "trim_weight": 18}


def sql_text(name: str) -> str:
    """A SQL file shipped inside the package (schema, views, analyst examples)."""
    return resources.files("pipeline.store").joinpath("sql", name).read_text()


class Warehouse(Queries):
    def __init__(self, path: Path, read_only: bool = False, lock_timeout: float | None = None) -> None:
        """`lock_timeout`: seconds to wait for another process's write lock (default CIX_DB_LOCK_TIMEOUT, 120);
        past it `WarehouseBusy` is raised."""
        self.path = path
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.con = connect(path, read_only, lock_timeout)
        self.con.execute("SET TimeZone = 'UTC'")
        if not read_only:
            self.con.execute(sql_text("schema.sql"))
            self._record_methodologies()
            self.con.execute(sql_text("views.sql"))

    def _record_methodologies(self) -> None:
        """Every methodology version this code knows, and which is current (the views read it)."""
        from pipeline.methodology import CURRENT, available, load

        rows = [
            (v, load(v).digest, load(v).raw.get("published"), load(v).raw["summary"], v == CURRENT) for v in available()
        ]
        self.con.executemany("INSERT OR REPLACE INTO methodology VALUES (?, ?, ?, ?, ?)", rows)

    def close(self) -> None:
        self.con.close()

    def cursor(self) -> Warehouse:
        """Another handle on the same open database for one thread (DuckDB connections are not shared across
        threads); closing it leaves this one open."""
        handle = object.__new__(Warehouse)
        handle.path = self.path
        handle.con = self.con.cursor()
        handle.con.execute("SET TimeZone = 'UTC'")
        return handle

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

    def count(self, table: str) -> int:
        if table not in TABLES:
            raise ValueError(f"unknown table {table!r}")
        row = self._one(f"SELECT count(*) FROM {table}")  # noqa: S608 - table name allow-listed
        return int(row[0]) if row else 0

    # -- captures and quotes -------------------------------------------------
    def record_captures(self, captures: Sequence[tuple[RawCapture, str]], replayed_from: str | None) -> None:
        """Record many fetches (capture, stored path) in one statement; ones already recorded are left as they are."""
        if not captures:
            return
        columns = ("capture_id", "source", "url", "method", "fetched_at", "http_status", "content_type")
        rows = [
            (*(getattr(c, k) for k in columns), len(c.body), path, replayed_from, c.in_force_until)
            for c, path in captures
        ]
        with self.transaction() as con:
            con.executemany("INSERT OR IGNORE INTO raw_capture VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

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
        passed = self._one(
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

    # -- fixings and settlements -----------------------------------------------
    def append_fixings(
        self,
        fixings: Sequence[Mapping[str, Any]],
        constituents: Sequence[Mapping[str, Any]],
        exclusions: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        """Append fixing revisions with their constituents and exclusions (rows from `domain.serialise`),
        in one transaction."""
        with self.transaction() as con:
            for table, rows, decimals in (
                ("fixing", fixings, FIXING_DECIMALS),
                ("fixing_constituent", constituents, CONSTITUENT_DECIMALS),
                ("fixing_exclusion", exclusions, {}),
            ):
                if not rows:
                    continue
                exact = [{k: (_exact(v) if k in decimals else v) for k, v in row.items()} for row in rows]
                con.register("incoming_rows", pl.DataFrame(exact, infer_schema_length=None).to_arrow())
                # table and casts come from the constants above, never from input
                con.execute(f"INSERT INTO {table} BY NAME SELECT {_casts(decimals)} FROM incoming_rows")  # noqa: S608
                con.unregister("incoming_rows")

    def append_settlement(
        self, doc: dict[str, Any], index_code: str, version: str, computed_at: datetime, revision: int, final: bool
    ) -> None:
        """Append one settlement revision (the settle.freeze policy decides whether there is one)."""
        self.con.execute(
            "INSERT INTO settlement BY NAME SELECT ? AS contract, ? AS period, ? AS revision, ? AS index_code, "
            "? AS methodology_version, ? AS contracts_version, ? AS status, CAST(? AS DECIMAL(38,18)) AS price, "
            "? AS unrounded, ? AS fallbacks, ? AS flags, ? AS evidence, ? AS computed_at, ? AS final",
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
                json.dumps(doc["evidence"], sort_keys=True),
                computed_at,
                final,
            ],
        )

    def record_event(self, event: dict[str, Any]) -> None:
        """Append a governance event (a proposal, an approval, a notice); events are never changed."""
        self.con.execute(
            "INSERT INTO governance_event BY NAME SELECT ? AS event_id, ? AS kind, ? AS subject, ? AS proposed_by, "
            "? AS approved_by, ? AS reason, ? AS detail, ? AS recorded_at, ? AS refers_to",
            [
                event["event_id"],
                event["kind"],
                event["subject"],
                event.get("proposed_by"),
                event.get("approved_by"),
                event["reason"],
                json.dumps(event.get("detail", {}), sort_keys=True, default=str),
                event["recorded_at"],
                event.get("refers_to"),
            ],
        )


def _casts(decimals: dict[str, int]) -> str:
    """Select list turning exact decimal text into DECIMAL columns (text -> DECIMAL is exact in DuckDB)."""
    if not decimals:
        return "*"
    casts = ", ".join(f"CAST({c} AS DECIMAL(38,{scale})) AS {c}" for c, scale in decimals.items())
    return f"* REPLACE ({casts})"


def _exact(value: Any, places: int = 18) -> str | None:
    """Decimal as text rounded half-even to the column's scale; DuckDB casts text to DECIMAL exactly."""
    if value is None:
        return None
    return format(Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN), "f")
