"""A self-contained HTML report for analysts: charts rendered to inline SVG (altair + vl-convert).

No script, font or stylesheet is fetched when the file is opened: it works offline.
"""

from __future__ import annotations

import html
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import altair as alt
import polars as pl
import vl_convert as vlc

from pipeline.store import Warehouse


def _svg(chart: alt.TopLevelMixin) -> str:
    return str(vlc.vegalite_to_svg(chart.to_dict()))


def history_chart(rows: pl.DataFrame, code: str) -> str:
    data = rows.select(
        pl.col("fixing_date").cast(pl.String),
        pl.col("value").cast(pl.Float64),
        pl.col("p25").cast(pl.Float64),
        pl.col("p75").cast(pl.Float64),
    ).to_dicts()
    base = alt.Chart(alt.Data(values=data)).encode(x=alt.X("fixing_date:T", title="fixing date"))
    band = base.mark_area(opacity=0.25).encode(y=alt.Y("p25:Q", title="USD"), y2="p75:Q")
    line = base.mark_line(point=True).encode(y="value:Q", tooltip=["fixing_date:T", "value:Q"])
    return _svg(
        (band + line).properties(title=f"{code}: fixing with P25-P75 band of provider values", width=720, height=260)
    )


def providers_chart(rows: pl.DataFrame, code: str, day: date) -> str:
    data = rows.select("provider", pl.col("provider_value").cast(pl.Float64).alias("value"), "verdict").to_dicts()
    chart = (
        alt.Chart(alt.Data(values=data))
        .mark_bar()
        .encode(
            x=alt.X("value:Q", title="USD"),
            y=alt.Y("provider:N", sort="-x", title=None),
            color=alt.Color("verdict:N", title="verdict"),
            tooltip=["provider:N", "value:Q", "verdict:N"],
        )
    )
    return _svg(chart.properties(title=f"{code} on {day}: provider values", width=720, height=18 * max(4, len(data))))


def rejections_chart(rows: pl.DataFrame) -> str:
    data = rows.select("rule", pl.col("rejections").cast(pl.Int64)).to_dicts()
    chart = (
        alt.Chart(alt.Data(values=data))
        .mark_bar()
        .encode(
            x=alt.X("rejections:Q", title="rows rejected"),
            y=alt.Y("rule:N", sort="-x", title=None),
            tooltip=["rule:N", "rejections:Q"],
        )
    )
    return _svg(chart.properties(title="Rejections by rule", width=720, height=22 * max(3, len(data))))


def build_report(warehouse: Warehouse, code: str | None = None, day: date | None = None) -> str:
    history = warehouse.index_history()
    if history.height == 0:
        raise ValueError("no fixings in the warehouse yet")
    published = history.filter(pl.col("status") == "published")
    if code is None:
        counts = published.group_by("index_code").len().sort(["len", "index_code"], descending=[True, False])
        code = str(counts["index_code"][0]) if counts.height else str(history["index_code"][0])
    series = history.filter((pl.col("index_code") == code) & (pl.col("status") == "published"))
    if day is None:
        day = series["fixing_date"].max() if series.height else history["fixing_date"].max()  # type: ignore[assignment]
    assert day is not None
    spreads = warehouse.provider_spreads(code, day)
    rejections = warehouse.rejections_by_rule()
    latest = warehouse.latest_fixings()
    sections = [
        ("Index history", history_chart(series, code) if series.height else "<p>No published fixings.</p>"),
        (
            "Provider values on a fixing day",
            providers_chart(spreads, code, day) if spreads.height else "<p>No constituents.</p>",
        ),
        ("Rejection reasons", rejections_chart(rejections) if rejections.height else "<p>No rejections.</p>"),
    ]
    return _page(code, day, sections, latest)


def _page(code: str, day: date, sections: list[tuple[str, str]], latest: pl.DataFrame) -> str:
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(_cell(r[c]))}</td>"
            for c in ("index_code", "status", "value", "unit", "n_providers", "flags")
        )
        + "</tr>"
        for r in latest.iter_rows(named=True)
    )
    body = "".join(f"<section><h2>{html.escape(t)}</h2><figure>{svg}</figure></section>" for t, svg in sections)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Compute Index report: {html.escape(code)}</title>"
        "<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:980px}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}</style>"
        f"</head><body><h1>Compute Index — {html.escape(code)}, {day}</h1>{body}"
        "<section><h2>Latest fixings</h2><table><tr><th>index</th><th>status</th><th>value</th><th>unit</th>"
        f"<th>providers</th><th>flags</th></tr>{rows}</table></section></body></html>\n"
    )


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, Decimal):
        return format(value.quantize(Decimal("0.0001")), "f")
    if isinstance(value, str) and value.startswith("["):
        return ", ".join(json.loads(value)) or "-"
    return str(value)


def write_report(warehouse: Warehouse, out: Path, code: str | None = None, day: date | None = None) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(build_report(warehouse, code, day))
    return out
