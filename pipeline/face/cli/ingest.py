"""`cix run`, `sources`, `backfill`: getting prices in (`cix parse`: `parsing.py`)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

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
    write_json,
)
from pipeline.face.cli.common import known as known_names
from pipeline.face.cli.lake import DevKeyOption, require_signing_key


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
    gates = {f.index_code: f.gates for f in report.fixings}
    print_fixings(records, Format.table, title=f"Fixings {report.fixing_date}", gates=gates)
    err.print(f"published: {', '.join(str(p) for p in report.publication)}", style="dim", markup=False, soft_wrap=True)


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
