"""What the index pages and the report show, as plain data: built from the named queries, the serialiser and
`explain`, drawn by `face.charts`, worded by `face.words`. No HTML here (that is the templates' job)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import polars as pl

from pipeline.audit import explain
from pipeline.domain.serialise import gates_of, public_record, value_text
from pipeline.face import charts, words
from pipeline.methodology import CURRENT, load
from pipeline.store import Warehouse

SPARK_DAYS = 90


def status_view(name: str | None) -> dict[str, str]:
    s = words.status(name)
    return {"name": name or "none", "colour": s.colour, "words": s.words}


def flags_view(flags: list[str]) -> list[dict[str, str]]:
    return [{"name": f, "words": words.flag(f)} for f in flags]


def gates_view(gates: list[str], providers: int | None = None) -> list[dict[str, str]]:
    return [{"name": g, "words": words.gate(g, providers)} for g in gates]


def _indicative_gates(record: dict[str, Any] | None) -> list[dict[str, str]]:
    """Why an indicative fixing is not settlement grade (a withheld one says why it is withheld instead)."""
    if record is None or record["status"] != "indicative":
        return []
    return gates_view(record["indicative_gates"], record.get("n_providers"))


def change(latest: Any, previous: Any) -> dict[str, str] | None:
    """The move from the previous published value to this one, exactly, as text."""
    if latest is None or previous is None:
        return None
    now, before = Decimal(latest), Decimal(previous)
    diff = now - before
    pct = (diff / before * 100).quantize(Decimal("0.01")) if before else None
    sign = "+" if diff > 0 else ""
    return {
        "abs": f"{sign}{value_text(diff)}",
        "pct": "" if pct is None else f"{sign}{pct} %",
        "direction": "up" if diff > 0 else "down" if diff < 0 else "flat",
    }


def index_list(w: Warehouse) -> dict[str, Any]:
    """Every index of the current methodology: latest status and value, change, sparkline."""
    m = load(CURRENT)
    history = w.index_history()
    latest_day = w.latest_fixing_date()
    rows_of_day = w.fixings(latest_day, version=CURRENT).iter_rows(named=True) if latest_day else iter(())
    latest: dict[str, dict[str, Any]] = {}
    reach: dict[str, str | None] = {}  # an indicative value's influence finding, in a few words
    for r in rows_of_day:
        latest[r["index_code"]] = public_record(r)
        reach[r["index_code"]] = words.reach(gates_of(r).get("influence"))
    rows: list[dict[str, Any]] = []
    for d in m.indices:
        series = history.filter(pl.col("index_code") == d.code).to_dicts()
        record = latest.get(d.code)
        published = [r for r in series if r["status"] == "published" and r["value"] is not None]
        last_pub = published[-1] if published else None
        prior = [r for r in published if record is None or r["fixing_date"].isoformat() < record["fixing_date"]]
        recent = [
            r for r in series if series and r["fixing_date"] > series[-1]["fixing_date"] - timedelta(days=SPARK_DAYS)
        ]
        rows.append(
            {
                "code": d.code,
                "description": d.description,
                "unit": words.per_unit(d.currency, d.unit),
                "status": status_view(record["status"] if record else None),
                "day": record["fixing_date"] if record else None,
                "value": record["value"] if record else None,
                "last_published": None
                if last_pub is None
                else {"value": value_text(last_pub["value"]), "day": last_pub["fixing_date"].isoformat()},
                "change": change(record["value"], prior[-1]["value"]) if record and record["value"] and prior else None,
                "failed_gates": gates_view(record["failed_gates"], record.get("n_providers")) if record else [],
                "indicative_gates": _indicative_gates(record),
                "reach": reach.get(d.code) if record and "influence" in record["indicative_gates"] else None,
                "flags": flags_view(record["flags"]) if record else [],
                "n_providers": record["n_providers"] if record else None,
                "sparkline": charts.sparkline(recent) if recent else "",
            }
        )
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["status"]["name"]] = counts.get(r["status"]["name"], 0) + 1
    return {
        "methodology_version": m.version,
        "latest_day": latest_day.isoformat() if latest_day else None,
        "indices": rows,
        "counts": counts,
        "legend": [status_view(s) for s in words.STATUSES],
    }


def index_page(w: Warehouse, code: str, day: date | None = None) -> dict[str, Any] | None:
    """One index: history chart, the chosen (default latest) fixing, its constituents and words. None when the
    index has no fixings yet."""
    d = load(CURRENT).index(code)
    history = w.index_history(code).to_dicts()
    if not history:
        return None
    days = [r["fixing_date"] for r in history]
    if day is None:
        day = days[-1]
    elif day not in days:
        raise KeyError(f"no fixing for {code} on {day}")
    doc = explain(w, code, day, CURRENT)
    [record] = [public_record(r) for r in w.fixings(day, version=CURRENT, code=code).iter_rows(named=True)]
    unit = words.per_unit(d.currency, d.unit)
    providers = [
        {
            **p,
            "verdict_words": words.verdict(p["verdict"]),
            "n_quotes": p["n_quotes"],
        }
        for p in doc["providers"]
    ]
    chartable = [p for p in providers if p["value"] is not None]
    published = [r for r in history if r["status"] == "published" and r["value"] is not None]
    statuses: dict[str, int] = {}
    for r in history:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    return {
        "code": code,
        "definition": doc["definition"],
        "description": d.description,
        "unit": unit,
        "currency": d.currency,
        "day": day.isoformat(),
        "first_day": days[0].isoformat(),
        "last_day": days[-1].isoformat(),
        "record": record,
        "status": status_view(record["status"]),
        "flags": flags_view(record["flags"]),
        "failed_gates": gates_view(record["failed_gates"], record.get("n_providers")),
        "indicative_gates": _indicative_gates(record),
        "influence": words.influence(doc["gates"].get("influence")),
        "gates": doc["gates"],
        "dispersion": doc["dispersion"],
        "arithmetic": doc["arithmetic"],
        "providers": providers,
        "n_captures": len(doc["captures"]),
        "n_rejections": len(doc["rejections_for_this_good"]),
        "history_counts": [{**status_view(s), "days": n} for s, n in sorted(statuses.items())],
        "history_chart": charts.history_chart(history, d.unit, d.currency, f"{code}: daily fixing, {unit}"),
        "providers_chart": charts.providers_chart(
            chartable, record["value"], d.unit, d.currency, f"{code} on {day.isoformat()}: provider values"
        )
        if chartable
        else "",
        "last_published": {"value": value_text(published[-1]["value"]), "day": published[-1]["fixing_date"].isoformat()}
        if published
        else None,
        "recent_days": [r["fixing_date"].isoformat() for r in history[-10:]][::-1],
        "all_flags": {f: words.flag(f) for f in sorted({f for r in history for f in _flags(r["flags"])})},
    }


def _flags(value: Any) -> list[str]:
    return list(json.loads(value)) if isinstance(value, str) else list(value or [])
