"""The pricing-page helpers (`sources/pages/`): exact money, a page's own time, pricing-type words."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.domain.records import RawCapture
from pipeline.sources.pages.money import amounts, money
from pipeline.sources.pages.pairs import untold_pair
from pipeline.sources.pages.when import page_time, wayback_time
from pipeline.sources.pages.wording import commitment, is_teaser, only_type, pricing_type_of, types_named
from tests.helpers import FETCHED


def test_money_reads_exact_amounts_and_currencies() -> None:
    assert money("$2.49") == ("2.49", "USD")
    assert money("$2.49/hr") == ("2.49", "USD")
    assert money("€1.20") == ("1.20", "EUR")
    assert money("2,49 €") == ("2.49", "EUR")
    assert money("$1,234.56 per month") == ("1234.56", "USD")
    assert money("1.234,56 €") == ("1234.56", "EUR")
    assert money("$ \u00a02.20 per Hour") == ("2.20", "USD")
    assert money("from $0.74**") == ("0.74", "USD")
    assert money("8x H100 80GB") is None
    assert money("Contact sales") is None
    # A GPU's name ending in digits right before the mark: "H200 $3.49" was read as "200 $", the price 200 USD.
    assert money("NVIDIA H200 $3.49/GPU/hr") == ("3.49", "USD")
    assert money("8x H100 $20.72") == ("20.72", "USD") and money("A100 €1.20") == ("1.20", "EUR")
    assert money("H100: 2,49 €/h") == ("2.49", "EUR")


def test_wayback_time_and_observed_at() -> None:
    note = b"<!-- excerpt of https://web.archive.org/web/20241103180910id_/x\n (capture 20241103180910, CDX) -->\n<p>"
    assert wayback_time(note) == datetime(2024, 11, 3, 18, 9, 10, tzinfo=UTC)
    footer = b"<p>$1</p><!--\n FILE ARCHIVED ON 19:40:11 Sep 09, 2023 AND RETRIEVED FROM THE\n -->"
    assert wayback_time(footer) == datetime(2023, 9, 9, 19, 40, 11, tzinfo=UTC)
    assert wayback_time(b"<p>a capture 20241103180910 in the text is not an archive note</p>") is None
    archived = RawCapture(
        source="x", url="https://web.archive.org/web/20240101020304id_/https://a/", fetched_at=FETCHED, body=b"<p>"
    )
    assert page_time(archived) == datetime(2024, 1, 1, 2, 3, 4, tzinfo=UTC)
    assert page_time(RawCapture(source="x", url="https://a/", fetched_at=FETCHED, body=b"<p>")) == FETCHED


@pytest.mark.parametrize(
    ("text", "floor"),
    [
        ("from $2.49/hr", True),
        ("$2.49+", True),
        ("2,49 €+ / Stunde", True),
        ("$2.49/hr and up", True),
        ("$2.49 or more", True),
        ("≥ $2.49", True),
        ("¥450+ / GPU / hour", True),  # a floor in any currency a page prints, not a yen price
        ("≥ ₹200", True),
        ("2,49 EUR/Stunde and up", True),
        ("USD 2.49 or more", True),
        ("¥450 + ¥20 storage", False),
        ("$2.49/hr", False),
        ("$2.49 for 8+ GPUs", False),  # a volume's sign, not the price's
        ("$2.49 + $0.10 storage", False),  # an add-on
        ("Available from July 2026: $6.99", False),
    ],
)
def test_a_floor_in_words_or_signs(text: str, floor: bool) -> None:
    assert is_teaser(text) is floor


def test_pricing_type_words() -> None:
    assert pricing_type_of("On-Demand") == "on_demand"
    assert pricing_type_of("Current Spot") == pricing_type_of("Preemptible, GPU-hour") == "spot"
    assert pricing_type_of("6-month reserved") == "reserved_6m"
    assert pricing_type_of("1-year reserved") == commitment("12 months") == "reserved_1y"
    assert pricing_type_of("Reserve") == "reserved_unspecified"
    assert pricing_type_of("Savings plan") == "reserved_unspecified"  # a commitment, whose term the words leave out
    # RunPod spells it "interruptable": its spot price; "uninterruptable" (or "non-interruptible") is on demand
    assert pricing_type_of("interruptable price") == pricing_type_of("Interruptible") == "spot"
    assert pricing_type_of("uninterruptable price") == pricing_type_of("Non-interruptible") == "on_demand"
    assert pricing_type_of("3-year savings plan") == "reserved_3y"
    assert pricing_type_of("Pricing Per Hour") is None
    # "Annual" beside an hourly price is a one-year commitment's rate (it was read as on demand, clashing with it).
    assert pricing_type_of("Annual") == pricing_type_of("Billed yearly") == "reserved_1y"
    # A minimum of weeks is a commitment too (it was on demand); a trial or a billing cycle is none.
    assert pricing_type_of("1-week minimum") == pricing_type_of("Minimum of 1 week") == "reserved_1w"
    assert pricing_type_of("2-week term") == "reserved_2w"
    assert pricing_type_of("Start your 14-day free trial") is pricing_type_of("Try it free for 1 week") is None
    # A month-to-month contract is a month's commitment, renewed: never the on-demand price (it was read as one).
    assert pricing_type_of("Month-to-month") == pricing_type_of("month to month contract") == "reserved_1m"
    # Paying ahead is a commitment: "with prepayment" was read as the on-demand price, "Prepay 12 months" as well.
    assert pricing_type_of("$2.49/hr with prepayment") == "reserved_unspecified"
    assert pricing_type_of("Prepay 12 months") == "reserved_1y"
    # Words naming several types name each of them, however they are joined: one title over two figures ("On-demand /
    # Spot") types neither; a reservation with its term is one type.
    assert types_named("On-demand / Spot") == types_named("Spot | on-demand") == {"on_demand", "spot"}
    assert types_named("Spot and on-demand instances") == {"on_demand", "spot"}
    assert types_named("1-year / 3-year reserved") == {"reserved_1y", "reserved_3y"}
    assert only_type("Reserved instances, 1-year term") == "reserved_1y" and only_type("Spot/Interruptible") == "spot"
    assert only_type("On-demand / Spot") is None
    # An aside in parentheses is a part of its own: "(spot available)" names a second type, "(1 year)" a term.
    assert types_named("On-demand (spot available)") == {"on_demand", "spot"}
    assert only_type("On-demand price (reserved pricing available)") is None
    assert only_type("Spot (interruptible)") == "spot" and only_type("Reserved (1 year)") == "reserved_1y"
    assert only_type("$2.99/hr on demand") == "on_demand" and only_type("Pricing per GPU/hr") is None


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("$0.01 / $2.99/hr", 0),
        ("$2.99 or $1.49", 0),
        ("$2.99/hr | $1.49/hr", 0),
        ("H100 $4.00/hr, $2.99/hr, $1.49/hr", 0),
        ("$20.72/hr ($2.59/GPU/hr)", None),  # a machine's and a GPU's
        ("$2.99/hr, $1.49/hr spot", None),  # the second's own type
        ("$2.99 / $23.92 per node", None),  # a GPU's and a machine's
        ("$2.99/hr / $2.99/hr", None),  # the same figure twice
        ("$2.99/hr (€2.75/hr)", None),  # another currency
        ("$2.49 - $3.29/hr", None),  # a range: refused as one
    ],
)
def test_two_figures_side_by_side_that_nothing_tells_apart(text: str, first: int | None) -> None:
    assert untold_pair(text, amounts(text)) == first


def test_a_list_price_and_its_replacement_are_told_apart_only_by_their_order() -> None:
    text = "$6.74 /GPU/hour $3.39 /GPU/hour*"  # DigitalOcean 2025: the meaning reader takes the later
    assert untold_pair(text, amounts(text)) == 0
    assert untold_pair(text, amounts(text), alternatives_only=True) is None
    assert untold_pair("$6.74 / $3.39 /GPU/hour", amounts("$6.74 / $3.39 /GPU/hour"), alternatives_only=True) == 0
