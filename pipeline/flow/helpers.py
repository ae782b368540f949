"""Helper processes beside this one, for the work that is CPU-bound and splits: re-parsing captures and recomputing
fixings (`verify`), parsing archives and computing a long history chunk by chunk (`backfill`)."""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, TypeVar

from pipeline.flow import spill
from pipeline.flow.spill import spill_dir

T = TypeVar("T")
R = TypeVar("R")
A = TypeVar("A")


POLARS_THREADS = "POLARS_MAX_THREADS"
PIECES = 8  # pieces of work per process in `spread`
AHEAD = 2  # pieces handed to each helper before it asks for more


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
        try:
            return spill.submit(self.pool(), self.spill, fn, *args)
        except BrokenProcessPool as exc:  # a helper died before: no more work can go to them
            raise _stopped() from exc

    def spread(self, work: Callable[[list[T]], list[R]], tasks: list[T], sizes: list[int], worth_it: int) -> list[R]:
        """`work(tasks)` (a list in, a list in the same order out), the tasks split by `sizes` across this process and
        the helpers when their total reaches `worth_it`; the answers in the tasks' order.

        The tasks go in pieces of about equal size (`PIECES` per process), largest first, to whoever is free: each
        helper is kept `AHEAD` pieces ahead and this process takes the next piece itself. Halves handed out at the
        start left this process waiting for the helper's half (measured, 1M marketplace offers, ~6 s of work for each of
        two processes: the helper started ~1 s late and its half's answer took 2.4 s to come back, 12.4 s in all; in
        pieces, 6.8 s): a helper's late start costs only the pieces it does not take, and answers come back while work
        goes on."""
        parts = self.parts_for(sum(sizes), worth_it)
        if parts == 1:
            return work(tasks)
        pieces = [p for p in balanced(sizes, parts * PIECES) if p]
        queue = deque(sorted(pieces, key=lambda p: -sum(sizes[i] for i in p)))
        answers: dict[int, R] = {}
        in_flight: dict[Future[list[R]], list[int]] = {}

        def take(done: Iterable[Future[list[R]]]) -> None:
            for future in done:
                answered: list[R] = self.result(future)
                answers.update(zip(in_flight.pop(future), answered, strict=True))

        def hand_out() -> None:
            while queue and len(in_flight) < (self.n - 1) * AHEAD:
                part = queue.popleft()
                in_flight[self.submit(work, [tasks[i] for i in part])] = part

        hand_out()
        while queue:
            part = queue.popleft()
            answers.update(zip(part, work([tasks[i] for i in part]), strict=True))
            take([f for f in in_flight if f.done()])  # a list: taking an answer drops it from `in_flight`
            hand_out()
        take(as_completed(in_flight))
        return [answers[i] for i in range(len(tasks))]

    @staticmethod
    def result(future: Future[A]) -> A:
        """The helper's answer; a helper that died is said so, with what it means (helpers only compute: what this
        process recorded before stands, and the command can simply be run again)."""
        try:
            return future.result()
        except BrokenProcessPool as exc:
            raise _stopped() from exc

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()

    def __enter__(self) -> Helpers:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _stopped() -> HelperStopped:
    return HelperStopped(
        "a helper process stopped before it answered (killed, or out of memory); nothing it computed was recorded, "
        "what was recorded before stands, and the command can be run again"
    )


def _warm_up() -> None:
    import pipeline.index.fixing_v3  # noqa: F401


def balanced(sizes: list[int], parts: int) -> list[list[int]]:
    """Indices of `sizes` in `parts` bins of about equal total (the largest placed first)."""
    bins: list[list[int]] = [[] for _ in range(max(1, parts))]
    totals = [0] * len(bins)
    for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
        k = totals.index(min(totals))
        bins[k].append(i)
        totals[k] += sizes[i]
    return bins
