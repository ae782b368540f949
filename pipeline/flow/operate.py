"""What a scheduled run decides beyond the daily steps: is the fixing window captured, is the day's fixing fit
to publish as normal, which month to settle. Plain functions over the warehouse (the DAGs call them through
`flow.airflow_tasks`; no Airflow here)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from pipeline.domain.fixing import Fixing
from pipeline.index.fixing import fixing_time
from pipeline.methodology import Methodology
from pipeline.store import Warehouse


def window(day: date, m: Methodology) -> tuple[datetime, datetime]:
    """The fixing window of `day`: (start, fixing time], e.g. 15:00-16:00 UTC."""
    end = fixing_time(day, m)
    return end - timedelta(minutes=m.window_minutes), end


def window_attempts(warehouse: Warehouse, day: date, m: Methodology) -> dict[str, set[str]]:
    """Per source, the statuses (ok | error) of its capture attempts inside the day's window."""
    start, end = window(day, m)
    seen: dict[str, set[str]] = {}
    for r in warehouse.source_runs_between(start, end).iter_rows(named=True):
        seen.setdefault(r["source"], set()).add(r["status"])
    return seen


def window_captured(warehouse: Warehouse, day: date, m: Methodology, expected: Iterable[str]) -> list[str]:
    """The expected sources with no capture attempt in the window yet (empty: the window is captured)."""
    attempted = window_attempts(warehouse, day, m)
    return sorted(set(expected) - set(attempted))


@dataclass
class Assessment:
    day: date
    expected: list[str]
    sources_ok: list[str]
    published: int
    indicative: int
    withheld: int
    min_share: float
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def assess(
    warehouse: Warehouse, day: date, m: Methodology, fixings: list[Fixing], expected: Iterable[str], min_share: float
) -> Assessment:
    """Is the day's fixing fit to publish as normal? Not when every source was down in the window, when fewer than
    `min_share` of the expected sources captured, or when every index is withheld. The withheld rows are recorded
    either way (by `daily.fix`); this only decides whether the run fails loudly instead of publishing."""
    expected = sorted(set(expected))
    attempts = window_attempts(warehouse, day, m)
    ok = sorted(s for s in expected if "ok" in attempts.get(s, set()))
    a = Assessment(
        day=day,
        expected=expected,
        sources_ok=ok,
        published=sum(f.status == "published" for f in fixings),
        indicative=sum(f.status == "indicative" for f in fixings),
        withheld=sum(f.status == "withheld" for f in fixings),
        min_share=min_share,
    )
    if expected and not ok:
        a.problems.append(f"all {len(expected)} sources were down in the fixing window")
    elif expected and len(ok) / len(expected) < min_share:
        a.problems.append(f"quorum not met: {len(ok)} of {len(expected)} sources captured (needs {min_share:.0%})")
    if fixings and a.published + a.indicative == 0:
        a.problems.append(f"every one of {len(fixings)} indices is withheld")
    return a


def settlement_period(run_after: datetime) -> str:
    """The contract month a settlement run settles: the month of the day before it (a run on the 1st settles the
    month just ended, a run after a daily fixing the month in progress)."""
    return (run_after - timedelta(days=1)).strftime("%Y-%m")
