"""Prime Intellect's JSON Lines as raw JSON tokens, decoded at once by a schema-directed decoder (parsers v3, v4):
polars then derives the columns from whole columns of tokens."""

from __future__ import annotations

import msgspec

from pipeline.domain.records import RawCapture
from pipeline.sources.base import SchemaDrift
from pipeline.sources.read import NULL, decode_objects, require


class Line(msgspec.Struct, gc=False):
    """A line's fields as raw JSON tokens; the first three must be there (v2: `lacks gpu_type/timestamp/...`)."""

    gpu_type: msgspec.Raw
    timestamp: msgspec.Raw
    price_stats: msgspec.Raw
    socket_type: msgspec.Raw = NULL
    availability: msgspec.Raw = NULL
    by_provider: msgspec.Raw = NULL
    by_config: msgspec.Raw = NULL


class _Figures(msgspec.Struct, gc=False):
    """The figures of `price_stats` (its median) or of one host in `by_provider` (count, min, avg)."""

    median: msgspec.Raw = NULL
    count: msgspec.Raw = NULL
    min: msgspec.Raw = NULL
    avg: msgspec.Raw = NULL


_LINES = msgspec.json.Decoder(list[Line])
_LINE = msgspec.json.Decoder(Line)
_FIGURES = msgspec.json.Decoder(list[_Figures])
# JSON objects, each member's value a raw token: a line's by_provider (host -> its figures) or by_config
# (configuration -> its fields).
OBJECTS = msgspec.json.Decoder(list[dict[str, msgspec.Raw]])


def decode_lines(capture: RawCapture) -> tuple[list[int], list[Line]]:
    """The non-blank lines (their numbers, from 1) decoded at once; when that fails, the first line that does
    not decode is named."""
    try:
        lines = capture.body.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        lines = []
    numbered = [(n, line) for n, line in enumerate(lines, start=1) if line.strip()]
    try:
        return [n for n, _ in numbered], _LINES.decode("[" + ",".join(line for _, line in numbered) + "]")
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        pass
    for n, line in numbered:
        try:
            _LINE.decode(line)
        except msgspec.ValidationError:
            require(False, capture, f"line {n} lacks gpu_type/timestamp/price_stats")
        except (msgspec.DecodeError, RecursionError) as exc:
            raise SchemaDrift(capture.source, f"line {n} is not JSON ({exc}); starts {line[:60].strip()!r}") from exc
    raise SchemaDrift(capture.source, "lines that decode alone but not together")  # not reached: each line decodes


def figures(tokens: list[str]) -> list[_Figures]:
    """The figures of each token that is a JSON object; none for any other token."""
    found = decode_objects(_FIGURES, tokens)
    return [found.get(i, _Figures()) for i in range(len(tokens))]
