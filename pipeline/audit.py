"""Audit: explain a fixing input by input, verify every stored fixing from the raw captures, simulate.

`verify` trusts nothing in the warehouse but the raw capture files it can hash: it
re-parses them with the source parsers, re-normalises, recomputes each stored fixing
revision under the methodology version it names, from exactly the captures that had
been loaded when that revision was recorded, and compares.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from pipeline import sources
from pipeline.capture import CaptureIntegrityError, CaptureStore
from pipeline.index.fixing import Fixing, History, compute_fixing, quote_key
from pipeline.methodology import Methodology, load
from pipeline.models import QUOTE_SCHEMA, RawCapture, empty, plain
from pipeline.normalize import normalise
from pipeline.store import Warehouse


# -- explain -------------------------------------------------------------------------------------
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
        in_force = rows.filter(pl.col("status").is_in(["published", "withheld"]))
        fixing = (in_force if in_force.height else rows).row(-1, named=True)
    m = load(fixing["methodology_version"])
    keys = json.loads(fixing["input_keys"])
    constituents = warehouse.constituents(code, day, fixing["methodology_version"], fixing["revision"])
    quotes = _quotes_for_keys(warehouse, keys)
    definition = m.index(code)
    captures = warehouse.frame(
        "SELECT capture_id, source, url, fetched_at, byte_size, http_status FROM raw_capture "
        "WHERE capture_id IN (SELECT unnest(?::VARCHAR[])) ORDER BY source, fetched_at",
        [sorted({k.split("@", 1)[0] for k in keys})],
    )
    rejections = warehouse.frame(
        "SELECT source, provider, sku, label, unit, price_native, rule, reason, observed_at FROM rejection "
        "WHERE good = ? AND observed_at <= ? AND observed_at > ? ORDER BY source, provider, sku",
        [definition.good, fixing["fixing_time"], fixing["fixing_time"] - timedelta(hours=m.max_age_hours)],
    )
    providers = []
    for c in constituents.iter_rows(named=True):
        provider_quotes = quotes.filter(pl.col("provider") == c["provider"])
        providers.append(
            {
                "provider": c["provider"],
                "value": plain(c["value"]),
                "tier": c["tier"],
                "sources": json.loads(c["sources"]),
                "n_quotes": c["n_quotes"],
                "last_observed_at": _iso(c["last_observed_at"]),
                "verdict": c["excluded_by"] or "counted",
                "reason": c["screen_reason"],
                "weight_before_cap": plain(c["weight_raw"]),
                "weight_after_cap": plain(c["weight_capped"]),
                "weight_in_trimmed_band": plain(c["trim_weight"]),
                "quotes": [
                    {
                        "source": q["source"],
                        "sku": q["sku"],
                        "region": q["region"],
                        "unit": q["unit"],
                        "price_usd": plain(q["price_usd"]),
                        "price_native": plain(q["price_native"]),
                        "currency": q["currency"],
                        "gpu_count": q["gpu_count"],
                        "observed_at": _iso(q["observed_at"]),
                        "capture_id": q["capture_id"],
                        "row_no": q["row_no"],
                    }
                    for q in provider_quotes.sort(["observed_at", "sku", "row_no"]).iter_rows(named=True)
                ],
            }
        )
    arithmetic = _reconcile(constituents, fixing, m)
    return {
        "index_code": code,
        "definition": {
            "good": definition.good,
            "pricing_type": definition.pricing_type,
            "provider_classes": list(definition.provider_classes),
            "unit": definition.unit,
            "blend": dict(definition.blend),
            "description": definition.description,
        },
        "fixing_date": day.isoformat(),
        "fixing_time": _iso(fixing["fixing_time"]),
        "methodology_version": fixing["methodology_version"],
        "revision": fixing["revision"],
        "status": fixing["status"],
        "value": plain(fixing["value"]),
        "reason": fixing["reason"],
        "recorded_at": _iso(fixing["recorded_at"]),
        "gates": json.loads(fixing["gates"]),
        "flags": json.loads(fixing["flags"]),
        "dispersion": {
            "robust_cv": plain(fixing["robust_cv"]),
            "p25": plain(fixing["p25"]),
            "p75": plain(fixing["p75"]),
        },
        "captures": [{**r, "fetched_at": _iso(r["fetched_at"])} for r in captures.iter_rows(named=True)],
        "rejections_for_this_good": [
            {**r, "observed_at": _iso(r["observed_at"])} for r in rejections.iter_rows(named=True)
        ],
        "providers": providers,
        "arithmetic": arithmetic,
        "inputs_digest": fixing["inputs_digest"],
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
    rounded = mean.quantize(Decimal(1).scaleb(-m.estimator.decimals))
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
    ids = sorted({k.split("@", 1)[0] for k in keys})
    frame = warehouse.frame("SELECT * FROM quote WHERE capture_id IN (SELECT unnest(?::VARCHAR[]))", [ids])
    wanted = set(keys)
    return frame.filter(
        pl.struct("capture_id", "fetched_at", "row_no", "unit").map_elements(
            lambda s: quote_key(s["capture_id"], s["fetched_at"], s["row_no"], s["unit"]) in wanted,
            return_dtype=pl.Boolean,
        )
    )


def _iso(dt: datetime | None) -> str | None:
    return None if dt is None else dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


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
        f"unit: USD/{d['unit']}" + (f"  blend {d['blend']}" if d["blend"] else "")
    )
    out.append("")
    out.append(f"1. captures ({len(doc['captures'])})")
    for c in doc["captures"]:
        out.append(
            f"   {c['source']:<16} {c['fetched_at']}  sha256 {c['capture_id'][:16]}…  {c['byte_size']} B  {c['url']}"
        )
    out.append("")
    out.append(f"2. rejected listings of this good in the window ({len(doc['rejections_for_this_good'])})")
    for r in doc["rejections_for_this_good"]:
        out.append(
            f"   {r['source']}/{r['provider']} {r['sku']} {r['unit']} {r['price_native']}: [{r['rule']}] {r['reason']}"
        )
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
    out.append("")
    g = doc["gates"]
    out.append(
        f"4. gates: failed = {g.get('failed') or 'none'}; min providers {g['min_providers']}; "
        f"dispersion {g.get('dispersion')}"
    )
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
            out.append(f"   {t['band_weight']} x {t['value']} = {t['product']}   ({t['provider']})")
        out.append(
            f"   sum of products {a['sum_of_products']} / sum of band weights {a['sum_of_band_weights']}"
            f" = {a['trimmed_mean']}"
        )
        out.append(
            f"   rounded to {a['rounded']}; published {a['published']}: "
            + ("reconciles" if a["reconciles"] else "DOES NOT RECONCILE")
        )
    out.append(f"status: {doc['status']}   value: {doc['value']}")
    return "\n".join(out)


# -- verify --------------------------------------------------------------------------------------
@dataclass
class VerifyReport:
    checked_fixings: int = 0
    checked_captures: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(warehouse: Warehouse, store: CaptureStore) -> VerifyReport:
    report = VerifyReport()
    loaded = warehouse.frame(
        "SELECT r.capture_id, r.source, r.url, r.method, r.fetched_at, r.http_status, r.content_type, "
        "r.in_force_until, b.checked_at "
        "FROM raw_capture r JOIN batch_check b USING (source, capture_id, fetched_at) WHERE b.success"
    )
    derived: dict[tuple[str, str, datetime], pl.DataFrame] = {}
    for row in loaded.iter_rows(named=True):
        report.checked_captures += 1
        try:
            body = store.get(row["capture_id"])
        except CaptureIntegrityError as exc:
            report.problems.append(f"capture {row['source']} {row['capture_id']}: {exc}")
            continue
        capture = RawCapture(
            source=row["source"],
            url=row["url"],
            fetched_at=row["fetched_at"],
            body=body,
            http_status=row["http_status"],
            content_type=row["content_type"] or "",
            method=row["method"],
            in_force_until=row["in_force_until"],
        )
        try:
            quotes, _ = normalise(
                sources.get(row["source"]).parse(capture),
                capture,
                fx_rates=warehouse.fx_rates_on(capture.fetched_at.date()),
                bounds=load().bounds,
            )
        except Exception as exc:  # a parser that no longer reads its own capture is itself a finding
            report.problems.append(f"capture {row['source']} {row['capture_id']}: cannot be re-parsed: {exc}")
            continue
        derived[(row["source"], row["capture_id"], row["fetched_at"])] = quotes
        report.problems += _compare_stored_quotes(warehouse, row, quotes)

    all_quotes = pl.concat(list(derived.values())) if derived else empty(QUOTE_SCHEMA)
    checked_at = {
        k: r["checked_at"]
        for r in loaded.iter_rows(named=True)
        for k in [(r["source"], r["capture_id"], r["fetched_at"])]
    }
    known = pl.DataFrame(
        [{"source": s, "capture_id": c, "fetched_at": f, "checked_at": t} for (s, c, f), t in checked_at.items()],
        schema={
            "source": pl.String,
            "capture_id": pl.String,
            "fetched_at": pl.Datetime("us", "UTC"),
            "checked_at": pl.Datetime("us", "UTC"),
        },
    )
    all_quotes = all_quotes.join(known, on=["source", "capture_id", "fetched_at"], how="left")
    histories: dict[tuple[str, str], History | None] = {}
    for f in warehouse.frame("SELECT * FROM fixing ORDER BY fixing_date, index_code, revision").iter_rows(named=True):
        report.checked_fixings += 1
        key = (f["methodology_version"], f["index_code"])
        if key not in histories:
            try:
                m = load(key[0])
                histories[key] = History(all_quotes, m.index(key[1]), m)
            except KeyError:
                histories[key] = None
        report.problems += _recompute_and_compare(f, histories[key])
    return report


def _compare_stored_quotes(warehouse: Warehouse, capture: dict[str, Any], quotes: pl.DataFrame) -> list[str]:
    stored = warehouse.frame(
        "SELECT row_no, unit, price_usd, good, provider FROM quote WHERE source = ? AND capture_id = ? "
        "AND fetched_at = ?",
        [capture["source"], capture["capture_id"], capture["fetched_at"]],
    )
    want = {(r["row_no"], r["unit"]): (r["price_usd"], r["good"], r["provider"]) for r in quotes.iter_rows(named=True)}
    have = {(r["row_no"], r["unit"]): (r["price_usd"], r["good"], r["provider"]) for r in stored.iter_rows(named=True)}
    problems = []
    for key in sorted(set(want) | set(have), key=str):
        if want.get(key) != have.get(key):
            problems.append(
                f"quote {capture['source']} {capture['capture_id'][:16]}… row {key[0]} {key[1]}: stored "
                f"{_show(have.get(key))} but the raw capture gives {_show(want.get(key))}"
            )
    return problems


def _show(v: tuple[Any, ...] | None) -> str:
    return "nothing" if v is None else f"{plain(v[0])} ({v[2]}, {v[1]})"


def _recompute_and_compare(f: dict[str, Any], history: History | None) -> list[str]:
    name = f"fixing {f['index_code']} {f['fixing_date']} v{f['methodology_version']} rev {f['revision']}"
    if history is None:
        return [f"{name}: methodology version or index definition not found"]
    m = load(f["methodology_version"])
    definition = m.index(f["index_code"])
    window = history.around(f["fixing_time"])
    known_then = window.filter(pl.col("checked_at") <= f["recorded_at"]).drop("checked_at")
    again = compute_fixing(known_then, definition, f["fixing_time"], m)
    diffs = []
    stored_status = "published" if f["status"] == "not_republished" else f["status"]
    if again.status != stored_status:
        diffs.append(f"status {f['status']} != recomputed {again.status}")
    if not _same_value(f["value"], again.value):
        diffs.append(f"value {plain(f['value'])} != recomputed {plain(again.value)}")
    if again.inputs_digest != f["inputs_digest"]:
        diffs.append("inputs digest differs (the set of input quotes changed)")
    if again.n_providers != f["n_providers"]:
        diffs.append(f"providers {f['n_providers']} != recomputed {again.n_providers}")
    return [f"{name}: {'; '.join(diffs)}"] if diffs else []


def _same_value(stored: Any, new: Decimal | None) -> bool:
    if stored is None or new is None:
        return stored is None and new is None
    return Decimal(stored) == new


# -- simulate ------------------------------------------------------------------------------------
def quotes_from_jsonl(path: Path) -> pl.DataFrame:
    """Quotes in the `cix parse` JSON-lines format, as the estimator's input frame."""
    rows = []
    for n, line in enumerate(path.read_text().splitlines()):
        if not line.strip():
            continue
        r = json.loads(line)
        observed = datetime.fromisoformat(str(r["observed_at"]).replace("Z", "+00:00"))
        if observed.tzinfo is None:
            raise ValueError(f"line {n + 1}: observed_at must carry a timezone")
        rows.append(
            {
                "capture_id": str(r.get("capture_id") or f"simulated-{n}"),
                "fetched_at": observed,
                "row_no": int(r.get("row_no", n)) if r.get("capture_id") else n,
                "source": r.get("source", "simulated"),
                "provider": r["provider"],
                "provider_class": r.get("provider_class") or "neocloud",
                "input_tier": r.get("input_tier") or "rate_card",
                "sku": str(r.get("sku") or ""),
                "label": r.get("label"),
                "product": r["product"],
                "good": r.get("good"),
                "variant": r.get("variant"),
                "pricing_type": r.get("pricing_type") or "on_demand",
                "region": r.get("region"),
                "gpu_count": r.get("gpu_count"),
                "price_native": str(r.get("price_native") or r["price_usd"]),
                "currency": r.get("currency") or "USD",
                "fx_rate": "1",
                "price_usd": str(r["price_usd"]),
                "unit": r["unit"],
                "observed_at": observed,
                "attributes": None,
                "in_force_until": None,
            }
        )
    frame = pl.DataFrame(
        rows,
        schema={
            k: (pl.String if k in ("price_native", "fx_rate", "price_usd") else v) for k, v in QUOTE_SCHEMA.items()
        },
    )
    return frame.with_columns(
        pl.col("price_native").str.to_decimal(scale=28),
        pl.col("fx_rate").str.to_decimal(scale=18),
        pl.col("price_usd").str.to_decimal(scale=24),
    ).cast(pl.Schema(QUOTE_SCHEMA))


def simulate(code: str, quotes: pl.DataFrame, at: datetime, version: str | None = None) -> dict[str, Any]:
    m = load(version) if version else load()
    fixing = compute_fixing(quotes, m.index(code), at, m)
    return fixing_document(fixing)


def fixing_document(f: Fixing) -> dict[str, Any]:
    return {
        "index_code": f.index_code,
        "fixing_time": _iso(f.fixing_time),
        "methodology_version": f.methodology_version,
        "status": f.status,
        "value": plain(f.value),
        "unit": f.unit,
        "currency": f.currency,
        "gates": f.gates,
        "flags": list(f.flags),
        "n_providers": f.n_providers,
        "dispersion": {"robust_cv": plain(f.robust_cv), "p25": plain(f.p25), "p75": plain(f.p75)},
        "providers": [
            {
                "provider": c.provider,
                "value": plain(c.value),
                "tier": c.tier,
                "verdict": "screened_out" if c.screened_out else "counted",
                "reason": c.screen_reason,
                "weight_before_cap": plain(c.weight_raw),
                "weight": plain(c.weight_capped),
                "weight_in_trimmed_band": plain(c.trim_weight),
            }
            for c in f.constituents
        ]
        + [
            {
                "provider": s.provider,
                "value": plain(s.value),
                "verdict": "stale",
                "reason": f"latest quote {_iso(s.last_observed_at)} older than the maximum age",
                "weight": None,
            }
            for s in f.stale
        ],
        "inputs_digest": f.inputs_digest,
    }
