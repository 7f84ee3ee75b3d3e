"""The mutation self-check: every seeded bug is caught by both engines."""

from __future__ import annotations

import pytest

from podmodel.engines import explore
from podmodel.model.machines import DEFAULT
from podmodel.model.properties import CATALOGUE as PROPERTIES
from podmodel.model.properties import properties_for
from podmodel.verifier.mutants import (
    CATALOGUE,
    ENGINES,
    Mutant,
    MutantError,
    by_id,
    check_mutant,
    detect,
    self_check,
)
from podmodel.verifier.scenarios import SCENARIO_DIR, load_scenario

PROPERTY_IDS = {p.id for p in PROPERTIES}


def test_the_catalogue_has_at_least_twelve_well_formed_mutants():
    assert len(CATALOGUE) >= 12
    assert len({m.id for m in CATALOGUE}) == len(CATALOGUE)
    for m in CATALOGUE:
        assert m.catches and set(m.catches) <= PROPERTY_IDS, m.id
        for sc in m.scenarios:
            assert (SCENARIO_DIR / f"{sc}.yaml").exists(), (m.id, sc)
        # built through the public API only: modified declarations and/or named guards
        assert m.declarations is not DEFAULT or m.guards or m.derived, m.id


@pytest.fixture(scope="module")
def results():
    return {r.mutant.id: r for r in self_check(jobs=2)}


@pytest.mark.parametrize("mutant_id", [m.id for m in CATALOGUE])
def test_every_mutant_is_caught_by_both_engines(results, mutant_id):
    r = results[mutant_id]
    assert r.caught
    assert {d.engine for d in r.detections} == set(ENGINES)
    m = by_id(mutant_id)
    for d in r.detections:
        assert d.caught and d.property in m.catches, (d.engine, d.violated)
        cx = d.counterexample
        model = m.build(d.scenario)
        states = cx.replay(model)  # replays on the mutant ...
        assert states[-1] == cx.states[-1]
    # ... and the explorer, which reports every violation, finds the main property
    explorer = next(d for d in r.detections if d.engine == "explore")
    assert m.catches[0] in explorer.violated


@pytest.mark.parametrize("mutant_id", [m.id for m in CATALOGUE])
def test_the_real_model_passes_where_the_mutant_fails(mutant_id):
    """The catch is the bug's doing: the same scenario on the real model holds."""
    m = by_id(mutant_id)
    for sc in m.scenarios:
        model = load_scenario(SCENARIO_DIR / f"{sc}.yaml").model()
        r = explore(model, properties=properties_for(model, ("always", "step")))
        assert r.complete and r.violations == {}


def test_a_mutant_that_changes_nothing_is_not_caught():
    """The self-check can fail: an equivalent mutant survives.  The condition machines
    document the kubelet's condition generators, which the model calls directly, so an
    extra edge in one changes no behaviour."""
    edge_only = Mutant("edge-only", "PodScheduled may go back to False, nothing else", ("no-rebinding",),
                       ("sidecar-never",), DEFAULT.replace_machine(DEFAULT["PodScheduled"].with_transition(
                           "set_false", "True", "False", terminal=())))
    r = check_mutant(edge_only, max_examples=50)
    assert not r.caught
    assert all(not d.caught and d.property is None for d in r.detections)


def test_the_phase_edge_alone_is_not_equivalent():
    """Once thought equivalent (Succeeded -> Running allowed): declaring Succeeded
    non-terminal also makes a finished pod Failed, which terminal-phase-matches-reason catches."""
    edge_only = Mutant("edge-only", "Succeeded -> Running allowed, nothing else", ("terminal-phase-matches-reason",),
                       ("sidecar-never",), DEFAULT.replace_machine(DEFAULT["phase"].with_transition(
                           "resurrect", "Succeeded", "Running", terminal=("Failed",))))
    r = check_mutant(edge_only, max_examples=100)
    assert r.caught and {d.property for d in r.detections} == {"terminal-phase-matches-reason"}


def test_unknown_ids_and_engines_are_refused():
    with pytest.raises(MutantError, match="unknown mutant"):
        by_id("nope")
    with pytest.raises(MutantError, match="unknown engine"):
        detect(CATALOGUE[0], CATALOGUE[0].scenarios[0], "tlc")


def test_hypothesis_detection_is_reproducible():
    m = by_id("start-while-stopping")
    a = detect(m, m.scenarios[0], "hypothesis", seed=5)
    b = detect(m, m.scenarios[0], "hypothesis", seed=5)
    assert (a.caught, a.property, a.length, a.effort) == (b.caught, b.property, b.length, b.effort)
    assert a.counterexample.actions == b.counterexample.actions


def test_setup_code_builds_the_mutant():
    m = by_id("deletion-undone")
    ns: dict = {}
    exec("from podmodel.verifier.mutants import by_id\n" + m.setup_code(), ns)
    assert ns["model"].decl["deletion"] == m.declarations["deletion"]
