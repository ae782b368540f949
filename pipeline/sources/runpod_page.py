"""RunPod's public pricing page (distinct from its GraphQL API source): per-GPU-hour prices.

The page has had three shapes, each read where it keeps its figures:
- 2023: Next.js `__NEXT_DATA__` JSON, the same GpuType objects as the API (secure, community,
  spot and 1/3/6-month prices). A price of 0, or a cloud flag of false, means not offered there.
- 2025: HTML rows whose price element carries `data-secure-cloud-price` and
  `data-community-cloud-price` (USD per hour; the visible text is filled in by script).
- 2026: schema.org JSON-LD: one Product per GPU with Community and Secure Cloud offers.
  Its page description's "H100 80GB from $1.99/hr" phrases are teasers and rejected as such.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import polars as pl
from selectolax.parser import HTMLParser, Node

from pipeline.domain.records import RawCapture, decimal_text, parsed_frame
from pipeline.sources.archive import archived_page_time
from pipeline.sources.base import Archive, Request, SchemaDrift, Source
from pipeline.sources.pages.document import classes, dom, node_text, squash, walk
from pipeline.sources.pages.money import amounts, money
from pipeline.sources.pages.reader import page_parsers
from pipeline.sources.pages.rows import page_row
from pipeline.sources.pages.wording import TEASER_REASON
from pipeline.sources.read import require, to_decimal

HOSTS = ("www.runpod.io", "runpod.io")
URL = "https://www.runpod.io/pricing"

# __NEXT_DATA__ GpuType field -> (pricing type, cloud, flag saying the cloud offers it)
_NEXT_FIELDS = (
    ("securePrice", "on_demand", "secure_cloud", "secureCloud"),
    ("communityPrice", "on_demand", "community_cloud", "communityCloud"),
    ("secureSpotPrice", "spot", "secure_cloud", "secureCloud"),
    ("communitySpotPrice", "spot", "community_cloud", "communityCloud"),
    ("oneMonthPrice", "reserved_1m", None, None),
    ("threeMonthPrice", "reserved_3m", None, None),
    ("sixMonthPrice", "reserved_6m", None, None),
)
_CLOUDS = {"secure cloud": "secure_cloud", "community cloud": "community_cloud"}
_TEASER_PHRASE = re.compile(
    r"(?:rent\s+)?(?P<gpu>[A-Za-z0-9][A-Za-z0-9 ]*?)\s+(?:from|starting at|as low as)\s+(?P<price>\$\s*\d[\d.,]*)",
    re.IGNORECASE,
)


def _row(capture: RawCapture, **fields: Any) -> dict[str, Any]:
    return page_row(capture, "runpod", "neocloud", gpu_count=1, price_per="gpu_hour", **fields)


def _scripts(tree: HTMLParser, selector: str) -> list[Any]:
    docs = []
    for script in tree.css(selector):
        try:
            docs.append(json.loads(script.text(deep=True), parse_float=Decimal, parse_int=Decimal))
        except json.JSONDecodeError:
            continue
    return docs


def _from_next_data(capture: RawCapture, doc: Any) -> list[dict[str, Any]]:
    gpus = doc.get("props", {}).get("pageProps", {}).get("data") if isinstance(doc, dict) else None
    if not isinstance(gpus, list):
        return []
    rows = []
    for gpu in gpus:
        if not isinstance(gpu, dict) or "id" not in gpu:
            continue
        memory = to_decimal(gpu.get("memoryInGb"))
        for field, pricing_type, cloud, flag in _NEXT_FIELDS:
            raw = gpu.get(field)
            if raw is None:
                continue
            price = to_decimal(raw)
            reason = None
            if price is None:
                reason = f"{field} {raw!r} is not a number"
            elif price == 0:
                reason = f"not offered{f' on {cloud}' if cloud else ''} ({field} is 0)"
            elif flag is not None and gpu.get(flag) is False:
                reason = f"not offered on {cloud} ({flag} is false)"
            rows.append(
                _row(
                    capture,
                    sku=str(gpu["id"]),
                    label=f"{gpu.get('displayName') or gpu['id']} ({gpu['id']})",
                    pricing_type=pricing_type,
                    region=cloud,
                    gpu_memory_gb=float(memory) if memory else None,
                    price_native=decimal_text(price) if price is not None else str(raw),
                    currency="USD",
                    reject_reason=reason,
                    attributes=json.dumps({"field": field, "cloud": cloud, "layout": "next_data"}),
                )
            )
    return rows


def _from_data_attributes(capture: RawCapture, root: Node) -> list[dict[str, Any]]:
    """2025 rows, read in document order: model name, "141 GB VRAM" tag, then the price element."""
    rows: list[dict[str, Any]] = []
    name, memory = "", None

    def keep(node: Node) -> bool:
        attrs = node.attributes
        return (
            attrs.get("data-gradient") == "text-secondary"
            or "gpu-pricing-row__tag" in classes(node)
            or "data-secure-cloud-price" in attrs
        )

    for node in walk(root, keep):
        attrs = node.attributes
        if attrs.get("data-gradient") == "text-secondary":
            name, memory = node_text(node), None
        elif "gpu-pricing-row__tag" in classes(node):
            vram = re.fullmatch(r"(\d+(?:\.\d+)?) GB VRAM", node_text(node))
            if vram:
                memory = float(vram.group(1))
        else:
            for attr, cloud in (
                ("data-secure-cloud-price", "secure_cloud"),
                ("data-community-cloud-price", "community_cloud"),
            ):
                raw = (attrs.get(attr) or "").strip()
                if not raw:
                    continue
                price = to_decimal(raw)
                reason = None if price is not None else f"{attr} {raw!r} is not a number"
                if price == 0:
                    reason = f"not offered on {cloud} ({attr} is 0)"
                rows.append(
                    _row(
                        capture,
                        sku=name,
                        label=name,
                        pricing_type="on_demand",
                        region=cloud,
                        gpu_memory_gb=memory,
                        price_native=decimal_text(price) if price is not None else raw,
                        currency="USD",
                        reject_reason=reason if name else "price element without a GPU name",
                        attributes=json.dumps({"attribute": attr, "cloud": cloud, "layout": "data_attributes"}),
                    )
                )
    return rows


def _from_json_ld(capture: RawCapture, doc: Any) -> list[dict[str, Any]]:
    graph = doc.get("@graph") if isinstance(doc, dict) else None
    if not isinstance(graph, list):
        return []
    rows: list[dict[str, Any]] = []
    for item in graph:
        if not isinstance(item, dict):
            continue
        if item.get("@type") == "WebPage":
            rows.extend(_teasers(capture, str(item.get("description") or "")))
        if item.get("@type") != "Product" or not isinstance(item.get("offers"), dict):
            continue
        gpu = re.sub(r"\s+GPU on Runpod$", "", str(item.get("name") or ""), flags=re.IGNORECASE)
        aggregate = item["offers"]
        for offer in aggregate.get("offers") or []:
            if not isinstance(offer, dict) or offer.get("price") is None:
                continue
            text = f"{offer.get('name', '')} {offer.get('description', '')}".lower()
            cloud = next((v for k, v in _CLOUDS.items() if k in text), None)
            pricing_type = "spot" if "spot" in text else "on_demand"
            price = to_decimal(offer["price"])
            currency = offer.get("priceCurrency") or aggregate.get("priceCurrency")
            reason = None
            if price is None:
                reason = f"offer price {offer['price']!r} is not a number"
            elif "per-hour" not in text and "per hour" not in text:
                reason = "offer does not say it is an hourly price"
            elif currency is None:
                reason = "offer states no currency"
            rows.append(
                _row(
                    capture,
                    sku=str(item.get("@id") or gpu),
                    label=gpu,
                    pricing_type=pricing_type,
                    region=cloud,
                    price_native=decimal_text(price) if price is not None else str(offer["price"]),
                    currency=currency,
                    reject_reason=reason,
                    attributes=json.dumps({"offer": offer.get("name"), "layout": "json_ld"}),
                )
            )
    return rows


def _teasers(capture: RawCapture, description: str) -> list[dict[str, Any]]:
    """ "Rent H100 80GB from $1.99/hr, RTX 4090 from $0.34/hr": floors, recorded as teaser rejections."""
    rows = []
    for phrase in re.split(r"[,.;]\s+", description):
        match = _TEASER_PHRASE.search(phrase)
        figure = money(match.group("price")) if match else None
        if match is None or figure is None:
            continue
        rows.append(
            _row(
                capture,
                sku=f"teaser:{match.group('gpu')}",
                label=match.group("gpu"),
                pricing_type="on_demand",
                price_native=figure[0],
                currency=figure[1],
                reject_reason=TEASER_REASON,
                attributes=json.dumps({"shown": phrase.strip(), "layout": "json_ld_description"}),
            )
        )
    return rows


def _shown_currencies(tree: HTMLParser) -> set[str]:
    """The currencies of the amounts the page shows as text (scripts and styles left out)."""
    shown = HTMLParser(tree.html or "")
    shown.strip_tags(["script", "style", "noscript"])
    return {currency for _, _, currency in amounts(squash(shown.body.text(separator=" ") if shown.body else ""))}


def _bare_figures_are_usd(capture: RawCapture, tree: HTMLParser) -> None:
    """The 2023 and 2025 shapes hold bare numbers, USD by RunPod's own page; a page that shows its prices in
    another currency and none in USD (a localised page) cannot be read as USD: schema drift, not a price."""
    shown = _shown_currencies(tree)
    if shown and "USD" not in shown:
        raise SchemaDrift(
            capture.source, f"the page shows prices in {', '.join(sorted(shown))}, none in USD: its bare figures "
            "cannot be read as USD",
        )  # fmt: skip


def parse_runpod_page(capture: RawCapture) -> pl.DataFrame:
    tree = dom(capture)
    rows: list[dict[str, Any]] = []
    for doc in _scripts(tree, "script#__NEXT_DATA__"):
        rows.extend(_from_next_data(capture, doc))
    if not rows and tree.root is not None:
        rows.extend(_from_data_attributes(capture, tree.root))
    if rows:
        _bare_figures_are_usd(capture, tree)
    if not rows:
        for doc in _scripts(tree, 'script[type="application/ld+json"]'):
            rows.extend(_from_json_ld(capture, doc))
    require(
        any(row["reject_reason"] != TEASER_REASON for row in rows),
        capture,
        "no __NEXT_DATA__ GpuTypes, price data attributes or JSON-LD GPU offers",
    )
    return parsed_frame(rows)


SOURCE = Source(
    name="runpod-page",
    product="gpu_hour",
    hosts=HOSTS,
    requests=(Request(url=URL),),
    **page_parsers(parse_runpod_page, "runpod", "neocloud", ("runpod",)),
    description="RunPod pricing page (per GPU-hour, secure and community cloud; three historical page shapes)",
    providers=("runpod",),
    archives=(Archive("pricing-pages-runpod", "pricing-pages/runpod_*.html", archived_page_time, snapshots=False),),
    no_sample_reason=(
        "RunPod reaches the offline day through the runpod sample (its GraphQL API: the GPU types and prices "
        "the page shows); the page's archived captures are replayed by backfill"
    ),
)
