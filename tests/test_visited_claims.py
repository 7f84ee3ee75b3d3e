"""The visited set's NumPy rounds against their references (`podmodel.engines.visited`):
the numbering by claimers (`_claim`) against the numbering by ``np.minimum.at``
(`_firsts`) and against the sorted array."""

import numpy as np
import pytest

from podmodel.engines import visited


def _valid(table: np.ndarray, codes: np.ndarray, n: int) -> None:
    """Every number ``0 .. n - 1`` sits in exactly one slot, reachable from its code's home
    without crossing a free slot (what linear probing's lookups need)."""
    full = np.flatnonzero(table)
    assert sorted(table[full].tolist()) == list(range(1, n + 1))
    shift = 64 - (table.size.bit_length() - 1)
    for s, k in zip(full.tolist(), table[full].tolist()):
        start = int(visited.home(codes[k - 1:k], shift)[0])
        assert all(table[(start + d) % table.size] != 0 for d in range((s - start) % table.size))


def test_firsts_is_each_claimers_first_candidate():
    """`_firsts` (by ``np.minimum.at``): per claimer, in order of first candidate, the first
    candidate that landed on its slot, as a dictionary gives it."""
    rng = np.random.default_rng(7)
    n = 5000
    new = np.unique(rng.integers(0, n, 3000))
    j = rng.choice(new, new.size)                # claimers are candidates too
    first, claim = visited._firsts(n, new, j)
    want: dict[int, int] = {}
    for i, c in zip(new.tolist(), j.tolist()):
        want.setdefault(c, i)
    order = sorted(want.items(), key=lambda kv: kv[1])
    assert first.tolist() == [i for _, i in order] and claim.tolist() == [c for c, _ in order]


@pytest.mark.parametrize("order", ["numpy", "last wins"])
def test_claims_number_in_first_occurrence_order_either_way(monkeypatch, order):
    """NumPy's rounds number new codes in first-occurrence order whichever candidate keeps a
    slot: claims as `_claim` writes them (the first stays: numbered by the claimers), and
    written in order (the last stays: numbered by `_firsts`), against the sorted array, with
    duplicates in a batch, codes seen before, the room cut and growth of the table."""
    calls = []
    if order == "last wins":
        monkeypatch.setattr(visited, "_claim", lambda table, slots, marks: table.__setitem__(slots, marks))
    real = visited._firsts
    monkeypatch.setattr(visited, "_firsts", lambda *a: (calls.append(1), real(*a))[1])
    rng = np.random.default_rng(21)
    init = np.unique(rng.integers(0, 1 << 40, 50))
    a, b = visited.Visited(init, hash_from=0, jit_from=None), visited.Visited(init, hash_from=None)
    for room in (None, 4000, None, 2, None):
        batch = rng.integers(0, 1 << 40, 12_000)
        batch[::3] = batch[1::3][: batch[::3].size]   # repeats after their first
        batch[5::7] = batch[3::7][: batch[5::7].size]  # more repeats, some of repeats
        batch[:40] = init[:40]
        ra, rb = a.visit(batch, room), b.visit(batch, room)
        assert [x.tolist() for x in ra[:2]] + [ra[2]] == [x.tolist() for x in rb[:2]] + [rb[2]]
    assert a.column.array().tolist() == b.column.array().tolist() and a.table.size > 1 << 15
    _valid(a.table, a.column.array(), len(a))
    assert bool(calls) == (order == "last wins")


def test_the_switch_to_the_table_is_sized_for_the_batch(monkeypatch):
    """The sorted index turns into a hash table sized for the codes visited and the batch
    that crosses `HASH_FROM` (not rebuilt at once, twice as large, for that batch), valid,
    and numbering the batch as the sorted index does."""
    rng = np.random.default_rng(11)
    init = np.unique(rng.integers(0, 1 << 50, 300))
    batch = rng.integers(0, 1 << 50, 4000)
    batch[2000:] = batch[:2000]   # repeats
    batch[:50] = init[:50]        # and codes seen before
    grew = []
    grow = visited.Visited._grow
    monkeypatch.setattr(visited.Visited, "_grow", lambda self, *a, **k: grew.append(a) or grow(self, *a, **k))
    h = visited.Visited(init, hash_from=1000, jit_from=None)
    ref = visited.Visited(init, hash_from=None)
    got, want = h.visit(batch), ref.visit(batch)
    assert h.kind == "hash" and not grew and len(h) <= h.table.size * visited.LOAD
    assert [x.tolist() for x in got[:2]] == [x.tolist() for x in want[:2]]
    _valid(h.table, h.column.array(), len(h))
