"""The rows of `make bench`: each measures this project and its other side in the same process and run.

Each row function takes the scale (1.0 = the sizes stated in issue 13) and returns a dict of measurements:
`project_s`, `other_s` (wall seconds), CPU seconds of each where it matters, and `detail`.
"""

from __future__ import annotations

import copy
import json
import resource
import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REALDATA_VAST = "vast/getcomputable_h100_sxm_asc.json"


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall seconds, CPU seconds (this process and the helper processes it waited for) and `fn`'s answer."""

    def cpu() -> float:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + children.ru_utime + children.ru_stime

    start, cpu_start = time.perf_counter(), cpu()
    out = fn()
    return time.perf_counter() - start, cpu() - cpu_start, out


# -- 1. parse + normalise marketplace offers -----------------------------------------------------------------
def vast_bodies(root: Path, offers: int, per_body: int = 1000) -> list[bytes]:
    """`offers` marketplace offers in bodies of `per_body`, scaled from the real capture: each real offer
    repeated with its own ids and a price moved by a few cents, so no two offers are the same."""
    real = json.loads((root / REALDATA_VAST).read_bytes())["offers"]
    bodies, n = [], 0
    while n < offers:
        batch = []
        for k in range(min(per_body, offers - n)):
            o = copy.deepcopy(real[(n + k) % len(real)])
            o["id"] = o["ask_contract_id"] = 10_000_000 + n + k
            o["machine_id"] = 50_000 + (n + k) % 4000
            step = ((n + k) % 97) / 100
            for field in ("dph_base", "dph_total"):
                if isinstance(o.get(field), int | float):
                    o[field] = round(o[field] + step, 6)
            batch.append(o)
        bodies.append(json.dumps({"offers": batch}).encode())
        n += len(batch)
    return bodies


def naive_offers(bodies: list[bytes]) -> int:
    """The naive way: json.loads, per-row Python dicts, pandas, per-row unit conversion."""
    import pandas as pd

    rows = []
    for body in bodies:
        for o in json.loads(body)["offers"]:
            gpus = o.get("num_gpus") or 1
            price = Decimal(str(o["dph_base"])) / gpus if o.get("dph_base") is not None else None
            rows.append({"gpu": o.get("gpu_name"), "gpus": gpus, "price": price, "region": o.get("geolocation")})
    frame = pd.DataFrame(rows)
    return int(frame["price"].notna().sum())


def row_ingest(root: Path, scale: float) -> dict[str, Any]:
    """The bulk ingest path (`ingest_all` -> `parse_all_cached` with helpers, as a backfill parses): bodies decoded
    one by one, read by one query per batch (`Source.parse_batch`) and normalised together, on every core (work and
    answers by shared memory; the helpers' start is timed). The captures are made first, with their sha256 (taken
    when the capture step stores a body, not by parsing); the naive side reads the same bodies."""
    from pipeline.domain.records import RawCapture
    from pipeline.flow.helpers import Helpers
    from pipeline.flow.parse import Unreadable
    from pipeline.flow.parse_cache import parse_all_cached
    from pipeline.methodology import load

    offers = max(1000, int(1_000_000 * scale))
    bodies = vast_bodies(root, offers)
    at = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)
    bounds = load().bounds
    url = "https://console.vast.ai/api/v0/bundles/?b="
    captures = [RawCapture("vast", f"{url}{i}", at, b) for i, b in enumerate(bodies)]
    assert all(c.capture_id for c in captures)

    def project() -> int:
        with Helpers(None) as helpers:
            parsed = parse_all_cached([(c, bounds, {}) for c in captures], None, helpers)
        return sum(0 if isinstance(r, Unreadable) else r[0].height for r in parsed)

    p_wall, p_cpu, n = timed(project)
    o_wall, o_cpu, m = timed(lambda: naive_offers(bodies))
    return {
        "project_s": p_wall,
        "project_cpu": p_cpu,
        "other_s": o_wall,
        "other_cpu": o_cpu,
        "detail": f"{offers:,} offers in {len(bodies)} bodies; {n:,} quotes vs {m:,} priced rows",
    }


# -- 2. verify against DuckDB's floor ------------------------------------------------------------------------
def row_verify(root: Path, scale: float, home: Path) -> dict[str, Any]:
    """`verify` over a backfill of the real archives, against the per-provider-per-day median as one query.

    Measured warm, as a daily `cix verify` runs: the backfill parses every capture once and fills the parse cache
    (`$CIX_HOME/parse-cache`), and the first verify after it recomputes every fixing and fills the recompute cache
    beside it, so the verify measured re-parses and recomputes only what the code or inputs changed since (here:
    nothing; each stored fixing is still compared with its recomputation, and each capture's stored quotes with its
    parse-cache entry, by digest: `store.digests`). The first verify is shown beside it."""
    from pipeline.audit import verify
    from pipeline.capture import CaptureStore
    from pipeline.flow.backfill import backfill
    from pipeline.flow.parse_cache import ParseCache
    from pipeline.methodology import load
    from pipeline.store import Warehouse

    archives = None if scale >= 1 else ["llm-prices", "genai-prices-history"]
    store = CaptureStore(home / "captures")
    cache = ParseCache(home / "parse-cache")
    with Warehouse(home / "cix.duckdb") as w:
        b_wall, _, report = timed(lambda: backfill(w, store, root, load(), only=archives, progress=False, cache=cache))
        first, _, _ = timed(lambda: verify(w, store, ParseCache(cache.root), workers=None))
        v_wall, v_cpu, checked = timed(lambda: verify(w, store, ParseCache(cache.root), workers=None))
        sql = "SELECT provider, good, unit, CAST(observed_at AS DATE) AS day, median(price_usd) FROM quote GROUP BY ALL"
        q_wall, q_cpu, groups = timed(lambda: w.query(sql).height)
        quotes = w.count("quote")
    assert checked.ok, checked.problems[:5]
    return {
        "project_s": v_wall,
        "project_cpu": v_cpu,
        "other_s": q_wall,
        "other_cpu": q_cpu,
        "detail": f"{report.captures} captures, {quotes:,} quotes, {checked.checked_fixings:,} fixings "
        f"({groups:,} medians); backfill {b_wall:.1f} s; first verify {first:.2f} s; then: {checked.from_cache} "
        f"captures from the parse cache, {checked.reparsed} re-parsed, {checked.recomputed_from_cache:,} "
        f"recomputations from the cache, {checked.recomputed:,} recomputed",
    }


# -- 2b. linear in history -----------------------------------------------------------------------------------
def row_linear(home: Path, scale: float) -> dict[str, Any]:
    """Fixings of every day from the backfilled quotes, and from ten times as many (each quote repeated as
    another row of its capture): the time ratio should stay near 10."""
    import polars as pl

    from pipeline.index.fixing import compute_history, fixing_time, lookback
    from pipeline.methodology import load
    from pipeline.store import Warehouse

    m = load()
    with Warehouse(home / "cix.duckdb", read_only=True) as w:
        first, last = (t.astimezone(UTC).date() for t in w.quote_span())  # type: ignore[union-attr]
        quotes = w.quotes_between(fixing_time(first, m) - lookback(m), fixing_time(last, m))
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    ten = pl.concat([quotes.with_columns(pl.col("row_no") + k * 1_000_000) for k in range(10)])
    compute_history(quotes.head(100), days[:2], m)  # imports and caches warm
    _, one_cpu, _ = timed(lambda: compute_history(quotes, days, m))
    _, ten_cpu, _ = timed(lambda: compute_history(ten, days, m))
    return {
        "project_s": ten_cpu,
        "other_s": one_cpu,
        "detail": f"{quotes.height:,} vs {ten.height:,} quotes, {len(days)} days: {one_cpu:.1f} vs {ten_cpu:.1f} CPU-s",
    }


# -- 3. the API under load ------------------------------------------------------------------------------------
def _load(base: str, paths: list[str], clients: int, seconds: float) -> tuple[int, int]:
    """`clients` threads asking in turn for `paths` for `seconds`: (200s, other answers). The clock starts when
    every client is made (an httpx client costs ~25 ms of CPU to create, most of a short slice)."""
    import httpx

    counts = [0, 0]
    lock = threading.Lock()
    ready = threading.Barrier(clients + 1)
    stop = [0.0]

    def client(k: int) -> None:
        ok = bad = 0
        with httpx.Client(base_url=base, timeout=10) as c:
            ready.wait()
            i = k
            while time.monotonic() < stop[0]:
                r = c.get(paths[i % len(paths)])
                ok, bad = (ok + 1, bad) if r.status_code == 200 else (ok, bad + 1)
                i += 1
        with lock:
            counts[0] += ok
            counts[1] += bad

    with ThreadPoolExecutor(clients) as pool:
        done = [pool.submit(client, k) for k in range(clients)]
        stop[0] = time.monotonic() + 60  # until every client is made
        ready.wait()
        stop[0] = time.monotonic() + seconds
        for d in done:
            d.result()
    return counts[0], counts[1]


def _serve(app: Any) -> tuple[Any, str]:
    import socket

    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="error", backlog=256))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


def row_api(home: Path, scale: float) -> dict[str, Any]:
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse

    from pipeline.face.api import create_app
    from pipeline.store import Warehouse

    with Warehouse(home / "cix.duckdb", read_only=True) as w:
        rows = w.latest_fixings().head(16)
    paths = [f"/fixings/{r['fixing_date']}/{r['index_code']}" for r in rows.iter_rows(named=True)]
    hello = FastAPI()

    @hello.get("/fixings/{day}/{code}")
    async def hi(day: date, code: str) -> JSONResponse:  # FastAPI's own hello world is `async def`
        return JSONResponse({"hello": "world"})

    seconds = max(2.0, 10 * scale)
    servers = {"project": _serve(create_app(home / "cix.duckdb", home / "publish")), "other": _serve(hello)}
    for _, base in servers.values():
        _load(base, paths, 4, 0.5)  # warm
    counts = {name: [0, 0] for name in servers}
    # The sides take turns (ABBA, 8 slices) so a change in the shared machine's load falls on both alike.
    for name in ("project", "other", "other", "project") * 2:
        ok, bad = _load(servers[name][1], paths, 16, seconds / 4)
        counts[name][0] += ok
        counts[name][1] += bad
    for server, _ in servers.values():
        server.should_exit = True
    results = {name: (ok / seconds, bad) for name, (ok, bad) in counts.items()}
    errors = results["project"][1] + results["other"][1]
    return {
        "project_s": 1 / results["project"][0],
        "other_s": 1 / results["other"][0],
        "detail": f"{results['project'][0]:.0f} vs {results['other'][0]:.0f} requests/s, 16 clients, {errors} errors",
        "errors": errors,
    }


# -- 4. fetch fan-out -----------------------------------------------------------------------------------------
class _Slow(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        time.sleep(0.2)
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    request_queue_size = 256
    daemon_threads = True


def row_fanout(scale: float) -> dict[str, Any]:
    import inspect

    from pipeline.flow import ingest
    from pipeline.sources.base import Request, Source
    from pipeline.sources.fetch import Fetcher, client

    server = _Server(("127.0.0.1", 0), _Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    concurrency = inspect.signature(ingest.capture).parameters["concurrency"].default
    n = 50  # cheap at any scale: the latency is the server's

    def sources(k: int) -> list[Source]:
        return [
            Source(
                name=f"s{i}",
                product="gpu_hour",
                hosts=("bench.invalid",),
                requests=(Request(f"https://bench.invalid/{i}"),),
            )
            for i in range(k)
        ]

    def run(k: int) -> float:
        with client(10) as c:
            fetcher = Fetcher(client=c, replay_base=base, retries=0)
            wall, _, out = timed(lambda: ingest._fetch_all(sources(k), fetcher, concurrency))
        assert all(o.error is None for o, _ in out), [o.error for o, _ in out if o.error]
        return wall

    one = statistics.median(run(1) for _ in range(3))
    many = run(n)
    server.shutdown()
    return {"project_s": many, "other_s": one, "detail": f"{n} sources vs 1, 200 ms each, concurrency {concurrency}"}


# -- 5. DAG import --------------------------------------------------------------------------------------------
EMPTY_DAG = """
import pendulum
from airflow.sdk import dag, task

@dag(dag_id="empty", schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False)
def empty():
    @task
    def nothing():
        return None
    nothing()

empty()
"""


def row_dag(project_dir: Path, tmp: Path) -> dict[str, Any]:
    import subprocess
    import sys

    empty = tmp / "empty_dag.py"
    empty.write_text(EMPTY_DAG)

    def imports(path: Path) -> float:
        code = f"import runpy,time;t=time.perf_counter();runpy.run_path({str(path)!r});print(time.perf_counter()-t)"
        runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)]
        runs += [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)]
        return min(runs)

    project = sum(imports(p) for p in sorted((project_dir / "dags").glob("*.py")))
    other = imports(empty) * len(list((project_dir / "dags").glob("*.py")))
    return {"project_s": project, "other_s": other, "detail": "each DAG file vs an empty TaskFlow DAG, fresh process"}


# -- 2c. five years of fixings from generated quotes ---------------------------------------------------------
def row_history(root: Path, scale: float, work: Path) -> dict[str, Any]:
    """Every index's fixing for every day of five years of quotes generated from the real distributions
    (`bench/generate.py`; ~50M quotes at scale 1), in the backfill's chunks of days (~250k quotes, at least a month)
    from a lazy parquet scan of only that chunk and its look-back, against DuckDB's per-good-per-day median over
    the same files as one query. Generating the files is not measured."""
    import subprocess
    import sys

    import duckdb
    import generate
    import polars as pl

    from pipeline.flow.backfill import chunk_days, fixings_in_chunks
    from pipeline.flow.helpers import Helpers
    from pipeline.methodology import load

    m = load()
    out = work / "history"
    # generated in a child process, so this one's peak memory is the computation's, not the backfill's
    cmd = [sys.executable, str(Path(generate.__file__)), str(out), "--scale", str(scale), "--realdata", str(root)]
    g_wall, _, _ = timed(lambda: subprocess.run(cmd, check=True, capture_output=True))
    files = sorted(out.glob("*.parquet"))
    quotes = pl.scan_parquet(files).select(pl.len()).collect().item()
    days = [generate.START + timedelta(days=i) for i in range((generate.END - generate.START).days + 1)]
    scan = pl.scan_parquet(out / "*.parquet")

    def read(start: datetime, end: datetime) -> pl.DataFrame:
        return scan.filter((pl.col("observed_at") > start) & (pl.col("observed_at") <= end)).collect()

    def project() -> dict[str, int]:
        statuses: dict[str, int] = {}
        with Helpers(None) as helpers:  # as `cix backfill`: the chunks on every core
            for chunk in fixings_in_chunks(read, days, m, chunk_days(quotes, len(days)), helpers):
                for f in chunk:
                    statuses[f.status] = statuses.get(f.status, 0) + 1
        return statuses

    p_wall, p_cpu, statuses = timed(project)
    sql = (
        "SELECT product, good, unit, pricing_type, CAST(observed_at AS DATE) AS day, median(price_usd) "
        f"FROM read_parquet('{out}/*.parquet') GROUP BY ALL"
    )
    with duckdb.connect() as con:
        o_wall, o_cpu, medians = timed(lambda: len(con.sql(sql).fetchall()))
    fixings = sum(statuses.values())
    return {
        "project_s": p_wall,
        "project_cpu": p_cpu,
        "other_s": o_wall,
        "other_cpu": o_cpu,
        "rows": quotes,
        "fixings": fixings,
        "detail": f"{quotes:,} quotes ({len(files)} monthly files, generated in {g_wall:.0f} s), {len(days):,} days, "
        f"{fixings:,} fixings ({', '.join(f'{n:,} {s}' for s, n in sorted(statuses.items()))}) vs {medians:,} "
        f"medians; {p_cpu:.1f} vs {o_cpu:.1f} CPU-s; {1e6 * p_wall / fixings:,.0f} us per fixing, "
        f"{1e6 * p_wall / quotes:.1f} us per quote (DuckDB {1e6 * o_wall / quotes:.3f})",
    }
