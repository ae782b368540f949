"""cix_capture: every 15 minutes, FX, every price source, one gate, one load, GX's record (docs: cix_capture.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Asset, dag, get_current_context, task

from pipeline.flow import dag_args
from pipeline.flow.dag_args import run_of, steps

CAPTURES = Asset("cix_captures")


@dag(
    dag_id="cix_capture",
    schedule=dag_args.schedule("CIX_CAPTURE_SCHEDULE", "*/15 * * * *"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=4,
    doc_md=dag_args.doc_beside(__file__),
    tags=["compute-index"],
    params=dag_args.capture_params(),
)
def cix_capture() -> None:
    @task(**dag_args.fetch_retries())
    def fx() -> list[str]:
        return steps.ensure_fx(run_of(get_current_context()))

    @task
    def price_sources() -> list[str]:
        return steps.price_sources(run_of(get_current_context()))

    @task(map_index_template="{{ task.op_kwargs['source'] }}", outlets=[CAPTURES], **dag_args.fetch_retries())
    def capture(source: str) -> dict[str, Any]:
        context = get_current_context()
        result = steps.capture_source(source, run_of(context))
        context["outlet_events"][CAPTURES].extra = {"source": source, "captures": result["captures"]}
        return result

    @task(trigger_rule="all_done", pool="cix_load", execution_timeout=timedelta(minutes=15))
    def gate_and_load(captured: list[dict[str, Any]]) -> dict[str, Any]:
        return steps.gate_and_load(list(captured))

    @task(trigger_rule="all_done", execution_timeout=timedelta(minutes=15))
    def gx_record(captured: list[dict[str, Any]]) -> dict[str, Any]:
        return steps.gx_record(list(captured))

    @task(trigger_rule="all_done")
    def source_health() -> list[dict[str, Any]]:  # alerts: a source down, still down, back
        return steps.source_health(run_of(get_current_context()))

    rates, names = fx(), price_sources()
    rates >> names
    captured = capture.expand(source=names)
    loaded, recorded, health = gate_and_load(captured), gx_record(captured), source_health()
    loaded >> [recorded, health]
    [rates, names, captured, loaded, recorded, health] >> dag_args.watcher()  # a failed task fails the run


cix_capture()
