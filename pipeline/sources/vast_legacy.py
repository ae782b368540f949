"""Vast.ai parsers v1 and v2, kept for the quotes stored with them (`cix verify` re-derives a quote with the
parser version it was recorded under). v2 reads each offer as a Python dict, with a `Decimal` per number and
re-encoded attributes; v1 is v2 without the market segment. New captures are read by v3 (`sources.vast`).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import polars as pl

from pipeline.domain.records import RawCapture, decimal_text, parsed_frame
from pipeline.sources.read import load_json, plain_json, require, to_decimal

MIB_PER_GIB = Decimal(1024)

# Offer fields kept verbatim in attributes (the detail a buyer needs to rent this exact offer).
KEPT_FIELDS = (
    "ask_contract_id",
    "bundle_id",
    "machine_id",
    "host_id",
    "reliability",
    "reliability2",
    "verification",
    "geolocation",
    "gpu_frac",
    "gpu_total_ram",
    "dph_total",
    "dph_base",
    "storage_total_cost",
    "min_bid",
    "is_bid",
    "rentable",
    "rented",
    "start_date",
    "end_date",
    "cpu_cores_effective",
    "cpu_ram",
    "disk_space",
    "inet_down",
    "inet_up",
)


def _count(value: Any) -> int | None:
    dec = to_decimal(value)
    return int(dec) if dec is not None and dec == dec.to_integral_value() and dec > 0 else None


def _region(geolocation: Any) -> str | None:
    """Vast geolocation is "<region>, <CC>", with an empty region for some hosts (", US")."""
    text = str(geolocation or "").strip(" ,")
    return text or None


DATACENTRE_HOST = 1  # `hosting_type` of a datacentre host; 0 is a community host


def segment_of(offer: dict[str, Any]) -> str:
    """`standard` for a datacentre host, `community` for any other (or unknown) host."""
    hosting = to_decimal(offer.get("hosting_type"))
    return "standard" if hosting == DATACENTRE_HOST else "community"


def _offer_row(capture: RawCapture, offer: dict[str, Any], index: int, full: bool) -> dict[str, Any]:
    gpu_name = str(offer.get("gpu_name") or "").strip()
    count = _count(offer.get("num_gpus"))
    ram_mib = to_decimal(offer.get("gpu_ram"))
    memory = ram_mib / MIB_PER_GIB if ram_mib is not None and ram_mib > 0 else None
    total = to_decimal(offer.get("dph_total"))
    if full:
        nested = offer.get("search")
        search: dict[str, Any] = nested if isinstance(nested, dict) else {}
        raw_price = offer.get("dph_base", search.get("gpuCostPerHour"))
        price_field = "dph_base"
    else:
        raw_price = offer.get("dph_total")
        price_field = "dph_total"
    price = to_decimal(raw_price)

    reason = None
    if not gpu_name:
        reason = "offer without gpu_name"
    elif price is None:
        reason = f"{price_field} {raw_price!r} is not a number"
    elif count is None:
        reason = f"num_gpus {offer.get('num_gpus')!r} is not a positive whole number"
    elif offer.get("is_bid") is True:
        reason = "interruptible (bid) offer: the figure is a bid, not an on-demand ask"
    elif offer.get("rentable") is False or offer.get("rented") is True:
        reason = "offer is not rentable now (rented or withdrawn)"

    offer_id = offer.get("id")
    attributes: dict[str, Any] = {"price_field": price_field, "num_gpus": count, "gpu_ram_mib": ram_mib}
    if full:
        attributes["offer_id"] = offer_id
        attributes.update({k: offer[k] for k in KEPT_FIELDS if k in offer})
    else:
        attributes.update({"dph_total": total, "includes_storage": True, "list_index": index})
    gb = int(memory.to_integral_value()) if memory is not None else None
    return {
        "source": capture.source,
        "provider": "vast",
        "provider_class": "marketplace",
        "input_tier": "executable",
        "sku": str(plain_json(offer_id)) if offer_id is not None else f"{count or '?'}x-{gpu_name or '?'}",
        "label": f"{gpu_name} {gb}GB" if gb is not None else gpu_name,
        "product": "gpu_hour",
        "pricing_type": "on_demand",
        "region": _region(offer.get("geolocation")),
        "gpu_count": count,
        "gpu_memory_gb": float(memory) if memory is not None else None,
        "unit": "gpu_hour",
        "price_per": "instance_hour",
        "price_native": decimal_text(price) if price is not None else (None if raw_price is None else str(raw_price)),
        "currency": "USD",
        "observed_at": capture.fetched_at,
        "reject_reason": reason,
        "attributes": json.dumps(plain_json(attributes)),
    }


def _offers(capture: RawCapture) -> tuple[list[dict[str, Any]], bool]:
    doc = load_json(capture)
    full = isinstance(doc, dict)
    offers = doc.get("offers") if isinstance(doc, dict) else doc
    require(isinstance(offers, list), capture, "expected {'offers': [...]} or a list of offers")
    assert isinstance(offers, list)
    require(len(offers) > 0, capture, "no offers")
    for offer in offers:
        require(
            isinstance(offer, dict) and "gpu_name" in offer and "num_gpus" in offer and "dph_total" in offer,
            capture,
            "offer without gpu_name/num_gpus/dph_total",
        )
    return offers, full


def parse_vast_v2(capture: RawCapture) -> pl.DataFrame:
    """Parser v2: v1's rows, each with the segment its host's `hosting_type` gives."""
    offers, full = _offers(capture)
    return parsed_frame([_segmented(_offer_row(capture, o, i, full), o) for i, o in enumerate(offers)])


def _segmented(row: dict[str, Any], offer: dict[str, Any]) -> dict[str, Any]:
    attributes = {**json.loads(row["attributes"]), "hosting_type": plain_json(offer.get("hosting_type"))}
    return {**row, "segment": segment_of(offer), "attributes": json.dumps(attributes)}


def parse_vast_v1(capture: RawCapture) -> pl.DataFrame:
    """Parser v1: one row per offer, segment left to the region rules (`hosting_type` not read)."""
    offers, full = _offers(capture)
    return parsed_frame([_offer_row(capture, offer, i, full) for i, offer in enumerate(offers)])
