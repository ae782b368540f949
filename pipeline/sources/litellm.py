"""LiteLLM's community price map: per-token USD prices for ~125 providers' model endpoints.

The map is a curated rate-card feed; each entry counts for the provider named in
`litellm_provider` (the API the buyer calls). Figures are read as exact decimals, so
USD per million tokens is exactly 1,000,000 x the file's per-token figure.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import polars as pl

from pipeline.domain.records import RawCapture, decimal_text, parsed_frame
from pipeline.sources.archive import date_in_name
from pipeline.sources.base import Archive, Request, Source
from pipeline.sources.read import load_json, require, to_decimal

HOSTS = ("raw.githubusercontent.com",)
URL = "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json"
NOT_MODELS = frozenset({"sample_spec", "last_updated"})
TEXT_MODES = frozenset({"chat", "completion", "responses"})

# field -> (unit, pricing type); anything else priced per token is kept as a rejection.
PRICE_FIELDS: dict[str, tuple[str, str]] = {
    "input_cost_per_token": ("mtok_input", "on_demand"),
    "output_cost_per_token": ("mtok_output", "on_demand"),
    "cache_read_input_token_cost": ("mtok_cached_input", "on_demand"),
    "input_cost_per_token_batches": ("mtok_input", "batch"),
    "output_cost_per_token_batches": ("mtok_output", "batch"),
}
FIRST_PARTY = frozenset(
    {
        "openai",
        "anthropic",
        "gemini",
        "mistral",
        "deepseek",
        "xai",
        "cohere",
        "cohere_chat",
        "moonshot",
        "dashscope",
        "zai",
        "perplexity",
        "ai21",
        "minimax",
        "meta_llama",
    }
)


def litellm_time(path: Path, body: bytes) -> datetime:
    """An archived map: the `last_updated` (UTC) the mirror adds to the file, else the commit date in its name."""
    match = re.search(rb'"last_updated":\s*"([^"]+)"', body)
    if match:
        return datetime.fromisoformat(match.group(1).decode()).astimezone(UTC)
    return date_in_name(path, time(12, 0))


def _provider_class(provider: str) -> str:
    if provider in FIRST_PARTY:
        return "first_party"
    if provider in {"openrouter", "vercel_ai_gateway"}:
        return "aggregator"
    return "api_host"


def parse_litellm_prices(capture: RawCapture) -> pl.DataFrame:
    doc = load_json(capture)
    require(isinstance(doc, dict) and len(doc) > 1, capture, "expected an object of model entries")
    rows: list[dict[str, Any]] = []
    for key, entry in doc.items():
        if key in NOT_MODELS or not isinstance(entry, dict):
            continue
        provider = str(entry.get("litellm_provider") or "unknown")
        mode = entry.get("mode")
        for field_name, value in entry.items():
            if not (
                field_name.endswith("_token")
                or field_name.endswith("_token_cost")
                or field_name in PRICE_FIELDS
                or "cost_per_token" in field_name
            ):
                continue
            if value is None:
                continue
            unit, pricing_type = PRICE_FIELDS.get(field_name, (None, None))
            price = to_decimal(value)
            reason = None
            if price is None:
                reason = f"{field_name} {value!r} is not a number"
            elif unit is None:
                reason = f"{field_name}: a tier, modality or surcharge price, not a headline token price"
            elif mode not in TEXT_MODES:
                reason = f"mode {mode!r}: not a text-generation model"
            elif price == 0:
                reason = f"{field_name} is 0: free tier or price not known, not a market price"
            rows.append(
                {
                    "source": capture.source,
                    "provider": provider,
                    "provider_class": _provider_class(provider),
                    "input_tier": "rate_card",
                    "sku": key,
                    "label": key,
                    "product": "tokens",
                    "pricing_type": pricing_type or "on_demand",
                    "unit": unit or "mtok_input",
                    "price_per": "token",
                    "price_native": decimal_text(price) if price is not None else str(value),
                    "currency": "USD",
                    "observed_at": capture.fetched_at,
                    "reject_reason": reason,
                    "attributes": json.dumps({"field": field_name, "mode": mode}),
                }
            )
    require(len(rows) > 0, capture, "no per-token prices found")
    return parsed_frame(rows)


SOURCE = Source(
    name="litellm",
    product="tokens",
    hosts=HOSTS,
    requests=(Request(url=URL),),
    parse=parse_litellm_prices,
    description="LiteLLM model price map (USD per token, per serving provider)",
    archives=(Archive("litellm-history", "litellm-history/*.json", litellm_time, snapshots=True),),
)
