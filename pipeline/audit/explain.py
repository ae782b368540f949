"""Explain a fixing input by input: captures, quotes, rejections, provider values, weights, arithmetic."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import polars as pl

from pipeline.domain.fixing import DETERMINATIONS
from pipeline.domain.records import QUOTE_SCHEMA, empty, plain
from pipeline.domain.serialise import iso
from pipeline.index.eligibility import with_firms
from pipeline.index.fixing import quote_key_expr
from pipeline.methodology import Methodology, load, load_register
from pipeline.methodology.loader import CENTRAL_BAND
from pipeline.store import Warehouse


def explain(
    warehouse: Warehouse, code: str, day: date, version: str | None = None, revision: int | None = None
) -> dict[str, Any]:
    """The whole derivation of one fixing revision (default: the one in force), as data."""
    rows = warehouse.revisions(code, day, version)
    if rows.height == 0:
        raise KeyError(f"no fixing for {code} on {day}")
    if revision is not None:
        rows = rows.filter(pl.col("revision") == revision)
        if rows.height == 0:
            raise KeyError(f"{code} {day} has no revision {revision}")
        fixing = rows.row(-1, named=True)
    else:
        in_force = rows.filter(pl.col("status").is_in(list(DETERMINATIONS)))
        fixing = (in_force if in_force.height else rows).row(-1, named=True)
    m = load(fixing["methodology_version"])
    keys = json.loads(fixing["input_keys"])
    constituents = warehouse.constituents(code, day, fixing["methodology_version"], fixing["revision"])
    quotes = _quotes_for_keys(warehouse, keys)
    definition = m.index(code)
    captures = warehouse.captures([k.split("@", 1)[0] for k in keys])
    look_back = fixing["fixing_time"] - timedelta(hours=m.max_age_hours)  # as far back as a quote may count
    rejections = warehouse.rejections_of_good(definition.good, look_back, fixing["fixing_time"])
    if m.register_version is not None:  # v3 votes are per firm: attribute each quote to its firm
        quotes = with_firms(quotes, load_register(m.register_version))
    voter = "firm" if "firm" in quotes.columns else "provider"
    providers = []
    for c in constituents.iter_rows(named=True):
        provider_quotes = quotes.filter(pl.col(voter) == c["provider"])
        providers.append(
            {
                "provider": c["provider"],
                "value": plain(c["value"]),
                "tier": c["tier"],
                "sources": json.loads(c["sources"]),
                "n_quotes": c["n_quotes"],
                "last_observed_at": iso(c["last_observed_at"]),
                "verdict": c["excluded_by"] or "counted",
                "reason": c["screen_reason"],
                "weight_before_cap": plain(c["weight_raw"]),
                "weight_after_cap": plain(c["weight_capped"]),
                "weight_in_trimmed_band": plain(c["trim_weight"]),
                "quotes": [
                    {
                        "source": q["source"],
                        "provider": q["provider"],
                        "sku": q["sku"],
                        "region": q["region"],
                        "unit": q["unit"],
                        "price_usd": plain(q["price_usd"]),
                        "price_native": plain(q["price_native"]),
                        "currency": q["currency"],
                        "gpu_count": q["gpu_count"],
                        "observed_at": iso(q["observed_at"]),
                        "capture_id": q["capture_id"],
                        "row_no": q["row_no"],
                    }
                    for q in provider_quotes.sort(["observed_at", "sku", "row_no"]).iter_rows(named=True)
                ],
            }
        )
    gates = json.loads(fixing["gates"])
    arithmetic = _reconcile_blend(gates, fixing, m) if definition.blend_of else _reconcile(constituents, fixing, m)
    exclusions = warehouse.exclusions(code, day, fixing["methodology_version"], fixing["revision"])
    return {
        "index_code": code,
        "definition": {
            "good": definition.good,
            "pricing_type": definition.pricing_type,
            "provider_classes": list(definition.provider_classes),
            "unit": definition.unit,
            "blend": dict(definition.blend),
            "blend_of": dict(definition.blend_of),
            "description": definition.description,
        },
        "fixing_date": day.isoformat(),
        "fixing_time": iso(fixing["fixing_time"]),
        "methodology_version": fixing["methodology_version"],
        "revision": fixing["revision"],
        "status": fixing["status"],
        "value": plain(fixing["value"]),
        "reason": fixing["reason"],
        "recorded_at": iso(fixing["recorded_at"]),
        "gates": gates,
        "flags": json.loads(fixing["flags"]),
        "dispersion": {
            "robust_cv": plain(fixing["robust_cv"]),
            "p25": plain(fixing["p25"]),
            "p75": plain(fixing["p75"]),
        },
        "captures": [{**r, "fetched_at": iso(r["fetched_at"])} for r in captures.iter_rows(named=True)],
        "rejections_since": iso(look_back),
        "rejections_for_this_good": [
            {**r, "observed_at": iso(r["observed_at"])} for r in rejections.iter_rows(named=True)
        ],
        "providers": providers,
        "exclusions": exclusions.to_dicts(),
        "arithmetic": arithmetic,
        "inputs_digest": fixing["inputs_digest"],
    }


def _reconcile_blend(gates: dict[str, Any], fixing: dict[str, Any], m: Methodology) -> dict[str, Any]:
    """A blend is the weighted mean of its legs' published values, then rounding."""
    legs = gates.get("legs", {})
    if fixing["value"] is None or any(leg["value"] is None for leg in legs.values()):
        return {"terms": [], "note": "withheld: a leg is withheld"}
    terms = [(Decimal(leg["weight"]), Decimal(leg["value"]), code) for code, leg in sorted(legs.items())]
    numerator = sum((w * v for w, v, _ in terms), Decimal(0))
    total = sum((w for w, _, _ in terms), Decimal(0))
    mean = numerator / total
    rounded = mean.quantize(Decimal(1).scaleb(-m.estimator.decimals))
    return {
        "terms": [{"leg": c, "weight": plain(w), "value": plain(v), "product": plain(w * v)} for w, v, c in terms],
        "sum_of_products": plain(numerator),
        "sum_of_weights": plain(total),
        "blend": plain(mean),
        "stored_unrounded": fixing["unrounded"],
        "rounded": plain(rounded),
        "published": plain(fixing["value"]),
        "reconciles": Decimal(fixing["value"]) == rounded,
    }


def _reconcile(constituents: pl.DataFrame, fixing: dict[str, Any], m: Methodology) -> dict[str, Any]:
    """Sum of (band weight x value) / sum of band weights, then rounding: must equal the stored value."""
    counted = constituents.filter(pl.col("trim_weight").is_not_null() & (pl.col("trim_weight") > 0))
    terms = [(Decimal(r["trim_weight"]), Decimal(r["value"]), r["provider"]) for r in counted.iter_rows(named=True)]
    if not terms or fixing["value"] is None:
        return {"terms": [], "note": "withheld: no value to reconcile"}
    numerator = sum((w * v for w, v, _ in terms), Decimal(0))
    band = sum((w for w, _, _ in terms), Decimal(0))
    mean = numerator / band
    if m.method == CENTRAL_BAND:  # v3 settles the band mean before rounding; stored weights have 18 decimals
        mean = mean.quantize(Decimal(1).scaleb(-12), rounding=ROUND_HALF_EVEN)
    rounded = mean.quantize(Decimal(1).scaleb(-m.estimator.decimals), rounding=ROUND_HALF_EVEN)
    return {
        "terms": [
            {"provider": p, "band_weight": plain(w), "value": plain(v), "product": plain(w * v)} for w, v, p in terms
        ],
        "sum_of_products": plain(numerator),
        "sum_of_band_weights": plain(band),
        "trimmed_mean": plain(mean),
        "stored_unrounded": fixing["unrounded"],
        "rounded": plain(rounded),
        "published": plain(fixing["value"]),
        "reconciles": Decimal(fixing["value"]) == rounded,
    }


def _quotes_for_keys(warehouse: Warehouse, keys: list[str]) -> pl.DataFrame:
    if not keys:
        return empty(QUOTE_SCHEMA)
    frame = warehouse.quotes_of_captures([k.split("@", 1)[0] for k in keys])
    return frame.filter(quote_key_expr().is_in(list(keys)))
