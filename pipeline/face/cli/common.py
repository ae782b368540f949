"""What every `cix` command shares: the app, consoles, output formats, argument checks, the warehouse, and
`main`, which turns any error into one line on stderr and a non-zero exit (never a traceback).

Exit codes: 0 done; 1 nothing found or a check failed (verify, verify-publication); 2 the arguments are
wrong (bad date, unknown index, missing file, wrong format value); 3 no settlement price; 4 the warehouse is
busy (another process is writing it); 70 an internal error (CIX_DEBUG=1 shows the traceback).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from rich.console import Console
from rich.table import Table

from pipeline.store import Lake, Warehouse, WarehouseBusy, default_lake

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Compute Index: AI compute price benchmark.",
    pretty_exceptions_enable=False,
)
# Tables stay readable when piped (rich would otherwise wrap to 80 columns).
console = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)


class UserError(Exception):
    """A problem with what the user asked for: printed as one line, exit `code`."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class Output(StrEnum):
    """For commands whose output is not a table of records: text for people, or JSON."""

    table = "table"
    json = "json"


DbOption = Annotated[
    Path | None, typer.Option("--db", help="Lake catalog file (default: $CIX_HOME/lake.sqlite or $CIX_LAKE_CATALOG).")
]


def version_text() -> str:
    from importlib.metadata import PackageNotFoundError, version

    from pipeline.methodology import CURRENT

    try:
        package = version("compute-index")
    except PackageNotFoundError:
        package = "unknown"
    return f"cix {package} (methodology v{CURRENT})"


def _print_version(value: bool) -> None:
    if value:
        sys.stdout.write(version_text() + "\n")
        raise typer.Exit(0)


@app.callback()
def _root(
    show_version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", is_eager=True, callback=_print_version),
    ] = False,
) -> None:
    """Compute Index: AI compute price benchmark."""


# -- argument checks: each names the argument and what was expected ------------------------------------------
def parse_time(value: str | None, what: str = "timestamp") -> datetime | None:
    if value is None:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UserError(f"{what} {value!r} is not an ISO 8601 time, e.g. 2026-08-03T15:30:00Z") from None
    if dt.tzinfo is None:
        raise UserError(f"{what} {value!r} has no timezone; add one, e.g. 2026-08-03T15:30:00Z")
    return dt.astimezone(UTC)


def parse_day(value: str, what: str = "date") -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(f"{what} {value!r} is not a date; expected YYYY-MM-DD, e.g. 2026-08-03") from None


def known_index(code: str, version: str | None = None) -> str:
    m = methodology(version)
    if code not in {d.code for d in m.indices}:
        raise UserError(f"unknown index {code!r} in methodology v{m.version}; {known([d.code for d in m.indices])}")
    return code


def known(names: Sequence[str], shown: int = 8) -> str:
    """ "known: a, b, c (and N more)": enough to spot a typo, short enough for one line."""
    names = sorted(names)
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return f"known: {', '.join(names[:shown])}{more}"


def methodology(version: str | None) -> Any:
    from pipeline.methodology import CURRENT, available, load

    wanted = version or CURRENT
    if wanted not in available():
        raise UserError(f"unknown methodology version {wanted!r}; known: {', '.join(available())}")
    return load(wanted)


def existing_dir(path: Path, what: str) -> Path:
    if not path.exists():
        raise UserError(f"{what} {path} does not exist")
    if not path.is_dir():
        raise UserError(f"{what} {path} is not a folder")
    return path


def read_file(path: Path, what: str = "file") -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{what} {path} does not exist") from None
    except IsADirectoryError:
        raise UserError(f"{what} {path} is a folder, not a file") from None
    except OSError as exc:
        raise UserError(f"cannot read {what} {path}: {exc.strerror or exc}") from None


@contextmanager
def open_warehouse(db: Path | None, read_only: bool = True) -> Iterator[Warehouse]:

    lake = Lake.embedded(db) if db else default_lake()
    path = lake.describe()
    if read_only and not lake.exists():
        raise UserError(f"no warehouse at {path}; run `cix run` first (or pass --db)", code=1)
    if lake.file is not None and lake.file.is_dir():
        raise UserError(f"--db {path} is a folder, not a lake catalog file")
    try:
        w = Warehouse(lake, read_only=read_only)
    except WarehouseBusy:
        raise UserError(
            f"the warehouse {path} is being written by another process; try again when it ends", 4
        ) from None
    try:
        yield w
    finally:
        w.close()


# -- output -------------------------------------------------------------------------------------------------
def write_json(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, indent=2, sort_keys=True, default=str) + "\n")


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


def print_fixings(
    records: list[dict[str, Any]], fmt: Format, title: str = "Fixings", gates: Mapping[str, Any] | None = None
) -> None:
    """The fixings as a table (or records); `gates` (index code -> the gates recorded with it) adds, for a value
    kept from settlement by the influence test, which firm alone could move it and how far."""
    from pipeline.face import words

    if fmt is not Format.table:
        print_records(records, fmt, title)
        return
    table = Table(title=title)
    for column in ("index", "status", "value", "unit", "providers", "why withheld / flags"):
        table.add_column(
            column,
            justify="right" if column in ("value", "providers") else "left",
            no_wrap=column != "why withheld / flags",
        )
    counts: dict[str, int] = {}
    for r in records:
        failed = r.get("failed_gates") or r.get("indicative_gates") or []
        why = "; ".join(words.gate(g, r.get("n_providers")) for g in failed)
        if "influence" in failed and (reach := words.reach((gates or {}).get(r["index_code"], {}).get("influence"))):
            why += f" ({reach})"
        note = why or "; ".join(words.flag(f) for f in r.get("flags") or [])
        colour = words.status(r["status"]).colour
        counts[r["status"]] = counts.get(r["status"], 0) + 1
        table.add_row(
            r["index_code"],
            f"[{colour}]{r['status']}[/]",
            r["value"] or "-",
            f"{r['currency']}/{r['unit']}",
            str(r["n_providers"]),
            note,
        )
    console.print(table)
    console.print(", ".join(f"{n} {status}" for status, n in counts.items()) or "no fixings")


# -- the entry point ----------------------------------------------------------------------------------------
def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _click_kinds() -> tuple[tuple[type[Exception], ...], tuple[type[Exception], ...], tuple[type[Exception], ...]]:
    """Click's usage errors, "no arguments" help and aborts, from click itself and from the copy of click that
    recent typer versions carry inside them."""
    modules = [click.exceptions]
    with contextlib.suppress(ImportError):
        modules.append(importlib.import_module("typer._click.exceptions"))

    def kinds(name: str) -> tuple[type[Exception], ...]:
        return tuple(k for m in modules if isinstance(k := getattr(m, name, None), type))

    return kinds("ClickException"), kinds("NoArgsIsHelpError"), (*kinds("Abort"), typer.Abort)


def main(argv: Sequence[str] | None = None) -> None:
    """`cix`: run the command; any error is one line on stderr and a non-zero exit."""
    usage_errors, help_only, aborts = _click_kinds()
    command = typer.main.get_command(app)
    args = list(sys.argv[1:] if argv is None else argv)
    name = next((a for a in args if not a.startswith("-")), "")
    prefix = f"cix {name}".strip()
    try:
        code = command.main(args=args, prog_name="cix", standalone_mode=False)
    except help_only as exc:  # `cix` alone: the help, as a usage error
        sys.stderr.write(exc.format_message() + "\n")  # type: ignore[attr-defined]
        code = 2
    except usage_errors as exc:
        ctx = getattr(exc, "ctx", None)
        where = ctx.command_path if ctx is not None else prefix
        message = _one_line(exc.format_message())  # type: ignore[attr-defined]
        hint = f" (see `{where} --help`)" if exc.exit_code == 2 else ""  # type: ignore[attr-defined]
        sys.stderr.write(f"{where}: error: {message}{hint}\n")
        code = exc.exit_code  # type: ignore[attr-defined]
    except aborts:
        sys.stderr.write(f"{prefix}: aborted\n")
        code = 130
    except UserError as exc:
        sys.stderr.write(f"{prefix}: error: {_one_line(str(exc))}\n")
        code = exc.code
    except BrokenPipeError:
        code = 0
    except Exception as exc:
        if os.environ.get("CIX_DEBUG"):
            raise
        sys.stderr.write(
            f"{prefix}: internal error: {type(exc).__name__}: {_one_line(str(exc))[:500]} "
            "(set CIX_DEBUG=1 to see where)\n"
        )
        code = 70
    sys.exit(code if isinstance(code, int) else 0)
