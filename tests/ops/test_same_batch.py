"""The insert-insert race: DuckLake has no unique constraints, so two writers loading the same batch at the same
instant could both see it absent and both insert it. Real processes load the same batches at once, on the embedded
lake (SQLite catalog) and on a lake whose catalog is in Postgres; every row is there exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from pipeline.store import Lake, Warehouse
from pipeline.store.lake import detach
from tests.ops.conftest import pg

WRITER = """
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pipeline.config import SAMPLES_DIR
from pipeline.domain.records import RawCapture
from pipeline.flow.parse import parse_capture
from pipeline.methodology import load
from pipeline.store import Lake, Warehouse

catalog, data, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
body = (SAMPLES_DIR / "default" / "runpod.json").read_bytes()
base = RawCapture(source="runpod", url="https://api.runpod.io/graphql", fetched_at=datetime(2026, 8, 3, tzinfo=UTC),
                  body=body, method="POST")
m = load()
batches = []
for i in range(rounds):  # parsed before the start, so the writers reach each load together
    capture = replace(base, fetched_at=base.fetched_at + timedelta(minutes=i))
    batches.append((capture, *parse_capture(capture, m.bounds, {})))
with Warehouse(Lake(catalog, data)) as w:
    print("ready", flush=True)
    sys.stdin.readline()
    for capture, quotes, rejections in batches:
        w.record_captures([(capture, f"ru/{capture.capture_id}")], None)
        w.load_batch(quotes, rejections, datetime.now(UTC))
        w.record_check(capture, "prices", True, quotes.height, [], datetime.now(UTC))
        w.record_source_run("runpod", capture.fetched_at, "ok", None, None, 1)
print("rows", quotes.height, flush=True)
"""

KEYS = {
    "raw_capture": "source, capture_id, fetched_at",
    "quote": "source, capture_id, fetched_at, row_no",
    "rejection": "source, capture_id, fetched_at, row_no",
    "batch_check": "source, capture_id, fetched_at, suite",
    "source_run": "source, started_at",
}


FIXER = """
import sys
from datetime import UTC, date, datetime
from pipeline.flow.daily import fix
from pipeline.methodology import load
from pipeline.store import Lake, Warehouse

catalog, data, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
m = load()
with Warehouse(Lake(catalog, data)) as w:
    print("ready", flush=True)
    sys.stdin.readline()
    for _ in range(rounds):  # a forced recomputation is always a new revision: each must get its own number
        fixings = fix(date(2026, 8, 3), w, m, recorded_at=datetime.now(UTC), reason="race test", force=True)
print("rows", len(fixings), flush=True)
"""


def load_at_once(lake: Lake, writers: int, rounds: int, script: str = WRITER) -> int:
    """`writers` processes run `script` (the same `rounds` loads or fixings), released together; its last count."""
    Warehouse(lake).close()  # the schema exists before they start
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIX_LAKE")}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, lake.catalog, lake.data_path, str(rounds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(writers)
    ]
    try:
        for p in procs:
            assert p.stdout is not None and p.stdout.readline().strip() == "ready", p.stderr and p.stderr.read()
        for p in procs:
            assert p.stdin is not None
            p.stdin.write("\n")
            p.stdin.flush()
        outputs = [p.communicate(timeout=300) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert all(p.returncode == 0 for p in procs), [err[-3000:] for _, err in outputs]
    return int(outputs[0][0].split()[-1])


def assert_each_row_once(lake: Lake, rounds: int, quotes_per_batch: int) -> None:
    with Warehouse(lake, read_only=True) as w:
        for table, key in KEYS.items():
            dupes = w.query(f"SELECT {key}, count(*) AS n FROM {table} GROUP BY ALL HAVING count(*) > 1")
            assert dupes.height == 0, (table, dupes.head(5))
        assert w.count("raw_capture") == rounds and w.count("source_run") == rounds
        assert w.count("batch_check") == rounds
        assert w.count("quote") == rounds * quotes_per_batch


def test_writers_loading_the_same_batches_at_once_store_each_row_once_sqlite_catalog(tmp_path: Path) -> None:
    lake = Lake.embedded(tmp_path / "lake.sqlite")
    rows = load_at_once(lake, writers=4, rounds=6)
    assert_each_row_once(lake, 6, rows)


@pytest.fixture
def postgres_lake(tmp_path: Path) -> Iterator[Lake]:
    name = f"cix_test_race_{uuid.uuid4().hex[:8]}"
    with closing(pg()) as con, con.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name}")
    lake = Lake(f"postgres:dbname={name} host=127.0.0.1 user=postgres", f"{tmp_path / 'data'}/")
    try:
        yield lake
    finally:
        detach(lake)  # a lake left attached to a dropped database fails every later catalog-wide query here
        with closing(pg()) as con, con.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_writers_loading_the_same_batches_at_once_store_each_row_once_postgres_catalog(postgres_lake: Lake) -> None:
    rows = load_at_once(postgres_lake, writers=4, rounds=6)
    assert_each_row_once(postgres_lake, 6, rows)


def test_writers_fixing_the_same_day_at_once_never_share_a_revision_number(tmp_path: Path) -> None:
    """Revision n + 1 is decided from the revision in force: without a lock two processes would both add it."""
    lake = Lake.embedded(tmp_path / "lake.sqlite")
    writers, rounds = 3, 2
    indices = load_at_once(lake, writers=writers, rounds=rounds, script=FIXER)
    with Warehouse(lake, read_only=True) as w:
        revisions = w.query("SELECT index_code, revision, count(*) AS n FROM fixing GROUP BY ALL")
    assert revisions["n"].max() == 1, revisions.filter(revisions["n"] > 1).head(5)
    assert revisions.height == indices * writers * rounds
    assert sorted(set(revisions["revision"])) == list(range(1, writers * rounds + 1))
