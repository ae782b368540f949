"""Raw capture store: content-addressed and write-once, on the local disk or in the lake's object store.

Bodies are stored exactly as received under their sha256; a stored body is never rewritten,
and reading one checks it still hashes to its name.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pipeline.capture.objects import ObjectStore
from pipeline.config import Paths, paths
from pipeline.domain.records import RawCapture


class CaptureIntegrityError(Exception):
    """A stored body no longer hashes to its name: it was altered after capture."""


class CaptureStore:
    def __init__(self, root: str | Path | ObjectStore) -> None:
        """`root`: a local folder, an `s3://bucket/prefix/` (credentials from `CIX_S3_*`) or an ObjectStore."""
        self.objects = root if isinstance(root, ObjectStore) else ObjectStore(root)
        self.root = self.objects.root

    @classmethod
    def of(cls, where: Paths | None = None) -> CaptureStore:
        """The installation's capture store: in the lake's object store when it has one, else under `$CIX_HOME`
        (see `Paths.objects`)."""
        return cls((where or paths()).objects("captures"))

    def relative_path(self, capture_id: str) -> str:
        return f"{capture_id[:2]}/{capture_id}"

    def put(self, capture: RawCapture) -> str:
        """Store the body once (atomically, read-only); return its path relative to the store root."""
        rel = self.relative_path(capture.capture_id)
        if not self.objects.exists(rel):
            self.objects.put(rel, capture.body, read_only=True)
        return rel

    def get(self, capture_id: str) -> bytes:
        try:
            body = self.objects.get(self.relative_path(capture_id))
        except FileNotFoundError:
            raise CaptureIntegrityError(f"capture {capture_id} is missing from {self.root}") from None
        actual = hashlib.sha256(body).hexdigest()
        if actual != capture_id:
            raise CaptureIntegrityError(f"capture {capture_id} was altered (body now hashes to {actual})")
        return body
