"""What the DAG files share (retries, schedules, params, the deadline, the run's parameters), so each file stays a
short picture of its tasks. Light on purpose: the DAG processor imports this on every parse of every DAG file, and
`bench/run.py --only dag` holds that parse to 1.2x an empty TaskFlow DAG. So: the standard library and the
`airflow.sdk` names a DAG file imports anyway, nothing else; the pipeline itself (`steps`) is loaded only when a
task first calls it."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, NamedTuple

__all__ = [
    "Run",
    "alert_on_failure",
    "capture_params",
    "doc_beside",
    "fetch_retries",
    "late_alert",
    "run_of",
    "schedule",
    "steps",
    "watcher",
]

if TYPE_CHECKING:
    from airflow.sdk import Param
    from airflow.sdk.definitions.deadline import DeadlineAlert


def _lazy(name: str) -> ModuleType:
    """`name` as a module whose code runs on its first attribute access (the importlib LazyLoader recipe)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ImportError(name)
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


if TYPE_CHECKING:
    from pipeline.flow import airflow_tasks as steps
else:
    steps = _lazy("pipeline.flow.airflow_tasks")  # the pipeline's steps for Airflow, imported when a task runs


def doc_beside(dag_file: str) -> str:
    """The DAG's `doc_md`: the Markdown file next to the DAG file (`cix_capture.py` -> `cix_capture.md`); Airflow
    reads a `doc_md` ending in `.md` as a file."""
    return str(Path(dag_file).with_suffix(".md"))


def schedule(env: str, default: str) -> str | None:
    """The cron the environment variable `env` sets, else `default`; "" = triggered runs only (tests, replays)."""
    return os.environ.get(env, default) or None


def fetch_retries(retries: int | None = None, delay: timedelta | None = None) -> dict[str, Any]:
    """Task arguments for a task that reaches providers: the fetch pool, retries with exponential backoff
    (`CIX_CAPTURE_RETRIES`, `CIX_CAPTURE_RETRY_DELAY` seconds unless given) and a time limit."""
    return {
        "pool": "cix_fetch",
        "retries": int(os.environ.get("CIX_CAPTURE_RETRIES", "3")) if retries is None else retries,
        "retry_delay": delay or timedelta(seconds=float(os.environ.get("CIX_CAPTURE_RETRY_DELAY", "20"))),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=5),
        "execution_timeout": timedelta(minutes=10),
    }


def capture_params() -> dict[str, Param]:
    """The params of every run that captures: `offline` replays a capture set (`capture_set`, default the bundled
    one) from a local server, stamped at the run's logical time."""
    from airflow.sdk import Param

    return {"offline": Param(False, type="boolean"), "capture_set": Param(None, type=["null", "string"])}


def late_alert(env: str, minutes: int, callback: str) -> DeadlineAlert | None:
    """A DeadlineAlert `minutes` (or `$env`) after the run's logical date, calling `callback` (a dotted path, run by
    the triggerer); `$env`=0: none. `dag.test()` runs set 0: Airflow 3.3's `dag.test()` crashes when a run of a DAG
    with a deadline succeeds (apache/airflow#73428, fix proposed in #73430); the scheduler is not affected."""
    from airflow.sdk.definitions.callback import AsyncCallback
    from airflow.sdk.definitions.deadline import DeadlineAlert, DeadlineReference

    after = timedelta(minutes=int(os.environ.get(env, str(minutes))))
    if not after:
        return None
    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_LOGICAL_DATE, interval=after, callback=AsyncCallback(callback)
    )


def watcher() -> Any:
    """A last task that fails the run when any task of it failed (Airflow's watcher pattern): a run's state is its
    leaves', so a leaf that runs whatever came before it (`trigger_rule="all_done"`, as GX's record) would show a run
    whose sources failed, or whose batch failed the gate, as a success. Put it downstream of every task."""
    from airflow.sdk import task

    @task(trigger_rule="one_failed", retries=0)
    def watcher() -> None:
        raise RuntimeError("a task of this run failed: see the failed tasks (a source down, a batch refused)")

    return watcher()


class Run(NamedTuple):
    """What a task needs of its run: its time, whether it replays a capture set, and the DAG's params."""

    at: str  # ISO time: the logical date, or when a run without one was asked to run
    offline: bool
    capture_set: str | None
    params: Mapping[str, Any]

    @property
    def day(self) -> str:
        return self.at[:10]


def run_of(context: Mapping[str, Any]) -> Run:
    """The `Run` of a task's context (`get_current_context()`)."""
    p = context["params"]
    at = (context.get("logical_date") or context["dag_run"].run_after).isoformat()
    return Run(at, bool(p.get("offline", False)), p.get("capture_set"), p)


def alert_on_failure(context: Mapping[str, Any]) -> None:
    """`on_failure_callback`: the alert (log + alerts.jsonl) is written by `flow.alerts`, imported only on failure."""
    from pipeline.flow.alerts import task_failed

    task_failed(context)
