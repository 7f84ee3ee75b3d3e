"""The readable model's shortcuts change nothing: memoised `Model.actions` /
`Model.next_state`, the grouped enabledness questions and the derivation's per-container parts
give, on every edge of real explorations, what a fresh model computes step by step."""

from collections import deque

import pytest

from podmodel.model import Model
from podmodel.model import product
from podmodel.model.kubelet import kubelet_restarts
from podmodel.verifier.mutants import by_id
from podmodel.verifier.scenarios import SCENARIO_DIR, load_scenario
from podmodel.verifier.suite import scenario


def _reachable(model: Model, cap: int) -> list:
    first = model.initial_states()[0]
    seen, todo, out = {first}, deque([first]), []
    while todo and len(out) < cap:
        s = todo.popleft()
        out.append(s)
        for a in model.actions(s):
            t = model.next_state(s, a)
            if t not in seen:
                seen.add(t)
                todo.append(t)
    return out


def _fresh(model: Model) -> Model:
    return Model(model.config, model.bounds, model.decl, model.guards, model.derived)


@pytest.mark.parametrize("name", ["sandbox-recreation", "container-restart-rules", "onfailure-i1s1a2-pgdx"])
def test_memoised_model_agrees_with_a_fresh_model_on_every_edge(name):
    model = scenario(name).model()
    states = _reachable(model, 3000)
    for s in states:
        fresh = _fresh(model)  # no memo shared with the exploration
        acts = model.actions(s)
        assert acts == [a for a in model.candidate_actions if fresh.enabled(s, a)]
        assert acts == fresh.actions(s)
        for a in acts:
            assert model.next_state(s, a) == _fresh(model).next_state(s, a)


def test_per_container_derivation_parts_are_exact():
    """getPhase's count and the conditions' key are built from parts kept per container and
    container state (shared by every state holding that container state, whatever its
    restart counts): every step still gives what a fresh model derives for it alone."""
    model = load_scenario(SCENARIO_DIR / "single-always.yaml").model()
    states = _reachable(model, 10_000)
    assert len({cs.restart_count for s in states for cs in s.containers}) > 1
    # fewer parts than states: each is computed once and shared
    assert 0 < sum(len(p) for p in model._phase_parts) < len(states)
    assert 0 < sum(len(p) for p in model._ready_parts) < len(states)
    for s in states:
        for a in model.actions(s):
            assert model.next_state(s, a) == _fresh(model).next_state(s, a)


def test_memos_are_bounded(monkeypatch):
    monkeypatch.setattr(product, "SETTLED_MEMO", 8)
    model = scenario("sandbox-recreation").model()
    states = _reachable(model, 500)
    assert len(states) == 500
    assert len(model._settled) <= 8 and len(model._actions_memo) <= 8
    assert len(model._conditions_memo) <= 8 and len(model._terminate_memo) <= 8


def test_kubelet_answers_are_shared_and_exact():
    """getPhase, the condition generators and ShouldContainerBeRestarted are asked once per
    distinct input (fewer entries than derivations), and every step still gives what a
    fresh model derives for it alone (the memos are keyed by all they read)."""
    model = scenario("onfailure-i1s1a2-pgdx").model()
    states = _reachable(model, 2000)
    assert 0 < len(model._phase_memo) < len(states)
    assert 0 < len(model._conditions_memo) < len(states)
    assert model._restarts_memo
    for (j, code), restarts in model._restarts_memo.items():
        assert restarts == kubelet_restarts(model.config, model.specs[j], code)
    for s in states[::7]:
        for a in model.actions(s):
            assert model.next_state(s, a) == _fresh(model).next_state(s, a)


def test_custom_guards_are_asked_per_action():
    """A mutant's guards may read the action: its enabledness questions are not grouped."""
    sc = load_scenario(SCENARIO_DIR / "init-app.yaml")
    model = by_id("init-failure-ignored").build(sc)
    for s in _reachable(model, 200):
        assert model.actions(s) == [a for a in model.candidate_actions if _fresh(model).enabled(s, a)]
