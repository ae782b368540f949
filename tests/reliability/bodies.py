"""Hostile bodies for every parser family, made from the real captures, shared by the hypothesis tests and the
long run (`make reliability`): random bytes, truncations, byte flips, JSON with wrong types, deep nesting and
huge numbers, and hostile fragments spliced into CSV, XML and HTML."""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pipeline import sources
from pipeline.config import SAMPLES_DIR, realdata_dir
from pipeline.domain.records import RawCapture
from pipeline.flow.parse import parse_capture
from pipeline.methodology import load
from pipeline.sources import SourceError

FETCHED = datetime(2026, 8, 3, 15, 30, tzinfo=UTC)
BOUNDS = load().bounds
FX = {"EUR": Decimal("1.08"), "GBP": Decimal("1.27")}
SEED_BYTES = 256 * 1024  # longer real captures are cut to this much before mutation: bounded time per body
EXTRA = {
    "coreweave-page": "provider-pages-2026/coreweave.html",
    "gcp-page": "provider-pages-2026/gcp.html",
    "oracle": "provider-pages-2026/oracle.json",
    "vast": "vast/getcomputable_h100_sxm_asc.json",
    "aws-history": "aws/gpu_prices.csv",
}
HUGE = ["1E+999999", "-1e999999999", "9" * 5000, "1e-999999", "0." + "0" * 4000 + "1", "NaN", "Infinity", "1E+400"]
FRAGMENTS = [
    b"1E+999999",
    b"<div>" * 3000,
    b"[" * 3000,
    b"{" * 3000,
    b"\xff\xfe\x00",
    b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]>",
    b'"price": "1E+999999"',
    b",,,,,,\n" * 50,
    b"\x00" * 64,
]


def seeds() -> dict[str, list[bytes]]:
    """Real bodies of each source: its offline samples, else its archives' first file, else a known capture."""
    root = realdata_dir()
    manifest = json.loads((SAMPLES_DIR / "default" / "manifest.json").read_text())
    out: dict[str, list[bytes]] = {name: [] for name in sources.REGISTRY}
    for e in manifest["captures"]:
        out[e["source"]].append((SAMPLES_DIR / "default" / e["file"]).read_bytes())
    for name, source in sources.REGISTRY.items():
        if not out[name]:
            for archive in source.archives:
                files = sorted(root.glob(archive.pattern), key=lambda p: p.stat().st_size)
                out[name] += [files[0].read_bytes()] if files else []
        if not out[name] and name in EXTRA:
            out[name].append((root / EXTRA[name]).read_bytes())
    return {k: [b[:SEED_BYTES] if len(b) > SEED_BYTES else b for b in v] for k, v in out.items()}


def _json_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice(HUGE)
    if kind == 3:
        return rng.choice(["", "x" * rng.randrange(1, 300), "H100", "\u202e", "1.5", "-3"])
    if kind == 4:
        return rng.randrange(-(10**30), 10**30)
    if kind == 5:
        return rng.uniform(-1e308, 1e308)
    if kind == 6:
        return [_json_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if kind == 7:
        return {rng.choice(["price", "name", "id", "gpu", "x"]): _json_value(rng, depth + 1) for _ in range(3)}
    return f"__DEEP_{rng.randrange(10, 5000)}_{rng.choice('ao')}__"  # made deep in the text (json.dumps would recurse)


DEEP = re.compile(r'"__DEEP_(\d+)_([ao])__"')


def _deep(match: re.Match[str]) -> str:
    n = int(match.group(1))
    return "[" * n + "]" * n if match.group(2) == "a" else '{"a":' * n + "1" + "}" * n


def _nodes(doc: Any, path: tuple[Any, ...] = (), out: list[tuple[Any, ...]] | None = None) -> list[tuple[Any, ...]]:
    out = [] if out is None else out
    if len(out) > 5000:
        return out
    out.append(path)
    if isinstance(doc, dict):
        for k, v in doc.items():
            _nodes(v, (*path, k), out)
    elif isinstance(doc, list):
        for i, v in enumerate(doc[:50]):
            _nodes(v, (*path, i), out)
    return out


def _wrong_types(rng: random.Random, body: bytes) -> bytes:
    """A real JSON document with a few of its values swapped for values of the wrong type, huge or deep."""
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _splice(rng, body)
    paths = _nodes(doc)
    for _ in range(rng.randrange(1, 6)):
        path = rng.choice(paths)
        if not path:
            doc = _json_value(rng)
            break
        parent = doc
        try:
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = _json_value(rng)
        except (KeyError, IndexError, TypeError):
            continue
    text = DEEP.sub(_deep, json.dumps(doc))
    for huge in HUGE[:3]:  # some huge numbers as JSON numbers, not only as text
        text = text.replace(f'"{huge}"', huge, 1)
    return text.encode()


def _splice(rng: random.Random, body: bytes) -> bytes:
    at = rng.randrange(len(body) + 1)
    return body[:at] + rng.choice(FRAGMENTS) * rng.randrange(1, 3) + body[at:]


def _flip(rng: random.Random, body: bytes) -> bytes:
    if not body:
        return b"\x00"
    data = bytearray(body)
    for _ in range(rng.randrange(1, 4)):
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    return bytes(data)


KINDS: dict[str, Callable[[random.Random, bytes], bytes]] = {
    "random bytes": lambda rng, body: rng.randbytes(rng.randrange(0, 2048)),
    "truncation": lambda rng, body: body[: rng.randrange(len(body) + 1)],
    "byte flips": _flip,
    "wrong types": _wrong_types,
    "hostile fragment": _splice,
    "deep nesting": lambda rng, body: rng.choice([b"[", b'{"a":', b"<div>", b"<a><b>"]) * rng.randrange(100, 50000),
    "huge numbers": lambda rng, body: _splice(rng, body).replace(b"0.", b"1E+999999", 1),
}


def hostile(rng: random.Random, kind: str, body: bytes) -> bytes:
    return KINDS[kind](rng, body)


@dataclass
class Tally:
    bodies: int = 0
    quotes: int = 0  # bodies that gave quote or rejection rows
    rejected: int = 0  # bodies recorded as unreadable (SourceError with a reason)
    exceptions: list[str] = field(default_factory=list)
    slowest: float = 0.0


def read(source_name: str, body: bytes, tally: Tally) -> float:
    """Parse one body as the ingest path does; anything but rows or a SourceError is counted as an exception."""
    source = sources.get(source_name)
    capture = RawCapture(
        source=source_name, url=source.requests[0].url if source.requests else "x", fetched_at=FETCHED, body=body
    )
    started = time.perf_counter()
    try:
        if source.read_rates is not None:
            source.read_rates(capture)
        else:
            parse_capture(capture, BOUNDS, FX)
        tally.quotes += 1
    except SourceError as exc:
        assert exc.reason, "a rejection says why"
        tally.rejected += 1
    except Exception as exc:  # the finding: an unhandled exception
        tally.exceptions.append(f"{source_name}: {type(exc).__name__}: {str(exc)[:200]}")
    took = time.perf_counter() - started
    tally.bodies += 1
    tally.slowest = max(tally.slowest, took)
    return took
