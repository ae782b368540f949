"""The DAGs under a real scheduler with two Celery workers, on a lake in Postgres + S3 (see conftest.py): several
capture runs inside the fixing window and the fixing succeed task by task, the fixing equals `cix run`'s, the
workers writing at once lose nothing, and a worker killed mid-task has its task retried elsewhere with no
duplicate rows. Slow by nature (real processes); one topology for the session."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
from contextlib import closing
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.helpers import sample_set
from tests.ops.conftest import BIN, Topology, wait_until

KEY = "source, capture_id, fetched_at, row_no"
# The sources the topology captures: enough for H100-OD to publish with five firms, a source of two captures (aws)
# and a token feed. Every task costs a worker seconds of process start; the whole bundled set is `make run`'s.
SOURCES = ("aws", "crusoe-page", "hyperstack-page", "litellm", "primeintellect", "runpod")


def lake(topology: Topology, *sql: str) -> list[list[tuple[Any, ...]]]:
    """Reads of the topology's lake (Postgres catalog, S3 files) from a fresh process, as an analyst would: the rows
    of each query, in order (one process for them all: each costs seconds of imports)."""
    code = (
        "import json, sys\n"
        "from pipeline.store import Warehouse, default_lake\n"
        "with Warehouse(default_lake(), read_only=True) as w:\n"
        "    print(json.dumps([[list(r) for r in w.query(q).rows()] for q in sys.argv[1:]], default=str))\n"
    )
    out = subprocess.run([str(BIN / "python"), "-c", code, *sql], env=topology.env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    return [[tuple(r) for r in rows] for rows in json.loads(out.stdout.strip().splitlines()[-1])]


def bucket_objects(topology: Topology) -> dict[str, bytes]:
    """Every object of the topology's bucket outside the lake's own files, with its bytes."""
    import boto3

    env = topology.env
    s3 = boto3.client(
        "s3",
        endpoint_url=f"http://{env['CIX_S3_ENDPOINT']}",
        aws_access_key_id=env["CIX_S3_ACCESS_KEY_ID"],
        aws_secret_access_key=env["CIX_S3_SECRET_ACCESS_KEY"],
        region_name="us-east-1",
    )
    keys = [
        o["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket="cix-lake")
        for o in page.get("Contents", [])
        if not o["Key"].startswith("lake/")
    ]
    return {k: s3.get_object(Bucket="cix-lake", Key=k)["Body"].read() for k in keys}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_set(tmp_path_factory.mktemp("sample") / "set", SOURCES)


@pytest.fixture(scope="module")
def cli_fixings(tmp_path_factory: pytest.TempPathFactory, sample: Path) -> dict[str, Any]:
    """`cix run --offline` on an embedded lake: the reference the DAG runs must equal."""
    tmp = tmp_path_factory.mktemp("cli")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIX_")}
    env.update(CIX_HOME=str(tmp / "home"), CIX_PUBLISH_DIR=str(tmp / "publish"), GX_ANALYTICS_ENABLED="False")
    run = [str(BIN / "cix"), "run", "--offline", "--capture-set", str(sample)]
    subprocess.run(run, env=env, check=True, capture_output=True)
    doc = json.loads((tmp / "publish" / "2026-08-03" / "fixings.json").read_text())
    return {f["index_code"]: (f["status"], f["value"]) for f in doc["fixings"]}


def test_capture_runs_and_the_fixing_under_celery_equal_the_cli(
    topology: Topology, cli_fixings: dict[str, Any], sample: Path
) -> None:
    assert cli_fixings["CIX-H100-OD"][0] == "published", "the reference publishes (the comparison means something)"
    conf = {"offline": True, "capture_set": str(sample)}
    runs = [topology.trigger("cix_capture", f"2026-08-03T15:{m}:00+00:00", conf) for m in (15, 30, 45)]
    for run_id in runs:  # three runs at once: two workers, four slots, every task writing the same lake
        assert topology.wait_run("cix_capture", run_id) == "success", topology.report("cix_capture", run_id)
        states = topology.task_states("cix_capture", run_id)
        assert {t: s for t, (s, _) in states.items() if s != "success"} == {"watcher": "skipped"}, states
        assert {f"capture[{s}]" for s in SOURCES} <= set(states), "one mapped task per source, named by it"
    fixing = topology.trigger("cix_fixing", "2026-08-03T16:00:00+00:00", {**conf, "window_wait_minutes": 2})
    assert topology.wait_run("cix_fixing", fixing) == "success", topology.report("cix_fixing", fixing)
    assert {s for s, _ in topology.task_states("cix_fixing", fixing).values()} == {"success"}

    doc = json.loads((topology.root / "publish" / "2026-08-03" / "fixings.json").read_text())
    assert {f["index_code"]: (f["status"], f["value"]) for f in doc["fixings"]} == cli_fixings
    per_run, per_source, duplicates, files, capture_ids = lake(
        topology,
        "SELECT fetched_at, count(DISTINCT source) FROM quote GROUP BY 1 ORDER BY 1",
        "SELECT source, count(*) FROM quote GROUP BY 1 HAVING count(DISTINCT fetched_at) = 3",
        f"SELECT {KEY}, count(*) FROM quote GROUP BY ALL HAVING count(*) > 1",
        "SELECT count(*) FROM glob('s3://cix-lake/lake/**/*.parquet')",
        "SELECT DISTINCT capture_id FROM raw_capture",
    )
    # Nothing lost: every price source has one ok attempt and its quotes for each of the three snapshots.
    assert len(per_run) == 3 and len({n for _, n in per_run}) == 1, per_run
    assert len(per_source) == per_run[0][1] == len(SOURCES)
    assert duplicates == []
    # The lake's Parquet files are in the object store, its catalog in Postgres.
    assert files[0][0] > 0
    # So are the raw captures (byte for byte: each object hashes to its name) and, while they wait for the gate,
    # the staged frames (all loaded, so none is left); nothing went to a worker's local disk.
    objects = bucket_objects(topology)
    captures = {k.rsplit("/", 1)[-1]: v for k, v in objects.items() if k.startswith("captures/")}
    assert set(captures) == {r[0] for r in capture_ids}
    assert all(hashlib.sha256(body).hexdigest() == capture_id for capture_id, body in captures.items())
    # No staged frame is left ("staging/" itself is pyarrow's folder marker, written when a folder empties).
    assert [k for k in objects if k.startswith("staging/") and k != "staging/"] == []
    assert not (topology.root / "cix" / "captures").exists() and not (topology.root / "cix" / "staging").exists()
    # The fixing's DeadlineAlert (16:30 on its logical date, long past) reached the triggerer's callback.
    alerts = topology.root / "cix" / "alerts.jsonl"
    wait_until("the deadline alert", lambda: alerts.exists() and "fixing_late" in alerts.read_text(), 120, every=2)


def test_a_worker_killed_mid_task_has_its_task_retried_without_duplicates(topology: Topology, tmp_path: Path) -> None:
    slow = sample_set(tmp_path / "slow", ("runpod",), runpod={"delay_seconds": 10})  # killed mid-fetch
    run_id = topology.trigger("cix_capture", "2026-08-04T15:15:00+00:00", {"offline": True, "capture_set": str(slow)})

    def running_pid() -> int | None:
        states = topology.task_states("cix_capture", run_id)
        if states.get("capture[runpod]", (None, 0))[0] != "running":
            return None
        from tests.ops.conftest import pg

        with closing(pg(topology.metadata_db)) as con, con.cursor() as cur:
            cur.execute(
                "SELECT pid FROM task_instance WHERE dag_id = 'cix_capture' AND run_id = %s AND task_id = 'capture' "
                "AND rendered_map_index = 'runpod'",
                (run_id,),
            )
            row = cur.fetchone()
        return int(row[0]) if row and row[0] else None

    pid = wait_until("the slow task to run", running_pid, 300, every=0.5)
    workers = {n: p for n, p in topology.processes.items() if n.startswith("worker")}
    owner = next(
        n
        for n, p in workers.items()
        if pid in {c.pid for c in psutil.Process(p.pid).children(recursive=True)} | {p.pid}
    )
    os.killpg(workers[owner].pid, signal.SIGKILL)  # the worker and its task, mid-fetch, no goodbye
    topology.processes.pop(owner).wait(timeout=30)

    assert topology.wait_run("cix_capture", run_id, timeout=900) == "success", topology.report("cix_capture", run_id)
    state, tries = topology.task_states("cix_capture", run_id)["capture[runpod]"]
    assert state == "success" and tries >= 2, "the killed attempt failed and a retry on the other worker succeeded"
    duplicates, day, first = lake(
        topology,
        f"SELECT {KEY}, count(*) FROM quote GROUP BY ALL HAVING count(*) > 1",
        "SELECT count(*) FROM quote WHERE source = 'runpod' AND fetched_at::DATE = DATE '2026-08-04'",
        "SELECT count(*) FROM quote WHERE source = 'runpod' AND fetched_at = '2026-08-03 15:15:00+00'",
    )
    assert duplicates == []
    assert day == first and day[0][0] > 0, "the retried batch is there once"
