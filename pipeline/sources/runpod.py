"""RunPod GraphQL `gpuTypes`: per-GPU-hour prices for Secure Cloud and Community Cloud.

A price of 0 means that cloud type does not offer the GPU, so it is a rejection,
not a free GPU. Spot fields are read when the query returned them.
"""

from __future__ import annotations

import json
import os
from typing import Any

import polars as pl

from pipeline.domain.records import RawCapture, decimal_text, parsed_frame
from pipeline.sources.base import Request, Source
from pipeline.sources.read import load_json, require, to_decimal

HOSTS = ("api.runpod.io",)
QUERY = (
    "query GpuTypes { gpuTypes { id displayName memoryInGb securePrice communityPrice "
    "secureSpotPrice communitySpotPrice } }"
)

# (field, pricing type, cloud tier)
FIELDS = (
    ("securePrice", "on_demand", "secure_cloud"),
    ("communityPrice", "on_demand", "community_cloud"),
    ("secureSpotPrice", "spot", "secure_cloud"),
    ("communitySpotPrice", "spot", "community_cloud"),
)


def parse_runpod_graphql(capture: RawCapture) -> pl.DataFrame:
    doc = load_json(capture)
    require(isinstance(doc, dict) and isinstance(doc.get("data"), dict), capture, "no 'data' object")
    gpu_types = doc["data"].get("gpuTypes")
    require(isinstance(gpu_types, list) and len(gpu_types) > 0, capture, "no 'data.gpuTypes' list")
    rows: list[dict[str, Any]] = []
    for gpu in gpu_types:
        require(isinstance(gpu, dict) and "id" in gpu, capture, "gpuType without id")
        memory = to_decimal(gpu.get("memoryInGb"))
        for field_name, pricing_type, cloud in FIELDS:
            if field_name not in gpu or gpu[field_name] is None:
                continue
            price = to_decimal(gpu[field_name])
            reason = None
            if price is None:
                reason = f"{field_name} {gpu[field_name]!r} is not a number"
            elif price == 0:
                reason = f"not offered on {cloud} ({field_name} is 0)"
            rows.append(
                {
                    "source": capture.source,
                    "provider": "runpod",
                    "provider_class": "neocloud",
                    "input_tier": "rate_card",
                    "sku": str(gpu["id"]),
                    "label": f"{gpu.get('displayName') or gpu['id']} ({gpu['id']})",
                    "product": "gpu_hour",
                    "pricing_type": pricing_type,
                    "region": cloud,
                    "gpu_count": 1,
                    "gpu_memory_gb": float(memory) if memory else None,
                    "unit": "gpu_hour",
                    "price_per": "gpu_hour",
                    "price_native": decimal_text(price) if price is not None else str(gpu[field_name]),
                    "currency": "USD",
                    "observed_at": capture.fetched_at,
                    "reject_reason": reason,
                    "attributes": json.dumps({"cloud": cloud, "field": field_name}),
                }
            )
    return parsed_frame(rows)


def _headers() -> tuple[tuple[str, str], ...]:
    headers = [("Content-Type", "application/json")]
    key = os.environ.get("RUNPOD_API_KEY")
    if key:
        headers.append(("Authorization", f"Bearer {key}"))
    return tuple(headers)


SOURCE = Source(
    name="runpod",
    product="gpu_hour",
    hosts=HOSTS,
    requests=(
        Request(
            url="https://api.runpod.io/graphql",
            method="POST",
            body=json.dumps({"query": QUERY}).encode(),
            headers=_headers(),
        ),
    ),
    parse=parse_runpod_graphql,
    description="RunPod GraphQL gpuTypes (USD per GPU-hour, secure and community cloud)",
    providers=("runpod",),
)
