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
import threading
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


def revision_key(table: str, *identity: object) -> str:
    """The lock key of one series of revisions (a fixing's index, day and methodology; a contract's period): held
    from reading the revision in force to committing the next, so two writers never both add revision n + 1."""
    return "|".join([f"revision:{table}", *(str(part) for part in identity)])


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
            stack.enter_context(_bucket(folder / f"{bucket:03d}.lock"))
        yield


# The lock files this process holds: (path) -> [descriptor, how many holds]. A `flock` on a second descriptor of a file
# this process already locked waits for itself forever: a write nested in a held key (`settle` records an event under
# its settlement's lock) whose key fell in the same bucket hung `cix settle` (1 in 256 keys). So a bucket is locked
# once per process and counted; another thread of the process waits on the bucket's own thread lock.
_HELD: dict[str, list[int]] = {}
_THREADS: dict[str, threading.RLock] = {}
_GUARD = threading.Lock()


@contextmanager
def _bucket(path: Path) -> Iterator[None]:
    key = str(path)
    with _GUARD:
        thread_lock = _THREADS.setdefault(key, threading.RLock())
    with thread_lock:  # this thread may enter again (a nested write); another thread of this process waits
        held_here = _HELD.get(key)
        if held_here is None:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except BaseException:
                os.close(fd)
                raise
            held_here = _HELD[key] = [fd, 0]
        held_here[1] += 1
        try:
            yield
        finally:
            held_here[1] -= 1
            if held_here[1] == 0:
                del _HELD[key]
                os.close(held_here[0])  # closing the descriptor releases its lock


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
