"""What-if: the fixing the daily code would compute from a given set of quotes. Touches no warehouse."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from pipeline.domain.records import QUOTE_SCHEMA
from pipeline.domain.serialise import simulation_document
from pipeline.index.fixing import compute_fixing
from pipeline.methodology import load


def quotes_from_jsonl(path: Path) -> pl.DataFrame:
    """Quotes in the `cix parse` JSON-lines format, as the estimator's input frame."""
    rows = []
    for n, line in enumerate(path.read_text().splitlines()):
        if not line.strip():
            continue
        r = json.loads(line)
        observed = datetime.fromisoformat(str(r["observed_at"]).replace("Z", "+00:00"))
        if observed.tzinfo is None:
            raise ValueError(f"line {n + 1}: observed_at must carry a timezone")
        rows.append(
            {
                "capture_id": str(r.get("capture_id") or f"simulated-{n}"),
                "fetched_at": observed,
                "row_no": int(r.get("row_no", n)) if r.get("capture_id") else n,
                "source": r.get("source", "simulated"),
                "provider": r["provider"],
                "provider_class": r.get("provider_class") or "neocloud",
                "input_tier": r.get("input_tier") or "rate_card",
                "sku": str(r.get("sku") or ""),
                "label": r.get("label"),
                "product": r["product"],
                "good": r.get("good"),
                "variant": r.get("variant"),
                "pricing_type": r.get("pricing_type") or "on_demand",
                "region": r.get("region"),
                "gpu_count": r.get("gpu_count"),
                "price_native": str(r.get("price_native") or r["price_usd"]),
                "currency": r.get("currency") or "USD",
                "fx_rate": "1",
                "price_usd": str(r["price_usd"]),
                "unit": r["unit"],
                "observed_at": observed,
                "attributes": None,
                "in_force_until": None,
            }
        )
    frame = pl.DataFrame(
        rows,
        schema={
            k: (pl.String if k in ("price_native", "fx_rate", "price_usd") else v) for k, v in QUOTE_SCHEMA.items()
        },
    )
    return frame.with_columns(
        pl.col("price_native").str.to_decimal(scale=28),
        pl.col("fx_rate").str.to_decimal(scale=18),
        pl.col("price_usd").str.to_decimal(scale=24),
    ).cast(pl.Schema(QUOTE_SCHEMA))


def simulate(code: str, quotes: pl.DataFrame, at: datetime, version: str | None = None) -> dict[str, Any]:
    m = load(version) if version else load()
    fixing = compute_fixing(quotes, m.index(code), at, m)
    return simulation_document(fixing)
