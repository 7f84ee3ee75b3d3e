"""The compiled engine's checking on its arrays: the per-class attention bytes that pick the
elements a chunk must look at, the eventually values packed two bits per state, the lookup
tables of counts and codes (`podmodel.engines.compiled._Digits`) and the liveness helpers
on compact arrays.  Each must give exactly what the plain computation (or the readable
engine) gives."""

import numpy as np
import pytest

from podmodel.engines import compiled, compiled_liveness, explore
from podmodel.model.properties import Property, properties_for
from podmodel.verifier.scenarios import SCENARIO_DIR, load_scenario
from podmodel.verifier.suite import scenario as named_scenario


def _model(name):
    path = SCENARIO_DIR / f"{name}.yaml"
    return (load_scenario(path) if path.exists() else named_scenario(name)).model()


def _user_properties(n: int) -> list[Property]:
    """Properties outside the catalogue (every class keyed by its counts and codes), failing
    or witnessed at different depths, so they close one after another during the search."""
    out = []
    for j in range(n):
        for k in (1, 2):
            out.append(Property(f"count-{j}-below-{k}", "always", f"container {j} restarts fewer than {k} times", "test",
                                check=lambda m, s, j=j, k=k: s.containers[j].restart_count < k))
            out.append(Property(f"count-{j}-reaches-{k}", "sometimes", f"container {j} restarts {k} times", "test",
                                check=lambda m, s, j=j, k=k: s.containers[j].restart_count >= k))
            out.append(Property(f"no-step-to-{j}-{k}", "step", f"no transition raises container {j}'s count to {k}",  "test",
                                check=lambda m, s, a, t, j=j, k=k: not (t.containers[j].restart_count == k
                                                                        and s.containers[j].restart_count != k)))
        out.append(Property(f"code-{j}-never-1", "always", f"container {j} never shows exit code 1", "test",
                            check=lambda m, s, j=j: s.containers[j].last_exit_code != 1))
    return out


@pytest.mark.parametrize("name", ["onfailure-i1s1a1-gdx", "two-identical-apps", "container-restart-rules"])
def test_properties_closing_one_after_another_get_the_readable_verdicts(name):
    """Violations, witnesses and their paths (first in the readable engine's order) as the
    readable engine finds them, for properties that close in different chunks (the attention
    is recomputed each time one closes), with the catalogue beside them."""
    model = _model(name)
    props = [*properties_for(model), *_user_properties(len(model.specs))]
    slow = explore(model, properties=props, engine="readable")
    fast = explore(model, properties=props, engine="compiled")
    assert fast.engine == "compiled" and fast.states == slow.states
    assert fast.verdicts(fairness="strong") == slow.verdicts(fairness="strong")
    assert {k: v.actions for k, v in fast.violations.items()} == {k: v.actions for k, v in slow.violations.items()}
    assert {k: v.actions for k, v in fast.witnesses.items()} == {k: v.actions for k, v in slow.witnesses.items()}
    assert len(fast.violations) >= 2  # several close during the search


@pytest.mark.parametrize("name", ["deletion-grace", "two-identical-apps", "onfailure-i1s1a1-gdx"])
def test_packed_eventually_values_are_the_predicates_on_each_state(name):
    """`space.live` (two bits per property and state) holds each eventually property's check
    and trigger exactly as the predicates give them on the concrete states."""
    model = _model(name)
    keyed = Property("count-then-code", "eventually", "a restarted container 0 ends with a code", "test",
                     check=lambda m, s: s.containers[0].last_exit_code is not None,
                     trigger=lambda m, s: s.containers[0].restart_count > 0)  # outside the catalogue: keyed
    r = explore(model, properties=[*properties_for(model), keyed], engine="compiled")
    props = [p for p in r.properties if p.kind == "eventually"]
    assert keyed in props and set(r.space.live) == {p.id for p in props}
    states = list(r.space.iter_states())
    for p in props:
        ok, trig = r.space.live[p.id]
        assert ok.tolist() == [bool(p.check(model, s)) for s in states]
        assert trig.tolist() == [bool(p.trigger(model, s)) for s in states]


@pytest.mark.parametrize("name", ["two-identical-apps", "always-i2s0a2-pdx", "onfailure-i1s1a3"])
def test_lookup_tables_give_the_arithmetic(name):
    """`_Digits.key` and `_Digits.permute` by their tables equal the arithmetic the tables
    were filled from (`_Digits.kept`, `Tables.to_rep`), on random counts, codes and masks."""
    r = explore(_model(name), engine="compiled")
    T = r.space.tables
    d = compiled._Digits(T)
    assert d.kept_r is not None
    rng = np.random.default_rng(5)
    size = 5000
    rb, lb = rng.integers(0, 1 << T.n, size), rng.integers(0, 1 << T.n, size)
    rr, ll = rng.integers(0, T.R, size), rng.integers(0, T.LB, size)
    slow = compiled._Digits(T)
    slow.kept_r = slow.kept_l = None
    assert (d.key(rb, lb, rr, ll) == slow.key(rb, lb, rr, ll)).all()
    pid = rng.integers(0, len(T.perms), size)
    got, want = d.permute(pid, rr, ll), T.to_rep(pid, rr, ll)
    assert len(d.perm_r) == len(T.perms)
    assert (got[0] == want[0]).all() and (got[1] == want[1]).all()


def test_checks_without_lookup_tables_agree(monkeypatch):
    """With the tables off (`DIGIT_TABLE_LIMIT` 0: the arithmetic everywhere) a run keeps the
    same verdicts, violations and witnesses."""
    model = _model("two-identical-apps")
    props = [*properties_for(model), *_user_properties(len(model.specs))]
    a = compiled.explore_compiled(model, properties=props, workers=1)
    monkeypatch.setattr(compiled, "DIGIT_TABLE_LIMIT", 0)
    b = compiled.explore_compiled(model, properties=props, workers=1)
    assert compiled._DIGITS[b.space.tables].kept_r is None
    assert a.verdicts(fairness="strong") == b.verdicts(fairness="strong")
    assert {k: v.actions for k, v in a.violations.items()} == {k: v.actions for k, v in b.violations.items()}
    assert {k: v.actions for k, v in a.witnesses.items()} == {k: v.actions for k, v in b.witnesses.items()}


def test_enabled_bits_and_offsets_on_blocks_equal_the_plain_computation(monkeypatch):
    """`compiled_liveness._enabled` (a block of states at a time, cut small here) and
    `_indptr` (binary search) against a loop over the edges and ``np.bincount``."""
    monkeypatch.setattr(compiled_liveness, "ENABLED_CHUNK", 7)
    rng = np.random.default_rng(3)
    for n, m in ((1, 0), (6, 4), (50, 300), (1000, 4000)):
        src = np.sort(rng.integers(0, n, m)).astype(np.int32)
        act = rng.integers(0, 9, m).astype(np.int32)
        bit = np.zeros(9, np.uint8)
        bit[[1, 4, 6]] = [1, 2, 4]
        indptr = compiled_liveness._indptr(n, src)
        want = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(src, minlength=n), out=want[1:])
        assert indptr.tolist() == want.tolist()
        plain = np.zeros(n, np.uint8)
        for u, a in zip(src.tolist(), act.tolist()):
            plain[u] |= bit[a]
        assert compiled_liveness._enabled(n, indptr, act, bit).tolist() == plain.tolist()


@pytest.mark.parametrize("name", ["deletion-grace", "sandbox-recreation"])
def test_liveness_on_small_edge_blocks_gives_the_same_verdicts_and_lassos(monkeypatch, name):
    """`compiled_liveness` with its per-edge temporaries made a few edges at a time
    (`EDGE_BLOCK` 5) decides every eventually property as with one block, lassos included,
    for weak and strong fairness (a violated property among them)."""
    r = explore(_model(name), engine="compiled")

    def decided(fairness):
        got = r.space.liveness(r, fairness)
        return {k: (v.holds, v.triggers, v.counterexample) for k, v in got.items()}

    whole = {f: decided(f) for f in ("weak", "strong")}
    monkeypatch.setattr(compiled_liveness, "EDGE_BLOCK", 5)
    assert {f: decided(f) for f in ("weak", "strong")} == whole
    assert any(v[0] is False for d in whole.values() for v in d.values())


def test_fair_components_on_edge_blocks_equal_one_block(monkeypatch):
    """`_region_graph`, `_fair_components` and `_both` a few edges at a time (`EDGE_BLOCK` 3,
    `REACH_CHUNK` 4) give exactly what they give on the whole edge arrays, on random graphs,
    weak and strong fairness."""
    rng = np.random.default_rng(17)
    for n, m in ((30, 45), (30, 90), (200, 260), (200, 900), (500, 650)):
        # repeated pairs, as an explored graph has where two actions lead to the same state
        # (`strong_components`), and loops
        pairs = rng.integers(0, n, (m, 2))
        pairs = pairs[np.argsort(pairs[:, 0], kind="stable")]
        src, dst = pairs[:, 0].astype(np.int32), pairs[:, 1].astype(np.int32)
        act = rng.integers(0, 6, src.size).astype(np.int32)
        bit = np.zeros(6, np.uint8)
        bit[[0, 2, 3]] = [1, 2, 4]
        indptr = compiled_liveness._indptr(n, src)
        enabled = compiled_liveness._enabled(n, indptr, act, bit)
        region = rng.random(n) < 0.7
        mask = rng.random(n) < 0.6
        want_both = mask[src] & mask[dst]

        def fair(strong):
            states, es, ed, eb = compiled_liveness._region_graph(region, indptr, dst, act, bit)
            return states, es, ed, eb, compiled_liveness._fair_components(states.size, es, ed, eb, enabled[states],
                                                                          strong)

        want = {s: fair(s) for s in (False, True)}
        assert any((w[-1] >= 0).any() for w in want.values())
        with monkeypatch.context() as mp:
            mp.setattr(compiled_liveness, "EDGE_BLOCK", 3)
            mp.setattr(compiled_liveness, "REACH_CHUNK", 4)
            assert (compiled_liveness._both(mask, src, dst) == want_both).all()
            for strong, w in want.items():
                assert [x.tolist() for x in fair(strong)] == [x.tolist() for x in w]


def _components_in_a_child(n, src, dst):
    """`strong_components` in a forked process (a SciPy loop that does not return cannot be
    interrupted in this one): the partition of the states, or None if it did not finish."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    child = ctx.Process(target=lambda: out.put(compiled_liveness.strong_components(n, src, dst)[1].tolist()))
    child.start()
    child.join(60)
    if child.is_alive():
        child.kill()
        child.join()
        return None
    return out.get(timeout=5)


def test_strong_components_with_repeated_pairs_are_networkx_s():
    """Two actions of a state may lead to the same state: the explored graph repeats (source,
    target) pairs (`deletion-grace`), on which SciPy 1.17.1's strong components do not return.
    `strong_components` gives the same partition as networkx on graphs that repeat pairs, and
    leaves the edge arrays as they were."""
    import networkx as nx

    r = explore(load_scenario(SCENARIO_DIR / "deletion-grace.yaml").model(), engine="compiled")
    s, d, _ = r.space.edges()
    assert np.unique(s.astype(np.int64) * r.states + d).size < s.size  # the explored graph repeats pairs
    rng = np.random.default_rng(5)
    graphs = [(2, np.array([0, 0], np.int32), np.array([1, 1], np.int32)),
              (3, np.array([0, 0, 1], np.int32), np.array([1, 1, 0], np.int32)),
              (r.states, s, d)]
    for n, m in ((8, 30), (40, 120), (300, 900)):
        pairs = rng.integers(0, n, (m, 2))
        pairs = pairs[np.argsort(pairs[:, 0], kind="stable")]
        graphs.append((n, pairs[:, 0].astype(np.int32), pairs[:, 1].astype(np.int32)))
    for n, src, dst in graphs:
        before = (src.copy(), dst.copy())
        labels = _components_in_a_child(n, src, dst)
        assert labels is not None, f"strong components did not return on {n} states"
        got = {frozenset(np.flatnonzero(np.array(labels) == c).tolist()) for c in set(labels)}
        G = nx.DiGraph()
        G.add_nodes_from(range(n))
        G.add_edges_from(zip(src.tolist(), dst.tolist()))
        assert got == {frozenset(c) for c in nx.strongly_connected_components(G)}
        assert (src == before[0]).all() and (dst == before[1]).all()
        assert compiled_liveness.strong_components(n, src, dst)[0] == len(got)


def _deletion_shows_code_zero(m, s, a, t) -> bool:
    """A test property violated only by transitions whose target the model computes from an
    exit code (resolved edges): a DELETE shows a crash-looping container's last exit, here
    required to be 0."""
    from podmodel.model import actions as A

    if not isinstance(a, A.ApiDelete):
        return True
    return all(not (old.machine == "CrashLoopBackOff" and new.machine == "Terminated" and new.exit_code != 0)
               for old, new in zip(s.containers, t.containers))


@pytest.mark.parametrize("name", ["single-always", "sidecar-always", "two-init-two-app"])
def test_a_step_violation_on_resolved_edges_only_is_found(monkeypatch, name):
    """The step checks' resolved-edge branch (`_Checks._steps_numpy`: resolved edges' classes,
    their attention bytes and `_odd` rows): a trusted step property violated only on resolved
    edges gets the readable engine's verdict and counterexample."""
    model = _model(name)
    prop = Property("deletion-shows-code-zero", "step", "test", "test", _deletion_shows_code_zero)
    monkeypatch.setattr(compiled, "_CATALOGUE_PREDICATES", compiled._CATALOGUE_PREDICATES | {prop.check})
    props = tuple(properties_for(model)) + (prop,)
    seen = []
    real = compiled.Tables.resolve_many

    def spy(self, c, a, l):
        seen.append(c.size)
        return real(self, c, a, l)

    monkeypatch.setattr(compiled.Tables, "resolve_many", spy)
    fast = explore(model, properties=props, engine="compiled")
    slow = explore(model, properties=props, engine="readable")
    assert not compiled._untrusted(prop) and sum(seen) > 0   # trusted, and resolved edges there
    assert "deletion-shows-code-zero" in slow.violations      # not vacuous
    assert fast.verdicts(liveness=False) == slow.verdicts(liveness=False)
    assert {k: v.actions for k, v in fast.violations.items()} == {k: v.actions for k, v in slow.violations.items()}


@pytest.mark.parametrize("bits", [0, 3, 8, 9, 20, 31, 33, 64, 65])
def test_rows_of_bits_are_gathered_as_numpy_gathers_them(bits):
    """`_Checks._odd`'s rows are 0, 1, 2, 4 or a multiple of 8 bytes wide (`_row_bytes`, room
    for every bit), and `compiled._rows` (a row read as one integer) gives ``a[idx]``."""
    width = compiled._row_bytes(bits)
    assert width * 8 >= bits and width in (0, 1, 2, 4) or width % 8 == 0
    rng = np.random.default_rng(bits)
    for n in (0, 1, 300):
        a = rng.integers(0, 256, (n, width)).astype(np.uint8)
        idx = rng.integers(0, n, 500) if n else np.zeros(0, np.int64)
        got = compiled._rows(a, idx)
        assert got.dtype == np.uint8 and got.shape == (idx.size, width)
        assert got.tolist() == a[idx].tolist()
