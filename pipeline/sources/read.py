"""How a parser reads a reply: bounded JSON with exact numbers, structure checks that raise schema drift.

Hostile input costs bounded time: nesting deeper than `MAX_JSON_DEPTH` is refused before the body is
decoded, and every number is read as text first, its length and exponent checked before any `Decimal`
or `int` is made (so "1E+999999" is refused in microseconds instead of becoming a million-digit integer).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from itertools import chain
from typing import Any, TypeVar

import msgspec
import numpy as np
import polars as pl

from pipeline.domain.records import RawCapture
from pipeline.sources.base import SchemaDrift

T = TypeVar("T")

MAX_JSON_DEPTH = 64  # the deepest real reply (AWS, genai-prices) nests about 10 levels
MAX_NUMBER_CHARS = 64  # the longest real number literal has about 25 characters
MAX_EXPONENT = 40  # |decimal exponent| of any price, count or memory size a provider can mean

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)  # a JSON string, unrolled (3x faster than an alternation)
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


# -- columnar reading: the raw JSON tokens of the fields a parser needs, decoded as whole columns in polars --
ABSENT = msgspec.Raw(b"")  # the token of a field the object does not have, where that differs from a null
NULL = msgspec.Raw(b"null")  # the token of a field the object does not have, read as a JSON null
_SEPARATOR = "\x1f"  # a control character: never inside a valid JSON token (msgspec refuses it unescaped)
_PLAIN_NUMBER = r"^-?(?:0|[1-9][0-9]{0,39})(?:\.[0-9]{1,20})?$"  # already exact plain text, within the bounds


def decode_typed(decoder: msgspec.json.Decoder[Any], capture: RawCapture) -> Any:
    """A body decoded by a schema (msgspec): only the fields the schema names are read, each kept as its raw
    token when typed `msgspec.Raw`. Malformed JSON, another structure or too deep a nesting is drift."""
    body = capture.body.removeprefix(b"\xef\xbb\xbf")
    try:
        if not body.isascii():
            body.decode("utf-8")  # the tokens are read as text: the body must be UTF-8, as JSON is
        return decoder.decode(body)
    except UnicodeDecodeError as exc:
        raise SchemaDrift(capture.source, f"body is not JSON (not UTF-8: {exc.reason})") from exc
    except msgspec.ValidationError as exc:
        raise SchemaDrift(capture.source, f"unexpected structure: {exc}") from exc
    except msgspec.DecodeError as exc:
        head = body[:60].decode("utf-8", "replace").strip()
        raise SchemaDrift(capture.source, f"body is not JSON ({exc}); starts {head!r}") from exc
    except RecursionError as exc:
        raise SchemaDrift(capture.source, "body nests too deep to be a reply") from exc


def token_frame(structs: Sequence[msgspec.Struct]) -> pl.LazyFrame:
    """One String column per field of the (same-typed) structs: each row's raw JSON token, exactly as in the
    body (the field's default token where the object lacks it). One string split in polars, no dict per row."""
    if not structs:
        raise ValueError("no structs to read")
    fields = list(type(structs[0]).__struct_fields__)
    split = pl.col("tokens").str.split(_SEPARATOR).explode().reshape((len(structs), len(fields)))
    return pl.LazyFrame({"tokens": [joined_tokens(structs)]}).select(split.arr.to_struct(fields)).unnest("tokens")


def joined_tokens(structs: Iterable[msgspec.Struct]) -> str:
    """The structs' raw tokens, field by field and struct by struct, as one text (`split_tokens` splits it)."""
    return _SEPARATOR.encode().join(chain.from_iterable(map(msgspec.structs.astuple, structs))).decode("utf-8")


def split_tokens(texts: pl.Series) -> pl.Series:
    """Joined tokens (texts of `joined_tokens`, or of `token_column`'s join) as one token a row, in order."""
    return texts.str.split(_SEPARATOR).explode()


def token_column(name: str, tokens: Iterable[msgspec.Raw]) -> pl.Series:
    """Raw JSON tokens (at least one) as one String column: one join and one split, no Python string per token."""
    return split_tokens(pl.Series(name, [_SEPARATOR.encode().join(tokens).decode("utf-8")]))


def decode_objects(decoder: msgspec.json.Decoder[list[T]], tokens: list[str]) -> dict[int, T]:
    """The raw tokens that are JSON objects, decoded by one call, by their place in `tokens` (other tokens left out)."""
    places = [i for i, t in enumerate(tokens) if t.startswith("{")]
    decoded = decoder.decode("[" + ",".join(tokens[i] for i in places) + "]") if places else []
    return dict(zip(places, decoded, strict=True))


def json_object(members: list[tuple[str, pl.Expr]]) -> pl.Expr:
    """A JSON object of the given members, each value a JSON text: one concatenation over whole columns."""
    parts: list[pl.Expr] = []
    for i, (name, value) in enumerate(members):
        parts += [pl.lit(("{" if i == 0 else ",") + json.dumps(name) + ":"), value]
    return pl.concat_str([*parts, pl.lit("}")])


def json_text(token: pl.Expr) -> pl.Expr:
    """The text of JSON string tokens (escapes decoded); null for any other token."""
    return pl.when(token.str.starts_with('"')).then(token).otherwise(None).str.json_decode(pl.String)


def plain_number(token: pl.Expr) -> pl.Expr:
    """A number token that is already exact plain decimal text within the bounds (as `format(Decimal, "f")`
    writes it: the usual case), itself; null for any other token."""
    return pl.when(token.str.contains(_PLAIN_NUMBER)).then(token)


def decimal_text_of(token: str) -> str | None:
    """Exact plain decimal text of a raw JSON token that is a number, or a string holding one, within the
    bounds of `bounded_decimal`; None for any other token."""
    if token.startswith('"'):
        value: Any = json.loads(token)
    elif token[:1] in "-0123456789":
        value = token
    else:
        return None
    dec = to_decimal(value) if isinstance(value, str) else None
    return format(dec, "f") if dec is not None else None
