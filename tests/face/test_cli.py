"""The `cix` command as a user runs it (a real subprocess of the installed entry point)."""

from __future__ import annotations

import json
import os
import re
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from tests.helpers import BundledRun, cix

BIN = Path(sys.executable).parent


def test_parse_litellm_prints_json_lines_with_the_contract_fields(realdata: Path) -> None:
    path = realdata / "litellm/model_prices_and_context_window.json"
    out = cix("parse", "litellm", str(path), "--at", "2026-07-24T18:23:43Z")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    required = {
        "source",
        "provider",
        "sku",
        "product",
        "good",
        "pricing_type",
        "region",
        "gpu_count",
        "unit",
        "price_usd",
        "currency",
        "observed_at",
    }
    assert rows and all(required <= set(r) for r in rows)
    doc = json.loads(path.read_bytes(), parse_float=Decimal)
    gpt = {r["unit"]: r for r in rows if r["sku"] == "gpt-4o" and r["pricing_type"] == "on_demand"}
    assert Decimal(gpt["mtok_input"]["price_usd"]) == doc["gpt-4o"]["input_cost_per_token"] * 1_000_000
    assert gpt["mtok_input"]["price_usd"] == "2.5"  # a decimal string, no exponent, no float noise
    assert gpt["mtok_input"]["observed_at"] == "2026-07-24T18:23:43Z"
    assert {r["unit"] for r in rows} <= {"mtok_input", "mtok_output", "mtok_cached_input"}


def test_parse_says_each_offers_market_segment(realdata: Path, tmp_path: Path) -> None:
    """A marketplace's community hosts are kept out of the on-demand indices (methodology v3): what `cix parse` prints
    must show which offers those are, or a reader sees two prices for one good and cannot tell why one never votes.
    The real reply's hosts are all community hosts (hosting_type 0); every other one is made a datacentre's (1)."""
    reply = json.loads((realdata / "vast/getcomputable_h100_sxm_asc.json").read_bytes())
    for n, o in enumerate(reply["offers"]):
        o["hosting_type"] = n % 2
    path = tmp_path / "vast.json"
    path.write_text(json.dumps(reply))
    rows = [json.loads(line) for line in cix("parse", "vast", str(path)).stdout.splitlines()]
    offers = {str(o["id"]): o for o in reply["offers"]}
    assert len(rows) == len(offers) and {r["segment"] for r in rows} == {"standard", "community"}
    for r in rows:
        assert r["segment"] == ("standard" if offers[r["sku"]]["hosting_type"] == 1 else "community")


def test_parse_rejections_say_why(realdata: Path) -> None:
    out = cix("parse", "azure", str(realdata / "azure/azure.json"), "--rejections")
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert rows and all(r["reason"] and r["rule"] for r in rows)


def test_parse_gpu_source_divides_by_gpu_count(realdata: Path) -> None:
    out = cix("parse", "aws", str(realdata / "aws-pricing-page/aws.json"))
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    p5 = next(r for r in rows if r["sku"] == "p5.48xlarge" and r["region"] == "us-east-1")
    assert (p5["price_usd"], p5["gpu_count"], p5["unit"], p5["good"]) == ("6.88", 8, "gpu_hour", "H100-SXM-80GB")


def test_parse_unknown_shape_exits_non_zero_with_reason(realdata: Path) -> None:
    out = cix("parse", "openrouter", str(realdata / "azure/azure.json"))
    assert out.returncode == 2
    assert "schema_drift" in out.stderr


def test_parse_takes_a_providers_name_for_the_source_that_reads_the_body(realdata: Path, tmp_path: Path) -> None:
    """`cix parse crusoe page.html` reads the page as Crusoe's page source and says so; a source named outright is
    taken at its word, and when it cannot read the body the error names the source of the same firm that can."""
    page = str(realdata / "pricing-pages/crusoe_20251215002446.html")
    by_provider, by_source = cix("parse", "crusoe", page), cix("parse", "crusoe-page", page)
    assert by_provider.returncode == 0 and by_provider.stdout == by_source.stdout and by_source.stdout
    assert "read as crusoe-page" in by_provider.stderr
    runpod_page = str(realdata / "pricing-pages/runpod_20250909131230.html")
    refused = cix("parse", "runpod", runpod_page)  # the API's source, given the pricing page
    assert refused.returncode == 2 and refused.stdout == ""
    assert "not readable as runpod: schema_drift" in refused.stderr
    assert f"it reads as runpod-page (`cix parse runpod-page {runpod_page}`)" in refused.stderr
    euros = tmp_path / "crusoe-eur.html"  # the page's prices in euros: refused without a rate, and told so
    euros.write_text((realdata / "provider-pages-2026/crusoe.html").read_text().replace("$", "€"))
    refused_all = cix("parse", "crusoe", str(euros))
    assert refused_all.returncode == 0 and refused_all.stdout == ""
    assert re.search(r"no quotes; [1-9][0-9]* rows refused \(--rejections says why\)", refused_all.stderr)
    nothing = cix("parse", "nebius", str(realdata / "azure/azure.json"))  # each of its sources says why not
    assert nothing.returncode == 2 and "not readable as any source of nebius (nebius-page: " in nothing.stderr
    assert "; primeintellect: schema_drift: " in nothing.stderr


def test_parse_reads_a_gzipped_page_as_the_page_inside(realdata: Path, tmp_path: Path) -> None:
    """Web archives keep their pages gzipped: `cix parse` reads one as the page it holds (the same quotes), and a
    file that unpacks beyond the source's cap is refused, as a fetched body would be."""
    import gzip

    page = realdata / "pricing-pages/lambda_20241103180910.html"
    packed = tmp_path / "lambda.html.gz"
    packed.write_bytes(gzip.compress(page.read_bytes()))
    at = ("--at", "2024-11-03T18:09:10Z")
    plain, unpacked = cix("parse", "lambda-page", str(page), *at), cix("parse", "lambda-page", str(packed), *at)
    assert unpacked.returncode == 0, unpacked.stderr
    rows = [json.loads(line) for line in unpacked.stdout.splitlines()]
    assert rows and rows == [json.loads(line) for line in plain.stdout.splitlines()]  # capture_id: the page's sha256
    bomb = tmp_path / "bomb.html.gz"
    bomb.write_bytes(gzip.compress(b"<p>" + b" " * (64 * 1024 * 1024) + b"</p>"))
    refused = cix("parse", "lambda-page", str(bomb))
    assert refused.returncode == 2 and "once unpacked" in refused.stderr


def test_sources_json_lists_hosts(tmp_path: Path) -> None:
    env = {**os.environ, "CIX_HOME": str(tmp_path)}
    out = cix("sources", "--format", "json", env=env)
    doc = json.loads(out.stdout)
    rows = {r["source"]: r for r in doc["sources"]}
    assert rows["azure"]["hosts"] == ["prices.azure.com"]
    assert rows["litellm"]["product"] == "tokens"
    assert all(r["hosts"] for r in rows.values())
    assert doc["coverage"] == []  # no run yet: no coverage to show


def test_sources_tells_a_source_down_from_one_that_failed_once_and_came_back(tmp_path: Path) -> None:
    from pipeline.store import Warehouse

    t0 = datetime(2026, 8, 3, 15, 0, tzinfo=UTC)
    with Warehouse(tmp_path / "lake.sqlite") as w:
        for minutes, runpod, aws in ((0, "ok", "error"), (15, "error", "ok"), (30, "error", "ok")):
            at = t0 + timedelta(minutes=minutes)
            for source, status in (("runpod", runpod), ("aws", aws)):
                w.record_source_run(source, at, status, "fetch" if status == "error" else None, "HTTP 503", 0)
    env = {**os.environ, "CIX_HOME": str(tmp_path)}
    rows = {r["source"]: r for r in json.loads(cix("sources", "--format", "json", env=env).stdout)["sources"]}
    assert (rows["runpod"]["down_since"], rows["runpod"]["failed_attempts"]) == ("2026-08-03T15:15:00Z", 2)
    assert (rows["aws"]["down_since"], rows["aws"]["failed_attempts"]) == (None, 0)
    assert rows["aws"]["last_error_at"] == "2026-08-03T15:00:00Z", "an error it recovered from is still told, dated"
    lines = [line.split("│") for line in cix("sources", env=env).stdout.splitlines() if line.startswith("│")]
    start = next(i for i, cells in enumerate(lines) if cells[1].strip() == "runpod")
    end = next(i for i in range(start + 1, len(lines)) if lines[i][1].strip())
    state = " ".join(cells[6].strip() for cells in lines[start:end])  # the state column, its wrapped lines joined
    assert state == "down since 2026-08-03T15:15:00Z (2 failed attempts)"


def test_sources_shows_each_index_firms_with_class_segment_and_tier_after_a_run(
    tmp_path: Path, bundled_run: BundledRun
) -> None:
    """A coverage gap is visible before it withholds a fixing: per index, the independent firms of the last run."""
    env = {**os.environ, "CIX_HOME": str(tmp_path / "home"), "CIX_PUBLISH_DIR": str(tmp_path / "publish")}
    bundled_run(tmp_path, None)  # `cix run --offline`'s installation
    doc = json.loads(cix("sources", "--format", "json", env=env).stdout)
    by_code = {c["index_code"]: c for c in doc["coverage"]}
    fixings = {
        r["index_code"]: r
        for r in map(
            json.loads, cix("fixings", "--date", "2026-08-03", "--format", "json", env=env).stdout.splitlines()
        )
    }
    assert set(by_code) == set(fixings)
    h100 = by_code["CIX-H100-OD"]
    assert h100["fixing_date"] == "2026-08-03" and (h100["required"], h100["settlement"]) == (3, 5)
    firms = {f["firm"]: f for f in h100["firms"]}
    assert len(firms) == h100["n_firms"] >= 5 and "primeintellect" not in firms  # an aggregator never votes
    assert h100["n_counted"] == fixings["CIX-H100-OD"]["n_providers"]
    nebius = firms["nebius"]  # seen through Prime Intellect: a statistic of offers, attributed to Nebius
    assert (nebius["firm_class"], nebius["segments"], nebius["tiers"], nebius["via"]) == (
        "neocloud",
        ["standard"],
        ["statistic"],
        ["primeintellect"],
    )
    assert firms["runpod"]["via"] == [] and firms["runpod"]["tiers"] == ["rate_card"]
    # Each firm's verdict is its index's own recorded constituent's (read for every index at once): the screened
    # firm is named by its screen, and every index's counted firms are as many as its fixing's providers.
    assert nebius["verdict"] == "mad_screen" and firms["runpod"]["verdict"] == "counted"
    for code, c in by_code.items():
        if not c["blend_of"]:
            assert c["n_counted"] == fixings[code]["n_providers"], code
            assert "not recorded" not in {f["verdict"] for f in c["firms"]}, code
    tokens = by_code["CIX-TOK-LLAMA33-70B-IN"]
    assert tokens["n_firms"] >= 5 and all(f["segments"] == [] for f in tokens["firms"])
    # A firm two feeds quote far apart (Novita: its vote falls between them) is told apart from feeds that agree.
    feeds = {f["firm"]: (f["feeds"], f["feeds_disagree"]) for f in tokens["firms"] if f["feeds"]}
    assert feeds["novita"] == ({"genai-prices": "0.39", "litellm": "0.135"}, True)
    assert feeds["ovhcloud"] == ({"genai-prices": "0.74", "litellm": "0.67"}, False)
    assert [firm for firm, (_, apart) in feeds.items() if apart] == ["novita"]
    assert by_code["CIX-TOK-LLAMA33-70B"]["blend_of"] == ["CIX-TOK-LLAMA33-70B-IN", "CIX-TOK-LLAMA33-70B-OUT"]
    table = cix("sources", env=env).stdout
    assert "Coverage of the last run (2026-08-03)" in table and "5 for settlement status" in table
    flat = " ".join(table.replace("│", " ").split())  # the table wraps long cells: compare its words
    assert "nebius (neocloud, standard," in flat and "primeintellect)" in flat
    assert "[feeds disagree: genai-prices 0.39, litellm 0.135]" in flat


def test_run_then_fixings_in_every_format(tmp_path: Path) -> None:
    env = {**os.environ, "CIX_HOME": str(tmp_path / "home"), "CIX_PUBLISH_DIR": str(tmp_path / "publish")}
    run = cix("run", "--offline", env=env)
    assert run.returncode == 0, run.stderr
    assert "CIX-H100-OD" in run.stdout and "published" in run.stdout and "withheld" in run.stdout
    table = cix("fixings", env=env)
    assert "CIX-TOK-GPTOSS-120B" in table.stdout
    # A value kept from settlement by the influence test names the firm that alone could move it, and how far (the
    # table's cells wrap: read it as one run of words).
    for out in (table.stdout, run.stdout):
        words = " ".join(out.replace("│", " ").split())
        assert re.search(r"CIX-A100-80-OD indicative [^C]*? more than 2 % \(lambda alone: up to [0-9.]+ %\)", words)
    lines = [
        json.loads(x) for x in cix("fixings", "--date", "2026-08-03", "--format", "json", env=env).stdout.splitlines()
    ]
    assert {r["status"] for r in lines} <= {"published", "indicative", "withheld"} and len(lines) == 34
    published = {r["index_code"]: r for r in lines if r["status"] == "published"}
    assert {"CIX-H100-OD", "CIX-TOK-LLAMA33-70B-OUT", "CIX-TOK-GPTOSS-120B-OUT"} <= set(published)
    assert all(r["value"] is not None and r["n_providers"] >= 5 for r in published.values())
    csv_out = cix("fixings", "--format", "csv", env=env).stdout.splitlines()
    assert csv_out[0].startswith("index_code,") and len(csv_out) == len(lines) + 1
    assert cix("fixings", "--date", "1999-01-01", env=env).returncode == 1
