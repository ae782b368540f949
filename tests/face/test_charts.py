"""The charts and words shared by the pages, the report and the CLI, on the cases the stored data does not have
yet: a methodology's new status (`indicative`) or flag, a single day of history, very long provider names."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from pipeline.face import charts, words


def _rows(statuses: list[str], start: date = date(2026, 1, 30)) -> list[dict[str, object]]:
    rows = []
    for i, status in enumerate(statuses):
        valued = status != "withheld"
        rows.append(
            {
                "fixing_date": start + timedelta(days=i),
                "status": status,
                "value": Decimal("2.5") + Decimal(i) / 10 if valued else None,
                "p25": Decimal("2.0") if valued else None,
                "p75": Decimal("3.0") if valued else None,
            }
        )
    return rows


def marks(svg: str, kind: str) -> int:
    """Data marks of a kind drawn in a Vega SVG (legend symbols excluded)."""
    groups = re.findall(rf'<g class="mark-{kind} role-mark[^"]*"[^>]*>(.*?)</g>', svg, flags=re.S)
    return sum(len(re.findall(r"<(path|line)\b", g)) for g in groups)


def test_every_status_is_drawn_and_in_the_legend_even_one_no_table_knows() -> None:
    statuses = ["published", "indicative", "withheld", "published", "suspended", "withheld", "indicative"]
    svg = charts.history_chart(_rows(statuses), "gpu_hour", "USD", "test")
    legend = set(re.findall(r'<g class="mark-text role-legend-label"[^>]*>.*?<text[^>]*>([^<]+)</text>', svg, re.S))
    assert legend >= {"published", "indicative", "withheld", "suspended"}
    assert marks(svg, "symbol") == 5  # a point per day with a value, whatever its status
    assert marks(svg, "rule") >= 2  # the days without a value are marked
    assert "USD per GPU-hour" in svg
    assert words.status("suspended").colour == words.NEUTRAL and words.status("indicative").colour != words.NEUTRAL


def test_one_day_reads_with_month_and_year_and_a_visible_band() -> None:
    svg = charts.history_chart(_rows(["published"]), "mtok_blend", "USD", "one day")
    labels = re.findall(r'<g class="mark-text role-axis-label"[^>]*>(.*?)</g>', svg, re.S)
    dates = re.findall(r">(\d{1,2} [A-Z][a-z]{2} \d{4})<", "".join(labels))
    assert dates and "30 Jan 2026" in dates
    assert not re.search(r">(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d\d<", svg)  # the old "Mon 03" axis
    assert marks(svg, "symbol") == 1 and marks(svg, "rule") == 1  # the P25-P75 band as a bar on the one day
    assert "USD per million tokens (3:1 input:output)" in svg


def test_long_provider_names_are_never_shortened() -> None:
    providers = [
        {"provider": "primeintellect-community-marketplace-eu-west", "value": "2.1", "verdict": "counted"},
        {"provider": "a", "value": "1.9", "verdict": "mad_screen"},
        {"provider": "b", "value": None, "verdict": "stale"},
    ]
    svg = charts.providers_chart(providers, "2.0", "gpu_hour", "USD", "providers")
    assert ">primeintellect-community-marketplace-eu-west<" in svg and "…" not in svg
    assert marks(svg, "rect") == 2  # providers with a value
    rules = charts.count_chart([("implausible_price_for_this_good", 12), ("parser", 3)], "rows", "Rejections")
    assert ">implausible_price_for_this_good<" in rules


def test_words_explain_known_flags_and_fall_back_to_the_name() -> None:
    assert words.flag("low_contribution") == "fewer than 5 providers contributed a value"
    assert words.flag("brand_new_flag") == "brand new flag"
    assert words.gate("min_providers").startswith("too few providers")
    assert words.gate("min_providers", 2).startswith("too few providers")
    assert words.gate("min_providers", 0).startswith("no provider quoted it")  # nothing to screen, nothing quoted
    assert words.per_unit("USD", "gpu_hour") == "USD per GPU-hour"
    names, colours = words.status_domain(["withheld", "zeta", "published"])
    assert names[:3] == ["published", "indicative", "withheld"] and names[-1] == "zeta" and len(colours) == 4
