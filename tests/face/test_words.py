"""Why a fixing is indicative, in words, wherever a person reads it: the index pages and `cix explain` name the gate
that kept it from settlement and, for the influence test, the firm and how far it alone could move the value."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest

from pipeline.config import paths
from pipeline.face import words
from pipeline.face.report import build_report
from pipeline.store import Warehouse
from tests.face.conftest import DAY, Site
from tests.helpers import BundledRun, cix, lake_sql

CODE = "CIX-A100-80-OD"  # indicative on the bundled captures: one firm could move it further than the bound


def test_the_influence_sentence_names_the_firm_its_reach_and_the_bound() -> None:
    found = {
        "bound": "0.02",
        "holds": False,
        "range_tested": ["0.001", "1000"],
        "worst_fixing_range": [2.4, 2.99],
        "worst_provider": "runpod",
        "worst_relative_reach": 0.125,
    }
    assert words.influence(found) == (
        "runpod alone, quoting anything from 0.001x to 1000x its price, could move the value by up to 12.5 % "
        "(between 2.4 and 2.99): beyond the 2 % bound"
    )
    held = {**found, "holds": True, "worst_relative_reach": 0.015625, "worst_fixing_range": [3.2, 3.25]}
    assert words.influence(held).endswith("by up to 1.56 % (between 3.2 and 3.25): within the 2 % bound")  # type: ignore[union-attr]
    assert words.influence(None) is None
    assert words.influence({**found, "worst_provider": None, "worst_fixing_range": None}) is None


def test_every_flag_the_stored_fixings_carry_has_words_of_its_own(site: Site) -> None:
    con = lake_sql(site.db, read_only=True)
    flags = {f for (doc,) in con.execute("SELECT DISTINCT flags FROM fixing").fetchall() for f in json.loads(doc)}
    con.close()
    assert {"fetch_time_input", "no_executable_input"} <= flags
    assert [f for f in sorted(flags) if f not in words.FLAGS] == []


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<svg.*?</svg>", "", html, flags=re.S)))


@pytest.fixture(scope="module")
def explained(site: Site) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(cix("explain", CODE, DAY, "--format", "json", env=site.env).stdout)
    assert doc["status"] == "indicative" and doc["gates"]["indicative"] == ["influence"], doc["gates"]
    return doc


def test_an_indicative_index_page_and_the_api_say_which_gate_and_which_firm(
    server: str, explained: dict[str, Any]
) -> None:
    page = _text(httpx.get(f"{server}/index/{CODE}?date={DAY}", timeout=60).text)
    assert f"Indicative, not a settlement value, because {words.GATES['influence']} ( influence )" in page
    reach = words.influence(explained["gates"]["influence"])
    assert reach and explained["gates"]["influence"]["worst_provider"] in reach and reach in page.replace("&#39;", "'")
    # The API carries the same measures for machines: the gates as recorded with the fixing.
    answer = httpx.get(f"{server}/fixings/{DAY}/{CODE}", timeout=60).json()
    assert answer["indicative_gates"] == ["influence"] and answer["gates"] == explained["gates"]
    published = _text(httpx.get(f"{server}/index/CIX-H100-OD?date={DAY}", timeout=60).text)
    assert "Indicative, not" not in published and "within the 2 % bound" in published


def test_explain_gives_the_gates_in_words_with_their_measures(site: Site, explained: dict[str, Any]) -> None:
    text = cix("explain", CODE, DAY, env=site.env).stdout
    gates = text[text.index("4. gates") : text.index("5. arithmetic")]
    assert f"   indicative: {words.GATES['influence']} (influence)" in gates
    assert f"one firm's reach: {words.influence(explained['gates']['influence'])}" in gates
    n = explained["gates"]["settlement_min_providers"]
    assert f"independent providers: {n['observed']} ({n['required']} needed to settle)" in gates
    assert all(f"     {f}: {words.flag(f)}" in gates for f in explained["flags"])
    with Warehouse(site.db, read_only=True) as w:
        assert w.fixings(DAY).filter(w.fixings(DAY)["index_code"] == CODE)["status"].to_list() == ["indicative"]


def test_the_index_list_says_why_each_indicative_index_does_not_settle(cix_home: Path, bundled_run: BundledRun) -> None:
    bundled_run(cix_home, None)  # the daily job alone: its day is every index's latest
    with Warehouse(paths().db, read_only=True) as w:
        report = build_report(w, CODE)
        indicative = w.fixings(DAY).filter(pl.col("status") == "indicative")
    assert indicative.height >= 2
    for code, gates in indicative.select("index_code", "gates").iter_rows():
        row = _text(re.findall(rf'<tr data-index="{code}".*?</tr>', report, flags=re.S)[0])
        named = [words.gate(g) for g in json.loads(gates)["indicative"]]
        assert named and all(f"indicative: {n}" in row for n in named), (code, row)
        if "influence" in json.loads(gates)["indicative"]:  # and which firm, how far
            assert f"({words.reach(json.loads(gates)['influence'])})" in row, row


def test_every_fixings_gates_read_as_words_not_as_data(site: Site) -> None:
    """Whatever the index (GPU good, token leg, blend, basket), `cix explain`'s gates are sentences: each gate that
    withheld or downgraded the value in words, no record printed as data."""
    from pipeline.audit import explain
    from pipeline.face.explained import render_explain

    with Warehouse(site.db, read_only=True) as w:
        codes = w.fixings(DAY)["index_code"].to_list()
        docs = [explain(w, code, date.fromisoformat(DAY)) for code in codes]
    assert len(docs) == 34
    for doc in docs:
        text = render_explain(doc)
        gates = text[text.index("4. gates") : text.index("5. arithmetic")]
        named = [*doc["gates"].get("failed", []), *doc["gates"].get("indicative", [])]
        counted = sum(p["verdict"] == "counted" for p in doc["providers"])
        assert all(words.gate(g, counted) in gates for g in named), (doc["index_code"], gates)
        assert named or "every gate held" in gates
        assert not re.search(r"[{}\[\]]|None", gates), (doc["index_code"], gates)
