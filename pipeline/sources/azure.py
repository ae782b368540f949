"""Azure Retail Prices API: public, unauthenticated, paginated JSON of every meter.

Prices are USD per hour for the whole VM; the GPU content of each SKU is not in the
feed, so it comes from the table below (Azure's published VM sizes).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlsplit

import polars as pl

from pipeline.domain.records import RawCapture, decimal_text, parsed_frame
from pipeline.sources.base import Request, Source
from pipeline.sources.read import load_json, require, to_decimal

HOSTS = ("prices.azure.com",)
_FILTER = (
    "serviceName eq 'Virtual Machines' and priceType eq 'Consumption' and ("
    "contains(armSkuName,'H100') or contains(armSkuName,'H200') or contains(armSkuName,'A100') "
    "or contains(armSkuName,'MI300X') or armSkuName eq 'Standard_ND96asr_v4' "
    "or contains(armSkuName,'GB200') or contains(armSkuName,'B200'))"
)
URL = "https://prices.azure.com/api/retail/prices?currencyCode='USD'&$filter=" + quote(_FILTER)

# armSkuName -> (GPU label as Azure documents it, GPUs per VM)
SKUS: dict[str, tuple[str, int]] = {
    "Standard_NC40ads_H100_v5": ("H100 NVL 94GB", 1),
    "Standard_NC80adis_H100_v5": ("H100 NVL 94GB", 2),
    "Standard_NCC40ads_H100_v5": ("H100 NVL 94GB", 1),  # confidential-computing variant of NC40ads H100 v5
    "Standard_ND96isr_H100_v5": ("H100 SXM 80GB", 8),
    "Standard_ND96isr_H200_v5": ("H200 SXM 141GB", 8),
    "Standard_ND96isr_MI300X_v5": ("MI300X 192GB", 8),
    "Standard_NC24ads_A100_v4": ("A100 PCIe 80GB", 1),
    "Standard_NC48ads_A100_v4": ("A100 PCIe 80GB", 2),
    "Standard_NC96ads_A100_v4": ("A100 PCIe 80GB", 4),
    "Standard_ND96asr_v4": ("A100 SXM4 40GB", 8),
    "Standard_ND96amsr_A100_v4": ("A100 SXM4 80GB", 8),
    "Standard_ND128isr_NDR_GB200_v6": ("GB200 186GB", 4),
}


def _pricing_type(item: dict[str, Any]) -> tuple[str | None, str | None]:
    """(pricing_type, reject_reason) from the meter's type and name suffix."""
    meter = str(item.get("meterName", ""))
    kind = item.get("type")
    if kind == "Reservation":
        term = str(item.get("reservationTerm", "")).lower().replace(" ", "")
        return f"reserved_{term or 'unknown'}", None
    if kind != "Consumption":
        return None, f"meter type {kind!r} is not a retail consumption price"
    if meter.endswith(" Low Priority"):
        return None, "low-priority (Batch) meter: not an on-demand or spot price"
    if meter.endswith(" Spot"):
        return "spot", None
    return "on_demand", None


def parse_azure(capture: RawCapture) -> pl.DataFrame:
    doc = load_json(capture)
    items = doc.get("Items") if isinstance(doc, dict) else doc
    require(isinstance(items, list), capture, "expected a list of items or an object with 'Items'")
    assert isinstance(items, list)
    rows: list[dict[str, Any]] = []
    for item in items:
        require(
            isinstance(item, dict) and "retailPrice" in item and "armSkuName" in item,
            capture,
            "item without retailPrice/armSkuName",
        )
        sku = str(item["armSkuName"])
        label, count = SKUS.get(sku, (None, None))
        pricing_type, reason = _pricing_type(item)
        price = to_decimal(item["retailPrice"])
        if str(item.get("productName", "")).endswith(" Windows"):
            reason = "Windows meter: price includes an OS licence; GPU goods are Linux"
        elif item.get("unitOfMeasure") != "1 Hour":
            reason = f"unit of measure {item.get('unitOfMeasure')!r} is not '1 Hour'"
        elif label is None:
            reason = reason or f"unknown Azure GPU SKU {sku!r}"
        if price is None:
            reason = f"retailPrice {item['retailPrice']!r} is not a number"
        rows.append(
            {
                "source": capture.source,
                "provider": "azure",
                "provider_class": "hyperscaler",
                "input_tier": "rate_card",
                "sku": sku,
                "label": label or sku,
                "product": "gpu_hour",
                "pricing_type": pricing_type or "unknown",
                "region": item.get("armRegionName"),
                "gpu_count": count,
                "unit": "gpu_hour",
                "price_per": "instance_hour",
                "price_native": decimal_text(price) if price is not None else str(item["retailPrice"]),
                "currency": str(item.get("currencyCode") or "USD"),
                "observed_at": capture.fetched_at,
                "reject_reason": reason,
                "attributes": json.dumps({"meterName": item.get("meterName"), "productName": item.get("productName")}),
            }
        )
    return parsed_frame(rows)


def next_page(capture: RawCapture) -> Request | None:
    doc = load_json(capture)
    link = doc.get("NextPageLink") if isinstance(doc, dict) else None
    if not link or urlsplit(str(link)).hostname not in HOSTS:
        return None
    return Request(url=str(link))


SOURCE = Source(
    name="azure",
    product="gpu_hour",
    hosts=HOSTS,
    requests=(Request(url=URL),),
    parse=parse_azure,
    next_request=next_page,
    description="Azure Retail Prices API, GPU VM meters (USD per VM-hour)",
    providers=("azure",),
)
