"""Loops of the compiled engine compiled by numba: imported only when numba is installed
and a run grows large (`podmodel.engines.visited.JIT_FROM`; cached on disk).  Nothing here
knows the model: the inputs are the packed integers of `podmodel.engines.compiled`.

* `insert_all`, `visit`: the hash table of `podmodel.engines.visited`.  Empty slots hold
  0 (the table stores each code plus one); slots are probed linearly from a Fibonacci hash of the
  key (its top ``64 - shift`` bits after multiplying by 2**64/phi).
"""

from __future__ import annotations

import numba
import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@numba.njit(cache=True, nogil=True)
def slot(x, shift):
    """The first slot probed for key ``x`` in a table of ``2 ** (64 - shift)`` slots."""
    return np.int64((np.uint64(x) * _GOLDEN) >> shift)


@numba.njit(cache=True, nogil=True)
def insert_all(keys, vals, codes, ids, shift):
    """Insert distinct ``codes`` (absent from the table) with numbers ``ids``."""
    mask = keys.size - 1
    for i in range(codes.size):
        h = slot(codes[i], shift)
        while keys[h] != 0:
            h = (h + 1) & mask
        keys[h] = codes[i]
        vals[h] = ids[i]


@numba.njit(cache=True, nogil=True)
def visit(keys, vals, shift, count, limit, cand, start, room, ids, first, n_first, cut):
    """Number each ``cand[i]`` from ``start``: its number if visited, else the next one,
    ``count`` (its position ``i`` appended to ``first``), or -1 once ``room`` new codes
    are taken (``room`` < 0: no limit; ``cut`` is then set).  Returns early, at the
    candidate reached, when ``count`` reaches ``limit`` (the caller grows the table and
    calls again with the returned ``start, count, n_first, cut``)."""
    mask = keys.size - 1
    for i in range(start, cand.size):
        if count >= limit:
            return i, count, n_first, cut
        x = cand[i]
        h = slot(x, shift)
        while True:
            k = keys[h]
            if k == x:
                ids[i] = vals[h]
                break
            if k == 0:
                if room >= 0 and n_first >= room:
                    ids[i] = -1
                    cut = True
                else:
                    keys[h] = x
                    vals[h] = count
                    ids[i] = count
                    first[n_first] = i
                    n_first += 1
                    count += 1
                break
            h = (h + 1) & mask
    return cand.size, count, n_first, cut
