"""What-if: the fixing the daily code would compute from a given set of quotes. Touches no warehouse.

The quotes file is JSON lines in the `cix parse` format. Each line is validated (pydantic): a missing
field, a price that is not a positive decimal number, a time without a zone, an unknown good or unit
is a clear error naming the line and the field, never a traceback.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import polars as pl
from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError, field_validator

from pipeline.domain.records import QUOTE_SCHEMA
from pipeline.domain.serialise import simulation_document
from pipeline.index.fixing import compute_fixing
from pipeline.methodology import available, load
from pipeline.normalize.identity import GPU_RULES, TOKEN_RULES
from pipeline.normalize.segments import segment_of

MAX_LINES = 100_000


class SimulationInputError(ValueError):
    """A quotes file that cannot be simulated, with the line and field at fault."""


def known_goods() -> frozenset[str]:
    goods = {r.good for r in (*GPU_RULES, *TOKEN_RULES) if r.good}
    for version in available():
        for d in load(version).indices:
            goods.update(d.goods)
    return frozenset(goods)


class SimulatedQuote(BaseModel):
    """One quote line as `cix parse` prints it; provider, product, unit, price_usd and observed_at are required."""

    model_config = ConfigDict(extra="ignore")

    provider: str
    product: Literal["gpu_hour", "tokens"]
    unit: Literal["gpu_hour", "mtok_input", "mtok_output", "mtok_cached_input"]
    price_usd: Decimal
    observed_at: AwareDatetime
    good: str | None = None
    pricing_type: str = "on_demand"
    provider_class: str | None = None
    input_tier: Literal["executable", "rate_card", "statistic", "judgement"] = "rate_card"
    sku: str = ""
    label: str | None = None
    variant: str | None = None
    region: str | None = None
    gpu_count: int | None = None
    segment: str | None = None
    via: str | None = None
    source: str = "simulated"
    capture_id: str | None = None
    row_no: int | None = None

    @field_validator("price_usd", mode="before")
    @classmethod
    def _decimal_text(cls, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
            raise ValueError('must be a decimal number (a JSON number or a string such as "2.49")')
        return value

    @field_validator("price_usd")
    @classmethod
    def _positive(cls, value: Decimal) -> Decimal:
        if not value.is_finite() or value <= 0 or abs(value.adjusted()) > 12:
            raise ValueError("must be a positive, finite price between 1e-12 and 1e12")
        return value

    @field_validator("good")
    @classmethod
    def _known(cls, value: str | None) -> str | None:
        if value is not None and value not in known_goods():
            raise ValueError(f"unknown good {value!r}")
        return value


def quotes_from_jsonl(path: Path) -> pl.DataFrame:
    """Quotes in the `cix parse` JSON-lines format, validated line by line, as the estimator's input frame."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SimulationInputError(f"cannot be read as UTF-8 text ({exc.__class__.__name__})") from None
    rows = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if n > MAX_LINES:
            raise SimulationInputError(f"more than {MAX_LINES} lines")
        try:
            raw = json.loads(line, parse_float=Decimal, parse_int=Decimal)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise SimulationInputError(f"line {n}: not a JSON object ({getattr(exc, 'msg', exc)})") from None
        if not isinstance(raw, dict):
            raise SimulationInputError(f"line {n}: not a JSON object")
        try:
            q = SimulatedQuote.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first["loc"]) or "line"
            raise SimulationInputError(f"line {n}: {where}: {first['msg']}") from None
        rows.append(_row(q, n))
    if not rows:
        raise SimulationInputError("no quotes")
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


def _row(q: SimulatedQuote, n: int) -> dict[str, Any]:
    price = format(q.price_usd, "f")
    return {
        "capture_id": q.capture_id or f"simulated-{n}",
        "fetched_at": q.observed_at,
        "row_no": q.row_no if q.capture_id and q.row_no is not None else n,
        "source": q.source,
        "provider": q.provider,
        "provider_class": q.provider_class or ("neocloud" if q.product == "gpu_hour" else "api_host"),
        "input_tier": q.input_tier,
        "sku": q.sku,
        "label": q.label,
        "product": q.product,
        "good": q.good,
        "variant": q.variant,
        "pricing_type": q.pricing_type,
        "region": q.region,
        "gpu_count": q.gpu_count,
        "price_native": price,
        "currency": "USD",
        "fx_rate": "1",
        "price_usd": price,
        "unit": q.unit,
        "observed_at": q.observed_at,
        "attributes": None,
        "in_force_until": None,
        "via": q.via,
        "segment": q.segment or segment_of(q.product, q.region),
        "time_basis": "content",
        "parser_version": None,
        "rules_version": None,
    }


def simulate(code: str, quotes: pl.DataFrame, at: datetime, version: str | None = None) -> dict[str, Any]:
    m = load(version) if version else load()
    fixing = compute_fixing(quotes, m.index(code), at, m)
    return simulation_document(fixing)
