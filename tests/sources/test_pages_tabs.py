"""Tab panels on pricing pages: each panel's prices take the pricing type of the tab that shows them.

Hand-written pages in the tab markups pricing pages are built with (ARIA tabs, Radix, Webflow,
Bootstrap), each with an on-demand and a reserved panel for the same GPU. Before these rules a tab bar
was read as the header row of the table below it, so the on-demand panel's price was published as a
1-year reservation (the last tab's name).
"""

from __future__ import annotations

import pytest

from tests.sources.test_pages_meaning import offers

TABLE = (
    "<table><tr><th>GPU</th><th>VRAM</th><th>Price</th></tr>"
    "<tr><td>NVIDIA H100 SXM</td><td>80 GB</td><td>{}</td></tr></table>"
)
ON_DEMAND, RESERVED = TABLE.format("$2.99/GPU/hr"), TABLE.format("$2.19/GPU/hr")
H100 = "NVIDIA H100 SXM 80GB"
BOTH = {(H100, "on_demand", "gpu_hour", 1, "2.99", None), (H100, "reserved_1y", "gpu_hour", 1, "2.19", None)}

LINKED = {
    "aria-labelledby": (
        "<div role='tablist'><button id='a' role='tab'>On-demand</button><button id='b' role='tab'>1-year reserved"
        f"</button></div><div role='tabpanel' aria-labelledby='a'>{ON_DEMAND}</div>"
        f"<div role='tabpanel' aria-labelledby='b'>{RESERVED}</div>"
    ),
    "aria-controls": (
        "<div role='tablist'><button role='tab' aria-controls='pa'>On-demand</button>"
        "<button role='tab' aria-controls='pb'>1-year reserved</button></div>"
        f"<div id='pa'>{ON_DEMAND}</div><div id='pb'>{RESERVED}</div>"
    ),
    "bootstrap": (
        "<ul class='nav nav-tabs'><li><a class='nav-link active' data-bs-toggle='tab' href='#od'>On-demand</a></li>"
        "<li><a class='nav-link' data-bs-toggle='tab' href='#r1'>1-year reserved</a></li></ul>"
        f"<div class='tab-content'><div class='tab-pane' id='od'>{ON_DEMAND}</div>"
        f"<div class='tab-pane' id='r1'>{RESERVED}</div></div>"
    ),
    "webflow": (
        "<div class='w-tab-menu'><a data-w-tab='On-demand' class='w-tab-link w--current'><div>On-demand</div></a>"
        "<a data-w-tab='1-year reserved' class='w-tab-link'><div>1-year reserved</div></a></div>"
        f"<div class='w-tab-content'><div data-w-tab='On-demand' class='w-tab-pane'>{ON_DEMAND}</div>"
        f"<div data-w-tab='1-year reserved' class='w-tab-pane'>{RESERVED}</div></div>"
    ),
}


@pytest.mark.parametrize("markup", LINKED)
def test_a_panel_takes_the_pricing_type_of_the_tab_that_shows_it(markup: str) -> None:
    assert offers(f"<h1>Lambda GPU cloud pricing</h1>{LINKED[markup]}") == BOTH


def test_a_hidden_panel_is_left_out_and_the_shown_one_keeps_its_tab() -> None:
    html = (
        "<div role='tablist'><button role='tab' id='t-od' aria-controls='c-od' aria-selected='false'>On-demand</button>"
        "<button role='tab' id='t-r' aria-controls='c-r' aria-selected='true'>1-year reserved</button></div>"
        f"<div role='tabpanel' id='c-od' aria-labelledby='t-od' hidden>{ON_DEMAND}</div>"
        f"<div role='tabpanel' id='c-r' aria-labelledby='t-r'>{RESERVED}</div>"
    )
    assert offers(html) == {(H100, "reserved_1y", "gpu_hour", 1, "2.19", None)}


def test_unlinked_panels_take_the_selected_tab_and_without_one_are_refused() -> None:
    tabs = (
        "<div role='tablist'><button role='tab' {}>On-demand</button><button role='tab' {}>1-year reserved</button>"
        "</div><div class='panel'>" + RESERVED + "</div>"
    )
    selected = tabs.format("aria-selected='false'", "aria-selected='true'")
    assert offers(selected) == {(H100, "reserved_1y", "gpu_hour", 1, "2.19", None)}
    (refused,) = offers(tabs.format("", ""))
    assert refused[4] == "2.19"
    assert refused[5] == (
        "the page's tabs name several pricing types (On-demand, 1-year reserved) and nothing says which one this "
        "price is"
    )


def test_every_row_of_a_panel_takes_the_selected_tab() -> None:
    rows = "".join(
        f"<tr><td>{gpu}</td><td>{price}</td></tr>" for gpu, price in [("NVIDIA H100 SXM", "$2.19"), ("H200", "$2.59")]
    )
    html = (
        "<div class='tabs'><button class='tab'>On-demand</button><button class='tab is-active'>1-year reserved</button>"
        f"</div><table><tr><th>GPU</th><th>Price/hr</th></tr>{rows}</table>"
    )
    found = {(label, kind, price) for label, kind, _, _, price, _ in offers(html)}
    assert found == {("NVIDIA H100 SXM", "reserved_1y", "2.19"), ("H200", "reserved_1y", "2.59")}


def test_buttons_that_are_no_tabs_change_nothing() -> None:
    """A card's calls to action ("Launch on-demand", "Reserve") name pricing types but show no panel."""
    html = (
        "<div class='card'><h3>NVIDIA H100 SXM</h3><p>$2.99/GPU/hr</p>"
        "<a href='/launch'>Launch on-demand</a><button>Reserve now</button></div>"
    )
    assert offers(html) == {("NVIDIA H100 SXM", "on_demand", "gpu_hour", 1, "2.99", None)}


def test_a_header_row_of_links_is_still_a_header_row() -> None:
    """Sortable column titles are links, but no tabs: the rows below keep their columns."""
    html = (
        "<div><div class='row'><a href='?sort=gpu'>GPU</a><a href='?sort=spot'>Spot</a></div>"
        "<div class='row'><div>NVIDIA H100 SXM</div><div>$1.49/hr</div></div>"
        "<div class='row'><div>NVIDIA H200</div><div>$1.99/hr</div></div></div>"
    )
    assert {(label, kind) for label, kind, *_ in offers(html)} == {("NVIDIA H100 SXM", "spot"), ("NVIDIA H200", "spot")}


def test_the_selected_mark_of_one_tab_is_not_read_as_its_neighbours() -> None:
    html = (
        "<ul class='nav nav-tabs'><li><a data-bs-toggle='tab' href='#x'>On-demand</a></li>"
        "<li><a class='active' data-bs-toggle='tab' href='#y'>1-year reserved</a></li></ul>"
        f"<div class='tab-content'>{RESERVED}</div>"
    )
    assert offers(html) == {(H100, "reserved_1y", "gpu_hour", 1, "2.19", None)}


def test_a_call_to_action_inside_a_panel_is_no_tab() -> None:
    """A "Reserve now" button inside a tab panel (.tab-pane, Webflow's w-tab-pane) is a call to action: it does not
    make the panel's price one of several tabbed pricing types (which would refuse it as untold)."""
    for pane in (
        "<div class='tab-content'><div class='tab-pane active'>{}</div></div>",
        "<div class='w-tab-pane' data-w-tab='GPUs'>{}</div>",
    ):
        html = pane.format("<div><button>Reserve now</button><button>Launch on-demand</button></div>" + ON_DEMAND)
        assert offers(html) == {(H100, "on_demand", "gpu_hour", 1, "2.99", None)}
