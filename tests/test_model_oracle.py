"""Cross-check: the model and the oracle agree.

Every transition the product model can take, projected to Pod objects (what an observer of
the API sees), is a legal observation step for the oracle -- the two were written from the
same Kubernetes rules by different routes (model: composition + kubelet functions; oracle:
field rules over snapshots), so each checks the other.  And a model built from a broken
declaration produces steps the oracle flags.
"""

from collections import deque

import pytest

from podmodel.model import Model
from podmodel.model.actions import (
    ContainerExit,
    KubeletCreateSandbox,
    KubeletRestartContainer,
    KubeletStartContainer,
    SchedulerBind,
)
from podmodel.model.machines import DEFAULT
from podmodel.oracle import check_trace, check_transition
from podmodel.verifier.scenarios import SCENARIO_DIR, bundled_scenarios, load_scenario

SCENARIOS = bundled_scenarios()


def _steps(model, limit=None):
    init = model.initial_states()
    seen, queue = set(init), deque(init)
    while queue:
        s = queue.popleft()
        for a in model.actions(s):
            t = model.next_state(s, a)
            if t.deletion != "Removed":  # a removed pod shows no new object
                yield s, a, t
            if t not in seen and (limit is None or len(seen) < limit):
                seen.add(t)
                queue.append(t)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_every_model_step_is_a_legal_observation(scenario):
    m = scenario.model()
    for s, a, t in _steps(m):
        verdict = check_transition(m.to_pod(s), m.to_pod(t))
        assert verdict.ok, (a, [(v.id, v.field, v.message) for v in verdict.violations])


def test_a_whole_model_run_is_a_legal_trace():
    m = load_scenario(SCENARIO_DIR / "single-onfailure.yaml").model()
    states = m.replay([SchedulerBind("node-1"), KubeletCreateSandbox(), KubeletStartContainer("app"), ContainerExit("app", 1),
                       KubeletRestartContainer("app"), ContainerExit("app", 0)])
    pods = [m.to_pod(s, resource_version=i + 1) for i, s in enumerate(states)]
    assert check_trace(pods).ok
    assert states[-1].phase == "Succeeded"


def test_a_broken_model_makes_steps_the_oracle_flags():
    sc = load_scenario(SCENARIO_DIR / "single-never.yaml")
    broken = DEFAULT.replace_machine(DEFAULT["container"].without_guard("restart", "should_restart"))
    m = Model(sc.config, sc.bounds, declarations=broken)
    flagged = set()
    for s, a, t in _steps(m):
        flagged |= {v.id for v in check_transition(m.to_pod(s), m.to_pod(t)).violations}
    assert "restart-forbidden" in flagged


def _two_step_paths(model, limit):
    """(s, [a, b], u) for paths s -a-> t -b-> u of the model, breadth first, at most ``limit``."""
    n = 0
    for s, a, t in _steps(model):
        for b in model.actions(t):
            u = model.next_state(t, b)
            if u.deletion == "Removed":
                continue
            yield s, (a, b), u
            n += 1
            if n >= limit:
                return


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_coalesced_model_steps_are_legal_observations(scenario):
    """One legal path between two observations exists (the model took it), so the oracle must not flag:
    the other half of the coalescing rule, with the intermediate observation dropped."""
    m = scenario.model()
    for s, path, u in _two_step_paths(m, 4000):
        verdict = check_transition(m.to_pod(s), m.to_pod(u))
        assert verdict.ok, (path, [(v.id, v.field, v.message) for v in verdict.violations])
