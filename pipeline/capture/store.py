"""Raw capture store: content-addressed and write-once.

Bodies are stored exactly as received under their sha256; a stored body is never rewritten,
and reading one checks it still hashes to its name.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from pipeline.domain.records import RawCapture


class CaptureIntegrityError(Exception):
    """A stored body no longer hashes to its name: it was altered after capture."""


class CaptureStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def relative_path(self, capture_id: str) -> str:
        return f"{capture_id[:2]}/{capture_id}"

    def put(self, capture: RawCapture) -> str:
        """Store the body once (atomic rename); return its path relative to the store root."""
        rel = self.relative_path(capture.capture_id)
        path = self.root / rel
        if path.exists():
            return rel
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(capture.body)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        os.chmod(path, 0o444)
        return rel

    def get(self, capture_id: str) -> bytes:
        path = self.root / self.relative_path(capture_id)
        try:
            body = path.read_bytes()
        except FileNotFoundError:
            raise CaptureIntegrityError(f"capture {capture_id} is missing from {self.root}") from None
        actual = hashlib.sha256(body).hexdigest()
        if actual != capture_id:
            raise CaptureIntegrityError(f"capture {capture_id} was altered (body now hashes to {actual})")
        return body
