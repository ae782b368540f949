"""Offline replay: a capture set (a folder with `manifest.json`) served from a real HTTP server on 127.0.0.1.

The sources' normal fetch code runs against it, so an offline run exercises the same path as a
live one. The server can also inject faults (delays, truncated bodies, error statuses) for tests.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit


@dataclass(frozen=True)
class ReplayEntry:
    source: str
    method: str
    url: str
    file: Path
    content_type: str
    status: int
    fetched_at: datetime
    headers: tuple[tuple[str, str], ...] = ()
    delay_seconds: float = 0.0
    truncate_at: int | None = None  # fault injection: declare the full length, send this many bytes, hang up
    drip_seconds: float = 0.0  # fault injection: send the body 16 bytes at a time, this long apart
    unsized: bool = False  # fault injection: declare no length; the body ends when the connection closes


@dataclass(frozen=True)
class CaptureSet:
    """A folder of response bodies plus `manifest.json` saying which request each answers, and when."""

    name: str
    root: Path
    fetched_at: datetime
    entries: tuple[ReplayEntry, ...]

    @classmethod
    def load(cls, root: Path) -> CaptureSet:
        manifest = json.loads((root / "manifest.json").read_text())
        default_time = datetime.fromisoformat(manifest["fetched_at"])
        entries = []
        for e in manifest["captures"]:
            entries.append(
                ReplayEntry(
                    source=e["source"],
                    method=e.get("method", "GET"),
                    url=e["url"],
                    file=(root / e["file"]).resolve() if not Path(e["file"]).is_absolute() else Path(e["file"]),
                    content_type=e.get("content_type", "application/json"),
                    status=int(e.get("status", 200)),
                    fetched_at=datetime.fromisoformat(e["fetched_at"]) if "fetched_at" in e else default_time,
                    headers=tuple((str(k), str(v)) for k, v in e.get("headers", {}).items()),
                    delay_seconds=float(e.get("delay_seconds", 0)),
                    truncate_at=int(e["truncate_at"]) if e.get("truncate_at") is not None else None,
                    drip_seconds=float(e.get("drip_seconds", 0)),
                    unsized=bool(e.get("unsized", False)),
                )
            )
        return cls(name=manifest.get("name", root.name), root=root, fetched_at=default_time, entries=tuple(entries))

    def sources(self) -> list[str]:
        return sorted({e.source for e in self.entries})


def _route(method: str, url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return method.upper(), f"/{parts.hostname}{parts.path}{query}"


class _Handler(BaseHTTPRequestHandler):
    routes: ClassVar[dict[tuple[str, str], ReplayEntry]] = {}

    def log_message(self, format: str, *args: object) -> None:  # quiet: tests and make run read stdout
        return

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        if length:
            self.rfile.read(length)
        entry = self.routes.get((self.command, self.path))
        if entry is None:
            self.send_response(404)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"no capture for this request\n")
            return
        if entry.delay_seconds:
            threading.Event().wait(entry.delay_seconds)
        body = entry.file.read_bytes() if entry.file.exists() else b""
        self.send_response(entry.status)
        self.send_header("Content-Type", entry.content_type)
        headers = dict(entry.headers)
        for key, value in headers.items():
            self.send_header(key, value)
        if "Content-Length" not in headers and not entry.unsized:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        sent = body if entry.truncate_at is None else body[: entry.truncate_at]
        with suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (e.g. a timeout test)
            if entry.drip_seconds:
                for at in range(0, len(sent), 16):
                    self.wfile.write(sent[at : at + 16])
                    self.wfile.flush()
                    threading.Event().wait(entry.drip_seconds)
            else:
                self.wfile.write(sent)
        if entry.truncate_at is not None or entry.unsized:
            self.close_connection = True

    do_GET = _serve
    do_POST = _serve


class _Server(ThreadingHTTPServer):
    request_queue_size = 1024  # many sources connect at once; the default backlog of 5 refuses some of them
    daemon_threads = True


@contextmanager
def replay_server(entries: tuple[ReplayEntry, ...] | list[ReplayEntry]) -> Iterator[str]:
    """Serve entries on 127.0.0.1 (an ephemeral port); yields the base URL."""
    handler = type("ReplayHandler", (_Handler,), {"routes": {_route(e.method, e.url): e for e in entries}})
    server = _Server(("127.0.0.1", 0), handler)
    # Checked for shutdown every 20 ms, not every 0.5 s (the default): each offline capture (a DAG task per source)
    # waited up to half a second for its server to notice the end.
    serve = functools.partial(server.serve_forever, poll_interval=0.02)
    thread = threading.Thread(target=serve, name="cix-replay", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
