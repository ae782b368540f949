"""Governance (methodology v3): four-eyes restatements recorded with who and why; verify tells a code change from
tampering; methodology versions state who proposed and approved them; blends follow their legs."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pipeline.audit import quotes_from_jsonl, simulate, verify
from pipeline.capture import CaptureStore
from pipeline.config import paths
from pipeline.flow.administer import GovernanceError, approve_restatement, propose_restatement
from pipeline.methodology import available, document, load
from pipeline.store import Warehouse
from tests.helpers import BundledRun, cix, lake_sql

DAY = datetime(2026, 8, 3, tzinfo=UTC).date()
BIN = Path(sys.executable).parent


@pytest.fixture
def ran(cix_home: Path, bundled_run: BundledRun) -> Path:
    return bundled_run(cix_home, None)


def test_a_restatement_needs_a_second_identity_and_records_both(ran: Path) -> None:
    index = "CIX-TOK-GPTOSS-120B-OUT"
    now = datetime.now(UTC)
    with Warehouse(paths().db) as w:
        before = w.fixings(DAY, code=index).row(0, named=True)
        proposal = propose_restatement(index, DAY, "late capture of a provider", "alice", w, recorded_at=now)
        assert w.fixings(DAY, code=index).row(0, named=True)["revision"] == before["revision"], "nothing changes yet"
        with pytest.raises(GovernanceError, match="four eyes"):
            approve_restatement(proposal["event_id"], "alice", w, paths().publish, recorded_at=now)
    approved = cix("approve", proposal["event_id"], "--by", "bob")
    assert approved.returncode == 0, approved.stderr
    assert "proposed by alice, approved by bob" in approved.stdout
    again = cix("approve", proposal["event_id"], "--by", "carol")
    assert again.returncode == 1 and "already been approved" in again.stderr
    with Warehouse(paths().db, read_only=True) as w:
        history = w.revisions(index, DAY, load().version)
        events = w.events()
    assert history.height == 2 and proposal["event_id"] in history["reason"][-1]
    # approving republishes the day with a restatement notice
    notice = json.loads((paths().publish / DAY.isoformat() / "restatements.json").read_text())
    assert [r["index_code"] for r in notice["restatements"]] == [index], "only the restated index is listed"
    assert [r["revision"] for r in notice["restatements"][0]["revisions"]] == history["revision"].to_list()
    assert events["kind"].to_list() == ["restatement_proposed", "restatement_approved"]
    approval = events.row(1, named=True)
    assert (approval["proposed_by"], approval["approved_by"], approval["refers_to"]) == (
        "alice",
        "bob",
        proposal["event_id"],
    )
    listed = [json.loads(line) for line in cix("governance").stdout.splitlines()]
    assert [e["kind"] for e in listed] == ["restatement_proposed", "restatement_approved"]
    assert cix("verify").returncode == 0


def test_a_proposal_for_an_unknown_index_or_without_identity_is_refused(ran: Path) -> None:
    out = cix("restate", "CIX-NOPE", "2026-08-03", "--reason", "x", "--by", "alice")
    assert out.returncode == 2 and "CIX-NOPE" in out.stderr  # 2: a usage error (tests/face/test_cli_errors.py)
    out = cix("restate", "CIX-H100-OD", "2026-08-03", "--reason", "x", "--by", " ")
    assert out.returncode == 2 and "identity" in out.stderr


def test_verify_tells_a_code_change_from_tampering(ran: Path) -> None:
    con = lake_sql(paths().db)
    # A parser version that is no longer shipped: the stored quotes stand, reported as a code change.
    con.execute("UPDATE quote SET parser_version = '0' WHERE source = 'aws'")
    con.execute("UPDATE rejection SET parser_version = '0' WHERE source = 'aws'")
    con.close()
    with Warehouse(paths().db, read_only=True) as w:
        report = verify(w, CaptureStore(paths().captures))
    assert report.ok, report.problems
    assert any("aws" in note and "retired" in note for note in report.code_changes)
    # The same parser version and a different stored price: tampering.
    con = lake_sql(paths().db)
    con.execute("UPDATE quote SET price_usd = price_usd * 2 WHERE source = 'runpod'")
    con.close()
    with Warehouse(paths().db, read_only=True) as w:
        report = verify(w, CaptureStore(paths().captures))
    assert not report.ok and any("quote runpod" in p for p in report.problems)


def test_verify_checks_the_fx_capture_too(ran: Path) -> None:
    con = lake_sql(paths().db)
    con.execute("UPDATE fx_rate SET usd_per_unit = usd_per_unit * 1.01 WHERE currency = 'EUR'")
    con.close()
    out = cix("verify")
    assert out.returncode == 1 and "fx capture ecb-fx" in out.stderr


def test_verify_names_a_rate_the_capture_lacks_a_capture_of_no_known_source_and_a_fixing_of_no_methodology(
    ran: Path,
) -> None:
    con = lake_sql(paths().db)
    con.execute("INSERT INTO fx_rate SELECT * REPLACE ('XTS' AS currency) FROM fx_rate WHERE currency = 'EUR'")
    con.execute("INSERT INTO raw_capture SELECT * REPLACE ('retired-feed' AS source) FROM raw_capture LIMIT 1")
    con.execute("UPDATE fixing SET methodology_version = '9' WHERE index_code = 'CIX-H100-OD'")
    con.close()
    with Warehouse(paths().db, read_only=True) as w:
        report = verify(w, CaptureStore(paths().captures))
    assert not report.ok
    wanted = [
        ("fx capture ecb-fx", "stored rates not in it (XTS "),  # named, not told as a changed rate
        ("capture retired-feed", "unknown source"),
        ("fixing CIX-H100-OD 2026-08-03 v9", "methodology version or index definition not found"),
    ]
    for start, words in wanted:
        assert any(p.startswith(start) and words in p for p in report.problems), (start, report.problems)
    assert not any("differ" in p for p in report.problems), "no stored rate was changed"


def test_every_methodology_after_v1_records_who_proposed_and_approved_it() -> None:
    for version in available():
        doc = document(version)
        if version in ("1", "2"):
            continue  # predate the change procedure (docs/governance.md)
        g = doc["governance"]
        assert g["proposed_by"] and g["approved_by"] and g["proposed_by"] != g["approved_by"]
        assert g["notice_published"] < g["effective"]


def _tokens(tmp_path: Path, unit: str, prices: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "provider": p,
            "product": "tokens",
            "good": "gpt-oss-120b",
            "unit": unit,
            "price_usd": v,
            "observed_at": "2026-08-03T15:30:00Z",
        }
        for p, v in prices.items()
    ]


def test_a_blend_is_three_to_one_of_its_published_legs_and_withheld_with_them(tmp_path: Path) -> None:
    inputs = {"together_ai": "0.15", "fireworks_ai": "0.14", "deepinfra": "0.12", "groq": "0.16", "cerebras": "0.18"}
    outputs = {"together_ai": "0.60", "fireworks_ai": "0.60", "deepinfra": "0.45", "groq": "0.75", "cerebras": "0.69"}
    path = tmp_path / "q.jsonl"
    rows = _tokens(tmp_path, "mtok_input", inputs) + _tokens(tmp_path, "mtok_output", outputs)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    at = datetime(2026, 8, 3, 16, tzinfo=UTC)
    legs = {u: simulate(f"CIX-TOK-GPTOSS-120B-{u}", quotes_from_jsonl(path), at) for u in ("IN", "OUT")}
    blend = simulate("CIX-TOK-GPTOSS-120B", quotes_from_jsonl(path), at)
    expected = (3 * Decimal(legs["IN"]["value"]) + Decimal(legs["OUT"]["value"])) / 4
    assert Decimal(blend["value"]) == expected.quantize(Decimal("0.0001"))
    assert blend["status"] == (
        "indicative" if "indicative" in {legs["IN"]["status"], legs["OUT"]["status"]} else "published"
    )
    path.write_text(
        "".join(
            json.dumps(r) + "\n"
            for r in _tokens(tmp_path, "mtok_input", dict(list(inputs.items())[:2]))
            + _tokens(tmp_path, "mtok_output", outputs)
        )
    )
    blend = simulate("CIX-TOK-GPTOSS-120B", quotes_from_jsonl(path), at)
    assert blend["status"] == "withheld" and blend["failed_gates"] == ["leg_withheld:CIX-TOK-GPTOSS-120B-IN"]


def test_every_current_parser_rules_and_register_version_is_in_the_judgement_log() -> None:
    from importlib import resources

    from pipeline.normalize.identity import RULES_VERSION
    from pipeline.sources import REGISTRY

    log = json.loads(resources.files("pipeline.methodology").joinpath("judgements.json").read_text())
    logged = {(e["kind"], e["subject"], e["version"]) for e in log["entries"]}
    for name, source in REGISTRY.items():
        assert ("parser", name, source.parser_version) in logged, f"{name} parser v{source.parser_version}"
    assert ("rules", "identity and segment rules", RULES_VERSION) in logged
    assert ("register", "provider register", load().register_version) in logged
    for e in log["entries"]:
        assert e["proposed_by"] and e["approved_by"] and e["proposed_by"] != e["approved_by"] and e["reason"]
        assert date.fromisoformat(e["date"]) <= datetime.now(UTC).date(), f"{e['subject']} is dated ahead"


def test_quotes_stored_under_identity_rules_v2_stand_when_rules_v3_reads_them_differently(
    real_capture: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Oracle's generation-named parts (E3, E4, Standard - X7) were quotes without a good under rules v2 and are
    identity rejections under v3: a warehouse loaded under v2 verifies, the change reported, its quotes standing."""
    import importlib
    import re

    from pipeline.flow.ingest import gate_and_load_all
    from pipeline.flow.parse import parse_capture
    from pipeline.normalize.identity import RULES_VERSION

    normalise_module = importlib.import_module("pipeline.normalize.normalise")  # the module, not its function

    m = load()
    capture = real_capture("oracle", "provider-pages-2026/oracle.json")
    store = CaptureStore(tmp_path / "captures")
    caches = (normalise_module.identity_of, normalise_module._plan)  # both hold what the rules decided
    try:
        with monkeypatch.context() as as_v2:  # rules v2: every label a GPU model, recorded as rules version 2
            as_v2.setattr(normalise_module, "_GPU_MODEL", re.compile(""))
            as_v2.setattr(normalise_module, "RULES_VERSION", "2")
            for cached in caches:
                cached.cache_clear()
            quotes, rejections = parse_capture(capture, m.bounds, {})
    finally:
        for cached in caches:
            cached.cache_clear()
    assert {"E3", "E4", "Standard - X7"} <= set(quotes["label"]) and set(quotes["rules_version"]) == {"2"}
    with Warehouse(tmp_path / "lake.sqlite") as w:
        w.record_captures([(capture, store.put(capture))], None)
        assert gate_and_load_all([(capture, quotes, rejections)], w, m, ingested_at=datetime.now(UTC))[0] == []
        report = verify(w, store)
        assert report.ok, report.problems
        assert any(f"identity rules changed (2 -> {RULES_VERSION})" in note for note in report.code_changes)
        assert {"E3", "E4"} <= set(w.quotes_of_captures([capture.capture_id])["label"])  # the stored quotes stand
