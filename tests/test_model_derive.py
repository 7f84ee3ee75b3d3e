"""The derivation's memos are keyed by what it reads: on random walks through real scenarios,
every memoised answer equals the from-scratch computation, and changing what a key leaves
out (node, recreations, deletion, restart counts; of a status, all but state, started and
ready for the conditions) changes nothing a fresh model derives."""

import copy
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podmodel.model import Model, kubelet
from podmodel.model.product import PodState
from podmodel.verifier.suite import scenario

SCENARIOS = ("onfailure-i1s1a2-pgdx", "sandbox-recreation", "container-restart-rules", "onfailure-i2s1a3-gd")
_MODELS: dict[str, Model] = {}


def _model(name: str) -> Model:
    if name not in _MODELS:
        _MODELS[name] = scenario(name).model()
    return _MODELS[name]


def _fresh(model: Model) -> Model:
    return Model(model.config, model.bounds, model.decl, model.guards, model.derived)


def _walk(model: Model, choices: list[int]) -> list[tuple[PodState, PodState]]:
    """(state before, state after) of each step of a walk choosing actions by index."""
    s = model.initial_states()[0]
    out = []
    for c in choices:
        acts = model.actions(s)
        if not acts:
            break
        t = model.next_state(s, acts[c % len(acts)])
        out.append((s, t))
        s = t
    return out


walks = st.tuples(st.sampled_from(SCENARIOS), st.lists(st.integers(0, 1000), min_size=1, max_size=40))


@settings(max_examples=60, deadline=None)
@given(walks)
def test_memoised_phase_and_conditions_equal_the_kubelet_functions(walk):
    name, choices = walk
    model = _model(name)  # shared: its memos fill up across examples
    cfg = model.config
    for _, s in _walk(model, choices):
        init_v, reg_v = model.statuses(s, synced=True)
        for terminal in (False, True):
            for initialized in (False, True):
                assert model.phase_of(s, terminal, initialized) == kubelet.get_phase(
                    cfg, reg_v + init_v, pod_is_terminal=terminal, pod_has_initialized=initialized)
        for phase in kubelet.PHASES:
            assert model._conditions(s, phase) == model._conditions_of(s, phase)


@settings(max_examples=60, deadline=None)
@given(walks)
def test_each_memoised_step_equals_a_fresh_models(walk):
    name, choices = walk
    model = _model(name)
    for s, t in _walk(model, choices):
        for a in model.actions(s):
            assert model.next_state(s, a) == _fresh(model).next_state(s, a)


@settings(max_examples=40, deadline=None)
@given(walks, st.integers(0, 3), st.sampled_from(("node", "recreations", "deletion", "counts")))
def test_the_derivation_reads_nothing_its_key_leaves_out(walk, bump, field):
    """What the derivation does not read (the compiled engine relies on the counts), changed
    on a reachable state, changes no derivation of a fresh model (each from scratch)."""
    name, choices = walk
    model = _model(name)
    for old, s in _walk(model, choices):
        if field == "node":
            other = s._replace(node=None if s.node else "elsewhere")
        elif field == "recreations":
            other = s._replace(recreations=s.recreations + 1 + bump)
        elif field == "deletion":
            other = s._replace(deletion={"Live": "Deleting", "Deleting": "Live", "Removed": "Live"}[s.deletion])
        else:
            other = s._replace(containers=tuple(cs._replace(restart_count=cs.restart_count + 1 + bump)
                                                for cs in s.containers))
        before = old._replace(**{f: getattr(other, f) for f in ("node", "recreations", "deletion", "containers")})
        assert _fresh(model)._derive_fields(before, other) == _fresh(model)._derive_fields(old, s)


_JUNK = st.fixed_dictionaries({
    "exit_code": st.sampled_from((None, 0, 1, 137)), "reason": st.sampled_from((None, "Error", "Completed", "x")),
    "last_exit_code": st.sampled_from((None, 0, 2, 255)), "last_reason": st.sampled_from((None, "Error")),
    "message": st.sampled_from((None, "m"))})


@settings(max_examples=80, deadline=None)
@given(walks, st.lists(_JUNK, min_size=8, max_size=8), st.sampled_from(kubelet.PHASES))
def test_the_condition_generators_read_only_state_started_ready(walk, junk, phase):
    """`Model._conditions` keys a status by its state, started and ready: the generators give
    the same conditions whatever the status's other fields (its name aside)."""
    name, choices = walk
    model = _model(name)
    cfg = model.config
    for _, s in _walk(model, choices)[-3:]:
        init_v, reg_v = model.statuses(s, synced=True)
        combined = init_v + reg_v
        other = tuple(replace(v, **junk[k % len(junk)]) for k, v in enumerate(combined))
        gates = {g: "True" for g in cfg.readiness_gates}
        assert kubelet.initialized(cfg, other, phase) == kubelet.initialized(cfg, combined, phase)
        assert kubelet.containers_ready(cfg, other, phase) == kubelet.containers_ready(cfg, combined, phase)
        assert kubelet.pod_ready(cfg, other, phase, gates) == kubelet.pod_ready(cfg, combined, phase, gates)


@pytest.mark.parametrize("name", ["onfailure-i1s1a2-pgdx"])
def test_the_memos_are_shared(name):
    """The keys are narrower than the states: fewer getPhase decisions, per-container parts
    and condition computations than distinct states."""
    model = _model(name)
    s0 = model.initial_states()[0]
    seen, todo = {s0}, [s0]
    while todo and len(seen) < 3000:
        s = todo.pop()
        for a in model.actions(s):
            t = model.next_state(s, a)
            if t not in seen:
                seen.add(t)
                todo.append(t)
    assert 0 < len(model._conditions_memo) < len(seen)
    assert 0 < len(model._phase_memo) < len(seen)
    assert 0 < sum(len(p) for p in model._phase_parts) < len(seen)


@settings(max_examples=30, deadline=None)
@given(walks)
def test_a_candidate_action_fires_what_an_equal_new_action_fires(walk):
    """`Model._transition` looks a candidate action up by identity (`Model._plans`); an
    equal action built anew (not a candidate object) takes the general path: same answer."""
    name, choices = walk
    model = _model(name)
    assert model._plans
    for s, _ in _walk(model, choices):
        for a in model.candidate_actions:
            twin = copy.copy(a)
            assert twin is not a and twin == a
            assert model._transition(s, a) == model._transition(s, twin)


def test_the_field_order_the_positional_constructions_rely_on():
    """`Model` (``_derive``, ``_settle``, ``_apply``, ``_container_step``, the memo keys) and the
    compiled engine (``_with_containers``, its container views) build and read states by
    position for speed: a field added or moved must fail here, not silently shift a value."""
    from podmodel.model.product import ContainerState

    assert PodState._fields == ("phase", "binding", "node", "sandbox", "recreations", "termination",
                                "stop_reason", "deletion", "containers", "gates", "conditions")
    assert ContainerState._fields == ("machine", "exit_code", "reason", "last_exit_code", "restart_count")
