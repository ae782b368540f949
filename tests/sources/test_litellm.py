"""The LiteLLM price map (`litellm`) on the real capture: exact per-million prices, providers and units kept apart."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import polars as pl

from tests.helpers import RealCapture, run

MILLION = Decimal(1_000_000)


def test_litellm_every_chat_price_is_exactly_a_million_times_the_file_figure(
    real_capture: RealCapture, realdata: Path
) -> None:
    _, quotes, rejections = run(real_capture("litellm", "litellm/model_prices_and_context_window.json"))
    doc = json.loads((realdata / "litellm/model_prices_and_context_window.json").read_bytes(), parse_float=Decimal)
    quoted = {(r["sku"], r["unit"], r["pricing_type"]): r["price_usd"] for r in quotes.iter_rows(named=True)}
    rejected = {(r["sku"], r["unit"]) for r in rejections.iter_rows(named=True)}
    checked = 0
    for key, entry in doc.items():
        if not isinstance(entry, dict) or entry.get("mode") != "chat":
            continue
        if "input_cost_per_token" not in entry or "output_cost_per_token" not in entry:
            continue
        for field, unit in (("input_cost_per_token", "mtok_input"), ("output_cost_per_token", "mtok_output")):
            figure = Decimal(str(entry[field]))
            if (key, unit, "on_demand") in quoted:
                assert quoted[(key, unit, "on_demand")] == figure * MILLION, key
                checked += 1
            else:  # not a quote: then it is a recorded rejection, never silently dropped
                assert (key, unit) in rejected, f"{key} {unit} neither quoted nor rejected"
    assert checked > 4000


def test_litellm_provider_and_cached_and_batch_units_are_kept_apart(real_capture: RealCapture) -> None:
    _, quotes, rejections = run(real_capture("litellm", "litellm/model_prices_and_context_window.json"))
    gpt4o = quotes.filter(pl.col("sku") == "gpt-4o")
    by = {(r["unit"], r["pricing_type"]): r["price_usd"] for r in gpt4o.iter_rows(named=True)}
    assert by[("mtok_input", "on_demand")] == Decimal("2.5")
    assert by[("mtok_output", "on_demand")] == Decimal("10")
    assert by[("mtok_cached_input", "on_demand")] == Decimal("1.25")
    assert ("mtok_input", "batch") in by
    llama = quotes.filter(pl.col("good") == "llama-3.3-70b-instruct")
    assert llama["provider"].n_unique() >= 10  # one open-weight model, many serving providers
    assert {"groq", "together_ai", "deepinfra"} <= set(llama["provider"])
    # Distilled or fine-tuned relatives are not the same good.
    assert "lambda_ai/deepseek-llama3.3-70b" not in set(llama["sku"])
    # A figure a million times too large is caught, with its reason.
    wandb = rejections.filter(pl.col("sku") == "wandb/meta-llama/Llama-3.3-70B-Instruct")
    assert set(wandb["rule"]) == {"implausible_price"}


def test_litellm_columnar_parse_reads_every_field_as_the_row_by_row_rules_say(realdata: Path) -> None:
    """The parser builds columns and decides by expressions; this oracle walks the map entry by entry."""
    from datetime import UTC, datetime

    from pipeline.domain.records import RawCapture
    from pipeline.sources.litellm import FIRST_PARTY, PRICE_FIELDS, TEXT_MODES, parse_litellm_prices

    body = (realdata / "litellm/model_prices_and_context_window.json").read_bytes()
    parsed = parse_litellm_prices(RawCapture("litellm", "https://x/", datetime(2026, 1, 1, tzinfo=UTC), body))
    expected = []
    for key, entry in json.loads(body, parse_float=Decimal, parse_int=Decimal).items():
        if key in ("sample_spec", "last_updated") or not isinstance(entry, dict):
            continue
        provider, mode = str(entry.get("litellm_provider") or "unknown"), entry.get("mode")
        for field, value in entry.items():
            if value is None or not (
                field.endswith(("_token", "_token_cost")) or field in PRICE_FIELDS or "cost_per_token" in field
            ):
                continue
            unit, kind = PRICE_FIELDS.get(field, (None, None))
            reason = (
                f"{field} {value!r} is not a number"
                if not isinstance(value, Decimal)
                else f"{field}: a tier, modality or surcharge price, not a headline token price"
                if unit is None
                else f"mode {mode!r}: not a text-generation model"
                if mode not in TEXT_MODES
                else f"{field} is 0: free tier or price not known, not a market price"
                if value == 0
                else None
            )
            cls = (
                "first_party"
                if provider in FIRST_PARTY
                else "aggregator"
                if provider in {"openrouter", "vercel_ai_gateway"}
                else "api_host"
            )
            text = format(value, "f") if isinstance(value, Decimal) else str(value)
            attrs = json.dumps({"field": field, "mode": mode})
            expected.append((key, provider, cls, kind or "on_demand", unit or "mtok_input", text, reason, attrs))
    got = parsed.select(
        "sku", "provider", "provider_class", "pricing_type", "unit", "price_native", "reject_reason", "attributes"
    ).rows()
    assert got == expected
    assert parsed["row_no"].to_list() == list(range(len(expected)))
    numbers = parsed.filter(~pl.col("reject_reason").fill_null("").str.ends_with("is not a number"))
    assert numbers["price_native"].str.contains("[eE]").sum() == 0  # exact text, never a float's exponent
