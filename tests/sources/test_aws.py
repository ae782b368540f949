"""AWS pricing-page JSON (`aws`) on the real capture: instance prices divided by their GPU count."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from tests.helpers import RealCapture, first, row, run


def test_aws_instance_prices_divided_by_gpu_count(real_capture: RealCapture, realdata: Path) -> None:
    _, quotes, rejections = run(real_capture("aws", "aws-pricing-page/aws.json"))
    doc = json.loads((realdata / "aws-pricing-page/aws.json").read_text())
    entries = doc["US East (N. Virginia)"]["regions"]["US East (N. Virginia)"]
    p5 = next(e for e in entries.values() if e["Instance Type"] == "p5.48xlarge")
    q = row(quotes, sku="p5.48xlarge", region="us-east-1")
    assert q["price_usd"] == Decimal(p5["price"]) / 8 == Decimal("6.88")
    assert q["good"] == "H100-SXM-80GB"
    g6e = next(e for e in entries.values() if e["Instance Type"] == "g6e.12xlarge")
    assert row(quotes, sku="g6e.12xlarge", region="us-east-1")["price_usd"] == Decimal(g6e["price"]) / 4
    assert first(quotes, sku="p4d.24xlarge")["good"] == "A100-SXM-40GB"
    assert first(quotes, sku="p4de.24xlarge")["good"] == "A100-SXM-80GB"
    assert first(quotes, sku="p5en.48xlarge")["good"] == "H200-SXM-141GB"
    assert rejections.height == 0
    assert quotes.height == sum(len(v["regions"][k]) for k, v in doc.items())
