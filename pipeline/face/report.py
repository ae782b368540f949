"""A self-contained HTML report for analysts: the index pages' tables and charts in one offline file.

The charts are the web pages' (`face.charts`, inline SVG) and so are the words and the templates; the
stylesheet is inlined. No script, font or stylesheet is fetched when the file is opened.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from pipeline.face import charts
from pipeline.face.web import pages, views
from pipeline.store import Warehouse


def default_index(warehouse: Warehouse) -> str:
    """The index with the most published days (ties: by code), or the first with any fixing."""
    history = warehouse.index_history()
    if history.height == 0:
        raise ValueError("no fixings in the warehouse yet: run `cix run` or `cix backfill` first")
    published = history.filter(pl.col("status") == "published")
    counts = published.group_by("index_code").len().sort(["len", "index_code"], descending=[True, False])
    return str(counts["index_code"][0]) if counts.height else str(history.sort("index_code")["index_code"][0])


def build_report(warehouse: Warehouse, code: str | None = None, day: date | None = None) -> str:
    code = code or default_index(warehouse)
    detail = views.index_page(warehouse, code, day)
    if detail is None:
        raise ValueError(f"{code} has no fixings yet")
    listing = views.index_list(warehouse)
    rejections = warehouse.rejections_by_rule()
    rejections_chart = (
        charts.count_chart(
            [(r["rule"], r["rejections"]) for r in rejections.iter_rows(named=True)],
            "rows rejected",
            "Rejected rows by rule (all sources, all time)",
        )
        if rejections.height
        else ""
    )
    return pages.render(
        "report.html",
        p=detail,
        listing=listing,
        indices=listing["indices"],
        generated_for=listing["latest_day"] or detail["day"],
        rejections_chart=rejections_chart,
        inline_css=pages.stylesheet(),
        home_link="#",
        offline=True,
    )


def write_report(warehouse: Warehouse, out: Path, code: str | None = None, day: date | None = None) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(build_report(warehouse, code, day))
    return out
