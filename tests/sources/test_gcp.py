"""GCP from the SkyPilot catalog (`gcp`) on the real captures: a GPU machine is accelerator + host VM."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from pipeline.sources import REGISTRY, SchemaDrift
from tests.helpers import HISTORY, RealCapture, catalog_day, history_files, run


def test_gcp_bundle_is_accelerator_plus_host_vm_in_the_same_zone(real_capture: RealCapture, realdata: Path) -> None:
    parsed, quotes, rejections = run(real_capture("gcp", "skypilot-format/gcp/vms.csv"))
    rows = list(csv.DictReader((realdata / "skypilot-format/gcp/vms.csv").open()))
    zone = "us-central1-a"
    host = next(r for r in rows if r["InstanceType"] == "a3-highgpu-8g" and r["AvailabilityZone"] == zone)
    acc = next(
        r
        for r in rows
        if r["AcceleratorName"] == "H100" and r["AcceleratorCount"] == "8" and r["AvailabilityZone"] == zone
    )
    h100 = quotes.filter((pl.col("sku") == "a3-highgpu-8g:H100x8") & pl.col("attributes").str.contains(f'"{zone}"'))
    on_demand = h100.filter(pl.col("pricing_type") == "on_demand").row(0, named=True)
    spot = h100.filter(pl.col("pricing_type") == "spot").row(0, named=True)
    assert on_demand["price_usd"] == (Decimal(acc["Price"]) + Decimal(host["Price"])) / 8
    assert spot["price_usd"] == (Decimal(acc["SpotPrice"]) + Decimal(host["SpotPrice"])) / 8
    assert on_demand["good"] == "H100-SXM-80GB"
    # TPUs and attachable GPUs are recorded, not priced as GPU goods.
    assert rejections.filter(pl.col("reason").str.contains("TPU")).height > 0
    assert rejections.filter(pl.col("reason").str.contains("attachable")).height > 0
    assert parsed.height == quotes.height + rejections.height


def test_gcp_history_files_without_host_vm_rows_are_schema_drift(real_capture: RealCapture, realdata: Path) -> None:
    # The archive kept only accelerator rows; a GCP GPU machine is priced as accelerator + host VM,
    # so these files cannot give a bundle price: a loud, recorded error, not an empty success.
    for name in history_files(realdata, "gcp"):
        with pytest.raises(SchemaDrift, match="no VM rows"):
            REGISTRY["gcp"].parse(real_capture("gcp", f"{HISTORY}/gcp/{name}", catalog_day(name)))
