"""Airflow: the DAG imports cleanly and light, and a real `dag.test()` run fills DuckDB.

Each check runs in a fresh interpreter with its own AIRFLOW_HOME (SQLite metadata DB
created by `airflow db migrate`), so Airflow's import-time configuration cannot leak
between tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO, lake_sql

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


def test_dagbag_has_no_import_errors(migrated: dict[str, str]) -> None:
    code = (
        "import json\n"
        "from airflow.dag_processing.dagbag import DagBag\n"
        f"bag = DagBag(dag_folder={str(DAGS)!r})\n"
        "print(json.dumps({'errors': {k: str(v) for k, v in bag.import_errors.items()}, 'dags': sorted(bag.dags)}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=migrated, check=True, capture_output=True, text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["errors"] == {}
    assert "cix_daily" in result["dags"]


def test_dag_test_run_offline_loads_duckdb_and_publishes(migrated: dict[str, str]) -> None:
    code = (
        "from datetime import datetime, UTC\n"
        "from airflow.dag_processing.dagbag import DagBag\n"
        f"dag = DagBag(dag_folder={str(DAGS)!r}).dags['cix_daily']\n"
        "run = dag.test(logical_date=datetime(2026, 8, 3, 16, 0, tzinfo=UTC), run_conf={'offline': True})\n"
        "print('STATE', run.state)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=migrated, capture_output=True, text=True)
    assert "STATE success" in out.stdout, out.stdout[-3000:] + out.stderr[-3000:]
    db = Path(migrated["CIX_HOME"]) / "lake.sqlite"
    con = lake_sql(db, read_only=True)
    sources = {r[0] for r in con.execute("SELECT DISTINCT source FROM quote").fetchall()}
    assert {"aws", "azure", "gcp", "runpod", "vast-catalog", "openrouter", "litellm"} <= sources
    fixings = {
        code: (status, value)
        for code, status, value in con.execute(
            "SELECT index_code, status, value FROM fixing WHERE fixing_date = DATE '2026-08-03'"
        ).fetchall()
    }
    con.close()
    assert len(fixings) == 34 and any(status != "withheld" for status, _ in fixings.values())
    # The DAG and `cix run` are the same code: the published value matches an in-process run.
    folder = Path(migrated["CIX_PUBLISH_DIR"]) / "2026-08-03"
    assert (folder / "manifest.json").exists() and (folder / "manifest.sig").exists(), "the DAG publishes signed"
    doc = json.loads((folder / "fixings.json").read_text())
    assert {f["index_code"]: (f["status"], f["value"]) for f in doc["fixings"]} == {
        k: (status, None if v is None else format(v.quantize(type(v)("0.0001")), "f"))
        for k, (status, v) in fixings.items()
    }
