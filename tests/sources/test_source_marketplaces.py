"""Vast, Prime Intellect, Lambda/Azure SkyPilot catalogs and the AWS price history, from the real captures.

Expected values are read from the files in ../shared/realdata, never typed in by hand
except where the capture's README states them (the AWS p5.48xlarge prices).
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from pipeline.domain.records import RawCapture
from pipeline.sources import REGISTRY, SourceError, aws_history, azure_catalog, lambda_catalog, primeintellect, vast
from pipeline.sources.base import SchemaDrift, Source
from tests.helpers import normalise

SOURCES: dict[str, Source] = {
    s.name: s
    for s in (vast.SOURCE, primeintellect.SOURCE, lambda_catalog.SOURCE, azure_catalog.SOURCE, aws_history.SOURCE)
}
HISTORY = "gpu-catalog-history"


def run(capture: RawCapture) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    source = SOURCES.get(capture.source) or REGISTRY[capture.source]
    parsed = source.parse(capture)
    quotes, rejections = normalise(parsed, capture)
    # Every parsed row is accounted for exactly once.
    assert quotes.height + rejections.height == parsed.height
    return parsed, quotes, rejections


def one(frame: pl.DataFrame, **where: object) -> dict:  # type: ignore[type-arg]
    rows = frame.filter(*(pl.col(k) == v for k, v in where.items()))
    assert rows.height >= 1, f"no row for {where}"
    return rows.row(0, named=True)


def exact(path: Path) -> object:
    return json.loads(path.read_text(), parse_float=Decimal, parse_int=Decimal)


def history_files(realdata: Path, cloud: str) -> list[str]:
    files = sorted(p.name for p in (realdata / HISTORY / cloud).glob("*.csv"))
    assert files, f"no {cloud} history files"
    return files


def day(name: str) -> datetime:
    return datetime.strptime(name.removesuffix(".csv"), "%Y-%m-%d").replace(tzinfo=UTC)


# --- Vast.ai bundles ---------------------------------------------------------------------------


def test_vast_offer_quotes_gpu_price_per_gpu_and_keeps_offer_detail(real_capture, realdata) -> None:  # type: ignore[no-untyped-def]
    parsed, quotes, rejections = run(real_capture("vast", "vast/getcomputable_b300_asc.json"))
    offers = {str(o["id"]): o for o in exact(realdata / "vast/getcomputable_b300_asc.json")["offers"]}
    four = next(o for o in offers.values() if o["num_gpus"] == 4)
    q = one(quotes, sku=str(four["id"]))
    assert q["good"] == "B300-SXM-288GB"
    assert q["gpu_count"] == 4
    # The GPU compute price (dph_base), not the storage-inclusive dph_total.
    assert q["price_usd"] == four["dph_base"] / 4
    assert q["price_native"] == four["dph_base"]
    assert four["dph_total"] > four["dph_base"]
    attrs = json.loads(q["attributes"])
    assert attrs["offer_id"] == int(four["id"])
    assert attrs["machine_id"] == int(four["machine_id"])
    assert attrs["host_id"] == int(four["host_id"])
    assert Decimal(attrs["dph_total"]) == four["dph_total"]
    assert Decimal(attrs["reliability"]) == four["reliability"]
    assert attrs["verification"] == four["verification"]
    assert q["region"] == four["geolocation"]
    assert (q["provider"], q["provider_class"], q["input_tier"]) == ("vast", "marketplace", "executable")
    assert rejections.height == 0 and parsed.height == len(offers)


def test_vast_h100_sxm_offers_are_the_sxm_good(real_capture, realdata) -> None:  # type: ignore[no-untyped-def]
    _, quotes, rejections = run(real_capture("vast", "vast/getcomputable_h100_sxm_asc.json"))
    offers = exact(realdata / "vast/getcomputable_h100_sxm_asc.json")["offers"]
    assert quotes.height == len(offers) == 8 and rejections.height == 0
    assert set(quotes["good"]) == {"H100-SXM-80GB"}
    verified = next(o for o in offers if o["verification"] == "verified")
    q = one(quotes, sku=str(verified["id"]))
    assert q["price_usd"] == verified["dph_base"] / verified["num_gpus"] == verified["search"]["gpuCostPerHour"]
    assert q["region"] == verified["geolocation"]
    # ", US" (no region name) becomes just the country.
    blank = next(o for o in offers if str(o["geolocation"]).startswith(","))
    assert one(quotes, sku=str(blank["id"]))["region"] == str(blank["geolocation"]).strip(" ,")


@pytest.mark.parametrize("relative", ["vast/ewyluda_vast.json", "provider-pages-2026/vast.json"])
def test_vast_four_field_offer_list(real_capture, realdata, relative) -> None:  # type: ignore[no-untyped-def]
    parsed, quotes, rejections = run(real_capture("vast", relative))
    offers = exact(realdata / relative)
    assert parsed.height == len(offers) == 138
    eight = next(i for i, o in enumerate(offers) if o["gpu_name"] == "B200" and o["num_gpus"] == 8)
    q = one(quotes, row_no=eight)
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
    assert one(rejections, row_no=odd)["rule"] == "identity_ambiguous"
    assert rejections.height == 1


# --- Prime Intellect ------------------------------------------------------------------------------


def test_primeintellect_one_quote_per_snapshot_at_its_own_time(real_capture, realdata) -> None:  # type: ignore[no-untyped-def]
    relative = "primeintellect/H100_80GB_SXM5.jsonl"
    parsed, quotes, rejections = run(real_capture("primeintellect", relative))
    lines = [json.loads(x, parse_float=Decimal) for x in (realdata / relative).read_text().splitlines()]
    assert quotes.height == len(lines) == 957 and rejections.height == 0
    assert set(quotes["good"]) == {"H100-SXM-80GB"}
    for n in (0, len(lines) - 1):
        q = one(quotes, row_no=n)
        assert q["price_usd"] == lines[n]["price_stats"]["median"]
        assert q["observed_at"] == datetime.fromisoformat(lines[n]["timestamp"])
        assert q["observed_at"].tzinfo is not None
        attrs = json.loads(q["attributes"])
        assert set(attrs["by_provider"]) == set(lines[n]["by_provider"])
        assert Decimal(attrs["price_stats"]["p90"]) == lines[n]["price_stats"]["p90"]
    assert one(parsed, row_no=0)["label"] == "H100 80GB SXM5"


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
def test_primeintellect_tracker_files(real_capture, realdata, name, good) -> None:  # type: ignore[no-untyped-def]
    relative = f"gpu-price-tracker/{name}.jsonl"
    _, quotes, rejections = run(real_capture("primeintellect", relative))
    lines = [json.loads(x, parse_float=Decimal) for x in (realdata / relative).read_text().splitlines()]
    assert quotes.height == len(lines) and rejections.height == 0
    assert set(quotes["good"]) == {good}
    middle = len(lines) // 2
    assert one(quotes, row_no=middle)["price_usd"] == lines[middle]["price_stats"]["median"]


def test_primeintellect_snapshot_without_median_is_a_rejection(realdata) -> None:  # type: ignore[no-untyped-def]
    first, second = (realdata / "gpu-price-tracker/GH200_96GB.jsonl").read_text().splitlines()[:2]
    blank = json.loads(first)
    blank["price_stats"]["median"] = None
    body = (json.dumps(blank) + "\n" + second + "\n").encode()
    capture = RawCapture(source="primeintellect", url="file://synthetic", fetched_at=datetime.now(UTC), body=body)
    _, quotes, rejections = run(capture)
    assert quotes.height == 1
    assert one(rejections, row_no=0)["reason"].startswith("median price missing")


# --- SkyPilot catalogs: Lambda and Azure ----------------------------------------------------------


def test_lambda_instance_price_over_gpu_count_and_form_factor_from_instance_type(real_capture, realdata) -> None:  # type: ignore[no-untyped-def]
    relative = f"{HISTORY}/lambda/2026-05-20.csv"
    parsed, quotes, rejections = run(real_capture("lambda-catalog", relative, day("2026-05-20")))
    rows = list(csv.DictReader((realdata / relative).open()))
    assert parsed.height == len(rows)  # Lambda has no spot prices: one row per catalog row
    sxm = next(r for r in rows if r["InstanceType"] == "gpu_8x_h100_sxm5")
    q = one(quotes, sku="gpu_8x_h100_sxm5", region=sxm["Region"])
    assert q["good"] == "H100-SXM-80GB"
    assert q["gpu_count"] == 8
    assert q["price_usd"] == Decimal(sxm["Price"]) / 8
    assert q["observed_at"] == day("2026-05-20")
    pcie = next(r for r in rows if r["InstanceType"] == "gpu_1x_h100_pcie")
    assert one(quotes, sku="gpu_1x_h100_pcie", region=pcie["Region"])["price_usd"] == Decimal(pcie["Price"])
    assert set(quotes.filter(pl.col("sku") == "gpu_1x_h100_pcie")["good"]) == {"H100-PCIE-80GB"}
    assert set(quotes.filter(pl.col("sku") == "gpu_8x_a100_80gb_sxm4")["good"]) == {"A100-SXM-80GB"}
    assert set(quotes.filter(pl.col("sku") == "gpu_1x_gh200")["good"]) == {"GH200-96GB"}
    # "gpu_8x_a100" does not say SXM or PCIe: rejected as ambiguous, never guessed.
    assert "gpu_8x_a100" not in set(quotes["sku"])
    assert set(rejections.filter(pl.col("sku") == "gpu_8x_a100")["rule"]) == {"identity_ambiguous"}


def test_azure_catalog_on_demand_and_spot_per_gpu(real_capture, realdata) -> None:  # type: ignore[no-untyped-def]
    relative = f"{HISTORY}/azure/2026-05-20.csv"
    _, quotes, rejections = run(real_capture("azure-catalog", relative, day("2026-05-20")))
    rows = list(csv.DictReader((realdata / relative).open()))
    nd = next(r for r in rows if r["InstanceType"] == "Standard_ND96isr_H100_v5")
    on_demand = one(quotes, sku=nd["InstanceType"], region=nd["Region"], pricing_type="on_demand")
    spot = one(quotes, sku=nd["InstanceType"], region=nd["Region"], pricing_type="spot")
    assert on_demand["good"] == spot["good"] == "H100-SXM-80GB"
    assert on_demand["price_usd"] == Decimal(nd["Price"]) / 8
    assert spot["price_usd"] == Decimal(nd["SpotPrice"]) / 8
    assert (on_demand["provider"], on_demand["provider_class"]) == ("azure", "hyperscaler")
    assert set(quotes.filter(pl.col("sku") == "Standard_NC40ads_H100_v5")["good"]) == {"H100-NVL-94GB"}
    assert set(quotes.filter(pl.col("sku") == "Standard_ND96asr_v4")["good"]) == {"A100-SXM-40GB"}
    assert set(quotes.filter(pl.col("sku") == "Standard_ND96isr_MI300X_v5")["good"]) == {"MI300X-192GB"}
    # The confidential-computing NCC40ads H100 v5 is Azure's H100 NVL size too.
    assert set(quotes.filter(pl.col("sku") == "Standard_NCC40ads_H100_v5")["good"]) == {"H100-NVL-94GB"}
    spots = sum(1 for r in rows if r["SpotPrice"].strip())
    assert quotes.height + rejections.height == len(rows) + spots


def test_azure_catalog_empty_price_is_a_rejection(real_capture, realdata) -> None:  # type: ignore[no-untyped-def]
    relative = f"{HISTORY}/azure/2026-05-01.csv"
    _, _, rejections = run(real_capture("azure-catalog", relative, day("2026-05-01")))
    empty = [r for r in csv.DictReader((realdata / relative).open()) if not r["Price"].strip()]
    assert empty
    assert rejections.filter(pl.col("reason") == "empty Price").height == len(empty)


@pytest.mark.parametrize(
    "cloud, source",
    [
        ("lambda", "lambda-catalog"),
        ("azure", "azure-catalog"),
        ("vast", "vast-catalog"),
        pytest.param(
            "gcp",
            "gcp",
            marks=pytest.mark.xfail(
                strict=True,
                reason="history files keep only accelerator rows; gcp prices a bundle as accelerator + host VM row",
            ),
        ),
    ],
)
def test_every_catalog_history_file_has_quotes(real_capture, realdata, cloud, source) -> None:  # type: ignore[no-untyped-def]
    for name in history_files(realdata, cloud):
        relative = f"{HISTORY}/{cloud}/{name}"
        _, quotes, _ = run(real_capture(source, relative, day(name)))
        assert quotes.height > 0, relative
        assert set(quotes["observed_at"]) == {day(name)}


def test_gcp_history_files_without_host_vm_rows_are_schema_drift(real_capture, realdata) -> None:  # type: ignore[no-untyped-def]
    # The archive kept only accelerator rows; a GCP GPU machine is priced as accelerator + host VM,
    # so these files cannot give a bundle price: a loud, recorded error, not an empty success.
    for name in history_files(realdata, "gcp"):
        with pytest.raises(SchemaDrift, match="no VM rows"):
            REGISTRY["gcp"].parse(real_capture("gcp", f"{HISTORY}/gcp/{name}", day(name)))


# --- AWS price history ----------------------------------------------------------------------------


def test_aws_history_quote_per_day_at_its_own_timestamp(real_capture, realdata) -> None:  # type: ignore[no-untyped-def]
    parsed, quotes, rejections = run(real_capture("aws-history", "aws/gpu_prices.csv"))
    rows = list(csv.DictReader((realdata / "aws/gpu_prices.csv").open(newline="")))
    assert parsed.height == len(rows) == 500
    assert set(quotes["good"]) == {"H100-SXM-80GB"} and set(quotes["gpu_count"]) == {8}
    cut = datetime(2025, 6, 5, tzinfo=UTC)
    before = quotes.filter(pl.col("observed_at") < cut)
    after = quotes.filter(pl.col("observed_at") >= cut)
    assert before.height > 0 and after.height > 0
    assert set(before["price_usd"]) == {Decimal("98.32") / 8}
    assert set(after["price_usd"]) == {Decimal("55.04") / 8}
    first = one(quotes, row_no=0)
    assert first["observed_at"] == datetime.fromisoformat(rows[0]["timestamp"]).replace(tzinfo=UTC)
    assert str(first["observed_at"].tzinfo) == "UTC"
    empty = [i for i, r in enumerate(rows) if not r["price_usd"].strip()]
    assert sorted(rejections["row_no"]) == empty and len(empty) == 13
    assert set(rejections["reason"]) == {"empty price (failed run or placeholder row)"}


# --- Drift --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source, relative",
    [
        ("vast", "runpod/runpod.json"),
        ("vast", "azure/azure.json"),
        ("vast", "primeintellect/H100_80GB_SXM5.jsonl"),
        ("primeintellect", "openrouter/openrouter_models.json"),
        ("primeintellect", "vast/ewyluda_vast.json"),
        ("lambda-catalog", f"{HISTORY}/azure/2026-05-20.csv"),
        ("lambda-catalog", "runpod/runpod.json"),
        ("azure-catalog", f"{HISTORY}/lambda/2026-05-20.csv"),
        ("azure-catalog", "aws/gpu_prices.csv"),
        ("aws-history", f"{HISTORY}/lambda/2026-05-20.csv"),
        ("aws-history", "openrouter/openrouter_models.json"),
    ],
)
def test_a_body_of_another_shape_is_schema_drift(real_capture, source, relative) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SourceError) as info:
        SOURCES[source].parse(real_capture(source, relative))
    assert info.value.kind == "schema_drift"


def test_sources_only_contact_their_declared_hosts() -> None:
    from urllib.parse import urlsplit

    for source in SOURCES.values():
        assert source.requests
        assert {urlsplit(r.url).hostname for r in source.requests} <= set(source.hosts), source.name
        assert all(r.url.startswith("https://") for r in source.requests)
