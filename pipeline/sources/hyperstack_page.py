"""Hyperstack's GPU pricing page (hyperstack.cloud/gpu-pricing): one row per GPU, priced per GPU-hour.

Two shapes are read:
- 2024 <table>: "GPU Model | VRAM (GB) | Max pCPUs per GPU | ... | Pricing Per Hour | Reservation
  Pricing", cells "$ 3.75 per Hour" and "Starts from $2.25/hour".
- HubSpot cards (2025 onwards): `.page-price_card` blocks titled "On-Demand GPU Pricing",
  "Reservation Pricing", "Spot VM Pricing", each a head row and `.page-price_card_row_item` rows.
Rows name a single GPU and the machine columns are "per GPU", so prices are per GPU-hour.
Reservation prices are only ever "Starts from" / "Starting from": teaser rows, rejected.
A row naming two GPUs at one price ("NVIDIA RTX A6000/A40") is rejected: it is no single good.
Tables and cards whose first heading is not "GPU Model" (CPU flavours, storage, tokens) are skipped.
VRAM is read from the on-demand card and carried to the reservation and spot cards of the same
page by GPU name, so their labels carry memory too; an excerpt cut before a card's title is
read from its headings alone.
"""

from __future__ import annotations

import json
import re
from typing import Any

import polars as pl
from selectolax.parser import HTMLParser, Node

from pipeline.domain.records import RawCapture, parsed_frame
from pipeline.sources.archive import archived_page_time
from pipeline.sources.base import Archive, Request, Source
from pipeline.sources.pages.document import dom, has_class, node_text
from pipeline.sources.pages.gpu import memory_gb
from pipeline.sources.pages.nearest import SEVERAL_TYPES_REASON, several_types_said
from pipeline.sources.pages.reader import page_parsers
from pipeline.sources.pages.rows import cell_figure, page_row
from pipeline.sources.pages.wording import NO_TERM_REASON, TEASER_REASON, is_teaser, pricing_type_of
from pipeline.sources.read import require

PROVIDER = "hyperstack"
HOSTS = ("hyperstack.cloud", "www.hyperstack.cloud")
URL = "https://www.hyperstack.cloud/gpu-pricing"

# (card title, column headings, rows of cell texts)
_Block = tuple[str, list[str], list[list[str]]]


def parse_hyperstack_page(capture: RawCapture) -> pl.DataFrame:
    """GPU rows of every GPU table or card; a page with neither is schema drift."""
    tree = dom(capture)
    blocks = [b for b in _tables(tree) + _cards(tree) if b[1] and b[1][0].lower().startswith("gpu model")]
    memory: dict[str, float] = {}
    for _title, header, cells in blocks:
        vram_at = next((i for i, h in enumerate(header) if "vram" in h.lower()), None)
        for row in cells:
            if vram_at is not None and vram_at < len(row) and re.fullmatch(r"\d+(?:\.\d+)?", row[vram_at]):
                memory.setdefault(row[0], float(row[vram_at]))
    rows = [row for block in blocks for row in _rows(capture, block, memory)]
    require(len(rows) > 0, capture, "no Hyperstack GPU pricing table or card with a $ price found")
    return parsed_frame(rows)


def _tables(tree: HTMLParser) -> list[_Block]:
    blocks: list[_Block] = []
    for table in tree.css("table"):
        header = [node_text(th) for th in table.css("thead th")]
        body = [[node_text(td) for td in tr.css("td")] for tr in table.css("tbody tr")]
        blocks.append(("", header, [r for r in body if r]))
    return blocks


def _cards(tree: HTMLParser) -> list[_Block]:
    blocks: list[_Block] = []
    for card in tree.css(".page-price_card_main"):
        parent: Node | None = card.parent
        title = ""
        if parent is not None and has_class(parent, "page-price_card"):
            title = node_text(parent.css_first("h3"))
        header = [node_text(h) for h in card.css(".page-price_card_head_item")]
        body = [
            [node_text(c) for c in item.css(".page-price_card_row_item_col")]
            for item in card.css(".page-price_card_row_item")
        ]
        blocks.append((title, header, [r for r in body if r]))
    return blocks


def _rows(capture: RawCapture, block: _Block, memory: dict[str, float]) -> list[dict[str, Any]]:
    title, header, body = block
    rows: list[dict[str, Any]] = []
    for cells in body:
        name = cells[0]
        gb = memory.get(name)
        label = f"{name} {gb:g}GB" if gb and memory_gb(name) is None else name
        # "NVIDIA RTX A6000/A40": one price for two different GPUs is no single good.
        two_gpus = f"one price for two GPU models ({name!r}), not a defined good" if "/" in name else None
        for heading, text in zip(header[1:], cells[1:], strict=False):
            figure = cell_figure(text)
            if figure is None:
                continue  # "Reserve here" links, specs, "Contact us"
            amount, passed = figure  # passed: the cell's words pass over its figure ("Was $3.50")
            pricing_type = pricing_type_of(f"{title} {heading}")
            if pricing_type is None and "per hour" in heading.lower():
                pricing_type = "on_demand"  # the page's plain hourly column: the on-demand rate
            if pricing_type is None:
                continue  # a $ figure under a heading that is not a GPU-hour price
            several = several_types_said([heading, title])  # "Spot / On-demand": not which one this figure is
            reason = passed or two_gpus or (SEVERAL_TYPES_REASON.format(text=several) if several else None)
            if passed is None and (is_teaser(heading) or is_teaser(text)):
                reason = TEASER_REASON
            elif pricing_type == "reserved_unspecified":
                reason = reason or NO_TERM_REASON
            rows.append(
                page_row(
                    capture,
                    PROVIDER,
                    sku=name,
                    label=label,
                    pricing_type=pricing_type,
                    gpu_count=1,
                    gpu_memory_gb=gb,
                    price_per="gpu_hour",
                    price_native=amount[0],
                    currency=amount[1],
                    reject_reason=reason,
                    attributes=json.dumps({"card": title or None, "column": heading, "price_text": text}),
                )
            )
    return rows


SOURCE = Source(
    name="hyperstack-page",
    product="gpu_hour",
    hosts=HOSTS,
    requests=(Request(url=URL),),
    **page_parsers(parse_hyperstack_page, "hyperstack", "neocloud", ("hyperstack",)),
    description="Hyperstack GPU pricing page (USD per GPU-hour: on-demand, spot; 'starting from' reservations)",
    providers=(PROVIDER,),
    archives=(
        Archive("pricing-pages-hyperstack", "pricing-pages/hyperstack_*.html", archived_page_time, snapshots=False),
    ),
)
