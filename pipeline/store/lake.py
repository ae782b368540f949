"""Where the warehouse lives: a DuckLake (a catalog database + Parquet data files), opened the same way everywhere.

Two deployments, one code path:
- embedded (the default): a SQLite catalog file under `$CIX_HOME` and Parquet files in a folder beside it.
  Several local processes (Airflow tasks, `cix run`, `cix serve`) may read and write at once.
- distributed: `CIX_LAKE_CATALOG=postgres:<libpq conninfo>` and `CIX_LAKE_DATA=s3://bucket/prefix/` (any
  S3-compatible store; `CIX_S3_*` say where and how to sign), so workers on many machines share one lake.

DuckDB cannot download extensions on a locked-down host, so they are loaded from the registry packages
`duckdb-extension-{ducklake,sqlite,postgres,httpfs}` that ship the binaries for this duckdb version.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import threading
import time
from contextlib import closing
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import duckdb

from pipeline.config import S3, is_object_store

ALIAS = "cix"
RETRY = {"ducklake_max_retry_count": 100, "ducklake_retry_wait_ms": 50, "ducklake_retry_backoff": 1.5}


@dataclass(frozen=True)
class Lake:
    """A DuckLake: `catalog` as DuckLake names it (`sqlite:<file>` or `postgres:<conninfo>`) and its data path."""

    catalog: str
    data_path: str
    s3: S3 | None = None

    @classmethod
    def embedded(cls, catalog_file: Path) -> Lake:
        """The local lake whose catalog is `catalog_file`; its Parquet files are in `<stem>_data/` beside it."""
        path = Path(catalog_file).expanduser().resolve()
        return cls(f"sqlite:{path}", f"{path.parent / (path.stem + '_data')}/")

    @classmethod
    def from_env(cls, default_catalog_file: Path) -> Lake:
        """`CIX_LAKE_CATALOG` / `CIX_LAKE_DATA` when set (the distributed deployment), else the embedded lake."""
        catalog = os.environ.get("CIX_LAKE_CATALOG")
        if not catalog:
            return cls.embedded(default_catalog_file)
        if catalog.startswith("sqlite:") and not os.environ.get("CIX_LAKE_DATA"):
            return cls.embedded(Path(catalog.removeprefix("sqlite:")))
        data = os.environ.get("CIX_LAKE_DATA")
        if not data:
            raise ValueError("CIX_LAKE_CATALOG is set but CIX_LAKE_DATA (where the Parquet files go) is not")
        data = data if data.endswith("/") else data + "/"
        return cls(catalog, data, S3.from_env() if is_object_store(data) else None)

    @property
    def file(self) -> Path | None:
        """The catalog file of an embedded lake (None for a catalog served by a database server)."""
        return Path(self.catalog.removeprefix("sqlite:")) if self.catalog.startswith("sqlite:") else None

    def exists(self) -> bool:
        return self.file.exists() if self.file is not None else True

    def describe(self) -> str:
        """Where the lake is, for people, without credentials (a Postgres conninfo may hold a password)."""
        if self.file is not None:
            return str(self.file)
        kind = self.catalog.split(":", 1)[0]
        words = [w for w in self.catalog.split(":", 1)[-1].split() if not w.startswith("password")]
        return f"{kind}:{' '.join(words)} + {self.data_path}"


def default_lake() -> Lake:
    """The warehouse of this installation: the distributed lake `CIX_LAKE_CATALOG` names, or the embedded one
    under `$CIX_HOME`."""
    from pipeline.config import paths

    return Lake.from_env(paths().db)


def extension_path(name: str) -> str | None:
    """The `.duckdb_extension` binary shipped by the registry package `duckdb-extension-<name>`, if installed."""
    try:
        files = metadata.files(f"duckdb-extension-{name}") or []
    except metadata.PackageNotFoundError:
        return None
    for f in files:
        if f.name.endswith(".duckdb_extension"):
            return str(f.locate())
    return None


def _load(con: duckdb.DuckDBPyConnection, name: str) -> None:
    try:
        con.execute(f"LOAD {name}")
        return
    except duckdb.Error:
        pass
    path = extension_path(name)
    if path is None:
        raise RuntimeError(f"DuckDB extension {name} is missing: pip install duckdb-extension-{name}")
    con.execute(f"INSTALL '{path}'")
    con.execute(f"LOAD {name}")


_instance: tuple[int, duckdb.DuckDBPyConnection] | None = None
_attached: dict[tuple[Lake, bool], str] = {}
_guard = threading.Lock()
_aliases = itertools.count(1)


def _process_instance() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB per process with the extensions loaded (their signature check costs ~0.4 s, once).
    A forked child (an Airflow task) never touches its parent's instance: it makes its own."""
    global _instance
    if _instance is None or _instance[0] != os.getpid():
        con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False})
        con.execute("SET TimeZone = 'UTC'")
        _load(con, "ducklake")  # before its settings: naming one would try to auto-install it from ~/.duckdb
        for setting, value in RETRY.items():
            con.execute(f"SET GLOBAL {setting} = {value}")
        _instance = (os.getpid(), con)
        _attached.clear()
    return _instance[1]


def connect(lake: Lake, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection (a cursor on the process's DuckDB) with the lake attached and in use: unqualified names are
    the lake's. The lake is attached once per process and mode; each caller gets its own cursor."""
    with _guard:
        base = _process_instance()
        alias = _attached.get((lake, read_only))
        if alias is None:
            alias = f"{ALIAS}_{next(_aliases)}"
            _load(base, "ducklake")
            _load(base, "sqlite" if lake.file is not None else "postgres")
            if lake.s3 is not None:
                _load(base, "httpfs")
                _s3_secret(base, lake.s3)
            if lake.file is not None and not read_only:
                _create_catalog_file(lake.file)
                Path(lake.data_path).mkdir(parents=True, exist_ok=True)
            options = [f"DATA_PATH {literal(lake.data_path)}", *(["READ_ONLY"] if read_only else [])]
            if lake.file is not None:  # an embedded lake's files are beside its catalog, wherever it was copied to
                options.append("OVERRIDE_DATA_PATH true")
            _attach(base, f"ATTACH {literal('ducklake:' + lake.catalog)} AS {alias} ({', '.join(options)})")
            _attached[(lake, read_only)] = alias
        con = base.cursor()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"USE {alias}")
    return con


def _create_catalog_file(path: Path) -> None:
    """A new SQLite catalog in WAL mode (kept in the file): readers then never wait for a writer, and a writer
    waits only for another writer's commit."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path, timeout=30)) as db:
        db.execute("PRAGMA journal_mode=WAL")


def alias_of(con: duckdb.DuckDBPyConnection) -> str:
    """The name the lake is attached under in this process (for DuckLake's table functions)."""
    row = con.execute("SELECT current_database()").fetchone()
    return str(row[0]) if row else ALIAS


def detach(lake: Lake) -> None:
    """Forget the lake in this process (tests that delete or replace a lake's files)."""
    with _guard:
        if _instance is None or _instance[0] != os.getpid():
            return
        for mode in (False, True):
            alias = _attached.pop((lake, mode), None)
            if alias is not None:
                _instance[1].execute(f"DETACH {alias}")


def literal(text: str) -> str:
    """A SQL string literal (ATTACH and CREATE SECRET take no bound parameters)."""
    return "'" + text.replace("'", "''") + "'"


RACES = ("lock", "already exists", "duplicate key", "failed to initialize ducklake")


def lost_race(exc: duckdb.Error) -> bool:
    """A commit that lost a race with another writer (worth running again), not a mistake in the statement."""
    text = str(exc).lower()
    return isinstance(exc, duckdb.TransactionException) or "database is locked" in text or "conflict" in text


def _attach(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """ATTACH, retried while another process is creating the same new catalog (its SQLite file locked, or its
    Postgres tables half made: the loser of that race sees duplicates and tries again on the finished catalog)."""
    deadline = time.monotonic() + 60
    wait = 0.05
    while True:
        try:
            con.execute(sql)
            return
        except duckdb.Error as exc:
            if not any(r in str(exc).lower() for r in RACES) or time.monotonic() > deadline:
                raise
            time.sleep(wait)
            wait = min(wait * 2, 1.0)


def _s3_secret(con: duckdb.DuckDBPyConnection, s3: S3) -> None:
    parts = [
        "TYPE s3",
        f"KEY_ID {literal(s3.key_id)}",
        f"SECRET {literal(s3.secret)}",
        f"REGION {literal(s3.region)}",
        f"URL_STYLE {literal(s3.url_style)}",
        f"USE_SSL {'true' if s3.use_ssl else 'false'}",
        *([f"ENDPOINT {literal(s3.endpoint)}"] if s3.endpoint else []),
    ]
    con.execute(f"CREATE OR REPLACE SECRET cix_s3 ({', '.join(parts)})")


def change_stamp(lake: Lake) -> tuple[int, ...] | None:
    """A cheap stat of an embedded lake's catalog files (no connection, no lock): it moves whenever a writer
    commits, so a reader asks `data_version()` again only then. A catalog on a server has no file to stat: the
    stamp then moves every half second. None when there is no lake yet."""
    if lake.file is None:
        return (int(time.monotonic() * 2),)
    try:
        main = lake.file.stat()
    except FileNotFoundError:
        return None
    stamp = [main.st_ino, main.st_mtime_ns, main.st_size]
    for suffix in ("-wal", "-journal"):
        extra = lake.file.with_name(lake.file.name + suffix)
        if extra.exists():
            s = extra.stat()
            stamp += [s.st_mtime_ns, s.st_size]
    return tuple(stamp)
