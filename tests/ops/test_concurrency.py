"""Many writers on one embedded lake: four processes loading at once lose no row, and `cix serve` answers while
they load (readers never wait for a writer)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from pipeline.store import Warehouse
from tests.face.conftest import start_server, stop_server

WRITER = """
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from pipeline.config import SAMPLES_DIR
from pipeline.domain.records import RawCapture
from pipeline.flow.parse import parse_capture
from pipeline.methodology import load
from pipeline.store import Warehouse

db, writer, loads = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
body = (SAMPLES_DIR / "default" / "runpod.json").read_bytes()
base = RawCapture(source="runpod", url="https://api.runpod.io/graphql", fetched_at=datetime(2026, 8, 3, tzinfo=UTC),
                  body=body, method="POST")
m = load()
print("ready", flush=True)
sys.stdin.readline()
with Warehouse(db) as w:
    for i in range(loads):
        capture = replace(base, fetched_at=base.fetched_at + timedelta(minutes=writer * 1000 + i))
        quotes, rejections = parse_capture(capture, m.bounds, {})
        w.record_captures([(capture, f"runpod/{capture.capture_id}")], None)
        w.load_batch(quotes, rejections, datetime.now(UTC))
        w.record_source_run("runpod", capture.fetched_at, "ok", None, None, 1)
print("rows", quotes.height, flush=True)
"""


def test_four_writers_lose_no_row_while_the_api_answers(tmp_path: Path) -> None:
    db = tmp_path / "home" / "lake.sqlite"
    Warehouse(db).close()
    env = {**os.environ, "CIX_HOME": str(tmp_path / "home"), "CIX_PUBLISH_DIR": str(tmp_path / "publish")}
    server, base = start_server(env)
    loads = 6
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db), str(n), str(loads)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    try:
        for w in writers:
            assert w.stdout is not None and w.stdout.readline().strip() == "ready"
        for w in writers:  # go at once
            assert w.stdin is not None
            w.stdin.write("\n")
            w.stdin.flush()
        answers, versions, slowest = [], set(), 0.0
        while any(w.poll() is None for w in writers):
            started = time.monotonic()
            health = httpx.get(f"{base}/health", timeout=30)
            answers += [health.status_code, httpx.get(f"{base}/indices", timeout=30).status_code]
            versions.add(health.json().get("data_version"))
            slowest = max(slowest, time.monotonic() - started)
        outputs = [w.communicate(timeout=120) for w in writers]
    finally:
        for w in writers:
            if w.poll() is None:
                w.kill()
        stop_server(server)
    assert all(w.returncode == 0 for w in writers), [err[-2000:] for _, err in outputs]
    rows = int(outputs[0][0].split()[-1])
    assert answers and set(answers) == {200}, answers
    assert slowest < 10, f"an answer waited {slowest:.1f} s for the writers"
    assert len(versions - {None}) >= 2, "the API read the lake while the writers committed (its version moved)"
    with Warehouse(db, read_only=True) as w:
        assert w.count("raw_capture") == 4 * loads
        assert w.count("source_run") == 4 * loads
        assert w.count("quote") == 4 * loads * rows
        dupes = w.query("SELECT source, capture_id, fetched_at, row_no FROM quote GROUP BY ALL HAVING count(*) > 1")
        assert dupes.height == 0


def test_cursors_taken_from_many_threads_at_once_each_read_the_lake(tmp_path: Path) -> None:
    """`Warehouse.cursor()` is how a thread gets its own handle; taking many at once must not share the parent's
    connection (a DuckDB connection is not safe across threads)."""
    from concurrent.futures import ThreadPoolExecutor

    with Warehouse(tmp_path / "lake.sqlite") as w:
        start = threading.Barrier(8)

        def read(_: int) -> int:
            start.wait()
            for _ in range(20):
                with w.cursor() as handle:
                    count = handle.count("quote")
            return count

        with ThreadPoolExecutor(8) as pool:
            assert list(pool.map(read, range(8))) == [0] * 8
