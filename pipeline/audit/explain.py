"""Explain a fixing input by input: captures, quotes, rejections, provider values, weights, arithmetic."""

from __future__ import annotations

import json
from collections import Counter
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


def render_explain(doc: dict[str, Any]) -> str:
    """A human-readable derivation, top (captures) to bottom (the published number)."""
    out: list[str] = []
    d = doc["definition"]
    out.append(
        f"{doc['index_code']}  {doc['fixing_date']}  fixing time {doc['fixing_time']}  "
        f"methodology v{doc['methodology_version']}  revision {doc['revision']} ({doc['reason']})"
    )
    out.append(
        f"good: {d['good']}  {d['pricing_type']}  providers: {', '.join(d['provider_classes'])}  "
        f"unit: USD/{d['unit']}"
        + (f"  blend {d['blend']}" if d["blend"] else "")
        + (f"  blend of {d['blend_of']}" if d.get("blend_of") else "")
    )
    out.append("")
    out.append(f"1. captures ({len(doc['captures'])})")
    for c in doc["captures"]:
        out.append(
            f"   {c['source']:<16} {c['fetched_at']}  sha256 {c['capture_id'][:16]}…  {c['byte_size']} B  {c['url']}"
        )
    out.append("")
    out.append(
        f"2. rejected listings of this good since {doc['rejections_since']} ({len(doc['rejections_for_this_good'])})"
    )
    # A listing rejected alike in every snapshot since is one line with its count (the JSON keeps each).
    listings = Counter(
        (f"{r['source']}/{r['provider']} {r['sku']} {r['unit']} {r['price_native']}", f"[{r['rule']}] {r['reason']}")
        for r in doc["rejections_for_this_good"]
    )
    for (listing, why), n in listings.items():
        out.append(f"   {listing}{f' x{n}' if n > 1 else ''}: {why}")
    out.append("")
    out.append("3. providers (one vote each)")
    for p in doc["providers"]:
        out.append(
            f"   {p['provider']:<18} value {p['value']:<14} {p['verdict']:<10} tier {p['tier']:<10} "
            f"weight {p['weight_before_cap'] or '-'} -> {p['weight_after_cap'] or '-'}  "
            f"in band {p['weight_in_trimmed_band'] or '-'}" + (f"  ({p['reason']})" if p["reason"] else "")
        )
        for q in p["quotes"]:
            out.append(
                f"      {q['observed_at']} {q['source']}:{q['sku']} {q['region'] or ''} {q['unit']} "
                f"= {q['price_usd']} USD (native {q['price_native']} {q['currency']}"
                + (f" / {q['gpu_count']} GPUs" if q["gpu_count"] and q["gpu_count"] > 1 else "")
                + ")"
            )
    if doc.get("exclusions"):
        out.append("")
        out.append(f"   excluded from voting ({len(doc['exclusions'])})")
        for e in doc["exclusions"]:
            out.append(f"   {e['firm']}/{e['provider']} x{e['n_quotes']} [{e['rule']}] {e['reason']}")
    out.append("")
    g = doc["gates"]
    out.append(
        f"4. gates: withheld by = {g.get('failed') or 'none'}; indicative by = {g.get('indicative') or 'none'}; "
        f"min providers {g.get('min_providers')}; dispersion {g.get('dispersion')}"
    )
    if g.get("influence"):
        out.append(f"   influence of one firm: {g['influence']}")
    out.append(
        f"   flags: {', '.join(doc['flags']) or 'none'}; robust CV {doc['dispersion']['robust_cv']}, "
        f"P25 {doc['dispersion']['p25']}, P75 {doc['dispersion']['p75']}"
    )
    out.append("")
    a = doc["arithmetic"]
    out.append("5. arithmetic")
    if not a["terms"]:
        out.append(f"   {a['note']}")
    else:
        for t in a["terms"]:
            weight = t.get("band_weight", t.get("weight"))
            out.append(f"   {weight} x {t['value']} = {t['product']}   ({t.get('provider', t.get('leg'))})")
        total = a.get("sum_of_band_weights", a.get("sum_of_weights"))
        mean = a.get("trimmed_mean", a.get("blend"))
        out.append(f"   sum of products {a['sum_of_products']} / sum of weights {total} = {mean}")
        out.append(
            f"   rounded to {a['rounded']}; published {a['published']}: "
            + ("reconciles" if a["reconciles"] else "DOES NOT RECONCILE")
        )
    out.append(f"status: {doc['status']}   value: {doc['value']}")
    return "\n".join(out)
