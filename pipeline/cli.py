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
    methodology: Annotated[str | None, typer.Option(help="Methodology version (default: current).")] = None,
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
        methodology_version=methodology,
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
    methodology: Annotated[str | None, typer.Option(help="Methodology version (default: current).")] = None,
    db: DbOption = None,
) -> None:
    """Show the current revision of each fixing for a date."""
    from pipeline.config import paths
    from pipeline.methodology import CURRENT
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
        records = fixing_records(w.fixings(wanted, version=methodology or CURRENT))
    if not records:
        err.print(f"[yellow]no fixings for {wanted}[/yellow]")
        raise typer.Exit(1)
    _print_fixings(records, fmt, title=f"Fixings {wanted}")


@app.command()
def backfill(
    archive: Annotated[list[str] | None, typer.Option("--archive", help="Only these archives (default: all).")] = None,
    realdata: Annotated[Path | None, typer.Option(help="Archive root (default: $CIX_REALDATA).")] = None,
    publish: Annotated[bool, typer.Option("--publish/--no-publish", help="Write signed daily files.")] = True,
    db: DbOption = None,
) -> None:
    """Load dated archives at their own observation times and compute the fixings of every day they cover."""
    from pipeline.backfill import backfill as run_backfill
    from pipeline.backfill import summary
    from pipeline.capture import CaptureStore
    from pipeline.config import paths, realdata_dir
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
        table = summary(w)
    for problem in report.errors or []:
        err.print(f"[yellow]{problem}[/yellow]")
    console.print(
        f"{report.captures} archive files, {report.loaded_quotes} quotes; {report.days} days "
        f"{report.first_day} .. {report.last_day}: {report.published} published, {report.withheld} withheld"
    )
    out = Table(title="Index history")
    for column in table.columns:
        out.add_column(column)
    for row in table.iter_rows():
        out.add_row(*(str(v) if v is not None else "-" for v in row))
    console.print(out)


def _warehouse(db: Path | None, read_only: bool = True) -> Any:
    from pipeline.config import paths
    from pipeline.store import Warehouse

    path = db or paths().db
    if not path.exists():
        err.print(f"[red]no warehouse at {path}; run `cix run` first[/red]")
        raise typer.Exit(1)
    return Warehouse(path, read_only=read_only)


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

    with _warehouse(db) as w:
        try:
            doc = explain_fixing(w, index, date.fromisoformat(day), methodology, revision)
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

    with _warehouse(db) as w:
        report = verify_all(w, CaptureStore(paths().captures))
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
    from pipeline.methodology import CURRENT

    when = _parse_time(timestamp)
    with _warehouse(db) as w:
        rows = w.fixings(date.fromisoformat(day), as_of=when, version=methodology or CURRENT, code=index)
    if rows.height == 0:
        err.print(f"[yellow]nothing was known about {index} {day} at {timestamp}[/yellow]")
        raise typer.Exit(1)
    r = rows.row(0, named=True)
    sys.stdout.write(
        json.dumps(
            {
                "index_code": index,
                "fixing_date": day,
                "as_of": _iso(when),
                "status": r["status"],
                "value": None if r["value"] is None else format(r["value"].normalize(), "f"),
                "revision": r["revision"],
                "recorded_at": _iso(r["recorded_at"]),
                "methodology_version": r["methodology_version"],
            }
        )
        + "\n"
    )


@app.command()
def revisions(
    index: Annotated[str, typer.Argument()],
    day: Annotated[str, typer.Argument(help="Fixing date YYYY-MM-DD.")],
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
    db: DbOption = None,
) -> None:
    """Every revision of a fixing, with when and why it was recorded."""
    with _warehouse(db) as w:
        rows = w.revisions(index, date.fromisoformat(day))
    records = [
        {
            "methodology_version": r["methodology_version"],
            "revision": r["revision"],
            "status": r["status"],
            "value": None if r["value"] is None else format(r["value"].normalize(), "f"),
            "recorded_at": _iso(r["recorded_at"]),
            "reason": r["reason"],
        }
        for r in rows.iter_rows(named=True)
    ]
    if not records:
        err.print(f"[yellow]no fixing for {index} {day}[/yellow]")
        raise typer.Exit(1)
    if fmt is not Format.table:
        for r in records:
            sys.stdout.write(json.dumps(r) + "\n")
        return
    table = Table(title=f"{index} {day}")
    for column in records[0]:
        table.add_column(column)
    for r in records:
        table.add_row(*(str(v) if v is not None else "-" for v in r.values()))
    console.print(table)


@app.command()
def restate(
    index: Annotated[str, typer.Argument()],
    day: Annotated[str, typer.Argument(help="Fixing date YYYY-MM-DD.")],
    reason: Annotated[str, typer.Option(help="Why the fixing is corrected (kept with the revision).")],
    db: DbOption = None,
) -> None:
    """Administrator's correction: recompute from what is stored now and record a new revision, then republish."""
    from pipeline.config import paths
    from pipeline.methodology import load
    from pipeline.run import fix, publish

    wanted = date.fromisoformat(day)
    with _warehouse(db, read_only=False) as w:
        fix(wanted, w, load(), recorded_at=datetime.now(UTC), reason=reason, force=True, codes=[index])
        publish(wanted, w, paths().publish, load().version)
        current = w.fixings(wanted, code=index).row(0, named=True)
    console.print(
        f"{index} {day}: revision {current['revision']} {current['status']} "
        f"{format(current['value'], 'f') if current['value'] is not None else '-'}"
    )


@app.command()
def simulate(
    index: Annotated[str, typer.Argument()],
    quotes: Annotated[Path, typer.Option("--quotes", exists=True, dir_okay=False, help="JSON lines (cix parse).")],
    at: Annotated[str, typer.Option(help="Fixing time, ISO with zone.")],
    methodology: Annotated[str | None, typer.Option(help="Methodology version.")] = None,
) -> None:
    """What-if: the fixing the daily code would compute from these quotes. Touches no warehouse."""
    from pipeline.audit import quotes_from_jsonl
    from pipeline.audit import simulate as simulate_fixing

    when = _parse_time(at)
    assert when is not None
    try:
        doc = simulate_fixing(index, quotes_from_jsonl(quotes), when, methodology)
    except (KeyError, ValueError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    sys.stdout.write(json.dumps(doc, indent=2, default=str) + "\n")


@app.command()
def settle(
    contract: Annotated[str, typer.Argument(help="Contract code, e.g. CIXF-H100-OD-HYP.")],
    period: Annotated[str, typer.Argument(help="Contract month YYYY-MM.")],
    methodology: Annotated[str | None, typer.Option(help="Methodology version of the fixings.")] = None,
    db: DbOption = None,
) -> None:
    """Final settlement price of a monthly average-price contract, with its evidence; stored in `settlement`."""
    import re

    from pipeline.methodology import CURRENT
    from pipeline.settle import contract as contract_spec
    from pipeline.settle import settle_from_warehouse, settlement_document

    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
        raise typer.BadParameter("period must be YYYY-MM")
    try:
        spec = contract_spec(contract)
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0])) from None
    version = methodology or CURRENT
    with _warehouse(db, read_only=False) as w:
        result = settle_from_warehouse(w, contract, period, version)
        now = datetime.now(UTC)
        doc = settlement_document(result)
        revision = w.store_settlement(doc, spec.index, version, now)
    sys.stdout.write(json.dumps({**doc, "revision": revision, "index_code": spec.index}, indent=2) + "\n")
    if result.status != "settled":
        err.print(f"[yellow]{contract} {period}: no settlement price ({', '.join(result.flags)})[/yellow]")
        raise typer.Exit(3)


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
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    db: DbOption = None,
) -> None:
    """Serve the read-only HTTP API (OpenAPI at /docs and /openapi.json)."""
    import uvicorn

    from pipeline.api import create_app
    from pipeline.config import paths

    where = paths()
    uvicorn.run(create_app(db or where.db, where.publish), host=host, port=port, log_level="info")


@app.command()
def report(
    out: Annotated[Path, typer.Option("--out", help="HTML file to write.")],
    index: Annotated[str | None, typer.Option(help="Index to chart (default: the longest published).")] = None,
    day: Annotated[str | None, typer.Option("--date", help="Fixing day for the provider chart.")] = None,
    db: DbOption = None,
) -> None:
    """Write a self-contained HTML report (history with dispersion band, provider values, rejection reasons)."""
    from pipeline.report import write_report

    with _warehouse(db) as w:
        path = write_report(w, out, index, date.fromisoformat(day) if day else None)
    console.print(f"wrote {path}")


if __name__ == "__main__":
    app()
