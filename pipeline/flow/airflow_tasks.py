"""The Airflow adapter: the pipeline's steps with inputs and outputs small enough for XCom.

With `flow.dag_args`, the only module of the package that may import Airflow (here only for connections). Bodies
stay in the capture store and normalised frames are staged as Parquet objects (`staging/`), both in the lake's
object store when it has one (else under `$CIX_HOME`), so tasks on any machine pass only references (source,
capture id, fetch time). Every write goes to the lake, which many tasks may write at once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pipeline import sources
from pipeline.capture import CaptureSet, CaptureStore
from pipeline.config import paths
from pipeline.domain.records import RawCapture
from pipeline.flow import alerts, daily, ingest, operate, rates, staging
from pipeline.flow.dag_args import Run
from pipeline.flow.parse_cache import ParseCache, parse_cached
from pipeline.methodology import load
from pipeline.store import Warehouse, default_lake

Ref = dict[str, Any]


class SourceFailed(RuntimeError):
    """A source could not be captured or read (recorded in `source_run`); its task fails, the others go on."""


class QualityGateFailed(RuntimeError):
    """A batch failed the quality gate: it is recorded (batch_check, source_run) and not loaded."""


class GateDisagreement(RuntimeError):
    """Great Expectations and the run's gate (the same suite, evaluated in polars) judged a loaded batch apart."""


class FixingUnfit(RuntimeError):
    """The day's fixing is not fit to publish as normal (sources down, quorum not met); its rows are recorded."""


def connection_secret(conn_id: str) -> str:
    """The password of an Airflow connection (where the signing key and API keys are kept)."""
    from airflow.sdk import Connection

    conn = Connection.get(conn_id)
    if not conn.password:
        raise ValueError(f"Airflow connection {conn_id!r} has no password (the secret)")
    return str(conn.password)


def _capture_set(offline: bool, capture_set: str | None) -> CaptureSet | None:
    return CaptureSet.load(Path(capture_set) if capture_set else daily.DEFAULT_SAMPLE_SET) if offline else None


def source_names(offline: bool, capture_set: str | None = None, kind: str = "prices") -> list[str]:
    """The sources a run captures: `prices`, `fx` (reference rates) or `all`."""
    cs = _capture_set(offline, capture_set)
    names = cs.sources() if cs else sorted(sources.REGISTRY)
    if kind == "all":
        return names
    return [n for n in names if sources.get(n).is_reference == (kind == "fx")]


def price_sources(run: Run) -> list[str]:
    """The price sources a run captures (its mapped tasks), FX excluded: that is captured first."""
    return source_names(run.offline, run.capture_set)


def capture_source(name: str, run: Run) -> Ref:
    """Capture one source (a replay is stamped at the run's time); reference rates are loaded at once, price
    captures parsed and staged for the run's one quality gate. Raises SourceFailed when the source failed after
    the fetcher's own retries (Airflow then retries the task with backoff)."""
    offline, capture_set, at = run.offline, run.capture_set, run.at
    when = datetime.fromisoformat(at) if at and offline else None
    clock = (lambda: when) if when is not None else None
    source = sources.get(name)
    with Warehouse(default_lake()) as warehouse:
        [outcome] = ingest.capture(
            [source],
            warehouse,
            CaptureStore.of(),
            capture_set=_capture_set(offline, capture_set),
            clock=clock,
        )
        if outcome.error is not None:
            raise SourceFailed(f"{name}: {outcome.error.kind}: {outcome.error.reason}")
        if source.is_reference:
            ingest.ingest_all([outcome], warehouse, load(), ingested_at=datetime.now(UTC))
            if outcome.error is not None:
                raise SourceFailed(f"{name}: {outcome.error.kind}: {outcome.error.reason}")
            return {"source": name, "captures": [_ref(c) for c in outcome.captures], "staged": False}
        m = load()
        for c in outcome.captures:
            try:
                fx = rates.fx_rates_on(warehouse, c.fetched_at.date())
                quotes, rejections = parse_cached(c, m.bounds, fx, None, ParseCache(paths().parse_cache))
            except sources.SourceError as exc:
                warehouse.record_source_run(name, datetime.now(UTC), "error", exc.kind, exc.reason, 1)
                raise SourceFailed(f"{name}: {exc.kind}: {exc.reason}") from exc
            staging.stage(staging.staging_store(), c, quotes, rejections)
    return {"source": name, "captures": [_ref(c) for c in outcome.captures], "staged": True}


def _ref(c: RawCapture) -> Ref:
    return {
        "source": c.source,
        "capture_id": c.capture_id,
        "fetched_at": c.fetched_at.isoformat(),
        "url": c.url,
        "method": c.method,
        "http_status": c.http_status,
        "content_type": c.content_type,
    }


def _capture(ref: Ref) -> RawCapture:
    body = CaptureStore.of().get(ref["capture_id"])
    return RawCapture(
        source=ref["source"],
        url=ref["url"],
        fetched_at=datetime.fromisoformat(ref["fetched_at"]),
        body=body,
        http_status=ref["http_status"],
        content_type=ref["content_type"],
        method=ref["method"],
    )


def gate_and_load(captured: list[Ref | None]) -> dict[str, Any]:
    """The run's one quality gate over every staged batch, then one load of those that passed. A failed batch is
    recorded and not loaded, and fails this task once the others are loaded."""
    store = staging.staging_store()
    batches = []
    for result in captured:
        for ref in (result or {}).get("captures", []) if (result or {}).get("staged") else []:
            capture = _capture(ref)
            batches.append((capture, *staging.read_staged(store, capture)))
    with Warehouse(default_lake()) as warehouse:
        now = datetime.now(UTC)
        failed, refused = ingest.gate_and_load_all(batches, warehouse, load(), ingested_at=now)
    failed += [c for c, _, _ in batches if id(c) in refused]  # kept staged, like a batch that failed the gate
    for c, _, _ in batches:
        if c not in failed:
            staging.unstage(store, c)
    expired = staging.expire(store, now)  # what earlier runs left, past its retention
    if failed:
        names = ", ".join(f"{c.source} {c.capture_id[:12]}" for c in failed)
        raise QualityGateFailed(f"{len(failed)} of {len(batches)} batches failed the quality gate: {names}")
    return {"batches": len(batches), "quotes": sum(q.height for _, q, _ in batches), "expired_staged": len(expired)}


def gx_record(captured: list[Ref | None] | None = None, since: str | None = None) -> dict[str, Any]:
    """Great Expectations' own validation of the batches a run loaded (after the load, off the path to the fixing)
    and its Data Docs: a capture run's batches (`captured`), or those checked from `since` on (a backfill's); fails
    when GX and the run's gate disagree on a batch."""
    from pipeline.flow.gx_record import record_with_gx

    refs = [r for result in captured or [] if result and result.get("staged") for r in result.get("captures", [])]
    keys = [(r["source"], r["capture_id"], datetime.fromisoformat(r["fetched_at"])) for r in refs]
    with Warehouse(default_lake(), read_only=True) as warehouse:
        if since is not None:
            record = record_with_gx(warehouse, load(), since=datetime.fromisoformat(since))
        else:
            record = record_with_gx(warehouse, load(), only=keys)
    if not record.ok:  # the gate may have loaded what it should have stopped: operators hear it, not only the log
        problems = record.disagreements
        alerts.raise_alert("gate_disagreement", f"{len(problems)} batches", {"batches": problems})
        raise GateDisagreement("; ".join(problems))
    return {"batches": record.batches, "quotes": record.rows, "data_docs": str(record.data_docs or "")}


def source_health(run: Run) -> list[dict[str, Any]]:
    """Alerts of sources gone down, still down or back (`flow.health`), from every capture attempt so far."""
    from pipeline.flow.health import alert_on_sources

    with Warehouse(default_lake(), read_only=True) as warehouse:
        return alert_on_sources(warehouse, source_names(run.offline, run.capture_set, kind="all"))


def window_missing(day: str, offline: bool, capture_set: str | None) -> list[str]:
    """Price sources with no capture attempt inside the day's fixing window yet."""
    with Warehouse(default_lake(), read_only=True) as warehouse:
        return operate.window_captured(warehouse, date.fromisoformat(day), load(), source_names(offline, capture_set))


def wait_for_window(run: Run, poke: float = 15) -> None:
    """Wait until every price source has a capture attempt in the fixing window; TimeoutError after the run's
    `window_wait_minutes`."""
    import time

    deadline = time.monotonic() + 60 * float(run.params["window_wait_minutes"])
    while missing := window_missing(run.day, run.offline, run.capture_set):
        if time.monotonic() > deadline:
            raise TimeoutError(f"no capture in the fixing window of {run.day} from {', '.join(missing)}")
        time.sleep(poke)


def ensure_fx(run: Run) -> list[str]:
    """FX before anything that converts: capture the reference rates unless the run's day's are already stored."""
    day = date.fromisoformat(run.day)
    with Warehouse(default_lake()) as warehouse:  # the first task of a fresh installation creates the lake
        have = {r.day for r in warehouse.fx_rates_between(day, day)}
    if have:
        return []
    names = source_names(run.offline, run.capture_set, kind="fx")
    for name in names:
        capture_source(name, run)
    return names


def fix_day(day: str) -> dict[str, int]:
    with Warehouse(default_lake()) as warehouse:
        fixings = daily.fix(date.fromisoformat(day), warehouse, load(), recorded_at=datetime.now(UTC))
    return {
        "published": sum(f.status == "published" for f in fixings),
        "indicative": sum(f.status == "indicative" for f in fixings),
        "withheld": sum(f.status == "withheld" for f in fixings),
    }


def assess_day(run: Run) -> dict[str, Any]:
    """Raises FixingUnfit (the run fails, the failure callback alerts) when the fixing is not fit to publish (fewer
    than the run's `min_source_share` of the sources captured, all down, all withheld)."""
    day, offline, capture_set, min_share = run.day, run.offline, run.capture_set, float(run.params["min_source_share"])
    m = load()
    with Warehouse(default_lake(), read_only=True) as warehouse:
        fixings = daily.compute_day(date.fromisoformat(day), warehouse, m)
        a = operate.assess(
            warehouse, date.fromisoformat(day), m, fixings, source_names(offline, capture_set), min_share
        )
    summary = {"sources_ok": len(a.sources_ok), "expected": len(a.expected), "published": a.published}
    if not a.ok:
        raise FixingUnfit(f"{day}: " + "; ".join(a.problems) + f" ({summary})")
    return summary


def publish_day(run: Run) -> list[str]:
    """Publish signed. A live run refuses the development key unless its `dev_key` param says it may (a replay
    may)."""
    from pipeline.publish.signing import load_signing_key

    where = paths()
    allow = bool(run.params.get("dev_key")) or run.offline
    key = load_signing_key(where.home, allow_development=allow, connection=connection_secret)
    with Warehouse(default_lake()) as warehouse:
        return [str(p) for p in daily.publish(date.fromisoformat(run.day), warehouse, where.publish, key=key)]


def backfill_load(archives: list[str] | None, first: str | None, last: str | None) -> list[str]:
    """Load the archives (idempotent) and list the days to fix, within [first, last] when given."""
    from pipeline.config import realdata_dir
    from pipeline.flow.backfill import load_archives

    with Warehouse(default_lake()) as warehouse:
        cache = ParseCache(paths().parse_cache)
        days = load_archives(warehouse, CaptureStore.of(), realdata_dir(), load(), only=archives, cache=cache)
    lo, hi = (date.fromisoformat(d) if d else None for d in (first, last))
    return [d.isoformat() for d in days if (lo is None or d >= lo) and (hi is None or d <= hi)]


def settle_month(run_after: str) -> list[dict[str, Any]]:
    """Settle every contract for the month `operate.settlement_period` names."""
    from pipeline.flow.administer import settle
    from pipeline.settle import contracts

    period = operate.settlement_period(datetime.fromisoformat(run_after))
    m = load()
    out = []
    with Warehouse(default_lake()) as warehouse:
        for code in contracts():
            _, revision, action = settle(code, period, m.version, warehouse, computed_at=datetime.now(UTC))
            out.append({"contract": code, "period": period, "revision": revision, "action": action})
    return out
