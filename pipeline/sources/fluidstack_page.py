"""Fluidstack's GPU pricing page: per-GPU-hour on-demand and commitment prices.

The page has been two shapes: a div grid (`.pricing-row`, 2023) and a `<table>` (2025).
Both are read into the same (header, cells) form so one interpreter reads the columns by
their names: "On-Demand" is on_demand, "6 Month" / "1 Year" a reserved term, "VRAM" the
memory per GPU. Columns such as "Max vCPUs per GPU ($0.01/hr)" price CPUs, not GPUs, and
are not read. The table's other columns are per GPU, and so are its prices.
"""

from __future__ import annotations

import json
import re
from typing import Any

import polars as pl

from pipeline.domain.records import RawCapture, parsed_frame
from pipeline.sources.archive import archived_page_time
from pipeline.sources.base import PAGE_NOT_SAMPLED, Archive, Request, SchemaDrift, Source
from pipeline.sources.pages.document import dom, node_text
from pipeline.sources.pages.money import is_no_price, money
from pipeline.sources.pages.reader import page_parsers
from pipeline.sources.pages.recorded import text_reason
from pipeline.sources.pages.rows import UNTYPED_REASON, page_row
from pipeline.sources.pages.wording import TEASER_REASON, commitment, hgx_label, is_teaser, pricing_type_of
from pipeline.sources.read import require

HOSTS = ("www.fluidstack.io", "fluidstack.io")
URL = "https://www.fluidstack.io/pricing"

Table = tuple[list[str], list[tuple[str, list[str]]]]


def _grid(capture: RawCapture) -> Table | None:
    """2023 shape: `.pricing__top-headline` headers, `.pricing-row` rows of `.pricing__text` cells."""
    tree = dom(capture)
    headers = [node_text(n) for n in tree.css(".pricing__top-headline")]
    rows = []
    for row in tree.css(".pricing-row"):
        name = node_text(row.css_first(".pricing__headline"))
        cells = [node_text(n) for n in row.css(".pricing__text")]
        if name and cells:
            rows.append((name, cells))
    return (headers, rows) if headers and rows else None


def _table(capture: RawCapture) -> Table | None:
    """2025 shape: `table.pricing_table`, the model in each row's `<th>`, figures in `<td>`s."""
    table = dom(capture).css_first("table.pricing_table")
    if table is None:
        return None
    headers = [node_text(n) for n in table.css("thead th")]
    rows = []
    for tr in table.css("tbody tr"):
        name = node_text(tr.css_first("th"))
        cells = [node_text(n) for n in tr.css("td")]
        if name and cells:
            rows.append((name, cells))
    return (headers, rows) if headers and rows else None


def _price_columns(headers: list[str]) -> list[tuple[int, str | None, str]]:
    """(cell index, pricing type, header) for the GPU price columns; cell index skips the model column. A price
    column whose title names neither on demand nor a term ("Hourly price") has no type: its figures are refused."""
    columns: list[tuple[int, str | None, str]] = []
    for i, header in enumerate(headers[1:]):
        text = header.lower()
        if text.startswith("max") or not re.search(r"\b(cost|price)\b", text):
            continue
        if pricing_type_of(header) == "on_demand":  # "On-Demand", "Pay as you go"
            columns.append((i, "on_demand", header))
        else:
            columns.append((i, commitment(header), header))
    return columns


def parse_fluidstack_page(capture: RawCapture) -> pl.DataFrame:
    found = _grid(capture) or _table(capture)
    if found is None:
        raise SchemaDrift(capture.source, "unexpected structure: no Fluidstack pricing grid or pricing_table")
    headers, rows = found
    require(headers[0].lower() in ("gpu model", "model"), capture, f"first column is {headers[0]!r}, not the GPU model")
    columns = _price_columns(headers)
    require(any(kind for _, kind, _ in columns), capture, f"no on-demand or term price column in headers {headers}")
    vram = next((i for i, h in enumerate(headers[1:]) if h.lower().startswith("vram")), None)
    out: list[dict[str, Any]] = []
    for name, cells in rows:
        memory = cells[vram] if vram is not None and vram < len(cells) else ""
        for index, pricing_type, header in columns:
            if index >= len(cells) or is_no_price(cells[index]):
                continue
            figure = money(cells[index])
            if is_teaser(cells[index]):
                reason: str | None = TEASER_REASON
            elif figure is None:
                reason = f"price cell {cells[index]!r} is not an amount"
            elif pricing_type is None:
                reason = UNTYPED_REASON.format(title=header)  # refused, not passed over
            else:
                reason = text_reason(cells[index], *figure, pricing_type, "gpu_hour")  # what its own words say of it
            out.append(
                page_row(
                    capture,
                    "fluidstack",
                    "neocloud",
                    sku=name,
                    label=hgx_label(name),
                    pricing_type=pricing_type or "on_demand",
                    gpu_count=1,
                    gpu_memory_gb=float(memory) if re.fullmatch(r"\d+(\.\d+)?", memory) else None,
                    price_per="gpu_hour",
                    price_native=figure[0] if figure else cells[index],
                    currency=figure[1] if figure else None,
                    reject_reason=reason,
                    attributes=json.dumps({"column": header}),
                )
            )
    require(bool(out), capture, "pricing grid has no priced cells")
    return parsed_frame(out)


SOURCE = Source(
    name="fluidstack-page",
    product="gpu_hour",
    hosts=HOSTS,
    requests=(Request(url=URL),),
    **page_parsers(parse_fluidstack_page, "fluidstack", "neocloud", ("fluidstack",)),
    description="Fluidstack pricing page (per GPU-hour: on-demand and commitment-term columns)",
    providers=("fluidstack",),
    archives=(
        Archive("pricing-pages-fluidstack", "pricing-pages/fluidstack_*.html", archived_page_time, snapshots=False),
    ),
    no_sample_reason=PAGE_NOT_SAMPLED,
)
