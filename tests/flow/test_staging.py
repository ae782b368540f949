"""Staged batches: what `cix staged` says became of each, read against a real lake's gate record, and discarding.
(A batch the gate refused, under a real `dag.test()` run, is in tests/flow/test_dag.py.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline.config import paths
from pipeline.flow.ingest import gate_and_load_all
from pipeline.flow.parse import parse_capture
from pipeline.flow.staging import (
    discard_staged,
    expire,
    parse_key,
    read_staged,
    stage,
    staged_batches,
    staged_key,
    staging_store,
)
from pipeline.methodology import load
from pipeline.store import Warehouse
from tests.conftest import FETCHED
from tests.helpers import RealCapture


def test_keys_name_their_capture_whatever_the_source_name() -> None:
    key = staged_key("crusoe-page", "ab" * 32, FETCHED, "quotes")
    assert parse_key(key) == ("crusoe-page", "ab" * 8, FETCHED, "quotes")
    assert parse_key("notes.txt") is None and parse_key(key.replace("quotes", "other")) is None
    with pytest.raises(ValueError, match="not a staged kind"):
        staged_key("aws", "ab" * 32, FETCHED, "other")


def test_each_staged_batch_says_what_became_of_it(cix_home: Path, real_capture: RealCapture) -> None:
    m = load()
    loaded, waiting, page = (
        real_capture("runpod", "runpod/runpod.json"),
        real_capture("runpod", "runpod-graphql/getcomputable_gputypes_055204a.json", FETCHED + timedelta(hours=1)),
        real_capture("crusoe-page", "pricing-pages/crusoe_20251215002446.html", FETCHED + timedelta(hours=2)),
    )
    store = staging_store()
    frames = {c.capture_id: parse_capture(c, m.bounds) for c in (loaded, waiting, page)}
    for c in (loaded, waiting, page):
        stage(store, c, *frames[c.capture_id])
    assert read_staged(store, waiting)[0].equals(frames[waiting.capture_id][0]), "the frames read back as staged"
    store.put("notes.txt", b"an operator's note")
    with Warehouse(paths().db) as w:
        failed, refused = gate_and_load_all([(loaded, *frames[loaded.capture_id])], w, m, ingested_at=FETCHED)
        assert failed == [] and refused == {}  # loaded, but (as if the task stopped here) still staged
        w.record_checks([(waiting, "gpu_hour", True, 1, [])], FETCHED)  # passed, then (say) the lake refused it
        batches, strangers = staged_batches(store, w)
    assert strangers == ["notes.txt"], "an object that is not a staged frame is named, never touched"
    assert [(b.source, b.capture_prefix, b.state) for b in batches] == [
        ("runpod", loaded.capture_id[:16], "loaded"),
        ("runpod", waiting.capture_id[:16], "passed_not_loaded"),
        ("crusoe-page", page.capture_id[:16], "not_gated"),
    ], "oldest first; the loaded one is safe to discard"
    assert batches[0].rows == {
        "quotes": frames[loaded.capture_id][0].height,
        "rejections": frames[loaded.capture_id][1].height,
    }

    with pytest.raises(ValueError, match="timezone"):
        discard_staged(store, batches, datetime(2026, 8, 3, 16))
    gone = discard_staged(store, batches, FETCHED + timedelta(hours=1, minutes=30))
    assert [b.capture_prefix for b in gone] == [loaded.capture_id[:16], waiting.capture_id[:16]]
    left = sorted(store.list_keys())
    assert left == sorted(
        [staged_key("crusoe-page", page.capture_id, page.fetched_at, k) for k in ("quotes", "rejections")]
        + ["notes.txt"]
    )


def test_batches_left_staged_expire_after_their_retention_counted_from_when_they_were_staged(
    cix_home: Path, real_capture: RealCapture, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = load()
    store = staging_store()
    captures = [
        real_capture("runpod", "runpod/runpod.json"),
        real_capture("runpod", "runpod-graphql/getcomputable_gputypes_055204a.json"),
    ]
    for c in captures:
        stage(store, c, *parse_capture(c, m.bounds))
    now = datetime.now(UTC)
    assert expire(store, now) == [], "fetched months ago (a replay's time), but staged just now: kept"
    monkeypatch.setenv("CIX_STAGED_RETENTION_DAYS", "0")
    assert expire(store, now + timedelta(days=1000)) == [], "0: kept for good"
    monkeypatch.setenv("CIX_STAGED_RETENTION_DAYS", "soon")
    with pytest.raises(ValueError, match="is not a number of days"):
        expire(store, now)
    monkeypatch.setenv("CIX_STAGED_RETENTION_DAYS", "2")
    assert expire(store, now + timedelta(days=1)) == []
    gone = expire(store, now + timedelta(days=2, minutes=1))
    assert sorted(b.capture_prefix for b in gone) == sorted(c.capture_id[:16] for c in captures)
    assert store.list_keys() == [], "both frames of each batch"
