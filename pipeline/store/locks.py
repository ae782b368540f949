"""Key locks across processes and machines, held around a keyed write.

DuckLake has no unique constraints, and its optimistic concurrency lets two transactions that only insert into
the same table both commit: two writers loading the same batch at the same instant would both see it absent
(the anti-join) and both insert it. A write of keyed rows therefore holds a lock per key from before it reads
until after it commits; the second writer then finds the rows present and inserts nothing.

- Embedded lake (SQLite catalog): `flock` on one of 256 lock files beside the catalog, chosen by the key's hash
  (a fixed set of files; two keys sharing a file only wait for each other). Released by the OS if a holder dies.
- Catalog in PostgreSQL: session advisory locks on a connection of the lock's own (psycopg2, the `celery`
  extra), released when it closes, including when its process dies.

Locks are taken in sorted order, so writers needing several never wait on each other in a cycle.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, closing, contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.store.lake import Lake

FILE_BUCKETS = 256


def batch_key(source: str, capture_id: str, fetched_at: datetime) -> str:
    """The lock key of one capture's batch (its raw_capture, quote, rejection and batch_check rows)."""
    return f"batch|{source}|{capture_id}|{fetched_at.isoformat()}"


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


@contextmanager
def held(lake: Lake, keys: Iterable[str]) -> Iterator[None]:
    """Hold the locks of `keys` on `lake` (none: nothing to hold)."""
    keys = sorted(set(keys))
    if not keys:
        yield
    elif lake.file is not None:
        with _file_locks(lake.file, keys):
            yield
    else:
        with _advisory_locks(lake.catalog.split(":", 1)[1], keys):
            yield


@contextmanager
def _file_locks(catalog: Path, keys: list[str]) -> Iterator[None]:
    folder = catalog.with_name(catalog.name + ".locks")
    folder.mkdir(parents=True, exist_ok=True)
    buckets = sorted({int.from_bytes(_digest(k)[:4], "big") % FILE_BUCKETS for k in keys})
    with ExitStack() as stack:
        for bucket in buckets:
            fd = os.open(folder / f"{bucket:03d}.lock", os.O_RDWR | os.O_CREAT, 0o644)
            stack.callback(os.close, fd)  # closing the descriptor releases its lock
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield


@contextmanager
def _advisory_locks(conninfo: str, keys: list[str]) -> Iterator[None]:
    try:
        import psycopg2
    except ImportError:  # pragma: no cover - the distributed deployment installs the extra
        raise RuntimeError("a lake catalog in PostgreSQL needs psycopg2: pip install 'compute-index[celery]'") from None
    ids = sorted({int.from_bytes(_digest(k)[:8], "big", signed=True) for k in keys})
    with closing(psycopg2.connect(conninfo)) as con:
        con.autocommit = True
        with con.cursor() as cur:
            for lock_id in ids:
                cur.execute("SELECT pg_advisory_lock(%s)", (lock_id,))
        yield  # closing the session releases its advisory locks
