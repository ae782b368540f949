"""OpenRouter `GET /api/v1/models`: the price a buyer pays OpenRouter, per token, as decimal strings.

OpenRouter is an aggregator; by the attribution rule its quotes count for OpenRouter,
the venue the buyer transacts with. Negative prices mark dynamic routers ("-1").
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl

from pipeline.domain.records import RawCapture, decimal_text, parsed_frame
from pipeline.sources.base import Request, Source
from pipeline.sources.read import load_json, require, to_decimal

HOSTS = ("openrouter.ai",)
URL = "https://openrouter.ai/api/v1/models"

PRICE_FIELDS = (("prompt", "mtok_input"), ("completion", "mtok_output"), ("input_cache_read", "mtok_cached_input"))


def parse_openrouter_models(capture: RawCapture) -> pl.DataFrame:
    doc = load_json(capture)
    require(
        isinstance(doc, dict) and isinstance(doc.get("data"), list) and doc["data"], capture, "no non-empty 'data' list"
    )
    rows: list[dict[str, Any]] = []
    for model in doc["data"]:
        require(isinstance(model, dict) and "id" in model, capture, "model without id")
        pricing = model.get("pricing")
        require(isinstance(pricing, dict), capture, f"model {model['id']!r} without pricing")
        for field_name, unit in PRICE_FIELDS:
            if field_name not in pricing:
                continue
            raw = pricing[field_name]
            price = to_decimal(raw)
            reason = None
            if price is None:
                reason = f"{field_name} {raw!r} is not a number"
            elif price < 0:
                reason = f"{field_name} is {raw}: dynamic router, no fixed price"
            rows.append(
                {
                    "source": capture.source,
                    "provider": "openrouter",
                    "provider_class": "aggregator",
                    "input_tier": "rate_card",
                    "sku": str(model["id"]),
                    "label": str(model.get("name") or model["id"]),
                    "product": "tokens",
                    "pricing_type": "on_demand",
                    "unit": unit,
                    "price_per": "token",
                    "price_native": decimal_text(price) if price is not None else str(raw),
                    "currency": "USD",
                    "observed_at": capture.fetched_at,
                    "reject_reason": reason,
                    "attributes": json.dumps(
                        {"canonical_slug": model.get("canonical_slug"), "tiered": bool(pricing.get("overrides"))}
                    ),
                }
            )
    return parsed_frame(rows)


SOURCE = Source(
    name="openrouter",
    product="tokens",
    hosts=HOSTS,
    requests=(Request(url=URL),),
    parse=parse_openrouter_models,
    description="OpenRouter model list with per-token prices (USD)",
    providers=("openrouter",),
)
