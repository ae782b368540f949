"""Alerts: what the operators hear when a fixing run fails or is late. No Airflow import (callbacks get a plain
context mapping), so the callbacks are importable by path from the DAG files and testable without a scheduler.

Every alert is logged at ERROR on the `cix.alerts` logger (where an operator's log shipping picks it up) and
appended as one JSON line to `$CIX_HOME/alerts.jsonl` (what `cix` and the tests read).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pipeline.config import paths

log = logging.getLogger("cix.alerts")


def raise_alert(kind: str, subject: str, detail: Mapping[str, Any]) -> dict[str, Any]:
    """Record one alert (log + alerts.jsonl, appended whole with one write)."""
    alert = {"at": datetime.now(UTC).isoformat(), "kind": kind, "subject": subject, "detail": dict(detail)}
    log.error("ALERT %s %s: %s", kind, subject, json.dumps(alert["detail"], default=str, sort_keys=True))
    target = paths().home / "alerts.jsonl"
    target.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(alert, default=str, sort_keys=True) + "\n").encode()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
    return alert


def read_alerts() -> list[dict[str, Any]]:
    """Every alert recorded; a line that is not an alert's JSON object (cut short, edited by hand) is logged and
    left out, never a reason for the next alert not to be raised."""
    target = paths().home / "alerts.jsonl"
    if not target.exists():
        return []
    out = []
    for n, line in enumerate(target.read_text(errors="replace").splitlines(), start=1):
        try:
            alert = json.loads(line) if line.strip() else None
        except json.JSONDecodeError:
            alert = None
        if isinstance(alert, dict):
            out.append(alert)
        elif line.strip():
            log.warning("%s line %d is not an alert; left out", target, n)
    return out


def _run_of(context: Mapping[str, Any]) -> dict[str, Any]:
    run = context.get("dag_run")
    ti = context.get("ti") or context.get("task_instance")
    return {
        "dag_id": getattr(run, "dag_id", None) or getattr(ti, "dag_id", None),
        "run_id": getattr(run, "run_id", None) or getattr(ti, "run_id", None),
        "task_id": getattr(ti, "task_id", None),
        "logical_date": str(context.get("logical_date") or getattr(run, "logical_date", None)),
    }


def task_failed(context: Mapping[str, Any]) -> None:
    """on_failure_callback of the fixing DAG's tasks: the run failed, say why, loudly."""
    error = context.get("exception")
    run = _run_of(context)
    raise_alert("fixing_run_failed", f"{run['dag_id']} {run['logical_date']}", {**run, "error": str(error)})


async def deadline_missed(context: Mapping[str, Any], **kwargs: Any) -> None:
    """DeadlineAlert callback (run by the triggerer): the fixing was not published by its deadline."""
    run = _run_of(context)
    raise_alert("fixing_late", f"{run['dag_id']} {run['logical_date']}", {**run, **kwargs})
