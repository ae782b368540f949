"""Page shapes of supported providers at dates `../shared/realdata` holds no capture of, as their archived pages show
them (the layouts a public archive of these pages documents: Lambda's tab strip from December 2025, DataCrunch's
2023-24 instance tables, RunPod's 2024 cards). Small documents in each shape, read by the registered source as
`cix parse` reads a page, then normalised: every printed price right, or refused with a reason."""

from __future__ import annotations

from decimal import Decimal

from pipeline.domain.records import RawCapture
from pipeline.sources import REGISTRY
from tests.helpers import FETCHED, normalise


def read(source: str, html: str) -> tuple[set[tuple[object, ...]], set[str]]:
    """(good, pricing type, segment, GPUs priced, price per GPU-hour) of each quote; the rejections' reasons."""
    capture = RawCapture(source, REGISTRY[source].requests[0].url, FETCHED, html.encode())
    quotes, rejections = normalise(REGISTRY[source].parse(capture), capture)
    offered = {
        (r["good"], r["pricing_type"], r["segment"], r["gpu_count"], r["price_usd"].normalize())
        for r in quotes.iter_rows(named=True)
    }
    return offered, set(rejections["reason"])


def test_lambda_2026_one_table_per_tab_of_machine_sizes() -> None:
    """From December 2025 the rows name only the GPU; the tab strip (8x | 1x) says the machine, and every panel is
    in the page (the inactive ones hidden by the stylesheet alone). Prices are per GPU-hour in each."""

    def panel(i: int, active: bool, h100: str, b200: str) -> str:
        shown = " _active_ywv0y_32" if active else ""
        return (
            f'<div role="tabpanel" id="tabpanel-{i}" aria-labelledby="tab-{i}" class="_tabPanel_ywv0y_48{shown}">'
            "<table><thead><tr><th></th><th>VRAM/GPU</th><th>vCPUs</th><th>PRICE/GPU/HR*</th></tr></thead><tbody>"
            f"<tr><th>NVIDIA B200 SXM6</th><td>180 GB</td><td>208</td><td>${b200}</td></tr>"
            f"<tr><th>NVIDIA H100 SXM</th><td>80 GB</td><td>208</td><td>${h100}</td></tr>"
            "</tbody></table></div>"
        )

    tabs = (
        '<div role="tablist"><button role="tab" aria-selected="true" aria-controls="tabpanel-0" id="tab-0">8x</button>'
        '<button role="tab" aria-selected="false" aria-controls="tabpanel-1" id="tab-1">1x</button></div>'
    )
    page = (
        "<!-- https://web.archive.org/web/20260109103934id_/https://lambda.ai/pricing -->"
        f"<h2>Instances pricing</h2>{tabs}<div>{panel(0, True, '2.99', '4.99')}{panel(1, False, '3.29', '5.29')}</div>"
        '<p class="table-footer">* plus applicable sales tax</p>'
    )
    offered, _ = read("lambda-page", page)
    assert offered == {
        ("H100-SXM-80GB", "on_demand", "standard", 1, Decimal("2.99")),
        ("H100-SXM-80GB", "on_demand", "standard", 1, Decimal("3.29")),
        ("B200-SXM-180GB", "on_demand", "standard", 1, Decimal("4.99")),
        ("B200-SXM-180GB", "on_demand", "standard", 1, Decimal("5.29")),
    }


def test_datacrunch_2023_instance_tables_price_the_whole_instance() -> None:
    """datacrunch.io/products: one table per GPU, the instance name's leading number its GPU count, "VRAM" the
    machine's total, prices per instance-hour under on-demand, 6-month and 2-year columns."""
    page = (
        "<title>DataCrunch products</title><h2>NVIDIA H100 SXM5 80GB</h2><table><thead><tr><th>Instance name</th>"
        "<th>GPU model</th><th>GPU</th><th>CPU</th><th>RAM</th><th>VRAM</th><th>On demand price</th>"
        "<th>6-month price</th><th>2-year price</th></tr></thead><tbody>"
        "<tr><td>1H100.80S.22V</td><td>H100 SXM5 80GB</td><td>1</td><td>22</td><td>187</td><td>80</td>"
        "<td>$3.17/h</td><td>$2.85/h</td><td>$2.54/h</td></tr>"
        "<tr><td>8H100.80S.176V</td><td>H100 SXM5 80GB</td><td>8</td><td>176</td><td>1480</td><td>640</td>"
        "<td>$25.36/h</td><td>$22.82/h</td><td>$20.29/h</td></tr></tbody></table>"
    )
    offered, refused = read("datacrunch-page", page)
    assert offered == {
        ("H100-SXM-80GB", "on_demand", "standard", 1, Decimal("3.17")),
        ("H100-SXM-80GB", "reserved_6m", "standard", 1, Decimal("2.85")),
        ("H100-SXM-80GB", "reserved_2y", "standard", 1, Decimal("2.54")),
        ("H100-SXM-80GB", "on_demand", "standard", 8, Decimal("3.17")),  # 25.36 / 8
        ("H100-SXM-80GB", "reserved_6m", "standard", 8, Decimal("2.8525")),
        ("H100-SXM-80GB", "reserved_2y", "standard", 8, Decimal("2.53625")),
    }
    assert not refused


def test_runpod_2024_cards_name_the_cloud_after_each_price() -> None:
    """A card per GPU: "$2.99/hr Secure Cloud", "$2.69/hr Community Cloud", and a "Starting from" teaser above."""
    card = (
        "<div class='card'><p>Starting from {low}/hr</p><h3>{gpu}</h3><p>80GB VRAM</p><p>16 vCPUs</p>"
        "<div><span>{secure}/hr</span><span>Secure Cloud</span></div>"
        "<div><span>{low}/hr</span><span>Community Cloud</span></div></div>"
    )
    page = "<title>Runpod GPU pricing</title>" + "".join(
        card.format(gpu=gpu, secure=secure, low=low)
        for gpu, secure, low in (("H100 SXM", "$2.99", "$2.69"), ("H100 PCIe", "$2.39", "$1.99"))
    )
    offered, refused = read("runpod-page", page)
    assert offered == {
        ("H100-SXM-80GB", "on_demand", "standard", 1, Decimal("2.99")),
        ("H100-SXM-80GB", "on_demand", "community", 1, Decimal("2.69")),
        ("H100-PCIE-80GB", "on_demand", "standard", 1, Decimal("2.39")),
        ("H100-PCIE-80GB", "on_demand", "community", 1, Decimal("1.99")),
    }
    assert any("teaser" in reason for reason in refused)
