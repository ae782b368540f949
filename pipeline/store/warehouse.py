"""The warehouse: a DuckLake that many processes read and write at once; the only place that writes it.

Writes are idempotent without primary keys (DuckLake has none): keyed rows are inserted by anti-join, a
replaced row is deleted and inserted in one transaction, and fixings and settlements are appended as new
revisions only when they differ. Commit conflicts between writers are retried (DuckLake retries the
non-conflicting ones itself). Reads are the named queries of `store.queries`; `query()` is the ad-hoc read
for analysts (`cix sql`) and tests. Readers see the last committed snapshot and never wait for a writer.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import duckdb

from pipeline.store.lake import Lake, connect
from pipeline.store.queries import Queries
from pipeline.store.writes import Writes

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
_ready: set[tuple[Lake, str]] = set()  # lakes this process has brought up to the shipped schema


def sql_text(name: str) -> str:
    """A SQL file shipped inside the package (schema, views, analyst examples)."""
    return resources.files("pipeline.store").joinpath("sql", name).read_text()


def schema_digest() -> str:
    return hashlib.sha256((sql_text("schema.sql") + sql_text("views.sql")).encode()).hexdigest()


class WarehouseBusy(duckdb.IOException):
    """The warehouse could not be reached in time (its catalog stayed locked); readers may retry."""


class Warehouse(Writes, Queries):
    def __init__(self, where: Path | Lake, read_only: bool = False, lock_timeout: float | None = None) -> None:
        """`where`: a lake, or the catalog file of an embedded lake. `lock_timeout` is kept for callers of the
        single-file warehouse; a lake has no whole-database lock to wait for."""
        self.lake = where if isinstance(where, Lake) else Lake.embedded(where)
        self.path = self.lake.file or Path(self.lake.describe())
        try:
            self.con = connect(self.lake, read_only)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise WarehouseBusy(f"{self.lake.describe()} stayed locked") from exc
            raise
        self.alias = self._alias()  # read once here: `cursor()` may be called from many threads at once
        if not read_only:
            self._bring_up_to_date()

    def _bring_up_to_date(self) -> None:
        """Apply the schema and views when the lake's recorded digest differs from the shipped one, and record
        the methodology versions this code knows; both once per process and lake (writers race harmlessly:
        the loser's commit conflicts, is retried and then finds nothing to do)."""
        digest = schema_digest()
        if (self.lake, digest) in _ready:
            return

        def apply(con: duckdb.DuckDBPyConnection) -> None:
            known = con.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
                "AND table_name = 'cix_schema'"
            ).fetchone()
            if known and known[0]:
                row = con.execute("SELECT digest FROM cix_schema ORDER BY applied_at DESC LIMIT 1").fetchone()
                if row and row[0] == digest:
                    return
            con.execute(sql_text("schema.sql"))
            con.execute(sql_text("views.sql"))
            con.execute("DELETE FROM cix_schema")
            con.execute("INSERT INTO cix_schema VALUES (?, ?)", [digest, datetime.now(UTC)])

        self.write(apply)
        self.write(self._record_methodologies)
        _ready.add((self.lake, digest))

    def _record_methodologies(self, con: duckdb.DuckDBPyConnection) -> None:
        """Every methodology version this code knows, and which is current (the views read it)."""
        from pipeline.methodology import CURRENT, available, load

        rows = [
            (v, load(v).digest, load(v).raw.get("published"), load(v).raw["summary"], v == CURRENT) for v in available()
        ]
        stored = con.execute("SELECT * FROM methodology ORDER BY version").fetchall()
        if sorted(stored) != sorted(rows):
            con.execute("DELETE FROM methodology")
            con.executemany("INSERT INTO methodology VALUES (?, ?, ?, ?, ?)", rows)

    def close(self) -> None:
        self.con.close()

    def cursor(self) -> Warehouse:
        """Another handle on the same lake for one thread (DuckDB connections are not shared across threads);
        closing it leaves this one open."""
        handle = object.__new__(Warehouse)
        handle.lake, handle.path, handle.alias = self.lake, self.path, self.alias
        handle.con = self.con.cursor()
        handle.con.execute("SET TimeZone = 'UTC'")
        handle.con.execute(f"USE {self.alias}")
        return handle

    def _alias(self) -> str:
        row = self.con.execute("SELECT current_database()").fetchone()
        return str(row[0]) if row else "cix"

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def count(self, table: str) -> int:
        if table not in TABLES:
            raise ValueError(f"unknown table {table!r}")
        row = self._one(f"SELECT count(*) FROM {table}")  # noqa: S608 - table name allow-listed
        return int(row[0]) if row else 0
