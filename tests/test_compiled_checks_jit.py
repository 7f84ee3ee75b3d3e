"""The step checks' compiled pass (`podmodel.engines.compiled_jit_checks.steps`, through
`podmodel.engines.compiled._Checks._steps_jit`): per transition the attention byte of its
class, and the open properties' values from the class's value or its own dense block.  It is
speed only: against the NumPy path (`_Checks._steps_numpy`, the reference) it decides the
same values where it decides, the same first violation per property in search order, and
whole runs keep their verdicts, violations and witnesses.  numba is forced on for these
small runs through `compiled.CHECKS_JIT` (a search loads it itself only past
`podmodel.engines.visited.JIT_FROM` states)."""

import numpy as np
import pytest
from compiled_runs import mutant_model  # (a sibling module of the tests)
from compiled_runs import recorded as _recorded

from podmodel.engines import compiled
from podmodel.model.properties import Property, properties_for
from podmodel.verifier.mutants import CATALOGUE as MUTANTS
from podmodel.verifier.scenarios import SCENARIO_DIR, bundled_scenarios, load_scenario
from podmodel.verifier.suite import scenario as named_scenario

pytest.importorskip("numba", reason="numba (the explore extra) is not installed")

from podmodel.engines import compiled_jit_checks as K

BUNDLED = sorted(sc.path.stem for sc in bundled_scenarios())


def _model(name):
    path = SCENARIO_DIR / f"{name}.yaml"
    return (load_scenario(path) if path.exists() else named_scenario(name)).model()


def _user_steps(n: int) -> list[Property]:
    """Step properties outside the catalogue (keyed by every count and code), violated on
    many transitions: no transition raises container ``j``'s count to ``k``, or leaves it at
    ``k`` with exit code ``k`` shown."""
    out = []
    for j in range(n):
        for k in (1, 2):
            out.append(Property(f"no-step-to-{j}-{k}", "step", f"no transition raises container {j}'s count to {k}",
                                "test", check=lambda m, s, a, t, j=j, k=k: not (
                                    t.containers[j].restart_count == k and s.containers[j].restart_count != k)))
            out.append(Property(f"no-stay-{j}-{k}", "step", f"no transition keeps container {j} at {k} with code {k}",
                                "test", check=lambda m, s, a, t, j=j, k=k: not (
                                    t.containers[j].restart_count == k and t.containers[j].last_exit_code == k)))
    return out




def _kernel_values(checks, e, rid, r, l, j):
    """Property ``j``'s value on each transition as the compiled pass decides it: 1, 0, or -1
    where it leaves the transition to the NumPy path.  The other properties are marked found
    already (the pass no longer looks at them), and as the pass stops looking at ``j`` after
    its first violation, it is asked again after each."""
    args = checks._jit_inputs()
    out = np.ones(e.size, np.int8)
    start = 0
    while start < e.size:
        unknown = np.empty(e.size - start, np.int64)
        found = np.zeros(len(checks.steps), np.int64)
        found[j] = -1
        n = K.steps(e[start:], compiled._NO_RID if rid is None else rid[start:], r[start:], l[start:], *args,
                    unknown, found)
        out[start + unknown[:n]] = -1
        assert (found[np.arange(found.size) != j] == 0).all()   # properties found are not looked at
        if found[j] < 0:
            break
        out[start + found[j]] = 0
        start += int(found[j]) + 1
    return out


def _replay(model, props, calls, tables):
    """Replay the recorded chunks on two fresh `_Checks`: the NumPy path and the compiled
    pass give the same first violations per chunk (every property open), and the compiled
    pass's values, where it decides, are the NumPy values.  Returns how many values it
    decided, and how many of those from a dense block."""
    steps = [p for p in props if p.kind == "step"]
    ref, jit = compiled._Checks(tables, steps), compiled._Checks(tables, steps)
    decided = from_blocks = 0
    for e, rid, r, l in calls:
        want = ref._steps_numpy(e, rid, r, l)
        assert jit._steps_jit(K, e, rid, r, l) == want
        table = np.ones(e.size, bool) if rid is None else rid < 0
        for j, p in enumerate(steps):
            got = _kernel_values(jit, e, rid, r, l, j)
            v_table, v_res = ref.ev[p.id]
            value = np.empty(e.size, bool)
            value[table] = v_table.values(e[table], r[table], l[table])
            if not table.all():
                value[~table] = v_res.values(rid[~table], r[~table], l[~table])
            sure = got >= 0
            assert ((got[sure] == 1) == value[sure]).all(), p.id
            decided += int(sure.sum())
            keyed = np.zeros(e.size, bool)
            keyed[table] = jit.ev[p.id][0].val[e[table]] == compiled._KEYED
            if not table.all():
                keyed[~table] = jit.ev[p.id][1].val[rid[~table]] == compiled._KEYED
            from_blocks += int((sure & keyed).sum())
    return decided, from_blocks


@pytest.mark.parametrize("name", BUNDLED)
def test_the_compiled_pass_gives_the_numpy_values_and_first_violations(name):
    """On every bundled scenario's transitions, chunk by chunk as the search made them, with
    the dense blocks filling as they go: the same first violation of every step property
    (catalogue and keyed user properties), and the same value wherever the pass decides."""
    model = _model(name)
    props = [*properties_for(model), *_user_steps(len(model.specs))]
    res, calls = _recorded(model, [p for p in props if p.kind == "step"])
    decided, _ = _replay(model, props, calls, res.space.tables)
    assert decided > 0


@pytest.mark.parametrize("name", ["two-identical-apps", "container-restart-rules", "single-onfailure"])
@pytest.mark.parametrize("blocks", ["present", "no dense blocks", "no slot tables"])
def test_the_compiled_pass_with_and_without_dense_blocks(name, blocks, monkeypatch):
    """Keyed values come from the own-order dense blocks where present (and are counted);
    without blocks (`DENSE_BLOCK` 0) or without `_Digits.slot`'s tables
    (`DIGIT_TABLE_LIMIT` 0), the keyed transitions all go to the NumPy path, which decides
    the same."""
    if blocks == "no dense blocks":
        monkeypatch.setattr(compiled, "DENSE_BLOCK", 0)
    elif blocks == "no slot tables":
        monkeypatch.setattr(compiled, "DIGIT_TABLE_LIMIT", 0)
    model = _model(name)
    props = [*properties_for(model), *_user_steps(len(model.specs))]
    res, calls = _recorded(model, [p for p in props if p.kind == "step"])
    decided, from_blocks = _replay(model, props, calls, res.space.tables)
    assert decided > 0
    assert (from_blocks > 0) == (blocks == "present")


def _outcome(r):
    return (r.states, r.transitions, r.verdicts(fairness="strong"),
            {k: v.actions for k, v in r.violations.items()}, {k: v.actions for k, v in r.witnesses.items()})


@pytest.mark.parametrize("name", [*BUNDLED, "onfailure-i1s1a1-gdx"])
def test_runs_with_and_without_the_compiled_pass_agree(name, monkeypatch):
    """Verdicts, violations and witnesses (the first in search order) of whole runs, with
    properties closing one after another, are the same with the compiled pass forced on and
    off; and with it on, it is the pass that decided the transitions."""
    model = _model(name)
    props = [*properties_for(model), *_user_steps(len(model.specs))]
    monkeypatch.setattr(compiled, "CHECKS_JIT", False)
    off = compiled.explore_compiled(model, properties=props, workers=1)
    used = []
    real = compiled._Checks._steps_jit_rest
    monkeypatch.setattr(compiled._Checks, "_steps_jit_rest", lambda self, *a: (used.append(1), real(self, *a))[1])
    monkeypatch.setattr(compiled, "CHECKS_JIT", True)
    on = compiled.explore_compiled(model, properties=props, workers=1)
    assert used
    assert _outcome(on) == _outcome(off)


def _violating_mutants():
    for m in MUTANTS:
        for sc in m.scenarios:
            yield pytest.param(m.id, sc, id=f"{m.id}@{sc}")


@pytest.mark.parametrize("mutant, name", list(_violating_mutants()))
def test_mutants_are_caught_alike_with_the_compiled_pass(mutant, name, monkeypatch):
    """The seeded bugs of the mutant catalogue: the same verdicts and counterexamples with
    the compiled pass forced on as with the NumPy path."""
    _m, model = mutant_model(mutant, name)
    if model is None:   # a mutant with its own guard: only the readable engine applies (asserted)
        return
    props = properties_for(model)
    monkeypatch.setattr(compiled, "CHECKS_JIT", False)
    off = compiled.explore_compiled(model, properties=props, workers=1)
    monkeypatch.setattr(compiled, "CHECKS_JIT", True)
    on = compiled.explore_compiled(model, properties=props, workers=1)
    assert _outcome(on) == _outcome(off)


def test_small_runs_do_not_use_the_compiled_pass(monkeypatch):
    """By default the pass is used only once the search has loaded numba itself (`Tables.jit`):
    a small run keeps the NumPy path, and a run with numba's visited set from the first
    state uses the pass."""
    from podmodel.engines import visited

    model = _model("two-identical-apps")
    props = properties_for(model)
    used = []
    real = compiled._Checks._steps_jit_rest
    monkeypatch.setattr(compiled._Checks, "_steps_jit_rest", lambda self, *a: (used.append(1), real(self, *a))[1])
    compiled.explore_compiled(model, properties=props, workers=1)
    assert not used
    monkeypatch.setattr(visited, "_kernels", None)
    monkeypatch.setattr(visited, "HASH_FROM", 0)
    monkeypatch.setattr(visited, "JIT_FROM", 0)
    r = compiled.explore_compiled(model, properties=props, workers=1)
    assert r.space.tables.jit is not None and used


@pytest.mark.parametrize("name", ["two-init-two-app", "single-onfailure"])
def test_runs_cut_by_max_states_settle_the_last_chunk(name, monkeypatch):
    """A run cut by ``max_states`` stops in the middle of a layer: the step checks of its
    last chunk, still running beside the search when it stops, are taken before the result
    is built.  Cut just before each layer ends, the runs give the NumPy path's violations,
    and some of them are violations found in that last chunk."""
    model = _model(name)
    props = [*properties_for(model), *_user_steps(len(model.specs))]
    whole = compiled.explore_compiled(model, properties=props, workers=1)
    ends = np.cumsum(np.bincount(whole.space.depth))
    in_last = 0
    for cap in (ends[1:] - 1).tolist():
        monkeypatch.setattr(compiled, "CHECKS_JIT", False)
        off = compiled.explore_compiled(model, properties=props, max_states=cap, workers=1)
        monkeypatch.setattr(compiled, "CHECKS_JIT", True)
        on = compiled.explore_compiled(model, properties=props, max_states=cap, workers=1)
        assert not on.complete and _outcome(on) == _outcome(off)
        in_last += sum(len(v.actions) == on.depth for v in on.violations.values())
    assert in_last  # violations whose step leaves the layer being expanded: the last chunk's


def test_a_time_limit_keeps_only_what_the_pass_decided_exactly(monkeypatch):
    """When the clock stops the search, the pass still running beside it is kept only if it
    decided its whole chunk (no model call past the clock); the run is marked incomplete and
    every violation it reports is the readable engine's."""
    model = _model("two-init-two-app")
    props = [*properties_for(model), *_user_steps(len(model.specs))]
    full = compiled.explore_compiled(model, properties=props, workers=1)
    monkeypatch.setattr(compiled, "CHECKS_JIT", True)
    checks = compiled._Checks(full.space.tables, [p for p in props if p.kind == "step"])
    e = np.arange(len(full.space.tables.e_dst), dtype=np.int64)
    zeros = np.zeros(e.size, np.int64)
    checks.transitions(e, None, zeros, zeros, e, zeros)   # every class new: nothing decided by the pass
    assert checks._pending is not None and not checks.bad_step
    checks.settle(exact_only=True)
    assert checks._pending is None and not checks.bad_step   # dropped: the NumPy path would call the model
    checks.transitions(e, None, zeros, zeros, e, zeros)
    checks.settle()
    assert checks.bad_step   # the same chunk settled in full


@pytest.mark.parametrize("name", ["two-init-two-app", "onfailure-i1s1a1-gdx"])
def test_the_pass_in_the_searchs_own_thread_agrees(name, monkeypatch):
    """With the pass run in the search's own thread (`CHECKS_BESIDE` False, no worker), runs
    keep the NumPy path's verdicts, violations and witnesses, and nothing is left pending."""
    model = _model(name)
    props = [*properties_for(model), *_user_steps(len(model.specs))]
    monkeypatch.setattr(compiled, "CHECKS_JIT", False)
    off = compiled.explore_compiled(model, properties=props, workers=1)
    monkeypatch.setattr(compiled, "CHECKS_JIT", True)
    monkeypatch.setattr(compiled, "CHECKS_BESIDE", False)
    launched = []
    monkeypatch.setattr(compiled._Beside, "__init__", lambda self, *a: launched.append(a))
    on = compiled.explore_compiled(model, properties=props, workers=1)
    assert not launched
    assert _outcome(on) == _outcome(off)
