"""`Tables.derive_rows` (the rows of permuted cores derived on arrays) against its reference,
one `Tables.derive_row` call per core: the faster path must give exactly what it gives."""

import itertools

import numpy as np
import pytest

from compiled_runs import built_core  # (a sibling module of the tests)
from podmodel.engines import compiled
from podmodel.model.properties import properties_for
from podmodel.verifier.scenarios import SCENARIO_DIR, load_scenario


def _one_by_one(self, derived):
    """The reference: `derive_row` for each core, in order (the clock looked at as before)."""
    for n, (c, rep, p) in enumerate(derived):
        if n % 256 == 255:
            self.check_clock()
        self.derive_row(c, rep, p)


def _run(model, cap, props=()):
    """Everything a run built that the derived rows feed: the space to the last array, the
    tables' lists, and the codes each conditional edge was seen reading."""
    r = compiled.explore_compiled(model, max_states=cap, properties=props, workers=1)
    sp, T = r.space, r.space.tables
    src, dst, act = sp.edges()
    out = {k: v.tolist() for k, v in zip(("codes", "parent", "via", "src", "dst", "act"),
                                         (sp.codes, sp.parent, sp.via, src, dst, act))}
    out["tables"] = [a.tolist() for a in T.arrays()]
    out.update(cores=list(T.cores), actions=list(T.actions), ops=list(T.ops), r_edges=list(T.r_edges),
               row_of_core=list(T.row_of_core), e_src=list(T.e_src), e_rep=list(T.e_rep), reads=dict(T._reads),
               states=r.states, transitions=r.transitions, complete=r.complete,
               violations=dict(r.violations), witnesses=dict(r.witnesses))
    return out


@pytest.mark.parametrize("name,cap,checked", [("four-containers", None, True), ("six-containers", 30_000, False)])
def test_rows_derived_on_arrays_are_the_rows_derived_one_by_one(monkeypatch, name, cap, checked):
    """A run whose permuted cores' rows are derived by `derive_rows` is the run that derives
    each by `derive_row` (states, edges, tables, cores, actions, code operations, resolved
    edges, the codes read, the verdicts), and rows were derived (the path was taken)."""
    model = load_scenario(SCENARIO_DIR / "large" / f"{name}.yaml").model()
    props = properties_for(model) if checked else ()
    calls = {"rows": 0}
    batch = compiled.Tables.derive_rows

    def counted(self, derived):
        calls["rows"] += len(derived)
        return batch(self, derived)

    monkeypatch.setattr(compiled.Tables, "derive_rows", counted)
    fast = _run(model, cap, props)
    assert calls["rows"] > 1000
    monkeypatch.setattr(compiled.Tables, "derive_rows", _one_by_one)
    slow = _run(model, cap, props)
    assert fast == slow


def test_derive_rows_matches_derive_row_row_by_row():
    """On one table, each row `derive_rows` appends equals the row `derive_row` appends for
    the same core on a copy of the lists taken before (edges, restart masks, code
    operations, actions, the representative's edges), conditional edges included."""
    model = load_scenario(SCENARIO_DIR / "large" / "four-containers.yaml").model()
    T = compiled.explore_compiled(model, workers=1).space.tables
    derived = [(c, *T.canonical(c)) for c in range(len(T.cores)) if T.canonical(c)[0] != c
               and T.row_of_core[T.canonical(c)[0]] >= 0]
    assert len(derived) > 100
    assert any(T.e_dst[T.off[T.row_of_core[rep]] + j] < 0 for _, rep, _ in derived
               for j in range(T.deg[T.row_of_core[rep]]))   # conditional edges among them
    names = ("off", "deg", "e_dst", "e_inc", "e_op", "e_act", "e_rep", "e_src", "row_of_core")
    before = {k: list(getattr(T, k)) for k in names}
    T.derive_rows(derived)
    fast = {k: list(getattr(T, k)) for k in names}
    for k in names:
        setattr(T, k, list(before[k]))
    for c, rep, p in derived:
        T.derive_row(c, rep, p)
    slow = {k: list(getattr(T, k)) for k in names}
    assert fast == slow


def test_permuted_cores_on_arrays_are_thebuilt_core_ones():
    """`Tables._permuted_cores` gives, for every (core, permutation) pair of a run's cores and
    permutations, the number of the permuted state built and interned (`_permuted_core`'s
    reference); on a second call with the memos dropped (`drop_caches`: the signatures
    numbered again) the same, and nothing new is interned; pairs whose permuted state is
    new are interned in the order given."""
    model = load_scenario(SCENARIO_DIR / "large" / "four-containers.yaml").model()
    T = compiled.explore_compiled(model, workers=1).space.tables
    perms = []
    for moved in itertools.product(*(itertools.permutations(g) for g in T.sym.groups)):
        p = list(range(T.n))
        for g, h in zip(T.sym.groups, moved):
            for i, j in zip(g, h):
                p[i] = j
        perms.append(tuple(p))
    assert len(perms) > 1
    d = np.repeat(np.arange(len(T.cores), dtype=np.int64), len(perms))
    pm = np.tile(np.array(perms, np.int64), (len(T.cores), 1))
    got = T._permuted_cores(d, pm)
    n = len(T.cores)
    want = [built_core(T, c, tuple(p)) for c, p in zip(d.tolist(), pm.tolist())]
    assert got == want and len(T.cores) == n
    T.drop_caches()
    assert T._permuted_cores(d[::-1].copy(), pm[::-1].copy()) == want[::-1]
    # new cores: a core with one container's state changed, permuted: interned in the order given
    core, p = T.cores[0], perms[-1]
    j = next(j for j in range(T.n) if p[j] != j)   # a container the permutation moves
    cont = core.containers
    fresh = [T.intern(core._replace(containers=(*cont[:j], cont[j]._replace(reason=f"r{k}"), *cont[j + 1:])))
             for k in range(3)]
    top = len(T.cores)
    order = [fresh[2], fresh[0], fresh[1], fresh[0]]
    got = T._permuted_cores(np.array(order, np.int64), np.array([p] * 4, np.int64))
    assert got[:3] == [top, top + 1, top + 2] and got[3] == got[1]
    assert got == [built_core(T, c, p) for c in order] and len(T.cores) == top + 3
    heads, sigs = T._sig_np   # the signatures kept for the cores built are the ones `_signature` gives
    assert [(int(heads[c]), tuple(sigs[c].tolist())) for c in got[:3]] == [T._signature(c) for c in got[:3]]


@pytest.mark.parametrize("name,cap,checked", [("four-containers", None, True), ("six-containers", 30_000, True)])
def test_representatives_found_on_arrays_are_the_ones_found_one_by_one(monkeypatch, name, cap, checked):
    """A run whose cores' representatives are found by `Tables.canonicals` is the run where
    `canonical` finds each when first asked (the reference): same states, edges, tables,
    cores in the same order, permutations, verdicts; and the batch did the work."""
    model = load_scenario(SCENARIO_DIR / "large" / f"{name}.yaml").model()
    props = properties_for(model) if checked else ()
    batch, calls = compiled.Tables.canonicals, {"n": 0}

    def counted(self, cores):
        before = len(self._canon)
        batch(self, cores)
        calls["n"] += len(self._canon) - before

    monkeypatch.setattr(compiled.Tables, "canonicals", counted)
    fast = _run(model, cap, props)
    assert calls["n"] > 1000
    monkeypatch.setattr(compiled.Tables, "canonicals", lambda self, cores: None)
    slow = _run(model, cap, props)
    assert fast == slow


def test_canonicals_are_canonical():
    """`Tables.canonicals` on every core of a run, the memo emptied first, gives what
    `canonical` computes for each (representative and permutation), without interning a
    representative `canonical` would not."""
    model = load_scenario(SCENARIO_DIR / "large" / "five-containers.yaml").model()
    T = compiled.explore_compiled(model, max_states=60_000, workers=1).space.tables
    cores = list(range(len(T.cores)))
    want = {c: T.canonical(c) for c in cores}
    n = len(T.cores)
    assert any(p for _, p in want.values()) and any(len(set(g)) > 2 for g in T.sym.groups)
    T._canon.clear()
    T.canonicals(cores[::-1])
    assert {c: T._canon[c] for c in cores} == want and len(T.cores) == n


def test_derived_rows_share_their_int_objects():
    """The rows `derive_rows` appends hold the int objects of the memos and of the
    representatives' rows, as the per-row loop's did (one object per value), not one new
    object per edge (memory: the table lists live through the run; 6 bytes per state on
    five-containers)."""
    model = load_scenario(SCENARIO_DIR / "large" / "five-containers.yaml").model()
    T = compiled.explore_compiled(model, max_states=60_000, workers=1).space.tables
    derived = [c for c in range(len(T.cores)) if T.canonical(c)[0] != c and T.row_of_core[c] >= 0]
    assert len(derived) > 100
    for lst in (T.e_dst, T.e_src, T.e_rep):
        big = [x for c in derived for x in lst[T.off[T.row_of_core[c]]:T.off[T.row_of_core[c]] + T.deg[T.row_of_core[c]]]
               if x > 256]   # (smaller ints are cached by Python)
        assert len(big) > 1000 and len({id(x) for x in big}) == len(set(big)) < len(big)
