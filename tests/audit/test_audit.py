"""Settlement-grade audit trail: explain, verify, bitemporal revisions, coexisting methodologies, simulate."""

from __future__ import annotations

import json
import shutil
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.audit import explain, quotes_from_jsonl, simulate, verify
from pipeline.capture import CaptureSet, CaptureStore
from pipeline.config import paths
from pipeline.face.explained import render_explain
from pipeline.flow.daily import DEFAULT_SAMPLE_SET, fix, run
from pipeline.index.fixing import fixing_time
from pipeline.methodology import load
from pipeline.store import Warehouse
from tests.helpers import BundledRun, cix, lake_sql, one

DAY = date(2026, 8, 3)
BIN = Path(sys.executable).parent


V1 = load("1")  # these tests pin the audit trail of the frozen v1 on the bundled sample set


@pytest.fixture
def ran(cix_home: Path, bundled_run: BundledRun) -> Path:
    return bundled_run(cix_home, "1")


def test_explain_reconciles_for_every_published_index_of_the_day(ran: Path) -> None:
    with Warehouse(paths().db, read_only=True) as w:
        published = w.fixings(DAY).filter(w.fixings(DAY)["status"] == "published")
        assert published.height >= 3
        for row in published.iter_rows(named=True):
            doc = explain(w, row["index_code"], DAY)
            a = doc["arithmetic"]
            assert a["reconciles"] is True, row["index_code"]
            assert Decimal(a["published"]) == row["value"]
            counted = [p for p in doc["providers"] if p["verdict"] == "counted"]
            assert len(counted) == row["n_providers"]
            assert all(p["quotes"] for p in counted), "every counted provider shows its quotes"
            assert doc["captures"], "and the captures they came from"
    out = cix("explain", "CIX-H100-OD-HYP", "2026-08-03", "--methodology", "1")
    assert out.returncode == 0 and "reconciles" in out.stdout and "sha256" in out.stdout


def test_explain_lists_rejections_and_screened_providers(ran: Path) -> None:
    with Warehouse(paths().db, read_only=True) as w:
        doc = explain(w, "CIX-H100-OD-HYP", DAY)
    # Azure's Windows meters for ND96isr H100 v5 are rejected listings of this very good.
    windows = [r for r in doc["rejections_for_this_good"] if "Windows" in r["reason"]]
    assert windows and doc["rejections_since"] == "2026-08-02T16:00:00Z", "the look-back a quote may come from"
    # The text shows a listing rejected alike in several snapshots once, with its count; the JSON keeps each one.
    alike = sum(r == windows[0] for r in doc["rejections_for_this_good"])
    doc["rejections_for_this_good"] += [windows[0]] * 2
    w = windows[0]
    listing = f"{w['source']}/{w['provider']} {w['sku']} {w['unit']} {w['price_native']}"
    lines = [x for x in render_explain(doc).splitlines() if x.startswith(f"   {listing} ")]
    assert lines == [f"   {listing} x{alike + 2}: [{w['rule']}] {w['reason']}"]
    assert f"since 2026-08-02T16:00:00Z ({len(doc['rejections_for_this_good'])})" in render_explain(doc)


def test_verify_passes_then_catches_a_tampered_capture_and_a_tampered_fixing(ran: Path) -> None:
    with Warehouse(paths().db, read_only=True) as w:
        report = verify(w, CaptureStore(paths().captures))
    assert report.ok, report.problems
    captures = CaptureSet.load(DEFAULT_SAMPLE_SET).entries
    assert report.checked_fixings >= 33 and report.checked_captures == len(captures)  # every capture, FX too
    assert cix("verify").returncode == 0

    con = lake_sql(paths().db)
    con.execute("UPDATE fixing SET value = value + 0.0001 WHERE index_code = 'CIX-A100-80-OD-HYP'")
    con.close()
    out = cix("verify")
    assert out.returncode == 1
    assert "CIX-A100-80-OD-HYP" in out.stderr and "value" in out.stderr

    with Warehouse(paths().db, read_only=True) as w:
        capture_id = one(w, "SELECT capture_id FROM raw_capture WHERE source = 'azure'")[0]
    body = paths().captures / capture_id[:2] / capture_id
    body.chmod(0o644)
    body.write_bytes(body.read_bytes().replace(b"98.32", b"58.32"))
    out = cix("verify")
    assert out.returncode == 1
    assert capture_id in out.stderr and "altered" in out.stderr


def test_a_tampered_quote_row_is_named(ran: Path) -> None:
    con = lake_sql(paths().db)
    con.execute("UPDATE quote SET price_usd = price_usd * 2 WHERE source = 'runpod' AND row_no = 3")
    con.close()
    out = cix("verify")
    assert out.returncode == 1
    assert "quote runpod" in out.stderr and "row 3" in out.stderr


def _edited_set(tmp: Path, old: bytes, new: bytes) -> Path:
    target = tmp / "edited-set"
    shutil.copytree(DEFAULT_SAMPLE_SET, target)
    for name in ("aws-us-east-1.json", "aws-us-west-2.json"):
        path = target / name
        path.write_bytes(path.read_bytes().replace(old, new))
    return target


def test_a_correction_is_a_new_revision_and_as_of_returns_what_was_known(ran: Path, tmp_path: Path) -> None:
    with Warehouse(paths().db, read_only=True) as w:
        first = w.fixings(DAY, code="CIX-H100-OD-HYP").row(0, named=True)
    between = datetime.now(UTC)
    # Later the same day a second snapshot shows AWS's p5 price up ~27%: the provider's value becomes
    # the median of its two window snapshots and the fixing moves by more than 0.5 %.
    run(
        capture_set_dir=_edited_set(tmp_path, b'"55.0400000000"', b'"70.0000000000"'),
        at=datetime(2026, 8, 3, 15, 45, tzinfo=UTC),
        methodology_version="1",
    )
    with Warehouse(paths().db, read_only=True) as w:
        now = w.fixings(DAY, code="CIX-H100-OD-HYP").row(0, named=True)
        history = w.revisions("CIX-H100-OD-HYP", DAY)
        before = w.fixings(DAY, as_of=between, code="CIX-H100-OD-HYP").row(0, named=True)
    assert now["revision"] == 2 and now["value"] != first["value"]
    assert now["reason"].startswith("correction:")
    assert history["revision"].to_list() == [1, 2]
    assert before["revision"] == 1 and before["value"] == first["value"]
    out = cix("as-of", "CIX-H100-OD-HYP", "2026-08-03", between.isoformat(), "--methodology", "1")
    assert Decimal(json.loads(out.stdout)["value"]) == first["value"]
    assert "correction" in cix("revisions", "CIX-H100-OD-HYP", "2026-08-03").stdout
    # The publication was republished with the new revision (v1 is published beside the current methodology).
    doc = json.loads((paths().publish / "2026-08-03" / "methodology-v1" / "fixings.json").read_text())
    rec = next(f for f in doc["fixings"] if f["index_code"] == "CIX-H100-OD-HYP")
    assert rec["revision"] == 2 and Decimal(rec["value"]) == now["value"]
    # Every revision still reproduces from the captures known when it was recorded.
    with Warehouse(paths().db, read_only=True) as w:
        report = verify(w, CaptureStore(paths().captures))
    assert report.ok, report.problems


def test_a_change_within_the_threshold_is_kept_but_not_republished(ran: Path, tmp_path: Path) -> None:
    # p5.4xlarge 6.88 -> 6.89 moves AWS's median by a cent: well inside 0.5 % of the fixing.
    run(
        capture_set_dir=_edited_set(tmp_path, b'"6.8800000000"', b'"6.8900000000"'),
        at=datetime(2026, 8, 3, 15, 45, tzinfo=UTC),
        methodology_version="1",
    )
    with Warehouse(paths().db, read_only=True) as w:
        history = w.revisions("CIX-H100-OD-HYP", DAY)
        current = w.fixings(DAY, code="CIX-H100-OD-HYP").row(0, named=True)
    if history.height == 1:
        pytest.fail("the recomputation should have been recorded for the audit trail")
    assert history["status"].to_list() == ["published", "not_republished"]
    assert current["revision"] == 1


def test_methodology_versions_coexist(ran: Path) -> None:
    v1, v2 = load("1"), load("2")
    assert v1.estimator != v2.estimator
    with Warehouse(paths().db) as w:
        before = w.fixings(DAY, version="1")
        fix(DAY, w, v2, recorded_at=datetime.now(UTC))
        after = w.fixings(DAY, version="1")
        assert before.equals(after)
        assert w.fixings(DAY, version="2").height == len(v2.indices)
        report = verify(w, CaptureStore(paths().captures))
    assert report.ok, report.problems


def test_stale_providers_are_excluded_and_recorded(cix_home: Path) -> None:
    # Captures stamped 30 hours before the next day's fixing: older than the 24 h maximum age.
    run(at=datetime(2026, 8, 3, 10, 0, tzinfo=UTC), methodology_version="1")
    with Warehouse(paths().db) as w:
        [f] = fix(date(2026, 8, 4), w, V1, recorded_at=datetime.now(UTC), codes=["CIX-H100-OD-HYP"])
        assert f.status == "withheld" and {s.provider for s in f.stale} == {"aws", "azure", "gcp"}
        stale = w.query(
            "SELECT provider, excluded_by FROM fixing_constituent WHERE fixing_date = DATE '2026-08-04' "
            "AND index_code = 'CIX-H100-OD-HYP'"
        )
    assert set(stale["excluded_by"]) == {"stale"}


def _market(tmp: Path, prices: dict[str, str], at: datetime) -> Path:
    lines = [
        json.dumps(
            {
                "source": "risk-desk",
                "provider": p,
                "sku": "h100",
                "product": "gpu_hour",
                "good": "H100-SXM-80GB",
                "pricing_type": "on_demand",
                "region": None,
                "gpu_count": 1,
                "unit": "gpu_hour",
                "price_usd": v,
                "currency": "USD",
                "observed_at": (at - timedelta(minutes=20)).isoformat(),
                "provider_class": "neocloud",
            }
        )
        for p, v in prices.items()
    ]
    path = tmp / "market.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("factor", ["0.001", "0.2", "0.5", "2", "5", "1000"])
def test_simulate_one_provider_pushed_to_extremes_stays_within_the_bound(tmp_path: Path, factor: str) -> None:
    at = fixing_time(DAY, V1)
    honest = {"lambda": "2.49", "crusoe": "2.65", "nebius": "2.95", "coreweave": "3.10", "runpod": "2.69"}
    base = simulate("CIX-H100-OD", quotes_from_jsonl(_market(tmp_path, honest, at)), at, "1")
    pushed = {**honest, "runpod": str(Decimal("2.69") * Decimal(factor))}
    out = cix(
        "simulate",
        "CIX-H100-OD",
        "--quotes",
        str(_market(tmp_path, pushed, at)),
        "--at",
        at.isoformat(),
        "--methodology",
        "1",
    )
    doc = json.loads(out.stdout)
    others = [Decimal(v) for p, v in honest.items() if p != "runpod"]
    assert base["status"] == doc["status"] == "published"
    assert min(others) <= Decimal(doc["value"]) <= max(others)
    assert abs(Decimal(doc["value"]) - Decimal(base["value"])) <= max(others) - min(others)
    assert {p["provider"] for p in doc["providers"]} == set(honest)
    assert all("weight" in p and "verdict" in p for p in doc["providers"])


def test_simulate_with_two_providers_is_withheld(tmp_path: Path) -> None:
    at = fixing_time(DAY, V1)
    path = _market(tmp_path, {"lambda": "2.49", "crusoe": "2.65"}, at)
    doc = json.loads(cix("simulate", "CIX-H100-OD", "--quotes", str(path), "--at", at.isoformat()).stdout)
    assert doc["status"] == "withheld" and doc["value"] is None
    assert doc["gates"]["failed"] == ["min_providers"]


def test_first_party_rate_card_basket_one_vote_per_maker(tmp_path: Path, realdata: Path) -> None:
    parsed = cix(
        "parse",
        "litellm",
        str(realdata / "litellm/model_prices_and_context_window.json"),
        "--at",
        "2026-08-03T15:30:00Z",
    )
    quotes = tmp_path / "litellm.jsonl"
    quotes.write_text(parsed.stdout)
    doc = json.loads(
        cix("simulate", "CIX-TOK-BASKET-FRONTIER", "--quotes", str(quotes), "--at", "2026-08-03T16:00:00Z").stdout
    )
    # Three makers, three different goods: their equal-weight mean, never better than indicative under v3.
    assert doc["status"] == "indicative" and "rate_card_basket" in doc["flags"]
    assert doc["indicative_gates"] == ["rate_card_basket"]
    values = {p["provider"]: Decimal(p["value"]) for p in doc["providers"]}
    assert Decimal(doc["value"]) == (sum(values.values()) / 3).quantize(Decimal("0.0001"))
    assert set(values) == {"openai", "anthropic", "google"}  # resellers (azure, bedrock, vertex) are not makers
    # Anthropic's Sonnet 4.5 at 3 / 15 USD per Mtok: 3:1 blend = (3*3 + 15) / 4 = 6.
    assert values["anthropic"] == Decimal(6)
