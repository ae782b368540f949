"""The one way a fixing becomes text: storage rows, publication records, revisions, simulations.

Everything that shows a fixing (the CLI, the API, the publication files, explain, simulate)
goes through these functions, so a value reads the same everywhere: fixings to 4 decimals
(every methodology version rounds to 4), dispersion figures to 6, times as ISO 8601 UTC
with a `Z`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from pipeline.domain.fixing import Fixing
from pipeline.domain.records import plain

VALUE_QUANTUM = Decimal("0.0001")
DISPERSION_QUANTUM = Decimal("0.000001")


def iso(dt: datetime | None) -> str | None:
    """ISO 8601 in UTC with a `Z` (None stays None)."""
    return None if dt is None else dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _quantized(value: Any, quantum: Decimal = VALUE_QUANTUM) -> str | None:
    """A value to the quantum, trailing zeros kept ("2.5000"): a fixing as published."""
    return None if value is None else format(Decimal(value).quantize(quantum), "f")


def value_text(value: Any) -> str | None:
    """A fixing value (or a difference of two) as published: 4 decimals, trailing zeros kept."""
    return _quantized(value, VALUE_QUANTUM)


def _dispersion(value: Any) -> str | None:
    """A dispersion figure to 6 decimals, trailing zeros dropped ("0.1234")."""
    return None if value is None else plain(Decimal(value).quantize(DISPERSION_QUANTUM))


def _json_list(value: Any) -> list[Any]:
    return list(json.loads(value)) if isinstance(value, str) else list(value or [])


def _json_dict(value: Any) -> dict[str, Any]:
    return dict(json.loads(value)) if isinstance(value, str) else dict(value or {})


def gates_of(row: Mapping[str, Any]) -> dict[str, Any]:
    """What each gate measured, from a stored `fixing` row (JSON text) or `fixing_row()`'s."""
    return _json_dict(row["gates"])


def fixing_row(f: Fixing) -> dict[str, Any]:
    """A computed fixing in the shape of a stored `fixing` row (before revision, reason and time are known)."""
    return {
        "index_code": f.index_code,
        "fixing_date": f.fixing_date,
        "methodology_version": f.methodology_version,
        "fixing_time": f.fixing_time,
        "status": f.status,
        "value": f.value,
        "unrounded": None if f.unrounded is None else format(f.unrounded, "f"),
        "unit": f.unit,
        "currency": f.currency,
        "flags": json.dumps(list(f.flags)),
        "gates": json.dumps(f.gates, sort_keys=True, default=str),
        "n_providers": f.n_providers,
        "n_quotes": f.n_quotes,
        "robust_cv": f.robust_cv,
        "p25": f.p25,
        "p75": f.p75,
        "inputs_digest": f.inputs_digest,
        "input_keys": json.dumps(list(f.input_keys)),
    }


def constituent_rows(f: Fixing) -> list[dict[str, Any]]:
    """One row per provider seen: counted, screened out, or stale."""
    counted = [
        {
            "provider": c.provider,
            "value": c.value,
            "tier": c.tier,
            "sources": json.dumps(list(c.sources)),
            "n_quotes": c.n_quotes,
            "screened_out": c.screened_out,
            "excluded_by": "mad_screen" if c.screened_out else None,
            "screen_reason": c.screen_reason,
            "weight_raw": c.weight_raw,
            "weight_capped": c.weight_capped,
            "trim_weight": c.trim_weight,
            "last_observed_at": c.last_observed_at,
        }
        for c in f.constituents
    ]
    stale = [
        {
            "provider": s.provider,
            "value": s.value,
            "tier": "rate_card",
            "sources": json.dumps(list(s.sources)),
            "n_quotes": 0,
            "screened_out": True,
            "excluded_by": "stale",
            "screen_reason": f"stale: latest quote {s.last_observed_at.isoformat()} is older than the maximum age",
            "weight_raw": None,
            "weight_capped": None,
            "trim_weight": None,
            "last_observed_at": s.last_observed_at,
        }
        for s in f.stale
    ]
    return counted + stale


def exclusion_rows(f: Fixing) -> list[dict[str, Any]]:
    """One row per firm, provider and rule that kept quotes of the good from voting (v3)."""
    return [
        {
            "firm": e.firm,
            "provider": e.provider,
            "rule": e.rule,
            "reason": e.reason,
            "n_quotes": e.n_quotes,
            "example_quote": e.example,
        }
        for e in f.exclusions
    ]


def public_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """A fixing as published (files, API, `cix fixings`), from a stored row or `fixing_row()`."""
    day = row["fixing_date"]
    gates = gates_of(row)
    return {
        "index_code": row["index_code"],
        "fixing_date": day.isoformat() if isinstance(day, date) else str(day),
        "fixing_time": iso(row["fixing_time"]),
        "status": row["status"],
        "value": _quantized(row["value"], VALUE_QUANTUM),
        "unit": row["unit"],
        "currency": row["currency"],
        "revision": row.get("revision"),
        "n_providers": row["n_providers"],
        "n_quotes": row["n_quotes"],
        "robust_cv": _dispersion(row["robust_cv"]),
        "p25": _dispersion(row["p25"]),
        "p75": _dispersion(row["p75"]),
        "flags": _json_list(row["flags"]),
        "failed_gates": list(gates.get("failed", [])),
        "indicative_gates": list(gates.get("indicative", [])),
        "methodology_version": row["methodology_version"],
        "inputs_digest": row["inputs_digest"],
    }


def revision_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """One revision of a fixing in the audit trail: what it said, when it was recorded and why."""
    return {
        "methodology_version": row["methodology_version"],
        "revision": row["revision"],
        "status": row["status"],
        "value": _quantized(row["value"], VALUE_QUANTUM),
        "recorded_at": iso(row["recorded_at"]),
        "reason": row["reason"],
    }


def simulation_document(f: Fixing) -> dict[str, Any]:
    """A computed (not stored) fixing with every provider's contribution: what `cix simulate` prints."""
    record = public_record(fixing_row(f))
    return {
        **{k: v for k, v in record.items() if k not in ("revision", "fixing_date", "n_quotes")},
        "unrounded": None if f.unrounded is None else format(f.unrounded, "f"),
        "gates": f.gates,
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
                "reason": f"latest quote {iso(s.last_observed_at)} older than the maximum age",
                "weight": None,
            }
            for s in f.stale
        ],
        "exclusions": exclusion_rows(f),
    }
