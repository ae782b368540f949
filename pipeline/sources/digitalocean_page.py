"""DigitalOcean's GPU Droplet pricing page: one card per Droplet size, priced per GPU-hour.

Cards say "$2.99 /GPU/hour" with "GPUs per Droplet 8" and the Droplet's total "GPU Memory
640 GB", so the figure is already per GPU and memory per GPU is total / count. A card that
shows two figures shows a struck-through list price and the promotional price in force
("$6.74" then "$3.39*"): the last is the price, the earlier one a rejected list price.
"Reserved Price" cards say "Prices start as low as $1.99/GPU/hour ... commitment of 12
months": a floor for a contract, so they are teaser rejections (reserved_1y).
The page does not say SXM or PCIe for its H100s, so those rows stay ambiguous.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import polars as pl
from selectolax.parser import Node

from pipeline.domain.records import RawCapture, parsed_frame
from pipeline.sources.archive import archived_page_time
from pipeline.sources.base import PAGE_NOT_SAMPLED, Archive, Request, Source
from pipeline.sources.pages.document import dom, node_text, walk
from pipeline.sources.pages.gpu import per_gpu_memory
from pipeline.sources.pages.money import money
from pipeline.sources.pages.nearest import SEVERAL_TYPES_REASON, several_types_said
from pipeline.sources.pages.reader import page_parsers
from pipeline.sources.pages.recorded import text_reason
from pipeline.sources.pages.rows import page_row
from pipeline.sources.pages.wording import (
    TEASER_REASON,
    commitment,
    is_teaser,
    leading_int,
    per_gpu,
    pricing_type_of,
)
from pipeline.sources.read import require

HOSTS = ("www.digitalocean.com",)
URL = "https://www.digitalocean.com/pricing/gpu-droplets"
_COUNT_SUFFIX = re.compile(r"^(?P<gpu>.+?)x(?P<count>\d+)$")


def _is_card(node: Node) -> bool:
    return any("CardPricingCard" in c for c in (node.attributes.get("class") or "").split())


def _specs(card: Node) -> dict[str, str]:
    """Spec list items as {label: value} ("GPUs per Droplet": "8")."""
    specs = {}
    for item in card.css("li"):
        spans = item.css("span")
        if len(spans) >= 2:
            specs[node_text(spans[0])] = node_text(spans[1])
    return specs


def _size_slug(card: Node) -> str | None:
    """The Droplet size slug from the card's "Get started" link (…?size=gpu-h100x8-640gb)."""
    for link in card.css("a"):
        href = link.attributes.get("href") or ""
        query = parse_qs(urlsplit(href).query)
        for target in query.get("redirect_url", []) + query.get("activation_redirect", []):
            size = parse_qs(urlsplit(target).query).get("size", [None])[0]
            if size and size != "undefined":
                return size
    return None


def _figures(card: Node) -> list[tuple[str, str]]:
    """(amount text, unit text) for each price shown, in page order ("$6.74", "/GPU/hour")."""
    container = next(walk(card, lambda n: "PriceContainer" in (n.attributes.get("class") or "")), None)
    if container is None:
        return []
    shown = []
    for outer in container.iter():
        if outer.tag != "span":
            continue
        parts = [node_text(s) for s in outer.iter() if s.tag == "span"]
        if parts:
            shown.append((parts[0], " ".join(parts[1:])))
    return shown


def parse_digitalocean_page(capture: RawCapture) -> pl.DataFrame:
    tree = dom(capture)
    require(tree.root is not None, capture, "empty document")
    cards = list(walk(tree.root, _is_card)) if tree.root is not None else []
    require(bool(cards), capture, "no GPU Droplet pricing cards")
    out: list[dict[str, Any]] = []
    for card in cards:
        title = node_text(card.css_first("h3"))
        figures = _figures(card)
        if not title or not figures:
            continue
        kind = node_text(card.css_first("p"))
        specs = _specs(card)
        detail = " ".join(f"{k} {v}" for k, v in specs.items())
        suffix = _COUNT_SUFFIX.match(title)
        gpu = suffix.group("gpu") if suffix else title
        count = leading_int(specs.get("GPUs per Droplet") or (suffix.group("count") if suffix else "1"))
        memory = per_gpu_memory(specs.get("GPU Memory", ""), count)
        # "Reserved Price", however a redesign words it ("Committed Price"); a kind that names none ("Term Price")
        # leaves it to the card's own words ("... if you reserve via a contractual commitment of 12 months")
        named = pricing_type_of(kind) or pricing_type_of(detail)
        reserved = named is not None and named.startswith("reserved")
        pricing_type = (commitment(detail) or "reserved_unstated_term") if reserved else (named or "on_demand")
        slug = _size_slug(card) or f"{title}{' (reserved)' if reserved else ''}"
        for i, (amount, unit) in enumerate(figures):
            figure = money(amount)
            in_force = i == len(figures) - 1
            reason = None
            if figure is None:
                reason = f"price {amount!r} is not an amount"
            elif not in_force:
                reason = f"struck-through list price, replaced on the page by {figures[-1][0]}"
            elif (several := several_types_said([kind, detail])) is not None:
                reason = SEVERAL_TYPES_REASON.format(text=several)
            elif is_teaser(detail):  # "Prices start as low as $1.99/GPU/hour ...": a floor, whatever the card's kind
                reason = TEASER_REASON
            elif pricing_type == "reserved_unstated_term":
                reason = "reserved price without a stated commitment term"
            elif not per_gpu(unit):  # "/GPU/hour", "/card/hour"
                reason = f"price unit {unit!r} is not per GPU"
            else:
                reason = text_reason(
                    f"{amount}{unit}", *figure, pricing_type, "gpu_hour"
                )  # what its own words say of it
            out.append(
                page_row(
                    capture,
                    "digitalocean",
                    "neocloud",
                    sku=slug,
                    label=gpu,
                    pricing_type=pricing_type,
                    gpu_count=count,
                    gpu_memory_gb=memory,
                    price_per="gpu_hour",
                    price_native=figure[0] if figure else amount,
                    currency=figure[1] if figure else None,
                    reject_reason=reason,
                    attributes=json.dumps(
                        {
                            "card": title,
                            "kind": kind,
                            "unit": unit,
                            "promotional": (in_force and len(figures) > 1) or unit.endswith("*"),
                            "detail": detail or None,
                        }
                    ),
                )
            )
    require(bool(out), capture, "GPU Droplet cards carry no price")
    return parsed_frame(out)


SOURCE = Source(
    name="digitalocean-page",
    product="gpu_hour",
    hosts=HOSTS,
    requests=(Request(url=URL),),
    **page_parsers(parse_digitalocean_page, "digitalocean", "neocloud", ("digitalocean",)),
    description="DigitalOcean GPU Droplet pricing page (per GPU-hour on-demand; reserved 'as low as' floors)",
    providers=("digitalocean",),
    archives=(
        Archive("pricing-pages-digitalocean", "pricing-pages/digitalocean_*.html", archived_page_time, snapshots=False),
    ),
    no_sample_reason=PAGE_NOT_SAMPLED,
)
