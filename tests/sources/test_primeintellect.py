"""Prime Intellect marketplace statistics (`primeintellect`) on the real captures.

Parser v2: per line, Prime Intellect's pooled median (its own figure) and one row per host in
`by_provider`, attributed to the firm it names via Prime Intellect at the `statistic` tier; hosts it does
not name (`dc_*`, `primecompute`) stay Prime Intellect's own. Parser v1 (the pooled median as one
executable marketplace offer) stays reachable for quotes stored with it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from pipeline.domain.records import RawCapture
from pipeline.methodology import load_register
from pipeline.sources import REGISTRY
from tests.helpers import RealCapture, normalise, row, run

SXM5 = "primeintellect/H100_80GB_SXM5.jsonl"


def _lines(realdata: Path, relative: str) -> list[dict]:
    return [json.loads(x, parse_float=Decimal) for x in (realdata / relative).read_text().splitlines()]


def test_each_snapshot_gives_the_pooled_median_and_one_row_per_host(real_capture: RealCapture, realdata: Path) -> None:
    parsed, quotes, rejections = run(real_capture("primeintellect", SXM5))
    lines = _lines(realdata, SXM5)
    assert len(lines) == 957 and rejections.height == 0
    assert quotes.height == sum(1 + len(line["by_provider"]) for line in lines)
    assert set(quotes["good"]) == {"H100-SXM-80GB"} and set(quotes["time_basis"]) == {"content"}
    assert set(quotes["input_tier"]) == {"statistic"}  # a statistic of offers, never an executable offer
    for n in (0, len(lines) - 1):
        line = lines[n]
        at = datetime.fromisoformat(line["timestamp"])
        snapshot = quotes.filter(pl.col("observed_at") == at)
        assert snapshot.height == 1 + len(line["by_provider"])
        pooled = row(snapshot, row_no=snapshot["row_no"].min())  # first row of the line: the pooled median
        assert (pooled["provider"], pooled["via"], pooled["sku"]) == ("primeintellect", None, "H100_80GB_SXM5")
        assert pooled["price_usd"] == line["price_stats"]["median"]
        assert json.loads(pooled["attributes"])["price_stats"]["p90"] == str(line["price_stats"]["p90"])
        for host, figures in line["by_provider"].items():
            host_row = row(snapshot.filter(pl.col("attributes").str.contains(f'"host": "{host}"')))
            assert host_row["price_usd"] == figures["avg"]
            if host.startswith("dc_") or host == "primecompute":  # not named: Prime Intellect's own price
                assert (host_row["provider"], host_row["via"]) == ("primeintellect", None)
            else:
                assert (host_row["provider"], host_row["via"]) == (host, "primeintellect")
    assert row(parsed, row_no=0)["label"] == "H100 80GB SXM5"


def test_every_named_host_is_a_registered_firm_of_gpu_hours(real_capture: RealCapture) -> None:
    register = load_register()
    named: set[str] = set()
    for path in ["primeintellect/H100_80GB_SXM5.jsonl", *(f"gpu-price-tracker/{n}.jsonl" for n in _TRACKER)]:
        _, quotes, _ = run(real_capture("primeintellect", path))
        named |= set(quotes.filter(pl.col("via") == "primeintellect")["provider"])
    assert named == set(REGISTRY["primeintellect"].providers) - {"primeintellect"}
    for host in named:
        firm = register.firm_of(host)
        assert firm is not None and firm.class_for("gpu_hour") in {"neocloud", "marketplace"}, host
    assert register.firm_id("lambdalabs") == "lambda" and register.firm_id("crusoecloud") == "crusoe"


_TRACKER = {
    "A100_80GB_PCIe": "A100-PCIE-80GB",
    "A100_80GB_SXM4": "A100-SXM-80GB",
    "B200_180GB": "B200-SXM-180GB",
    "GH200_96GB": "GH200-96GB",
    "H100_80GB_PCIe": "H100-PCIE-80GB",
    "H200_141GB": "H200-SXM-141GB",
}


@pytest.mark.parametrize("name, good", sorted(_TRACKER.items()))
def test_primeintellect_tracker_files(real_capture: RealCapture, realdata: Path, name: str, good: str) -> None:
    relative = f"gpu-price-tracker/{name}.jsonl"
    _, quotes, rejections = run(real_capture("primeintellect", relative))
    lines = _lines(realdata, relative)
    assert quotes.height == sum(1 + len(line["by_provider"]) for line in lines) and rejections.height == 0
    assert set(quotes["good"]) == {good}
    middle = lines[len(lines) // 2]
    at = datetime.fromisoformat(middle["timestamp"])
    pooled = quotes.filter((pl.col("observed_at") == at) & pl.col("via").is_null()).sort("row_no").row(0, named=True)
    assert pooled["price_usd"] == middle["price_stats"]["median"]


def test_legacy_parser_v1_still_reads_a_line_as_one_executable_marketplace_quote(real_capture: RealCapture) -> None:
    capture = real_capture("primeintellect", SXM5)
    source = REGISTRY["primeintellect"]
    assert source.parser_version == "2"
    parsed = source.parser("1")(capture)
    quotes, rejections = normalise(parsed, capture)
    assert quotes.height == 957 and rejections.height == 0
    assert set(quotes["provider"]) == {"primeintellect"} and set(quotes["input_tier"]) == {"executable"}
    assert quotes["via"].is_null().all()


def test_a_snapshot_without_median_or_a_host_without_a_price_is_a_rejection(realdata: Path) -> None:
    first, second = (realdata / "gpu-price-tracker/GH200_96GB.jsonl").read_text().splitlines()[:2]
    blank = json.loads(first)
    blank["price_stats"]["median"] = None
    host = next(iter(blank["by_provider"]))
    blank["by_provider"][host]["avg"] = "n/a"
    body = (json.dumps(blank) + "\n" + second + "\n").encode()
    capture = RawCapture(source="primeintellect", url="file://synthetic", fetched_at=datetime.now(UTC), body=body)
    _, quotes, rejections = run(capture)
    reasons = set(rejections["reason"])
    assert any(r.startswith("median price missing") for r in reasons)
    assert f"host '{host}' mean price 'n/a' is not a positive number" in reasons
    assert quotes.height == 1 + len(json.loads(second)["by_provider"]) + len(blank["by_provider"]) - 1
