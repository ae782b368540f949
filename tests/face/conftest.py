"""The faces' shared setup, built once per test run: an installation with history (the daily job on the bundled
captures plus a backfill of the real llm-prices archive, so some days are published and some withheld), and a
running `cix serve` on 127.0.0.1 over it.

Under pytest-xdist the installation is built by the first worker and reused by the others (a file lock);
each worker runs its own server on it (read-only: any number of readers may share a DuckDB file).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.helpers import cix

BIN = Path(sys.executable).parent
DAY = "2026-08-03"


@dataclass(frozen=True)
class Site:
    root: Path
    env: dict[str, str]
    run_stderr: str

    @property
    def db(self) -> Path:
        return self.root / "home" / "lake.sqlite"

    @property
    def publish(self) -> Path:
        return self.root / "publish"


def _shared_root(factory: pytest.TempPathFactory, name: str) -> Path:
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if run is None:
        return factory.getbasetemp() / name
    return factory.getbasetemp().parent / f"{name}-{run}"


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory, realdata: Path) -> Site:
    root = _shared_root(tmp_path_factory, "faces-site")
    root.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "CIX_HOME": str(root / "home"),
        "CIX_PUBLISH_DIR": str(root / "publish"),
        "CIX_REALDATA": str(realdata),
    }
    env.pop("CIX_SIGNING_KEY", None)
    with open(root.with_name(root.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = root / "built.json"
        if not done.exists():
            run = cix("run", "--offline", env=env)
            assert run.returncode == 0, run.stderr
            backfill = cix("backfill", "--archive", "llm-prices", env=env)
            assert backfill.returncode == 0, backfill.stderr
            done.write_text(json.dumps({"run_stderr": run.stderr}))
    return Site(root, env, json.loads(done.read_text())["run_stderr"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(env: dict[str, str], *args: str) -> tuple[subprocess.Popen[bytes], str]:
    """`cix serve` as a user starts it, on a free loopback port; returns the process and its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "cix"), "serve", "--port", str(port), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return process, base
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"cix serve did not start: {process.stderr.read().decode() if process.stderr else ''}")
        time.sleep(0.2)


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def server(site: Site) -> Iterator[str]:
    process, base = start_server(site.env)
    yield base
    stop_server(process)
