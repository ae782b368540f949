"""Caches whose entries check themselves: the parse cache (`flow.parse_cache`) and the recomputed fixings
(`audit.recompute`) share how an entry is written, read, verified and pruned.

An entry is one line of JSON (format, key, the payload's sha256, the byte size of each blob) and then its blobs. On
every read the header must name this cache's format and the key asked for, the payload must hash to its recorded
sha256 and the sizes must add up; an entry that fails is discarded (deleted, named in `discarded`) and never trusted.
The self-digest catches accidents and careless edits, not a forger who recomputes it: each cache's user has a way to
ignore it (`verify --reparse`). Entries are written atomically (a temporary file, then a rename), so a reader never
sees half an entry and concurrent writers of the same entry both write the same bytes.

The payload's sha256 of every entry read or written is kept (`digests`): it names the entry's content, so another
cache can key on what was actually read, not on what should have been.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, TypeVar

from pipeline.capture.objects import ObjectStore

T = TypeVar("T")


@dataclass
class SealedCache:
    """Entries under `root`, one file per key (`ab/<key>.<SUFFIX>`)."""

    FORMAT: ClassVar[str]
    SUFFIX: ClassVar[str]
    BLOBS: ClassVar[tuple[str, ...]]  # the blobs of an entry, in order

    root: Path
    hits: int = 0
    misses: int = 0
    discarded: list[str] = field(default_factory=list)  # "<key>: <why>" of entries that failed their check
    unwritable: list[str] = field(default_factory=list)  # "<key>: <why>" of entries that could not be written
    used: set[str] = field(default_factory=set)  # keys read or written through this object
    digests: dict[str, str] = field(default_factory=dict)  # key -> its payload's sha256, for entries read or written

    def __post_init__(self) -> None:
        self._objects = ObjectStore(self.root)

    def _object(self, key: str) -> str:
        return f"{key[:2]}/{key}.{self.SUFFIX}"

    def path(self, key: str) -> Path:
        return self.root / self._object(key)

    def read(self, key: str, decode: Callable[[list[bytes]], T]) -> T | None:
        """The entry's blobs through `decode`, or None when it is absent or fails its check (or `decode`): then it
        is removed and named in `discarded`."""
        try:
            raw = self._objects.get(self._object(key))
        except OSError:  # absent (or unreadable: then the work is done again, as without a cache)
            self.misses += 1
            return None
        try:
            digest, blobs = self._unseal(key, raw)
            decoded = decode(blobs)
        except Exception as exc:  # any unreadable or mismatching entry is discarded, never trusted
            self.discarded.append(f"{key[:16]}…: {exc}")
            self.misses += 1
            self.path(key).unlink(missing_ok=True)
            return None
        self.hits += 1
        self.used.add(key)
        self.digests[key] = digest
        return decoded

    def _unseal(self, key: str, raw: bytes) -> tuple[str, list[bytes]]:
        newline = raw.index(b"\n")
        header = json.loads(raw[:newline])
        payload = raw[newline + 1 :]
        if header.get("format") != self.FORMAT or header.get("key") != key:
            raise ValueError("entry is not this key's")
        digest = hashlib.sha256(payload).hexdigest()
        if digest != header.get("sha256"):
            raise ValueError("entry content does not hash to its recorded sha256")
        sizes = [int(header[f"{name}_bytes"]) for name in self.BLOBS]
        if sum(sizes) != len(payload):
            raise ValueError("entry sizes do not add up")
        blobs, at = [], 0
        for size in sizes:
            blobs.append(payload[at : at + size])
            at += size
        return digest, blobs

    def write(self, key: str, blobs: list[bytes]) -> None:
        """Write the entry atomically (through the object store). A cache that cannot be written (a read-only home,
        a full disk) only makes the next run do the work again: noted in `unwritable`."""
        payload = b"".join(blobs)
        digest = hashlib.sha256(payload).hexdigest()
        header: dict[str, object] = {"format": self.FORMAT, "key": key, "sha256": digest}
        header |= {f"{name}_bytes": len(blob) for name, blob in zip(self.BLOBS, blobs, strict=True)}
        self.digests[key] = digest
        try:  # whole or not at all (the object store writes a temporary name, fsyncs, renames)
            self._objects.put(self._object(key), json.dumps(header, sort_keys=True).encode() + b"\n" + payload)
        except OSError as exc:
            self.unwritable.append(f"{key[:16]}…: {exc}")
        else:
            self.used.add(key)

    def prune(self, before: float) -> int:
        """Delete the entries this object neither read nor wrote that were last written before `before` (a
        POSIX time): after a full `verify`, those are keyed by code, inputs or captures no longer in use. An entry
        written since (by a run loading new captures meanwhile) is kept. Returns how many were deleted."""
        pruned = 0
        for path in self.root.glob(f"??/*.{self.SUFFIX}"):
            try:
                if path.name.removesuffix(f".{self.SUFFIX}") not in self.used and path.stat().st_mtime < before:
                    path.unlink()
                    pruned += 1
            except FileNotFoundError:  # removed meanwhile by another pruner
                continue
        return pruned
