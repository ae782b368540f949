"""What a source is: the requests it makes, the hosts it may reach, and the pure parser of its replies.

A source module declares *what* to request and how to *parse* the reply; `sources.fetch`
decides *how* it is requested (the same guarantees for every source).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from pipeline.domain.records import RawCapture

DEFAULT_MAX_BYTES = 32 * 1024 * 1024


class SourceError(Exception):
    """A source could not produce a usable capture or parse; recorded, never fatal to others."""

    def __init__(self, source: str, reason: str, kind: str = "fetch") -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason
        self.kind = kind
        self.partial: list[RawCapture] = []  # bodies received before the failure: kept, never lost


class SchemaDrift(SourceError):
    """The reply parsed but did not look like this source's known structure."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(source, reason, kind="schema_drift")


@dataclass(frozen=True)
class Request:
    url: str
    method: str = "GET"
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()


Parser = Callable[[RawCapture], pl.DataFrame]
# The current parser over many captures at once (`sources.columnar`): each capture's rows or its SourceError.
BatchParser = Callable[[Sequence[RawCapture]], "list[pl.DataFrame | SourceError]"]
RateReader = Callable[[RawCapture], Sequence[Any]]
TimeOf = Callable[[Path, bytes], datetime]


@dataclass(frozen=True)
class Archive:
    """Dated files of this source's replies (under the realdata root) that a backfill replays at their own times.

    A *snapshot* archive (each file is the state of a price list until the next file: a map committed
    at month end, a catalog on the days it changed) chains its files by `in_force_until`; an
    *observation* archive (every record carries its own time) is loaded as it is.
    """

    name: str
    pattern: str  # glob under the realdata root
    time_of: TimeOf
    snapshots: bool


# The offline capture set's pages are the real 2026 captures of Crusoe's and Hyperstack's (the sample day's year); a
# page known only from captures of earlier years is replayed by backfill at their times, not moved to the sample day.
PAGE_NOT_SAMPLED = (
    "a pricing page whose real captures are from 2023-2025 only: backfill replays them at their own times; "
    "the offline set's pages are 2026 captures (Crusoe's and Hyperstack's), of the sample day's year"
)


def guarded(name: str, reader: Callable[[RawCapture], Any]) -> Callable[[RawCapture], Any]:
    """A parser that fails only with SourceError: any other exception while reading a hostile or broken body
    (a wrong type, a frame error, too deep a recursion) becomes a `parse_error` naming what went wrong, which
    ingest records as that capture's rejection."""
    if getattr(reader, "_cix_guarded", False):
        return reader

    @functools.wraps(reader)
    def read(capture: RawCapture) -> Any:
        try:
            return reader(capture)
        except SourceError:
            raise
        except Exception as exc:
            raise SourceError(
                name, f"cannot read the body: {type(exc).__name__}: {str(exc)[:300]}", "parse_error"
            ) from exc

    read._cix_guarded = True  # type: ignore[attr-defined]
    return read


def _no_prices(capture: RawCapture) -> pl.DataFrame:
    raise TypeError(f"{capture.source} publishes reference rates, not prices: read them with `read_rates`")


@dataclass(frozen=True)
class Source:
    """A provider feed: what to fetch, from which hosts, and the pure parser for its replies.

    A *price* source parses a reply into rows (`parse`). A *reference* source (FX rates) is fetched
    and stored the same way, but its reply is read into rates (`read_rates`), which normalisation
    uses to convert prices; it has no price rows.
    """

    name: str
    product: str  # gpu_hour | tokens | fx
    hosts: tuple[str, ...]
    requests: tuple[Request, ...]
    parse: Parser = _no_prices
    # `parse` over many captures, when one query over all of them is faster (each capture's rows the same as alone).
    parse_batch: BatchParser | None = None
    description: str = ""
    max_bytes: int = DEFAULT_MAX_BYTES
    next_request: Callable[[RawCapture], Request | None] | None = None
    max_pages: int = 50
    providers: tuple[str, ...] = field(default_factory=tuple)
    read_rates: RateReader | None = None
    archives: tuple[Archive, ...] = ()
    # Why the offline capture set (pipeline/samples/default) has no reply of this source; None when it has one.
    no_sample_reason: str | None = None
    # The parser's version, recorded on every quote: bump it when a change alters how an existing
    # capture parses, and keep the old function in `legacy_parsers` while stored quotes need it,
    # so `verify` re-derives old quotes with the code that made them.
    parser_version: str = "1"
    legacy_parsers: Mapping[str, Parser] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Every parser of the source, current and legacy, fails only with SourceError.
        if self.parse is not _no_prices:  # asking a reference source for prices stays a programming error
            object.__setattr__(self, "parse", guarded(self.name, self.parse))
        if self.read_rates is not None:
            object.__setattr__(self, "read_rates", guarded(self.name, self.read_rates))
        legacy = {v: guarded(self.name, f) for v, f in self.legacy_parsers.items()}
        object.__setattr__(self, "legacy_parsers", legacy)

    @property
    def is_reference(self) -> bool:
        return self.read_rates is not None

    def parser(self, version: str | None = None) -> Parser:
        """The parser of a version (default: the current one); KeyError for a retired version."""
        if version is None or version == self.parser_version:
            return self.parse
        try:
            return self.legacy_parsers[version]
        except KeyError:
            current = self.parser_version
            raise KeyError(f"{self.name}: parser version {version} is retired (current {current})") from None
