"""The compiled engine's visited set: packed state codes -> state numbers.

One interface (`Visited.visit`), three ways to run it, chosen per run:

* a sorted array of codes and the numbers beside it (``np.unique``, ``np.searchsorted``,
  ``np.insert``) -- the reference, used while the set is small (each insertion copies
  the whole array, O(N) per chunk of the search);
* an open-addressing hash table (linear probing; int64 keys, each code stored plus one so that
  0 marks a free slot and a new table is zeroed memory; int32-or-64 numbers) once
  the set has grown past `HASH_FROM` codes, probed by NumPy a round at a time
  (`_probe`: every candidate looks at its slot, claims it if empty, else moves on), O(1)
  per candidate and no import beyond NumPy;
* the same table probed by numba's loop (`podmodel.engines.compiled_jit.visit`), one
  candidate after the other, about three times faster per candidate, once the set has
  grown past `JIT_FROM` codes and numba is installed (the ``explore`` extra): numba's
  import and the load of its cached loops cost about a second of CPU and 150 MB, paid
  back only by the largest runs.

Both probes keep the table a valid linear-probing table (a key sits at the first slot from
its home that was free when it got there; slots never empty), so a run switches from one
to the other on the same arrays.  All three give the same numbers (first occurrence in
candidate order); the tests compare them (`tests/test_compiled_differential.py`).
Nothing here knows the model: the keys are the integers `podmodel.engines.compiled`
packs states into.

>>> v = Visited(np.array([7, 3], dtype=np.int64), hash_from=None)
>>> first, ids, cut = v.visit(np.array([5, 3, 9, 5, 8], dtype=np.int64), room=2)
>>> first.tolist(), ids.tolist(), cut, len(v)
([0, 2], [2, 1, 3, 2, -1], True, 4)
>>> h = Visited(np.array([7, 3], dtype=np.int64), hash_from=0, jit_from=None)
>>> first, ids, cut = h.visit(np.array([5, 3, 9, 5, 8], dtype=np.int64), room=2)
>>> first.tolist(), ids.tolist(), cut, len(h), h.kind
([0, 2], [2, 1, 3, 2, -1], True, 4, 'hash')
"""

from __future__ import annotations

import os

import numpy as np

#: Switch from the sorted array to the hash table once this many codes are visited.
HASH_FROM = 1 << 17
#: Probe the hash table with numba's loop (when installed) once this many codes are visited.
JIT_FROM = 1 << 22
#: Largest fill of the hash table before it doubles (linear probing stays short below it).
LOAD = 0.7
#: Set (to anything) to keep the NumPy paths even when numba is installed.
NO_NUMBA_ENV = "PODMODEL_NO_NUMBA"
#: Fibonacci hashing's multiplier (2**64 / phi), as `podmodel.engines.compiled_jit`.
GOLDEN = np.uint64(0x9E3779B97F4A7C15)

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


def home(codes: np.ndarray, shift: int) -> np.ndarray:
    """The first slot probed for each code (the top ``64 - shift`` bits of code * GOLDEN),
    `podmodel.engines.compiled_jit.slot` for arrays."""
    return ((codes.view(np.uint64) * GOLDEN) >> np.uint64(shift)).view(np.int64)


def _probe(keys: np.ndarray, vals: np.ndarray, shift: int, cand: np.ndarray, mark: bool) -> np.ndarray:
    """The slot of each stored key of ``cand`` (a code plus one; 0 is a free slot),
    inserting the absent ones (distinct slots for
    distinct codes, one slot for equal ones).  Rounds: every candidate still looking reads
    its slot; it stops there on its code; on a free slot the candidates there all write
    theirs and those whose code stayed stop (equal codes move together, so they stop
    together); the others move to the next slot.  With ``mark``, the slots taken get the
    number -1."""
    mask = keys.size - 1
    pos = home(cand, shift)
    slot = pos          # every candidate's slot is written here by the round it stops in
    idx = None          # positions in cand of the candidates still looking (None: all)
    x = cand
    while x.size:
        k = np.take(keys, pos)
        done = k == x
        free = np.flatnonzero(k == 0)
        if free.size:
            pf, xf = pos[free], x[free]
            keys[pf] = xf
            won = np.take(keys, pf) == xf
            if mark:
                vals[pf[won]] = -1
            done[free[won]] = True
        if idx is not None:
            slot[idx] = pos   # (those that move on are written again by a later round)
        left = np.flatnonzero(~done)
        if not left.size:
            break
        if idx is None:
            slot = pos.copy()
            idx = left
        else:
            idx = idx[left]
        x, pos = x[left], (pos[left] + 1) & mask
    return slot


class Visited:
    """Codes visited so far, numbered 0, 1, ... in order of first visit."""

    def __init__(self, initial: np.ndarray, *, hash_from: int | None = HASH_FROM, jit_from: int | None = JIT_FROM):
        self.codes = np.sort(initial)
        self.ids = np.argsort(initial, kind="stable").astype(np.int64)
        self.size = int(initial.size)
        self.hash_from = hash_from
        self.jit_from = jit_from
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
        if self.keys is None:
            return self._visit_sorted(cand, room)
        if self.kernels is None and self.jit_from is not None and self.size + cand.size >= self.jit_from:
            self.kernels = numba_module()
            if self.kernels is None:
                self.jit_from = None
        if self.kernels is not None:
            return self._visit_jit(cand, room)
        return self._visit_hash(cand, room)

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

    # -- hash table -------------------------------------------------------------------
    def _to_hash(self) -> None:
        self._alloc(self.size)
        self._insert(self.codes + 1, self.ids)
        self.codes = self.ids = None

    def _alloc(self, n: int, bits: int | None = None) -> None:
        """An empty table for ``n`` codes, at most `LOAD` full (or of ``2 ** bits`` slots)."""
        self.bits = bits or max(10, (int(max(n, 1) / LOAD) - 1).bit_length())
        self.keys = np.zeros(1 << self.bits, np.int64)   # zeros: pages the kernel gives zeroed (np.full wrote them all)
        self.vals = np.zeros(1 << self.bits, np.int32 if n < 1 << 30 else np.int64)

    def _insert(self, codes: np.ndarray, ids: np.ndarray) -> None:
        """Insert distinct stored keys (codes + 1), absent from the table, with their numbers."""
        if self.kernels is not None:
            self.kernels.insert_all(self.keys, self.vals, codes, ids.astype(self.vals.dtype), np.uint64(64 - self.bits))
            return
        for lo in range(0, codes.size, 1 << 18):  # a block at a time: bounded temporaries
            slot = _probe(self.keys, self.vals, 64 - self.bits, codes[lo:lo + (1 << 18)], False)
            self.vals[slot] = ids[lo:lo + (1 << 18)]

    def _grow(self, n: int = 0, same: bool = False) -> None:
        """The live codes (numbered >= 0) moved to a table for ``n`` codes, at least twice
        as large (``same``: as large)."""
        keys, vals = self.keys, self.vals
        live = (keys != 0) & (vals >= 0)
        bits = self.bits if same else max(self.bits + 1, (int(max(n, 1) / LOAD) - 1).bit_length())
        self._alloc(max(n, self.size), bits)
        self._insert(keys[live], vals[live])

    def _visit_hash(self, cand, room):
        if self.size + cand.size > self.keys.size * LOAD:
            self._grow(self.size + cand.size)
        keys, vals = self.keys, self.vals
        slot = _probe(keys, vals, 64 - self.bits, cand + 1, True)
        ids = vals[slot].astype(np.int64)
        new = np.flatnonzero(ids == -1)        # candidates on slots taken now (-1), first ones and repeats
        at = slot[new]
        vals[at] = np.iinfo(vals.dtype).max
        np.minimum.at(vals, at, new.astype(vals.dtype))   # each slot taken now: its first candidate
        first = new[vals[at] == new]
        cut = room is not None and first.size > room
        if cut:
            vals[slot[first[room:]]] = -1   # not numbered: dropped below
            first = first[:room]
        vals[slot[first]] = np.arange(self.size, self.size + first.size, dtype=vals.dtype)
        ids[new] = vals[at]
        self.size += first.size
        if cut:  # the codes beyond room leave the table (a linear-probing table cannot delete in place)
            self._grow(self.size, same=True)
        return first, ids, cut

    def _visit_jit(self, cand, room):
        visit = self.kernels.visit
        ids = np.empty(cand.size, np.int64)
        first = np.empty(cand.size, np.int64)
        start, n_first, cut = 0, 0, False
        stored = cand + 1
        while True:
            start, self.size, n_first, cut = visit(
                self.keys, self.vals, np.uint64(64 - self.bits), self.size, int(self.keys.size * LOAD),
                stored, start, -1 if room is None else room, ids, first, n_first, cut)
            if start == cand.size:
                return first[:n_first], ids, cut
            self._grow()
