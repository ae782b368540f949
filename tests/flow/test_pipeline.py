"""The whole job offline: bundled captures -> replay on 127.0.0.1 -> DuckDB -> fixings -> files."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from pipeline.audit import verify
from pipeline.capture import CaptureSet, CaptureStore
from pipeline.config import paths
from pipeline.flow.daily import DEFAULT_SAMPLE_SET, run
from pipeline.methodology import load
from pipeline.sources import REGISTRY
from pipeline.store import Warehouse
from tests.helpers import lake_sql, one, sample_set

TABLES = ("raw_capture", "quote", "rejection", "fixing", "fixing_constituent")


def counts(db: Path) -> dict[str, int]:
    with Warehouse(db, read_only=True) as w:
        return {t: w.count(t) for t in TABLES}


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


# Indices the offline sample set settles (manifest: which real capture each figure comes from).
SETTLED = ("CIX-H100-OD", "CIX-TOK-LLAMA33-70B-OUT", "CIX-TOK-GPTOSS-120B-OUT")


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    home = tmp_path_factory.mktemp("run")
    mp = pytest.MonkeyPatch()
    mp.setenv("CIX_HOME", str(home / "home"))
    mp.setenv("CIX_PUBLISH_DIR", str(home / "publish"))
    report = run()
    yield home, report
    mp.undo()


def test_offline_run_records_every_index_and_publishes_what_it_determined(first_run) -> None:  # type: ignore[no-untyped-def]
    home, report = first_run
    assert {f.index_code for f in report.fixings} == set(load().codes)
    doc = json.loads((home / "publish" / "2026-08-03" / "fixings.json").read_text())
    by_code = {f["index_code"]: f for f in doc["fixings"]}
    assert set(by_code) == set(load().codes)
    for f in report.fixings:
        record = by_code[f.index_code]
        assert record["methodology_version"] == load().version and record["status"] == f.status
        if f.value is not None:
            assert record["value"] == format(f.value, "f")
    # The bundled set carries >= 5 independent firms for the main goods: these settle (status published).
    settled = {f["index_code"]: f for f in doc["fixings"] if f["status"] == "published"}
    assert set(SETTLED) <= set(settled)
    assert all(settled[code]["n_providers"] >= 5 and settled[code]["value"] is not None for code in SETTLED)
    withheld = [f for f in doc["fixings"] if f["status"] == "withheld"]
    assert withheld and all(f["value"] is None and f["failed_gates"] for f in withheld)
    indicative = [f for f in doc["fixings"] if f["status"] == "indicative"]
    assert all(f["value"] is not None and f["indicative_gates"] for f in indicative)
    assert (home / "publish" / "2026-08-03" / "fixings.csv").read_text().startswith("index_code,")


def test_v1_still_runs_and_publishes_beside_the_current_methodology(cix_home: Path) -> None:
    report = run(methodology_version="1")
    published = {f.index_code for f in report.fixings if f.status == "published"}
    assert {"CIX-H100-OD-HYP", "CIX-A100-80-OD-HYP", "CIX-H200-OD-HYP"} <= published
    assert any(code.startswith("CIX-TOK-") for code in published)
    doc = json.loads((cix_home / "publish" / "2026-08-03" / "methodology-v1" / "fixings.json").read_text())
    assert {f["methodology_version"] for f in doc["fixings"]} == {"1"}
    with Warehouse(paths().db, read_only=True) as w:
        assert verify(w, CaptureStore(paths().captures)).ok


# Real 2026 pages of sources the bundled set leaves out, for the reason their `no_sample_reason` gives.
LEFT_OUT = {"nebius-page": "provider-pages-2026/nebius.html", "coreweave-page": "provider-pages-2026/coreweave.html"}


@pytest.mark.parametrize("source", LEFT_OUT)
def test_a_2026_page_left_out_of_the_bundled_set_would_leave_it_no_settled_gpu_fixing(
    source: str, cix_home: Path, tmp_path: Path, realdata: Path
) -> None:
    """The reason given for leaving the page out, checked: with it, its firm's list prices join H100-OD's and the
    fixing turns indicative under the influence test (B200-OD gains a firm and is indicative all the same)."""
    reason = str(REGISTRY[source].no_sample_reason)
    assert "H100-OD" in reason and "indicative under the influence test" in reason
    folder = sample_set(tmp_path / "set")
    shutil.copyfile(realdata / LEFT_OUT[source], folder / f"{source}.html")
    manifest = json.loads((folder / "manifest.json").read_text())
    entry = {"source": source, "url": REGISTRY[source].requests[0].url, "file": f"{source}.html"}
    manifest["captures"].append({**entry, "content_type": "text/html"})
    (folder / "manifest.json").write_text(json.dumps(manifest))
    fixings = {f.index_code: f for f in run(capture_set_dir=folder).fixings}
    h100, b200 = fixings["CIX-H100-OD"], fixings["CIX-B200-OD"]
    assert (h100.status, h100.n_providers) == ("indicative", 5 if source == "coreweave-page" else 6)
    assert "influence" in h100.gates and (b200.status, b200.n_providers) == ("indicative", 5)


def test_every_source_loaded_and_every_row_accounted_for(first_run) -> None:  # type: ignore[no-untyped-def]
    home, report = first_run
    for outcome in report.outcomes:
        assert outcome.error is None, outcome.error
        assert outcome.loaded_quotes + outcome.rejections > 0
    with Warehouse(home / "home" / "lake.sqlite", read_only=True) as w:
        per_source = w.query("SELECT source, count(*) AS n FROM quote GROUP BY source")
        price_sources = set(CaptureSet.load(DEFAULT_SAMPLE_SET).sources()) - {"ecb-fx"}
        assert set(per_source["source"]) == price_sources
        # The reference rates were stored, dated, for converting non-USD prices.
        assert one(w, "SELECT count(*) FROM fx_rate WHERE currency = 'EUR' AND usd_per_unit > 1") == (1,)
        assert one(w, "SELECT count(*) FROM quote WHERE price_usd <= 0") == (0,)
        assert one(w, "SELECT count(*) FROM batch_check WHERE NOT success") == (0,)


def test_raw_captures_are_kept_unmodified(first_run) -> None:  # type: ignore[no-untyped-def]
    home, _ = first_run
    store = CaptureStore(home / "home" / "captures")
    capture_set = CaptureSet.load(DEFAULT_SAMPLE_SET)
    with Warehouse(home / "home" / "lake.sqlite", read_only=True) as w:
        rows = w.query("SELECT capture_id, source, url FROM raw_capture")
    assert rows.height == len(capture_set.entries)
    for e in capture_set.entries:
        body = e.file.read_bytes()
        sha = hashlib.sha256(body).hexdigest()
        assert store.get(sha) == body
        assert sha in set(rows["capture_id"])


def test_second_run_is_idempotent_and_byte_identical(first_run) -> None:  # type: ignore[no-untyped-def]
    home, _ = first_run
    db = home / "home" / "lake.sqlite"
    folder = home / "publish" / "2026-08-03"
    before, files_before = counts(db), digests(folder)
    run()
    assert counts(db) == before
    assert digests(folder) == files_before
    # ... and every fixing still reproduces from what was known when it was recorded.
    with Warehouse(db, read_only=True) as w:
        report = verify(w, CaptureStore(paths().captures))
    assert report.ok, report.problems[:3]


def test_every_table_and_column_has_a_comment(first_run) -> None:  # type: ignore[no-untyped-def]
    home, _ = first_run
    con = lake_sql(home / "home" / "lake.sqlite", read_only=True)
    here = "database_name = current_database()"  # the process may have other lakes (and their catalogs) attached
    tables = con.execute(f"SELECT table_name, comment FROM duckdb_tables() WHERE NOT internal AND {here}").fetchall()
    assert {t for t, _ in tables} >= set(TABLES)
    assert all(c for _, c in tables), tables
    missing = con.execute(
        f"SELECT table_name, column_name FROM duckdb_columns() WHERE NOT internal AND comment IS NULL AND {here} "
        f"AND table_name IN (SELECT table_name FROM duckdb_tables() WHERE {here})"
    ).fetchall()
    assert missing == []
    con.close()


def test_a_failing_batch_is_recorded_and_not_loaded_while_others_load(cix_home: Path, tmp_path: Path) -> None:
    # Bad rows are rejected one by one in normalisation; the gate is for a broken batch, e.g. a
    # parser regression that emits every row twice. That batch must be stopped and recorded.
    broken = tmp_path / "set"
    shutil.copytree(DEFAULT_SAMPLE_SET, broken)
    from pipeline import sources
    from pipeline.domain.records import RawCapture

    original = sources.REGISTRY["runpod"]

    def duplicate_rows(capture: RawCapture):  # type: ignore[no-untyped-def]
        import polars as pl

        frame = original.parse(capture)
        return pl.concat([frame, frame])  # same row numbers twice: the uniqueness expectation fails

    from dataclasses import replace

    sources.REGISTRY["runpod"] = replace(original, parse=duplicate_rows)
    try:
        report = run(capture_set_dir=broken)
    finally:
        sources.REGISTRY["runpod"] = original
    by_source = {o.source: o for o in report.outcomes}
    assert by_source["runpod"].gate_failures and by_source["runpod"].loaded_quotes == 0
    assert by_source["aws"].loaded_quotes > 0
    with Warehouse(paths().db, read_only=True) as w:
        assert one(w, "SELECT count(*) FROM quote WHERE source = 'runpod'") == (0,)
        assert one(w, "SELECT count(*) FROM raw_capture WHERE source = 'runpod'") == (1,)
        row = one(w, "SELECT success, failures FROM batch_check WHERE source = 'runpod'")
        assert row is not None and row[0] is False
        assert "expect_compound_columns_to_be_unique" in row[1]
        assert one(w, "SELECT error_kind FROM source_run WHERE source = 'runpod' AND status = 'error'") == (
            "quality_gate",
        )


def test_a_gate_result_replaces_an_earlier_failure_and_never_a_pass(tmp_path: Path) -> None:
    """`verify` recomputes each fixing from the quotes known then, and a batch's quotes became known at its first
    passing check: so a later result (a re-run, a retried load) never replaces a pass, and does replace a failure."""
    from datetime import UTC, datetime, timedelta

    from pipeline.domain.records import RawCapture

    def capture(n: int) -> RawCapture:
        return RawCapture(
            "runpod", f"https://api.runpod.io/graphql?{n}", datetime(2026, 8, 3, 15, 30, tzinfo=UTC), b"[%d]" % n
        )

    failed, passed, fresh = capture(1), capture(2), capture(3)
    first, later = (
        datetime(2026, 8, 3, 15, 31, tzinfo=UTC),
        datetime(2026, 8, 3, 15, 31, tzinfo=UTC) + timedelta(hours=1),
    )
    broken = [{"expectation": "expect_compound_columns_to_be_unique"}]
    with Warehouse(tmp_path / "lake.sqlite") as w:
        w.record_checks([(failed, "s", False, 3, broken), (passed, "s", True, 2, [])], first)
        w.record_checks(
            [
                (failed, "s", True, 3, []),
                (passed, "s", False, 2, broken),
                (fresh, "s", True, 1, []),
                (fresh, "s", False, 1, broken),
            ],
            later,
        )
        rows = w.query("SELECT capture_id, success, failures, checked_at FROM batch_check ORDER BY capture_id").rows()
    assert [(c, ok, at) for c, ok, _, at in rows] == sorted(
        [(failed.capture_id, True, later), (passed.capture_id, True, first), (fresh.capture_id, True, later)]
    )
    assert all(json.loads(f) == [] for _, _, f, _ in rows)


def test_prices_in_euros_are_converted_with_the_rates_in_force_on_their_own_day(tmp_path: Path) -> None:
    """One ingest over many captures stores the reference rates first, then converts each price with the rates in
    force on the day it was observed (read once for the run): the ECB's Friday rates serve Monday's page; a page
    observed more than MAX_AGE_DAYS after them has no rate, and its prices are rejected, never converted."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from pipeline.domain.records import RawCapture
    from pipeline.flow.ingest import SourceOutcome, ingest_all

    ecb = RawCapture(
        "ecb-fx",
        "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml",
        datetime(2026, 8, 3, 15, 30, tzinfo=UTC),
        (DEFAULT_SAMPLE_SET / "ecb-eurofxref-daily.xml").read_bytes(),
        content_type="text/xml",
    )
    euros = (DEFAULT_SAMPLE_SET / "crusoe-page.html").read_bytes().replace(b"$", "\u20ac".encode())
    url = "https://www.crusoe.ai/cloud/pricing"
    monday, next_week = (
        RawCapture("crusoe-page", url, datetime(2026, 8, d, 15, 30, tzinfo=UTC), euros) for d in (3, 10)
    )
    with Warehouse(tmp_path / "lake.sqlite") as w:
        outcomes = [SourceOutcome("crusoe-page", [monday, next_week]), SourceOutcome("ecb-fx", [ecb])]
        ingest_all(outcomes, w, load(), ingested_at=datetime(2026, 8, 10, 16, tzinfo=UTC))
        quotes = w.query("SELECT good, currency, price_native, fx_rate, price_usd, fetched_at FROM quote").rows()
        no_rate = w.query(
            "SELECT count(*) FROM rejection WHERE rule = 'no_fx_rate' AND fetched_at = ?", [next_week.fetched_at]
        )
    assert quotes and {q[5] for q in quotes} == {monday.fetched_at}, "only Monday's prices have a rate"
    h200 = next(q for q in quotes if q[0] == "H200-SXM-141GB")
    assert h200[1:5] == ("EUR", Decimal("4.29"), Decimal("1.1702"), Decimal("4.29") * Decimal("1.1702"))
    assert no_rate.item() == len(quotes)


HOLDER = """
import sys, time
from datetime import UTC, datetime
from pathlib import Path
from pipeline.store import Warehouse
w = Warehouse(Path(sys.argv[1]))

def slow_load(con):
    con.execute("INSERT INTO source_run VALUES ('holder', now(), 'ok', NULL, NULL, 0)")
    print("holding", flush=True)
    time.sleep(2)

w.write(slow_load)
print("committed", flush=True)
"""


def test_a_writer_never_waits_for_another_process_writing(tmp_path: Path) -> None:
    """The single-file DuckDB made a second process wait for the file lock; the lake lets both write at once (the
    one whose commit loses the race runs its transaction again)."""
    import subprocess
    import sys
    import time
    from datetime import UTC, datetime

    db = tmp_path / "lake.sqlite"
    Warehouse(db).close()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "holding"
    started = time.monotonic()
    with Warehouse(db) as w:  # the other process is inside an open write transaction
        w.record_source_run("here", datetime.now(UTC), "ok", None, None, 0)
        assert one(w, "SELECT count(*) FROM source_run") == (1,)  # its uncommitted row is not seen
    with Warehouse(db, read_only=True) as r:
        assert r.count("source_run") == 1
    assert time.monotonic() - started < 1.5, "neither the writer nor the reader waited for the other transaction"
    rest = holder.stdout.read().split()  # its commit lost the race with ours: it ran again, then committed
    assert holder.wait(timeout=30) == 0 and rest[-1] == "committed", rest
    with Warehouse(db, read_only=True) as w:
        assert sorted(r[0] for r in w.query("SELECT source FROM source_run").rows()) == ["here", "holder"]


def test_the_quality_gate_is_a_persisted_gx_project_with_data_docs(first_run) -> None:  # type: ignore[no-untyped-def]
    """The run decided in polars; Great Expectations' record of the same suites over what was stored, afterwards."""
    import logging

    from pipeline.flow.gx_record import record_with_gx
    from pipeline.quality import data_docs_index

    home, _ = first_run
    with Warehouse(home / "home" / "lake.sqlite", read_only=True) as w:
        record = record_with_gx(w, load())
        checks = w.query("SELECT suite, bool_and(success) AS ok, sum(n_rows) AS n FROM batch_check GROUP BY 1")
        batches = w.count("batch_check")
    assert record.ok and record.batches == batches and record.failed_at_run == 0
    gx = home / "home" / "gx"
    suites = sorted(p.stem for p in (gx / "expectations").glob("*.json"))
    assert [s.split("_v")[0] for s in suites] == ["quote_batch_gpu_hour", "quote_batch_tokens"]
    assert sorted(p.stem for p in (gx / "checkpoints").glob("*.json")) == [f"{s}_gate" for s in suites]
    assert record.data_docs == data_docs_index() and data_docs_index().read_text().count("quote_batch") >= 2
    assert set(checks["suite"]) == set(suites) and all(checks["ok"])  # the gate's suites are GX's suites
    assert record.rows == checks["n"].sum() and record.disagreements == []  # GX's own verdict on them is a pass
    assert logging.getLogger("great_expectations").getEffectiveLevel() >= logging.WARNING  # its INFO noise is off
