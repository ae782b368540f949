"""
### cix_fixing: the daily fixing at 16:00 UTC

FX first (the day's reference rates, captured if missing) -> wait until every price source has a capture attempt
inside the fixing window (15:00-16:00) -> fix (every fixing recorded, withheld ones too) -> assess -> publish
(signed; a live run refuses the development key unless `dev_key` is set). The run fails loudly (failure callback
-> `cix.alerts` log + `$CIX_HOME/alerts.jsonl`) when every source was down, the source quorum is not met or every
index is withheld; nothing is then published. A DeadlineAlert fires when the run is not done by 16:30.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Asset, Param, dag, get_current_context, task
from airflow.sdk.definitions.callback import AsyncCallback
from airflow.sdk.definitions.deadline import DeadlineAlert, DeadlineReference

FIXINGS = Asset("cix_fixings")
DEADLINE_MINUTES = int(os.environ.get("CIX_FIXING_DEADLINE_MINUTES", "30"))


def _alert(context: Any) -> None:
    from pipeline.flow.alerts import task_failed

    task_failed(context)


def _run(context: Any) -> tuple[str, bool, str | None, dict[str, Any]]:
    p = context["params"]
    at = (context.get("logical_date") or context["dag_run"].run_after).isoformat()
    return at, p["offline"], p["capture_set"], p


@dag(
    dag_id="cix_fixing",
    schedule=os.environ.get("CIX_FIXING_SCHEDULE", "0 16 * * *") or None,  # "" = triggered runs only
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["compute-index"],
    default_args={"on_failure_callback": _alert},
    # Not published by 16:30 -> alert. CIX_FIXING_DEADLINE_MINUTES=0 leaves it out (Airflow 3.3's dag.test
    # cannot finish a run of a DAG with a deadline).
    deadline=DeadlineAlert(
        reference=DeadlineReference.DAGRUN_LOGICAL_DATE,
        interval=timedelta(minutes=DEADLINE_MINUTES),
        callback=AsyncCallback("pipeline.flow.alerts.deadline_missed"),
    )
    if DEADLINE_MINUTES
    else None,
    params={
        "offline": Param(False, type="boolean"),
        "capture_set": Param(None, type=["null", "string"]),
        "min_source_share": Param(0.5, type="number", minimum=0, maximum=1),
        "dev_key": Param(False, type="boolean"),
        "window_wait_minutes": Param(20, type="integer", minimum=0),
    },
)
def cix_fixing() -> None:
    @task(pool="cix_fetch", retries=2, retry_delay=timedelta(minutes=1), retry_exponential_backoff=True)
    def fx() -> list[str]:
        from pipeline.flow import airflow_tasks as t

        at, offline, capture_set, _ = _run(get_current_context())
        return t.ensure_fx(at[:10], offline, capture_set, at)

    @task
    def window_captured() -> None:
        from pipeline.flow import airflow_tasks as t

        at, offline, capture_set, p = _run(get_current_context())
        t.wait_for_window(at[:10], offline, capture_set, p["window_wait_minutes"])

    @task(trigger_rule="all_done")
    def fix() -> dict[str, int]:
        from pipeline.flow import airflow_tasks as t

        return t.fix_day(_run(get_current_context())[0][:10])

    @task
    def assess(counts: dict[str, int]) -> dict[str, Any]:
        from pipeline.flow import airflow_tasks as t

        at, offline, capture_set, p = _run(get_current_context())
        return t.assess_day(at[:10], offline, capture_set, p["min_source_share"])

    @task(outlets=[FIXINGS])
    def publish(summary: dict[str, Any]) -> list[str]:
        from pipeline.flow import airflow_tasks as t

        at, offline, _, p = _run(get_current_context())
        return t.publish_day(at[:10], dev_key=p["dev_key"], offline=offline)

    fixed = fix()
    fx() >> window_captured() >> fixed
    publish(assess(fixed))


cix_fixing()
