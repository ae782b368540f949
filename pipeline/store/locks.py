"""Key locks across processes and machines, held around a keyed write.

DuckLake has no unique constraints, and its optimistic concurrency lets two transactions that only insert into
the same table both commit: two writers loading the same batch at the same instant would both see it absent
(the anti-join) and both insert it. A write of keyed rows therefore holds a lock per key from before it reads
until after it commits; the second writer then finds the rows present and inserts nothing.

- Embedded lake (SQLite catalog): `flock` on one of 256 lock files beside the catalog, chosen by the key's hash
  (a fixed set of files; two keys sharing a file only wait for each other). Released by the OS if a holder dies.
- Catalog in PostgreSQL: session advisory locks on a connection of the hold's own (psycopg2, the `celery`
  extra), released when it closes, including when its process dies.

Either way a lock is taken once per process and counted: a hold nested in another of the same lock (a file two keys
share, or the same key) goes on, where a second descriptor or session would wait for the first forever.

Locks are taken in sorted order, so writers needing several never wait on each other in a cycle.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, closing, contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

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


# The locks this process holds: (lock) -> [release, how many holds]. A `flock` on a second descriptor of a file this
# process already locked waits for itself forever, and so does an advisory lock asked for on a second session: a
# write nested in a held key (`settle` records an event under its settlement's lock) whose key fell in the same
# bucket hung `cix settle` (1 in 256 keys). So a lock is taken once per process and counted, and released by the
# hold that took it; another thread of the process waits on the lock's own thread lock.
_HELD: dict[str, list[Any]] = {}
_THREADS: dict[str, threading.RLock] = {}
_GUARD = threading.Lock()


@contextmanager
def _once_per_process(lock: str, acquire: Callable[[], Callable[[], None]]) -> Iterator[None]:
    """Hold `lock`: `acquire()` takes it across processes and returns how to release it, unless this thread holds it
    already (then the hold is counted); another thread of this process waits until the holder is done."""
    with _GUARD:
        thread_lock = _THREADS.setdefault(lock, threading.RLock())
    with thread_lock:  # this thread may enter again (a nested write); another thread of this process waits
        entry = _HELD.get(lock)
        if entry is None:
            entry = _HELD[lock] = [acquire(), 0]
        entry[1] += 1
        try:
            yield
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                del _HELD[lock]
                entry[0]()


@contextmanager
def _bucket(path: Path) -> Iterator[None]:
    def acquire() -> Callable[[], None]:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        return lambda: os.close(fd)  # closing the descriptor releases its lock

    with _once_per_process(f"file:{path}", acquire):
        yield


@contextmanager
def _advisory_locks(conninfo: str, keys: list[str]) -> Iterator[None]:
    try:
        import psycopg2
    except ImportError:  # pragma: no cover - the distributed deployment installs the extra
        raise RuntimeError("a lake catalog in PostgreSQL needs psycopg2: pip install 'compute-index[celery]'") from None
    ids = sorted({int.from_bytes(_digest(k)[:8], "big", signed=True) for k in keys})
    catalog = hashlib.sha256(conninfo.encode()).hexdigest()[:16]  # the conninfo may hold a password: not kept
    with closing(psycopg2.connect(conninfo)) as con, ExitStack() as stack:
        con.autocommit = True
        cur = stack.enter_context(con.cursor())
        for lock_id in ids:

            def acquire(lock_id: int = lock_id) -> Callable[[], None]:
                cur.execute("SELECT pg_advisory_lock(%s)", (lock_id,))
                return lambda: _unlock(cur, lock_id)

            stack.enter_context(_once_per_process(f"advisory:{catalog}:{lock_id}", acquire))
        yield  # each lock is unlocked by the hold that took it; closing the session would release them too


def _unlock(cur: Any, lock_id: int) -> None:
    import psycopg2

    with suppress(psycopg2.Error):  # a session that broke has released its locks already
        cur.execute("SELECT pg_advisory_unlock(%s)", (lock_id,))
