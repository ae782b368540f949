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
    reason: Annotated[str, typer.Option(help="Why the fixing should be corrected (kept with the revision).")],
    by: Annotated[str, typer.Option("--by", help="Identity of the proposer.")],
    db: DbOption = None,
) -> None:
    """Propose a restatement (recompute from what is stored now); it takes effect when another identity approves."""
    from pipeline.flow.administer import GovernanceError, propose_restatement

    with open_warehouse(db, read_only=False) as w:
        try:
            event = propose_restatement(index, parse_day(day), reason, by, w, recorded_at=datetime.now(UTC))
        except (KeyError, GovernanceError) as exc:
            err.print(f"[red]{exc.args[0] if exc.args else exc}[/red]")
            raise typer.Exit(1) from None
    console.print(
        f"proposed restatement {event['event_id']} of {index} {day} by {event['proposed_by']}: "
        f"approve with `cix approve {event['event_id']} --by <another identity>`"
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
        except (KeyError, GovernanceError) as exc:
            err.print(f"[red]{exc.args[0] if exc.args else exc}[/red]")
            raise typer.Exit(1) from None
    value = format(now["value"], "f") if now["value"] is not None else "-"
    console.print(
        f"{event['subject']}: revision {now['revision']} {now['status']} {value} "
        f"(proposed by {event['proposed_by']}, approved by {event['approved_by']})"
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
    from pipeline.flow.administer import settle as settle_contract
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
        result, revision, action = settle_contract(
            contract, period, methodology or CURRENT, w, computed_at=datetime.now(UTC)
        )
        latest = w.latest_settlement(contract, period)
    doc = settlement_document(result)
    out = {**doc, "revision": revision, "index_code": spec.index, "recorded": action}
    out["final"] = bool(latest and latest.get("final"))
    if action == "notice" and latest is not None:
        out = {
            "contract": contract,
            "period": period,
            "status": latest["status"],
            "price": None if latest["price"] is None else format(latest["price"].normalize(), "f"),
            "revision": revision,
            "index_code": spec.index,
            "final": True,
            "recorded": "notice",
            "recomputed": doc,
        }
        err.print(
            f"[yellow]{contract} {period} is final and frozen: the recomputation differs and was recorded "
            f"as a notice (`cix governance --kind settlement_notice`)[/yellow]"
        )
    sys.stdout.write(json.dumps(out, indent=2) + "\n")
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
