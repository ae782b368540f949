"""How a parser reads a reply: bounded JSON with exact numbers, structure checks that raise schema drift.

Hostile input costs bounded time: nesting deeper than `MAX_JSON_DEPTH` is refused before the body is
decoded, and every number is read as text first, its length and exponent checked before any `Decimal`
or `int` is made (so "1E+999999" is refused in microseconds instead of becoming a million-digit integer).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import numpy as np

from pipeline.domain.records import RawCapture
from pipeline.sources.base import SchemaDrift

MAX_JSON_DEPTH = 64  # the deepest real reply (AWS, genai-prices) nests about 10 levels
MAX_NUMBER_CHARS = 64  # the longest real number literal has about 25 characters
MAX_EXPONENT = 40  # |decimal exponent| of any price, count or memory size a provider can mean

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_OPENS = np.frombuffer(b"[{", dtype=np.uint8)


class NumberOutOfBounds(ValueError):
    """A number literal too long, or with an exponent too large, to be a price, count or size."""


def bounded_decimal(text: str) -> Decimal:
    """An exact Decimal from number text, refusing text longer or exponents larger than any real figure."""
    if len(text) > MAX_NUMBER_CHARS:
        raise NumberOutOfBounds(f"number of {len(text)} characters (at most {MAX_NUMBER_CHARS})")
    value = Decimal(text)
    if value.is_finite() and value and abs(value.adjusted()) > MAX_EXPONENT:
        raise NumberOutOfBounds(f"number {text[:24]!r} has an exponent beyond ±{MAX_EXPONENT}")
    return value


def json_depth(body: bytes | str) -> int:
    """How deep arrays and objects nest (strings ignored): linear time, no recursion."""
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    if not brackets:
        return 0
    codes = np.frombuffer(brackets, dtype=np.uint8)
    steps = np.where(np.isin(codes, _OPENS), 1, -1).astype(np.int64)
    return int(np.cumsum(steps).max())


def loads_bounded(text: bytes | str, source: str, what: str = "body") -> Any:
    """JSON with every number an exact Decimal, within the depth and number bounds; anything else is drift."""
    depth = json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise SchemaDrift(source, f"{what} nests {depth} levels deep (at most {MAX_JSON_DEPTH})")
    try:
        return json.loads(text, parse_float=bounded_decimal, parse_int=bounded_decimal)
    except NumberOutOfBounds as exc:
        raise SchemaDrift(source, f"{what}: {exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        head = (text[:60] if isinstance(text, str) else text[:60].decode("utf-8", "replace")).strip()
        why = exc.msg if isinstance(exc, json.JSONDecodeError) else type(exc).__name__
        raise SchemaDrift(source, f"{what} is not JSON ({why}); starts {head!r}") from exc


def load_json(capture: RawCapture) -> Any:
    """Parse a body as bounded JSON with every number as an exact Decimal; anything else is drift."""
    return loads_bounded(capture.body, capture.source)


def require(condition: bool, capture: RawCapture, what: str) -> None:
    if not condition:
        raise SchemaDrift(capture.source, f"unexpected structure: {what}")


def to_decimal(value: Any) -> Decimal | None:
    """A finite number within bounds, from a JSON number or number text; None for anything else."""
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, str):
        return _decimal_or_none(value)
    return None


def _decimal_or_none(text: str) -> Decimal | None:
    try:
        dec = bounded_decimal(text.strip())
    except (ArithmeticError, NumberOutOfBounds):
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
