"""Signed publications as the API serves them: a day's folder is served only whole and consistent.

A folder is read when its files change (a directory listing with sizes and times per request, nothing more);
it is served only if its manifest parses, its signature is present and every listed file has the listed
sha256, so a publication being written (or left half-written by a crash) is never served as if it were one.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fastapi import HTTPException

from pipeline.face.web.problems import Unavailable

MANIFEST, SIGNATURE = "manifest.json", "manifest.sig"


@dataclass(frozen=True)
class Publication:
    day: date
    files: dict[str, bytes]  # the manifest, its signature and every file it lists
    manifest: dict[str, Any]
    version: str  # sha256 of the manifest: what the signature covers
    published_at: datetime


def _stamp(folder: Path) -> tuple[tuple[str, int, int, int], ...] | None:
    try:
        entries = sorted(folder.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return None
    out = []
    for p in entries:
        try:
            st = p.stat()
        except FileNotFoundError:
            continue
        out.append((p.name, st.st_ino, st.st_mtime_ns, st.st_size))
    return tuple(out)


class Publications:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[date, tuple[tuple[Any, ...], Publication]] = {}
        self._lock = threading.Lock()

    def days(self) -> list[date]:
        """Days with a publication folder (complete or not), newest first."""
        out = []
        if self.root.is_dir():
            for p in self.root.iterdir():
                try:
                    out.append(date.fromisoformat(p.name))
                except ValueError:
                    continue
        return sorted(out, reverse=True)

    def get(self, day: date) -> Publication:
        # The day's name is a link swapped atomically to a complete folder: resolve it once, read only there.
        folder = (self.root / day.isoformat()).resolve()
        stamp = _stamp(folder)
        if stamp is None:
            raise HTTPException(404, f"no publication for {day}")
        cached = self._cache.get(day)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        publication = _read(folder, day)
        with self._lock:
            self._cache[day] = (stamp, publication)
        return publication


def _read(folder: Path, day: date) -> Publication:
    incomplete = f"the publication for {day} is incomplete or being written"
    try:
        manifest_bytes = (folder / MANIFEST).read_bytes()
        signature = (folder / SIGNATURE).read_bytes()
        manifest = json.loads(manifest_bytes)
        listed = dict(manifest["files"])
    except FileNotFoundError:
        raise Unavailable(incomplete) from None
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise Unavailable(f"the manifest for {day} is not readable") from None
    files = {MANIFEST: manifest_bytes, SIGNATURE: signature}
    for name, meta in listed.items():
        try:
            data = (folder / Path(name).name).read_bytes()
        except FileNotFoundError:
            raise Unavailable(incomplete) from None
        if hashlib.sha256(data).hexdigest() != meta.get("sha256"):
            raise Unavailable(incomplete)
        files[Path(name).name] = data
    try:
        published = datetime.fromisoformat(str(manifest["published_at"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        published = datetime.fromtimestamp((folder / MANIFEST).stat().st_mtime, UTC)
    return Publication(day, files, manifest, hashlib.sha256(manifest_bytes).hexdigest()[:16], published)
