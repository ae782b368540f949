"""`cix fixings`, `explain`, `as-of`, `revisions`, `verify`, `verify-publication`, `report`: reading what was fixed."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from pipeline.face.cli.common import (
    DbOption,
    Format,
    app,
    console,
    err,
    open_warehouse,
    parse_day,
    parse_time,
    print_fixings,
    print_records,
)


@app.command()
def fixings(
    day: Annotated[str | None, typer.Option("--date", help="Fixing date YYYY-MM-DD (default: latest).")] = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
    methodology: Annotated[str | None, typer.Option(help="Methodology version (default: current).")] = None,
    db: DbOption = None,
) -> None:
    """Show the current revision of each fixing for a date."""
    from pipeline.methodology import CURRENT
    from pipeline.publish import fixing_records

    with open_warehouse(db) as w:
        wanted = parse_day(day) if day else w.latest_fixing_date()
        if wanted is None:
            err.print("[yellow]no fixings yet[/yellow]")
            raise typer.Exit(1)
        records = fixing_records(w.fixings(wanted, version=methodology or CURRENT))
    if not records:
        err.print(f"[yellow]no fixings for {wanted}[/yellow]")
        raise typer.Exit(1)
    print_fixings(records, fmt, title=f"Fixings {wanted}")


@app.command()
def explain(
    index: Annotated[str, typer.Argument(help="Index code, e.g. CIX-H100-OD-HYP.")],
    day: Annotated[str, typer.Argument(help="Fixing date YYYY-MM-DD.")],
    revision: Annotated[int | None, typer.Option(help="A specific revision (default: the one in force).")] = None,
    methodology: Annotated[str | None, typer.Option(help="Methodology version.")] = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
    db: DbOption = None,
) -> None:
    """The whole derivation of a fixing: captures, quotes, rejections, provider values, weights, arithmetic."""
    from pipeline.audit import explain as explain_fixing
    from pipeline.audit import render_explain

    with open_warehouse(db) as w:
        try:
            doc = explain_fixing(w, index, parse_day(day), methodology, revision)
        except KeyError as exc:
            err.print(f"[red]{exc.args[0]}[/red]")
            raise typer.Exit(1) from None
    if fmt is Format.json:
        sys.stdout.write(json.dumps(doc, indent=2, default=str) + "\n")
    else:
        sys.stdout.write(render_explain(doc) + "\n")


@app.command()
def verify(db: DbOption = None) -> None:
    """Recompute every stored fixing from the raw captures under its methodology; non-zero exit on any mismatch."""
    from pipeline.audit import verify as verify_all
    from pipeline.capture import CaptureStore
    from pipeline.config import paths

    with open_warehouse(db) as w:
        report = verify_all(w, CaptureStore(paths().captures))
    for note in report.code_changes:
        err.print(f"[yellow]CODE CHANGE[/yellow] {note}")
    for problem in report.problems:
        err.print(f"[red]MISMATCH[/red] {problem}")
    console.print(
        f"checked {report.checked_captures} captures and {report.checked_fixings} fixing revisions: "
        + ("all reproduce" if report.ok else f"{len(report.problems)} problem(s)")
    )
    if not report.ok:
        raise typer.Exit(1)


@app.command("as-of")
def as_of(
    index: Annotated[str, typer.Argument()],
    day: Annotated[str, typer.Argument(help="Fixing date YYYY-MM-DD.")],
    timestamp: Annotated[str, typer.Argument(help="Knowledge time, ISO with zone.")],
    methodology: Annotated[str | None, typer.Option(help="Methodology version.")] = None,
    db: DbOption = None,
) -> None:
    """What was known about a fixing at a given time (bitemporal read)."""
    from pipeline.domain.serialise import iso, revision_record
    from pipeline.methodology import CURRENT

    when = parse_time(timestamp)
    with open_warehouse(db) as w:
        rows = w.fixings(parse_day(day), as_of=when, version=methodology or CURRENT, code=index)
    if rows.height == 0:
        err.print(f"[yellow]nothing was known about {index} {day} at {timestamp}[/yellow]")
        raise typer.Exit(1)
    record = {"index_code": index, "fixing_date": day, "as_of": iso(when), **revision_record(rows.row(0, named=True))}
    sys.stdout.write(json.dumps(record) + "\n")


@app.command()
def revisions(
    index: Annotated[str, typer.Argument()],
    day: Annotated[str, typer.Argument(help="Fixing date YYYY-MM-DD.")],
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
    db: DbOption = None,
) -> None:
    """Every revision of a fixing, with when and why it was recorded."""
    from pipeline.domain.serialise import revision_record

    with open_warehouse(db) as w:
        rows = w.revisions(index, parse_day(day))
    records = [revision_record(r) for r in rows.iter_rows(named=True)]
    if not records:
        err.print(f"[yellow]no fixing for {index} {day}[/yellow]")
        raise typer.Exit(1)
    print_records(records, fmt if fmt is not Format.csv else Format.json, title=f"{index} {day}")


@app.command("verify-publication")
def verify_publication(
    folder: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="publish/<date> folder.")],
    public_key: Annotated[Path, typer.Option("--public-key", exists=True, dir_okay=False, help="Ed25519 PEM.")],
) -> None:
    """Check a publication folder: signature, every file's sha256, nothing missing or added."""
    from pipeline.publish import verify_publication as check

    problems = check(folder, public_key.read_bytes())
    for p in problems:
        err.print(f"[red]FAIL[/red] {p}")
    if problems:
        raise typer.Exit(1)
    console.print(
        f"{folder}: signature and {len(json.loads((folder / 'manifest.json').read_text())['files'])} files verified"
    )


@app.command()
def report(
    out: Annotated[Path, typer.Option("--out", help="HTML file to write.")],
    index: Annotated[str | None, typer.Option(help="Index to chart (default: the longest published).")] = None,
    day: Annotated[str | None, typer.Option("--date", help="Fixing day for the provider chart.")] = None,
    db: DbOption = None,
) -> None:
    """Write a self-contained HTML report (history with dispersion band, provider values, rejection reasons)."""
    from pipeline.face.report import write_report

    with open_warehouse(db) as w:
        path = write_report(w, out, index, parse_day(day) if day else None)
    console.print(f"wrote {path}")
