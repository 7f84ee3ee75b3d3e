"""Graph analysis: liveness under fairness with lassos, stuck states, reachability
queries, vacuity, warnings and bound sensitivity."""

import networkx as nx
import pytest

from podmodel.engines import analysis, bound_sensitivity, explore
from podmodel.model import Model
from podmodel.model import actions as A
from podmodel.model.machines import DEFAULT
from podmodel.model.properties import FAIR_ACTIONS, Property, properties_for
from podmodel.verifier.scenarios import bundled_scenarios

SCENARIOS = {sc.path.stem: sc for sc in bundled_scenarios()}

#: Under weak fairness the environment can starve the kubelet (docs/explorer.md, "Liveness"):
#: scenario -> {property: action types of the lasso's cycle}.  (The SIGKILL timer runs while
#: the node is unreachable, so a flapping node no longer blocks a deletion, even under weak
#: fairness; it still starves the start of an app container.)
WEAK_FAIRNESS_LASSOS = {
    "deletion-grace": {"init-success-leads-to-app-start": {"NodeLost", "NodeRecovered"}},
    "sandbox-recreation": {"init-success-leads-to-app-start": {"ContainerExit", "KubeletRestartContainer"}},
    "sidecar-always": {"init-success-leads-to-app-start": {"ContainerExit", "KubeletRestartContainer", "ProbeSucceed"}},
    "sidecar-never": {"init-success-leads-to-app-start": {"ContainerExit", "KubeletRestartContainer"}},
}


@pytest.fixture(scope="module")
def results():
    return {name: explore(sc.model()) for name, sc in SCENARIOS.items()}


# ------------------------------------------------------------------ liveness
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_liveness_holds_on_the_real_model_under_strong_fairness(name, results):
    live = analysis.liveness(results[name], fairness="strong")
    assert live and all(v.holds for v in live.values()), {k: v.counterexample.format() for k, v in live.items() if not v.holds}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_liveness_under_weak_fairness_fails_only_by_starving_the_kubelet(name, results):
    r = results[name]
    live = analysis.liveness(r, fairness="weak")
    failing = {pid: v for pid, v in live.items() if not v.holds}
    expected = WEAK_FAIRNESS_LASSOS.get(name, {})
    assert sorted(failing) == sorted(expected)
    for pid, v in failing.items():
        cx = v.counterexample
        assert cx.label == "lasso" and cx.cycle and not cx.stutter
        assert {type(a).__name__ for a in cx.cycle} == expected[pid]
        states = cx.replay(r.model)  # prefix then the cycle, back to where it started
        assert states[len(cx.actions)] == states[-1] == cx.states[-1]
        p = next(p for p in r.properties if p.id == pid)
        assert any(p.trigger(r.model, s) for s in cx.states)
        assert not any(p.check(r.model, s) for s in states[next(i for i, s in enumerate(cx.states) if p.trigger(r.model, s)):])


def _deletion_blocked():
    """The grace period never expires while a container runs: a container that never exits blocks removal."""
    sc = SCENARIOS["single-never"]
    t = DEFAULT["termination"].with_guard("grace_period_expired", "no_container_running")
    return Model(sc.config, sc.bounds, declarations=DEFAULT.replace_machine(t))


@pytest.mark.parametrize("fairness", ["weak", "strong"])
def test_a_stuck_deletion_is_reported_with_a_lasso(fairness):
    m = _deletion_blocked()
    r = explore(m)
    # the bounded-liveness counterparts catch it without the graph (so Hypothesis does too)
    assert sorted(r.violations) == ["deleted-eventually-removed-progress", "stopping-eventually-terminal-progress"]
    live = analysis.liveness(r, fairness=fairness)
    assert live["init-success-leads-to-app-start"].holds
    v = live["deleted-eventually-removed"]
    assert not v.holds
    cx = v.counterexample
    assert cx.actions == [A.SchedulerBind("node-1"), A.KubeletCreateSandbox(), A.KubeletStartContainer("app"), A.ApiDelete(30)]
    assert cx.stutter and cx.cycle == []
    last = cx.replay(m)[-1]
    assert last.deletion == "Deleting" and last.containers[0].machine == "Ready"
    assert not any(type(a) in FAIR_ACTIONS for a in m.actions(last))  # only the container's own exit is left
    assert "may stay here forever" in cx.format()
    assert not r.ok() and sorted(r.counterexamples()) == ["deleted-eventually-removed", "deleted-eventually-removed-progress",
                                                          "stopping-eventually-terminal", "stopping-eventually-terminal-progress"]


def test_the_real_model_removes_a_deleted_pod():
    r = explore(SCENARIOS["single-never"].model())
    assert analysis.liveness(r)["deleted-eventually-removed"].holds


def test_weak_and_strong_fairness_differ_exactly_on_an_intermittently_enabled_action(results):
    r = results["sidecar-never"]
    cx = analysis.liveness(r, fairness="weak")["init-success-leads-to-app-start"].counterexample
    loop = cx.cycle_states  # the states the cycle visits, ending where it started
    start = A.KubeletStartContainer("job")
    enabled = [start in r.model.actions(s) for s in loop]
    assert any(enabled) and not all(enabled)  # weakly fair to start: not continuously enabled
    fair_taken = {a for a in cx.cycle if type(a) in FAIR_ACTIONS}
    assert fair_taken == {A.KubeletRestartContainer("proxy")}
    # every fair action enabled throughout the cycle is taken on it (weak fairness)
    always_enabled = set.intersection(*({a for a in r.model.actions(s) if type(a) in FAIR_ACTIONS} for s in loop))
    assert always_enabled <= fair_taken
    # strong fairness: start is enabled infinitely often on that cycle, so it must be taken
    assert analysis.liveness(r, fairness="strong")["init-success-leads-to-app-start"].holds


def test_liveness_needs_a_complete_unreduced_graph():
    m = SCENARIOS["two-identical-apps"].model()
    with pytest.raises(ValueError, match="was cut"):
        analysis.liveness(explore(m, max_states=10))
    with pytest.raises(ValueError, match="symmetry"):
        analysis.liveness(explore(m, symmetry=True))
    with pytest.raises(ValueError, match="unknown fairness"):
        analysis.liveness(explore(m), fairness="eventual")
    with pytest.raises(TypeError, match="ExploreResult"):
        analysis.liveness(m)
    assert explore(m, symmetry=True).verdicts()["deleted-eventually-removed"] == "skipped"


# ------------------------------------------------------------------ stuck states, graph
def test_attracting_components_without_a_terminal_state(results):
    # under Always, without deletion, the pod runs (and crash-loops) forever
    stuck = analysis.stuck_states(results["probes"])
    assert [(s.kind, s.phases) for s in stuck] == [("cycle", ("Running",))]
    G = results["probes"].graph()
    comp = set(stuck[0].states)
    assert comp in [set(c) for c in nx.attracting_components(G)]
    assert stuck[0].path.states[-1] == results["probes"].state(stuck[0].states[0])
    # with deletion allowed, every attracting component is terminal
    assert analysis.stuck_states(results["single-always"]) == []


def test_a_deadlock_is_a_sink():
    sc = SCENARIOS["single-never"]
    # the kubelet never creates the sandbox: a bound pod waits forever (deletion off)
    s = DEFAULT["sandbox"].with_guard("create", "pod_finished")
    m = Model(sc.config, sc.bounds.__class__(deletion=False, force_delete=False), declarations=DEFAULT.replace_machine(s))
    stuck = analysis.stuck_states(explore(m))
    assert [(x.kind, x.size, x.phases) for x in stuck] == [("sink", 1, ("Pending",))]
    assert stuck[0].path.actions == [A.SchedulerBind("node-1")]


def test_graph_nodes_carry_states_and_edges_actions(results):
    r = results["single-never"]
    G = analysis.build_graph(r)
    assert [G.nodes[i]["state"] for i in range(r.states)] == list(r.space.iter_states())
    acts = sorted({repr(d["action"]) for _, _, d in G.edges(data=True)})
    assert "ApiDelete(grace=30)" in acts and all(isinstance(d["action"], A.Action) for *_, d in G.edges(data=True))
    assert analysis.build_graph(r, states=False).number_of_nodes() == r.states


# ------------------------------------------------------------------ queries, vacuity, warnings
def test_can_a_container_restart_under_never(results):
    assert analysis.reachable(results["single-never"], analysis.QUERIES["app-restarts"][1]) is None
    r = results["single-onfailure"]
    pred = analysis.QUERIES["app-restarts"][1]
    cx = analysis.reachable(r, pred, "app-restarts")
    assert cx.actions[-1] == A.KubeletRestartContainer("app")
    assert cx.replay(r.model)[-1].containers[0].restart_count == 1
    # shortest: no reached state nearer the initial state restarts a container
    assert len(cx) == min(r.space.depth[i] for i, s in enumerate(r.space.iter_states()) if pred(r.model, s))


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_ready_is_never_true_while_a_container_is_unready(name, results):
    assert analysis.reachable(results[name], analysis.QUERIES["ready-while-unready"][1]) is None


def test_query_expressions():
    name, pred = analysis.query("containers['app'].restart_count >= 2 and phase == 'Running'")
    r = explore(SCENARIOS["single-always"].model())
    cx = analysis.reachable(r, pred, name)
    assert cx is not None and cx.states[-1].containers[0].restart_count == 2
    assert all(not pred(r.model, s) for s in cx.states[:-1])
    with pytest.raises(ValueError, match="failed: KeyError"):
        analysis.reachable(r, analysis.query("containers['nope'].machine == 'Ready'")[1])
    with pytest.raises(ValueError, match="bad query"):
        analysis.query("phase = 'Running'")


def test_vacuity_reports_a_missing_witness():
    never = Property("never", "sometimes", "impossible", "test", lambda m, s: s.recreations > 5)
    r = explore(SCENARIOS["single-never"].model(), properties=[never])
    assert analysis.vacuity(r) == ["never"]
    assert r.verdicts() == {"never": "no-witness"} and not r.ok()


def test_warnings_name_actions_never_enabled_and_bounds_reached(results):
    w = analysis.warnings(results["single-never"])
    assert w == ["never enabled: KubeletBackOff(container='app'), KubeletRestartContainer(container='app')"]
    w = analysis.warnings(results["sandbox-recreation"])
    assert any(x.startswith("bound reached: restartCount saturated at maxRestarts=1") for x in w)
    assert "bound reached: sandboxRecreations=1 used up; further recreations are not explored" in w


def test_bound_sensitivity_finds_a_property_that_holds_only_because_of_the_bound():
    few = Property("few-restarts", "always", "restartCount stays below 3", "test",
                   lambda m, s: all(c.restart_count < 3 for c in s.containers))
    m = SCENARIOS["single-always"].model()
    r = explore(m, properties=[few, *properties_for(m, ("always",))])
    assert "few-restarts" not in r.violations
    assert bound_sensitivity(r) == ["few-restarts holds only because of the bound maxRestarts=2: violated with maxRestarts=3"]
