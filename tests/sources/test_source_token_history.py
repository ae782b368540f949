"""Token price history (simonw/llm-prices), ECB FX rates, and canonical token identity on the real captures."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest

from pipeline.config import SAMPLES_DIR
from pipeline.domain.records import FxRate, RawCapture, parsed_frame
from pipeline.normalize.fx import rates_for
from pipeline.sources import litellm, llm_prices, openrouter
from pipeline.sources.base import SchemaDrift
from pipeline.sources.llm_prices import NOT_IN_FORCE, PROVIDER_NAMES, prices_in_force
from pipeline.sources.reference import ecb_fx
from pipeline.sources.reference.ecb_fx import parse_ecb_rates, usd_per_unit
from tests.helpers import normalise

FETCHED = datetime(2026, 8, 3, 15, 30, tzinfo=UTC)
SAMPLE_FX = SAMPLES_DIR / "default" / "ecb-eurofxref-daily.xml"


def run(capture: RawCapture) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    parsed = llm_prices.SOURCE.parse(capture)
    quotes, rejections = normalise(parsed, capture)
    assert quotes.height + rejections.height == parsed.height  # every row accounted for once
    return parsed, quotes, rejections


def prices(frame: pl.DataFrame, sku: str) -> dict[str, Decimal]:
    rows = frame.filter(pl.col("sku") == sku)
    column = "price_usd" if "price_usd" in frame.columns else "price_native"
    return {r["unit"]: Decimal(str(r[column])) for r in rows.iter_rows(named=True)}


def entries(realdata: Path, vendor: str, model_id: str) -> list[dict]:  # type: ignore[type-arg]
    doc = json.loads((realdata / f"llm-prices/{vendor}.json").read_text(), parse_float=Decimal, parse_int=Decimal)
    return next(m for m in doc["models"] if m["id"] == model_id)["price_history"]


# --- llm-prices -------------------------------------------------------------------------------


def test_llm_prices_requests_every_vendor_file_of_the_repository(realdata) -> None:  # type: ignore[no-untyped-def]
    vendors = sorted(p.stem for p in (realdata / "llm-prices").glob("*.json"))
    assert sorted(llm_prices.VENDORS) == vendors
    assert [r.url for r in llm_prices.SOURCE.requests] == [
        f"https://raw.githubusercontent.com/simonw/llm-prices/main/data/{v}.json" for v in llm_prices.VENDORS
    ]
    assert llm_prices.SOURCE.hosts == ("raw.githubusercontent.com",)
    assert (llm_prices.SOURCE.name, llm_prices.SOURCE.product) == ("llm-prices", "tokens")


def test_deepseek_chat_split_current_price_quoted_old_price_kept_as_history(real_capture, realdata) -> None:  # type: ignore[no-untyped-def]
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
def test_prices_in_force_selects_the_entry_valid_on_a_day(real_capture, day: date, expected: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    capture = real_capture("llm-prices", "llm-prices/deepseek.json", FETCHED)
    history = prices_in_force(llm_prices.SOURCE.parse(capture), day)
    quotes, rejections = normalise(history, capture)
    assert prices(quotes, "deepseek-chat") == {"mtok_input": Decimal(expected[0]), "mtok_output": Decimal(expected[1])}
    assert set(quotes["observed_at"]) == {datetime(day.year, day.month, day.day, tzinfo=UTC)}
    assert rejections.height == 0
    # deepseek-v4-flash has a single open-ended entry: in force on every day, cached input its own unit.
    assert prices(quotes, "deepseek-v4-flash")["mtok_cached_input"] == Decimal("0.028")


def test_anthropic_future_price_is_history_not_a_quote(real_capture, realdata) -> None:  # type: ignore[no-untyped-def]
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


def test_openai_cached_input_is_its_own_unit_and_follows_the_split(real_capture, realdata) -> None:  # type: ignore[no-untyped-def]
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


def test_every_priced_entry_of_every_vendor_file_is_one_row(real_capture, realdata) -> None:  # type: ignore[no-untyped-def]
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
        assert set(parsed["price_per"]) == {"mtok"}
        assert quotes.height > 0


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


# --- ECB FX -----------------------------------------------------------------------------------


def sample_published() -> tuple[str, dict[str, Decimal]]:
    """The sample's day and published units-per-EUR, read independently of the module under test."""
    ns = {"e": "http://www.ecb.int/vocabulary/2002-08-01/eurofxref"}
    root = ET.fromstring(SAMPLE_FX.read_bytes())
    day_cube = root.find("e:Cube/e:Cube", ns)
    assert day_cube is not None
    return day_cube.attrib["time"], {c.attrib["currency"]: Decimal(c.attrib["rate"]) for c in day_cube}


def test_ecb_sample_usd_per_eur_is_the_published_usd_rate() -> None:
    day, published = sample_published()
    rates = parse_ecb_rates(SAMPLE_FX.read_bytes())
    by = {r.currency: r for r in rates}
    assert {r.day for r in rates} == {date.fromisoformat(day)}
    assert set(by) == set(published) | {"EUR"}
    assert by["EUR"].usd_per_unit == published["USD"] == Decimal("1.1702")
    assert by["EUR"].ecb_rate == 1
    assert by["USD"].usd_per_unit == 1
    assert by["GBP"].ecb_rate == published["GBP"]
    assert all(r.source == "ecb-fx" for r in rates)


def test_ecb_cross_rates_are_exact_to_12_decimals_half_even() -> None:
    _, published = sample_published()
    rates = {r.currency: r.usd_per_unit for r in parse_ecb_rates(SAMPLE_FX.read_bytes())}
    for currency, units in published.items():
        exact = Fraction(published["USD"]) / Fraction(units)
        assert rates[currency] == Decimal(round(exact * 10**12)) / 10**12, currency
        assert abs(Fraction(rates[currency]) - exact) <= Fraction(1, 2 * 10**12)
    # GBP: 1.1702 / 0.86525 = 1.35244149089858... -> 1.352441490899
    assert rates["GBP"] == Decimal("1.352441490899")
    assert (Decimal("1.1702") / Decimal("0.86525")).quantize(Decimal("1e-12"), ROUND_HALF_EVEN) == rates["GBP"]
    # Ties go to the even digit, not up.
    assert usd_per_unit(Decimal("1.0000000000005"), Decimal(1)) == Decimal("1.000000000000")
    assert usd_per_unit(Decimal("1.0000000000015"), Decimal(1)) == Decimal("1.000000000002")


def test_rates_for_a_weekend_uses_the_friday_fixing() -> None:
    rates = parse_ecb_rates(SAMPLE_FX.read_bytes())  # published Friday 2026-07-31
    friday = rates_for(rates, date(2026, 7, 31))
    assert rates_for(rates, date(2026, 8, 2)) == friday  # Sunday
    assert rates_for(rates, date(2026, 8, 1)) == friday  # Saturday
    assert friday["EUR"] == Decimal("1.1702")
    assert rates_for(rates, date(2026, 7, 30)) == {}  # nothing published yet
    assert rates_for(rates, date(2026, 8, 6)) == {}  # older than max_age_days
    assert rates_for(rates, date(2026, 8, 6), max_age_days=6)["EUR"] == Decimal("1.1702")


def test_rates_for_takes_the_latest_day_per_currency_from_a_history_document() -> None:
    body = b"""<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
<gesmes:subject>Reference rates</gesmes:subject>
<Cube>
<Cube time="2026-07-31"><Cube currency="USD" rate="1.2"/><Cube currency="GBP" rate="0.8"/></Cube>
<Cube time="2026-07-30">
<Cube currency="USD" rate="1.1"/><Cube currency="GBP" rate="0.88"/><Cube currency="XXX" rate="2"/>
</Cube>
</Cube>
</gesmes:Envelope>"""
    rates = parse_ecb_rates(body)
    assert [r.day for r in rates] == sorted(r.day for r in rates)
    chosen = rates_for(rates, date(2026, 8, 2))
    assert chosen["EUR"] == Decimal("1.2") and chosen["GBP"] == Decimal("1.5")
    assert chosen["XXX"] == Decimal("0.55")  # absent on the 31st: its latest rate within the age limit
    assert rates_for(rates, date(2026, 7, 30))["GBP"] == Decimal("1.25")


def test_fx_feeds_normalisation_and_missing_currency_is_rejected() -> None:
    rates = rates_for(parse_ecb_rates(SAMPLE_FX.read_bytes()), date(2026, 8, 2))
    row = {
        "source": "t",
        "provider": "p",
        "provider_class": "neocloud",
        "input_tier": "rate_card",
        "sku": "H100 SXM",
        "label": "H100 SXM",
        "product": "gpu_hour",
        "pricing_type": "on_demand",
        "gpu_count": 1,
        "unit": "gpu_hour",
        "price_per": "gpu_hour",
        "price_native": "2.00",
        "observed_at": FETCHED,
    }
    capture = RawCapture(source="t", url="https://x", fetched_at=FETCHED, body=b"{}")
    quotes, rejections = normalise(
        parsed_frame([{**row, "currency": "EUR"}, {**row, "currency": "GBP"}, {**row, "currency": "RUB"}]),
        capture,
        fx_rates=rates,
    )
    by = {r["currency"]: r["price_usd"] for r in quotes.iter_rows(named=True)}
    assert by == {"EUR": Decimal("2.3404"), "GBP": Decimal("2.704882981798")}
    assert rejections["rule"].to_list() == ["no_fx_rate"]


@pytest.mark.parametrize(
    "body",
    [
        b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01"><x>&lol2;</x></gesmes:Envelope>""",
        b"""<?xml version="1.0"?><!DOCTYPE e SYSTEM "file:///etc/passwd"><e/>""",
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE e [<!ENTITY x "y">]><e>&x;</e>'.encode("utf-16"),
        b"<html><body>Service unavailable</body></html>",
        b'{"rates": {"USD": 1.1}}',
        b"""<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01"></gesmes:Envelope>""",
        b"""<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
<Cube><Cube time="2026-07-31"><Cube currency="GBP" rate="0.8"/></Cube></Cube></gesmes:Envelope>""",
    ],
    ids=["entity-expansion", "external-dtd", "utf16-doctype", "html", "json", "no-cubes", "no-usd"],
)
def test_ecb_refuses_dtds_entities_and_foreign_bodies(body: bytes) -> None:
    with pytest.raises(SchemaDrift):
        parse_ecb_rates(body)
    assert ecb_fx.SOURCE.read_rates is not None
    with pytest.raises(SchemaDrift):
        ecb_fx.SOURCE.read_rates(RawCapture(source="ecb-fx", url=ecb_fx.DAILY_URL, fetched_at=FETCHED, body=body))


def test_ecb_is_a_reference_source_read_into_rates_not_price_rows() -> None:
    capture = RawCapture(source="ecb-fx", url=ecb_fx.DAILY_URL, fetched_at=FETCHED, body=SAMPLE_FX.read_bytes())
    assert ecb_fx.SOURCE.is_reference and ecb_fx.SOURCE.read_rates is not None
    assert ecb_fx.SOURCE.read_rates(capture) == parse_ecb_rates(capture.body)
    with pytest.raises(TypeError, match="reference rates, not prices"):
        ecb_fx.SOURCE.parse(capture)
    assert (ecb_fx.SOURCE.name, ecb_fx.SOURCE.product, ecb_fx.SOURCE.hosts) == ("ecb-fx", "fx", ("www.ecb.europa.eu",))
    assert {r.url for r in ecb_fx.SOURCE.requests} == {ecb_fx.DAILY_URL, ecb_fx.HIST_90D_URL}
    assert isinstance(parse_ecb_rates(capture.body)[0], FxRate)


# --- token identity ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def token_quotes(realdata: Path) -> pl.DataFrame:
    frames = []
    for source, relative, parse in (
        ("litellm", "litellm/model_prices_and_context_window.json", litellm.parse_litellm_prices),
        ("openrouter", "openrouter/openrouter_models.json", openrouter.parse_openrouter_models),
    ):
        capture = RawCapture(source=source, url="file://x", fetched_at=FETCHED, body=(realdata / relative).read_bytes())
        quotes, _ = normalise(parse(capture), capture)
        frames.append(quotes.select("source", "provider", "sku", "good", "variant", "unit"))
    return pl.concat(frames)


@pytest.fixture(scope="module")
def real_skus(realdata: Path) -> set[str]:
    lite = json.loads((realdata / "litellm/model_prices_and_context_window.json").read_text())
    router = json.loads((realdata / "openrouter/openrouter_models.json").read_text())
    return set(lite) | {m["id"] for m in router["data"]}


IDENTITY_CASES = [
    # open weights, many serving providers, one good; quantisation / speed tier in the variant
    ("groq/llama-3.3-70b-versatile", "llama-3.3-70b-instruct", "versatile"),
    ("together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo", "llama-3.3-70b-instruct", "turbo"),
    ("cloudflare/@cf/meta/llama-3.3-70b-instruct-fp8-fast", "llama-3.3-70b-instruct", "fp8+fast"),
    ("us.meta.llama3-3-70b-instruct-v1:0", "llama-3.3-70b-instruct", None),
    ("fireworks_ai/accounts/fireworks/models/llama-v3p3-70b-instruct", "llama-3.3-70b-instruct", None),
    ("databricks/databricks-meta-llama-3-3-70b-instruct", "llama-3.3-70b-instruct", None),
    ("ovhcloud/Meta-Llama-3_3-70B-Instruct", "llama-3.3-70b-instruct", None),
    ("meta-llama/llama-3.3-70b-instruct", "llama-3.3-70b-instruct", None),
    ("groq/llama-3.1-8b-instant", "llama-3.1-8b-instruct", "instant"),
    ("cerebras/llama3.1-70b", "llama-3.1-70b-instruct", None),
    ("lambda_ai/llama3.1-405b-instruct-fp8", "llama-3.1-405b-instruct", "fp8"),
    ("deepinfra/meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8", "llama-4-maverick", "fp8"),
    ("meta.llama4-maverick-17b-instruct-v1:0", "llama-4-maverick", None),
    ("fireworks_ai/accounts/fireworks/models/llama4-scout-instruct-basic", "llama-4-scout", "basic"),
    ("openai.gpt-oss-120b-1:0", "gpt-oss-120b", None),
    ("databricks/databricks-gpt-oss-20b", "gpt-oss-20b", None),
    ("deepinfra/deepseek-ai/DeepSeek-V3", "deepseek-v3", None),
    ("novita/deepseek/deepseek-v3-turbo", "deepseek-v3", "turbo"),
    ("deepseek/deepseek-chat-v3-0324", "deepseek-v3-0324", None),
    ("fireworks_ai/accounts/fireworks/models/deepseek-v3p1", "deepseek-v3.1", None),
    ("deepseek/deepseek-chat-v3.1", "deepseek-v3.1", None),
    ("us.deepseek.v3.2", "deepseek-v3.2", None),
    ("together_ai/deepseek-ai/DeepSeek-R1", "deepseek-r1", None),
    ("together_ai/deepseek-ai/DeepSeek-R1-0528-tput", "deepseek-r1-0528", "tput"),
    ("together_ai/Qwen/Qwen3-235B-A22B-fp8-tput", "qwen3-235b-a22b", "fp8+tput"),
    ("qwen/qwen3-235b-a22b-2507", "qwen3-235b-a22b-instruct-2507", None),
    ("qwen.qwen3-235b-a22b-2507-v1:0", "qwen3-235b-a22b-instruct-2507", None),
    ("qwen/qwen3-coder", "qwen3-coder-480b-a35b-instruct", None),
    ("fireworks_ai/accounts/fireworks/models/qwen3-coder-480b-instruct-bf16", "qwen3-coder-480b-a35b-instruct", "bf16"),
    ("mistralai/mistral-small-3.2-24b-instruct", "mistral-small-3.2", None),
    ("vertex_ai/mistral-small-2503@001", "mistral-small-3.1", None),
    ("moonshotai/kimi-k2", "kimi-k2", None),
    ("groq/moonshotai/kimi-k2-instruct-0905", "kimi-k2-0905", None),
    ("fireworks_ai/accounts/fireworks/models/glm-4p6", "glm-4.6", None),
    ("cerebras/zai-glm-4.6", "glm-4.6", None),
    ("openrouter/z-ai/glm-4.6:exacto", "glm-4.6", "exacto"),
    # first-party flagships, at the maker and at resellers
    ("gpt-4o", "gpt-4o", None),
    ("azure/gpt-4o-2024-08-06", "gpt-4o", None),
    ("openai/gpt-5", "gpt-5", None),
    ("claude-sonnet-4-5-20250929", "claude-sonnet-4.5", None),
    ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4.5", None),
    ("vertex_ai/claude-opus-4@20250514", "claude-opus-4", None),
    ("anthropic/claude-opus-4.7-fast", "claude-opus-4.7", "fast"),
    ("gemini/gemini-2.5-pro", "gemini-2.5-pro", None),
    ("google/gemini-2.5-flash", "gemini-2.5-flash", None),
    # relatives that are not the base good
    ("lambda_ai/deepseek-llama3.3-70b", None, None),
    ("deepinfra/deepseek-ai/DeepSeek-R1-Distill-Llama-70B", None, None),
    ("novita/deepseek/deepseek-r1-0528-qwen3-8b", None, None),
    ("nousresearch/hermes-3-llama-3.1-70b", None, None),
    ("deepinfra/nvidia/Llama-3.1-Nemotron-70B-Instruct", None, None),
    ("snowflake/snowflake-llama-3.3-70b", None, None),
    ("groq/meta-llama/llama-guard-4-12b", None, None),
    ("groq/openai/gpt-oss-safeguard-20b", None, None),
    ("fireworks_ai/accounts/fireworks/models/llama-v3p2-90b-vision-instruct", None, None),
    ("fireworks_ai/accounts/fireworks/models/llama-v3p1-405b-instruct-long", None, None),
    ("openai/gpt-oss-20b:free", None, None),
    ("together_ai/Qwen/Qwen3-235B-A22B-Thinking-2507", "qwen3-235b-a22b-thinking-2507", None),
    ("qwen/qwen3-coder-30b-a3b-instruct", None, None),
    ("azure_ai/deepseek-v3.2-speciale", None, None),
    ("z-ai/glm-4.5v", None, None),
    ("moonshot/kimi-k2-turbo-preview", None, "turbo"),  # tracks the latest K2: moving alias
    ("deepseek/deepseek-chat", None, None),  # moving alias
    ("mistral/mistral-small-latest", None, None),  # moving alias
    ("gpt-4o-2024-05-13", None, None),  # an older gpt-4o checkpoint, priced differently
    ("gpt-5-chat", None, None),
    ("google/gemini-2.5-pro-preview", None, None),
    ("gemini/gemini-2.5-flash-lite", None, None),
]


@pytest.mark.parametrize("sku, good, variant", IDENTITY_CASES)
def test_token_identity_on_real_skus(real_skus: set[str], sku: str, good: str | None, variant: str | None) -> None:
    assert sku in real_skus, f"{sku} is not in the real captures"
    row = {
        "source": "t",
        "provider": "p",
        "provider_class": "api_host",
        "input_tier": "rate_card",
        "sku": sku,
        "label": sku,
        "product": "tokens",
        "pricing_type": "on_demand",
        "unit": "mtok_input",
        "price_per": "mtok",
        "price_native": "1",
        "currency": "USD",
        "observed_at": FETCHED,
    }
    capture = RawCapture(source="t", url="https://x", fetched_at=FETCHED, body=b"{}")
    quotes, _ = normalise(parsed_frame([row]), capture)
    assert quotes.height == 1
    assert (quotes["good"][0], quotes["variant"][0]) == (good, variant)


def test_bedrock_deepseek_v3_name_serving_v3_1_is_an_identity_rejection(real_skus: set[str]) -> None:
    assert "deepseek.v3-v1:0" in real_skus
    row = {
        "source": "t",
        "provider": "bedrock_converse",
        "sku": "deepseek.v3-v1:0",
        "label": "deepseek.v3-v1:0",
        "product": "tokens",
        "pricing_type": "on_demand",
        "unit": "mtok_input",
        "price_per": "mtok",
        "price_native": "0.58",
        "currency": "USD",
        "observed_at": FETCHED,
    }
    _, rejections = normalise(parsed_frame([row]), RawCapture(source="t", url="x", fetched_at=FETCHED, body=b""))
    assert rejections["rule"].to_list() == ["identity_ambiguous"]


MIN_LITELLM_PROVIDERS = {
    "llama-3.3-70b-instruct": 20,
    "llama-3.1-8b-instruct": 15,
    "llama-3.1-70b-instruct": 10,
    "llama-3.1-405b-instruct": 8,
    "llama-4-maverick": 10,
    "llama-4-scout": 10,
    "gpt-oss-120b": 15,
    "gpt-oss-20b": 10,
    "deepseek-v3": 3,
    "deepseek-v3-0324": 3,
    "deepseek-v3.1": 3,
    "deepseek-v3.2": 3,
    "deepseek-r1": 3,
    "deepseek-r1-0528": 3,
    "qwen3-235b-a22b": 3,
    "qwen3-235b-a22b-instruct-2507": 3,
    "qwen3-235b-a22b-thinking-2507": 3,
    "qwen3-coder-480b-a35b-instruct": 3,
    "mistral-small-3.1": 3,
    "mistral-small-3.2": 3,
    "kimi-k2": 3,
    "kimi-k2-0905": 3,
    "glm-4.5": 3,
    "glm-4.6": 3,
    "gpt-4o": 3,
    "claude-sonnet-4.5": 3,
    "gemini-2.5-pro": 3,
}


def test_open_weight_goods_span_many_litellm_providers(token_quotes: pl.DataFrame) -> None:
    counts = dict(
        token_quotes.filter((pl.col("source") == "litellm") & pl.col("good").is_not_null())
        .group_by("good")
        .agg(pl.col("provider").n_unique())
        .iter_rows()
    )
    for good, minimum in MIN_LITELLM_PROVIDERS.items():
        assert counts.get(good, 0) >= minimum, (good, counts.get(good))
    # OpenRouter ids land on the same goods.
    router = set(token_quotes.filter(pl.col("source") == "openrouter")["good"].drop_nulls())
    assert {"llama-3.3-70b-instruct", "gpt-oss-120b", "deepseek-v3-0324", "qwen3-235b-a22b-instruct-2507"} <= router


def test_no_good_collects_a_fine_tune_or_guard_model(token_quotes: pl.DataFrame) -> None:
    mapped = token_quotes.filter(pl.col("good").is_not_null())["sku"].str.to_lowercase()
    for word in ("distill", "guard", "vision", "hermes", "nemotron", "free", "speciale", "-200k"):
        offenders = mapped.filter(mapped.str.contains(word, literal=True)).to_list()
        assert offenders == [], (word, offenders)
