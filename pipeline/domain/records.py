"""The records that flow through the pipeline, and the exact column sets of its frames.

Parsers emit *parsed rows* (what the provider said, in its own units); normalisation
turns them into *quotes* (USD per GPU-hour or per million tokens, canonical identity)
or *rejections* (with the rule that rejected them). A rejection is an output, not an
exception.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import polars as pl

UNITS: tuple[str, ...] = ("gpu_hour", "mtok_input", "mtok_output", "mtok_cached_input")

# Exact money in DuckDB's widest DECIMAL (38 digits). A provider's own figure keeps 28
# decimals (per-token prices such as 2.9999900000000002e-06 need 22); a USD price per
# GPU-hour or per million tokens keeps 24, so x1,000,000 of a per-token figure is exact.
NATIVE_DTYPE = pl.Decimal(38, 28)
PRICE_DTYPE = pl.Decimal(38, 24)
FX_DTYPE = pl.Decimal(38, 18)
UTC_DATETIME = pl.Datetime("us", "UTC")


@dataclass(frozen=True)
class RawCapture:
    """One HTTP response body exactly as received, with where and when it came from."""

    source: str
    url: str
    fetched_at: datetime
    body: bytes = field(repr=False)
    http_status: int = 200
    content_type: str = "application/json"
    method: str = "GET"
    # For an archived snapshot replayed by a backfill: the snapshot is the state in force until this time.
    in_force_until: datetime | None = None

    def __post_init__(self) -> None:
        if self.fetched_at.tzinfo is None:
            raise ValueError("fetched_at must be timezone-aware (UTC)")
        object.__setattr__(self, "fetched_at", self.fetched_at.astimezone(UTC))

    @functools.cached_property
    def capture_id(self) -> str:
        """The body's sha256, hashed once per capture (a body of megabytes costs milliseconds each time)."""
        return hashlib.sha256(self.body).hexdigest()


# What a parser emits: the provider's own figures, not yet normalised.
#   price_per: what price_native is quoted per ("instance_hour" for a whole
#   multi-GPU machine, "gpu_hour", "token", "mtok").
#   via: the aggregator or marketplace a price was observed through, when the seller is
#   someone else (Prime Intellect's per-provider figures); null for the seller's own quote.
#   segment: where the good is sold, when the source says ("community" cloud, "government"
#   region); null lets normalisation decide from the region ("standard" otherwise).
#   time_basis: "content" when observed_at is the document's own time (a commit, an archive
#   stamp, a dated record), "fetch" when only our fetch time dates it; null lets
#   normalisation decide (observed_at equal to the fetch time is "fetch").
#   parser_version: filled by the pipeline from the source's parser version, never by a parser.
PARSED_SCHEMA: dict[str, pl.DataType] = {
    "row_no": pl.Int64(),
    "source": pl.String(),
    "provider": pl.String(),
    "provider_class": pl.String(),
    "input_tier": pl.String(),
    "sku": pl.String(),
    "label": pl.String(),
    "product": pl.String(),
    "pricing_type": pl.String(),
    "region": pl.String(),
    "gpu_count": pl.Int64(),
    "gpu_memory_gb": pl.Float64(),
    "unit": pl.String(),
    "price_per": pl.String(),
    "price_native": pl.String(),
    "currency": pl.String(),
    "observed_at": UTC_DATETIME,
    "reject_reason": pl.String(),
    "attributes": pl.String(),
    "in_force_until": UTC_DATETIME,
    "via": pl.String(),
    "segment": pl.String(),
    "time_basis": pl.String(),
    "parser_version": pl.String(),
}

QUOTE_SCHEMA: dict[str, pl.DataType] = {
    "capture_id": pl.String(),
    "fetched_at": UTC_DATETIME,
    "row_no": pl.Int64(),
    "source": pl.String(),
    "provider": pl.String(),
    "provider_class": pl.String(),
    "input_tier": pl.String(),
    "sku": pl.String(),
    "label": pl.String(),
    "product": pl.String(),
    "good": pl.String(),
    "variant": pl.String(),
    "pricing_type": pl.String(),
    "region": pl.String(),
    "gpu_count": pl.Int64(),
    "price_native": NATIVE_DTYPE,
    "currency": pl.String(),
    "fx_rate": FX_DTYPE,
    "price_usd": PRICE_DTYPE,
    "unit": pl.String(),
    "observed_at": UTC_DATETIME,
    "attributes": pl.String(),
    "in_force_until": UTC_DATETIME,
    "via": pl.String(),
    "segment": pl.String(),
    "time_basis": pl.String(),
    "parser_version": pl.String(),
    "rules_version": pl.String(),
}

# One fetch as `raw_capture` records it (the body itself is in the capture store, named by its sha256).
CAPTURE_SCHEMA: dict[str, pl.DataType] = {
    "capture_id": pl.String(),
    "source": pl.String(),
    "url": pl.String(),
    "method": pl.String(),
    "fetched_at": UTC_DATETIME,
    "http_status": pl.Int32(),
    "content_type": pl.String(),
    "byte_size": pl.Int64(),
    "stored_path": pl.String(),
    "replayed_from": pl.String(),
    "in_force_until": UTC_DATETIME,
}

REJECTION_SCHEMA: dict[str, pl.DataType] = {
    "capture_id": pl.String(),
    "fetched_at": UTC_DATETIME,
    "row_no": pl.Int64(),
    "source": pl.String(),
    "provider": pl.String(),
    "sku": pl.String(),
    "label": pl.String(),
    "product": pl.String(),
    "unit": pl.String(),
    "price_native": pl.String(),
    "currency": pl.String(),
    "good": pl.String(),
    "rule": pl.String(),
    "reason": pl.String(),
    "observed_at": UTC_DATETIME,
    "parser_version": pl.String(),
    "rules_version": pl.String(),
}


def parsed_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Build a parser's output frame; missing columns become null, row_no is the row order."""
    numbered = [{**row, "row_no": i} for i, row in enumerate(rows)]
    for row in numbered:
        price = row.get("price_native")
        if price is not None and not isinstance(price, str):
            row["price_native"] = decimal_text(price)
    return pl.DataFrame(numbered, schema=PARSED_SCHEMA, strict=False) if numbered else empty(PARSED_SCHEMA)


def empty(schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)


def decimal_text(value: Any) -> str:
    """A price as plain decimal text, exactly as given (no float round-trip, no exponent)."""
    if isinstance(value, float):
        raise TypeError("prices must be parsed as Decimal or str, never float")
    dec = value if isinstance(value, Decimal) else Decimal(str(value))
    return format(dec, "f")


def plain(value: Decimal | None) -> str | None:
    """Canonical text of an exact price: no exponent, no trailing zeros."""
    if value is None:
        return None
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def conform(frame: pl.DataFrame) -> pl.DataFrame:
    """Give a parser's polars frame exactly the parsed schema (missing columns null, rows numbered)."""
    frame = frame.with_row_index("row_no").with_columns(pl.col("row_no").cast(pl.Int64))
    return frame.select(
        pl.col(name).cast(dtype) if name in frame.columns else pl.lit(None, dtype=dtype).alias(name)
        for name, dtype in PARSED_SCHEMA.items()
    )


def parsed_columns(columns: dict[str, pl.Expr]) -> list[pl.Expr]:
    """The parsed schema as expressions over a parser's frame: each column from `columns`, cast to its type,
    null where a parser has none, row_no the row order (a columnar parser's `conform`, in one select)."""
    given = {"row_no": pl.int_range(pl.len(), dtype=pl.Int64), **columns}
    return [
        (given[name] if name in given else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in PARSED_SCHEMA.items()
    ]


@dataclass(frozen=True)
class FxRate:
    """USD per one unit of `currency` on `day`, and the ECB figure it came from.

    `ecb_rate` is the published units of `currency` per 1 EUR (1 for EUR itself).
    """

    day: date
    currency: str
    usd_per_unit: Decimal
    source: str
    ecb_rate: Decimal
