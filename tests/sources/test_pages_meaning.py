"""The shared page reader: bounded parsing, one walk, GPU names with the prices next to them, and refusals.

Pages here are small hand-written HTML in the layouts pricing pages use (table, cards, tabs,
definition list), so each rule is seen on its own; the real captures are read in each provider's
test file.
"""

from __future__ import annotations

import json
import time

import polars as pl
import pytest
from selectolax.parser import HTMLParser

from pipeline.domain.records import RawCapture
from pipeline.methodology import load
from pipeline.normalize import normalise
from pipeline.sources import REGISTRY
from pipeline.sources.base import SchemaDrift
from pipeline.sources.pages.bounded import MAX_HTML_DEPTH, bounded_html, html_depth
from pipeline.sources.pages.cells import read_page
from pipeline.sources.pages.embedded import RANGE_REASON, ZERO_REASON
from pipeline.sources.pages.meaning import SERVICE_REASON, SUPERSEDED_REASON
from pipeline.sources.pages.money import ADDON_REASON
from pipeline.sources.pages.names import (
    SHARED_REASON,
    count_in,
    gpu_phrase,
    is_name,
    memory_in,
    models,
    per_gpu_memory,
    shared_goods,
)
from pipeline.sources.pages.reader import MANY_CURRENCIES_REASON, read_by_meaning
from pipeline.sources.pages.records import OTHER_CURRENCY_REASON
from pipeline.sources.pages.wording import MACHINE_REASON, NO_TERM_REASON, NOT_YET_REASON, TEASER_REASON, place_of
from tests.helpers import FETCHED


def page(html: str, source: str = "lambda-page", url: str = "https://lambda.ai/pricing") -> RawCapture:
    return RawCapture(source=source, url=url, fetched_at=FETCHED, body=html.encode())


def rows(html: str) -> list[dict[str, object]]:
    return list(read_by_meaning(page(html), "lambda").iter_rows(named=True))


def offers(html: str) -> set[tuple[object, ...]]:
    frame = read_by_meaning(page(html), "lambda")
    return {
        (r["label"], r["pricing_type"], r["price_per"], r["gpu_count"], r["price_native"], r["reject_reason"])
        for r in frame.iter_rows(named=True)
    }


# --- bounded cost (in this process's CPU time, which neighbours on a busy machine do not stretch) ------------------


@pytest.mark.parametrize("tag", ["div", "b", "font", "span"])
def test_deep_nesting_is_refused_before_parsing_in_bounded_time(tag: str) -> None:
    body = f"<{tag}>" * 50_000 + "$1.00 H100" + f"</{tag}>" * 50_000
    started = time.process_time()
    with pytest.raises(SchemaDrift, match=f"nested more than {MAX_HTML_DEPTH}"):
        bounded_html(page(body))
    assert time.process_time() - started < 1.0


_MODELS = ["NVIDIA H100 SXM", "NVIDIA A100 80GB SXM", "NVIDIA L40S", "NVIDIA H200", "NVIDIA B200", "AMD MI300X"]
LONG_PAGES = {
    "table rows": lambda n: (
        "<table><tr><th>GPU</th><th>Price</th></tr>"
        + "".join(f"<tr><td>{_MODELS[i % 6]}</td><td>${1 + i / 1000:.3f}</td></tr>" for i in range(n))
        + "</table>"
    ),
    "flat grid": lambda n: (
        "<div><p>GPU</p><p>VRAM</p><p>Price</p>"
        + "".join(f"<p>{_MODELS[i % 6]}</p><p>80 GB</p><p>${1 + i / 1000:.3f}/hr</p>" for i in range(n))
        + "</div>"
    ),
    "gpus heading columns": lambda n: (
        "<table><tr><td></td>"
        + "".join(f"<td>{_MODELS[i % 6]}</td>" for i in range(n))
        + "</tr><tr><td>On-demand</td>"
        + "".join(f"<td>${1 + i / 1000:.3f}</td>" for i in range(n))
        + "</tr></table>"
    ),
    "tab panels": lambda n: (
        "<div role='tablist'>"
        + "".join(f"<button role='tab' aria-controls='p{i}'>On-demand {i}</button>" for i in range(n))
        + "</div>"
        + "".join(f"<div id='p{i}'><p>{_MODELS[i % 6]}</p><p>${1 + i / 1000:.3f}</p></div>" for i in range(n))
    ),
}


@pytest.mark.parametrize("shape", LONG_PAGES)
def test_reading_a_page_grows_linearly_with_its_rows(shape: str) -> None:
    """8x the rows costs about 8x the time, never the square (a header search, a grid or a column read once per
    GPU name over the whole page made a 2,000-row page take seconds and an 8 MB one hours). Compared as a ratio
    of the best of two runs each, in this process's CPU time, so the machine's speed and its other work cancel out
    (the wall clock failed it while a full `make test` ran beside it)."""

    def best(n: int) -> float:
        html = LONG_PAGES[shape](n)
        times = []
        for _ in range(2):
            started = time.process_time()
            read_by_meaning(page(html), "lambda")
            times.append(time.process_time() - started)
        return min(times)

    small, large = best(250), best(2000)
    assert large < 20 * small, f"{shape}: {small:.3f}s for 250 rows, {large:.3f}s for 2,000"


def test_depth_scan_is_linear_on_hostile_tag_soup() -> None:
    for body in ("<a" * 300_000 + ">", "<!--" * 300_000, "<script>" * 300_000, "<" * 500_000):
        started = time.process_time()
        html_depth(body)
        assert time.process_time() - started < 1.0


def test_depth_counts_real_nesting_not_unclosed_paragraphs_or_script_text() -> None:
    assert html_depth("<div><div><span>x</span></div></div>") == 3
    assert html_depth("<p>a<p>b<p>c<li>d<td>e") == 0  # a parser closes these itself
    assert html_depth("<script>" + "<div>" * 1000 + "</script><div></div>") == 1


def test_depth_reads_a_tag_name_of_letters_digits_dashes_and_colons_starting_with_a_letter() -> None:
    assert html_depth("<price-card><svg:g><h2>x</h2></svg:g></price-card>") == 3
    assert html_depth("<élan><div>x</div></élan>") == 2  # any alphabet's letters
    assert html_depth("<a_b><div></div></a>") == 2  # the name ends at "_": an <a>
    assert html_depth("<_x><1a><-b><div></div>") == 1  # no letter first: no tag


def test_oversized_and_non_html_bodies_are_schema_drift() -> None:
    with pytest.raises(SchemaDrift, match="exceeds"):
        bounded_html(page("<p>" + "x" * (9 * 1024 * 1024)))
    with pytest.raises(SchemaDrift, match="not HTML"):
        bounded_html(page("just text"))


# --- the one walk -----------------------------------------------------------------------------------


def test_cells_follow_blocks_not_inline_tags_and_skip_what_is_hidden() -> None:
    tree = HTMLParser(
        "<div><span>$</span><b>3.90</b><span>/hr</span></div><div>GPU<br>Cost Per Hour</div>"
        "<div class='hide'>$9.99</div><div style='display: none'>$8.88</div><div hidden>$7.77</div>"
        "<div class='hidden md:block'>shown on desktop</div><div><s>$6.74</s> $3.39</div>"
    )
    cells = read_page(tree).cells
    assert [c.text for c in cells] == ["$ 3.90 /hr", "GPU", "Cost Per Hour", "shown on desktop", "$6.74", "$3.39"]
    assert [c.struck for c in cells][-2:] == [True, False]


def test_a_price_laid_out_in_pieces_is_one_price() -> None:
    cells = read_page(HTMLParser("<div>$</div><h1>2.24*</h1><div>/ hour</div><p>NVIDIA A100</p>")).cells
    assert [c.text for c in cells if c.text] == ["$ 2.24* / hour", "NVIDIA A100"]


# --- GPU names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "phrase", "count", "memory"),
    [
        ("8x NVIDIA H100 SXM", "NVIDIA H100 SXM", 8, None),
        ("NVIDIA H100x8", "NVIDIA H100", 8, None),
        ("AMD Instinct™ MI300Xx8", "AMD Instinct MI300X", 8, None),
        ("1 × L40s PCIe", "L40s PCIe", 1, None),
        ("A100-80G", "A100-80G", None, 80.0),
        ("B200 SXM6 180GB", "B200 SXM6 180GB", None, 180.0),
        ("1-1016 HGX H100 GPUs for your bursts", "HGX H100", None, None),
        ("NVIDIA RTX PRO 6000 Blackwell Server Edition", "NVIDIA RTX PRO 6000 Blackwell Server Edition", None, None),
        ("Quadro RTX 6000", "Quadro RTX 6000", None, None),
        # several machine sizes for one name: none is its size (before: the 4 of "4x/8x", the 8 of "4 or 8x")
        ("4x/8x NVIDIA H100", "NVIDIA H100", None, None),
        ("4 or 8x NVIDIA H100", "NVIDIA H100", None, None),
        ("1x, 2x, 4x, 8x NVIDIA H100", "NVIDIA H100", None, None),
        ("1-8 GPUs of NVIDIA H100", "NVIDIA H100", None, None),
    ],
)
def test_gpu_names_keep_their_variant_words(text: str, phrase: str, count: int | None, memory: float | None) -> None:
    assert is_name(text)
    assert (gpu_phrase(text), count_in(text), memory_in(text)) == (phrase, count, memory)


@pytest.mark.parametrize(
    "text", ["P2P", "a3-highgpu-8g", "DX 400G", "Max vCPUs per GPU", "8x", "$2.49/hr", "NVIDIA RTX A6000/A40"]
)
def test_what_is_not_one_gpu_name(text: str) -> None:
    assert not is_name(text)


def test_machine_memory_is_divided_only_when_the_model_is_not_sold_with_it() -> None:
    assert per_gpu_memory("H100", 640, 8) == 80
    assert per_gpu_memory("B300", 288, 8) == 288
    assert per_gpu_memory("MI300X", 1536, 8) == 192
    assert models("H100 PCIe and A100 40GB") == ["H100", "A100"]


# --- layouts: the prices next to each name ---------------------------------------------------------


def test_table_columns_give_pricing_type_and_unit() -> None:
    html = (
        "<table><tr><th>GPU</th><th>VRAM</th><th>On-demand</th><th>Spot</th><th>1-year reserved</th></tr>"
        "<tr><td>NVIDIA A100 SXM</td><td>80 GB</td><td>$1.79</td><td>$0.90</td><td>$1.20</td></tr>"
        "<tr><td>NVIDIA A100 SXM</td><td>40 GB</td><td>$1.29</td><td>Contact sales</td><td>n/a</td></tr></table>"
    )
    assert offers(html) == {
        ("NVIDIA A100 SXM 80GB", "on_demand", "gpu_hour", 1, "1.79", None),
        ("NVIDIA A100 SXM 80GB", "spot", "gpu_hour", 1, "0.90", None),
        ("NVIDIA A100 SXM 80GB", "reserved_1y", "gpu_hour", 1, "1.20", None),
        ("NVIDIA A100 SXM 40GB", "on_demand", "gpu_hour", 1, "1.29", None),  # variants stay apart
    }
    savings = "<table><tr><th>GPU</th><th>VRAM</th><th>Price</th><th>Savings plan</th></tr>"
    row = "<tr><td>NVIDIA A100 SXM</td><td>80 GB</td><td>$1.79/hr</td><td>$1.25/hr</td></tr></table>"
    read = offers(savings + row)  # before: both refused as figures nothing told apart
    assert read == {
        ("NVIDIA A100 SXM 80GB", "on_demand", "gpu_hour", 1, "1.79", None),
        ("NVIDIA A100 SXM 80GB", "reserved_unspecified", "gpu_hour", 1, "1.25", NO_TERM_REASON),
    }


@pytest.mark.parametrize(
    ("title", "cell"),
    [
        ("Spot / On-demand", "$1.49/hr / $2.99/hr"),  # before: $2.99 published as the spot price
        ("On-demand / Spot", "$2.99/hr / $1.49/hr"),  # before: $1.49 published as spot (the right type by luck)
        ("Reserved (1 year) / On-demand", "$1.49/hr / $2.99/hr"),  # before: $2.99 published as a 1-year price
        ("Spot and on-demand", "$2.99/hr"),
    ],
)
def test_figures_under_words_naming_several_pricing_types_are_refused(title: str, cell: str) -> None:
    html = f"<table><tr><th>GPU</th><th>{title}</th></tr><tr><td>NVIDIA H100 SXM 80GB</td><td>{cell}</td></tr></table>"
    read = rows(html)
    assert read and all("name several pricing types" in str(r["reject_reason"]) for r in read)


def test_cards_with_labels_after_the_price_and_machine_sizes() -> None:
    html = (
        "<div class='card'><h3>NVIDIA H100 SXM x8</h3><span>$23.92</span><span>/hr</span>"
        "<p>On-Demand Price</p><li>GPUs per machine 8</li></div>"
        "<div class='card'><h3>NVIDIA H100 PCIe</h3><span>$2.49</span><span>/GPU/hr</span><p>Spot price</p></div>"
    )
    assert offers(html) == {
        ("NVIDIA H100 SXM", "on_demand", "instance_hour", 8, "23.92", None),
        ("NVIDIA H100 PCIe", "spot", "gpu_hour", 1, "2.49", None),
    }


def test_tabs_give_the_machine_size_and_definition_lists_the_type() -> None:
    html = (
        "<button id='t8' role='tab'>8x</button>"
        "<div role='tabpanel' aria-labelledby='t8'><table><tr><th></th><th>VRAM/GPU</th><th>PRICE/GPU/HR</th></tr>"
        "<tr><th>NVIDIA B200 SXM6</th><td>180 GB</td><td>$4.99</td></tr></table></div>"
        "<dl><dt>GPU</dt><dd>NVIDIA H200 141GB</dd><dt>Reserved, 3 years</dt><dd>$2.10/GPU/hr</dd></dl>"
    )
    found = read_by_meaning(page(html), "lambda")
    b200 = found.filter(found["label"] == "NVIDIA B200 SXM6 180GB").row(0, named=True)
    assert (b200["price_per"], b200["gpu_count"], b200["price_native"]) == ("gpu_hour", 1, "4.99")
    assert '"machine_gpus": 8' in b200["attributes"]  # the tab's "8x"
    h200 = found.filter(found["label"] == "NVIDIA H200 141GB").row(0, named=True)
    assert (h200["pricing_type"], h200["price_native"], h200["reject_reason"]) == ("reserved_3y", "2.10", None)


def test_floors_machine_prices_without_size_and_future_prices_are_refused_with_reasons() -> None:
    html = (
        "<table><tr><th>GPU</th><th>On-demand</th><th>GPU-hour (Effective October 1, 2099)</th></tr>"
        "<tr><td>NVIDIA H100 SXM</td><td>from $1.99/hr</td><td>$4.50</td></tr></table>"
        "<div><h3>NVIDIA L40S</h3><p>$12.00 per node per hour</p></div>"
    )
    reasons = {(label, price): reason for label, _, _, _, price, reason in offers(html)}
    assert "teaser" in reasons["NVIDIA H100 SXM", "1.99"]
    assert "2099-10-01" in reasons["NVIDIA H100 SXM", "4.50"]
    assert "no GPU count" in reasons["NVIDIA L40S", "12.00"]


def test_monthly_storage_and_token_prices_are_not_gpu_hours() -> None:
    html = "<div><h3>NVIDIA H100</h3><p>$2.00/hr</p><p>$40 /month storage</p><p>$0.20 per 1M tokens</p></div>"
    assert {price for *_, price, _ in offers(html)} == {"2.00"}


def test_a_row_printed_twice_for_small_screens_is_read_once_in_its_region() -> None:
    row = (
        "<div class='row'><h3>NVIDIA H100 SXM</h3><div>8</div><div>80</div><div>$20.00</div>"
        "<div class='mobile'><h3>NVIDIA H100 SXM</h3><p>On-Demand: $20.00 / hr</p><p>Spot: $9.00 / hr</p></div>"
        "<div>$9.00</div><div class='mobile'><div>8</div><div>GPUs</div><div>80</div><div>VRAM</div></div></div>"
    )
    header = "<div><div>GPU</div><div>GPUs</div><div>VRAM</div><div>On-demand</div><div>Spot</div></div>"
    html = f"<h5>REGION: EUROPE</h5>{header}{row}" + row.replace("H100 SXM", "A100 SXM").replace("20.00", "30.00")
    assert {(r["label"], r["region"], r["pricing_type"], r["gpu_count"], r["price_native"]) for r in rows(html)} == {
        ("NVIDIA H100 SXM 80GB", "europe", "on_demand", 8, "20.00"),
        ("NVIDIA H100 SXM 80GB", "europe", "spot", 8, "9.00"),
        ("NVIDIA A100 SXM 80GB", "europe", "on_demand", 8, "30.00"),
        ("NVIDIA A100 SXM 80GB", "europe", "spot", 8, "9.00"),
    }


def test_prices_kept_in_data_attributes_and_json_are_read_by_meaning() -> None:
    attrs = (
        "<div><div>H100 SXM</div><div>$</div>"
        "<div data-secure-cloud-price='2.69' data-community-cloud-price='2.49'>0</div><div>/s</div></div>"
    )
    assert {(r["region"], r["price_native"]) for r in rows(attrs)} == {
        ("secure_cloud", "2.69"),
        ("community_cloud", "2.49"),
    }
    doc = (
        '<script type="application/json">{"gpus": [{"displayName": "H100 SXM", "spotPrice": 1.25, "price": 2.5,'
        ' "communityCloud": false, "communityPrice": 2.1, "lowestPrice": {"minPrice": 1.0}, "reservedPrice": 0}]}'
        "</script>"
    )
    found = {(r["pricing_type"], r["price_native"], r["reject_reason"]) for r in rows(doc)}
    assert found == {
        ("spot", "1.25", None),
        ("on_demand", "2.5", None),
        ("on_demand", "2.1", "not offered (communityCloud is false)"),
        ("on_demand", "1.0", RANGE_REASON),
        ("reserved_unspecified", "0", ZERO_REASON),
    }


def test_json_prices_held_under_a_pricing_object_are_read_by_their_keys() -> None:
    """A GPU object whose prices sit in a "pricing" object keyed by pricing type (before: nothing read, the page's
    data a drift): the keys' words give the type; a number there whose key names no pricing type or hourly rate (a
    GPU count, a monthly sum) is no price."""
    doc = {
        "gpus": [
            {
                "name": "NVIDIA H100 SXM 80GB",
                "pricing": {"onDemand": 2.49, "spot": 1.25, "gpuCount": 8, "monthly": 1817.7},
            },
            {"name": "NVIDIA A100 PCIe 40GB", "rates": {"hourly": "1.29", "reserved1Year": 0.99, "vcpus": 12}},
        ]
    }
    found = offers(f'<h1>Lambda GPU cloud pricing</h1><script type="application/json">{json.dumps(doc)}</script>')
    assert found == {
        ("NVIDIA H100 SXM 80GB", "on_demand", "gpu_hour", 1, "2.49", None),
        ("NVIDIA H100 SXM 80GB", "spot", "gpu_hour", 1, "1.25", None),
        ("NVIDIA A100 PCIe 40GB", "on_demand", "gpu_hour", 1, "1.29", None),
        ("NVIDIA A100 PCIe 40GB", "reserved_1y", "gpu_hour", 1, "0.99", None),
    }
    add_ons = {"onDemand": 2.49, "storageHourly": 0.1, "egress": 0.05, "disk": {"value": 0.02}}
    doc = {"gpus": [{"name": "NVIDIA H100 SXM 80GB", "pricing": add_ons}]}
    found = offers(f'<h1>Lambda GPU cloud pricing</h1><script type="application/json">{json.dumps(doc)}</script>')
    assert found == {  # an add-on's hourly price is recorded as such, never read as the GPU's
        ("NVIDIA H100 SXM 80GB", "on_demand", "gpu_hour", 1, "2.49", None),
        ("NVIDIA H100 SXM 80GB", "on_demand", "gpu_hour", 1, "0.1", ADDON_REASON),
    }
    beside = {"gpus": [{"name": "NVIDIA H100 SXM 80GB", "price": 2.49, "storagePrice": 0.1}]}
    found = offers(f'<h1>Lambda GPU cloud pricing</h1><script type="application/json">{json.dumps(beside)}</script>')
    assert found == {  # before: the storage's 0.1 read as the H100's price, and 2.49 refused as replaced by it
        ("NVIDIA H100 SXM 80GB", "on_demand", "gpu_hour", 1, "2.49", None),
        ("NVIDIA H100 SXM 80GB", "on_demand", "gpu_hour", 1, "0.1", ADDON_REASON),
    }


MONTHLY = {"type": "on-demand", "amount": 1800, "per": "month"}


@pytest.mark.parametrize(
    "gpu",
    [
        {
            "name": "NVIDIA H100 SXM 80GB",
            "prices": [{"type": "on-demand", "amount": 2.49}, {"type": "spot", "amount": 1.25}, MONTHLY],
        },
        {
            "name": "NVIDIA H100 SXM 80GB",
            "price": {"value": 2.49, "unit": "hour"},
            "spotPrice": 1.25,
            "prices": [MONTHLY],
        },
    ],
)
def test_json_figures_with_their_type_beside_them_are_read(gpu: dict[str, object]) -> None:
    """Prices as typed objects ({"type": "spot", "amount": 1.25}) or a price object ({"value": 2.49}) (before: nothing
    read); a figure said to be per month beside them is no hourly price."""
    found = offers(f'<h1>Lambda GPU cloud pricing</h1><script type="application/json">{json.dumps([gpu])}</script>')
    assert found == {
        ("NVIDIA H100 SXM 80GB", "on_demand", "gpu_hour", 1, "2.49", None),
        ("NVIDIA H100 SXM 80GB", "spot", "gpu_hour", 1, "1.25", None),
    }


def test_an_interruptable_price_is_spot_not_on_demand() -> None:
    """Before, RunPod's spelling ("interruptablePrice", an "Interruptable" column) was not read as spot: in JSON the
    spot price was published as the on-demand one (and the on-demand price refused as replaced by it)."""
    doc = {"gpus": [{"name": "NVIDIA H100 SXM 80GB", "uninterruptablePrice": 2.49, "interruptablePrice": 1.25}]}
    table = (
        "<table><tr><th>GPU</th><th>Uninterruptible</th><th>Interruptable</th></tr>"
        "<tr><td>NVIDIA H100 SXM 80GB</td><td>$2.49/hr</td><td>$1.25/hr</td></tr></table>"
    )
    expected = {
        ("NVIDIA H100 SXM 80GB", "on_demand", "gpu_hour", 1, "2.49", None),
        ("NVIDIA H100 SXM 80GB", "spot", "gpu_hour", 1, "1.25", None),
    }
    script = f'<script type="application/json">{json.dumps(doc)}</script>'
    assert offers(f"<h1>Lambda GPU cloud pricing</h1>{script}") == expected
    assert offers(f"<h1>Lambda GPU cloud pricing</h1>{table}") == expected


def test_json_prices_in_cents_and_of_a_sized_machine() -> None:
    """A key that says cents gives hundredths (before: "priceCents": 249 was $249/hr); a GPU count beside the price
    ("gpuCount": 8) makes it the machine's (before: read per GPU), unless its key says per GPU; a maximum is no
    count."""
    gpus = [
        {"name": "NVIDIA H100 SXM 80GB", "price_cents_per_hour": 2392, "gpuCount": 8},
        {"name": "NVIDIA A100 SXM 80GB", "priceCents": 179, "maxGpuCount": 8},
        {"name": "NVIDIA H200 SXM 141GB", "pricePerGpuHour": 3.49, "numGpus": 8},
    ]
    script = f'<script type="application/json">{json.dumps({"gpus": gpus})}</script>'
    assert offers(f"<h1>Lambda GPU cloud pricing</h1>{script}") == {
        ("NVIDIA H100 SXM 80GB", "on_demand", "instance_hour", 8, "23.92", None),
        ("NVIDIA A100 SXM 80GB", "on_demand", "gpu_hour", 1, "1.79", None),
        ("NVIDIA H200 SXM 141GB", "on_demand", "gpu_hour", 1, "3.49", None),
    }


def test_json_nested_too_deep_is_not_parsed_in_bounded_time() -> None:
    deep = '<script type="application/json">' + '{"a":' * 100_000 + '{"name": "H100", "price": 2}' + "}" * 100_000
    started = time.process_time()
    with pytest.raises(SchemaDrift, match="no GPU model and no price"):
        read_by_meaning(page(deep + "</script>"), "x")
    assert time.process_time() - started < 2.0


def test_one_price_for_two_gpus_is_refused_and_a_footnote_price_is_read() -> None:
    html = (
        "<table><tr><th>GPU</th><th>On-demand</th></tr><tr><td>NVIDIA RTX A6000/A40</td><td>$1.00</td></tr>"
        "<tr><td>NVIDIA H100 SXM</td><td>$2.24*</td></tr></table>"
        "<p>*$2.24/hour is for a 3-year commitment. On-demand pricing for H100 is $6.00/hour ($8.96 list).</p>"
    )
    assert offers(html) == {
        ("NVIDIA RTX A6000/A40", "on_demand", "gpu_hour", 1, "1.00", SHARED_REASON.format(gpus="RTX A6000 and A40")),
        ("NVIDIA H100 SXM", "reserved_3y", "gpu_hour", 1, "2.24", None),
        ("NVIDIA H100 SXM", "on_demand", "gpu_hour", 1, "6.00", None),
    }


# --- bad input: refused with the reason, never invented ------------------------------------------


def test_prices_without_a_recognisable_gpu_are_schema_drift_naming_it() -> None:
    with pytest.raises(SchemaDrift, match="3 prices on the page but no GPU model"):
        read_by_meaning(page("<table><tr><td>Large</td><td>$1</td></tr><tr><td>$2</td><td>$3</td></tr></table>"), "x")


def test_a_page_cut_off_inside_text_is_refused_naming_the_cut() -> None:
    """Its last figure may be cut too: "$2." of "$2.49" would read as 2, a price the page never showed."""
    head = "<table><tr><th>GPU</th><th>Price/hr</th></tr><tr><td>H100 SXM</td><td>$2.99</td></tr><tr><td>H200"
    for cut in (head, head + " SXM</td><td>$3.", head + " SXM</td><td>$"):
        with pytest.raises(SchemaDrift, match="cut off, not a whole page"):
            read_by_meaning(page(cut), "x")
    # Cut just after a tag, every text it holds is whole: it keeps what it shows.
    assert {price for *_, price, _ in offers(head + " SXM</td><td>")} == {"2.99"}
    # Unless it opened as a whole document: then it ends before closing it, what it said further down is missing.
    with pytest.raises(SchemaDrift, match="opens a document but ends before closing it"):
        read_by_meaning(page(f"<!DOCTYPE html><html><body>{head} SXM</td><td>"), "x")
    whole = f"<!-- saved -->\n<!doctype html><html><body>{head} SXM</td><td>$3.49</td></tr></table></body></html>\n"
    assert {price for *_, price, _ in offers(whole + "<!-- archived -->")} == {"2.99", "3.49"}


@pytest.mark.parametrize(
    "shown", ["$2.49 - $3.29/hr", "$2.49-3.29/hr", "$2.49 to $3.29 per hour", "2,49 € – 3,29 € / GPU / h"]
)
def test_a_price_range_is_refused_both_ends(shown: str) -> None:
    """Neither end of "$2.49 - $3.29/hr" is the price of one good (it varies by region or term): reading the
    later figure as the list price would publish a number the page never gave for anything definite."""
    found = rows(f"<div><h3>NVIDIA H100 SXM 80GB</h3><p>{shown}</p></div>")
    assert found and all(r["reject_reason"] and r["reject_reason"].startswith("a price range") for r in found)
    two = rows("<div><h3>NVIDIA H100 SXM 80GB</h3><p>$6.74 /GPU/hour $3.39 /GPU/hour*</p></div>")
    assert not any((r["reject_reason"] or "").startswith("a price range") for r in two)  # side by side: no range


def test_a_price_that_says_it_is_hourly_is_read_whatever_its_billing_words() -> None:
    assert [
        r["price_native"] for r in rows("<div><h3>NVIDIA H100 SXM 80GB</h3><p>$2.49/hr, billed per second</p></div>")
    ] == ["2.49"]
    for other in ("$2,150 / month", "$0.05 per minute", "$0.0008/sec"):  # another unit: not a GPU-hour price
        with pytest.raises(SchemaDrift):
            rows(f"<div><h3>NVIDIA H100 SXM 80GB</h3><p>{other}</p></div>")


def test_a_definition_list_gives_each_term_its_own_description() -> None:
    """<dt>GPU</dt><dd>price</dd> pairs side by side: the price after a term is that term's (it went to the next)."""
    found = offers(
        "<dl><dt>NVIDIA H100 SXM 80GB</dt><dd>$2.99 per GPU per hour</dd>"
        "<dt>NVIDIA H200 SXM 141GB</dt><dd>$3.79 per GPU per hour</dd></dl>"
    )
    assert {(label, price) for label, _, _, _, price, _ in found} == {
        ("NVIDIA H100 SXM 80GB", "2.99"),
        ("NVIDIA H200 SXM 141GB", "3.79"),
    }


def test_unlabelled_figures_in_different_cells_are_all_refused() -> None:
    """A row of on-demand, spot and term prices whose header is gone: keeping the last as the list price would
    publish a 3-year price as on-demand. Side by side in one cell, the later figure replaces the earlier."""
    found = rows("<div><h3>NVIDIA A100 SXM 40GB</h3><p>$3.67/hr</p><p>$1.29/hr</p><p>$2.31/hr</p></div>")
    assert len(found) == 3 and all((r["reject_reason"] or "").startswith("one of several figures") for r in found)


@pytest.mark.parametrize(
    "table",
    [
        "<table><tr><th>Instance</th><th>GPUs</th><th>On-demand</th></tr>{row}</table>",
        "<table><thead><tr><th>Instance</th><th>GPUs</th><th>On-demand</th></tr></thead><tbody>{row}</tbody></table>",
        "<p>GPU cloud</p><table><tr><th>Instance</th><th>GPUs</th><th>On-demand</th></tr>{row}</table>",
    ],
)
def test_a_table_of_one_gpu_row_reads_its_count_from_the_header(table: str) -> None:
    """With one GPU on the page its record is the whole table; the header row still titles the row's columns, so
    $23.92 for 8 GPUs is an instance price (it was read as $23.92 per GPU)."""
    row = "<tr><td>NVIDIA HGX B200</td><td>8</td><td>$23.92/hr</td></tr>"
    (found,) = rows(table.format(row=row))
    assert (found["gpu_count"], found["price_per"], found["price_native"]) == (8, "instance_hour", "23.92")


def test_a_page_in_another_currency_keeps_its_currency() -> None:
    frame = read_by_meaning(page("<div><h3>NVIDIA H100 SXM</h3><p>2,49 € / GPU / Stunde</p></div>"), "x")
    assert (frame["price_native"][0], frame["currency"][0]) == ("2.49", "EUR")


def test_registered_parser_reads_an_unknown_layout_of_its_provider_by_meaning() -> None:
    redesigned = "<title>Lambda</title><div><h3>NVIDIA GH200</h3><p>$1.49 / GPU / hr</p></div>"
    parsed = REGISTRY["lambda-page"].parse(page(redesigned))
    assert (parsed["label"][0], parsed["price_native"][0]) == ("NVIDIA GH200", "1.49")
    assert REGISTRY["lambda-page"].parser_version == "5"
    with pytest.raises(SchemaDrift):  # v1 knows only its layouts
        REGISTRY["lambda-page"].parser("1")(page(redesigned))


def test_another_firms_page_is_not_read_as_this_providers() -> None:
    crusoe = "<div><h3>NVIDIA H100</h3><p>$3.90/GPU-hr</p></div>"
    with pytest.raises(SchemaDrift, match="does not name lambda"):
        REGISTRY["lambda-page"].parse(page(crusoe, url="https://example.invalid/"))


def test_a_spec_label_per_gpu_does_not_make_a_machine_price_per_gpu() -> None:
    """A card of label/value fields (Lambda 2023's table as cards): "VRAM per GPU" speaks of memory, so the
    machine's "$20.72 / hr" stays the price of its 8 GPUs (it was read as 20.72 per GPU, 8x the price)."""
    field = "<div class='field'><span>{}</span><div>{}</div></div>"
    card = "".join(
        field.format(k, v)
        for k, v in [
            ("GPUs", "8x NVIDIA H100 SXM"),
            ("VRAM per GPU", "80 GB"),
            ("vCPUs", "220"),
            ("Price", "$20.72 / hr"),
        ]
    )
    assert offers(f"<div class='card'>{card}</div>") == {
        ("NVIDIA H100 SXM 80GB", "on_demand", "instance_hour", 8, "20.72", None)
    }
    priced = card.replace("<span>Price</span>", "<span>Price per GPU (incl. storage)</span>")
    assert {per for _, _, per, *_ in offers(f"<div class='card'>{priced}</div>")} == {"gpu_hour"}


def test_gpus_heading_the_columns_own_their_columns() -> None:
    """A spec-comparison table: each GPU's figures are the cells below it, titled by their row's first cell."""
    html = (
        "<table><tr><td></td><th>NVIDIA H100 SXM</th><th>NVIDIA H200</th></tr>"
        "<tr><td>VRAM</td><td>80 GB</td><td>141 GB</td></tr>"
        "<tr><td>On-demand</td><td>$2.99/hr</td><td>$3.49/hr</td></tr>"
        "<tr><td>Spot</td><td>$1.49/hr</td><td>-</td></tr>"
        "<tr><td>Reserved</td><td colspan='2'>Contact sales</td></tr></table>"
    )
    assert offers(html) == {
        ("NVIDIA H100 SXM 80GB", "on_demand", "gpu_hour", 1, "2.99", None),
        ("NVIDIA H100 SXM 80GB", "spot", "gpu_hour", 1, "1.49", None),
        ("NVIDIA H200 141GB", "on_demand", "gpu_hour", 1, "3.49", None),
    }


def test_one_gpu_heading_two_columns_is_two_columns_not_a_copy() -> None:
    """The same GPU over an on-demand and a reserved column: neither column is a responsive copy of the other, and
    each price takes its own column's pricing type."""
    html = (
        "<table><tr><td></td><td>On-demand</td><td>1-year reserved</td></tr>"
        "<tr><td>GPU</td><td>NVIDIA H100 SXM</td><td>NVIDIA H100 SXM</td></tr>"
        "<tr><td>Price</td><td>$2.99/GPU/hr</td><td>$2.19/GPU/hr</td></tr></table>"
    )
    assert offers(html) == {
        ("NVIDIA H100 SXM", "on_demand", "gpu_hour", 1, "2.99", None),
        ("NVIDIA H100 SXM", "reserved_1y", "gpu_hour", 1, "2.19", None),
    }


def test_a_promotion_beside_a_price_does_not_type_it() -> None:
    """ "Save 30% with a 1-year commitment" under a card's on-demand price speaks of another offer: the price stays
    on-demand (it was published as a 1-year reservation, and the card gave no on-demand quote)."""
    card = "<div class='card'><h3>NVIDIA H100 SXM</h3><p>$2.49/hr</p><p>{}</p></div>"
    for promo in ("Save 30% with a 1-year commitment", "Get up to 40% off when you reserve"):
        assert offers(card.format(promo)) == {("NVIDIA H100 SXM", "on_demand", "gpu_hour", 1, "2.49", None)}
    assert offers(card.format("1-year commitment")) == {("NVIDIA H100 SXM", "reserved_1y", "gpu_hour", 1, "2.49", None)}


def test_a_one_row_tables_header_cells_title_columns_not_prices() -> None:
    """The header of a table of one GPU row is in its record: "Per GPU / month" is a column's title, not the label
    of the hourly price beside it (the hourly price was skipped as monthly, and the page was drift)."""
    html = (
        "<table><tr><th>GPU</th><th>Per GPU / hour</th><th>Per GPU / month</th></tr>"
        "<tr><td>8x NVIDIA H100 SXM</td><td>$2.49</td><td>$1,817.70</td></tr></table>"
    )
    assert offers(html) == {("NVIDIA H100 SXM", "on_demand", "gpu_hour", 1, "2.49", None)}


def test_a_price_an_element_shows_is_read_as_shown_whatever_its_data_attributes() -> None:
    """RunPod keeps its figures in data attributes over a placeholder ("0"), and those are read; an element that
    shows its price ("$2.99") while its attributes hold other currencies or units is read as shown (it was drift)."""
    row = "<table><tr><th>GPU</th><th>Price</th></tr><tr><td>NVIDIA H100 SXM</td><td>{}</td></tr></table>"
    shown = "<span data-price-eur='2.75' data-price-usd='2.99' data-monthly-price='2183'>$2.99/hr</span>"
    assert offers(row.format(shown)) == {("NVIDIA H100 SXM", "on_demand", "gpu_hour", 1, "2.99", None)}
    placeholder = "<div>$</div><div data-secure-cloud-price='2.99' data-community-cloud-price='2.49'>0</div>"
    assert {price for *_, price, _ in offers(row.format(placeholder))} == {"2.99", "2.49"}


def test_prices_in_data_attributes_named_by_their_cloud_alone_are_read() -> None:
    """RunPod's later rows name the attributes by the cloud alone (`data-secure`, `data-community`) over a "$0/hr"
    placeholder: the "0" was read as a price of 0 (refused) and the real figures were lost."""
    row = (
        "<div class='gpu_table-row'><div class='gpu_name'>H100 SXM</div><div>80 GB VRAM</div><div><span>$</span>"
        "<span class='gpu_price' data-secure='2.69' data-community='2.39' data-id='7'>0</span><span>/hr</span>"
        "</div></div>"
    )
    found = {(r["region"], r["pricing_type"], r["price_native"], r["reject_reason"]) for r in rows(row)}
    assert found == {("secure_cloud", "on_demand", "2.69", None), ("community_cloud", "on_demand", "2.39", None)}
    # Another name with a figure in it (an id, a count) is no price.
    assert "7" not in {r["price_native"] for r in rows(row)}


def test_a_flat_run_of_cells_never_gives_one_gpus_price_to_the_next() -> None:
    """Cells side by side in one container with no row around them: a regular grid (the names one row's width
    apart, a title run above) is read by its rows; an irregular run is drift. The price before a GPU name follows
    the GPU before it as likely as it precedes this one, so no name claims it (A100 was given H100's $2.99). A card
    that names its GPU below its price still owns the price above."""
    cells = ["GPU", "VRAM", "Price", "NVIDIA H100 SXM", "80 GB", "$2.99/hr", "NVIDIA A100 SXM", "80 GB", "$1.79/hr"]
    grid = "<div class='grid'>" + "".join(f"<p>{c}</p>" for c in cells) + "</div>"
    assert offers(grid) == {
        ("NVIDIA H100 SXM 80GB", "on_demand", "gpu_hour", 1, "2.99", None),
        ("NVIDIA A100 SXM 80GB", "on_demand", "gpu_hour", 1, "1.79", None),
    }
    with pytest.raises(SchemaDrift):  # the A100 row lost a cell: no one width, no rows, no price taken
        offers(grid.replace("<p>80 GB</p><p>$1.79/hr</p>", "<p>$1.79/hr</p>"))
    card = "<div class='card'><p>$1.99/hr</p><p>1-1016 HGX H100 GPUs</p></div>"
    assert {price for *_, price, _ in offers(card + card.replace("1.99", "2.49"))} == {"1.99", "2.49"}


def test_tags_side_by_side_and_a_machines_memory_name_the_variant() -> None:
    """Inline tags read as one text ("80GB PCIe") still name the memory and form factor (the A100s were refused as
    naming neither); a machine's total GPU memory ("640 GB" for 8x A100) is named per GPU."""
    card = (
        "<div class='card'><h3>NVIDIA A100</h3><span class='tag'>{}</span><span class='tag'>PCIe</span><p>{}</p></div>"
    )
    found = offers(card.format("80GB", "$1.49/GPU/hr") + card.format("40GB", "$1.19/GPU/hr"))
    assert {(label, price) for label, *_, price, _ in found} == {
        ("NVIDIA A100 80GB PCIe", "1.49"),
        ("NVIDIA A100 40GB PCIe", "1.19"),
    }
    machine = (
        "<table><tr><th>Instance</th><th>GPU memory</th><th>Price/hr</th></tr>"
        "<tr><td>8x NVIDIA A100 SXM</td><td>640 GB</td><td>$14.32</td></tr></table>"
    )
    assert offers(machine) == {("NVIDIA A100 SXM 80GB", "on_demand", "instance_hour", 8, "14.32", None)}


PER_GPU = ("NVIDIA H100 SXM", "on_demand", "gpu_hour", 1, "2.99", None)
PER_NODE = ("NVIDIA H100 SXM", "on_demand", "instance_hour", 8, "23.92", None)


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        (
            "<div><h3>NVIDIA H100 SXM</h3><span>$2.99/GPU/hr</span><p>8x cluster $23.92/hr</p></div>",
            {PER_GPU, PER_NODE},
        ),
        (
            "<table><tr><th>GPU</th><th>Per GPU</th><th>8x node</th></tr>"
            "<tr><td>NVIDIA H100 SXM</td><td>$2.99/hr</td><td>$23.92/hr</td></tr></table>",
            {PER_GPU, PER_NODE},
        ),
        (
            "<div><h3>NVIDIA H100 SXM</h3><span>$2.99/hr per GPU</span><span>$23.92/hr per node (8 GPUs)</span></div>",
            {PER_GPU, PER_NODE},
        ),
        ("<div><h3>NVIDIA H100 SXM</h3><span>$23.92/hr for an 8-GPU instance</span></div>", {PER_NODE}),
    ],
)
def test_a_figure_whose_own_words_name_its_machine_prices_that_machine(shown: str, expected: set[object]) -> None:
    """Before, the node's price was read per GPU: beside the per-GPU one, both were refused as two figures the page
    did not tell apart (the price lost); alone, $23.92 was one H100's hourly price."""
    assert offers(f"<h1>Lambda GPU cloud pricing</h1>{shown}") == expected


def test_hbm3_names_the_h100s_sxm_part() -> None:
    """RunPod's id "NVIDIA H100 80GB HBM3" alone: the memory's kind is a word of the variant (HBM3 at 80 GB is only
    the SXM5 part; PCIe carries HBM2e, NVL 94 GB), so the identity rules read it as H100 SXM (before: the phrase
    dropped "HBM3" and the listing was refused as not saying SXM, PCIe or NVL)."""
    html = "<table><tr><th>GPU</th><th>Price</th></tr><tr><td>NVIDIA H100 80GB HBM3</td><td>$2.49/hr</td></tr></table>"
    assert gpu_phrase("NVIDIA H100 80GB HBM3") == "NVIDIA H100 80GB HBM3"
    frame = read_by_meaning(page(f"<h1>Lambda GPU cloud pricing</h1>{html}"), "lambda")
    capture = page(html)
    quotes, _ = normalise(frame.with_columns(pl.lit("3").alias("parser_version")), capture, load().bounds)
    assert quotes["good"].to_list() == ["H100-SXM-80GB"]


def test_one_price_shown_in_two_currencies_is_read_in_the_sources() -> None:
    """A USD and a EUR column of the same row: the USD figure is read, the EUR one refused as the same price again
    (before: both refused as two figures nothing told apart, the price lost). Neither in the source's currency: both
    refused, with that reason."""
    head = "<h1>Lambda GPU cloud pricing</h1><table><tr><th>GPU</th><th>{a}</th><th>{b}</th></tr>"
    row = "<tr><td>NVIDIA H100 SXM 80GB</td><td>{x}/hr</td><td>{y}/hr</td></tr></table>"
    gpu = ("NVIDIA H100 SXM 80GB", "on_demand", "gpu_hour", 1)
    usd_eur = head.format(a="USD", b="EUR") + row.format(x="$2.49", y="€2.29")
    assert offers(usd_eur) == {(*gpu, "2.49", None), (*gpu, "2.29", OTHER_CURRENCY_REASON.format(first="USD"))}
    eur_gbp = head.format(a="EUR", b="GBP") + row.format(x="€2.29", y="£1.99")
    refused = MANY_CURRENCIES_REASON.format(shown="EUR, GBP", currency="USD")
    assert offers(eur_gbp) == {(*gpu, "2.29", refused), (*gpu, "1.99", refused)}


def test_a_machines_price_before_its_per_gpu_price_is_refused_as_the_machines() -> None:
    """A card whose GPU count is a loose word ("8x GPUs") and whose figures are "$23.92/hr ($2.99/GPU/hr)": the per-GPU
    price is read; $23.92, which the page does not tie to the 8 GPUs, is refused as the machine's price (before: as
    a list price the second figure replaced). Two figures without per-GPU words stay a replaced list price."""
    card = "<div><h3>NVIDIA H100 SXM</h3><span>8x GPUs</span><p>$23.92/hr ($2.99/GPU/hr)</p></div>"
    machine = MACHINE_REASON.format(n=8)
    assert offers(f"<h1>Lambda GPU cloud pricing</h1>{card}") == {PER_GPU, (*PER_GPU[:4], "23.92", machine)}
    not_per_gpu = "<div><h3>NVIDIA H100 SXM</h3><p>$23.92/hr ($2.99/hr)</p></div>"
    read = offers(f"<h1>Lambda GPU cloud pricing</h1>{not_per_gpu}")
    assert read == {PER_GPU, (*PER_GPU[:4], "23.92", SUPERSEDED_REASON)}
    odd = "<div><h3>NVIDIA H100 SXM</h3><p>$7.50/hr ($2.99/GPU/hr)</p></div>"  # not a whole multiple
    assert (*PER_GPU[:4], "7.50", SUPERSEDED_REASON) in offers(f"<h1>Lambda GPU cloud pricing</h1>{odd}")


def test_a_machines_price_after_its_per_gpu_price_is_refused_as_the_machines() -> None:
    """The other way round, "$2.99/GPU/hr, sold as 8-GPU nodes ($23.92/hr)": before, $23.92 (per GPU only for want of
    a count) replaced the per-GPU price as the GPU's price in force, and $2.99 was refused as a list price."""
    card = "<div><h3>NVIDIA H100 SXM</h3><p>$2.99/GPU/hr, sold as 8-GPU nodes ($23.92/hr)</p></div>"
    machine = MACHINE_REASON.format(n=8)
    assert offers(f"<h1>Lambda GPU cloud pricing</h1>{card}") == {PER_GPU, (*PER_GPU[:4], "23.92", machine)}


@pytest.mark.parametrize(
    "shown",
    [
        "<span>On-demand $2.99/hr</span><span>1-year reserved $2.19/hr</span>",  # inline: one text on the page
        "<span>On-demand: $2.99/hr · 1-year reserved: $2.19/hr</span>",
        "<span>$2.99/hr on-demand</span> <span>$2.19/hr 1-year reserved</span>",
    ],
)
def test_each_of_several_figures_in_one_text_has_its_own_label(shown: str) -> None:
    """Before, a label before each figure was read as the previous figure's: on-demand $2.19, reserved $2.99."""
    assert offers(f"<h1>Lambda GPU cloud pricing</h1><div><h3>NVIDIA H100 SXM</h3>{shown}</div>") == {
        ("NVIDIA H100 SXM", "on_demand", "gpu_hour", 1, "2.99", None),
        ("NVIDIA H100 SXM", "reserved_1y", "gpu_hour", 1, "2.19", None),
    }


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        (
            "<ul><li><strong>H100 SXM</strong> — $2.99/hr</li><li><strong>A100 80GB</strong> — $1.29/hr</li></ul>",
            {
                ("H100 SXM", "on_demand", "gpu_hour", 1, "2.99", None),
                ("A100 80GB", "on_demand", "gpu_hour", 1, "1.29", None),
            },
        ),
        (
            "<div><p>NVIDIA H100 SXM: $2.99/GPU/hr</p><p>NVIDIA H200: $3.49/GPU/hr</p></div>",
            {
                ("NVIDIA H100 SXM", "on_demand", "gpu_hour", 1, "2.99", None),
                ("NVIDIA H200", "on_demand", "gpu_hour", 1, "3.49", None),
            },
        ),
        (  # a name ending in digits right before "$": the H200's 200 was read as "200 $", the price 200 USD
            "<div><p>NVIDIA H200 $3.49/GPU/hr</p><p>NVIDIA B200 $4.99/GPU/hr</p></div>",
            {
                ("NVIDIA H200", "on_demand", "gpu_hour", 1, "3.49", None),
                ("NVIDIA B200", "on_demand", "gpu_hour", 1, "4.99", None),
            },
        ),
        ("<ul><li>8x H100 SXM — $23.92/hr</li></ul>", {("H100 SXM", "on_demand", "instance_hour", 8, "23.92", None)}),
        ("<p>H100 SXM from $1.99/hr</p>", {("H100 SXM", "on_demand", "gpu_hour", 1, "1.99", TEASER_REASON)}),
    ],
)
def test_a_gpus_name_and_price_in_one_line_are_an_offer(shown: str, expected: set[object]) -> None:
    """A list item or a card's line giving both ("H100 SXM — $2.99/hr"): before, the page was refused as drift
    ("prices on the page but no GPU model named next to any of them")."""
    assert offers(f"<h1>Lambda GPU cloud pricing</h1>{shown}") == expected


def test_a_price_for_a_range_of_terms_or_a_minimum_of_weeks_is_no_on_demand_price() -> None:
    """Lambda's 1-Click Clusters are reserved "for 1 week to 12 months": that price was read as the 12-month one; a
    "1-week minimum" was read as on demand."""
    head = "<h1>Lambda GPU cloud pricing</h1>"
    ranged = (
        head
        + "<div><h3>NVIDIA H100 SXM</h3><p>$2.69/GPU/hr</p><p>Reserve 16-512 GPUs for 1 week to 12 months</p></div>"
    )
    assert offers(ranged) == {("NVIDIA H100 SXM", "reserved_unspecified", "gpu_hour", 1, "2.69", NO_TERM_REASON)}
    weekly = head + "<div><h3>NVIDIA B200 SXM6</h3><p>$3.79/GPU/hr</p><p>1-week minimum</p></div>"
    assert offers(weekly) == {("NVIDIA B200 SXM6", "reserved_1w", "gpu_hour", 1, "3.79", None)}
    annual = head + (
        "<table><tr><th>GPU</th><th>On-demand</th><th>Annual</th></tr>"
        "<tr><td>NVIDIA H100 SXM</td><td>$2.99/GPU/hr</td><td>$2.19/GPU/hr</td></tr></table>"
    )
    assert offers(annual) == {
        ("NVIDIA H100 SXM", "on_demand", "gpu_hour", 1, "2.99", None),
        ("NVIDIA H100 SXM", "reserved_1y", "gpu_hour", 1, "2.19", None),
    }


@pytest.mark.parametrize("heading", ["Inference endpoints", "Serverless"])
def test_a_page_of_one_gpu_takes_the_heading_above_it(heading: str) -> None:
    """A record that spans its whole page (one GPU on it) has no heading above its first cell; the heading above its
    name says what the price is for. A serverless worker's price was read as an on-demand GPU-hour."""
    found = offers(
        f"<h1>Lambda GPU cloud pricing</h1><h2>{heading}</h2><div><h3>NVIDIA H100 SXM</h3><p>$3.49/hr</p></div>"
    )
    assert found == {("NVIDIA H100 SXM", "on_demand", "gpu_hour", 1, "3.49", SERVICE_REASON)}
    plain = offers(
        "<h1>Lambda GPU cloud pricing</h1><h2>GPU instances</h2><div><h3>NVIDIA H100 SXM</h3><p>$3.49/hr</p></div>"
    )
    assert plain == {("NVIDIA H100 SXM", "on_demand", "gpu_hour", 1, "3.49", None)}


def test_columns_headed_by_places_are_regions() -> None:
    """A table whose price columns are headed by places alone ("US East", "EU (Finland)") prices each GPU in two
    regions: both read, each with its region (they were refused as two figures nothing tells apart). A header that
    says anything else is no region."""
    table = (
        "<table><tr><th>GPU</th><th>US East</th><th>EU (Finland)</th></tr>"
        "<tr><td>NVIDIA H100 SXM</td><td>$2.99/hr</td><td>$3.19/hr</td></tr>"
        "<tr><td>NVIDIA A100 SXM 80GB</td><td>$1.79/hr</td><td>$1.89/hr</td></tr></table>"
    )
    found = {(r["label"], r["region"], r["price_native"], r["reject_reason"]) for r in rows(table)}
    assert found == {
        ("NVIDIA H100 SXM", "us_east", "2.99", None),
        ("NVIDIA H100 SXM", "eu_finland", "3.19", None),
        ("NVIDIA A100 SXM 80GB", "us_east", "1.79", None),
        ("NVIDIA A100 SXM 80GB", "eu_finland", "1.89", None),
    }
    assert place_of("US East") == "us_east" and place_of("Price (US)") is None and place_of("East price") is None


def test_a_row_naming_two_memory_sizes_for_its_prices_is_refused() -> None:
    """ "NVIDIA A100 SXM (40GB / 80GB)" with "$1.29 / $1.79 per hour": the 80GB price was published as the 40GB
    good's (the name's first size) and $1.29 refused as a list price. Which price is which size is not stated."""
    found = offers(
        "<table><tr><th>GPU</th><th>Price</th></tr><tr><td>NVIDIA A100 SXM (40GB / 80GB)</td>"
        "<td>$1.29 / $1.79 per hour</td></tr><tr><td>NVIDIA H100 SXM</td><td>$2.99/hr</td></tr></table>"
    )
    refused = {price: reason for label, *_, price, reason in found if label.startswith("NVIDIA A100")}
    assert refused == dict.fromkeys(("1.29", "1.79"), SHARED_REASON.format(gpus="A100 40GB and A100 80GB"))
    assert ("NVIDIA H100 SXM", "on_demand", "gpu_hour", 1, "2.99", None) in found
    assert shared_goods("8x NVIDIA H100 80GB (640 GB total)") is None  # one machine's memory, not a choice
    # The same for a choice of form factors: the SXM price was published as the PCIe good's.
    forms = offers(
        "<table><tr><th>GPU</th><th>Price</th></tr><tr><td>NVIDIA H100 (PCIe / SXM)</td>"
        "<td>$2.49 / $2.99 per hour</td></tr><tr><td>NVIDIA A100 SXM 80GB</td><td>$1.79/hr</td></tr></table>"
    )
    assert {price for label, *_, price, reason in forms if reason is None} == {"1.79"}
    assert shared_goods("NVIDIA H100 (PCIe / SXM)") == ["H100 PCIe", "H100 SXM"]


@pytest.mark.parametrize(
    ("card", "refused"),
    [
        ("<div><h3>NVIDIA B200</h3><p>Coming soon</p><p>$5.99/GPU/hr</p></div>", True),
        ("<div><h3>NVIDIA B300</h3><p>Available Q3 2026: $6.99/GPU/hr</p></div>", True),
        ("<div><h3>NVIDIA B200</h3><p>Pre-order: $5.49/GPU/hr</p></div>", True),
        ("<table><tr><th>GPU</th><th>Price/GPU/hr</th><th>Status</th></tr>"
         "<tr><td>NVIDIA B200</td><td>$5.99</td><td>Coming soon</td></tr></table>", True),
        ("<div><h3>NVIDIA B200</h3><p>Available in 12 regions</p><p>$5.99/GPU/hr</p></div>", False),
        ("<div><h3>NVIDIA B200</h3><p>Available now</p><p>$5.99/GPU/hr</p></div>", False),
        # A stated time, against the page's (2026-08-03): "from" a time once begun, "in" a time once over.
        ("<div><h3>NVIDIA B300</h3><p>Available from July 2026: $6.99/GPU/hr</p></div>", False),
        ("<div><h3>NVIDIA B300</h3><p>Available Q2 2026: $6.99/GPU/hr</p></div>", False),
        ("<div><h3>NVIDIA B300</h3><p>Available in August 2026: $6.99/GPU/hr</p></div>", True),
        ("<div><h3>NVIDIA B300</h3><p>Available from September 2026: $6.99/GPU/hr</p></div>", True),
        ("<div><h3>NVIDIA B300</h3><p>Available in November: $6.99/GPU/hr</p></div>", True),
    ],
)  # fmt: skip
def test_a_gpu_not_rentable_yet_has_no_price_of_use_now(card: str, refused: bool) -> None:
    """Before, "Coming soon" or "Pre-order" beside a figure left it read as the GPU's on-demand price in force; a
    time already come ("Available from July 2026" on a page of August 2026) refused a price in force."""
    (found,) = offers(f"<h1>Lambda GPU cloud pricing</h1>{card}")
    assert (found[5] == NOT_YET_REASON) if refused else found[5] is None


def test_a_term_column_of_the_record_names_its_commitment() -> None:
    """A "Minimum term" column beside the price (Lambda's 1-Click Clusters): the figure is the term's, not on demand
    (before: read as the on-demand price, beside the instances' own)."""
    found = offers(
        "<h2>Instances</h2><table><tr><th>GPU</th><th>PRICE/GPU/HR</th></tr><tr><td>NVIDIA H100 SXM</td><td>$2.99</td>"
        "</tr></table><h2>1-Click Clusters</h2><table><tr><th>GPU</th><th>Minimum term</th><th>PRICE/GPU/HR</th></tr>"
        "<tr><td>NVIDIA H100 SXM</td><td>1 week</td><td>$2.69</td></tr>"
        "<tr><td>NVIDIA H200</td><td>12 months</td><td>$2.99</td></tr></table>"
    )
    assert {(label, kind, price) for label, kind, _, _, price, reason in found if reason is None} == {
        ("NVIDIA H100 SXM", "on_demand", "2.99"),
        ("NVIDIA H100 SXM", "reserved_1w", "2.69"),
        ("NVIDIA H200", "reserved_1y", "2.99"),
    }
