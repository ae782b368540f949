"""A GPU priced without its host (`pages.components`, page parsers v4): refused with the page's words, never read as
the price of a rentable GPU-hour. The shapes are those of CoreWeave's and Fluidstack's 2023 "a la carte" pages (the
Fluidstack one is a real capture: test_fluidstack_page.py)."""

from __future__ import annotations

import polars as pl
import pytest

from pipeline.domain.records import RawCapture
from pipeline.sources import REGISTRY
from pipeline.sources.pages.components import host_billed_apart
from tests.helpers import FETCHED

# CoreWeave's 2023 grid: GPU model, VRAM, max vCPUs and RAM per GPU, then "GPU Component Cost Per Hour".
A_LA_CARTE = (
    "<title>CoreWeave GPU Cloud Pricing</title><div class='table-head'><div>GPU Model</div><div>VRAM (GB)</div>"
    "<div>Max vCPUs per GPU</div><div>Max RAM (GB) per GPU</div><div>GPU Component<br/>Cost Per Hour</div></div>"
    "<div class='table-body'>"
    "<div class='row'><div><a href='#'>NVIDIA HGX H100</a></div><div>80</div><div>48</div><div>256</div>"
    "<div><strong>$4.76</strong></div></div>"
    "<div class='row'><div><a href='#'>NVIDIA H100 PCIe</a></div><div>80</div><div>48</div><div>256</div>"
    "<div><strong>$4.25</strong></div></div></div>"
)


def parse(html: str, source: str = "coreweave-page", version: str | None = None) -> pl.DataFrame:
    capture = RawCapture(source=source, url="https://www.coreweave.com/gpu-cloud-pricing", fetched_at=FETCHED,
                         body=html.encode())  # fmt: skip
    return REGISTRY[source].parser(version or REGISTRY[source].parser_version)(capture)


def test_a_gpu_component_price_is_refused_saying_why() -> None:
    parsed = parse(A_LA_CARTE)
    assert set(parsed["price_native"]) == {"4.76", "4.25"}
    assert parsed["reject_reason"].str.contains("bills the host apart ('GPU Component Cost')", literal=True).all()
    # Parser v3 read them as on-demand GPU-hours; the quotes it stored re-derive with it, unchanged.
    assert parse(A_LA_CARTE, version="3")["reject_reason"].is_null().all()


def test_a_machines_price_on_such_a_page_is_left_as_read() -> None:
    """CoreWeave's later pages keep the a-la-carte card below an instance table: a machine of 8, or of 1 (GH200,
    priced per GPU since the machine has one), is rented whole, host included."""
    instances = (
        "<h2>On-demand GPU instances</h2><table><tr><th>GPU Model</th><th>GPU Count</th><th>VRAM (GB)</th>"
        "<th>vCPUs</th><th>Instance Price Per Hour</th></tr>"
        "<tr><td>NVIDIA HGX H100</td><td>8</td><td>80</td><td>128</td><td>$49.24</td></tr>"
        "<tr><td>NVIDIA GH200</td><td>1</td><td>96</td><td>72</td><td>$6.50</td></tr></table>"
    )
    parsed = parse(instances + A_LA_CARTE)
    read = parsed.filter(pl.col("reject_reason").is_null())
    assert sorted(zip(read["price_per"], read["price_native"], strict=True)) == [
        ("gpu_hour", "6.50"),
        ("instance_hour", "49.24"),
    ]
    assert set(parsed.filter(pl.col("reject_reason").is_not_null())["price_native"]) == {"4.76", "4.25"}


@pytest.mark.parametrize(
    ("text", "evidence"),
    [
        ("<div>GPU Component<br/>Cost Per Hour</div>", "GPU Component Cost"),
        ("<th>GPU component price</th>", "GPU component price"),
        ("<div>Max vCPUs per GPU ($0.01/hr)</div>", "vCPUs per GPU ($0.01/hr)"),
        ("<div>Max RAM (GB) per GPU ($0.005/hr)</div>", "RAM (GB) per GPU ($0.005/hr)"),
        ("<td>CPU cores per GPU (US$0.02 per hour)</td>", "CPU cores per GPU (US$0.02 per hour)"),
        ("<div>Max vCPUs per GPU ($0.01 USD/hr)</div>", "vCPUs per GPU ($0.01 USD/hr)"),  # a code after the figure
        # a label or another figure in the brackets too
        (
            "<div>Max vCPUs per GPU (Linux: $0.01/hr, Windows: $0.02/hr)</div>",
            "vCPUs per GPU (Linux: $0.01/hr, Windows: $0.02/hr)",
        ),
        ("<table><tr><td>vCPU</td><td>$ 0.01 per GPU/hour</td></tr></table>", "vCPU $ 0.01 per GPU/hour"),
        # The host billed by another unit of time is billed apart all the same.
        ("<div>Max vCPUs per GPU ($0.000167/min)</div>", "vCPUs per GPU ($0.000167/min)"),
        ("<div>Max RAM (GB) per GPU ($3.65 per month)</div>", None),  # not a unit's price: over ten cents
        ("<div>Max RAM (GB) per GPU ($0.05 monthly)</div>", "RAM (GB) per GPU ($0.05 monthly)"),
        ("<table><tr><td>vCPU</td><td>$ 0.0002 per GPU/min</td></tr></table>", "vCPU $ 0.0002 per GPU/min"),
        ("<div>Max vCPUs per GPU ($0.01 as listed)</div>", None),  # "as" is no unit of time
        # A CPU-only machine's resources priced on the same page say nothing of the GPUs' prices (Nebius).
        ("<table><tr><td>vCPU</td><td>$0.012/hour</td></tr><tr><td>RAM</td><td>$0.003/hr</td></tr></table>", None),
        ("<td>CPU cores (US$0.02 per hour)</td>", None),
        # A whole rental's words, a CPU-only machine's price and an H100's own memory say nothing of the kind.
        ("<td>16 vCPUs</td><td>$2.49/hr</td>", None),
        ("<table><tr><td>180 GB RAM</td><td>$ 2.40 per GPU/hour</td></tr></table>", None),
        ("<table><tr><td>8 vCPUs per GPU</td><td>($2.40/hr)</td></tr></table>", None),
        ("<td>8x H100, 208 vCPUs, 1800 GiB RAM</td><td>$23.92/hr</td>", None),
        ("<th>CPU Model</th><td>AMD Genoa, 96 vCPUs</td><td>$3.84/hr</td>", None),
        ("<td>H100 SXM (80 GB memory)</td><td>$2.99/hr</td>", None),
        ("<p>Each GPU component is tested before delivery.</p>", None),
        ("", None),  # a page of no text at all (its prices in a script's JSON)
        (
            "<p>Are GPU component costs included? Yes: every price on this page is the whole machine's, with its "
            "vCPUs, memory and local storage, billed by the second.</p>",
            None,
        ),
    ],
)
def test_what_says_the_host_is_billed_apart(text: str, evidence: str | None) -> None:
    capture = RawCapture("coreweave-page", "https://www.coreweave.com/", FETCHED, f"<div>{text}</div>".encode())
    assert host_billed_apart(capture) == evidence
