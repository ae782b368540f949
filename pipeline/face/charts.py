"""Charts for the web pages and the offline report, drawn server-side as inline SVG (altair + vl-convert).

Readable at a glance: dates carry month and year, axes carry units, labels are never cut (no label limit and
a font whose widths the renderer and the browser agree on: Liberation Sans is metric-compatible with Arial and
Helvetica, the fallbacks the pages' stylesheet names). Values here are for drawing only; the exact figures are
in the tables beside the charts.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

import altair as alt
import vl_convert as vlc

from pipeline.face import words

FONT = "Liberation Sans"
BAND = "#2563eb"
LINE = "#1f2937"
CONFIG: dict[str, Any] = {
    "font": FONT,
    "axis": {"labelFont": FONT, "titleFont": FONT, "labelFontSize": 11, "titleFontSize": 12, "labelLimit": 0},
    "legend": {"labelFont": FONT, "titleFont": FONT, "labelLimit": 0, "symbolOpacity": 1},
    "title": {"font": FONT, "subtitleFont": FONT, "anchor": "start", "fontSize": 14, "subtitleFontSize": 11},
    "view": {"stroke": None},
}


@lru_cache(maxsize=512)
def _render(spec: str) -> str:
    return str(vlc.vegalite_to_svg(json.loads(spec)))


def svg(chart: alt.TopLevelMixin) -> str:
    """The chart as an SVG string; identical charts (same data) are drawn once per process."""
    return _render(json.dumps(chart.to_dict(), sort_keys=True, default=str))


def _num(value: Any) -> float | None:
    return None if value is None else float(Decimal(value))


def _day(value: date) -> str:
    return value.isoformat()


def time_axis(first: date, last: date, width: int) -> tuple[alt.Scale, alt.Axis]:
    """A UTC date axis padded around the data (one day still gets a readable axis), labelled with month and year."""
    span = (last - first).days
    pad = timedelta(days=max(1, math.ceil(span * 0.03)))
    start, end = first - pad, last + pad
    domain = [alt.DateTime(year=d.year, month=d.month, date=d.day, utc=True) for d in (start, end)]
    scale = alt.Scale(type="utc", domain=domain)
    slots = max(2, width // 90)
    total = (end - start).days
    if total <= 120:  # days: "3 Aug 2026"
        interval, step, fmt = "day", max(1, math.ceil(total / slots)), "%-d %b %Y"
    else:  # months: "Aug 2026"
        interval, step, fmt = "month", max(1, math.ceil(total / 30.4 / slots)), "%b %Y"
    axis = alt.Axis(
        format=fmt,
        tickCount={"interval": interval, "step": step},
        title="fixing date (UTC)",
        labelOverlap="greedy",
        grid=True,
    )
    return scale, axis


def history_chart(
    rows: Sequence[Mapping[str, Any]], unit: str, currency: str, title: str, width: int = 860, height: int = 280
) -> str:
    """Value line with the P25-P75 band of provider values; every day's status as a coloured mark, days without
    a value (withheld) as shaded columns; one legend for every status seen."""
    points, segment, previous = [], 0, True
    for r in sorted(rows, key=lambda r: r["fixing_date"]):
        has_value = r.get("value") is not None
        segment += int(has_value and not previous)
        previous = has_value
        points.append(
            {
                "date": _day(r["fixing_date"]),
                "status": r["status"],
                "value": _num(r.get("value")),
                "p25": _num(r.get("p25")) if has_value else None,
                "p75": _num(r.get("p75")) if has_value else None,
                "segment": segment,
            }
        )
    if not points:
        raise ValueError("no fixings to chart")
    days = [r["fixing_date"] for r in rows]
    scale, axis = time_axis(min(days), max(days), width)
    valued = [p for p in points if p["value"] is not None]
    empty = [p for p in points if p["value"] is None]
    domain, colours = words.status_domain([p["status"] for p in points])
    colour = alt.Color("status:N", scale=alt.Scale(domain=domain, range=colours), title="status")
    x = alt.X("date:T", scale=scale, axis=axis)
    y_title = words.per_unit(currency, unit)
    column = max(1.0, min(10.0, width / max(1, (max(days) - min(days)).days + 2) * 0.8))
    layers: list[alt.Chart] = []
    if empty:
        layers.append(
            alt.Chart(alt.Data(values=empty)).mark_rule(opacity=0.3, strokeWidth=column).encode(x=x, color=colour)
        )
    banded = [p for p in valued if p["p25"] is not None and p["p75"] is not None]
    if banded:
        band = alt.Chart(alt.Data(values=banded)).encode(x=x, y=alt.Y("p25:Q"), y2="p75:Q")
        if len(banded) <= 60:
            layers.append(band.mark_rule(color=BAND, opacity=0.3, strokeWidth=max(3.0, column)))
        else:
            layers.append(band.mark_area(color=BAND, opacity=0.22).encode(detail="segment:N"))
    if valued:
        line = alt.Chart(alt.Data(values=valued)).encode(
            x=x, y=alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False))
        )
        layers.append(line.mark_line(color=LINE, strokeWidth=1.5).encode(detail="segment:N"))
        layers.append(
            line.mark_point(filled=True, size=60 if len(valued) <= 60 else 14, opacity=1).encode(color=colour)
        )
    else:
        layers.append(
            alt.Chart(alt.Data(values=empty)).mark_point(opacity=0).encode(x=x, y=alt.Y("value:Q", title=y_title))
        )
    subtitle = "line: the fixing; blue band: P25 to P75 of provider values; shaded columns: days without a value"
    chart = alt.layer(*layers).properties(width=width, height=height, title=alt.TitleParams(title, subtitle=subtitle))
    return svg(chart.configure(**CONFIG))


def sparkline(rows: Sequence[Mapping[str, Any]], width: int = 140, height: int = 30) -> str:
    """The fixing's recent path, no axes; the last point coloured by its status."""
    valued = [
        {"date": _day(r["fixing_date"]), "value": _num(r["value"]), "status": r["status"]}
        for r in sorted(rows, key=lambda r: r["fixing_date"])
        if r.get("value") is not None
    ]
    if not valued:
        return ""
    domain, colours = words.status_domain([p["status"] for p in valued])
    base = alt.Chart(alt.Data(values=valued)).encode(
        x=alt.X("date:T", axis=None, scale=alt.Scale(type="utc")),
        y=alt.Y("value:Q", axis=None, scale=alt.Scale(zero=False)),
    )
    last = (
        alt.Chart(alt.Data(values=valued[-1:]))
        .mark_point(filled=True, size=30, opacity=1)
        .encode(
            x=alt.X("date:T", axis=None, scale=alt.Scale(type="utc")),
            y=alt.Y("value:Q", axis=None),
            color=alt.Color("status:N", scale=alt.Scale(domain=domain, range=colours), legend=None),
        )
    )
    chart = alt.layer(base.mark_line(color=LINE, strokeWidth=1.2), last).properties(
        width=width, height=height, padding=4
    )
    return svg(chart.configure(**CONFIG))


def providers_chart(
    providers: Sequence[Mapping[str, Any]], fixing_value: Any, unit: str, currency: str, title: str, width: int = 760
) -> str:
    """Each provider's value as a bar coloured by its verdict (counted or why excluded), the fixing as a rule."""
    data = [
        {"provider": p["provider"], "value": _num(p["value"]), "verdict": p.get("verdict") or "counted"}
        for p in providers
        if p.get("value") is not None
    ]
    if not data:
        raise ValueError("no provider values to chart")
    verdicts = sorted({d["verdict"] for d in data}, key=lambda v: (v != "counted", v))
    palette = ["#2563eb", "#b91c1c", "#6b7280", "#b45309", "#7c3aed", "#0f766e"]
    colour = alt.Color(
        "verdict:N",
        scale=alt.Scale(domain=verdicts, range=palette[: len(verdicts)] or palette),
        title="verdict",
    )
    bars = (
        alt.Chart(alt.Data(values=data))
        .mark_bar()
        .encode(
            x=alt.X("value:Q", title=words.per_unit(currency, unit)),
            y=alt.Y("provider:N", sort="-x", title=None, axis=alt.Axis(labelLimit=0)),
            color=colour,
        )
    )
    layers: list[alt.Chart] = [bars]
    if fixing_value is not None:
        layers.append(
            alt.Chart(alt.Data(values=[{"fixing": _num(fixing_value)}]))
            .mark_rule(color=LINE, strokeDash=[4, 3], strokeWidth=1.5)
            .encode(x="fixing:Q")
        )
    subtitle = "dashed line: the fixing" if fixing_value is not None else "no fixing value (withheld)"
    chart = alt.layer(*layers).properties(
        width=width, height=22 * max(3, len(data)), title=alt.TitleParams(title, subtitle=subtitle)
    )
    return svg(chart.configure(**CONFIG))


def count_chart(rows: Sequence[tuple[str, int]], x_title: str, title: str, width: int = 640) -> str:
    """Horizontal bars of counts by label (e.g. rejections by rule), longest first, labels in full."""
    data = [{"label": label, "count": int(count)} for label, count in rows]
    chart = (
        alt.Chart(alt.Data(values=data))
        .mark_bar(color=BAND)
        .encode(
            x=alt.X("count:Q", title=x_title),
            y=alt.Y("label:N", sort="-x", title=None, axis=alt.Axis(labelLimit=0)),
        )
        .properties(width=width, height=22 * max(3, len(data)), title=title)
    )
    return svg(chart.configure(**CONFIG))
