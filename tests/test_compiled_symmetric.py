"""`Property.symmetric`: the compiled engine evaluates such a property once per orbit of
interchangeable containers and shares the value.  Sound only for properties that are
invariant under swapping those containers: the catalogue's are checked on permuted states
here, sharing is checked never to change a verdict, and a property flagged False is
evaluated class by class (a wrongly flagged one shows why the flag matters)."""

from dataclasses import replace

import pytest

from podmodel.engines import compiled, explore
from podmodel.engines.symmetry import Symmetry
from podmodel.model.properties import CATALOGUE, Property, properties_for
from podmodel.verifier.scenarios import SCENARIO_DIR, bundled_scenarios, load_scenario

SYMMETRIC = {sc.path.stem: sc for sc in bundled_scenarios() if Symmetry.of(sc.model()).groups}


def test_bundled_scenarios_have_interchangeable_containers():
    assert {"two-identical-apps", "two-init-two-app"} <= set(SYMMETRIC)


def test_user_properties_are_not_symmetric_unless_they_say_so():
    p = Property("x", "always", "x", "test", lambda m, s: True)
    assert p.symmetric is False
    assert all(q.symmetric for q in CATALOGUE)


def _swaps(model):
    for g in Symmetry.of(model).groups:
        for a in g:
            for b in g:
                if a < b:
                    p = list(range(len(model.specs)))
                    p[a], p[b] = b, a
                    yield tuple(p)


def _swap_state(s, p):
    return s._replace(containers=tuple(s.containers[p[k]] for k in range(len(p))))


@pytest.mark.parametrize("name", sorted(SYMMETRIC))
def test_catalogue_properties_are_invariant_under_swapping_interchangeable_containers(name):
    """Every reachable state and transition, every swap of two interchangeable containers:
    each catalogue property (state predicates, triggers and steps) gives the same value."""
    model = SYMMETRIC[name].model()
    r = explore(model, engine="readable")
    sym = Symmetry.of(model)
    props = properties_for(model)
    src, dst, act = r.space.edges()
    states = [r.state(i) for i in range(r.states)]
    checked = 0
    for p in _swaps(model):
        for s in states:
            t = _swap_state(s, p)
            for q in props:
                if q.kind in ("always", "sometimes", "eventually"):
                    assert bool(q.check(model, s)) == bool(q.check(model, t)), (q.id, s, p)
                if q.kind == "eventually":
                    assert bool(q.trigger(model, s)) == bool(q.trigger(model, t)), (q.id, s, p)
        for u, v, a in zip(src.tolist(), dst.tolist(), act.tolist()):
            s, t, action = states[u], states[v], r.space.actions[a]
            swapped = (_swap_state(s, p), sym.rename(action, p), _swap_state(t, p))
            for q in props:
                if q.kind == "step":
                    assert bool(q.check(model, s, action, t)) == bool(q.check(model, *swapped)), (q.id, s, action, p)
                    checked += 1
    assert checked


def _summary(r):
    return (r.states, r.transitions, r.verdicts(fairness="strong"),
            {k: v.actions for k, v in r.violations.items()}, {k: v.actions for k, v in r.witnesses.items()})


@pytest.mark.parametrize("name", sorted(SYMMETRIC))
def test_sharing_never_changes_a_verdict(name):
    model = SYMMETRIC[name].model()
    props = properties_for(model)
    shared = compiled.explore_compiled(model, properties=props, workers=1)
    alone = compiled.explore_compiled(model, properties=[replace(p, symmetric=False) for p in props], workers=1)
    assert _summary(shared) == _summary(alone)


def test_sharing_never_changes_a_verdict_on_a_large_scenario():
    """four-containers (three interchangeable app containers), cut at 40,000 states."""
    model = load_scenario(SCENARIO_DIR / "large" / "four-containers.yaml").model()
    props = properties_for(model, ("always", "step", "sometimes"))
    shared = compiled.explore_compiled(model, properties=props, workers=1, max_states=40_000)
    alone = compiled.explore_compiled(model, properties=[replace(p, symmetric=False) for p in props],
                                      workers=1, max_states=40_000)
    assert _summary(shared) == _summary(alone)


def _counted(p, calls):
    def check(*args):
        calls[0] += 1
        return p.check(*args)
    return replace(p, check=check)


def test_a_symmetric_property_is_evaluated_once_per_orbit():
    model = SYMMETRIC["two-init-two-app"].model()
    base = [p for p in properties_for(model) if p.kind in ("always", "step")]
    shared, alone = [0], [0]
    a = compiled.explore_compiled(model, properties=[_counted(p, shared) for p in base], workers=1)
    b = compiled.explore_compiled(model, properties=[_counted(replace(p, symmetric=False), alone) for p in base],
                                  workers=1)
    assert _summary(a) == _summary(b)
    assert 0 < shared[0] < alone[0]


def _ordered(model, first: str, second: str) -> Property:
    """An asymmetric property: never container 0 of the group in ``first`` while container 1 is in ``second``."""
    i, j = Symmetry.of(model).groups[0][:2]
    return Property(f"not-{first}-{second}", "always", "asymmetric", "test",
                    lambda m, s: not (s.containers[i].machine == first and s.containers[j].machine == second))


def test_an_asymmetric_property_is_checked_class_by_class():
    """Flagged False (the default), an asymmetric property gets the readable engine's
    verdict and counterexample; flagged symmetric by mistake, sharing would hide one of the
    two orientations' violations -- which is why the flag is the property's promise."""
    model = SYMMETRIC["two-identical-apps"].model()
    wrong = 0
    for first, second in (("Ready", "Terminated"), ("Terminated", "Ready")):
        p = _ordered(model, first, second)
        slow = explore(model, properties=[p], engine="readable")
        fast = compiled.explore_compiled(model, properties=[p], workers=1)
        assert slow.verdicts()[p.id] == "violated"
        assert fast.verdicts() == slow.verdicts()
        assert fast.violations[p.id].actions == slow.violations[p.id].actions
        lied = compiled.explore_compiled(model, properties=[replace(p, symmetric=True)], workers=1)
        wrong += lied.verdicts()[p.id] != "violated"
    assert wrong == 1
