"""Google Cloud's GPU pricing page (`gcp-page`) on the real capture; values read from the HTML by eye."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import polars as pl

from pipeline.domain.records import RawCapture
from pipeline.sources.gcp_page import UNNAMED_MACHINE_REASON
from pipeline.sources.pages.reader import read_by_meaning
from tests.helpers import FETCHED, RealCapture, absent, row, run


def test_gcp_page_vm_prices_per_gpu(real_capture: RealCapture) -> None:
    _, quotes, rejections = run(real_capture("gcp-page", "provider-pages-2026/gcp.html"))
    a3 = quotes.filter(pl.col("sku") == "a3-highgpu-8g")
    assert set(a3["good"]) == {"H100-SXM-80GB"} and set(a3["gpu_count"]) == {8}
    assert row(a3, pricing_type="on_demand")["price_usd"] == Decimal("88.490000119") / 8
    assert row(a3, pricing_type="spot")["price_usd"] == Decimal("52.962296548") / 8
    assert row(a3, pricing_type="reserved_1y")["price_usd"] == Decimal("61.383674231") / 8
    assert row(a3, pricing_type="reserved_3y")["price_usd"] == Decimal("38.864383195") / 8
    assert row(quotes, sku="a3-ultragpu-8g", pricing_type="on_demand")["good"] == "H200-SXM-141GB"
    assert row(quotes, sku="a2-ultragpu-1g", pricing_type="on_demand")["good"] == "A100-SXM-80GB"
    a2 = row(quotes, sku="a2-highgpu-1g", pricing_type="on_demand")
    assert (a2["good"], a2["price_usd"]) == ("A100-SXM-40GB", Decimal("3.673385"))
    g2 = row(quotes, sku="g2-standard-4", pricing_type="on_demand")
    assert (g2["good"], g2["price_usd"]) == ("L4-24GB", Decimal("0.706832276"))
    assert row(quotes, sku="g2-standard-4", pricing_type="reserved_1y_flexible")["price_usd"] == Decimal("0.558397485")
    # A4 on-demand is "N/A": no row; its DWS Flex-start $64.44 is recorded but rejected.
    assert absent(quotes, sku="a4-highgpu-8g", pricing_type="on_demand")
    assert "Dynamic Workload Scheduler" in row(rejections, sku="a4-highgpu-8g", price_native="64.4400")["reason"]
    assert absent(quotes, pricing_type="dws_flex_start") and absent(quotes, pricing_type="dws_calendar")
    # Page quirks: a spot cell reading "g2-standard-24-spot", "$2 .0000/ 1 hour", fractional GPUs.
    assert "not a '$X / 1 hour' amount" in row(rejections, price_native="g2-standard-24-spot")["reason"]
    g4 = rejections.filter(pl.col("sku") == "g4-standard-6", ~pl.col("reason").str.contains("Dynamic Workload"))
    assert g4.height == 6 and g4["reason"].str.contains("1/8 GPUs").all()
    assert absent(quotes, sku="g4-standard-6")
    assert row(quotes, sku="g4-standard-48", pricing_type="on_demand")["price_usd"] == Decimal("4.49993")


# Read off the page: machine type -> (GPUs, {pricing type: price per VM-hour}). Columns: Price (on-demand),
# Compute Flexible CUD 1y/3y (G4/G2 tables), Current Spot, Compute Resource CUDs 1y/3y. "N/A", "-" and the
# spot cell "g2-standard-24-spot" are no price; DWS Flex-start / Calendar Mode are refused (below).
TYPES = ("on_demand", "reserved_1y_flexible", "reserved_3y_flexible", "spot", "reserved_1y", "reserved_3y")
GCP_2026 = {
    "a4-highgpu-8g": ("Nvidia B200", "B200 SXM 180GB", 8, (None, None, None, "39.6336", "88.9272", "56.7072")),
    "a3-ultragpu-8g": (
        "Nvidia H200",
        "H200 SXM 141GB",
        8,
        ("84.806908493", None, None, "50.874449096", "58.471933151", "37.208420822"),
    ),
    "a3-megagpu-8g": (
        "Nvidia H100",
        "H100 SXM 80GB (Mega)",
        8,
        ("93.400712807", None, None, "55.894488548", "64.206558727", "40.650103355"),
    ),
    "a3-highgpu-8g": (
        "Nvidia H100",
        "H100 SXM 80GB",
        8,
        ("88.490000119", None, None, "52.962296548", "61.383674231", "38.864383195"),
    ),
    "a2-ultragpu-1g": (
        "Nvidia A100",
        "A100 SXM4 80GB",
        1,
        ("5.06879789", None, None, "3.041237534", "4.199690411", "3.499997559"),
    ),
    "a2-ultragpu-2g": ("Nvidia A100", "A100 SXM4 80GB", 2, ("10.137595781", None, None, "6.082475068", None, None)),
    "a2-ultragpu-4g": ("Nvidia A100", "A100 SXM4 80GB", 4, ("20.275191562", None, None, "12.164950137", None, None)),
    "a2-ultragpu-8g": ("Nvidia A100", "A100 SXM4 80GB", 8, ("40.550383123", None, None, "24.329900274", None, None)),
    "a2-highgpu-1g": (
        "Nvidia A100",
        "A100 SXM4 40GB",
        1,
        ("3.673385", None, None, "2.20401", "2.31420704", "1.285708338"),
    ),
    "a2-highgpu-2g": (
        "Nvidia A100",
        "A100 SXM4 40GB",
        2,
        ("7.34677", None, None, "4.40802", "4.62841408", "2.571416676"),
    ),
    "a2-highgpu-4g": (
        "Nvidia A100",
        "A100 SXM4 40GB",
        4,
        ("14.69354", None, None, "8.81604", "9.25682816", "5.142833352"),
    ),
    "a2-highgpu-8g": (
        "Nvidia A100",
        "A100 SXM4 40GB",
        8,
        ("29.38708", None, None, "17.63208", "18.51365632", "10.285666704"),
    ),
    "a2-megagpu-16g": (
        "Nvidia A100",
        "A100 SXM4 40GB",
        16,
        ("55.739504", None, None, "33.44304", "35.11547264", "19.509200064"),
    ),
    "g4-standard-48": (
        "NVIDIA RTX PRO 6000",
        None,
        1,
        ("4.49993", "3.7799412", "2.6099594", "1.68338", "3.105", "1.97945"),
    ),
    "g4-standard-96": (
        "NVIDIA RTX PRO 6000",
        None,
        2,
        ("8.99986", "7.5598824", "5.2199188", "3.36676", "6.21", "3.9589"),
    ),
    "g4-standard-192": (
        "NVIDIA RTX PRO 6000",
        None,
        4,
        ("17.99972", "15.1197648", "10.4398376", "6.73352", "12.42", "7.9178"),
    ),
    "g4-standard-384": (
        "NVIDIA RTX PRO 6000",
        None,
        8,
        ("35.99944", "30.2395296", "20.8796752", "13.46704", "24.84", "15.8356"),
    ),
    **{
        f"g2-standard-{size}": ("NVIDIA L4", "L4 24GB", gpus, prices)
        for size, gpus, prices in (
            (4, 1, ("0.706832276", "0.558397485", "0.402894397", "0.424056", "0.445304335", "0.318074524")),
            (8, 1, ("0.853624312", "0.674363181", "0.486565857", "0.512112", "0.537783319", "0.38413094")),
            (12, 1, ("1.000416348", "0.790328877", "0.570237317", "0.600168", "0.630262303", "0.450187356")),
            (16, 1, ("1.147208384", "0.906294573", "0.653908777", "0.688224", "0.722741287", "0.516243772")),
            (24, 2, ("2.000832696", "1.580657754", "1.140474634", None, "1.260524606", "0.900374712")),
            (32, 1, ("1.734376528", "1.370157357", "0.988594617", "1.040448", "1.092657223", "0.780469436")),
            (48, 4, ("4.001665392", "3.161315508", "2.280949268", "2.400672", "2.521049212", "1.800749424")),
            (96, 8, ("8.003330784", "6.322631016", "4.561898536", "4.801344", "5.042098424", "3.601498848")),
        )
    },
}


def test_gcp_page_read_by_meaning(real_capture: RealCapture) -> None:
    """Machine types give the GPU and its count (the page's "Memory" is the VM's); DWS is never on-demand."""
    frame = read_by_meaning(real_capture("gcp-page", "provider-pages-2026/gcp.html"), "gcp", "hyperscaler")
    offered = {
        (r["label"], r["pricing_type"], r["gpu_count"], r["price_native"])
        for r in frame.iter_rows(named=True)
        if r["reject_reason"] is None
    }
    assert offered == {
        (f"{gpu} ({machine}: {spec})" if spec else gpu, kind, gpus, price)
        for machine, (gpu, spec, gpus, prices) in GCP_2026.items()
        for kind, price in zip(TYPES, prices, strict=True)
        if price is not None
    }
    assert frame.filter(pl.col("gpu_memory_gb") > 180).is_empty()  # "Memory: 1,872GB" is the VM's
    refused = frame.filter(pl.col("reject_reason").is_not_null())
    dws = refused.filter(pl.col("reject_reason").str.contains("Dynamic Workload Scheduler"))
    assert set(dws["pricing_type"]) == {"dws_flex_start", "dws_calendar"}
    # A4's DWS prices ($64.4400 flex-start, $90.22 calendar mode) are refused, never taken as on-demand.
    assert {"64.4400", "90.22"} <= set(dws["price_native"])
    assert absent(frame.filter(pl.col("reject_reason").is_null()), price_native="64.4400")
    # g4-standard-6/12/24 have "GPUs: 1/8", "1/4", "1/2": a fraction of a GPU, refused.
    fractions = refused.filter(pl.col("reject_reason").str.contains("of a GPU"))
    assert fractions.height == 3 * 6 and set(fractions["gpu_count"]) == {1}


def test_a_priced_row_whose_machine_type_is_unreadable_is_refused(realdata: Path) -> None:
    """A machine-type cell with more in it than the type ("a3-highgpu-8g <span>New</span>"): no family title (those
    carry no prices), so the row is refused with its figure and why, never passed over."""
    text = (realdata / "provider-pages-2026/gcp.html").read_text()
    cell = re.search(r"(<td[^>]*>(?:<p>)?)a3-highgpu-8g((?:</p>)?</td>)", text)
    assert cell is not None
    badged = text[: cell.start()] + f"{cell.group(1)}a3-highgpu-8g <span>New</span>{cell.group(2)}" + text[cell.end() :]
    page = RawCapture("gcp-page", "https://cloud.google.com/compute/gpus-pricing", FETCHED, badged.encode())
    _, quotes, rejections = run(page)
    assert absent(quotes, sku="a3-highgpu-8g")
    refused = row(rejections, sku="a3-highgpu-8g New")
    assert refused["reason"] == UNNAMED_MACHINE_REASON.format(cell="a3-highgpu-8g New")
    assert Decimal(refused["price_native"]) == Decimal("88.490000119")
