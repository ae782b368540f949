"""CoreWeave's pricing page (`coreweave-page`) on the real capture; values read from the HTML by eye."""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from pipeline.sources.pages.reader import read_by_meaning
from tests.helpers import RealCapture, absent, row, run


def test_coreweave_instance_prices_are_divided_by_gpu_count(real_capture: RealCapture) -> None:
    _, quotes, rejections = run(real_capture("coreweave-page", "provider-pages-2026/coreweave.html"))
    # HGX H100, 8 GPUs: $49.24 per instance-hour in both regions -> $6.155 per GPU-hour.
    for region in ("north_america", "europe"):
        q = row(quotes, sku="hgx-h100", region=region, pricing_type="on_demand")
        assert (q["good"], q["gpu_count"]) == ("H100-SXM-80GB", 8)
        assert q["price_native"] == Decimal("49.24")
        assert q["price_usd"] == Decimal("49.24") / 8 == Decimal("6.155")
    assert row(quotes, sku="hgx-h100", region="north_america", pricing_type="spot")["price_usd"] == Decimal("19.71") / 8
    assert row(quotes, sku="hgx-h100", region="europe", pricing_type="spot")["price_usd"] == Decimal("19.51") / 8
    # GB200 NVL72: "4^1" GPUs per instance at $42.00 -> $10.50.
    gb200 = row(quotes, sku="nvidia-gb200-nvl72", region="north_america")
    assert (gb200["good"], gb200["gpu_count"], gb200["price_usd"]) == ("GB200-186GB", 4, Decimal("10.50"))
    assert row(quotes, sku="hgx-h200", region="north_america", pricing_type="on_demand")["good"] == "H200-SXM-141GB"
    assert row(quotes, sku="nvidia-gh200", region="europe")["price_usd"] == Decimal("6.50")
    # HGX B300 on-demand says "Contact sales": no row; its spot $35.84 is a quote.
    assert absent(quotes, sku="nvidia-b300", pricing_type="on_demand")
    assert row(quotes, sku="nvidia-b300", region="north_america")["price_usd"] == Decimal("35.84") / 8
    # "Inference Single GPU Price" ($6.16 for H100) is for inference-platform customers only.
    inference = row(rejections, sku="hgx-h100:inference")
    assert (inference["price_native"], inference["rule"]) == ("6.16", "parser")
    # "NVIDIA A100" (80 GB) does not say SXM or PCIe.
    assert set(rejections.filter(pl.col("sku") == "nvidia-a100")["rule"]) == {"identity_ambiguous"}
    # CPU, storage and networking tables are not read.
    assert not quotes["label"].str.contains("AMD Genoa|Intel").any()


def test_coreweave_read_by_meaning_once_per_row_in_each_region(real_capture: RealCapture) -> None:
    """Each row prints its figures twice (desktop grid, mobile column): read once, in its own row and region."""
    frame = read_by_meaning(real_capture("coreweave-page", "provider-pages-2026/coreweave.html"), "coreweave")
    offered = {
        (r["region"], r["label"], r["pricing_type"], r["gpu_count"], r["price_native"])
        for r in frame.iter_rows(named=True)
        if r["reject_reason"] is None
    }
    # Read off the page: per instance-hour, GPUs per instance from the "GPU Count" column, VRAM per GPU.
    both = {
        ("NVIDIA GB200 NVL72 186GB", "on_demand", 4, "42.00"),
        ("NVIDIA HGX B200 180GB (SXM)", "on_demand", 8, "68.80"),
        ("NVIDIA RTX PRO 6000 Blackwell Server Edition (High Memory) 96GB", "on_demand", 8, "20.00"),
        ("NVIDIA RTX PRO 6000 Blackwell Server Edition (Standard Memory) 96GB", "spot", 8, "9.56"),
        ("NVIDIA GH200 96GB", "on_demand", 1, "6.50"),
        ("NVIDIA HGX H100 80GB (SXM)", "on_demand", 8, "49.24"),
        ("NVIDIA L40 48GB", "on_demand", 8, "10.00"),
        ("NVIDIA HGX H200 141GB (SXM)", "on_demand", 8, "50.44"),
        ("NVIDIA L40S 48GB", "on_demand", 8, "18.00"),
        ("NVIDIA A100 80GB", "on_demand", 8, "21.60"),
    }
    north_america = {
        ("NVIDIA HGX B300 270GB (SXM)", "spot", 8, "35.84"),
        ("NVIDIA HGX B200 180GB (SXM)", "spot", 8, "34.11"),
        ("NVIDIA RTX PRO 6000 Blackwell Server Edition (High Memory) 96GB", "spot", 8, "11.09"),
        ("NVIDIA HGX H100 80GB (SXM)", "spot", 8, "19.71"),
        ("NVIDIA L40 48GB", "spot", 8, "6.27"),
        ("NVIDIA HGX H200 141GB (SXM)", "spot", 8, "20.93"),
        ("NVIDIA L40S 48GB", "spot", 8, "7.88"),
        ("NVIDIA A100 80GB", "spot", 8, "9.65"),
    }
    europe = {
        ("NVIDIA HGX B300 270GB (SXM)", "spot", 8, "36.70"),
        ("NVIDIA HGX B200 180GB (SXM)", "spot", 8, "34.87"),
        ("NVIDIA RTX PRO 6000 Blackwell Server Edition (High Memory) 96GB", "spot", 8, "11.01"),
        ("NVIDIA HGX H100 80GB (SXM)", "spot", 8, "19.51"),
        ("NVIDIA HGX H200 141GB (SXM)", "spot", 8, "20.64"),
        ("NVIDIA A100 80GB", "spot", 8, "9.51"),
    }
    assert offered == {("north_america", *o) for o in both | north_america} | {("europe", *o) for o in both | europe}
    # "Inference Single GPU Price" (North America only): the inference platform's, refused with its reason
    # (GH200's is the same $6.50 per GPU as its on-demand price, one figure said twice: read once).
    refused = frame.filter(pl.col("reject_reason").is_not_null())
    assert set(refused["price_native"]) == {"10.50", "8.60", "2.50", "6.16", "1.25", "6.31", "2.25", "2.70"}
    assert set(refused["region"]) == {"north_america"}
    assert refused["reject_reason"].str.contains("managed service").all()
