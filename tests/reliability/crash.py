"""Helpers of the kill tests and the long run: run `cix` in a subprocess (optionally killed at a point), watch
a publication from another thread the way a reader would, and digest a site's state to compare runs."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipeline.publish import verify_publication
from pipeline.publish.atomic import LINK, STAGING
from tests.helpers import lake_sql

REPO = Path(__file__).resolve().parents[2]
FIRST = ["--source", "ecb-fx", "--source", "aws", "--source", "runpod"]  # the day as first published
SECOND = [*FIRST, "--source", "azure", "--source", "vast-catalog", "--source", "primeintellect"]  # republished


def cix(root: Path, args: list[str], point: str | None = None, nth: int = 1) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CIX_HOME": str(root / "home"), "CIX_PUBLISH_DIR": str(root / "publish")}
    command = (
        [sys.executable, "-m", "tests.reliability.killer", point, str(nth)]
        if point
        else [str(Path(sys.executable).parent / "cix")]
    )
    return subprocess.run([*command, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)


def run_day(root: Path, sources: list[str], point: str | None = None, nth: int = 1) -> subprocess.CompletedProcess[str]:
    return cix(root, ["run", "--offline", *sources], point, nth)


@contextmanager
def reader(folder: Path, public_pem: bytes) -> Iterator[list[str]]:
    """Verify the publication over and over while the body runs; yields the failures any read saw."""
    seen: list[str] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            if folder.exists():
                problems = verify_publication(folder, public_pem)
                if problems:
                    seen.append("; ".join(problems))
            stop.wait(0.005)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        stop.set()
        thread.join()


def leftovers(publish: Path) -> list[str]:
    return sorted(p.name for p in publish.iterdir() if p.name.startswith((STAGING, LINK))) if publish.is_dir() else []


def state(root: Path) -> dict[str, Any]:
    """What a run leaves that must not depend on how it got there (times of recording aside)."""
    queries = {
        "raw_capture": "SELECT capture_id, source, url, fetched_at, http_status FROM raw_capture",
        "quote": "SELECT capture_id, row_no, unit, good, provider, price_usd FROM quote",
        "rejection": "SELECT capture_id, row_no, rule, reason FROM rejection",
        "fixing": "SELECT index_code, fixing_date, methodology_version, revision, status, value, inputs_digest "
        "FROM fixing",
        "source_run": "SELECT source, started_at, status, error_kind, error FROM source_run",
    }
    with lake_sql(root / "home" / "lake.sqlite", read_only=True) as con:
        out: dict[str, Any] = {k: sorted(map(str, con.execute(q).fetchall())) for k, q in queries.items()}
    publish = root / "publish"
    for day in sorted(p for p in publish.iterdir() if not p.name.startswith(".")):
        for f in sorted(day.rglob("fixings.csv")):
            out[f"publication {f.relative_to(publish)}"] = hashlib.sha256(f.read_bytes()).hexdigest()
        out[f"files {day.name}"] = sorted(str(p.relative_to(day)) for p in day.rglob("*"))
    return out


def copy_site(source: Path, to: Path) -> Path:
    shutil.copytree(source, to, symlinks=True)
    return to
