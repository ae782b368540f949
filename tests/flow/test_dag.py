"""Airflow: the DAGs import cleanly and light, and real `dag.test()` runs fill the lake and publish (or fail loudly).

Each check runs in a fresh interpreter with its own AIRFLOW_HOME (SQLite metadata DB
created by `airflow db migrate`), so Airflow's import-time configuration cannot leak
between tests.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pipeline.publish import verify_publication
from pipeline.publish.signing import SigningKey
from pipeline.settle import contracts
from tests.helpers import REPO, lake_sql, sample_set

DAGS = REPO / "dags"
BIN = Path(sys.executable).parent
HEAVY = ("polars", "duckdb", "great_expectations", "pandas", "pyarrow")


def airflow_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(
        AIRFLOW_HOME=str(tmp / "airflow"),
        AIRFLOW__CORE__DAGS_FOLDER=str(DAGS),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        CIX_HOME=str(tmp / "cix"),
        CIX_PUBLISH_DIR=str(tmp / "publish"),
        GX_ANALYTICS_ENABLED="False",
        CIX_FIXING_DEADLINE_MINUTES="0",  # dag.test cannot finish a run of a DAG with a deadline (Airflow 3.3)
        CIX_CAPTURE_RETRIES="0",
    )
    return env


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("airflow")
    env = airflow_env(tmp)
    subprocess.run([str(BIN / "airflow"), "db", "migrate"], env=env, check=True, capture_output=True)
    return env


@pytest.mark.parametrize("dag_file", sorted(p.name for p in DAGS.glob("*.py")))
def test_dag_file_imports_no_heavy_library(dag_file: str, migrated: dict[str, str]) -> None:
    code = (
        "import runpy, sys, json\n"
        f"runpy.run_path({str(DAGS / dag_file)!r})\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=migrated, check=True, capture_output=True, text=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_dagbag_has_the_four_dags_as_an_airflow_user_expects(migrated: dict[str, str]) -> None:
    code = (
        "import json\n"
        "from airflow.dag_processing.dagbag import DagBag\n"
        f"bag = DagBag(dag_folder={str(DAGS)!r})\n"
        "c, f = bag.dags['cix_capture'], bag.dags['cix_fixing']\n"
        "cap = c.get_task('capture')\n"
        "print(json.dumps({'errors': {k: str(v) for k, v in bag.import_errors.items()}, 'dags': sorted(bag.dags),\n"
        "  'docs': all(d.doc_md for d in bag.dags.values()), 'template': cap.map_index_template,\n"
        "  'retries': cap.retries, 'backoff': cap.retry_exponential_backoff, 'timeout': str(cap.execution_timeout),\n"
        "  'pool': cap.pool, 'outlets': [o.name for o in cap.outlets], 'capture_schedule': c.timetable.expression,\n"
        "  'fixing_schedule': f.timetable.expression, 'deadline': [type(d.reference).__name__ + ' ' + str(d.interval)\n"
        "  + ' ' + d.callback.path for d in f.deadline],\n"
        "  'settlement': [bag.dags['cix_settlement'].timetable.timetable.expression,\n"
        "  repr(bag.dags['cix_settlement'].timetable.asset_condition)],\n"
        "  'gx': [(d.get_task('gx_record').trigger_rule, sorted(d.get_task('gx_record').upstream_task_ids))\n"
        "  for d in (c, bag.dags['cix_backfill'])]}))\n"
    )
    env = {k: v for k, v in migrated.items() if k not in {"CIX_FIXING_DEADLINE_MINUTES", "CIX_CAPTURE_RETRIES"}}
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    assert r["errors"] == {}
    assert r["dags"] == ["cix_backfill", "cix_capture", "cix_fixing", "cix_settlement"]
    assert r["docs"] and r["template"] == "{{ task.op_kwargs['source'] }}"
    assert r["retries"] >= 1 and r["backoff"] and r["timeout"] == "0:10:00" and r["pool"] == "cix_fetch"
    assert r["outlets"] == ["cix_captures"]
    assert r["capture_schedule"] == "*/15 * * * *" and r["fixing_schedule"] == "0 16 * * *"
    assert r["deadline"] == ["DagRunLogicalDateDeadline 0:30:00 pipeline.flow.alerts.deadline_missed"]
    assert r["settlement"][0] == "0 18 1 * *" and "cix_fixings" in r["settlement"][1]
    # GX's record of what was loaded comes last, whatever became of the load (it validates what was stored).
    assert r["gx"] == [["all_done", ["capture", "gate_and_load"]], ["all_done", ["load_archives"]]]


RUNS = """
import sys, json
from datetime import datetime, UTC
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
conf = json.loads(sys.argv[2])
states = {}
def at(hour, minute):
    return datetime(2026, 8, 3, hour, minute, tzinfo=UTC)
for minute in json.loads(sys.argv[3]):
    run = bag.dags['cix_capture'].test(logical_date=at(15, minute), run_conf=conf)
    tis = run.get_task_instances()
    states[f'capture-{minute}'] = [run.state, {ti.task_id + str(ti.map_index): ti.state for ti in tis}]
run = bag.dags['cix_fixing'].test(logical_date=at(16, 0), run_conf={**conf, 'window_wait_minutes': 0})
states['fixing'] = [run.state, {ti.task_id: ti.state for ti in run.get_task_instances()}]
print('STATES', json.dumps(states, default=str))
"""


def states_of(script: str, env: dict[str, str], *args: str) -> Any:
    """Run a `dag.test()` script (given the DAG folder, then `args`) in a fresh interpreter; what it printed after
    `STATES `, as JSON; a script that printed none fails the test with its output."""
    out = subprocess.run([sys.executable, "-c", script, str(DAGS), *args], env=env, capture_output=True, text=True)
    line = next((x for x in out.stdout.splitlines() if x.startswith("STATES ")), None)
    assert line, out.stdout[-3000:] + out.stderr[-3000:]
    return json.loads(line.removeprefix("STATES "))


def run_day(
    env: dict[str, str], conf: dict[str, object], minutes: tuple[int, ...] = (15, 45)
) -> dict[str, list[object]]:
    """`dag.test()` of a capture run at each of `minutes` past 15:00 on 2026-08-03, then of that day's fixing."""
    return states_of(RUNS, env, json.dumps(conf), json.dumps(minutes))  # type: ignore[no-any-return]


def test_capture_runs_in_the_window_then_the_fixing_equal_the_cli(migrated: dict[str, str], tmp_path: Path) -> None:
    # The publication key comes from an Airflow connection (its password: the base64 Ed25519 seed), as deployed.
    seed = os.urandom(32)
    signing = SigningKey(Ed25519PrivateKey.from_private_bytes(seed), "airflow")
    secret = {"conn_type": "generic", "password": base64.b64encode(seed).decode()}
    keyed = {**migrated, "CIX_SIGNING_CONN_ID": "cix_signing", "AIRFLOW_CONN_CIX_SIGNING": json.dumps(secret)}
    states = run_day(keyed, {"offline": True})
    for name, (state, tasks) in states.items():
        assert state == "success", (name, tasks)
        assert {t: s for t, s in tasks.items() if s != "success"} == (
            {} if name == "fixing" else {"watcher-1": "skipped"}
        )
    # After each load, Great Expectations' own validation of the loaded batches agreed with the gate (else failed).
    assert "gx_record-1" in states["capture-15"][1]
    assert (Path(migrated["CIX_HOME"]) / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html").is_file()
    db = Path(migrated["CIX_HOME"]) / "lake.sqlite"
    con = lake_sql(db, read_only=True)
    sources = {r[0] for r in con.execute("SELECT DISTINCT source FROM quote").fetchall()}
    snapshots = con.execute("SELECT count(DISTINCT fetched_at) FROM quote WHERE source = 'aws'").fetchone()
    fixings = {
        code: (status, value)
        for code, status, value in con.execute(
            "SELECT index_code, status, value FROM v_fixing_in_force WHERE fixing_date = DATE '2026-08-03'"
        ).fetchall()
    }
    con.close()
    assert {"aws", "azure", "gcp", "runpod", "vast-catalog", "openrouter", "litellm"} <= sources
    assert snapshots == (2,), "each capture run is a snapshot stamped at its own time inside the window"
    assert len(fixings) == 34
    settled = {code for code, (status, _) in fixings.items() if status == "published"}
    assert {"CIX-H100-OD", "CIX-TOK-LLAMA33-70B-OUT", "CIX-TOK-GPTOSS-120B-OUT"} <= settled
    folder = Path(migrated["CIX_PUBLISH_DIR"]) / "2026-08-03"
    assert (folder / "manifest.json").exists() and (folder / "manifest.sig").exists(), "the DAG publishes signed"
    signature = json.loads((folder / "manifest.json").read_text())["signature"]
    assert (signature["key_origin"], signature["public_key_fingerprint"]) == ("airflow", signing.fingerprint)
    assert verify_publication(folder, signing.public_pem) == []
    # The DAGs and `cix run` are the same code: the same statuses and values as the CLI's publication.
    cli = {**migrated, "CIX_HOME": str(tmp_path / "cli"), "CIX_PUBLISH_DIR": str(tmp_path / "cli-publish")}
    subprocess.run([str(BIN / "cix"), "run", "--offline"], env=cli, check=True, capture_output=True)
    published = json.loads((tmp_path / "cli-publish" / "2026-08-03" / "fixings.json").read_text())
    dag_doc = json.loads((folder / "fixings.json").read_text())
    assert {f["index_code"]: (f["status"], f["value"]) for f in dag_doc["fixings"]} == {
        f["index_code"]: (f["status"], f["value"]) for f in published["fixings"]
    }
    assert {f["index_code"]: (f["status"], f["value"]) for f in dag_doc["fixings"]} == {
        k: (status, None if v is None else format(v.quantize(type(v)("0.0001")), "f"))
        for k, (status, v) in fixings.items()
    }


def test_all_sources_down_fails_the_fixing_loudly_and_records_the_withheld_rows(
    migrated: dict[str, str], tmp_path: Path
) -> None:
    sources = ("aws", "litellm", "primeintellect", "runpod")  # every source of the run, each a task of its own
    down = sample_set(tmp_path / "down", sources, **{s: {"status": 503} for s in sources})
    env = {**migrated, "CIX_HOME": str(tmp_path / "home"), "CIX_PUBLISH_DIR": str(tmp_path / "publish")}
    states = run_day(env, {"offline": True, "capture_set": str(down)}, minutes=(15, 30))
    _, capture_tasks = states["capture-15"]
    assert {k: v for k, v in capture_tasks.items() if k.startswith("capture")} and all(
        v == "failed" for k, v in capture_tasks.items() if k.startswith("capture")
    ), capture_tasks
    assert capture_tasks["gx_record-1"] == "success", "nothing loaded, nothing for GX to disagree with"
    assert states["capture-15"][0] == "failed" and capture_tasks["watcher-1"] == "failed"
    state, tasks = states["fixing"]
    assert state == "failed" and tasks["fix"] == "success" and tasks["assess"] == "failed", tasks
    assert tasks["publish"] in {"upstream_failed", None}, tasks
    assert not (tmp_path / "publish" / "2026-08-03").exists(), "nothing is published as if normal"
    alerts = [json.loads(x) for x in (tmp_path / "home" / "alerts.jsonl").read_text().splitlines()]
    assert any(a["kind"] == "fixing_run_failed" and "sources were down" in a["detail"]["error"] for a in alerts)
    # Each source going down is told once, by the first capture run, not again by the next one 15 minutes later.
    assert capture_tasks["source_health-1"] == states["capture-30"][1]["source_health-1"] == "success"
    down_told = sorted((a["subject"], a["detail"]["down_since"][11:16]) for a in alerts if a["kind"] == "source_down")
    assert down_told == [(s, "15:15") for s in sources], down_told
    con = lake_sql(tmp_path / "home" / "lake.sqlite", read_only=True)
    withheld = con.execute("SELECT count(*) FROM fixing WHERE status = 'withheld'").fetchone()
    errors = con.execute("SELECT count(DISTINCT source) FROM source_run WHERE status = 'error'").fetchone()
    con.close()
    assert withheld == (34,) and errors == (len(sources),)


GATE = """
import sys, json, dataclasses
from datetime import datetime, UTC
import polars as pl
from airflow.dag_processing.dagbag import DagBag
from pipeline import sources
litellm = sources.REGISTRY['litellm']
# A parser bug: every row twice (the same row numbers), which only the quality gate can see.
sources.REGISTRY['litellm'] = dataclasses.replace(litellm, parse=lambda c: pl.concat([litellm.parse(c)] * 2))
run = DagBag(dag_folder=sys.argv[1]).dags['cix_capture'].test(
    logical_date=datetime(2026, 8, 3, 15, 15, tzinfo=UTC), run_conf=json.loads(sys.argv[2]))
tis = {ti.task_id + str(ti.map_index): ti.state for ti in run.get_task_instances()}
print('STATES', json.dumps([run.state, tis], default=str))
"""


def test_an_unreadable_capture_and_a_batch_failing_the_gate_fail_their_tasks_and_the_rest_loads(
    migrated: dict[str, str], tmp_path: Path
) -> None:
    captures = sample_set(tmp_path / "set", ("aws", "litellm", "runpod"), runpod={"file": "maintenance.html"})
    (captures / "maintenance.html").write_text("<html><body>Down for maintenance</body></html>")
    env = {**migrated, "CIX_HOME": str(tmp_path / "home"), "CIX_PUBLISH_DIR": str(tmp_path / "publish")}
    conf = {"offline": True, "capture_set": str(captures)}
    state, tasks = states_of(GATE, env, json.dumps(conf))
    sources = ["aws", "litellm", "runpod"]  # the mapped capture tasks, in the order the run lists its sources
    assert {f"capture{i}": tasks[f"capture{i}"] for i in range(3)} == {
        f"capture{i}": "failed" if name == "runpod" else "success" for i, name in enumerate(sources)
    }
    assert (tasks["gate_and_load-1"], tasks["gx_record-1"], tasks["watcher-1"]) == ("failed", "success", "failed")
    assert state == "failed", "a run with a failed task is a failed run, though GX's record (its last step) passed"
    alerts = [json.loads(x) for x in (tmp_path / "home" / "alerts.jsonl").read_text().splitlines()]
    assert tasks["source_health-1"] == "success"
    assert sorted((a["subject"], a["detail"]["last_error"].split(":")[0]) for a in alerts) == [
        ("litellm", "quality_gate"),
        ("runpod", "schema_drift"),
    ], "the operator hears which sources are down, and why"
    con = lake_sql(tmp_path / "home" / "lake.sqlite", read_only=True)
    loaded = dict(con.execute("SELECT source, count(*) FROM quote GROUP BY ALL").fetchall())
    errors = dict(con.execute("SELECT source, error_kind FROM source_run WHERE status = 'error'").fetchall())
    kept = {r[0] for r in con.execute("SELECT DISTINCT source FROM raw_capture").fetchall()}
    con.close()
    assert list(loaded) == ["aws"] and loaded["aws"] > 0, "the good batch loads; nothing of the refused one"
    assert errors == {"runpod": "schema_drift", "litellm": "quality_gate"}
    assert kept >= set(sources), "every raw body is kept, the unreadable one too"
    staged = sorted(p.name.split("-")[0] for p in (tmp_path / "home").rglob("*.parquet") if "staging" in p.parts)
    assert staged == ["litellm", "litellm"], "the refused batch stays staged for the post-mortem"
    cix = [str(Path(sys.executable).parent / "cix"), "staged", "--format", "json"]
    listed = subprocess.run(cix, capture_output=True, text=True, env=env, check=True).stdout
    [batch] = [json.loads(line) for line in listed.splitlines()]
    assert (batch["source"], batch["state"]) == ("litellm", "refused")
    assert batch["quotes"] > 0 and "unique" in batch["detail"], "the operator sees which expectation refused it"
    discard = [*cix, "--discard-before", "2026-08-03T15:00:00Z"]  # fetched at 15:15: not before, so kept
    assert subprocess.run(discard, capture_output=True, text=True, env=env, check=True).stdout == ""
    discard[-1] = "2026-08-03T16:00:00Z"
    gone = subprocess.run(discard, capture_output=True, text=True, env=env, check=True).stdout
    assert [json.loads(line)["capture"] for line in gone.splitlines()] == [batch["capture"]]
    assert not [p for p in (tmp_path / "home").rglob("*.parquet") if "staging" in p.parts], "discarded"
    assert subprocess.run(cix, capture_output=True, text=True, env=env, check=True).stdout == ""


BACKFILL = """
import sys, json
from airflow.dag_processing.dagbag import DagBag
conf = {'archives': ['llm-prices'], 'first': '2026-08-06', 'last': '2026-08-08'}  # 3 of its 27 days: a task each
run = DagBag(dag_folder=sys.argv[1]).dags['cix_backfill'].test(run_conf=conf)
states = {ti.task_id + str(ti.map_index): ti.state for ti in run.get_task_instances()}
print('STATES', json.dumps([run.state, states], default=str))
"""


SETTLEMENT = """
import sys, json, pendulum
from airflow.dag_processing.dagbag import DagBag
run = DagBag(dag_folder=sys.argv[1]).dags['cix_settlement'].test(run_after=pendulum.datetime(2026, 9, 1, 18, tz='UTC'))
ti = run.get_task_instances()[0]
print('STATES', json.dumps([run.state, ti.task_id, ti.state], default=str))
"""


def test_the_backfill_dag_loads_an_archive_fixes_its_days_and_gx_records_them(
    migrated: dict[str, str], tmp_path: Path
) -> None:
    env = {**migrated, "CIX_HOME": str(tmp_path / "home"), "CIX_PUBLISH_DIR": str(tmp_path / "publish")}
    state, tasks = states_of(BACKFILL, env)
    assert state == "success" and set(tasks.values()) == {"success"}, tasks
    assert "load_archives-1" in tasks and "gx_record-1" in tasks
    assert sorted(t for t in tasks if t.startswith("fix_day")) == ["fix_day0", "fix_day1", "fix_day2"], "one per day"
    con = lake_sql(tmp_path / "home" / "lake.sqlite", read_only=True)
    checks = con.execute("SELECT count(*), bool_and(success) FROM batch_check").fetchone()
    days = "fixing_date BETWEEN DATE '2026-08-06' AND DATE '2026-08-08'"
    fixings = con.execute(f"SELECT count(*) FROM fixing WHERE {days}").fetchone()
    outside = con.execute(f"SELECT count(*) FROM fixing WHERE NOT ({days})").fetchone()
    con.close()
    assert checks is not None and checks[0] > 0 and checks[1] and fixings is not None and fixings[0] > 0
    assert outside == (0,), "the run's [first, last] bounds the days fixed"
    docs = tmp_path / "home" / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    assert docs.is_file() and "quote_batch_tokens" in docs.read_text(), "GX validated what the backfill loaded"
    # The monthly settlement DAG, run on the 1st, settles every contract for the month just ended (here: three days
    # of fixings, too few for a price) and records each outcome; `cix settle` recomputes the same.
    assert states_of(SETTLEMENT, env) == ["success", "settle", "success"]
    con = lake_sql(tmp_path / "home" / "lake.sqlite", read_only=True)
    settled = dict(con.execute("SELECT contract, status FROM settlement WHERE period = '2026-08'").fetchall())
    con.close()
    assert set(settled) == set(contracts()), "every contract has its outcome recorded"
    contract = sorted(settled)[0]
    again = subprocess.run([str(BIN / "cix"), "settle", contract, "2026-08"], env=env, capture_output=True, text=True)
    assert json.loads(again.stdout)["status"] == settled[contract], again.stderr
