"""Benchmarks, printed as ratios against a baseline measured in the same run.

normalise: the vectorised polars normalisation of the real GCP catalog and LiteLLM map,
against a straightforward per-row Python/Decimal loop doing the same unit arithmetic.
Run: `make bench`. Needs ../shared/realdata (or CIX_REALDATA).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from pipeline.config import realdata_dir
from pipeline.domain.records import RawCapture
from pipeline.methodology import load
from pipeline.normalize import normalise
from pipeline.sources import REGISTRY


def best_of(fn: Callable[[], object], repeat: int = 5) -> float:
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


def main() -> None:
    root = realdata_dir()
    cases = {"gcp": "skypilot-format/gcp/vms.csv", "litellm": "litellm/model_prices_and_context_window.json"}
    print(f"{'case':<10}{'rows':>8}{'polars s':>12}{'per-row s':>12}{'speed-up':>10}")
    for source, rel in cases.items():
        capture = RawCapture(source, f"file://{rel}", datetime.now(UTC), (root / rel).read_bytes())
        parsed = REGISTRY[source].parse(capture)
        fast = best_of(lambda parsed=parsed, capture=capture: normalise(parsed, capture, load().bounds))
        slow = best_of(lambda parsed=parsed: per_row_baseline(parsed))
        print(f"{source:<10}{parsed.height:>8}{fast:>12.4f}{slow:>12.4f}{slow / fast:>9.1f}x")
    print(
        "(the per-row baseline does only the unit arithmetic; normalise also does identity, "
        "FX, plausibility and every rejection rule)"
    )


if __name__ == "__main__":
    main()
