"""Monthly settlement rules (contracts v2): which days count, the fallback waterfall and its limits, the freeze."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from pipeline.settle import DayFixing, contract, settle, settlement_document
from pipeline.settle.freeze import decide

SPEC = contract("CIXF-H100-OD")
MARCH = SPEC.business_days(2026, 3)  # 22 business days


def days(status: str, value: str | None, which: list[date]) -> dict[date, DayFixing]:
    return {d: DayFixing(d, status, None if value is None else Decimal(value), 1) for d in which}


def test_a_clean_month_settles_on_the_mean_of_its_published_fixings() -> None:
    fixings = days("published", "2.5", MARCH[:11]) | days("published", "2.6", MARCH[11:])
    result = settle(SPEC, 2026, 3, fixings)
    assert result.status == "settled" and result.price == Decimal("2.5500") and result.fallbacks == 0


def test_more_than_five_consecutive_fallbacks_means_no_settlement() -> None:
    fixings = (
        days("published", "2.5", MARCH[:5]) | days("withheld", None, MARCH[5:11]) | days("published", "2.6", MARCH[11:])
    )
    result = settle(SPEC, 2026, 3, fixings)
    assert result.status == "no_settlement" and result.price is None
    assert result.max_run_of_fallbacks == 6
    assert "administrator_review:consecutive_fallbacks" in result.flags
    five = {**fixings, MARCH[10]: DayFixing(MARCH[10], "published", Decimal("2.6"), 1)}
    ok = settle(SPEC, 2026, 3, five)
    assert ok.status == "settled" and ok.fallbacks == 5


def test_an_indicative_fixing_is_not_a_settlement_value() -> None:
    fixings = days("published", "2.5", MARCH) | days("indicative", "9.9", MARCH[3:5])
    result = settle(SPEC, 2026, 3, fixings)
    assert result.status == "settled" and result.price == Decimal("2.5000") and result.fallbacks == 2
    used = [e for e in result.evidence if e["status"] == "indicative"]
    assert all(e["fallback"] and e["used"] == "2.5" and "not a settlement value" in e["why"] for e in used)


def test_fallbacks_beyond_a_quarter_of_the_month_mean_no_settlement() -> None:
    # 17 of 22 days withheld used to settle; now more than 5 fallbacks (25 % of 22) refer the month.
    spread = [d for i, d in enumerate(MARCH) if i % 3 == 0]  # runs of two withheld days, never five
    fixings = days("withheld", None, MARCH) | days("published", "2.5", spread)
    result = settle(SPEC, 2026, 3, fixings)
    assert result.fallbacks > 5 and result.max_run_of_fallbacks <= 5
    assert result.status == "no_settlement" and "administrator_review:fallback_share" in result.flags


def test_an_old_value_is_never_a_fallback() -> None:
    # The last published value is from August of the year before: far older than 5 business days.
    august = DayFixing(date(2025, 8, 29), "published", Decimal("3.92"), 1)
    fixings = days("withheld", None, MARCH[:2]) | days("published", "2.1", MARCH[2:])
    result = settle(SPEC, 2026, 3, fixings, [august])
    assert result.status == "no_settlement"
    assert "administrator_review:no_fallback_within_age" in result.flags
    assert (
        result.evidence[0]["used"] is None and "no published fixing within 5 business days" in result.evidence[0]["why"]
    )
    recent = DayFixing(SPEC.business_days_before(MARCH[0], 1)[0], "published", Decimal("2.2"), 1)
    assert settle(SPEC, 2026, 3, fixings, [recent]).status == "settled"


def test_a_run_across_the_month_end_counts_in_both_months() -> None:
    # The last four business days of February and the first two of March withheld: a run of six.
    feb_end = SPEC.business_days(2026, 2)[-4:]
    before = [DayFixing(d, "withheld", None, 1) for d in feb_end]
    before += [DayFixing(d, "published", Decimal("2.5"), 1) for d in SPEC.business_days(2026, 2)[:-4]]
    fixings = days("withheld", None, MARCH[:2]) | days("published", "2.5", MARCH[2:])
    result = settle(SPEC, 2026, 3, fixings, before)
    assert result.max_run_of_fallbacks == 6
    assert result.status == "no_settlement" and "administrator_review:consecutive_fallbacks" in result.flags


def test_a_final_settlement_is_frozen_and_a_later_difference_is_a_notice() -> None:
    first = settlement_document(settle(SPEC, 2026, 3, days("published", "2.5", MARCH)))
    latest = {
        **first,
        "revision": 1,
        "price": Decimal(first["price"]),
        "evidence": json.dumps(first["evidence"], sort_keys=True),
    }
    restated = settlement_document(
        settle(SPEC, 2026, 3, days("published", "2.5", MARCH[1:]) | days("published", "2.7", MARCH[:1]))
    )
    assert decide(None, first, final_day_reached=False).action == "new"
    assert decide({**latest, "final": False}, restated, final_day_reached=False).action == "new"
    assert decide({**latest, "final": False}, first, final_day_reached=True) == decide(None, first, True)
    assert decide({**latest, "final": True}, first, final_day_reached=True).action == "unchanged"
    assert decide({**latest, "final": True}, restated, final_day_reached=True).action == "notice"
    assert SPEC.final_settlement_day(2026, 3) == date(2026, 4, 2)
