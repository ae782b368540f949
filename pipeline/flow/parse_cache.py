"""A cache of parsed-and-normalised captures, so `verify` and re-runs parse each raw capture once.

Why the key is more than (capture sha256, parser version): `verify` exists to catch a code change that alters a
published number without a version bump. A cache keyed only by the capture and the parser version would hand back
yesterday's rows after such a change and hide it. So an entry is keyed by everything `parse_capture`'s output
depends on:

- the capture: its sha256 (the body, checked against its name by the capture store) and the metadata a parser reads
  (source, url, method, status, content type, fetch time, in force until);
- the parser: the source's name and the parser version asked for;
- the code: a fingerprint (sha256) over the source files of every module that parses and normalises (`sources/`,
  `normalize/`, `domain/`, `methodology/`, `flow/parse.py`) or digests (`store/digests.py`), and the versions of
  Python and the libraries that decode and compute (polars, numpy, selectolax, msgspec), computed once per process.
  Any edit there is a cache miss, so the capture is re-parsed by the code as it is now and compared with the stored
  quotes;
- the inputs: the plausibility bounds and the FX rates the capture is normalised with.

The cache is itself verified (`flow.sealed`): each entry stores the sha256 of its own payload and its key, checked
on every read; an entry that fails (corrupted, edited, truncated, moved to another key's name) is discarded, counted,
reported and the capture re-parsed. The self-digest catches accidents and careless edits, not a forger who
recomputes it: `verify --reparse` ignores the cache and re-parses everything, and is the check to run when the
cache's directory is not trusted. Entries are written atomically.

Entry format: one line of JSON (format, key, payload sha256, byte sizes), then the quotes and the rejections
as two Parquet blobs and the quotes' digest (`store.digests`: what `verify` compares of them, computed as it is over
the stored quotes), so `verify` compares a capture's stored quotes with the entry without decoding either.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import ClassVar

import polars as pl

from pipeline import sources
from pipeline.domain.records import RawCapture
from pipeline.flow.helpers import Helpers
from pipeline.flow.parse import POOL_MIN_BYTES, ParseTask, Unreadable, parse_capture, parse_many
from pipeline.flow.sealed import SealedCache
from pipeline.methodology import Bounds
from pipeline.store.digests import parsed_digest, parsed_digests

FORMAT = "cix-parse-cache/2"
PACKAGE = Path(__file__).resolve().parent.parent  # pipeline/
# The code a capture's quotes depend on: the parsers, normalisation, the record schemas, the parameters'
# types and `parse_capture` itself. Over-inclusion only costs a re-parse; under-inclusion would hide a change.
FINGERPRINTED = ("sources", "normalize", "domain", "methodology", "flow/parse.py", "store/digests.py")
LIBRARIES = ("polars", "numpy", "selectolax", "msgspec")


@cache
def code_fingerprint() -> str:
    """This installation's fingerprint, computed once per process."""
    return fingerprint_of(PACKAGE)


def fingerprint_of(
    package: Path, parts: tuple[str, ...] = FINGERPRINTED, libraries: tuple[str, ...] = LIBRARIES
) -> str:
    """sha256 over the source files (path and bytes) of `parts` of a `pipeline/` folder (by default the parsing and
    normalising ones), Python's version and the `libraries`' versions: any change to them makes every entry keyed
    by it a miss."""
    h = hashlib.sha256()
    for rel in parts:
        root = package / rel
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for path in files:
            if path.suffix not in (".py", ".json") or "__pycache__" in path.parts:
                continue
            h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    h.update(sys.version.encode())
    for lib in libraries:
        try:
            h.update(f"{lib}={metadata.version(lib)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{lib}=absent".encode())
    return h.hexdigest()


def _time(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat()


def cache_key(
    capture: RawCapture,
    capture_id: str,
    parser_version: str,
    bounds: Mapping[str, Bounds],
    fx_rates: Mapping[str, Decimal] | None,
    fingerprint: str,
) -> str:
    """The entry's name: sha256 over everything the parse depends on (see the module docstring). `capture_id` is
    passed in (not recomputed from the body) so a caller holding a verified id need not read the body to look up."""
    material = {
        "format": FORMAT,
        "capture": {
            "sha256": capture_id,
            "source": capture.source,
            "url": capture.url,
            "method": capture.method,
            "http_status": capture.http_status,
            "content_type": capture.content_type,
            "fetched_at": _time(capture.fetched_at),
            "in_force_until": _time(capture.in_force_until),
        },
        "parser": {"name": capture.source, "version": parser_version},
        "code": fingerprint,
        "bounds": {unit: [str(b.low), str(b.high)] for unit, b in sorted(bounds.items())},
        "fx_rates": {c: str(r) for c, r in sorted((fx_rates or {}).items())},
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def _parquet(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer, statistics=False)
    return buffer.getvalue()


@dataclass
class ParseCache(SealedCache):
    """Parsed captures under `root` (by default `$CIX_HOME/parse-cache`), one file per key: the quotes and the
    rejections as two Parquet blobs, and the quotes' digest. `fingerprint` is the code's (`code_fingerprint()` unless
    given: a test names another code's)."""

    FORMAT: ClassVar[str] = FORMAT
    SUFFIX: ClassVar[str] = "parquet-pair"
    BLOBS: ClassVar[tuple[str, ...]] = ("quotes", "rejections", "digest")

    fingerprint: str = field(default_factory=code_fingerprint)

    def key(
        self,
        capture: RawCapture,
        capture_id: str,
        parser_version: str,
        bounds: Mapping[str, Bounds],
        fx_rates: Mapping[str, Decimal] | None,
    ) -> str:
        return cache_key(capture, capture_id, parser_version, bounds, fx_rates, self.fingerprint)

    def get(self, key: str) -> tuple[pl.DataFrame, pl.DataFrame] | None:
        """The entry's quotes and rejections, or None when absent or when it fails its check (then it is
        removed and named in `discarded`)."""
        return self.read(
            key, lambda blobs: (pl.read_parquet(io.BytesIO(blobs[0])), pl.read_parquet(io.BytesIO(blobs[1])))
        )

    def quotes(self, key: str) -> pl.DataFrame | None:
        """`get`'s quotes alone (the whole entry is still checked; its rejections are not decoded)."""
        return self.read(key, lambda blobs: pl.read_parquet(io.BytesIO(blobs[0])))

    def digest(self, key: str) -> str | None:
        """The digest of the entry's quotes (`store.digests`), nothing decoded (the whole entry is still checked)."""
        return self.read(key, lambda blobs: blobs[2].decode("ascii"))

    def put(self, key: str, quotes: pl.DataFrame, rejections: pl.DataFrame, digest: str | None = None) -> None:
        """Write the entry atomically; one that cannot be written is noted in `unwritable`. `digest`: its quotes'
        (`parsed_digest`), when the caller has it already."""
        digest = parsed_digest(quotes) if digest is None else digest
        self.write(key, [_parquet(quotes), _parquet(rejections), digest.encode("ascii")])


def parse_cached(
    capture: RawCapture,
    bounds: Mapping[str, Bounds],
    fx_rates: Mapping[str, Decimal] | None,
    parser_version: str | None,
    cache: ParseCache | None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`parse.parse_capture`, through the cache when one is given: a hit returns the entry, a miss parses and
    stores. A capture that cannot be parsed raises as before and leaves no entry."""

    if cache is None:
        return parse_capture(capture, bounds, fx_rates, parser_version)
    version = parser_version or sources.get(capture.source).parser_version
    key = cache.key(capture, capture.capture_id, version, bounds, fx_rates)
    hit = cache.get(key)
    if hit is not None:
        return hit
    quotes, rejections = parse_capture(capture, bounds, fx_rates, version)
    cache.put(key, quotes, rejections)
    return quotes, rejections


DIGEST_BATCH = 256  # entries whose digests are taken in one query


def parse_all_cached(
    jobs: list[tuple[RawCapture, Mapping[str, Bounds], Mapping[str, Decimal]]],
    cache: ParseCache | None,
    helpers: Helpers | None = None,
) -> list[tuple[pl.DataFrame, pl.DataFrame] | Unreadable]:
    """`parse_cached` of many (capture, bounds, FX rates) jobs by the current parsers: each capture's quotes and
    rejections, or why it is unreadable, from the cache when it holds them, else parsed (split across `helpers` too
    when given and there is enough to parse) and then cached."""
    keys = [_cache_key(cache, *job) for job in jobs]
    results: dict[int, tuple[pl.DataFrame, pl.DataFrame] | Unreadable] = {
        i: hit for i, key in enumerate(keys) if cache is not None and key and (hit := cache.get(key))
    }
    missing = [i for i in range(len(jobs)) if i not in results]
    tasks: list[ParseTask] = [(*jobs[i], None) for i in missing]
    sizes = [len(task[0].body) for task in tasks]
    parsed = (helpers or Helpers(1)).spread(parse_many, tasks, sizes, POOL_MIN_BYTES)
    results.update(zip(missing, parsed, strict=True))
    if cache is not None:  # the new entries' digests a batch at a time (one query each), then each entry written
        new = [(key, r) for i in missing if (key := keys[i]) and not isinstance(r := results[i], Unreadable)]
        for start in range(0, len(new), DIGEST_BATCH):
            batch = new[start : start + DIGEST_BATCH]
            digests = parsed_digests([quotes for _, (quotes, _) in batch])
            for (key, (quotes, rejections)), digest in zip(batch, digests, strict=True):
                cache.put(key, quotes, rejections, digest)
    return [results[i] for i in range(len(jobs))]


def _cache_key(
    cache: ParseCache | None, capture: RawCapture, bounds: Mapping[str, Bounds], fx: Mapping[str, Decimal]
) -> str | None:
    """The capture's parse cache key (None without a cache, or for a source that is not registered: its parse
    fails and is recorded)."""
    if cache is None or capture.source not in sources.REGISTRY:
        return None
    return cache.key(capture, capture.capture_id, sources.get(capture.source).parser_version, bounds, fx)
