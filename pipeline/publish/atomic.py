"""Atomic publication: a day's folder becomes visible whole, or not at all.

`publish/<date>` is a symbolic link to an immutable, content-addressed folder under
`publish/.publications/`. A new publication is written in full under a hidden staging name (every
file and directory fsynced, files 0644 and directories 0755), renamed to its content address, and then
the link is swapped with one `rename(2)`: a reader sees the old day or the new day, never a mix, and a
crash at any point leaves the day as it was. Leftovers of an interrupted write (hidden staging folders and
links, targets no link points to) are removed by the next publication and are never a publication: only a
`publish/<date>` name is one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
import uuid
from collections.abc import Mapping
from pathlib import Path

STORE = ".publications"
STAGING = ".staging-"
LINK = ".link-"
FILE_MODE = 0o644
DIR_MODE = 0o755
KEEP_UNREFERENCED_SECONDS = 600  # a reader that resolved the previous target a moment ago can still finish


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # whatever the umask: a web server running as another user reads it
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _mkdir(path: Path) -> None:
    path.mkdir()
    os.chmod(path, DIR_MODE)


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file under a folder by relative path (publication folders are small)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _split(folder: Path) -> tuple[Path, str | None]:
    """(the day's folder, the sub-folder written inside it, if any): `<date>` or `<date>/methodology-vN`."""
    if folder.name.startswith("methodology-v"):
        return folder.parent, folder.name
    return folder, None


def publish_folder(folder: Path, files: Mapping[str, bytes]) -> None:
    """Make `folder` (a day, or a methodology sub-folder of a day) hold exactly `files`, atomically for the day.
    What interrupted publications left is the caller's to remove first (`clean_leftovers`), once for a batch of days:
    a scan of the whole root per day made a backfill's publishing quadratic."""
    day, sub = _split(folder)
    root = day.parent
    root.mkdir(parents=True, exist_ok=True)
    current = _tree(day) if day.is_dir() else {}
    # The rest of the day is carried over unchanged: other methodology versions, or the top-level files.
    if sub is None:
        tree = {k: v for k, v in current.items() if "/" in k}
    else:
        tree = {k: v for k, v in current.items() if not k.startswith(f"{sub}/")}
    tree |= {(name if sub is None else f"{sub}/{name}"): data for name, data in files.items()}
    address = hashlib.sha256(b"".join(f"{k}\0{len(v)}\0".encode() + v for k, v in sorted(tree.items()))).hexdigest()
    store = root / STORE
    store.mkdir(exist_ok=True)
    target = store / f"{day.name}-{address[:32]}"
    if target.is_dir() and _tree(target) != tree:  # an altered copy is never reused: write a fresh one
        target = store / f"{day.name}-{address[:32]}-{uuid.uuid4().hex[:8]}"
    if not target.is_dir():
        staging = root / f"{STAGING}{day.name}-{uuid.uuid4().hex}"
        _mkdir(staging)
        for name, data in sorted(tree.items()):
            path = staging / name
            if not path.parent.is_dir():
                _mkdir(path.parent)
            _write(path, data)
        for d in sorted({(staging / n).parent for n in tree}, key=lambda p: -len(p.parts)):
            _fsync_dir(d)
        os.replace(staging, target)
        _fsync_dir(store)
    _point(day, Path(STORE) / target.name)


def _point(day: Path, relative_target: Path) -> None:
    """Swap the day's link to a new target in one rename; a plain folder (older layout) is moved aside first."""
    if day.is_symlink() and Path(os.readlink(day)) == relative_target:
        return
    root = day.parent
    if day.exists() and not day.is_symlink():  # a folder written before links: moved into the store once
        os.replace(day, root / STORE / f"{day.name}-legacy-{uuid.uuid4().hex[:8]}")
    link = root / f"{LINK}{day.name}-{uuid.uuid4().hex}"
    os.symlink(relative_target, link)
    os.replace(link, day)
    _fsync_dir(root)


def clean_leftovers(root: Path, *, now: float | None = None) -> list[Path]:
    """Remove what interrupted publications left: staging folders, stray links, targets no day points to."""
    if not root.is_dir():
        return []
    removed: list[Path] = []
    for p in root.iterdir():
        if p.name.startswith(LINK):
            p.unlink(missing_ok=True)
            removed.append(p)
        elif p.name.startswith(STAGING) or (p.name.startswith(".") and p.name.endswith(".tmp")):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    store = root / STORE
    if store.is_dir():
        live = {os.readlink(p).split("/")[-1] for p in root.iterdir() if p.is_symlink()}
        moment = time.time() if now is None else now
        for target in store.iterdir():
            if target.name in live:
                continue
            if moment - target.lstat().st_mtime > KEEP_UNREFERENCED_SECONDS:
                shutil.rmtree(target, ignore_errors=True)
                removed.append(target)
    return removed
