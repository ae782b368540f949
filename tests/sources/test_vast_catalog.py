"""Vast.ai offers from the SkyPilot catalog (`vast-catalog`) on the real capture."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl

from pipeline.domain.records import RawCapture
from pipeline.sources import REGISTRY
from tests.helpers import RealCapture, row, run


def test_vast_offers_keep_form_factor_and_divide_by_gpu_count(real_capture: RealCapture, realdata: Path) -> None:
    _, quotes, _ = run(real_capture("vast-catalog", "skypilot-format/vast/vms.csv"))
    rows = list(csv.DictReader((realdata / "skypilot-format/vast/vms.csv").open()))
    h200 = next(r for r in rows if r["InstanceType"].startswith("8x-H200"))
    q = row(quotes, sku=h200["InstanceType"], region=h200["Region"])
    assert q["price_usd"] == Decimal(h200["Price"]) / 8
    assert q["good"] == "H200-SXM-141GB"
    nvl = [r for r in rows if "H100_NVL" in r["InstanceType"]]
    assert nvl, "capture has H100 NVL offers"
    assert set(quotes.filter(pl.col("sku").str.contains("H100_NVL"))["good"]) == {"H100-NVL-94GB"}
    assert quotes["provider_class"].unique().to_list() == ["marketplace"]
    assert quotes["input_tier"].unique().to_list() == ["executable"]


def test_rows_are_community_unless_the_catalog_says_datacentre_host(real_capture: RealCapture, realdata: Path) -> None:
    """Parser v2: this catalog vintage has no HostingType column, so no row is shown to be a datacentre host and
    every row is segment community (kept out of on-demand goods by methodology v3); a HostingType of 1 is
    the standard good. Parser v1 stays reachable and reads the same rows without a segment."""
    capture = real_capture("vast-catalog", "skypilot-format/vast/vms.csv")
    _, quotes, _ = run(capture)
    assert quotes.height > 0 and set(quotes["segment"]) == {"community"}
    source = REGISTRY["vast-catalog"]
    assert source.parser_version == "2" and source.parser("1")(capture)["segment"].is_null().all()

    lines = (realdata / "skypilot-format/vast/vms.csv").read_text().splitlines()
    with_type = [lines[0] + ",HostingType"] + [f"{line},{i % 2}" for i, line in enumerate(lines[1:])]
    body = ("\n".join(with_type) + "\n").encode()
    at = datetime(2026, 8, 3, 15, 30, tzinfo=UTC)
    parsed = source.parse(RawCapture(source="vast-catalog", url="file://typed", fetched_at=at, body=body))
    assert parsed.filter(pl.col("row_no") % 2 == 1)["segment"].unique().to_list() == ["standard"]
    assert parsed.filter(pl.col("row_no") % 2 == 0)["segment"].unique().to_list() == ["community"]
