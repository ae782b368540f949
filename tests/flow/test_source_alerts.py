"""Source alerts of capture runs: told when a source goes down, once a day while it stays down, once when it is back;
never every 15 minutes. The rule on its own, then over a real lake's capture attempts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pipeline.flow.alerts import read_alerts
from pipeline.flow.health import DOWN, RECOVERED, Streak, alert_on_sources, due_alerts
from pipeline.store import Warehouse

T0 = datetime(2026, 8, 3, 15, 0, tzinfo=UTC)


def streak(source: str, last: datetime, down_since: datetime | None, failed: int = 1) -> Streak:
    return Streak(source, last, T0 - timedelta(hours=1), down_since, failed, "fetch: 503" if down_since else None)


def told(kind: str, down_since: datetime, as_of: datetime) -> dict[str, Any]:
    return {"kind": kind, "detail": {"down_since": down_since.isoformat(), "as_of": as_of.isoformat()}}


def test_a_streak_is_told_when_it_begins_then_once_a_day_and_its_end_once() -> None:
    begins = due_alerts([streak("vast", T0, T0)], {})
    assert [(k, s) for k, s, _ in begins] == [(DOWN, "vast")]
    first = told(DOWN, T0, T0)
    quarter = T0 + timedelta(minutes=15)
    assert due_alerts([streak("vast", quarter, T0, failed=2)], {"vast": first}) == [], "not every run"
    almost = T0 + timedelta(hours=23, minutes=45)
    assert due_alerts([streak("vast", almost, T0, failed=96)], {"vast": first}) == []
    day = T0 + timedelta(hours=24)
    [(kind, _, detail)] = due_alerts([streak("vast", day, T0, failed=97)], {"vast": first})
    assert kind == DOWN and detail["hours_down"] == 24 and detail["failed_attempts"] == 97
    back = due_alerts([streak("vast", day + timedelta(minutes=15), None, failed=0)], {"vast": told(DOWN, T0, day)})
    assert [(k, d["down_since"]) for k, _, d in back] == [(RECOVERED, T0.isoformat())]


def test_nothing_is_told_of_a_healthy_source_and_a_new_streak_is_told_afresh() -> None:
    assert due_alerts([streak("aws", T0, None, failed=0)], {}) == [], "never down: nothing to say"
    after = told(RECOVERED, T0, T0 + timedelta(hours=2))
    assert due_alerts([streak("aws", T0 + timedelta(hours=3), None, failed=0)], {"aws": after}) == []
    again = T0 + timedelta(hours=5)  # down again after its recovery was told: a new streak, told at once
    [(kind, _, detail)] = due_alerts([streak("aws", again, again)], {"aws": after})
    assert kind == DOWN and detail["down_since"] == again.isoformat()
    other = told(DOWN, T0, T0)  # a different streak than the one told (it recovered unseen between runs)
    assert [k for k, _, _ in due_alerts([streak("aws", again, again)], {"aws": other})] == [DOWN]


def test_over_a_lake_a_source_down_for_a_day_is_told_twice_and_back_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIX_HOME", str(tmp_path / "home"))
    with Warehouse(tmp_path / "lake.sqlite") as w:

        def run(minutes: int, failing: set[str]) -> list[tuple[str, str]]:
            at = T0 + timedelta(minutes=minutes)
            for source in ("aws", "runpod", "retired"):
                down = source in failing
                w.record_source_run(source, at, "error" if down else "ok", "fetch" if down else None, "503", 0)
            return [(a["kind"], a["subject"]) for a in alert_on_sources(w, ["aws", "runpod", "never-run"])]

        assert run(0, set()) == []
        assert run(15, {"runpod", "retired"}) == [(DOWN, "runpod")], "only the run's sources are judged"
        told = [run(15 + 60 * h, {"runpod"}) for h in range(1, 27)]  # hourly for a day and more
        assert [h + 1 for h, t in enumerate(told) if t] == [24], "one reminder, a day after it went down"
        assert told[23] == [(DOWN, "runpod")]
        assert run(15 + 60 * 27, set()) == [(RECOVERED, "runpod")]
        assert run(15 + 60 * 28, set()) == []
    alerts = read_alerts()
    assert [a["kind"] for a in alerts] == [DOWN, DOWN, RECOVERED]
    assert alerts[1]["detail"]["failed_attempts"] == 25 and alerts[1]["detail"]["last_error"] == "fetch: 503"


def test_a_damaged_alert_log_never_stops_the_next_alert(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The alert log is the state of the source alerts: a line cut short, edited by hand or of another shape is left
    out (and logged), and the alerts due are still raised."""
    home = tmp_path / "home"
    monkeypatch.setenv("CIX_HOME", str(home))
    home.mkdir()
    (home / "alerts.jsonl").write_text(
        '{"kind": "source_down", "subject": "aws", "detail": {"down_since": "2026-08-03T1'  # cut short
        '\n[1, 2]\n{"kind": "source_down", "subject": "aws", "detail": {"down_since": "yesterday"}}\n'
        '{"kind": "source_down", "subject": "aws", "detail": null}\n'
    )
    with Warehouse(tmp_path / "lake.sqlite") as w:
        w.record_source_run("aws", T0, "error", "fetch", "503", 0)
        raised = alert_on_sources(w, ["aws"])
    assert [(a["kind"], a["subject"]) for a in raised] == [(DOWN, "aws")]
    assert [a["kind"] for a in read_alerts()] == [DOWN, DOWN, DOWN], "the malformed lines are left out"


def test_cix_alerts_lists_what_the_operators_were_told(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "CIX_HOME": str(home)}
    lines = [
        {"at": "2026-08-03T15:15:00+00:00", "kind": DOWN, "subject": "vast", "detail": {"last_error": "fetch: 503"}},
        {"at": "2026-08-03T16:30:00+00:00", "kind": "fixing_late", "subject": "cix_fixing 2026-08-03", "detail": {}},
        {"at": "2026-08-04T09:00:00+00:00", "kind": RECOVERED, "subject": "vast", "detail": {}},
    ]
    (home / "alerts.jsonl").write_text("".join(json.dumps(a) + "\n" for a in lines))
    cix = [str(Path(sys.executable).parent / "cix"), "alerts"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*cix, *args], env=env, capture_output=True, text=True, check=False)

    listed = [json.loads(x) for x in run("--format", "json", "--since", "2026-08-03T16:00:00Z").stdout.splitlines()]
    assert [(a["kind"], a["subject"]) for a in listed] == [
        ("fixing_late", "cix_fixing 2026-08-03"),
        (RECOVERED, "vast"),
    ]
    [down] = [json.loads(x) for x in run("--format", "json", "--kind", DOWN).stdout.splitlines()]
    assert down["detail"] == {"last_error": "fetch: 503"}
    assert "fetch: 503" in run().stdout, "the table shows each alert's detail"
    assert run("--kind", "gate_disagreement").stdout.strip() == "no alerts of kind gate_disagreement"
    refused = run("--since", "yesterday")
    assert refused.returncode == 2 and "not an ISO 8601 time" in refused.stderr
