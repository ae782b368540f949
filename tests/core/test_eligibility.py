"""Methodology v3's eligibility: one vote per firm, clean goods, reference configurations, re-reports."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pipeline.audit import quotes_from_jsonl, simulate
from pipeline.audit.simulate import SimulationInputError

AT = datetime(2026, 8, 3, 16, 0, tzinfo=UTC)
SEEN = "2026-08-03T15:30:00Z"


def gpu(provider: str, price: str, **extra: Any) -> dict[str, Any]:
    return {
        "provider": provider,
        "product": "gpu_hour",
        "good": "H100-SXM-80GB",
        "unit": "gpu_hour",
        "price_usd": price,
        "observed_at": SEEN,
        **extra,
    }


def tok(provider: str, price: str, **extra: Any) -> dict[str, Any]:
    return {
        "provider": provider,
        "product": "tokens",
        "good": "llama-3.3-70b-instruct",
        "unit": "mtok_input",
        "price_usd": price,
        "observed_at": SEEN,
        **extra,
    }


def run(tmp_path: Path, index: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    path = tmp_path / f"{len(list(tmp_path.iterdir()))}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return simulate(index, quotes_from_jsonl(path), AT, "3")


NEOCLOUDS = [("lambda", "2.99"), ("nebius", "2.95"), ("crusoe", "3.10"), ("datacrunch", "2.89"), ("hyperstack", "3.05")]


def voters(doc: dict[str, Any]) -> set[str]:
    return {p["provider"] for p in doc["providers"] if p["verdict"] == "counted"}


def test_one_firm_under_three_names_has_one_vote(tmp_path: Path) -> None:
    honest = [
        tok(p, v)
        for p, v in [
            ("together_ai", "0.88"),
            ("fireworks_ai", "0.90"),
            ("deepinfra", "0.85"),
            ("groq", "0.89"),
            ("cerebras", "0.87"),
        ]
    ]
    aws = [tok(name, "1.80") for name in ("bedrock", "bedrock_converse", "bedrock_mantle")]
    doc = run(tmp_path, "CIX-TOK-LLAMA33-70B-IN", honest + aws)
    assert "aws" in {p["provider"] for p in doc["providers"]}
    assert len(doc["providers"]) == 6, "three AWS feed names are one firm"


def test_an_aggregator_never_votes_for_prices_it_re_reports(tmp_path: Path) -> None:
    rows = [tok(p, v) for p, v in [("together_ai", "0.88"), ("fireworks_ai", "0.90"), ("deepinfra", "0.85")]]
    rows += [tok("openrouter", "0.13"), tok("vercel_ai_gateway", "0.10")]
    doc = run(tmp_path, "CIX-TOK-LLAMA33-70B-IN", rows)
    assert voters(doc) == {"together", "fireworks", "deepinfra"}
    rules = {(e["firm"], e["rule"]) for e in doc["exclusions"]}
    assert {("openrouter", "aggregator_own_price"), ("vercel", "aggregator_own_price")} <= rules


def test_a_re_report_counts_for_the_firm_rented_from_but_its_own_quote_comes_first(tmp_path: Path) -> None:
    rows = [gpu(p, v, provider_class="neocloud") for p, v in NEOCLOUDS]
    rows += [gpu("datacrunch", "1.50", via="primeintellect", input_tier="statistic")]  # direct 2.89 wins
    rows += [gpu("massedcompute", "2.97", via="primeintellect", input_tier="statistic")]  # only via: counts
    rows += [gpu("primeintellect", "1.99", provider_class="marketplace")]  # its own aggregate: never
    doc = run(tmp_path, "CIX-H100-OD", rows)
    assert voters(doc) == {"lambda", "nebius", "crusoe", "datacrunch", "hyperstack", "massedcompute"}
    counted = {p["provider"]: p for p in doc["providers"]}
    assert counted["datacrunch"]["value"] == "2.89" and counted["massedcompute"]["tier"] == "statistic"
    rules = {(e["firm"], e["rule"]) for e in doc["exclusions"]}
    assert ("datacrunch", "re_report") in rules and ("primeintellect", "aggregator_own_price") in rules


def test_community_government_and_serving_variants_are_other_goods(tmp_path: Path) -> None:
    rows = [gpu(p, v) for p, v in NEOCLOUDS]
    rows += [gpu("runpod", "1.20", region="community_cloud"), gpu("vast", "1.10", segment="community")]
    doc = run(tmp_path, "CIX-H100-OD", rows)
    assert {(e["firm"], e["rule"]) for e in doc["exclusions"]} == {
        ("runpod", "segment_community"),
        ("vast", "segment_community"),
    }
    hyperscalers = [
        gpu("aws", "6.88", provider_class="hyperscaler", sku="p5.48xlarge", region="us-east-1"),
        gpu(
            "azure",
            "12.29",
            provider_class="hyperscaler",
            sku="Standard_ND96isr_H100_v5",
            region="usgovvirginia",
            segment="government",
        ),
    ]
    doc = run(tmp_path, "CIX-H100-OD-HYP", hyperscalers)
    assert ("microsoft", "segment_government") in {(e["firm"], e["rule"]) for e in doc["exclusions"]}
    tokens = [tok(p, v) for p, v in [("together_ai", "0.88"), ("fireworks_ai", "0.90"), ("deepinfra", "0.85")]]
    tokens += [tok("groq", "0.59", variant="versatile")]
    doc = run(tmp_path, "CIX-TOK-LLAMA33-70B-IN", tokens)
    assert ("groq", "serving_variant") in {(e["firm"], e["rule"]) for e in doc["exclusions"]}


def test_listing_or_delisting_a_zone_cannot_move_a_reference_configured_value(tmp_path: Path) -> None:
    def gcp(region: str, zone_price: str) -> dict[str, Any]:
        return gpu("gcp", zone_price, provider_class="hyperscaler", sku="a3-highgpu-8g:H100x8", region=region)

    aws = gpu("aws", "6.88", provider_class="hyperscaler", sku="p5.48xlarge", region="us-east-1")
    azure = gpu("azure", "12.29", provider_class="hyperscaler", sku="Standard_ND96isr_H100_v5", region="eastus")
    base = [aws, azure, gcp("us-central1", "11.06"), gcp("us-central1", "11.06"), gcp("asia-east1", "13.98")]
    before = run(tmp_path, "CIX-H100-OD-HYP", base)
    more_zones = run(tmp_path, "CIX-H100-OD-HYP", [*base, gcp("europe-west4", "5.38"), gcp("us-central1", "11.06")])
    fewer_zones = run(tmp_path, "CIX-H100-OD-HYP", [aws, azure, gcp("us-central1", "11.06")])
    google = [next(p for p in d["providers"] if p["provider"] == "google") for d in (before, more_zones, fewer_zones)]
    assert {g["value"] for g in google} == {"11.06"}
    assert before["value"] == more_zones["value"] == fewer_zones["value"]
    assert any(e["rule"] == "not_reference_region" for e in more_zones["exclusions"])
    other_shape = run(
        tmp_path, "CIX-H100-OD-HYP", [*base, {**gcp("us-central1", "1.00"), "sku": "a3-highgpu-1g:H100x1"}]
    )
    assert other_shape["value"] == before["value"]
    assert any(e["rule"] == "not_reference_shape" for e in other_shape["exclusions"])


def test_a_rate_card_stays_usable_longer_than_an_executable_offer(tmp_path: Path) -> None:
    old = "2026-08-01T15:30:00Z"  # 48 hours before the fixing
    rows = [gpu(p, v, observed_at=old, input_tier="rate_card") for p, v in NEOCLOUDS[:3]]
    rows += [gpu("vast", "2.50", observed_at=old, input_tier="executable", provider_class="marketplace")]
    doc = run(tmp_path, "CIX-H100-OD", rows)
    assert voters(doc) == {"lambda", "nebius", "crusoe"}
    assert [p["provider"] for p in doc["providers"] if p["verdict"] == "stale"] == ["vast"]


GOOD_LINE = {"provider": "a", "product": "gpu_hour", "unit": "gpu_hour", "price_usd": "1", "observed_at": SEEN}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (json.dumps({k: v for k, v in GOOD_LINE.items() if k != "price_usd"}), "line 1: price_usd"),
        (json.dumps({**GOOD_LINE, "price_usd": "abc"}), "line 1: price_usd"),
        (json.dumps({**GOOD_LINE, "price_usd": "-1"}), "positive"),
        (json.dumps({**GOOD_LINE, "price_usd": "1E+999999"}), "positive"),
        (json.dumps({**GOOD_LINE, "good": "H999-1GB"}), "unknown good"),
        (json.dumps({**GOOD_LINE, "observed_at": "2026-08-03T15:00:00"}), "observed_at"),
        (json.dumps({**GOOD_LINE, "product": "tea"}), "product"),
        (json.dumps({k: v for k, v in GOOD_LINE.items() if k != "provider"}), "line 1: provider"),
        ("not json", "line 1: not a JSON object"),
        ("[1, 2]", "line 1: not a JSON object"),
    ],
)
def test_a_bad_quotes_file_names_the_line_and_field(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(GOOD_LINE) + "\n" + line + "\n")
    with pytest.raises(SimulationInputError, match=message.replace("line 1", "line 2")):
        quotes_from_jsonl(path)
