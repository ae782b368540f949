"""When a settlement computation becomes a new settlement revision. Pure.

Before the final settlement day a settlement is preliminary: a computation that differs (a late
fixing, a restatement) is a new revision. On or after that day the first computation is recorded as
the final settlement; from then on it is frozen: a computation that differs (a restatement after
expiry) never becomes a new settlement price, it is recorded as a notice to the market instead.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class SettlementDecision:
    action: str  # new | unchanged | notice
    final: bool  # whether the revision recorded (or in force) is the final settlement


def same_settlement(latest: Mapping[str, Any], doc: Mapping[str, Any]) -> bool:
    price = None if doc["price"] is None else Decimal(doc["price"])
    stored = latest["price"]
    same_price = (stored is None and price is None) or (
        stored is not None and price is not None and Decimal(stored) == price
    )
    return bool(
        latest["status"] == doc["status"]
        and same_price
        and latest["evidence"] == json.dumps(doc["evidence"], sort_keys=True)
    )


def decide(latest: Mapping[str, Any] | None, doc: Mapping[str, Any], final_day_reached: bool) -> SettlementDecision:
    """What to record for a new settlement computation, given the latest stored revision (None if none)."""
    if latest is None:
        return SettlementDecision("new", final_day_reached)
    if latest.get("final"):
        return SettlementDecision("unchanged" if same_settlement(latest, doc) else "notice", True)
    if final_day_reached:
        return SettlementDecision("new", True)  # the final settlement, even when equal to the preliminary one
    return SettlementDecision("unchanged" if same_settlement(latest, doc) else "new", False)
