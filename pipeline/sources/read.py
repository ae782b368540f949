"""How a parser reads a reply: JSON with exact numbers, structure checks that raise schema drift."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from pipeline.domain.records import RawCapture
from pipeline.sources.base import SchemaDrift


def load_json(capture: RawCapture) -> Any:
    """Parse a body as JSON with every number as an exact Decimal; anything else is drift."""
    try:
        return json.loads(capture.body, parse_float=Decimal, parse_int=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        head = capture.body[:60].decode("utf-8", "replace").strip()
        raise SchemaDrift(
            capture.source, f"body is not JSON ({exc.msg if hasattr(exc, 'msg') else exc}); starts {head!r}"
        ) from exc


def require(condition: bool, capture: RawCapture, what: str) -> None:
    if not condition:
        raise SchemaDrift(capture.source, f"unexpected structure: {what}")


def to_decimal(value: Any) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str):
        return _decimal_or_none(value)
    return None


def _decimal_or_none(text: str) -> Decimal | None:
    try:
        dec = Decimal(text.strip())
    except ArithmeticError:
        return None
    return dec if dec.is_finite() else None


def plain_json(value: Any) -> Any:
    """JSON-safe copy of exact-Decimal JSON: integral Decimals become ints, others exact decimal text (never float)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**63 else format(value, "f")
    if isinstance(value, dict):
        return {k: plain_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_json(v) for v in value]
    return value
