"""One offline run shared by the tamper tests: a real warehouse, capture store and signed publication."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from pipeline.capture import CaptureSet
from pipeline.flow.daily import DEFAULT_SAMPLE_SET
from tests.helpers import BundledRun


@dataclass(frozen=True)
class Site:
    root: Path
    day: date

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def publication(self) -> Path:
        return self.root / "publish" / self.day.isoformat()

    @property
    def public_pem(self) -> bytes:
        return (self.home / "keys" / "dev-ed25519.pub.pem").read_bytes()

    def copy(self, to: Path) -> Site:
        shutil.copytree(self.root, to, symlinks=True)
        for p in to.rglob("*"):  # the capture store is read-only by design; a tamper test writes to its copy
            if not p.is_symlink():
                p.chmod(0o755 if p.is_dir() else 0o644)
        return Site(to, self.day)


@pytest.fixture(scope="session")
def offline_site(tmp_path_factory: pytest.TempPathFactory, bundled_run: BundledRun) -> Site:
    root = bundled_run(tmp_path_factory.mktemp("offline-site"), None)  # the run the audit tests copy too
    return Site(root, CaptureSet.load(DEFAULT_SAMPLE_SET).fetched_at.date())
