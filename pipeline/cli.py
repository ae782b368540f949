"""`cix`: the command line. Thin: every command calls the same pipeline functions the DAGs use."""

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

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Compute Index: AI compute price benchmark.")
# Tables stay readable when piped (rich would otherwise wrap to 80 columns).
console = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def _parse_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        raise typer.BadParameter("timestamps must carry a timezone, e.g. 2026-08-03T15:30:00Z")
    return dt.astimezone(UTC)


def _iso(dt: datetime | None) -> str | None:
    return None if dt is None else dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


DbOption = Annotated[Path | None, typer.Option("--db", help="DuckDB file (default: $CIX_HOME/cix.duckdb).")]


@app.command()
def run(
    offline: Annotated[bool, typer.Option("--offline/--live", help="Replay bundled captures, or scrape live.")] = True,
    at: Annotated[str | None, typer.Option(help="Run as of this ISO timestamp (UTC).")] = None,
    db: DbOption = None,
    capture_set: Annotated[Path | None, typer.Option(help="Offline capture set folder (manifest.json).")] = None,
    source: Annotated[list[str] | None, typer.Option("--source", help="Only these sources.")] = None,
) -> None:
    """Capture -> normalise -> quality gate -> load -> fix -> publish, and print the fixings."""
    from pipeline.run import DEFAULT_SAMPLE_SET
    from pipeline.run import run as run_pipeline

    report = run_pipeline(
        offline=offline,
        at=_parse_time(at),
        db=db,
        capture_set_dir=capture_set or DEFAULT_SAMPLE_SET,
        only=source or None,
    )
    for o in report.outcomes:
        status = "ok" if o.error is None and not o.gate_failures else "ERROR"
        detail = o.error.reason if o.error else ("quality gate failed" if o.gate_failures else "")
        err.print(
            f"[dim]{o.source:<14} {status:<5} captures={len(o.captures)} quotes={o.loaded_quotes} "
            f"rejections={o.rejections} {detail}[/dim]"
        )
    _print_fixings([_fixing_record(f) for f in report.fixings], Format.table, title=f"Fixings {report.fixing_date}")
    err.print(f"[dim]published: {', '.join(str(p) for p in report.publication)}[/dim]")


def _fixing_record(f: Any) -> dict[str, Any]:
    return {
        "index_code": f.index_code,
        "fixing_date": f.fixing_date.isoformat(),
        "status": f.status,
        "value": None if f.value is None else format(f.value, "f"),
        "unit": f.unit,
        "currency": f.currency,
        "n_providers": f.n_providers,
        "flags": list(f.flags),
        "failed_gates": f.gates.get("failed", []),
    }


def _print_fixings(records: list[dict[str, Any]], fmt: Format, title: str = "Fixings") -> None:
    if fmt is Format.json:
        for r in records:
            sys.stdout.write(json.dumps(r, sort_keys=True) + "\n")
        return
    if fmt is Format.csv:
        import csv

        columns = list(records[0]) if records else ["index_code"]
        writer = csv.DictWriter(sys.stdout, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for r in records:
            writer.writerow({k: (";".join(v) if isinstance(v, list) else v) for k, v in r.items()})
        return
    table = Table(title=title)
    for column in ("index", "status", "value", "unit", "providers", "gates / flags"):
        table.add_column(
            column, justify="right" if column in ("value", "providers") else "left", no_wrap=column != "gates / flags"
        )
    for r in records:
        failed = r.get("failed_gates") or []
        note = ("withheld: " + ", ".join(failed)) if failed else ", ".join(r.get("flags") or [])
        style = "green" if r["status"] == "published" else "yellow"
        table.add_row(
            r["index_code"],
            f"[{style}]{r['status']}[/{style}]",
            r["value"] or "-",
            f"{r['currency']}/{r['unit']}",
            str(r["n_providers"]),
            note,
        )
    console.print(table)
    published = sum(1 for r in records if r["status"] == "published")
    console.print(f"{published} published, {len(records) - published} withheld")


@app.command()
def parse(
    source: Annotated[str, typer.Argument(help="Source name (see `cix sources`).")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A captured response body.")],
    rejections: Annotated[bool, typer.Option("--rejections", help="Print rejections instead of quotes.")] = False,
    at: Annotated[str | None, typer.Option(help="Observation time (default: the file's mtime, UTC).")] = None,
) -> None:
    """Parse one captured response and print its normalised quotes (or rejections) as JSON lines."""
    from pipeline import sources
    from pipeline.methodology import load
    from pipeline.models import RawCapture, plain
    from pipeline.normalize import normalise

    try:
        spec = sources.get(source)
    except KeyError as exc:
        raise typer.BadParameter(str(exc)) from None
    observed = _parse_time(at) or datetime.fromtimestamp(file.stat().st_mtime, UTC)
    capture = RawCapture(source=source, url=f"file://{file.resolve()}", fetched_at=observed, body=file.read_bytes())
    try:
        quotes, rejected = normalise(spec.parse(capture), capture, bounds=load().bounds)
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
            "observed_at": _iso(row["observed_at"]),
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
    from pipeline.sources import REGISTRY

    health = _source_health(db)
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
                "last_capture": h.get("last_capture"),
                "last_error": h.get("last_error"),
            }
        )
    if fmt is Format.json:
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


def _source_health(db: Path | None) -> dict[str, dict[str, Any]]:
    from pipeline.config import paths

    path = db or paths().db
    if not path.exists():
        return {}
    from pipeline.store import Warehouse

    with Warehouse(path, read_only=True) as w:
        frame = w.frame("SELECT source, max(fetched_at) AS last_capture FROM raw_capture GROUP BY source")
        errors = w.frame(
            "SELECT source, arg_max(error_kind || ': ' || error, started_at) AS last_error "
            "FROM source_run WHERE status = 'error' GROUP BY source"
        )
    out: dict[str, dict[str, Any]] = {}
    for row in frame.iter_rows(named=True):
        out.setdefault(row["source"], {})["last_capture"] = _iso(row["last_capture"])
    for row in errors.iter_rows(named=True):
        out.setdefault(row["source"], {})["last_error"] = row["last_error"]
    return out


@app.command()
def fixings(
    day: Annotated[str | None, typer.Option("--date", help="Fixing date YYYY-MM-DD (default: latest).")] = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
    db: DbOption = None,
) -> None:
    """Show the current revision of each fixing for a date."""
    from pipeline.config import paths
    from pipeline.publish import fixing_records
    from pipeline.store import Warehouse

    path = db or paths().db
    if not path.exists():
        err.print(f"[red]no warehouse at {path}; run `cix run` first[/red]")
        raise typer.Exit(1)
    with Warehouse(path, read_only=True) as w:
        wanted = date.fromisoformat(day) if day else w.latest_fixing_date()
        if wanted is None:
            err.print("[yellow]no fixings yet[/yellow]")
            raise typer.Exit(1)
        records = fixing_records(w.fixings(wanted))
    if not records:
        err.print(f"[yellow]no fixings for {wanted}[/yellow]")
        raise typer.Exit(1)
    _print_fixings(records, fmt, title=f"Fixings {wanted}")


if __name__ == "__main__":
    app()
