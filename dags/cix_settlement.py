"""cix_settlement: monthly contracts settled on the 1st and after each published fixing (docs: cix_settlement.md)."""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, AssetOrTimeSchedule, CronTriggerTimetable, dag, get_current_context, task

from pipeline.flow import dag_args
from pipeline.flow.dag_args import steps


@dag(
    dag_id="cix_settlement",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("0 18 1 * *", timezone="UTC"), assets=Asset("cix_fixings")
    ),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=dag_args.doc_beside(__file__),
    tags=["compute-index"],
)
def cix_settlement() -> None:
    @task(pool="cix_load")
    def settle() -> list[dict[str, object]]:
        return steps.settle_month(get_current_context()["dag_run"].run_after.isoformat())

    settle()


cix_settlement()
