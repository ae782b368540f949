"""CoreWeave's pricing page: GPU instance prices per instance-hour, one table per region.

Each "GPU Model" table (`.table-v2`, headed by an "REGION: ..." eyebrow) lists instances
with their GPU count ("8", or "4^1" with a footnote) and per-GPU VRAM; the on-demand and spot
columns price the whole instance, so rows are instance_hour with gpu_count. The North
America table adds "Inference Single GPU Price": its footnote limits it to CoreWeave
inference-platform customers, so it is recorded as a rejection, not a public quote.
Tables headed "CPU Model", storage and networking are not GPU prices and are not read.
"""

from __future__ import annotations

import json
import re
from typing import Any

import polars as pl
from selectolax.parser import Node

from pipeline.domain.records import RawCapture, parsed_frame
from pipeline.sources.base import Request, Source
from pipeline.sources.pages.document import classes, dom, node_text
from pipeline.sources.pages.money import is_no_price, money
from pipeline.sources.pages.reader import page_parsers
from pipeline.sources.pages.recorded import text_reason
from pipeline.sources.pages.rows import UNTYPED_REASON, page_row
from pipeline.sources.pages.wording import TEASER_REASON, hgx_label, is_teaser, leading_int, pricing_type_of
from pipeline.sources.read import require

HOSTS = ("www.coreweave.com", "coreweave.com")
URL = "https://www.coreweave.com/pricing"
INFERENCE_REASON = (
    "inference-platform price: the page's footnote limits per-GPU pricing to CoreWeave inference platform "
    "customers, so it is not a public quote"
)


def _cells(node: Node) -> list[Node]:
    """The `.table-v2-cell` children of a row's grid (the mobile-only columns are skipped)."""
    grid = node.css_first(".table-grid")
    return [] if grid is None else [c for c in grid.iter() if "table-v2-cell" in classes(c)]


def _region(table: Node) -> str | None:
    """ "REGION: NORTH AMERICA" from the eyebrow just before the table -> "north_america"."""
    prev = table.prev
    while prev is not None and prev.tag == "-text":
        prev = prev.prev
    text = node_text(prev) if prev is not None else ""
    match = re.match(r"region:\s*(.+)", text, re.IGNORECASE)
    return re.sub(r"\W+", "_", match.group(1).strip().lower()) if match else None


def _column(header: str) -> tuple[str | None, str] | None:
    """(pricing type, what the figure is per) for a price header, None for a spec column. A price column naming
    neither on demand nor spot ("Hourly Price", "Reserved Price") has no type this reader reads: its figures are
    refused, not passed over."""
    text = header.lower()
    if "price" not in text:
        return None
    if "inference" in text:
        return "on_demand", "gpu_hour"
    kind = pricing_type_of(header)  # "On-Demand", "Pay-as-you-go"; "Spot", "Interruptible", "Preemptible"
    return (kind if kind in ("on_demand", "spot") else None), "instance_hour"


def parse_coreweave_page(capture: RawCapture) -> pl.DataFrame:
    tree = dom(capture)
    tables = []
    for table in tree.css(".table-v2"):
        headers = [node_text(c) for c in table.css(".table-v2-header .table-v2-cell")]
        if headers and headers[0].lower() == "gpu model":
            tables.append((table, headers))
    require(bool(tables), capture, "no `.table-v2` table headed 'GPU Model'")
    out: list[dict[str, Any]] = []
    for table, headers in tables:
        lower = [h.lower() for h in headers]
        require("gpu count" in lower, capture, f"GPU table without a 'GPU Count' column: {headers}")
        count_at = lower.index("gpu count")
        vram_at = next((i for i, h in enumerate(lower) if h.startswith("vram")), None)
        prices = [(i, col, headers[i]) for i, h in enumerate(headers) if (col := _column(h)) is not None]
        require(any(kind for _, (kind, _), _ in prices), capture, f"GPU table without price columns: {headers}")
        region = _region(table)
        for row in table.css(".table-row-v2"):
            cells = _cells(row)
            require(len(cells) == len(headers), capture, f"row has {len(cells)} cells for {len(headers)} headers")
            texts = [node_text(c) for c in cells]
            heading = cells[0].css_first("h3")
            name = texts[0]
            product = heading.attributes.get("data-product") if heading is not None else None
            count = leading_int(texts[count_at])
            vram = texts[vram_at] if vram_at is not None else ""
            for i, (pricing_type, price_per), header in prices:
                if is_no_price(texts[i]):
                    continue
                figure = money(texts[i])
                reason = None
                if figure is None:
                    reason = f"price cell {texts[i]!r} is not an amount"
                elif is_teaser(texts[i]):
                    reason = TEASER_REASON
                elif "inference" in header.lower():
                    reason = INFERENCE_REASON
                elif pricing_type is None:
                    reason = UNTYPED_REASON.format(title=header)
                else:
                    reason = text_reason(texts[i], *figure, pricing_type, price_per)  # what its own words say of it
                out.append(
                    page_row(
                        capture,
                        "coreweave",
                        "neocloud",
                        sku=f"{product or name}{':inference' if 'inference' in header.lower() else ''}",
                        label=hgx_label(name),
                        pricing_type=pricing_type or "on_demand",
                        region=region,
                        gpu_count=count if price_per == "instance_hour" else 1,
                        gpu_memory_gb=float(vram) if re.fullmatch(r"\d+(\.\d+)?", vram) else None,
                        price_per=price_per,
                        price_native=figure[0] if figure else texts[i],
                        currency=figure[1] if figure else None,
                        reject_reason=reason,
                        attributes=json.dumps({"column": header, "gpu_count_shown": texts[count_at]}),
                    )
                )
    require(bool(out), capture, "GPU tables carry no prices")
    return parsed_frame(out)


SOURCE = Source(
    name="coreweave-page",
    product="gpu_hour",
    hosts=HOSTS,
    requests=(Request(url=URL),),
    **page_parsers(parse_coreweave_page, "coreweave", "neocloud", ("coreweave",)),
    description="CoreWeave pricing page (per instance-hour on-demand and spot, North America and Europe)",
    providers=("coreweave",),
    no_sample_reason=(
        "CoreWeave's one real capture, a 2026 page with no archive to replay, is left out of the offline set: its "
        "8-GPU list prices (H100 6.155, H200 6.305, B200 8.60 per GPU-hour) beside the set's make H100-OD "
        "indicative under the influence test (measured), leaving the set no settlement-grade GPU fixing to show"
    ),
)
