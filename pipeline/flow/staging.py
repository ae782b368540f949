"""Staged batches: a capture run's normalised frames waiting for the run's one quality gate (`staging/` beside the
captures). The gate deletes what it loads; a batch it refused, or one the lake would not take, stays for the
post-mortem, and one whose run stopped before its gate stays too. This module stages, reads and removes them
(`stage`, `read_staged`, `unstage`), says what became of each (`staged_batches`, read against the lake's gate
record) and lets an operator discard them (`discard_staged`): a staged frame is never the only copy, since the raw
capture stays in the capture store and `cix parse` derives the same rows from it again."""

from __future__ import annotations

import io
import logging
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from pipeline.capture.objects import ObjectStore
from pipeline.config import paths
from pipeline.domain.records import RawCapture
from pipeline.store import Warehouse

KINDS = ("quotes", "rejections")
RETENTION_ENV = "CIX_STAGED_RETENTION_DAYS"  # how long a batch left staged is kept for its post-mortem; 0: forever
DEFAULT_RETENTION_DAYS = 14
log = logging.getLogger(__name__)
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
class Listed:
    """One capture's staged frames, as the listing of `staging/` shows them (no object read, no lake asked)."""

    source: str
    capture_prefix: str  # the first 16 hex digits of the capture's sha256, as the key holds it
    fetched_at: datetime  # the capture's own time (a replayed run's is its logical time)
    staged_at: datetime  # when its frames were written (the earliest of them)
    keys: tuple[str, ...]


@dataclass(frozen=True)
class StagedBatch(Listed):
    """A listed batch with its frames' rows and what the lake says became of the capture."""

    rows: dict[str, int]  # per kind, the frame's rows (-1: the object cannot be read as Parquet)
    state: str  # refused | passed_not_loaded | loaded | not_gated
    detail: str  # the gate's failed expectations, or what the state means

    def as_row(self, now: datetime) -> dict[str, Any]:
        return {
            "source": self.source,
            "capture": self.capture_prefix,
            "fetched_at": self.fetched_at.isoformat(),
            "staged_at": self.staged_at.isoformat(timespec="seconds"),
            "staged_hours_ago": round((now - self.staged_at).total_seconds() / 3600, 1),
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


def listed(store: ObjectStore) -> tuple[list[Listed], list[str]]:
    """The staged batches, oldest first, from the listing alone; and the objects under `staging/` that are not
    staged frames (named, never touched)."""
    groups: dict[tuple[str, str, datetime], list[str]] = {}
    strangers = []
    written = store.listing()
    for key in sorted(written):
        parsed = parse_key(key)
        if parsed is None:
            strangers.append(key)
            continue
        source, prefix, at, _ = parsed
        groups.setdefault((source, prefix, at), []).append(key)
    batches = [
        Listed(source, prefix, at, min(written[k] for k in keys), tuple(keys))
        for (source, prefix, at), keys in sorted(groups.items(), key=lambda g: (g[0][2], g[0][0], g[0][1]))
    ]
    return batches, strangers


def staged_batches(store: ObjectStore, warehouse: Warehouse) -> tuple[list[StagedBatch], list[str]]:
    """`listed`, each batch with its frames' rows and what the lake's gate record says of it."""
    batches, strangers = listed(store)
    fates = warehouse.staged_fates([(b.source, b.capture_prefix, b.fetched_at) for b in batches])
    out = []
    for b in batches:
        rows = {key.rsplit(".", 2)[-2]: _rows(store, key) for key in b.keys}  # <...>.<kind>.parquet
        state, detail = _state(fates.get((b.source, b.capture_prefix, b.fetched_at)))
        out.append(StagedBatch(b.source, b.capture_prefix, b.fetched_at, b.staged_at, b.keys, rows, state, detail))
    return out, strangers


def discard_staged(store: ObjectStore, batches: list[StagedBatch], before: datetime) -> list[StagedBatch]:
    """Delete the frames of the batches whose captures were fetched before `before` (timezone-aware); the batches
    discarded. The raw captures stay in the capture store."""
    if before.tzinfo is None:
        raise ValueError("a time without a timezone is ambiguous: give one (e.g. 2026-12-01T00:00:00+00:00)")
    gone = [b for b in batches if b.fetched_at < before]
    _delete(store, gone)
    return gone


def retention() -> timedelta | None:
    """How long a batch left staged is kept (`$CIX_STAGED_RETENTION_DAYS`, 14 days unless set; 0: forever)."""
    text = os.environ.get(RETENTION_ENV, "").strip() or str(DEFAULT_RETENTION_DAYS)
    try:
        days = float(text)
    except ValueError:
        raise ValueError(f"{RETENTION_ENV}={text!r} is not a number of days") from None
    if not days >= 0 or days == float("inf"):
        raise ValueError(f"{RETENTION_ENV}={text!r}: a number of days, 0 or more (0: keep them)")
    return timedelta(days=days) if days > 0 else None


def expire(store: ObjectStore, now: datetime) -> list[Listed]:
    """Discard the batches staged longer than `retention()` before `now` (the capture run's gate calls it, so what
    a refused batch leaves is kept for its post-mortem, not forever); the batches discarded, each logged. Measured
    from when the frames were written, not from the capture's time: a replayed run's captures carry a past time,
    and what it leaves is as new as a live run's. From the listing alone: every run calls it, so it reads no
    frame and asks the lake nothing."""
    kept_for = retention()
    if kept_for is None:
        return []
    gone = [b for b in listed(store)[0] if b.staged_at < now - kept_for]
    _delete(store, gone)
    for b in gone:
        log.info("staged batch %s %s of %s discarded after %s", b.source, b.capture_prefix, b.fetched_at, kept_for)
    return gone


def _delete(store: ObjectStore, batches: list[StagedBatch] | list[Listed]) -> None:
    for batch in batches:
        for key in batch.keys:
            store.delete(key)


def _state(fate: tuple[bool | None, str | None, bool] | None) -> tuple[str, str]:
    """From (the latest gate result, its failed expectations, whether the capture's rows are in the lake)."""
    success, failures, loaded = fate or (None, None, False)
    if loaded:
        return "loaded", "in the lake (the gate's clean-up did not finish): safe to discard"
    if success is None:
        return "not_gated", "no gate result: its run stopped before the gate, or is still running"
    if success:
        return "passed_not_loaded", "passed the gate, but the lake refused the batch: see the gate task's log"
    return "refused", f"refused by the gate: {failures or 'no failure recorded'}"


def _rows(store: ObjectStore, key: str) -> int:
    import pyarrow.parquet as pq

    try:
        return int(pq.ParquetFile(io.BytesIO(store.get(key))).metadata.num_rows)
    except (OSError, ValueError):
        return -1
