"""Azure GPU VM prices from the SkyPilot catalog (`azure/vms.csv`): on-demand and spot per region.

The catalog names the accelerator ("H100", "A100-80GB") but not its form factor or
memory, and Azure sells the same chip as SXM (ND) and NVL/PCIe (NC) VMs. The GPU label
therefore comes from the VM size table in `azure.py` (Azure's published VM sizes), and
its GPU count is checked against the catalog's. A GPU VM missing from that table keeps
the catalog's own words as its label, so the identity rules reject it as ambiguous
rather than guess.
"""

from __future__ import annotations

import polars as pl

from pipeline.domain.records import RawCapture
from pipeline.sources.archive import end_of_named_day
from pipeline.sources.azure import SKUS
from pipeline.sources.base import Archive, Request, Source
from pipeline.sources.gcp import read_catalog
from pipeline.sources.lambda_catalog import catalog_rows, gpu_count_expr, text
from pipeline.sources.read import require

HOSTS = ("raw.githubusercontent.com",)
URL = "https://raw.githubusercontent.com/skypilot-org/skypilot-catalog/master/catalogs/v7/azure/vms.csv"
COLUMNS = ("InstanceType", "AcceleratorName", "AcceleratorCount", "Price", "SpotPrice", "Region")

SKU_TABLE = pl.DataFrame(
    [(sku, label, count) for sku, (label, count) in SKUS.items()],
    schema={"_sku": pl.String, "_table_label": pl.String, "_table_count": pl.Int64},
    orient="row",
)


def parse_azure_catalog(capture: RawCapture) -> pl.DataFrame:
    frame = read_catalog(capture, COLUMNS)
    # Every SkyPilot cloud shares these columns: check that this is Azure's catalog at all.
    require(bool(frame["InstanceType"].str.starts_with("Standard_").any()), capture, "no Azure 'Standard_...' VM sizes")
    frame = frame.join(SKU_TABLE, left_on="InstanceType", right_on="_sku", how="left")
    count = gpu_count_expr()
    mismatch = (
        pl.when(pl.col("_table_count").is_not_null() & (count != pl.col("_table_count")))
        .then(pl.format("catalog says {} GPUs, Azure's VM size has {}", count, pl.col("_table_count")))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    attributes = pl.struct(
        vcpus=text(frame, "vCPUs"),
        memory_gib=text(frame, "MemoryGiB"),
        accelerator=text(frame, "AcceleratorName"),
        generation=text(frame, "Generation"),
    ).struct.json_encode()
    return catalog_rows(
        frame,
        capture,
        provider="azure",
        provider_class="hyperscaler",
        label=pl.coalesce(
            pl.col("_table_label"),
            pl.format("{} ({})", text(frame, "AcceleratorName").fill_null("?"), pl.col("InstanceType")),
        ),
        gpu_count=count,
        gpu_memory_gb=pl.lit(None, dtype=pl.Float64),
        reject_reason=mismatch,
        attributes=attributes,
    )


SOURCE = Source(
    name="azure-catalog",
    product="gpu_hour",
    hosts=HOSTS,
    requests=(Request(url=URL),),
    parse=parse_azure_catalog,
    description="Azure GPU VM prices, SkyPilot catalog CSV (USD per VM-hour, on-demand and spot)",
    providers=("azure",),
    archives=(Archive("azure-catalog-history", "gpu-catalog-history/azure/*.csv", end_of_named_day, snapshots=True),),
    no_sample_reason=(
        "Azure reaches the offline day through the azure sample (the Retail Prices API); "
        "this SkyPilot copy of its prices is replayed from its dated archive by backfill"
    ),
)
