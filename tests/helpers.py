"""Small helpers tests share: parse-and-normalise a capture, pick rows, build parser-shaped rows, one-row SQL reads."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from pipeline.config import SAMPLES_DIR
from pipeline.domain.records import RawCapture
from pipeline.methodology import Bounds, load
from pipeline.normalize import normalise as _normalise
from pipeline.sources import REGISTRY
from pipeline.store import Warehouse

REPO = Path(__file__).resolve().parents[1]
BOUNDS = load().bounds
FETCHED = datetime(2026, 8, 3, 15, 30, tzinfo=UTC)  # when the `real_capture` fixture says a capture was fetched
SAMPLE_FX = SAMPLES_DIR / "default" / "ecb-eurofxref-daily.xml"  # the offline set's ECB document (no real one exists)
HISTORY = "gpu-catalog-history"  # SkyPilot-format catalogs, one file per cloud per commit day, under the real-data root


def sample_set(folder: Path, sources: Iterable[str] | None = None, **changes: Mapping[str, object]) -> Path:
    """A copy of the bundled capture set in `folder`: cut to `sources` (and its FX reference) when given, and the
    manifest entries of each source named in `changes` given those fields (`status`, `delay_seconds` ...).
    Each source is a task of its own in an Airflow run: a smaller set is a quicker run of the same code."""
    shutil.copytree(SAMPLES_DIR / "default", folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    if sources is not None:
        kept = {*sources, "ecb-fx"}
        manifest["captures"] = [e for e in manifest["captures"] if e["source"] in kept]
    for entry in manifest["captures"]:
        entry.update(changes.get(entry["source"], {}))
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


BundledRun = Callable[[Path, str | None], Path]  # the `bundled_run` fixture: (into, methodology version) -> into


def cix(*args: str, env: Mapping[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """The installed `cix` command, run as a user would (this environment unless `env` is given)."""
    command = [str(Path(sys.executable).parent / "cix"), *args]
    return subprocess.run(
        command, capture_output=True, text=True, env=dict(env or os.environ), check=False, timeout=timeout
    )


class RealCapture(Protocol):
    """The `real_capture` fixture: a file under the real-data root as a capture of `source`, unmodified."""

    def __call__(self, source: str, relative: str, fetched_at: datetime = FETCHED) -> RawCapture: ...


def normalise(
    parsed: pl.DataFrame,
    capture: RawCapture,
    bounds: Mapping[str, Bounds] | None = None,
    fx_rates: Mapping[str, Decimal] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    return _normalise(parsed, capture, bounds or BOUNDS, fx_rates=fx_rates)


def run(capture: RawCapture) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Parse a capture with its registered source and normalise it: (parsed, quotes, rejections)."""
    parsed = REGISTRY[capture.source].parse(capture)
    quotes, rejections = normalise(parsed, capture)
    assert quotes.height + rejections.height == parsed.height  # every parsed row is accounted for exactly once
    return parsed, quotes, rejections


def _where(frame: pl.DataFrame, where: Mapping[str, object]) -> pl.DataFrame:
    return frame.filter(*(pl.col(k) == v for k, v in where.items())) if where else frame


def row(frame: pl.DataFrame, **where: object) -> dict[str, Any]:
    """The one row matching every column = value given; fails if there is none or more than one."""
    rows = _where(frame, where)
    assert rows.height == 1, f"{rows.height} rows for {where}"
    return rows.row(0, named=True)


def first(frame: pl.DataFrame, **where: object) -> dict[str, Any]:
    """The first row matching every column = value given; fails if there is none."""
    rows = _where(frame, where)
    assert rows.height >= 1, f"no row for {where}"
    return rows.row(0, named=True)


def absent(frame: pl.DataFrame, **where: object) -> bool:
    return _where(frame, where).is_empty()


def exact_json(path: Path) -> Any:
    """A JSON file with every number as an exact Decimal, so expected values are never floats."""
    return json.loads(path.read_text(), parse_float=Decimal, parse_int=Decimal)


def history_files(realdata: Path, cloud: str) -> list[str]:
    """The file names of one cloud's SkyPilot catalog history (one file per commit day)."""
    files = sorted(p.name for p in (realdata / HISTORY / cloud).glob("*.csv"))
    assert files, f"no {cloud} history files"
    return files


def catalog_day(name: str) -> datetime:
    """The day a catalog history file is named for ("2026-05-20.csv"), at 00:00 UTC."""
    return datetime.strptime(name.removesuffix(".csv"), "%Y-%m-%d").replace(tzinfo=UTC)


def gpu_row(
    label: str,
    price: str,
    *,
    count: int = 1,
    memory: float | None = None,
    currency: str = "USD",
    price_per: str = "instance_hour",
) -> dict[str, Any]:
    """A GPU-hour row as a parser writes it (`parsed_frame` input), for rules tested without a capture."""
    return {
        "source": "t",
        "provider": "p",
        "provider_class": "neocloud",
        "input_tier": "rate_card",
        "sku": label,
        "label": label,
        "product": "gpu_hour",
        "pricing_type": "on_demand",
        "gpu_count": count,
        "gpu_memory_gb": memory,
        "unit": "gpu_hour",
        "price_per": price_per,
        "price_native": price,
        "currency": currency,
        "observed_at": FETCHED,
    }


def token_row(sku: str, price: str = "1", *, price_per: str = "mtok", **changes: object) -> dict[str, Any]:
    """An input-token price row as a parser writes it (`parsed_frame` input); `changes` replace fields."""
    return {
        "source": "t",
        "provider": "p",
        "provider_class": "api_host",
        "input_tier": "rate_card",
        "sku": sku,
        "label": sku,
        "product": "tokens",
        "pricing_type": "on_demand",
        "unit": "mtok_input",
        "price_per": price_per,
        "price_native": price,
        "currency": "USD",
        "observed_at": FETCHED,
        **changes,
    }


def one(w: Warehouse, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...]:
    """The first row of an ad-hoc read; fails if the query returns none."""
    frame = w.query(sql, params)
    assert frame.height, f"no row for {sql}"
    return frame.row(0)


def lake_sql(db: Path, read_only: bool = False) -> Any:
    """A raw DuckDB connection to the embedded lake whose catalog is `db` (for tests that tamper with stored rows
    behind the warehouse's back, as someone with database access could)."""
    from pipeline.store.lake import Lake, connect

    return connect(Lake.embedded(db), read_only)


def copy_lake(src: Path, dst: Path) -> Path:
    """A copy of an embedded lake: its catalog file and its data folder beside it."""
    import shutil

    from pipeline.store.lake import Lake

    shutil.copy(src, dst)
    shutil.copytree(Lake.embedded(src).data_path, Lake.embedded(dst).data_path)
    return dst


@contextmanager
def served(app: Any) -> Iterator[str]:
    """An ASGI app served by uvicorn on a free loopback port, in a thread of this process (its state stays
    inspectable); yields the base URL."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
