"""The recompute cache behind `cix verify`: a second verify recomputes nothing and reaches the same verdict; a stored
fixing edited since is still caught (an entry spares the recomputing, never the comparison); a damaged entry, other
recomputing code or other inputs are a miss."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from pipeline.audit import verify
from pipeline.audit.recompute import FINGERPRINTED, LIBRARIES, code_fingerprint, known_by
from pipeline.audit.verify import VerifyReport, _agrees
from pipeline.capture import CaptureStore
from pipeline.config import paths
from pipeline.flow.parse_cache import PACKAGE, ParseCache, fingerprint_of
from pipeline.store import Warehouse
from tests.helpers import BundledRun, lake_sql


@pytest.fixture
def ran(cix_home: Path, bundled_run: BundledRun) -> Path:
    return bundled_run(cix_home, None)


def _verify(*, reparse: bool = False) -> VerifyReport:
    with Warehouse(paths().db, read_only=True) as w:
        return verify(w, CaptureStore.of(), ParseCache(paths().parse_cache), reparse=reparse)


def _entries() -> list[Path]:
    return sorted((paths().parse_cache / "recomputed").rglob("*.recomputed"))


def test_a_second_verify_recomputes_nothing_and_reaches_the_same_verdict(ran: Path) -> None:
    cold = _verify(reparse=True)
    warm = _verify()
    assert cold.ok and warm.ok, (cold.problems, warm.problems)
    assert cold.recomputed == cold.checked_fixings > 30 and cold.recomputed_from_cache == 0
    assert warm.recomputed == 0 and warm.recomputed_from_cache == warm.checked_fixings == cold.checked_fixings
    assert _entries()


def test_after_another_days_run_verify_recomputes_that_day_only(ran: Path) -> None:
    first = _verify()
    day = subprocess.run(
        [str(Path(sys.executable).parent / "cix"), "run", "--offline", "--at", "2026-08-04T16:30:00Z"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        check=False,
    )
    assert day.returncode == 0, day.stderr[-2000:]
    second = _verify()
    assert second.ok, second.problems
    assert second.checked_fixings == 2 * first.checked_fixings  # the bundled day and the next
    assert second.recomputed_from_cache == first.checked_fixings and second.recomputed == first.checked_fixings


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        ("value = value + 0.0001", "value"),
        ("value = value * 10", "value"),
        ("n_providers = n_providers + 1", "providers"),
        ("status = 'published', value = coalesce(value, 1)", "status"),
        ("inputs_digest = 'x'", "inputs digest"),
    ],
)
def test_a_fixing_edited_after_its_recomputation_was_cached_is_still_caught(ran: Path, edit: str, said: str) -> None:
    assert _verify().ok
    con = lake_sql(paths().db)
    code = "CIX-A100-80-OD" if "status" not in edit else "CIX-H200-OD"  # H200 is withheld in the bundled day
    con.execute(f"UPDATE fixing SET {edit} WHERE index_code = ?", [code])
    con.close()
    report = _verify()
    assert report.recomputed == 0 and report.recomputed_from_cache == report.checked_fixings
    assert not report.ok
    assert any(code + " " in p and said in p for p in report.problems), report.problems


def test_a_damaged_entry_is_discarded_reported_and_recomputed(ran: Path) -> None:
    _verify()
    for entry in _entries():
        raw = bytearray(entry.read_bytes())
        raw[-20] ^= 0xFF
        entry.write_bytes(bytes(raw))
    report = _verify()
    assert report.ok and report.recomputed == report.checked_fixings
    assert any(d.startswith("recompute cache entry") for d in report.cache_discarded)
    assert _verify().recomputed == 0  # rewritten sound


def test_the_key_holds_the_recomputing_code_and_only_it(tmp_path: Path) -> None:
    copy = tmp_path / "pipeline"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert fingerprint_of(copy, FINGERPRINTED, LIBRARIES) == code_fingerprint()
    parser = copy / "sources" / "vast.py"
    parser.write_text(parser.read_text() + "\n# parsing is the parse cache's key, not this one's\n")
    assert fingerprint_of(copy, FINGERPRINTED, LIBRARIES) == code_fingerprint()
    for rel in ("index/central_band.py", "methodology/v3.json", "domain/fixing.py", "audit/recompute.py"):
        changed = copy / rel
        text = changed.read_text()
        changed.write_text(text + ("\n" if rel.endswith(".json") else "\n# one changed line\n"))
        assert fingerprint_of(copy, FINGERPRINTED, LIBRARIES) != code_fingerprint(), rel
        changed.write_text(text)


def test_the_inputs_of_a_recording_time_are_the_captures_known_then() -> None:
    t0 = datetime(2026, 8, 3, 16, tzinfo=UTC)
    a, b = (t0 - timedelta(hours=1), "a", "1" * 64), (t0 + timedelta(hours=1), "b", "2" * 64)
    first = known_by([a, b], [t0, t0 + timedelta(days=1)])
    assert first[t0] == known_by([a], [t0])[t0]  # a capture checked later does not change what was known
    assert first[t0 + timedelta(days=1)] != first[t0]
    forged = (a[0], "a", "3" * 64)  # the same capture read from other content
    assert known_by([forged, b], [t0])[t0] != first[t0]
    assert known_by([b, a], [t0, t0 + timedelta(days=1)]) == first  # the order given does not matter


def test_the_comparison_join_leaves_every_possible_difference_to_be_named() -> None:
    stored = [Decimal("3.24"), Decimal("100"), Decimal("100"), None, Decimal("1.5"), Decimal("2")]
    again = ["3.2400", "100", "10", None, None, "2"]
    frame = pl.DataFrame(
        {
            "status": ["published", "published", "published", "withheld", "published", "not_republished"],
            "status_again": ["published"] * 3 + ["withheld", "published", "indicative"],
            "value": pl.Series(stored, dtype=pl.Decimal(38, 18)),
            "value_again": again,
            "inputs_digest": ["d"] * 6,
            "inputs_digest_again": ["d"] * 6,
            "n_providers": [5] * 6,
            "n_providers_again": [5, 5, 5, 5, 5, None],
        }
    )
    assert frame.select(_agrees())[:, 0].to_list() == [True, True, False, True, False, False]
