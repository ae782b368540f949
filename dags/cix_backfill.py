"""
### cix_backfill: rebuild history from the dated archives

Params: `archives` (names from the source registry; empty = all), `first` / `last` (dates, optional). Loads the
archives (idempotent: captures are keyed and loads skip rows present), then one mapped task per day fixes it
(a day already fixed with the same inputs is left unchanged). Large ranges: raise `[core] max_map_length`.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, get_current_context, task


@dag(
    dag_id="cix_backfill",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
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
        from pipeline.flow import airflow_tasks as t

        p = get_current_context()["params"]
        return t.backfill_load(p["archives"] or None, p["first"], p["last"])

    @task(map_index_template="{{ task.op_kwargs['day'] }}", retries=2, retry_delay=timedelta(seconds=30))
    def fix_day(day: str) -> dict[str, int]:
        from pipeline.flow import airflow_tasks as t

        return t.fix_day(day)

    fix_day.expand(day=load_archives())


cix_backfill()
