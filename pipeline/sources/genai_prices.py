"""Pydantic's genai-prices: per-provider LLM API prices in USD per million tokens, a token feed independent of LiteLLM.

`prices/data.json` is a list of providers, each with `models[]`; a model's `prices` is either one
price set or a list of `{constraint, prices}` entries (a price from a start date, or within a
daily UTC time window), and a figure is a number or a tiered object. Only the three headline
text prices become quotes (`input_mtok`, `output_mtok`, `cache_read_mtok`); tiered figures,
other keys (audio, cache writes, per-request fees), entries not in force and prices the feed
itself says are not the seller's own (copied from OpenRouter, converted from another currency)
are kept as rejections with their reason.

The provider is the firm the buyer pays, by the provider register. A `huggingface_<x>` file
is a Hugging Face Inference Providers route: the buyer pays Hugging Face, which serves it from
firm <x> at <x>'s price, so the quote counts for <x> with `via = "huggingface"`.

Time basis: the built `data.json` carries no per-model date (`prices_checked` exists only in
the hand-edited `providers/*.yml`, which are not fetched). A live capture is therefore the
state at its fetch time. An archived `data.json` is the state at the commit it was taken from:
its time is read from its content (the sha256 of the body names a commit listed in the
archive's README), so a snapshot is dated by its commit, not by the date in its file name.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import polars as pl

from pipeline.domain.records import RawCapture, decimal_text, parsed_frame
from pipeline.methodology import Register, load_register
from pipeline.sources.base import Archive, Request, SchemaDrift, Source
from pipeline.sources.read import load_json, require, to_decimal

HOSTS = ("raw.githubusercontent.com",)
URL = "https://raw.githubusercontent.com/pydantic/genai-prices/main/prices/data.json"
ROUTE_PREFIX = "huggingface_"
ROUTER = "huggingface"

# price key -> unit; every other key is a rejection, never a guess.
UNITS: dict[str, str] = {
    "input_mtok": "mtok_input",
    "output_mtok": "mtok_output",
    "cache_read_mtok": "mtok_cached_input",
}
NOT_IN_FORCE = "price entry not in force"

# What the feed's own price_comments say makes a figure not the seller's own USD price.
NOT_OWN_PRICE: tuple[tuple[str, str], ...] = (
    (r"(?i)imported from openrouter|trusting open ?router|seen on openrouter", "the feed copied it from OpenRouter"),
    (r"(?i)converted to usd", "the feed converted it to USD from another currency at its own rate"),
)

# sha256 of prices/data.json at each commit of the archive (genai-prices/README.md) -> commit time.
COMMITS: dict[str, str] = {
    "b554914376e0c7350acd96d1e05d0d68b016bd563794cbee9ea852c21150c081": "2025-06-23T12:33:55+01:00",
    "dd2a4dfc75a80c58c367964ad762f698920dd7cfa519fec8a3699b2149ab32fd": "2025-07-31T13:45:38+03:00",
    "4df303543971ea3b900b4a8e462e4bd3dcf243d5cbdf0c347927c4cdc2f3ebc7": "2025-08-26T07:58:42-04:00",
    "1d21309e1923e74e1d4aee47124a33f7d712b2e7a38dc737cc347d14fc9d3472": "2025-09-29T13:38:37-07:00",
    "08d7454563bc7b66b66a1749562f45361285721baea564171888927754eb01f5": "2025-10-27T13:47:55+02:00",
    "e8c971f4197ce6cd77987b0d446d5c44f3bcaf2e90251e2707effe329d31eed9": "2025-11-27T18:33:47+02:00",
    "adb4f96b3bfa5551e2511fa81ca7ec14f9ac30ae06d83a8e08ebb7622cf000e0": "2025-12-31T11:12:17-07:00",
    "b43a6305b444796c6fff3bf1b31a193fc73f36c5a8f08fa3a63dea262a4fa49d": "2026-01-28T17:22:29-05:00",
    "11f4008b20e21f95c5c1f56a3f7d432bcecac843596b846cb5a9f042207899ae": "2026-02-25T14:55:58+02:00",
    "526b270970b0f4702b4250fe309bbdd20b6beaa1c15cf94d15b00d9b37f5d562": "2026-03-30T13:05:46+02:00",
    "68e98e992941bcf9f19ae0dd49e17a3276fa65e69e2ea79612e085a145ba57ea": "2026-04-30T16:06:52+02:00",
    "010d4ad824e9fa76211130de973a226b3c95bc3da09bcceeea27772e61666916": "2026-05-28T16:14:56-05:00",
    "9e76555297bda9a0964851b000a05c3508c96a3d30944107a54107559ce62ae4": "2026-06-30T16:22:59-05:00",
    "f41075aab069a7dc378f83b7586523f72682a6c9860b23a89ad0b57c073aec41": "2026-07-25T08:10:25-05:00",
}


def commit_time(_path: Path, body: bytes) -> datetime:
    """An archived data.json: the time of the commit whose content it is."""
    digest = hashlib.sha256(body).hexdigest()
    if digest not in COMMITS:
        raise ValueError(f"data.json with sha256 {digest} is not a commit listed in the archive's README")
    return datetime.fromisoformat(COMMITS[digest]).astimezone(UTC)


@dataclass(frozen=True)
class Seller:
    """The firm a feed provider's prices count for, its class, and the router in between (if any)."""

    provider: str
    provider_class: str | None
    via: str | None
    reason: str | None  # why none of its prices may count


def seller_of(feed_provider: str, register: Register) -> Seller:
    routed = feed_provider.startswith(ROUTE_PREFIX)
    via, name = (ROUTER, feed_provider.removeprefix(ROUTE_PREFIX)) if routed else (None, feed_provider)
    firm = register.firm_of(name)
    if firm is None:
        return Seller(name, None, via, f"provider {name!r} is not in the provider register v{register.version}")
    klass = firm.class_for("tokens")
    if klass is None:
        return Seller(firm.id, None, via, f"firm {firm.id!r} has no token class in the provider register")
    return Seller(firm.id, klass, via, None)


def _not_own(comment: Any) -> str | None:
    if not isinstance(comment, str):
        return None
    found = (why for pattern, why in NOT_OWN_PRICE if re.search(pattern, comment))
    return next((f"not the seller's own USD price: {why}" for why in found), None)


def _clock(value: Any, capture: RawCapture, what: str) -> time:
    """A time of day in UTC (the feed writes "00:30:00Z"; a naive time is read as UTC)."""
    try:
        parsed = time.fromisoformat(str(value))
    except ValueError as exc:
        raise SchemaDrift(capture.source, f"unexpected structure: {what} {value!r} is not a time") from exc
    if parsed.tzinfo is None:
        return parsed
    return datetime.combine(date(2000, 1, 1), parsed).astimezone(UTC).time().replace(tzinfo=None)


def _start(constraint: dict[str, Any], capture: RawCapture, what: str) -> date | None:
    if "start_date" not in constraint:
        return None
    try:
        return date.fromisoformat(str(constraint["start_date"]))
    except ValueError as exc:
        raise SchemaDrift(capture.source, f"unexpected structure: {what} start_date is not a date") from exc


def applies(constraint: dict[str, Any] | None, at: datetime, capture: RawCapture, what: str) -> bool:
    """The feed's rule: no constraint always applies; a start date from that day (UTC); a time window daily."""
    if constraint is None:
        return True
    start = _start(constraint, capture, what)
    if start is not None:
        return start <= at.date()
    if {"start_time", "end_time"} <= set(constraint):
        begin, end = (_clock(constraint[k], capture, what) for k in ("start_time", "end_time"))
        now = at.astimezone(UTC).time().replace(tzinfo=None)
        return begin <= now < end if begin <= end else (now >= begin or now < end)
    raise SchemaDrift(capture.source, f"unexpected structure: {what} has an unknown constraint {sorted(constraint)}")


Entry = tuple[dict[str, Any] | None, dict[str, Any]]  # (constraint, prices)


def describe(constraint: dict[str, Any] | None) -> str:
    if constraint is None:
        return "no constraint"
    if "start_date" in constraint:
        return f"from {constraint['start_date']}"
    return f"daily {constraint.get('start_time')}-{constraint.get('end_time')}"


def _entries(prices: Any, capture: RawCapture, what: str) -> list[Entry]:
    if isinstance(prices, dict):
        return [(None, prices)]
    require(isinstance(prices, list) and len(prices) > 0, capture, f"{what}: prices is neither an object nor a list")
    entries = []
    for entry in prices:
        require(
            isinstance(entry, dict) and isinstance(entry.get("prices"), dict), capture, f"{what}: entry without prices"
        )
        constraint = entry.get("constraint")
        require(constraint is None or isinstance(constraint, dict), capture, f"{what}: constraint is not an object")
        entries.append((constraint, entry["prices"]))
    return entries


def in_force(entries: list[Entry], at: datetime, capture: RawCapture, what: str) -> int:
    """Index of the entry in force at `at`: the last whose constraint holds, else the first (the feed's rule)."""
    return next((i for i in reversed(range(len(entries))) if applies(entries[i][0], at, capture, what)), 0)


def _ends(entries: list[Entry], chosen: int, at: datetime, capture: RawCapture) -> datetime | None:
    """When an archived snapshot's chosen entry stops: its end, or sooner the first later start date inside it.

    Only narrows a snapshot's own end (a price superseded before the next snapshot is not carried past
    its successor's start); a live capture's quotes are fresh quotes and are never extended by it."""
    end = capture.in_force_until
    if end is None:
        return None
    starts = [_start(c, capture, "constraint") for c, _ in entries[chosen + 1 :] if c is not None]
    upcoming = [datetime.combine(s, time(), tzinfo=UTC) for s in starts if s is not None and s > at.date()]
    return min([end, *upcoming])


def _figure(key: str, value: Any) -> tuple[str | None, str | None]:
    """(price text, rejection reason) of one price key."""
    if isinstance(value, dict):
        base = to_decimal(value.get("base"))
        steps = [t for t in value.get("tiers") or [] if isinstance(t, dict)]
        tiers = ", ".join(f"{t.get('price')} from {t.get('start')} tokens" for t in steps)
        reason = f"{key} is tiered ({value.get('base')} below the first tier, then {tiers}): no single price"
        return (decimal_text(base) if base is not None else None), reason
    price = to_decimal(value)
    if price is None:
        return str(value), f"{key} {value!r} is not a number"
    if key not in UNITS:
        return decimal_text(price), f"{key}: not a headline text token price ({', '.join(UNITS)})"
    return decimal_text(price), None


def _model_rows(
    model: dict[str, Any], feed_provider: dict[str, Any], seller: Seller, capture: RawCapture, basis: str | None
) -> list[dict[str, Any]]:
    what = f"{feed_provider['id']}/{model['id']}"
    entries = _entries(model["prices"], capture, what)
    at = capture.fetched_at
    chosen = in_force(entries, at, capture, what)
    caveat = seller.reason or _not_own(model.get("price_comments")) or _not_own(feed_provider.get("price_comments"))
    base = {
        "source": capture.source,
        "provider": seller.provider,
        "provider_class": seller.provider_class,
        "input_tier": "rate_card",
        "sku": str(model["id"]),
        "label": str(model.get("name") or model["id"]),
        "product": "tokens",
        "pricing_type": "on_demand",
        "currency": "USD",
        "observed_at": at,
        "via": seller.via,
        "time_basis": basis,
    }
    rows = []
    for number, (constraint, prices) in enumerate(entries):
        window = None
        if number != chosen:
            window = (
                f"{NOT_IN_FORCE} at {at:%Y-%m-%dT%H:%M}Z: entry {number} ({describe(constraint)}); "
                f"entry {chosen} ({describe(entries[chosen][0])}) is in force"
            )
        ends = _ends(entries, chosen, at, capture) if number == chosen and len(entries) > 1 else None
        if not prices:  # kept as a rejection, not dropped: the feed lists the model without a price
            reason = window or "no prices listed: a free or unpriced model"
            attributes = json.dumps({"feed_provider": feed_provider["id"], "entry": number})
            rows.append({**base, "reject_reason": reason, "attributes": attributes})
        for key, value in prices.items():
            price, problem = _figure(key, value)
            rows.append(
                {
                    **base,
                    "unit": UNITS.get(key),
                    "price_per": "kcount" if key == "requests_kcount" else "mtok",
                    "price_native": price,
                    "reject_reason": window or problem or caveat,
                    "in_force_until": ends,
                    "attributes": json.dumps(
                        {"feed_provider": feed_provider["id"], "field": key, "entry": number, "constraint": constraint}
                    ),
                }
            )
    return rows


def parse_genai_prices(capture: RawCapture) -> pl.DataFrame:
    doc = load_json(capture)
    require(isinstance(doc, list) and len(doc) > 0, capture, "expected a non-empty list of providers")
    register = load_register()
    # The content's own time when the capture is dated by the commit it is; else the fetch time (normalisation says so).
    known = COMMITS.get(capture.capture_id)
    basis = "content" if known is not None and datetime.fromisoformat(known) == capture.fetched_at else None
    rows: list[dict[str, Any]] = []
    for feed_provider in doc:
        require(
            isinstance(feed_provider, dict)
            and isinstance(feed_provider.get("id"), str)
            and isinstance(feed_provider.get("models"), list),
            capture,
            "provider without an 'id' string and a 'models' list",
        )
        seller = seller_of(feed_provider["id"], register)
        for model in feed_provider["models"]:
            require(
                isinstance(model, dict) and isinstance(model.get("id"), str) and "prices" in model,
                capture,
                f"{feed_provider['id']}: model without 'id' and 'prices'",
            )
            rows += _model_rows(model, feed_provider, seller, capture, basis)
    require(any(r.get("unit") in UNITS.values() for r in rows), capture, "no input/output price in any model")
    return parsed_frame(rows)


SOURCE = Source(
    name="genai-prices",
    product="tokens",
    hosts=HOSTS,
    requests=(Request(url=URL),),
    parse=parse_genai_prices,
    description="Pydantic genai-prices: per-provider LLM API prices incl. Hugging Face routes (USD per million tokens)",
    archives=(Archive("genai-prices-history", "genai-prices/history/*.json", commit_time, snapshots=True),),
)
