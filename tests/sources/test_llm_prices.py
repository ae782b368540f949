"""simonw/llm-prices (`llm-prices`) on the real vendor files: the price in force quoted, its history kept."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from pipeline.domain.records import RawCapture
from pipeline.sources import llm_prices
from pipeline.sources.base import SchemaDrift
from pipeline.sources.llm_prices import NOT_IN_FORCE, PROVIDER_NAMES, prices_in_force
from tests.helpers import FETCHED, RealCapture, exact_json, normalise, run


def prices(frame: pl.DataFrame, sku: str) -> dict[str, Decimal]:
    rows = frame.filter(pl.col("sku") == sku)
    column = "price_usd" if "price_usd" in frame.columns else "price_native"
    return {r["unit"]: Decimal(str(r[column])) for r in rows.iter_rows(named=True)}


def entries(realdata: Path, vendor: str, model_id: str) -> list[dict[str, Any]]:
    doc = exact_json(realdata / f"llm-prices/{vendor}.json")
    history: list[dict[str, Any]] = next(m for m in doc["models"] if m["id"] == model_id)["price_history"]
    return history


def test_llm_prices_requests_every_vendor_file_of_the_repository(realdata: Path) -> None:
    vendors = sorted(p.stem for p in (realdata / "llm-prices").glob("*.json"))
    assert sorted(llm_prices.VENDORS) == vendors
    assert [r.url for r in llm_prices.SOURCE.requests] == [
        f"https://raw.githubusercontent.com/simonw/llm-prices/main/data/{v}.json" for v in llm_prices.VENDORS
    ]
    assert llm_prices.SOURCE.hosts == ("raw.githubusercontent.com",)
    assert (llm_prices.SOURCE.name, llm_prices.SOURCE.product) == ("llm-prices", "tokens")


def test_deepseek_chat_split_current_price_quoted_old_price_kept_as_history(
    real_capture: RealCapture, realdata: Path
) -> None:
    parsed, quotes, rejections = run(real_capture("llm-prices", "llm-prices/deepseek.json", FETCHED))
    new, old = sorted(entries(realdata, "deepseek", "deepseek-chat"), key=lambda e: e["from_date"] is None)
    assert (new["from_date"], new["to_date"], old["from_date"], old["to_date"]) == (
        "2025-02-08",
        None,
        None,
        "2025-02-08",
    )
    # On the capture date only the entry from 2025-02-08 is in force: 0.27 / 1.1, priced per million tokens.
    assert prices(quotes, "deepseek-chat") == {"mtok_input": new["input"], "mtok_output": new["output"]}
    assert prices(quotes, "deepseek-chat") == {"mtok_input": Decimal("0.27"), "mtok_output": Decimal("1.1")}
    current = quotes.filter(pl.col("sku") == "deepseek-chat").row(0, named=True)
    assert (current["provider"], current["provider_class"], current["input_tier"]) == (
        "deepseek",
        "first_party",
        "rate_card",
    )
    assert current["observed_at"] == FETCHED  # a price in force now is observed now
    # The superseded 0.14 / 0.28 is a recorded rejection, never a current quote.
    old_rows = rejections.filter(pl.col("sku") == "deepseek-chat")
    assert prices(old_rows, "deepseek-chat") == {"mtok_input": Decimal("0.14"), "mtok_output": Decimal("0.28")}
    assert old_rows["reason"].str.starts_with(NOT_IN_FORCE).all()
    # input_cached is null for deepseek-chat: not priced, so no row at all.
    assert parsed.filter((pl.col("sku") == "deepseek-chat") & (pl.col("unit") == "mtok_cached_input")).height == 0
    attrs = json.loads(parsed.filter(pl.col("sku") == "deepseek-chat")["attributes"][0])
    assert {"from_date", "to_date"} <= set(attrs)


@pytest.mark.parametrize(
    "day, expected",
    [
        (date(2025, 2, 7), ("0.14", "0.28")),  # the day before the split: old entry (to_date is exclusive)
        (date(2025, 2, 8), ("0.27", "1.1")),  # the split day itself: new entry (from_date is inclusive)
        (date(2024, 6, 1), ("0.14", "0.28")),  # null from_date is open-ended into the past
        (date(2030, 1, 1), ("0.27", "1.1")),  # null to_date is open-ended into the future
    ],
)
def test_prices_in_force_selects_the_entry_valid_on_a_day(
    real_capture: RealCapture, day: date, expected: tuple[str, str]
) -> None:
    capture = real_capture("llm-prices", "llm-prices/deepseek.json", FETCHED)
    history = prices_in_force(llm_prices.SOURCE.parse(capture), day)
    quotes, rejections = normalise(history, capture)
    assert prices(quotes, "deepseek-chat") == {"mtok_input": Decimal(expected[0]), "mtok_output": Decimal(expected[1])}
    assert set(quotes["observed_at"]) == {datetime(day.year, day.month, day.day, tzinfo=UTC)}
    assert rejections.height == 0
    # deepseek-v4-flash has a single open-ended entry: in force on every day, cached input its own unit.
    assert prices(quotes, "deepseek-v4-flash")["mtok_cached_input"] == Decimal("0.028")


def test_anthropic_future_price_is_history_not_a_quote(real_capture: RealCapture, realdata: Path) -> None:
    capture = real_capture("llm-prices", "llm-prices/anthropic.json", FETCHED)
    parsed, quotes, rejections = run(capture)
    assert prices(quotes, "claude-sonnet-5") == {"mtok_input": Decimal(2), "mtok_output": Decimal(10)}
    if "in_force_until" in parsed.columns:  # the current 2/10 entry says itself when it ends
        ends = parsed.filter((pl.col("sku") == "claude-sonnet-5") & pl.col("reject_reason").is_null())["in_force_until"]
        assert set(ends) == {datetime(2026, 9, 1, tzinfo=UTC)}
    future = rejections.filter(pl.col("sku") == "claude-sonnet-5")
    assert set(future["observed_at"]) == {datetime(2026, 9, 1, tzinfo=UTC)}  # dated by its from_date
    assert future["reason"].str.contains("from 2026-09-01").all()
    after, _ = normalise(prices_in_force(parsed, date(2026, 9, 1)), capture)
    assert prices(after, "claude-sonnet-5") == {"mtok_input": Decimal(3), "mtok_output": Decimal(15)}
    before, _ = normalise(prices_in_force(parsed, date(2026, 8, 31)), capture)
    assert prices(before, "claude-sonnet-5") == {"mtok_input": Decimal(2), "mtok_output": Decimal(10)}


def test_openai_cached_input_is_its_own_unit_and_follows_the_split(real_capture: RealCapture, realdata: Path) -> None:
    capture = real_capture("llm-prices", "llm-prices/openai.json", FETCHED)
    parsed, quotes, _ = run(capture)
    new = next(e for e in entries(realdata, "openai", "gpt-5.6-terra") if e["from_date"] == "2026-07-30")
    assert prices(quotes, "gpt-5.6-terra") == {
        "mtok_input": new["input"],
        "mtok_output": new["output"],
        "mtok_cached_input": new["input_cached"],
    }
    assert prices(quotes, "gpt-5.6-terra")["mtok_cached_input"] == Decimal("0.2")
    old, _ = normalise(prices_in_force(parsed, date(2026, 7, 29)), capture)
    assert prices(old, "gpt-5.6-terra")["mtok_cached_input"] == Decimal("0.25")
    # gpt-4o: a flagship on its maker's own rate card, mapped to the first-party good.
    gpt4o = quotes.filter(pl.col("sku") == "gpt-4o")
    assert set(gpt4o["good"]) == {"gpt-4o"}
    assert prices(gpt4o, "gpt-4o") == {
        "mtok_input": Decimal("2.5"),
        "mtok_output": Decimal(10),
        "mtok_cached_input": Decimal("1.25"),
    }


def test_every_priced_entry_of_every_vendor_file_is_one_row(real_capture: RealCapture, realdata: Path) -> None:
    providers: set[str] = set()
    for path in sorted((realdata / "llm-prices").glob("*.json")):
        doc = json.loads(path.read_text())
        expected = sum(
            1
            for m in doc["models"]
            for e in m["price_history"]
            for f in ("input", "output", "input_cached")
            if e.get(f) is not None
        )
        parsed, quotes, _ = run(real_capture("llm-prices", f"llm-prices/{path.name}", FETCHED))
        assert parsed.height == expected, path.name
        # One seller, one name: llm-prices' "google" is LiteLLM's "gemini" (the Gemini API), etc.
        assert set(parsed["provider"]) == {PROVIDER_NAMES.get(doc["vendor"], doc["vendor"])}
        providers |= set(parsed["provider"])
        assert set(parsed["price_per"]) == {"mtok"}
        assert quotes.height > 0
    assert providers == set(llm_prices.SOURCE.providers)  # the source declares the sellers its rows name


def test_llm_prices_rejects_non_positive_and_refuses_drift() -> None:
    doc = {
        "vendor": "v",
        "models": [
            {"id": "m", "name": "M", "price_history": [{"input": 0, "output": -1, "input_cached": None}]},
            {"id": "n", "name": "N", "price_history": [{"input": "1.5", "output": True, "from_date": None}]},
        ],
    }
    capture = RawCapture(source="llm-prices", url="https://x", fetched_at=FETCHED, body=json.dumps(doc).encode())
    parsed, quotes, rejections = run(capture)
    assert parsed.height == 4  # the null input_cached is not a row
    assert prices(quotes, "n") == {"mtok_input": Decimal("1.5")}
    reasons = dict(zip(rejections["price_native"], rejections["reason"], strict=True))
    assert "not a positive price" in reasons["0"] and "not a positive price" in reasons["-1"]
    assert "not a number" in reasons["True"]
    for body in (b'{"vendor": "v", "models": []}', b"<html>", b'{"models": [{"id": "m"}]}'):
        with pytest.raises(SchemaDrift):
            llm_prices.SOURCE.parse(RawCapture(source="llm-prices", url="https://x", fetched_at=FETCHED, body=body))
    bad_date = {"vendor": "v", "models": [{"id": "m", "price_history": [{"input": 1, "from_date": "soon"}]}]}
    with pytest.raises(SchemaDrift):
        llm_prices.SOURCE.parse(
            RawCapture(source="llm-prices", url="https://x", fetched_at=FETCHED, body=json.dumps(bad_date).encode())
        )
