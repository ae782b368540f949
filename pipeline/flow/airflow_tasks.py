"""The Airflow adapter: the pipeline's steps with inputs and outputs small enough for XCom.

The only module of the package that may import Airflow. Bodies stay in the capture store and
frames are staged as Parquet under `$CIX_HOME/staging`, so tasks pass only references (source,
capture id, fetch time).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pipeline.capture import CaptureSet, CaptureStore
from pipeline.config import paths
from pipeline.domain.records import RawCapture
from pipeline.flow import daily, ingest
from pipeline.methodology import load
from pipeline.store import Warehouse

Ref = dict[str, Any]


def connection_secret(conn_id: str) -> str:
    """The password of an Airflow connection (where the signing key and API keys are kept)."""
    from airflow.sdk import Connection

    conn = Connection.get(conn_id)
    if not conn.password:
        raise ValueError(f"Airflow connection {conn_id!r} has no password (the secret)")
    return str(conn.password)


def _capture_set(offline: bool, capture_set: str | None) -> CaptureSet | None:
    return CaptureSet.load(Path(capture_set) if capture_set else daily.DEFAULT_SAMPLE_SET) if offline else None


def source_names(offline: bool, capture_set: str | None = None) -> list[str]:
    from pipeline.sources import REGISTRY

    cs = _capture_set(offline, capture_set)
    return cs.sources() if cs else sorted(REGISTRY)


def capture_source(name: str, offline: bool, capture_set: str | None = None) -> list[Ref]:
    from pipeline import sources

    where = paths()
    with Warehouse(where.lake) as warehouse:
        [outcome] = ingest.capture(
            [sources.get(name)], warehouse, CaptureStore(where.captures), capture_set=_capture_set(offline, capture_set)
        )
    return [_ref(c) for c in outcome.captures]


def _ref(c: RawCapture) -> Ref:
    return {
        "source": c.source,
        "capture_id": c.capture_id,
        "fetched_at": c.fetched_at.isoformat(),
        "url": c.url,
        "method": c.method,
        "http_status": c.http_status,
        "content_type": c.content_type,
    }


def _capture(ref: Ref) -> RawCapture:
    body = CaptureStore(paths().captures).get(ref["capture_id"])
    return RawCapture(
        source=ref["source"],
        url=ref["url"],
        fetched_at=datetime.fromisoformat(ref["fetched_at"]),
        body=body,
        http_status=ref["http_status"],
        content_type=ref["content_type"],
        method=ref["method"],
    )


def _staged(ref: Ref, kind: str) -> Path:
    stamp = datetime.fromisoformat(ref["fetched_at"]).strftime("%Y%m%dT%H%M%S%f")
    return paths().home / "staging" / f"{ref['source']}-{ref['capture_id'][:16]}-{stamp}.{kind}.parquet"


def normalise_captures(refs: list[Ref]) -> list[Ref]:
    """Parse and normalise; schema drift is recorded against the source and the capture is skipped."""
    from pipeline import sources
    from pipeline.sources import SourceError

    m = load()
    out = []
    for ref in refs:
        capture = _capture(ref)
        if sources.get(capture.source).is_reference:  # reference rates: stored, not staged as prices
            with Warehouse(paths().lake) as warehouse:
                ingest.ingest(
                    ingest.SourceOutcome(capture.source, [capture]), warehouse, m, ingested_at=datetime.now(UTC)
                )
            continue
        try:
            with Warehouse(paths().lake, read_only=True) as warehouse:
                rates = ingest.fx_rates_on(warehouse, capture.fetched_at.date())
            quotes, rejections = ingest.parse_capture(capture, m.bounds, rates)
        except SourceError as exc:
            with Warehouse(paths().lake) as warehouse:
                warehouse.record_source_run(ref["source"], datetime.now(UTC), "error", exc.kind, exc.reason, 1)
            continue
        for kind, frame in (("quotes", quotes), ("rejections", rejections)):
            target = _staged(ref, kind)
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(".tmp")
            frame.write_parquet(tmp)
            tmp.replace(target)
        out.append({**ref, "quotes": quotes.height, "rejections": rejections.height})
    return out


def gate_and_load(refs: list[Ref]) -> list[Ref]:
    import polars as pl

    m = load()
    out = []
    with Warehouse(paths().lake) as warehouse:
        for ref in refs:
            quotes = pl.read_parquet(_staged(ref, "quotes"))
            rejections = pl.read_parquet(_staged(ref, "rejections"))
            loaded = ingest.gate_and_load(
                _capture(ref), quotes, rejections, warehouse, m, ingested_at=datetime.now(UTC)
            )
            out.append({**ref, "loaded": loaded})
    return out


def fix_day(day: str) -> dict[str, int]:
    with Warehouse(paths().lake) as warehouse:
        fixings = daily.fix(date.fromisoformat(day), warehouse, load(), recorded_at=datetime.now(UTC))
    return {
        "published": sum(f.status == "published" for f in fixings),
        "indicative": sum(f.status == "indicative" for f in fixings),
        "withheld": sum(f.status == "withheld" for f in fixings),
    }


def publish_day(day: str) -> list[str]:
    from pipeline.publish.signing import load_signing_key

    where = paths()
    key = load_signing_key(where.home, connection=connection_secret)
    with Warehouse(where.lake) as warehouse:
        return [str(p) for p in daily.publish(date.fromisoformat(day), warehouse, where.publish, key=key)]
