"""The administrator's steps: restatements under four eyes, monthly settlement with its final freeze.

A restatement is proposed by one identity and takes effect only when a second, different identity
approves it; both, and why, are recorded as governance events, and the new fixing revision names
the approval. A settlement is preliminary until the contract's final settlement day, then final and
frozen: a later differing computation (a restatement after expiry) is recorded as a notice.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pipeline.flow.daily import fix, publish
from pipeline.methodology import load
from pipeline.settle import Settlement, contract, day_fixings, settlement_document
from pipeline.settle import settle as settle_month
from pipeline.settle.freeze import decide
from pipeline.store import Warehouse
from pipeline.store.locks import held, revision_key


class GovernanceError(ValueError):
    """A governance rule refused the action (e.g. the approver is the proposer)."""


def _identity(name: str | None, role: str) -> str:
    if name is None or not name.strip():
        raise GovernanceError(f"a {role} identity is required")
    return name.strip()


def propose_restatement(
    index: str, day: date, reason: str, proposed_by: str, warehouse: Warehouse, *, recorded_at: datetime
) -> dict[str, Any]:
    """Record a proposal to restate a fixing; nothing changes until another identity approves it."""
    m = load()
    m.index(index)  # KeyError for an unknown index
    current = warehouse.fixings(day, code=index, version=m.version)
    if current.height == 0:
        raise KeyError(f"no fixing for {index} on {day} under methodology v{m.version}")
    if not reason.strip():
        raise GovernanceError("a restatement needs a reason")
    row = current.row(0, named=True)
    event = {
        "event_id": uuid.uuid4().hex[:12],
        "kind": "restatement_proposed",
        "subject": f"{index} {day.isoformat()}",
        "proposed_by": _identity(proposed_by, "proposer"),
        "reason": reason.strip(),
        "detail": {
            "index_code": index,
            "fixing_date": day.isoformat(),
            "methodology_version": m.version,
            "revision_in_force": row["revision"],
            "status_in_force": row["status"],
            "value_in_force": None if row["value"] is None else str(row["value"]),
        },
        "recorded_at": recorded_at,
    }
    warehouse.record_event(event)
    return event


def approve_restatement(
    event_id: str, approved_by: str, warehouse: Warehouse, publish_root: Path, *, recorded_at: datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Approve a proposed restatement (four eyes): recompute from what is stored now, record the new revision
    naming the approval, republish. Returns the approval event and the fixing now in force."""
    proposal = warehouse.event(event_id)
    if proposal is None or proposal["kind"] != "restatement_proposed":
        raise KeyError(f"no restatement proposal {event_id!r}")
    approver = _identity(approved_by, "approver")
    if approver == proposal["proposed_by"]:
        raise GovernanceError(f"{approver} proposed {event_id}; a second identity must approve it (four eyes)")
    approvals = warehouse.events(kind="restatement_approved")
    if event_id in approvals["refers_to"].to_list():
        raise GovernanceError(f"{event_id} has already been approved")
    detail = json.loads(proposal["detail"])
    index, day = detail["index_code"], date.fromisoformat(detail["fixing_date"])
    m = load(detail["methodology_version"])
    who = f"proposed by {proposal['proposed_by']}, approved by {approver}"
    reason = f"restatement {event_id}: {proposal['reason']} ({who})"
    fix(day, warehouse, m, recorded_at=recorded_at, reason=reason, force=True, codes=[index])
    publish(day, warehouse, publish_root, m.version)
    now = warehouse.fixings(day, code=index, version=m.version).row(0, named=True)
    approval = {
        "event_id": uuid.uuid4().hex[:12],
        "kind": "restatement_approved",
        "subject": proposal["subject"],
        "proposed_by": proposal["proposed_by"],
        "approved_by": approver,
        "reason": proposal["reason"],
        "detail": {
            **detail,
            "revision_now": now["revision"],
            "value_now": None if now["value"] is None else str(now["value"]),
        },
        "recorded_at": recorded_at,
        "refers_to": event_id,
    }
    warehouse.record_event(approval)
    return approval, now


def settle(
    code: str, period: str, version: str, warehouse: Warehouse, *, computed_at: datetime
) -> tuple[Settlement, int, str]:
    """Settle a monthly contract from the fixings in force; returns the result, the revision in force and what
    was recorded (new | unchanged | notice). See `settle.freeze` for when a computation is a new revision.
    Another process settling the same contract and period waits, then sees this one's revision."""
    with held(warehouse.lake, [revision_key("settlement", code, period)]):
        return _settle(code, period, version, warehouse, computed_at=computed_at)


def _settle(
    code: str, period: str, version: str, warehouse: Warehouse, *, computed_at: datetime
) -> tuple[Settlement, int, str]:
    spec = contract(code)
    year, month = (int(x) for x in period.split("-"))
    days = spec.business_days(year, month)
    if not days:
        raise ValueError(f"{period} has no business days")
    lookback = spec.max_fallback_age_business_days + spec.max_consecutive_fallbacks
    earliest = spec.business_days_before(days[0], lookback)[-1]
    rows = warehouse.fixings(version=version, code=spec.index, start=earliest, end=days[-1])
    in_force = day_fixings(rows.iter_rows(named=True))
    month_days = {d: f for d, f in in_force.items() if d >= days[0]}
    result = settle_month(spec, year, month, month_days, [f for d, f in in_force.items() if d < days[0]])
    doc = settlement_document(result)
    latest = warehouse.latest_settlement(code, period)
    decision = decide(latest, doc, computed_at.date() >= spec.final_settlement_day(year, month))
    if decision.action == "new":
        revision = 1 if latest is None else int(latest["revision"]) + 1
        warehouse.append_settlement(doc, spec.index, version, computed_at, revision, decision.final)
        return result, revision, "new"
    assert latest is not None
    if decision.action == "notice":
        warehouse.record_event(
            {
                "event_id": uuid.uuid4().hex[:12],
                "kind": "settlement_notice",
                "subject": f"{code} {period}",
                "reason": "a recomputation after final settlement differs (a restatement after expiry); "
                "the final settlement price stands",
                "detail": {
                    "final_revision": latest["revision"],
                    "final_price": None if latest["price"] is None else str(latest["price"]),
                    "recomputed_status": doc["status"],
                    "recomputed_price": doc["price"],
                },
                "recorded_at": computed_at,
            }
        )
    return result, int(latest["revision"]), decision.action
