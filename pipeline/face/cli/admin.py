"""`cix restate`, `settle`, `simulate`, `serve`: the administrator's and the exchange's commands."""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from pipeline.face.cli.common import DbOption, app, console, err, open_warehouse, parse_day, parse_time


@app.command()
def restate(
    index: Annotated[str, typer.Argument()],
    day: Annotated[str, typer.Argument(help="Fixing date YYYY-MM-DD.")],
    reason: Annotated[str, typer.Option(help="Why the fixing is corrected (kept with the revision).")],
    db: DbOption = None,
) -> None:
    """Administrator's correction: recompute from what is stored now and record a new revision, then republish."""
    from pipeline.config import paths
    from pipeline.flow.daily import restate as restate_fixing

    with open_warehouse(db, read_only=False) as w:
        current = restate_fixing(index, parse_day(day), reason, w, paths().publish, recorded_at=datetime.now(UTC))
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

    when = parse_time(at)
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
    from pipeline.flow.daily import settle as settle_contract
    from pipeline.methodology import CURRENT
    from pipeline.settle import contract as contract_spec
    from pipeline.settle import settlement_document

    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
        raise typer.BadParameter("period must be YYYY-MM")
    try:
        spec = contract_spec(contract)
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0])) from None
    with open_warehouse(db, read_only=False) as w:
        result, revision = settle_contract(contract, period, methodology or CURRENT, w, computed_at=datetime.now(UTC))
    doc = settlement_document(result)
    sys.stdout.write(json.dumps({**doc, "revision": revision, "index_code": spec.index}, indent=2) + "\n")
    if result.status != "settled":
        err.print(f"[yellow]{contract} {period}: no settlement price ({', '.join(result.flags)})[/yellow]")
        raise typer.Exit(3)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    db: DbOption = None,
) -> None:
    """Serve the read-only HTTP API (OpenAPI at /docs and /openapi.json)."""
    import uvicorn

    from pipeline.config import paths
    from pipeline.face.api import create_app

    where = paths()
    uvicorn.run(create_app(db or where.db, where.publish), host=host, port=port, log_level="info")
