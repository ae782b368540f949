"""`cix sql`, `cix migrate`: the analysts' way into the lake, and moving an old single-file warehouse into it.
Also the signing-key check a live run makes before anything runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipeline.face.cli.common import DbOption, Format, UserError, app, open_warehouse, print_records

DevKeyOption = Annotated[
    bool, typer.Option("--dev-key", help="Let a live run sign with the development key (never in production).")
]


def require_signing_key() -> None:
    """A live run signs with a real key (never the development one unless --dev-key): said before anything runs."""
    from pipeline.config import paths
    from pipeline.flow.daily import SigningKeyRefused, signing_key

    try:
        signing_key(paths().home, allow_development=False)
    except SigningKeyRefused as exc:
        raise UserError(str(exc)) from None


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="A read-only SQL query over the lake's tables and views.")],
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
    db: DbOption = None,
) -> None:
    """Run an analyst's query on the warehouse (read-only; never waits for a writer)."""
    from pipeline.store.queries import QueryFailed

    with open_warehouse(db) as w:
        try:
            frame = w.query(query)
        except QueryFailed as exc:
            raise UserError(f"the query failed: {exc}") from None
    print_records(frame.to_dicts(), fmt, "query")


@app.command()
def migrate(
    source: Annotated[Path, typer.Option("--from", help="An old single-file DuckDB warehouse (cix.duckdb).")],
    db: DbOption = None,
) -> None:
    """Copy an old single-file DuckDB warehouse into the lake (tables still empty in the lake only)."""
    from pipeline.store.migrate import migrate_duckdb

    if not source.is_file():
        raise UserError(f"--from {source} is not a file")
    with open_warehouse(db, read_only=False) as w:
        try:
            copied = migrate_duckdb(w, source)
        except ValueError as exc:
            raise UserError(str(exc)) from None
    for table, rows in copied.items():
        typer.echo(f"{table}: {rows}")
