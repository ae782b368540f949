"""Staged batches: a capture run's normalised frames waiting for the run's one quality gate (`staging/` beside the
captures). The gate deletes what it loads; a batch it refused, or one the lake would not take, stays for the
post-mortem, and one whose run stopped before its gate stays too. This module stages, reads and removes them
(`stage`, `read_staged`, `unstage`), says what became of each (`staged_batches`, read against the lake's gate
record) and lets an operator discard them (`discard_staged`): a staged frame is never the only copy, since the raw
capture stays in the capture store and `cix parse` derives the same rows from it again."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import polars as pl

from pipeline.capture.objects import ObjectStore
from pipeline.config import paths
from pipeline.domain.records import RawCapture
from pipeline.store import Warehouse

KINDS = ("quotes", "rejections")
_STAMP = "%Y%m%dT%H%M%S%f"
_KEY = re.compile(
    r"^(?P<source>[a-z0-9][a-z0-9_-]*)-(?P<capture>[0-9a-f]{16})-(?P<stamp>\d{8}T\d{12})\.(?P<kind>\w+)\.parquet$"
)


def staging_store() -> ObjectStore:
    """Where normalised frames wait for the run's gate: `staging/` beside the captures."""
    return ObjectStore(paths().objects("staging"))


def staged_key(source: str, capture_id: str, fetched_at: datetime, kind: str) -> str:
    """The staged frame's object key: one per capture and kind (`quotes` or `rejections`)."""
    if kind not in KINDS:
        raise ValueError(f"not a staged kind: {kind!r}")
    return f"{source}-{capture_id[:16]}-{fetched_at.astimezone(UTC).strftime(_STAMP)}.{kind}.parquet"


def stage(store: ObjectStore, capture: RawCapture, quotes: pl.DataFrame, rejections: pl.DataFrame) -> None:
    """Stage a capture's normalised frames for the run's gate (each written atomically)."""
    for kind, frame in zip(KINDS, (quotes, rejections), strict=True):
        buffer = io.BytesIO()
        frame.write_parquet(buffer)
        store.put(_key_of(capture, kind), buffer.getvalue())


def read_staged(store: ObjectStore, capture: RawCapture) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The capture's staged quotes and rejections."""
    quotes, rejections = (pl.read_parquet(io.BytesIO(store.get(_key_of(capture, kind)))) for kind in KINDS)
    return quotes, rejections


def unstage(store: ObjectStore, capture: RawCapture) -> None:
    """Remove the capture's staged frames (once its batch is loaded)."""
    for kind in KINDS:
        store.delete(_key_of(capture, kind))


def _key_of(capture: RawCapture, kind: str) -> str:
    return staged_key(capture.source, capture.capture_id, capture.fetched_at, kind)


@dataclass(frozen=True)
class StagedBatch:
    """One capture's staged frames and what the lake says became of the capture."""

    source: str
    capture_prefix: str  # the first 16 hex digits of the capture's sha256, as the key holds it
    fetched_at: datetime
    keys: tuple[str, ...]
    rows: dict[str, int]  # per kind, the frame's rows (-1: the object cannot be read as Parquet)
    state: str  # refused | passed_not_loaded | loaded | not_gated
    detail: str  # the gate's failed expectations, or what the state means

    def as_row(self, now: datetime) -> dict[str, Any]:
        return {
            "source": self.source,
            "capture": self.capture_prefix,
            "fetched_at": self.fetched_at.isoformat(),
            "age_hours": round((now - self.fetched_at).total_seconds() / 3600, 1),
            "quotes": self.rows.get("quotes"),
            "rejections": self.rows.get("rejections"),
            "state": self.state,
            "detail": self.detail,
        }


def parse_key(key: str) -> tuple[str, str, datetime, str] | None:
    """(source, capture prefix, fetch time, kind) of a staged key; None for an object that is not one."""
    m = _KEY.match(key.rsplit("/", 1)[-1])
    if m is None or m["kind"] not in KINDS:
        return None
    return m["source"], m["capture"], datetime.strptime(m["stamp"], _STAMP).replace(tzinfo=UTC), m["kind"]


def staged_batches(store: ObjectStore, warehouse: Warehouse) -> tuple[list[StagedBatch], list[str]]:
    """Every staged batch, oldest first, with what the lake's gate record says of it; and the objects under
    `staging/` that are not staged frames (named, never touched)."""
    groups: dict[tuple[str, str, datetime], list[tuple[str, str]]] = {}
    strangers = []
    for key in store.list_keys():
        parsed = parse_key(key)
        if parsed is None:
            strangers.append(key)
            continue
        source, prefix, at, kind = parsed
        groups.setdefault((source, prefix, at), []).append((kind, key))
    fates = warehouse.staged_fates([(s, p, at) for s, p, at in groups])
    batches = []
    for (source, prefix, at), members in sorted(groups.items(), key=lambda g: (g[0][2], g[0][0], g[0][1])):
        state, detail = _state(fates.get((source, prefix, at)))
        rows = {kind: _rows(store, key) for kind, key in sorted(members)}
        keys = tuple(key for _, key in sorted(members))
        batches.append(StagedBatch(source, prefix, at, keys, rows, state, detail))
    return batches, strangers


def discard_staged(store: ObjectStore, batches: list[StagedBatch], before: datetime) -> list[StagedBatch]:
    """Delete the frames of the batches fetched before `before` (timezone-aware); the batches discarded. The raw
    captures stay in the capture store."""
    if before.tzinfo is None:
        raise ValueError("a time without a timezone is ambiguous: give one (e.g. 2026-12-01T00:00:00+00:00)")
    gone = [b for b in batches if b.fetched_at < before]
    for batch in gone:
        for key in batch.keys:
            store.delete(key)
    return gone


def _state(fate: tuple[bool | None, str | None, bool] | None) -> tuple[str, str]:
    """From (the latest gate result, its failed expectations, whether the capture is in the lake)."""
    if fate is None or fate[0] is None:
        if fate is not None and fate[2]:
            return "loaded", "in the lake (the gate's clean-up did not finish): safe to discard"
        return "not_gated", "no gate result: its run stopped before the gate, or is still running"
    success, failures, loaded = fate
    if loaded:
        return "loaded", "in the lake (the gate's clean-up did not finish): safe to discard"
    if success:
        return "passed_not_loaded", "passed the gate, but the lake refused the batch: see the gate task's log"
    return "refused", f"refused by the gate: {failures or 'no failure recorded'}"


def _rows(store: ObjectStore, key: str) -> int:
    import pyarrow.parquet as pq

    try:
        return int(pq.ParquetFile(io.BytesIO(store.get(key))).metadata.num_rows)
    except (OSError, ValueError):
        return -1
