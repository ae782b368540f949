"""Prices in tab panels a page shows only when their tab is clicked (page parsers v5).

Lambda's pricing page of mid-2026 (a held-out capture, not in `../shared`) renders its instance table once per machine
size, "8x | 4x | 2x | 1x", every panel but the first with the `hidden` attribute. Page parsers v4 left every hidden
panel out: the layout reader read the 8x table, and 17 printed prices (GH200, H100 PCIe, A10 and others only offered
in smaller machines) were neither read nor refused. v5 reads each panel a tab of the page names, typed by that tab; a
hidden panel no tab names stays out, and a figure whose own column contradicts its tab is refused. No real page in
`../shared` has tab panels, so v5 reads every one of them as v4 did (the last test).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pipeline.sources import REGISTRY
from pipeline.sources.pages.nearest import TAB_CONTRADICTS_REASON
from tests.helpers import FETCHED, RealCapture
from tests.sources.test_page_captures import CAPTURES
from tests.sources.test_pages_meaning import page

TABLE = (
    "<table><thead><tr><th></th><th>VRAM/GPU</th><th>vCPUs</th><th>PRICE/GPU/HR*</th></tr></thead><tbody>{}</tbody>"
    "</table>"
)
ROW = "<tr><th>NVIDIA {}</th><td>{} GB</td><td>{}</td><td>${}</td></tr>"


def tabbed(panels: dict[str, str], tie: str = "aria-labelledby", hide: str = " hidden") -> str:
    """A pricing section in Lambda's 2026 markup: one tab button per panel, the first selected and shown, the
    others hidden (`hide`); tied to their tabs by the panel's `aria-labelledby` (or by nothing, `tie=""`)."""
    buttons = "".join(
        f'<button role="tab" aria-selected="{str(i == 0).lower()}" aria-controls="{"p" if tie else "x"}{i}" '
        f'id="t{i}">{name}</button>'
        for i, name in enumerate(panels)
    )
    bodies = "".join(
        f'<div role="tabpanel" id="{"p" if tie else "q"}{i}"'
        + (f' {tie}="t{i}"' if tie else "")
        + f' class="panel{" active" if i == 0 else ""}"{"" if i == 0 else hide}>{table}</div>'
        for i, table in enumerate(panels.values())
    )
    return (
        "<html><head><title>GPU Cloud Pricing | Lambda</title></head><body><h2>Instances pricing</h2>"
        f'<div role="tablist">{buttons}</div><div>{bodies}</div><p>* plus applicable sales tax</p></body></html>'
    )


SIZES = {
    "8x": TABLE.format(ROW.format("H100 SXM", 80, 208, "2.99") + ROW.format("A100 SXM", 80, 240, "1.79")),
    "4x": TABLE.format(ROW.format("H100 SXM", 80, 104, "3.09") + ROW.format("A100 PCIe", 40, 120, "1.29")),
    "1x": TABLE.format(ROW.format("GH200", 96, 64, "1.49") + ROW.format("H100 PCIe", 80, 26, "2.49")),
}


def quotes(html: str, version: str | None = None) -> set[tuple[object, ...]]:
    source = REGISTRY["lambda-page"]
    parse = source.parse if version is None else source.parser(version)
    parsed = parse(page(html))
    return {
        (r["label"], r["pricing_type"], r["price_native"])
        for r in parsed.filter(pl.col("reject_reason").is_null()).iter_rows(named=True)
    }


@pytest.mark.parametrize("hide", [" hidden", ' style="display: none"', ' aria-hidden="true"'])
def test_every_machine_size_behind_its_tab_is_read(hide: str) -> None:
    read = quotes(tabbed(SIZES, hide=hide))
    assert read == {
        ("NVIDIA H100 SXM 80GB", "on_demand", "2.99"),
        ("NVIDIA A100 SXM 80GB", "on_demand", "1.79"),
        ("NVIDIA H100 SXM 80GB", "on_demand", "3.09"),
        ("NVIDIA A100 PCIe 40GB", "on_demand", "1.29"),
        ("NVIDIA GH200 96GB", "on_demand", "1.49"),
        ("NVIDIA H100 PCIe 80GB", "on_demand", "2.49"),
    }
    parsed = REGISTRY["lambda-page"].parse(page(tabbed(SIZES, hide=hide)))
    sizes = dict(zip(parsed["price_native"], parsed["sku"], strict=True))
    assert (sizes["3.09"], sizes["1.49"]) == ("4x NVIDIA H100 SXM 80GB", "1x NVIDIA GH200 96GB")  # each tab's machine


def test_page_parsers_v4_read_only_the_tab_shown() -> None:
    """What v4 gives (kept for the quotes stored with it): the shown panel, the rest neither read nor refused."""
    parsed = REGISTRY["lambda-page"].parser("4")(page(tabbed(SIZES)))
    assert set(parsed["price_native"]) == {"2.99", "1.79"}


def test_a_reserved_panel_behind_its_tab_is_read_as_its_tab_says() -> None:
    on_demand = TABLE.format(ROW.format("H100 SXM", 80, 208, "2.99"))
    reserved = TABLE.format(ROW.format("H100 SXM", 80, 208, "2.19"))
    read = quotes(tabbed({"On-demand": on_demand, "1-year reserved": reserved}))
    assert read == {("NVIDIA H100 SXM 80GB", "on_demand", "2.99"), ("NVIDIA H100 SXM 80GB", "reserved_1y", "2.19")}


def test_a_hidden_panel_no_tab_names_stays_out() -> None:
    """Tied to nothing, a hidden panel's figures could be anything (last year's prices, another region's)."""
    assert quotes(tabbed(SIZES, tie="")) == {
        ("NVIDIA H100 SXM 80GB", "on_demand", "2.99"),
        ("NVIDIA A100 SXM 80GB", "on_demand", "1.79"),
    }


def test_a_figure_whose_column_contradicts_its_tab_is_refused() -> None:
    """A hidden "1-year reserved" panel whose table's column says "On-demand price": the page says two things of the
    figure, so it is refused, never read as on-demand (nor as the tab's type)."""
    columns = TABLE.replace("PRICE/GPU/HR*", "On-demand price /GPU/hr")
    shown, behind = (columns.format(ROW.format("H100 SXM", 80, 208, figure)) for figure in ("2.99", "2.19"))
    parsed = REGISTRY["lambda-page"].parse(page(tabbed({"On-demand": shown, "1-year reserved": behind})))
    refused = parsed.filter(pl.col("price_native") == "2.19")
    assert refused["reject_reason"].to_list() == [
        TAB_CONTRADICTS_REASON.format(said="on_demand", tab="1-year reserved")
    ]
    assert set(parsed.filter(pl.col("reject_reason").is_null())["price_native"]) == {"2.99"}


@pytest.mark.parametrize(("source", "relative"), [(s, r) for s, r in CAPTURES if r.endswith(".html")])
def test_every_real_page_reads_as_page_parsers_v4_read_it(
    real_capture: RealCapture, source: str, relative: str, realdata: Path
) -> None:
    capture = real_capture(source, relative)
    assert REGISTRY[source].parser_version == "5"
    assert REGISTRY[source].parse(capture).equals(REGISTRY[source].parser("4")(capture))
    assert capture.fetched_at == FETCHED or relative.startswith("pricing-pages/")


def test_a_reserved_price_for_a_range_of_terms_says_so() -> None:
    """Lambda 2026's cluster rows state "2 weeks – 1 year" under a "Reserved" price: no one term names a good, so the
    price is refused saying so. v4 took the range's last term and published a 1-year reservation's price."""
    from pipeline.sources.pages.nearest import TERM_RANGE_REASON

    clusters = (
        "<table><thead><tr><th>Plan</th><th>DURATION</th><th>GPU COUNT</th><th>Reserved PRICE/GPU/HR*</th></tr></thead>"
        "<tbody><tr><th>NVIDIA H100 SXM 80GB</th><td>2 weeks – 1 year</td><td>16</td><td>$6.16</td></tr></tbody>"
        "</table>"
    )
    html = tabbed({"1-Click Clusters": clusters})
    v5 = REGISTRY["lambda-page"].parse(page(html))
    v4 = REGISTRY["lambda-page"].parser("4")(page(html))
    assert v5["reject_reason"].to_list() == [TERM_RANGE_REASON.format(terms="2 weeks – 1 year")]
    assert v4.select("pricing_type", "reject_reason").rows() == [("reserved_1y", None)]  # v4: a 1-year reservation
    one_year = html.replace("2 weeks – 1 year", "1 year")  # one term stated: that term's price
    assert REGISTRY["lambda-page"].parse(page(one_year)).select("pricing_type", "reject_reason").rows() == [
        ("reserved_1y", None)
    ]


def test_tabs_that_name_regions_make_each_panel_that_regions_offers() -> None:
    """ "US | Europe": each panel's prices are its region's. Read without the tab's place, the two prices of one GPU
    would be figures nothing tells apart, and both refused."""
    us, europe = (TABLE.format(ROW.format("H100 SXM", 80, 208, figure)) for figure in ("2.99", "3.49"))
    parsed = REGISTRY["lambda-page"].parse(page(tabbed({"US": us, "Europe": europe})))
    assert parsed.select("price_native", "region", "reject_reason").rows() == [
        ("2.99", "us", None),
        ("3.49", "europe", None),
    ]
    clouds = REGISTRY["lambda-page"].parse(page(tabbed({"Secure Cloud": us, "Community Cloud": europe})))
    assert clouds.select("region", "reject_reason").rows() == [("secure_cloud", None), ("community_cloud", None)]
    plans = REGISTRY["lambda-page"].parse(page(tabbed({"Standard": us, "Premium": europe})))
    assert plans["reject_reason"].null_count() == 0  # tabs naming nothing the readers know: told apart by nothing
