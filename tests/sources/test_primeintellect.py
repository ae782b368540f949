"""Prime Intellect marketplace statistics (`primeintellect`) on the real captures.

Parser v2: per line, Prime Intellect's pooled median (its own figure) and one row per host in
`by_provider`, attributed to the firm it names via Prime Intellect at the `statistic` tier; hosts it does
not name (`dc_*`, `primecompute`) stay Prime Intellect's own. Parser v3 reads v2's rows column-wise (the
same rows, numbers and order; attributes as the line's own JSON text). Parsers v1 (the pooled median as one
executable marketplace offer), v2 and v3 stay reachable for quotes stored with them; v4 (a host's mean refused where
its line shows it selling spot) is tested in `test_primeintellect_spot.py`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from pipeline.domain.records import RawCapture
from pipeline.methodology import load_register
from pipeline.sources import REGISTRY, SchemaDrift
from pipeline.sources.primeintellect import parse_primeintellect_v3
from pipeline.sources.primeintellect_legacy import parse_primeintellect_v2
from tests.helpers import RealCapture, normalise, row, run
from tests.sources.test_primeintellect_spot import spot_hosts

SXM5 = "primeintellect/H100_80GB_SXM5.jsonl"


def _lines(realdata: Path, relative: str) -> list[dict]:
    return [json.loads(x, parse_float=Decimal) for x in (realdata / relative).read_text().splitlines()]


def test_each_snapshot_gives_the_pooled_median_and_one_row_per_host(real_capture: RealCapture, realdata: Path) -> None:
    parsed, quotes, rejections = run(real_capture("primeintellect", SXM5))
    lines = _lines(realdata, SXM5)
    spot = sum(len(spot_hosts(line)) for line in lines)  # refused by v4 (test_primeintellect_spot.py)
    assert len(lines) == 957 and rejections.height == spot
    assert quotes.height == sum(1 + len(line["by_provider"]) for line in lines) - spot
    assert set(quotes["good"]) == {"H100-SXM-80GB"} and set(quotes["time_basis"]) == {"content"}
    assert set(quotes["input_tier"]) == {"statistic"}  # a statistic of offers, never an executable offer
    for n in (0, 1, len(lines) - 1):
        line = lines[n]
        at = datetime.fromisoformat(line["timestamp"])
        snapshot = quotes.filter(pl.col("observed_at") == at)
        assert snapshot.height == 1 + len(line["by_provider"]) - len(spot_hosts(line))
        pooled = row(snapshot, row_no=snapshot["row_no"].min())  # first row of the line: the pooled median
        assert (pooled["provider"], pooled["via"], pooled["sku"]) == ("primeintellect", None, "H100_80GB_SXM5")
        assert pooled["price_usd"] == line["price_stats"]["median"]
        assert json.loads(pooled["attributes"], parse_float=Decimal)["price_stats"]["p90"] == line["price_stats"]["p90"]
        for host, figures in line["by_provider"].items():
            if host in spot_hosts(line):
                continue
            host_row = row(snapshot.filter(pl.col("attributes").str.contains(f'"host":"{host}"', literal=True)))
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
    spot = sum(len(spot_hosts(line)) for line in lines)  # refused by v4 (test_primeintellect_spot.py)
    assert quotes.height == sum(1 + len(line["by_provider"]) for line in lines) - spot and rejections.height == spot
    assert set(quotes["good"]) == {good}
    middle = lines[len(lines) // 2]
    at = datetime.fromisoformat(middle["timestamp"])
    pooled = quotes.filter((pl.col("observed_at") == at) & pl.col("via").is_null()).sort("row_no").row(0, named=True)
    assert pooled["price_usd"] == middle["price_stats"]["median"]


def test_legacy_parser_v1_still_reads_a_line_as_one_executable_marketplace_quote(real_capture: RealCapture) -> None:
    capture = real_capture("primeintellect", SXM5)
    source = REGISTRY["primeintellect"]
    assert source.parser_version == "4"
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
    assert f"host '{host}' mean price \"n/a\" is not a positive number" in reasons  # the value as its JSON text
    assert quotes.height == 1 + len(json.loads(second)["by_provider"]) + len(blank["by_provider"]) - 1


# Real lines with one thing changed each (the first line's record, its first host): what v2 and v3 must read alike.
_VARIANTS: dict[str, Callable[[dict[str, Any], str], object]] = {
    "real": lambda r, h: None,
    "median null": lambda r, h: r["price_stats"].update(median=None),
    "median text": lambda r, h: r["price_stats"].update(median="5.25"),
    "no median": lambda r, h: r["price_stats"].pop("median"),
    "stats not an object": lambda r, h: r.update(price_stats=[1, 2]),
    "hosts not an object": lambda r, h: r.update(by_provider="runpod"),
    "host not an object": lambda r, h: r["by_provider"].update({h: 3}),
    "host without avg": lambda r, h: r["by_provider"][h].pop("avg"),
    "avg zero": lambda r, h: r["by_provider"][h].update(avg=0),
    "avg an exponent": lambda r, h: r["by_provider"][h].update(avg=7777.25),  # written 2.5E+0 below
    "naive time": lambda r, h: r.update(timestamp="2025-10-19T21:01:58"),
    "time with Z": lambda r, h: r.update(timestamp="2025-10-19T21:01:58Z"),
    "time with a space": lambda r, h: r.update(timestamp="2025-10-19 21:01:58.5+02:00"),
    "time not text": lambda r, h: r.update(timestamp=17),
    "a socket": lambda r, h: r.update(socket_type="SXM6"),
    "no memory": lambda r, h: r.update(gpu_type="B200"),
    "an unnamed host": lambda r, h: r["by_provider"].update({"dc_okapi": {"count": 1, "min": 4, "avg": 4.5}}),
}


@pytest.mark.parametrize("name", sorted(_VARIANTS))
def test_v3_reads_what_v2_reads(realdata: Path, name: str) -> None:
    """The same rows in the same order, prices, firms, times and verdicts; attributes hold the same values."""
    lines = (realdata / "gpu-price-tracker/B200_180GB.jsonl").read_text().splitlines()[:3]
    record = json.loads(lines[0])
    _VARIANTS[name](record, next(iter(record["by_provider"])))
    text = json.dumps(record).replace("7777.25", "2.5E+0")
    body = ("\n" + text + "\n  \n" + "\n".join(lines[1:]) + "\n").encode()  # blank lines are skipped
    capture = RawCapture("primeintellect", "file://synthetic", datetime(2026, 1, 1, tzinfo=UTC), body)
    v2, v3 = parse_primeintellect_v2(capture), parse_primeintellect_v3(capture)
    same = [c for c in v2.columns if c not in ("attributes", "reject_reason", "price_native")]
    assert_frame_equal(v3.select(same), v2.select(same))
    assert v3["reject_reason"].is_null().to_list() == v2["reject_reason"].is_null().to_list()
    accepted = v2["reject_reason"].is_null()
    assert v3.filter(accepted)["price_native"].to_list() == v2.filter(accepted)["price_native"].to_list()
    assert [_plain(json.loads(a, parse_float=Decimal)) for a in v3["attributes"]] == [
        _plain(json.loads(a)) for a in v2["attributes"]
    ]


@pytest.mark.parametrize("relative", [SXM5, *(f"gpu-price-tracker/{n}.jsonl" for n in _TRACKER)])
def test_v3_reads_every_real_file_as_v2(real_capture: RealCapture, relative: str) -> None:
    capture = real_capture("primeintellect", relative)
    v2, v3 = parse_primeintellect_v2(capture), parse_primeintellect_v3(capture)
    assert_frame_equal(v3.drop("attributes"), v2.drop("attributes"))
    sample = range(0, v2.height, 97)
    assert [_plain(json.loads(v3["attributes"][i], parse_float=Decimal)) for i in sample] == [
        _plain(json.loads(v2["attributes"][i])) for i in sample
    ]


def _plain(value: Any) -> Any:
    """v2's attributes hold decimals as text and whole numbers as integers; v3's the line's own numbers."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    return value


@pytest.mark.parametrize(
    "body, why",
    [
        (b"", "no snapshot with a priced offer"),
        (b"\xff\xfe not text", "no snapshot with a priced offer"),
        (b'{"gpu_type": "B200_180GB", "timestamp": "2025-10-19T21:01:58+00:00"}\n', "line 1 lacks gpu_type/timestamp"),
        (b'{"gpu_type": "B200_180GB"\n', "line 1 is not JSON"),
        (b"[1, 2]\n", "line 1 lacks gpu_type/timestamp/price_stats"),
    ],
)
def test_v3_refuses_what_is_not_price_statistics(body: bytes, why: str) -> None:
    capture = RawCapture("primeintellect", "file://synthetic", datetime(2026, 1, 1, tzinfo=UTC), body)
    with pytest.raises(SchemaDrift, match=why):
        parse_primeintellect_v3(capture)
