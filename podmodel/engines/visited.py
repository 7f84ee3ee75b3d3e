"""The compiled engine's visited set: packed state codes -> state numbers.

The set keeps the codes themselves in one growable array, in the order they are numbered
(`Visited.column`: the search's own column of state codes, not a copy), and an index over
it.  One interface (`Visited.visit`), three ways to run the index, chosen per run:

* a sorted copy of the codes and the numbers beside it (``np.unique``, ``np.searchsorted``,
  ``np.insert``) -- the reference, used while the set is small (each insertion copies
  the whole sorted array, O(N) per chunk of the search);
* an open-addressing hash table of state numbers (linear probing from a Fibonacci hash of
  the code; each slot holds a number plus one, so that 0 marks a free slot and a new table
  is zeroed memory; the code of a slot is read from the column) once the set has grown
  past `HASH_FROM` codes, probed by NumPy a round at a time (`Visited._visit_hash`: every
  candidate looks at its slot, claims it if free, else moves on), O(1) per candidate and
  no import beyond NumPy.  A slot holds 4 bytes (8 past 2**30 slots), not a code and a
  number: the table is a third of a table of keys and values, and a larger table is
  rebuilt from the column, the old one freed first;
* the same table probed by numba's loop (`podmodel.engines.compiled_jit.visit`), one
  candidate after the other, about three times faster per candidate, once the set has
  grown past `JIT_FROM` codes and numba is installed (the ``explore`` extra): numba's
  import and the load of its cached loops cost about a second of CPU and 150 MB, paid
  back only by the largest runs.

Both probes keep the table a valid linear-probing table (a number sits at the first slot
from its code's home that was free when it got there; slots never empty), so a run
switches from one to the other on the same arrays.  All three give the same numbers (first
occurrence in candidate order); the tests compare them (`tests/test_compiled_differential.py`,
`tests/test_compiled_search.py`).  Nothing here knows the model: the keys are the integers
`podmodel.engines.compiled` packs states into.

>>> v = Visited(np.array([7, 3], dtype=np.int64), hash_from=None)
>>> first, ids, cut = v.visit(np.array([5, 3, 9, 5, 8], dtype=np.int64), room=2)
>>> first.tolist(), ids.tolist(), cut, len(v), v.column.array().tolist()
([0, 2], [2, 1, 3, 2, -1], True, 4, [7, 3, 5, 9])
>>> h = Visited(np.array([7, 3], dtype=np.int64), hash_from=0, jit_from=None)
>>> first, ids, cut = h.visit(np.array([5, 3, 9, 5, 8], dtype=np.int64), room=2)
>>> first.tolist(), ids.tolist(), cut, len(h), h.kind, h.column.array().tolist()
([0, 2], [2, 1, 3, 2, -1], True, 4, 'hash', [7, 3, 5, 9])
"""

from __future__ import annotations

import os

import numpy as np

#: Switch from the sorted array to the hash table once this many codes are visited.
HASH_FROM = 1 << 17
#: Probe the hash table with numba's loop (when installed) once this many codes are visited.
JIT_FROM = 1 << 22
#: Largest fill of the hash table before it doubles, probed by NumPy's rounds (each round is
#: a pass over the candidates still looking: fewer rounds on a sparser table) ...
LOAD = 0.5
#: ... and by numba's loop (linear probing stays short below it).
JIT_LOAD = 0.7
#: Set (to anything) to keep the NumPy paths even when numba is installed.
NO_NUMBA_ENV = "PODMODEL_NO_NUMBA"
#: Fibonacci hashing's multiplier (2**64 / phi), as `podmodel.engines.compiled_jit`.
GOLDEN = np.uint64(0x9E3779B97F4A7C15)
#: Numbers inserted at once by NumPy's rounds when a table is built (bounds the temporaries).
BLOCK = 1 << 18

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


class Column:
    """An array appended to chunk by chunk: one buffer, grown in place, so the search keeps
    no list of chunks to join at the end (joining held every array twice, and the freed
    chunks stayed in the heap).

    The buffer grows by `GROW` of its size through ``ndarray.resize``: ``realloc``, which for
    a large buffer is ``mremap`` -- its pages move to the larger mapping without a copy and
    without being faulted in again (copying into a new buffer re-faulted every page of every
    column at every growth: on six-containers' 205 M edges, gigabytes of page faults, most of
    the search's system time).  The zeroed tail ``resize`` adds is small (a sixteenth), and
    `trim` gives it back at the end.  Should another reference to the buffer exist (``resize``
    refuses then), it is copied as before.  ``a[n:]`` is free room (`reserve`): a writer may
    use it as scratch."""

    #: Growth step, as a fraction of the buffer's size.
    GROW = 16

    def __init__(self, dtype, first: np.ndarray | None = None):
        self.a = np.empty(1 << 16, dtype)
        self.n = 0
        if first is not None:
            self.append(first)

    def reserve(self, need: int) -> None:
        """Room for ``need`` elements in all (``a`` may be another buffer afterwards)."""
        if need > self.a.size:
            self._resize(max(need, self.a.size + self.a.size // self.GROW))

    def append(self, x: np.ndarray) -> None:
        need = self.n + x.size
        self.reserve(need)
        self.a[self.n:need] = x
        self.n = need

    def _resize(self, size: int) -> None:
        try:
            self.a.resize(size, refcheck=True)
        except ValueError:  # referenced elsewhere: a new buffer
            a = np.empty(size, self.a.dtype)
            a[:min(self.n, size)] = self.a[:min(self.n, size)]
            self.a = a

    def trim(self) -> None:
        """Give back the unused tail (before `array` is handed out for good)."""
        if self.a.size > self.n:
            self._resize(max(self.n, 1))

    def array(self) -> np.ndarray:
        return self.a[:self.n]


def _place(table: np.ndarray, codes: np.ndarray, shift: int, ids: np.ndarray) -> None:
    """Insert the numbers ``ids`` (of distinct codes ``codes[ids]``, absent from the table)
    by rounds: each number still looking reads its slot; on a free slot the numbers there
    all write theirs, and the one whose number stayed is placed; the others move on."""
    mask = table.size - 1
    pos = home(np.take(codes, ids), shift)
    x = (ids + 1).astype(table.dtype)
    while x.size:
        free = np.flatnonzero(np.take(table, pos) == 0)
        pf, xf = np.take(pos, free), np.take(x, free)
        table[pf] = xf
        placed = np.zeros(x.size, bool)
        placed[free[np.take(table, pf) == xf]] = True
        left = np.flatnonzero(~placed)
        x, pos = np.take(x, left), np.take(pos, left)
        pos += 1
        pos &= mask


def _claim(table: np.ndarray, slots: np.ndarray, marks: np.ndarray) -> None:
    """``table[slots] = marks``, written last first: where NumPy writes a fancy assignment
    in order (as it does), of the marks written to one slot the first stays.  Both reversed
    arrays are made contiguous first (the table's type for the marks): written from the
    reversed views, five-containers' peak was about 4 bytes/state higher (166.6-166.7 vs
    161.1-162.1, main 164.0, the same script and directory) and the cast strided."""
    table[np.ascontiguousarray(slots[::-1])] = marks[::-1].astype(table.dtype)


def _firsts(n: int, new: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Of the candidates ``new`` (increasing positions among ``n``) on slots claimed by
    the candidates ``j``: the first candidate of each claimer, in order, and its claimer.
    The reference for `Visited._visit_hash`'s shortcut (a claimer before all candidates
    on its slot is the first of them), which holds when NumPy writes a fancy assignment's
    repeated indices in order, as it does today; this runs if it ever does not."""
    lead = np.full(n, n, np.int64)
    np.minimum.at(lead, j, new)      # per claimer: its first candidate
    is_first = lead[j] == new
    return new[is_first], j[is_first]


class Visited:
    """Codes visited so far, numbered 0, 1, ... in order of first visit; `column` holds them
    in that order."""

    def __init__(self, initial: np.ndarray, *, hash_from: int | None = HASH_FROM, jit_from: int | None = JIT_FROM):
        self.column = Column(np.int64, initial)
        self.size = int(initial.size)
        self.sorted = np.sort(initial)
        self.sorted_ids = np.argsort(initial, kind="stable").astype(np.int64)
        self.hash_from = hash_from
        self.jit_from = jit_from
        self.kernels = None
        self.table: np.ndarray | None = None
        self.bits = 0

    def __len__(self) -> int:
        return self.size

    @property
    def load(self) -> float:
        """The table's largest fill, for the probe in use."""
        return JIT_LOAD if self.kernels is not None else LOAD

    @property
    def kind(self) -> str:
        return "hash" if self.table is not None else "sorted"

    def visit(self, cand: np.ndarray, room: int | None = None) -> tuple[np.ndarray, np.ndarray, bool]:
        """Visit the codes ``cand`` (in order).  Returns ``(first, ids, cut)``: the position
        in ``cand`` of each new code's first occurrence, in the order they are numbered
        (from ``len(self)``; appended to `column` in that order); the number of every
        element of ``cand`` (-1 for a new code beyond ``room``); and whether ``room`` left
        some new code out."""
        if self.table is None and self.hash_from is not None and self.size + cand.size >= self.hash_from:
            self._to_hash(self.size + cand.size)
        if self.table is None:
            return self._visit_sorted(cand, room)
        if self.kernels is None and self.jit_from is not None and self.size + cand.size >= self.jit_from:
            self.kernels = numba_module()
            if self.kernels is None:
                self.jit_from = None
        if self.kernels is not None:
            return self._visit_jit(cand, room)
        return self._visit_hash(cand, room)

    def find(self, cand: np.ndarray) -> np.ndarray:
        """The number of each code of ``cand`` (-1 if not visited); nothing is inserted.
        NumPy only, on either index (the hash table as numba's loop leaves it too)."""
        if self.table is None:
            codes = self.sorted
            if not codes.size:
                return np.full(cand.size, -1, np.int64)
            k = np.searchsorted(codes, cand)
            k[k >= codes.size] = 0
            return np.where(codes[k] == cand, self.sorted_ids[k], -1)
        table, buf, mask = self.table, self.column.a, self.table.size - 1
        ids = np.full(cand.size, -1, np.int64)
        pos = home(cand, 64 - self.bits)
        idx = np.arange(cand.size)
        x = cand
        while x.size:   # a round per probe: found, a free slot (absent), or the next slot
            v = np.take(table, pos).astype(np.int64)
            found = (v > 0) & (np.take(buf, v - 1) == x)   # (a free slot reads buf[-1]: v > 0 decides)
            ids[idx[found]] = v[found] - 1
            left = np.flatnonzero(~found & (v > 0))
            idx, x, pos = idx[left], x[left], (pos[left] + 1) & mask
        return ids

    # -- NumPy reference ------------------------------------------------------------
    def _visit_sorted(self, cand, room):
        codes = self.sorted
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
            self.column.append(new)
            new_ids = np.arange(self.size, self.size + new.size, dtype=np.int64)
            by_code = np.argsort(new)
            ins = np.searchsorted(codes, new[by_code])
            self.sorted = codes = np.insert(codes, ins, new[by_code])
            self.sorted_ids = np.insert(self.sorted_ids, ins, new_ids[by_code])
            self.size += new.size
        k = np.searchsorted(codes, cand)
        k[k >= codes.size] = 0
        hit = codes[k] == cand
        ids = np.where(hit, self.sorted_ids[k], -1)
        return new_first, ids, cut

    # -- hash table -------------------------------------------------------------------
    def _to_hash(self, n: int) -> None:
        """The sorted index replaced by a table for ``n`` codes (those visited and the batch
        at hand; sized for those visited only, it was rebuilt at once, twice as large)."""
        self._alloc(n)
        self._insert(0, self.size)
        self.sorted = self.sorted_ids = None

    def _alloc(self, n: int, bits: int | None = None) -> None:
        """An empty table for ``n`` codes, at most `load` full (or of ``2 ** bits`` slots);
        the old one is let go first.  A slot holds a number plus one, or, while `visit`
        runs, the scratch position of a code plus one: below ``2 ** 31`` for a table of
        fewer than ``2 ** 30`` slots."""
        self.table = None
        self.bits = bits or max(10, (int(max(n, 1) / self.load) - 1).bit_length())
        # zeros: pages the kernel gives zeroed (np.full wrote them all)
        self.table = np.zeros(1 << self.bits, np.int32 if self.bits < 30 else np.int64)

    def _insert(self, lo: int, hi: int) -> None:
        """Insert the numbers ``lo .. hi - 1`` (their codes in `column`, distinct, absent)."""
        codes, shift = self.column.a, 64 - self.bits
        if self.kernels is not None:
            self.kernels.insert_all(self.table, codes, lo, hi, np.uint64(shift))
            return
        for a in range(lo, hi, BLOCK):
            _place(self.table, codes, shift, np.arange(a, min(hi, a + BLOCK), dtype=np.int64))

    def _grow(self, n: int = 0, same: bool = False) -> None:
        """The table rebuilt from `column` for ``n`` codes, at least twice as large
        (``same``: as large)."""
        bits = self.bits if same else max(self.bits + 1, (int(max(n, 1) / self.load) - 1).bit_length())
        self._alloc(max(n, self.size), bits)
        self._insert(0, self.size)

    def _visit_hash(self, cand, room):
        """NumPy's rounds.  While they run, a slot claimed by candidate ``j`` holds
        ``size + j + 1``, and the column's free room holds ``cand`` at ``size ..``, so that
        every slot's code is read the same way; each new code's first occurrence is then
        numbered and its code moved into place.

        The numbering works on arrays indexed by candidate (``lead``: per claiming candidate,
        its code's number), not on the table: the table is written once more, one slot per
        new code (speed only: the table is large and read at random, the candidates' arrays
        are small and read in order).  The candidates with one code read the same slots in
        the same rounds and claim a free one together; a round writes its claims last
        candidate first, so that the first keeps the slot and the claimers are the first
        occurrences themselves -- checked (no candidate before its claimer), else found by
        `_firsts` (speed only: ``np.minimum.at`` per chunk cost about 7% of the visit on
        five-containers).  The rounds gather with ``np.take`` and int64 indices (a slot's
        number read once as int64: ``v``), not ``a[idx]`` with the table's int32 numbers
        (speed only: five-containers' visits replayed, 4.7% fewer instructions)."""
        n, size = cand.size, self.size
        if size + n > self.table.size * self.load:
            self._grow(size + n)
        col = self.column
        col.reserve(size + n)
        buf, table, shift = col.a, self.table, 64 - self.bits
        buf[size:size + n] = cand
        mask = table.size - 1
        pos = home(cand, shift)
        slot = pos          # every candidate's slot and what it read there are written here
        val = pos           # by the round it stops in
        idx = None          # positions in cand of the candidates still looking (None: all)
        x = cand
        while x.size:
            v = np.take(table, pos).astype(np.int64)
            v -= 1
            done = np.take(buf, v) == x   # (a free slot reads buf[-1]: decided below)
            free = np.flatnonzero(v < 0)
            if free.size:
                pf = np.take(pos, free)
                _claim(table, pf, (free if idx is None else np.take(idx, free)) + (size + 1))
                got = np.take(table, pf).astype(np.int64)
                got -= 1
                v[free] = got
                # it took the slot, or a candidate with its code did; others move on
                done[free] = np.take(buf, got) == np.take(x, free)
            if idx is None:
                slot, val = pos, v   # (not written again below: the next round's arrays are new)
            else:
                slot[idx], val[idx] = pos, v   # (those that move on are written again by a later round)
            left = np.flatnonzero(~done)
            if not left.size:
                break
            idx = left if idx is None else np.take(idx, left)
            x, pos = np.take(x, left), np.take(pos, left)
            pos += 1
            pos &= mask
        ids = val                            # a number, or size + j: a slot claimed now by candidate j
        new = np.flatnonzero(ids >= size)    # on slots claimed now: first occurrences and repeats
        first = new
        if new.size:
            j = np.take(ids, new) - size     # the candidate that claimed each one's slot
            if (j <= new).all():             # each claimer is the first candidate with its code
                first = claim = new[j == new]
            else:
                first, claim = _firsts(n, new, j)
            lead = np.empty(n, np.int64)     # per claimer: its code's number
            lead[claim] = np.arange(size, size + first.size, dtype=np.int64)
            ids[new] = np.take(lead, j)
            table[np.take(slot, first)] = np.arange(size + 1, size + 1 + first.size, dtype=table.dtype)
            buf[size:size + first.size] = np.take(cand, first)
        cut = room is not None and first.size > room
        if cut:
            ids[ids >= size + room] = -1
            first = first[:room]
        self.size = col.n = size + first.size
        if cut:  # the codes beyond room leave the table (a linear-probing table cannot delete in place)
            self._grow(self.size, same=True)
        return first, ids, cut

    def _visit_jit(self, cand, room):
        visit = self.kernels.visit
        col = self.column
        col.reserve(self.size + cand.size)
        ids = np.empty(cand.size, np.int64)
        first = np.empty(cand.size, np.int64)
        start, n_first, cut = 0, 0, False
        while True:
            start, self.size, n_first, cut = visit(
                self.table, col.a, np.uint64(64 - self.bits), self.size, int(self.table.size * self.load),
                cand, start, -1 if room is None else room, ids, first, n_first, cut)
            col.n = self.size
            if start == cand.size:
                return first[:n_first], ids, cut
            self._grow()
