"""Liveness on the compact graph: the ``eventually`` properties decided on edge arrays.

The same decision as `podmodel.engines.analysis.liveness` (read its docstring for the
fairness notions), computed on the arrays the compiled engine keeps instead of a Python
adjacency list and a networkx graph built state by state:

* each property's ``check`` and ``trigger`` on every state come from the search itself
  (evaluated once per core state, `podmodel.engines.compiled`);
* the region of not-check states reachable from a failing trigger is a breadth-first
  search of a ``scipy.sparse`` matrix from a virtual source;
* strongly connected components are `scipy.sparse.csgraph.connected_components` (each
  (source, target) pair given once: `strong_components`); the
  fair actions enabled in a state are a bit mask (one bit per fair action value), so the
  weak and strong fairness conditions of a component are bitwise reductions over its
  states and edges, and the Emerson-Lei refinement of strong fairness drops states from
  every component at once and takes the components again;
* only for a violated property is a lasso built, by the analysis module's own path and
  cycle functions over a lazy adjacency of the arrays, so the counterexample is the one
  the readable engine gives.

It applies when at most 63 fair action values occur (one int64 mask); otherwise the
caller falls back to `podmodel.engines.analysis.liveness`.

>>> from podmodel.engines import analysis, explore
>>> from podmodel.verifier.scenarios import load_scenario, SCENARIO_DIR
>>> r = explore(load_scenario(SCENARIO_DIR / "deletion-grace.yaml").model(), engine="compiled")
>>> fast = r.liveness()
>>> slow = analysis.liveness(r)
>>> {k: v.holds for k, v in fast.items()} == {k: v.holds for k, v in slow.items()}
True
>>> fast["deleted-eventually-removed"].counterexample == slow["deleted-eventually-removed"].counterexample
True
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import breadth_first_order, connected_components

from podmodel.engines.analysis import FAIRNESS, Liveness, _bfs_path, _fair_cycle, _lasso
from podmodel.model.properties import FAIR_ACTIONS, Property

if TYPE_CHECKING:
    from podmodel.engines.exploration import ExploreResult

#: Fair action values beyond this many do not fit one int64 mask per state.
MAX_FAIR = 63


class _Adjacency:
    """``adj[u]``: the out-edges of ``u`` as ``(action id, target)``, in exploration order,
    read from CSR arrays on demand (what the analysis module's path functions expect)."""

    def __init__(self, indptr: np.ndarray, dst: np.ndarray, act: np.ndarray):
        self.indptr, self.dst, self.act = indptr, dst, act
        self._memo: dict[int, list[tuple[int, int]]] = {}

    def __getitem__(self, u: int) -> list[tuple[int, int]]:
        hit = self._memo.get(u)
        if hit is None:
            lo, hi = int(self.indptr[u]), int(self.indptr[u + 1])
            hit = self._memo[u] = list(zip(self.act[lo:hi].tolist(), self.dst[lo:hi].tolist()))
        return hit


def _reach(n: int, src: np.ndarray, dst: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """States reachable from ``seeds`` by the edges ``src -> dst`` (a boolean mask)."""
    g = csr_array((np.ones(src.size + seeds.size, np.int8),
                   (np.concatenate([src, np.full(seeds.size, n, src.dtype)]), np.concatenate([dst, seeds.astype(dst.dtype)]))),
                  shape=(n + 1, n + 1))
    order = breadth_first_order(g, n, directed=True, return_predecessors=False)
    out = np.zeros(n + 1, dtype=bool)
    out[order] = True
    return out[:n]


#: Edges gathered at once by `_reach_sorted` (bounds its temporary arrays).
REACH_CHUNK = 1 << 20


def _reach_sorted(n: int, indptr: np.ndarray, dst: np.ndarray, ok: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """`_reach` over the edges ``e`` with ``ok[e]`` of a graph sorted by source (``indptr``):
    a breadth-first search layer by layer on the arrays, without building a matrix (SciPy
    would convert it to float64 first: about 16 bytes per edge)."""
    seen = np.zeros(n, dtype=bool)
    seen[seeds] = True
    front = np.flatnonzero(seen)
    slot = np.zeros(n, np.int32 if dst.size < 1 << 31 else np.int64)  # dedups a gather in O(size): last position wins
    while front.size:
        lo = indptr[front]
        cnt = indptr[front + 1] - lo
        cum = np.cumsum(cnt)
        cuts = np.searchsorted(cum, np.arange(REACH_CHUNK, int(cum[-1]), REACH_CHUNK), side="right").tolist()
        found = []
        for a, b in zip([0, *cuts], [*cuts, front.size]):
            c = cnt[a:b]
            total = int(c.sum())
            if not total:
                continue
            idx = np.repeat(lo[a:b] - (np.cumsum(c) - c), c) + np.arange(total, dtype=np.int64)
            t = dst[idx[ok[idx]]]
            t = t[~seen[t]]
            pos = np.arange(t.size, dtype=slot.dtype)
            slot[t] = pos
            t = t[slot[t] == pos]
            seen[t] = True
            found.append(t)
        front = np.concatenate(found) if found else np.zeros(0, np.int64)
    return seen


#: Edges whose per-edge temporaries `_both` and `_fair_components` make at once: blocks
#: small enough for the allocator to reuse its heap (a temporary of a whole graph's size is
#: a fresh mapping, every page of it faulted in: most of liveness's system time).
EDGE_BLOCK = 1 << 21


def _both(mask: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``mask[a] & mask[b]``, a block of edges at a time (one output, small temporaries)."""
    out = np.empty(a.size, dtype=bool)
    for lo in range(0, a.size, EDGE_BLOCK):
        hi = min(a.size, lo + EDGE_BLOCK)
        o = out[lo:hi]
        np.take(mask, a[lo:hi], out=o)
        o &= mask[b[lo:hi]]
    return out


def _indptr(n: int, src: np.ndarray) -> np.ndarray:
    """Where each state's run of edges starts in ``src`` (sorted), and the end: ``n + 1``
    offsets.  From the positions where the source changes (a byte per edge of temporary:
    ``np.bincount`` would first copy ``src`` into 64-bit integers, 8 bytes per edge); a state
    without edges starts where the next state with edges does."""
    m = src.size
    out = np.full(n + 1, m, np.int32 if m < 1 << 31 else np.int64)
    if m:
        starts = np.flatnonzero(src[1:] != src[:-1])
        starts += 1
        out[src[0]] = 0
        out[src[starts]] = starts
        out = np.ascontiguousarray(np.minimum.accumulate(out[::-1])[::-1])
    return out


def strong_components(n: int, es: np.ndarray, ed: np.ndarray) -> tuple[int, np.ndarray]:
    """The strongly connected components of the graph ``es -> ed`` (``es`` sorted) on states
    ``0..n-1``: their number and each state's component.

    The graph is a CSR matrix built directly (no COO copy).  Each (source, target) pair is
    given to SciPy once: SciPy 1.17.1's ``connected_components(connection="strong")`` does not
    return, or numbers the components wrongly, on a graph where a pair repeats (measured: two
    states, edges ``0 -> 1`` twice), and the explored graph has such pairs wherever two actions
    of a state lead to the same state (113 of ``deletion-grace``'s 732 edges).  How many edges
    join two states does not change the components.  The matrix's indices are a copy, sorted
    and merged in place by ``sum_duplicates`` (SciPy's C++ routine: 0.08-0.12 s on
    six-containers' largest regions, 20-31 M edges); ``es`` and ``ed`` stay in edge order."""
    idx = np.int32 if es.size < 1 << 31 and n < 1 << 31 else np.int64
    indptr = _indptr(n, es).astype(idx, copy=False)
    # float64 weights: SciPy's graph routines take float64, and would otherwise convert a
    # smaller type -- copying the column indices and offsets with it (13 bytes per edge
    # where these weights take 8)
    g = csr_array((np.ones(es.size, np.float64), ed.astype(idx, copy=True), indptr), shape=(n, n))
    g.sum_duplicates()
    return connected_components(g, directed=True, connection="strong")


def _fair_components(n: int, region: np.ndarray, hs: np.ndarray, hd: np.ndarray, ha: np.ndarray,
                     enabled: np.ndarray, bit: np.ndarray, strong: bool) -> np.ndarray:
    """Component number of each state in a component where a fair path stays forever, -1 elsewhere.

    SciPy's graph is built on the alive states only, numbered ``0..k-1`` in state order
    (``local``): its routines allocate several arrays per node of the graph, so a graph over
    all ``n`` states cost page faults in proportion to ``n`` for every call, however small
    the region (speed and memory only: the components are the same)."""
    comp_of = np.full(n, -1, np.int32 if n < 1 << 31 else np.int64)
    alive = region.copy()
    next_id = 0
    local = np.empty(n, np.int32 if n < 1 << 31 else np.int64)  # state -> its number among the alive ones
    while True:
        idx = np.flatnonzero(alive)
        if not idx.size:
            return comp_of
        keep = _both(alive, hs, hd)
        es, ed, ea = (hs, hd, ha) if keep.all() else (hs[keep], hd[keep], ha[keep])  # no copy while all stay
        del keep
        local[idx] = np.arange(idx.size, dtype=local.dtype)
        es, ed = local[es], local[ed]  # both ends alive; increasing with the state, so es stays sorted
        ncomp, lab = strong_components(idx.size, es, ed)  # es is sorted: the edges are kept in source order
        inner = np.zeros(ncomp, dtype=bool)   # components with an edge inside
        taken = np.zeros(ncomp, bit.dtype)     # the fair actions taken inside each
        for lo in range(0, es.size, EDGE_BLOCK):  # a block of edges at a time (small temporaries)
            hi = min(es.size, lo + EDGE_BLOCK)
            ls = lab[es[lo:hi]]
            same = ls == lab[ed[lo:hi]]
            ls = ls[same]   # the component of each edge inside one
            inner[ls] = True
            np.bitwise_or.at(taken, ls, bit[ea[lo:hi][same]])
        del es, ed, ea
        L = lab   # the component of each alive state, in the order of idx
        if not strong:  # every fair action enabled at all its states is taken inside
            at_all = np.full(ncomp, np.iinfo(bit.dtype).max, bit.dtype)
            np.bitwise_and.at(at_all, L, enabled[idx])
            qual = inner & (at_all & ~taken == 0)
            ids = np.cumsum(qual) - 1
            q = qual[L]
            comp_of[idx[q]] = ids[L[q]]
            return comp_of
        anywhere = np.zeros(ncomp, bit.dtype)
        np.bitwise_or.at(anywhere, L, enabled[idx])
        untaken = anywhere & ~taken
        qual = inner & (untaken == 0)
        q = qual[L]
        comp_of[idx[q]] = next_id + (np.cumsum(qual) - 1)[L[q]]
        next_id += int(qual.sum())
        # done with: components without an inner edge, qualifying ones; elsewhere drop the
        # states enabling an untaken fair action and look again (Emerson-Lei)
        drop = ~inner[L] | q | (enabled[idx] & untaken[L] != 0)
        alive[idx[drop]] = False


def liveness(result: ExploreResult, props: Sequence[Property], live: Mapping[str, tuple[np.ndarray, np.ndarray]],
             fairness: str = "weak", fair: Iterable[type] = FAIR_ACTIONS,
             deadline: float | None = None) -> dict[str, Liveness] | None:
    """`podmodel.engines.analysis.liveness` on arrays; None if the fair actions do not fit a mask.

    ``live``: property id -> (check, trigger) as boolean arrays over the states.  A
    property not reached by ``deadline`` (a `time.monotonic` value) is undecided
    (``holds=None``), as in the readable analysis.
    """
    if fairness not in FAIRNESS:
        raise ValueError(f"unknown fairness {fairness!r} (known: weak, strong)")
    space = result.space
    fair_types = frozenset(fair)
    fair_ids = [k for k, a in enumerate(space.actions) if type(a) in fair_types]
    if len(fair_ids) > MAX_FAIR:
        return None
    if not props:
        return {}
    n = result.states
    # one bit per fair action value, in the smallest unsigned type that holds them all
    mask = next(t for t in (np.uint8, np.uint16, np.uint32, np.uint64) if np.iinfo(t).bits >= len(fair_ids))
    bit = np.zeros(max(len(space.actions), 1), mask)
    bit[fair_ids] = np.left_shift(mask(1), np.arange(len(fair_ids), dtype=mask))
    src, dst, act = (np.asarray(x, dtype=np.int32) for x in space.edges())  # int32: a third of the memory
    if src.size and np.any(src[1:] < src[:-1]):
        order = np.argsort(src, kind="stable")
        src, dst, act = src[order], dst[order], act[order]
    indptr = _indptr(n, src)
    enabled = _enabled(n, indptr, act, bit)
    adj = _Adjacency(indptr, dst, act)
    strong = fairness == "strong"

    def decide(p: Property) -> Liveness:
        if deadline is not None and time.monotonic() >= deadline:
            return Liveness(p.id, None)
        ok, trig = live[p.id]
        return _decide(result, p, ~ok, trig, src, dst, act, enabled, bit, adj, frozenset(fair_ids), strong, indptr)

    mine, theirs = list(props), []
    if len(props) > 1 and _parallel(src.size):
        mine, theirs = list(props[:len(props) // 2]), list(props[len(props) // 2:])
    child = _Child(decide, theirs) if theirs else None
    try:
        got = {p.id: decide(p) for p in mine}
        got.update(child.results() if child is not None else {})
    finally:
        if child is not None:
            child.close()
    for p in theirs:  # the other process failed (memory, say): decided here
        if p.id not in got:
            got[p.id] = decide(p)
    return {p.id: got[p.id] for p in props}


#: Edges from which the ``eventually`` properties are decided in two processes (`_Child`).
PARALLEL_EDGES = 1 << 24


def _parallel(edges: int) -> bool:
    """Whether a second process decides some properties: a large graph, two cores, and a
    process allowed to start one (a pool worker is not)."""
    return (edges >= PARALLEL_EDGES and (os.cpu_count() or 1) > 1 and not multiprocessing.current_process().daemon
            and "fork" in multiprocessing.get_all_start_methods())


class _Child:
    """Some properties decided in a forked process beside this one, on the arrays it
    inherits (copy on write: they are only read), so the ``eventually`` properties of a large
    graph take two cores and each process holds the temporary arrays of its own properties
    only.  The verdicts come back pickled; each is exactly what this process would compute
    (the same function on the same arrays).  If the process fails (out of memory, say), its
    properties are left out of `results` and the caller decides them itself."""

    def __init__(self, decide, props: list[Property]):
        ctx = multiprocessing.get_context("fork")
        self.recv, send = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_child_main, args=(decide, props, send), daemon=True)
        self.proc.start()
        send.close()

    def results(self) -> dict[str, Liveness]:
        try:
            data = self.recv.recv_bytes()
        except (EOFError, OSError):
            data = None
        self.proc.join()
        self.close()
        return pickle.loads(data) if data else {}

    def close(self) -> None:
        """Its pipe closed and the process gone (ended if still running: the caller failed)."""
        self.recv.close()
        if self.proc.is_alive():
            self.proc.terminate()
        self.proc.join()


def _child_main(decide, props: list[Property], send) -> None:
    gc.freeze()  # the inherited heap is not scanned (nor its pages copied by the scan)
    try:
        out = {p.id: decide(p) for p in props}
        data = pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:  # noqa: BLE001 - reported as a missing result: the parent decides
        data = b""
    send.send_bytes(data)
    send.close()


#: States whose fair-action bits `_enabled` gathers at once (bounds its temporary arrays).
ENABLED_CHUNK = 1 << 18


def _enabled(n: int, indptr: np.ndarray, act: np.ndarray, bit: np.ndarray) -> np.ndarray:
    """Per state, the bits of the fair actions it has an edge by: one bitwise-or reduction
    over each state's run of edges (sorted by source, ``indptr``), a block of states at a time."""
    enabled = np.zeros(n, bit.dtype)
    for lo in range(0, n, ENABLED_CHUNK):
        hi = min(n, lo + ENABLED_CHUNK)
        a, b = int(indptr[lo]), int(indptr[hi])
        starts = indptr[lo:hi]
        out_of = np.flatnonzero(indptr[lo + 1:hi + 1] > starts)
        if out_of.size:
            enabled[lo + out_of] = np.bitwise_or.reduceat(bit[act[a:b]], starts[out_of] - a)
    return enabled


def _decide(result, p, bad, trig, src, dst, act, enabled, bit, adj, fair_ids, strong, indptr) -> Liveness:
    n = result.states
    all_triggers = int(trig.sum())
    triggers = np.flatnonzero(bad & trig)
    if not triggers.size:
        return Liveness(p.id, True, triggers=all_triggers)
    inner = _both(bad, src, dst)   # a byte per edge; the temporaries a block at a time
    region = _reach_sorted(n, indptr, dst, inner, triggers)
    for lo in range(0, src.size, EDGE_BLOCK):  # the region's inner edges
        hi = min(src.size, lo + EDGE_BLOCK)
        inner[lo:hi] &= region[src[lo:hi]]
    hs, hd, ha = (src, dst, act) if inner.all() else (src[inner], dst[inner], act[inner])
    del inner
    stutter = region & (enabled == 0)
    comp_of = _fair_components(n, region, hs, hd, ha, enabled, bit, strong)
    doomed = stutter | (comp_of >= 0)
    if not doomed.any():
        return Liveness(p.id, True, triggers=all_triggers)
    can_reach = _reach(n, hd, hs, np.flatnonzero(doomed))
    start = int(triggers[can_reach[triggers]][0])
    hops = _bfs_path(adj, start, lambda v: bool(doomed[v]), lambda v: bool(region[v]))
    end = hops[-1][1] if hops else start
    cx = result.path(start, p.id, "lasso")
    if stutter[end]:
        return Liveness(p.id, False, _lasso(result, p.id, cx, hops, [], True), all_triggers)
    comp = frozenset(np.flatnonzero(comp_of == comp_of[end]).tolist())
    cycle = _fair_cycle(adj, end, comp, fair_ids, strong)
    return Liveness(p.id, False, _lasso(result, p.id, cx, hops, cycle, False), all_triggers)


__all__ = ["liveness"]
