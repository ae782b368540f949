"""Which hosts a Prime Intellect line shows selling spot capacity (parser v4).

A line's `by_provider` figure is the mean of a host's offers, spot and on-demand together. Its `by_config` names,
for each configuration (1x, 2x, ... GPUs), the best deal: the host and whether that offer is spot. A host named
there with a spot offer has spot capacity inside its mean, so the mean is not the on-demand good's price: DataCrunch's
H200 mean of 1.30 (every one of its offers at its spot price) stood beside on-demand clouds at 3.59-4.59, and its B200
mean of 3.41 averaged a 1.65 spot offer with 3.99 on-demand ones and voted in the on-demand index. Parser v4 refuses
such a host's row, naming the deals that show it.

A line tells only each configuration's best deal: spot offers that are no configuration's best are not seen, and a
host with only those keeps its mean as v3 read it. A `by_config` that is not objects of objects shows nothing.
"""

from __future__ import annotations

import json

import msgspec
import polars as pl

from pipeline.sources.primeintellect_lines import OBJECTS
from pipeline.sources.read import NULL, decode_objects


class _Config(msgspec.Struct, gc=False):
    best_deal: msgspec.Raw = NULL
    min_per_gpu: msgspec.Raw = NULL


class _Deal(msgspec.Struct, gc=False):
    provider: msgspec.Raw = NULL
    spot: msgspec.Raw = NULL


_CONFIG = msgspec.json.Decoder(dict[str, msgspec.Raw])
_EACH = msgspec.json.Decoder(list[_Config])
_DEALS = msgspec.json.Decoder(list[_Deal])
SCHEMA = {"_i": pl.Int64, "host": pl.String, "spot_deals": pl.String}


def _configs(tokens: list[str]) -> list[tuple[int, str, _Config]]:
    """Each line's configurations (the line's place, the configuration's name, its fields), those that are objects;
    a `by_config` that is not an object shows none."""
    try:
        lines = decode_objects(OBJECTS, tokens)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        lines = {}
        for i, token in enumerate(tokens):
            try:
                lines[i] = _CONFIG.decode(token)
            except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
                continue
    named = [(i, name, bytes(raw).decode()) for i, configs in lines.items() for name, raw in configs.items()]
    fields = decode_objects(_EACH, [text for *_, text in named])
    return [(i, name, fields[k]) for k, (i, name, _) in enumerate(named) if k in fields]


def spot_deals(tokens: pl.Series) -> pl.DataFrame:
    """For each line (`_i`, its place in `tokens`, the lines' `by_config` JSON tokens) and each host whose spot
    offer is the best deal of some configuration: those deals as text ("1x at 1.3, 2x at 1.3"). Only the lines that
    say `"spot": true` anywhere are decoded."""
    said = tokens.str.contains(r'"spot"\s*:\s*true').fill_null(False)
    lines = [token if spot else "null" for token, spot in zip(tokens.to_list(), said.to_list(), strict=True)]
    places = _configs(lines)
    deals = decode_objects(_DEALS, [bytes(c.best_deal).decode() for _, _, c in places])  # a deal not an object: none
    found: dict[tuple[int, str], list[str]] = {}
    for k, (i, name, config) in enumerate(places):
        deal = deals.get(k)
        if deal is None:
            continue
        host = _string(bytes(deal.provider))
        if host is not None and bytes(deal.spot) == b"true":
            found.setdefault((i, host), []).append(f"{name} at {bytes(config.min_per_gpu).decode()}")
    rows = [(i, host, ", ".join(each)) for (i, host), each in found.items()]
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def _string(token: bytes) -> str | None:
    if not token.startswith(b'"'):
        return None
    text: str = json.loads(token)
    return text


def spot_reason(host_quoted: pl.Expr) -> pl.Expr:
    """The refusal of a host's mean where the line shows the host's spot deals (column `spot_deals`)."""
    return pl.format(
        "host {} sells spot capacity (the line's best deal of {}: its spot offer, USD per GPU-hour): its mean mixes "
        "spot and on-demand offers, not an on-demand price",
        host_quoted,
        pl.col("spot_deals"),
    )
