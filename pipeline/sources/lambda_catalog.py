"""Lambda Cloud instance prices from the SkyPilot catalog (`lambda/vms.csv`).

Each row is one instance type in one region, priced per instance-hour; AcceleratorCount
GPUs share it. The catalog's accelerator name drops the form factor ("H100" for both
`gpu_1x_h100_pcie` and `gpu_8x_h100_sxm5`), so the label carries the instance type too,
and the identity rules read SXM vs PCIe from it. GPU memory is `GpuInfo`'s per-GPU
`SizeInMiB` (Lambda's `TotalGpuMemoryInMiB` repeats the per-GPU figure, so it is not used).
"""

from __future__ import annotations

import polars as pl

from pipeline.domain.records import RawCapture, conform
from pipeline.sources.archive import end_of_named_day
from pipeline.sources.base import Archive, Request, Source
from pipeline.sources.gcp import read_catalog
from pipeline.sources.read import require

HOSTS = ("raw.githubusercontent.com",)
URL = "https://raw.githubusercontent.com/skypilot-org/skypilot-catalog/master/catalogs/v7/lambda/vms.csv"
COLUMNS = ("InstanceType", "AcceleratorName", "AcceleratorCount", "Price", "Region")


def text(frame: pl.DataFrame, name: str) -> pl.Expr:
    """A column as stripped text, empty meaning missing; null when the catalog lacks the column."""
    if name not in frame.columns:
        return pl.lit(None, dtype=pl.String)
    col = pl.col(name).str.strip_chars()
    return pl.when(col == "").then(None).otherwise(col)


def catalog_rows(
    frame: pl.DataFrame,
    capture: RawCapture,
    *,
    provider: str,
    provider_class: str,
    label: pl.Expr,
    gpu_count: pl.Expr,
    gpu_memory_gb: pl.Expr,
    reject_reason: pl.Expr,
    attributes: pl.Expr,
) -> pl.DataFrame:
    """On-demand rows for every catalog row, plus spot rows where SpotPrice is given.

    `reject_reason` is a source-specific check applied before the shared ones (no GPU,
    empty or unreadable price, missing GPU count).
    """
    accelerator = text(frame, "AcceleratorName")

    def rows(subset: pl.DataFrame, price_col: str, pricing_type: str) -> pl.DataFrame:
        price = text(frame, price_col)
        value = price.str.to_decimal(scale=12)
        reason = (
            pl.when(accelerator.is_null())
            .then(pl.lit("instance without a GPU"))
            .when(reject_reason.is_not_null())
            .then(reject_reason)
            .when(price.is_null())
            .then(pl.lit(f"empty {price_col}"))
            .when(value.is_null())
            .then(pl.format("{} {} is not a number", pl.lit(price_col), price))
            .when(gpu_count.is_null() | (gpu_count <= 0))
            .then(pl.lit("GPU count missing"))
        )
        return subset.select(
            pl.lit(capture.source).alias("source"),
            pl.lit(provider).alias("provider"),
            pl.lit(provider_class).alias("provider_class"),
            pl.lit("rate_card").alias("input_tier"),
            text(frame, "InstanceType").alias("sku"),
            label.alias("label"),
            pl.lit("gpu_hour").alias("product"),
            pl.lit(pricing_type).alias("pricing_type"),
            text(frame, "Region").alias("region"),
            gpu_count.alias("gpu_count"),
            gpu_memory_gb.alias("gpu_memory_gb"),
            pl.lit("gpu_hour").alias("unit"),
            pl.lit("instance_hour").alias("price_per"),
            price.alias("price_native"),
            pl.lit("USD").alias("currency"),
            pl.lit(capture.fetched_at).alias("observed_at"),
            reason.alias("reject_reason"),
            attributes.alias("attributes"),
        )

    parts = [rows(frame, "Price", "on_demand")]
    if "SpotPrice" in frame.columns:
        # A blank SpotPrice means "no spot offer", not a priced row.
        parts.append(rows(frame.filter(text(frame, "SpotPrice").is_not_null()), "SpotPrice", "spot"))
    return conform(pl.concat(parts, how="vertical_relaxed"))


def gpu_count_expr() -> pl.Expr:
    return pl.col("AcceleratorCount").cast(pl.Float64, strict=False).cast(pl.Int64, strict=False)


def parse_lambda_catalog(capture: RawCapture) -> pl.DataFrame:
    frame = read_catalog(capture, COLUMNS)
    # Every SkyPilot cloud shares these columns: check that this is Lambda's catalog at all.
    require(bool(frame["InstanceType"].str.starts_with("gpu_").any()), capture, "no Lambda 'gpu_...' instance types")
    accelerator = text(frame, "AcceleratorName")
    instance = text(frame, "InstanceType")
    per_gpu_mib = text(frame, "GpuInfo").str.extract(r"'SizeInMiB':\s*(\d+)", 1).cast(pl.Float64, strict=False)
    attributes = pl.struct(
        vcpus=text(frame, "vCPUs"), memory_gib=text(frame, "MemoryGiB"), gpu_info=text(frame, "GpuInfo")
    ).struct.json_encode()
    return catalog_rows(
        frame,
        capture,
        provider="lambda",
        provider_class="neocloud",
        label=pl.format("{} ({})", accelerator.fill_null("?"), instance.fill_null("?")),
        gpu_count=gpu_count_expr(),
        gpu_memory_gb=per_gpu_mib / 1024,
        reject_reason=pl.lit(None, dtype=pl.String),
        attributes=attributes,
    )


SOURCE = Source(
    name="lambda-catalog",
    product="gpu_hour",
    hosts=HOSTS,
    requests=(Request(url=URL),),
    parse=parse_lambda_catalog,
    description="Lambda Cloud instance prices, SkyPilot catalog CSV (USD per instance-hour)",
    providers=("lambda",),
    archives=(Archive("lambda-catalog-history", "gpu-catalog-history/lambda/*.csv", end_of_named_day, snapshots=True),),
    no_sample_reason=(
        "Lambda's SkyPilot catalog is replayed from its dated archive by backfill; "
        "no Lambda reply has been written into the offline capture set yet"
    ),
)
