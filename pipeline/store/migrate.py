"""Moving an old single-file DuckDB warehouse (`cix.duckdb`) into the lake: every table copied by column name.

Only into tables the lake holds nothing in yet, so running it twice, or into a lake already in use, copies
nothing twice (a table that has rows is reported and left alone)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipeline.store.lake import literal
from pipeline.store.warehouse import TABLES, Warehouse

OLD = "cix_migrating"


def migrate_duckdb(warehouse: Warehouse, source: Path) -> dict[str, int | str]:
    """Copy each table of `source` into the lake in one transaction; {table: rows copied, or why not}."""
    con = warehouse.con
    try:
        con.execute(f"ATTACH {literal(str(source.resolve()))} AS {OLD} (READ_ONLY)")
    except duckdb.Error as exc:
        raise ValueError(f"{source} is not a DuckDB warehouse: {str(exc).splitlines()[0]}") from None
    try:
        present = {
            r[0]
            for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = ?", [OLD]).fetchall()
        }
        if not present & TABLES:
            raise ValueError(f"{source} has none of the warehouse's tables")
        result: dict[str, int | str] = {}

        def copy(c: object) -> None:
            for table in sorted(present & TABLES):
                if warehouse.count(table):
                    result[table] = "skipped: the lake's table already has rows"
                    continue
                columns = {
                    r[0]
                    for r in con.execute(
                        "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND table_name = ?",
                        [OLD, table],
                    ).fetchall()
                }
                # table names come from TABLES, columns from the old file's catalog; both quoted
                names = ", ".join(f'"{n}"' for n in sorted(columns & _lake_columns(warehouse, table)))
                con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {OLD}.{table}")  # noqa: S608
                result[table] = warehouse.count(table)

        warehouse.write(copy)
        return result
    finally:
        con.execute(f"DETACH {OLD}")


def _lake_columns(warehouse: Warehouse, table: str) -> set[str]:
    rows = warehouse.con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() AND table_name = ?",
        [table],
    ).fetchall()
    return {r[0] for r in rows}
