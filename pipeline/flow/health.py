"""Source alerts of a capture run: an operator hears when a source goes down, every day it stays down, and when it
comes back, not every 15 minutes a run fails. No Airflow import (the capture DAG's `source_health` task calls
`alert_on_sources` through `flow.airflow_tasks`).

What is down: a source whose latest capture attempt failed (after the task's retries, the run's outcome stands as
its last `source_run` row; a quality gate that refused its batch counts). Which alert is due is decided from its
streak (`Warehouse.source_streaks`) and the last alert raised about it (the alert log itself is the state), in the
attempts' own time, so a replayed run alerts as a live one would.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pipeline.config import paths
from pipeline.flow.alerts import raise_alert, read_alerts
from pipeline.store import Warehouse

DOWN, RECOVERED = "source_down", "source_recovered"
REMIND_EVERY = timedelta(hours=24)  # a source still down is told again after this long


@dataclass(frozen=True)
class Streak:
    """A source's capture attempts as an alert sees them."""

    source: str
    last_attempt: datetime
    last_ok: datetime | None  # the latest attempt that succeeded
    down_since: datetime | None  # the first failed attempt after `last_ok`; None when the latest succeeded
    failed_attempts: int  # since `last_ok`
    last_error: str | None

    @property
    def down(self) -> bool:
        return self.down_since is not None


def due_alerts(
    streaks: Iterable[Streak], last_alert: Mapping[str, Mapping[str, Any]], remind_every: timedelta = REMIND_EVERY
) -> list[tuple[str, str, dict[str, Any]]]:
    """(kind, source, detail) of each alert due. `last_alert`: the latest source_down or source_recovered alert
    raised per source. Down: told when the streak begins, and again each `remind_every` of the streak's attempts;
    recovered: told once, only after it was told down. Pure."""
    out = []
    for s in streaks:
        before = last_alert.get(s.source)
        told_down = before is not None and before["kind"] == DOWN
        if s.down:
            assert s.down_since is not None
            told_lately = (
                told_down
                and before is not None
                and _at(before, "down_since") == s.down_since  # this streak was told ...
                and s.last_attempt - _at(before, "as_of") < remind_every  # ... less than a reminder's time ago
            )
            if told_lately:
                continue
            detail = {
                "down_since": s.down_since.isoformat(),
                "as_of": s.last_attempt.isoformat(),
                "hours_down": round((s.last_attempt - s.down_since) / timedelta(hours=1), 2),
                "failed_attempts": s.failed_attempts,
                "last_ok": None if s.last_ok is None else s.last_ok.isoformat(),
                "last_error": s.last_error,
            }
            out.append((DOWN, s.source, detail))
        elif told_down:
            assert before is not None
            detail = {"down_since": before["detail"]["down_since"], "as_of": s.last_attempt.isoformat()}
            out.append((RECOVERED, s.source, detail))
    return out


def _at(alert: Mapping[str, Any], key: str) -> datetime:
    return datetime.fromisoformat(alert["detail"][key])


def _told_of_a_source(alert: Mapping[str, Any]) -> bool:
    """A source alert as this module writes them; anything else in the log (another kind, a line edited by hand)
    is not the state of a source."""
    detail: Any = alert.get("detail")
    try:
        return alert.get("kind") in (DOWN, RECOVERED) and all(
            datetime.fromisoformat(detail[k]).tzinfo is not None for k in ("down_since", "as_of")
        )
    except (TypeError, KeyError, ValueError):
        return False


def alert_on_sources(warehouse: Warehouse, names: Iterable[str]) -> list[dict[str, Any]]:
    """Raise the alerts due for the sources `names` (a run's), under a lock on the alert log, so two capture runs
    finishing together tell each change once. Returns the alerts raised."""
    lock = paths().home / "alerts.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        last = {a["subject"]: a for a in read_alerts() if _told_of_a_source(a)}
        due = due_alerts([Streak(*row) for row in warehouse.source_streaks(sorted(set(names)))], last)
        return [raise_alert(kind, source, detail) for kind, source, detail in due]
