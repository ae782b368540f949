"""Where things live. Every path can be moved with an environment variable.

Defaults are relative to the working directory (`./var`, `./publish`, `../shared/realdata`), so a
source checkout and an installed wheel behave the same when run from the project folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


@dataclass(frozen=True)
class Paths:
    """Filesystem layout of one installation (warehouse, raw captures, publications)."""

    home: Path

    @property
    def db(self) -> Path:
        """The embedded lake's catalog (SQLite; Parquet files in `lake_data/` beside it). `store.default_lake()` is
        the warehouse: this one, or the distributed lake `CIX_LAKE_CATALOG` names."""
        return self.home / "lake.sqlite"

    @property
    def captures(self) -> Path:
        return self.home / "captures"

    @property
    def parse_cache(self) -> Path:
        """Parsed captures (`flow.parse_cache`), so `verify` and re-runs parse each raw capture once."""
        return self.home / "parse-cache"

    @property
    def publish(self) -> Path:
        return _env_path("CIX_PUBLISH_DIR", Path.cwd() / "publish")


def paths() -> Paths:
    return Paths(home=_env_path("CIX_HOME", Path.cwd() / "var"))


def realdata_dir() -> Path:
    """The shared real captures, read in place (never copied into the repo)."""
    return _env_path("CIX_REALDATA", Path.cwd().parent / "shared" / "realdata")
