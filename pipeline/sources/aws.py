"""AWS EC2 on-demand pricing-page JSON (the per-location files the public pricing page loads).

Prices are USD per instance-hour for Linux; GPU content per instance type comes from
AWS's published accelerated-computing instance specifications (table below).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import polars as pl

from pipeline.domain.records import RawCapture, decimal_text, parsed_frame
from pipeline.sources.base import Request, Source
from pipeline.sources.read import load_json, require, to_decimal

HOSTS = ("b0.p.awsstatic.com",)
_BASE = "https://b0.p.awsstatic.com/pricing/2.0/meteredUnitMaps/ec2/USD/current/ec2-ondemand-without-sec-sel"

LOCATIONS: dict[str, str] = {
    "US East (N. Virginia)": "us-east-1",
    "US East (Ohio)": "us-east-2",
    "US West (N. California)": "us-west-1",
    "US West (Oregon)": "us-west-2",
    "Asia Pacific (Tokyo)": "ap-northeast-1",
    "Asia Pacific (Mumbai)": "ap-south-1",
    "Asia Pacific (Sydney)": "ap-southeast-2",
    "Asia Pacific (Singapore)": "ap-southeast-1",
    "Europe (Frankfurt)": "eu-central-1",
    "Europe (Ireland)": "eu-west-1",
    "Europe (London)": "eu-west-2",
    "Europe (Stockholm)": "eu-north-1",
    "South America (Sao Paulo)": "sa-east-1",
    "Canada (Central)": "ca-central-1",
}

# instance type -> (GPU label, GPUs per instance)
INSTANCES: dict[str, tuple[str, int]] = {
    "p5.4xlarge": ("H100 SXM 80GB", 1),
    "p5.48xlarge": ("H100 SXM 80GB", 8),
    "p5e.48xlarge": ("H200 SXM 141GB", 8),
    "p5en.48xlarge": ("H200 SXM 141GB", 8),
    "p4d.24xlarge": ("A100 SXM4 40GB", 8),
    "p4de.24xlarge": ("A100 SXM4 80GB", 8),
    "p6-b200.48xlarge": ("B200 SXM 180GB", 8),
    "p6-b300.48xlarge": ("B300 SXM 288GB", 8),
    "g6e.xlarge": ("L40S 48GB", 1),
    "g6e.2xlarge": ("L40S 48GB", 1),
    "g6e.4xlarge": ("L40S 48GB", 1),
    "g6e.8xlarge": ("L40S 48GB", 1),
    "g6e.16xlarge": ("L40S 48GB", 1),
    "g6e.12xlarge": ("L40S 48GB", 4),
    "g6e.24xlarge": ("L40S 48GB", 4),
    "g6e.48xlarge": ("L40S 48GB", 8),
}


def _location_maps(doc: Any) -> list[dict[str, Any]]:
    """Either one location file (`{"regions": {...}}`) or several merged under their names."""
    if isinstance(doc, dict) and isinstance(doc.get("regions"), dict):
        return [doc["regions"]]
    if isinstance(doc, dict):
        return [v["regions"] for v in doc.values() if isinstance(v, dict) and isinstance(v.get("regions"), dict)]
    return []


def parse_aws_pricing_page(capture: RawCapture) -> pl.DataFrame:
    maps = _location_maps(load_json(capture))
    require(len(maps) > 0, capture, "no 'regions' map")
    rows: list[dict[str, Any]] = []
    for regions in maps:
        for location, entries in regions.items():
            require(isinstance(entries, dict), capture, f"region {location!r} is not an object")
            for key, entry in entries.items():
                require(isinstance(entry, dict) and "price" in entry, capture, f"entry {key!r} without price")
                instance = str(entry.get("Instance Type", ""))
                label, count = INSTANCES.get(instance, (None, None))
                price = to_decimal(entry["price"])
                reason = None
                if entry.get("Operating System", entry.get("plc:OperatingSystem")) != "Linux":
                    reason = "not a Linux price"
                elif label is None:
                    reason = f"unknown GPU instance type {instance!r}"
                if price is None:
                    reason = f"price {entry['price']!r} is not a number"
                rows.append(
                    {
                        "source": capture.source,
                        "provider": "aws",
                        "provider_class": "hyperscaler",
                        "input_tier": "rate_card",
                        "sku": instance,
                        "label": label or instance,
                        "product": "gpu_hour",
                        "pricing_type": "on_demand",
                        "region": LOCATIONS.get(location, location),
                        "gpu_count": count,
                        "unit": "gpu_hour",
                        "price_per": "instance_hour",
                        "price_native": decimal_text(price) if price is not None else str(entry["price"]),
                        "currency": "USD",
                        "observed_at": capture.fetched_at,
                        "reject_reason": reason,
                        "attributes": json.dumps({"rateCode": entry.get("rateCode"), "location": location}),
                    }
                )
    return parsed_frame(rows)


SOURCE = Source(
    name="aws",
    product="gpu_hour",
    hosts=HOSTS,
    requests=tuple(Request(url=f"{_BASE}/{quote(loc)}/Linux/index.json") for loc in LOCATIONS),
    parse=parse_aws_pricing_page,
    description="AWS EC2 on-demand pricing-page JSON, GPU instances (USD per instance-hour)",
    providers=("aws",),
)
