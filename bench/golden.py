"""Same results before and after a performance change: load the dated archives once, then dump every fixing
the code computes from them (value, gates, constituents, exclusions, stale providers, input keys) under a
methodology version, so two dumps made by two versions of the code can be compared byte for byte.

    python bench/golden.py load var-golden [--archive NAME ...]
    python bench/golden.py dump var-golden 3 out-v3.txt [--days N]
"""

from __future__ import annotations

import argparse
import hashlib
import time
from datetime import UTC, timedelta
from pathlib import Path

from pipeline.capture import CaptureStore
from pipeline.config import realdata_dir
from pipeline.flow.backfill import load_archives as backfill_load
from pipeline.index.fixing import compute_history, fixing_time, lookback
from pipeline.methodology import load
from pipeline.store import Warehouse


def load_archives(home: Path, only: list[str] | None) -> None:
    """The backfill's own loader (one ingest over every selected archive) into a lake under `home`."""
    with Warehouse(home / "lake.sqlite") as w:
        days = backfill_load(w, CaptureStore(home / "captures"), realdata_dir(), load(), only=only)
        print(f"{len(days)} days, {w.count('quote')} quotes", flush=True)


def dump(home: Path, version: str, out: Path, last_days: int | None) -> None:
    m = load(version)
    with Warehouse(home / "lake.sqlite", read_only=True) as w:
        first, last = (t.astimezone(UTC).date() for t in w.quote_span())  # type: ignore[union-attr]
        if last_days:
            first = max(first, last - timedelta(days=last_days - 1))
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        quotes = w.quotes_between(fixing_time(first, m) - lookback(m), fixing_time(last, m))
    start, cpu = time.perf_counter(), time.process_time()
    fixings = compute_history(quotes, days, m)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    text = "".join(f"{f!r}\n" for f in fixings)
    out.write_text(text)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    print(
        f"v{version}: {len(days)} days, {quotes.height} quotes, {len(fixings)} fixings in {wall:.1f} s wall, "
        f"{cpu:.1f} CPU-s; sha256 {digest}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("load")
    a.add_argument("home", type=Path)
    a.add_argument("--archive", action="append")
    b = sub.add_parser("dump")
    b.add_argument("home", type=Path)
    b.add_argument("version")
    b.add_argument("out", type=Path)
    b.add_argument("--days", type=int)
    args = parser.parse_args()
    if args.cmd == "load":
        load_archives(args.home, args.archive)
    else:
        dump(args.home, args.version, args.out, args.days)


if __name__ == "__main__":
    main()
