"""DataCrunch's products page (datacrunch.io/products): instance tables priced per instance-hour.

Each table row is an instance ("1B200.30V", "8B200.240V") with its GPU model ("B200 SXM6 180GB"),
GPU count, total VRAM and three prices "$29.10/h": on demand, dynamic and spot. The figures are
for the whole instance, so rows are instance_hour with the GPU count from the "GPU" column.
A "dynamic" price is re-set daily from demand: it is kept as a rejected on-demand row (with its
own reason) so a fixed on-demand rate and a floating one are never averaged together.
Currency is read from each price, never assumed.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl

from pipeline.domain.records import RawCapture, parsed_frame
from pipeline.sources.archive import archived_page_time
from pipeline.sources.base import PAGE_NOT_SAMPLED, Archive, Request, Source
from pipeline.sources.pages.document import cell_texts, table_dom
from pipeline.sources.pages.gpu import memory_gb
from pipeline.sources.pages.names import is_name
from pipeline.sources.pages.reader import page_parsers
from pipeline.sources.pages.rows import cell_figure, page_row, untied_row
from pipeline.sources.pages.wording import only_type, per_gpu, teaser_reason, types_named
from pipeline.sources.read import require

PROVIDER = "datacrunch"
HOSTS = ("datacrunch.io", "www.datacrunch.io")
URL = "https://datacrunch.io/products"
DYNAMIC_REASON = "dynamic price (re-set daily from demand), not a fixed on-demand rate"


def parse_datacrunch_page(capture: RawCapture) -> pl.DataFrame:
    """Rows of every table headed "Instance name ... price"; none on the page is schema drift."""
    tree = table_dom(capture)
    rows: list[dict[str, Any]] = []
    for table in tree.css("table"):
        header: list[str] = []
        for tr in table.css("tr"):
            cells = cell_texts(tr)
            if tr.css_first("td") is None:
                header = [h.lower() for h in cells]
                continue
            if "instance name" not in header:
                continue
            if len(cells) == len(header):
                rows += _rows(capture, header, cells)
            elif (untied := untied_row(capture, PROVIDER, "neocloud", header, cells)) is not None:
                rows.append(untied)
    require(len(rows) > 0, capture, "no DataCrunch instance table ('Instance name' ... price columns) found")
    return parsed_frame(rows)


def _number(text: str | None) -> Decimal | None:
    match = re.search(r"\d+(?:\.\d+)?", text or "")
    if match is None:
        return None
    try:
        return Decimal(match.group(0))
    except InvalidOperation:
        return None


def _named_gpu(col: dict[str, str]) -> str | None:
    """Without a "GPU model" column (renamed "Model", "GPU type" ...): the one cell of the row that names a GPU model
    (`names.is_name`); None when no cell or several different ones do."""
    named = {text for title, text in col.items() if "price" not in title and is_name(text)}
    return named.pop() if len(named) == 1 else None


def _count_cell(col: dict[str, str]) -> str | None:
    """The GPU count's cell: the "GPU" column, or one headed "GPUs", "GPU count", "# of GPUs", "Number of GPUs"."""
    for title, text in col.items():
        words = re.sub(r"[^a-z#]+", " ", title).split()
        if words in (["gpu"], ["gpus"]) or ({"gpu", "gpus"} & set(words) and {"count", "#", "number"} & set(words)):
            return text
    return None


def _rows(capture: RawCapture, header: list[str], cells: list[str]) -> list[dict[str, Any]]:
    """One row per priced column of an instance."""
    col = dict(zip(header, cells, strict=True))
    sku = col["instance name"]
    model = col.get("gpu model") or _named_gpu(col) or sku
    count_number = _number(_count_cell(col))
    count = int(count_number) if count_number is not None and count_number == int(count_number) else None
    vram = _number(col.get("vram"))
    memory = memory_gb(model)
    if memory is None and vram is not None and count:
        memory = float(vram / count)
    rows: list[dict[str, Any]] = []
    for title, text in col.items():
        if "price" not in title:
            continue
        figure = cell_figure(text)
        if figure is None:
            continue  # "-" / sold out: nothing priced
        amount, passed = figure  # passed: the cell's words pass over its figure ("Was $3.50")
        dynamic = "dynamic" in title
        # A header naming two types ("On-demand price (spot available)") types its figures as neither.
        pricing_type = "on_demand" if dynamic else only_type(title)
        reason = passed or teaser_reason(text) or (DYNAMIC_REASON if dynamic else None)
        if pricing_type is None:
            said = "several pricing types" if types_named(title) else "no pricing type"
            pricing_type, reason = "on_demand", reason or f"price column {title!r} names {said}"
        per_gpu_price = per_gpu(text) or per_gpu(title)
        rows.append(
            page_row(
                capture,
                PROVIDER,
                sku=sku,
                label=model,
                pricing_type=pricing_type,
                gpu_count=1 if per_gpu_price else count,
                gpu_memory_gb=memory,
                price_per="gpu_hour" if per_gpu_price else "instance_hour",
                price_native=amount[0],
                currency=amount[1],
                reject_reason=reason,
                attributes=json.dumps({"column": title, "price_text": text, "instance_gpus": count, "vram": str(vram)}),
            )
        )
    return rows


SOURCE = Source(
    name="datacrunch-page",
    product="gpu_hour",
    hosts=HOSTS,
    requests=(Request(url=URL),),
    **page_parsers(parse_datacrunch_page, "datacrunch", "neocloud", ("datacrunch", "verda")),
    description="DataCrunch products page (per instance-hour: on-demand, spot; dynamic kept as rejected)",
    providers=(PROVIDER,),
    archives=(
        Archive("pricing-pages-datacrunch", "pricing-pages/datacrunch_*.html", archived_page_time, snapshots=False),
    ),
    no_sample_reason=PAGE_NOT_SAMPLED,
)
