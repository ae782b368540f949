"""`cix restate`, `settle`, `simulate`, `serve`: the administrator's and the exchange's commands."""

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
    write_json,
)


@app.command()
def restate(
    index: Annotated[str, typer.Argument()],
    day: Annotated[str, typer.Argument(help="Fixing date YYYY-MM-DD.")],
    reason: Annotated[str, typer.Option(help="Why the fixing is corrected (kept with the revision).")],
    db: DbOption = None,
    fmt: Annotated[Output, typer.Option("--format", help="table (text) or json.")] = Output.table,
) -> None:
    """Administrator's correction: recompute from what is stored now and record a new revision, then republish."""
    from pipeline.config import paths
    from pipeline.domain.serialise import revision_record
    from pipeline.flow.daily import restate as restate_fixing

    known_index(index)
    fixing_day = parse_day(day)
    if not reason.strip():
        raise UserError("--reason must say why the fixing is corrected")
    with open_warehouse(db, read_only=False) as w:
        if w.revisions(index, fixing_day).height == 0:
            raise UserError(f"no fixing for {index} on {day} to restate", 1)
        current = restate_fixing(index, fixing_day, reason, w, paths().publish, recorded_at=datetime.now(UTC))
    if fmt is Output.json:
        write_json({"index_code": index, "fixing_date": day, **revision_record(current)})
        return
    console.print(
        f"{index} {day}: revision {current['revision']} {current['status']} "
        f"{format(current['value'], 'f') if current['value'] is not None else '-'}",
        markup=False,
    )


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
    from pipeline.flow.daily import settle as settle_contract
    from pipeline.settle import contract as contract_spec
    from pipeline.settle import contracts, settlement_document

    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
        raise UserError(f"period {period!r} is not a contract month; expected YYYY-MM, e.g. 2026-03")
    if contract not in contracts():
        raise UserError(f"unknown contract {contract!r}; {known(list(contracts()))}")
    spec = contract_spec(contract)
    m = methodology(version)
    with open_warehouse(db, read_only=False) as w:
        try:
            result, revision = settle_contract(contract, period, m.version, w, computed_at=datetime.now(UTC))
        except ValueError as exc:
            raise UserError(str(exc)) from None
    doc = settlement_document(result)
    sys.stdout.write(json.dumps({**doc, "revision": revision, "index_code": spec.index}, indent=2) + "\n")
    if result.status != "settled":
        err.print(f"{contract} {period}: no settlement price ({', '.join(result.flags)})", style="yellow", markup=False)
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

    where = paths()
    path = db or where.db
    if not path.parent.is_dir():
        raise UserError(f"folder of the warehouse {path} does not exist")
    if path.exists() and not path.is_file():
        raise UserError(f"--db {path} is not a file")
    _bindable(host, port)
    err.print(f"serving http://{host}:{port}/ (pages), /docs (API reference); Ctrl-C stops", markup=False)
    uvicorn.run(create_app(path, where.publish), host=host, port=port, log_level="warning")
