"""Key locks on the embedded lake (`store.locks`): re-entrant within a process, exclusive across processes and
threads. A write nested in a held key whose key fell in the same lock file (1 key in 256) waited for itself forever:
`cix settle` hung in CI, its event's write under its settlement's lock."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

from pipeline.store.lake import Lake
from pipeline.store.locks import FILE_BUCKETS, _digest, held


def bucket(key: str) -> int:
    return int.from_bytes(_digest(key)[:4], "big") % FILE_BUCKETS


def same_bucket_as(key: str) -> str:
    return next(k for i in range(100_000) if bucket(k := f"other|{i}") == bucket(key) and k != key)


def test_a_key_held_inside_another_of_the_same_lock_file_does_not_wait_for_itself(tmp_path: Path) -> None:
    lake = Lake.embedded(tmp_path / "lake.sqlite")
    outer = "revision:settlement|CIXF-X|2025-11"
    inner = same_bucket_as(outer)
    done = threading.Event()

    def nested() -> None:
        with held(lake, [outer]), held(lake, [inner]), held(lake, [outer, inner]):
            pass
        done.set()

    threading.Thread(target=nested, daemon=True).start()
    assert done.wait(10), "a nested hold of the same lock file waited for itself"


def test_a_held_key_is_exclusive_across_processes_and_threads(tmp_path: Path) -> None:
    lake = Lake.embedded(tmp_path / "lake.sqlite")
    key = "batch|x|y|z"
    path = tmp_path / "lake.sqlite.locks" / f"{bucket(key):03d}.lock"

    def other_process_can_lock() -> bool:
        pid = os.fork()
        if pid == 0:  # a process of its own: its flock on its own descriptor
            fd = os.open(path, os.O_RDWR | os.O_CREAT)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                os._exit(0)
            except BlockingIOError:
                os._exit(1)
        return os.waitpid(pid, 0)[1] == 0

    entered = threading.Event()
    with held(lake, [key]), held(lake, [key]):
        assert not other_process_can_lock()

        def take() -> None:
            with held(lake, [key]):
                entered.set()

        other = threading.Thread(target=take, daemon=True)
        other.start()
        time.sleep(0.3)
        assert not entered.is_set()  # another thread of this process waits for the holder
    assert entered.wait(5)  # then takes it


def test_a_key_held_inside_itself_on_a_postgres_catalog_does_not_wait_for_itself() -> None:
    """On a catalog in PostgreSQL each hold opened a session of its own: a nested hold of a key asked a second session
    for the advisory lock the first holds, and waited forever. A thread of the same process still waits for it."""
    import psycopg2

    name = f"cix_locks_{os.getpid()}"
    admin = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    admin.autocommit = True
    admin.cursor().execute(f"CREATE DATABASE {name}")
    lake = Lake(f"postgres:dbname={name} host=127.0.0.1 user=postgres", "/nonexistent/")
    try:
        done, entered = threading.Event(), threading.Event()

        def nested() -> None:
            with held(lake, ["a"]), held(lake, ["a", "b"]), held(lake, ["a"]):
                pass
            done.set()

        threading.Thread(target=nested, daemon=True).start()
        assert done.wait(10), "a nested hold of the same key waited for itself"

        def take() -> None:
            with held(lake, ["a"]):
                entered.set()

        with held(lake, ["a"]):
            other = threading.Thread(target=take, daemon=True)
            other.start()
            time.sleep(0.3)
            assert not entered.is_set()  # another thread waits for the holder
        assert entered.wait(5)
        with held(lake, ["a"]):  # released: another session can take it at once
            probe = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname=name)
            try:
                cur = probe.cursor()
                cur.execute("SELECT pg_try_advisory_lock(%s)", (int.from_bytes(_digest("a")[:8], "big", signed=True),))
                assert cur.fetchone() == (False,)  # ... but not while this process holds it
            finally:
                probe.close()
    finally:
        admin.cursor().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()
