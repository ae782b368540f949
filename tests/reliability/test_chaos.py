"""Chaos run: every fault kind at once against the replay server on 127.0.0.1, through the real `run`.

500, 429 + Retry-After, a stall past the timeout, a slow drip past the deadline, a truncated body, HTML
where JSON was expected, an oversized body, redirects off-host and to the same host on another port,
absurd values (a price of 1E+999999 as text, and as a JSON number), and a failure in the middle of a
multi-document source. The run never raises; each fault is a recorded reason; error bodies are kept;
the other documents of a failing source are still fetched; the healthy sources load; the publication
verifies; a rerun changes nothing.
"""

from __future__ import annotations

import json
import shutil
import stat
import time
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline import sources
from pipeline.config import paths
from pipeline.flow.daily import DEFAULT_SAMPLE_SET, run
from pipeline.publish import verify_publication
from pipeline.sources import coreweave_page
from pipeline.store import Warehouse

LLM_PRICES = sources.get("llm-prices").requests[0].url


def chaos_set(tmp: Path, realdata: Path) -> Path:
    target = tmp / "chaos"
    shutil.copytree(DEFAULT_SAMPLE_SET, target)
    manifest = json.loads((target / "manifest.json").read_text())
    by = {e["source"]: e for e in manifest["captures"]}
    aws = [e for e in manifest["captures"] if e["source"] == "aws"]
    prime = [e for e in manifest["captures"] if e["source"] == "primeintellect"]
    # Absurd values: a price of 1E+999999 as text in one AWS document (that row is rejected) ...
    first = target / aws[0]["file"]
    doc = json.loads(first.read_text())
    region = next(iter(doc["regions"].values()))
    next(iter(region.values()))["price"] = "1E+999999"
    first.write_text(json.dumps(doc))
    # ... and as a JSON number in the other (that document is rejected whole; the first still loads).
    second = target / aws[1]["file"]
    second.write_text(second.read_text().replace('"price": "', '"price": 1E+999999, "was": "', 1))
    (target / "error.html").write_text("<html><body><h1>Service temporarily unavailable</h1></body></html>")
    (target / "empty.txt").write_text("")
    (target / "big.csv").write_bytes(b"InstanceType,AcceleratorName\n" + b"x,y\n" * 2000)
    faults = [
        {**by["runpod"], "status": 500, "file": "error.html", "content_type": "text/html"},
        {**by["openrouter"], "status": 429, "file": "empty.txt", "headers": {"Retry-After": "1"}},
        {**by["vast-catalog"], "delay_seconds": 3},
        {**by["litellm"], "drip_seconds": 0.25},
        {**by["genai-prices"], "truncate_at": 200},
        {**by["azure"], "file": "error.html", "content_type": "text/html"},
        {**by["gcp"], "file": "big.csv"},
        {
            "source": "coreweave-page",
            "url": coreweave_page.URL,
            "file": "empty.txt",
            "status": 302,
            "headers": {"Location": "https://pricing.example.net/coreweave"},
        },
        {
            "source": "llm-prices",
            "url": LLM_PRICES,
            "file": "empty.txt",
            "status": 302,
            "headers": {"Location": LLM_PRICES.replace("githubusercontent.com/", "githubusercontent.com:8443/")},
        },
        # A multi-document source failing in the middle: the documents after it are still fetched.
        prime[0],
        {**prime[1], "status": 500, "file": "error.html", "content_type": "text/html"},
        prime[2],
    ]
    healthy_vast = {
        "source": "vast",
        "url": sources.get("vast").requests[0].url,
        "file": str(realdata / "vast" / "getcomputable_h100_sxm_asc.json"),
    }
    manifest["captures"] = [by["ecb-fx"], *aws, *faults, healthy_vast]
    (target / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return target


@pytest.fixture
def small_gcp_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sources.REGISTRY, "gcp", replace(sources.REGISTRY["gcp"], max_bytes=1024))


def state() -> dict[str, object]:
    with Warehouse(paths().db, read_only=True) as w:
        counts = {t: w.count(t) for t in ("raw_capture", "quote", "rejection", "source_run", "fixing")}
        return {**counts, "runs": sorted(w.con.execute("SELECT source, status, error FROM source_run").fetchall())}


def test_every_fault_at_once_is_recorded_and_the_rest_is_published(
    cix_home: Path, tmp_path: Path, realdata: Path, small_gcp_cap: None
) -> None:
    capture_set = chaos_set(tmp_path, realdata)
    started = time.monotonic()
    report = run(capture_set_dir=capture_set, timeout=1.0)
    assert time.monotonic() - started < 240, "the whole chaos run is bounded"
    outcome = {o.source: o for o in report.outcomes}
    reasons = {name: (o.error.reason if o.error else "") for name, o in outcome.items()}
    assert "HTTP 500" in reasons["runpod"]
    assert "HTTP 429" in reasons["openrouter"]
    assert "timed out" in reasons["vast-catalog"]
    assert "deadline" in reasons["litellm"]
    assert "transport error" in reasons["genai-prices"]
    assert "not JSON" in reasons["azure"]
    assert "exceeds cap" in reasons["gcp"]
    assert "off-host" in reasons["coreweave-page"]
    assert "off-origin" in reasons["llm-prices"] and "8443" in reasons["llm-prices"]
    assert "exponent" in reasons["aws"] and outcome["aws"].loaded_quotes > 0
    assert "HTTP 500" in reasons["primeintellect"] and len(outcome["primeintellect"].captures) == 3
    assert outcome["primeintellect"].loaded_quotes > 0
    assert outcome["vast"].error is None and outcome["vast"].loaded_quotes > 0
    assert outcome["ecb-fx"].error is None

    with Warehouse(paths().db, read_only=True) as w:
        errors = {s for (s,) in w.con.execute("SELECT source FROM source_run WHERE status = 'error'").fetchall()}
        assert errors == set(reasons) - {"vast", "ecb-fx"}
        # Error replies are kept as captures, with their status.
        statuses = w.con.execute(
            "SELECT source, http_status FROM raw_capture WHERE http_status >= 400 ORDER BY source"
        ).fetchall()
        assert statuses == [("openrouter", 429), ("primeintellect", 500), ("runpod", 500)]
        # The unreadable AWS document is one rejection row naming why; the absurd text price is a row rejection.
        drift = w.con.execute("SELECT rule, reason FROM rejection WHERE source = 'aws' AND row_no = -1").fetchall()
        assert len(drift) == 1 and drift[0][0] == "schema_drift" and "exponent" in drift[0][1]
        assert w.con.execute("SELECT count(*) FROM rejection WHERE source='aws' AND row_no >= 0").fetchone()[0] >= 1

    folder = paths().publish / report.fixing_date.isoformat()
    public = (paths().home / "keys" / "dev-ed25519.pub.pem").read_bytes()
    assert verify_publication(folder, public) == []
    for p in folder.resolve().iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == 0o644, p
    assert stat.S_IMODE(folder.resolve().stat().st_mode) == 0o755

    before = state()
    run(capture_set_dir=capture_set, timeout=1.0)
    assert state() == before, "a rerun of the same chaos creates no duplicates and the same source_run rows"
