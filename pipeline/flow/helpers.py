"""Helper processes beside this one, for the work that is CPU-bound and splits: re-parsing captures and recomputing
fixings (`verify`), parsing archives and computing a long history chunk by chunk (`backfill`)."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, TypeVar

from pipeline.flow import spill
from pipeline.flow.spill import spill_dir

T = TypeVar("T")
R = TypeVar("R")
A = TypeVar("A")


POLARS_THREADS = "POLARS_MAX_THREADS"


class HelperStopped(RuntimeError):
    """A helper process ended before it answered (killed, or out of memory)."""


class Helpers:
    """Up to `workers - 1` helper processes beside this one (None: one per core), started on first use and shared
    by the steps of one job (verify's re-parse and recompute; a backfill's parse and chunks of days), each of which
    keeps a share of its work here.
    Spawned, not forked (polars and DuckDB threads do not survive a fork), so a script that asks for helpers must
    guard its main."""

    def __init__(self, workers: int | None, spill: Path | None = spill_dir()) -> None:
        self.n = max(1, workers if workers is not None else (os.cpu_count() or 1))
        self.explicit = workers is not None
        self.spill = spill  # where work and answers travel as files (`flow.spill`); None: through the pipe
        self._pool: ProcessPoolExecutor | None = None

    def parts_for(self, amount: int, worth_it: int) -> int:
        """How many parts to split `amount` of work into: all processes when asked for, or when it is worth it."""
        return self.n if self.n > 1 and (self.explicit or amount >= worth_it) else 1

    def pool(self) -> ProcessPoolExecutor:
        """The helpers, started now if not yet. Each helper's polars uses its share of the cores: polars' own threads
        in every process on top of the processes themselves made two processes slower than one (measured, 1M
        marketplace offers: 13.6 s on two processes against 11.1 s on one; with the helper's polars on its share,
        `make bench`'s ingest row went from 13.5 s to 9.9 s)."""
        if self._pool is None:
            threads = str(max(1, (os.cpu_count() or 1) // self.n))
            given = os.environ.get(POLARS_THREADS)
            os.environ[POLARS_THREADS] = threads  # a spawned helper takes this process's environment as it starts
            try:
                self._pool = ProcessPoolExecutor(self.n - 1, mp_context=multiprocessing.get_context("spawn"))
                self._pool.submit(_warm_up)  # starts them; their imports overlap whatever this process does next
            finally:
                if given is None:
                    del os.environ[POLARS_THREADS]
                else:
                    os.environ[POLARS_THREADS] = given
        return self._pool

    def submit(self, fn: Callable[..., R], *args: Any) -> Future[R]:
        """`fn(*args)` in a helper; arguments and answer go by a file in shared memory (`flow.spill`)."""
        return spill.submit(self.pool(), self.spill, fn, *args)

    def spread(self, work: Callable[[list[T]], list[R]], tasks: list[T], sizes: list[int], worth_it: int) -> list[R]:
        """`work(tasks)` (a list in, a list in the same order out), the tasks split by `sizes` across this process and
        the helpers when their total reaches `worth_it`; the answers in the tasks' order."""
        here, *elsewhere = balanced(sizes, self.parts_for(sum(sizes), worth_it))
        remote = [(part, self.submit(work, [tasks[i] for i in part])) for part in elsewhere if part]
        answers = dict(zip(here, work([tasks[i] for i in here]), strict=True))
        for part, future in remote:
            answered: list[R] = self.result(future)
            answers |= dict(zip(part, answered, strict=True))
        return [answers[i] for i in range(len(tasks))]

    @staticmethod
    def result(future: Future[A]) -> A:
        """The helper's answer; a helper that died is said so, with what it means (helpers only compute: what this
        process recorded before stands, and the command can simply be run again)."""
        try:
            return future.result()
        except BrokenProcessPool as exc:
            raise HelperStopped(
                "a helper process stopped before it answered (killed, or out of memory); nothing it computed was "
                "recorded, what was recorded before stands, and the command can be run again"
            ) from exc

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()

    def __enter__(self) -> Helpers:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _warm_up() -> None:
    import pipeline.index.fixing_v3  # noqa: F401


def balanced(sizes: list[int], parts: int) -> list[list[int]]:
    """Indices of `sizes` in `parts` bins of about equal total, largest first (bin 0 is this process's)."""
    bins: list[list[int]] = [[] for _ in range(max(1, parts))]
    totals = [0] * len(bins)
    for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
        k = totals.index(min(totals))
        bins[k].append(i)
        totals[k] += sizes[i]
    return bins
