"""Prime Intellect marketplace price statistics, JSON Lines: one aggregate snapshot per line.

Each line summarises every offer Prime Intellect's aggregated marketplace listed for one
GPU type at one half-hourly run (USD per GPU-hour = offer price / GPU count, spot and
on-demand offers together). The quote is the snapshot's median, observed at the line's
own timestamp; the other statistics, offer counts, per-provider and per-configuration
figures are kept in `attributes`. The lines are the archive kept by
tugot17/gpu-price-tracker (`data/summary/<GPU>.jsonl`); the live availability API
(`/api/v1/availability/`, Bearer key) answers per-offer JSON, which is not this shape
and so is recorded as schema drift rather than misread.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from typing import Any

import polars as pl

from pipeline.domain.records import RawCapture, decimal_text, parsed_frame
from pipeline.sources.archive import last_record_time
from pipeline.sources.base import Archive, Request, Source
from pipeline.sources.read import loads_bounded, plain_json, require, to_decimal

HOSTS = ("api.primeintellect.ai",)
URL_BASE = "https://api.primeintellect.ai/api/v1/availability/"
GPU_TYPES = ("H100_80GB", "H200_141GB", "B200_180GB", "GH200_96GB", "A100_80GB")
_MEMORY = re.compile(r"(\d+)\s*GB", re.IGNORECASE)


def _timestamp(value: Any) -> datetime | None:
    """The snapshot time, only if it names its zone (a naive time cannot be placed in UTC)."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.astimezone(UTC) if when.tzinfo is not None else None


def _row(capture: RawCapture, record: dict[str, Any], line_no: int) -> dict[str, Any]:
    gpu_type = str(record["gpu_type"])
    socket = record.get("socket_type")
    stats = record.get("price_stats")
    raw_median = stats.get("median") if isinstance(stats, dict) else None
    median = to_decimal(raw_median)
    observed = _timestamp(record.get("timestamp"))
    memory = _MEMORY.search(gpu_type)

    reason = None
    if not isinstance(stats, dict) or raw_median is None:
        reason = "median price missing (snapshot without priced offers)"
    elif median is None:
        reason = f"median {raw_median!r} is not a number"
    elif observed is None:
        reason = f"timestamp {record.get('timestamp')!r} is missing or has no time zone"

    attributes = {
        "line": line_no,
        "statistic": "median of offers (USD per GPU-hour), spot and on-demand offers together",
        "timestamp": record.get("timestamp"),
        "price_stats": stats,
        "availability": record.get("availability"),
        "by_provider": record.get("by_provider"),
        "by_config": record.get("by_config"),
    }
    return {
        "source": capture.source,
        "provider": "primeintellect",
        "provider_class": "marketplace",
        "input_tier": "executable",
        "sku": f"{gpu_type}_{socket}" if socket else gpu_type,
        "label": " ".join(part for part in (gpu_type.replace("_", " "), socket) if part),
        "product": "gpu_hour",
        "pricing_type": "on_demand",
        "gpu_count": 1,
        "gpu_memory_gb": float(memory.group(1)) if memory else None,
        "unit": "gpu_hour",
        "price_per": "gpu_hour",
        "price_native": decimal_text(median)
        if median is not None
        else (None if raw_median is None else str(raw_median)),
        "currency": "USD",
        "observed_at": observed,
        "reject_reason": reason,
        "attributes": json.dumps(plain_json(attributes)),
    }


def parse_primeintellect(capture: RawCapture) -> pl.DataFrame:
    try:
        text = capture.body.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    rows: list[dict[str, Any]] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        record = loads_bounded(line, capture.source, f"line {line_no}")
        require(
            isinstance(record, dict) and "gpu_type" in record and "timestamp" in record and "price_stats" in record,
            capture,
            f"line {line_no} lacks gpu_type/timestamp/price_stats",
        )
        rows.append(_row(capture, record, line_no))
    require(
        any(r["reject_reason"] is None for r in rows),
        capture,
        "no snapshot with a median price (expected JSON Lines of price statistics)",
    )
    return parsed_frame(rows)


def _headers() -> tuple[tuple[str, str], ...]:
    key = os.environ.get("PRIME_API_KEY")
    return (("Authorization", f"Bearer {key}"),) if key else ()


SOURCE = Source(
    name="primeintellect",
    product="gpu_hour",
    hosts=HOSTS,
    requests=tuple(Request(url=f"{URL_BASE}?gpu_type={gpu}", headers=_headers()) for gpu in GPU_TYPES),
    parse=parse_primeintellect,
    description="Prime Intellect marketplace, half-hourly median offer price per GPU type (USD per GPU-hour)",
    providers=("primeintellect",),
    archives=(
        Archive("gpu-price-tracker", "gpu-price-tracker/*.jsonl", last_record_time, snapshots=False),
        Archive("primeintellect", "primeintellect/*.jsonl", last_record_time, snapshots=False),
    ),
)
