"""`cix explain` as text: a fixing's derivation (`audit.explain`'s document) from its captures down to the published
number, with gates and flags in words (`face.words`)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from pipeline.face import words


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
    counted = sum(p["verdict"] == "counted" for p in doc["providers"])
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
    out.append("4. gates")
    out += [f"   withheld: {words.gate(name, counted)} ({_kind(name)})" for name in g.get("failed") or []]
    out += [f"   indicative: {words.gate(name, counted)} ({_kind(name)})" for name in g.get("indicative") or []]
    if not g.get("failed") and not g.get("indicative"):
        out.append("   every gate held")
    out += [f"   {line}" for line in _measures(g)]
    spread = doc["dispersion"]
    if spread["robust_cv"] is not None:
        limit = g["dispersion"].get("max_robust_cv") if isinstance(g.get("dispersion"), dict) else None
        out.append(
            f"   dispersion: robust CV {spread['robust_cv']}"
            + (f" (withheld above {limit})" if limit else "")
            + f", P25 {spread['p25']}, P75 {spread['p75']}"
        )
    out.append("   flags:" if doc["flags"] else "   flags: none")
    out += [f"     {name}: {words.flag(name)}" for name in doc["flags"]]
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


def _kind(gate: str) -> str:
    """A gate's name without what it names ("leg_withheld:CIX-..." -> "leg_withheld"): the words name the leg."""
    return gate.partition(":")[0]


def _measures(g: dict[str, Any]) -> list[str]:
    """The measures behind the gates, where the fixing's methodology recorded them."""
    lines = []
    if isinstance(n := g.get("min_providers"), dict):
        lines.append(
            f"providers: {n.get('observed')} quoted, {n.get('after_screen')} after the screen "
            f"({n.get('required')} needed to publish)"
        )
    if isinstance(n := g.get("settlement_min_providers"), dict):
        lines.append(f"independent providers: {n.get('observed')} ({n.get('required')} needed to settle)")
    if isinstance(screen := g.get("screen"), dict) and screen.get("max_share") is not None:
        lines.append(
            f"screened out: {screen.get('screened')} (withheld when more than {words.percent(screen['max_share'])} % "
            "of the firms)"
        )
    if (reach := words.influence(g.get("influence"))) is not None:
        lines.append(f"one firm's reach: {reach}")
    if isinstance(legs := g.get("legs"), dict):
        lines += [
            f"leg {code}: {leg.get('status')}"
            + (f" {leg['value']}" if leg.get("value") is not None else "")
            + f" (weight {leg.get('weight')})"
            for code, leg in legs.items()
            if isinstance(leg, dict)
        ]
    if isinstance(b := g.get("basket"), dict):
        lines.append(f"basket: {b.get('observed')} of its {b.get('members')} members priced")
    if isinstance(v := g.get("venue_concentration"), dict):
        lines.append(f"largest feed: {v.get('feed')}, {v.get('firms')} of {v.get('of')} firms")
    return lines
