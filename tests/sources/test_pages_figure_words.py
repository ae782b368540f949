"""Every real pricing page with each "$X" figure given words that make it no price of use: a discount ("Save $X",
"$X off"), a statistic ("$X avg."), an introductory offer ("$X (first month)"). No such figure may stay a quote (each
was read as the price on every page); what stays is only what the rewording did not touch: RunPod's JSON-LD prices,
and Paperspace's and Hyperstack 2024's figures whose "$" is not joined to them."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.sources.pages.introductory import introductory
from pipeline.sources.pages.money import money
from tests.sources.reworded import reworded_pages

FIGURE = r"(\$\s?\d[\d,]*(?:\.\d+)?)"
UNTOUCHED = {
    "pricing-pages/runpod_20260810082317.html",
    "pricing-pages/paperspace_20240123092147.html",
    "pricing-pages/hyperstack_20240822101707.html",
}


@pytest.mark.parametrize("words", [r"Save \1", r"\1 off", r"\1 discount", r"\1 avg.", r"\1 (first month)"])
def test_a_figure_its_words_make_no_price_is_never_a_quote(realdata: Path, words: str) -> None:
    for relative, found, before in reworded_pages(realdata, FIGURE, words):
        assert found <= before, relative
        assert relative in UNTOUCHED or not found, (relative, sorted(map(str, found)))


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("Save $0.50/hr", None),
        ("$0.50 off", None),
        ("a $0.50/hr discount", None),
        ("$2.49/hr avg.", None),
        ("$2.49 (median)", None),
        ("$2.49/hr off-peak", ("2.49", "USD")),  # a time of day, not a discount
        ("On-demand $2.49/hr, save $0.50/hr with 1-year", ("2.49", "USD")),
        ("$2.49/hr (save 20%)", ("2.49", "USD")),
        ("Discount price $2.49/hr", ("2.49", "USD")),  # the price after the discount
    ],
)
def test_the_figure_a_text_prices(text: str, read: tuple[str, str] | None) -> None:
    assert money(text) == read


@pytest.mark.parametrize(
    ("text", "said"),
    [("$2.49 (first month)", True), ("$2.49 first month only", True), ("(first 3 months)", True),
     ("First month free", False), ("first-come access", False)],
)  # fmt: skip
def test_a_first_period_in_the_figures_words_is_a_condition(text: str, said: bool) -> None:
    assert introductory(text) is said
