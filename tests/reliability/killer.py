"""`python -m tests.reliability.killer POINT N cix-args...`: run `cix` and SIGKILL it at the N-th call of POINT.

The points are the write steps of load, fix and publish; "before" kills as the step starts, "after" as it
returns. Used by the kill tests and the long run; it changes nothing unless it is the program being run.
"""

from __future__ import annotations

import functools
import importlib
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

# name -> (module, class or None, attribute, when)
POINTS: dict[str, tuple[str, str | None, str, str]] = {
    "capture-record": ("pipeline.store.warehouse", "Warehouse", "record_captures", "before"),
    "load-fx": ("pipeline.store.warehouse", "Warehouse", "record_fx_rates", "after"),
    "load-batch": ("pipeline.store.warehouse", "Warehouse", "load_batches", "before"),
    "load-batch-done": ("pipeline.store.warehouse", "Warehouse", "load_batches", "after"),
    "fix-append": ("pipeline.store.warehouse", "Warehouse", "append_fixings", "before"),
    "fix-appended": ("pipeline.store.warehouse", "Warehouse", "append_fixings", "after"),
    "publish-file": ("pipeline.publish.atomic", None, "_write", "after"),
    "publish-fsync": ("pipeline.publish.atomic", None, "_fsync_dir", "after"),
    "publish-link": ("os", None, "symlink", "after"),
    "publish-swap": ("pipeline.publish.atomic", None, "_point", "before"),
    "publish-swapped": ("pipeline.publish.atomic", None, "_point", "after"),
}


def install(point: str, nth: int) -> None:
    module_name, class_name, attribute, when = POINTS[point]
    owner: Any = importlib.import_module(module_name)
    if class_name is not None:
        owner = getattr(owner, class_name)
    original: Callable[..., Any] = getattr(owner, attribute)
    calls = 0

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == nth and when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        result = original(*args, **kwargs)
        if calls == nth and when == "after":
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(owner, attribute, wrapper)


def main() -> None:
    point, nth, args = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    install(point, nth)
    from pipeline.face.cli import main as cix

    sys.argv = ["cix", *args]
    cix()


if __name__ == "__main__":
    main()
