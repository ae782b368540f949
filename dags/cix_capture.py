"""
### cix_capture: every 15 minutes, every source

Reference rates (FX) first, then one mapped task per price source (named by the source): fetch, keep the raw
bodies, parse and normalise. A source that still fails after its retries fails its own task and is recorded
in `source_run`; the others go on. Then one quality gate (GX checkpoint per source family) over every batch of
the run and one load. Each source's batch is an event of the `cix_captures` Asset.

Conf: `{"offline": true}` replays the bundled capture set, stamped at the run's logical time.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Asset, Param, dag, get_current_context, task

CAPTURES = Asset("cix_captures")
RETRIES = int(os.environ.get("CIX_CAPTURE_RETRIES", "3"))
RETRY: dict[str, Any] = {
    "retries": RETRIES,
    "retry_delay": timedelta(seconds=float(os.environ.get("CIX_CAPTURE_RETRY_DELAY", "20"))),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(minutes=10),
}


def _run(context: Any) -> tuple[bool, str | None, str]:
    p = context["params"]
    return p["offline"], p["capture_set"], (context.get("logical_date") or context["dag_run"].run_after).isoformat()


@dag(
    dag_id="cix_capture",
    schedule=os.environ.get("CIX_CAPTURE_SCHEDULE", "*/15 * * * *") or None,  # "" = triggered runs only
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=4,
    doc_md=__doc__,
    tags=["compute-index"],
    params={"offline": Param(False, type="boolean"), "capture_set": Param(None, type=["null", "string"])},
)
def cix_capture() -> None:
    @task(pool="cix_fetch", **RETRY)
    def fx() -> list[str]:
        from pipeline.flow import airflow_tasks as t

        offline, capture_set, at = _run(get_current_context())
        return t.ensure_fx(at[:10], offline, capture_set, at)

    @task
    def price_sources() -> list[str]:
        from pipeline.flow import airflow_tasks as t

        offline, capture_set, _ = _run(get_current_context())
        return t.source_names(offline, capture_set)

    @task(pool="cix_fetch", map_index_template="{{ task.op_kwargs['source'] }}", outlets=[CAPTURES], **RETRY)
    def capture(source: str) -> dict[str, Any]:
        from pipeline.flow import airflow_tasks as t

        context = get_current_context()
        result = t.capture_source(source, *_run(context))
        context["outlet_events"][CAPTURES].extra = {"source": source, "captures": result["captures"]}
        return result

    @task(trigger_rule="all_done", pool="cix_load", execution_timeout=timedelta(minutes=15))
    def gate_and_load(captured: list[dict[str, Any]]) -> dict[str, Any]:
        from pipeline.flow import airflow_tasks as t

        return t.gate_and_load(list(captured))

    names = price_sources()
    fx() >> names
    gate_and_load(capture.expand(source=names))


cix_capture()
