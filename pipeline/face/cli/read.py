"""`cix fixings`, `explain`, `as-of`, `revisions`, `verify`, `quality`, `verify-publication`, `report`: reading
what was fixed and checking how. Every one takes `--format json` for scripts."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from pipeline.domain.serialise import gates_of, iso, revision_record
from pipeline.face.cli.common import (
    DbOption,
    Format,
    Output,
    UserError,
    app,
    console,
    err,
    known_index,
    methodology,
    open_warehouse,
    parse_day,
    parse_time,
    print_fixings,
    print_records,
    read_file,
    write_json,
)

FormatOption = Annotated[Format, typer.Option("--format", help="table, json (JSON lines) or csv.")]
OutputOption = Annotated[Output, typer.Option("--format", help="table (text) or json.")]


@app.command()
def fixings(
    day: Annotated[str | None, typer.Option("--date", help="Fixing date YYYY-MM-DD (default: latest).")] = None,
    fmt: FormatOption = Format.table,
    version: Annotated[
        str | None, typer.Option("--methodology", help="Methodology version (default: current).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Show the current revision of each fixing for a date."""
    from pipeline.publish import fixing_records

    m = methodology(version)
    wanted = parse_day(day, "--date") if day else None
    with open_warehouse(db) as w:
        wanted = wanted or w.latest_fixing_date()
        if wanted is None:
            raise UserError("no fixings yet; run `cix run` first", 1)
        rows = w.fixings(wanted, version=m.version)
    if rows.height == 0:
        raise UserError(f"no fixings for {wanted} under methodology v{m.version}", 1)
    gates = {r["index_code"]: gates_of(r) for r in rows.iter_rows(named=True)}  # the influence test's finding
    print_fixings(fixing_records(rows), fmt, f"Fixings {wanted}", gates)


@app.command()
def explain(
    index: Annotated[str, typer.Argument(help="Index code, e.g. CIX-H100-OD-HYP.")],
    day: Annotated[str, typer.Argument(help="Fixing date YYYY-MM-DD.")],
    revision: Annotated[
        int | None, typer.Option(min=1, help="A specific revision (default: the one in force).")
    ] = None,
    version: Annotated[str | None, typer.Option("--methodology", help="Methodology version.")] = None,
    fmt: OutputOption = Output.table,
    db: DbOption = None,
) -> None:
    """The whole derivation of a fixing: captures, quotes, rejections, provider values, weights, arithmetic."""
    from pipeline.audit import explain as explain_fixing
    from pipeline.face.explained import render_explain

    m = methodology(version)
    known_index(index, m.version)
    when = parse_day(day)
    with open_warehouse(db) as w:
        try:
            doc = explain_fixing(w, index, when, m.version if version else None, revision)
        except KeyError as exc:
            raise UserError(str(exc.args[0]), 1) from None
    if fmt is Output.json:
        write_json(doc)
    else:
        sys.stdout.write(render_explain(doc) + "\n")


@app.command()
def verify(
    fmt: OutputOption = Output.table,
    db: DbOption = None,
    reparse: Annotated[
        bool,
        typer.Option(
            "--reparse", help="Ignore the caches: re-parse every capture from its raw bytes and recompute every fixing."
        ),
    ] = False,
    prune_cache: Annotated[
        bool,
        typer.Option("--prune-cache", help="Then delete cache entries this check did not use (older code or inputs)."),
    ] = False,
) -> None:
    """Recompute every stored fixing from the raw captures under its methodology; non-zero exit on any mismatch.

    Captures already parsed by this code (same sha256, parser version, code fingerprint and inputs) come from the
    parse cache under $CIX_HOME, and fixings already recomputed by this code from the same inputs from the recompute
    cache beside it (each stored fixing is still compared); --reparse parses and recomputes them all again."""
    from pipeline.audit import verify as verify_all
    from pipeline.capture import CaptureStore
    from pipeline.config import paths
    from pipeline.flow.parse_cache import ParseCache

    with open_warehouse(db) as w:
        store, cache = CaptureStore.of(), ParseCache(paths().parse_cache)
        report = verify_all(
            w, store, cache, reparse=reparse, workers=None, prune_cache=prune_cache
        )  # both cores when there is much to do
    if fmt is Output.json:
        write_json(
            {
                "ok": report.ok,
                "checked_captures": report.checked_captures,
                "checked_fixings": report.checked_fixings,
                "from_cache": report.from_cache,
                "reparsed": report.reparsed,
                "recomputed_from_cache": report.recomputed_from_cache,
                "recomputed": report.recomputed,
                "cache_discarded": report.cache_discarded,
                "cache_pruned": report.cache_pruned,
                "problems": report.problems,
                "code_changes": report.code_changes,
            }
        )
    else:
        for note in report.cache_discarded:
            err.print(f"CACHE {note}", markup=False, highlight=False)
        for note in report.code_changes:
            err.print(f"CODE CHANGE {note}", markup=False, highlight=False)
        for problem in report.problems:
            err.print(f"MISMATCH {problem}", markup=False, highlight=False)
        console.print(
            f"checked {report.checked_captures} captures ({report.from_cache} parsed ones from the cache, "
            f"{report.reparsed} re-parsed) and {report.checked_fixings} fixing revisions "
            f"({report.recomputed_from_cache} recomputations from the cache, {report.recomputed} recomputed): "
            + ("all reproduce" if report.ok else f"{len(report.problems)} problem(s)")
            + (f"; {report.cache_pruned} unused cache entries deleted" if prune_cache else "")
        )
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def quality(
    since: Annotated[str | None, typer.Option(help="Batches checked from this ISO time (default: last run).")] = None,
    version: Annotated[str | None, typer.Option("--methodology", help="Methodology of the run's bounds.")] = None,
    fmt: OutputOption = Output.table,
    db: DbOption = None,
) -> None:
    """Validate the loaded batches with Great Expectations and update its Data Docs; non-zero exit where GX and the
    run's gate disagree. A run's gate decides in polars from the same suite; this is GX's record of it."""
    from pipeline.flow.gx_record import record_with_gx

    m, after = methodology(version), parse_time(since, "--since")
    with open_warehouse(db) as w:
        record = record_with_gx(w, m, after)
    if fmt is Output.json:
        write_json({"ok": record.ok, **asdict(record), "data_docs": str(record.data_docs or "")})
    else:
        for problem in record.disagreements:
            err.print(f"DISAGREE {problem}", markup=False, highlight=False)
        console.print(
            f"Great Expectations validated {record.batches} loaded batches ({record.rows} quotes): "
            + ("the same verdict as the gate" if record.ok else f"{len(record.disagreements)} disagreement(s)")
            + (f"; {record.failed_at_run} failed batches were validated as they failed" if record.failed_at_run else "")
            + (f"\nData Docs: {record.data_docs}" if record.data_docs else ""),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if not record.ok:
        raise typer.Exit(1)


@app.command("as-of")
def as_of(
    index: Annotated[str, typer.Argument()],
    day: Annotated[str, typer.Argument(help="Fixing date YYYY-MM-DD.")],
    timestamp: Annotated[str, typer.Argument(help="Knowledge time, ISO with zone.")],
    version: Annotated[str | None, typer.Option("--methodology", help="Methodology version.")] = None,
    fmt: OutputOption = Output.json,
    db: DbOption = None,
) -> None:
    """What was known about a fixing at a given time (bitemporal read)."""

    m = methodology(version)
    known_index(index, m.version)
    fixing_day, when = parse_day(day), parse_time(timestamp, "knowledge time")
    with open_warehouse(db) as w:
        rows = w.fixings(fixing_day, as_of=when, version=m.version, code=index)
    if rows.height == 0:
        raise UserError(f"nothing was known about {index} {day} at {timestamp}", 1)
    row = rows.row(0, named=True)
    record = {"index_code": index, "fixing_date": day, "as_of": iso(when), **revision_record(row)}
    record.update(currency=row["currency"], unit=row["unit"])  # what the value is in
    if fmt is Output.json:
        sys.stdout.write(json.dumps(record) + "\n")
    else:
        value = f"{record['value']} {row['currency']}/{row['unit']}" if record["value"] else "-"
        console.print(
            f"{index} {day} as known at {record['as_of']}: revision {record['revision']} {record['status']} {value} "
            f"(recorded {record['recorded_at']}: {record['reason']})",
            markup=False,
        )


@app.command()
def revisions(
    index: Annotated[str, typer.Argument()],
    day: Annotated[str, typer.Argument(help="Fixing date YYYY-MM-DD.")],
    fmt: FormatOption = Format.table,
    db: DbOption = None,
) -> None:
    """Every revision of a fixing, with when and why it was recorded."""

    known_index(index)
    fixing_day = parse_day(day)
    with open_warehouse(db) as w:
        rows = w.revisions(index, fixing_day)
    records = [{**revision_record(r), "currency": r["currency"], "unit": r["unit"]} for r in rows.iter_rows(named=True)]
    if not records:
        raise UserError(f"no fixing for {index} on {day}", 1)
    print_records(records, fmt, title=f"{index} {day}")


@app.command("verify-publication")
def verify_publication(
    folder: Annotated[Path, typer.Argument(help="publish/<date> folder.")],
    public_key: Annotated[Path, typer.Option("--public-key", help="The publisher's Ed25519 public key (PEM).")],
    fmt: OutputOption = Output.table,
) -> None:
    """Check a publication folder: signature, every file's sha256, nothing missing or added."""
    from pipeline.publish import verify_publication as check

    if not folder.is_dir():
        raise UserError(f"publication folder {folder} " + ("is not a folder" if folder.exists() else "does not exist"))
    key = read_file(public_key, "public key")
    try:
        if not isinstance(serialization.load_pem_public_key(key), Ed25519PublicKey):
            raise ValueError("not Ed25519")
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise UserError(f"public key {public_key} is not an Ed25519 public key in PEM form") from None
    try:
        problems = check(folder, key)
    except Exception as exc:  # a hostile folder is a failed verification, never a crash
        problems = [f"cannot verify: {type(exc).__name__}: {' '.join(str(exc).split())}"]
    if fmt is Output.json:
        write_json({"folder": str(folder), "ok": not problems, "problems": problems})
    else:
        for p in problems:
            err.print(f"FAIL {p}", markup=False, highlight=False)
        if not problems:
            files = json.loads((folder / "manifest.json").read_text())["files"]
            console.print(f"{folder}: signature and {len(files)} files verified", markup=False)
    if problems:
        raise typer.Exit(1)


@app.command()
def report(
    out: Annotated[Path, typer.Option("--out", help="HTML file to write.")],
    index: Annotated[str | None, typer.Option(help="Index to chart (default: the longest published).")] = None,
    day: Annotated[
        str | None, typer.Option("--date", help="Fixing day for the constituents (default: latest).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Write a self-contained HTML report: every index, then one in detail (history, constituents, flags)."""
    from pipeline.face.report import write_report

    if index is not None:
        known_index(index)
    fixing_day = parse_day(day, "--date") if day else None
    if out.exists() and out.is_dir():
        raise UserError(f"--out {out} is a folder; give a file name, e.g. {out / 'report.html'}")
    with open_warehouse(db) as w:
        try:
            path = write_report(w, out, index, fixing_day)
        except (KeyError, ValueError) as exc:
            raise UserError(str(exc.args[0]) if exc.args else str(exc), 1) from None
        except OSError as exc:
            raise UserError(f"cannot write {out}: {exc.strerror or exc}") from None
    console.print(f"wrote {path}", markup=False)
