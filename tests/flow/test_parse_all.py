"""Many captures parsed at once, as a backfill does: split across processes or not, through the parse cache or not,
the same quotes, rejections and failures, in the captures' order."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import time
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from pipeline.flow import parse
from pipeline.flow import spill as spill_module
from pipeline.flow.helpers import Helpers, HelperStopped
from pipeline.flow.parse import ParseTask, Unreadable, parse_capture, parse_many
from pipeline.flow.parse_cache import ParseCache, parse_all_cached
from pipeline.methodology import load
from pipeline.normalize.normalise import normalise_many
from tests.helpers import RealCapture

BOUNDS = load().bounds
_DAY = timedelta(days=1)


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


def _tasks(real_capture: RealCapture) -> list[ParseTask]:
    vast = real_capture("vast", "vast/getcomputable_h100_sxm_asc.json")
    gcp = real_capture("gcp", "skypilot-format/gcp/vms.csv")
    captures = [
        vast,
        real_capture("litellm", "litellm/model_prices_and_context_window.json"),  # rejections among its rows
        gcp,
        real_capture("coreweave-page", "provider-pages-2026/coreweave.html"),
        replace(vast, fetched_at=vast.fetched_at + timedelta(hours=1), in_force_until=vast.fetched_at + _DAY),
    ]
    fx = {"EUR": Decimal("1.08")}
    return [(c, BOUNDS, fx, None) for c in captures] + [(gcp, BOUNDS, {}, None), (vast, BOUNDS, fx, "2")]


def test_captures_normalised_together_give_each_the_rows_it_gives_alone(
    real_capture: RealCapture, monkeypatch: pytest.MonkeyPatch
) -> None:
    tasks = _tasks(real_capture)
    batches: list[int] = []

    def counted(batch: Any, *args: Any, **kwargs: Any) -> Any:  # the real one, counted
        batches.append(len(batch))
        return normalise_many(batch, *args, **kwargs)

    monkeypatch.setattr(parse, "normalise_many", counted)
    together = parse_many(tasks)
    assert max(batches) >= 4, batches  # the captures of one set of bounds, rates and row schema in one plan
    batches.clear()
    for task, result in zip(tasks, together, strict=True):
        same(result, parse_capture(*task))
    assert batches == [1] * len(tasks)
    litellm, later = together[1], together[4]
    assert not isinstance(litellm, Unreadable) and not isinstance(later, Unreadable)
    assert litellm[0].height > 100 and litellm[1].height > 0
    assert later[0]["fetched_at"].unique().to_list() == [tasks[4][0].fetched_at]


def test_a_capture_normalisation_cannot_handle_fails_alone(
    real_capture: RealCapture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure of normalisation cannot be made with real rows of a parser's own schema, so one is injected: the
    batch holding the poisoned capture fails, and each of its captures is then normalised on its own."""
    tasks = _tasks(real_capture)
    poisoned = replace(tasks[1][0], url=tasks[1][0].url + "?poison")
    tasks[1] = (poisoned, *tasks[1][1:])

    def fails_on_poison(batch: Any, *args: Any, **kwargs: Any) -> Any:
        if any("poison" in capture.url for _, capture in batch):
            raise ValueError("rows it cannot handle")
        return normalise_many(batch, *args, **kwargs)

    monkeypatch.setattr(parse, "normalise_many", fails_on_poison)
    results = parse_many(tasks)
    failed = results[1]
    assert isinstance(failed, Unreadable) and failed.kind == "parse_error"
    assert failed.reason == "cannot normalise: ValueError: rows it cannot handle" and failed.text.startswith("litellm")
    monkeypatch.undo()
    for i, (task, result) in enumerate(zip(tasks, results, strict=True)):
        if i != 1:
            same(result, parse_capture(*task))


def _sizes(tasks: list[bytes]) -> list[int]:
    return [len(t) for t in tasks]


@pytest.mark.parametrize("room", ["folder", "none", "not a folder"])
def test_work_and_answers_travel_by_files_that_are_gone_after(
    tmp_path: Path, room: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Megabytes of work go to a helper by a file in shared memory (`flow.spill`), not the pipe; no file is left,
    and where there is no such folder the pipe carries them as before."""
    written: list[str | None] = []
    dump = spill_module._dump
    monkeypatch.setattr(spill_module, "_dump", lambda value, where: written.append(dump(value, where)) or written[-1])
    spill = {"folder": tmp_path / "shm", "none": None, "not a folder": tmp_path / "file"}[room]
    if room == "folder":
        spill.mkdir()  # type: ignore[union-attr]
    elif room == "not a folder":
        spill.write_text("a file where the folder should be")  # type: ignore[union-attr]
    tasks = [os.urandom(1 << 20) + bytes([i]) for i in range(6)]
    with Helpers(2, spill=spill) as helpers:
        assert helpers.spread(_sizes, tasks, [1] * 6, 0) == _sizes(tasks)
        answered = helpers.result(helpers.submit(_sizes, tasks))
    assert answered == _sizes(tasks)
    if room == "folder":
        # the work went by file: the pieces `spread` handed a helper (two at least) and the one `submit`
        assert len(written) >= 3 and all(str(spill) in str(w) for w in written)
        assert list(spill.iterdir()) == []  # type: ignore[union-attr]
    else:
        assert all(w is None for w in written)


def test_work_that_cannot_be_sent_fails_its_answer_and_leaves_no_file(tmp_path: Path) -> None:
    """Work that cannot be written to its file (here a local function, which does not pickle) is refused with its
    error, its half-written file removed; the helpers still serve."""
    shm = tmp_path / "shm"
    shm.mkdir()

    def local() -> None:
        pass

    with Helpers(2, spill=shm) as helpers:
        with pytest.raises((AttributeError, TypeError, pickle.PicklingError), match="pickle"):
            helpers.submit(_sizes, [local])
        assert helpers.result(helpers.submit(_sizes, [b"ab", b"c"])) == [2, 1]
    assert list(shm.iterdir()) == []


def _slow_in_a_helper(tasks: list[int]) -> list[tuple[int, int]]:
    if multiprocessing.parent_process() is not None:
        time.sleep(0.3)  # a helper that is slow (or starts late): this process should not wait for it
    return [(t, os.getpid()) for t in tasks]


def test_work_goes_to_whoever_is_free_and_answers_keep_the_tasks_order() -> None:
    """`spread` hands out pieces as processes become free, not halves at the start: with a helper that is slow,
    this process takes the pieces the helper has not, and the answers are still in the tasks' order."""
    tasks = list(range(32))
    with Helpers(2) as helpers:
        answered = helpers.spread(_slow_in_a_helper, tasks, [1] * len(tasks), 0)
    assert [t for t, _ in answered] == tasks
    here = sum(pid == os.getpid() for _, pid in answered)
    assert here >= 3 * len(tasks) // 4, f"this process did only {here} of {len(tasks)} tasks beside a slow helper"
    assert here < len(tasks), "the helper's pieces came back too"


def test_a_helper_that_dies_leaves_no_file(tmp_path: Path) -> None:
    with Helpers(2, spill=tmp_path) as helpers, pytest.raises(HelperStopped):
        helpers.spread(_dies_in_a_helper, [1, 2, 3, 4], [1, 1, 1, 1], 0)
    assert list(tmp_path.iterdir()) == []
