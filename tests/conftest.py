"""Shared fixtures: the real captures (read in place), an isolated CIX_HOME."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from pipeline.config import realdata_dir
from pipeline.domain.records import RawCapture
from tests.helpers import FETCHED, REPO, BundledRun, RealCapture

# Airflow reads its configuration at import: point it at a project-local home before any test imports it.
os.environ.setdefault("AIRFLOW_HOME", str(REPO / "airflow_home"))
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(REPO / "dags"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

# The files that take longest, longest first (seconds on one worker, measured here on 2026-12-07 with two
# workers): `make test` runs them first (`--dist loadfile --no-loadscope-reorder`), so the workers end
# together instead of one running the Celery topology or the page redesigns alone at the end while the others idle
# (xdist's default order is by number of tests per file). A file missing from the list only runs later; a stale list
# costs minutes, never a result.
LONGEST_FIRST = (
    "tests/ops/test_topology.py",  # ~230: a Celery deployment, two DAG runs, a killed worker
    "tests/flow/test_dag.py",  # ~230: dag.test of every DAG
    "tests/sources/test_pages_redesigned.py",  # ~100: every real page in every redesign
    "tests/flow/test_backfill_settle.py",  # ~95: backfills of the real archives
    "tests/flow/test_quality_gate.py",  # ~55: Great Expectations checkpoints
    "tests/audit/test_audit.py",  # ~50
    "tests/sources/test_pages_other_firms.py",  # ~40
    "tests/flow/test_pipeline.py",  # ~37
    "tests/face/test_cli.py",  # ~36
    "tests/ops/test_same_batch.py",  # ~30: concurrent writers on two catalogs
    "tests/audit/test_verify_cache.py",  # ~30
    "tests/audit/test_governance.py",  # ~28
    "tests/reliability/test_kill.py",  # ~26: processes killed mid-write
    "tests/ops/test_concurrency.py",  # ~24
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: i for i, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))  # stable: file order kept


@pytest.fixture(scope="session")
def realdata() -> Path:
    root = realdata_dir()
    if not root.is_dir():
        raise RuntimeError(f"real captures not found at {root}: set CIX_REALDATA or put ../shared beside the repo")
    return root


@pytest.fixture
def real_capture(realdata: Path) -> RealCapture:
    """Build a RawCapture from a file under ../shared/realdata, unmodified."""

    def make(source: str, relative: str, fetched_at: datetime = FETCHED) -> RawCapture:
        path = realdata / relative
        return RawCapture(source=source, url=f"file://{path}", fetched_at=fetched_at, body=path.read_bytes())

    return make


@pytest.fixture
def cix_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty installation: warehouse, capture store and publications under tmp_path."""
    monkeypatch.setenv("CIX_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CIX_PUBLISH_DIR", str(tmp_path / "publish"))
    yield tmp_path


@pytest.fixture(scope="session")
def bundled_run(tmp_path_factory: pytest.TempPathFactory) -> BundledRun:
    """`bundled_run(into, version)`: the installation `cix run` leaves from the bundled capture set under a methodology
    version (None: the current one), copied to `into/home` and `into/publish` (where `cix_home` points). The run is
    made once per test process and version, in a process of its own; each test gets its own copy to change (an
    embedded installation is relocatable: its lake's files, captures and publication links are relative)."""
    made: dict[str | None, Path] = {}

    def copy(into: Path, version: str | None = None) -> Path:
        if version not in made:
            root = tmp_path_factory.mktemp(f"bundled-run-v{version or 'current'}")
            env = {k: v for k, v in os.environ.items() if not k.startswith("CIX_")}
            env.update(CIX_HOME=str(root / "home"), CIX_PUBLISH_DIR=str(root / "publish"))
            cix = [str(Path(sys.executable).parent / "cix"), "run", "--offline"]
            subprocess.run(
                [*cix, *(["--methodology", version] if version else [])], env=env, check=True, capture_output=True
            )
            made[version] = root
        for part in ("home", "publish"):
            shutil.copytree(made[version] / part, into / part, symlinks=True)
        return into

    return copy
