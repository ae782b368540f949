"""Objects (raw capture bodies, staged frames) under one root, on the local disk or in an S3-compatible bucket: the
lake's object store when it has one. One library for both, `pyarrow.fs`, so the same calls run in either place.

Writes are atomic: a local object is written to a temporary name in its folder, flushed to disk and renamed; an
S3 object appears whole when its upload completes (a PUT, or a multipart upload's completion, is atomic per object).
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from pipeline.config import S3, is_object_store

if TYPE_CHECKING:
    from pyarrow.fs import FileSystem


class ObjectStore:
    """Objects addressed by a relative key (`ab/abcdef…`, `run-1.quotes.parquet`) under `root`."""

    def __init__(self, root: str | Path, s3: S3 | None = None) -> None:
        from pyarrow.fs import LocalFileSystem, S3FileSystem

        text = str(root)
        self.fs: FileSystem
        if is_object_store(text):
            s3 = s3 or S3.from_env()
            self.fs = S3FileSystem(
                access_key=s3.key_id or None,
                secret_key=s3.secret or None,
                region=s3.region,
                endpoint_override=s3.endpoint,
                scheme="https" if s3.use_ssl else "http",
                force_virtual_addressing=s3.url_style == "vhost",
                allow_delayed_open=True,  # a small object is then one PUT at close, not a multipart upload
            )
            self.local = False
            self.base = text.split("://", 1)[1].strip("/")  # bucket/prefix, as pyarrow.fs names it
            self.root = text.rstrip("/") + "/"
        else:
            self.fs = LocalFileSystem()
            self.local = True
            self.base = str(Path(text).expanduser().resolve())
            self.root = self.base

    def __repr__(self) -> str:
        return f"ObjectStore({self.root!r})"

    def path(self, key: str) -> str:
        """The object's path as `self.fs` names it."""
        if not key or key.startswith("/") or ".." in PurePosixPath(key).parts:
            raise ValueError(f"not an object key: {key!r}")
        return f"{self.base}/{key}"

    def exists(self, key: str) -> bool:
        from pyarrow.fs import FileType

        return bool(self.fs.get_file_info(self.path(key)).type == FileType.File)

    def put(self, key: str, data: bytes, read_only: bool = False) -> None:
        """Write `data` as `key`, whole or not at all (a reader never sees a part). `read_only`: a local object is
        then made read-only (a write-once body)."""
        target = self.path(key)
        if not self.local:
            with self.fs.open_output_stream(target) as out:
                out.write(data)
            return
        parent = target.rsplit("/", 1)[0]
        self.fs.create_dir(parent, recursive=True)
        tmp = f"{parent}/.incoming-{uuid.uuid4().hex}"
        try:
            with self.fs.open_output_stream(tmp) as out:
                out.write(data)
            fd = os.open(tmp, os.O_RDONLY)  # durable before it has its name: pyarrow's stream does not fsync
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            if read_only:
                os.chmod(tmp, 0o444)
            self.fs.move(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        """The object's bytes; FileNotFoundError when there is none."""
        try:
            with self.fs.open_input_stream(self.path(key)) as stream:
                return bytes(stream.read())
        except FileNotFoundError:
            raise
        except OSError as exc:  # S3 says a missing key with a plain OSError
            if not self.exists(key):
                raise FileNotFoundError(f"{self.root}: no object {key}") from exc
            raise

    def delete(self, key: str) -> None:
        """Remove the object if it is there (on S3, pyarrow then keeps an empty folder marker, `prefix/`, when it was
        the folder's last object)."""
        if self.exists(key):
            self.fs.delete_file(self.path(key))

    def list_keys(self, prefix: str = "") -> list[str]:
        """Every object key under `prefix` (a folder), sorted; temporary names excluded."""
        return sorted(self.listing(prefix))

    def listing(self, prefix: str = "") -> dict[str, datetime]:
        """Every object key under `prefix` (a folder) and when its object was written (UTC); temporary names
        excluded."""
        from pyarrow.fs import FileSelector, FileType

        base = self.base + ("/" + prefix.strip("/") if prefix else "")
        found = self.fs.get_file_info(FileSelector(base, recursive=True, allow_not_found=True))
        return {
            f.path[len(self.base) + 1 :]: _utc(f.mtime)
            for f in found
            if f.type == FileType.File and not PurePosixPath(f.path).name.startswith(".incoming-")
        }


def _utc(mtime: datetime | None) -> datetime:
    """An object's write time as an aware UTC time (pyarrow gives local disks' as naive UTC; unknown: the epoch)."""
    if mtime is None:
        return datetime.fromtimestamp(0, UTC)
    return mtime.replace(tzinfo=UTC) if mtime.tzinfo is None else mtime.astimezone(UTC)
