"""The compiled engine's search, piece by piece against its reference computations
(`podmodel.engines.compiled`, `podmodel.engines.visited`): the faster paths must give
exactly what the slower ones give."""

import numpy as np
import pytest

from compiled_runs import built_core  # (a sibling module of the tests)
from podmodel.engines import compiled, explore
from podmodel.verifier.scenarios import SCENARIO_DIR, load_scenario


@pytest.mark.parametrize("name", ["two-init-two-app", "deletion-grace", "container-restart-rules"])
def test_the_code_table_is_the_digit_arithmetic(name):
    """`Tables.apply_op`'s one table (built from the two split tables) gives `Tables._op`
    (arithmetic on the digits) for every code operation of a run and every codes value,
    and `op_one` agrees on a sample; the table is extended as operations appear."""
    T = explore(load_scenario(SCENARIO_DIR / f"{name}.yaml").model(), engine="compiled").space.tables
    assert len(T.ops) > 1 and T.LB > 1
    ops = np.repeat(np.arange(len(T.ops), dtype=np.int64), T.LB)
    codes = np.tile(np.arange(T.LB, dtype=np.int64), len(T.ops))
    assert (T.apply_op(codes, ops) == T._op(codes, ops)).all()
    for o, l in zip(ops[::97].tolist(), codes[::97].tolist()):
        assert T.apply_op(np.array([l]), np.array([o]))[0] == T.op_one(l, o)
    T.ops.append(tuple((compiled._COPY, (j + 1) % T.n) for j in range(T.n)))   # a new operation: a rotation
    top = len(T.ops) - 1
    l = np.arange(T.LB, dtype=np.int64)
    got = T.apply_op(l, np.full(T.LB, top, np.int64))
    assert len(T._op_table) == len(T.ops)
    assert (got == T._op(l, np.full(T.LB, top, np.int64))).all()


@pytest.mark.parametrize("cap", [None, 700])
def test_edges_and_depths_rebuilt_from_counts_are_the_models(cap):
    """The search keeps each expanded state's number of edges and each layer's size; the
    edges' sources and the depths rebuilt from them when it ends are the model's: every
    edge ``(u, a, v)`` has ``next_state(state(u), a) == state(v)``, sources in search order,
    each expanded state with exactly its successors that were numbered (all of them in a
    complete run), and each state one deeper than its parent."""
    model = load_scenario(SCENARIO_DIR / "two-init-two-app.yaml").model()
    r = compiled.explore_compiled(model, max_states=cap, workers=1)
    assert r.complete == (cap is None)
    sp = r.space
    src, dst, act = sp.edges()
    assert src.dtype == np.int32 and (np.diff(src) >= 0).all() and src.size == dst.size == act.size
    states = [sp.state(i) for i in range(r.states)]
    index = {s: i for i, s in enumerate(states)}
    for u, v, a in zip(src.tolist(), dst.tolist(), act.tolist()):
        assert model.next_state(states[u], sp.actions[a]) == states[v]
    expanded = int(src.max()) + 1
    for u in range(expanded if cap is None else expanded - 1):   # the last source may be cut mid-way
        want = sorted(index[t] for t in (model.next_state(states[u], a) for a in model.actions(states[u]))
                      if t in index)
        assert sorted(dst[src == u].tolist()) == want
    depth, parent = sp.depth, sp.parent
    assert depth.size == r.states and int(depth.max()) == r.depth
    assert all(depth[i] == (0 if parent[i] < 0 else depth[parent[i]] + 1) for i in range(r.states))


def _large(name: str):
    return load_scenario(SCENARIO_DIR / "large" / f"{name}.yaml").model()


def _everything(r) -> dict:
    """What a run built, to the last array: the space, the tables, the resolved edges."""
    sp, T = r.space, r.space.tables
    src, dst, act = sp.edges()
    out = {k: v.tolist() for k, v in zip(("codes", "parent", "via", "src", "dst", "act"),
                                         (sp.codes, sp.parent, sp.via, src, dst, act))}
    out["tally"] = [t.tolist() for t in sp.tally]
    out["tables"] = [a.tolist() for a in T.arrays()]
    out.update(cores=list(T.cores), actions=list(T.actions), ops=list(T.ops), r_edges=list(T.r_edges),
               r_rep=list(T.r_rep), r_src=list(T.r_src), row_of_core=list(T.row_of_core),
               states=r.states, transitions=r.transitions, complete=r.complete)
    return out


RUNS = [("four-containers", None), ("six-containers", 30_000)]


@pytest.mark.parametrize("name,cap", RUNS)
def test_resolving_permuted_cores_by_their_pairs_changes_nothing(monkeypatch, name, cap):
    """`Tables.resolve_many` answers a new key of a permuted core from its representative's
    key and the (core, representative's resolved edge) pair when both are known, without
    `resolve_shared`: the run (states, edges, cores, actions, code operations, resolved edges
    and their numbers) is the one where every new key goes through `resolve_shared`; and
    the shortcut is taken (fewer calls than new keys), and so is the shorter one where only the
    pair is new (`Tables._from_rep` alone: the representative's answer is known)."""
    model = _large(name)
    calls = {"outer": 0, "new": 0}
    depth = [0]
    resolve_shared, resolve_new = compiled.Tables.resolve_shared, compiled.Tables._resolve_new

    def counted(self, *args):
        calls["outer"] += depth[0] == 0
        depth[0] += 1
        try:
            return resolve_shared(self, *args)
        finally:
            depth[0] -= 1

    def new_keys(self, c, a, l):
        calls["new"] += c.size
        return resolve_new(self, c, a, l)

    def last_step(self, *args):   # `resolve_shared`'s last step, taken alone where the representative's key is known
        calls["last step"] += depth[0] == 0
        return from_rep(self, *args)

    from_rep = compiled.Tables._from_rep
    calls["last step"] = 0
    monkeypatch.setattr(compiled.Tables, "resolve_shared", counted)
    monkeypatch.setattr(compiled.Tables, "_resolve_new", new_keys)
    monkeypatch.setattr(compiled.Tables, "_from_rep", last_step)
    fast = _everything(compiled.explore_compiled(model, max_states=cap, workers=1))
    assert 0 < calls["outer"] < calls["new"] and calls["last step"] > 0
    monkeypatch.setattr(compiled.Tables, "_shared_keys",
                        lambda self, c, a, l: (np.full(c.size, -1, np.int64), l.copy()))
    calls.update(outer=0, new=0)
    slow = _everything(compiled.explore_compiled(model, max_states=cap, workers=1))
    assert calls["outer"] == calls["new"] > 0
    assert fast == slow


@pytest.mark.parametrize("name,cap", RUNS)
def test_permuted_cores_looked_up_by_signature_are_thebuilt_core_ones(monkeypatch, name, cap):
    """A permuted target core found by its signature is the core the permuted state is:
    the run equals the one that builds and interns every permuted target, the lookup
    finds most of them without building one, and afterwards (the memos let go when the
    search ended, so built again) every (core, permutation) pair met gives the built
    state's number without interning anything new."""
    model = _large(name)
    built = {"n": 0, "signatures": 0}
    intern, drop_caches = compiled.Tables.intern, compiled.Tables.drop_caches

    def counting(self, core):
        built["n"] += 1
        return intern(self, core)

    def dropping(self):   # the search lets its memos go when it ends: count them first
        built["signatures"] = len(self._by_signature)
        drop_caches(self)

    monkeypatch.setattr(compiled.Tables, "intern", counting)
    monkeypatch.setattr(compiled.Tables, "drop_caches", dropping)
    r = compiled.explore_compiled(model, max_states=cap, workers=1)
    fast, lookups = _everything(r), built["signatures"]
    with_lookup = built["n"]
    assert not r.space.tables._by_signature
    monkeypatch.setattr(compiled.Tables, "_permuted_core", built_core)
    built["n"] = 0
    slow = _everything(compiled.explore_compiled(model, max_states=cap, workers=1))
    assert fast == slow
    assert lookups > 100 and with_lookup < built["n"]
    T = r.space.tables
    n = len(T.cores)
    pairs = [(d, p) for p, maps in T._perm_cache.items() for d in maps[1]]
    assert len(pairs) > 100
    for d, p in pairs:
        assert T._permuted_core(d, p) == built_core(T, d, p) == T._perm_cache[p][1][d]
    assert len(T.cores) == n


def test_a_pattern_is_its_containers_parts_at_their_positions():
    """`Tables._pattern` (each container's part kept by position and container state): the
    same container state at two positions gives each position its own bit of the increment
    mask and its own lastState placeholder in the target core; a code copied from another
    container is that copy, relabelled; asked again (parts kept) or with the containers in
    another order, the same answer; a part that inspects a code raises each time it is asked."""
    T = compiled.Tables(load_scenario(SCENARIO_DIR / "two-init-two-app.yaml").model(), (0, 1, 137, 255))
    base = T.model.initial_states()[0]
    assert T.n == 4
    C, L = compiled.ContainerState, compiled._LAST
    failed = C("Terminated", 1, "Error", 137, 1)   # a constant code, its count raised
    copied = C("Waiting", None, None, L[0], 0)     # container 0's code, at position 2
    fresh = C("Waiting", None, None, None, 1)
    const = (compiled._CONST, T.code_digit[137])

    def pattern(cont):
        core, inc, op = T._pattern(base._replace(containers=cont))
        return T.cores[core].containers, inc, T.ops[op]

    want = ((C("Terminated", 1, "Error", L[0], 0), C("Terminated", 1, "Error", L[1], 0),
             C("Waiting", None, None, L[2], 0), C("Waiting", None, None, None, 0)),
            0b1011, (const, const, (compiled._COPY, 0), (compiled._NONE, 0)))
    assert pattern((failed, failed, copied, fresh)) == want
    assert pattern((failed, failed, copied, fresh)) == want
    assert pattern((fresh, copied, failed, failed)) == (
        (want[0][3], C("Waiting", None, None, L[1], 0), want[0][0]._replace(last_exit_code=L[2]),
         want[0][0]._replace(last_exit_code=L[3])), 0b1101, ((compiled._NONE, 0), (compiled._COPY, 0), const, const))
    tainted = C("Terminated", L[1], "Error", None, 0)   # a code flowed into the exit code
    for _ in range(2):
        with pytest.raises(compiled._Read):
            pattern((failed, tainted, copied, fresh))


@pytest.mark.parametrize("name", ["two-init-two-app", "deletion-grace", "container-restart-rules"])
def test_enabled_steps_are_the_models_actions_and_transitions(name):
    """`Enabled.steps` (enabledness and transitions kept per part of a state) gives, for every
    state of a run and every tainted core its tables compiled, `Model.actions` in its order,
    each with the transition `Model._transition` finds; `Model.take` with it is `next_state`;
    a core whose enabledness reads a lastState code raises `_Read` as the model does."""
    model = load_scenario(SCENARIO_DIR / f"{name}.yaml").model()
    r = compiled.explore_compiled(model, workers=1)
    T, E = r.space.tables, compiled.Enabled(model)
    states = [r.space.state(i) for i in range(0, r.states, max(1, r.states // 3000))]
    assert len(states) > 100
    for s in states + T.cores:
        try:
            want = [(a, model._transition(s, a)) for a in model.actions(s)]
        except compiled._Read:
            with pytest.raises(compiled._Read):
                E.steps(s)
            continue
        got = E.steps(s)
        assert got == want and E.actions(s) == [a for a, _ in want]
        for a, found in got[:3]:
            try:
                assert model.take(s, a, found) == model.next_state(s, a)
            except compiled._Read:
                pass   # (a tainted core's successor that reads a code)
    assert len(E.parts) < len(states)   # (the parts were shared)


def test_the_rows_array_follows_the_list(monkeypatch):
    """`Tables._roc_array`, extended and mended incrementally, equals `row_of_core` as a
    whole array at every call of `Tables.rows`."""
    rows = compiled.Tables.rows
    seen = {"n": 0}

    def checked(self, core, l):
        out = rows(self, core, l)
        assert self._roc_array().tolist() == self.row_of_core
        seen["n"] += 1
        return out

    monkeypatch.setattr(compiled.Tables, "rows", checked)
    monkeypatch.setattr(compiled, "SLICE", 512)
    r = compiled.explore_compiled(_large("four-containers"), max_states=20_000, workers=1)
    assert seen["n"] > 10 and -2 in r.space.tables.row_of_core


@pytest.mark.parametrize("kind", ["sorted", "hash", "jit"])
def test_find_gives_the_numbers_visit_gave(kind):
    """`Visited.find` (a lookup, nothing inserted) gives each visited code's number and -1
    for the others, on the sorted array, the hash table, and the table numba's loop filled."""
    from podmodel.engines import visited

    if kind == "jit":
        pytest.importorskip("numba", reason="numba (the explore extra) is not installed")
    rng = np.random.default_rng(5)
    init = np.unique(rng.integers(0, 1 << 45, 300))
    v = visited.Visited(init, hash_from=None if kind == "sorted" else 0,
                        jit_from=0 if kind == "jit" else None)
    for _ in range(4):
        batch = rng.integers(0, 1 << 45, 3000)
        batch[::2] = batch[1::2]
        v.visit(batch)
    assert v.kind == ("sorted" if kind == "sorted" else "hash") and (v.kernels is not None) == (kind == "jit")
    col = v.column.array().copy()
    absent = np.setdiff1d(rng.integers(0, 1 << 45, 2000), col)
    probe = np.concatenate([col[::-1], absent, col[:7]])
    want = list(range(col.size))[::-1] + [-1] * absent.size + list(range(7))
    assert v.find(probe).tolist() == want
    assert len(v) == col.size and v.column.array().tolist() == col.tolist()
    assert visited.Visited(np.zeros(0, np.int64)).find(probe[:3]).tolist() == [-1, -1, -1]


@pytest.mark.parametrize("n, top", [(0, 5), (10, 100), (1000, 100), (100_000, 200_000), (5000, 10 ** 6), (64, 64)])
def test_distinct_is_numpys_unique(n, top):
    """`compiled._distinct` (a boolean mark per number where the numbers are dense, else
    ``np.unique``) gives ``np.unique``'s sorted distinct values and dtype, with its bound
    given or not."""
    rng = np.random.default_rng(n)
    x = rng.integers(0, top, n)
    for dtype in (np.int64, np.int32):
        y = x.astype(dtype)
        want = np.unique(y)
        for bound in (top, None):
            got = compiled._distinct(y, bound)
            assert got.dtype == want.dtype and got.tolist() == want.tolist()


@pytest.mark.parametrize("limit", [None, 0])
def test_target_codes_are_the_three_parts(monkeypatch, limit):
    """`Tables.target_codes` (in place, with the lookup tables) gives ``dst * RL +
    apply_inc(r, inc) * LB + apply_op(l, ops)`` and its two last parts (the counts and codes
    the search keeps) for every table edge of a run from random counts and codes, and so
    without the tables (`TABLE_LIMIT` 0: digit arithmetic and the
    split code tables)."""
    T = explore(load_scenario(SCENARIO_DIR / "container-restart-rules.yaml").model(), engine="compiled").space.tables
    if limit is not None:
        monkeypatch.setattr(compiled, "TABLE_LIMIT", limit)
        T._inc_table = T._op_table = None
    rng = np.random.default_rng(4)
    e_dst, e_inc, e_op = T.arrays()[2:5]
    e = rng.integers(0, len(e_dst), 5000)
    dst, inc, ops = np.abs(e_dst[e]), e_inc[e], e_op[e]
    r, l = rng.integers(0, T.R, e.size), rng.integers(0, T.LB, e.size)
    rc, lc = T._inc(r, inc), T._op(l, ops)
    codes, got_rc, got_lc = T.target_codes(dst.copy(), inc.copy(), ops.copy(), r, l)
    assert (codes == dst * T.RL + rc * T.LB + lc).all()
    assert got_rc.tolist() == rc.tolist() and got_lc.tolist() == lc.tolist()
    assert (T._inc_table is None) == (limit == 0) and (T._op_table is None) == (limit == 0)
