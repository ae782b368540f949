"""Prime Intellect marketplace statistics (`primeintellect`) on the real captures: one quote per snapshot."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.domain.records import RawCapture
from tests.helpers import RealCapture, row, run


def test_primeintellect_one_quote_per_snapshot_at_its_own_time(real_capture: RealCapture, realdata: Path) -> None:
    relative = "primeintellect/H100_80GB_SXM5.jsonl"
    parsed, quotes, rejections = run(real_capture("primeintellect", relative))
    lines = [json.loads(x, parse_float=Decimal) for x in (realdata / relative).read_text().splitlines()]
    assert quotes.height == len(lines) == 957 and rejections.height == 0
    assert set(quotes["good"]) == {"H100-SXM-80GB"}
    for n in (0, len(lines) - 1):
        q = row(quotes, row_no=n)
        assert q["price_usd"] == lines[n]["price_stats"]["median"]
        assert q["observed_at"] == datetime.fromisoformat(lines[n]["timestamp"])
        assert q["observed_at"].tzinfo is not None
        attrs = json.loads(q["attributes"])
        assert set(attrs["by_provider"]) == set(lines[n]["by_provider"])
        assert Decimal(attrs["price_stats"]["p90"]) == lines[n]["price_stats"]["p90"]
    assert row(parsed, row_no=0)["label"] == "H100 80GB SXM5"


@pytest.mark.parametrize(
    "name, good",
    [
        ("A100_80GB_PCIe", "A100-PCIE-80GB"),
        ("A100_80GB_SXM4", "A100-SXM-80GB"),
        ("B200_180GB", "B200-SXM-180GB"),
        ("GH200_96GB", "GH200-96GB"),
        ("H100_80GB_PCIe", "H100-PCIE-80GB"),
        ("H200_141GB", "H200-SXM-141GB"),
    ],
)
def test_primeintellect_tracker_files(real_capture: RealCapture, realdata: Path, name: str, good: str) -> None:
    relative = f"gpu-price-tracker/{name}.jsonl"
    _, quotes, rejections = run(real_capture("primeintellect", relative))
    lines = [json.loads(x, parse_float=Decimal) for x in (realdata / relative).read_text().splitlines()]
    assert quotes.height == len(lines) and rejections.height == 0
    assert set(quotes["good"]) == {good}
    middle = len(lines) // 2
    assert row(quotes, row_no=middle)["price_usd"] == lines[middle]["price_stats"]["median"]


def test_primeintellect_snapshot_without_median_is_a_rejection(realdata: Path) -> None:
    first, second = (realdata / "gpu-price-tracker/GH200_96GB.jsonl").read_text().splitlines()[:2]
    blank = json.loads(first)
    blank["price_stats"]["median"] = None
    body = (json.dumps(blank) + "\n" + second + "\n").encode()
    capture = RawCapture(source="primeintellect", url="file://synthetic", fetched_at=datetime.now(UTC), body=body)
    _, quotes, rejections = run(capture)
    assert quotes.height == 1
    assert row(rejections, row_no=0)["reason"].startswith("median price missing")
