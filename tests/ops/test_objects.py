"""Raw captures and staged frames in the object store: one library (pyarrow.fs) on the local disk and on an
S3-compatible server (moto on loopback). Bodies come back byte for byte and are checked against their sha256; a write
leaves no partial or temporary object; with the lake's data on S3 the captures and staged frames go to its bucket."""

from __future__ import annotations

import hashlib
import os
import stat
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import polars as pl
import pytest

from pipeline.capture import CaptureIntegrityError, CaptureStore, ObjectStore
from pipeline.config import paths
from pipeline.domain.records import RawCapture
from tests.ops.conftest import S3Server

BODY = b'\x00\xff{"price": "2.49"}\r\n\xe2\x82\xac' * 1000  # binary, CRLF, UTF-8: must come back unchanged


def capture(body: bytes = BODY) -> RawCapture:
    return RawCapture(
        source="runpod", url="https://api.runpod.io/graphql", fetched_at=datetime(2026, 8, 3, tzinfo=UTC), body=body
    )


@pytest.fixture
def bucket(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> str:
    name = f"cix-{uuid4().hex[:12]}"
    s3_server.client().create_bucket(Bucket=name)
    for k, v in s3_server.env.items():
        monkeypatch.setenv(k, v)
    return name


def test_local_store_keeps_bodies_exact_read_only_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    store = CaptureStore(tmp_path / "captures")
    c = capture()
    rel = store.put(c)
    assert rel == f"{c.capture_id[:2]}/{c.capture_id}" and store.put(c) == rel
    path = tmp_path / "captures" / rel
    assert path.read_bytes() == BODY and store.get(c.capture_id) == BODY
    assert not stat.S_IMODE(path.stat().st_mode) & 0o222, "a stored body is read-only"
    assert os.listdir(path.parent) == [c.capture_id], "no temporary name is left beside it"
    os.chmod(path, 0o644)
    path.write_bytes(BODY + b" ")
    with pytest.raises(CaptureIntegrityError, match="altered"):
        store.get(c.capture_id)


def test_s3_store_round_trips_bytes_and_checks_their_hash(bucket: str, s3_server: S3Server) -> None:
    store = CaptureStore(f"s3://{bucket}/captures/")
    c = capture()
    rel = store.put(c)
    s3 = s3_server.client()
    stored = s3.get_object(Bucket=bucket, Key=f"captures/{rel}")["Body"].read()
    assert stored == BODY and hashlib.sha256(stored).hexdigest() == c.capture_id
    assert store.get(c.capture_id) == BODY
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == [f"captures/{rel}"]
    s3.put_object(Bucket=bucket, Key=f"captures/{rel}", Body=BODY[:-1])  # altered behind the store's back
    with pytest.raises(CaptureIntegrityError, match="altered"):
        store.get(c.capture_id)
    with pytest.raises(CaptureIntegrityError, match="missing"):
        store.get("ab" + "0" * 62)


def test_object_keys_cannot_leave_their_root(tmp_path: Path) -> None:
    objects = ObjectStore(tmp_path)
    for key in ("../outside", "/etc/passwd", "a/../../b", ""):
        with pytest.raises(ValueError, match="not an object key"):
            objects.put(key, b"x")


def test_with_the_lake_data_on_s3_captures_and_staged_frames_go_to_its_bucket(
    bucket: str, cix_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Airflow steps on an embedded catalog whose object store is the bucket: capture stages its frames there,
    the gate loads them and removes them; nothing lands on the local disk."""
    from pipeline.flow import airflow_tasks
    from pipeline.flow.dag_args import Run
    from pipeline.store import Warehouse, default_lake

    monkeypatch.setenv("CIX_OBJECT_STORE", f"s3://{bucket}/objects")
    assert paths().objects("captures") == f"s3://{bucket}/objects/captures/"
    monkeypatch.delenv("CIX_OBJECT_STORE")
    monkeypatch.setenv("CIX_LAKE_DATA", f"s3://{bucket}/lake/")  # the default: beside the lake's data
    assert paths().objects("staging") == f"s3://{bucket}/staging/"
    monkeypatch.setenv("CIX_OBJECT_STORE", f"s3://{bucket}/")
    monkeypatch.delenv("CIX_LAKE_DATA")
    run = Run("2026-08-03T15:15:00+00:00", True, None, {})
    airflow_tasks.ensure_fx(run)
    staged = airflow_tasks.capture_source("runpod", run)
    staging = ObjectStore(f"s3://{bucket}/staging/")
    assert len(staging.list_keys()) == 2 * len(staged["captures"]), "quotes and rejections staged per capture"
    result = airflow_tasks.gate_and_load([staged])
    assert result["quotes"] > 0 and staging.list_keys() == [], "a loaded batch's staged frames are removed"
    captures = ObjectStore(f"s3://{bucket}/captures/")
    with Warehouse(default_lake(), read_only=True) as w:
        ids = {r[0] for r in w.query("SELECT capture_id FROM raw_capture").rows()}
    assert {k.split("/")[-1] for k in captures.list_keys()} == ids and len(ids) >= 2, "runpod and the FX capture"
    assert all(hashlib.sha256(captures.get(k)).hexdigest() == k.split("/")[-1] for k in captures.list_keys())
    assert not (cix_home / "home" / "captures").exists() and not (cix_home / "home" / "staging").exists()
    # A batch left staged in the bucket is listed with when it was written there (the object's own time), which
    # its retention counts from.
    from pipeline.flow.staging import stage, staged_batches

    empty = pl.DataFrame({"row_no": []}, schema={"row_no": pl.Int64})
    stage(staging, capture(), empty, empty)
    with Warehouse(default_lake(), read_only=True) as w:
        [left], _ = staged_batches(staging, w)
    assert left.state == "not_gated" and left.rows == {"quotes": 0, "rejections": 0}
    assert abs((datetime.now(UTC) - left.staged_at).total_seconds()) < 120, left.staged_at
