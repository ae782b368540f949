"""Prime Intellect parsers v1 and v2, kept for the quotes stored with them (`cix verify` re-derives a quote with the
parser version it was recorded under). Both read each line as a Python dict with a `Decimal` per number and
re-encode the attributes; v1 reads a line as one executable marketplace quote (the pooled median), v2 as the firms
behind it. New captures are read by v3 (`sources.primeintellect`), v2's rows from whole columns.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import polars as pl

from pipeline.domain.records import RawCapture, decimal_text, parsed_frame
from pipeline.sources.read import loads_bounded, plain_json, require, to_decimal

AGGREGATOR = "primeintellect"
MEMORY = re.compile(r"(\d+)\s*GB", re.IGNORECASE)
# Hosts Prime Intellect lists without naming the firm: partner datacentres (`dc_<codename>`) and its own compute.
UNNAMED_HOST = re.compile(r"^(dc_[a-z0-9_]+|primecompute)$")


def timestamp_of(value: Any) -> datetime | None:
    """The snapshot time, only if it names its zone (a naive time cannot be placed in UTC)."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.astimezone(UTC) if when.tzinfo is not None else None


def _lines(capture: RawCapture) -> list[tuple[int, dict[str, Any]]]:
    try:
        text = capture.body.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    records: list[tuple[int, dict[str, Any]]] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        record = loads_bounded(line, capture.source, f"line {line_no}")
        require(
            isinstance(record, dict) and "gpu_type" in record and "timestamp" in record and "price_stats" in record,
            capture,
            f"line {line_no} lacks gpu_type/timestamp/price_stats",
        )
        records.append((line_no, record))
    return records


def _good(record: dict[str, Any]) -> dict[str, Any]:
    """What every row of a line shares: the GPU type, its memory and the line's time."""
    gpu_type = str(record["gpu_type"])
    socket = record.get("socket_type")
    memory = MEMORY.search(gpu_type)
    return {
        "sku": f"{gpu_type}_{socket}" if socket else gpu_type,
        "label": " ".join(part for part in (gpu_type.replace("_", " "), socket) if part),
        "product": "gpu_hour",
        "pricing_type": "on_demand",
        "gpu_count": 1,
        "gpu_memory_gb": float(memory.group(1)) if memory else None,
        "unit": "gpu_hour",
        "price_per": "gpu_hour",
        "currency": "USD",
    }


def _price_text(value: Decimal | None, raw: Any) -> str | None:
    return decimal_text(value) if value is not None else (None if raw is None else str(raw))


def _row(capture: RawCapture, record: dict[str, Any], line_no: int) -> dict[str, Any]:
    """Parser v1: the line's pooled median as one executable marketplace quote."""
    stats = record.get("price_stats")
    raw_median = stats.get("median") if isinstance(stats, dict) else None
    median = to_decimal(raw_median)
    observed = timestamp_of(record.get("timestamp"))
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
        **_good(record),
        "source": capture.source,
        "provider": AGGREGATOR,
        "provider_class": "marketplace",
        "input_tier": "executable",
        "price_native": _price_text(median, raw_median),
        "observed_at": observed,
        "reject_reason": reason,
        "attributes": json.dumps(plain_json(attributes)),
    }


def _host_row(
    capture: RawCapture, record: dict[str, Any], line_no: int, host: str, figures: Any, observed: datetime | None
) -> dict[str, Any]:
    """One host's figures in a line: the mean of its offers, for the firm it names (or Prime Intellect's own)."""
    stats = figures if isinstance(figures, dict) else {}
    raw_avg = stats.get("avg")
    avg = to_decimal(raw_avg)
    unnamed = UNNAMED_HOST.match(host) is not None
    reason = None
    if raw_avg is None:
        reason = f"host {host!r} without a mean price"
    elif avg is None or avg <= 0:
        reason = f"host {host!r} mean price {raw_avg!r} is not a positive number"
    elif observed is None:
        reason = f"timestamp {record.get('timestamp')!r} is missing or has no time zone"
    what = "Prime Intellect's own offers (a host it does not name)" if unnamed else f"{host}'s offers"
    attributes = {
        "line": line_no,
        "host": host,
        "statistic": f"mean of {what} listed through Prime Intellect (USD per GPU-hour), "
        "spot and on-demand, every configuration",
        "offers": stats.get("count"),
        "min": stats.get("min"),
        "avg": raw_avg,
    }
    return {
        **_good(record),
        "source": capture.source,
        "provider": AGGREGATOR if unnamed else host,
        "provider_class": "aggregator" if unnamed else "neocloud",
        "input_tier": "statistic",
        "price_native": _price_text(avg, raw_avg),
        "observed_at": observed,
        "reject_reason": reason,
        "attributes": json.dumps(plain_json(attributes)),
        "via": None if unnamed else AGGREGATOR,
        "time_basis": "content",
    }


def _snapshot_rows(capture: RawCapture, record: dict[str, Any], line_no: int) -> list[dict[str, Any]]:
    """Parser v2: Prime Intellect's pooled median (its own figure), then one row per host."""
    pooled = _row(capture, record, line_no)
    pooled.update(provider_class="aggregator", input_tier="statistic", time_basis="content")
    observed = pooled["observed_at"]
    hosts = record.get("by_provider")
    hosts = hosts if isinstance(hosts, dict) else {}
    return [pooled] + [_host_row(capture, record, line_no, str(h), f, observed) for h, f in hosts.items()]


def parse_primeintellect_v2(capture: RawCapture) -> pl.DataFrame:
    """Parser v2: per line, the pooled median and one row per host, from Python dicts (a `Decimal` per number,
    re-encoded attributes)."""
    rows = [r for line_no, record in _lines(capture) for r in _snapshot_rows(capture, record, line_no)]
    require(
        any(r["reject_reason"] is None for r in rows),
        capture,
        "no snapshot with a priced offer (expected JSON Lines of price statistics)",
    )
    return parsed_frame(rows)


def parse_primeintellect_v1(capture: RawCapture) -> pl.DataFrame:
    """Parser v1: the pooled median of each line as Prime Intellect's executable marketplace quote."""
    rows = [_row(capture, record, line_no) for line_no, record in _lines(capture)]
    require(
        any(r["reject_reason"] is None for r in rows),
        capture,
        "no snapshot with a median price (expected JSON Lines of price statistics)",
    )
    return parsed_frame(rows)
