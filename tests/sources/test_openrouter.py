"""OpenRouter's model list (`openrouter`) on the real capture: per-token strings, and the dynamic router."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import polars as pl

from tests.helpers import RealCapture, run

MILLION = Decimal(1_000_000)


def test_openrouter_per_token_strings_and_dynamic_router(real_capture: RealCapture, realdata: Path) -> None:
    parsed, quotes, rejections = run(real_capture("openrouter", "openrouter/openrouter_models.json"))
    doc = json.loads((realdata / "openrouter/openrouter_models.json").read_text())
    model = next(m for m in doc["data"] if m["id"] == "openai/gpt-4o")
    q = quotes.filter((pl.col("sku") == "openai/gpt-4o") & (pl.col("unit") == "mtok_input")).row(0, named=True)
    assert q["price_usd"] == Decimal(model["pricing"]["prompt"]) * MILLION == Decimal("2.5")
    cached = quotes.filter((pl.col("sku") == "openai/gpt-4o") & (pl.col("unit") == "mtok_cached_input"))
    assert cached["price_usd"].to_list() == [Decimal("1.25")]
    auto = rejections.filter(pl.col("sku") == "openrouter/auto")
    assert auto.height == 2 and auto["reason"].str.contains("dynamic router").all()
    free = rejections.filter(pl.col("rule") == "non_positive_price")
    assert free.height > 0
    assert parsed.height == quotes.height + rejections.height
    assert set(quotes["provider"]) == {"openrouter"}
