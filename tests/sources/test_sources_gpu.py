"""GPU sources parsed from the real captures in ../shared/realdata; expected values read from the files."""

from __future__ import annotations

import csv
import json
from decimal import Decimal

import polars as pl
import pytest

from pipeline.sources import REGISTRY
from tests.helpers import normalise


def run(capture):  # type: ignore[no-untyped-def]
    parsed = REGISTRY[capture.source].parse(capture)
    quotes, rejections = normalise(parsed, capture)
    # Every parsed row is accounted for exactly once.
    assert quotes.height + rejections.height == parsed.height
    return parsed, quotes, rejections


def one(frame: pl.DataFrame, **where: object) -> dict:  # type: ignore[type-arg]
    rows = frame.filter(*(pl.col(k) == v for k, v in where.items()))
    assert rows.height >= 1, f"no row for {where}"
    return rows.row(0, named=True)


def test_azure_per_gpu_price_is_vm_price_over_gpu_count(real_capture, realdata) -> None:  # type: ignore[no-untyped-def]
    _, quotes, _rejections = run(real_capture("azure", "azure/azure.json"))
    items = json.loads((realdata / "azure/azure.json").read_text(), parse_float=Decimal)
    nd = next(
        i
        for i in items
        if i["armSkuName"] == "Standard_ND96isr_H100_v5"
        and i["meterName"] == "ND96isrH100v5"
        and not i["productName"].endswith("Windows")
    )
    q = one(quotes, sku="Standard_ND96isr_H100_v5", region=nd["armRegionName"], pricing_type="on_demand")
    assert q["good"] == "H100-SXM-80GB"
    assert q["gpu_count"] == 8
    assert q["price_usd"] == nd["retailPrice"] / 8
    assert q["price_native"] == nd["retailPrice"]
    # NC40ads H100 v5 is one H100 NVL: a different good from SXM.
    assert set(quotes.filter(pl.col("sku") == "Standard_NC40ads_H100_v5")["good"]) == {"H100-NVL-94GB"}
    # ND96asr v4 carries A100 40GB, never the 80GB good.
    assert set(quotes.filter(pl.col("sku") == "Standard_ND96asr_v4")["good"]) == {"A100-SXM-40GB"}
    assert "spot" in set(quotes["pricing_type"])


def test_azure_windows_and_low_priority_meters_are_rejected_with_reasons(real_capture) -> None:  # type: ignore[no-untyped-def]
    parsed, quotes, rejections = run(real_capture("azure", "azure/azure.json"))
    windows = parsed.filter(pl.col("attributes").str.contains("Windows"))
    assert windows.height > 0
    assert set(windows["row_no"]) <= set(rejections["row_no"])
    assert rejections.filter(pl.col("reason").str.contains("Windows")).height == windows.height
    assert rejections.filter(pl.col("reason").str.contains("low-priority")).height > 0
    assert not quotes["attributes"].str.contains("Low Priority").any()


def test_runpod_secure_and_community_prices_and_unoffered_zeros(real_capture, realdata) -> None:  # type: ignore[no-untyped-def]
    _, quotes, rejections = run(real_capture("runpod", "runpod/runpod.json"))
    gpus = {g["id"]: g for g in json.loads((realdata / "runpod/runpod.json").read_text())["data"]["gpuTypes"]}
    h100 = gpus["NVIDIA H100 80GB HBM3"]
    secure = one(quotes, sku="NVIDIA H100 80GB HBM3", region="secure_cloud")
    community = one(quotes, sku="NVIDIA H100 80GB HBM3", region="community_cloud")
    assert secure["good"] == community["good"] == "H100-SXM-80GB"
    assert secure["price_usd"] == Decimal(str(h100["securePrice"]))
    assert community["price_usd"] == Decimal(str(h100["communityPrice"]))
    assert one(quotes, sku="NVIDIA H100 PCIe")["good"] == "H100-PCIE-80GB"
    assert one(quotes, sku="NVIDIA A100-SXM4-40GB")["good"] == "A100-SXM-40GB"
    # securePrice 0 means "not offered": a rejection with that reason, never a $0 quote.
    assert gpus["NVIDIA A100-SXM4-40GB"]["securePrice"] == 0
    r = one(rejections, sku="NVIDIA A100-SXM4-40GB")
    assert "not offered" in r["reason"]
    assert one(rejections, sku="unknown")["rule"] == "parser"


def test_runpod_spot_fields_become_spot_quotes(real_capture) -> None:  # type: ignore[no-untyped-def]
    _, quotes, _ = run(real_capture("runpod", "runpod-graphql/getcomputable_gputypes_055204a.json"))
    b200 = quotes.filter((pl.col("sku") == "NVIDIA B200") & (pl.col("pricing_type") == "spot"))
    assert sorted(b200["price_usd"].to_list()) == [Decimal("5.98"), Decimal("6.79")]


def test_aws_instance_prices_divided_by_gpu_count(real_capture, realdata) -> None:  # type: ignore[no-untyped-def]
    _, quotes, rejections = run(real_capture("aws", "aws-pricing-page/aws.json"))
    doc = json.loads((realdata / "aws-pricing-page/aws.json").read_text())
    entries = doc["US East (N. Virginia)"]["regions"]["US East (N. Virginia)"]
    p5 = next(e for e in entries.values() if e["Instance Type"] == "p5.48xlarge")
    q = one(quotes, sku="p5.48xlarge", region="us-east-1")
    assert q["price_usd"] == Decimal(p5["price"]) / 8 == Decimal("6.88")
    assert q["good"] == "H100-SXM-80GB"
    g6e = next(e for e in entries.values() if e["Instance Type"] == "g6e.12xlarge")
    assert one(quotes, sku="g6e.12xlarge", region="us-east-1")["price_usd"] == Decimal(g6e["price"]) / 4
    assert one(quotes, sku="p4d.24xlarge")["good"] == "A100-SXM-40GB"
    assert one(quotes, sku="p4de.24xlarge")["good"] == "A100-SXM-80GB"
    assert one(quotes, sku="p5en.48xlarge")["good"] == "H200-SXM-141GB"
    assert rejections.height == 0
    assert quotes.height == sum(len(v["regions"][k]) for k, v in doc.items())


def test_gcp_bundle_is_accelerator_plus_host_vm_in_the_same_zone(real_capture, realdata) -> None:  # type: ignore[no-untyped-def]
    parsed, quotes, rejections = run(real_capture("gcp", "skypilot-format/gcp/vms.csv"))
    rows = list(csv.DictReader((realdata / "skypilot-format/gcp/vms.csv").open()))
    zone = "us-central1-a"
    host = next(r for r in rows if r["InstanceType"] == "a3-highgpu-8g" and r["AvailabilityZone"] == zone)
    acc = next(
        r
        for r in rows
        if r["AcceleratorName"] == "H100" and r["AcceleratorCount"] == "8" and r["AvailabilityZone"] == zone
    )
    h100 = quotes.filter((pl.col("sku") == "a3-highgpu-8g:H100x8") & pl.col("attributes").str.contains(f'"{zone}"'))
    on_demand = h100.filter(pl.col("pricing_type") == "on_demand").row(0, named=True)
    spot = h100.filter(pl.col("pricing_type") == "spot").row(0, named=True)
    assert on_demand["price_usd"] == (Decimal(acc["Price"]) + Decimal(host["Price"])) / 8
    assert spot["price_usd"] == (Decimal(acc["SpotPrice"]) + Decimal(host["SpotPrice"])) / 8
    assert on_demand["good"] == "H100-SXM-80GB"
    # TPUs and attachable GPUs are recorded, not priced as GPU goods.
    assert rejections.filter(pl.col("reason").str.contains("TPU")).height > 0
    assert rejections.filter(pl.col("reason").str.contains("attachable")).height > 0
    assert parsed.height == quotes.height + rejections.height


def test_vast_offers_keep_form_factor_and_divide_by_gpu_count(real_capture, realdata) -> None:  # type: ignore[no-untyped-def]
    _, quotes, _ = run(real_capture("vast-catalog", "skypilot-format/vast/vms.csv"))
    rows = list(csv.DictReader((realdata / "skypilot-format/vast/vms.csv").open()))
    h200 = next(r for r in rows if r["InstanceType"].startswith("8x-H200"))
    q = one(quotes, sku=h200["InstanceType"], region=h200["Region"])
    assert q["price_usd"] == Decimal(h200["Price"]) / 8
    assert q["good"] == "H200-SXM-141GB"
    nvl = [r for r in rows if "H100_NVL" in r["InstanceType"]]
    assert nvl, "capture has H100 NVL offers"
    assert set(quotes.filter(pl.col("sku").str.contains("H100_NVL"))["good"]) == {"H100-NVL-94GB"}
    assert quotes["provider_class"].unique().to_list() == ["marketplace"]
    assert quotes["input_tier"].unique().to_list() == ["executable"]


@pytest.mark.parametrize(
    "source, relative",
    [
        ("azure", "litellm/model_prices_and_context_window.json"),
        ("litellm", "azure/azure.json"),
        ("runpod", "openrouter/openrouter_models.json"),
        ("gcp", "runpod/runpod.json"),
    ],
)
def test_a_body_of_another_shape_is_schema_drift_not_an_empty_success(real_capture, source, relative) -> None:  # type: ignore[no-untyped-def]
    from pipeline.sources import SourceError

    capture = real_capture(source, relative)
    with pytest.raises(SourceError) as info:
        REGISTRY[source].parse(capture)
    assert info.value.kind == "schema_drift"
