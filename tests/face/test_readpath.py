"""The API's read path: answers cached under the warehouse's data version (which begins their ETag), one
shared read-only attachment of the lake, and every answer served at once while a writer writes (a commit is a
new version). Each test works on its own copy of the fixture's lake."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from pipeline.face.web.conditional import Answer, entity_tag
from pipeline.face.web.problems import Unavailable
from pipeline.face.web.readpath import ReadPath
from pipeline.store import Stamp, Warehouse
from tests.face.conftest import DAY, Site, start_server, stop_server
from tests.helpers import copy_lake, served

# A writer in another process (as `cix run` would be): it opens the warehouse for writing, writes a row inside
# an open transaction, says so, and commits when it reads a line.
WRITER = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from pipeline.store import Stamp, Warehouse
w = Warehouse(Path(sys.argv[1]))
w.con.execute("BEGIN TRANSACTION")
w.con.execute("INSERT INTO source_run VALUES ('faces-readpath-test', ?, 'ok', NULL, NULL, 0)", [datetime.now(UTC)])
print("holding", flush=True)
sys.stdin.readline()
w.con.execute("COMMIT")
w.close()
"""

# A load in another process (as a restatement would be): the fixing's next revision, with another value.
RESTATE = """
import sys
from pathlib import Path
from pipeline.store import Stamp, Warehouse
db, code, day, value = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
with Warehouse(db) as w:
    w.write(lambda con: con.execute(
        "INSERT INTO fixing SELECT * REPLACE (revision + 1 AS revision, 'published' AS status, "
        "CAST(? AS DECIMAL(38, 18)) AS value, 'a late capture' AS reason, now() AS recorded_at) "
        "FROM fixing WHERE index_code = ? AND fixing_date = ? AND methodology_version = '3' "
        "ORDER BY revision DESC LIMIT 1",
        [value, code, day],
    ))
"""


@pytest.fixture
def db(site: Site, tmp_path: Path) -> Path:
    return copy_lake(site.db, tmp_path / "lake.sqlite")


@pytest.fixture
def writer(db: Path) -> Iterator[Callable[[], subprocess.Popen[str]]]:
    """Starts the writer on the copy when called, and waits until it is inside its write transaction; releasing
    it commits; the fixture releases it at the end."""
    started: list[subprocess.Popen[str]] = []

    def start() -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        started.append(process)
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "holding"
        return process

    yield start
    for process in started:
        release(process)


def release(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        assert process.stdin is not None
        process.stdin.write("\n")
        process.stdin.flush()
        process.wait(timeout=60)


def counting(calls: list[str]) -> object:
    def build(w: Warehouse, version: str) -> Answer:
        calls.append(version)
        body = str(w.latest_fixing_date()).encode()
        return Answer(body, "text/plain", entity_tag(version, body), "no-cache")

    return build


def test_answers_are_built_once_per_version_on_one_shared_connection(db: Path) -> None:
    reads = ReadPath(db, idle_seconds=30)
    calls: list[str] = []
    build = counting(calls)
    answers = []

    def ask() -> None:
        for _ in range(20):
            answers.append(reads.answer("latest", build))  # type: ignore[arg-type]

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for key in ("a", "b", "c"):
        reads.answer(key, build)  # type: ignore[arg-type]
    assert len(answers) == 80 and len({a.etag for a in answers}) == 1
    assert len(calls) == 4 and len(set(calls)) == 1  # four concurrent first askers waited for one build
    assert reads.opened == 1  # one connection served every request
    assert answers[0].etag.startswith(f'"{reads.version()}-')
    reads.close()


def test_a_writers_commit_is_a_new_version_and_nothing_waits_for_it(
    db: Path, writer: Callable[[], subprocess.Popen[str]]
) -> None:
    reads = ReadPath(db, idle_seconds=0.3)
    calls: list[str] = []
    build = counting(calls)
    before = reads.answer("latest", build)  # type: ignore[arg-type]
    holding = writer()  # inside its transaction: nothing of it is visible yet, and nothing waits for it
    started = time.monotonic()
    during = reads.answer("latest", build)  # type: ignore[arg-type]
    assert during.etag == before.etag and time.monotonic() - started < 2
    release(holding)  # commits
    after = reads.answer("latest", build)  # type: ignore[arg-type]
    assert len(calls) == 2 and calls[0] != calls[1]
    assert before.body == after.body and before.etag != after.etag  # same bytes, but another data version
    reads.close()


def test_while_a_writer_is_writing_every_answer_comes_at_once(
    db: Path, writer: Callable[[], subprocess.Popen[str]]
) -> None:
    """The single-file DuckDB made answers never built wait for the writer (503); the lake serves them all."""
    env = {**os.environ, "CIX_HOME": str(db.parent), "CIX_PUBLISH_DIR": str(db.parent / "publish")}
    process, base = start_server(env, "--db", str(db))
    try:
        with httpx.Client(base_url=base, timeout=10) as client:
            cached = client.get(f"/fixings/{DAY}")
            assert cached.status_code == 200
            assert client.get("/").status_code == 200
            holding = writer()
            for _ in range(5):  # answered at once from the cache
                again = client.get(f"/fixings/{DAY}")
                assert again.status_code == 200 and again.headers["etag"] == cached.headers["etag"]
                assert (
                    client.get(f"/fixings/{DAY}", headers={"If-None-Match": cached.headers["etag"]}).status_code == 304
                )
            started = time.monotonic()
            never_built = client.get("/fixings/2026-08-06")  # built now, from the last committed snapshot
            assert never_built.status_code == 200 and time.monotonic() - started < 5
            assert client.get("/health").json()["status"] == "ok"
            release(holding)
            deadline = time.monotonic() + 5  # the writer's commit is served within moments of its end
            while (fresh := client.get(f"/fixings/{DAY}")).headers["etag"] == cached.headers["etag"]:
                assert time.monotonic() < deadline, "the new data version was never served"
                time.sleep(0.05)
            assert fresh.status_code == 200
            assert fresh.content == cached.content
    finally:
        stop_server(process)


def test_without_a_warehouse_every_data_answer_is_503_problem(tmp_path: Path) -> None:
    reads = ReadPath(tmp_path / "missing.sqlite")
    with pytest.raises(Unavailable) as raised:
        reads.answer("x", counting([]))  # type: ignore[arg-type]
    assert raised.value.status_code == 503 and raised.value.headers == {"Retry-After": "60"}
    process, base = start_server(
        {**os.environ, "CIX_HOME": str(tmp_path), "CIX_PUBLISH_DIR": str(tmp_path / "publish")}
    )
    try:
        with httpx.Client(base_url=base) as client:
            assert client.get("/health").json()["status"] == "no_warehouse"
            for url in (f"/fixings/{DAY}", "/", "/index/CIX-H100-OD-HYP"):
                answer = client.get(url)
                assert answer.status_code == 503 and answer.headers["content-type"] == "application/problem+json"
                assert "cix run" in answer.json()["detail"]
    finally:
        stop_server(process)


def test_a_load_is_served_on_the_very_next_request_with_a_new_etag(db: Path) -> None:
    """No polling: once the writer's process has committed, the next request answers from the new snapshot; the
    old ETag then gets a 200 with the new body, the new one a 304."""
    code = "CIX-H100-OD-HYP"
    env = {**os.environ, "CIX_HOME": str(db.parent), "CIX_PUBLISH_DIR": str(db.parent / "publish")}
    process, base = start_server(env, "--db", str(db))
    try:
        with httpx.Client(base_url=base, timeout=10) as client:
            old = client.get(f"/fixings/{DAY}/{code}")
            old_day = client.get(f"/fixings/{DAY}")
            assert old.status_code == 200 and old_day.status_code == 200
            assert (
                client.get(f"/fixings/{DAY}/{code}", headers={"If-None-Match": old.headers["etag"]}).status_code == 304
            )
            for value in ("123.4567", "123.4568", "99.0001"):  # loads in quick succession, each seen at once
                subprocess.run([sys.executable, "-c", RESTATE, str(db), code, DAY, value], check=True, timeout=120)
                new = client.get(f"/fixings/{DAY}/{code}", headers={"If-None-Match": old.headers["etag"]})
                assert new.status_code == 200 and new.json()["value"] == value
                assert new.json()["revision"] == old.json()["revision"] + 1
                assert new.json()["revisions"][-1]["reason"] == "a late capture"
                assert new.headers["etag"] != old.headers["etag"]
                again = client.get(f"/fixings/{DAY}/{code}", headers={"If-None-Match": new.headers["etag"]})
                assert again.status_code == 304 and again.headers["etag"] == new.headers["etag"]
                listed = client.get(f"/fixings/{DAY}")
                [mine] = [f for f in listed.json()["fixings"] if f["index_code"] == code]
                assert mine["value"] == value and listed.headers["etag"] != old_day.headers["etag"]
                assert client.get("/health").json()["data_version"] == new.headers["etag"].strip('"').split("-")[0]
                old, old_day = new, listed
    finally:
        stop_server(process)


def test_commits_in_quick_succession_are_each_a_new_version(db: Path) -> None:
    """Commits closer together than file times tick (one process writing while the read path reads): each is
    seen by the next `version()`, never hidden behind an unchanged-looking stat."""
    reads = ReadPath(db, idle_seconds=30)
    seen = [reads.version()]
    with Warehouse(db) as w:
        for k in range(12):
            w.write(
                lambda con, k=k: con.execute(
                    "INSERT INTO source_run VALUES (?, now(), 'ok', NULL, NULL, 0)", [f"readpath-quick-{k}"]
                )
            )
            seen.append(reads.version())
    assert len(set(seen)) == len(seen)
    time.sleep(0.2)  # once the files are a tick old, the stat alone vouches for the version (no query)
    with reads.lease() as w:
        assert w.data_version() == seen[-1]
    reads.version()
    opened = reads.opened
    known = reads._known
    assert reads.version() == seen[-1] and reads._known is known and reads.opened == opened
    reads.close()


def test_a_stamp_vouches_only_once_its_files_are_a_tick_older_than_the_stat() -> None:
    tick = 50_000_000
    old = Stamp((1, 2, 3), newest_ns=10 * tick, taken_ns=20 * tick)
    assert Stamp((1, 2, 3), 10 * tick, 30 * tick).same_as(old)
    assert not Stamp((1, 2, 4), 10 * tick, 30 * tick).same_as(old)  # the WAL grew: a commit
    racy = Stamp((1, 2, 3), newest_ns=20 * tick - 1, taken_ns=20 * tick)  # written in the tick of the stat
    assert not Stamp((1, 2, 3), 20 * tick - 1, 30 * tick).same_as(racy)
    assert not Stamp((1, 2, 3), 10 * tick, 30 * tick).same_as(None)


def test_a_cached_answer_is_served_before_routing_exactly_as_the_route_served_it(db: Path) -> None:
    from pipeline.face.api import create_app
    from pipeline.face.web.readpath import request_key

    app = create_app(db, db.parent / "publish")
    reads: ReadPath = app.state.reads
    url = f"/fixings/{DAY}/CIX-H100-OD-HYP"
    with served(app) as base, httpx.Client(base_url=base) as client:
        assert reads.current(request_key({"path": url, "query_string": b""})) is None
        client.get(url)
        time.sleep(0.1)  # the copy's files were just written: its stamp vouches for nothing until a tick old
        routed = client.get(url)  # the route looks at the lake again, and keeps the answer
        kept = reads.current(request_key({"path": url, "query_string": b""}))
        assert isinstance(kept, Answer) and kept.etag == routed.headers["etag"]
        early = client.get(url)  # answered by ServeCached
        assert early.status_code == 200 and early.content == routed.content
        assert dict(early.headers) == dict(routed.headers)
        head = client.head(url)
        assert (
            head.status_code == 200
            and head.content == b""
            and head.headers["content-length"] == str(len(routed.content))
        )
        assert client.get(url, headers={"If-None-Match": f"W/{routed.headers['etag']}"}).status_code == 304
        for bad in (f"/fixings/{DAY}/lowercase", "/fixings/2026-13-01/CIX-H100-OD-HYP"):
            assert client.get(bad).status_code == 422 and client.get(bad).status_code == 422  # never kept
            assert reads.current(request_key({"path": bad, "query_string": b""})) is None
