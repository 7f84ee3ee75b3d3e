"""Loops of the compiled engine compiled by numba: imported only when numba is installed
and a run grows large (`podmodel.engines.visited.JIT_FROM`; cached on disk).  Nothing here
knows the model: the inputs are the packed integers of `podmodel.engines.compiled`.

* `insert_all`, `visit`: the hash table of `podmodel.engines.visited`.  A slot holds a
  state number plus one (0: free), the code itself is read from the visited set's column;
  slots are probed linearly from a Fibonacci hash of the code (its top ``64 - shift`` bits
  after multiplying by 2**64/phi).
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
def insert_all(table, codes, lo, hi, shift):
    """Insert the numbers ``lo .. hi - 1`` (of distinct codes ``codes[lo:hi]``, absent
    from the table); a slot holds a number plus one."""
    mask = table.size - 1
    for i in range(lo, hi):
        h = slot(codes[i], shift)
        while table[h] != 0:
            h = (h + 1) & mask
        table[h] = i + 1


@numba.njit(cache=True, nogil=True)
def visit(table, codes, shift, count, limit, cand, start, room, ids, first, n_first, cut):
    """Number each ``cand[i]`` from ``start``: its number if visited (the code of a slot
    holding ``k + 1`` is ``codes[k]``), else the next one, ``count`` (its code written to
    ``codes[count]``, its position ``i`` appended to ``first``), or -1 once ``room`` new
    codes are taken (``room`` < 0: no limit; ``cut`` is then set).  Returns early, at the
    candidate reached, when ``count`` reaches ``limit`` (the caller grows the table and
    calls again with the returned ``start, count, n_first, cut``)."""
    mask = table.size - 1
    for i in range(start, cand.size):
        if count >= limit:
            return i, count, n_first, cut
        x = cand[i]
        h = slot(x, shift)
        while True:
            v = table[h]
            if v == 0:
                if room >= 0 and n_first >= room:
                    ids[i] = -1
                    cut = True
                else:
                    table[h] = count + 1
                    codes[count] = x
                    ids[i] = count
                    first[n_first] = i
                    n_first += 1
                    count += 1
                break
            if codes[v - 1] == x:
                ids[i] = v - 1
                break
            h = (h + 1) & mask
    return cand.size, count, n_first, cut
