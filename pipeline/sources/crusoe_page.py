"""Crusoe Cloud's pricing page (crusoe.ai/cloud/pricing): one row per GPU, one column per pricing type.

Two shapes are read:
- 2025 table: <th> "On-Demand | Current Spot | 6-month reserved | 1-year reserved | 3-year reserved",
  each row a GPU ("NVIDIA H100" + "80GB" + "SXM") priced "$ 3.90 /hr". The row is one GPU, so
  "/hr" is per GPU-hour.
- Webflow list (late 2025 onwards): a "GPU model | On-demand | Current spot" heading row and
  `.prixing-item` entries (h4 "NVIDIA H100", tags "80GB" "HGX", cells "$3.90/GPU-hr").
Only the GPU-instances list is read; later lists on the same page (CPU, storage, tokens,
"Self-Serve Deployments" dedicated-endpoint prices) are other products. "Contact sales" cells are
not priced and yield no row. The label keeps the page's own tags: "HGX" is not spelled out as
SXM here (the identity rules decide what HGX means).
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl
from selectolax.parser import HTMLParser, Node

from pipeline.domain.records import RawCapture, parsed_frame
from pipeline.sources.archive import archived_page_time
from pipeline.sources.base import Archive, Request, Source
from pipeline.sources.pages.document import dom, node_text
from pipeline.sources.pages.gpu import memory_gb
from pipeline.sources.pages.reader import page_parsers
from pipeline.sources.pages.rows import UNTYPED_REASON, cell_figure, page_row
from pipeline.sources.pages.wording import NO_TERM_REASON, per_instance, pricing_type_of, teaser_reason
from pipeline.sources.read import require

PROVIDER = "crusoe"
HOSTS = ("crusoe.ai", "www.crusoe.ai")
URL = "https://www.crusoe.ai/cloud/pricing"


def parse_crusoe_page(capture: RawCapture) -> pl.DataFrame:
    """GPU rows from whichever page shape is present; neither shape present is schema drift."""
    tree = dom(capture)
    rows = _table_rows(capture, tree) + _list_rows(capture, tree)
    require(len(rows) > 0, capture, "no Crusoe GPU pricing table or list with a $ price found")
    return parsed_frame(rows)


def _table_rows(capture: RawCapture, tree: HTMLParser) -> list[dict[str, Any]]:
    """The 2025 <table>: first header cell names the table ("GPU Pricing"), every other one a pricing type."""
    rows: list[dict[str, Any]] = []
    for table in tree.css("table"):
        header = [node_text(th) for th in table.css("thead th")]
        # Crusoe's table: a GPU column, then only pricing-type columns (no VRAM or CPU specs).
        if len(header) < 2 or "gpu" not in header[0].lower() or not all(map(pricing_type_of, header[1:])):
            continue
        for tr in table.css("tbody tr"):
            cells = [td for td in tr.iter() if td.tag == "td"]
            if not cells:
                continue
            name = node_text(cells[0].css_first("div div") or cells[0])
            tags = [node_text(tag) for tag in cells[0].css("div div div")]
            rows += _priced(capture, name, tags, header[1:], [node_text(c) for c in cells[1:]])
    return rows


def _list_rows(capture: RawCapture, tree: HTMLParser) -> list[dict[str, Any]]:
    """The Webflow list: the heading row whose first heading is "GPU model", then its items."""
    rows: list[dict[str, Any]] = []
    for heading_row in tree.css(".pricing-table-heading"):
        header = [node_text(h) for h in heading_row.css(".pricing-heading")]
        if not header or header[0].lower() != "gpu model":
            continue
        block: Node | None = heading_row.parent
        if block is None:
            continue
        for item in block.css(".prixing-item, .pricing-item"):
            name = node_text(item.css_first(".pricing-item-heading"))
            tags = [node_text(tag) for tag in item.css(".pricing-tag")]
            cells = [node_text(c) for c in item.css(".pricing-rich")]
            rows += _priced(capture, name, tags, header[1:], cells)
    return rows


def _priced(
    capture: RawCapture, name: str, tags: list[str], columns: list[str], cells: list[str]
) -> list[dict[str, Any]]:
    """One row per priced cell of a GPU: the column header gives the pricing type."""
    if not name:
        return []
    tags = [t for t in tags if t]
    memory = next((m for m in (memory_gb(t) for t in tags) if m is not None), None)
    label = " ".join([name, *tags])
    rows: list[dict[str, Any]] = []
    for column, text in zip(columns, cells, strict=False):
        figure = cell_figure(text)
        if figure is None:
            continue  # "Contact sales"
        amount, passed = figure  # passed: the cell's words pass over its figure ("Was $3.50")
        pricing_type = pricing_type_of(column)
        untyped = UNTYPED_REASON.format(title=column) if pricing_type is None else None  # refused, not passed over
        reason = (
            passed
            or untyped
            or teaser_reason(text)
            or (NO_TERM_REASON if pricing_type == "reserved_unspecified" else None)
        )
        if per_instance(text):  # never seen on this page: a machine price with no machine size
            reason = "price is per machine but the page gives no GPU count"
        rows.append(
            page_row(
                capture,
                PROVIDER,
                sku=label,
                label=label,
                pricing_type=pricing_type or "on_demand",
                gpu_count=1,
                gpu_memory_gb=memory,
                price_per="gpu_hour",
                price_native=amount[0],
                currency=amount[1],
                reject_reason=reason,
                attributes=json.dumps({"column": column, "price_text": text, "tags": tags}),
            )
        )
    return rows


SOURCE = Source(
    name="crusoe-page",
    product="gpu_hour",
    hosts=HOSTS,
    requests=(Request(url=URL),),
    **page_parsers(parse_crusoe_page, "crusoe", "neocloud", ("crusoe",)),
    description="Crusoe Cloud pricing page (USD per GPU-hour: on-demand, spot and reserved terms)",
    providers=(PROVIDER,),
    archives=(Archive("pricing-pages-crusoe", "pricing-pages/crusoe_*.html", archived_page_time, snapshots=False),),
)
