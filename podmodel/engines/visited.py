"""The compiled engine's visited set: packed state codes -> state numbers.

Two implementations with one interface (`Visited.visit`), chosen per run:

* a sorted array of codes and the numbers beside it (NumPy only: ``np.unique``,
  ``np.searchsorted``, ``np.insert``) -- the reference, always available, but each
  insertion copies the whole array, O(N) per chunk of the search;
* an open-addressing hash table (linear probing, int64 keys, int32-or-64 numbers) whose
  loops are compiled by numba (`podmodel.engines.compiled_jit`), O(1) per candidate --
  used when numba is installed (the ``explore`` extra) and the set has grown past
  `HASH_FROM` codes, so small runs never pay numba's import (about half a second).

Nothing here knows the model: the keys are the integers `podmodel.engines.compiled` packs
states into.  Both give the same numbers (first occurrence in candidate order), the tests
compare them (`tests/test_compiled_differential.py`).

>>> v = Visited(np.array([7, 3], dtype=np.int64), hash_from=None)
>>> first, ids, cut = v.visit(np.array([5, 3, 9, 5, 8], dtype=np.int64), room=2)
>>> first.tolist(), ids.tolist(), cut, len(v)
([0, 2], [2, 1, 3, 2, -1], True, 4)
"""

from __future__ import annotations

import os

import numpy as np

#: Switch from the sorted array to the hash table once this many codes are visited.
HASH_FROM = 1 << 17
#: Largest fill of the hash table before it doubles (linear probing stays short below it).
LOAD = 0.7
#: Set (to anything) to keep the NumPy reference path even when numba is installed.
NO_NUMBA_ENV = "PODMODEL_NO_NUMBA"

_kernels = None


def numba_module():
    """`podmodel.engines.compiled_jit` (numba's loops), or None without numba or with
    `NO_NUMBA_ENV` set: the callers then take their NumPy path, the reference."""
    global _kernels
    if _kernels is None:
        _kernels = False
        if not os.environ.get(NO_NUMBA_ENV):
            try:
                from podmodel.engines import compiled_jit
            except Exception:  # numba absent, or unusable here (no cache directory, no LLVM)
                pass
            else:
                _kernels = compiled_jit
    return _kernels or None


class Visited:
    """Codes visited so far, numbered 0, 1, ... in order of first visit."""

    def __init__(self, initial: np.ndarray, *, hash_from: int | None = HASH_FROM):
        self.codes = np.sort(initial)
        self.ids = np.argsort(initial, kind="stable").astype(np.int64)
        self.size = int(initial.size)
        self.hash_from = hash_from
        self.kernels = None
        self.keys = self.vals = None
        self.bits = 0

    def __len__(self) -> int:
        return self.size

    @property
    def kind(self) -> str:
        return "hash" if self.keys is not None else "sorted"

    def visit(self, cand: np.ndarray, room: int | None = None) -> tuple[np.ndarray, np.ndarray, bool]:
        """Visit the codes ``cand`` (in order).  Returns ``(first, ids, cut)``: the position
        in ``cand`` of each new code's first occurrence, in the order they are numbered
        (from ``len(self)``); the number of every element of ``cand`` (-1 for a new code
        beyond ``room``); and whether ``room`` left some new code out."""
        if self.keys is None and self.hash_from is not None and self.size + cand.size >= self.hash_from:
            self._to_hash()
        if self.keys is not None:
            return self._visit_hash(cand, room)
        return self._visit_sorted(cand, room)

    # -- NumPy reference ------------------------------------------------------------
    def _visit_sorted(self, cand, room):
        codes = self.codes
        uniq, first = np.unique(cand, return_index=True)
        pos = np.searchsorted(codes, uniq)
        seen = np.zeros(uniq.size, dtype=bool)
        inside = pos < codes.size
        seen[inside] = codes[pos[inside]] == uniq[inside]
        new, new_first = uniq[~seen], first[~seen]
        order = np.argsort(new_first, kind="stable")
        new, new_first = new[order], new_first[order]
        cut = room is not None and new.size > room
        if cut:
            new, new_first = new[:room], new_first[:room]
        if new.size:
            new_ids = np.arange(self.size, self.size + new.size, dtype=np.int64)
            by_code = np.argsort(new)
            ins = np.searchsorted(codes, new[by_code])
            self.codes = codes = np.insert(codes, ins, new[by_code])
            self.ids = np.insert(self.ids, ins, new_ids[by_code])
            self.size += new.size
        k = np.searchsorted(codes, cand)
        k[k >= codes.size] = 0
        hit = codes[k] == cand
        ids = np.where(hit, self.ids[k], -1)
        return new_first, ids, cut

    # -- numba hash table -----------------------------------------------------------
    def _to_hash(self) -> None:
        self.kernels = numba_module()
        if self.kernels is None:
            self.hash_from = None
            return
        self._alloc(self.size)
        self.kernels.insert_all(self.keys, self.vals, self.codes, self.ids.astype(self.vals.dtype), np.uint64(64 - self.bits))
        self.codes = self.ids = None

    def _alloc(self, n: int) -> None:
        """An empty table for ``n`` codes, at most `LOAD` full."""
        self.bits = max(10, int(max(n, 1) / LOAD).bit_length())
        self.keys = np.full(1 << self.bits, -1, np.int64)
        self.vals = np.zeros(1 << self.bits, np.int32 if n < 1 << 30 else np.int64)

    def _grow(self) -> None:
        keys, vals = self.keys, self.vals
        live = keys != -1
        self._alloc(2 * self.size)
        self.kernels.insert_all(self.keys, self.vals, keys[live], vals[live].astype(self.vals.dtype), np.uint64(64 - self.bits))

    def _visit_hash(self, cand, room):
        visit = self.kernels.visit
        ids = np.empty(cand.size, np.int64)
        first = np.empty(cand.size, np.int64)
        start, n_first, cut = 0, 0, False
        while True:
            start, self.size, n_first, cut = visit(
                self.keys, self.vals, np.uint64(64 - self.bits), self.size, int(self.keys.size * LOAD),
                cand, start, -1 if room is None else room, ids, first, n_first, cut)
            if start == cand.size:
                return first[:n_first], ids, cut
            self._grow()
