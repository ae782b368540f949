"""The production topology, natively: Postgres (127.0.0.1:5432, trust auth) holds a fresh Airflow metadata DB and
a fresh lake catalog DB, Redis (127.0.0.1:6379) is the Celery broker (an own queue per session), a moto server on
loopback is the S3 store of the lake's files, and the scheduler, dag-processor, triggerer, api-server and two
Celery workers run as processes. One topology per session; everything it started is stopped and dropped."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import REPO

BIN = Path(sys.executable).parent
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pg(dbname: str = "postgres") -> Any:
    import psycopg2

    con = psycopg2.connect(dbname=dbname, **PG)
    con.autocommit = True
    return con


def wait_until(what: str, check: Any, timeout: float, every: float = 1.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(every)


@dataclass
class Topology:
    root: Path
    env: dict[str, str]
    metadata_db: str
    lake_db: str
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, *args: str, **extra: str) -> subprocess.Popen[bytes]:
        log = open(self.root / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [str(BIN / "airflow"), *args],
            env={**self.env, **extra},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, sig)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)

    def airflow(self, *args: str) -> str:
        out = subprocess.run([str(BIN / "airflow"), *args], env=self.env, capture_output=True, text=True)
        assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
        return out.stdout

    def api(self, method: str, path: str, body: dict[str, Any]) -> Any:
        """A call of the api-server's REST API (v2), as an operator's script makes it: a token from the simple auth
        manager (every user an admin here), then the call. An `airflow` CLI call costs a process of ~3 s of CPU."""
        import httpx

        base = self.env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"].removesuffix("/execution/")
        with httpx.Client(base_url=base, timeout=60) as client:
            token = client.get("/auth/token").raise_for_status().json()["access_token"]
            answer = client.request(method, f"/api/v2/{path}", json=body, headers={"Authorization": f"Bearer {token}"})
        assert answer.is_success, f"{method} {path}: {answer.status_code} {answer.text[:2000]}"
        return answer.json()

    def trigger(self, dag_id: str, logical: str, conf: dict[str, Any]) -> str:
        run_id = f"test__{dag_id}__{logical}"
        self.api("POST", f"dags/{dag_id}/dagRuns", {"dag_run_id": run_id, "logical_date": logical, "conf": conf})
        return run_id

    def run_state(self, dag_id: str, run_id: str) -> str | None:
        with closing(pg(self.metadata_db)) as con, con.cursor() as cur:
            cur.execute("SELECT state FROM dag_run WHERE dag_id = %s AND run_id = %s", (dag_id, run_id))
            row = cur.fetchone()
        return None if row is None else str(row[0])

    def wait_run(self, dag_id: str, run_id: str, timeout: float = 600) -> str:
        return str(
            wait_until(
                f"{dag_id} {run_id}",
                lambda: (s := self.run_state(dag_id, run_id)) in {"success", "failed"} and s,
                timeout,
                every=2,
            )
        )

    def report(self, dag_id: str, run_id: str) -> str:
        """Every task's state, and the end of the log of each that did not succeed (for a failing assertion)."""
        states = self.task_states(dag_id, run_id)
        lines = [json.dumps(states, sort_keys=True)]
        for log in sorted((self.root / "airflow" / "logs").glob(f"dag_id={dag_id}/run_id={run_id}/task_id=*/**/*.log")):
            text = log.read_text(errors="replace")
            if "Task failed" in text or "ERROR" in text or "error" in text[-3000:]:
                lines.append(f"--- {log.relative_to(self.root)}\n{text[-2500:]}")
        return "\n".join(lines)

    def task_states(self, dag_id: str, run_id: str) -> dict[str, tuple[str | None, int]]:
        """task_id[map_index] -> (state, try_number)."""
        with closing(pg(self.metadata_db)) as con, con.cursor() as cur:
            cur.execute(
                "SELECT task_id, map_index, state, try_number, rendered_map_index FROM task_instance "
                "WHERE dag_id = %s AND run_id = %s",
                (dag_id, run_id),
            )
            rows = cur.fetchall()
        return {(f"{t}[{r or m}]" if m >= 0 else t): (s, n) for t, m, s, n, r in rows}


@dataclass
class S3Server:
    """A moto S3 server on loopback, and the CIX_S3_* environment that reaches it."""

    endpoint: str
    env: dict[str, str]

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=f"http://{self.endpoint}",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            region_name="us-east-1",
        )


@pytest.fixture(scope="module")
def s3_server() -> Iterator[S3Server]:
    port = free_port()
    moto = subprocess.Popen(
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    server = S3Server(
        f"127.0.0.1:{port}",
        {
            "CIX_S3_ENDPOINT": f"127.0.0.1:{port}",
            "CIX_S3_USE_SSL": "false",
            "CIX_S3_ACCESS_KEY_ID": "test",
            "CIX_S3_SECRET_ACCESS_KEY": "test",
        },
    )
    try:
        wait_until("moto", lambda: _answers(server.client()), 60, every=0.5)
        yield server
    finally:
        os.killpg(moto.pid, signal.SIGTERM)
        moto.wait(timeout=30)


@pytest.fixture(scope="module")
def topology(request: pytest.FixtureRequest) -> Iterator[Topology]:
    import boto3
    from cryptography.fernet import Fernet

    tag = uuid.uuid4().hex[:8]
    root = REPO / "var" / f"topology-{tag}"  # kept when a test fails (logs of every process and task)
    root.mkdir(parents=True)
    metadata_db, lake_db = f"cix_test_airflow_{tag}", f"cix_test_lake_{tag}"
    with closing(pg()) as con, con.cursor() as cur:
        cur.execute(f"CREATE DATABASE {metadata_db}")
        cur.execute(f"CREATE DATABASE {lake_db}")
    s3_port, api_port = free_port(), free_port()
    moto = subprocess.Popen(
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(s3_port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CIX_"))}
    env.update(
        AIRFLOW_HOME=str(root / "airflow"),
        AIRFLOW__CORE__DAGS_FOLDER=str(REPO / "dags"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__EXECUTOR="CeleryExecutor",
        AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="True",  # cix_capture and cix_fixing are unpaused below
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS="True",
        AIRFLOW__CORE__FERNET_KEY=Fernet.generate_key().decode(),
        AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://127.0.0.1:{api_port}/execution/",
        AIRFLOW__API__HOST="127.0.0.1",  # loopback only: nothing in a test listens beyond this machine
        AIRFLOW__API__PORT=str(api_port),
        AIRFLOW__API__SECRET_KEY=secrets.token_urlsafe(64),
        AIRFLOW__API_AUTH__JWT_SECRET=secrets.token_urlsafe(64),
        AIRFLOW__API__WORKERS="1",
        AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT="60",  # a loaded 2-core machine answers slowly
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"postgresql+psycopg2://postgres@127.0.0.1:5432/{metadata_db}",
        AIRFLOW__CELERY__BROKER_URL="redis://127.0.0.1:6379/0",
        AIRFLOW__CELERY__RESULT_BACKEND=f"db+postgresql+psycopg2://postgres@127.0.0.1:5432/{metadata_db}",
        AIRFLOW__OPERATORS__DEFAULT_QUEUE=f"cix_test_{tag}",  # this session's own queue on the shared Redis
        AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK="False",
        AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT="20",
        AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL="5",
        AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="5",
        AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL="600",  # the DAG files do not change: parsed once
        AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC="2",
        AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_SERVER_PORT=str(free_port()),
        CIX_HOME=str(root / "cix"),
        CIX_PUBLISH_DIR=str(root / "publish"),
        CIX_LAKE_CATALOG=f"postgres:dbname={lake_db} host=127.0.0.1 user=postgres",
        CIX_LAKE_DATA="s3://cix-lake/lake/",
        CIX_S3_ENDPOINT=f"127.0.0.1:{s3_port}",
        CIX_S3_USE_SSL="false",
        CIX_S3_ACCESS_KEY_ID="test",
        CIX_S3_SECRET_ACCESS_KEY="test",
        CIX_CAPTURE_SCHEDULE="",  # triggered runs only: a scheduled run would capture live
        CIX_FIXING_SCHEDULE="",
        CIX_CAPTURE_RETRIES="2",
        CIX_CAPTURE_RETRY_DELAY="2",
        GX_ANALYTICS_ENABLED="False",
    )
    topo = Topology(root, env, metadata_db, lake_db)
    passed = False
    try:
        s3 = boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{s3_port}",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            region_name="us-east-1",
        )
        wait_until("moto", lambda: _answers(s3), 60, every=0.5)
        s3.create_bucket(Bucket="cix-lake")
        topo.airflow("db", "migrate")
        topo.start("api-server", "api-server", "--port", str(api_port))
        topo.start("scheduler", "scheduler")
        topo.start("dag-processor", "dag-processor")
        topo.start("triggerer", "triggerer")
        for n in (1, 2):
            topo.start(
                f"worker{n}",
                "celery",
                "worker",
                "--concurrency",
                "2",
                "--queues",
                env["AIRFLOW__OPERATORS__DEFAULT_QUEUE"],
                "--celery-hostname",
                f"cix{n}_{tag}@%h",
                AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(free_port()),
            )
        wait_until("the DAGs parsed", lambda: _parsed(topo), 180, every=2)
        wait_until("the api-server", lambda: _serves(api_port), 120, every=1)
        topo.api("POST", "pools", {"name": "cix_fetch", "slots": 8, "description": "fetches"})
        topo.api("POST", "pools", {"name": "cix_load", "slots": 2, "description": "gate and loads"})
        for dag_id in ("cix_capture", "cix_fixing"):
            topo.api("PATCH", f"dags/{dag_id}", {"is_paused": False})
        yield topo
        passed = request.session.testsfailed == 0
    finally:
        for name in list(topo.processes):
            topo.stop(name)
        os.killpg(moto.pid, signal.SIGTERM)
        moto.wait(timeout=30)
        with closing(pg()) as con, con.cursor() as cur:
            for db in (metadata_db, lake_db):
                cur.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        if passed:
            shutil.rmtree(root, ignore_errors=True)


def _answers(s3: Any) -> bool:
    try:
        s3.list_buckets()
    except Exception:
        return False
    return True


def _serves(port: int) -> bool:
    import httpx

    try:
        return httpx.get(f"http://127.0.0.1:{port}/api/v2/monitor/health", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def _parsed(topo: Topology) -> bool:
    with closing(pg(topo.metadata_db)) as con, con.cursor() as cur:
        cur.execute("SELECT count(*) FROM dag WHERE dag_id LIKE 'cix_%%'")
        row = cur.fetchone()
    return bool(row and row[0] >= 4)
