"""What a scheduled run decides (window captured, fit to publish, which month to settle), its alerts, and the
signing-key policy of a live run. Plain functions over a real lake; the DAGs are tested in test_dag.py."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pipeline.config import paths
from pipeline.flow import airflow_tasks, alerts, operate
from pipeline.flow.dag_args import Run
from pipeline.methodology import load
from pipeline.store import Warehouse, default_lake

DAY = date(2026, 8, 3)


def test_window_attempts_and_assessment(cix_home: Path) -> None:
    m = load()
    start, end = operate.window(DAY, m)
    assert end == datetime(2026, 8, 3, 16, 0, tzinfo=UTC) and (end - start).total_seconds() == 60 * m.window_minutes
    with Warehouse(default_lake()) as w:
        w.record_source_run("aws", datetime(2026, 8, 3, 15, 15, tzinfo=UTC), "ok", None, None, 1)
        w.record_source_run("azure", datetime(2026, 8, 3, 15, 30, tzinfo=UTC), "error", "fetch", "HTTP 503", 0)
        w.record_source_run("gcp", datetime(2026, 8, 3, 14, 0, tzinfo=UTC), "ok", None, None, 1)  # before the window
        assert operate.window_captured(w, DAY, m, ["aws", "azure", "gcp"]) == ["gcp"]
        half = operate.assess(w, DAY, m, [], ["aws", "azure"], 0.5)
        assert half.ok and half.sources_ok == ["aws"]
        short = operate.assess(w, DAY, m, [], ["aws", "azure", "gcp"], 0.5)
        assert not short.ok and "quorum not met: 1 of 3" in short.problems[0]
        down = operate.assess(w, DAY, m, [], ["azure"], 0.5)
        assert not down.ok and "all 1 sources were down" in down.problems[0]


def test_settlement_period_is_the_month_of_the_day_before() -> None:
    assert operate.settlement_period(datetime(2026, 9, 1, 18, tzinfo=UTC)) == "2026-08"
    assert operate.settlement_period(datetime(2026, 9, 14, 16, 5, tzinfo=UTC)) == "2026-09"


def test_alerts_are_logged_and_appended(cix_home: Path, caplog: pytest.LogCaptureFixture) -> None:
    class DagRun:
        dag_id, run_id, logical_date = "cix_fixing", "scheduled__2026-08-03", "2026-08-03T16:00:00+00:00"

    alerts.task_failed({"dag_run": DagRun(), "exception": RuntimeError("quorum not met")})
    # In a thread of its own: another test in this worker (the browser's) may leave an event loop running here.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, alerts.deadline_missed({"dag_run": DagRun()}, deadline="16:30")).result()
    kinds = [(a["kind"], a["detail"].get("error")) for a in alerts.read_alerts()]
    assert kinds == [("fixing_run_failed", "quorum not met"), ("fixing_late", None)]
    assert sum("ALERT" in r.getMessage() for r in caplog.records if r.levelname == "ERROR") == 2


def test_a_live_publication_refuses_the_development_key(cix_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CIX_SIGNING_KEY", "CIX_SIGNING_KEY_FILE", "CIX_SIGNING_CONN_ID"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError, match="no signing key"):
        airflow_tasks.publish_day(Run("2026-08-03T16:00:00+00:00", False, None, {"dev_key": False}))
    from pipeline.flow.daily import SigningKeyRefused, run

    with pytest.raises(SigningKeyRefused, match="--dev-key"):
        run(offline=False)
    assert not (paths().home / "keys").exists(), "refused before any key was made or anything captured"


def test_migrate_copies_an_old_single_file_warehouse_once(
    cix_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import duckdb

    from pipeline.face.cli import main
    from pipeline.store import sql_text

    old = tmp_path / "cix.duckdb"
    con = duckdb.connect(str(old))
    con.execute(sql_text("schema.sql"))
    con.execute("INSERT INTO source_run VALUES ('aws', TIMESTAMPTZ '2026-08-03 15:30:00+00', 'ok', NULL, NULL, 2)")
    con.close()
    for expected in ("source_run: 1", "source_run: skipped"):  # the second run copies nothing again
        with pytest.raises(SystemExit) as done:
            main(["migrate", "--from", str(old)])
        assert done.value.code == 0
        assert expected in capsys.readouterr().out
    with Warehouse(default_lake(), read_only=True) as w:
        assert w.query("SELECT source, n_captures FROM source_run").rows() == [("aws", 2)]
