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

from pipeline.domain.records import PARSED_SCHEMA, RawCapture, decimal_text
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


def _priced(field_name: str) -> bool:
    return (
        field_name.endswith("_token")
        or field_name.endswith("_token_cost")
        or field_name in PRICE_FIELDS
        or "cost_per_token" in field_name
    )


def parse_litellm_prices(capture: RawCapture) -> pl.DataFrame:
    """One row per per-token price field of every model entry. The JSON walk only gathers columns (model,
    provider, mode, field, exact price text); classes, units, reasons and attributes are polars expressions
    over the whole batch, and per-field decisions are made once per distinct field name."""
    doc = load_json(capture)
    require(isinstance(doc, dict) and len(doc) > 1, capture, "expected an object of model entries")
    priced: dict[str, bool] = {}
    skus: list[str] = []
    providers: list[str] = []
    modes: list[str] = []
    fields: list[str] = []
    texts: list[str] = []
    problems: list[str | None] = []  # why a value is not a price (non-number, zero), else None
    mode_of: dict[str, Any] = {}  # repr -> the entry's mode
    for key, entry in doc.items():
        if key in NOT_MODELS or not isinstance(entry, dict):
            continue
        provider = str(entry.get("litellm_provider") or "unknown")
        mode = entry.get("mode")
        mode_text = repr(mode)
        mode_of[mode_text] = mode
        for field_name, value in entry.items():
            wanted = priced.get(field_name)
            if wanted is None:
                wanted = priced[field_name] = _priced(field_name)
            if not wanted or value is None:
                continue
            price = to_decimal(value)
            skus.append(key)
            providers.append(provider)
            modes.append(mode_text)
            fields.append(field_name)
            if price is None:
                texts.append(str(value))
                problems.append(f"{field_name} {value!r} is not a number")
            else:
                texts.append(decimal_text(price))
                problems.append("zero" if price == 0 else None)
    require(len(skus) > 0, capture, "no per-token prices found")
    return _frame(capture, skus, providers, modes, fields, texts, problems, mode_of)


def _frame(
    capture: RawCapture,
    skus: list[str],
    providers: list[str],
    modes: list[str],
    fields: list[str],
    texts: list[str],
    problems: list[str | None],
    mode_of: dict[str, Any],
) -> pl.DataFrame:
    raw = pl.DataFrame(
        {"sku": skus, "provider": providers, "_mode": modes, "_field": fields, "price_native": texts, "_p": problems},
        schema={k: pl.String for k in ("sku", "provider", "_mode", "_field", "price_native", "_p")},
    )
    units = {f: u for f, (u, _) in PRICE_FIELDS.items()}
    types = {f: t for f, (_, t) in PRICE_FIELDS.items()}
    text_modes = [repr(m) for m in TEXT_MODES]
    field, mode, problem = pl.col("_field"), pl.col("_mode"), pl.col("_p")
    unit = field.replace_strict(units, default=None, return_dtype=pl.String)
    reason = (
        pl.when(problem.is_not_null() & (problem != "zero"))
        .then(problem)
        .when(unit.is_null())
        .then(pl.format("{}: a tier, modality or surcharge price, not a headline token price", field))
        .when(~mode.is_in(text_modes))
        .then(pl.format("mode {}: not a text-generation model", mode))
        .when(problem == "zero")
        .then(pl.format("{} is 0: free tier or price not known, not a market price", field))
    )
    pairs = raw.select("_field", "_mode").unique()
    attributes = pairs.with_columns(
        pl.Series(
            "attributes",
            [
                json.dumps({"field": f, "mode": mode_of[m]})
                for f, m in zip(pairs["_field"], pairs["_mode"], strict=True)
            ],
            dtype=pl.String,
        )
    )
    frame = raw.join(attributes, on=["_field", "_mode"], how="left", maintain_order="left").with_columns(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("row_no"),
        pl.lit(capture.source).alias("source"),
        pl.when(pl.col("provider").is_in(list(FIRST_PARTY)))
        .then(pl.lit("first_party"))
        .when(pl.col("provider").is_in(["openrouter", "vercel_ai_gateway"]))
        .then(pl.lit("aggregator"))
        .otherwise(pl.lit("api_host"))
        .alias("provider_class"),
        pl.lit("rate_card").alias("input_tier"),
        pl.col("sku").alias("label"),
        pl.lit("tokens").alias("product"),
        field.replace_strict(types, default="on_demand", return_dtype=pl.String).alias("pricing_type"),
        unit.fill_null("mtok_input").alias("unit"),
        pl.lit("token").alias("price_per"),
        pl.lit("USD").alias("currency"),
        pl.lit(capture.fetched_at, dtype=PARSED_SCHEMA["observed_at"]).alias("observed_at"),
        reason.alias("reject_reason"),
    )
    return frame.select(
        pl.col(c).cast(t) if c in frame.columns else pl.lit(None, dtype=t).alias(c) for c, t in PARSED_SCHEMA.items()
    )


SOURCE = Source(
    name="litellm",
    product="tokens",
    hosts=HOSTS,
    requests=(Request(url=URL),),
    parse=parse_litellm_prices,
    description="LiteLLM model price map (USD per token, per serving provider)",
    archives=(Archive("litellm-history", "litellm-history/*.json", litellm_time, snapshots=True),),
)
