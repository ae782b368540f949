"""Vast.ai bundles (offer search) API: one row per live marketplace offer.

Each offer is a rentable slice of one host machine, priced for all its GPUs per hour.
`dph_total` adds the default disk to the GPU price (`dph_base` = `search.gpuCostPerHour`),
so the quote is the GPU compute price and the storage-inclusive total is kept in
`attributes`, with the offer, machine and host ids that make the quote executable.

Two shapes are read: the full search reply (`{"offers": [...]}`) and a bare list of
offers reduced to `gpu_name`, `gpu_ram`, `num_gpus`, `dph_total` (no ids, no GPU-only
price: the storage-inclusive total is then the only figure, and is flagged as such).

Parser v2 records each offer's market segment from the host's `hosting_type` (Vast's "secure
cloud" filter): 1 is a datacentre host, the standard good; 0 is a community host (someone's
machines, without a datacentre's service terms), segment `community`, which methodology v3 keeps
out of on-demand goods. An offer whose reply does not show a datacentre host (the reduced list,
an unknown value) is `community` too: not shown to be the standard good, so never counted as it.
Parser v1 (no segment: every offer read as the region's segment) stays in `legacy_parsers`.

Parser v3 reads the same rows column-wise: a schema-directed decoder (msgspec) takes only the fields it
needs from each offer, as their raw JSON tokens, and polars derives every column from whole columns of
tokens (no `Decimal` per number, no dict per row). Prices, counts, goods, regions and segments are v2's.
What differs: the attributes hold each kept field's JSON text as the offer wrote it (`"dph_total":1.3867`,
not v2's re-encoded `"dph_total": "1.3867"`), every kept field present (null when the offer lacks it);
a rejected value is quoted as its JSON text (`null`, not Python's `None`); and a number the parser does
not read (one out of bounds, say) no longer makes the whole reply drift. v2 stays in `legacy_parsers`
for the quotes stored with it.

The live requests ask for one GPU model each, ascending by `dph_total` and capped at the
server's page clamp: a full page drops the largest (often cheapest per GPU) offers first.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from urllib.parse import quote

import msgspec
import polars as pl

from pipeline.domain.records import RawCapture, parsed_columns
from pipeline.sources import columnar
from pipeline.sources.base import Request, Source, SourceError
from pipeline.sources.read import (
    ABSENT,
    NULL,
    decimal_text_of,
    decode_typed,
    json_object,
    json_text,
    plain_number,
    require,
    token_frame,
)
from pipeline.sources.vast_legacy import KEPT_FIELDS, parse_vast_v1, parse_vast_v2

HOSTS = ("console.vast.ai",)
URL_BASE = "https://console.vast.ai/api/v0/bundles/"
PAGE_LIMIT = 64  # the server clamps larger limits to about this many offers
GPU_NAMES = ("H100 SXM", "H100 NVL", "H100 PCIE", "H200", "H200 NVL", "B200", "A100 SXM4", "A100 PCIE", "L40S")


def query_url(gpu_name: str) -> str:
    q = {
        "gpu_name": {"eq": gpu_name},
        "rentable": {"eq": True},
        "type": "on-demand",
        "order": [["dph_total", "asc"]],
        "limit": PAGE_LIMIT,
    }
    return URL_BASE + "?q=" + quote(json.dumps(q, separators=(",", ":")))


# -- parser v3: columnar ------------------------------------------------------------------------------------
class _Offer(msgspec.Struct, gc=False):
    """The fields of an offer that v3 reads, each its raw JSON token (`null` when the offer lacks it)."""

    gpu_name: msgspec.Raw
    num_gpus: msgspec.Raw
    dph_total: msgspec.Raw
    gpu_ram: msgspec.Raw = NULL
    id: msgspec.Raw = NULL
    search: msgspec.Raw = NULL
    hosting_type: msgspec.Raw = NULL
    ask_contract_id: msgspec.Raw = NULL
    bundle_id: msgspec.Raw = NULL
    machine_id: msgspec.Raw = NULL
    host_id: msgspec.Raw = NULL
    reliability: msgspec.Raw = NULL
    reliability2: msgspec.Raw = NULL
    verification: msgspec.Raw = NULL
    geolocation: msgspec.Raw = NULL
    gpu_frac: msgspec.Raw = NULL
    gpu_total_ram: msgspec.Raw = NULL
    dph_base: msgspec.Raw = ABSENT  # absent (not null): the price is then search.gpuCostPerHour
    storage_total_cost: msgspec.Raw = NULL
    min_bid: msgspec.Raw = NULL
    is_bid: msgspec.Raw = NULL
    rentable: msgspec.Raw = NULL
    rented: msgspec.Raw = NULL
    start_date: msgspec.Raw = NULL
    end_date: msgspec.Raw = NULL
    cpu_cores_effective: msgspec.Raw = NULL
    cpu_ram: msgspec.Raw = NULL
    disk_space: msgspec.Raw = NULL
    inet_down: msgspec.Raw = NULL
    inet_up: msgspec.Raw = NULL


class _Reply(msgspec.Struct, gc=False):
    offers: list[_Offer]


class _Search(msgspec.Struct, gc=False):
    gpuCostPerHour: msgspec.Raw = ABSENT  # Vast's own name


_DECODER = msgspec.json.Decoder(_Reply | list[_Offer])
_SEARCH_DECODER = msgspec.json.Decoder(_Search)
_NO_VALUE = ("", "null")  # the field is absent, or JSON null
_NOT_NUMBERS = ("", "null", "true", "false")  # tokens that cannot hold a number (objects and arrays are rare)
_NUMBERS = ("price", "num_gpus", "gpu_ram", "hosting_type", "id")  # tokens read as numbers ("<name>#number")
_BID = "interruptible (bid) offer: the figure is a bid, not an on-demand ask"


def parse_vast(capture: RawCapture) -> pl.DataFrame:
    """Parser v3: v2's rows from whole columns of raw JSON tokens; attributes are the offer's own JSON text."""
    decoded = decode_typed(_DECODER, capture)
    full = isinstance(decoded, _Reply)
    offers: list[_Offer] = decoded.offers if full else decoded
    require(len(offers) > 0, capture, "no offers")
    given = pl.lit(capture.source).alias("_source"), pl.lit(capture.fetched_at).alias("_observed_at")
    tokens = token_frame(offers).with_columns(*given, _price_token(full))
    rows = tokens.with_columns(_numbers()).select(_fast(full)).collect(engine="in-memory")
    if not rows.drop_in_place("_slow")[0]:
        return rows
    # The rare body: an offer without dph_base, or numbers that are not plain text. Read those one by one.
    frame = tokens.collect(engine="in-memory")
    if full:
        search = [_search_price(s) if p == "" else p for p, s in zip(frame["price"], frame["search"], strict=True)]
        frame = frame.with_columns(pl.Series("price", search, dtype=pl.String))
    texts = {f"{c}#number": [decimal_text_of(t) for t in frame[c]] for c in _NUMBERS}
    numbers = pl.DataFrame(texts, schema=dict.fromkeys(texts, pl.String))
    return pl.concat([frame, numbers], how="horizontal").select(_columns(full))


def parse_vast_batch(captures: Sequence[RawCapture]) -> list[pl.DataFrame | SourceError]:
    """`parse_vast` of many captures by one query over all their offers (`sources.columnar`): full replies are read
    together, anything else (a reduced list, a body that does not decode, a slow-path offer) by `parse_vast` alone."""
    return columnar.read_batch(captures, _full_offers, _batch_rows, SOURCE.parse)


def _full_offers(capture: RawCapture) -> list[_Offer] | None:
    decoded = decode_typed(_DECODER, capture)
    return decoded.offers if isinstance(decoded, _Reply) else None


def _batch_rows(tokens: pl.LazyFrame) -> pl.LazyFrame:
    """`parse_vast`'s fast path over many captures' offers: each row's slow-path verdict, its number in its capture."""
    return tokens.with_columns(_price_token(True)).with_columns(_numbers()).select(_batch_columns())


@functools.cache
def _batch_columns() -> list[pl.Expr]:
    return [*_columns(True, batched=True), _slow(True).alias(columnar.SLOW)]


@functools.cache
def _numbers() -> list[pl.Expr]:
    """The number tokens as plain decimal text where they are that already (built once, as `_columns`)."""
    return [plain_number(pl.col(c)).alias(f"{c}#number") for c in _NUMBERS]


@functools.cache
def _fast(full: bool) -> list[pl.Expr]:
    """The fast path's rows and whether any row needs the slow one (built once: building them took ~0.5 ms of the
    ~10 ms a 1,000-offer body takes to read)."""
    return [*_columns(full), _slow(full).any().alias("_slow")]


def _price_token(full: bool) -> pl.Expr:
    """The offer's price token: the GPU price `dph_base` in the full reply (`search.gpuCostPerHour` when it is
    absent, read on the slow path), the storage-inclusive `dph_total` in the reduced list."""
    return pl.col("dph_base" if full else "dph_total").alias("price")


def _slow(full: bool) -> pl.Expr:
    """Rows the fast path cannot read: a number token that is not plain text, a full offer without dph_base."""
    odd = pl.any_horizontal(pl.col(f"{c}#number").is_null() & ~pl.col(c).is_in(_NOT_NUMBERS) for c in _NUMBERS)
    return odd | (pl.col("price") == "") if full else odd


def _search_price(token: str) -> str:
    """`search.gpuCostPerHour` of an offer without `dph_base` ("" when there is none: not an object, or absent)."""
    try:
        return bytes(_SEARCH_DECODER.decode(token).gpuCostPerHour).decode("utf-8")
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return ""


@functools.cache
def _columns(full: bool, batched: bool = False) -> list[pl.Expr]:
    """The parsed rows as expressions over the token columns (built once: the same for every capture). `batched`:
    over many captures' tokens, each row numbered in its own capture (`columnar.ROW`)."""
    price_field = "dph_base" if full else "dph_total"
    gpu_name = json_text(pl.col("gpu_name")).str.strip_chars()
    count = pl.col("num_gpus#number").str.extract(r"^([1-9][0-9]{0,17})(?:\.0*)?$", 1).cast(pl.Int64)
    ram = pl.col("gpu_ram#number").cast(pl.Float64)
    memory = pl.when(ram > 0).then(ram / 1024)
    gb = memory.round(0, mode="half_to_even").cast(pl.Int64)
    id_number = pl.col("id#number")
    integral_id = id_number.str.replace(r"\.0*$", "").replace("-0", "0")  # written as an integer, as v2 did
    offer_id = (
        pl.when(pl.col("id").is_in(_NO_VALUE))
        .then(None)
        .otherwise(pl.coalesce(integral_id, json_text(pl.col("id")), pl.col("id")))
    )
    place = pl.col("geolocation")
    region = pl.when(place.is_in(_NO_VALUE)).then(None).otherwise(pl.coalesce(json_text(place), place))
    price, price_token = pl.col("price#number"), pl.col("price")
    reason = (
        pl.when(gpu_name.fill_null("") == "")
        .then(pl.lit("offer without gpu_name"))
        .when(price.is_null())
        .then(pl.format("{} {} is not a number", pl.lit(price_field), price_token.replace("", "(absent)")))
        .when(count.is_null())
        .then(pl.format("num_gpus {} is not a positive whole number", pl.col("num_gpus")))
        .when(pl.col("is_bid") == "true")
        .then(pl.lit(_BID))
        .when((pl.col("rentable") == "false") | (pl.col("rented") == "true"))
        .then(pl.lit("offer is not rentable now (rented or withdrawn)"))
    )
    price_text = pl.lit(json.dumps(price_field))
    members = [("price_field", price_text), ("num_gpus", pl.col("num_gpus")), ("gpu_ram_mib", pl.col("gpu_ram"))]
    if full:  # every kept field, `null` when the offer lacks it (an absent dph_base is "")
        members.append(("offer_id", pl.col("id")))
        members += [(k, pl.col(k).replace("", "null") if k == "dph_base" else pl.col(k)) for k in KEPT_FIELDS]
    else:
        index = pl.int_range(pl.len()).cast(pl.String)
        members += [("dph_total", pl.col("dph_total")), ("includes_storage", pl.lit("true")), ("list_index", index)]
    members.append(("hosting_type", pl.col("hosting_type")))
    no_name = gpu_name.replace("", None).fill_null("?")
    return parsed_columns(
        {
            **({"row_no": pl.col(columnar.ROW)} if batched else {}),
            "source": pl.col("_source"),
            "provider": pl.lit("vast"),
            "provider_class": pl.lit("marketplace"),
            "input_tier": pl.lit("executable"),
            "sku": pl.coalesce(offer_id, pl.concat_str(count.cast(pl.String).fill_null("?"), pl.lit("x-"), no_name)),
            "label": pl.when(gb.is_not_null())
            .then(pl.format("{} {}GB", gpu_name.fill_null(""), gb))
            .otherwise(gpu_name.fill_null("")),
            "product": pl.lit("gpu_hour"),
            "pricing_type": pl.lit("on_demand"),
            "region": region.str.strip_chars(" ,").replace("", None),
            "gpu_count": count,
            "gpu_memory_gb": memory,
            "unit": pl.lit("gpu_hour"),
            "price_per": pl.lit("instance_hour"),
            "price_native": pl.coalesce(
                price, pl.when(~price_token.is_in(_NO_VALUE)).then(pl.coalesce(json_text(price_token), price_token))
            ),
            "currency": pl.lit("USD"),
            "observed_at": pl.col("_observed_at"),
            "reject_reason": reason,
            "attributes": json_object(members),
            "segment": pl.when(pl.col("hosting_type#number").str.contains(r"^1(?:\.0*)?$"))
            .then(pl.lit("standard"))
            .otherwise(pl.lit("community")),
        }
    )


SOURCE = Source(
    name="vast",
    product="gpu_hour",
    hosts=HOSTS,
    requests=tuple(Request(url=query_url(name)) for name in GPU_NAMES),
    parse=parse_vast,
    parse_batch=parse_vast_batch,
    description="Vast.ai bundles search, rentable on-demand offers per GPU model (USD per offer-hour, GPU part)",
    providers=("vast",),
    parser_version="3",
    legacy_parsers={"1": parse_vast_v1, "2": parse_vast_v2},
    no_sample_reason=(
        "Vast reaches the offline day through the vast-catalog sample (the same marketplace's offers "
        "in the SkyPilot catalog)"
    ),
)
