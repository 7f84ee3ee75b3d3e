"""Symmetry reduction: the same verdicts with and without it, one state per orbit, and
counterexamples that replay on the real model."""

import pytest

from podmodel.engines import explore
from podmodel.engines.symmetry import Symmetry, interchangeable_groups
from podmodel.model import Model
from podmodel.model import actions as A
from podmodel.model.machines import DEFAULT
from podmodel.verifier.scenarios import bundled_scenarios

SCENARIOS = {sc.path.stem: sc for sc in bundled_scenarios()}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_same_properties_hold_with_and_without_symmetry(name):
    m = SCENARIOS[name].model()
    full, reduced = explore(m), explore(m, symmetry=True)
    groups = interchangeable_groups(m)
    assert bool(reduced.symmetry) == bool(groups) and (reduced.engine == "readable" or not groups)
    assert full.verdicts(liveness=False) == {k: v for k, v in reduced.verdicts(liveness=False).items()}
    # one representative per orbit of the full state space
    sym = Symmetry.of(m)
    assert reduced.states == len({sym.canonical(s) for s in full.space.iter_states()})
    assert all(reduced.contains(s) for s in full.space.iter_states())
    for w in reduced.witnesses.values():
        assert w.replay(m) == w.states


def test_the_reduced_count_is_smaller_where_containers_are_interchangeable():
    sizes = {}
    for name in ("two-identical-apps", "two-init-two-app", "sidecar-always"):
        m = SCENARIOS[name].model()
        sizes[name] = (explore(m).states, explore(m, symmetry=True).states)
    assert sizes == {"two-identical-apps": (246, 140), "two-init-two-app": (2256, 1244), "sidecar-always": (592, 592)}


def test_only_app_containers_with_equal_specs_are_interchangeable():
    assert interchangeable_groups(SCENARIOS["two-init-two-app"].model()) == ((2, 3),)  # not the init containers
    assert interchangeable_groups(SCENARIOS["container-restart-rules"].model()) == ()  # different policies
    assert interchangeable_groups(SCENARIOS["two-identical-apps"].model()) == ((0, 1),)


def test_counterexamples_found_on_representatives_replay_on_the_real_model():
    sc = SCENARIOS["two-identical-apps"]
    broken = DEFAULT.replace_machine(DEFAULT["container"].without_guard("restart", "should_restart"))
    m = Model(sc.config, sc.bounds, declarations=broken)
    full, reduced = explore(m), explore(m, symmetry=True)
    assert sorted(full.violations) == sorted(reduced.violations) and full.violations
    for pid, cx in reduced.violations.items():
        assert cx.replay(m) == cx.states
        assert len(cx) == len(full.violations[pid])  # still shortest


def test_decanonicalize_renames_actions_taken_on_representatives():
    m = SCENARIOS["two-identical-apps"].model()
    sym = Symmetry.of(m)
    prefix = [A.SchedulerBind("node-1"), A.KubeletCreateSandbox(), A.KubeletStartContainer("worker-a"),
              A.KubeletStartContainer("worker-b"), A.ContainerExit("worker-a", 1)]
    real = m.replay(prefix)[-1]
    rep = sym.canonical(real)
    assert [c.machine for c in real.containers] == ["Terminated", "Ready"]
    assert [c.machine for c in rep.containers] == ["Ready", "Terminated"]
    # on the representative, the exited container is the second one: "worker-b"
    assert A.KubeletRestartContainer("worker-b") in m.actions(rep)
    actions, states = sym.decanonicalize(prefix + [A.KubeletRestartContainer("worker-b")])
    assert actions[-1] == A.KubeletRestartContainer("worker-a")
    assert states == m.replay(actions) and states[-1].containers[0].restart_count == 1


def test_rename_and_permutation():
    m = SCENARIOS["two-identical-apps"].model()
    sym = Symmetry.of(m)
    s = m.replay([A.SchedulerBind("node-1"), A.KubeletCreateSandbox(), A.KubeletStartContainer("worker-b")])[-1]
    c = sym.canonical(s)
    p = sym.permutation(s)
    assert [c.containers[k] for k in range(2)] == [s.containers[p[k]] for k in range(2)]
    assert sym.canonical(c) == c
    k = next(k for k in range(2) if c.containers[k].machine != "Waiting")
    assert sym.rename(A.ContainerExit(m.specs[k].name, 1), p) == A.ContainerExit("worker-b", 1)


def test_every_real_edge_is_an_edge_of_the_reduced_graph():
    m = SCENARIOS["two-identical-apps"].model()
    full, reduced = explore(m, engine="readable"), explore(m, symmetry=True)
    src, _, act = full.space.edges()
    assert all(reduced.has_edge(full.state(u), full.space.actions[k]) for u, k in zip(src, act))
    s0 = m.initial_states()[0]
    assert not reduced.has_edge(s0, A.KubeletRemovePod()) and not reduced.has_edge(s0, A.KubeletStartContainer("worker-b"))
