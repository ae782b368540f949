"""genai-prices (Pydantic's per-provider token prices) on the real captures: data.json and every monthly snapshot."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from pipeline.capture import CaptureSet
from pipeline.config import SAMPLES_DIR
from pipeline.domain.records import RawCapture
from pipeline.index.fixing import fixing_time
from pipeline.methodology import load, load_register
from pipeline.sources import REGISTRY
from pipeline.sources.base import SchemaDrift
from pipeline.sources.genai_prices import NOT_IN_FORCE, SOURCE, commit_time
from tests.helpers import lake_sql, normalise

FETCHED = datetime(2026, 8, 3, 15, 30, tzinfo=UTC)
GOODS = ("llama-3.3-70b-instruct", "gpt-oss-120b", "llama-3.1-8b-instruct")
HEADLINE = {"input_mtok": "mtok_input", "output_mtok": "mtok_output", "cache_read_mtok": "mtok_cached_input"}


def run(capture: RawCapture) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    parsed = SOURCE.parse(capture)
    quotes, rejections = normalise(parsed, capture)
    assert quotes.height + rejections.height == parsed.height  # every row accounted for once
    return parsed, quotes, rejections


def doc(path: Path) -> list[dict[str, Any]]:
    """The file read independently of the module under test, numbers exact."""
    return json.loads(path.read_bytes(), parse_float=Decimal, parse_int=Decimal)  # type: ignore[no-any-return]


def model(document: list[dict[str, Any]], provider: str, model_id: str) -> dict[str, Any]:
    return next(m for p in document if p["id"] == provider for m in p["models"] if m["id"] == model_id)


def prices(frame: pl.DataFrame, provider: str, sku: str, via: str | None = None) -> dict[str, Decimal]:
    rows = frame.filter((pl.col("provider") == provider) & (pl.col("sku") == sku))
    if "via" in frame.columns:
        rows = rows.filter(pl.col("via").is_null() if via is None else pl.col("via") == via)
    column = "price_usd" if "price_usd" in frame.columns else "price_native"
    return {r["unit"]: Decimal(str(r[column])) for r in rows.iter_rows(named=True)}


def readme_commits(realdata: Path) -> dict[str, datetime]:
    """history file name -> commit time, from the archive's README (its date is the file name's date)."""
    text = (realdata / "genai-prices/README.md").read_text()
    stamps = [datetime.fromisoformat(s) for s in re.findall(r"^\s*- [0-9a-f]{40} (\S+)$", text, re.M)]
    return {f"data_{s.date().isoformat()}.json": s for s in stamps}


def expected_rows(document: list[dict[str, Any]]) -> int:
    """One row per price key of every entry, and one for a model listed without any price."""
    count = 0
    for provider in document:
        for m in provider["models"]:
            entries = m["prices"] if isinstance(m["prices"], list) else [{"prices": m["prices"]}]
            count += sum(len(e["prices"]) or 1 for e in entries)
    return count


def test_source_declares_the_live_file_its_host_and_the_history_archive() -> None:
    assert REGISTRY["genai-prices"] is SOURCE
    assert (SOURCE.product, SOURCE.hosts) == ("tokens", ("raw.githubusercontent.com",))
    assert [r.url for r in SOURCE.requests] == [
        "https://raw.githubusercontent.com/pydantic/genai-prices/main/prices/data.json"
    ]
    (archive,) = SOURCE.archives
    assert (archive.name, archive.pattern, archive.snapshots) == (
        "genai-prices-history",
        "genai-prices/history/*.json",
        True,
    )


def test_current_data_json_every_key_is_a_row_and_headline_prices_are_exact(real_capture, realdata) -> None:  # type: ignore[no-untyped-def]
    capture = real_capture("genai-prices", "genai-prices/data.json", FETCHED)
    parsed, quotes, rejections = run(capture)
    document = doc(realdata / "genai-prices/data.json")
    assert parsed.height == expected_rows(document)
    assert quotes.height > 2500 and 300 < rejections.height < 600
    assert set(parsed["price_per"].drop_nulls()) <= {"mtok", "kcount"}
    # Known prices, read from the file and stated: Llama 3.3 70B at Cerebras, gpt-oss-120b at Groq.
    cerebras = model(document, "cerebras", "llama-3.3-70b")["prices"]
    assert prices(quotes, "cerebras", "llama-3.3-70b") == {"mtok_input": Decimal("0.85"), "mtok_output": Decimal("1.2")}
    assert prices(quotes, "cerebras", "llama-3.3-70b")["mtok_input"] == cerebras["input_mtok"]
    groq = model(document, "groq", "openai/gpt-oss-120b")["prices"]
    assert prices(quotes, "groq", "openai/gpt-oss-120b") == {HEADLINE[k]: v for k, v in groq.items()}
    assert prices(quotes, "groq", "openai/gpt-oss-120b")["mtok_cached_input"] == Decimal("0.075")
    # Every plain headline figure of an unconstrained model is quoted exactly or rejected with a reason.
    quoted = {(r["provider"], r["via"], r["sku"], r["unit"]): r["price_usd"] for r in quotes.iter_rows(named=True)}
    rejected = {(r["sku"], r["unit"]) for r in rejections.iter_rows(named=True)}
    register, checked = load_register(), 0
    for provider in document:
        via = "huggingface" if provider["id"].startswith("huggingface_") else None
        firm = register.firm_id(provider["id"].removeprefix("huggingface_"))
        for m in provider["models"]:
            if isinstance(m["prices"], list):
                continue
            for key, unit in HEADLINE.items():
                value = m["prices"].get(key)
                if isinstance(value, Decimal) and (firm, via, m["id"], unit) in quoted:
                    assert quoted[(firm, via, m["id"], unit)] == value, (provider["id"], m["id"], key)
                    checked += 1
                elif value is not None:
                    assert (m["id"], unit) in rejected, (provider["id"], m["id"], key)
    assert checked > 2500
    assert set(quotes["currency"]) == {"USD"} and set(quotes["input_tier"]) == {"rate_card"}
    assert set(quotes["time_basis"]) == {"fetch"}  # data.json has no per-model date: the state at the fetch


def test_hugging_face_routes_count_for_the_firm_served_via_hugging_face(real_capture, realdata) -> None:  # type: ignore[no-untyped-def]
    _, quotes, _ = run(real_capture("genai-prices", "genai-prices/data.json", FETCHED))
    document = doc(realdata / "genai-prices/data.json")
    routed = quotes.filter(pl.col("via") == "huggingface")
    assert "huggingface" not in set(quotes["provider"])  # the router never votes for the firms it routes to
    assert set(routed["provider"]) == {
        "cerebras", "fireworks", "groq", "hyperbolic", "nebius", "novita", "nscale", "ovhcloud", "publicai",
        "sambanova", "together",
    }  # fmt: skip
    assert set(routed["provider_class"]) == {"api_host"}
    sku = "meta-llama/Llama-3.3-70B-Instruct"
    nebius = model(document, "huggingface_nebius", sku)["prices"]
    assert prices(quotes, "nebius", sku, via="huggingface") == {
        "mtok_input": nebius["input_mtok"],
        "mtok_output": nebius["output_mtok"],
    }
    assert prices(quotes, "nebius", sku, via="huggingface") == {
        "mtok_input": Decimal("0.25"),
        "mtok_output": Decimal("0.75"),
    }
    # Novita direct and Novita behind Hugging Face are one firm with two prices, told apart by `via`.
    assert prices(quotes, "novita", "meta-llama/llama-3.3-70b-instruct")["mtok_input"] == Decimal("0.39")
    assert prices(quotes, "novita", sku, via="huggingface")["mtok_input"] == Decimal("0.135")
    # Every provider id names a registered firm with a token class.
    register = load_register()
    assert register.firm_of("huggingface") is not None
    assert register.firm_of("huggingface").class_for("tokens") == "aggregator"  # type: ignore[union-attr]
    for provider in document:
        firm = register.firm_of(provider["id"].removeprefix("huggingface_"))
        assert firm is not None and firm.class_for("tokens"), provider["id"]
    assert "microsoft" in set(quotes.filter(pl.col("sku") == "o3-mini")["provider"])  # the feed's "azure"
    assert "xai" in set(quotes["provider"]) and "x-ai" not in set(quotes["provider"])


def test_tiered_other_keys_and_foreign_prices_are_rejections_with_reasons(real_capture, realdata) -> None:  # type: ignore[no-untyped-def]
    before = datetime(2026, 3, 12, 12, tzinfo=UTC)
    _, quotes, rejections = run(real_capture("genai-prices", "genai-prices/data.json", before))
    opus = rejections.filter((pl.col("provider") == "anthropic") & (pl.col("sku") == "claude-opus-4-6"))
    tiered = "input_mtok is tiered (5 below the first tier, then 10 from 200000 tokens): no single price"
    assert tiered in opus["reason"].to_list()
    # The flat price from 2026-03-13 is not yet in force: all four of its figures say so first.
    later = opus.filter(pl.col("reason").str.starts_with(NOT_IN_FORCE))
    assert sorted(later["price_native"].to_list()) == ["0.5", "25", "5", "6.25"]
    assert later["reason"].str.ends_with("entry 1 (from 2026-03-13); entry 0 (no constraint) is in force").all()
    assert prices(quotes, "anthropic", "claude-opus-4-6") == {}  # before 2026-03-13 only the tiered entry applies
    _, quotes, rejections = run(real_capture("genai-prices", "genai-prices/data.json", FETCHED))
    assert prices(quotes, "anthropic", "claude-opus-4-6") == {
        "mtok_input": Decimal(5),
        "mtok_output": Decimal(25),
        "mtok_cached_input": Decimal("0.5"),
    }
    by_reason = rejections.filter(pl.col("provider") == "anthropic")["reason"].to_list()
    assert any(r.startswith("cache_write_mtok: not a headline text token price") for r in by_reason)
    assert any(r.startswith(f"{NOT_IN_FORCE} at 2026-08-03T15:30Z: entry 0 (no constraint)") for r in by_reason)
    gpt = rejections.filter(pl.col("sku").is_in(["gpt-4o-audio-preview", "gpt-realtime"]))
    assert gpt["reason"].str.starts_with("input_audio_mtok").any()
    sonar = rejections.filter(
        (pl.col("provider") == "perplexity") & pl.col("reason").str.starts_with("requests_kcount")
    )
    assert sonar.height > 0
    # The feed says it copied OpenAI's gpt-oss-120b price from OpenRouter: not OpenAI's own price.
    copied = rejections.filter((pl.col("provider") == "openai") & (pl.col("sku") == "gpt-oss-120b"))
    assert copied.height == 2 and copied["reason"].str.contains("copied it from OpenRouter").all()
    # Zhipu's figures are CNY converted by the feed at its own rate: none is a USD quote.
    assert quotes.filter(pl.col("provider") == "zhipu").height == 0
    assert rejections.filter(pl.col("provider") == "zhipu")["reason"].str.contains("converted it to USD").any()
    free = rejections.filter(pl.col("sku") == "openai/gpt-oss-120b:free")
    assert free["reason"].to_list() == ["no prices listed: a free or unpriced model"]


@pytest.mark.parametrize(
    "at, expected",
    [
        (datetime(2026, 8, 3, 15, 30, tzinfo=UTC), ("0.27", "1.1", "0.07")),  # 00:30-16:30 UTC: the standard price
        (datetime(2026, 8, 3, 16, 30, tzinfo=UTC), ("0.135", "0.55", "0.035")),  # the window's end is exclusive
        (datetime(2026, 8, 3, 0, 15, tzinfo=UTC), ("0.135", "0.55", "0.035")),  # off-peak wraps midnight
        (datetime(2026, 8, 3, 0, 30, tzinfo=UTC), ("0.27", "1.1", "0.07")),
    ],
)
def test_daily_time_window_entry_is_the_one_in_force_at_the_observation(  # type: ignore[no-untyped-def]
    real_capture, at: datetime, expected: tuple[str, str, str]
) -> None:
    _, quotes, rejections = run(real_capture("genai-prices", "genai-prices/data.json", at))
    units = ("mtok_input", "mtok_output", "mtok_cached_input")
    assert prices(quotes, "deepseek", "deepseek-chat") == {u: Decimal(v) for u, v in zip(units, expected, strict=True)}
    other = rejections.filter(pl.col("sku") == "deepseek-chat")
    assert other.height == 3 and other["reason"].str.starts_with(NOT_IN_FORCE).all()


def test_start_date_entry_follows_the_observation_and_caps_a_snapshot(realdata) -> None:  # type: ignore[no-untyped-def]
    body = (realdata / "genai-prices/data.json").read_bytes()

    def sonnet(at: datetime, until: datetime | None = None) -> pl.DataFrame:
        capture = RawCapture("genai-prices", "x", at, body, in_force_until=until)
        return SOURCE.parse(capture).filter((pl.col("provider") == "anthropic") & (pl.col("sku") == "claude-sonnet-5"))

    now = sonnet(FETCHED).filter(pl.col("reject_reason").is_null())
    assert prices(now, "anthropic", "claude-sonnet-5") == {
        "mtok_input": Decimal(2),
        "mtok_output": Decimal(10),
        "mtok_cached_input": Decimal("0.2"),
    }
    assert now["in_force_until"].is_null().all()  # a live capture's quotes are fresh quotes, never extended
    later = sonnet(datetime(2026, 9, 1, tzinfo=UTC)).filter(pl.col("reject_reason").is_null())
    assert prices(later, "anthropic", "claude-sonnet-5")["mtok_input"] == Decimal(3)
    # In a snapshot in force until October, the introductory price stops on 2026-09-01, not with the snapshot.
    snapshot = sonnet(FETCHED, datetime(2026, 10, 1, tzinfo=UTC)).filter(pl.col("reject_reason").is_null())
    assert set(snapshot["in_force_until"]) == {datetime(2026, 9, 1, tzinfo=UTC)}
    short = sonnet(FETCHED, datetime(2026, 8, 20, tzinfo=UTC)).filter(pl.col("reject_reason").is_null())
    assert set(short["in_force_until"]) == {datetime(2026, 8, 20, tzinfo=UTC)}


def test_every_history_snapshot_parses_at_its_commit_time(realdata) -> None:  # type: ignore[no-untyped-def]
    commits = readme_commits(realdata)
    files = sorted((realdata / "genai-prices/history").glob("*.json"))
    assert [p.name for p in files] == sorted(commits) and len(files) == 14
    llama_firms = []
    for path in files:
        body = path.read_bytes()
        at = commit_time(path, body)
        assert at == commits[path.name] and at.tzinfo is not None  # the README's exact commit time, not the date
        parsed, quotes, rejections = run(RawCapture("genai-prices", f"archive://{path.name}", at, body))
        assert parsed.height == expected_rows(doc(path)), path.name
        assert quotes.height > 1400 and rejections.height > 0, path.name
        assert set(quotes["time_basis"]) == {"content"} and set(quotes["observed_at"]) == {at}
        llama_firms.append(quotes.filter(pl.col("good") == "llama-3.3-70b-instruct")["provider"].n_unique())
    assert min(llama_firms) >= 4 and llama_firms[-1] >= 12  # Hugging Face routes arrive in November 2025
    # A file whose content is not a listed commit has no known time: refused, never guessed from its name.
    with pytest.raises(ValueError, match="not a commit listed"):
        commit_time(files[0], files[0].read_bytes() + b" ")
    assert hashlib.sha256((realdata / "genai-prices/data.json").read_bytes()).hexdigest() in {
        hashlib.sha256(p.read_bytes()).hexdigest() for p in files
    }


def test_identities_are_the_litellm_goods_and_variants_stay_apart(real_capture) -> None:  # type: ignore[no-untyped-def]
    _, genai, genai_rejected = run(real_capture("genai-prices", "genai-prices/data.json", FETCHED))
    litellm_capture = real_capture("litellm", "litellm/model_prices_and_context_window.json", FETCHED)
    litellm, _ = normalise(REGISTRY["litellm"].parse(litellm_capture), litellm_capture)
    register = load_register()
    for good in GOODS:
        ours = genai.filter(pl.col("good") == good)
        theirs = {register.firm_id(p) for p in litellm.filter(pl.col("good") == good)["provider"]}
        both = set(ours["provider"]) & theirs
        assert len(both) >= 5, (good, both)  # the same firms' listings land on the same canonical good
    llama = genai.filter(pl.col("good") == "llama-3.3-70b-instruct")
    variants = dict(zip(llama["sku"], llama["variant"], strict=False))
    assert variants["llama-3.3-70b-versatile"] == "versatile"
    assert variants["meta-llama/Llama-3.3-70B-Instruct-Turbo"] == "turbo"
    assert variants["meta-llama/Llama-3.3-70B-Instruct"] is None
    eight = genai.filter(pl.col("good") == "llama-3.1-8b-instruct")
    assert dict(zip(eight["sku"], eight["variant"], strict=False))["llama-3.1-8b-instant"] == "instant"
    assert dict(zip(eight["sku"], eight["variant"], strict=False))["meta-llama/llama-3.1-8b-instruct-bf16"] == "bf16"
    # Relatives, fine-tunes and unknown serving tiers are not the goods (each listing is in data.json).
    everything = pl.concat([genai.select("sku", "good"), genai_rejected.select("sku", "good")])
    for sku in (
        "deepseek-ai/DeepSeek-R1-Distill-Llama-70B",
        "tokyotech-llm/Llama-3.3-Swallow-70B-Instruct-v0.4",
        "nvidia/llama-3.3-nemotron-super-49b-v1.5",
        "openai/gpt-oss-safeguard-20b",
        "meta-llama/llama-3.3-70b-instruct:free",
        "llama-3.3-70b-specdec",
    ):
        rows = everything.filter(pl.col("sku") == sku)
        assert rows.height > 0 and rows["good"].is_null().all(), sku


def test_bodies_that_are_not_genai_prices_are_schema_drift(real_capture) -> None:  # type: ignore[no-untyped-def]
    others = [
        real_capture("genai-prices", "litellm/model_prices_and_context_window.json").body,
        real_capture("genai-prices", "openrouter/openrouter_models.json").body,
        real_capture("genai-prices", "llm-prices/openai.json").body,
    ]
    bad = [
        b"<html><body>rate limited</body></html>",
        b"\x00\xff garbage",
        b"[]",
        b'[{"id": "x", "name": "X"}]',
        b'[{"id": "x", "models": [{"id": "m"}]}]',
        b'[{"id": "x", "models": [{"id": "m", "prices": {"input_mtok": 1}}]}, 7]',
        b'[{"id": "x", "models": [{"id": "m", "prices": []}]}]',
        b'[{"id": "x", "models": [{"id": "m", "prices": [{"constraint": {"weekday": "mon"}, "prices": {}}]}]}]',
        b'[{"id": "x", "models": [{"id": "m", "prices": [{"constraint": {"start_date": "soon"}, "prices": {}}]}]}]',
        b'[{"id": "x", "models": [{"id": "m", "prices": {"cache_write_mtok": 1}}]}]',  # no headline price at all
    ]
    for body in others + bad:
        with pytest.raises(SchemaDrift):
            SOURCE.parse(RawCapture("genai-prices", "https://x", FETCHED, body))


def test_unknown_firms_keys_and_figures_are_recorded_not_guessed() -> None:
    document = [
        {"id": "groq", "models": [{"id": "m", "prices": {"input_mtok": "1.5", "output_mtok": True, "video_mtok": 2}}]},
        {"id": "modal", "models": [{"id": "llama-3.3-70b", "prices": {"input_mtok": 1}}]},
        {"id": "huggingface_acme", "models": [{"id": "llama-3.3-70b", "prices": {"input_mtok": 1}}]},
        {"id": "together", "models": [{"id": "z", "prices": {"input_mtok": 0, "output_mtok": -1}}]},
    ]
    capture = RawCapture("genai-prices", "https://x", FETCHED, json.dumps(document).encode())
    parsed, quotes, rejections = run(capture)
    assert parsed.height == 7
    assert prices(quotes, "groq", "m") == {"mtok_input": Decimal("1.5")}
    reasons = {(r["provider"], r["price_native"]): (r["rule"], r["reason"]) for r in rejections.iter_rows(named=True)}
    assert reasons[("groq", "True")][1] == "output_mtok True is not a number"
    assert reasons[("groq", "2")][1].startswith("video_mtok: not a headline text token price")
    assert reasons[("modal", "1")][1] == "provider 'modal' is not in the provider register v1"
    assert reasons[("acme", "1")][1] == "provider 'acme' is not in the provider register v1"
    assert reasons[("together", "0")][0] == reasons[("together", "-1")][0] == "non_positive_price"


def test_sample_figures_are_the_real_ones_and_give_each_good_five_firms(realdata) -> None:  # type: ignore[no-untyped-def]
    root = SAMPLES_DIR / "default"
    manifest = json.loads((root / "manifest.json").read_text())
    (entry,) = [c for c in manifest["captures"] if c["source"] == "genai-prices"]
    assert entry["url"] == SOURCE.requests[0].url and "genai-prices/data.json" in entry["from"]
    assert any(e.source == "genai-prices" for e in CaptureSet.load(root).entries)  # the loader ignores "from"
    sample, real = doc(root / entry["file"]), doc(realdata / "genai-prices/data.json")
    for provider in sample:
        for m in provider["models"]:
            original = model(real, provider["id"], m["id"])
            assert m == {k: v for k, v in original.items() if k != "description"}, (provider["id"], m["id"])
    capture = RawCapture("genai-prices", entry["url"], FETCHED, (root / entry["file"]).read_bytes())
    _, quotes, rejections = run(capture)
    for good in GOODS:
        firms = set(quotes.filter((pl.col("good") == good) & (pl.col("provider_class") != "aggregator"))["provider"])
        assert len(firms) >= 5, (good, firms)
    assert quotes.filter(pl.col("via") == "huggingface")["provider"].n_unique() >= 3
    assert {"parser"} == set(rejections["rule"])
    assert rejections["reason"].str.contains("tiered").any() and rejections["reason"].str.contains("OpenRouter").any()


# --- backfill: the history archive beside LiteLLM's --------------------------------------------


@pytest.fixture(scope="module")
def both_feeds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("genai-backfill")
    env = {**os.environ, "CIX_HOME": str(home / "home"), "CIX_PUBLISH_DIR": str(home / "publish")}
    args = ["backfill", "--archive", "genai-prices-history", "--archive", "litellm-history", "--no-publish"]
    out = subprocess.run([str(Path(sys.executable).parent / "cix"), *args], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert "genai-prices-history:" not in out.stderr  # no archive file failed to parse or load
    yield home / "home" / "lake.sqlite"


def fed_by(db: Path, code: str) -> dict[date, set[str]]:
    """Fixing day -> the feeds its constituents came from."""
    with lake_sql(db, read_only=True) as con:
        rows = con.execute(
            "SELECT fixing_date, sources FROM fixing_constituent WHERE index_code = ?", [code]
        ).fetchall()
    feeds: dict[date, set[str]] = {}
    for day, sources in rows:
        feeds.setdefault(day, set()).update(json.loads(sources))
    return feeds


def test_backfill_loads_every_snapshot_at_its_commit_time(both_feeds: Path, realdata: Path) -> None:
    with lake_sql(both_feeds, read_only=True) as con:
        captures = con.execute(
            "SELECT fetched_at FROM raw_capture WHERE source = 'genai-prices' AND url LIKE 'archive://genai-prices-history/%'"
        ).fetchall()
        basis = con.execute("SELECT DISTINCT time_basis FROM quote WHERE source = 'genai-prices'").fetchall()
    assert sorted(t for (t,) in captures) == sorted(readme_commits(realdata).values())
    assert basis == [("content",)]


def test_token_fixings_on_days_both_archives_cover_have_providers_from_both_feeds(
    both_feeds: Path, realdata: Path
) -> None:
    m = load()
    commits = sorted(readme_commits(realdata).values())

    def genai_in_force(day: date) -> bool:  # a snapshot no older than the carry-forward limit
        at = fixing_time(day, m)
        return any(at - timedelta(days=m.archive_carry_forward_days) < c <= at for c in commits)

    llama = fed_by(both_feeds, "CIX-TOK-LLAMA33-70B-IN")
    overlap = [d for d in sorted(llama) if commits[0] <= fixing_time(d, m) and d <= commits[-1].date()]
    assert len(overlap) > 390
    for day in overlap:
        assert ("genai-prices" in llama[day]) == genai_in_force(day), day
        assert "litellm" in llama[day], day
    assert sum(genai_in_force(d) for d in overlap) > 390
    # gpt-oss-120b is in genai-prices from the November 2025 snapshot on: both feeds on every day since.
    gptoss = fed_by(both_feeds, "CIX-TOK-GPTOSS-120B-IN")  # a leg: blends have no constituents of their own
    since = [d for d in sorted(gptoss) if date(2025, 11, 28) <= d <= date(2026, 7, 25)]
    assert len(since) == (date(2026, 7, 25) - date(2025, 11, 28)).days + 1
    assert all({"genai-prices", "litellm"} <= gptoss[d] for d in since)
