"""cix_fixing: 16:00 UTC, FX -> window captured -> fix -> assess -> publish (docs: cix_fixing.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Asset, Param, dag, get_current_context, task

from pipeline.flow import dag_args
from pipeline.flow.dag_args import run_of, steps

FIXINGS = Asset("cix_fixings")


@dag(
    dag_id="cix_fixing",
    schedule=dag_args.schedule("CIX_FIXING_SCHEDULE", "0 16 * * *"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=dag_args.doc_beside(__file__),
    tags=["compute-index"],
    default_args={"on_failure_callback": dag_args.alert_on_failure},
    deadline=dag_args.late_alert("CIX_FIXING_DEADLINE_MINUTES", 30, "pipeline.flow.alerts.deadline_missed"),  # 16:30
    params={
        **dag_args.capture_params(),
        "min_source_share": Param(0.5, type="number", minimum=0, maximum=1),
        "dev_key": Param(False, type="boolean"),
        "window_wait_minutes": Param(20, type="integer", minimum=0),
    },
)
def cix_fixing() -> None:
    @task(**dag_args.fetch_retries(retries=2, delay=timedelta(minutes=1)))
    def fx() -> list[str]:
        return steps.ensure_fx(run_of(get_current_context()))

    @task
    def window_captured() -> None:
        steps.wait_for_window(run_of(get_current_context()))

    @task(trigger_rule="all_done")
    def fix() -> dict[str, int]:
        return steps.fix_day(run_of(get_current_context()).day)

    @task
    def assess(counts: dict[str, int]) -> dict[str, Any]:
        return steps.assess_day(run_of(get_current_context()))

    @task(outlets=[FIXINGS])
    def publish(summary: dict[str, Any]) -> list[str]:
        return steps.publish_day(run_of(get_current_context()))

    fixed = fix()
    fx() >> window_captured() >> fixed
    publish(assess(fixed))


cix_fixing()
