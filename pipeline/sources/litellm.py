"""LiteLLM's community price map: per-token USD prices for ~125 providers' model endpoints.

The map is a curated rate-card feed; each entry counts for the provider named in
`litellm_provider` (the API the buyer calls). Figures are read as exact decimals, so
USD per million tokens is exactly 1,000,000 x the file's per-token figure.

Parser v2 reads v1's rows column-wise: msgspec splits the map into entries and each entry into its
fields' raw JSON tokens, polars keeps the priced ones, and a value is read once per distinct token
(plain decimal text is its own price; only the rest, exponents or text, is read by Python). Every real
map (the current one and the 19 monthly snapshots) gives v1's frame exactly. What differs, on hostile
bodies only: a number out of bounds outside a price field, or nesting deeper than v1's bound, no
longer makes the whole map drift (v2 does not read those values); a body not in UTF-8 is drift (v1 let
`json` guess UTF-16); a body that is not JSON is described in msgspec's words. v1 stays in `legacy_parsers`
for the quotes stored with it.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, time
from itertools import chain
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import polars as pl

from pipeline.domain.records import PARSED_SCHEMA, RawCapture, decimal_text
from pipeline.sources.archive import date_in_name
from pipeline.sources.base import Archive, Request, SchemaDrift, Source
from pipeline.sources.read import (
    NumberOutOfBounds,
    bounded_decimal,
    decode_typed,
    load_json,
    plain_number,
    require,
    to_decimal,
    token_column,
)

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


def parse_litellm_v1(capture: RawCapture) -> pl.DataFrame:
    """Parser v1: one row per per-token price field of every model entry, walking the map as Python values
    (a `Decimal` per number); classes, units, reasons and attributes are polars expressions over the batch."""
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
    columns = {"sku": skus, "provider": providers, "_mode": modes, "_field": fields, "price_native": texts}
    raw = pl.DataFrame(columns | {"_p": problems}, schema=dict.fromkeys([*columns, "_p"], pl.String))
    return _frame(capture, raw, mode_of)


# -- parser v2: columnar ------------------------------------------------------------------------------------
_MAP = msgspec.json.Decoder(dict[str, msgspec.Raw])
_ENTRIES = msgspec.json.Decoder(list[dict[str, msgspec.Raw]])
_ZERO = r"^-?0(?:\.0+)?$"
_OPEN_BRACE = ord("{")  # the first byte of an entry that is an object (msgspec strips whitespace)


def parse_litellm_prices(capture: RawCapture) -> pl.DataFrame:
    """Parser v2: v1's rows from whole columns of raw JSON tokens; Python reads each distinct odd token once."""
    doc = decode_typed(_MAP, capture)
    require(len(doc) > 1, capture, "expected an object of model entries")
    keys = [k for k, v in doc.items() if k not in NOT_MODELS and memoryview(v)[0] == _OPEN_BRACE]
    entries = _ENTRIES.decode(b"[" + b",".join(doc[k] for k in keys) + b"]")
    names = list(chain.from_iterable(entries))
    require(len(names) > 0, capture, "no per-token prices found")
    fields = pl.LazyFrame(
        {
            "_entry": np.repeat(np.arange(len(entries)), [len(e) for e in entries]),
            "_field": names,
            "_token": token_column("_token", chain.from_iterable(e.values() for e in entries)),
        }
    )
    priced = [name for name in set(names) if _priced(name)]

    def of_entry(field: str, alias: str) -> pl.LazyFrame:
        return fields.filter(pl.col("_field") == field).select("_entry", pl.col("_token").alias(alias))

    value = pl.col("_token")
    rows = (
        fields.filter(pl.col("_field").is_in(priced) & (value != "null"))
        .join(of_entry("litellm_provider", "_provider"), on="_entry", how="left", maintain_order="left")
        .join(of_entry("mode", "_mode_token"), on="_entry", how="left", maintain_order="left")
        .with_columns(
            pl.lit(pl.Series(keys, dtype=pl.String)).gather("_entry").alias("sku"), plain_number(value).alias("_plain")
        )
        .collect(engine="in-memory")
    )
    require(rows.height > 0, capture, "no per-token prices found")
    distinct = rows.select(  # each distinct token once, in order of first appearance (a drift names the first)
        value.filter(pl.col("_plain").is_null()).unique(maintain_order=True).implode(),
        *(pl.col(c).drop_nulls().unique(maintain_order=True).implode() for c in ("_provider", "_mode_token")),
    )
    odd, provider_tokens, mode_tokens = distinct.row(0)
    text_of, not_numbers, zeros = _read_values(capture, odd)
    providers = {t: str(v or "unknown") for t, v in zip(provider_tokens, _loads(capture, provider_tokens), strict=True)}
    mode_of = dict(zip(mode_tokens, _loads(capture, mode_tokens), strict=True))
    plain = pl.col("_plain")
    problem = (
        pl.when(plain.is_not_null())
        .then(pl.when(plain.str.contains(_ZERO)).then(pl.lit("zero")))
        .when(value.is_in(zeros))
        .then(pl.lit("zero"))
        .when(value.is_in(list(not_numbers)))
        .then(pl.format("{} {} is not a number", "_field", value.replace_strict(not_numbers, default=None)))
    )
    raw = rows.lazy().select(
        "sku",
        pl.col("_provider").replace_strict(providers, default="unknown", return_dtype=pl.String).alias("provider"),
        pl.col("_mode_token")
        .replace_strict({t: repr(m) for t, m in mode_of.items()}, default="None", return_dtype=pl.String)
        .alias("_mode"),
        "_field",
        pl.coalesce(plain, value.replace_strict(text_of, default=None, return_dtype=pl.String)).alias("price_native"),
        problem.alias("_p"),
    )
    return _frame(capture, raw, {repr(m): m for m in mode_of.values()} | {"None": None})


def _loads(capture: RawCapture, tokens: list[str]) -> list[Any]:
    """Raw tokens read as v1 read the whole map (every number an exact Decimal within the bounds), in one call."""
    try:
        return list(json.loads(f"[{','.join(tokens)}]", parse_float=bounded_decimal, parse_int=bounded_decimal))
    except NumberOutOfBounds as exc:
        raise SchemaDrift(capture.source, f"body: {exc}") from exc


def _read_values(capture: RawCapture, tokens: list[str]) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """For the distinct price tokens that are not plain decimal text (exponents, text, other values), read as
    v1 reads a value: each one's price text, the repr of those that are not numbers, and those that are 0."""
    text_of: dict[str, str] = {}
    not_numbers: dict[str, str] = {}
    zeros: list[str] = []
    for token, value in zip(tokens, _loads(capture, tokens), strict=True):
        price = to_decimal(value)
        text_of[token] = str(value) if price is None else decimal_text(price)
        if price is None:
            not_numbers[token] = repr(value)
        elif price == 0:
            zeros.append(token)
    return text_of, not_numbers, zeros


def _frame(capture: RawCapture, raw: pl.DataFrame | pl.LazyFrame, mode_of: dict[str, Any]) -> pl.DataFrame:
    """Both versions' rows from the gathered columns (sku, provider, mode as Python's repr, field, exact price
    text, why the value is not a price): classes, units, reasons and attributes as expressions over the batch."""
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
    raw = raw.lazy()
    pairs = raw.select("_field", "_mode").unique().collect(engine="in-memory")
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
    frame = raw.join(attributes.lazy(), on=["_field", "_mode"], how="left", maintain_order="left").with_columns(
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
    names = frame.collect_schema().names()
    return frame.select(
        pl.col(c).cast(t) if c in names else pl.lit(None, dtype=t).alias(c) for c, t in PARSED_SCHEMA.items()
    ).collect(engine="in-memory")


SOURCE = Source(
    name="litellm",
    product="tokens",
    hosts=HOSTS,
    requests=(Request(url=URL),),
    parse=parse_litellm_prices,
    description="LiteLLM model price map (USD per token, per serving provider)",
    parser_version="2",
    legacy_parsers={"1": parse_litellm_v1},
    archives=(Archive("litellm-history", "litellm-history/*.json", litellm_time, snapshots=True),),
)
