"""Pricing-page parsers (Lambda, Crusoe, DataCrunch, Nebius, Hyperstack) on the real captures in
../shared/realdata, read in place; every expected value below was read from the HTML by eye."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from pipeline.domain.records import RawCapture
from pipeline.sources import crusoe_page, datacrunch_page, hyperstack_page, lambda_page, nebius_page
from pipeline.sources.base import SchemaDrift, Source
from pipeline.sources.pages import TEASER_REASON, commitment, money, page_time, pricing_type_of, wayback_time
from tests.helpers import normalise

SOURCES: dict[str, Source] = {
    m.SOURCE.name: m.SOURCE for m in (lambda_page, crusoe_page, datacrunch_page, nebius_page, hyperstack_page)
}
PROVIDER_SOURCE = {s.providers[0]: name for name, s in SOURCES.items()}
FETCHED = datetime(2026, 8, 3, 15, 30, tzinfo=UTC)  # the real_capture fixture's fetch time

CAPTURES = [
    ("lambda-page", "pricing-pages/lambda_20230909194011.html"),
    ("lambda-page", "pricing-pages/lambda_20241103180910.html"),
    ("crusoe-page", "pricing-pages/crusoe_20250521220413.html"),
    ("crusoe-page", "pricing-pages/crusoe_20251215002446.html"),
    ("crusoe-page", "provider-pages-2026/crusoe.html"),
    ("datacrunch-page", "pricing-pages/datacrunch_20250808081801.html"),
    ("nebius-page", "pricing-pages/nebius_20241115043809.html"),
    ("nebius-page", "pricing-pages/nebius_20260712235400.html"),
    ("nebius-page", "provider-pages-2026/nebius.html"),
    ("hyperstack-page", "pricing-pages/hyperstack_20240822101707.html"),
    ("hyperstack-page", "pricing-pages/hyperstack_20250724001416.html"),
    ("hyperstack-page", "provider-pages-2026/hyperstack.html"),
]


def run(capture: RawCapture) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    parsed = SOURCES[capture.source].parse(capture)
    quotes, rejections = normalise(parsed, capture)
    assert quotes.height + rejections.height == parsed.height  # every parsed row accounted for once
    return parsed, quotes, rejections


def load(real_capture, relative: str):  # type: ignore[no-untyped-def]
    provider = Path(relative).name.split("_")[0].removesuffix(".html")
    return run(real_capture(PROVIDER_SOURCE[provider], relative))


def one(frame: pl.DataFrame, **where: object) -> dict:  # type: ignore[type-arg]
    rows = frame.filter(*(pl.col(k) == v for k, v in where.items()))
    assert rows.height == 1, f"{rows.height} rows for {where}"
    return rows.row(0, named=True)


def d(text: str) -> Decimal:
    return Decimal(text)


# --- every capture -------------------------------------------------------------------------------


def test_every_capture_of_these_providers_is_covered(realdata: Path) -> None:
    on_disk = {
        f"pricing-pages/{p.name}"
        for p in (realdata / "pricing-pages").glob("*.html")
        if p.name.split("_")[0] in PROVIDER_SOURCE
    } | {
        f"provider-pages-2026/{p}.html"
        for p in PROVIDER_SOURCE
        if (realdata / f"provider-pages-2026/{p}.html").exists()
    }
    assert on_disk == {relative for _, relative in CAPTURES}


@pytest.mark.parametrize(("source", "relative"), CAPTURES)
def test_each_capture_yields_quotes_at_its_archive_time(real_capture, source: str, relative: str) -> None:  # type: ignore[no-untyped-def]
    capture = real_capture(source, relative)
    parsed, quotes, rejections = run(capture)
    assert quotes.height >= 1
    assert set(parsed["provider"]) == set(SOURCES[source].providers)
    assert set(parsed["currency"]) == {"USD"}  # every figure on these pages is shown with "$"
    machines = parsed.filter(pl.col("price_per") == "instance_hour")
    assert machines.filter(pl.col("gpu_count").is_null() | (pl.col("gpu_count") < 1)).is_empty()
    name = Path(relative).stem
    # A Wayback excerpt: its header comment's capture time, which the file name repeats; a current
    # page says no time of its own: when it was fetched.
    archived = "_" in name
    expected = datetime.strptime(name.split("_")[1], "%Y%m%d%H%M%S").replace(tzinfo=UTC) if archived else FETCHED
    assert set(parsed["observed_at"]) == {expected}
    assert set(quotes["observed_at"]) == {expected}
    assert rejections.filter(pl.col("reason").is_null()).height == 0


# --- Lambda ---------------------------------------------------------------------------------------


def test_lambda_2023_machine_prices_are_divided_by_gpu_count(real_capture) -> None:  # type: ignore[no-untyped-def]
    parsed, quotes, rejections = load(real_capture, "pricing-pages/lambda_20230909194011.html")
    # "8x NVIDIA H100 SXM | 80 GB | ... | $20.72 / hr": the machine's price.
    h100 = one(quotes, sku="8x NVIDIA H100 SXM 80GB", pricing_type="on_demand")
    assert h100["good"] == "H100-SXM-80GB"
    assert h100["gpu_count"] == 8
    assert h100["price_native"] == d("20.72")
    assert h100["price_usd"] == d("20.72") / 8 == d("2.59")
    pcie = one(quotes, sku="1x NVIDIA H100 PCIe 80GB")
    assert (pcie["good"], pcie["price_usd"]) == ("H100-PCIE-80GB", d("1.99"))
    a6000 = one(quotes, sku="4x NVIDIA RTX A6000 48GB")
    assert (a6000["good"], a6000["price_usd"]) == ("RTXA6000-48GB", d("0.80"))
    # "1x NVIDIA A100 | 40 GB": the page does not say SXM or PCIe, so no good is guessed.
    a100 = rejections.filter(pl.col("label").str.contains("A100"))
    assert a100.height == 5
    assert set(a100["rule"]) == {"identity_ambiguous"}
    assert one(parsed, sku="8x NVIDIA A100 80GB")["price_native"] == "12.00"


def test_lambda_2023_reserved_cluster_prices_carry_their_term(real_capture) -> None:  # type: ignore[no-untyped-def]
    _, quotes, _ = load(real_capture, "pricing-pages/lambda_20230909194011.html")
    # "Reserved | 8x NVIDIA H100 | H100 SXM | 80 GB | ... | $1.89/H100/hour | 3-years"
    reserved = one(quotes, pricing_type="reserved_3y")
    assert (reserved["good"], reserved["price_usd"], reserved["gpu_count"]) == ("H100-SXM-80GB", d("1.89"), 1)
    # "Sprint | ... | $4.85/H100/hour | 3-months"
    sprint = one(quotes, pricing_type="reserved_3m")
    assert (sprint["good"], sprint["price_usd"]) == ("H100-SXM-80GB", d("4.85"))


def test_lambda_2024_per_gpu_prices_by_machine_size(real_capture) -> None:  # type: ignore[no-untyped-def]
    parsed, quotes, _ = load(real_capture, "pricing-pages/lambda_20241103180910.html")
    # "On-demand 8x NVIDIA H100 SXM | 80 GB | ... | $2.99 / GPU / hr" ... 1x at $3.29.
    for size, price in (("8x", "2.99"), ("4x", "3.09"), ("2x", "3.19"), ("1x", "3.29")):
        q = one(quotes, sku=f"{size} NVIDIA H100 SXM 80GB")
        assert (q["good"], q["pricing_type"], q["price_usd"], q["gpu_count"]) == (
            "H100-SXM-80GB",
            "on_demand",
            d(price),
            1,
        )
    assert one(quotes, sku="1x NVIDIA H100 PCIe 80GB")["price_usd"] == d("2.49")
    assert one(quotes, sku="8x NVIDIA A100 SXM 80GB")["good"] == "A100-SXM-80GB"
    assert one(quotes, sku="8x NVIDIA A100 SXM 80GB")["price_usd"] == d("1.79")
    assert one(quotes, sku="1x NVIDIA A100 SXM 40GB")["good"] == "A100-SXM-40GB"
    assert one(quotes, sku="4x NVIDIA A100 PCIe 40GB")["good"] == "A100-PCIE-40GB"
    assert one(quotes, sku="4x NVIDIA A100 PCIe 40GB")["price_usd"] == d("1.29")
    # "Reserved 8x NVIDIA H100 SXM ... CONTACT SALES" is not priced: no row.
    assert set(parsed["pricing_type"]) == {"on_demand"}
    assert parsed.height == 17


# --- Crusoe ---------------------------------------------------------------------------------------


def test_crusoe_2025_table_on_demand_spot_and_reserved_terms(real_capture) -> None:  # type: ignore[no-untyped-def]
    parsed, quotes, _ = load(real_capture, "pricing-pages/crusoe_20250521220413.html")
    h100 = quotes.filter(pl.col("label") == "NVIDIA H100 80GB SXM")
    assert set(h100["good"]) == {"H100-SXM-80GB"}
    # "$ 3.90 /hr | Contact Sales | $ 3.12 | $ 2.93 | $ 2.54"
    assert dict(zip(h100["pricing_type"], h100["price_usd"], strict=True)) == {
        "on_demand": d("3.90"),
        "reserved_6m": d("3.12"),
        "reserved_1y": d("2.93"),
        "reserved_3y": d("2.54"),
    }
    assert one(quotes, label="NVIDIA H200 141GB SXM", pricing_type="on_demand")["good"] == "H200-SXM-141GB"
    assert one(quotes, label="NVIDIA H200 141GB SXM", pricing_type="reserved_3y")["price_usd"] == d("2.79")
    assert one(quotes, label="AMD MI300X 192GB OAM", pricing_type="spot")["price_usd"] == d("0.95")
    assert one(quotes, label="AMD MI300X 192GB OAM", pricing_type="spot")["good"] == "MI300X-192GB"
    assert one(quotes, label="NVIDIA L40S 48GB PCIe", pricing_type="spot")["price_usd"] == d("0.50")
    pcie80 = one(quotes, label="NVIDIA A100 80GB PCIe", pricing_type="on_demand")
    assert (pcie80["good"], pcie80["price_usd"]) == ("A100-PCIE-80GB", d("1.65"))
    pcie40 = one(quotes, label="NVIDIA A100 40GB PCIe", pricing_type="on_demand")
    assert (pcie40["good"], pcie40["price_usd"]) == ("A100-PCIE-40GB", d("1.45"))
    assert one(quotes, label="NVIDIA A100 80GB SXM", pricing_type="on_demand")["good"] == "A100-SXM-80GB"
    # H100 spot is "Contact Sales"; the excerpt ends at the A40's name, before its prices.
    assert parsed.filter((pl.col("label") == "NVIDIA H100 80GB SXM") & (pl.col("pricing_type") == "spot")).is_empty()
    assert parsed.filter(pl.col("label").str.contains("A40")).is_empty()
    assert parsed.height == 30


def test_crusoe_late_2025_list_per_gpu_hour_and_hgx_left_to_identity(real_capture) -> None:  # type: ignore[no-untyped-def]
    parsed, quotes, _rejections = load(real_capture, "pricing-pages/crusoe_20251215002446.html")
    # "NVIDIA H200 | 141GB | HGX | $4.29/GPU-hr | Contact sales"
    h200 = one(quotes, label="NVIDIA H200 141GB HGX")
    assert (h200["good"], h200["pricing_type"], h200["price_usd"]) == ("H200-SXM-141GB", "on_demand", d("4.29"))
    # "NVIDIA H100 | 80GB | HGX | $3.90/GPU-hr | $1.60/GPU-hr": parsed as the page says it ...
    h100 = parsed.filter(pl.col("label") == "NVIDIA H100 80GB HGX")
    assert dict(zip(h100["pricing_type"], h100["price_native"], strict=True)) == {"on_demand": "3.90", "spot": "1.60"}
    # ... and "HGX" states SXM (HGX baseboards carry only SXM modules).
    assert set(quotes.filter(pl.col("label") == "NVIDIA H100 80GB HGX")["good"]) == {"H100-SXM-80GB"}
    # GB200 and B200 are "Contact sales" in both columns: nothing priced.
    assert parsed.filter(pl.col("label").str.contains("B200")).is_empty()


def test_crusoe_2026_page_reads_only_the_gpu_instance_list(real_capture) -> None:  # type: ignore[no-untyped-def]
    parsed, quotes, _ = load(real_capture, "provider-pages-2026/crusoe.html")
    assert one(quotes, label="NVIDIA A100 80GB SXM")["price_usd"] == d("2.30")
    assert one(quotes, label="NVIDIA A100 80GB SXM")["good"] == "A100-SXM-80GB"
    assert one(quotes, label="NVIDIA A100 80GB PCIe")["price_usd"] == d("2.00")
    assert one(quotes, label="NVIDIA L40S 48GB")["good"] == "L40S-48GB"
    assert one(quotes, label="NVIDIA L40S 48GB")["price_usd"] == d("1.50")
    assert one(quotes, label="AMD MI300X 192GB")["price_usd"] == d("3.45")
    assert one(quotes, label="NVIDIA H200 141GB HGX")["price_usd"] == d("4.29")
    # Spot is "Contact sales" for every GPU; the dedicated-endpoint list ("NVIDIA H100 ... $5.50") is
    # another product, and token/CPU prices are not GPU-hours.
    assert set(parsed["pricing_type"]) == {"on_demand"}
    assert "5.50" not in set(parsed["price_native"])
    assert parsed.height == 6


# --- DataCrunch -----------------------------------------------------------------------------------


def test_datacrunch_instance_prices_per_gpu_and_dynamic_kept_apart(real_capture) -> None:  # type: ignore[no-untyped-def]
    parsed, quotes, rejections = load(real_capture, "pricing-pages/datacrunch_20250808081801.html")
    assert set(quotes["good"]) == {"B200-SXM-180GB"}
    assert set(parsed["gpu_memory_gb"]) == {180.0}
    # "8B200.240V | B200 SXM6 180GB | 8 | ... | $29.10/h | $21.42/h | $6.43/h"
    on_demand = one(quotes, sku="8B200.240V", pricing_type="on_demand")
    assert on_demand["gpu_count"] == 8
    assert on_demand["price_native"] == d("29.10")
    assert on_demand["price_usd"] == d("29.10") / 8
    assert one(quotes, sku="8B200.240V", pricing_type="spot")["price_usd"] == d("6.43") / 8
    assert one(quotes, sku="1B200.30V", pricing_type="on_demand")["price_usd"] == d("3.64")
    assert one(quotes, sku="2B200.60V", pricing_type="spot")["price_usd"] == d("1.61") / 2
    dynamic = rejections.filter(pl.col("reason") == datacrunch_page.DYNAMIC_REASON)
    assert sorted(dynamic["price_native"]) == ["10.71", "2.68", "21.42", "5.36"]
    assert quotes.height == 8


# --- Hyperstack -----------------------------------------------------------------------------------


def test_hyperstack_2024_table_and_starts_from_reservations(real_capture) -> None:  # type: ignore[no-untyped-def]
    _, quotes, rejections = load(real_capture, "pricing-pages/hyperstack_20240822101707.html")
    # "NVIDIA H100 SXM 80GB | 80 | 24 | 240 | $ 3.75 per Hour | Starts from $2.25/hour"
    sxm = one(quotes, sku="NVIDIA H100 SXM 80GB")
    assert (sxm["good"], sxm["pricing_type"], sxm["price_usd"]) == ("H100-SXM-80GB", "on_demand", d("3.75"))
    assert one(quotes, sku="NVIDIA H100 PCIe NVLink 80GB")["good"] == "H100-PCIE-80GB"
    assert one(quotes, sku="NVIDIA H100 PCIe NVLink 80GB")["price_usd"] == d("3.54")
    assert one(quotes, sku="NVIDIA A100 PCIe 80GB")["good"] == "A100-PCIE-80GB"
    assert one(quotes, sku="NVIDIA A100 PCIe 80GB")["price_usd"] == d("2.20")  # "$ &nbsp;2.20 per Hour"
    teasers = rejections.filter(pl.col("reason") == TEASER_REASON)
    assert teasers.height == 9
    assert one(teasers, sku="NVIDIA H100 SXM 80GB")["price_native"] == "2.25"
    # "NVIDIA RTX A6000/A40": one price for two GPUs is no single good (never the A40's).
    combined = one(rejections, sku="NVIDIA RTX A6000/A40", price_native="1.00")
    assert "two GPU models" in combined["reason"]
    assert "A40-48GB" not in set(quotes["good"].drop_nulls())


def test_hyperstack_2025_cards_on_demand_spot_and_teasers(real_capture) -> None:  # type: ignore[no-untyped-def]
    parsed, quotes, rejections = load(real_capture, "pricing-pages/hyperstack_20250724001416.html")
    h200 = one(quotes, sku="NVIDIA H200 SXM", pricing_type="on_demand")
    assert (h200["good"], h200["price_usd"]) == ("H200-SXM-141GB", d("3.50"))
    assert one(quotes, sku="NVIDIA H100 SXM", pricing_type="on_demand")["price_usd"] == d("2.40")
    assert one(quotes, sku="NVIDIA A100 SXM", pricing_type="on_demand")["good"] == "A100-SXM-80GB"
    assert one(quotes, sku="NVIDIA L40", pricing_type="spot")["price_usd"] == d("0.80")
    # The VRAM column of the on-demand card gives the spot card's A100 its 80GB, but the page never
    # says SXM or PCIe for "NVIDIA A100", nor for "NVIDIA H100" / "NVIDIA H100 NVLink".
    assert one(rejections, sku="NVIDIA A100", price_native="1.08")["rule"] == "identity_ambiguous"
    assert one(rejections, sku="NVIDIA H100", price_native="1.90")["rule"] == "identity_ambiguous"
    assert one(rejections, sku="NVIDIA H100 NVLink", price_native="1.95")["rule"] == "identity_ambiguous"
    # Reservation card: "Starting from" every figure.
    reserved = parsed.filter(pl.col("pricing_type") == "reserved_unspecified")
    assert reserved.height == 10
    assert set(reserved["reject_reason"]) == {TEASER_REASON}
    assert one(reserved, sku="NVIDIA H100 SXM")["price_native"] == "2.04"


def test_hyperstack_2026_page(real_capture) -> None:  # type: ignore[no-untyped-def]
    parsed, quotes, _ = load(real_capture, "provider-pages-2026/hyperstack.html")
    assert one(quotes, sku="NVIDIA H200 SXM", pricing_type="on_demand")["price_usd"] == d("3.99")
    assert one(quotes, sku="NVIDIA H100 SXM", pricing_type="on_demand")["price_usd"] == d("3.20")
    b200 = one(quotes, sku="NVIDIA B200", pricing_type="on_demand")
    assert (b200["good"], b200["price_usd"]) == ("B200-SXM-180GB", d("6.00"))
    assert one(quotes, sku="NVIDIA B300", pricing_type="on_demand")["good"] == "B300-SXM-288GB"
    spot = one(quotes, sku="NVIDIA H100 PCIe", pricing_type="spot")
    assert (spot["good"], spot["price_usd"]) == ("H100-PCIE-80GB", d("2.00"))
    assert one(parsed, sku="NVIDIA B200", pricing_type="reserved_unspecified")["reject_reason"] == TEASER_REASON
    # CPU flavours ("n1-cpu-small $0.35"), storage and token prices are not GPU rows.
    assert parsed.filter(pl.col("sku").str.starts_with("n1-cpu")).is_empty()
    assert parsed.height == 30


# --- Nebius ---------------------------------------------------------------------------------------


def test_nebius_2024_machine_prices_and_reserve_teasers(real_capture) -> None:  # type: ignore[no-untyped-def]
    parsed, quotes, rejections = load(real_capture, "pricing-pages/nebius_20241115043809.html")
    # "8 × H100 SXM | 640 | 1600 | 128 | $23.60 | $16.00": machine price, vRAM is the machine's.
    h100 = one(quotes, sku="8 × H100 SXM")
    assert (h100["good"], h100["gpu_count"], h100["price_native"]) == ("H100-SXM-80GB", 8, d("23.60"))
    assert h100["price_usd"] == d("2.95")
    assert one(parsed, sku="8 × H100 SXM", pricing_type="on_demand")["gpu_memory_gb"] == 80.0
    assert one(quotes, sku="1 × H200 SXM")["price_usd"] == d("3.50")
    assert one(quotes, sku="8 × H200 SXM")["price_usd"] == d("28.00") / 8
    assert one(quotes, sku="1 × L40s PCIe")["good"] == "L40S-48GB"
    # "As low as $2.00 per hour" cards, and the term-less Reserve column that repeats them.
    cards = rejections.filter(pl.col("sku").str.contains("NVIDIA®"))
    assert sorted(cards["price_native"]) == ["0.80", "2.00", "2.30"]
    assert set(cards["reason"]) == {TEASER_REASON}
    assert one(rejections, sku="1 × H100 SXM")["reason"] == TEASER_REASON
    assert one(rejections, sku="8 × H100 SXM")["reason"] == nebius_page.NO_TERM_REASON
    assert set(quotes["pricing_type"]) == {"on_demand"}


def test_nebius_2026_archive_per_gpu_hour_preemptible_and_from_prices(real_capture) -> None:  # type: ignore[no-untyped-def]
    parsed, quotes, _rejections = load(real_capture, "pricing-pages/nebius_20260712235400.html")
    # "NVIDIA HGX H200 | 16 | 200 | $2.45 | $4.50" under "Preemptible, GPU-hour | On-demand, GPU-hour"
    h200 = quotes.filter(pl.col("sku") == "NVIDIA HGX H200")
    assert set(h200["good"]) == {"H200-SXM-141GB"}
    assert dict(zip(h200["pricing_type"], h200["price_usd"], strict=True)) == {
        "spot": d("2.45"),
        "on_demand": d("4.50"),
    }
    assert one(quotes, sku="NVIDIA HGX B300", pricing_type="on_demand")["price_usd"] == d("7.85")
    assert one(quotes, sku="NVIDIA HGX B200", pricing_type="spot")["good"] == "B200-SXM-180GB"
    assert set(quotes.filter(pl.col("sku") == "NVIDIA HGX H100")["good"]) == {"H100-SXM-80GB"}
    assert one(parsed, sku="NVIDIA HGX H100", pricing_type="on_demand")["price_native"] == "3.85"
    # "from $0.90 | from $1.82": teasers. GB300/GB200 "Contact us": nothing priced.
    l40s = parsed.filter(pl.col("sku").str.starts_with("NVIDIA L40S"))
    assert l40s.height == 4
    assert set(l40s["reject_reason"]) == {TEASER_REASON}
    assert parsed.filter(pl.col("sku").str.contains("GB[23]00")).is_empty()


def test_nebius_2026_page_future_prices_wait_for_their_date(real_capture) -> None:  # type: ignore[no-untyped-def]
    # "NVIDIA HGX H200 | 16 | 200 | $4.50 | $5.40" under "On-demand, GPU-hour | GPU-hour (Effective October 1, 2026)"
    before = real_capture("nebius-page", "provider-pages-2026/nebius.html")
    parsed, quotes, rejections = run(before)
    assert one(quotes, sku="NVIDIA HGX H200")["price_usd"] == d("4.50")
    assert "2026-10-01" in one(rejections, sku="NVIDIA HGX H200", price_native="5.40")["reason"]
    # Preemptible: "from $0.79" for every GPU.
    spot = parsed.filter(pl.col("pricing_type") == "spot")
    assert spot.height == 7
    assert set(spot["reject_reason"]) == {TEASER_REASON}
    # Fetched after the date, the announced price is the quote and the old one is superseded.
    after = real_capture("nebius-page", "provider-pages-2026/nebius.html", datetime(2026, 10, 2, tzinfo=UTC))
    _, quotes_after, rejections_after = run(after)
    assert one(quotes_after, sku="NVIDIA HGX H200")["price_usd"] == d("5.40")
    assert "superseded" in one(rejections_after, sku="NVIDIA HGX H200", price_native="4.50")["reason"]


# --- drift and shared helpers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "relative"),
    [
        ("lambda-page", "pricing-pages/nebius_20241115043809.html"),
        ("crusoe-page", "pricing-pages/hyperstack_20240822101707.html"),  # a GPU table, but with spec columns
        ("hyperstack-page", "pricing-pages/crusoe_20250521220413.html"),  # a GPU table, but not "GPU Model"
        ("datacrunch-page", "pricing-pages/lambda_20241103180910.html"),
        ("nebius-page", "provider-pages-2026/crusoe.html"),
        ("lambda-page", "provider-pages-2026/vast.json"),
        ("hyperstack-page", "provider-pages-2026/coreweave.html"),
    ],
)
def test_a_page_of_another_shape_is_schema_drift(real_capture, source: str, relative: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SchemaDrift):
        SOURCES[source].parse(real_capture(source, relative))


def test_sources_are_wired_to_their_provider_hosts() -> None:
    for source in SOURCES.values():
        assert source.product == "gpu_hour"
        for request in source.requests:
            assert request.url.startswith("https://")
            assert request.url.split("/")[2] in source.hosts


def test_money_reads_exact_amounts_and_currencies() -> None:
    assert money("$2.49") == ("2.49", "USD")
    assert money("$2.49/hr") == ("2.49", "USD")
    assert money("€1.20") == ("1.20", "EUR")
    assert money("2,49 €") == ("2.49", "EUR")
    assert money("$1,234.56 per month") == ("1234.56", "USD")
    assert money("1.234,56 €") == ("1234.56", "EUR")
    assert money("$ \u00a02.20 per Hour") == ("2.20", "USD")
    assert money("from $0.74**") == ("0.74", "USD")
    assert money("8x H100 80GB") is None
    assert money("Contact sales") is None


def test_wayback_time_and_observed_at() -> None:
    note = b"<!-- excerpt of https://web.archive.org/web/20241103180910id_/x\n (capture 20241103180910, CDX) -->\n<p>"
    assert wayback_time(note) == datetime(2024, 11, 3, 18, 9, 10, tzinfo=UTC)
    footer = b"<p>$1</p><!--\n FILE ARCHIVED ON 19:40:11 Sep 09, 2023 AND RETRIEVED FROM THE\n -->"
    assert wayback_time(footer) == datetime(2023, 9, 9, 19, 40, 11, tzinfo=UTC)
    assert wayback_time(b"<p>a capture 20241103180910 in the text is not an archive note</p>") is None
    archived = RawCapture(
        source="x", url="https://web.archive.org/web/20240101020304id_/https://a/", fetched_at=FETCHED, body=b"<p>"
    )
    assert page_time(archived) == datetime(2024, 1, 1, 2, 3, 4, tzinfo=UTC)
    assert page_time(RawCapture(source="x", url="https://a/", fetched_at=FETCHED, body=b"<p>")) == FETCHED


def test_pricing_type_words() -> None:
    assert pricing_type_of("On-Demand") == "on_demand"
    assert pricing_type_of("Current Spot") == pricing_type_of("Preemptible, GPU-hour") == "spot"
    assert pricing_type_of("6-month reserved") == "reserved_6m"
    assert pricing_type_of("1-year reserved") == commitment("12 months") == "reserved_1y"
    assert pricing_type_of("Reserve") == "reserved_unspecified"
    assert pricing_type_of("Pricing Per Hour") is None
