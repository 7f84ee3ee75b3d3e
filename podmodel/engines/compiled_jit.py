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


#: Candidates whose slots are read ahead at once (`visit`, `insert_all`): their loads are
#: independent, so the processor overlaps their cache misses instead of waiting for each.
AHEAD = 32


@numba.njit(cache=True, nogil=True)
def insert_all(table, codes, lo, hi, shift):
    """Insert the numbers ``lo .. hi - 1`` (of distinct codes ``codes[lo:hi]``, absent
    from the table); a slot holds a number plus one.  The home slots of `AHEAD` numbers
    are read before the first is placed (a read ahead only: each is placed as before)."""
    mask = table.size - 1
    ahead = np.empty(AHEAD, table.dtype)
    for b in range(lo, hi, AHEAD):
        end = min(b + AHEAD, hi)
        for i in range(b, end):
            ahead[i - b] = table[slot(codes[i], shift)]
        for i in range(b, end):
            h = slot(codes[i], shift)
            while table[h] != 0:
                h = (h + 1) & mask
            table[h] = i + 1
    return ahead[0]


@numba.njit(cache=True, nogil=True)
def visit(table, codes, shift, count, limit, cand, start, room, ids, first, n_first, cut):
    """Number each ``cand[i]`` from ``start``: its number if visited (the code of a slot
    holding ``k + 1`` is ``codes[k]``), else the next one, ``count`` (its code written to
    ``codes[count]``, its position ``i`` appended to ``first``), or -1 once ``room`` new
    codes are taken (``room`` < 0: no limit; ``cut`` is then set).  Returns early, at the
    candidate reached, when ``count`` reaches ``limit`` (the caller grows the table and
    calls again with the returned ``start, count, n_first, cut``).

    Candidates go `AHEAD` at a time: first each one's home slot is read, then the code of
    the number found there, both as independent loads (the processor overlaps their cache
    misses); then each candidate in order.  A candidate whose code was read there is done
    (a slot, once taken, keeps its number, and a number its code); any other probes as
    before, from its home, reading the table again (a slot read free may have been taken
    by an earlier candidate of the same batch)."""
    mask = table.size - 1
    home = np.empty(AHEAD, np.int64)
    got = np.empty(AHEAD, np.int64)
    hit = np.empty(AHEAD, np.bool_)
    i = start
    while i < cand.size:
        end = min(i + AHEAD, cand.size)
        for j in range(i, end):
            h = slot(cand[j], shift)
            home[j - i] = h
            got[j - i] = table[h]
        for j in range(i, end):
            v = got[j - i]
            hit[j - i] = v != 0 and codes[v - 1] == cand[j]
        for j in range(i, end):
            if hit[j - i]:
                ids[j] = got[j - i] - 1
                continue
            if count >= limit:
                return j, count, n_first, cut
            x = cand[j]
            h = home[j - i]
            while True:
                v = table[h]
                if v == 0:
                    if room >= 0 and n_first >= room:
                        ids[j] = -1
                        cut = True
                    else:
                        table[h] = count + 1
                        codes[count] = x
                        ids[j] = count
                        first[n_first] = j
                        n_first += 1
                        count += 1
                    break
                if codes[v - 1] == x:
                    ids[j] = v - 1
                    break
                h = (h + 1) & mask
        i = end
    return cand.size, count, n_first, cut
