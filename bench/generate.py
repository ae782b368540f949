"""Years of quotes for every index, generated from the real distributions, as parquet files by month.

The real quotes of the indices' goods (a backfill of the real archives) give the *lines*: each distinct
source x provider x class x tier x SKU x region x unit x via x segment ... seen, with its real price level (the
median of its real prices). Every source is then captured at a fixed cadence over the whole span (all its lines
in each capture, `row_no` their order), a source misses a day now and then (so stale and carried inputs
happen), and each provider's price for a good moves day by day on a seeded mean-reverting random walk around
its real level. Prices are exact decimals (4 places per GPU-hour, 6 per million tokens), never floats.

    python bench/generate.py OUT_DIR [--scale 0.1]     # scale 1 = ~50M rows over 2021-12-01..2026-11-30
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from pipeline.domain.records import QUOTE_SCHEMA, UTC_DATETIME
from pipeline.index.votes import units_of
from pipeline.methodology import Methodology

START, END = date(2021, 12, 1), date(2026, 11, 30)  # five years of fixing days
ROWS_AT_SCALE_1 = 50_000_000
# What makes one line: everything of a quote but its capture, time and price.
LINE = [
    "source", "provider", "provider_class", "input_tier", "sku", "label", "product", "good", "variant",
    "pricing_type", "region", "gpu_count", "unit", "via", "segment", "time_basis",
]  # fmt: skip
WALK = ["provider", "good", "pricing_type"]  # one walk per provider and good: its units and regions move together
PLACES = {"gpu_hour": 4, "tokens": 6}  # decimal places of a generated USD price
OUTAGE = 0.03  # the share of (source, day) with no capture at all


@dataclass(frozen=True)
class Plan:
    """What to generate: the lines, the captures (every source's times) and the walks."""

    lines: pl.DataFrame
    captures: pl.DataFrame
    walks: np.ndarray  # (walk id, day index) -> price factor
    start: date
    end: date


def index_goods(m: Methodology) -> pl.DataFrame:
    """(product, good, pricing_type, unit) of every quote an index of `m` may read."""
    goods = {
        (d.product, g, d.pricing_type, u)
        for d in m.indices
        if not d.blend_of
        for g in (d.goods or (d.good,))
        for u in units_of(d)
    }
    return pl.DataFrame(sorted(goods), schema=["product", "good", "pricing_type", "unit"], orient="row")


def lines_of(real: pl.DataFrame, m: Methodology) -> pl.DataFrame:
    """The lines of the real quotes of the indices' goods, each with its real level (in ticks of its product's
    decimal places), whether its source is a snapshot archive, and its row number within a capture."""
    mine = real.join(index_goods(m), on=["product", "good", "pricing_type", "unit"])
    places = pl.col("product").replace_strict(PLACES, default=6, return_dtype=pl.Int64)
    lines = (
        mine.group_by(LINE)
        .agg(
            pl.col("price_usd").cast(pl.Float64).median().alias("_level"),
            pl.col("in_force_until").is_not_null().any().alias("snapshot"),
            pl.col("attributes").first(),
            pl.col("parser_version").max(),
            pl.col("rules_version").max(),
        )
        .sort(LINE, nulls_last=True)
        .with_columns(
            # the level is where a walk starts, not a stored price: a float is fine here, the prices are ticks
            (pl.col("_level") * 10.0**places).round().cast(pl.Int64).clip(1).alias("level"),
            places.alias("places"),
        )
        .drop("_level")
    )
    return lines.with_columns(
        pl.int_range(pl.len(), dtype=pl.Int64).over("source").alias("row_no"),
        pl.struct(WALK).rank("dense").cast(pl.Int64).sub(1).alias("walk"),
    )


def plan(
    real: pl.DataFrame, m: Methodology, scale: float, seed: int = 13, start: date = START, end: date = END
) -> Plan:
    """Lines from the real quotes; a cadence giving ~`scale` x 50M rows over the span; the captures and walks."""
    lines = lines_of(real, m)
    days = (end - start).days + 1
    rows_per_day = ROWS_AT_SCALE_1 * scale / days / (1 - OUTAGE)
    sources = lines.group_by("source").len().sort("source")
    interval = timedelta(seconds=round(86_400 * lines.height / rows_per_day))
    rng = np.random.default_rng(seed)
    first = datetime.combine(start, datetime.min.time(), tzinfo=UTC) - timedelta(days=1)  # a day of look-back
    last = datetime.combine(end, datetime.max.time(), tzinfo=UTC)
    frames = []
    for k, (source, _) in enumerate(sources.iter_rows()):
        stagger = timedelta(seconds=interval.total_seconds() * (k + 0.5) // sources.height)  # not all at once
        n = int((last - first - stagger) / interval) + 1
        times = [first + stagger + interval * i for i in range(n)]
        frames.append(
            pl.DataFrame(
                {"source": [source] * n, "fetched_at": times}, schema={"source": pl.String, "fetched_at": UTC_DATETIME}
            )
        )
    captures = pl.concat(frames).with_columns(pl.col("fetched_at").dt.date().alias("_day"))
    missed = captures.select("source", "_day").unique().sort("source", "_day")
    missed = missed.filter(pl.Series(rng.random(missed.height) < OUTAGE))
    captures = (
        captures.join(missed, on=["source", "_day"], how="anti")
        .sort("source", "fetched_at")
        .with_columns(pl.col("fetched_at").shift(-1).over("source").alias("next_capture"))
        .drop("_day")
    )
    ids = [
        hashlib.sha256(f"bench-history:{s}:{t.isoformat()}".encode()).hexdigest()
        for s, t in zip(captures["source"], captures["fetched_at"], strict=True)
    ]
    captures = captures.with_columns(pl.Series("capture_id", ids))
    walks = _walks(rng, int(lines["walk"].max() or 0) + 1, days + 2)
    return Plan(lines, captures, walks, start, end)


def _walks(rng: np.random.Generator, n: int, days: int) -> np.ndarray:
    """Daily price factors, mean-reverting around 1 (a 0.8 % daily step; within about +-15 % over years)."""
    steps = rng.normal(0.0, 0.008, size=(n, days))
    logs = np.zeros((n, days))
    for t in range(1, days):
        logs[:, t] = 0.985 * logs[:, t - 1] + steps[:, t]
    return np.exp(logs)


def months(p: Plan) -> Iterator[tuple[date, date]]:
    """(first, last) day of each calendar month the captures cover."""
    day = p.captures["fetched_at"].min().date().replace(day=1)  # type: ignore[union-attr]
    while day <= p.end:
        following = (day + timedelta(days=32)).replace(day=1)
        yield day, following - timedelta(days=1)
        day = following


def quotes_of_month(p: Plan, first: date, last: date) -> pl.DataFrame:
    """Every quote captured in [first, last], in the quote schema, ordered by observation time."""
    lo = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
    hi = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    caps = p.captures.filter((pl.col("fetched_at") >= lo) & (pl.col("fetched_at") < hi))
    origin = datetime.combine(p.start, datetime.min.time(), tzinfo=UTC) - timedelta(days=1)
    rows = caps.join(p.lines, on="source").with_columns(((pl.col("fetched_at") - origin).dt.total_days()).alias("_day"))
    factor = p.walks[rows["walk"].to_numpy(), rows["_day"].to_numpy()]
    ticks = np.maximum(np.rint(rows["level"].to_numpy() * factor), 1).astype(np.int64)
    one = pl.lit(10, dtype=pl.Int64).pow(pl.col("places"))
    fraction = (pl.col("_ticks") % one).cast(pl.String).str.zfill(pl.col("places"))
    price = pl.format("{}.{}", pl.col("_ticks") // one, fraction)
    out = rows.with_columns(pl.Series("_ticks", ticks)).with_columns(
        price.alias("price_usd"),
        price.alias("price_native"),
        pl.lit("1").alias("fx_rate"),
        pl.lit("USD").alias("currency"),
        pl.col("fetched_at").alias("observed_at"),
        pl.when(pl.col("snapshot")).then(pl.col("next_capture")).alias("in_force_until"),
    )
    return out.select(pl.col(name).cast(dtype) for name, dtype in QUOTE_SCHEMA.items()).sort(
        "observed_at", "capture_id", "row_no"
    )


def write(p: Plan, out: Path) -> tuple[int, list[Path]]:
    """Every month's quotes to `out/quotes-YYYY-MM.parquet`, a month at a time (memory stays one month's)."""
    out.mkdir(parents=True, exist_ok=True)
    files, total = [], 0
    for first, last in months(p):
        frame = quotes_of_month(p, first, last)
        path = out / f"quotes-{first:%Y-%m}.parquet"
        frame.write_parquet(path, row_group_size=64 * 1024, statistics=True)
        files.append(path)
        total += frame.height
    return total, files


def real_quotes(root: Path, home: Path, m: Methodology) -> pl.DataFrame:
    """Every real quote of a backfill of the real archives (loaded, not fixed) into `home`."""
    from pipeline.capture import CaptureStore
    from pipeline.flow.backfill import load_archives
    from pipeline.store import Warehouse

    with Warehouse(home / "cix.duckdb") as w:
        load_archives(w, CaptureStore(home / "captures"), root, m)
        return w.quotes_between(datetime(1970, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def main() -> None:
    import tempfile

    from pipeline.config import realdata_dir
    from pipeline.methodology import load

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--realdata", type=Path, default=None, help="the real captures (default: CIX_REALDATA)")
    args = parser.parse_args()
    m = load()
    with tempfile.TemporaryDirectory(prefix="cix-history-") as home:
        real = real_quotes(args.realdata or realdata_dir(), Path(home), m)
    rows, files = write(plan(real, m, args.scale), args.out)
    print(f"{rows:,} quotes in {len(files)} files under {args.out}")


if __name__ == "__main__":
    main()
