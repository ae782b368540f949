"""RunPod GraphQL API (`runpod`) on the real captures: secure and community clouds, spot, unoffered GPUs."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import polars as pl

from tests.helpers import RealCapture, first, row, run


def test_runpod_secure_and_community_prices_and_unoffered_zeros(real_capture: RealCapture, realdata: Path) -> None:
    _, quotes, rejections = run(real_capture("runpod", "runpod/runpod.json"))
    gpus = {g["id"]: g for g in json.loads((realdata / "runpod/runpod.json").read_text())["data"]["gpuTypes"]}
    h100 = gpus["NVIDIA H100 80GB HBM3"]
    secure = row(quotes, sku="NVIDIA H100 80GB HBM3", region="secure_cloud")
    community = row(quotes, sku="NVIDIA H100 80GB HBM3", region="community_cloud")
    assert secure["good"] == community["good"] == "H100-SXM-80GB"
    assert secure["price_usd"] == Decimal(str(h100["securePrice"]))
    assert community["price_usd"] == Decimal(str(h100["communityPrice"]))
    assert first(quotes, sku="NVIDIA H100 PCIe")["good"] == "H100-PCIE-80GB"
    assert first(quotes, sku="NVIDIA A100-SXM4-40GB")["good"] == "A100-SXM-40GB"
    # securePrice 0 means "not offered": a rejection with that reason, never a $0 quote.
    assert gpus["NVIDIA A100-SXM4-40GB"]["securePrice"] == 0
    r = row(rejections, sku="NVIDIA A100-SXM4-40GB")
    assert "not offered" in r["reason"]
    assert first(rejections, sku="unknown")["rule"] == "parser"


def test_runpod_spot_fields_become_spot_quotes(real_capture: RealCapture) -> None:
    _, quotes, _ = run(real_capture("runpod", "runpod-graphql/getcomputable_gputypes_055204a.json"))
    b200 = quotes.filter((pl.col("sku") == "NVIDIA B200") & (pl.col("pricing_type") == "spot"))
    assert sorted(b200["price_usd"].to_list()) == [Decimal("5.98"), Decimal("6.79")]
