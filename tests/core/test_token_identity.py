"""Token identity on real SKUs: which canonical good (and variant) each LiteLLM / OpenRouter model id is."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from pipeline.domain.records import RawCapture, parsed_frame
from pipeline.sources import litellm, openrouter
from tests.helpers import FETCHED, normalise, token_row


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
    capture = RawCapture(source="t", url="https://x", fetched_at=FETCHED, body=b"{}")
    quotes, _ = normalise(parsed_frame([token_row(sku)]), capture)
    assert quotes.height == 1
    assert (quotes["good"][0], quotes["variant"][0]) == (good, variant)


def test_bedrock_deepseek_v3_name_serving_v3_1_is_an_identity_rejection(real_skus: set[str]) -> None:
    assert "deepseek.v3-v1:0" in real_skus
    row = token_row("deepseek.v3-v1:0", "0.58", provider="bedrock_converse", provider_class=None, input_tier=None)
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
