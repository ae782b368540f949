"""Vast.ai offers as published in the SkyPilot catalog (`vast/vms.csv`).

Each row is a live marketplace offer: price for the whole offer (all its GPUs) per hour.
The GPU variant (SXM vs NVL vs PCIe) is only in the instance name, e.g. `8x-H100_SXM-32-65536`.

Parser v2 records the market segment as the `vast` source does: SkyPilot's fetcher lists every
marketplace host, community hosts included, and newer catalogs say which in a `HostingType` column
(1 = a datacentre host). A row is the standard good only when that column says 1; any other row,
and every row of a catalog without the column (as those of 2026 are), is segment `community`:
not shown to be datacentre capacity, so methodology v3 keeps it out of on-demand goods.
Parser v1 (no segment) stays in `legacy_parsers`.
"""

from __future__ import annotations

import polars as pl

from pipeline.domain.records import RawCapture, conform
from pipeline.sources.archive import end_of_named_day
from pipeline.sources.base import Archive, Request, SchemaDrift, Source
from pipeline.sources.gcp import read_catalog

HOSTS = ("raw.githubusercontent.com",)
URL = "https://raw.githubusercontent.com/skypilot-org/skypilot-catalog/master/catalogs/v7/vast/vms.csv"
COLUMNS = ("InstanceType", "AcceleratorName", "AcceleratorCount", "GpuInfo", "Price", "Region")
OFFER_NAME = r"^\d+x-(.+)-\d+-\d+$"  # "<n>x-<GPU_NAME>-<cpus>-<ram>": the GPU name carries the form factor


DATACENTRE_HOST = "1"  # SkyPilot's `HostingType` of a datacentre host (Vast's `hosting_type`)


def parse_vast_catalog(capture: RawCapture) -> pl.DataFrame:
    """Parser v2: v1's rows, each with the segment its `HostingType` gives (community when not a datacentre)."""
    frame = read_catalog(capture, COLUMNS)
    hosting = (
        frame["HostingType"].str.strip_chars()
        if "HostingType" in frame.columns
        else pl.Series("HostingType", [None] * frame.height, dtype=pl.String)
    )
    segment = pl.when(hosting == DATACENTRE_HOST).then(pl.lit("standard")).otherwise(pl.lit("community"))
    return _rows(capture, frame).with_columns(pl.select(segment.alias("segment")).to_series())


def parse_vast_catalog_v1(capture: RawCapture) -> pl.DataFrame:
    """Parser v1: every row without a segment (the region rules made all of them standard)."""
    return _rows(capture, read_catalog(capture, COLUMNS))


def _rows(capture: RawCapture, frame: pl.DataFrame) -> pl.DataFrame:
    # Every SkyPilot catalog has these columns; only Vast's names its rows as offers. Another cloud's
    # catalog must be drift, never machines priced as Vast offers.
    if not frame["InstanceType"].str.contains(OFFER_NAME).any():
        raise SchemaDrift(capture.source, "no instance named as a Vast offer (<n>x-<GPU>-<cpus>-<ram>)")
    count = pl.col("AcceleratorCount").cast(pl.Float64, strict=False).cast(pl.Int64, strict=False)
    gpu_name = pl.col("InstanceType").str.extract(OFFER_NAME, 1).str.replace_all("_", " ")
    total_mib = pl.col("GpuInfo").str.extract(r"'TotalGpuMemoryInMiB':\s*(\d+)", 1).cast(pl.Float64, strict=False)
    price = pl.col("Price").str.strip_chars().str.to_decimal(scale=12)
    reason = (
        pl.when(price.is_null())
        .then(pl.lit("price is not a number"))
        .when(price <= 0)
        .then(pl.lit("price is zero: offer not priced"))
        .when(count.is_null() | (count <= 0))
        .then(pl.lit("GPU count missing"))
    )
    return conform(
        frame.select(
            pl.lit(capture.source).alias("source"),
            pl.lit("vast").alias("provider"),
            pl.lit("marketplace").alias("provider_class"),
            pl.lit("executable").alias("input_tier"),
            pl.col("InstanceType").alias("sku"),
            pl.coalesce(gpu_name, pl.col("AcceleratorName")).alias("label"),
            pl.lit("gpu_hour").alias("product"),
            pl.lit("on_demand").alias("pricing_type"),
            pl.col("Region").alias("region"),
            count.alias("gpu_count"),
            (total_mib / count / 1024).alias("gpu_memory_gb"),
            pl.lit("gpu_hour").alias("unit"),
            pl.lit("instance_hour").alias("price_per"),
            pl.col("Price").alias("price_native"),
            pl.lit("USD").alias("currency"),
            pl.lit(capture.fetched_at).alias("observed_at"),
            reason.alias("reject_reason"),
            pl.struct(vcpus=pl.col("vCPUs"), memory_gib=pl.col("MemoryGiB")).struct.json_encode().alias("attributes")
            if "vCPUs" in frame.columns and "MemoryGiB" in frame.columns
            else pl.lit(None, dtype=pl.String).alias("attributes"),
        )
    )


SOURCE = Source(
    name="vast-catalog",
    product="gpu_hour",
    hosts=HOSTS,
    requests=(Request(url=URL),),
    parse=parse_vast_catalog,
    description="Vast.ai marketplace offers, SkyPilot catalog CSV (USD per offer-hour)",
    providers=("vast",),
    parser_version="2",
    legacy_parsers={"1": parse_vast_catalog_v1},
    archives=(Archive("vast-catalog-history", "gpu-catalog-history/vast/*.csv", end_of_named_day, snapshots=True),),
)
