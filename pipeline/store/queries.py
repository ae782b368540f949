"""Named read queries: everything outside `store/` reads the warehouse through these.

"In force" has one definition, the view `v_fixing_in_force` (the latest published, indicative or withheld
revision of each index, date and methodology version); the queries below use it, or apply the
same rule up to a knowledge time for bitemporal reads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import polars as pl

from pipeline.domain.records import QUOTE_SCHEMA, FxRate
from pipeline.store.reads import Reads


class QueryFailed(ValueError):
    """An analyst's query the database refused (syntax, unknown column, a write on a read-only lake)."""


IN_FORCE = "status IN ('published', 'indicative', 'withheld')"

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Queries(Reads):
    def data_version(self) -> str:
        """A short text that changes whenever committed data changes: the key of the API's answer cache and ETags.

        A digest of the lake's latest snapshot id (every commit makes one) and of when the lake began (a lake made
        again, whose ids start over, never reuses a version). A few milliseconds, where counting rows took ~100."""
        row = self._one(
            "SELECT (SELECT id FROM ducklake_current_snapshot(current_database())), "
            "(SELECT min_by(snapshot_time, snapshot_id) FROM ducklake_snapshots(current_database()))"
        )
        assert row is not None
        began = (row[1].astimezone(UTC) - EPOCH) // timedelta(microseconds=1)
        return hashlib.sha256(f"{row[0]}|{began}".encode()).hexdigest()[:16]

    def query(self, sql: str, params: Sequence[Any] = ()) -> pl.DataFrame:
        """An ad-hoc read for analysts (`cix sql`) and tests; pipeline code uses the named queries. A statement
        the database refuses is a QueryFailed with its message."""
        try:
            return self._frame(sql, params)
        except duckdb.Error as exc:
            raise QueryFailed(str(exc).splitlines()[0]) from None

    # -- quotes, captures, rejections --------------------------------------------------------------
    def _quotes(self, where: str, params: Sequence[Any]) -> pl.DataFrame:
        """Stored quotes as the pipeline made them: the columns and types of QUOTE_SCHEMA."""
        frame = self._frame(f"SELECT * EXCLUDE (ingested_at) FROM quote WHERE {where}", params)  # noqa: S608
        return frame.cast({k: v for k, v in QUOTE_SCHEMA.items() if k in frame.columns})  # type: ignore[arg-type]

    def quotes_between(self, start: datetime, end: datetime) -> pl.DataFrame:
        return self._quotes("observed_at > ? AND observed_at <= ?", [start, end])

    def quotes_of_captures(self, capture_ids: Sequence[str]) -> pl.DataFrame:
        return self._quotes("capture_id IN (SELECT unnest(?::VARCHAR[]))", [sorted(set(capture_ids))])

    def batch_checks(self, since: datetime | None = None) -> pl.DataFrame:
        """The gate's results checked at or after `since` (default: those of the latest run)."""
        return self._frame(
            "SELECT * FROM batch_check WHERE checked_at >= coalesce(?, (SELECT max(checked_at) FROM batch_check)) "
            "ORDER BY source, fetched_at, capture_id",
            [since],
        )

    def captures(self, capture_ids: Sequence[str]) -> pl.DataFrame:
        return self._frame(
            "SELECT capture_id, source, url, fetched_at, byte_size, http_status FROM raw_capture "
            "WHERE capture_id IN (SELECT unnest(?::VARCHAR[])) ORDER BY source, fetched_at",
            [sorted(set(capture_ids))],
        )

    def rejections_of_good(self, good: str, start: datetime, end: datetime) -> pl.DataFrame:
        return self._frame(
            "SELECT source, provider, sku, label, unit, price_native, rule, reason, observed_at FROM rejection "
            "WHERE good = ? AND observed_at <= ? AND observed_at > ? ORDER BY source, provider, sku",
            [good, end, start],
        )

    def rejections_by_rule(self) -> pl.DataFrame:
        return self._frame(
            "SELECT rule, sum(rejections) AS rejections FROM v_rejections_by_reason GROUP BY rule "
            "ORDER BY rejections DESC, rule"
        )

    def quote_span(self) -> tuple[datetime | None, datetime | None]:
        """First observation and last moment in force of any stored quote."""
        row = self._one("SELECT min(observed_at), max(coalesce(in_force_until, observed_at)) FROM quote")
        return (row[0], row[1]) if row else (None, None)

    def source_runs_between(self, start: datetime, end: datetime) -> pl.DataFrame:
        """Every capture attempt that started in (start, end]: source, started_at, status, error."""
        return self._frame(
            "SELECT source, started_at, status, error_kind, error FROM source_run "
            "WHERE started_at > ? AND started_at <= ? ORDER BY started_at, source",
            [start, end],
        )

    def source_streaks(self, names: Sequence[str]) -> list[tuple[Any, ...]]:
        """Per source of `names` with any capture attempt: (source, latest attempt, latest success, first attempt
        after it, attempts after it, latest error), from `v_source_streak` (`flow.health.Streak`)."""
        return self.con.execute(
            "SELECT source, last_attempt, last_ok, down_since, failed_attempts, last_error FROM v_source_streak "
            "WHERE source IN (SELECT unnest(?::VARCHAR[])) ORDER BY source",
            [list(names)],
        ).fetchall()

    def source_health(self) -> pl.DataFrame:
        return self._frame("SELECT * FROM v_source_health ORDER BY source")

    def fx_rates_of_capture(self, capture_id: str) -> list[FxRate]:
        rows = self.con.execute(
            "SELECT day, currency, usd_per_unit, source, ecb_rate FROM fx_rate WHERE capture_id = ? "
            "ORDER BY day, currency",
            [capture_id],
        ).fetchall()
        return [FxRate(d, c, Decimal(u), s, Decimal(e)) for d, c, u, s, e in rows]

    def fx_rates_between(self, first: date, last: date) -> list[FxRate]:
        """Every stored reference rate dated from `first` to `last` (inclusive)."""
        rows = self.con.execute(
            "SELECT day, currency, usd_per_unit, source, ecb_rate FROM fx_rate WHERE day BETWEEN ? AND ? "
            "ORDER BY day, currency, source",
            [first, last],
        ).fetchall()
        return [FxRate(d, c, Decimal(u), s, Decimal(e)) for d, c, u, s, e in rows]

    # -- fixings -----------------------------------------------------------------------------------
    def fixings(
        self,
        day: date | None = None,
        as_of: datetime | None = None,
        version: str | None = None,
        code: str | None = None,
        start: date | None = None,
        end: date | None = None,
    ) -> pl.DataFrame:
        """The revision in force of each fixing (as known at `as_of`, if given), oldest date first."""
        where = [IN_FORCE]
        params: list[Any] = []
        for clause, value in (
            ("methodology_version = ?", version),
            ("index_code = ?", code),
            ("fixing_date = ?", day),
            ("fixing_date >= ?", start),
            ("fixing_date <= ?", end),
            ("recorded_at <= ?", as_of),
        ):
            if value is not None:
                where.append(clause)
                params.append(value)
        sql = (
            "SELECT * FROM fixing WHERE "  # noqa: S608 - fixed condition strings; values are bound parameters
            + " AND ".join(where)
            + " QUALIFY row_number() OVER (PARTITION BY index_code, fixing_date, methodology_version"
            " ORDER BY revision DESC) = 1 ORDER BY fixing_date, index_code, methodology_version"
        )
        return self._frame(sql, params)

    def revisions(self, code: str, day: date, version: str | None = None) -> pl.DataFrame:
        """Every revision of a fixing, oldest first (the audit trail)."""
        sql = "SELECT * FROM fixing WHERE index_code = ? AND fixing_date = ?"
        params: list[Any] = [code, day]
        if version is not None:
            sql += " AND methodology_version = ?"
            params.append(version)
        return self._frame(sql + " ORDER BY methodology_version, revision", params)

    def revisions_of_day(self, day: date, version: str) -> pl.DataFrame:
        return self.revisions_between(day, day, version)

    def revisions_between(self, first: date, last: date, version: str) -> pl.DataFrame:
        """Every revision of the days from `first` to `last` under one methodology version, by day, index, revision."""
        return self._frame(
            "SELECT * FROM fixing WHERE fixing_date BETWEEN ? AND ? AND methodology_version = ? "
            "ORDER BY fixing_date, index_code, revision",
            [first, last, version],
        )

    def revision_outcomes_between(self, first: date, last: date) -> pl.DataFrame:
        """Identity, status and value of every revision of every version in a date range (for the corrections
        policy; `revisions_between` gives every column of one version's, for publication)."""
        return self._frame(
            "SELECT index_code, fixing_date, methodology_version, revision, status, value, inputs_digest, flags "
            "FROM fixing WHERE fixing_date BETWEEN ? AND ? ORDER BY revision",
            [first, last],
        )

    def constituents(self, code: str, day: date, version: str, revision: int) -> pl.DataFrame:
        """One revision's constituents: the counted first, then by value and provider."""
        return self.constituents_of_revisions([(code, day, revision)], version)

    def constituents_of_revisions(self, revisions: list[tuple[str, date, int]], version: str) -> pl.DataFrame:
        """`constituents` of many stored revisions (index code, fixing date, revision) at once, with their
        `index_code` and `revision` (one read, not one per index)."""
        return self._frame(
            "SELECT c.* FROM fixing_constituent c JOIN (SELECT unnest(?::VARCHAR[]) AS index_code, "
            "unnest(?::DATE[]) AS fixing_date, unnest(?::INTEGER[]) AS revision) w "
            "USING (index_code, fixing_date, revision) WHERE c.methodology_version = ? "
            "ORDER BY c.index_code, c.excluded_by NULLS FIRST, c.value, c.provider",
            [[r[0] for r in revisions], [r[1] for r in revisions], [r[2] for r in revisions], version],
        )

    def exclusions(self, code: str, day: date, version: str, revision: int) -> pl.DataFrame:
        return self._frame(
            "SELECT firm, provider, rule, reason, n_quotes, example_quote FROM fixing_exclusion WHERE index_code = ? "
            "AND fixing_date = ? AND methodology_version = ? AND revision = ? ORDER BY firm, provider, rule",
            [code, day, version, revision],
        )

    def latest_fixing_date(self) -> date | None:
        row = self._one("SELECT max(fixing_date) FROM fixing")
        return row[0] if row and row[0] else None

    def fixing_days(self, version: str) -> list[date]:
        """Every day with a stored fixing under methodology `version`, in order."""
        rows = self.con.execute(
            "SELECT DISTINCT fixing_date FROM fixing WHERE methodology_version = ? ORDER BY 1", [version]
        ).fetchall()
        return [r[0] for r in rows]

    def index_history(self, code: str | None = None) -> pl.DataFrame:
        """Daily history per index (current methodology, revisions in force); one index's when `code` is given."""
        if code is None:
            return self._frame("SELECT * FROM v_index_history ORDER BY index_code, fixing_date")
        return self._frame("SELECT * FROM v_index_history WHERE index_code = ? ORDER BY fixing_date", [code])

    def latest_fixings(self) -> pl.DataFrame:
        return self._frame("SELECT * FROM v_latest_fixings ORDER BY index_code")

    def provider_spreads(self, code: str, day: date) -> pl.DataFrame:
        return self._frame(
            "SELECT * FROM v_provider_spreads WHERE index_code = ? AND fixing_date = ? ORDER BY provider_value",
            [code, day],
        )

    def history_summary(self) -> pl.DataFrame:
        """Per index: days published and withheld, and the span of published days."""
        return self._frame(
            "SELECT index_code, count(*) FILTER (WHERE status = 'published') AS published_days, "
            "count(*) FILTER (WHERE status = 'indicative') AS indicative_days, "
            "count(*) FILTER (WHERE status = 'withheld') AS withheld_days, count(*) AS days, "
            "min(fixing_date) FILTER (WHERE status = 'published') AS first_published, "
            "max(fixing_date) FILTER (WHERE status = 'published') AS last_published "
            "FROM v_fixing_in_force WHERE methodology_version = (SELECT version FROM methodology WHERE is_current) "
            "GROUP BY index_code ORDER BY index_code"
        )

    # -- governance --------------------------------------------------------------------------------
    def events(self, kind: str | None = None, subject: str | None = None) -> pl.DataFrame:
        where, params = ["TRUE"], []
        for clause, value in (("kind = ?", kind), ("subject = ?", subject)):
            if value is not None:
                where.append(clause)
                params.append(value)
        return self._frame(
            "SELECT * FROM governance_event WHERE "  # noqa: S608 - fixed condition strings; values are bound
            + " AND ".join(where)
            + " ORDER BY recorded_at, event_id",
            params,
        )

    def event(self, event_id: str) -> dict[str, Any] | None:
        rows = self._frame("SELECT * FROM governance_event WHERE event_id = ?", [event_id])
        return rows.row(0, named=True) if rows.height else None

    # -- settlements -------------------------------------------------------------------------------
    def settlement_revisions(self, contract: str, period: str) -> list[dict[str, Any]]:
        """Every recorded revision of a contract month's settlement, the first first."""
        rows = self._frame(
            "SELECT * FROM settlement WHERE contract = ? AND period = ? ORDER BY revision", [contract, period]
        )
        return list(rows.iter_rows(named=True))

    def latest_settlement(self, contract: str, period: str) -> dict[str, Any] | None:
        rows = self._frame(
            "SELECT * FROM settlement WHERE contract = ? AND period = ? ORDER BY revision DESC LIMIT 1",
            [contract, period],
        )
        return rows.row(0, named=True) if rows.height else None
