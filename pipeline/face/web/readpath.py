"""The API's read path: one shared read-only attachment of the lake (a cursor per build), and every answer cached
under the lake's data version (its latest snapshot) it came from.

Per request the cost is one stat of the lake catalog's WAL (`change_stamp`). Only when it changed (a
commit) is the lake asked for its `data_version()`, a few milliseconds, so a load or a publication is seen by
the very next request. An answer already built for that version is served from memory (and a client holding
its ETag gets a 304) without touching DuckDB: `ServeCached` answers such a request before routing, with
`current`, that check alone (a dict lookup and a stat, cheap enough for the event loop).
Only a new answer runs queries, once however many ask for it at the same time. A reader sees the last committed
snapshot and never waits for a writer; if the catalog cannot be reached, each answer is served as last built
(its ETag names the version it came from) and only an answer never built gets a 503. The shared attachment is
released once idle.

The catalog is never opened here with Python's own SQLite: DuckDB's SQLite in the same process holds it, and two
SQLite libraries on one file in one process do not see each other's locks (a reader there missed commits).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from pipeline.face.web.conditional import Answer, respond_to
from pipeline.face.web.problems import Unavailable
from pipeline.store import Lake, Stamp, Warehouse, WarehouseBusy, change_stamp

Build = Callable[[Warehouse, str], Answer]
T = TypeVar("T")
BUSY = "the warehouse is being written by a run or backfill; retry in a few seconds"


class ReadPath:
    def __init__(self, db: Path | Lake, *, idle_seconds: float = 0.5, cache_size: int = 4096) -> None:
        self.db = db if isinstance(db, Lake) else Lake.embedded(db)
        self.idle_seconds = idle_seconds
        self.cache_size = cache_size
        self._lock = threading.Lock()
        self._base: Warehouse | None = None
        self._users = 0
        self._last_used = 0.0
        self._known: tuple[Stamp, str] | None = None  # the stamp under which the lake last said its version
        self._building: dict[str, threading.Lock] = {}
        self._busy_until = 0.0
        self._cache: OrderedDict[str, tuple[str, Any]] = OrderedDict()
        self._stop = threading.Event()
        self._reaper: threading.Thread | None = None
        self.opened = 0  # connections opened so far (tests check reuse)

    # -- the shared connection -------------------------------------------------------------------------
    @contextmanager
    def lease(self) -> Iterator[Warehouse]:
        """A cursor on the shared read-only connection, opened if needed (never waits for a writer's lock)."""
        with self._lock:
            if self._base is None:
                if time.monotonic() < self._busy_until:
                    raise WarehouseBusy("a writer holds the warehouse")
                try:
                    self._base = Warehouse(self.db, read_only=True, lock_timeout=0)
                except WarehouseBusy:
                    self._busy_until = time.monotonic() + 0.1
                    raise
                self.opened += 1
                self._start_reaper()
            self._users += 1
            cursor = self._base.cursor()
        try:
            yield cursor
        finally:
            cursor.close()
            with self._lock:
                self._users -= 1
                self._last_used = time.monotonic()

    def _start_reaper(self) -> None:
        if self._reaper is None or not self._reaper.is_alive():
            self._reaper = threading.Thread(target=self._reap, name="cix-read-reaper", daemon=True)
            self._reaper.start()

    def _reap(self) -> None:
        """Close the shared connection once idle, so a writer in another process can take the file."""
        while not self._stop.wait(self.idle_seconds / 2):
            with self._lock:
                idle = time.monotonic() - self._last_used >= self.idle_seconds
                if self._base is not None and self._users == 0 and idle:
                    self._base.close()
                    self._base = None
                    return

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            if self._base is not None and self._users == 0:
                self._base.close()
                self._base = None

    # -- versions and answers --------------------------------------------------------------------------
    def version(self) -> str | None:
        """The lake's data version now; None when there is no lake. Raises WarehouseBusy when the catalog changed
        and cannot be read now."""
        stamp = change_stamp(self.db)
        if stamp is None:
            return None
        known = self._known
        if known is not None and stamp.same_as(known[0]):
            return known[1]
        with self.lease() as w:
            version = w.data_version()
        self._known = (stamp, version)
        return version

    def current(self, key: str) -> Any | None:
        """What is cached for `key` when the lake is known unchanged since it was built; else None (then call
        `cached`, which may query). Never queries or waits: fit for the event loop."""
        hit = self._cache.get(key)
        known = self._known
        if hit is None or known is None or hit[0] != known[1]:
            return None
        stamp = change_stamp(self.db)
        if stamp is None or not stamp.same_as(known[0]):
            return None
        self._touch(key)
        return hit[1]

    def keep(self, key: str, version: str, value: Any) -> None:
        """Remember `value` for `key`, built at `version` (an answer made from another cached one)."""
        with self._lock:
            self._cache[key] = (version, value)
            self._cache.move_to_end(key)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)

    def answer(self, key: str, build: Build) -> Answer:
        """The answer for `key` at the current version: from the cache, or built once and kept."""
        return self.cached(key, build)[0]

    def cached(self, key: str, build: Callable[[Warehouse, str], T]) -> tuple[T, str]:
        """Whatever `build` makes from the warehouse, kept under the data version it was built at (returned with
        it). Concurrent askers of one missing answer wait for one build. While the lake cannot be read, the last
        value built is returned with its own version."""
        hit = self._cache.get(key)
        try:
            version = self.version()
        except WarehouseBusy:
            if hit is not None:
                return hit[1], hit[0]
            raise Unavailable(BUSY) from None
        if version is None:
            raise Unavailable("the warehouse has not been created yet: run `cix run` first", retry_after=60)
        if hit is not None and hit[0] == version:
            self._touch(key)
            return hit[1], version
        with self._lock:
            gate = self._building.setdefault(key, threading.Lock())
        try:
            with gate:
                again = self._cache.get(key)
                if again is not None and again[0] == version:  # built by whoever held the gate before us
                    return again[1], version
                try:
                    with self.lease() as w:
                        built = build(w, version)
                except WarehouseBusy:
                    if hit is not None:
                        return hit[1], hit[0]
                    raise Unavailable(BUSY) from None
                self.keep(key, version, built)
                return built, version
        finally:
            with self._lock:
                if self._building.get(key) is gate:
                    del self._building[key]

    def _touch(self, key: str) -> None:
        """Mark `key` recently used (no lock: OrderedDict's own operations are atomic; it may be evicted meanwhile)."""
        with suppress(KeyError):
            self._cache.move_to_end(key)


def request_key(scope: Scope) -> str:
    """The cache key of a request's answer: its path and query, as sent."""
    return f"{scope['path']}?{scope['query_string'].decode('latin-1')}"


class ServeCached:
    """ASGI middleware: a GET whose answer is cached (under `request_key`) at the lake's current version is
    answered here, before routing, validation and the thread pool: the route validated that path and query when it
    built the answer, and the version check is the same as the route's. Anything else goes on to the app."""

    def __init__(self, app: ASGIApp, reads: ReadPath) -> None:
        self.app = app
        self.reads = reads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            answer = self.reads.current(request_key(scope))
            if isinstance(answer, Answer):
                await respond_to(Headers(scope=scope), "GET", answer)(scope, receive, send)
                return
        await self.app(scope, receive, send)
