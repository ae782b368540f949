"""Oracle Cloud's price list API: GPU parts priced per GPU-hour (pay as you go).

Each item is a billable part (`partNumber`, `displayName`, `metricName`) with prices per
currency and pricing model. Parts metered "GPU Per Hour" are GPU-hour prices; other GPU
parts (VMware nodes "Node Per Hour", Roving Edge and Cloud@Customer infrastructure "Per
Day") do not price a GPU-hour and are recorded as rejections. Cloud@Customer GPU-hours run
on Oracle hardware in the buyer's own data centre under an infrastructure contract, so they
are not a public-cloud quote either. Non-GPU parts of a full price list are not read.
The part names say the GPU model only ("GPU - H100"), so form factor is left to the
identity rules (an H100 or A100 part stays ambiguous).
"""

from __future__ import annotations

import json
import re
from typing import Any

import polars as pl

from pipeline.domain.records import RawCapture, decimal_text, parsed_frame
from pipeline.sources.base import Request, Source
from pipeline.sources.pages.rows import page_row
from pipeline.sources.pages.wording import commitment
from pipeline.sources.read import load_json, require, to_decimal

HOSTS = ("apexapps.oracle.com",)
URL = "https://apexapps.oracle.com/pls/apex/cetools/api/v1/products/?currencyCode=USD"
_PRICING_MODELS = {"PAY_AS_YOU_GO": "on_demand"}


def _is_gpu_part(item: dict[str, Any]) -> bool:
    text = f"{item.get('displayName', '')} {item.get('serviceCategory', '')} {item.get('metricName', '')}"
    return re.search(r"\bGPU\b", text, re.IGNORECASE) is not None


def _label(name: str) -> str:
    """The GPU part of the display name: "OCI - Compute - GPU - H100" -> "H100"."""
    tail = re.split(r"\bGPU\b\s*[-.]?\s*", name, maxsplit=1, flags=re.IGNORECASE)
    return tail[1].strip() if len(tail) == 2 and tail[1].strip() else name


# Parser v2: a software licence metered per GPU-hour ("OCI - NVIDIA AI Enterprise - H200", $2.50 beside the H200's
# $10.00 compute part) is refused; v1 read it as the GPU's price (kept for the quotes stored with it).
SOFTWARE_REASON = "a software licence's price ({said}) metered per GPU-hour, not the GPU's rental"
_SOFTWARE = re.compile(r"\bAI Enterprise\b|\blicen[cs]es?\b|\bsoftware\b|\bsubscription\b", re.IGNORECASE)


def _reason(item: dict[str, Any], software_refused: bool = True) -> str | None:
    metric = str(item.get("metricName") or "")
    name = str(item.get("displayName") or "")
    if metric.lower() != "gpu per hour":
        return f"metered {metric!r}, not per GPU-hour"
    if "cloud@customer" in f"{name} {item.get('serviceCategory', '')}".lower():
        return "Cloud@Customer: GPU-hours on customer-premises infrastructure under contract, not a public-cloud price"
    if software_refused and (software := _SOFTWARE.search(name)) is not None:
        return SOFTWARE_REASON.format(said=software.group(0))
    return None


def parse_oracle(capture: RawCapture) -> pl.DataFrame:
    """Parser v2."""
    return _parse(capture, software_refused=True)


def parse_oracle_v1(capture: RawCapture) -> pl.DataFrame:
    """Parser v1: a software licence's GPU-hour part read as the GPU's price."""
    return _parse(capture, software_refused=False)


def _parse(capture: RawCapture, software_refused: bool) -> pl.DataFrame:
    doc = load_json(capture)
    require(isinstance(doc, dict) and isinstance(doc.get("items"), list), capture, "no 'items' list")
    items = [i for i in doc["items"] if isinstance(i, dict) and "partNumber" in i and "displayName" in i]
    require(bool(items), capture, "no items with partNumber and displayName")
    out: list[dict[str, Any]] = []
    for item in filter(_is_gpu_part, items):
        raw = item.get("currencyCodeLocalizations")
        require(isinstance(raw, list) and bool(raw), capture, f"{item['partNumber']}: no currencyCodeLocalizations")
        localizations: list[Any] = raw if isinstance(raw, list) else []
        name = str(item["displayName"])
        for local in localizations:
            currency = local.get("currencyCode") if isinstance(local, dict) else None
            for price in (local.get("prices") or []) if isinstance(local, dict) else []:
                if not isinstance(price, dict) or price.get("value") is None:
                    continue
                value = to_decimal(price["value"])
                model = str(price.get("model") or "")
                reason = _reason(item, software_refused)
                if reason is None and model not in _PRICING_MODELS:
                    reason = f"pricing model {model!r} is not pay-as-you-go"
                if value is None:
                    reason = f"price {price['value']!r} is not a number"
                per_gpu_hour = str(item.get("metricName") or "").lower() == "gpu per hour"
                out.append(
                    page_row(
                        capture,
                        "oracle",
                        "hyperscaler",
                        sku=str(item["partNumber"]),
                        label=_label(name),
                        pricing_type=commitment(name) or _PRICING_MODELS.get(model, "on_demand"),
                        gpu_count=1 if per_gpu_hour else None,
                        price_per="gpu_hour" if per_gpu_hour else "instance_hour",
                        price_native=decimal_text(value) if value is not None else str(price["value"]),
                        currency=currency,
                        reject_reason=reason,
                        attributes=json.dumps(
                            {
                                "display_name": name,
                                "metric": item.get("metricName"),
                                "service_category": item.get("serviceCategory"),
                                "model": model,
                                "list_updated": doc.get("lastUpdated"),
                            }
                        ),
                    )
                )
    require(bool(out), capture, "price list has no priced GPU parts")
    return parsed_frame(out)


SOURCE = Source(
    name="oracle",
    product="gpu_hour",
    hosts=HOSTS,
    requests=(Request(url=URL),),
    parse=parse_oracle,
    parser_version="2",
    legacy_parsers={"1": parse_oracle_v1},
    description="Oracle Cloud price list API (USD per GPU-hour, pay as you go; GPU parts only)",
    providers=("oracle",),
    no_sample_reason=(
        "none written yet: Oracle's one real capture is a whole price-list reply, with no archive to replay, "
        "so the offline day has no Oracle quote"
    ),
)
