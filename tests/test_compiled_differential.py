"""The compiled engine checks properties on its own arrays (per core state, per table edge,
liveness on sparse matrices): it must give the readable engine's verdicts and
counterexamples, on every bundled scenario and on the seeded bugs of the mutant catalogue;
and its limits must cut every phase."""

import pytest
from compiled_runs import mutant_model  # (a sibling module of the tests)

from podmodel.engines import compiled, explore
from podmodel.engines.facade import choose_engine
from podmodel.model.properties import properties_for
from podmodel.verifier.mutants import CATALOGUE as MUTANTS
from podmodel.verifier.scenarios import SCENARIO_DIR, bundled_scenarios, load_scenario
from podmodel.verifier.suite import scenario as named_scenario

SCENARIOS = {sc.path.stem: sc for sc in bundled_scenarios()}


def _verdicts_and_lengths(r, fairness):
    cxs = r.counterexamples(fairness=fairness)
    return r.verdicts(fairness=fairness), {k: (len(v.actions), len(v.cycle or ())) for k, v in cxs.items()}


def _agree(model):
    slow = explore(model, engine="readable")
    fast = explore(model, engine="compiled")
    assert fast.engine == "compiled"
    assert (fast.states, fast.transitions, fast.depth) == (slow.states, slow.transitions, slow.depth)
    for fairness in ("weak", "strong"):
        assert _verdicts_and_lengths(fast, fairness) == _verdicts_and_lengths(slow, fairness)
    for fairness in ("weak", "strong"):  # the lassos themselves, not only their lengths
        a, b = slow.liveness(fairness), fast.liveness(fairness)
        assert {k: (v.holds, v.triggers, v.counterexample) for k, v in a.items()} == \
            {k: (v.holds, v.triggers, v.counterexample) for k, v in b.items()}
    assert {k: v.actions for k, v in fast.violations.items()} == {k: v.actions for k, v in slow.violations.items()}
    return fast


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_verdicts_agree_on_bundled_scenarios(name):
    fast = _agree(SCENARIOS[name].model())
    assert fast.space.live.keys() == {p.id for p in fast.properties if p.kind == "eventually"}


def _mutant_cases():
    for m in MUTANTS:
        for sc in m.scenarios:
            yield pytest.param(m.id, sc, id=f"{m.id}@{sc}")


@pytest.mark.parametrize("mutant, name", list(_mutant_cases()))
def test_verdicts_agree_on_mutants(mutant, name):
    m, model = mutant_model(mutant, name)
    if model is None:   # a mutant with its own guard: only the readable engine applies (asserted)
        return
    fast = _agree(model)
    assert any(fast.verdicts(fairness="strong")[p] == "violated" for p in m.catches) or not fast.complete


def test_a_time_limit_cuts_every_phase():
    """A limit far below what the run needs stops it soon, marked incomplete (a generous
    bound, not a performance assertion: the whole run takes much longer)."""
    import time

    model = load_scenario(SCENARIO_DIR / "large" / "five-containers.yaml").model()
    seen = []
    start = time.monotonic()
    r = compiled.explore_compiled(model, properties=properties_for(model), time_limit=0.5, progress=seen.append,
                                  workers=1)
    took = time.monotonic() - start
    assert (r.complete, r.stop_reason) == (False, "time_limit")
    assert took < 30, f"a 0.5 s limit ran {took:.1f} s"
    assert set(r.verdicts().values()) <= {"unknown", "violated", "witnessed", "skipped"}
    assert seen and seen[-1].states == r.states
    assert r.path(r.states - 1).replay(r.model)[-1] == r.state(r.states - 1)  # what was kept is consistent


def test_max_states_is_exact_and_marked():
    model = SCENARIOS["two-init-two-app"].model()
    r = explore(model, engine="compiled", max_states=1000)
    assert (r.states, r.complete, r.stop_reason) == (1000, False, "max_states")
    assert "held" not in r.verdicts().values()


def test_auto_picks_the_compiled_engine_when_it_pays():
    small = SCENARIOS["single-never"].model()
    assert explore(small).engine == "readable"  # finished by the probe
    big = load_scenario(SCENARIO_DIR / "large" / "four-containers.yaml").model()
    assert choose_engine(big) == "compiled"
    assert explore(big, max_states=5000).engine == "compiled"
    assert choose_engine(big, symmetry=True) == choose_engine(big, frontier="dfs") == "readable"


def test_the_memory_guard_stops_the_compiled_engine(capsys):
    """The same guard, flag and message as the readable engine: a peak-memory limit below
    what the process already holds stops the compiled search at its first chunk, marked
    ``memory``; a limit far above it changes nothing."""
    from podmodel.cli import main

    model = SCENARIOS["two-init-two-app"].model()
    cut = compiled.explore_compiled(model, properties=properties_for(model), memory_limit=1, workers=1)
    assert (cut.complete, cut.stop_reason) == (False, "memory")
    assert "held" not in cut.verdicts().values()
    assert len(cut.space) == cut.states and cut.states < explore(model, engine="compiled").states
    roomy = explore(model, engine="compiled", memory_limit=1 << 30)
    assert (roomy.complete, roomy.stop_reason) == (True, None)
    code = main(["explore", str(SCENARIO_DIR / "two-init-two-app.yaml"), "--quiet", "--engine", "compiled",
                 "--memory-limit", "1"])
    out = capsys.readouterr().out
    assert code == 3 and "memory guard" in out and "--memory-limit" in out.splitlines()[-1]


def _space_of(r):
    sp = r.space
    return ([a.tolist() for a in (sp.codes, sp.parent, sp.via, sp.depth, *sp.edges())],
            r.verdicts(fairness="strong"), {k: v.actions for k, v in r.violations.items()})


@pytest.mark.parametrize("name, cap", [("two-init-two-app", None), ("deletion-grace", None),
                                       ("two-init-two-app", 1500), ("large/four-containers", 20_000)])
@pytest.mark.parametrize("jit", [False, True])
def test_hash_table_and_split_tables_agree_with_the_reference(monkeypatch, name, cap, jit):
    """The hash-table visited set (probed by NumPy, or by numba's loop) and the split code
    tables give the reference's numbering, edges and verdicts (sorted array, one code
    table); the hash table is forced from the first state and the one table off."""
    from podmodel.engines import visited

    if jit:
        pytest.importorskip("numba", reason="numba (the explore extra) is not installed")
    model = load_scenario(SCENARIO_DIR / f"{name}.yaml").model()
    props = properties_for(model)
    one_table = []   # per code operation lookup: whether it used the one table (else the split tables)
    real = compiled.Tables._op_flat
    monkeypatch.setattr(compiled.Tables, "_op_flat",
                        lambda self: (lambda t: (one_table.append(t is not None), t)[1])(real(self)))
    monkeypatch.setattr(visited, "_kernels", False)  # no numba, no hash table: the reference
    monkeypatch.setattr(visited, "HASH_FROM", None)
    slow = compiled.explore_compiled(model, properties=props, max_states=cap, workers=1)
    slow_used, one_table[:] = list(one_table), []
    monkeypatch.setattr(visited, "_kernels", None if jit else False)
    monkeypatch.setattr(visited, "HASH_FROM", 0)
    monkeypatch.setattr(visited, "JIT_FROM", 0)
    monkeypatch.setattr(compiled, "TABLE_LIMIT", 0)
    fast = compiled.explore_compiled(model, properties=props, max_states=cap, workers=1)
    assert (fast.space.tables.jit is not None) == jit and slow.space.tables.jit is None
    assert slow_used and all(slow_used) and one_table and not any(one_table)
    assert (fast.states, fast.transitions, fast.complete) == (slow.states, slow.transitions, slow.complete)
    assert _space_of(fast) == _space_of(slow)


@pytest.mark.parametrize("jit", [False, True])
def test_the_hash_table_grows_and_numbers_in_order(jit):
    """Numbers in first-occurrence order across growth of the table, duplicates within a
    batch, and the room cut, against the sorted array; by NumPy's rounds and numba's loop."""
    from podmodel.engines import visited

    if jit:
        pytest.importorskip("numba", reason="numba (the explore extra) is not installed")
    import numpy as np

    rng = np.random.default_rng(12)
    init = np.unique(rng.integers(0, 1 << 40, 50))
    a, b = visited.Visited(init, hash_from=0, jit_from=0 if jit else None), visited.Visited(init, hash_from=None)
    for room in (None, 5000, None, 0, None, 3, None):
        batch = rng.integers(0, 1 << 40, 20_000)
        batch[::3] = batch[1::3][: batch[::3].size]  # duplicates inside the batch
        batch[:40] = init[:40]                       # and codes seen before
        batch[-30:] = batch[100:130]                 # repeats of new codes, after others
        ra, rb = a.visit(batch, room), b.visit(batch, room)
        assert [x.tolist() for x in ra[:2]] + [ra[2]] == [x.tolist() for x in rb[:2]] + [rb[2]]
    assert a.kind == "hash" and b.kind == "sorted" and len(a) == len(b) > 40_000
    assert (a.kernels is not None) == jit


@pytest.mark.parametrize("jit", [False, True])
def test_a_crowded_table_stays_valid_and_numbers_in_order(monkeypatch, jit):
    """The hash table nearly full (most candidates collide, NumPy's rounds or numba's
    loop): numbers in first-occurrence order as the sorted array gives them; every number
    sits in one slot, reachable from its code's home slot without crossing a free one; the
    column holds the codes in number order; and a table rebuilt from the column finds them
    all again."""
    import numpy as np

    from podmodel.engines import visited

    if jit:
        pytest.importorskip("numba", reason="numba (the explore extra) is not installed")
    monkeypatch.setattr(visited, "LOAD", 0.97)
    monkeypatch.setattr(visited, "JIT_LOAD", 0.97)
    rng = np.random.default_rng(3)
    init = np.unique(rng.integers(0, 1 << 50, 40))
    h = visited.Visited(init, hash_from=0, jit_from=0 if jit else None)
    ref = visited.Visited(init, hash_from=None)
    for _ in range(18):   # batches small enough that the table does not grow (size + batch < 0.97 * 1024)
        codes = rng.integers(0, 1 << 50, 100)
        codes[50:] = codes[:50][::-1]   # repeats
        codes[:5] = init[:5]            # and codes seen before
        got, want = h.visit(codes), ref.visit(codes)
        assert [x.tolist() for x in got[:2]] == [x.tolist() for x in want[:2]]
    table, col = h.table, h.column.array()
    assert table.size == 1 << 10 and (table != 0).sum() == len(h) > 900
    assert col.tolist() == init.tolist() + ref.column.array()[init.size:].tolist()
    full = np.flatnonzero(table)
    assert sorted(table[full].tolist()) == list(range(1, len(h) + 1))
    for s, k in zip(full.tolist(), table[full].tolist()):
        start = int(visited.home(col[k - 1:k], 64 - h.bits)[0])
        assert all(table[(start + d) % table.size] != 0 for d in range((s - start) % table.size))
    h._grow(len(h), same=True)
    assert h.visit(col)[1].tolist() == list(range(len(h)))


def test_small_runs_do_not_import_numba():
    """numba's import (about half a second) is paid only by runs past `visited.HASH_FROM`."""
    import subprocess
    import sys

    code = ("import sys; from podmodel.engines import explore; from podmodel.verifier.scenarios import "
            "load_scenario, SCENARIO_DIR; r = explore(load_scenario(SCENARIO_DIR / 'two-init-two-app.yaml').model(), "
            "engine='compiled'); print(r.states, 'numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert int(out[0]) > 1000 and out[1] == "False"


def test_layered_reachability_equals_the_sparse_matrix_search(monkeypatch):
    """`compiled_liveness._reach_sorted` (a layered search on the sorted edge arrays through
    the allowed states, cut in small gathers here) gives `_reach`'s answer (SciPy's search
    from a virtual source) on the edges between allowed states."""
    import numpy as np

    from podmodel.engines import compiled_liveness as CL

    monkeypatch.setattr(CL, "REACH_CHUNK", 7)
    rng = np.random.default_rng(12)
    for n, m in ((1, 0), (5, 3), (60, 150), (400, 900), (1000, 5000)):
        src = np.sort(rng.integers(0, n, m)).astype(np.int32)
        dst = rng.integers(0, n, m).astype(np.int32)
        allowed = rng.random(n) < 0.7
        allowed[0] = True
        seeds = np.unique(np.concatenate([[0], rng.choice(np.flatnonzero(allowed), 3)]))
        indptr = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
        got = CL._reach_sorted(n, indptr, dst, allowed, seeds)
        ok = allowed[src] & allowed[dst]
        assert (got == CL._reach(n, src[ok], dst[ok], seeds)).all()


@pytest.mark.parametrize("name, shared, several", [("container-restart-rules", True, False),
                                                   ("onfailure-i1s0a1-pgx", False, True),
                                                   ("extra-sidecar-before-init", True, True)])
def test_conditional_cores_share_rows_by_the_codes_they_read(name, shared, several):
    """A core whose enabled actions depend on exit codes is compiled with only the codes the
    model was seen reading made concrete: each of its rows equals the row computed on the
    fully concrete state (all codes); rows are shared between code combinations that agree
    on what is read, and a core meets several values of what it reads."""
    model = named_scenario(name).model()
    r = explore(model, engine="compiled")
    T = r.space.tables
    assert T.virtual
    for (c, l), row in T.virtual.items():
        s = T.view(c, 0, l)  # every code concrete, counts 0
        want = [T._edge(a, model.next_state(s, a)) for a in model.actions(s)]
        got = [(T.e_dst[e], T.e_inc[e], T.e_op[e], T.e_act[e]) for e in range(T.off[row], T.off[row] + T.deg[row])]
        # the same successors: a code kept is a copy in one and a constant in the other
        assert [(d, i, T.actions[a]) for d, i, _, a in got] == [(d, i, T.actions[a]) for d, i, _, a in want]
        assert [T.op_one(l, o) for *_, o, _ in got] == [T.op_one(l, o) for *_, o, _ in want]
    assert (len(set(T.virtual.values())) < len(T.virtual)) == shared
    keys = [c for c, _ in T._cond_rows]
    assert (len(set(keys)) < len(keys)) == several


@pytest.mark.parametrize("name", ["two-init-two-app", "container-restart-rules", "sandbox-recreation"])
def test_enabledness_masks_give_the_models_actions(name):
    """`Enabled` (answers kept per part of a state, as bit masks) gives `Model.actions` on
    every reachable state, in the model's order, whether the parts are fresh or memoised."""
    model = SCENARIOS[name].model()
    r = explore(model, engine="readable")
    enabled = compiled.Enabled(model)
    for _ in range(2):
        for s in r.space.iter_states():
            assert enabled.actions(s) == model.actions(s)
    assert enabled.parts


def test_workers_share_the_rows_when_layers_are_large(monkeypatch):
    monkeypatch.setattr(compiled, "PARALLEL_MIN", 8)
    sc = SCENARIOS["two-init-two-app"]
    used = []
    real = compiled._LazyPool.get
    monkeypatch.setattr(compiled._LazyPool, "get", lambda self: used.append(1) or real(self))
    two = compiled.explore_compiled(sc.model(), properties=properties_for(sc.model()), workers=2)
    one = compiled.explore_compiled(sc.model(), properties=properties_for(sc.model()), workers=1)
    assert used and one.space.codes.tolist() == two.space.codes.tolist()
    assert one.verdicts(fairness="strong") == two.verdicts(fairness="strong")


def test_a_column_grows_to_the_concatenation_of_its_chunks():
    """`compiled._Column` (the search's growable arrays) holds exactly the chunks appended,
    across growth, empty chunks and casts to its dtype."""
    import numpy as np

    rng = np.random.default_rng(5)
    chunks = [rng.integers(-5, 1 << 30, int(n)) for n in rng.integers(0, 40_000, 30)]
    col = compiled._Column(np.int32, chunks[0])
    for c in chunks[1:]:
        col.append(c)
    assert col.array().dtype == np.int32 and col.array().tolist() == np.concatenate(chunks).tolist()


@pytest.mark.parametrize("name", ["deletion-grace", "sandbox-recreation"])
def test_liveness_in_two_processes_gives_the_same_verdicts_and_lassos(monkeypatch, name):
    """`compiled_liveness._Child`: the properties a forked process decides come back equal to
    the ones decided here (holds, triggers, the lasso itself; weak fairness has violations on
    these scenarios); and when that process gives nothing back, they are decided here."""
    from podmodel.engines import compiled_liveness as CL

    model = SCENARIOS[name].model()

    def run(parallel: bool):
        monkeypatch.setattr(CL, "PARALLEL_EDGES", 0 if parallel else 1 << 62)
        r = explore(model, engine="compiled")
        return {f: {k: (v.holds, v.triggers, v.counterexample) for k, v in r.liveness(f).items()}
                for f in ("weak", "strong")}

    started, here = [], []   # properties given to the other process; decided in this one
    decide = CL._decide
    monkeypatch.setattr(CL, "_decide", lambda r, p, *a: here.append(p.id) or decide(r, p, *a))
    real = CL._Child.__init__
    monkeypatch.setattr(CL._Child, "__init__", lambda self, d, props: started.append(len(props)) or real(self, d, props))
    one = run(False)
    alone = len(here)
    two = run(True)
    assert len(started) == 2 and all(started) and two == one
    assert len(here) - alone == alone - sum(started)   # the other process's verdicts were used
    assert any(v[0] is False and v[2] is not None for v in one["weak"].values())
    monkeypatch.setattr(CL, "_child_main", lambda decide, props, send: send.close())  # a child that fails
    assert run(True) == one and len(started) == 4
