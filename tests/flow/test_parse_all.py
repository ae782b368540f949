"""Many captures parsed at once, as a backfill does: split across processes or not, through the parse cache or not,
the same quotes, rejections and failures, in the captures' order."""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from pipeline.flow.helpers import Helpers, HelperStopped
from pipeline.flow.parse import Unreadable
from pipeline.flow.parse_cache import ParseCache, parse_all_cached
from pipeline.methodology import load
from tests.helpers import RealCapture

BOUNDS = load().bounds


def same(a: tuple[pl.DataFrame, pl.DataFrame] | Unreadable, b: tuple[pl.DataFrame, pl.DataFrame] | Unreadable) -> None:
    if isinstance(a, Unreadable) or isinstance(b, Unreadable):
        assert a == b
        return
    assert_frame_equal(a[0], b[0])
    assert_frame_equal(a[1], b[1])


def test_two_processes_and_the_cache_give_what_one_process_gives(real_capture: RealCapture, tmp_path: Path) -> None:
    vast = real_capture("vast", "vast/getcomputable_h100_sxm_asc.json")
    litellm = real_capture("litellm", "litellm/model_prices_and_context_window.json")
    captures = [
        vast,
        real_capture("openrouter", "openrouter/openrouter_models.json"),
        replace(vast, body=vast.body[: len(vast.body) // 2]),  # truncated: unreadable, with its reason
        litellm,
        replace(litellm, source="no-such-source"),  # a capture of a source not registered: recorded, not a crash
    ]
    jobs = [(c, BOUNDS, {}) for c in captures]
    alone = parse_all_cached(jobs, None, Helpers(1))
    assert [isinstance(r, Unreadable) for r in alone] == [False, False, True, False, True]
    truncated = alone[2]
    assert isinstance(truncated, Unreadable) and truncated.kind == "schema_drift" and "not JSON" in truncated.reason
    assert isinstance(alone[4], Unreadable) and "unknown source 'no-such-source'" in alone[4].reason

    cache = ParseCache(tmp_path / "cache")
    with Helpers(2) as helpers:  # asked for explicitly: split across this process and a helper whatever the size
        shared = parse_all_cached(jobs, cache, helpers)
    for a, b in zip(alone, shared, strict=True):
        same(a, b)
    assert len(list((tmp_path / "cache").glob("??/*.parquet-pair"))) == 3, "the readable captures were cached"

    again = ParseCache(tmp_path / "cache")
    for a, b in zip(alone, parse_all_cached(jobs, again), strict=True):
        same(a, b)
    assert len(again.used) == 3, "read from the cache this time"


def _dies_in_a_helper(tasks: list[int]) -> list[int]:
    if multiprocessing.parent_process() is not None:
        os._exit(9)  # as a helper killed by the kernel: no answer, no exception
    return tasks


def test_a_helper_that_dies_is_named_as_such() -> None:
    with Helpers(2) as helpers, pytest.raises(HelperStopped, match="can be run again"):
        helpers.spread(_dies_in_a_helper, [1, 2, 3, 4], [1, 1, 1, 1], 0)
