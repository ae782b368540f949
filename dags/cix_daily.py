"""Daily fixing, 16:00 UTC: capture each source -> normalise -> gate + load -> fix -> publish.

Every step is a `pipeline.flow.airflow_tasks` function (the `cix` CLI runs the same code); heavy
imports happen inside tasks. Conf {"offline": true} replays the bundled capture set.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import Param, dag, get_current_context, task


@dag(
    dag_id="cix_daily",
    schedule="0 16 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["compute-index"],
    params={"offline": Param(False, type="boolean"), "capture_set": Param(None, type=["null", "string"])},
)
def cix_daily() -> None:
    @task
    def list_sources() -> list[str]:
        from pipeline.flow import airflow_tasks as tasks

        p = get_current_context()["params"]
        return tasks.source_names(p["offline"], p["capture_set"])

    @task(retries=2, retry_delay=pendulum.duration(minutes=2))
    def capture(source: str) -> list[dict[str, Any]]:
        from pipeline.flow import airflow_tasks as tasks

        p = get_current_context()["params"]
        return tasks.capture_source(source, p["offline"], p["capture_set"])

    @task
    def normalise(refs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        from pipeline.flow import airflow_tasks as tasks

        return tasks.normalise_captures(refs)

    @task
    def gate_and_load(refs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        from pipeline.flow import airflow_tasks as tasks

        return tasks.gate_and_load(refs)

    @task
    def fix(loaded: list[list[dict[str, Any]]]) -> str:
        from pipeline.flow import airflow_tasks as tasks

        context = get_current_context()
        day = (context.get("logical_date") or context["dag_run"].run_after).date().isoformat()
        tasks.fix_day(day)
        return str(day)

    @task
    def publish(day: str) -> list[str]:
        from pipeline.flow import airflow_tasks as tasks

        return tasks.publish_day(day)

    loaded = gate_and_load.expand(refs=normalise.expand(refs=capture.expand(source=list_sources())))
    publish(fix(loaded))


cix_daily()
