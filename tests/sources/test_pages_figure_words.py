"""Every real pricing page with each "$X" figure given words that make it no price of use now: a discount ("Save $X",
"$X off"), a statistic ("$X avg."), an introductory offer ("$X (first month)"), a date it is not in force at
("Effective March 1, 2027: $X", "$X (until Dec 31, 2019)"), a block of hours or of GPUs ("$X per 100 hours", "$X per
10 GPUs"), a volume of use ("$X for 1,000+ hours", "(volume pricing)"), an OS licence ("Windows: $X"). No such figure
may stay a quote (each was read as the price on every page); what stays is only what the rewording did not touch:
RunPod's JSON-LD prices, and Paperspace's and Hyperstack 2024's figures whose "$" is not joined to them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipeline.domain.records import RawCapture
from pipeline.sources import REGISTRY
from pipeline.sources.pages.introductory import introductory
from pipeline.sources.pages.money import money
from pipeline.sources.pages.when import not_in_force
from tests.helpers import FETCHED
from tests.sources.reworded import reworded_pages
from tests.sources.test_pages_redesigned import quotes

FIGURE = r"(\$\s?\d[\d,]*(?:\.\d+)?)"
UNTOUCHED = {
    "pricing-pages/runpod_20260810082317.html",
    "pricing-pages/paperspace_20240123092147.html",
    "pricing-pages/hyperstack_20240822101707.html",
}


@pytest.mark.parametrize(
    "words",
    [
        r"Save \1", r"\1 off", r"\1 discount", r"\1 avg.", r"\1 (first month)", r"Effective March 1, 2027: \1",
        r"\1 (effective 2027-03-01)", r"\1 (until Dec 31, 2019)", r"\1 per 100 hours", r"\1 per 10 GPUs",
        r"\1 for 1,000+ hours", r"\1 (volume pricing)", r"Windows: \1", r"\1 (Windows)",
    ],
)  # fmt: skip
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
        ("$249 per 100 hours", None),
        ("$2,490 / 1,000 GPU-hours", None),
        ("$2.49 / 1 hour", ("2.49", "USD")),  # GCP's way of writing an hour
        ("$23.92/hr per 8 GPUs", None),
        ("$2.49 per GPU", ("2.49", "USD")),
        ("$3·90/hr", None),
        ("$2.49/Monat", None),  # a unit the reader does not know
        ("2,49 €/mois", None),
        ("$1.89/NVIDIA H100 SXM/hr", ("1.89", "USD")),
        ("$0.14 / 1 hour", ("0.14", "USD")),
        ("On-demand $2.49 / Spot $0.99", ("2.49", "USD")),  # a "/" between figures is no unit: the first figure
        ("2,49 €/Stunde", None),  # the hour in another language: refused, not guessed
        ("Windows: $4.99/hr", None),  # an OS licence in the price: GPU goods are Linux machines
        ("$4.99/hr (Windows)", None),
        ("$3.67 / 1 hour (Windows: $99.99 / 1 hour)", ("3.67", "USD")),
        ("Linux: $3.67/hr, Windows: $99.99/hr", ("3.67", "USD")),
        ("Ubuntu $2.49/hr", ("2.49", "USD")),
        ("$1.99/hr for 1,000+ hours", None),
        ("$1.99 (volume pricing)", None),
        ("$1.99/hr Volume discounts available", ("1.99", "USD")),  # a note beside the figure, not its condition
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


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("GPU-hour (Effective October 1, 2026)", "take effect on 2026-10-01"),
        ("$2.49 (effective 2027-03-01)", "take effect on 2027-03-01"),
        ("effective from 1 March 2027", "take effect on 2027-03-01"),
        ("Effective Sept. 3rd, 2026", "take effect on 2026-09-03"),
        ("Effective June 1, 2026", None),  # in force by the day the page was seen
        ("until Dec 31, 2019", "in force until 2019-12-31"),
        ("valid through 2025-12-31", "in force until 2025-12-31"),
        ("until Dec 31, 2026", None),  # still in force
        ("Pay until you stop", None),
    ],
)
def test_the_dates_a_figures_words_give_it(text: str, reason: str | None) -> None:
    said = not_in_force([text], date(2026, 8, 3))
    assert (said is None) if reason is None else (said is not None and reason in said)


def test_a_figure_also_shown_in_force_stays_beside_a_column_of_later_prices(realdata: Path) -> None:
    """Nebius 2026 prices the RTX PRO 6000 at $1.80 both now and in its "GPU-hour (Effective October 1, 2026)"
    column: the figure in force stays a quote; the changed ones of that column are refused."""
    offered = quotes(RawCapture("nebius-page", REGISTRY["nebius-page"].requests[0].url, FETCHED,
                                (realdata / "provider-pages-2026/nebius.html").read_bytes()))  # fmt: skip
    assert (None, "on_demand", 1, "1.8") in offered


@pytest.mark.parametrize("point", ["·", "•"])
def test_a_figure_with_a_decimal_point_the_reader_does_not_know_is_not_its_whole_part(
    realdata: Path, point: str
) -> None:
    """ "$3·90" was read as $3 on every page: a figure is read to the end of its number or not at all."""
    for relative, found, before in reworded_pages(realdata, r"(\$\s?\d+)\.(\d+)", rf"\1{point}\2"):
        assert found <= before, relative
        assert relative in UNTOUCHED or not found, (relative, sorted(map(str, found)))


@pytest.mark.parametrize("beside", [r"\1Linux: \2\3, Windows: $99.99\3", r"\1US-East \2\3 · EU-West $99.99\3"])
def test_a_figure_beside_another_labelled_one_is_not_replaced_by_it(realdata: Path, beside: str) -> None:
    """GCP's page with a Windows or another region's figure beside each price: its layout reader refuses the cells, and
    the meaning reader took the second figure as replacing the first (56 quotes at $99.99). Now a Windows figure is
    refused and the first read; two regions' figures, each with its label, are both refused (neither is said to be
    the good's)."""
    unit = r"(\s*/\s*(?:1\s+)?[\w-]+(?:\s*/\s*[\w-]+)?)"
    for relative, found, before in reworded_pages(realdata, rf"(?<=>)([^<]*?)(\$\s?\d[\d,]*(?:\.\d+)?){unit}", beside):
        assert found <= before, (relative, sorted(map(str, found - before))[:4])
