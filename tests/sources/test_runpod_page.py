"""RunPod's pricing page (`runpod-page`) in its three shapes, on the real archived captures; values read by eye."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import polars as pl

from pipeline.sources.pages.embedded import RANGE_REASON, ZERO_REASON
from pipeline.sources.pages.reader import read_by_meaning
from pipeline.sources.pages.wording import TEASER_REASON
from tests.helpers import RealCapture, row, run


def test_runpod_page_2023_next_data(real_capture: RealCapture) -> None:
    _, quotes, rejections = run(real_capture("runpod-page", "pricing-pages/runpod_20230929070808.html"))
    # "H100 80GB SXM5": secure 4.49, community 4.09, community spot 2.49.
    h100 = quotes.filter(pl.col("sku") == "NVIDIA H100 80GB HBM3")
    assert set(h100["good"]) == {"H100-SXM-80GB"}
    assert row(h100, region="secure_cloud", pricing_type="on_demand")["price_usd"] == Decimal("4.49")
    assert row(h100, region="community_cloud", pricing_type="on_demand")["price_usd"] == Decimal("4.09")
    assert row(h100, region="community_cloud", pricing_type="spot")["price_usd"] == Decimal("2.49")
    assert row(quotes, sku="NVIDIA A100 80GB PCIe", region="secure_cloud")["good"] == "A100-PCIE-80GB"
    # A100 SXM 80GB has communityCloud false: its communityPrice 1.69 is not an offer.
    sxm = row(rejections, sku="NVIDIA A100-SXM4-80GB", price_native="1.69")
    assert "communityCloud is false" in sxm["reason"]
    assert row(quotes, sku="NVIDIA A100-SXM4-80GB", region="secure_cloud")["good"] == "A100-SXM-80GB"
    # L40 has 1/3/6-month prices 1.08 / 1.02 / 0.97.
    assert row(quotes, sku="NVIDIA L40", pricing_type="reserved_1m")["price_usd"] == Decimal("1.08")
    assert row(quotes, sku="NVIDIA L40", pricing_type="reserved_6m")["price_usd"] == Decimal("0.97")
    # RTX 3080 securePrice 0: not offered, never a $0 quote.
    assert row(rejections, sku="NVIDIA GeForce RTX 3080", price_native="0")["reason"] == (
        "not offered on secure_cloud (securePrice is 0)"
    )


def test_runpod_page_2025_price_attributes(real_capture: RealCapture) -> None:
    _, quotes, rejections = run(real_capture("runpod-page", "pricing-pages/runpod_20250909131230.html"))
    h200 = row(quotes, sku="H200", region="secure_cloud")
    assert (h200["good"], h200["price_usd"]) == ("H200-SXM-141GB", Decimal("3.79"))
    assert row(quotes, sku="H200", region="community_cloud")["price_usd"] == Decimal("3.59")
    assert row(quotes, sku="H100 NVL", region="secure_cloud")["good"] == "H100-NVL-94GB"
    assert row(quotes, sku="H100 PCIe", region="community_cloud")["price_usd"] == Decimal("1.99")
    assert row(quotes, sku="B200", region="community_cloud")["price_usd"] == Decimal("5.98")
    assert set(quotes.filter(pl.col("sku") == "H100 SXM")["good"]) == {"H100-SXM-80GB"}
    assert quotes.height == 10 and rejections.height == 0


def test_runpod_page_2026_json_ld(real_capture: RealCapture) -> None:
    parsed, quotes, rejections = run(real_capture("runpod-page", "pricing-pages/runpod_20260810082317.html"))
    b300 = quotes.filter(pl.col("label") == "B300")
    assert set(b300["good"]) == {"B300-SXM-288GB"}
    assert row(b300, region="community_cloud")["price_usd"] == Decimal("6.94")
    assert row(b300, region="secure_cloud")["price_usd"] == Decimal("7.39")
    assert row(quotes, label="H100 SXM", region="secure_cloud")["price_usd"] == Decimal("2.99")
    assert row(quotes, label="L4", region="secure_cloud")["price_usd"] == Decimal("0.39")
    # "Rent H100 80GB from $1.99/hr" in the page description: a teaser, not a quote.
    teaser = row(rejections, label="H100 80GB")
    assert (teaser["price_native"], teaser["reason"]) == ("1.99", TEASER_REASON)
    # "A100 SXM" / "A100 PCIe" without memory stay ambiguous.
    assert set(rejections.filter(pl.col("label").str.starts_with("A100"))["rule"]) == {"identity_ambiguous"}
    assert parsed.filter(pl.col("reject_reason").is_null()).height == 38  # 19 GPUs x 2 clouds


# --- read by meaning: the figures the page keeps in JSON and data attributes --------------------------


def meaning(real_capture: RealCapture, relative: str) -> pl.DataFrame:
    return read_by_meaning(real_capture("runpod-page", relative), "runpod")


def offered(frame: pl.DataFrame) -> set[tuple[object, ...]]:
    return {
        (r["label"], r["region"], r["pricing_type"], r["price_native"])
        for r in frame.iter_rows(named=True)
        if r["reject_reason"] is None
    }


def test_runpod_2026_json_ld_read_by_meaning(real_capture: RealCapture, realdata: Path) -> None:
    # Each Product's own sentence says it: "On-demand B300 cloud GPU rental on Runpod. Community Cloud
    # $6.94/hr, Secure Cloud $7.39/hr." (read here from the page text, not by the reader).
    text = (realdata / "pricing-pages/runpod_20260810082317.html").read_text()
    said = re.findall(
        r"On-demand (.+?) cloud GPU rental on Runpod\. Community Cloud \$([\d.]+)/hr, Secure Cloud \$([\d.]+)/hr", text
    )
    assert len(said) == 19
    frame = meaning(real_capture, "pricing-pages/runpod_20260810082317.html")
    assert offered(frame) == {
        (gpu, cloud, "on_demand", price)
        for gpu, community, secure in said
        for cloud, price in (("community_cloud", community), ("secure_cloud", secure))
    }
    # The AggregateOffer's lowPrice / highPrice bound a range: refused, never an offer.
    assert set(frame.filter(pl.col("reject_reason").is_not_null())["reject_reason"]) == {RANGE_REASON}


def test_runpod_2025_data_attributes_read_by_meaning(real_capture: RealCapture) -> None:
    frame = meaning(real_capture, "pricing-pages/runpod_20250909131230.html")
    # data-secure-cloud-price / data-community-cloud-price; the visible "$0/s" is a placeholder, never a price.
    # (The excerpt starts inside H200's row, cut before the row that holds its name and figures: not read.)
    assert offered(frame) == {
        (gpu, cloud, "on_demand", price)
        for gpu, secure, community in (
            ("B200 180GB", "5.99", "5.98"),
            ("H100 NVL 94GB", "2.79", "2.59"),
            ("H100 PCIe 80GB", "2.39", "1.99"),
            ("H100 SXM 80GB", "2.69", "2.69"),
        )
        for cloud, price in (("secure_cloud", secure), ("community_cloud", community))
    }
    assert "0" not in set(frame["price_native"])


def test_runpod_2023_next_data_read_by_meaning(real_capture: RealCapture) -> None:
    frame = meaning(real_capture, "pricing-pages/runpod_20230929070808.html")
    got = offered(frame)
    # "H100 80GB SXM5" (id "NVIDIA H100 80GB HBM3"): secure 4.49, community 4.09, community spot 2.49. The label keeps
    # the memory's kind (HBM3: H100's SXM part), a word of the variant.
    h100 = "NVIDIA H100 80GB HBM3 SXM5"
    assert {o for o in got if o[0] == h100} == {
        (h100, "secure_cloud", "on_demand", "4.49"),
        (h100, "community_cloud", "on_demand", "4.09"),
        (h100, "community_cloud", "spot", "2.49"),
    }
    # L40: 1/3/6-month prices 1.08 / 1.02 / 0.97 (oneMonthPrice, threeMonthPrice, sixMonthPrice).
    assert {(o[2], o[3]) for o in got if o[0] == "NVIDIA L40" and o[2].startswith("reserved")} == {
        ("reserved_1m", "1.08"),
        ("reserved_3m", "1.02"),
        ("reserved_6m", "0.97"),
    }
    refused = {(r["label"], r["price_native"]): r["reject_reason"] for r in frame.iter_rows(named=True)}
    # A100 SXM has "communityCloud": false: its communityPrice 1.69 is refused with that reason.
    assert refused["NVIDIA A100-SXM4-80GB", "1.69"] == "not offered (communityCloud is false)"
    # RTX 3080 "securePrice": 0 is no $0 offer; 3090 and 3090 Ti stay apart.
    zeros = [r["reject_reason"] for r in frame.iter_rows(named=True) if r["price_native"] == "0"]
    assert zeros and set(zeros) == {ZERO_REASON}
    assert {"NVIDIA GeForce RTX 3090", "NVIDIA GeForce RTX 3090 Ti"} <= {o[0] for o in got}
    assert set(frame["currency"]) == {"USD"}
