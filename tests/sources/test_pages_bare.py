"""Figures a table prints bare under a title naming their currency and the hour ("On-demand ($/GPU/hr)" over "3.90"):
read as the prices they are, and nothing else a table prints bare (memory, counts, monthly sums) taken for one."""

from __future__ import annotations

import pytest
from selectolax.parser import HTMLParser

from pipeline.sources.pages.bare import mark_bare_figures
from tests.sources.test_pages_meaning import offers


def shown(html: str) -> list[list[str]]:
    tree = mark_bare_figures(HTMLParser(html))
    return [[c.text(deep=True).strip() for c in tr.iter() if c.tag in ("td", "th")] for tr in tree.css("tr")[1:]]


def test_bare_figures_under_a_title_naming_the_dollar_and_the_hour_are_read_as_prices() -> None:
    html = (
        "<h1>Lambda GPU cloud pricing</h1><table><tr><th>GPU</th><th>VRAM (GB)</th><th>On-demand ($/GPU/hr)</th>"
        "<th>Spot (USD per hour)</th></tr><tr><td>NVIDIA H100 SXM 80GB</td><td>80</td><td>3.90</td><td>1.60</td></tr>"
        "<tr><td>NVIDIA A100 SXM 80GB</td><td>80</td><td>1.95</td><td>Contact sales</td></tr></table>"
    )
    assert shown(html) == [
        ["NVIDIA H100 SXM 80GB", "80", "$3.90", "USD 1.60"],
        ["NVIDIA A100 SXM 80GB", "80", "$1.95", "Contact sales"],
    ]
    assert offers(html) == {
        ("NVIDIA H100 SXM 80GB", "on_demand", "gpu_hour", 1, "3.90", None),
        ("NVIDIA H100 SXM 80GB", "spot", "gpu_hour", 1, "1.60", None),
        ("NVIDIA A100 SXM 80GB", "on_demand", "gpu_hour", 1, "1.95", None),
    }


@pytest.mark.parametrize(
    "title",
    [
        "Price ($/month)",  # another unit of time: a month's sum is no hour's price
        "Price ($)",  # no unit of time: which, the title does not say
        "Price per hour",  # no currency
        "Was $3.50/hr",  # a title quoting a price of its own
        "VRAM (GB)",
    ],
)
def test_bare_figures_under_other_titles_stay_bare(title: str) -> None:
    html = f"<table><tr><th>GPU</th><th>{title}</th></tr><tr><td>NVIDIA H100 SXM</td><td>1800</td></tr></table>"
    assert shown(html) == [["NVIDIA H100 SXM", "1800"]]


def test_only_a_cell_that_is_one_bare_figure_in_a_row_lined_up_with_its_titles_is_marked() -> None:
    html = (
        "<table><tr><th>GPU</th><th>Price ($/hr)</th></tr>"
        "<tr><td>NVIDIA H100 SXM</td><td>3.90 (est.)</td></tr>"  # not a bare figure
        "<tr><td colspan='2'>NVIDIA A100 SXM 2.49</td></tr>"  # a row spanning the columns
        "<tr><td>NVIDIA H200</td><td>4.29</td><td>2</td></tr></table>"  # more cells than titles
    )
    assert shown(html) == [["NVIDIA H100 SXM", "3.90 (est.)"], ["NVIDIA A100 SXM 2.49"], ["NVIDIA H200", "4.29", "2"]]
