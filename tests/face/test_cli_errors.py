"""`cix` as a user mistypes it: every bad input, per command, is one line on stderr naming the problem and a
non-zero exit, never a traceback. The table runs through `main` (the entry point) in this process; a few rows
run the installed `cix` too, to show the entry point is wired to it."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.face.cli import main
from tests.face.conftest import BIN, DAY, Site
from tests.helpers import copy_lake

CODE = "CIX-H100-OD-HYP"


@pytest.fixture
def env(site: Site, monkeypatch: pytest.MonkeyPatch) -> Site:
    for name in ("CIX_HOME", "CIX_PUBLISH_DIR", "CIX_REALDATA"):
        monkeypatch.setenv(name, site.env[name])
    return site


@pytest.fixture
def listener() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(argv)
    captured = capsys.readouterr()
    return int(done.value.code or 0), captured.out, captured.err


def one_clear_line(code: int, out: str, err: str, expected_code: int, fragment: str) -> None:
    assert "Traceback" not in out + err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("cix") and fragment in lines[0], lines[0]
    assert code == expected_code, (code, lines[0])


# (arguments, exit code, what the line must say). {tmp} is an empty folder, {garbage} a file of junk,
# {capture} a real capture, {copy} a copy of the warehouse (for commands that write).
BAD_INPUTS: list[tuple[list[str], int, str]] = [
    (["nosuchcommand"], 2, "No such command 'nosuchcommand'"),
    (["fixings", "--nope"], 2, "No such option: --nope"),
    # run
    (["run", "--at", "2026-13-45T00:00:00Z"], 2, "--at '2026-13-45T00:00:00Z' is not an ISO 8601 time"),
    (["run", "--at", "2026-08-03T16:00:00"], 2, "has no timezone"),
    (["run", "--capture-set", "/nonexistent/set"], 2, "capture set /nonexistent/set does not exist"),
    (["run", "--capture-set", "{tmp}"], 2, "has no manifest.json"),
    (["run", "--source", "nosuch"], 2, "unknown source 'nosuch'"),
    (["run", "--methodology", "9"], 2, "unknown methodology version '9'"),
    (["run", "--format", "xml"], 2, "Invalid value for '--format'"),
    (["run", "--db", "/nonexistent/dir/cix.duckdb"], 2, "folder of --db /nonexistent/dir/cix.duckdb does not exist"),
    (["run", "--live"], 2, "does not sign with the development key unless told so (--dev-key)"),
    # sql, migrate
    (["sql", "SELECT nosuchcolumn FROM fixing", "--db", "{copy}"], 2, "the query failed"),
    (["sql", "SELECT 1", "--db", "/nonexistent/lake.sqlite"], 1, "no warehouse at /nonexistent/lake.sqlite"),
    (["migrate", "--from", "/nonexistent/cix.duckdb"], 2, "--from /nonexistent/cix.duckdb is not a file"),
    (["migrate", "--from", "{garbage}"], 2, "garbage.bin"),
    # parse
    (["parse", "nosuch", "{capture}"], 2, "unknown source or provider 'nosuch'"),
    (["parse", "litellm", "/nonexistent/file.json"], 2, "capture /nonexistent/file.json does not exist"),
    (["parse", "litellm", "{tmp}"], 2, "is a folder, not a file"),
    (["parse", "vast", "{garbage}"], 2, "is not readable as vast"),
    (["parse", "litellm", "{capture}", "--at", "yesterday"], 2, "--at 'yesterday' is not an ISO 8601 time"),
    # sources
    (["sources", "--format", "xml"], 2, "Invalid value for '--format'"),
    # alerts
    (["alerts", "--since", "2026-08-03"], 2, "--since '2026-08-03' has no timezone"),
    (["alerts", "--format", "yaml"], 2, "Invalid value for '--format'"),
    # staged
    (["staged", "--discard-before", "2026-08-03"], 2, "--discard-before '2026-08-03' has no timezone"),
    (["staged", "--discard-before", "yesterday"], 2, "is not an ISO 8601 time"),
    # fixings
    (["fixings", "--date", "2026-13-45"], 2, "--date '2026-13-45' is not a date; expected YYYY-MM-DD"),
    (["fixings", "--format", "yaml"], 2, "Invalid value for '--format'"),
    (["fixings", "--methodology", "9"], 2, "unknown methodology version '9'"),
    (["fixings", "--db", "/nonexistent/cix.duckdb"], 1, "no warehouse at /nonexistent/cix.duckdb"),
    (["fixings", "--date", "1999-01-01"], 1, "no fixings for 1999-01-01"),
    # explain
    (["explain", "CIX-NOPE", DAY], 2, "unknown index 'CIX-NOPE'"),
    (["explain", CODE, "03/08/2026"], 2, "date '03/08/2026' is not a date"),
    (["explain", CODE, DAY, "--revision", "0"], 2, "Invalid value for '--revision'"),
    (["explain", CODE, DAY, "--revision", "99"], 1, f"{CODE} {DAY} has no revision 99"),
    (["explain", CODE, "1999-01-01"], 1, f"no fixing for {CODE} on 1999-01-01"),
    (["explain", CODE, DAY, "--format", "csv"], 2, "Invalid value for '--format'"),
    (["explain", CODE], 2, "Missing argument 'day'"),
    # verify
    (["verify", "--format", "xml"], 2, "Invalid value for '--format'"),
    (["verify", "--db", "/nonexistent/cix.duckdb"], 1, "no warehouse at /nonexistent/cix.duckdb"),
    # quality
    (["quality", "--since", "yesterday"], 2, "--since 'yesterday' is not an ISO 8601 time"),
    (["quality", "--methodology", "9"], 2, "unknown methodology version '9'"),
    (["quality", "--format", "xml"], 2, "Invalid value for '--format'"),
    (["quality", "--db", "/nonexistent/cix.duckdb"], 1, "no warehouse at /nonexistent/cix.duckdb"),
    # as-of
    (["as-of", "CIX-NOPE", DAY, "2026-08-04T00:00:00Z"], 2, "unknown index 'CIX-NOPE'"),
    (["as-of", CODE, "2026-02-30", "2026-08-04T00:00:00Z"], 2, "date '2026-02-30' is not a date"),
    (["as-of", CODE, DAY, "tomorrow"], 2, "knowledge time 'tomorrow' is not an ISO 8601 time"),
    (["as-of", CODE, DAY, "2026-08-04T00:00:00"], 2, "has no timezone"),
    (["as-of", CODE, DAY, "2020-01-01T00:00:00Z"], 1, f"nothing was known about {CODE} {DAY}"),
    # revisions
    (["revisions", "CIX-NOPE", DAY], 2, "unknown index 'CIX-NOPE'"),
    (["revisions", CODE, "2026-8-3"], 2, "date '2026-8-3' is not a date"),
    (["revisions", CODE, "1999-01-01"], 1, f"no fixing for {CODE} on 1999-01-01"),
    # verify-publication
    (["verify-publication", "/nonexistent/pub", "--public-key", "{garbage}"], 2, "/nonexistent/pub does not exist"),
    (["verify-publication", "{garbage}", "--public-key", "{garbage}"], 2, "is not a folder"),
    (["verify-publication", "{publication}", "--public-key", "/nonexistent/key.pem"], 2, "public key"),
    (["verify-publication", "{publication}", "--public-key", "{garbage}"], 2, "is not an Ed25519 public key in PEM"),
    # report
    (["report", "--out", "{tmp}/r.html", "--index", "CIX-NOPE"], 2, "unknown index 'CIX-NOPE'"),
    (["report", "--out", "{tmp}/r.html", "--date", "2026-13-01"], 2, "--date '2026-13-01' is not a date"),
    (["report", "--out", "{tmp}/r.html", "--index", CODE, "--date", "1999-01-01"], 1, f"no fixing for {CODE}"),
    (["report", "--out", "{tmp}"], 2, "is a folder; give a file name"),
    (["report", "--out", "{tmp}/r.html", "--db", "/nonexistent/cix.duckdb"], 1, "no warehouse"),
    # restate (writes: on a copy)
    (["restate", "CIX-NOPE", DAY, "--reason", "x", "--by", "alice", "--db", "{copy}"], 2, "unknown index 'CIX-NOPE'"),
    (
        ["restate", CODE, "yesterday", "--reason", "x", "--by", "alice", "--db", "{copy}"],
        2,
        "date 'yesterday' is not a date",
    ),
    (["restate", CODE, DAY, "--by", "alice", "--db", "{copy}"], 2, "Missing option '--reason'"),
    (["restate", CODE, DAY, "--reason", "x", "--db", "{copy}"], 2, "Missing option '--by'"),
    (["restate", CODE, DAY, "--reason", " ", "--by", "alice", "--db", "{copy}"], 2, "--reason must say why"),
    (["restate", CODE, DAY, "--reason", "x", "--by", " ", "--db", "{copy}"], 2, "identity is required"),
    (
        ["restate", CODE, "1999-01-01", "--reason", "x", "--by", "alice", "--db", "{copy}"],
        1,
        f"no fixing for {CODE} on 1999-01-01",
    ),
    (["approve", "nosuchproposal", "--by", "bob", "--db", "{copy}"], 1, "no restatement proposal 'nosuchproposal'"),
    (["approve", "nosuchproposal", "--db", "{copy}"], 2, "Missing option '--by'"),
    (["governance", "--db", "/nonexistent/x.duckdb"], 1, "no warehouse at /nonexistent/x.duckdb"),
    # impact
    (["impact"], 2, "Missing option '--set'"),
    (["impact", "--set", "influence_bound"], 2, "--set 'influence_bound' is not NAME=VALUE"),
    (["impact", "--set", "nosuch=1"], 2, "'nosuch' is not a parameter a study can vary"),
    (["impact", "--set", "influence_bound=two"], 2, "influence_bound='two' is not a decimal number"),
    (["impact", "--set", "influence_bound=0.03", "--methodology", "9"], 2, "unknown methodology version '9'"),
    (["impact", "--set", "influence_bound=0.03", "--methodology", "1"], 2, "no central-band parameters"),
    (["impact", "--set", "influence_bound=0.03", "--first", "2026-13-01"], 2, "--first '2026-13-01' is not a date"),
    (["impact", "--set", "influence_bound=0.03", "--first", "2030-01-01"], 2, "nothing to study"),
    # simulate
    (["simulate", "CIX-NOPE", "--quotes", "{garbage}", "--at", "2026-08-03T16:00:00Z"], 2, "unknown index"),
    (["simulate", CODE, "--quotes", "/nonexistent.jsonl", "--at", "2026-08-03T16:00:00Z"], 2, "does not exist"),
    (
        ["simulate", CODE, "--quotes", "{garbage}", "--at", "2026-08-03T16:00:00Z"],
        2,
        "is not `cix parse` JSON lines: cannot be read as UTF-8",
    ),
    (["simulate", CODE, "--quotes", "{capture}", "--at", "noon"], 2, "--at 'noon' is not an ISO 8601 time"),
    # settle
    (["settle", "CIXF-NOPE", "2026-08"], 2, "unknown contract 'CIXF-NOPE'"),
    (["settle", "CIXF-H100-OD-HYP", "2026-13"], 2, "period '2026-13' is not a contract month"),
    (["settle", "CIXF-H100-OD-HYP", "2026-08", "--methodology", "9"], 2, "unknown methodology version"),
    # serve
    (["serve", "--port", "99999"], 2, "Invalid value for '--port'"),
    (["serve", "--port", "0"], 2, "Invalid value for '--port'"),
    (["serve", "--port", "http"], 2, "Invalid value for '--port'"),
    (["serve", "--port", "{busy_port}"], 2, "Address already in use"),
    (["serve", "--host", "192.0.2.1"], 2, "cannot serve on 192.0.2.1:8000"),
    (["serve", "--db", "/nonexistent/dir/cix.duckdb"], 2, "folder of the warehouse /nonexistent/dir/cix.duckdb"),
    # backfill
    (["backfill", "--archive", "nosuch"], 2, "unknown archive nosuch; known: aws-gpu-prices"),
    (["backfill", "--realdata", "/nonexistent/realdata"], 2, "/nonexistent/realdata does not exist"),
    (["backfill", "--realdata", "{garbage}"], 2, "is not a folder"),
    (["backfill", "--format", "xml"], 2, "Invalid value for '--format'"),
]


def _fill(argv: list[str], values: dict[str, str]) -> list[str]:
    return [a.format(**values) for a in argv]


@pytest.fixture
def values(env: Site, tmp_path: Path, realdata: Path, listener: int) -> dict[str, str]:
    (tmp_path / "empty").mkdir()
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"\x00\xff not json, not a key {[")
    copy = copy_lake(env.db, tmp_path / "copy.sqlite")
    return {
        "tmp": str(tmp_path / "empty"),
        "garbage": str(garbage),
        "capture": str(realdata / "litellm" / "model_prices_and_context_window.json"),
        "copy": str(copy),
        "publication": str(env.publish / DAY),
        "busy_port": str(listener),
    }


@pytest.mark.parametrize(("argv", "code", "fragment"), BAD_INPUTS, ids=[" ".join(a) for a, _, _ in BAD_INPUTS])
def test_bad_input_is_one_clear_line_and_a_non_zero_exit(
    argv: list[str], code: int, fragment: str, values: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    one_clear_line(*run_main(_fill(argv, values), capsys), code, fragment.format(**values))


def test_every_command_has_rows_in_the_table() -> None:
    from pipeline.face.cli import app

    commands = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
    tested = {argv[0] for argv, _, _ in BAD_INPUTS}
    assert {c.replace("_", "-") for c in commands} - tested == set()


@pytest.mark.parametrize(
    ("argv", "code", "fragment"),
    [
        (["fixings", "--date", "2026-13-45"], 2, "is not a date"),
        (["serve", "--port", "99999"], 2, "Invalid value for '--port'"),
        (["backfill", "--archive", "nosuch"], 2, "unknown archive nosuch"),
        (["report", "--index", "CIX-NOPE", "--out", "/tmp/never-written.html"], 2, "unknown index"),
        (["explain", CODE, DAY, "--revision", "99"], 1, "has no revision 99"),
    ],
)
def test_the_installed_command_prints_no_traceback(env: Site, argv: list[str], code: int, fragment: str) -> None:
    done = subprocess.run([str(BIN / "cix"), *argv], capture_output=True, text=True, env=env.env, check=False)
    one_clear_line(done.returncode, done.stdout, done.stderr, code, fragment)


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(["--version"], capsys)
    assert code == 0 and out.startswith("cix ") and "methodology v" in out
    code, out, err = run_main([], capsys)
    assert code == 2 and "Usage" in out + err and "Traceback" not in out + err


def test_every_read_command_speaks_json(env: Site, capsys: pytest.CaptureFixture[str]) -> None:
    key = env.root / "home" / "keys" / "dev-ed25519.pub.pem"
    lines = {
        "fixings": ["fixings", "--date", DAY, "--format", "json"],
        "revisions": ["revisions", CODE, DAY, "--format", "json"],
    }
    documents = {
        "explain": ["explain", CODE, DAY, "--format", "json"],
        "as-of": ["as-of", CODE, DAY, "2030-01-01T00:00:00Z", "--format", "json"],
        "sources": ["sources", "--format", "json"],
        "verify-publication": [
            "verify-publication",
            str(env.publish / DAY),
            "--public-key",
            str(key),
            "--format",
            "json",
        ],
        "verify": ["verify", "--format", "json"],
    }
    for name, argv in lines.items():
        code, out, err = run_main(argv, capsys)
        assert code == 0, err
        records = [json.loads(line) for line in out.splitlines()]
        assert records and all(isinstance(r, dict) for r in records), name
        assert all(r["currency"] == "USD" and r["unit"] for r in records), f"{name}: a value says what it is in"
    for name, argv in documents.items():
        code, out, err = run_main(argv, capsys)
        assert code == 0, (name, err)
        assert json.loads(out), name
    code, out, _ = run_main(documents["as-of"], capsys)
    assert json.loads(out)["currency"] == "USD" and json.loads(out)["unit"]
    code, out, _ = run_main(documents["verify-publication"], capsys)
    assert json.loads(out)["ok"] is True


def test_run_shows_progress_per_source(site: Site) -> None:
    for line in ("fetching", "loading", "fix+publish"):
        assert line in site.run_stderr
    rows = [re.match(r"(\S+ +)(ok|error) ", line) for line in site.run_stderr.splitlines() if "captures=" in line]
    assert all(rows) and {"litellm", "openrouter", "vast-catalog", "ecb-fx"} <= {
        r[1].strip() for r in rows if r and r[2] == "ok"
    }
    assert len({len(r[1]) for r in rows if r}) == 1, "one column of statuses, whatever the longest source name"


def test_unreadable_capture_is_one_line(env: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if os.geteuid() == 0:  # root reads anything: make the file unreadable by making it a broken link instead
        target = tmp_path / "gone.json"
        link = tmp_path / "capture.json"
        link.symlink_to(target)
    else:
        link = tmp_path / "capture.json"
        link.write_text("{}")
        link.chmod(0)
    code, out, err = run_main(["parse", "litellm", str(link)], capsys)
    one_clear_line(code, out, err, 2, "capture")
