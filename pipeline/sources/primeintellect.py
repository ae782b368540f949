"""Prime Intellect marketplace price statistics, JSON Lines: one aggregate snapshot per line.

Each line summarises every offer Prime Intellect's aggregated marketplace listed for one
GPU type at one half-hourly run (USD per GPU-hour = offer price / GPU count, spot and
on-demand offers, every configuration, together). The lines are the archive kept by
tugot17/gpu-price-tracker (`data/summary/<GPU>.jsonl`); the live availability API
(`/api/v1/availability/`, Bearer key) answers per-offer JSON, which is not this shape
and so is recorded as schema drift rather than misread.

Parser v2 reads a line as the firms behind it (methodology v3: one vote per firm, an
aggregator never votes):
- one row per named host in `by_provider` (`runpod`, `lambdalabs`, `nebius` ...): the mean of
  that firm's offers, attributed to the firm with `via` = primeintellect, at the `statistic`
  tier (a statistic of offers, not an offer anyone can rent at that price);
- one row for Prime Intellect itself: the pooled median of all offers (its own re-reported
  figure), and one per host it does not name (`dc_*` partner datacentres, `primecompute`):
  those are sold under Prime Intellect's name, so they are its own price, never another firm's.
Every row is observed at the line's own timestamp (`time_basis` content). Parser v1 (one
row per line: the pooled median as an executable marketplace offer) stays in
`legacy_parsers` for quotes stored with it.

Parser v4 refuses a host's mean where the line shows that host selling spot capacity (`primeintellect_spot`);
v3 stays in `legacy_parsers` for quotes stored with it.

Parser v3 reads v2's rows in v2's order (the same row numbers) column-wise: msgspec decodes every line's
fields at once as raw JSON tokens, polars derives the columns (no `Decimal` per number, no dict per row).
Differences: attributes hold the line's own JSON text of each field, compactly joined; a value in a rejection
reason is its JSON text (`"n/a"`, not `'n/a'`); a `socket_type` that is not a string is ignored; lines split at
line feeds only; a number too long or large to be a price rejects its row, not the whole file.
"""

from __future__ import annotations

import json
import os

import polars as pl

from pipeline.domain.records import RawCapture, parsed_columns
from pipeline.sources.archive import last_record_time
from pipeline.sources.base import Archive, Request, Source
from pipeline.sources.primeintellect_legacy import (
    AGGREGATOR,
    MEMORY,
    UNNAMED_HOST,
    parse_primeintellect_v1,
    parse_primeintellect_v2,
    timestamp_of,
)
from pipeline.sources.primeintellect_lines import OBJECTS, decode_lines, figures
from pipeline.sources.primeintellect_spot import SCHEMA as SPOT_SCHEMA
from pipeline.sources.primeintellect_spot import spot_deals, spot_reason
from pipeline.sources.read import (
    decimal_text_of,
    decode_objects,
    json_object,
    json_text,
    plain_number,
    require,
    token_frame,
)

HOSTS = ("api.primeintellect.ai",)
URL_BASE = "https://api.primeintellect.ai/api/v1/availability/"
GPU_TYPES = ("H100_80GB", "H200_141GB", "B200_180GB", "GH200_96GB", "A100_80GB")
NAMED_HOSTS = ("crusoecloud", "datacrunch", "hyperstack", "lambdalabs", "latitude", "massedcompute", "nebius",
               "oblivus", "runpod", "vultr")  # fmt: skip


# -- parsers v3 and v4: columnar ----------------------------------------------------------------------------
_NO_VALUE = ("", "null")
_NO_TIME = pl.format("timestamp {} is missing or has no time zone", pl.col("timestamp"))
_ISO = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?[+-]\d{2}:\d{2}$"  # read in polars; others as v2 does


def _text(tokens: pl.Expr) -> pl.Expr:
    """Exact decimal text of number tokens (or strings holding one), as v2's `to_decimal`: plain numbers in polars,
    the rare other token one by one."""
    odd = pl.when(plain_number(tokens).is_null()).then(tokens)
    return pl.coalesce(plain_number(tokens), odd.map_elements(decimal_text_of, return_dtype=pl.String, skip_nulls=True))


def parse_primeintellect(capture: RawCapture) -> pl.DataFrame:
    """Parser v4: v3's rows, a host's mean refused where the line shows the host selling spot capacity
    (`primeintellect_spot`)."""
    return _parse(capture, spot_check=True)


def parse_primeintellect_v3(capture: RawCapture) -> pl.DataFrame:
    """Parser v3: v2's rows, in v2's order, from whole columns of raw JSON tokens."""
    return _parse(capture, spot_check=False)


def _parse(capture: RawCapture, spot_check: bool) -> pl.DataFrame:
    numbers, lines = decode_lines(capture)
    require(bool(lines), capture, _NOTHING)
    raw = token_frame(lines).collect(engine="in-memory")
    line = raw.with_columns(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("_i"),
        pl.Series("line", numbers, dtype=pl.Int64),
        pl.Series("median", [bytes(f.median).decode() for f in figures(raw["price_stats"].to_list())], pl.String),
        _observed(pl.col("timestamp")),
    ).with_columns(_good())
    pooled = line.select(*_pooled(capture.source), "_i", pl.lit(0, dtype=pl.Int64).alias("_k"))
    by_host = _hosts(raw["by_provider"].to_list()).join(line, on="_i", how="left")
    spot = spot_deals(raw["by_config"]) if spot_check else pl.DataFrame(schema=SPOT_SCHEMA)
    by_host = by_host.join(spot, on=["_i", "host"], how="left")
    rows = pl.concat([pooled, by_host.select(*_per_host(capture.source), "_i", "_k")], how="diagonal_relaxed")
    rows = rows.sort("_i", "_k")
    require(rows["reject_reason"].is_null().any(), capture, _NOTHING)
    return rows.select(parsed_columns({c: pl.col(c) for c in rows.columns if not c.startswith("_")}))


_NOTHING = "no snapshot with a priced offer (expected JSON Lines of price statistics)"


def _hosts(tokens: list[str]) -> pl.DataFrame:
    """One row per host of each line's `by_provider` object, in its order: the line (`_i`), the host's place in
    it (`_k`, from 1), its name as JSON text and as v2 quoted it, and its figures' tokens."""
    rows = [
        (i, k, host, json.dumps(host), repr(host), bytes(figure).decode())
        for i, hosts in decode_objects(OBJECTS, tokens).items()
        for k, (host, figure) in enumerate(hosts.items(), start=1)
    ]
    names = ("_i", "_k", "host", "host_json", "host_repr", "figure")
    frame = pl.DataFrame(rows, schema={n: pl.Int64 if n in ("_i", "_k") else pl.String for n in names}, orient="row")
    decoded = figures(frame["figure"].to_list())
    return frame.drop("figure").with_columns(
        pl.Series(f, [bytes(getattr(x, f)).decode() for x in decoded], pl.String) for f in ("count", "min", "avg")
    )


def _observed(token: pl.Expr) -> pl.Expr:
    """The line's time when it names its zone (v2's rule); the usual ISO form in polars, any other as v2 reads it."""
    text = json_text(token).str.strip_chars().str.replace(r"Z$", "+00:00")
    usual = text.str.contains(_ISO).fill_null(False)
    fast = pl.when(usual).then(text).str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%:z", time_unit="us", strict=False)
    slow = (
        pl.when(~usual & token.str.starts_with('"'))
        .then(json_text(token))
        .map_elements(timestamp_of, return_dtype=pl.Datetime("us", "UTC"), skip_nulls=True)
    )
    return pl.coalesce(fast.dt.convert_time_zone("UTC"), slow).alias("observed_at")


def _good() -> list[pl.Expr]:
    """What every row of a line shares: the GPU type, its socket, memory and the line's time."""
    gpu_type = pl.coalesce(json_text(pl.col("gpu_type")), pl.col("gpu_type"))
    socket = json_text(pl.col("socket_type")).replace("", None)
    return [
        pl.when(socket.is_not_null()).then(pl.format("{}_{}", gpu_type, socket)).otherwise(gpu_type).alias("sku"),
        pl.concat_str(
            gpu_type.str.replace_all("_", " ").replace("", None), socket, separator=" ", ignore_nulls=True
        ).alias("label"),
        gpu_type.str.extract(f"(?i){MEMORY.pattern}", 1).cast(pl.Float64).alias("gpu_memory_gb"),  # v2's pattern
    ]


def _common(source: str) -> dict[str, pl.Expr]:
    return {
        "source": pl.lit(source),
        "sku": pl.col("sku"),
        "label": pl.col("label"),
        "product": pl.lit("gpu_hour"),
        "pricing_type": pl.lit("on_demand"),
        "gpu_count": pl.lit(1, dtype=pl.Int64),
        "gpu_memory_gb": pl.col("gpu_memory_gb"),
        "unit": pl.lit("gpu_hour"),
        "price_per": pl.lit("gpu_hour"),
        "currency": pl.lit("USD"),
        "input_tier": pl.lit("statistic"),
        "observed_at": pl.col("observed_at"),
        "time_basis": pl.lit("content"),
    }


def _pooled(source: str) -> list[pl.Expr]:
    """Prime Intellect's pooled median of a line: its own figure (a statistic), never another firm's."""
    median = pl.col("median")
    price = _text(median.replace(list(_NO_VALUE), None))
    reason = (
        pl.when(median.is_in(_NO_VALUE))
        .then(pl.lit("median price missing (snapshot without priced offers)"))
        .when(price.is_null())
        .then(pl.format("median {} is not a number", median))
        .when(pl.col("observed_at").is_null())
        .then(_NO_TIME)
    )
    members = [("line", pl.col("line").cast(pl.String))]
    members += [("statistic", pl.lit(json.dumps("median of offers (USD per GPU-hour), spot and on-demand offers "
                                                 "together")))]  # fmt: skip
    members += [(k, pl.col(k)) for k in ("timestamp", "price_stats", "availability", "by_provider", "by_config")]
    columns = {
        **_common(source),
        "provider": pl.lit(AGGREGATOR),
        "provider_class": pl.lit("aggregator"),
        "price_native": pl.coalesce(price, pl.when(~median.is_in(_NO_VALUE)).then(median)),
        "reject_reason": reason,
        "attributes": json_object(members),
    }
    return [e.alias(name) for name, e in columns.items()]


def _per_host(source: str) -> list[pl.Expr]:
    """One host's mean offer price in a line, for the firm it names (or Prime Intellect's own, unnamed)."""
    host, avg, quoted = pl.col("host"), pl.col("avg"), pl.col("host_repr")
    price = _text(avg.replace(list(_NO_VALUE), None))
    unnamed = host.str.contains(UNNAMED_HOST.pattern)
    reason = (
        pl.when(avg.is_in(_NO_VALUE))
        .then(pl.format("host {} without a mean price", quoted))
        .when(price.is_null() | price.str.starts_with("-") | ~price.str.contains("[1-9]"))
        .then(pl.format("host {} mean price {} is not a positive number", quoted, avg))
        .when(pl.col("observed_at").is_null())
        .then(_NO_TIME)
        .when(pl.col("spot_deals").is_not_null())
        .then(spot_reason(quoted))
    )
    escaped = pl.col("host_json").str.slice(1, pl.col("host_json").str.len_chars() - 2)  # inside its quotes
    what = pl.when(unnamed).then(pl.lit("Prime Intellect's own offers (a host it does not name)"))
    statistic = pl.format(
        '"mean of {} listed through Prime Intellect (USD per GPU-hour), spot and on-demand, every configuration"',
        what.otherwise(pl.format("{}'s offers", escaped)),
    )
    members = [("line", pl.col("line").cast(pl.String)), ("host", pl.col("host_json")), ("statistic", statistic)]
    members += [("offers", pl.col("count")), ("min", pl.col("min")), ("avg", avg)]
    columns = {
        **_common(source),
        "provider": pl.when(unnamed).then(pl.lit(AGGREGATOR)).otherwise(host),
        "provider_class": pl.when(unnamed).then(pl.lit("aggregator")).otherwise(pl.lit("neocloud")),
        "price_native": pl.coalesce(price, pl.when(~avg.is_in(_NO_VALUE)).then(avg)),
        "reject_reason": reason,
        "attributes": json_object(members),
        "via": pl.when(unnamed).then(None).otherwise(pl.lit(AGGREGATOR)),
    }
    return [e.alias(name) for name, e in columns.items()]


def _headers() -> tuple[tuple[str, str], ...]:
    key = os.environ.get("PRIME_API_KEY")
    return (("Authorization", f"Bearer {key}"),) if key else ()


SOURCE = Source(
    name="primeintellect",
    product="gpu_hour",
    hosts=HOSTS,
    requests=tuple(Request(url=f"{URL_BASE}?gpu_type={gpu}", headers=_headers()) for gpu in GPU_TYPES),
    parse=parse_primeintellect,
    description=(
        "Prime Intellect marketplace, half-hourly: each named cloud's mean offer price (via Prime Intellect, "
        "a statistic) and Prime Intellect's pooled median, per GPU type (USD per GPU-hour)"
    ),
    # Prime Intellect's own figures, and the clouds its archive names (register aliases: lambdalabs is Lambda).
    providers=(AGGREGATOR, *NAMED_HOSTS),
    archives=(
        Archive("gpu-price-tracker", "gpu-price-tracker/*.jsonl", last_record_time, snapshots=False),
        Archive("primeintellect", "primeintellect/*.jsonl", last_record_time, snapshots=False),
    ),
    parser_version="4",
    legacy_parsers={"1": parse_primeintellect_v1, "2": parse_primeintellect_v2, "3": parse_primeintellect_v3},
)
