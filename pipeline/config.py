"""Where things live. Every path can be moved with an environment variable.

Defaults are relative to the working directory (`./var`, `./publish`, `../shared/realdata`), so a
source checkout and an installed wheel behave the same when run from the project folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
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
        """The embedded capture store (the default of `objects("captures")`)."""
        return self.home / "captures"

    def objects(self, name: str) -> str:
        """Where the `name` objects (raw `captures`, `staging` frames) live: a folder under `$CIX_OBJECT_STORE`
        (a path or `s3://bucket/prefix/`); else, when the lake's data is in an object store (`CIX_LAKE_DATA=
        s3://bucket/lake/`), beside it in the same bucket (`s3://bucket/<name>/`); else under `$CIX_HOME`."""
        root = os.environ.get("CIX_OBJECT_STORE") or _beside_lake_data(os.environ.get("CIX_LAKE_DATA", ""))
        if not root:
            return str(self.home / name)
        if is_object_store(root):
            return root.rstrip("/") + "/" + name + "/"
        return str(Path(root).expanduser().resolve() / name)

    @property
    def parse_cache(self) -> Path:
        """Parsed captures (`flow.parse_cache`), so `verify` and re-runs parse each raw capture once. Always on this
        machine, even when the captures are in an object store: it is a cache, never a record."""
        return self.home / "parse-cache"

    @property
    def publish(self) -> Path:
        return _env_path("CIX_PUBLISH_DIR", Path.cwd() / "publish")


def is_object_store(location: str) -> bool:
    """An S3-compatible location (`s3://bucket/prefix`), as opposed to a local path."""
    return location.startswith(("s3://", "s3a://"))


def _beside_lake_data(lake_data: str) -> str | None:
    """The parent of the lake's data prefix in its object store (`s3://b/lake/` -> `s3://b/`), None when local."""
    if not is_object_store(lake_data):
        return None
    scheme, _, rest = lake_data.partition("://")
    parts = [p for p in rest.split("/") if p]
    return f"{scheme}://{'/'.join(parts[:-1] if len(parts) > 1 else parts)}/"


@dataclass(frozen=True)
class S3:
    """An S3-compatible object store (the lake's data files, raw captures, staged frames); credentials never appear
    in messages."""

    endpoint: str | None
    key_id: str = field(repr=False)
    secret: str = field(repr=False)
    region: str = "us-east-1"
    use_ssl: bool = True
    url_style: str = "path"

    @classmethod
    def from_env(cls) -> S3:
        return cls(
            endpoint=os.environ.get("CIX_S3_ENDPOINT") or None,
            key_id=os.environ.get("CIX_S3_ACCESS_KEY_ID", ""),
            secret=os.environ.get("CIX_S3_SECRET_ACCESS_KEY", ""),
            region=os.environ.get("CIX_S3_REGION", "us-east-1"),
            use_ssl=os.environ.get("CIX_S3_USE_SSL", "true").lower() in {"1", "true", "yes"},
            url_style=os.environ.get("CIX_S3_URL_STYLE", "path"),
        )


def paths() -> Paths:
    return Paths(home=_env_path("CIX_HOME", Path.cwd() / "var"))


def realdata_dir() -> Path:
    """The shared real captures, read in place (never copied into the repo)."""
    return _env_path("CIX_REALDATA", Path.cwd().parent / "shared" / "realdata")
