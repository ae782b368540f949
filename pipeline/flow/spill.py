"""Hand a helper process its work, and take back its answer, through a file in shared memory, not the pipe.

A process pool pickles a task's arguments into a pipe, which carries ~400 MB/s here: megabytes of capture bodies
or of quotes took as long to send as to parse or compute, so a helper gained nothing. Pickled into a file in
`/dev/shm` (memory, not disk) they move at memory speed. The file is private to this user (mkstemp's 0600),
removed by whoever reads it, and by this process once the answer is in, whatever became of the helper. Where there
is no shared memory, or no room in it, the pipe is used as before. Only a process killed while its helper works can
leave a file behind (`/dev/shm/cix-helper-*`, gone at the next boot, safe to delete when no cix job runs).
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

R = TypeVar("R")
SHARED_MEMORY = Path("/dev/shm")  # noqa: S108 - files made by mkstemp (private, unique names)


class InFile(NamedTuple):
    """An answer left in a file by a helper."""

    path: str


def spill_dir() -> Path | None:
    """Where to put the files: shared memory when this machine has it writable, else None (use the pipe)."""
    return SHARED_MEMORY if SHARED_MEMORY.is_dir() and os.access(SHARED_MEMORY, os.W_OK) else None


def submit(pool: ProcessPoolExecutor, where: Path | None, fn: Callable[..., R], *args: Any) -> Future[R]:
    """`pool.submit(fn, *args)`, its arguments and answer carried by files under `where` (None: by the pipe)."""
    path = _dump((fn, args), where) if where is not None else None
    if path is None:
        return pool.submit(fn, *args)
    try:
        inner = pool.submit(_call, path)
    except BaseException:  # the pool is broken or shut: no helper will read the file
        Path(path).unlink(missing_ok=True)
        raise
    outer: Future[R] = Future()

    def done(finished: Future[Any]) -> None:
        try:
            outer.set_result(_answer(finished.result()))
        except BaseException as exc:  # the helper's exception, or its death (BrokenProcessPool), is the answer's
            outer.set_exception(exc)
        finally:
            Path(path).unlink(missing_ok=True)

    inner.add_done_callback(done)
    return outer


def _dump(value: object, where: Path) -> str | None:
    """`value` pickled into a new private file under `where`; None when it does not fit (the file removed)."""
    try:
        fd, path = tempfile.mkstemp(prefix="cix-helper-", dir=where)
    except OSError:  # the folder has gone, or cannot be written: the pipe will do
        return None
    try:
        with os.fdopen(fd, "wb") as out:
            pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
    except OSError:  # no room in shared memory: the pipe will do
        Path(path).unlink(missing_ok=True)
        return None
    except BaseException:  # the value does not pickle: no file is left behind of it
        Path(path).unlink(missing_ok=True)
        raise
    return path


def _load(path: str) -> Any:
    try:
        with open(path, "rb") as file:
            return pickle.load(file)  # noqa: S301 - a file this user's own process wrote a moment ago (mode 0600)
    finally:
        Path(path).unlink(missing_ok=True)


def _call(path: str) -> Any:
    """In the helper: the work from its file, done; the answer in a file beside it (or by the pipe if none fits)."""
    fn, args = _load(path)
    answer = fn(*args)
    written = _dump(answer, Path(path).parent)
    return answer if written is None else InFile(written)


def _answer(value: Any) -> Any:
    return _load(value.path) if isinstance(value, InFile) else value
