"""Component machine declarations: structure, validation, transitions machines."""

import pytest
from transitions import MachineError

from podmodel.model.machines import (
    BINDING,
    CONTAINER,
    DEFAULT,
    DELETION,
    MACHINES,
    PHASE,
    DeclarationError,
    MachineDecl,
    StateDecl,
    TransitionDecl,
    build_machine,
)


@pytest.mark.parametrize("decl", list(MACHINES.values()), ids=lambda d: d.name)
def test_every_declared_machine_is_valid_and_builds(decl):
    decl.validate()
    m = build_machine(decl)
    assert m.state == decl.initial
    assert set(m.states) == set(decl.state_names)


def test_phase_machine_has_no_edge_out_of_a_terminal_phase_and_never_unknown():
    assert not [e for e in PHASE.edges() if e[0] in ("Succeeded", "Failed")]
    assert "Unknown" not in PHASE.state_names
    assert ("Running", "Pending") in PHASE.edges()
    assert ("Pending", "Succeeded") in PHASE.edges()


def test_binding_is_set_once():
    assert [t.trigger for t in BINDING.transitions_from("Bound")] == ["node_lost"]
    m = build_machine(BINDING)
    m.bind()
    with pytest.raises(MachineError):
        m.bind()


def test_deletion_only_moves_forward():
    order = {"Live": 0, "Deleting": 1, "Removed": 2}
    assert all(order[d] > order[s] for s, d in DELETION.edges())


def test_container_restart_is_guarded_by_the_restart_policy():
    restart = CONTAINER.find("restart", "Terminated")
    assert restart and all("should_restart" in t.guards and "not_finishing" in t.guards for t in restart)


def _decl(**kw):
    base = dict(name="m", states=(StateDecl("A"), StateDecl("B")), initial="A", terminal=("B",),
                transitions=(TransitionDecl("go", ("A",), "B"),))
    base.update(kw)
    return MachineDecl(**base)


@pytest.mark.parametrize("kw, message", [
    (dict(initial="Z"), "initial state 'Z' is not declared"),
    (dict(states=(StateDecl("A"), StateDecl("A"))), "duplicate state"),
    (dict(transitions=(TransitionDecl("go", ("A",), "Z"),)), "undeclared state 'Z'"),
    (dict(terminal=()), "dead end"),
    (dict(transitions=(TransitionDecl("go", ("A",), "B"), TransitionDecl("back", ("B",), "A"))), "terminal state 'B' has outgoing"),
    (dict(states=(StateDecl("A"), StateDecl("B"), StateDecl("C")), terminal=("B", "C")), "unreachable state(s) C"),
])
def test_malformed_declarations_are_rejected_when_built(kw, message):
    with pytest.raises(DeclarationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _decl(**kw)


def test_modifications_build_new_declarations_without_touching_the_default():
    changed = CONTAINER.without_guard("restart", "should_restart")
    assert all("should_restart" not in t.guards for t in changed.find("restart", "Terminated"))
    assert all("should_restart" in t.guards for t in CONTAINER.find("restart", "Terminated"))
    decl = DEFAULT.replace_machine(changed)
    assert decl["container"] is changed and DEFAULT["container"] is CONTAINER
    first = DELETION.with_transition("kubelet_remove", "Deleting", "Live", first=True)
    assert first.find("kubelet_remove", "Deleting")[0].dest == "Live"
    with pytest.raises(DeclarationError):
        CONTAINER.without_guard("restart", "no_such_guard")


def test_declarations_export_as_plain_data():
    data = DEFAULT.to_dict()
    assert data["phase"]["terminal"] == ["Succeeded", "Failed"]
    assert {"trigger": "bind", "source": ["Unbound"], "dest": "Bound", "guards": ["not_deleting"], "auto": False,
            "doc": ""} in data["binding"]["transitions"]
