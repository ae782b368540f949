"""AWS on-demand price history: one row per daily reading of the Price List Query API.

An archive feed: each row is what the AWS Price List Query API (`GetProducts`,
pricing.us-east-1.amazonaws.com) returned on that day for one instance type in US East
(N. Virginia), Linux, shared tenancy, as recorded by amorton45/aws-gpu-price-tracker
(`gpu_prices.csv`: timestamp, instance, price_usd). Each row is a quote observed at its
own timestamp (written without a zone, UTC by the tracker), so the history is replayable.
An empty price is a failed run or a month-start placeholder: kept as a rejection.

The live API needs a SigV4-signed POST and answers JSON price-list documents, not this
CSV; a live reply is therefore recorded as schema drift, never misread.
"""

from __future__ import annotations

import json

import polars as pl

from pipeline.domain.records import RawCapture, conform
from pipeline.sources.archive import last_record_time
from pipeline.sources.aws import INSTANCES
from pipeline.sources.base import Archive, Request, Source
from pipeline.sources.gcp import read_catalog
from pipeline.sources.lambda_catalog import text

HOSTS = ("pricing.us-east-1.amazonaws.com",)
URL = "https://pricing.us-east-1.amazonaws.com/"
COLUMNS = ("timestamp", "instance", "price_usd")
REGION = "us-east-1"
_QUERY = {
    "ServiceCode": "AmazonEC2",
    "FormatVersion": "aws_v1",
    "Filters": [
        {"Type": "TERM_MATCH", "Field": field, "Value": value}
        for field, value in (
            ("instanceType", "p5.48xlarge"),
            ("location", "US East (N. Virginia)"),
            ("operatingSystem", "Linux"),
            ("tenancy", "Shared"),
            ("preInstalledSw", "NA"),
            ("capacitystatus", "Used"),
        )
    ],
}

INSTANCE_TABLE = pl.DataFrame(
    [(name, label, count) for name, (label, count) in INSTANCES.items()],
    schema={"_instance": pl.String, "_label": pl.String, "_count": pl.Int64},
    orient="row",
)
# Timestamps as the tracker writes them (naive = UTC), plus an explicit offset if one appears.
_NAIVE_FORMATS = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d")


def _utc_time(col: pl.Expr) -> pl.Expr:
    naive = [col.str.to_datetime(f, time_unit="us", time_zone="UTC", strict=False) for f in _NAIVE_FORMATS]
    aware = col.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%z", time_unit="us", strict=False).dt.convert_time_zone("UTC")
    return pl.coalesce(*naive, aware)


def parse_aws_history(capture: RawCapture) -> pl.DataFrame:
    frame = read_catalog(capture, COLUMNS).join(
        INSTANCE_TABLE, left_on=pl.col("instance").str.strip_chars(), right_on="_instance", how="left"
    )
    stamp = text(frame, "timestamp")
    observed = _utc_time(stamp)
    price = text(frame, "price_usd")
    reason = (
        pl.when(price.is_null())
        .then(pl.lit("empty price (failed run or placeholder row)"))
        .when(price.str.to_decimal(scale=12).is_null())
        .then(pl.format("price {} is not a number", price))
        .when(observed.is_null())
        .then(pl.format("timestamp {} is not readable", stamp))
        .when(pl.col("_label").is_null())
        .then(pl.format("unknown instance type {}", pl.col("instance")))
    )
    return conform(
        frame.select(
            pl.lit(capture.source).alias("source"),
            pl.lit("aws").alias("provider"),
            pl.lit("hyperscaler").alias("provider_class"),
            pl.lit("rate_card").alias("input_tier"),
            text(frame, "instance").alias("sku"),
            pl.coalesce("_label", text(frame, "instance")).alias("label"),
            pl.lit("gpu_hour").alias("product"),
            pl.lit("on_demand").alias("pricing_type"),
            pl.lit(REGION).alias("region"),
            pl.col("_count").alias("gpu_count"),
            pl.lit("gpu_hour").alias("unit"),
            pl.lit("instance_hour").alias("price_per"),
            price.alias("price_native"),
            pl.lit("USD").alias("currency"),
            observed.alias("observed_at"),
            reason.alias("reject_reason"),
            pl.struct(timestamp=stamp, location=pl.lit("US East (N. Virginia)"))
            .struct.json_encode()
            .alias("attributes"),
        )
    )


SOURCE = Source(
    name="aws-history",
    product="gpu_hour",
    hosts=HOSTS,
    requests=(
        Request(
            url=URL,
            method="POST",
            body=json.dumps(_QUERY).encode(),
            headers=(
                ("Content-Type", "application/x-amz-json-1.1"),
                ("X-Amz-Target", "AWSPriceListService.GetProducts"),
            ),
        ),
    ),
    parse=parse_aws_history,
    description="AWS p5.48xlarge on-demand price history, us-east-1 (archive of Price List Query API readings)",
    providers=("aws",),
    archives=(Archive("aws-gpu-prices", "aws/gpu_prices.csv", last_record_time, snapshots=False),),
    no_sample_reason=(
        "an archive of daily Price List API readings, replayed by backfill; the live API needs a signed request "
        "and answers JSON, which this parser records as drift. AWS reaches the offline day through the aws sample"
    ),
)
