"""`cix sources`: every source and its state, and the coverage of the last run per index (firms, class, segment,
tier); `cix alerts`: what the operators were told; `cix staged`: the batches a run left in staging.

A coverage gap shows here before it withholds a fixing: an index with fewer independent firms than the
settlement threshold can only be indicative, and below the minimum it is withheld.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from pipeline.face.cli.common import DbOption, Format, app, console, open_warehouse, parse_time, print_records


@app.command("sources")
def list_sources(
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
    db: DbOption = None,
) -> None:
    """List every source (product, hosts, providers, last capture and error) and, per index, the independent
    firms of the last run with each one's class, segment and input tier."""
    from pipeline.audit.coverage import IndexCoverage, coverage
    from pipeline.domain.serialise import iso
    from pipeline.methodology import load
    from pipeline.sources import REGISTRY
    from pipeline.store import Lake, default_lake

    lake = Lake.embedded(db) if db else default_lake()
    health: dict[str, dict[str, Any]] = {}
    covered: list[IndexCoverage] = []
    if lake.exists():
        with open_warehouse(db) as w:
            health = {r["source"]: r for r in w.source_health().iter_rows(named=True)}
            covered = coverage(w, load())
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
                "down_since": iso(h.get("down_since")),  # its latest attempt failed
                "failed_attempts": h.get("failed_attempts") or 0,  # since its last success
                "last_error": h.get("last_error"),
                "last_error_at": iso(h.get("last_error_at")),
            }
        )
    if fmt is Format.json:
        doc = {"sources": rows, "coverage": [c.to_json() for c in covered]}
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        return
    if fmt is Format.csv:
        print_records(rows, fmt, "Sources")
        return
    table = Table(title="Sources")
    for column in ("source", "product", "hosts", "providers", "last capture", "state", "last error"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r["source"],
            r["product"],
            ", ".join(r["hosts"]),
            ", ".join(r["providers"]) or "(per entry)",
            r["last_capture"] or "-",
            _state(r),
            escape(f"{r['last_error_at']}: {r['last_error']}") if r["last_error"] else "-",
        )
    console.print(table)
    if covered:
        console.print(_coverage_table(covered))


def _state(r: dict[str, Any]) -> str:
    """`down since <time> (<n> failed attempts)` in red when its latest attempt failed; `ok` after a success."""
    if r["down_since"]:
        return f"[red]down since {r['down_since']} ({r['failed_attempts']} failed attempts)[/red]"
    return "ok" if r["last_capture"] or r["last_error"] else "-"


def _firm_text(f: Any) -> str:
    """`nebius (neocloud, standard, statistic via primeintellect)`, with the screen's verdict when not counted."""
    parts = [f.firm_class or "unregistered", *f.segments, "/".join(f.tiers)]
    text = f"{f.firm} ({', '.join(p for p in parts if p)}{' via ' + '/'.join(f.via) if f.via else ''})"
    if f.verdict != "counted":
        text += f" [{f.verdict}]"
    if f.feeds_disagree:
        text += f" [feeds disagree: {', '.join(f'{s} {v}' for s, v in f.feeds.items())}]"
    return text


def _coverage_table(covered: list[Any]) -> Table:
    day = covered[0].fixing_date
    settle = covered[0].settlement
    title = f"Coverage of the last run ({day}): independent firms per index"
    if settle is not None:
        title += f"; {covered[0].required} to publish, {settle} for settlement status"
    table = Table(title=title)
    for column in ("index", "status", "firms", "counted", "firms: class, segment, tier"):
        table.add_column(column, overflow="fold")
    for c in covered:
        gap = settle is not None and c.n_counted < settle
        firms = f"blend of {', '.join(c.blend_of)}" if c.blend_of else "; ".join(_firm_text(f) for f in c.firms)
        table.add_row(
            c.index_code,
            c.status,
            str(c.n_firms),
            f"[yellow]{c.n_counted}[/yellow]" if gap else str(c.n_counted),
            escape(firms) or "-",
        )
    return table


@app.command("alerts")
def list_alerts(
    kind: Annotated[str | None, typer.Option("--kind", help="Only alerts of this kind, e.g. source_down.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Only alerts raised at or after this ISO time.")] = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
) -> None:
    """The alerts raised ($CIX_HOME/alerts.jsonl; docs/operations.md says what each means and what to do)."""
    from pipeline.flow.alerts import read_alerts

    start = parse_time(since, "--since")
    rows = [
        {"at": a.get("at"), "kind": a.get("kind"), "subject": a.get("subject"), "detail": a.get("detail")}
        for a in read_alerts()
        if (kind is None or a.get("kind") == kind) and (start is None or _raised_since(a, start))
    ]
    if fmt is Format.table:
        if not rows:
            console.print("no alerts" + (f" of kind {kind}" if kind else "") + (f" since {since}" if since else ""))
            return
        rows = [{**r, "detail": escape(json.dumps(r["detail"], sort_keys=True, default=str))} for r in rows]
    print_records(rows, fmt, "Alerts")


def _raised_since(alert: dict[str, Any], start: datetime) -> bool:
    try:
        return bool(datetime.fromisoformat(str(alert.get("at"))) >= start)
    except (TypeError, ValueError):
        return False


@app.command("staged")
def list_staged(
    discard_before: Annotated[
        str | None,
        typer.Option(
            "--discard-before",
            help="Delete the staged frames of captures fetched before this ISO time (with its zone); the raw "
            "captures stay, and `cix parse` derives the same rows from them again.",
        ),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
    db: DbOption = None,
) -> None:
    """The batches waiting in staging/: refused by the gate (with the failed expectations), passed but refused by
    the lake, left by a run that stopped before its gate, or already loaded; oldest first."""
    from pipeline.flow.staging import discard_staged, staged_batches, staging_store

    before = parse_time(discard_before, "--discard-before")
    store = staging_store()
    with open_warehouse(db) as w:
        batches, strangers = staged_batches(store, w)
    now = datetime.now(UTC)
    if before is not None:
        batches = discard_staged(store, batches, before)
    rows = [b.as_row(now) for b in batches]
    if fmt is Format.table:
        for key in strangers:
            console.print(f"[yellow]not a staged frame, left alone:[/] {escape(key)}")
        if not rows:
            console.print("nothing staged" + (f" before {discard_before}" if before else ""))
            return
        rows = [{**r, "detail": escape(r["detail"])} for r in rows]
    print_records(rows, fmt, f"Discarded (fetched before {discard_before})" if before else "Staged batches")
