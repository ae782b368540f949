"""kill -9 at injected points of load, fix and publish: a rerun ends where a clean run does, a reader never
sees a publication that fails verification (before, during or after the crash), and nothing an interrupted
write left is counted or kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.publish import verify_publication
from tests.reliability.crash import FIRST, SECOND, copy_site, leftovers, reader, run_day, state

# One point of each step here; every point, many times over, in `make reliability`.
POINTS = [("load-batch", 1), ("fix-appended", 1), ("publish-link", 1)]
DAY = "2026-08-03"


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site whose day is published once (fewer sources): the killed run republishes it."""
    root = tmp_path_factory.mktemp("first")
    done = run_day(root, FIRST)
    assert done.returncode == 0, done.stderr[-2000:]
    return root


@pytest.fixture(scope="module")
def clean(published: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = copy_site(published, tmp_path_factory.mktemp("clean") / "site")
    done = run_day(root, SECOND)
    assert done.returncode == 0, done.stderr[-2000:]
    return state(root)


@pytest.mark.parametrize(("point", "nth"), POINTS)
def test_a_kill_at_any_point_then_a_rerun_equals_a_clean_run(
    published: Path, clean: dict[str, object], tmp_path: Path, point: str, nth: int
) -> None:
    root = copy_site(published, tmp_path / "site")
    folder = root / "publish" / DAY
    public = (root / "home" / "keys" / "dev-ed25519.pub.pem").read_bytes()
    with reader(folder, public) as failures:
        killed = run_day(root, SECOND, point, nth)
        assert killed.returncode == -9, f"the kill point {point} was not reached: {killed.stderr[-1500:]}"
        assert verify_publication(folder, public) == [], "the day after the crash is the old or the new, whole"
        again = run_day(root, SECOND)
    assert again.returncode == 0, again.stderr[-2000:]
    assert failures == [], failures[:3]
    assert verify_publication(folder, public) == []
    assert leftovers(root / "publish") == []
    assert state(root) == clean
    assert all(p.stat().st_mode & 0o777 == 0o644 for p in folder.resolve().iterdir()), os.listdir(folder)
