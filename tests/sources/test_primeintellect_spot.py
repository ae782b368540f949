"""Prime Intellect parser v4: a host's mean is refused where its line shows the host selling spot capacity (its spot
offer the best deal of some configuration in `by_config`); every other row is v3's, on every real file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from pipeline.domain.records import RawCapture
from pipeline.sources import REGISTRY
from pipeline.sources.primeintellect import parse_primeintellect_v3
from tests.helpers import RealCapture, run

H200 = "gpu-price-tracker/H200_141GB.jsonl"
FILES = [
    "primeintellect/H100_80GB_SXM5.jsonl",
    *(f"gpu-price-tracker/{n}.jsonl" for n in ("A100_80GB_PCIe", "A100_80GB_SXM4", "B200_180GB", "GH200_96GB")),
    "gpu-price-tracker/H100_80GB_PCIe.jsonl",
    H200,
]


def spot_hosts(line: dict[str, Any]) -> set[str]:
    """The hosts of `by_provider` whose spot offer is some configuration's best deal in the line."""
    deals = [c.get("best_deal") or {} for c in (line.get("by_config") or {}).values()]
    return {d["provider"] for d in deals if d.get("spot") is True} & set(line.get("by_provider") or {})


@pytest.mark.parametrize("relative", FILES)
def test_v4_refuses_exactly_the_hosts_their_line_shows_selling_spot(real_capture: RealCapture, relative: str) -> None:
    capture = real_capture("primeintellect", relative)
    v3, v4 = parse_primeintellect_v3(capture), REGISTRY["primeintellect"].parse(capture)
    assert_frame_equal(v4.drop("reject_reason"), v3.drop("reject_reason"))  # the same rows, numbers and prices
    assert v3["reject_reason"].is_null().all()
    lines = [json.loads(x) for x in capture.body.decode().splitlines()]
    expected = [
        (n, host) for n, line in enumerate(lines, start=1) for host in line["by_provider"] if host in spot_hosts(line)
    ]
    refused = v4.filter(pl.col("reject_reason").is_not_null())
    attributes = [json.loads(a) for a in refused["attributes"]]
    assert sorted((a["line"], a["host"]) for a in attributes) == sorted(expected)
    reasons = zip(refused["reject_reason"], attributes, strict=True)
    assert all(r.startswith(f"host '{a['host']}' sells spot capacity") for r, a in reasons)


def test_the_h200_line_of_the_bundled_day_refuses_datacrunchs_spot_mean(real_capture: RealCapture) -> None:
    """Line 957 (the `make run` sample's line): DataCrunch's mean 1.3 is its spot offer, the best 1x, 2x and 8x deal;
    RunPod's best deals are on-demand (spot false) and its mean stands; Nebius is no configuration's best."""
    _, quotes, rejections = run(real_capture("primeintellect", H200))
    last = quotes["observed_at"].max()
    assert sorted(quotes.filter(pl.col("observed_at") == last)["provider"]) == [
        "nebius", "primeintellect", "primeintellect", "runpod",
    ]  # fmt: skip
    refused = rejections.filter(pl.col("observed_at") == last)
    assert refused.height == 1
    reason = refused["reason"][0]
    assert "'datacrunch' sells spot capacity" in reason and "1x at 1.3, 2x at 1.3, 8x at 1.3" in reason
    assert (refused["provider"][0], Decimal(refused["price_native"][0])) == ("datacrunch", Decimal("1.3"))


def _body(realdata: Path, change: Any) -> RawCapture:
    record = json.loads((realdata / H200).read_text().splitlines()[-1])
    change(record)
    return RawCapture(
        "primeintellect", "file://synthetic", datetime(2026, 1, 1, tzinfo=UTC), json.dumps(record).encode()
    )


def _deal(provider: Any, spot: Any) -> Any:
    def change(record: dict[str, Any]) -> None:
        for config in record["by_config"].values():
            config["best_deal"] = {"provider": provider, "location": "FI", "socket": "SXM5", "spot": spot}

    return change


@pytest.mark.parametrize(
    ("change", "refused"),
    [
        (_deal("datacrunch", True), {"datacrunch"}),
        (_deal("runpod", True), {"runpod"}),
        (_deal("runpod", "true"), set()),  # not the JSON literal true: nothing shown
        (_deal("vultr", True), set()),  # a host with no mean in the line: nothing to refuse
        (_deal(None, True), set()),
        (lambda r: r.update(by_config="n/a"), set()),  # a by_config that shows nothing: v3's rows
        (lambda r: r["by_config"].update({"1x": 5}), {"datacrunch"}),  # the 2x and 8x deals still show it
        (lambda r: r["by_config"]["1x"].update(best_deal=["datacrunch", True]), {"datacrunch"}),  # the 2x, 8x deals
        (lambda r: r.pop("by_config"), set()),
    ],
)
def test_only_a_spot_deal_of_a_host_with_a_mean_refuses_it(realdata: Path, change: Any, refused: set[str]) -> None:
    capture = _body(realdata, change)
    v3, v4 = parse_primeintellect_v3(capture), REGISTRY["primeintellect"].parse(capture)
    assert_frame_equal(v4.drop("reject_reason"), v3.drop("reject_reason"))
    out = v4.filter(pl.col("reject_reason").is_not_null())
    assert set(out["provider"]) == refused
