"""Running jobs in worker processes, for the suite and the mutation self-check.

>>> parallel(abs, [-3, 1, -2], jobs=2)
[3, 1, 2]
"""

from __future__ import annotations

import gc
import os
import signal
from collections.abc import Callable, Sequence
from typing import Any

from podmodel.model.collector import GC_THRESHOLDS, fewer_collections


def parallel(fn: Callable[[Any], Any], items: Sequence[Any], *, jobs: int = 1,
             weight: Callable[[Any], float] | None = None,
             on_result: Callable[[int, Any], None] | None = None, few_collections: bool = False) -> list[Any]:
    """``[fn(item) for item in items]``, in ``jobs`` forked worker processes when > 1.

    Results come back in ``items`` order whatever the order they finish in;
    ``on_result(done, result)`` is called as each finishes.  Heavier items (by
    ``weight``) are started first so the workers finish together.  Workers are not
    daemonic: the compiled explorer may start a helper process of its own.
    ``few_collections``: the jobs run with the collector's `GC_THRESHOLDS`.

    >>> parallel(abs, [-3, 1, -2], jobs=2)
    [3, 1, 2]
    """
    results: dict[int, Any] = {}
    if jobs > 1 and len(items) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        order = sorted(range(len(items)), key=lambda i: -(weight(items[i]) if weight else 0))
        ex = ProcessPoolExecutor(min(jobs, len(items)), mp_context=multiprocessing.get_context("fork"),
                                 initializer=_worker_init, initargs=(few_collections,))
        try:
            futures = {ex.submit(_job, fn, items[i]): i for i in order}
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
            with fewer_collections(few_collections):
                results[i] = _job(fn, item)
            if on_result:
                on_result(len(results), results[i])
    return [results[i] for i in range(len(items))]


#: Set in a worker started with ``few_collections``: after each job's collection, what
#: survived it (modules the job imported, NumPy's and numba's objects) is frozen too.
_freeze = False


def _job(fn: Callable[[Any], Any], item: Any) -> Any:
    """``fn(item)``, then a full collection: what the job left in cycles goes before the next one.

    In a worker with few collections, what survives that collection is then frozen
    (``gc.freeze``): the next job's full collections no longer re-scan the modules and
    caches an earlier job loaded (about 40 ms a collection once the compiled engine,
    NumPy, SciPy and numba are in: 3.4 s of CPU over the 70 smaller pods of the suite,
    measured in one process).  The survivors are module-level objects; a job's models
    and results are gone by then (nothing of a job outlives it but its pickled result)."""
    try:
        return fn(item)
    finally:
        gc.collect()
        if _freeze:
            gc.freeze()


def _worker_init(few_collections: bool = False) -> None:
    """In a worker: SIGTERM ends it at once (the parent's handler is not inherited), and
    Ctrl-C is left to the parent, which stops the workers itself.  What the worker
    inherited from the parent (modules, the scenarios, and whatever else a long-lived caller
    -- a test session, a notebook -- holds) is never scanned again (``gc.freeze``): without
    it each job's full collection (`_job`) walks the parent's whole heap, which made a
    mutation run forked from a pytest process holding 1.4 GB ten times slower.  With
    ``few_collections``, the collector also runs with `GC_THRESHOLDS` and what survives each
    job is frozen too (`_job`)."""
    global _freeze
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.freeze()
    if few_collections:
        gc.set_threshold(*GC_THRESHOLDS)
        _freeze = True


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
