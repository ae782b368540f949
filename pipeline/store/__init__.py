"""The DuckDB warehouse: the only place that writes the database. One writer; SQL is parameterised."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipeline.config import PROJECT_ROOT
from pipeline.index.fixing import Fixing
from pipeline.models import QUOTE_SCHEMA, REJECTION_SCHEMA, RawCapture

SCHEMA_SQL = PROJECT_ROOT / "sql" / "schema.sql"


class Warehouse:
    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.path = path
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect(str(path), read_only=read_only)
        self.con.execute("SET TimeZone = 'UTC'")
        if not read_only:
            self.con.execute(SCHEMA_SQL.read_text())

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
            "INSERT OR IGNORE INTO raw_capture VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        }:
            raise ValueError(f"unknown table {table!r}")
        row = self.one(f"SELECT count(*) FROM {table}")  # noqa: S608 - table name allow-listed
        return int(row[0]) if row else 0

    # -- fixings ---------------------------------------------------------------
    def latest_revision(self, code: str, day: date) -> dict[str, Any] | None:
        row = self.one(
            "SELECT revision, status, value, inputs_digest, flags FROM fixing "
            "WHERE index_code = ? AND fixing_date = ? ORDER BY revision DESC LIMIT 1",
            [code, day],
        )
        if row is None:
            return None
        return dict(zip(["revision", "status", "value", "inputs_digest", "flags"], row, strict=True))

    def store_fixings(
        self, fixings: Sequence[Fixing], recorded_at: datetime, reason: str = "initial determination"
    ) -> list[tuple[str, int, bool]]:
        """Append a revision for every fixing that differs from the current one; identical ones are skipped."""
        results: list[tuple[str, int, bool]] = []
        with self.transaction() as con:
            for f in fixings:
                latest = self.latest_revision(f.index_code, f.fixing_date)
                same = (
                    latest is not None
                    and latest["inputs_digest"] == f.inputs_digest
                    and latest["status"] == f.status
                    and _eq(latest["value"], f.value)
                    and latest["flags"] == json.dumps(list(f.flags))
                )
                if same and latest is not None:
                    results.append((f.index_code, int(latest["revision"]), False))
                    continue
                revision = 1 if latest is None else int(latest["revision"]) + 1
                why = reason if latest is None else f"correction: {reason}"
                con.execute(
                    "INSERT INTO fixing VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        f.index_code,
                        f.fixing_date,
                        revision,
                        f.fixing_time,
                        f.status,
                        f.value,
                        f.unit,
                        f.currency,
                        json.dumps(list(f.flags)),
                        json.dumps(f.gates, sort_keys=True, default=str),
                        f.n_providers,
                        f.n_quotes,
                        f.robust_cv,
                        f.p25,
                        f.p75,
                        f.methodology_version,
                        f.inputs_digest,
                        json.dumps(list(f.input_keys)),
                        why,
                        recorded_at,
                    ],
                )
                for c in f.constituents:
                    con.execute(
                        "INSERT INTO fixing_constituent VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [
                            f.index_code,
                            f.fixing_date,
                            revision,
                            c.provider,
                            c.value,
                            c.tier,
                            json.dumps(list(c.sources)),
                            c.n_quotes,
                            c.screened_out,
                            c.screen_reason,
                            c.weight_raw,
                            c.weight_capped,
                            c.trim_weight,
                        ],
                    )
                results.append((f.index_code, revision, True))
        return results

    def frame(self, sql: str, params: Sequence[Any] = ()) -> pl.DataFrame:
        """Run a parameterised query and return it as a polars frame."""
        frame: pl.DataFrame = self.con.sql(sql, params=list(params)).pl()
        return frame

    def fixings(self, day: date | None = None, as_of: datetime | None = None) -> pl.DataFrame:
        """The current revision of each fixing (as known at `as_of`, if given), optionally for one date."""
        where = ["1 = 1"]
        params: list[Any] = []
        if day is not None:
            where.append("fixing_date = ?")
            params.append(day)
        if as_of is not None:
            where.append("recorded_at <= ?")
            params.append(as_of)
        sql = (
            "SELECT * FROM fixing WHERE "  # noqa: S608 - fixed condition strings; values are bound parameters
            + " AND ".join(where)
            + " QUALIFY row_number() OVER (PARTITION BY index_code, fixing_date ORDER BY revision DESC) = 1"
            " ORDER BY fixing_date, index_code"
        )
        return self.frame(sql, params)

    def latest_fixing_date(self) -> date | None:
        row = self.one("SELECT max(fixing_date) FROM fixing")
        return row[0] if row and row[0] else None


def _eq(stored: Decimal | None, new: Decimal | None) -> bool:
    if stored is None or new is None:
        return stored is None and new is None
    return Decimal(stored) == new
