"""The Hypothesis engine: generated from the model's interface, cross-checked with the explorer,
shrinking to replayable counterexamples; and the coverage both engines report."""

from __future__ import annotations

import pytest

from podmodel.engines import explore
from podmodel.engines.coverage import Coverage, fired, merge_all, of_exploration
from podmodel.engines.hypothesis import (
    counterexample_code,
    first_violation,
    machine_for,
    run_hypothesis,
    shrink_path,
)
from podmodel.model import Model
from podmodel.model import actions as A
from podmodel.model.machines import DEFAULT
from podmodel.model.properties import by_id as prop
from podmodel.model.properties import properties_for
from podmodel.verifier.mutants import by_id as mutant
from podmodel.verifier.scenarios import SCENARIO_DIR, load_scenario

SMALL = ["single-never", "single-onfailure", "init-app", "sidecar-never", "deletion-grace", "probes",
         "readiness-gates", "container-restart-rules"]


def scenario_model(name: str) -> Model:
    return load_scenario(SCENARIO_DIR / f"{name}.yaml").model()


@pytest.fixture(scope="module")
def explored():
    return {name: explore(scenario_model(name)) for name in SMALL}


# ------------------------------------------------------------------ cross-engine check
@pytest.mark.parametrize("name", SMALL)
def test_every_state_and_step_hypothesis_takes_is_in_the_explored_graph(name, explored):
    r = explored[name]
    assert r.complete
    h = run_hypothesis(r.model, max_examples=60, steps=30, seed=3)
    assert h.steps > 0 and h.states > 1
    outside = [s for s in h.visited if not r.contains(s)]
    assert outside == []
    missing = [(s, a) for s, a in h.edges if not r.has_edge(s, a)]
    assert missing == []
    assert h.states <= r.states


def test_cross_check_catches_an_engine_fed_a_different_model(explored):
    """The check is not vacuous: Hypothesis on a broken model leaves the real graph."""
    broken = mutant("never-container-restarted").build("single-never")
    h = run_hypothesis(broken, max_examples=100, steps=30, seed=0, properties=())
    r = explored["single-never"]
    assert any(not r.contains(s) for s in h.visited)


def test_a_safe_model_has_no_violations_and_hypothesis_finds_the_same_witnesses(explored):
    r = explored["init-app"]
    h = run_hypothesis(r.model, max_examples=150, steps=40, seed=1)
    assert h.ok and h.violations == {}
    assert set(h.witnesses) <= set(r.witnesses)
    for pid, cx in h.witnesses.items():
        states = cx.replay(r.model)
        assert prop(pid).check(r.model, states[-1])


# ------------------------------------------------------------ rules from the interface
def test_the_families_drawn_are_the_action_families_the_bounds_allow():
    m = scenario_model("deletion-grace")
    cls = machine_for(m)
    assert cls.families == tuple(dict.fromkeys(type(a) for a in m.candidate_actions))
    assert cls.rule_names == ("step",)
    # fewer bounds, fewer families: node loss and eviction are not in single-never's bounds
    names = machine_for(scenario_model("single-never")).family_names
    assert "node_lost" in cls.family_names and "node_lost" not in names
    assert "evict" in cls.family_names and "evict" not in names


def test_a_run_stops_once_its_walks_arrived_at_every_reachable_state(explored):
    """Closed under successors: every reachable state and edge checked, the rest of the
    examples could find nothing new; a run that is not closed goes on to its examples."""
    r = explored["single-never"]
    h = run_hypothesis(r.model, max_examples=1000, seed=0)
    assert h.exhausted and h.states == r.states and h.examples < 1000
    assert h.verdicts() == run_hypothesis(r.model, max_examples=1000, seed=1).verdicts()
    big = scenario_model("deletion-grace")
    g = run_hypothesis(big, max_examples=5, seed=0)
    assert not g.exhausted and g.examples >= 5


def test_exhaustion_needs_every_reachable_state():
    from podmodel.engines.hypothesis import _Record
    from podmodel.engines.coverage import Coverage

    m = scenario_model("single-never")
    rec = _Record(m, (), Coverage.for_model(m))
    init = m.initial_states()
    s0 = init[0]
    succ, _ = rec.expand(s0)
    assert succ and not rec.arrived_at(s0, succ, init)  # its successors are pending
    seen, todo = {s0}, [t for _, t in succ]
    while todo:  # arrive at every reachable state but one: never closed
        s = todo.pop()
        if s in seen:
            continue
        seen.add(s)
        todo += [t for _, t in rec.expand(s)[0]]
    last = sorted(seen - {s0}, key=repr)[-1]
    assert not any(rec.arrived_at(s, rec.expand(s)[0], init) for s in sorted(seen - {last}, key=repr))
    assert rec.arrived_at(last, rec.expand(last)[0], init)
    rec.clear()
    assert not rec.arrived and not rec.pending and not rec.exhausted


def test_every_rule_the_bounds_allow_is_enabled_somewhere_in_the_bundled_scenarios():
    """No dead rule across the suite's scenarios (a dead rule is a modelling bug)."""
    from podmodel.verifier.scenarios import bundled_scenarios

    total = merge_all(of_exploration(explore(sc.model())) for sc in bundled_scenarios())
    assert total.dead_rules == ()
    assert {f for f in total.families} == {cls.__name__ for cls in A.ALL_ACTIONS}
    assert total.unexplained == {}


# -------------------------------------------------------------------- reproducibility
def test_the_same_seed_gives_the_same_run():
    m = scenario_model("sidecar-never")
    a = run_hypothesis(m, max_examples=40, steps=25, seed=11)
    b = run_hypothesis(m, max_examples=40, steps=25, seed=11)
    assert (a.steps, a.examples, a.visited, a.edges) == (b.steps, b.examples, b.visited, b.edges)
    c = run_hypothesis(m, max_examples=40, steps=25, seed=12)
    assert (c.steps, c.visited) != (a.steps, a.visited)


def test_arguments_are_checked():
    m = scenario_model("single-never")
    for kwargs in ({"max_examples": 0}, {"steps": 0}, {"time_limit": 0}, {"shrink": "none"}):
        with pytest.raises(ValueError):
            run_hypothesis(m, **kwargs)


def test_a_time_limit_cuts_the_run_and_says_so():
    m = scenario_model("two-init-two-app")
    h = run_hypothesis(m, max_examples=100_000, steps=40, seed=0, time_limit=0.5)
    assert h.stop_reason == "time_limit"
    assert h.examples < 100_000
    assert any(w.startswith("incomplete") for w in h.warnings)


# --------------------------------------------------------------------- counterexamples
@pytest.mark.parametrize("shrink", ["path", "hypothesis"])
def test_a_violation_shrinks_to_a_replayable_path(shrink):
    m = mutant("never-container-restarted").build("single-never")
    h = run_hypothesis(m, max_examples=300, steps=30, seed=0, first_only=True, shrink=shrink)
    assert "restart-policy-honoured" in h.violations
    shortest = explore(m).violations
    for pid, cx in h.violations.items():
        p = prop(pid)
        assert first_violation(m, p, cx.actions) == len(cx.actions)  # replays, and fails at its last step
        assert len(cx.actions) >= len(shortest[pid].actions)  # BFS gives the shortest
        if shrink == "path":  # 1-minimal: no single action can go
            for k in range(len(cx.actions)):
                assert first_violation(m, p, cx.actions[:k] + cx.actions[k + 1:]) is None
    cx = h.violations["restart-policy-honoured"]
    assert isinstance(cx.actions[-1], A.KubeletRestartContainer)
    states = cx.replay(m)
    assert not prop(cx.property).check(m, states[-2], cx.actions[-1], states[-1])


def test_without_first_only_each_violated_property_is_found_in_turn():
    """After a violation the run goes on without that property, until nothing new fails."""
    m = mutant("running-after-terminal").build("deletion-grace")
    h = run_hypothesis(m, max_examples=50, steps=30, seed=0)
    assert {"terminal-no-running-containers", "no-start-when-stopping"} <= set(h.violations)
    r = explore(m, properties=properties_for(m, ("always", "step")))
    assert set(h.violations) <= set(r.violations)
    for pid, cx in h.violations.items():
        assert first_violation(m, prop(pid), cx.actions) == len(cx.actions)


def test_edges_a_walk_does_not_take_are_checked_too():
    """Examples of at most two actions (three rule runs, the first initialises) find a
    three-step violation: the successors of every visited state are checked, taken or not."""
    m = mutant("app-before-sidecar-started").build("sidecar-never")
    h = run_hypothesis(m, max_examples=50, steps=3, seed=0, first_only=True)
    assert len(h.violations["sidecar-order"].actions) == 3


def test_shrink_path_cuts_loops_and_detours():
    m = mutant("never-container-restarted").build("single-never")
    p = prop("restart-policy-honoured")
    path = [A.SchedulerBind("node-1"), A.KubeletCreateSandbox(), A.KubeletStartContainer("app"),
            A.ContainerExit("app", 0), A.KubeletRestartContainer("app"), A.ContainerExit("app", 1),
            A.KubeletRestartContainer("app"), A.ContainerExit("app", 1)]
    short = shrink_path(m, p, path)
    assert len(short) == 5 and first_violation(m, p, short) == 5
    with pytest.raises(ValueError):
        shrink_path(scenario_model("single-never"), p, path[:3])


def test_shrink_path_keeps_a_violating_step_that_closes_a_loop():
    """A violation on an edge back to an earlier state: cutting the loop would cut the bug."""
    from podmodel.model.properties import Property

    m = scenario_model("readiness-gates")
    gate = m.config.readiness_gates[0]
    again = Property("gate-set-once", "step", "a gate is set True at most once", "test",
                     lambda m, s, a, t: not (isinstance(a, A.ControllerSetCondition) and a.status == "True"
                                             and s.gates[0] is not None))
    path = [A.ControllerSetCondition(gate, "True"), A.ControllerSetCondition(gate, "False"),
            A.ControllerSetCondition(gate, "True")]
    states = m.replay(path)
    assert states[3] == states[1]
    short = shrink_path(m, again, path)
    assert first_violation(m, again, short) == len(short) == 2  # [False, True]: still the bug, shorter


def _run_code(code: str) -> None:
    exec(compile(code, "<counterexample>", "exec"), {})


@pytest.mark.parametrize("kind_mutant", [
    ("step", "never-container-restarted", "single-never"),
    ("always", "running-without-running-containers", "single-never"),
    ("eventually", "deletion-undone", "deletion-grace"),
])
def test_printed_counterexamples_run_as_python(kind_mutant):
    kind, mid, scenario = kind_mutant
    model = mutant(mid).build(scenario)
    r = explore(model)
    cxs = r.counterexamples(fairness="strong")
    cx = next(c for pid, c in cxs.items() if prop(pid).kind == kind)
    setup = (f"from podmodel.verifier.mutants import by_id as mutant\nmodel = mutant({mid!r}).build({scenario!r})")
    code = counterexample_code(cx, setup)
    _run_code(code)
    # the same code on the real model fails: the snippet really shows the bug
    real = f"from podmodel.verifier.scenarios import load_scenario, SCENARIO_DIR\nmodel = load_scenario(SCENARIO_DIR / {scenario + '.yaml'!r}).model()"
    with pytest.raises((AssertionError, ValueError)):
        _run_code(counterexample_code(cx, real))


# --------------------------------------------------------------------------- coverage
def test_fired_names_the_declared_transitions_of_a_step():
    m = scenario_model("deletion-grace")
    s = m.replay([A.SchedulerBind("node-1"), A.KubeletCreateSandbox(), A.KubeletStartContainer("app")])[-1]
    t = m.next_state(s, A.ApiDelete(45))
    names = {(f.machine, f.trigger) for f in fired(m, s, A.ApiDelete(45), t)}
    assert ("deletion", "api_delete") in names and ("termination", "delete") in names
    u = m.next_state(t, A.GracePeriodExpired())
    got = [str(f) for f in fired(m, t, A.GracePeriodExpired(), u)]
    assert "termination.grace_period_expired: Stopping -> Killing" in got
    assert "container[app].exit: Ready -> Terminated" in got


def test_coverage_of_both_engines_agrees_and_names_unexercised_transitions(explored):
    r = explored["single-never"]
    cov = of_exploration(r)
    h = run_hypothesis(r.model, max_examples=60, steps=30, seed=0)
    assert set(h.coverage.transitions) <= set(cov.transitions)
    assert set(h.coverage.enabled) <= set(cov.enabled)
    # restartPolicy Never: the restart rules are never enabled, by design
    assert cov.dead_rules == ("KubeletBackOff", "KubeletRestartContainer")
    assert "rule never enabled: KubeletBackOff, KubeletRestartContainer" in cov.warnings()
    assert ("container", "restart", "Terminated", "Running") in cov.unexercised
    assert cov.to_dict()["rules"]["ContainerExit"] is True


def test_a_mutant_s_extra_transition_shows_in_coverage():
    m = mutant("deletion-undone").build("deletion-grace")
    cov = of_exploration(explore(m))
    assert cov.transitions[("deletion", "kubelet_remove", "Deleting", "Live")] > 0
    real = of_exploration(explore(scenario_model("deletion-grace")))
    assert ("deletion", "kubelet_remove", "Deleting", "Live") not in real.declared


def test_coverage_merges():
    a = Coverage.for_model(scenario_model("single-never"))
    b = Coverage.for_model(scenario_model("sidecar-always"))
    both = a.merge(b)
    assert set(both.families) == set(a.families) | set(b.families)
    assert both.declared == a.declared  # same declarations


def test_runs_ignore_the_constants_of_the_modules_the_process_loaded(tmp_path, monkeypatch):
    """Hypothesis draws, now and then, constants found in the local modules the process has
    loaded; a verifier worker's history must not change a run, so the engine runs Hypothesis
    without them (and puts Hypothesis' hook back afterwards)."""
    import importlib
    import sys

    from hypothesis.internal.conjecture import providers

    from podmodel.engines.hypothesis import _no_local_constants

    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "podmodel_extra_constants.py").write_text("".join(f"D{k} = {k * 7 + 3}\n" for k in range(64)))
    monkeypatch.syspath_prepend(str(lib))
    hook = providers._get_local_constants
    importlib.import_module("podmodel_extra_constants")
    try:
        assert 3 + 7 * 63 in hook().integers  # Hypothesis would draw it
        with _no_local_constants():
            assert len(providers._get_local_constants().integers) == 0
        assert providers._get_local_constants is hook
    finally:
        sys.modules.pop("podmodel_extra_constants", None)
