"""Opening the DuckDB file: a writer waits for another process's lock (bounded); readers can tell a write
happened without opening a connection."""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb


class WarehouseBusy(duckdb.IOException):
    """Another process holds the database's write lock (a run or backfill is writing); readers may retry."""


def change_stamp(path: Path) -> tuple[int, ...] | None:
    """A cheap stat of the database files (no connection, no lock): it changes whenever they are written, so a
    reader only asks `data_version()` again after it moved. None when there is no warehouse yet."""
    try:
        main = path.stat()
    except FileNotFoundError:
        return None
    wal = path.with_name(path.name + ".wal")
    extra = wal.stat() if wal.exists() else None
    return (main.st_ino, main.st_mtime_ns, main.st_size, *((extra.st_mtime_ns, extra.st_size) if extra else ()))


def connect(path: Path, read_only: bool, lock_timeout: float | None = None) -> duckdb.DuckDBPyConnection:
    """DuckDB allows one writing process: another process (a parallel Airflow task) waits for the file lock,
    up to CIX_DB_LOCK_TIMEOUT seconds (default 120), instead of failing at once."""
    timeout = float(os.environ.get("CIX_DB_LOCK_TIMEOUT", "120")) if lock_timeout is None else lock_timeout
    deadline = time.monotonic() + timeout
    wait = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() + wait > deadline:
                raise WarehouseBusy(f"{path} is locked by another process that is writing it") from exc
            time.sleep(wait)
            wait = min(wait * 2, 2.0)
