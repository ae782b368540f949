"""`cix run`, `parse`, `sources`, `backfill`: getting prices in."""

from __future__ import annotations

import json
import sys
import zlib
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from pipeline.face.cli.common import (
    DbOption,
    Format,
    Output,
    UserError,
    app,
    console,
    err,
    existing_dir,
    methodology,
    open_warehouse,
    parse_time,
    print_fixings,
    read_file,
    write_json,
)
from pipeline.face.cli.common import known as known_names
from pipeline.face.cli.lake import DevKeyOption, require_signing_key


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


@app.command()
def run(
    offline: Annotated[bool, typer.Option("--offline/--live", help="Replay bundled captures, or scrape live.")] = True,
    at: Annotated[str | None, typer.Option(help="Run as of this ISO timestamp (UTC).")] = None,
    db: DbOption = None,
    capture_set: Annotated[Path | None, typer.Option(help="Offline capture set folder (manifest.json).")] = None,
    source: Annotated[list[str] | None, typer.Option("--source", help="Only these sources.")] = None,
    version: Annotated[
        str | None, typer.Option("--methodology", help="Methodology version (default: current).")
    ] = None,
    fmt: Annotated[Output, typer.Option("--format", help="table (text) or json.")] = Output.table,
    dev_key: DevKeyOption = False,
) -> None:
    """Capture -> normalise -> quality gate -> load -> fix -> publish, and print the fixings."""
    from pipeline import sources
    from pipeline.capture import CaptureSet
    from pipeline.domain.serialise import fixing_row, public_record
    from pipeline.flow.daily import DEFAULT_SAMPLE_SET
    from pipeline.flow.daily import run as run_pipeline

    when = parse_time(at, "--at")
    m = methodology(version)
    for name in source or []:
        try:
            sources.get(name)
        except KeyError as exc:
            raise UserError(str(exc.args[0])) from None
    folder = capture_set or DEFAULT_SAMPLE_SET
    if offline:
        existing_dir(folder, "capture set")
        try:
            names = CaptureSet.load(folder).sources()
        except FileNotFoundError:
            raise UserError(f"capture set {folder} has no manifest.json") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise UserError(f"capture set {folder}: manifest.json is not readable: {exc}") from None
    else:
        names = sorted(sources.REGISTRY)
    names = [n for n in names if not source or n in source]
    if db is not None and db.parent and not db.parent.is_dir():
        raise UserError(f"folder of --db {db} does not exist")
    if not (offline or dev_key):
        require_signing_key()
    with Progress(
        TextColumn("{task.description:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[last]}"),
        console=err,
        transient=False,
    ) as bar:
        fetching = bar.add_task("fetching", total=len(names), last="")
        loading = bar.add_task("loading", total=len(names), last="")
        fixing = bar.add_task("fix+publish", total=2, last="")
        task = {"fetched": fetching, "loaded": loading, "fixed": fixing, "published": fixing}

        def step(what: str, name: str) -> None:
            bar.update(task[what], advance=1, last=name)

        report = run_pipeline(
            offline=offline,
            at=when,
            db=db,
            capture_set_dir=folder,
            only=source or None,
            methodology_version=m.version,
            progress=step,
            dev_key=dev_key,
        )
    records = [public_record(fixing_row(f)) for f in report.fixings]
    outcomes = [
        {
            "source": o.source,
            "status": "ok" if o.error is None and not o.gate_failures else "error",
            "captures": len(o.captures),
            "quotes": o.loaded_quotes,
            "rejections": o.rejections,
            "error": o.error.reason if o.error else ("quality gate failed" if o.gate_failures else None),
        }
        for o in report.outcomes
    ]
    if fmt is Output.json:
        write_json(
            {
                "fixing_date": report.fixing_date.isoformat(),
                "sources": outcomes,
                "fixings": records,
                "publication": [str(p) for p in report.publication],
            }
        )
        return
    width = max((len(o.source) for o in report.outcomes), default=0)
    for o in outcomes:
        err.print(
            f"{o['source']:<{width}} {o['status']:<5} captures={o['captures']} quotes={o['quotes']} "
            f"rejections={o['rejections']} {o['error'] or ''}",
            style="dim",
            markup=False,
            highlight=False,
        )
    print_fixings(records, Format.table, title=f"Fixings {report.fixing_date}")
    err.print(f"published: {', '.join(str(p) for p in report.publication)}", style="dim", markup=False, soft_wrap=True)


@app.command()
def parse(
    source: Annotated[str, typer.Argument(help="Source name (see `cix sources`).")],
    file: Annotated[Path, typer.Argument(help="A captured response body.")],
    rejections: Annotated[bool, typer.Option("--rejections", help="Print rejections instead of quotes.")] = False,
    at: Annotated[str | None, typer.Option(help="Observation time (default: the file's mtime, UTC).")] = None,
) -> None:
    """Parse one captured response and print its normalised quotes (or rejections) as JSON lines."""
    from pipeline import sources
    from pipeline.domain.records import RawCapture, plain
    from pipeline.domain.serialise import iso
    from pipeline.flow.parse import parse_capture
    from pipeline.methodology import load

    try:
        max_bytes = sources.get(source).max_bytes
    except KeyError as exc:
        raise UserError(str(exc.args[0])) from None
    body = capture_file(file, max_bytes)
    observed = parse_time(at, "--at") or datetime.fromtimestamp(file.stat().st_mtime, UTC)
    capture = RawCapture(source=source, url=f"file://{file.resolve()}", fetched_at=observed, body=body)
    try:
        quotes, rejected = parse_capture(capture, load().bounds)
    except sources.SourceError as exc:
        raise UserError(f"{file} is not readable as {source}: {exc.kind}: {exc.reason}") from None
    except Exception as exc:  # any parser failure on a hostile body is the body's problem, told in one line
        raise UserError(f"{file} is not readable as {source}: {type(exc).__name__}: {exc}") from None
    frame = rejected if rejections else quotes
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
                gpu_count=row["gpu_count"],
                price_usd=plain(row["price_usd"]),
                price_native=plain(row["price_native"]),
                provider_class=row["provider_class"],
                input_tier=row["input_tier"],
            )
        out.write(json.dumps(record) + "\n")


@app.command()
def backfill(
    archive: Annotated[list[str] | None, typer.Option("--archive", help="Only these archives (default: all).")] = None,
    realdata: Annotated[Path | None, typer.Option(help="Archive root (default: $CIX_REALDATA).")] = None,
    publish: Annotated[bool, typer.Option("--publish/--no-publish", help="Write signed daily files.")] = True,
    db: DbOption = None,
    fmt: Annotated[Output, typer.Option("--format", help="table (text) or json.")] = Output.table,
) -> None:
    """Load dated archives at their own observation times and compute the fixings of every day they cover."""
    from pipeline.capture import CaptureStore
    from pipeline.config import paths, realdata_dir
    from pipeline.flow.backfill import archives
    from pipeline.flow.backfill import backfill as run_backfill
    from pipeline.flow.parse_cache import ParseCache
    from pipeline.methodology import load

    known = {a.name for a in archives()}
    unknown = sorted(set(archive or []) - known)
    if unknown:
        raise UserError(f"unknown archive {', '.join(unknown)}; {known_names(sorted(known), 30)}")
    root = existing_dir(realdata or realdata_dir(), "archive root (--realdata / $CIX_REALDATA)")
    where = paths()
    with open_warehouse(db, read_only=False) as w:
        report = run_backfill(
            w,
            CaptureStore.of(where),
            root,
            load(),
            only=archive,
            progress=fmt is Output.table,
            publish_root=where.publish if publish else None,
            home=where.home,
            cache=ParseCache(where.parse_cache),
        )
        table = w.history_summary()
    if fmt is Output.json:
        write_json({**asdict(report), "history": table.to_dicts()})
        return
    for problem in report.errors:
        err.print(problem, style="yellow", markup=False)
    console.print(
        f"{report.captures} archive files, {report.loaded_quotes} quotes; {report.days} days "
        f"{report.first_day} .. {report.last_day}: {report.published} published, {report.indicative} indicative, "
        f"{report.withheld} withheld"
    )
    out = Table(title="Index history")
    for column in table.columns:
        out.add_column(column)
    for row in table.iter_rows():
        out.add_row(*(str(v) if v is not None else "-" for v in row))
    console.print(out)
