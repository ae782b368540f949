"""What every `cix` command shares: the app, consoles, output formats, argument parsing, the warehouse."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from pipeline.store import Warehouse

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Compute Index: AI compute price benchmark.")
# Tables stay readable when piped (rich would otherwise wrap to 80 columns).
console = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


DbOption = Annotated[Path | None, typer.Option("--db", help="DuckDB file (default: $CIX_HOME/cix.duckdb).")]


def parse_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        raise typer.BadParameter("timestamps must carry a timezone, e.g. 2026-08-03T15:30:00Z")
    return dt.astimezone(UTC)


def parse_day(value: str) -> date:
    return date.fromisoformat(value)


def open_warehouse(db: Path | None, read_only: bool = True) -> Warehouse:
    from pipeline.config import paths

    path = db or paths().db
    if not path.exists():
        err.print(f"[red]no warehouse at {path}; run `cix run` first[/red]")
        raise typer.Exit(1)
    return Warehouse(path, read_only=read_only)


def print_records(records: list[dict[str, Any]], fmt: Format, title: str) -> None:
    """Records as JSON lines, CSV, or a table of their own columns."""
    if fmt is Format.json:
        for r in records:
            sys.stdout.write(json.dumps(r, sort_keys=True, default=str) + "\n")
        return
    if fmt is Format.csv:
        import csv

        columns = list(records[0]) if records else []
        writer = csv.DictWriter(sys.stdout, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for r in records:
            writer.writerow({k: (";".join(v) if isinstance(v, list) else v) for k, v in r.items()})
        return
    table = Table(title=title)
    for column in records[0] if records else []:
        table.add_column(column)
    for r in records:
        table.add_row(*(str(v) if v is not None else "-" for v in r.values()))
    console.print(table)


def print_fixings(records: list[dict[str, Any]], fmt: Format, title: str = "Fixings") -> None:
    if fmt is not Format.table:
        print_records(records, fmt, title)
        return
    table = Table(title=title)
    for column in ("index", "status", "value", "unit", "providers", "gates / flags"):
        table.add_column(
            column, justify="right" if column in ("value", "providers") else "left", no_wrap=column != "gates / flags"
        )
    for r in records:
        failed, indicative = r.get("failed_gates") or [], r.get("indicative_gates") or []
        note = ", ".join(r.get("flags") or [])
        if indicative:
            note = "indicative: " + ", ".join(indicative) + (f"; {note}" if note else "")
        if failed:
            note = "withheld: " + ", ".join(failed)
        style = {"published": "green", "indicative": "cyan"}.get(r["status"], "yellow")
        table.add_row(
            r["index_code"],
            f"[{style}]{r['status']}[/{style}]",
            r["value"] or "-",
            f"{r['currency']}/{r['unit']}",
            str(r["n_providers"]),
            note,
        )
    console.print(table)
    counts = {s: sum(1 for r in records if r["status"] == s) for s in ("published", "indicative", "withheld")}
    console.print(", ".join(f"{n} {s}" for s, n in counts.items()))
