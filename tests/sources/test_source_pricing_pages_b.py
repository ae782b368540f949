"""Pricing-page parsers (Fluidstack, Paperspace, DigitalOcean, Voltage Park, RunPod page, CoreWeave,
GCP page, Oracle) on the real captures in ../shared/realdata; expected values read from the files by eye."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import polars as pl
import pytest

from pipeline.domain.records import RawCapture
from pipeline.sources import (
    coreweave_page,
    digitalocean_page,
    fluidstack_page,
    gcp_page,
    oracle,
    paperspace_page,
    runpod_page,
    voltagepark_page,
)
from pipeline.sources.base import Source, SourceError
from pipeline.sources.pages import TEASER_REASON
from tests.helpers import normalise

SOURCES: dict[str, Source] = {
    m.SOURCE.name: m.SOURCE
    for m in (
        fluidstack_page,
        paperspace_page,
        digitalocean_page,
        voltagepark_page,
        runpod_page,
        coreweave_page,
        gcp_page,
        oracle,
    )
}
FETCHED = datetime(2026, 8, 3, 15, 30, tzinfo=UTC)

# Every capture of these providers in the shared folders, with its source.
CAPTURES = [
    ("fluidstack-page", "pricing-pages/fluidstack_20230930024119.html"),
    ("fluidstack-page", "pricing-pages/fluidstack_20250109013724.html"),
    ("paperspace-page", "pricing-pages/paperspace_20240123092147.html"),
    ("digitalocean-page", "pricing-pages/digitalocean_20250707231929.html"),
    ("voltagepark-page", "pricing-pages/voltagepark_20250712040631.html"),
    ("runpod-page", "pricing-pages/runpod_20230929070808.html"),
    ("runpod-page", "pricing-pages/runpod_20250909131230.html"),
    ("runpod-page", "pricing-pages/runpod_20260810082317.html"),
    ("coreweave-page", "provider-pages-2026/coreweave.html"),
    ("gcp-page", "provider-pages-2026/gcp.html"),
    ("oracle", "provider-pages-2026/oracle.json"),
]


def run(capture: RawCapture) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    parsed = SOURCES[capture.source].parse(capture)
    quotes, rejections = normalise(parsed, capture)
    # Every parsed row is accounted for exactly once.
    assert quotes.height + rejections.height == parsed.height
    return parsed, quotes, rejections


def one(frame: pl.DataFrame, **where: object) -> dict:  # type: ignore[type-arg]
    rows = frame.filter(*(pl.col(k) == v for k, v in where.items()))
    assert rows.height == 1, f"{rows.height} rows for {where}"
    return rows.row(0, named=True)


def none(frame: pl.DataFrame, **where: object) -> bool:
    return frame.filter(*(pl.col(k) == v for k, v in where.items())).height == 0


@pytest.mark.parametrize("source, relative", CAPTURES)
def test_every_capture_yields_quotes_with_the_page_time(real_capture, source, relative) -> None:  # type: ignore[no-untyped-def]
    parsed, quotes, _ = run(real_capture(source, relative, FETCHED))
    assert quotes.height >= 1
    assert set(parsed["provider_class"]) == {"hyperscaler" if source in ("gcp-page", "oracle") else "neocloud"}
    stamp = relative.rsplit("_", 1)[-1].split(".")[0]
    expected = datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC) if stamp.isdigit() else FETCHED
    assert set(parsed["observed_at"]) == {expected}
    assert set(quotes["currency"]) == {"USD"}


def test_fluidstack_2023_grid(real_capture) -> None:  # type: ignore[no-untyped-def]
    _, quotes, rejections = run(real_capture("fluidstack-page", "pricing-pages/fluidstack_20230930024119.html"))
    # "NVIDIA HGX H100": $4.76 on-demand, $2.89 on 6 months; HGX says SXM.
    hgx = one(quotes, sku="NVIDIA HGX H100", pricing_type="on_demand")
    assert (hgx["good"], hgx["price_usd"]) == ("H100-SXM-80GB", Decimal("4.76"))
    assert one(quotes, sku="NVIDIA HGX H100", pricing_type="reserved_6m")["price_usd"] == Decimal("2.89")
    assert one(quotes, sku="NVIDIA H100 PCIe", pricing_type="on_demand")["good"] == "H100-PCIE-80GB"
    a100 = one(quotes, sku="A100 40GB PCIe", pricing_type="on_demand")
    assert (a100["good"], a100["price_usd"]) == ("A100-PCIE-40GB", Decimal("1.40"))
    # "A100 80GB NVLINK" does not say SXM or PCIe: ambiguous, not guessed.
    nvlink = rejections.filter(pl.col("sku") == "A100 80GB NVLINK")
    assert set(nvlink["rule"]) == {"identity_ambiguous"} and nvlink.height == 2
    # The "Max vCPUs per GPU ($0.01/hr)" column prices CPUs: never a GPU row.
    assert none(quotes, price_usd=Decimal("0.01"))


def test_fluidstack_2025_table(real_capture) -> None:  # type: ignore[no-untyped-def]
    _, quotes, _ = run(real_capture("fluidstack-page", "pricing-pages/fluidstack_20250109013724.html"))
    # H200 on-demand is "n/a": only its 1-year price ($2.45) is a row.
    assert none(quotes, sku="Nvidia H200", pricing_type="on_demand")
    h200 = one(quotes, sku="Nvidia H200", pricing_type="reserved_1y")
    assert (h200["good"], h200["price_usd"]) == ("H200-SXM-141GB", Decimal("2.45"))
    assert one(quotes, sku="Nvidia H100 PCIe", pricing_type="on_demand")["price_usd"] == Decimal("2.89")
    assert one(quotes, sku="Nvidia A100 80GB PCIe", pricing_type="reserved_1y")["good"] == "A100-PCIE-80GB"
    l40 = one(quotes, sku="Nvidia L40", pricing_type="on_demand")
    assert (l40["good"], l40["price_usd"]) == ("L40-48GB", Decimal("1.25"))
    assert quotes.height == 9


def test_paperspace_starred_prices_are_3_year_commitments(real_capture) -> None:  # type: ignore[no-untyped-def]
    _, quotes, rejections = run(real_capture("paperspace-page", "pricing-pages/paperspace_20240123092147.html"))
    # "2.24*": "*$2.24/hour pricing is for a 3-year commitment"; the card says "NVIDIA HGX H100 GPU".
    h100 = one(quotes, sku="H100", pricing_type="reserved_3y")
    assert (h100["good"], h100["price_usd"]) == ("H100-SXM-80GB", Decimal("2.24"))
    # The same footnote: "On-demand pricing for H100 is $6.00/hour".
    assert one(quotes, sku="H100", pricing_type="on_demand")["price_usd"] == Decimal("6.00")
    # The hidden "3.09" block is not shown on the page and is not read.
    assert none(quotes, price_usd=Decimal("3.09"))
    # "A100-80G" with "NVIDIA A100 GPU": 80GB but no form factor -> ambiguous.
    assert one(rejections, sku="A100-80G")["rule"] == "identity_ambiguous"
    assert one(quotes, sku="V100")["price_usd"] == Decimal("2.30")
    assert one(quotes, sku="M4000")["price_usd"] == Decimal("0.45")


def test_digitalocean_per_gpu_cards_promotions_and_reserved_floors(real_capture) -> None:  # type: ignore[no-untyped-def]
    parsed, quotes, rejections = run(
        real_capture("digitalocean-page", "pricing-pages/digitalocean_20250707231929.html")
    )
    # "AMD Instinct MI300Xx8": $1.99/GPU/hour, 8 GPUs, 1,536 GB -> 192 GB per GPU.
    mi300 = one(quotes, sku="gpu-mi300x8-1536gb")
    assert (mi300["good"], mi300["gpu_count"], mi300["price_usd"]) == ("MI300X-192GB", 8, Decimal("1.99"))
    assert one(parsed, sku="gpu-mi300x8-1536gb")["gpu_memory_gb"] == 192.0
    # "NVIDIA H100x8" $2.99/GPU/hour: the page never says SXM or PCIe.
    h100x8 = one(rejections, sku="gpu-h100x8-640gb")
    assert (h100x8["rule"], h100x8["price_native"]) == ("identity_ambiguous", "2.99")
    # Single H100: $6.74 struck through, $3.39 promotional in force.
    single = parsed.filter(pl.col("sku") == "gpu-h100x1-80gb").sort("row_no")
    assert single["price_native"].to_list() == ["6.74", "3.39"]
    assert "struck-through" in single["reject_reason"][0] and single["reject_reason"][1] is None
    # Reserved cards: "Prices start as low as $1.99/GPU/hour ... 12 months" -> teaser, reserved_1y.
    reserved = parsed.filter(pl.col("sku").str.ends_with("(reserved)"))
    assert sorted(reserved["price_native"]) == ["1.49", "1.99"]
    assert set(reserved["pricing_type"]) == {"reserved_1y"}
    assert set(reserved["reject_reason"]) == {TEASER_REASON}
    assert one(quotes, sku="NVIDIA L40S")["good"] == "L40S-48GB"
    assert one(quotes, sku="gpu-rtx6000x1-48gb")["good"] == "RTX6000ADA-48GB"


def test_voltagepark_hgx_h100_plans(real_capture) -> None:  # type: ignore[no-untyped-def]
    _, quotes, _ = run(real_capture("voltagepark-page", "pricing-pages/voltagepark_20250712040631.html"))
    assert set(quotes["good"]) == {"H100-SXM-80GB"}
    assert one(quotes, sku="On-Demand, Ethernet")["price_usd"] == Decimal("1.99")
    assert one(quotes, sku="On-demand, 3200 Gbps Infiniband")["price_usd"] == Decimal("2.49")
    assert quotes.height == 2


def test_runpod_page_2023_next_data(real_capture) -> None:  # type: ignore[no-untyped-def]
    _, quotes, rejections = run(real_capture("runpod-page", "pricing-pages/runpod_20230929070808.html"))
    # "H100 80GB SXM5": secure 4.49, community 4.09, community spot 2.49.
    h100 = quotes.filter(pl.col("sku") == "NVIDIA H100 80GB HBM3")
    assert set(h100["good"]) == {"H100-SXM-80GB"}
    assert one(h100, region="secure_cloud", pricing_type="on_demand")["price_usd"] == Decimal("4.49")
    assert one(h100, region="community_cloud", pricing_type="on_demand")["price_usd"] == Decimal("4.09")
    assert one(h100, region="community_cloud", pricing_type="spot")["price_usd"] == Decimal("2.49")
    assert one(quotes, sku="NVIDIA A100 80GB PCIe", region="secure_cloud")["good"] == "A100-PCIE-80GB"
    # A100 SXM 80GB has communityCloud false: its communityPrice 1.69 is not an offer.
    sxm = one(rejections, sku="NVIDIA A100-SXM4-80GB", price_native="1.69")
    assert "communityCloud is false" in sxm["reason"]
    assert one(quotes, sku="NVIDIA A100-SXM4-80GB", region="secure_cloud")["good"] == "A100-SXM-80GB"
    # L40 has 1/3/6-month prices 1.08 / 1.02 / 0.97.
    assert one(quotes, sku="NVIDIA L40", pricing_type="reserved_1m")["price_usd"] == Decimal("1.08")
    assert one(quotes, sku="NVIDIA L40", pricing_type="reserved_6m")["price_usd"] == Decimal("0.97")
    # RTX 3080 securePrice 0: not offered, never a $0 quote.
    assert one(rejections, sku="NVIDIA GeForce RTX 3080", price_native="0")["reason"] == (
        "not offered on secure_cloud (securePrice is 0)"
    )


def test_runpod_page_2025_price_attributes(real_capture) -> None:  # type: ignore[no-untyped-def]
    _, quotes, rejections = run(real_capture("runpod-page", "pricing-pages/runpod_20250909131230.html"))
    h200 = one(quotes, sku="H200", region="secure_cloud")
    assert (h200["good"], h200["price_usd"]) == ("H200-SXM-141GB", Decimal("3.79"))
    assert one(quotes, sku="H200", region="community_cloud")["price_usd"] == Decimal("3.59")
    assert one(quotes, sku="H100 NVL", region="secure_cloud")["good"] == "H100-NVL-94GB"
    assert one(quotes, sku="H100 PCIe", region="community_cloud")["price_usd"] == Decimal("1.99")
    assert one(quotes, sku="B200", region="community_cloud")["price_usd"] == Decimal("5.98")
    assert set(quotes.filter(pl.col("sku") == "H100 SXM")["good"]) == {"H100-SXM-80GB"}
    assert quotes.height == 10 and rejections.height == 0


def test_runpod_page_2026_json_ld(real_capture) -> None:  # type: ignore[no-untyped-def]
    parsed, quotes, rejections = run(real_capture("runpod-page", "pricing-pages/runpod_20260810082317.html"))
    b300 = quotes.filter(pl.col("label") == "B300")
    assert set(b300["good"]) == {"B300-SXM-288GB"}
    assert one(b300, region="community_cloud")["price_usd"] == Decimal("6.94")
    assert one(b300, region="secure_cloud")["price_usd"] == Decimal("7.39")
    assert one(quotes, label="H100 SXM", region="secure_cloud")["price_usd"] == Decimal("2.99")
    assert one(quotes, label="L4", region="secure_cloud")["price_usd"] == Decimal("0.39")
    # "Rent H100 80GB from $1.99/hr" in the page description: a teaser, not a quote.
    teaser = one(rejections, label="H100 80GB")
    assert (teaser["price_native"], teaser["reason"]) == ("1.99", TEASER_REASON)
    # "A100 SXM" / "A100 PCIe" without memory stay ambiguous.
    assert set(rejections.filter(pl.col("label").str.starts_with("A100"))["rule"]) == {"identity_ambiguous"}
    assert parsed.filter(pl.col("reject_reason").is_null()).height == 38  # 19 GPUs x 2 clouds


def test_coreweave_instance_prices_are_divided_by_gpu_count(real_capture) -> None:  # type: ignore[no-untyped-def]
    _, quotes, rejections = run(real_capture("coreweave-page", "provider-pages-2026/coreweave.html"))
    # HGX H100, 8 GPUs: $49.24 per instance-hour in both regions -> $6.155 per GPU-hour.
    for region in ("north_america", "europe"):
        q = one(quotes, sku="hgx-h100", region=region, pricing_type="on_demand")
        assert (q["good"], q["gpu_count"]) == ("H100-SXM-80GB", 8)
        assert q["price_native"] == Decimal("49.24")
        assert q["price_usd"] == Decimal("49.24") / 8 == Decimal("6.155")
    assert one(quotes, sku="hgx-h100", region="north_america", pricing_type="spot")["price_usd"] == Decimal("19.71") / 8
    assert one(quotes, sku="hgx-h100", region="europe", pricing_type="spot")["price_usd"] == Decimal("19.51") / 8
    # GB200 NVL72: "4^1" GPUs per instance at $42.00 -> $10.50.
    gb200 = one(quotes, sku="nvidia-gb200-nvl72", region="north_america")
    assert (gb200["good"], gb200["gpu_count"], gb200["price_usd"]) == ("GB200-186GB", 4, Decimal("10.50"))
    assert one(quotes, sku="hgx-h200", region="north_america", pricing_type="on_demand")["good"] == "H200-SXM-141GB"
    assert one(quotes, sku="nvidia-gh200", region="europe")["price_usd"] == Decimal("6.50")
    # HGX B300 on-demand says "Contact sales": no row; its spot $35.84 is a quote.
    assert none(quotes, sku="nvidia-b300", pricing_type="on_demand")
    assert one(quotes, sku="nvidia-b300", region="north_america")["price_usd"] == Decimal("35.84") / 8
    # "Inference Single GPU Price" ($6.16 for H100) is for inference-platform customers only.
    inference = one(rejections, sku="hgx-h100:inference")
    assert (inference["price_native"], inference["rule"]) == ("6.16", "parser")
    # "NVIDIA A100" (80 GB) does not say SXM or PCIe.
    assert set(rejections.filter(pl.col("sku") == "nvidia-a100")["rule"]) == {"identity_ambiguous"}
    # CPU, storage and networking tables are not read.
    assert not quotes["label"].str.contains("AMD Genoa|Intel").any()


def test_gcp_page_vm_prices_per_gpu(real_capture) -> None:  # type: ignore[no-untyped-def]
    _, quotes, rejections = run(real_capture("gcp-page", "provider-pages-2026/gcp.html"))
    a3 = quotes.filter(pl.col("sku") == "a3-highgpu-8g")
    assert set(a3["good"]) == {"H100-SXM-80GB"} and set(a3["gpu_count"]) == {8}
    assert one(a3, pricing_type="on_demand")["price_usd"] == Decimal("88.490000119") / 8
    assert one(a3, pricing_type="spot")["price_usd"] == Decimal("52.962296548") / 8
    assert one(a3, pricing_type="reserved_1y")["price_usd"] == Decimal("61.383674231") / 8
    assert one(a3, pricing_type="reserved_3y")["price_usd"] == Decimal("38.864383195") / 8
    assert one(quotes, sku="a3-ultragpu-8g", pricing_type="on_demand")["good"] == "H200-SXM-141GB"
    assert one(quotes, sku="a2-ultragpu-1g", pricing_type="on_demand")["good"] == "A100-SXM-80GB"
    a2 = one(quotes, sku="a2-highgpu-1g", pricing_type="on_demand")
    assert (a2["good"], a2["price_usd"]) == ("A100-SXM-40GB", Decimal("3.673385"))
    g2 = one(quotes, sku="g2-standard-4", pricing_type="on_demand")
    assert (g2["good"], g2["price_usd"]) == ("L4-24GB", Decimal("0.706832276"))
    assert one(quotes, sku="g2-standard-4", pricing_type="reserved_1y_flexible")["price_usd"] == Decimal("0.558397485")
    # A4 on-demand is "N/A": no row; its DWS Flex-start $64.44 is recorded but rejected.
    assert none(quotes, sku="a4-highgpu-8g", pricing_type="on_demand")
    assert "Dynamic Workload Scheduler" in one(rejections, sku="a4-highgpu-8g", price_native="64.4400")["reason"]
    assert none(quotes, pricing_type="dws_flex_start") and none(quotes, pricing_type="dws_calendar")
    # Page quirks: a spot cell reading "g2-standard-24-spot", "$2 .0000/ 1 hour", fractional GPUs.
    assert "not a '$X / 1 hour' amount" in one(rejections, price_native="g2-standard-24-spot")["reason"]
    g4 = rejections.filter(pl.col("sku") == "g4-standard-6", ~pl.col("reason").str.contains("Dynamic Workload"))
    assert g4.height == 6 and g4["reason"].str.contains("1/8 GPUs").all()
    assert none(quotes, sku="g4-standard-6")
    assert one(quotes, sku="g4-standard-48", pricing_type="on_demand")["price_usd"] == Decimal("4.49993")


def test_oracle_gpu_hour_parts(real_capture) -> None:  # type: ignore[no-untyped-def]
    _, quotes, rejections = run(real_capture("oracle", "provider-pages-2026/oracle.json"))
    h200 = one(quotes, sku="B110519")
    assert (h200["good"], h200["price_usd"]) == ("H200-SXM-141GB", Decimal("10"))
    assert one(quotes, sku="B110978")["good"] == "B200-SXM-180GB"
    assert one(quotes, sku="B110978")["price_usd"] == Decimal("14")
    assert one(quotes, sku="B109479")["good"] == "L40S-48GB"
    assert one(quotes, sku="B109485")["price_usd"] == Decimal("6")
    # "GPU - H100" does not say SXM or PCIe.
    assert one(rejections, sku="B98415")["rule"] == "identity_ambiguous"
    # Cloud@Customer and VMware node-hour / per-day parts are not public GPU-hour prices.
    assert "Cloud@Customer" in one(rejections, sku="B111455")["reason"]
    assert "Node Per Hour" in one(rejections, sku="B108807")["reason"]
    assert "Per Day" in one(rejections, sku="B109493")["reason"]
    assert set(quotes["provider"]) == {"oracle"}


@pytest.mark.parametrize("source", sorted(SOURCES))
@pytest.mark.parametrize(
    "relative",
    [
        "provider-pages-2026/vast.json",
        "provider-pages-2026/nebius.html",
        "pricing-pages/lambda_20241103180910.html",
        "pricing-pages/crusoe_20250521220413.html",
        "pricing-pages/hyperstack_20250724001416.html",
    ],
)
def test_a_body_of_another_shape_is_schema_drift(real_capture, source, relative) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SourceError) as info:
        SOURCES[source].parse(real_capture(source, relative))
    assert info.value.kind == "schema_drift"


@pytest.mark.parametrize("source, relative", CAPTURES)
def test_another_providers_page_is_schema_drift(real_capture, source, relative) -> None:  # type: ignore[no-untyped-def]
    for other in SOURCES:
        if other == source:
            continue
        with pytest.raises(SourceError) as info:
            SOURCES[other].parse(real_capture(other, relative))
        assert info.value.kind == "schema_drift", other


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_a_body_that_is_not_a_page_is_schema_drift(source) -> None:  # type: ignore[no-untyped-def]
    capture = RawCapture(source=source, url="https://example.invalid/", fetched_at=FETCHED, body=b"\x00\x01 not a page")
    with pytest.raises(SourceError) as info:
        SOURCES[source].parse(capture)
    assert info.value.kind == "schema_drift"
