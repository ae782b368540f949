"""The warehouse's writes: every INSERT and DELETE of the project, parameterised, each in one retried transaction.

DuckLake has no primary keys, so each keyed table is kept unique here: new rows go in by anti-join on the key
(an `INSERT OR IGNORE`), a replaced row is deleted and inserted in the same transaction (an `INSERT OR
REPLACE`). A transaction whose commit conflicts with another writer's is run again on the new snapshot. A keyed
write holds its keys' locks (`store.locks`): two anti-join inserts of the same rows could otherwise both commit.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb
import polars as pl

from pipeline.domain.records import CAPTURE_SCHEMA, QUOTE_SCHEMA, REJECTION_SCHEMA, UTC_DATETIME, RawCapture
from pipeline.store import locks
from pipeline.store.inserts import decimal_casts, exact_text, insert_new
from pipeline.store.lake import lost_race

if TYPE_CHECKING:
    from pipeline.store.lake import Lake

T = TypeVar("T")
CONFLICT_RETRIES = 30
FIXING_DECIMALS = {"value": 18, "robust_cv": 18, "p25": 18, "p75": 18}
CONSTITUENT_DECIMALS = {"value": 18, "weight_raw": 18, "weight_capped": 18, "trim_weight": 18}
ROW_KEY = ["source", "capture_id", "fetched_at", "row_no"]
CHECK_KEY = ["source", "capture_id", "fetched_at", "suite"]
CHECK_SCHEMA: dict[str, pl.DataType] = {
    "source": pl.String(),
    "capture_id": pl.String(),
    "fetched_at": UTC_DATETIME,
    "suite": pl.String(),
    "success": pl.Boolean(),
    "n_rows": pl.Int64(),
    "failures": pl.String(),
    "checked_at": UTC_DATETIME,
}
# A quality-gate result: the batch's capture, the suite, passed or not, rows checked, the failed expectations.
Check = tuple[RawCapture, str, bool, int, list[dict[str, Any]]]


class Writes:
    con: duckdb.DuckDBPyConnection
    lake: Lake

    # -- transactions ----------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One transaction, not retried (for a body that must not run twice); writers use `write`."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def write(self, body: Callable[[duckdb.DuckDBPyConnection], T], keys: Iterable[str] = ()) -> T:
        """Run `body` in one transaction holding the locks of `keys` (the keys of the rows it inserts if absent);
        when its commit conflicts with another writer's, run it again on the new snapshot (the body re-reads what it
        depends on), with a growing wait."""
        wait = 0.05
        with locks.held(self.lake, keys):
            for attempt in range(CONFLICT_RETRIES):
                self.con.execute("BEGIN TRANSACTION")
                try:
                    result = body(self.con)
                    self.con.execute("COMMIT")
                    return result
                except duckdb.Error as exc:
                    self._rollback()
                    if attempt == CONFLICT_RETRIES - 1 or not lost_race(exc):
                        raise
                except BaseException:
                    self._rollback()
                    raise
                time.sleep(wait)
                wait = min(wait * 1.5, 2.0)
        raise AssertionError("unreachable")

    def _rollback(self) -> None:
        with suppress(duckdb.Error):  # a failed COMMIT has already ended the transaction
            self.con.execute("ROLLBACK")

    # -- captures and quotes -------------------------------------------------
    def record_captures(self, captures: Sequence[tuple[RawCapture, str]], replayed_from: str | None) -> None:
        """Record many fetches (capture, stored path) in one transaction and one statement; ones already recorded
        are left as they are (the anti-join stands in for the key a lake cannot declare)."""
        if not captures:
            return
        rows = [
            (
                *(c.capture_id, c.source, c.url, c.method, c.fetched_at, c.http_status, c.content_type, len(c.body)),
                *(path, replayed_from, c.in_force_until),
            )
            for c, path in captures
        ]
        frame = pl.DataFrame(rows, schema=CAPTURE_SCHEMA, orient="row")
        self.write(
            lambda con: insert_new(con, "raw_capture", frame, ["source", "capture_id", "fetched_at"]),
            keys=[locks.batch_key(c.source, c.capture_id, c.fetched_at) for c, _ in captures],
        )

    def load_batch(self, quotes: pl.DataFrame, rejections: pl.DataFrame, ingested_at: datetime) -> None:
        """Insert a normalised batch in one transaction; rows already present are left as they are."""
        self.load_batches([(quotes, rejections)], ingested_at)

    def load_batches(self, batches: Sequence[tuple[pl.DataFrame, pl.DataFrame]], ingested_at: datetime) -> None:
        """Insert many normalised batches (quotes, rejections) in one transaction: one commit, one file per table."""
        if not batches:
            return
        stamp = pl.lit(ingested_at).alias("ingested_at")
        q = pl.concat([b[0].select(list(QUOTE_SCHEMA)).cast(QUOTE_SCHEMA) for b in batches]).with_columns(stamp)  # type: ignore[arg-type]
        r = pl.concat([b[1].select(list(REJECTION_SCHEMA)).cast(REJECTION_SCHEMA) for b in batches]).with_columns(stamp)  # type: ignore[arg-type]

        def body(con: duckdb.DuckDBPyConnection) -> None:
            insert_new(con, "quote", q, ROW_KEY)
            insert_new(con, "rejection", r, ROW_KEY)

        batches_in = pl.concat([q.select(ROW_KEY[:3]), r.select(ROW_KEY[:3])]).unique()
        self.write(body, keys=[locks.batch_key(*row) for row in batches_in.iter_rows()])

    def record_check(
        self,
        capture: RawCapture,
        suite: str,
        success: bool,
        n_rows: int,
        failures: list[dict[str, Any]],
        checked_at: datetime,
    ) -> None:
        """Record one gate result (`record_checks`)."""
        self.record_checks([(capture, suite, success, n_rows, failures)], checked_at)

    def record_checks(self, checks: Sequence[Check], checked_at: datetime) -> None:
        """Record gate results (capture, suite, success, rows checked, failures) in one transaction. A batch that
        already passed keeps its first pass: that is when its quotes became known, which `verify` relies on to
        recompute each fixing from what was known then; an earlier failure is replaced by the new result."""
        incoming: dict[tuple[str, str, datetime, str], dict[str, Any]] = {}
        for capture, suite, success, n_rows, failures in checks:
            key = (capture.source, capture.capture_id, capture.fetched_at, suite)
            if key in incoming and incoming[key]["success"]:
                continue  # within one call too, the first pass stands
            incoming[key] = dict(zip(CHECK_KEY, key, strict=True)) | {
                "success": success,
                "n_rows": n_rows,
                "failures": json.dumps(failures, sort_keys=True, default=str),
                "checked_at": checked_at,
            }
        if not incoming:
            return
        frame = pl.DataFrame(list(incoming.values()), schema=CHECK_SCHEMA).to_arrow()
        same = " AND ".join(f"b.{c} = n.{c}" for c in CHECK_KEY)
        passed = " AND ".join(f"p.{c} = b.{c}" for c in CHECK_KEY)

        def body(con: duckdb.DuckDBPyConnection) -> None:
            con.register("incoming_checks", frame)
            try:  # the statements are this module's constants, never input
                # an earlier failure gives way to the new result; where the batch passed, nothing changes
                con.execute(
                    f"DELETE FROM batch_check AS b WHERE EXISTS (SELECT 1 FROM incoming_checks AS n WHERE {same}) "  # noqa: S608
                    f"AND NOT EXISTS (SELECT 1 FROM batch_check AS p WHERE p.success AND {passed})"
                )
                con.execute(
                    "INSERT INTO batch_check BY NAME SELECT * FROM incoming_checks AS n "  # noqa: S608
                    f"WHERE NOT EXISTS (SELECT 1 FROM batch_check AS b WHERE b.success AND {same})"
                )
            finally:
                con.unregister("incoming_checks")

        self.write(body, keys=sorted({locks.batch_key(*key[:3]) for key in incoming}))

    def record_source_run(
        self, source: str, started_at: datetime, status: str, error_kind: str | None, error: str | None, n_captures: int
    ) -> None:
        def body(con: duckdb.DuckDBPyConnection) -> None:
            con.execute("DELETE FROM source_run WHERE source = ? AND started_at = ?", [source, started_at])
            con.execute(
                "INSERT INTO source_run VALUES (?, ?, ?, ?, ?, ?)",
                [source, started_at, status, error_kind, error, n_captures],
            )

        self.write(body, keys=[f"source_run|{source}|{started_at.isoformat()}"])

    def record_fx_rates(self, rates: Sequence[Any], capture_id: str) -> int:
        rows = pl.DataFrame(
            [
                {
                    "day": r.day,
                    "currency": r.currency,
                    "usd_per_unit": format(r.usd_per_unit, "f"),
                    "ecb_rate": format(r.ecb_rate, "f"),
                    "source": r.source,
                    "capture_id": capture_id,
                }
                for r in rates
            ],
            schema={
                "day": pl.Date,
                "currency": pl.String,
                "usd_per_unit": pl.String,
                "ecb_rate": pl.String,
                "source": pl.String,
                "capture_id": pl.String,
            },
        )
        casts = {"usd_per_unit": 18, "ecb_rate": 18}
        keys = {f"fx_rate|{r.source}|{r.day.isoformat()}" for r in rates}
        self.write(lambda con: insert_new(con, "fx_rate", rows, ["day", "currency", "source"], casts), keys=keys)
        return rows.height

    # -- fixings and settlements -----------------------------------------------
    def append_fixings(
        self,
        fixings: Sequence[Mapping[str, Any]],
        constituents: Sequence[Mapping[str, Any]],
        exclusions: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        """Append fixing revisions with their constituents and exclusions (rows from `domain.serialise`),
        in one transaction."""

        def body(con: duckdb.DuckDBPyConnection) -> None:
            for table, rows, decimals in (
                ("fixing", fixings, FIXING_DECIMALS),
                ("fixing_constituent", constituents, CONSTITUENT_DECIMALS),
                ("fixing_exclusion", exclusions, {}),
            ):
                if not rows:
                    continue
                exact = [{k: (exact_text(v) if k in decimals else v) for k, v in row.items()} for row in rows]
                con.register("incoming_rows", pl.DataFrame(exact, infer_schema_length=None).to_arrow())
                # table and casts come from the constants above, never from input
                con.execute(f"INSERT INTO {table} BY NAME SELECT {decimal_casts(decimals)} FROM incoming_rows")  # noqa: S608
                con.unregister("incoming_rows")

        self.write(body)

    def append_settlement(
        self, doc: dict[str, Any], index_code: str, version: str, computed_at: datetime, revision: int, final: bool
    ) -> None:
        """Append one settlement revision (the settle.freeze policy decides whether there is one)."""
        params = [
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
            doc["max_consecutive_fallbacks"],
        ]
        self.write(
            lambda con: con.execute(
                "INSERT INTO settlement BY NAME SELECT ? AS contract, ? AS period, ? AS revision, ? AS index_code, "
                "? AS methodology_version, ? AS contracts_version, ? AS status, CAST(? AS DECIMAL(38,18)) AS price, "
                "? AS unrounded, ? AS fallbacks, ? AS flags, ? AS evidence, ? AS computed_at, ? AS final, "
                "? AS max_consecutive_fallbacks",
                params,
            )
        )

    def record_event(self, event: dict[str, Any]) -> None:
        """Append a governance event (a proposal, an approval, a notice); events are never changed."""
        params = [
            event["event_id"],
            event["kind"],
            event["subject"],
            event.get("proposed_by"),
            event.get("approved_by"),
            event["reason"],
            json.dumps(event.get("detail", {}), sort_keys=True, default=str),
            event["recorded_at"],
            event.get("refers_to"),
        ]
        self.write(
            lambda con: con.execute(
                "INSERT INTO governance_event BY NAME SELECT ? AS event_id, ? AS kind, ? AS subject, "
                "? AS proposed_by, ? AS approved_by, ? AS reason, ? AS detail, ? AS recorded_at, ? AS refers_to "
                "WHERE NOT EXISTS (SELECT 1 FROM governance_event WHERE event_id = ?)",
                [*params, event["event_id"]],
            ),
            keys=[f"governance_event|{event['event_id']}"],
        )
