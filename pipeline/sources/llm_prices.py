"""simonw/llm-prices: first-party LLM rate cards with their price history, USD per million tokens.

Each vendor file lists models, each with `price_history` entries in force from `from_date`
(inclusive) until `to_date` (exclusive), a null date being open-ended. The parser emits
every entry, one row per (model, entry, unit), so the history is never lost. So that a
run's quotes are the prices of the capture date only, an entry not in force on that date
is kept as a rejection (reason starting `NOT_IN_FORCE`); a backfill re-selects the entries
in force on any day with `prices_in_force`.

observed_at: an entry in force on the capture date is a price seen at `fetched_at` (a
current price dated by its `from_date` would look stale to the fixing's max-age filter);
any other entry is dated by its `from_date` at 00:00 UTC, or `fetched_at` when that is null.
`in_force_until` is the entry's `to_date` at 00:00 UTC (null when open-ended).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from typing import Any

import polars as pl

from pipeline.domain.records import UTC_DATETIME, RawCapture, decimal_text, parsed_frame
from pipeline.sources.archive import commit_time
from pipeline.sources.base import Archive, Request, SchemaDrift, Source
from pipeline.sources.read import load_json, require, to_decimal

HOSTS = ("raw.githubusercontent.com",)
RAW_BASE = "https://raw.githubusercontent.com/simonw/llm-prices/main/data"
VENDORS = (
    "amazon",
    "anthropic",
    "deepseek",
    "google",
    "meta-ai",
    "minimax",
    "mistral",
    "moonshot-ai",
    "openai",
    "qwen",
    "xai",
)
# llm-prices names some first parties differently from the LiteLLM map; one seller, one name, one vote.
PROVIDER_NAMES = {"google": "gemini", "moonshot-ai": "moonshot", "meta-ai": "meta_llama", "qwen": "dashscope"}
URLS = tuple(f"{RAW_BASE}/{vendor}.json" for vendor in VENDORS)

# price field -> unit; all are USD per million tokens (the repository's README).
UNIT_FIELDS: dict[str, str] = {"input": "mtok_input", "output": "mtok_output", "input_cached": "mtok_cached_input"}
DATE_FIELDS = ("from_date", "to_date")
NOT_IN_FORCE = "not in force on the capture date"


def _entry_date(value: Any, capture: RawCapture, what: str) -> date | None:
    if value is None:
        return None
    require(isinstance(value, str), capture, f"{what} is not a YYYY-MM-DD string")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise SchemaDrift(capture.source, f"unexpected structure: {what} {value!r} is not a date") from exc


def in_force(start: date | None, end: date | None, day: date) -> bool:
    """True when an entry valid from `start` (inclusive) until `end` (exclusive) applies on `day`."""
    return (start is None or start <= day) and (end is None or day < end)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def parse_llm_prices(capture: RawCapture) -> pl.DataFrame:
    doc = load_json(capture)
    require(isinstance(doc, dict) and isinstance(doc.get("vendor"), str), capture, "no 'vendor' string")
    require(isinstance(doc.get("models"), list) and len(doc["models"]) > 0, capture, "no non-empty 'models' list")
    vendor = str(doc["vendor"])
    today = capture.fetched_at.date()
    rows: list[dict[str, Any]] = []
    for model in doc["models"]:
        require(isinstance(model, dict) and isinstance(model.get("id"), str), capture, "model without an 'id'")
        history = model.get("price_history")
        require(isinstance(history, list) and len(history) > 0, capture, f"model {model['id']!r} without price_history")
        for entry_no, entry in enumerate(history):
            require(isinstance(entry, dict), capture, f"model {model['id']!r}: price_history entry is not an object")
            start = _entry_date(entry.get("from_date"), capture, f"{model['id']} from_date")
            end = _entry_date(entry.get("to_date"), capture, f"{model['id']} to_date")
            window_reason = None
            if not in_force(start, end, today):
                window_reason = f"{NOT_IN_FORCE} {today}: in force from {start or 'open'} until {end or 'open'}"
            observed = capture.fetched_at if window_reason is None or start is None else _midnight(start)
            for field_name, value in entry.items():
                if field_name in DATE_FIELDS or value is None:
                    continue  # a null price is "not priced": no row
                unit = UNIT_FIELDS.get(field_name)
                price = to_decimal(value)
                if unit is None and price is None:
                    continue  # neither a known unit nor a figure: not a price
                reason = window_reason
                if unit is None:
                    reason = f"{field_name}: not a known price field (input, output, input_cached)"
                elif price is None:
                    reason = f"{field_name} {value!r} is not a number"
                elif price <= 0:
                    reason = f"{field_name} is {decimal_text(price)}: not a positive price"
                rows.append(
                    {
                        "source": capture.source,
                        "provider": PROVIDER_NAMES.get(vendor, vendor),
                        "provider_class": "first_party",
                        "input_tier": "rate_card",
                        "sku": str(model["id"]),
                        "label": str(model.get("name") or model["id"]),
                        "product": "tokens",
                        "pricing_type": "on_demand",
                        "unit": unit or "mtok_input",
                        "price_per": "mtok",
                        "price_native": decimal_text(price) if price is not None else str(value),
                        "currency": "USD",
                        "observed_at": observed,
                        "reject_reason": reason,
                        # the source's own statement of when this price stops (kept if the schema has the column)
                        "in_force_until": _midnight(end) if end else None,
                        "attributes": json.dumps(
                            {
                                "vendor": vendor,
                                "field": field_name,
                                "entry": entry_no,
                                "from_date": start.isoformat() if start else None,
                                "to_date": end.isoformat() if end else None,
                            }
                        ),
                    }
                )
    require(len(rows) > 0, capture, "no prices in any price_history entry")
    return parsed_frame(rows)


def prices_in_force(frame: pl.DataFrame, day: date) -> pl.DataFrame:
    """The parsed rows whose entry was in force on `day`, dated `day` 00:00 UTC, for a backfill.

    Pure: selects on the `from_date` / `to_date` kept in `attributes` (from inclusive, to
    exclusive, null open-ended), clears only the capture-date window rejection (a
    non-positive or unreadable price stays rejected) and keeps `row_no` so every
    backfilled quote still points at its row of the capture.
    """
    start = pl.col("attributes").str.json_path_match("$.from_date").str.to_date("%Y-%m-%d")
    end = pl.col("attributes").str.json_path_match("$.to_date").str.to_date("%Y-%m-%d")
    valid = (start.is_null() | (start <= pl.lit(day))) & (end.is_null() | (pl.lit(day) < end))
    return frame.filter(valid).with_columns(
        pl.lit(_midnight(day), dtype=UTC_DATETIME).alias("observed_at"),
        pl.when(pl.col("reject_reason").str.starts_with(NOT_IN_FORCE))
        .then(pl.lit(None, dtype=pl.String))
        .otherwise(pl.col("reject_reason"))
        .alias("reject_reason"),
    )


SOURCE = Source(
    name="llm-prices",
    product="tokens",
    hosts=HOSTS,
    requests=tuple(Request(url=url) for url in URLS),
    parse=parse_llm_prices,
    description="simonw/llm-prices first-party rate cards with price history (USD per million tokens)",
    providers=tuple(PROVIDER_NAMES.get(vendor, vendor) for vendor in VENDORS),  # the names its rows carry
    archives=(Archive("llm-prices", "llm-prices/*.json", commit_time("2026-08-05T18:25:35-07:00"), snapshots=False),),
    no_sample_reason=(
        "the first-party list prices it carries reach the offline day through the litellm sample; "
        "its vendor files are replayed by backfill (archive llm-prices)"
    ),
)
