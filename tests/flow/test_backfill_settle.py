"""History from real archives, then monthly contract settlement checked against the published files."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import httpx
import pytest

from pipeline.face.web import models
from pipeline.methodology import load
from pipeline.settle import contract
from tests.face.conftest import start_server, stop_server
from tests.helpers import cix, copy_lake, lake_sql

BIN = Path(sys.executable).parent
ARCHIVES = ("litellm-history", "vast-catalog-history", "aws-gpu-prices")


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    home = tmp_path_factory.mktemp("history")
    env = {**os.environ, "CIX_HOME": str(home / "home"), "CIX_PUBLISH_DIR": str(home / "publish")}
    env.pop("CIX_SIGNING_KEY", None)
    args = ["backfill"] + [x for a in ARCHIVES for x in ("--archive", a)]
    out = cix(*args, env=env)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    yield env


def series(env: dict[str, str], code: str) -> list[tuple[date, str, Decimal | None]]:
    con = lake_sql(Path(env["CIX_HOME"]) / "lake.sqlite", read_only=True)
    rows = con.execute(
        "SELECT fixing_date, status, value FROM v_index_history WHERE index_code = ? ORDER BY fixing_date", [code]
    ).fetchall()
    con.close()
    return rows


def test_token_index_has_a_daily_series_over_more_than_a_year(history: dict[str, str]) -> None:
    rows = series(history, "CIX-TOK-LLAMA33-70B")
    with_value = [d for d, s, v in rows if s in ("published", "indicative") and v is not None]
    assert (max(with_value) - min(with_value)).days > 180
    days = [d for d, _, _ in rows]
    assert days == [days[0] + timedelta(days=i) for i in range(len(days))], "a withheld day is a row, not a gap"


def test_gpu_series_cover_the_archive_days_with_gates_named(history: dict[str, str]) -> None:
    rows = series(history, "CIX-H100-OD")
    vast_days = [date(2026, 4, 30) + timedelta(days=i) for i in range(20)]
    got = {d: s for d, s, _ in rows}
    assert all(d in got for d in vast_days)
    con = lake_sql(Path(history["CIX_HOME"]) / "lake.sqlite", read_only=True)
    gates = con.execute(
        "SELECT DISTINCT gates FROM fixing WHERE index_code = 'CIX-H100-OD' AND status = 'withheld'"
    ).fetchall()
    con.close()
    assert all(json.loads(g)["failed"] for (g,) in gates)


def test_verify_after_backfill(history: dict[str, str]) -> None:
    out = cix("verify", env=history)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "all reproduce" in out.stdout


@pytest.mark.parametrize("version", ["1", "3"])
def test_all_days_at_once_equal_each_day_alone(history: dict[str, str], version: str) -> None:
    """The backfill computes every day of an index in one vectorised pass; each of its fixings must be the one
    the single-day computation (the daily run's) gives from the same quotes."""
    from dataclasses import replace

    from pipeline.domain.fixing import Fixing
    from pipeline.index.fixing import compute_fixing, compute_history, fixing_time, lookback
    from pipeline.store import Warehouse

    def unreferred(f: Fixing) -> Fixing:
        """A v3 day is referred against the day before, which a sampled history does not hold."""
        gates = {k: v for k, v in f.gates.items() if k != "referral"}
        return replace(f, flags=tuple(x for x in f.flags if x != "referred"), gates=gates)

    m = load(version)
    with Warehouse(Path(history["CIX_HOME"]) / "lake.sqlite", read_only=True) as w:
        first, last = (t.date() for t in w.quote_span())  # type: ignore[union-attr]
        quotes = w.quotes_between(fixing_time(first, m) - lookback(m), fixing_time(last, m))
    days = [first + timedelta(days=i) for i in range(0, (last - first).days + 1, 23)]
    together = {(f.index_code, f.fixing_date): f for f in compute_history(quotes, days, m)}
    singles = [d for d in m.indices if not d.blend_of]
    compared = published = 0
    for day in days:
        for d in singles:
            alone = compute_fixing(quotes, d, fixing_time(day, m), m)
            both = together[(d.code, day)]
            assert unreferred(alone) == unreferred(both), (d.code, day)
            compared += 1
            published += alone.value is not None
    assert compared > 100 and published > 20


CODE = "CIX-TOK-GPTOSS-120B-OUT"
CONTRACT = "CIXF-TOK-GPTOSS-120B-OUT"


def _months(env: dict[str, str], code: str) -> dict[str, list[str | None]]:
    """Per contract month, the statuses of its business days (None where no fixing was recorded)."""
    rows = series(env, code)
    spec = contract(CONTRACT)
    by_day = {d: s for d, s, _ in rows}
    months = sorted({(d.year, d.month) for d, _, _ in rows})
    return {f"{y:04d}-{m:02d}": [by_day.get(x) for x in spec.business_days(y, m)] for y, m in months}


def test_settlement_equals_the_mean_of_the_published_files(history: dict[str, str]) -> None:
    period = next(p for p, statuses in _months(history, CODE).items() if set(statuses) == {"published"})
    out = cix("settle", CONTRACT, period, env=history)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    # Independently, from the signed daily files only.
    year, month = (int(x) for x in period.split("-"))
    publish = Path(history["CIX_PUBLISH_DIR"])
    values = []
    for day in contract(CONTRACT).business_days(year, month):
        record = next(
            f
            for f in json.loads((publish / day.isoformat() / "fixings.json").read_text())["fixings"]
            if f["index_code"] == CODE
        )
        values.append(Decimal(record["value"]))
    mean = (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)
    assert Decimal(doc["price"]) == mean and doc["fallbacks"] == doc["max_consecutive_fallbacks"] == 0
    # The price says what it is in: the files' currency, per the index's unit.
    assert (doc["currency"], doc["unit"]) == (record["currency"], record["unit"]) == ("USD", load().index(CODE).unit)
    # Stored and final (the month is long over), and idempotent.
    again = json.loads(cix("settle", CONTRACT, period, env=history).stdout)
    assert again["revision"] == doc["revision"] == 1 and again["final"] is True and again["recorded"] == "unchanged"
    # An exchange reads the same settlement over HTTP.
    process, base = start_server(history)
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            served = client.get(f"/contracts/{CONTRACT}/settlements/{period}")
            cached = client.get(served.url.path, headers={"If-None-Match": served.headers["etag"]})
            unsettled = client.get(f"/contracts/{CONTRACT}/settlements/2001-01")
    finally:
        stop_server(process)
    assert served.status_code == 200 and cached.status_code == 304
    body = served.json()
    models.Settlement.model_validate(body)  # as the OpenAPI document says
    # One document: the HTTP answer is the CLI's, less what this computation did.
    assert body == {k: v for k, v in again.items() if k != "recorded"}
    assert unsettled.status_code == 404 and "2001-01 has not been settled" in unsettled.json()["detail"]


def test_a_month_of_indicative_fixings_does_not_settle(history: dict[str, str]) -> None:
    period = next(p for p, statuses in _months(history, CODE).items() if statuses.count("indicative") > 5)
    out = cix("settle", CONTRACT, period, env=history)
    assert out.returncode == 3
    doc = json.loads(out.stdout)
    assert doc["status"] == "no_settlement" and doc["price"] is None
    assert any(flag.startswith("administrator_review") for flag in doc["flags"])
    assert any("indicative: not a settlement value" in e.get("why", "") for e in doc["evidence"])


def test_republishing_the_history_scans_the_root_once_and_clears_what_a_crash_left(
    history: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Publishing many days cleans the root once for the batch, not once per day (a scan of every earlier day's
    folder per day made a backfill's publishing quadratic), and what an interrupted publication left is still
    cleared; the days' files are the same bytes."""
    from pipeline.flow import daily
    from pipeline.publish import atomic
    from pipeline.publish.signing import load_signing_key
    from pipeline.store import Warehouse
    from pipeline.store.lake import Lake

    home, root = Path(history["CIX_HOME"]), Path(history["CIX_PUBLISH_DIR"])
    days = sorted(date.fromisoformat(p.name) for p in root.iterdir() if p.is_symlink())
    before = {d: (root / d.isoformat() / "fixings.json").read_bytes() for d in days}
    (root / f"{atomic.STAGING}{days[0]}-interrupted").mkdir()
    os.symlink("nowhere", root / f"{atomic.LINK}{days[0]}-interrupted")
    scans: list[Path] = []

    def counted(path: Path, **kwargs: float) -> list[Path]:
        scans.append(path)
        return clean(path, **kwargs)

    clean = atomic.clean_leftovers
    monkeypatch.setattr(atomic, "clean_leftovers", counted)
    monkeypatch.setattr(daily, "clean_leftovers", counted)
    with Warehouse(Lake.embedded(home / "lake.sqlite")) as w:
        daily.publish_days(days, w, root, key=load_signing_key(home))
    assert len(days) > 300 and scans == [root]
    assert sorted(p.name for p in root.iterdir() if "interrupted" in p.name) == []
    assert {d: (root / d.isoformat() / "fixings.json").read_bytes() for d in days} == before


def test_a_day_that_fails_to_publish_stops_the_days_not_yet_begun(
    history: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Days are published by several threads; a failing day is the caller's error, and the days after it that no
    thread had begun are not published (as when days were written one by one)."""
    from pipeline.flow import daily
    from pipeline.publish.signing import load_signing_key
    from pipeline.store import Warehouse
    from pipeline.store.lake import Lake

    home = Path(history["CIX_HOME"])
    days = sorted(date.fromisoformat(p.name) for p in Path(history["CIX_PUBLISH_DIR"]).iterdir() if p.is_symlink())
    failing = days[10]
    write = daily.write_publication

    def disk_full(day: date, *args: object, **kwargs: object) -> list[Path]:
        if day == failing:
            raise OSError(28, "No space left on device")
        return write(day, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(daily, "write_publication", disk_full)
    root, told = tmp_path / "publish", []
    with Warehouse(Lake.embedded(home / "lake.sqlite"), read_only=True) as w, pytest.raises(OSError, match="space"):
        daily.publish_days(days, w, root, key=load_signing_key(home), on_day=told.append)
    published = {date.fromisoformat(p.name) for p in root.iterdir() if p.is_symlink()}
    assert told == days[:10], "progress is told in day order, up to the failing day"
    assert set(days[:10]) <= published and failing not in published
    assert len(days) > 300 and max(published) < days[10 + 5 * daily.PUBLISH_THREADS], "the rest were cancelled"


def test_explain_reconciles_a_blend_to_its_legs(history: dict[str, str]) -> None:
    blend = "CIX-TOK-LLAMA33-70B"
    day, _, value = next(r for r in series(history, blend) if r[2] is not None)
    legs = {code: next(v for d, _, v in series(history, code) if d == day) for code in (f"{blend}-IN", f"{blend}-OUT")}
    out = cix("explain", blend, day.isoformat(), "--format", "json", env=history)
    assert out.returncode == 0, out.stderr
    a = json.loads(out.stdout)["arithmetic"]
    assert [(t["leg"], Decimal(t["weight"]), Decimal(t["value"])) for t in a["terms"]] == [
        (f"{blend}-IN", 3, legs[f"{blend}-IN"]),
        (f"{blend}-OUT", 1, legs[f"{blend}-OUT"]),
    ]
    expected = (3 * legs[f"{blend}-IN"] + legs[f"{blend}-OUT"]) / 4
    assert Decimal(a["blend"]) == expected and a["reconciles"] is True
    assert Decimal(a["published"]) == value == expected.quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)
    text = cix("explain", blend, day.isoformat(), env=history)
    assert text.returncode == 0 and f"{blend}-IN" in text.stdout


def test_a_final_settlement_is_frozen_and_a_later_difference_is_a_notice(
    history: dict[str, str], tmp_path: Path
) -> None:
    """Once final, a settlement price never changes: a later recomputation that differs (here a fixing of the month
    altered behind the warehouse's back) is recorded as a notice for the administrator, and the price stands."""
    period = next(p for p, statuses in _months(history, CODE).items() if set(statuses) == {"published"})
    db = copy_lake(Path(history["CIX_HOME"]) / "lake.sqlite", tmp_path / "lake.sqlite")
    first = json.loads(cix("settle", CONTRACT, period, "--db", str(db), env=history).stdout)
    assert first["status"] == "settled" and first["final"] is True
    year, month = (int(x) for x in period.split("-"))
    con = lake_sql(db)
    day = contract(CONTRACT).business_days(year, month)[0]
    con.execute("UPDATE fixing SET value = value + 0.5 WHERE index_code = ? AND fixing_date = ?", [CODE, day])
    con.close()
    out = cix("settle", CONTRACT, period, "--db", str(db), env=history)
    doc = json.loads(out.stdout)
    assert (doc["price"], doc["revision"], doc["recorded"], doc["final"]) == (first["price"], 1, "notice", True)
    assert Decimal(doc["recomputed"]["price"]) > Decimal(first["price"]), "the notice carries the recomputation"
    assert "is final and frozen" in out.stderr
    events = [json.loads(line) for line in cix("governance", "--db", str(db), env=history).stdout.splitlines()]
    assert [e["kind"] for e in events if e["kind"] == "settlement_notice"] == ["settlement_notice"]
    # A recomputation with no price at all (every day of the month withheld since) is a notice too: the final
    # price stands, and `cix settle` says so with success, not with "no settlement price".
    con = lake_sql(db)
    con.execute("UPDATE fixing SET status = 'withheld', value = NULL WHERE index_code = ?", [CODE])
    con.close()
    out = cix("settle", CONTRACT, period, "--db", str(db), env=history)
    doc = json.loads(out.stdout)
    assert out.returncode == 0, out.stderr
    assert (doc["status"], doc["price"], doc["recorded"]) == ("settled", first["price"], "notice")
    assert doc["recomputed"]["status"] == "no_settlement"


def test_a_lake_from_before_the_longest_run_was_stored_gains_the_column(
    history: dict[str, str], tmp_path: Path
) -> None:
    """A lake made before `settlement.max_consecutive_fallbacks` existed gains the column when a writer opens it;
    its earlier revisions read as null (never a made-up number), and the column alone is no reason to record a new
    revision."""
    period = next(p for p, statuses in _months(history, CODE).items() if set(statuses) == {"published"})
    db = copy_lake(Path(history["CIX_HOME"]) / "lake.sqlite", tmp_path / "lake.sqlite")
    first = json.loads(cix("settle", CONTRACT, period, "--db", str(db), env=history).stdout)
    con = lake_sql(db)  # as the code before the column left the lake
    con.execute("ALTER TABLE settlement DROP COLUMN max_consecutive_fallbacks")
    con.execute("UPDATE cix_schema SET digest = 'before'")
    con.close()
    out = cix("settle", CONTRACT, period, "--db", str(db), env=history)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert (doc["revision"], doc["recorded"], doc["price"]) == (first["revision"], "unchanged", first["price"])
    assert doc["max_consecutive_fallbacks"] is None
    models.Settlement.model_validate(doc)
    con = lake_sql(db, read_only=True)
    columns = con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'settlement'").fetchall()
    con.close()
    assert ("max_consecutive_fallbacks",) in columns


def test_an_exchange_reads_every_revision_of_a_settlement_preliminary_then_final(
    history: dict[str, str], tmp_path: Path
) -> None:
    """Settled during the month (preliminary), then on its final settlement day (final): the revisions endpoint
    lists both, the first first, each the document `cix settle` prints; the settlement endpoint serves the final."""
    from pipeline.flow.administer import settle
    from pipeline.store import Warehouse

    period = next(p for p, statuses in _months(history, CODE).items() if set(statuses) == {"published"})
    year, month = (int(x) for x in period.split("-"))
    spec = contract(CONTRACT)
    db = copy_lake(Path(history["CIX_HOME"]) / "lake.sqlite", tmp_path / "lake.sqlite")
    con = lake_sql(db)  # whatever another test settled in the shared history: this one settles from scratch
    con.execute("DELETE FROM settlement WHERE contract = ?", [CONTRACT])
    con.close()
    during = datetime(year, month, 20, 18, tzinfo=UTC)
    final_day = spec.final_settlement_day(year, month)
    with Warehouse(db) as w:
        first = settle(CONTRACT, period, "3", w, computed_at=during)
        second = settle(CONTRACT, period, "3", w, computed_at=datetime.combine(final_day, time(18), UTC))
    assert (first[1:], second[1:]) == ((1, "new"), (2, "new")), "a preliminary revision, then the final one"
    process, base = start_server(history, "--db", str(db))
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            listed = client.get(f"/contracts/{CONTRACT}/settlements/{period}/revisions")
            latest = client.get(f"/contracts/{CONTRACT}/settlements/{period}").json()
            none = client.get(f"/contracts/{CONTRACT}/settlements/2001-01/revisions")
    finally:
        stop_server(process)
    assert listed.status_code == 200 and none.status_code == 404
    doc = models.SettlementRevisions.model_validate(listed.json()).model_dump()
    revisions = listed.json()["revisions"]
    assert [(r["revision"], r["final"], r["computed_at"][:10]) for r in revisions] == [
        (1, False, during.date().isoformat()),
        (2, True, final_day.isoformat()),
    ]
    assert revisions[-1] == latest and doc["contract"] == CONTRACT
    printed = json.loads(cix("settle", CONTRACT, period, "--db", str(db), env=history).stdout)
    assert {k: v for k, v in printed.items() if k != "recorded"} == latest, "the CLI prints the revision in force"
