"""Running jobs in worker processes, for the suite and the mutation self-check.

>>> parallel(abs, [-3, 1, -2], jobs=2)
[3, 1, 2]
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Sequence
from typing import Any


def parallel(fn: Callable[[Any], Any], items: Sequence[Any], *, jobs: int = 1,
             weight: Callable[[Any], float] | None = None,
             on_result: Callable[[int, Any], None] | None = None) -> list[Any]:
    """``[fn(item) for item in items]``, in ``jobs`` forked worker processes when > 1.

    Results come back in ``items`` order whatever the order they finish in;
    ``on_result(done, result)`` is called as each finishes.  Heavier items (by
    ``weight``) are started first so the workers finish together.  Workers are not
    daemonic: the compiled explorer may start a helper process of its own.

    >>> parallel(abs, [-3, 1, -2], jobs=2)
    [3, 1, 2]
    """
    results: dict[int, Any] = {}
    if jobs > 1 and len(items) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        order = sorted(range(len(items)), key=lambda i: -(weight(items[i]) if weight else 0))
        ex = ProcessPoolExecutor(min(jobs, len(items)), mp_context=multiprocessing.get_context("fork"),
                                 initializer=_worker_init)
        try:
            futures = {ex.submit(fn, items[i]): i for i in order}
            for fut in as_completed(futures):
                results[futures[fut]] = fut.result()
                if on_result:
                    on_result(len(results), results[futures[fut]])
        except BaseException:
            # SIGTERM (turned into SystemExit by the command line), Ctrl-C, a closed pipe or a
            # failed job: stop the workers now instead of waiting for their jobs, no orphans
            _stop_workers(ex)
            raise
        ex.shutdown(wait=True)
    else:
        for i, item in enumerate(items):
            results[i] = fn(item)
            if on_result:
                on_result(len(results), results[i])
    return [results[i] for i in range(len(items))]


def _worker_init() -> None:
    """In a worker: SIGTERM ends it at once (the parent's handler is not inherited), and
    Ctrl-C is left to the parent, which stops the workers itself."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop_workers(ex: Any) -> None:
    procs = list(getattr(ex, "_processes", {}).values())
    ex.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        if proc.is_alive():
            proc.terminate()
    for proc in procs:
        proc.join(timeout=5)
        if proc.is_alive():
            proc.kill()
            proc.join()


def default_jobs() -> int:
    """Worker processes by default: two, or one on a single core."""
    return max(1, min(2, os.cpu_count() or 1))
