"""The compiled engine's liveness pieces (`podmodel.engines.compiled_liveness`) against plain
computations: the region graph (each pair once, its fair bits or-ed), the fair components
against the readable analysis's on networkx, the offsets that replace the per-edge sources."""

import networkx as nx
import numpy as np
import pytest

from podmodel.engines import analysis, compiled_liveness, explore
from podmodel.verifier.scenarios import SCENARIO_DIR, load_scenario


def _graph(rng, n, m, acts=6):
    """A random graph sorted by source with repeated pairs and loops, its actions and offsets."""
    pairs = rng.integers(0, n, (m, 2))
    pairs = np.concatenate([pairs, pairs[: m // 4]])   # repeated pairs, by other actions
    pairs = pairs[np.argsort(pairs[:, 0], kind="stable")]
    src, dst = pairs[:, 0].astype(np.int32), pairs[:, 1].astype(np.int32)
    act = rng.integers(0, acts, src.size).astype(np.int32)
    return src, dst, act, compiled_liveness._indptr(n, src)


@pytest.mark.parametrize("chunk", [3, 1 << 18])
def test_region_graph_is_the_regions_pairs_with_their_bits_ored(monkeypatch, chunk):
    """`_region_graph`: the region's states in order; every (source, target) pair between
    them once, numbered in the region, sorted, with the fair bits of all its edges or-ed; a
    few edges at a time or all at once."""
    monkeypatch.setattr(compiled_liveness, "REACH_CHUNK", chunk)
    rng = np.random.default_rng(23)
    bit = np.array([1, 0, 2, 4, 0, 8], np.uint8)
    for n, m in ((1, 3), (20, 60), (300, 1200)):
        src, dst, act, indptr = _graph(rng, n, m)
        region = rng.random(n) < 0.6
        region[0] = True
        states, es, ed, eb = compiled_liveness._region_graph(region, indptr, dst, act, bit)
        assert states.tolist() == np.flatnonzero(region).tolist()
        number = {s: i for i, s in enumerate(states.tolist())}
        want: dict[tuple[int, int], int] = {}
        for u, v, a in zip(src.tolist(), dst.tolist(), act.tolist()):
            if region[u] and region[v]:
                key = (number[u], number[v])
                want[key] = want.get(key, 0) | int(bit[a])
        assert list(zip(es.tolist(), ed.tolist())) == sorted(want)
        assert dict(zip(zip(es.tolist(), ed.tolist()), eb.tolist())) == want


def test_fair_components_are_the_readable_analysis_s():
    """`_fair_components` on the region graph gives the components of
    `podmodel.engines.analysis._fair_components` (networkx's strong components, Emerson-Lei
    one component at a time), weak and strong fairness, on random graphs that repeat pairs
    and have loops."""
    rng = np.random.default_rng(31)
    bit = np.array([1, 0, 2, 4, 0, 8], np.uint8)
    fair_ids = frozenset(np.flatnonzero(bit).tolist())
    seen = 0
    for n, m in ((6, 12), (30, 45), (30, 90), (200, 300), (200, 700), (500, 800)):
        for _ in range(3):
            src, dst, act, indptr = _graph(rng, n, m)
            enabled = compiled_liveness._enabled(n, indptr, act, bit)
            region = rng.random(n) < 0.75
            adj = compiled_liveness._Adjacency(indptr, dst, act)
            H = nx.DiGraph()
            H.add_nodes_from(np.flatnonzero(region).tolist())
            H.add_edges_from((u, v) for u, v in zip(src.tolist(), dst.tolist()) if region[u] and region[v])
            states, es, ed, eb = compiled_liveness._region_graph(region, indptr, dst, act, bit)
            for strong in (False, True):
                comp = compiled_liveness._fair_components(states.size, es, ed, eb, enabled[states], strong)
                got = {frozenset(states[comp == c].tolist()) for c in np.unique(comp[comp >= 0]).tolist()}
                want = set(analysis._fair_components(H, adj, fair_ids, strong))
                assert got == want
                seen += len(want)
    assert seen   # some components qualify


def test_offsets_replace_the_sources_and_edges_rebuilds_them():
    """`CompiledSpace.offsets` (what liveness reads) drops the per-edge sources; `edges`
    rebuilds exactly the arrays it gave before and keeps them until the next `offsets`; the
    offsets are ``np.bincount``'s."""
    r = explore(load_scenario(SCENARIO_DIR / "deletion-grace.yaml").model(), engine="compiled")
    before = [x.copy() for x in r.space.edges()]
    r.liveness("strong")
    assert r.space._edges[0] is None
    want = np.zeros(r.states + 1, np.int64)
    np.cumsum(np.bincount(before[0], minlength=r.states), out=want[1:])
    assert r.space.offsets().tolist() == want.tolist()
    got = r.space.edges()
    assert [x.tolist() for x in got] == [x.tolist() for x in before] and got[0].dtype == before[0].dtype
    assert r.space.edges()[0] is got[0]   # kept
    assert r.space.offsets().tolist() == want.tolist() and r.space._edges[0] is None   # dropped again


@pytest.mark.parametrize("chunk", [2, 3, 1 << 18])
def test_offsets_of_unsorted_sources_are_refused(monkeypatch, chunk):
    """`_indptr` refuses sources out of order (within a block of edges or across two), and
    gives ``np.bincount``'s offsets for sorted ones."""
    monkeypatch.setattr(compiled_liveness, "REACH_CHUNK", chunk)
    rng = np.random.default_rng(7)
    cases = [[0, 2, 1], [1, 1, 0, 0], [0, 0, 1, 1, 2, 2, 1], [3, 3, 3, 0]]
    cases += [np.sort(rng.integers(0, 6, 9)).tolist() for _ in range(20)]
    cases += [rng.integers(0, 6, 9).tolist() for _ in range(20)]
    for case in cases:
        src = np.array(case, np.int32)
        if (np.diff(src) < 0).any():
            with pytest.raises(ValueError, match="not sorted"):
                compiled_liveness._indptr(7, src)
        else:
            want = np.zeros(8, np.int64)
            np.cumsum(np.bincount(src, minlength=7), out=want[1:])
            assert compiled_liveness._indptr(7, src).tolist() == want.tolist()


def test_the_heap_trim_is_called_per_large_region_and_changes_no_verdict(monkeypatch):
    """`CompiledSpace.liveness` hands `compiled._trim_heap` to liveness, called once per
    property with a failing trigger after its region is built, if that region has
    `TRIM_EDGES` edges or more; verdicts and lassos are those of a run without it."""
    from podmodel.engines import compiled

    r = explore(load_scenario(SCENARIO_DIR / "deletion-grace.yaml").model(), engine="compiled")
    calls = []
    props = [p for p in r.properties if p.kind == "eventually"]
    failing = sum(bool((~r.space.live[p.id][0] & r.space.live[p.id][1]).any()) for p in props)
    assert failing
    for fairness in ("weak", "strong"):
        plain = compiled_liveness.liveness(r, props, r.space.live, fairness)
        got = compiled_liveness.liveness(r, props, r.space.live, fairness, trim=lambda: calls.append(1))
        assert not calls   # small regions: not worth a trim
        monkeypatch.setattr(compiled_liveness, "TRIM_EDGES", 0)
        trimmed = compiled_liveness.liveness(r, props, r.space.live, fairness, trim=lambda: calls.append(1))
        monkeypatch.undo()
        assert len(calls) == failing
        calls.clear()
        for x in (got, trimmed):
            assert {k: (v.holds, v.triggers, v.counterexample) for k, v in x.items()} == \
                {k: (v.holds, v.triggers, v.counterexample) for k, v in plain.items()}
    seen = []
    monkeypatch.setattr(compiled_liveness, "TRIM_EDGES", 0)
    monkeypatch.setattr(compiled, "_trim_heap", lambda: seen.append(1))
    r.space.liveness(r, "strong")
    assert len(seen) == failing
