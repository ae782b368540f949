"""Shared fixtures: the real captures (read in place), an isolated CIX_HOME."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from pipeline.config import realdata_dir
from pipeline.domain.records import RawCapture
from tests.helpers import FETCHED, REPO, RealCapture

# Airflow reads its configuration at import: point it at a project-local home before any test imports it.
os.environ.setdefault("AIRFLOW_HOME", str(REPO / "airflow_home"))
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(REPO / "dags"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


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
