"""`cix impact`: what a change of the methodology's parameters would do to the stored history, over a real backfill
(the llm-prices and genai-prices archives), storing nothing."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pipeline.audit.impact import variant
from pipeline.methodology import load
from pipeline.methodology.params import CentralBandParams
from tests.helpers import cix, lake_sql

STATUSES = ("published", "indicative", "withheld")


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    root = tmp_path_factory.mktemp("impact")
    env = {**os.environ, "CIX_HOME": str(root / "home"), "CIX_PUBLISH_DIR": str(root / "publish")}
    out = cix("backfill", "--archive", "llm-prices", "--archive", "genai-prices-history", "--no-publish", env=env)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    yield env


def impact(env: dict[str, str], *args: str) -> dict[str, dict[str, Any]]:
    out = cix("impact", *args, "--format", "json", env=env)
    assert out.returncode == 0, out.stderr
    return {r["index"]: r for r in map(json.loads, out.stdout.splitlines())}


def stored(env: dict[str, str]) -> dict[str, Counter[str]]:
    con = lake_sql(Path(env["CIX_HOME"]) / "lake.sqlite", read_only=True)
    rows = con.execute("SELECT index_code, status, count(*) FROM fixing GROUP BY ALL").fetchall()
    con.close()
    counts: dict[str, Counter[str]] = {}
    for code, status, n in rows:
        counts.setdefault(code, Counter())[status] = n
    return counts


def test_the_version_in_force_recomputed_is_the_stored_history_and_an_unchanged_parameter_changes_nothing(
    lake: dict[str, str],
) -> None:
    before = stored(lake)
    rows = impact(lake, "--set", "influence_bound=0.02")  # the value in force
    assert set(rows) == {d.code for d in load().indices}
    for code, r in rows.items():
        assert {s: r[f"{s}_before"] for s in STATUSES} == {s: before[code][s] for s in STATUSES}, code
        assert {s: r[f"{s}_after"] for s in STATUSES} == {s: r[f"{s}_before"] for s in STATUSES}, code
        assert r["days_changed"] == 0 and r["first_changed"] == "", code
    assert stored(lake) == before, "a study stores nothing"


def test_a_looser_overload_rule_publishes_the_input_legs_it_withheld(lake: dict[str, str]) -> None:
    rows = impact(lake, "--set", "max_screened_share=0.5", "--first", "2025-06-01")
    leg = rows["CIX-TOK-GPTOSS-120B-IN"]
    assert leg["days_changed"] > 0 and leg["published_after"] > leg["published_before"]
    assert "withheld->published" in leg["first_changed"]
    days = {r["published_before"] + r["indicative_before"] + r["withheld_before"] for r in rows.values()}
    assert days == {r["published_after"] + r["indicative_after"] + r["withheld_after"] for r in rows.values()}
    assert len(days) == 1, "every index over the same days"
    assert rows["CIX-H100-OD"]["days_changed"] == 0, "no GPU index has a token feed to change"


def test_a_variant_is_never_a_version_and_refuses_what_is_not_a_parameter() -> None:
    m = load()
    changes = {"influence_bound": "0.05", "settlement_min_providers": "3", "tier_weights.statistic": "0.75"}
    changed = variant(m, changes)
    assert (changed.version, changed.digest) == (f"{m.version}+study", f"{m.digest}+study")
    estimator, in_force = changed.estimator, m.estimator
    assert isinstance(estimator, CentralBandParams) and isinstance(in_force, CentralBandParams)
    assert (estimator.influence_bound, estimator.settlement_min_providers) == (Decimal("0.05"), 3)
    assert estimator.tier_weights == {**in_force.tier_weights, "statistic": Decimal("0.75")}
    assert in_force.influence_bound == Decimal("0.02"), "the version in force is untouched"
    for changes, fragment in [
        ({"nosuch": "1"}, "is not a parameter a study can vary"),
        ({"tier_weights": "1"}, "is not a parameter a study can vary"),
        ({"tier_weights.gossip": "1"}, "one of: .*tier_weights.statistic"),
        ({"tier_weights.statistic": "heavy"}, "is not a decimal number"),
        ({"influence_bound": "abc"}, "is not a decimal number"),
        ({"settlement_min_providers": "4.5"}, "is not a whole number"),
        ({"influence_bound": "-0.1"}, "never negative"),
        ({"influence_bound": "NaN"}, "finite"),
    ]:
        with pytest.raises(ValueError, match=fragment):
            variant(m, changes)
    with pytest.raises(ValueError, match="no central-band parameters"):
        variant(load("1"), {"influence_bound": "0.03"})
