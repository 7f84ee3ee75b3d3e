"""Running jobs in worker processes, for the suite and the mutation self-check.

>>> parallel(abs, [-3, 1, -2], jobs=2)
[3, 1, 2]
"""

from __future__ import annotations

import os
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
        with ProcessPoolExecutor(min(jobs, len(items)), mp_context=multiprocessing.get_context("fork")) as ex:
            futures = {ex.submit(fn, items[i]): i for i in order}
            for fut in as_completed(futures):
                results[futures[fut]] = fut.result()
                if on_result:
                    on_result(len(results), results[futures[fut]])
    else:
        for i, item in enumerate(items):
            results[i] = fn(item)
            if on_result:
                on_result(len(results), results[i])
    return [results[i] for i in range(len(items))]


def default_jobs() -> int:
    """Worker processes by default: two, or one on a single core."""
    return max(1, min(2, os.cpu_count() or 1))
