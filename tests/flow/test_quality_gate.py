"""The gate's one suite, two evaluators: polars decides a run in milliseconds, Great Expectations validates the same
suite off the hot path. They must agree on every expectation, or the stricter verdict stands and says so."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from pipeline.domain.records import RawCapture
from pipeline.flow.parse import parse_capture
from pipeline.methodology import load
from pipeline.quality import check_batch
from pipeline.quality.evaluate import evaluate
from pipeline.quality.gate import _checked, gx_validate
from pipeline.quality.suite import NOT_NULL, expectations
from tests.helpers import REPO, BundledRun, lake_sql

BOUNDS = load().bounds
REAL = {
    "gpu_hour": ("vast", "vast/getcomputable_h100_sxm_asc.json"),
    "tokens": ("openrouter", "openrouter/openrouter_models.json"),
}


@pytest.fixture(scope="module")
def real_batches(realdata: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, pl.DataFrame]]:
    """A slice of a real normalised batch per family, and a GX project of this module's own."""
    mp = pytest.MonkeyPatch()
    mp.setenv("CIX_HOME", str(tmp_path_factory.mktemp("gx") / "home"))
    batches = {}
    for family, (source, relative) in REAL.items():
        body = (realdata / relative).read_bytes()
        capture = RawCapture(source, f"file://{relative}", datetime(2026, 8, 3, 15, 30, tzinfo=UTC), body)
        quotes, _ = parse_capture(capture, BOUNDS, {})
        assert quotes.height >= 5, (family, quotes.height)
        batches[family] = quotes.head(12)
    yield batches
    mp.undo()


def verdicts(failures: list[dict[str, Any]]) -> dict[tuple[Any, ...], int | None]:
    """Failed expectations by (type, column(s), row condition) -> how many rows failed it (None: not countable)."""
    out = {}
    for f in failures:
        kw = f["kwargs"]
        condition = kw.get("row_condition")  # GX gives it back as {"pass_through_filter": text, ...}
        condition = condition.get("pass_through_filter") if isinstance(condition, dict) else condition
        key = (f["expectation"], kw.get("column"), tuple(kw.get("column_list", ())), condition)
        out[key] = f["observed"].get("unexpected_count")
    return out


NUMERIC_VALUES = st.sampled_from(["-1", "0", "0.000001", "0.05", "1.5", "4.99", "9999", "1000000"])
CHANGES = st.one_of(
    st.tuples(st.just("null"), st.sampled_from(NOT_NULL)),
    st.tuples(st.just("unit"), st.sampled_from(["gpu_hour", "mtok_input", "mtok_output", "tokens", "GPU_HOUR"])),
    st.tuples(st.just("product"), st.sampled_from(["gpu_hour", "tokens", "storage"])),
    st.tuples(st.just("currency"), st.sampled_from(["USD", "EUR", "usd", "US", "EURO", "U$D"])),
    st.tuples(st.just("pricing_type"), st.sampled_from(["on_demand", "spot", "reserved_1y", "reserved_", "Spot"])),
    st.tuples(st.just("price_usd"), NUMERIC_VALUES),
    st.tuples(st.just("duplicate"), st.just("")),
    st.tuples(st.just("drop"), st.sampled_from(["label", "region", "currency"])),
    st.tuples(st.just("extra"), st.just("")),
)


def corrupt(frame: pl.DataFrame, changes: list[tuple[tuple[str, str], list[int]]]) -> pl.DataFrame:
    for (kind, arg), drawn in changes:
        rows = [r % frame.height for r in drawn]
        at = pl.int_range(pl.len()).is_in(rows)
        if kind == "duplicate":
            frame = pl.concat([frame, frame[rows]])
        elif kind == "drop" and arg in frame.columns:
            frame = frame.drop(arg)
        elif kind == "extra":
            frame = frame.with_columns(extra=pl.lit(1))
        elif kind == "null" and arg in frame.columns:
            frame = frame.with_columns(pl.when(at).then(None).otherwise(pl.col(arg)).alias(arg))
        elif kind == "price_usd":
            value = pl.lit(Decimal(arg)).cast(frame.schema["price_usd"])
            frame = frame.with_columns(pl.when(at).then(value).otherwise(pl.col("price_usd")).alias("price_usd"))
        elif kind in frame.columns:
            frame = frame.with_columns(pl.when(at).then(pl.lit(arg)).otherwise(pl.col(kind)).alias(kind))
    return frame


# No shrinking: each example is a GX validation run (~0.4 s); a failure prints its example as drawn.
@settings(
    max_examples=30,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    family=st.sampled_from(sorted(REAL)),
    changes=st.lists(st.tuples(CHANGES, st.lists(st.integers(0, 11), min_size=1, max_size=4)), max_size=4),
)
def test_polars_and_great_expectations_judge_every_expectation_alike(
    real_batches: dict[str, pl.DataFrame], family: str, changes: list[tuple[tuple[str, str], list[int]]]
) -> None:
    frame = corrupt(real_batches[family], changes)
    suite = expectations(family, _checked(family, BOUNDS))
    ours = [o.failure() for o in evaluate(frame, suite) if not o.success]
    theirs = gx_validate(family, frame, BOUNDS, docs=False)
    assert verdicts(ours) == verdicts(theirs.failures)
    assert theirs.success == (not ours)


def test_the_real_batches_pass_both(real_batches: dict[str, pl.DataFrame]) -> None:
    for family, frame in real_batches.items():
        assert all(o.success for o in evaluate(frame, expectations(family, _checked(family, BOUNDS))))
        assert check_batch(frame, BOUNDS, family).success


def test_where_the_evaluators_differ_the_stricter_verdict_stands_and_says_so(
    real_batches: dict[str, pl.DataFrame],
) -> None:
    """A currency of "USD" and a newline: Python's `$` (GX's regex) matches before a final newline, polars' does
    not. The batch fails, GX's pass is on the record, and nothing is loaded on a maybe."""
    frame = real_batches["gpu_hour"].with_columns(currency=pl.lit("USD\n"))
    assert gx_validate("gpu_hour", frame, BOUNDS).success
    result = check_batch(frame, BOUNDS, "gpu_hour")
    assert not result.success
    assert [f["expectation"] for f in result.failures] == ["expect_column_values_to_match_regex", "gx_passed"]


def test_a_run_whose_batches_pass_never_imports_great_expectations(tmp_path: Path) -> None:
    """The deliverable: GX (seconds to import) is off the run's path; the run's checks are still recorded."""
    code = (
        "import sys\nfrom pipeline.flow.daily import run\nrun()\n"
        "print('GX', any(m.startswith('great_expectations') for m in sys.modules))"
    )
    env = {**os.environ, "CIX_HOME": str(tmp_path / "home"), "CIX_PUBLISH_DIR": str(tmp_path / "publish")}
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "GX False"
    con = lake_sql(tmp_path / "home" / "lake.sqlite", read_only=True)
    checks = con.execute("SELECT count(*), bool_and(success) FROM batch_check").fetchone()
    con.close()
    assert checks is not None and checks[0] >= 10 and checks[1]


def test_cix_quality_finds_a_batch_whose_stored_rows_are_not_those_it_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bundled_run: BundledRun
) -> None:
    """GX validates what was stored, so a load that lost rows after the gate is found, and the command fails; so
    does the DAGs' `gx_record` step (here as the backfill DAG calls it: the batches checked since its run began)."""
    from pipeline.flow import airflow_tasks
    from pipeline.flow.alerts import read_alerts

    env = {**os.environ, "CIX_HOME": str(tmp_path / "home"), "CIX_PUBLISH_DIR": str(tmp_path / "publish")}
    cix = str(Path(sys.executable).parent / "cix")
    bundled_run(tmp_path, None)  # `cix run`'s installation
    good = subprocess.run([cix, "quality", "--format", "json"], env=env, capture_output=True, text=True, check=True)
    record = json.loads(good.stdout)
    assert record["ok"] and record["batches"] >= 10 and record["disagreements"] == []
    assert Path(record["data_docs"]).is_file() and "quote_batch" in Path(record["data_docs"]).read_text()
    monkeypatch.setenv("CIX_HOME", env["CIX_HOME"])
    since = "2000-01-01T00:00:00+00:00"
    assert airflow_tasks.gx_record(since=since)["batches"] == record["batches"]
    con = lake_sql(tmp_path / "home" / "lake.sqlite")
    con.execute(
        "DELETE FROM quote WHERE row_no = 0 AND capture_id = (SELECT min(capture_id) FROM quote WHERE source = 'aws')"
    )
    con.execute("UPDATE batch_check SET source = 'retired-feed' WHERE source = 'gcp'")  # a feed since removed
    con.close()
    bad = subprocess.run([cix, "quality"], env=env, capture_output=True, text=True)
    assert bad.returncode == 1
    lost = re.search(r"DISAGREE aws \w+ [\d: -]+: (\d+) rows stored, (\d+) checked", bad.stderr)
    assert lost is not None and int(lost[1]) == int(lost[2]) - 1, bad.stderr
    assert "DISAGREE retired-feed" in bad.stderr and "'retired-feed' is not registered" in bad.stderr
    assert "2 disagreement(s)" in bad.stdout
    with pytest.raises(airflow_tasks.GateDisagreement, match="rows stored"):
        airflow_tasks.gx_record(since=since)
    alert = read_alerts()[-1]
    assert alert["kind"] == "gate_disagreement" and len(alert["detail"]["batches"]) == 2


def test_gx_keeps_its_newest_results_and_their_pages_only(
    real_batches: dict[str, pl.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each checkpoint run rebuilds the Data Docs from every stored result (its time grows with them), so they are
    pruned to the newest few, pages too, and the index links only pages that exist."""
    from pipeline.quality import data_docs_index, gate

    monkeypatch.setattr(gate, "KEEP_RESULTS", 3)
    for _ in range(4):
        gx_validate("gpu_hour", real_batches["gpu_hour"], BOUNDS)
    root = gate.gx_root() / "uncommitted"
    results = sorted(p.relative_to(root / "validations").with_suffix("") for p in root.glob("validations/*/*/*/*.json"))
    docs = root / "data_docs" / "local_site"
    pages = sorted(p.relative_to(docs / "validations").with_suffix("") for p in docs.glob("validations/*/*/*/*.html"))
    assert len(results) == 3 and pages == results
    linked = set(re.findall(r"validations/[^'\"]+?\.html", data_docs_index().read_text()))
    assert len(linked) == 3 and all((docs / link).is_file() for link in linked)
    assert gate.prune_results(gate.gx_root(), 1) == 2 and len(list(root.glob("validations/*/*/*/*.json"))) == 1
