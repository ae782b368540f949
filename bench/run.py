"""`make bench`: every row of issue 13 as a ratio against its other side measured in the same run, with the
goal beside it and the peak memory of the process that ran the row.

    python bench/run.py                 # the stated sizes (1M offers, the full backfill, 10 s of load)
    python bench/run.py --scale 0.01    # a quick run on smaller generated data
    python bench/run.py --only api,dag

Each row runs in its own fresh process (so peak memory is the row's own). Needs ../shared/realdata (or
CIX_REALDATA). Absolute times are noisy on a shared machine; the ratios are the point.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# name: (what, how the ratio reads, goal test, goal text)
ROWS: dict[str, tuple[str, Callable[[dict[str, Any]], float], Callable[[float], bool], str]] = {
    "normalise": ("normalise real GCP + LiteLLM vs per-row loop", lambda r: r["other_s"] / r["project_s"],
                  lambda x: x >= 1, ">= 1x faster"),
    "ingest": ("parse+normalise marketplace offers vs naive", lambda r: r["other_s"] / r["project_s"],
               lambda x: x >= 10, ">= 10x faster"),
    "verify": ("cix verify vs DuckDB per-provider-day median", lambda r: r["project_s"] / r["other_s"],
               lambda x: x <= 2, "<= 2x the time"),
    "linear": ("fixings from 10x the quotes vs 1x (CPU)", lambda r: r["project_s"] / r["other_s"],
               lambda x: x <= 12, "<= 12x the time"),
    "history": ("5 years of fixings vs DuckDB per-good-day median", lambda r: r["project_s"] / r["other_s"],
                lambda x: x <= 2, "<= 2x the time"),
    "api": ("fixing lookup over HTTP vs FastAPI hello", lambda r: r["other_s"] / r["project_s"],
            lambda x: x >= 0.7, ">= 0.7x the rate"),
    "fanout": ("fetch 50 sources vs 1 (200 ms each)", lambda r: r["project_s"] / r["other_s"],
               lambda x: x <= 2, "<= 2x the time"),
    "dag": ("DAG file import vs empty TaskFlow DAG", lambda r: r["project_s"] / r["other_s"],
            lambda x: x <= 1.2, "<= 1.2x the time"),
}  # fmt: skip


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def per_row_baseline(parsed) -> int:  # type: ignore[no-untyped-def]
    n = 0
    for row in parsed.iter_rows(named=True):
        price = Decimal(row["price_native"]) if row["price_native"] else None
        if price is None or row["reject_reason"]:
            continue
        if row["price_per"] == "instance_hour" and row["gpu_count"]:
            price = price / row["gpu_count"]
        elif row["price_per"] == "token":
            price = price * 1_000_000
        n += price > 0
    return n


def row_normalise(root: Path) -> dict[str, Any]:
    from pipeline.domain.records import RawCapture
    from pipeline.methodology import load
    from pipeline.normalize import normalise
    from pipeline.sources import REGISTRY

    cases = {"gcp": "skypilot-format/gcp/vms.csv", "litellm": "litellm/model_prices_and_context_window.json"}
    fast = slow = 0.0
    rows = 0
    for source, rel in cases.items():
        capture = RawCapture(source, f"file://{rel}", datetime.now(UTC), (root / rel).read_bytes())
        parsed = REGISTRY[source].parse(capture)
        rows += parsed.height
        fast += best_of(lambda parsed=parsed, capture=capture: normalise(parsed, capture, load().bounds))
        slow += best_of(lambda parsed=parsed: per_row_baseline(parsed))
    return {"project_s": fast, "other_s": slow, "detail": f"{rows:,} rows; identity, FX, plausibility vs arithmetic"}


def one_row(name: str, scale: float, work: Path) -> dict[str, Any]:
    """Run one row in this process (called in a child) and add its peak memory."""
    import rows

    from pipeline.config import realdata_dir

    root = realdata_dir()
    home = work / "home"
    if name in ("linear", "api") and not (home / "cix.duckdb").exists():
        rows.row_verify(root, scale, home)
    runners: dict[str, Callable[[], dict[str, Any]]] = {
        "normalise": lambda: row_normalise(root),
        "ingest": lambda: rows.row_ingest(root, scale),
        "verify": lambda: rows.row_verify(root, scale, home),
        "linear": lambda: rows.row_linear(home, scale),
        "history": lambda: rows.row_history(root, scale, work),
        "api": lambda: rows.row_api(home, scale),
        "fanout": lambda: rows.row_fanout(scale),
        "dag": lambda: rows.row_dag(HERE.parent, work),
    }
    result = runners[name]()
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="data sizes relative to the stated ones")
    parser.add_argument("--only", default=",".join(ROWS), help="comma-separated rows")
    parser.add_argument("--row", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.row:
        print(json.dumps(one_row(args.row, args.scale, args.work), default=str))
        return
    print(f"scale {args.scale:g} (1 = the sizes stated in issue 13)", flush=True)
    print(f"{'row':<48}{'project s':>11}{'other s':>10}{'ratio':>9}  {'goal':<18}{'peak MB':>9}  ok", flush=True)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="cix-bench-") as tmp:
        for name in args.only.split(","):
            what, ratio_of, meets, goal = ROWS[name]
            cmd = [sys.executable, __file__, "--row", name, "--scale", str(args.scale), "--work", tmp]
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode != 0:
                failed += 1
                print(f"{what:<48}{'error':>11}  {done.stderr.strip().splitlines()[-1:]}", flush=True)
                continue
            r = json.loads(done.stdout.strip().splitlines()[-1])
            ratio = ratio_of(r)
            ok = meets(ratio) and not r.get("errors")
            failed += not ok
            print(
                f"{what:<48}{r['project_s']:>11.3f}{r['other_s']:>10.3f}{ratio:>8.2f}x  {goal:<18}"
                f"{r['peak_mb']:>9.0f}  {'yes' if ok else 'NO'}"
            )
            print(f"{'':<4}{r['detail']}", flush=True)  # row by row, also through a pipe
    print(f"{len(args.only.split(',')) - failed} of {len(args.only.split(','))} rows meet their goal")


if __name__ == "__main__":
    main()
