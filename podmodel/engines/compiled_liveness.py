"""Liveness on the compact graph: the ``eventually`` properties decided on edge arrays.

The same decision as `podmodel.engines.analysis.liveness` (read its docstring for the
fairness notions), computed on the arrays the compiled engine keeps instead of a Python
adjacency list and a networkx graph built state by state:

* each property's ``check`` and ``trigger`` on every state come from the search itself
  (evaluated once per core state, `podmodel.engines.compiled`);
* the region of not-check states reachable from a failing trigger is a breadth-first
  search layer by layer on the edge arrays (`_reach_sorted`), and its graph is built once,
  in its own numbering, from its states' edges: each (source, target) pair once, with the
  fair actions of its edges or-ed (`_region_graph`, 9 bytes per edge);
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
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

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
    from scipy.sparse import csr_array   # SciPy imported when first needed (see `strong_components`)
    from scipy.sparse.csgraph import breadth_first_order

    g = csr_array((np.ones(src.size + seeds.size, np.int8),
                   (np.concatenate([src, np.full(seeds.size, n, src.dtype)]), np.concatenate([dst, seeds.astype(dst.dtype)]))),
                  shape=(n + 1, n + 1))
    order = breadth_first_order(g, n, directed=True, return_predecessors=False)
    out = np.zeros(n + 1, dtype=bool)
    out[order] = True
    return out[:n]


#: Edges gathered (`_runs`: `_reach_sorted`, `_region_graph`) or unpacked (`_pairs`) at once:
#: bounds their temporary arrays (a few MB, which the allocator reuses from its heap).
REACH_CHUNK = 1 << 18


def _runs(indptr: np.ndarray, states: np.ndarray):
    """The out-edges of ``states`` (a graph sorted by source, ``indptr``), `REACH_CHUNK` edges
    or so at a time: ``(a, b, c, e)`` with ``e`` the positions of the edges of
    ``states[a:b]``, in order, and ``c`` how many each of them has."""
    lo = indptr[states]
    cnt = indptr[states + 1] - lo
    cum = np.cumsum(cnt)
    if not cum.size or not cum[-1]:
        return
    cuts = np.searchsorted(cum, np.arange(REACH_CHUNK, int(cum[-1]), REACH_CHUNK), side="right").tolist()
    for a, b in zip([0, *cuts], [*cuts, states.size]):
        c = cnt[a:b]
        total = int(c.sum())
        if total:
            yield a, b, c, np.repeat(lo[a:b] - (np.cumsum(c) - c), c) + np.arange(total, dtype=np.int64)


def _reach_sorted(n: int, indptr: np.ndarray, dst: np.ndarray, allowed: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """The states reachable from ``seeds`` (allowed states) through ``allowed`` states, on a
    graph sorted by source (``indptr``): a breadth-first search layer by layer on the arrays,
    without building a matrix (SciPy would convert it to float64 first: about 16 bytes per
    edge) and without a per-edge mask (an edge is followed when its target is allowed)."""
    seen = np.zeros(n, dtype=bool)
    seen[seeds] = True
    front = np.flatnonzero(seen)
    slot = np.zeros(n, np.int32 if dst.size < 1 << 31 else np.int64)  # dedups a gather in O(size): last position wins
    while front.size:
        found = []
        for *_, e in _runs(indptr, front):
            t = dst[e]
            del e
            t = t[allowed[t] & ~seen[t]]
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
EDGE_BLOCK = 1 << 18


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
    """Where each state's run of edges starts in ``src`` (sorted: a ValueError otherwise),
    and the end: ``n + 1`` offsets.  From the positions where the source changes, a block of
    edges at a time (small temporaries: ``np.bincount`` would first copy ``src`` into 64-bit
    integers, 8 bytes per edge); a state without edges starts where the next state with
    edges does.  ``src`` is sorted if and only if the sources of its runs increase."""
    m = src.size
    out = np.full(n + 1, m, np.int32 if m < 1 << 31 else np.int64)
    if m:
        out[src[0]] = 0
        last = int(src[0])
        for lo in range(0, m - 1, REACH_CHUNK):
            hi = min(m - 1, lo + REACH_CHUNK)
            starts = np.flatnonzero(src[lo + 1:hi + 1] != src[lo:hi])
            starts += lo + 1
            runs = src[starts]
            if runs.size:
                if runs[0] < last or (runs.size > 1 and (runs[1:] < runs[:-1]).any()):
                    raise ValueError("the edges are not sorted by source")
                last = int(runs[-1])
            out[runs] = starts
        rev = out[::-1]
        np.minimum.accumulate(rev, out=rev)
    return out


def _pairs(n: int, key: np.ndarray, bits: np.ndarray | None = None):
    """Each (source, target) pair of the edges ``key = source * n + target`` once, sorted:
    ``(source, target, bits)``, ``bits`` the given bits of the pair's edges or-ed together
    (None without ``bits``).  A stable sort: the keys come sorted by source (the sort
    keeps runs sorted: fast), and the first edge of each pair is the one kept."""
    if bits is None:
        key = np.sort(key, kind="stable")
    else:
        order = np.argsort(key, kind="stable")
        key, bits = key[order], bits[order]
        del order
    first = np.empty(key.size, bool)
    first[:1] = True
    np.not_equal(key[1:], key[:-1], out=first[1:])
    at = np.flatnonzero(first)
    del first
    p = key[at]
    return p // n, p % n, None if bits is None else np.bitwise_or.reduceat(bits, at) if at.size else bits[:0]


def strong_components(n: int, es: np.ndarray, ed: np.ndarray, unique: bool = False) -> tuple[int, np.ndarray]:
    """The strongly connected components of the graph ``es -> ed`` (``es`` sorted) on states
    ``0..n-1``: their number and each state's component.

    Each (source, target) pair is given to SciPy once: SciPy 1.17.1's
    ``connected_components(connection="strong")`` does not return, or numbers the
    components wrongly, on a graph where a pair repeats (measured: two states, edges ``0 ->
    1`` twice), and the explored graph has such pairs wherever two actions of a state lead
    to the same state (113 of ``deletion-grace``'s 732 edges).  How many edges join two
    states does not change the components.  ``unique``: the caller's pairs are already
    unique (`_region_graph`); otherwise they are made so on a copy (`_pairs`), and ``es`` and
    ``ed`` stay as they were.

    The matrix is built directly in CSR form (no COO copy) with a read-only weight of 1
    broadcast over the edges (8 bytes in all): SciPy's routine reads only the indices and
    offsets, and takes a float64 matrix as it is (any other weight type is converted,
    copying the indices and offsets with it: 13 bytes per edge).

    SciPy is imported here, when first needed (also by `_reach`): a run none of whose
    ``eventually`` properties has a failing trigger does without it (its import takes
    about 0.25 s and 36 MB of resident memory); before a second process is forked
    (`_Child`) `liveness` imports it, so that both share one import.  Importing it in a thread beside
    liveness's first array work was measured (session 10: five-containers, two cores) and
    gained nothing: the import holds the interpreter lock, and the array work asks for it
    between its NumPy calls."""
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import connected_components

    idx = np.int32 if es.size < 1 << 31 and n < 1 << 31 else np.int64
    if not unique and es.size:
        es, ed, _ = _pairs(n, es.astype(np.int64) * n + ed)
    indptr = _indptr(n, es).astype(idx, copy=False)
    ones = np.broadcast_to(np.float64(1), (es.size,))
    g = csr_array((ones, np.ascontiguousarray(ed, dtype=idx), indptr), shape=(n, n), copy=False)
    return connected_components(g, directed=True, connection="strong")


def _region_graph(region: np.ndarray, indptr: np.ndarray, dst: np.ndarray, act: np.ndarray, bit: np.ndarray):
    """The graph of the ``region`` states, numbered ``0..k-1`` in state order: ``(states,
    es, ed, eb)``, each (source, target) pair once (sorted), ``eb`` the bits of the fair
    actions of the pair's edges or-ed together (what `_fair_components` reads of them:
    which components have an inner edge and which fair actions they take).

    Built from the out-edges of the region's states only (a small region reads few edges),
    a run of states at a time (`_runs`: a state's edges are in one run, so its repeated
    pairs too, `_pairs`), into arrays of the region's size (9 bytes per edge): no copy of
    the region's edges at the whole graph's numbering, no temporary of the region's size."""
    states = np.flatnonzero(region)
    k = states.size
    itype = np.int32 if k < 1 << 31 else np.int64
    local = np.cumsum(region, dtype=itype)   # state -> its number in the region, plus one (0: outside)
    np.multiply(local, region, out=local)
    bound = int((indptr[states + 1] - indptr[states]).sum())  # pages of the unused tail are never touched
    es, ed, eb = np.empty(bound, itype), np.empty(bound, itype), np.empty(bound, bit.dtype)
    got = 0
    for a, b, c, e in _runs(indptr, states):
        t = local[dst[e]]
        keep = t > 0
        t = t[keep].astype(np.int64)
        t -= 1
        t += np.repeat(np.arange(a, b, dtype=np.int64), c)[keep] * k  # the source's number in the region
        s, d, x = _pairs(k, t, bit[act[e[keep]]])
        del t, keep, e
        es[got:got + s.size], ed[got:got + s.size], eb[got:got + s.size] = s, d, x
        got += s.size
    return states, es[:got], ed[:got], eb[:got]


def _fair_components(k: int, es: np.ndarray, ed: np.ndarray, eb: np.ndarray, en: np.ndarray,
                     strong: bool) -> np.ndarray:
    """Component number of each state (of a region graph, `_region_graph`) in a component
    where a fair path stays forever, -1 elsewhere.  ``eb``: the fair-action bits of each
    edge; ``en``: of each state's out-edges (the fair actions it enables).

    SciPy's graph is built on the alive states only, numbered ``0..j-1`` in state order
    (``local``): its routines allocate several arrays per node of the graph (speed and
    memory only: the components are the same)."""
    comp_of = np.full(k, -1, np.int32 if k < 1 << 31 else np.int64)
    alive = np.ones(k, dtype=bool)
    next_id = 0
    local = None
    while True:
        idx = np.flatnonzero(alive)
        if not idx.size:
            return comp_of
        if idx.size == k:  # every state alive: the graph as it is (no copy)
            ses, sed, seb = es, ed, eb
        else:
            keep = _both(alive, es, ed)
            ses, sed, seb = es[keep], ed[keep], eb[keep]
            del keep
            if local is None:
                local = np.empty(k, comp_of.dtype)  # state -> its number among the alive ones
            local[idx] = np.arange(idx.size, dtype=local.dtype)
            ses, sed = local[ses], local[sed]  # both ends alive; increasing with the state, so ses stays sorted
        ncomp, lab = strong_components(idx.size, ses, sed, unique=True)  # a subgraph's pairs stay unique
        inner = np.zeros(ncomp, dtype=bool)   # components with an edge inside
        taken = np.zeros(ncomp, eb.dtype)     # the fair actions taken inside each
        for lo in range(0, ses.size, EDGE_BLOCK):  # a block of edges at a time (small temporaries)
            hi = min(ses.size, lo + EDGE_BLOCK)
            ls = lab[ses[lo:hi]]
            same = ls == lab[sed[lo:hi]]
            ls = ls[same]   # the component of each edge inside one
            inner[ls] = True
            np.bitwise_or.at(taken, ls, seb[lo:hi][same])
        del ses, sed, seb
        L = lab   # the component of each alive state, in the order of idx
        here = en if idx.size == k else en[idx]
        if not strong:  # every fair action enabled at all its states is taken inside
            at_all = np.full(ncomp, np.iinfo(eb.dtype).max, eb.dtype)
            np.bitwise_and.at(at_all, L, here)
            qual = inner & (at_all & ~taken == 0)
            ids = np.cumsum(qual) - 1
            q = qual[L]
            comp_of[idx[q]] = ids[L[q]]
            return comp_of
        anywhere = np.zeros(ncomp, eb.dtype)
        np.bitwise_or.at(anywhere, L, here)
        untaken = anywhere & ~taken
        qual = inner & (untaken == 0)
        q = qual[L]
        comp_of[idx[q]] = next_id + (np.cumsum(qual) - 1)[L[q]]
        next_id += int(qual.sum())
        # done with: components without an inner edge, qualifying ones; elsewhere drop the
        # states enabling an untaken fair action and look again (Emerson-Lei)
        drop = ~inner[L] | q | (here & untaken[L] != 0)
        alive[idx[drop]] = False


def liveness(result: ExploreResult, props: Sequence[Property], live: Mapping[str, tuple[np.ndarray, np.ndarray]],
             fairness: str = "weak", fair: Iterable[type] = FAIR_ACTIONS,
             deadline: float | None = None, graph: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
             trim: Callable[[], None] | None = None) -> dict[str, Liveness] | None:
    """`podmodel.engines.analysis.liveness` on arrays; None if the fair actions do not fit a mask.

    ``live``: property id -> (check, trigger) as boolean arrays over the states.  A
    property not reached by ``deadline`` (a `time.monotonic` value) is undecided
    (``holds=None``), as in the readable analysis.  ``graph``: the edges as ``(offsets,
    targets, actions)``, sorted by source (``offsets``: `_indptr`); by default from the
    space's `edges`.  ``trim``: called once a property's region is built (of `TRIM_EDGES`
    edges or more), to give the allocator's free memory back to the system
    (`podmodel.engines.compiled._trim_heap`): the region's temporaries are freed into the C
    heap, and what comes next does not reuse all of it (SciPy's modules, imported there the
    first time, are Python objects in their own arenas): five-containers' liveness peak
    343 -> about 330 MB, for about 5 ms per call.
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
    if graph is None:
        src, dst, act = (np.asarray(x, dtype=np.int32) for x in space.edges())  # int32: a third of the memory
        if src.size and np.any(src[1:] < src[:-1]):
            order = np.argsort(src, kind="stable")
            src, dst, act = src[order], dst[order], act[order]
        graph = (_indptr(n, src), dst, act)
        del src
    indptr, dst, act = graph
    enabled = _enabled(n, indptr, act, bit)
    adj = _Adjacency(indptr, dst, act)
    strong = fairness == "strong"

    def decide(p: Property) -> Liveness:
        if deadline is not None and time.monotonic() >= deadline:
            return Liveness(p.id, None)
        ok, trig = live[p.id]
        return _decide(result, p, ~ok, trig, dst, act, enabled, bit, adj, frozenset(fair_ids), strong, indptr,
                       trim or _no_trim)

    mine, theirs = list(props), []
    if len(props) > 1 and _parallel(dst.size):
        import scipy.sparse.csgraph  # noqa: F401 - imported once, before the fork: the other process shares it
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


def _no_trim() -> None:
    pass


#: Region edges from which the heap is trimmed after the region is built (`liveness`'s
#: ``trim``): below, its temporaries are a few MB, less than the trim's own cost (a few ms).
TRIM_EDGES = 1 << 20


def _decide(result, p, bad, trig, dst, act, enabled, bit, adj, fair_ids, strong, indptr, trim) -> Liveness:
    n = result.states
    all_triggers = int(trig.sum())
    triggers = np.flatnonzero(bad & trig)
    if not triggers.size:
        return Liveness(p.id, True, triggers=all_triggers)
    region = _reach_sorted(n, indptr, dst, bad, triggers)
    states, es, ed, eb = _region_graph(region, indptr, dst, act, bit)
    if es.size >= TRIM_EDGES:   # the temporaries of both freed: their pages back before the components'
        trim()
    en = enabled[states]
    stutter = en == 0
    comp_of = _fair_components(states.size, es, ed, eb, en, strong)   # in the region's numbering
    doomed = stutter | (comp_of >= 0)
    if not doomed.any():
        return Liveness(p.id, True, triggers=all_triggers)
    can_reach = _reach(states.size, ed, es, np.flatnonzero(doomed))   # every trigger is in the region
    start = int(triggers[can_reach[np.searchsorted(states, triggers)]][0])
    at = np.zeros(n, dtype=bool)
    at[states[doomed]] = True
    hops = _bfs_path(adj, start, lambda v: bool(at[v]), lambda v: bool(region[v]))
    end = hops[-1][1] if hops else start
    cx = result.path(start, p.id, "lasso")
    le = int(np.searchsorted(states, end))
    if stutter[le]:
        return Liveness(p.id, False, _lasso(result, p.id, cx, hops, [], True), all_triggers)
    comp = frozenset(states[comp_of == comp_of[le]].tolist())
    cycle = _fair_cycle(adj, end, comp, fair_ids, strong)
    return Liveness(p.id, False, _lasso(result, p.id, cx, hops, cycle, False), all_triggers)


__all__ = ["liveness"]
