"""Google Cloud's GPU pricing page: the accelerator-optimised machine-type tables.

Each row is a machine type ("a3-highgpu-8g") with its GPU ("Nvidia H100"), its components
("GPUs: 8 ...") and prices per VM-hour by column: on-demand ("Price"), "Current Spot",
"Compute Resource CUDs - 1/3 Year" (reserved_1y / reserved_3y), "Compute Flexible CUD -
1/3 Year" (reserved_<n>y_flexible) and Dynamic Workload Scheduler prices. Rows are
instance_hour with gpu_count.

The page names the GPU model only; its form factor and memory are fixed by the machine
type, which Google documents (as the SkyPilot-based `gcp` source also uses): A3 High/Mega
carry H100 SXM 80GB, A3 Ultra H200 SXM, A4 B200, A2 Ultra A100 SXM4 80GB, A2 Standard
A100 SXM4 40GB. The label adds that only when the page's GPU name agrees with the family.
DWS Flex-start and Calendar-mode prices are queued or calendar-booked capacity, not an
on-demand, spot or term price, so they are recorded as rejections. A machine with a
fraction of a GPU ("GPUs: 1/8") has no whole-GPU price and is rejected too.
"""

from __future__ import annotations

import json
import re
from typing import Any

import polars as pl

from pipeline.domain.records import RawCapture, parsed_frame
from pipeline.sources.base import Request, Source
from pipeline.sources.pages.document import cell_texts, dom, squash
from pipeline.sources.pages.machines import FAMILIES
from pipeline.sources.pages.money import is_no_price, money
from pipeline.sources.pages.reader import page_parsers
from pipeline.sources.pages.recorded import text_reason
from pipeline.sources.pages.rows import first_figure, page_row, refused_row, untied_row
from pipeline.sources.pages.wording import TEASER_REASON, commitment, is_teaser, pricing_type_of
from pipeline.sources.read import require

HOSTS = ("cloud.google.com",)
URL = "https://cloud.google.com/compute/gpus-pricing"

DWS_REASON = "{column}: Dynamic Workload Scheduler capacity, not an on-demand, spot or term price"
_MACHINE = re.compile(r"^[a-z][a-z0-9]*-[a-z0-9-]+$")
UNNAMED_MACHINE_REASON = (
    "a priced row whose first cell ({cell!r}) is no machine type: which machine it prices is unknown"
)
_CELL_PRICE = re.compile(r"^\$\s*\d[\d,]*(?:\.\d+)?\s*/\s*1 hour$")


def _column(header: str) -> str | None:
    """Pricing type for a price header; "dws_*" columns become rejections."""
    text = header.lower()
    if text.startswith("price"):
        return "on_demand"
    if "spot" in text or pricing_type_of(header) == "spot":  # "Spot", "Preemptible"
        return "spot"
    if "flex-start" in text or "flex start" in text:
        return "dws_flex_start"
    if "calendar" in text:
        return "dws_calendar"
    term = commitment(header)  # "1 Year", "12 months", "three-year"
    if "cud" in text and term:
        return term + ("_flexible" if "flexible" in text else "")
    return None


def _label(machine: str, gpu: str) -> str:
    family = next((f for f in FAMILIES if machine.startswith(f + "-")), None)
    if family is None:
        return gpu
    model, spec = FAMILIES[family]
    if re.search(rf"\b{model}\b", gpu, re.IGNORECASE) is None:
        return gpu  # the page names another GPU than the family carries: say only what the page says
    return f"{gpu} ({machine}: {spec})"


def parse_gcp_page(capture: RawCapture) -> pl.DataFrame:
    tree = dom(capture)
    tables = []
    for table in tree.css("table"):
        rows = [cell_texts(tr) for tr in table.css("tr")]
        if rows and [h.lower() for h in rows[0][:3]] == ["machine type", "gpu", "components"]:
            tables.append(rows)
    require(bool(tables), capture, "no table headed 'Machine type | GPU | Components'")
    out: list[dict[str, Any]] = []
    for rows in tables:
        headers = rows[0]
        columns = [(i, kind, headers[i]) for i in range(3, len(headers)) if (kind := _column(headers[i])) is not None]
        require(any(k == "on_demand" for _, k, _ in columns), capture, f"no on-demand 'Price' column in {headers}")
        family_name = None
        for cells in rows[1:]:
            if len(cells) != len(headers):
                if (untied := untied_row(capture, "gcp", "hyperscaler", headers, cells)) is not None:
                    out.append(untied)
                continue
            machine = cells[0]
            if not _MACHINE.match(machine):
                if (priced := first_figure(cells[3:])) is not None:  # no family's title
                    unnamed = UNNAMED_MACHINE_REASON.format(cell=machine)
                    out.append(refused_row(capture, "gcp", "hyperscaler", priced, unnamed, sku=machine, label=cells[1]))
                family_name = machine or family_name
                continue
            gpus = re.search(r"GPUs:\s*(\d+(?:/\d+)?)", cells[2])
            count_text = gpus.group(1) if gpus else ""
            count = int(count_text) if count_text.isdigit() else None
            label = _label(machine, cells[1])
            for i, kind, header in columns:
                text = squash(cells[i])
                if is_no_price(text):
                    continue
                figure = money(text) if _CELL_PRICE.match(text) else None
                reason = None
                if figure is None:
                    reason = f"price cell {text!r} is not a '$X / 1 hour' amount"
                elif is_teaser(text):
                    reason = TEASER_REASON
                elif kind.startswith("dws_"):
                    reason = DWS_REASON.format(column=header)
                elif count is None:
                    reason = f"machine has {count_text or 'no stated'} GPUs: no whole-GPU price"
                else:
                    reason = text_reason(text, *figure, kind, "instance_hour")  # what its own words say of it
                out.append(
                    page_row(
                        capture,
                        "gcp",
                        "hyperscaler",
                        sku=machine,
                        label=label,
                        pricing_type=kind,
                        gpu_count=count,
                        price_per="instance_hour",
                        price_native=figure[0] if figure else text,
                        currency=figure[1] if figure else None,
                        reject_reason=reason,
                        attributes=json.dumps(
                            {"column": header, "series": family_name, "gpu": cells[1], "gpus": count_text}
                        ),
                    )
                )
    require(bool(out), capture, "machine-type tables carry no prices")
    return parsed_frame(out)


SOURCE = Source(
    name="gcp-page",
    product="gpu_hour",
    hosts=HOSTS,
    requests=(Request(url=URL),),
    **page_parsers(parse_gcp_page, "gcp", "hyperscaler", ("cloud.google.com", "google cloud")),
    description="Google Cloud GPU pricing page tables (per VM-hour: on-demand, spot, resource and flexible CUDs)",
    providers=("gcp",),
    no_sample_reason=(
        "Google Cloud reaches the offline day through the gcp sample (its SkyPilot catalog of the same list prices); "
        "the one real capture of this page is a current page, with no archive to replay"
    ),
)
