"""Fault suite against the replay server on 127.0.0.1: every fault at once (a chaos run).

HTTP 500, 429 with Retry-After, a stalled response past the timeout, a truncated body, HTML where
JSON was expected, an oversized body, a redirect to another host, and absurd values (zero,
negative, 1000x). Each is recorded with a clear reason, healthy sources still load, no raw
capture is lost, and running the same thing again creates no duplicates.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from pipeline import sources
from pipeline.capture import CaptureStore
from pipeline.config import paths
from pipeline.flow.daily import DEFAULT_SAMPLE_SET, run
from pipeline.sources import coreweave_page, vast
from pipeline.store import Warehouse
from tests.conftest import FETCHED
from tests.helpers import RealCapture, one

TABLES = ("raw_capture", "quote", "rejection")


def chaos_set(tmp: Path, realdata: Path) -> Path:
    target = tmp / "chaos"
    shutil.copytree(DEFAULT_SAMPLE_SET, target)
    manifest = json.loads((target / "manifest.json").read_text())
    entries = {e["source"]: e for e in manifest["captures"] if e["source"] != "aws"}
    aws = [e for e in manifest["captures"] if e["source"] == "aws"]
    # Absurd values inside an otherwise healthy AWS document: zero, negative, 1000x the market.
    path = target / aws[0]["file"]
    doc = json.loads(path.read_text())
    entries_aws = next(iter(doc["regions"].values()))
    by_type = {e["Instance Type"]: e for e in entries_aws.values()}
    by_type["p5.4xlarge"]["price"] = "0.0000000000"
    by_type["g6e.xlarge"]["price"] = "-1.8610000000"
    by_type["p5.48xlarge"]["price"] = "55040.0000000000"
    path.write_text(json.dumps(doc))
    (target / "error.html").write_text("<html><body><h1>Service temporarily unavailable</h1></body></html>")
    (target / "empty.txt").write_text("")
    big = target / "big.csv"
    big.write_bytes(b"InstanceType,AcceleratorName\n" + b"x,y\n" * 2000)
    faults = [
        {**entries["runpod"], "status": 500, "file": "error.html", "content_type": "text/html"},
        {**entries["openrouter"], "status": 429, "file": "empty.txt", "headers": {"Retry-After": "1"}},
        {**entries["vast-catalog"], "delay_seconds": 3},
        {**entries["litellm"], "truncate_at": 200},
        {**entries["azure"], "file": "error.html", "content_type": "text/html"},
        {**entries["gcp"], "file": "big.csv"},
        {
            "source": "coreweave-page",
            "url": coreweave_page.URL,
            "file": "empty.txt",
            "status": 302,
            "headers": {"Location": "https://pricing.example.net/coreweave"},
        },
    ]
    healthy_vast = {
        "source": "vast",
        "url": vast.SOURCE.requests[0].url,
        "file": str(realdata / "vast" / "getcomputable_h100_sxm_asc.json"),
    }
    manifest["captures"] = [*aws, *faults, healthy_vast]
    (target / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return target


@pytest.fixture
def small_gcp_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sources.REGISTRY, "gcp", replace(sources.REGISTRY["gcp"], max_bytes=1024))


def counts() -> dict[str, int]:
    with Warehouse(paths().db, read_only=True) as w:
        return {t: w.count(t) for t in TABLES}


def test_chaos_run_records_every_fault_and_loads_the_healthy_sources(
    cix_home: Path, tmp_path: Path, realdata: Path, small_gcp_cap: None
) -> None:
    capture_set = chaos_set(tmp_path, realdata)
    report = run(capture_set_dir=capture_set, timeout=1.0)
    outcome = {o.source: o for o in report.outcomes}
    reasons = {name: (o.error.reason if o.error else "") for name, o in outcome.items()}
    assert "HTTP 500" in reasons["runpod"]
    assert "HTTP 429" in reasons["openrouter"]
    assert "timed out" in reasons["vast-catalog"]
    assert "transport error" in reasons["litellm"]
    assert "not JSON" in reasons["azure"] and outcome["azure"].error.kind == "schema_drift"  # type: ignore[union-attr]
    assert "exceeds cap" in reasons["gcp"]
    assert "off-host" in reasons["coreweave-page"]
    assert outcome["aws"].error is None and outcome["aws"].loaded_quotes > 0
    assert outcome["vast"].error is None and outcome["vast"].loaded_quotes > 0

    with Warehouse(paths().db, read_only=True) as w:
        runs = dict(
            w.con.execute(
                "SELECT source, error_kind || ': ' || error FROM source_run WHERE status = 'error'"
            ).fetchall()
        )
        assert set(runs) >= {"runpod", "openrouter", "vast-catalog", "litellm", "azure", "gcp", "coreweave-page"}
        rules = dict(w.con.execute("SELECT sku, rule FROM rejection WHERE source = 'aws'").fetchall())
        assert rules == {
            "p5.4xlarge": "non_positive_price",
            "g6e.xlarge": "non_positive_price",
            "p5.48xlarge": "implausible_price",
        }
        # The HTML body that broke azure's parser is kept, unmodified, for the post-mortem.
        html = (capture_set / "error.html").read_bytes()
        sha = hashlib.sha256(html).hexdigest()
        assert one(w, "SELECT count(*) FROM raw_capture WHERE source = 'azure' AND capture_id = ?", [sha]) == (1,)
    assert CaptureStore(paths().captures).get(sha) == html

    before = counts()
    run(capture_set_dir=capture_set, timeout=1.0)
    assert counts() == before, "a retried run creates no duplicates"


def test_a_batch_the_warehouse_refuses_stays_out_and_the_others_load(cix_home: Path, real_capture: RealCapture) -> None:
    """Batches load in one transaction; if it is refused, each is loaded on its own, so only the refused one (a
    parser's wrong column type, here) stays out, with its error, and nothing of it is written."""
    from pipeline.flow.ingest import gate_and_load_all
    from pipeline.flow.parse import parse_capture
    from pipeline.methodology import load

    m = load()
    good, bad = (
        real_capture("runpod", f) for f in ("runpod/runpod.json", "runpod-graphql/getcomputable_gputypes_055204a.json")
    )
    batches = [(c, *parse_capture(c, m.bounds)) for c in (good, bad)]
    broken = batches[1][1].with_columns(pl.lit("many").alias("gpu_count"))  # not a number: the cast refuses it
    batches[1] = (bad, broken, batches[1][2])
    with Warehouse(paths().db) as w:
        failed, refused = gate_and_load_all(batches, w, m, ingested_at=FETCHED, gate=False)
        assert failed == [] and list(refused) == [id(bad)] and "many" in str(refused[id(bad)])
        loaded = dict(w.con.execute("SELECT capture_id, count(*) FROM quote GROUP BY ALL").fetchall())
        assert loaded == {good.capture_id: batches[0][1].height}, "the good batch whole, nothing of the refused one"
        assert w.count("rejection") == batches[0][2].height
