"""What a change to the methodology's parameters would do, measured before anyone proposes it.

A methodology change goes to consultation with its effect on the history (`docs/governance.md`). This recomputes
every stored fixing day twice from the lake's quotes, under the version in force and under a variant of its
estimator parameters (the influence bound, the screen's overload share, the settlement minimum ...), and says per
index how many days each publishes, keeps indicative and withholds, how many days change status and how far a value
published under both moves. A study: nothing is stored or published, and the variant is no version (it is named
`<version>+study`, which nothing publishes under). Both sides are recomputed by the same code from the same quotes,
so every difference is the parameters'.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl

from pipeline.flow.backfill import chunk_days, fixings_in_chunks
from pipeline.flow.helpers import Helpers
from pipeline.methodology import Methodology
from pipeline.methodology.params import CentralBandParams

STATUSES = ("published", "indicative", "withheld")
# The estimator's scalar parameters a study may vary, by name, and whether each is a whole number.
VARIABLE: dict[str, bool] = {
    f.name: f.type == "int" for f in dataclasses.fields(CentralBandParams) if f.type in ("int", "Decimal")
}


def variant(m: Methodology, changes: Mapping[str, str]) -> Methodology:
    """`m` with the named estimator parameters set to the given values (text, as typed): a scalar by its name
    (`influence_bound`), a tier's weight as `tier_weights.<tier>`; a clear error for a name that is not one, or a
    value that is not a number of its kind."""
    estimator = m.estimator
    if not isinstance(estimator, CentralBandParams):
        raise ValueError(f"methodology v{m.version} has no central-band parameters to vary (v3 and later do)")
    values: dict[str, Any] = {}
    for name, text in changes.items():
        group, _, tier = name.partition(".")
        if group == "tier_weights" and tier in estimator.tier_weights:
            weights = values.setdefault("tier_weights", dict(estimator.tier_weights))
            weights[tier] = _number(name, text, whole=False)
        elif name in VARIABLE:
            values[name] = _number(name, text, whole=VARIABLE[name])
        else:
            names = [*sorted(VARIABLE), *(f"tier_weights.{t}" for t in sorted(estimator.tier_weights))]
            raise ValueError(f"{name!r} is not a parameter a study can vary; one of: {', '.join(names)}")
    return replace(m, version=f"{m.version}+study", digest=f"{m.digest}+study", estimator=replace(estimator, **values))


def _number(name: str, text: str, whole: bool) -> int | Decimal:
    try:
        value: int | Decimal = int(text) if whole else Decimal(text)
    except (ValueError, InvalidOperation):
        raise ValueError(f"{name}={text!r} is not {'a whole number' if whole else 'a decimal number'}") from None
    if not Decimal(value).is_finite() or value < 0:
        raise ValueError(f"{name}={text!r}: a parameter is a finite number, never negative")
    return value


@dataclass(frozen=True)
class IndexImpact:
    """One index's days under the version in force (`before`) and the variant (`after`)."""

    index_code: str
    before: Counter[str]
    after: Counter[str]
    changed: list[tuple[date, str, str]]  # the days whose status changes: (day, before, after)
    largest_move: Decimal | None  # the largest relative move of a value published on the same day under both

    def as_table_row(self) -> dict[str, Any]:
        """`as_row` for people: before -> after in one column per status, the first change only."""
        first = self.changed[:1]
        return {
            "index": self.index_code,
            **{s: f"{self.before[s]} -> {self.after[s]}" for s in STATUSES},
            "days changed": len(self.changed),
            "first change": "".join(f"{d} {b}->{a}" for d, b, a in first),
            "largest published move": self._move(),
        }

    def _move(self) -> str | None:
        return None if self.largest_move is None else f"{self.largest_move:.4%}"

    def as_row(self) -> dict[str, Any]:
        counts = {f"{s}_{when}": c[s] for s in STATUSES for when, c in (("before", self.before), ("after", self.after))}
        return {
            "index": self.index_code,
            **counts,
            "days_changed": len(self.changed),
            "first_changed": "; ".join(f"{d} {b}->{a}" for d, b, a in self.changed[:3]),
            "largest_published_move": self._move(),
        }


def study(
    read: Callable[[datetime, datetime], pl.DataFrame],
    days: list[date],
    quotes: int,
    m: Methodology,
    changed: Methodology,
    helpers: Helpers,
) -> list[IndexImpact]:
    """Every index's days under `m` and under `changed`, each recomputed from `read` (the lake's quotes between two
    times) in the chunks a backfill uses (`quotes`: how many the lake holds, which sizes the chunks)."""
    if not days:
        return []
    chunk = chunk_days(quotes, (days[-1] - days[0]).days + 1)

    def history(version: Methodology) -> dict[tuple[str, date], tuple[str, Decimal | None]]:
        """Each fixing's status and value (only those: a fixing's inputs are many, and two histories are held)."""
        batches = fixings_in_chunks(read, days, version, chunk, helpers)
        return {(f.index_code, f.fixing_date): (f.status, f.value) for batch in batches for f in batch}

    before, after = history(m), history(changed)
    out = []
    for d in m.indices:
        pairs = [(day, before[d.code, day], after[d.code, day]) for day in days]
        moves = [abs(a - b) / b for _, (was, b), (now, a) in pairs if was == now == "published" and a is not None and b]
        out.append(
            IndexImpact(
                d.code,
                Counter(was for _, (was, _), _ in pairs),
                Counter(now for _, _, (now, _) in pairs),
                [(day, was, now) for day, (was, _), (now, _) in pairs if was != now],
                max(moves, default=None),
            )
        )
    return out
