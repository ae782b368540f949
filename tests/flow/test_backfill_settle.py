"""History from real archives, then monthly contract settlement checked against the published files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pytest

from pipeline.settle import contract

BIN = Path(sys.executable).parent
ARCHIVES = ("litellm-history", "vast-catalog-history", "aws-gpu-prices")


def cix(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "cix"), *args], capture_output=True, text=True, env=env, check=False)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    home = tmp_path_factory.mktemp("history")
    env = {**os.environ, "CIX_HOME": str(home / "home"), "CIX_PUBLISH_DIR": str(home / "publish")}
    env.pop("CIX_SIGNING_KEY", None)
    args = ["backfill"] + [x for a in ARCHIVES for x in ("--archive", a)]
    out = cix(env, *args)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    yield env


def series(env: dict[str, str], code: str) -> list[tuple[date, str, Decimal | None]]:
    import duckdb

    con = duckdb.connect(str(Path(env["CIX_HOME"]) / "cix.duckdb"), read_only=True)
    rows = con.execute(
        "SELECT fixing_date, status, value FROM v_index_history WHERE index_code = ? ORDER BY fixing_date", [code]
    ).fetchall()
    con.close()
    return rows


def test_token_index_has_a_daily_series_over_more_than_a_year(history: dict[str, str]) -> None:
    rows = series(history, "CIX-TOK-LLAMA33-70B")
    published = [d for d, s, _ in rows if s == "published"]
    assert (max(published) - min(published)).days > 365
    days = [d for d, _, _ in rows]
    assert days == [days[0] + timedelta(days=i) for i in range(len(days))], "a withheld day is a row, not a gap"


def test_gpu_series_cover_the_archive_days_with_gates_named(history: dict[str, str]) -> None:
    rows = series(history, "CIX-H100-OD")
    vast_days = [date(2026, 4, 30) + timedelta(days=i) for i in range(20)]
    got = {d: s for d, s, _ in rows}
    assert all(d in got for d in vast_days)
    import duckdb

    con = duckdb.connect(str(Path(history["CIX_HOME"]) / "cix.duckdb"), read_only=True)
    gates = con.execute(
        "SELECT DISTINCT gates FROM fixing WHERE index_code = 'CIX-H100-OD' AND status = 'withheld'"
    ).fetchall()
    con.close()
    assert all(json.loads(g)["failed"] for (g,) in gates)


def test_verify_after_backfill(history: dict[str, str]) -> None:
    out = cix(history, "verify")
    assert out.returncode == 0, out.stderr[-3000:]
    assert "all reproduce" in out.stdout


def _month_with_fallbacks(env: dict[str, str], code: str) -> str:
    rows = series(env, code)
    spec = contract(code.replace("CIX-", "CIXF-"))
    by_day = {d: s for d, s, _ in rows}
    for d, _, _ in rows:
        if d.day != 1:
            continue
        days = spec.business_days(d.year, d.month)
        statuses = [by_day.get(x) for x in days]
        if all(s is not None for s in statuses) and 0 < statuses.count("withheld") <= 3 and statuses[0] == "published":
            return f"{d.year:04d}-{d.month:02d}"
    raise AssertionError("no month with a few withheld days in the backfill")


def test_settlement_equals_the_mean_of_the_published_files_with_fallbacks(history: dict[str, str]) -> None:
    code = "CIX-TOK-LLAMA33-70B-OUT"
    period = _month_with_fallbacks(history, code)
    out = cix(history, "settle", "CIXF-TOK-LLAMA33-70B-OUT", period)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    # Independently, from the signed daily files only.
    year, month = (int(x) for x in period.split("-"))
    spec = contract("CIXF-TOK-LLAMA33-70B-OUT")
    publish = Path(history["CIX_PUBLISH_DIR"])
    values, fallbacks, last = [], 0, None
    for day in spec.business_days(year, month):
        record = next(
            f
            for f in json.loads((publish / day.isoformat() / "fixings.json").read_text())["fixings"]
            if f["index_code"] == code
        )
        if record["status"] == "published":
            last = Decimal(record["value"])
        else:
            fallbacks += 1
        assert last is not None
        values.append(last)
    mean = (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)
    assert Decimal(doc["price"]) == mean
    assert doc["fallbacks"] == fallbacks > 0
    assert "fallback_used" in doc["flags"]
    assert sum(1 for e in doc["evidence"] if e["fallback"]) == fallbacks
    # Stored, and idempotent.
    again = json.loads(cix(history, "settle", "CIXF-TOK-LLAMA33-70B-OUT", period).stdout)
    assert again["revision"] == doc["revision"] == 1


def test_more_than_five_consecutive_fallbacks_means_no_settlement() -> None:
    from pipeline.settle import DayFixing, settle

    spec = contract("CIXF-H100-OD")
    days = spec.business_days(2026, 3)
    fixings = {d: DayFixing(d, "published", Decimal("2.5"), 1) for d in days[:5]}
    fixings |= {d: DayFixing(d, "withheld", None, 1) for d in days[5:11]}
    fixings |= {d: DayFixing(d, "published", Decimal("2.6"), 1) for d in days[11:]}
    result = settle(spec, 2026, 3, fixings, None)
    assert result.status == "no_settlement" and result.price is None
    assert result.max_run_of_fallbacks == 6
    assert "administrator_review:consecutive_fallbacks" in result.flags
    five = {**fixings, days[10]: DayFixing(days[10], "published", Decimal("2.6"), 1)}
    ok = settle(spec, 2026, 3, five, None)
    assert ok.status == "settled" and ok.fallbacks == 5
