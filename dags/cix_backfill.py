"""cix_backfill: load dated archives, fix each day (one mapped task per day), GX's record (docs: cix_backfill.md)."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, get_current_context, task

from pipeline.flow import dag_args
from pipeline.flow.dag_args import steps


@dag(
    dag_id="cix_backfill",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=dag_args.doc_beside(__file__),
    tags=["compute-index"],
    params={
        "archives": Param([], type="array", items={"type": "string"}),
        "first": Param(None, type=["null", "string"], format="date"),
        "last": Param(None, type=["null", "string"], format="date"),
    },
)
def cix_backfill() -> None:
    @task(pool="cix_load", execution_timeout=timedelta(hours=2))
    def load_archives() -> list[str]:
        p = get_current_context()["params"]
        return steps.backfill_load(p["archives"] or None, p["first"], p["last"])

    @task(map_index_template="{{ task.op_kwargs['day'] }}", retries=2, retry_delay=timedelta(seconds=30))
    def fix_day(day: str) -> dict[str, int]:
        return steps.fix_day(day)

    @task(trigger_rule="all_done", execution_timeout=timedelta(hours=1))
    def gx_record() -> dict[str, object]:
        run = get_current_context()["dag_run"]
        return steps.gx_record(since=(run.start_date or run.run_after).isoformat())

    days = load_archives()
    fix_day.expand(day=days)
    days >> gx_record()


cix_backfill()
