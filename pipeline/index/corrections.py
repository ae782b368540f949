"""Corrections policy (methodology §4, "Corrections"): when a recomputed fixing becomes a new revision. Pure.

Fixings are append-only. A recomputation identical to the revision in force changes nothing; a
different one is a new revision, except that a move of a published value by no more than the
republish threshold is kept for the audit trail as `not_republished` and does not replace the
published value. An administrator's approved restatement (`force`) is always a new revision, even
when the recomputation confirms the value: the determination, and who made it, is on the record.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pipeline.domain.fixing import Fixing


@dataclass(frozen=True)
class Decision:
    action: str  # new | unchanged | restated | below_threshold
    status: str  # the status the new revision is recorded with (unused when unchanged)
    reason: str


def same_determination(in_force: Mapping[str, Any], f: Fixing) -> bool:
    """The stored revision says what the recomputation says: same inputs, status, value and flags."""
    return (
        in_force["inputs_digest"] == f.inputs_digest
        and in_force["status"] == f.status
        and _equal(in_force["value"], f.value)
        and in_force["flags"] == json.dumps(list(f.flags))
    )


def decide(
    in_force: Mapping[str, Any] | None, f: Fixing, reason: str, threshold: Decimal, *, force: bool = False
) -> Decision:
    """What to record for fixing `f`, given the revision in force (None for a first determination)."""
    if in_force is None:
        return Decision("new", f.status, reason)
    if same_determination(in_force, f) and not force:
        return Decision("unchanged", str(in_force["status"]), reason)
    old, new = in_force["value"], f.value
    small = (
        in_force["status"] == f.status
        and f.status in ("published", "indicative")
        and old is not None
        and new is not None
        and abs(Decimal(new) - Decimal(old)) <= threshold * abs(Decimal(old))
    )
    if small and not force:
        return Decision(
            "below_threshold",
            "not_republished",
            f"recomputation within {threshold:%} of the published value: {reason}",
        )
    return Decision("restated", f.status, f"correction: {reason}")


def _equal(stored: Any, new: Decimal | None) -> bool:
    if stored is None or new is None:
        return stored is None and new is None
    return Decimal(stored) == new
