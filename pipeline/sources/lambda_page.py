"""Lambda's GPU cloud pricing page (lambdalabs.com/service/gpu-cloud, now lambda.ai/pricing).

Two archived shapes are read, both HTML tables with one row per machine:
- 2023: "8x NVIDIA H100 SXM | 80 GB | ... | $20.72 / hr" — the whole machine's hourly price, so
  the row is instance_hour with the machine's GPU count; and a reserved-cluster table whose
  "Per Hour Price" is "$1.89/H100/hour" with a "Term" column ("3-years" -> reserved_3y).
- 2024: "On-demand 8x NVIDIA H100 SXM | 80 GB | ... | $2.99 / GPU / hr" — per GPU-hour, with the
  pricing type leading the row name.
A price is per GPU only when its cell or column says so. Rows without a figure ("CONTACT SALES")
are not priced and yield no row. The label is what the page says (GPU column, else the machine
name) plus the VRAM column, so "NVIDIA A100 | 40 GB" stays without a form factor and is left
for the identity rules to reject as ambiguous.
"""

from __future__ import annotations

import json
import re
from typing import Any

import polars as pl

from pipeline.domain.records import RawCapture, parsed_frame
from pipeline.sources.archive import archived_page_time
from pipeline.sources.base import PAGE_NOT_SAMPLED, Archive, Request, Source
from pipeline.sources.pages.document import cell_texts, table_dom
from pipeline.sources.pages.gpu import memory_gb
from pipeline.sources.pages.meaning import UNTOLD_REASON
from pipeline.sources.pages.money import money, not_the_price
from pipeline.sources.pages.names import count_in, gpu_phrase, is_name
from pipeline.sources.pages.nearest import SEVERAL_TYPES_REASON
from pipeline.sources.pages.reader import page_parsers
from pipeline.sources.pages.recorded import units_in
from pipeline.sources.pages.rows import cell_figure, page_row, refused_row
from pipeline.sources.pages.wording import (
    NO_TERM_REASON,
    PRICE_TITLE,
    commitment,
    per_gpu,
    pricing_type_of,
    sized_name,
    teaser_reason,
    types_named,
)
from pipeline.sources.read import require

PROVIDER = "lambda"
HOSTS = ("lambda.ai", "www.lambda.ai", "lambdalabs.com", "www.lambdalabs.com")
URL = "https://lambda.ai/pricing"

# A row name may lead with its pricing type ("On-demand 8x NVIDIA H100 SXM"); a row may also carry
# it in a cell of its own ("Reserved", "Sprint").
_KIND = re.compile(r"^(on[\s-]?demand|reserved|sprint)\b\s*", re.IGNORECASE)
_PRICE_TITLE = re.compile(PRICE_TITLE, re.IGNORECASE)
UNSIZED_REASON = "a GPU's price in a row that names no machine ('8x NVIDIA ...'), as every row of this layout does"
_VRAM = re.compile(r"^\d+(?:\.\d+)?\s*GI?B$", re.IGNORECASE)  # "80 GB", "80GiB"


def parse_lambda_page(capture: RawCapture) -> pl.DataFrame:
    """Rows of every machine table on the page; a page without one is schema drift."""
    tree = table_dom(capture)
    for badge in tree.css("span.tag"):  # "New" badges inside GPU names
        badge.decompose()
    rows: list[dict[str, Any]] = []
    for table in tree.css("table"):
        header: list[str] = []
        for tr in table.css("tr"):
            cells = cell_texts(tr)
            if tr.css_first("td") is None or (len(cells) > 1 and not any(map(_machine_or_price, cells))):
                header = cells  # <th> cells, or <td> cells naming no machine and no price: the column titles (one
                continue  # cell alone is a section's label: the titles above it stand)
            row = _row(capture, header, cells)
            if row is not None:
                rows.append(row)
    machines = [row for row in rows if row["reject_reason"] != UNSIZED_REASON]  # a page of this layout has some
    require(len(machines) > 0, capture, "no Lambda machine rows ('8x NVIDIA ...' with a $ price) found")
    return parsed_frame(rows)


def _price_cell(header: list[str], priced: list[int]) -> int | None:
    """The row's on-demand price among its figures: the one figure, else the one under a title that names a price of
    the hour and no other pricing type, unit or add-on ("PRICE/GPU/HR" beside "Spot price", "Price per month",
    "Storage"); None when the titles do not tell one (before: the last figure was read, whatever its column)."""
    if len(priced) == 1:
        return priced[0]
    plain = [i for i in priced if i < len(header) and _plain_price(header[i])]
    return plain[0] if len(plain) == 1 else None


def _plain_price(title: str) -> bool:
    return (
        _PRICE_TITLE.search(title) is not None
        and pricing_type_of(title) in (None, "on_demand")
        and units_in(title) <= {"hour"}
        and not_the_price("", "", title) is None
    )


def _passed_over(cells: list[str]) -> tuple[str, tuple[str, str], str] | None:
    """The first figure of a row whose every figure its words pass over ("Was $3.50", "$3.59 incl. 20% VAT"), as
    (its cell, (amount, currency), why): a row so priced is refused with the reason, not passed over in silence."""
    for cell in cells:
        if (found := cell_figure(cell)) is not None and found[1] is not None:
            return cell, found[0], found[1]
    return None


def _machine_or_price(cell: str) -> bool:
    return money(cell) is not None or _sized(cell) is not None


def _sized(cell: str) -> tuple[int, str] | None:
    """A machine's GPU count and GPU as a cell names them: "8x NVIDIA H100 SXM" ("On-demand 8x ..."), or as pages also
    write them, "NVIDIA H100 SXM x8", "NVIDIA B200 (8x)", "8×L40S" (before, such a priced row was passed over)."""
    text = _KIND.sub("", cell)
    found = sized_name(text)
    if found is None and is_name(text) and (count := count_in(text)) is not None and (phrase := gpu_phrase(text)):
        return count, phrase
    return found


def _column(header: list[str], cells: list[str], *names: str, exact: bool = False) -> str | None:
    """The cell under the first header that is (or, unless exact, contains) one of `names`."""
    for i, title in enumerate(header):
        lowered = title.lower().rstrip("*")
        if i < len(cells) and any((lowered == n) if exact else (n in lowered) for n in names):
            return cells[i]
    return None


def _row(capture: RawCapture, header: list[str], cells: list[str]) -> dict[str, Any] | None:
    machine_at = next((i for i, c in enumerate(cells) if _sized(c)), None)
    priced = [i for i, c in enumerate(cells) if money(c)]
    if machine_at is not None and not priced and (passed := _passed_over(cells)) is not None:
        (text, figure, why), machine = passed, cells[machine_at]
        count, name = _sized(machine) or (None, machine)
        attributes = json.dumps({"machine": machine, "price_text": text})
        fields = {"sku": machine, "label": name, "gpu_count": count, "attributes": attributes}
        return refused_row(capture, PROVIDER, "neocloud", figure, why, **fields)
    gpu = next((c for c in cells if is_name(_KIND.sub("", c))), None) if machine_at is None and priced else None
    if gpu is not None:  # a GPU's priced row without its machine ("NVIDIA H100 SXM | $2.99"): refused, not passed over
        shown, amount = cells[priced[0]], money(cells[priced[0]])
        assert amount is not None
        attributes = json.dumps({"machine": None, "price_text": shown})
        return refused_row(
            capture, PROVIDER, "neocloud", amount, UNSIZED_REASON, sku=gpu, label=gpu, attributes=attributes
        )
    if machine_at is None or not priced:
        return None  # not a machine row, or a machine without a figure ("CONTACT SALES")
    price_at = _price_cell(header, priced)
    untold = price_at is None
    price_at = priced[-1] if price_at is None else price_at
    price_text = cells[price_at]
    price_header = header[price_at] if price_at < len(header) else ""  # "PRICE/GPU/HR", "Per Hour Price"
    machine = cells[machine_at]
    sized = _sized(machine)
    assert sized is not None
    count, name = sized
    kind_match = _KIND.match(machine) or (_KIND.match(cells[0]) if machine_at > 0 else None)
    kind = kind_match.group(1) if kind_match else ""

    gpu_column = _column(header, cells, "gpu", exact=True)
    model = gpu_column if gpu_column else name
    if gpu_column and "NVIDIA" in name.upper() and "NVIDIA" not in gpu_column.upper():
        model = f"NVIDIA {gpu_column}"
    vram = _column(header, cells, "vram", "gpu memory")
    if vram is None:
        vram = next((c for i, c in enumerate(cells) if i != machine_at and _VRAM.match(c)), None)
    memory = memory_gb(vram) if vram else None
    term = _column(header, cells, "term")

    pricing_type = "on_demand"
    committed = commitment(f"{term} term") if term else None  # the column says it is a term: "1 week" is one
    if kind and not kind.lower().startswith("on"):
        pricing_type = committed or pricing_type_of(kind) or "reserved_unspecified"
    elif committed and not kind:  # a row with a commitment's term, whatever it calls itself ("Committed")
        pricing_type = committed
    # The types the row's own words name (its first cell, its machine, its term): one is the row's ("Spot" before the
    # machine, "Month-to-month 8x NVIDIA H100 SXM"); several ("Spot / On-demand 8x ...", "On-demand" with a 3-year
    # term) leave it untold, not guessed.
    told = ", ".join(t for t in (cells[0] if machine_at else "", machine, f"{term} term" if term else "") if t)
    said = types_named(told)
    several = SEVERAL_TYPES_REASON.format(text=told) if len(said) > 1 else None
    if len(said) == 1:
        pricing_type = said.pop()
    whole_machine = not (per_gpu(price_text) or per_gpu(price_header))
    amount = money(price_text)
    assert amount is not None
    label = f"{model} {memory:g}GB" if memory and memory_gb(model) is None else model
    return page_row(
        capture,
        PROVIDER,
        sku=f"{count}x {label}",
        label=label,
        pricing_type=pricing_type,
        gpu_count=count if whole_machine else 1,
        gpu_memory_gb=memory,
        price_per="instance_hour" if whole_machine else "gpu_hour",
        price_native=amount[0],
        currency=amount[1],
        reject_reason=(UNTOLD_REASON if untold else None)
        or several
        or teaser_reason(price_text)
        or (NO_TERM_REASON if pricing_type == "reserved_unspecified" else None),
        attributes=json.dumps(
            {"machine": machine, "machine_gpus": count, "kind": kind or None, "term": term, "price_text": price_text}
        ),
    )


SOURCE = Source(
    name="lambda-page",
    product="gpu_hour",
    hosts=HOSTS,
    requests=(Request(url=URL),),
    **page_parsers(parse_lambda_page, "lambda", "neocloud", ("lambdalabs", "lambda.ai", "lambda labs", "lambda cloud")),
    description="Lambda GPU cloud pricing page (HTML table; USD per machine-hour or per GPU-hour as the page says)",
    providers=(PROVIDER,),
    archives=(Archive("pricing-pages-lambda", "pricing-pages/lambda_*.html", archived_page_time, snapshots=False),),
    no_sample_reason=PAGE_NOT_SAMPLED,
)
