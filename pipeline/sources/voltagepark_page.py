"""Voltage Park's pricing page: plan cards for HGX H100 capacity, priced per GPU-hour.

Each plan names its terms in an eyebrow ("On-Demand, Ethernet", "On-demand, 3200 Gbps
Infiniband"), shows one figure ("$1.99/hr") and says how many GPUs it covers ("1-1016 HGX
H100 GPUs"). A plan that rents one GPU up to 1016 at a single hourly figure prices each GPU,
so the figure is per GPU-hour. Plans are read in document order (eyebrow, price, features)
because the archived excerpt starts inside the first card.
"""

from __future__ import annotations

import json
import re
from typing import Any

import polars as pl
from selectolax.parser import Node

from pipeline.domain.records import RawCapture, parsed_frame
from pipeline.sources.archive import archived_page_time
from pipeline.sources.base import PAGE_NOT_SAMPLED, Archive, Request, Source
from pipeline.sources.pages.document import classes, dom, node_text, walk
from pipeline.sources.pages.money import money
from pipeline.sources.pages.reader import page_parsers
from pipeline.sources.pages.rows import page_row
from pipeline.sources.pages.wording import TEASER_REASON, hgx_label, is_teaser, only_type, types_named
from pipeline.sources.read import require

HOSTS = ("www.voltagepark.com", "voltagepark.com")
URL = "https://www.voltagepark.com/pricing"
_GPUS = re.compile(r"(?P<low>\d+)\s*[-–]\s*(?P<high>[\d,]+)\s+(?P<gpu>.+?)\s+GPUs\b", re.IGNORECASE)


def _role(node: Node) -> str | None:
    names = classes(node)
    if "text-eyebrow" in names:
        return "plan"
    if "heading-style-h3" in names:
        return "price"
    if "pricing11_feature" in names:
        return "feature"
    return None


def _plans(root: Node) -> list[dict[str, Any]]:
    plans: list[dict[str, Any]] = []
    for node in walk(root, lambda n: _role(n) is not None):
        role, text = _role(node), node_text(node)
        if role == "plan":
            plans.append({"plan": text, "price": None, "features": []})
        elif plans and role == "price" and plans[-1]["price"] is None:
            plans[-1]["price"] = text
        elif plans and role == "feature":
            plans[-1]["features"].append(text)
    return plans


def _pricing_type(plan: str) -> tuple[str | None, str]:
    """The pricing type a plan's eyebrow names ("On-Demand, Ethernet"), or None and why: it names none, or several
    ("Spot or reserved", "On-demand (1-year reserved available)"), and the figure is neither's."""
    if (kind := only_type(plan)) is None:
        return None, f"plan {plan!r} names {'several pricing types' if types_named(plan) else 'no pricing type'}"
    return ("reserved_unstated_term" if kind == "reserved_unspecified" else kind), ""


def parse_voltagepark_page(capture: RawCapture) -> pl.DataFrame:
    tree = dom(capture)
    plans = _plans(tree.root) if tree.root is not None else []
    require(bool(plans), capture, "no pricing plan cards (`.text-eyebrow`)")
    out: list[dict[str, Any]] = []
    for plan in plans:
        if not plan["price"]:
            continue
        gpus = next((m for f in plan["features"] if (m := _GPUS.search(f))), None)
        figure = money(plan["price"])
        pricing_type, untyped = _pricing_type(plan["plan"])
        reason = None
        if figure is None:
            reason = f"price {plan['price']!r} is not an amount"
        elif is_teaser(plan["price"]):
            reason = TEASER_REASON
        elif gpus is None:
            reason = "plan does not say which GPU it prices"
        elif pricing_type is None:
            reason = untyped
        elif pricing_type == "reserved_unstated_term":
            reason = "reserved plan without a stated term"
        network = plan["plan"].split(",", 1)[1].strip() if "," in plan["plan"] else None
        out.append(
            page_row(
                capture,
                "voltagepark",
                "neocloud",
                sku=plan["plan"],
                label=hgx_label(gpus.group("gpu")) if gpus else plan["plan"],
                pricing_type=pricing_type or "on_demand",
                region=None,
                gpu_count=1,
                price_per="gpu_hour",
                price_native=figure[0] if figure else plan["price"],
                currency=figure[1] if figure else None,
                reject_reason=reason,
                attributes=json.dumps(
                    {
                        "plan": plan["plan"],
                        "network": network,
                        "gpus": f"{gpus.group('low')}-{gpus.group('high')}" if gpus else None,
                        "shown": plan["price"],
                    }
                ),
            )
        )
    require(bool(out), capture, "pricing plans carry no price")
    return parsed_frame(out)


SOURCE = Source(
    name="voltagepark-page",
    product="gpu_hour",
    hosts=HOSTS,
    requests=(Request(url=URL),),
    **page_parsers(parse_voltagepark_page, "voltagepark", "neocloud", ("voltagepark", "voltage park")),
    description="Voltage Park pricing page (HGX H100 per GPU-hour, Ethernet and InfiniBand on-demand plans)",
    providers=("voltagepark",),
    archives=(
        Archive("pricing-pages-voltagepark", "pricing-pages/voltagepark_*.html", archived_page_time, snapshots=False),
    ),
    no_sample_reason=PAGE_NOT_SAMPLED,
)
