"""`cix run`, `parse`, `sources`, `backfill`: getting prices in."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from pipeline.face.cli.common import DbOption, Format, app, console, err, parse_time, print_fixings


@app.command()
def run(
    offline: Annotated[bool, typer.Option("--offline/--live", help="Replay bundled captures, or scrape live.")] = True,
    at: Annotated[str | None, typer.Option(help="Run as of this ISO timestamp (UTC).")] = None,
    db: DbOption = None,
    capture_set: Annotated[Path | None, typer.Option(help="Offline capture set folder (manifest.json).")] = None,
    source: Annotated[list[str] | None, typer.Option("--source", help="Only these sources.")] = None,
    methodology: Annotated[str | None, typer.Option(help="Methodology version (default: current).")] = None,
) -> None:
    """Capture -> normalise -> quality gate -> load -> fix -> publish, and print the fixings."""
    from pipeline.domain.serialise import fixing_row, public_record
    from pipeline.flow.daily import DEFAULT_SAMPLE_SET
    from pipeline.flow.daily import run as run_pipeline

    report = run_pipeline(
        offline=offline,
        at=parse_time(at),
        db=db,
        capture_set_dir=capture_set or DEFAULT_SAMPLE_SET,
        only=source or None,
        methodology_version=methodology,
    )
    for o in report.outcomes:
        status = "ok" if o.error is None and not o.gate_failures else "ERROR"
        detail = o.error.reason if o.error else ("quality gate failed" if o.gate_failures else "")
        err.print(
            f"[dim]{o.source:<14} {status:<5} captures={len(o.captures)} quotes={o.loaded_quotes} "
            f"rejections={o.rejections} {detail}[/dim]"
        )
    records = [public_record(fixing_row(f)) for f in report.fixings]
    print_fixings(records, Format.table, title=f"Fixings {report.fixing_date}")
    err.print(f"[dim]published: {', '.join(str(p) for p in report.publication)}[/dim]")


@app.command()
def parse(
    source: Annotated[str, typer.Argument(help="Source name (see `cix sources`).")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A captured response body.")],
    rejections: Annotated[bool, typer.Option("--rejections", help="Print rejections instead of quotes.")] = False,
    at: Annotated[str | None, typer.Option(help="Observation time (default: the file's mtime, UTC).")] = None,
) -> None:
    """Parse one captured response and print its normalised quotes (or rejections) as JSON lines."""
    from pipeline import sources
    from pipeline.domain.records import RawCapture, plain
    from pipeline.domain.serialise import iso
    from pipeline.flow.ingest import parse_capture
    from pipeline.methodology import load

    try:
        sources.get(source)
    except KeyError as exc:
        raise typer.BadParameter(str(exc)) from None
    observed = parse_time(at) or datetime.fromtimestamp(file.stat().st_mtime, UTC)
    capture = RawCapture(source=source, url=f"file://{file.resolve()}", fetched_at=observed, body=file.read_bytes())
    try:
        quotes, rejected = parse_capture(capture, load().bounds)
    except sources.SourceError as exc:
        err.print(f"[red]{source}: {exc.kind}: {exc.reason}[/red]")
        raise typer.Exit(2) from None
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


@app.command("sources")
def list_sources(
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
    db: DbOption = None,
) -> None:
    """List every source: product, allowed hosts, providers, last capture and last error."""
    from pipeline.config import paths
    from pipeline.domain.serialise import iso
    from pipeline.sources import REGISTRY
    from pipeline.store import Warehouse

    path = db or paths().db
    health: dict[str, dict[str, Any]] = {}
    if path.exists():
        with Warehouse(path, read_only=True) as w:
            health = {r["source"]: r for r in w.source_health().iter_rows(named=True)}
    rows: list[dict[str, Any]] = []
    for s in REGISTRY.values():
        h = health.get(s.name, {})
        rows.append(
            {
                "source": s.name,
                "product": s.product,
                "hosts": list(s.hosts),
                "providers": list(s.providers),
                "description": s.description,
                "last_capture": iso(h.get("last_capture")),
                "last_error": h.get("last_error"),
            }
        )
    if fmt is not Format.table:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    table = Table(title="Sources")
    for column in ("source", "product", "hosts", "providers", "last capture", "last error"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r["source"],
            r["product"],
            ", ".join(r["hosts"]),
            ", ".join(r["providers"]) or "(per entry)",
            r["last_capture"] or "-",
            r["last_error"] or "-",
        )
    console.print(table)


@app.command()
def backfill(
    archive: Annotated[list[str] | None, typer.Option("--archive", help="Only these archives (default: all).")] = None,
    realdata: Annotated[Path | None, typer.Option(help="Archive root (default: $CIX_REALDATA).")] = None,
    publish: Annotated[bool, typer.Option("--publish/--no-publish", help="Write signed daily files.")] = True,
    db: DbOption = None,
) -> None:
    """Load dated archives at their own observation times and compute the fixings of every day they cover."""
    from pipeline.capture import CaptureStore
    from pipeline.config import paths, realdata_dir
    from pipeline.flow.backfill import backfill as run_backfill
    from pipeline.methodology import load
    from pipeline.store import Warehouse

    where = paths()
    with Warehouse(db or where.db) as w:
        report = run_backfill(
            w,
            CaptureStore(where.captures),
            realdata or realdata_dir(),
            load(),
            only=archive,
            publish_root=where.publish if publish else None,
            home=where.home,
        )
        table = w.history_summary()
    for problem in report.errors:
        err.print(f"[yellow]{problem}[/yellow]")
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
