"""`cix restate`, `settle`, `simulate`, `serve`, `impact`: the administrator's and the exchange's commands."""

from __future__ import annotations

import json
import re
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from pipeline.face.cli.common import (
    DbOption,
    Format,
    Output,
    UserError,
    app,
    console,
    err,
    known,
    known_index,
    methodology,
    open_warehouse,
    parse_day,
    parse_time,
    print_records,
    write_json,
)


@app.command()
def restate(
    index: Annotated[str, typer.Argument()],
    day: Annotated[str, typer.Argument(help="Fixing date YYYY-MM-DD.")],
    reason: Annotated[str, typer.Option(help="Why the fixing should be corrected (kept with the revision).")],
    by: Annotated[str, typer.Option("--by", help="Identity of the proposer.")],
    db: DbOption = None,
    fmt: Annotated[Output, typer.Option("--format", help="table (text) or json.")] = Output.table,
) -> None:
    """Propose a restatement (recompute from what is stored now); it takes effect when another identity approves."""
    from pipeline.flow.administer import GovernanceError, propose_restatement

    known_index(index)
    fixing_day = parse_day(day)
    if not reason.strip():
        raise UserError("--reason must say why the fixing should be corrected")
    with open_warehouse(db, read_only=False) as w:
        try:
            event = propose_restatement(index, fixing_day, reason, by, w, recorded_at=datetime.now(UTC))
        except KeyError as exc:
            raise UserError(str(exc.args[0] if exc.args else exc), 1) from None
        except GovernanceError as exc:
            raise UserError(str(exc)) from None
    if fmt is Output.json:
        write_json(
            {k: v for k, v in event.items() if k != "recorded_at"} | {"recorded_at": event["recorded_at"].isoformat()}
        )
        return
    console.print(
        f"proposed restatement {event['event_id']} of {index} {day} by {event['proposed_by']}: "
        f"approve with `cix approve {event['event_id']} --by <another identity>`",
        markup=False,
    )


@app.command()
def approve(
    proposal: Annotated[str, typer.Argument(help="Proposal id printed by `cix restate`.")],
    by: Annotated[str, typer.Option("--by", help="Identity of the approver (not the proposer).")],
    db: DbOption = None,
) -> None:
    """Approve a proposed restatement (four eyes): record the new revision and republish."""
    from pipeline.config import paths
    from pipeline.flow.administer import GovernanceError, approve_restatement

    with open_warehouse(db, read_only=False) as w:
        try:
            event, now = approve_restatement(proposal, by, w, paths().publish, recorded_at=datetime.now(UTC))
        except KeyError as exc:
            raise UserError(str(exc.args[0] if exc.args else exc), 1) from None
        except GovernanceError as exc:
            raise UserError(str(exc), 1) from None
    value = format(now["value"], "f") if now["value"] is not None else "-"
    console.print(
        f"{event['subject']}: revision {now['revision']} {now['status']} {value} "
        f"(proposed by {event['proposed_by']}, approved by {event['approved_by']})",
        markup=False,
    )


@app.command()
def governance(
    kind: Annotated[str | None, typer.Option(help="Only events of this kind.")] = None,
    db: DbOption = None,
) -> None:
    """The governance record: restatement proposals and approvals, settlement notices, as JSON lines."""
    with open_warehouse(db) as w:
        events = w.events(kind=kind)
    for e in events.iter_rows(named=True):
        sys.stdout.write(json.dumps({**e, "detail": json.loads(e["detail"])}, default=str) + "\n")


@app.command()
def simulate(
    index: Annotated[str, typer.Argument()],
    quotes: Annotated[Path, typer.Option("--quotes", help="JSON lines (cix parse).")],
    at: Annotated[str, typer.Option(help="Fixing time, ISO with zone.")],
    version: Annotated[str | None, typer.Option("--methodology", help="Methodology version.")] = None,
) -> None:
    """What-if: the fixing the daily code would compute from these quotes (JSON). Touches no warehouse."""
    from pipeline.audit import quotes_from_jsonl
    from pipeline.audit import simulate as simulate_fixing

    m = methodology(version)
    known_index(index, m.version)
    when = parse_time(at, "--at")
    assert when is not None
    if not quotes.is_file():
        raise UserError(f"quotes file {quotes} " + ("is not a file" if quotes.exists() else "does not exist"))
    try:
        frame = quotes_from_jsonl(quotes)
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        what = f"missing field {exc.args[0]!r}" if isinstance(exc, KeyError) else str(exc)
        raise UserError(f"quotes file {quotes} is not `cix parse` JSON lines: {what}") from None
    try:
        doc = simulate_fixing(index, frame, when, m.version)
    except (KeyError, ValueError) as exc:
        raise UserError(str(exc.args[0]) if exc.args else str(exc)) from None
    sys.stdout.write(json.dumps(doc, indent=2, default=str) + "\n")


@app.command()
def settle(
    contract: Annotated[str, typer.Argument(help="Contract code, e.g. CIXF-H100-OD-HYP.")],
    period: Annotated[str, typer.Argument(help="Contract month YYYY-MM.")],
    version: Annotated[str | None, typer.Option("--methodology", help="Methodology version of the fixings.")] = None,
    db: DbOption = None,
) -> None:
    """Final settlement price of a monthly average-price contract, with its evidence (JSON); stored in `settlement`."""
    from pipeline.flow.administer import settle as settle_contract
    from pipeline.settle import contracts, settlement_document, stored_document

    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
        raise UserError(f"period {period!r} is not a contract month; expected YYYY-MM, e.g. 2026-03")
    if contract not in contracts():
        raise UserError(f"unknown contract {contract!r}; {known(list(contracts()))}")
    m = methodology(version)
    with open_warehouse(db, read_only=False) as w:
        try:
            result, _, action = settle_contract(contract, period, m.version, w, computed_at=datetime.now(UTC))
        except ValueError as exc:
            raise UserError(str(exc)) from None
        latest = w.latest_settlement(contract, period)
    assert latest is not None  # settling records a revision or finds the one in force
    # The revision in force, as the HTTP API serves it, and what this computation did.
    out = {**stored_document(latest), "recorded": action}
    if action == "notice":
        out["recomputed"] = settlement_document(result)
        err.print(
            f"{contract} {period} is final and frozen: the recomputation differs and was recorded "
            "as a notice (`cix governance --kind settlement_notice`)",
            style="yellow",
            markup=False,
        )
    sys.stdout.write(json.dumps(out, indent=2) + "\n")
    if out["status"] != "settled":  # the revision in force: a notice never unsettles a final price
        err.print(f"{contract} {period}: no settlement price ({', '.join(out['flags'])})", style="yellow", markup=False)
        raise typer.Exit(3)


def _bindable(host: str, port: int) -> None:
    """Refuse at once, in one line, an address that cannot be served (unknown host, port in use)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UserError(f"--host {host!r} is not an address of this machine: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise UserError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port (1-65535).")] = 8000,
    db: DbOption = None,
) -> None:
    """Serve the index pages (/) and the read-only HTTP API (reference at /docs, /openapi.json)."""
    import uvicorn

    from pipeline.config import paths
    from pipeline.face.api import create_app
    from pipeline.store import Lake, default_lake

    where = paths()
    lake = Lake.embedded(db) if db else default_lake()
    if lake.file is not None and not lake.file.parent.is_dir():
        raise UserError(f"folder of the warehouse {lake.file} does not exist")
    if lake.file is not None and lake.file.exists() and not lake.file.is_file():
        raise UserError(f"--db {lake.file} is not a file")
    _bindable(host, port)
    err.print(f"serving http://{host}:{port}/ (pages), /docs (API reference); Ctrl-C stops", markup=False)
    uvicorn.run(create_app(lake, where.publish), host=host, port=port, log_level="warning")


@app.command()
def impact(
    changes: Annotated[
        list[str],
        typer.Option(
            "--set",
            help="A parameter and its value in the study, e.g. influence_bound=0.03 or tier_weights.statistic=0.75 "
            "(repeatable).",
        ),
    ],
    version: Annotated[
        str | None, typer.Option("--methodology", help="Methodology version (default: in force).")
    ] = None,
    first: Annotated[str | None, typer.Option("--first", help="First day (default: the first fixed).")] = None,
    last: Annotated[str | None, typer.Option("--last", help="Last day (default: the last fixed).")] = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
    db: DbOption = None,
) -> None:
    """What a change of the methodology's parameters would do to the stored history: every fixed day recomputed
    from the lake's quotes under the version in force and under the change, per index. Stores and publishes
    nothing (docs/governance.md: the impact a consultation states)."""
    from pipeline.audit.impact import study, variant
    from pipeline.flow.helpers import Helpers

    m = methodology(version)
    pairs = [c.split("=", 1) for c in changes]
    if bad := [c for c, p in zip(changes, pairs, strict=True) if len(p) != 2 or not p[0].strip()]:
        raise UserError(f"--set {bad[0]!r} is not NAME=VALUE, e.g. --set influence_bound=0.03")
    try:
        changed = variant(m, {name.strip(): value.strip() for name, value in pairs})
    except ValueError as exc:
        raise UserError(f"--set: {exc}") from None
    start, end = (parse_day(d, what) if d else None for d, what in ((first, "--first"), (last, "--last")))
    with open_warehouse(db) as w, Helpers(None) as helpers:
        days = [d for d in w.fixing_days(m.version) if (start is None or d >= start) and (end is None or d <= end)]
        if not days:
            raise UserError(f"no fixings under methodology v{m.version} stored for those days: nothing to study")
        impacts = study(w.quotes_between, days, w.count("quote"), m, changed, helpers)
    rows = [i.as_table_row() if fmt is Format.table else i.as_row() for i in impacts]
    span = f"{len(days)} day{'s' if len(days) != 1 else ''} {days[0]} .. {days[-1]}"
    title = f"{span}: v{m.version} -> v{changed.version} ({', '.join(changes)})"
    print_records(rows, fmt, title)
