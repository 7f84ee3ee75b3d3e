"""The cyclic garbage collector during an exploration or a trace check.

An exploration allocates millions of small, long-lived tuples (states, table rows, memos)
and frees almost nothing until it ends.  With Python's default thresholds ``(700, 10, 10)``
the collector runs every 700 allocations and re-scans what survives: 15-25% of a compiled
run's CPU time on the verifier's mid-size pods (docs/verify.md, "Speed").  `explore` and
the verifier's workers run with `GC_THRESHOLDS` instead (about 150 times fewer
collections); memory is unchanged, since the explorations build almost no reference cycles.
Speed only: no result depends on when the collector runs.  The trace oracle's
`~podmodel.oracle.checker.TraceChecker.run` and its ``--jobs`` workers use it too (a long
trace keeps its live pods' heads the same way).  It lives in the model layer, the one
layer every other may import, so that ``check-trace`` gets it without importing the
engines (and NumPy with them).

>>> import gc
>>> before = gc.get_threshold()
>>> with fewer_collections():
...     gc.get_threshold() == GC_THRESHOLDS
True
>>> gc.get_threshold() == before
True
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: The collector's thresholds while an exploration runs (Python's default: ``(700, 10, 10)``).
GC_THRESHOLDS = (100_000, 50, 100)


@contextmanager
def fewer_collections(on: bool = True) -> Iterator[None]:
    """Run the block with the collector's `GC_THRESHOLDS` (if ``on``), then restore the caller's."""
    old = gc.get_threshold()
    if on:
        gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*old)
