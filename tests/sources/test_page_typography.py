"""Figures typeset in parts (`pages.typography.join_cents`): what is one figure, and what is left as it is."""

from __future__ import annotations

import pytest
from selectolax.parser import HTMLParser

from pipeline.sources.pages.document import node_text
from pipeline.sources.pages.money import money
from pipeline.sources.pages.typography import join_cents


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
