"""GCP GPU prices from the SkyPilot catalog (`gcp/vms.csv`), the maintained scrape of GCP's SKU API.

GCP bills an accelerator-optimised machine as a VM part plus an accelerator part;
the catalog lists them as separate rows. The price of the bundle a buyer rents is
their sum, so each accelerator row is joined to its host machine type in the same zone.
"""

from __future__ import annotations

import io

import polars as pl

from pipeline.domain.records import RawCapture, conform
from pipeline.sources.base import Request, SchemaDrift, Source
from pipeline.sources.pages.machines import machine_label

HOSTS = ("raw.githubusercontent.com",)
URL = "https://raw.githubusercontent.com/skypilot-org/skypilot-catalog/master/catalogs/v7/gcp/vms.csv"
COLUMNS = ("InstanceType", "AcceleratorName", "AcceleratorCount", "Region", "AvailabilityZone", "Price", "SpotPrice")

# (catalog accelerator name, count) -> (host machine type, GPU label from the one machine-type table). Only
# machine types whose GPUs are fixed by the machine type: the bundle is then a well-defined good.
_HOSTS_FOR: list[tuple[str, int, str, str]] = [
    (acc, n, host, machine_label(host))
    for acc, n, host in (
        *(("H100", n, f"a3-highgpu-{n}g") for n in (1, 2, 4, 8)),
        ("H100-MEGA", 8, "a3-megagpu-8g"),
        ("H200", 8, "a3-ultragpu-8g"),
        ("B200", 8, "a4-highgpu-8g"),
        *(("A100-80GB", n, f"a2-ultragpu-{n}g") for n in (1, 2, 4, 8)),
        *(("A100", n, f"a2-highgpu-{n}g") for n in (1, 2, 4, 8)),
        ("A100", 16, "a2-megagpu-16g"),
        *(
            ("L4", n, host)
            for n, host in ((1, "g2-standard-4"), (2, "g2-standard-24"), (4, "g2-standard-48"), (8, "g2-standard-96"))
        ),
    )
]
HOST_TABLE = pl.DataFrame(
    _HOSTS_FOR, schema={"acc": pl.String, "count": pl.Int64, "host": pl.String, "label": pl.String}, orient="row"
)


def read_catalog(capture: RawCapture, required: tuple[str, ...]) -> pl.DataFrame:
    """Read a SkyPilot-format CSV with every column as text (prices stay exact). A catalog whose last line has no
    line end was cut off there (every real one ends with one), and its last price may be cut too ("9.46" of
    "9.46006"): refused as schema drift, never read as a shorter price."""
    if not capture.body.endswith(b"\n"):
        tail = capture.body[-24:].decode("utf-8", "replace")
        raise SchemaDrift(
            capture.source, f"the catalog's last line has no line end ({tail!r}): cut off, not a whole file"
        )
    try:
        frame = pl.read_csv(io.BytesIO(capture.body), infer_schema=False)
    except Exception as exc:  # polars raises several error types for malformed CSV
        raise SchemaDrift(capture.source, f"body is not a readable CSV: {exc}") from exc
    missing = [c for c in required if c not in frame.columns]
    if missing or frame.height == 0:
        raise SchemaDrift(capture.source, f"catalog CSV missing columns {missing} or empty")
    return frame


def _dec(col: str) -> pl.Expr:
    return pl.col(col).str.strip_chars().str.to_decimal(scale=12)


def parse_gcp_catalog(capture: RawCapture) -> pl.DataFrame:
    frame = read_catalog(capture, COLUMNS)
    frame = frame.with_columns(pl.col("AcceleratorCount").cast(pl.Float64, strict=False).cast(pl.Int64, strict=False))
    vms = frame.filter(pl.col("AcceleratorName").is_null() | (pl.col("AcceleratorName") == ""))
    if vms.height == 0:
        raise SchemaDrift(capture.source, "catalog has accelerator rows but no VM rows: bundle prices cannot be formed")
    accs = frame.filter(pl.col("AcceleratorName").is_not_null() & (pl.col("AcceleratorName") != ""))

    hosts = vms.select(
        pl.col("InstanceType").alias("host"),
        "AvailabilityZone",
        pl.col("Price").alias("host_price"),
        pl.col("SpotPrice").alias("host_spot"),
    ).unique(subset=["host", "AvailabilityZone"], keep="first", maintain_order=True)
    bundles = accs.join(
        HOST_TABLE, left_on=["AcceleratorName", "AcceleratorCount"], right_on=["acc", "count"], how="left"
    ).join(hosts, on=["host", "AvailabilityZone"], how="left")
    common = [
        pl.lit(capture.source).alias("source"),
        pl.lit("gcp").alias("provider"),
        pl.lit("hyperscaler").alias("provider_class"),
        pl.lit("rate_card").alias("input_tier"),
        pl.lit("gpu_hour").alias("product"),
        pl.lit("gpu_hour").alias("unit"),
        pl.lit("instance_hour").alias("price_per"),
        pl.lit("USD").alias("currency"),
        pl.lit(capture.fetched_at).alias("observed_at"),
        pl.col("Region").alias("region"),
    ]

    def bundle_rows(acc_col: str, host_col: str, pricing_type: str) -> pl.DataFrame:
        total = (_dec(acc_col) + _dec(host_col)).cast(pl.String)
        reason = (
            pl.when(pl.col("AcceleratorName").str.starts_with("tpu"))
            .then(pl.lit("TPU: not a GPU good"))
            .when(pl.col("host").is_null())
            .then(pl.lit("attachable accelerator: host machine varies, no defined bundle price"))
            .when(pl.col(host_col).is_null())
            .then(pl.format("no {} row for host {} in this zone", pl.lit("VM"), pl.col("host")))
            .when((_dec(acc_col) <= 0) | (_dec(host_col) <= 0) | _dec(acc_col).is_null() | _dec(host_col).is_null())
            .then(pl.format("{} price of accelerator or host VM is zero or missing", pl.lit(pricing_type)))
        )
        return bundles.select(
            *common,
            pl.format(
                "{}:{}x{}", pl.col("host").fill_null("?"), pl.col("AcceleratorName"), pl.col("AcceleratorCount")
            ).alias("sku"),
            pl.coalesce("label", "AcceleratorName").alias("label"),
            pl.lit(pricing_type).alias("pricing_type"),
            pl.col("AcceleratorCount").alias("gpu_count"),
            pl.when(reason.is_null()).then(total).otherwise(pl.col(acc_col)).alias("price_native"),
            reason.alias("reject_reason"),
            pl.struct(zone=pl.col("AvailabilityZone"), accelerator_price=pl.col(acc_col), host_price=pl.col(host_col))
            .struct.json_encode()
            .alias("attributes"),
        )

    cpu_only = vms.select(
        *common,
        pl.col("InstanceType").alias("sku"),
        pl.col("InstanceType").alias("label"),
        pl.lit("on_demand").alias("pricing_type"),
        pl.col("Price").alias("price_native"),
        pl.lit("VM row without accelerator (priced into GPU bundles where it is a host)").alias("reject_reason"),
        pl.struct(zone=pl.col("AvailabilityZone")).struct.json_encode().alias("attributes"),
    )
    return conform(
        pl.concat(
            [
                bundle_rows("Price", "host_price", "on_demand"),
                bundle_rows("SpotPrice", "host_spot", "spot"),
                cpu_only,
            ],
            how="diagonal_relaxed",
        )
    )


SOURCE = Source(
    name="gcp",
    product="gpu_hour",
    hosts=HOSTS,
    requests=(Request(url=URL),),
    parse=parse_gcp_catalog,
    description="GCP accelerator + host VM prices, SkyPilot catalog CSV (USD per machine-hour)",
    providers=("gcp",),
)
