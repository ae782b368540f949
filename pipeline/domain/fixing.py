"""The records of a determination: one value per provider in, one fixing out, and why.

These are plain values: `index/` computes them, `store/` keeps them, `publish/`, `audit/` and
the faces show them through `domain.serialise`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

# What a determination can say. `published` is settlement grade; `indicative` is a value no contract
# settles on (too few firms, or one firm could move it too far); `withheld` has no value. A fourth
# status, `not_republished`, marks an audit-only recomputation that never replaced the value in force.
DETERMINATIONS: tuple[str, ...] = ("published", "indicative", "withheld")


@dataclass(frozen=True)
class ProviderValue:
    """A provider's vote for one good at one fixing: the median of its snapshots."""

    provider: str
    value: Decimal
    tier: str = "rate_card"
    sources: tuple[str, ...] = ()
    n_quotes: int = 1
    in_window: bool = True
    last_observed_at: datetime | None = None
    carried: bool = False  # an archived rate card still in force, older than the maximum age


@dataclass(frozen=True)
class Constituent:
    """What one provider contributed to a fixing, and the verdict of the screen on it."""

    provider: str
    value: Decimal
    tier: str
    sources: tuple[str, ...]
    n_quotes: int
    screened_out: bool
    screen_reason: str | None
    weight_raw: Decimal | None
    weight_capped: Decimal | None
    trim_weight: Decimal | None  # share of this provider's weight inside the central band
    last_observed_at: datetime | None = None

    @classmethod
    def of(
        cls,
        v: ProviderValue,
        weight_raw: Decimal | None,
        weight_capped: Decimal | None,
        trim_weight: Decimal | None,
        screen_reason: str | None = None,
    ) -> Constituent:
        """A provider's vote with the estimator's verdict on it (screened out when there is a reason)."""
        return cls(
            provider=v.provider,
            value=v.value,
            tier=v.tier,
            sources=v.sources,
            n_quotes=v.n_quotes,
            screened_out=screen_reason is not None,
            screen_reason=screen_reason,
            weight_raw=weight_raw,
            weight_capped=weight_capped,
            trim_weight=trim_weight,
            last_observed_at=v.last_observed_at,
        )


@dataclass(frozen=True)
class Estimate:
    """The estimator's answer for one set of provider values."""

    status: str  # published | withheld
    value: Decimal | None
    gates: dict[str, Any]
    flags: tuple[str, ...]
    constituents: tuple[Constituent, ...]
    n_providers: int
    robust_cv: Decimal | None
    p25: Decimal | None
    p75: Decimal | None
    unrounded: Decimal | None = None


@dataclass(frozen=True)
class StaleProvider:
    """A provider whose latest quote for the good is older than the maximum age: excluded, and said so."""

    provider: str
    value: Decimal
    last_observed_at: datetime
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Exclusion:
    """Quotes of an index's good that did not vote, by firm and rule, with the reason (methodology v3)."""

    firm: str
    provider: str
    rule: str
    reason: str
    n_quotes: int
    example: str  # quote_key of one excluded quote


@dataclass(frozen=True)
class Fixing:
    """One index's determination at one fixing time, under one methodology version."""

    index_code: str
    fixing_date: date
    fixing_time: datetime
    status: str
    value: Decimal | None
    unit: str
    currency: str
    flags: tuple[str, ...]
    gates: dict[str, Any]
    n_providers: int
    n_quotes: int
    robust_cv: Decimal | None
    p25: Decimal | None
    p75: Decimal | None
    methodology_version: str
    inputs_digest: str
    constituents: tuple[Constituent, ...]
    input_keys: tuple[str, ...]  # quote_key() of every quote used
    unrounded: Decimal | None = None
    stale: tuple[StaleProvider, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()
