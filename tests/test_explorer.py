"""The explorer: pinned state counts, the catalogue on every reachable state, shortest
counterexamples on deliberately broken models, determinism, frontiers and budgets."""

from collections import deque

import pytest

from podmodel.engines import Counterexample, explore, state_diff
from podmodel.model import Model
from podmodel.model import actions as A
from podmodel.model.machines import DEFAULT
from podmodel.model.properties import by_id, properties_for
from podmodel.verifier.scenarios import SCENARIO_DIR, bundled_scenarios, load_scenario

SCENARIOS = {sc.path.stem: sc for sc in bundled_scenarios()}

#: file -> (states, transitions, depth, states with symmetry reduction).  Computed by the
#: readable and the compiled engine (equal, tests/test_explorer_compiled.py), and
#: cross-checked below by a plain breadth-first search and by the networkx graph.
PINNED = {
    "active-deadline": (87, 109, 10, 87),
    "container-restart-rules": (156, 501, 10, 156),
    "deletion-grace": (391, 732, 11, 391),  # 366/682 before the SIGKILL timer ran while the node is unreachable
    "deployment-web": (78, 149, 9, 78),
    "image-pull-errors": (93, 145, 10, 93),
    "init-app": (157, 203, 14, 157),
    "probes": (33, 83, 7, 33),
    "readiness-gates": (204, 489, 10, 204),
    "sandbox-recreation": (1784, 5179, 13, 1784),
    "sidecar-always": (592, 1508, 10, 592),
    "sidecar-never": (352, 497, 11, 352),
    "single-always": (68, 99, 9, 68),
    "single-never": (30, 48, 6, 30),
    "single-onfailure": (46, 56, 9, 46),
    "two-identical-apps": (246, 476, 10, 140),
    "two-init-two-app": (2256, 5089, 16, 1244),
}


@pytest.fixture(scope="module")
def results():
    """One readable exploration per bundled scenario, shared by the tests of this module."""
    return {name: explore(sc.model(), engine="readable") for name, sc in SCENARIOS.items()}


def _plain_bfs(model):
    """An independent count: the textbook loop over the model's interface."""
    init = model.initial_states()
    depth = {s: 0 for s in init}
    queue, transitions = deque(init), 0
    while queue:
        s = queue.popleft()
        for a in model.actions(s):
            t = model.next_state(s, a)
            transitions += 1
            if t not in depth:
                depth[t] = depth[s] + 1
                queue.append(t)
    return len(depth), transitions, max(depth.values())


def test_every_bundled_scenario_is_pinned():
    assert sorted(SCENARIOS) == sorted(PINNED)


@pytest.mark.parametrize("name", sorted(PINNED))
def test_pinned_counts(name, results):
    r = results[name]
    states, transitions, depth, _ = PINNED[name]
    assert (r.states, r.transitions, r.depth, r.complete) == (states, transitions, depth, True)
    assert _plain_bfs(SCENARIOS[name].model()) == (states, transitions, depth)
    G = r.graph()
    assert G.number_of_nodes() == r.states
    assert G.number_of_edges() == r.transitions


@pytest.mark.parametrize("name", sorted(PINNED))
def test_every_reachable_state_satisfies_every_always_property(name, results):
    r = results[name]
    m = r.model
    always = properties_for(m, ("always",))
    assert r.violations == {}
    for s in r.space.iter_states():
        assert all(p.check(m, s) for p in always), s
    steps = properties_for(m, ("step",))
    src, dst, act = r.space.edges()
    for u, v, k in zip(src, dst, act):
        s, t, a = r.state(u), r.state(v), r.space.actions[k]
        assert all(p.check(m, s, a, t) for p in steps), (s, a)


@pytest.mark.parametrize("name", sorted(PINNED))
def test_every_applicable_sometimes_property_has_a_replayable_witness(name, results):
    r = results[name]
    m = r.model
    sometimes = properties_for(m, ("sometimes",))
    assert sometimes and r.missing_witnesses == ()
    for p in sometimes:
        w = r.witnesses[p.id]
        assert w.replay(m) == w.states
        assert p.check(m, w.states[-1])
        assert not any(p.check(m, s) for s in w.states[:-1])  # the first one on a shortest path


# ------------------------------------------------------------------ broken models
def _never_restarts_anyway():
    """restartPolicy Never, but the container machine lost its `should_restart` guard."""
    sc = SCENARIOS["single-never"]
    c = DEFAULT["container"].without_guard("restart", "should_restart").without_guard("back_off", "should_restart")
    return Model(sc.config, sc.bounds, declarations=DEFAULT.replace_machine(c))


BROKEN_PREFIX = [A.SchedulerBind("node-1"), A.KubeletCreateSandbox(), A.ContainerStartedAndExited("app", 0)]


def test_a_broken_model_yields_the_expected_shortest_counterexamples():
    m = _never_restarts_anyway()
    r = explore(m)
    assert sorted(r.violations) == ["phase-consistent", "restart-policy-honoured", "succeeded-all-exited-zero",
                                    "terminal-no-running-containers"]
    assert r.violations["restart-policy-honoured"].actions == BROKEN_PREFIX + [A.KubeletRestartContainer("app")]
    assert r.violations["terminal-no-running-containers"].actions == BROKEN_PREFIX + [A.KubeletRestartContainer("app")]
    assert r.violations["succeeded-all-exited-zero"].actions == BROKEN_PREFIX + [A.KubeletBackOff("app")]
    for pid, cx in r.violations.items():
        assert cx.replay(m) == cx.states
        p = by_id(pid)
        if p.kind == "always":
            assert not p.check(m, cx.states[-1])
        else:
            assert not p.check(m, cx.states[-2], cx.actions[-1], cx.states[-1])


def test_the_counterexample_is_shortest_by_an_independent_search():
    m = _never_restarts_anyway()
    p = by_id("restart-policy-honoured")
    init = m.initial_states()
    depth, queue, shortest = {s: 0 for s in init}, deque(init), None
    while queue and shortest is None:
        s = queue.popleft()
        for a in m.actions(s):
            t = m.next_state(s, a)
            if not p.check(m, s, a, t):
                shortest = depth[s] + 1
                break
            if t not in depth:
                depth[t] = depth[s] + 1
                queue.append(t)
    assert len(explore(m, properties=[p]).violations[p.id]) == shortest == 4


def test_counterexample_prints_one_action_per_line_with_changed_fields():
    text = explore(_never_restarts_anyway()).violations["restart-policy-honoured"].format()
    lines = text.splitlines()
    assert lines[0] == "restart-policy-honoured: violation (4 steps)"
    assert lines[1::2] == [f"  {k}. {a!r}" for k, a in enumerate(BROKEN_PREFIX + [A.KubeletRestartContainer("app")], 1)]
    assert lines[-1].strip() == "app: Terminated -> Ready, lastState exit None -> 0, restartCount 0 -> 1"
    assert lines[6].strip() == "phase: Pending -> Succeeded; app: Waiting -> Terminated (exit 0, Completed)"


def test_counterexample_to_dict_lists_actions_and_changes():
    d = explore(_never_restarts_anyway()).violations["restart-policy-honoured"].to_dict()
    assert d["property"] == "restart-policy-honoured" and d["kind"] == "violation" and d["length"] == 4
    assert d["actions"][-1] == "KubeletRestartContainer(container='app')"
    assert d["steps"][0] == {"action": "SchedulerBind(node='node-1')",
                             "changes": ["binding: Unbound -> Bound", "node: None -> 'node-1'", "+PodScheduled=True"]}
    assert d["cycle"] == [] and d["stutter"] is False


def test_state_diff_names_containers_and_conditions():
    m = SCENARIOS["single-never"].model()
    s0, s1 = m.replay([A.SchedulerBind("node-1"), A.KubeletCreateSandbox()])[-2:]
    assert state_diff(s0, s1, ["app"]) == ["sandbox: NotCreated -> Ready", "+PodReadyToStartContainers=True",
                                          "+Initialized=True", "+ContainersReady=False", "+Ready=False"]
    assert state_diff(s1, s1) == []


# ------------------------------------------------------------------ determinism, frontier, budgets
def test_exploration_is_deterministic():
    m1, m2 = SCENARIOS["two-init-two-app"].model(), SCENARIOS["two-init-two-app"].model()
    a, b = explore(m1, engine="readable"), explore(m2, engine="readable")
    assert list(a.space.iter_states()) == list(b.space.iter_states())
    assert (list(a.space.src), list(a.space.act)) == (list(b.space.src), list(b.space.act))
    assert {k: w.actions for k, w in a.witnesses.items()} == {k: w.actions for k, w in b.witnesses.items()}


def test_depth_first_frontier_reaches_the_same_states():
    m = SCENARIOS["sidecar-never"].model()
    bfs, dfs = explore(m, frontier="bfs", engine="readable"), explore(m, frontier="dfs")
    assert dfs.engine == "readable" and dfs.frontier == "dfs"
    assert set(bfs.space.iter_states()) == set(dfs.space.iter_states())
    assert (bfs.transitions, bfs.verdicts(liveness=False)) == (dfs.transitions, dfs.verdicts(liveness=False))
    assert dfs.depth >= bfs.depth
    assert list(dfs.space.iter_states()) != list(bfs.space.iter_states())  # another order


def test_a_custom_frontier_plugs_in(results):
    class Lifo:
        def __init__(self):
            self.items = []

        def push(self, i):
            self.items.append(i)

        def pop(self):
            return self.items.pop()

        def __len__(self):
            return len(self.items)

    r = explore(SCENARIOS["single-never"].model(), frontier=Lifo)
    assert (r.frontier, r.engine, r.states) == ("lifo", "readable", 30)
    assert set(r.space.iter_states()) == set(results["single-never"].space.iter_states())


def test_max_states_cuts_honestly():
    r = explore(SCENARIOS["two-init-two-app"].model(), max_states=100)
    assert (r.states, r.complete, r.stop_reason) == (100, False, "max_states")
    assert set(r.verdicts(liveness=False).values()) <= {"unknown", "witnessed", "skipped"}
    assert "unknown" in r.verdicts().values()
    assert r.warnings[0].startswith("incomplete: the exploration stopped at 100 states")


@pytest.mark.parametrize("engine", ["readable", "compiled"])
def test_time_limit_cuts_honestly(engine):
    r = explore(SCENARIOS["two-init-two-app"].model(), time_limit=1e-9, engine=engine)
    assert (r.complete, r.stop_reason) == (False, "time_limit")
    assert r.states < PINNED["two-init-two-app"][0]


@pytest.mark.parametrize("engine", ["readable", "compiled"])
def test_progress_is_reported(engine):
    seen = []
    r = explore(SCENARIOS["two-init-two-app"].model(), progress=seen.append, engine=engine)
    assert seen and (seen[-1].states, seen[-1].transitions, seen[-1].depth) == (r.states, r.transitions, r.depth)
    assert [p.states for p in seen] == sorted(p.states for p in seen)


def test_contains_and_has_edge(results):
    r = results["single-never"]
    m = r.model
    s = m.replay(BROKEN_PREFIX[:2] + [A.KubeletStartContainer("app"), A.ContainerExit("app", 0)])[-1]
    assert r.contains(s) and r.has_edge(s, A.ApiDelete(30))
    assert not r.has_edge(s, A.KubeletRestartContainer("app"))
    assert not r.contains(s._replace(recreations=5))


def test_bad_arguments_are_refused():
    m = SCENARIOS["single-never"].model()
    with pytest.raises(ValueError, match="max_states"):
        explore(m, max_states=0)
    with pytest.raises(ValueError, match="unknown frontier"):
        explore(m, frontier="random")
    with pytest.raises(ValueError, match="unknown engine"):
        explore(m, engine="turbo")
    with pytest.raises(ValueError, match="compiled engine does not apply: it searches breadth-first only"):
        explore(m, engine="compiled", frontier="dfs")


def test_counterexample_replay_detects_a_broken_cycle():
    m = SCENARIOS["single-always"].model()
    prefix = BROKEN_PREFIX[:2] + [A.KubeletStartContainer("app"), A.ContainerExit("app", 0)]
    states = m.replay(prefix)
    cx = Counterexample("x", prefix, states, ("app",), cycle=[A.KubeletRestartContainer("app")],
                        cycle_states=[m.next_state(states[-1], A.KubeletRestartContainer("app"))])
    with pytest.raises(ValueError, match="does not return"):
        cx.replay(m)
