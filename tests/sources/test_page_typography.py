"""Figures typeset in parts (`pages.typography.join_cents`): what is one figure, and what is left as it is."""

from __future__ import annotations

from pathlib import Path

import pytest
from selectolax.parser import HTMLParser

from pipeline.sources.pages.document import node_text
from pipeline.sources.pages.money import money
from pipeline.sources.pages.typography import join_cents
from tests.sources.reworded import reworded_pages


def shown(html: str) -> str:
    return node_text(join_cents(HTMLParser(f"<div>{html}</div>")).css_first("div"))


@pytest.mark.parametrize(
    ("html", "figure"),
    [
        ("$2<sup>49</sup>/hr", ("2.49", "USD")),
        ("<span>$2</span><span class='cents'>49</span> per hour", ("2.49", "USD")),
        ("<span class='c'>$</span><span class='i'>2</span><sup class='d'>49</sup>", ("2.49", "USD")),
        ("<b>$23</b><span><sup>92</sup></span>/hr", ("23.92", "USD")),
        ("US$ 2<sup>49</sup>", ("2.49", "USD")),
        ("2<sup>49</sup> €/h", ("2.49", "EUR")),
        ("$64<sup>4400</sup> / 1 hour", ("64.4400", "USD")),
        # the decimal point before the raised digits, or in an element of its own
        ("$2.<sup>49</sup>/hr", ("2.49", "USD")),
        ("$2<span>.</span><sup>49</sup>/hr", ("2.49", "USD")),
        ("$<b>2</b>.<sup>49</sup>", ("2.49", "USD")),
        # raised, a space apart: still the cents
        ("$2 <sup>49</sup>/hr", ("2.49", "USD")),
        ("<span>$2</span> <sup>49</sup>/hr", ("2.49", "USD")),
        # left as they are: a footnote's mark, a figure that has its decimals, cents not raised a space apart
        ("$2<sup>1</sup>/hr", ("2", "USD")),
        ("$2.49<sup>12</sup>/hr", ("2.49", "USD")),
        ("$2<span class='unit'>49</span>", ("2", "USD")),
        ("$2 <span>49</span>", ("2", "USD")),
    ],
)
def test_a_figure_in_parts_is_read_as_the_page_shows_it(html: str, figure: tuple[str, str]) -> None:
    assert money(shown(html)) == figure


def test_digits_after_a_name_are_no_decimals() -> None:
    assert shown("NVIDIA H100<sup>80</sup> GB") == "NVIDIA H100 80 GB"


@pytest.mark.parametrize("cents", [r"\2.<sup>\3</sup>", r"\2<span>.</span><span>\3</span>", r"\2<sup>.\3</sup>"])
def test_every_real_page_with_its_cents_typeset_apart_gives_its_quotes(realdata: Path, cents: str) -> None:
    """("$3.<sup>90</sup>/GPU-hr" was read as $3 on every page: the decimal point ended the whole part's element.)"""
    changed = 0
    for relative, found, before in reworded_pages(realdata, r"(?<=>)([^<]*?)(\$\s?\d[\d,]*)\.(\d+)", rf"\1{cents}"):
        changed += 1
        assert found == before, (relative, sorted(map(str, found ^ before))[:4])
    assert changed >= 15
