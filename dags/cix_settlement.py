"""
### cix_settlement: monthly contracts settled from the fixings in force

Runs on the 1st of each month at 18:00 UTC (the month just ended) and after every published fixing (the
`cix_fixings` Asset: the month in progress, provisional). A final settlement is frozen: a later differing
recomputation is recorded as a notice in `governance_event`, never as a new price.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, AssetOrTimeSchedule, CronTriggerTimetable, dag, get_current_context, task


@dag(
    dag_id="cix_settlement",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("0 18 1 * *", timezone="UTC"), assets=Asset("cix_fixings")
    ),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["compute-index"],
)
def cix_settlement() -> None:
    @task(pool="cix_load")
    def settle() -> list[dict[str, object]]:
        from pipeline.flow import airflow_tasks as t

        return t.settle_month(get_current_context()["dag_run"].run_after.isoformat())

    settle()


cix_settlement()
