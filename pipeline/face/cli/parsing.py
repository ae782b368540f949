"""`cix parse`: one saved response read as a source reads it, its quotes (or rejections) as JSON lines.

A provider's name stands for its sources: `cix parse crusoe page.html` reads the page with whichever of Crusoe's
sources reads it (`crusoe-page`) and says which on stderr. A named source is taken at its word: a body it cannot
read is an error, which names the sources of the same providers that do read it (a page given to `runpod`, the
API's source, reads as `runpod-page`)."""

from __future__ import annotations

import json
import sys
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pipeline.face.cli.common import UserError, app, err, parse_time, read_file

if TYPE_CHECKING:
    import polars as pl

    from pipeline.sources.base import Source


def capture_file(path: Path, max_bytes: int) -> bytes:
    """A captured response body from a file: a gzip file (web archives keep their pages so) is the page inside it,
    refused beyond `max_bytes` (the source's own cap) as a fetched body would be."""
    body = read_file(path, "capture")
    if body[:2] != b"\x1f\x8b":
        return body
    inflate = zlib.decompressobj(wbits=31)
    try:
        page = inflate.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise UserError(f"capture {path} is a damaged gzip file: {exc}") from None
    if len(page) > max_bytes or inflate.unconsumed_tail:
        raise UserError(f"capture {path} holds more than {max_bytes} bytes once unpacked: refused, as a fetch is")
    return page


class Unreadable(Exception):
    """A body the source cannot read, with the source's reason."""


def read_as(source: Source, file: Path, body: bytes, observed: datetime) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The body's quotes and rejections as `source` reads and normalises them (no FX: a foreign price is refused)."""
    from pipeline.domain.records import RawCapture
    from pipeline.flow.parse import parse_capture
    from pipeline.methodology import load
    from pipeline.sources import SourceError

    if len(body) > source.max_bytes:
        raise Unreadable(f"{file} is not readable as {source.name}: more than its {source.max_bytes} bytes")
    capture = RawCapture(source=source.name, url=f"file://{file.resolve()}", fetched_at=observed, body=body)
    try:
        return parse_capture(capture, load().bounds)
    except SourceError as exc:
        raise Unreadable(f"{file} is not readable as {source.name}: {exc.kind}: {exc.reason}") from None
    except Exception as exc:  # any parser failure on a hostile body is the body's problem, told in one line
        raise Unreadable(f"{file} is not readable as {source.name}: {type(exc).__name__}: {exc}") from None


def readings(
    candidates: list[Source], file: Path, body: bytes, observed: datetime, why: dict[str, str] | None = None
) -> dict[str, tuple[pl.DataFrame, pl.DataFrame]]:
    """What each candidate that reads the body into rows (quotes, or rejections with their reasons) reads, by name;
    `why` gets each other candidate's reason."""
    found = {}
    for source in candidates:
        try:
            quotes, rejected = read_as(source, file, body, observed)
        except Unreadable as exc:
            if why is not None:
                why[source.name] = str(exc).removeprefix(f"{file} is not readable as {source.name}: ")
            continue
        if quotes.height or rejected.height:
            found[source.name] = (quotes, rejected)
        elif why is not None:
            why[source.name] = "no rows"
    return found


@app.command()
def parse(
    source: Annotated[str, typer.Argument(help="Source name (see `cix sources`), or a provider's name.")],
    file: Annotated[Path, typer.Argument(help="A captured response body.")],
    rejections: Annotated[bool, typer.Option("--rejections", help="Print rejections instead of quotes.")] = False,
    at: Annotated[str | None, typer.Option(help="Observation time (default: the file's mtime, UTC).")] = None,
) -> None:
    """Parse one captured response and print its normalised quotes (or rejections) as JSON lines."""
    from pipeline import sources

    named = sources.REGISTRY.get(source)
    of_provider = [s for s in sources.REGISTRY.values() if source in s.providers and s.product != "fx"]
    if named is None and not of_provider:
        raise UserError(f"unknown source or provider {source!r}; sources: {', '.join(sorted(sources.REGISTRY))}")
    body = capture_file(file, named.max_bytes if named else max(s.max_bytes for s in of_provider))
    observed = parse_time(at, "--at") or datetime.fromtimestamp(file.stat().st_mtime, UTC)
    if named is None:  # a provider: the one of its sources that reads the body
        why: dict[str, str] = {}
        found = readings(of_provider, file, body, observed, why)
        if len(found) != 1:
            tried = "; ".join(f"{name}: {reason}" for name, reason in why.items())
            raise UserError(
                f"{file} is not readable as any source of {source} ({tried})"
                if not found
                else f"{file} reads as more than one source of {source} ({', '.join(found)}): name one"
            )
        [(name, (quotes, rejected))] = found.items()
        err.print(f"read as {name} ({source}'s source that reads it)", style="dim", markup=False)
    else:
        try:
            quotes, rejected = read_as(named, file, body, observed)
        except Unreadable as exc:
            firms = set(named.providers)
            siblings = [s for s in sources.REGISTRY.values() if s is not named and firms & set(s.providers)]
            others = list(readings(siblings, file, body, observed))
            hint = f"; it reads as {', '.join(others)} (`cix parse {others[0]} {file}`)" if others else ""
            raise UserError(f"{exc}{hint}") from None
    write_rows(rejected if rejections else quotes, rejections)
    if not rejections and quotes.height == 0:
        err.print(f"no quotes; {rejected.height} rows refused (--rejections says why)", style="dim", markup=False)


def write_rows(frame: pl.DataFrame, rejections: bool) -> None:
    """Each row as one line of JSON: what it is, where it came from, and its price (or why it was refused)."""
    from pipeline.domain.records import plain
    from pipeline.domain.serialise import iso

    out = sys.stdout
    for row in frame.iter_rows(named=True):
        record: dict[str, Any] = {
            "source": row["source"],
            "provider": row["provider"],
            "sku": row["sku"],
            "product": row["product"],
            "unit": row["unit"],
            "currency": row["currency"],
            "observed_at": iso(row["observed_at"]),
            "capture_id": row["capture_id"],
            "row_no": row["row_no"],
            "label": row["label"],
        }
        if rejections:
            record.update(price_native=row["price_native"], rule=row["rule"], reason=row["reason"])
        else:
            record.update(
                good=row["good"],
                variant=row["variant"],
                pricing_type=row["pricing_type"],
                region=row["region"],
                segment=row["segment"],  # "community": a marketplace host outside the standard good's terms
                gpu_count=row["gpu_count"],
                price_usd=plain(row["price_usd"]),
                price_native=plain(row["price_native"]),
                provider_class=row["provider_class"],
                input_tier=row["input_tier"],
            )
        out.write(json.dumps(record) + "\n")
