"""Every real pricing page with the unit of time after its figures ("/hr", "/GPU/hour") reworded to another period as
pages also write it ("(monthly)", "(Daily)"), and a column header's unit so reworded ("On-Demand Price (Monthly)"):
the figures are then no hourly prices, so a page can only lose quotes, and loses those. A regression test of every
reader at once ("$4.29 (monthly)" was read as $4.29 an hour on eight of the real pages, and CoreWeave's figures under
"On-Demand Price (Monthly)" as hourly: a period said by an adverb was not read as one; so were "$2,49/Monat", "/mois",
"/月": a unit in a word the reader does not know is no hour; nor is "/Stunde" read as one, since the readers' other
words, per GPU or per machine, are English: Lambda's "$1.89/H100/Stunde" would be a machine's price). Likewise a
figure said to price a whole machine ("/server-hr", "per 8-GPU node-hr") is never read as one GPU's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.domain.records import RawCapture
from pipeline.sources import REGISTRY
from tests.helpers import FETCHED, run
from tests.sources.reworded import reworded_pages
from tests.sources.test_pages_redesigned import as_captured, quotes

HOURLY = r"(?i)/\s*(?:hr|hour)\b"  # "/hr", "/GPU/hour" (its "/hour"), "/ hr"


@pytest.mark.parametrize(
    "period", [" (monthly)", " (Daily)", " weekly", "/month", "/Monat", "/mois", "/月", "/Stunde", "/heure"]
)
def test_figures_said_to_be_of_another_period_are_never_read_as_hourly(realdata: Path, period: str) -> None:
    lost = []
    for relative, found, before in reworded_pages(realdata, HOURLY, period):
        assert found <= before, (relative, sorted(found - before))
        lost += [relative] if found < before else []
    # the pages whose figures carry their unit: Crusoe 2025, DigitalOcean, Fluidstack 2025, Lambda 2023 and 2024,
    # Paperspace, Voltage Park (elsewhere the reworded words are a description's, or the unit is a header's)
    assert len(lost) >= 7, lost


@pytest.mark.parametrize(("adverb", "unit"), [("Monthly", "month"), ("Daily", "day"), ("Weekly", "week")])
def test_a_column_headed_with_another_period_prices_no_hour(realdata: Path, adverb: str, unit: str) -> None:
    """CoreWeave's "On-Demand Price (Per Hour)" and "Spot Price (Per Hour)" headers reworded "(Monthly)"."""
    relative = "provider-pages-2026/coreweave.html"
    html = (realdata / relative).read_text()
    changed = html.replace("(Per Hour)", f"({adverb})")
    assert changed != html
    _, offered, refused = run(
        RawCapture("coreweave-page", REGISTRY["coreweave-page"].requests[0].url, FETCHED, changed.encode())
    )
    assert offered.is_empty()
    assert refused["reason"].str.contains(f"per {unit}, not per hour").sum() >= 21  # the page's 21 quotes as captured


@pytest.mark.parametrize("machine", ["/server", " per 8-GPU node", "/8x server", " per 8 GPU machine"])
def test_a_figure_said_to_price_a_machine_is_never_one_gpus_price(realdata: Path, machine: str) -> None:
    """Crusoe's "$4.29/GPU-hr" reworded "$4.29/server-hr" or "$4.29 per 8-GPU node-hr" was read as $4.29 per GPU
    ("/server" and a machine with its size were not read as a machine): now refused, or, where the words give the
    machine's size, read as that machine's price."""
    relative = "provider-pages-2026/crusoe.html"
    html = (realdata / relative).read_text()
    changed = re.sub(r"/GPU(?=-hr)", machine, html)
    assert changed != html
    found = quotes(RawCapture("crusoe-page", REGISTRY["crusoe-page"].requests[0].url, FETCHED, changed.encode()))
    before = as_captured("crusoe-page", realdata / relative)
    assert before and not found & before  # no figure is still one GPU's price
    sized = any(c.isdigit() for c in machine)
    assert {count for _, _, count, _ in found} == ({8} if sized else set())


@pytest.mark.parametrize(
    ("term", "written"),
    [
        (r"1[- ]?years?", "12-month"),
        (r"1[- ]?years?", "one-year"),
        (r"3[- ]?years?", "three year"),
        (r"6[- ]?months?", "six-month"),
    ],
)
def test_a_commitment_term_written_another_way_is_the_same_term(realdata: Path, term: str, written: str) -> None:
    """A reservation's length in words or in months ("three year", "12-month") is the same pricing type as in digits:
    every real page so reworded gives exactly its quotes as captured (GCP's "CUDs - 12-month" columns were lost, and
    every spelled-out term was refused as a reservation without one)."""
    changed_pages = 0
    for relative, found, before in reworded_pages(realdata, rf"(?i)\b{term}\b", written):
        changed_pages += 1
        assert found == before, relative
    assert changed_pages >= 2


@pytest.mark.parametrize("word", ["Monat", "mois", "月"])
def test_a_column_headed_with_a_unit_the_reader_does_not_know_prices_no_hour(realdata: Path, word: str) -> None:
    """Fluidstack 2025's "On-Demand Price (/hr)" and "1 Year price (/hr)" headers with another language's unit: its
    figures (no unit of their own) were read as hourly."""
    relative = "pricing-pages/fluidstack_20250109013724.html"
    html = (realdata / relative).read_text()
    changed = html.replace("(/hr)", f"(/{word})")
    assert changed != html
    found = quotes(
        RawCapture("fluidstack-page", REGISTRY["fluidstack-page"].requests[0].url, FETCHED, changed.encode())
    )
    assert as_captured("fluidstack-page", realdata / relative) and not found
