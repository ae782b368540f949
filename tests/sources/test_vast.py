"""Vast.ai bundles API (`vast`) on the real captures: GPU price per GPU, offer detail kept, both reply shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from pipeline.domain.records import RawCapture
from pipeline.index.fixing_v3 import compute_fixing
from pipeline.methodology import load
from pipeline.sources import REGISTRY
from tests.helpers import RealCapture, exact_json, row, run


def test_vast_offer_quotes_gpu_price_per_gpu_and_keeps_offer_detail(real_capture: RealCapture, realdata: Path) -> None:
    parsed, quotes, rejections = run(real_capture("vast", "vast/getcomputable_b300_asc.json"))
    offers = {str(o["id"]): o for o in exact_json(realdata / "vast/getcomputable_b300_asc.json")["offers"]}
    four = next(o for o in offers.values() if o["num_gpus"] == 4)
    q = row(quotes, sku=str(four["id"]))
    assert q["good"] == "B300-SXM-288GB"
    assert q["gpu_count"] == 4
    # The GPU compute price (dph_base), not the storage-inclusive dph_total.
    assert q["price_usd"] == four["dph_base"] / 4
    assert q["price_native"] == four["dph_base"]
    assert four["dph_total"] > four["dph_base"]
    attrs = json.loads(q["attributes"], parse_float=Decimal)  # v3 keeps the offer's own number text
    assert attrs["offer_id"] == int(four["id"])
    assert attrs["machine_id"] == int(four["machine_id"])
    assert attrs["host_id"] == int(four["host_id"])
    assert Decimal(attrs["dph_total"]) == four["dph_total"]
    assert Decimal(attrs["reliability"]) == four["reliability"]
    assert attrs["verification"] == four["verification"]
    assert q["region"] == four["geolocation"]
    assert (q["provider"], q["provider_class"], q["input_tier"]) == ("vast", "marketplace", "executable")
    assert rejections.height == 0 and parsed.height == len(offers)


def test_vast_h100_sxm_offers_are_the_sxm_good(real_capture: RealCapture, realdata: Path) -> None:
    _, quotes, rejections = run(real_capture("vast", "vast/getcomputable_h100_sxm_asc.json"))
    offers = exact_json(realdata / "vast/getcomputable_h100_sxm_asc.json")["offers"]
    assert quotes.height == len(offers) == 8 and rejections.height == 0
    assert set(quotes["good"]) == {"H100-SXM-80GB"}
    verified = next(o for o in offers if o["verification"] == "verified")
    q = row(quotes, sku=str(verified["id"]))
    assert q["price_usd"] == verified["dph_base"] / verified["num_gpus"] == verified["search"]["gpuCostPerHour"]
    assert q["region"] == verified["geolocation"]
    # ", US" (no region name) becomes just the country.
    blank = next(o for o in offers if str(o["geolocation"]).startswith(","))
    assert row(quotes, sku=str(blank["id"]))["region"] == str(blank["geolocation"]).strip(" ,")


@pytest.mark.parametrize("relative", ["vast/ewyluda_vast.json", "provider-pages-2026/vast.json"])
def test_vast_four_field_offer_list(real_capture: RealCapture, realdata: Path, relative: str) -> None:
    parsed, quotes, rejections = run(real_capture("vast", relative))
    offers = exact_json(realdata / relative)
    assert parsed.height == len(offers) == 138
    eight = next(i for i, o in enumerate(offers) if o["gpu_name"] == "B200" and o["num_gpus"] == 8)
    q = row(quotes, row_no=eight)
    # Only the storage-inclusive total exists in this shape: it is quoted, and flagged.
    assert q["price_usd"] == offers[eight]["dph_total"] / 8
    assert q["good"] == "B200-SXM-180GB"
    assert json.loads(q["attributes"])["price_field"] == "dph_total"

    def goods(name: str, ram: int) -> set[str]:
        rows = [i for i, o in enumerate(offers) if o["gpu_name"] == name and o["gpu_ram"] == ram]
        assert rows, (name, ram)
        return set(quotes.filter(pl.col("row_no").is_in(rows))["good"])

    assert goods("H100 NVL", 95830) == {"H100-NVL-94GB"}
    assert goods("H100 PCIE", 81559) == {"H100-PCIE-80GB"}
    assert goods("A100 SXM4", 40960) == {"A100-SXM-40GB"}
    assert goods("A100 SXM4", 81920) == {"A100-SXM-80GB"}
    assert goods("A100 PCIE", 40960) == {"A100-PCIE-40GB"}
    assert goods("L40S", 46068) == {"L40S-48GB"}
    # A 39 GiB A100 is neither the 40GB nor the 80GB good: an identity rejection, not a guess.
    odd = next(i for i, o in enumerate(offers) if o["gpu_name"] == "A100 SXM4" and o["gpu_ram"] == 39936)
    assert row(rejections, row_no=odd)["rule"] == "identity_ambiguous"
    assert rejections.height == 1


def test_vast_segment_from_hosting_type_keeps_community_hosts_out_of_the_on_demand_good(
    real_capture: RealCapture, realdata: Path, tmp_path: Path
) -> None:
    """Parser v2: `hosting_type` 1 (a datacentre host) is the standard good; 0 (a community host) is not, and
    methodology v3 excludes it from H100-OD with the rule `segment_community`."""
    relative = "vast/getcomputable_h100_sxm_asc.json"
    doc = exact_json(realdata / relative)
    assert {o["hosting_type"] for o in doc["offers"]} == {0}  # every real offer here is a community host
    _, quotes, _ = run(real_capture("vast", relative))
    assert set(quotes["segment"]) == {"community"}
    assert {json.loads(a)["hosting_type"] for a in quotes["attributes"]} == {0}

    raw = json.loads((realdata / relative).read_text())
    for offer in raw["offers"][:3]:
        offer["hosting_type"] = 1  # the same offers from datacentre hosts
    at = datetime(2026, 8, 3, 15, 30, tzinfo=UTC)
    capture = RawCapture(source="vast", url="file://datacentre", fetched_at=at, body=json.dumps(raw).encode())
    _, mixed, _ = run(capture)
    datacentre = {str(o["id"]) for o in raw["offers"][:3]}
    assert set(mixed.filter(pl.col("sku").is_in(list(datacentre)))["segment"]) == {"standard"}
    assert set(mixed.filter(~pl.col("sku").is_in(list(datacentre)))["segment"]) == {"community"}

    fixing = compute_fixing(mixed, load("3").index("CIX-H100-OD"), datetime(2026, 8, 3, 16, tzinfo=UTC), load("3"))
    excluded = {(e.provider, e.rule): e.n_quotes for e in fixing.exclusions}
    assert excluded == {("vast", "segment_community"): len(raw["offers"]) - 3}


@pytest.mark.parametrize("relative", ["vast/getcomputable_b300_asc.json", "vast/ewyluda_vast.json"])
def test_vast_legacy_parser_v1_reads_as_before_without_a_segment(real_capture: RealCapture, relative: str) -> None:
    capture = real_capture("vast", relative)
    source = REGISTRY["vast"]
    v1, v2 = source.parser("1")(capture), source.parser("2")(capture)
    assert v1["segment"].is_null().all()
    assert v1.drop("segment", "attributes").equals(v2.drop("segment", "attributes"))
    assert set(v2["segment"]) == {"community"}  # not shown to be a datacentre host: never the standard good
