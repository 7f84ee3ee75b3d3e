"""The compiled engine asks a step property once per *hidden transition* (the transition
with the containers it leaves unchanged hidden, `podmodel.engines.compiled._Same`) and
shares the value with every table edge of it; and it counts its transitions per table edge
for the coverage.  Both must give exactly what asking each class (or counting each edge)
gives."""

import json
import time

import numpy as np
import pytest

from podmodel.engines import compiled, explore
from podmodel.engines.coverage import of_exploration
from podmodel.model import actions as A
from podmodel.model.properties import Property, properties_for
from podmodel.verifier.scenarios import SCENARIO_DIR, bundled_scenarios, load_scenario
from podmodel.verifier.suite import scenario as named_scenario

# codes read (OnFailure), probes, interchangeable containers, sidecars, recreations, gates
NAMES = ("onfailure-i1s1a3", "onfailure-i1s1a1-gdx", "always-i1s0a2-pgd", "always-i2s0a2-pdx", "two-identical-apps",
         "sandbox-recreation", "readiness-gates", "sidecar-always", "deletion-grace")


def _model(name):
    path = SCENARIO_DIR / f"{name}.yaml"
    return (load_scenario(path) if path.exists() else named_scenario(name)).model()


def _decide(f, args):
    """The predicate's value on ``args``, or None when it looked at a placeholder."""
    try:
        return bool(f(*args))
    except compiled._Read:
        return None


@pytest.mark.parametrize("machines", [False, True])
@pytest.mark.parametrize("name", NAMES)
def test_a_hidden_transition_decides_as_each_of_its_edges(name, machines):
    """Wherever a step predicate decides a hidden transition, it decides every table edge
    and resolved edge of that number too, with the same value: the hidden containers are
    exactly the unchanged ones, and what it did not look at cannot change its value.  So
    with the unchanged containers' machine states shown (``machines``, `_MachineOnly`):
    every class of the number has those states there."""
    model = _model(name)
    r = explore(model, engine="compiled")
    T = r.space.tables
    checks = compiled._Checks(T, r.properties)
    steps = [p for p in r.properties if p.kind == "step"]
    decided = shared = 0
    for kind, top in (("edge", len(T.e_dst)), ("resolved", len(T.r_edges))):
        classes = [e for e in range(top) if kind == "resolved" or T.e_dst[e] >= 0]
        if not classes:
            continue
        ids = checks._hidden_ids(kind, np.array(classes, dtype=np.int64), machines=machines)
        shared += len(classes) - len(set(ids.tolist()))
        for c, k, args in zip(classes, ids.tolist(), checks._tainted_batch(kind, classes)):
            hidden = checks._hargs[k]
            for j, (o, n) in enumerate(zip(args[1].containers, args[3].containers)):
                h = hidden[1].containers[j]
                assert isinstance(h, compiled._Same) == (o is n), (kind, c, j)
                if o is n:
                    assert h is hidden[3].containers[j]
                    assert (h is compiled._SAME[j]) if not machines else (h.pos, h.machine) == (j, o.machine)
            for p in steps:
                try:
                    h = bool(p.check(*hidden))
                except (compiled._Read, Exception):  # it looked at a hidden container or a placeholder
                    h = None
                if h is not None:
                    decided += 1
                    assert _decide(p.check, args) == h, (p.id, kind, c)
    assert decided and shared  # the sharing is exercised


@pytest.mark.parametrize("name", NAMES)
def test_a_state_with_its_containers_hidden_decides_as_each_of_its_cores(name):
    """Wherever a state predicate decides a core state with its containers hidden but for
    their machine states (`_Checks._head_ids`: one number per pod's fields and machine
    states), it decides every core state of that number too, with the same value: it
    looked at nothing else, and those are equal."""
    model = _model(name)
    r = explore(model, engine="compiled")
    T = r.space.tables
    checks = compiled._Checks(T, r.properties)
    preds = [f for p in r.properties if p.kind != "step" for f in (p.check, p.trigger) if f is not None]
    cores = list(range(len(T.cores)))
    ids = checks._head_ids(np.array(cores, dtype=np.int64))
    decided = 0
    for c, k, args in zip(cores, ids.tolist(), checks._tainted_batch("core", cores)):
        hidden = checks._hargs[k]
        assert hidden[1][:8] == args[1][:8] and hidden[1][9:] == args[1][9:]
        assert [(h.pos, h.machine) for h in hidden[1].containers] == [(j, cs.machine) for j, cs in enumerate(args[1].containers)]
        assert all(type(h) is compiled._MachineOnly for h in hidden[1].containers)
        assert checks._hidden_args(k, 0, 0, (), ()) == hidden
        for f in preds:
            h = _decide_or_raise(f, hidden)
            if h is not None:
                decided += 1
                assert _decide(f, args) == h, (f, c)
    assert decided and len(set(ids.tolist())) < len(cores)   # decided, and shared


def _decide_or_raise(f, args):
    """``_decide``, and None where the predicate raised anything (it looked at a hidden container)."""
    try:
        return bool(f(*args))
    except (compiled._Read, Exception):
        return None


def _hidden_key(checks, kind, c, hidden=None):
    """Class ``c``'s transition with the containers it leaves unchanged hidden (or ``hidden``,
    such a transition) as a value: the pod's fields, the action and which container object
    stands at each position (the hidden ones and the placeholders compare by identity only)."""
    if hidden is None:
        (_, s, a, t), = checks._tainted_batch(kind, [c])
        hide = [o is n for o, n in zip(s.containers, t.containers)]
        s, t = (x._replace(containers=tuple(compiled._SAME[j] if h else o for j, (o, h) in enumerate(zip(x.containers, hide))))
                for x in (s, t))
    else:
        _, s, a, t = hidden
    return (a, *((*x[:8], *x[9:], tuple(map(id, x.containers))) for x in (s, t)))


@pytest.mark.parametrize("name", ["onfailure-i1s1a3", "two-identical-apps", "sandbox-recreation"])
def test_hidden_numbers_are_one_per_hidden_transition_across_calls(name):
    """`_hidden_ids` asked a few classes at a time (new container states numbered between
    calls, as in a search): two classes get one number exactly when their hidden transitions
    are equal, whichever call numbered them (the keys are kept across calls)."""
    model = _model(name)
    r = explore(model, engine="compiled")
    T = r.space.tables
    checks = compiled._Checks(T, r.properties)
    classes = [e for e in range(len(T.e_dst)) if T.e_dst[e] >= 0]
    ids = {}
    for lo in range(0, len(classes), 7):
        part = classes[lo:lo + 7]
        ids.update(zip(part, checks._hidden_ids("edge", np.array(part, dtype=np.int64)).tolist()))
    by_id = {}
    for c, k in ids.items():
        mine = _hidden_key(checks, "edge", c)
        assert mine == _hidden_key(checks, "edge", c, checks._hargs[k]), c
        assert by_id.setdefault(k, mine) == mine
    assert len(by_id) == len(set(by_id.values())) < len(classes)   # distinct numbers, distinct transitions; shared


def _sees_other_containers(m, s, a, t):
    """Reads containers a transition leaves unchanged: no container starts while another runs."""
    if not isinstance(a, (A.KubeletStartContainer, A.KubeletRestartContainer)):
        return True
    return not any(cs.machine in ("Running", "Started", "Ready") for cs in s.containers)


def test_a_hidden_container_refuses_every_look_but_identity():
    same = compiled._SAME[1]
    assert same is compiled._SAME[1] and same == same
    for look in (hash, bool, lambda x: x.machine, lambda x: x[0], lambda x: x == compiled._SAME[2], lambda x: {x}):
        with pytest.raises(compiled._Read):
            look(same)


def test_a_container_shown_by_its_machine_state_refuses_every_other_look():
    """`_MachineOnly`: its machine state reads (as an attribute, or as field 0, where
    `Model._fire` reads it), identity holds, every other look raises (its code, count,
    status fields, hashing, comparing with another container)."""
    shown = compiled._MachineOnly(1, "CrashLoopBackOff")
    assert shown.machine == shown[0] == "CrashLoopBackOff" and shown == shown and shown.pos == 1
    for look in (hash, bool, lambda x: x.last_exit_code, lambda x: x.restart_count, lambda x: x.exit_code,
                 lambda x: x[1], lambda x: x[4], lambda x: x[:1], lambda x: x == compiled._SAME[1], lambda x: {x}):
        with pytest.raises(compiled._Read):
            look(shown)


def test_machine_states_shown_share_the_keyed_evaluations():
    """deletion-shows-last-exit looks at every container's machine state; on the resolved
    edges of a DELETE that ends a crash loop it is keyed by the code shown.  Asked with the
    unchanged containers' machine states shown, it is keyed per such transition (far fewer
    than the resolved edges), and the verdicts are the readable engine's."""
    model = _model("two-init-two-app")
    holder = []
    real = compiled._Checks.__init__

    def spy(self, *a, **k):
        real(self, *a, **k)
        holder.append(self)

    compiled._Checks.__init__ = spy
    try:
        fast = explore(model, engine="compiled")
    finally:
        compiled._Checks.__init__ = real
    v = holder[0].ev["deletion-shows-last-exit"][1]
    keyed = np.flatnonzero(v.val[:len(fast.space.tables.r_edges)] == compiled._KEYED)
    by_hidden = v.hid[keyed[keyed < v.hid.size]]
    assert keyed.size and (by_hidden >= 0).any()
    assert len(set(by_hidden[by_hidden >= 0].tolist())) < (by_hidden >= 0).sum()   # shared
    shown = [k for k, hide in enumerate(holder[0]._hmask) if any(isinstance(h, compiled._MachineOnly) for h in hide)]
    assert shown
    slow = explore(model, engine="readable")
    assert fast.verdicts(liveness=False) == slow.verdicts(liveness=False)


@pytest.mark.parametrize("name", ["two-init-two-app", "two-identical-apps", "onfailure-i1s0a2-dx"])
def test_step_properties_that_look_at_unchanged_containers(name):
    """A user property that reads the containers a transition leaves unchanged is asked on
    the transition itself: verdict and counterexample as the readable engine's."""
    model = _model(name)
    extra = (Property("sees-other-containers", "step", "test", "test", _sees_other_containers),)
    props = tuple(properties_for(model)) + extra
    fast = explore(model, properties=props, engine="compiled")
    slow = explore(model, properties=props, engine="readable")
    assert fast.verdicts(liveness=False) == slow.verdicts(liveness=False)
    assert {k: v.actions for k, v in fast.violations.items()} == {k: v.actions for k, v in slow.violations.items()}
    assert "sees-other-containers" in fast.violations  # not vacuous


def _containers_hashed_apart(m, s, a, t):
    return len(t.containers) < 2 or len(set(t.containers)) == len(t.containers)


def _restart_counts_hashed_apart(m, s):
    return len(s.containers) < 2 or len({(c.machine, c.restart_count) for c in s.containers}) == len(s.containers)


@pytest.mark.parametrize("name", ["two-init-two-app", "two-identical-apps"])
def test_user_properties_that_hash_containers_get_the_readable_verdict(name):
    """The placeholders hash by identity (fast, exact for the catalogue, which never hashes
    containers); a user predicate that puts containers or counts in a set would see two
    equal ones apart. A predicate outside the catalogue runs on concrete states only
    (`compiled._untrusted`): verdicts and counterexamples as the readable engine's."""
    model = _model(name)
    extra = (Property("containers-hashed-apart", "step", "test", "test", _containers_hashed_apart),
             Property("counts-hashed-apart", "always", "test", "test", _restart_counts_hashed_apart))
    props = tuple(properties_for(model)) + extra
    fast = explore(model, properties=props, engine="compiled")
    slow = explore(model, properties=props, engine="readable")
    assert fast.verdicts(liveness=False) == slow.verdicts(liveness=False)
    assert {k: v.actions for k, v in fast.violations.items()} == {k: v.actions for k, v in slow.violations.items()}
    assert {"containers-hashed-apart", "counts-hashed-apart"} <= set(slow.violations)  # not vacuous
    assert compiled._untrusted(extra[0]) and not any(compiled._untrusted(p) for p in properties_for(model))


def test_keyed_hidden_transitions_are_used():
    """Under OnFailure, restart-policy-honoured reads exit codes of the container a
    transition restarts: those values are keyed per hidden transition (and the verdicts
    equal the readable engine's, `tests/test_compiled_differential.py`)."""
    model = _model("onfailure-i1s1a3")
    T = compiled.Tables(model, compiled._alphabet(model))
    used = []
    real = compiled._Values._hkeyed

    def spy(self, h, r, l):
        used.append(h.size)
        return real(self, h, r, l)

    compiled._Values._hkeyed = spy
    try:
        r = compiled._explore(model, T, tuple(properties_for(model)), None, None, time.monotonic(), True)
    finally:
        compiled._Values._hkeyed = real
    assert r.complete and sum(used) > 0


@pytest.mark.parametrize("name", sorted(sc.path.stem for sc in bundled_scenarios()))
def test_coverage_from_edge_counts_equals_coverage_from_edges(name):
    model = _model(name)
    for cap in (None, 300):
        r = explore(model, engine="compiled", max_states=cap)
        assert r.space.steps() is not None
        counted = json.dumps(of_exploration(r).to_dict())
        r.space.tally = None  # every edge, one by one
        assert json.dumps(of_exploration(r).to_dict()) == counted


@pytest.mark.parametrize("shape", [(0, 3), (1, 4), (7, 1), (500, 3), (3000, 8)])
def test_unique_rows_is_numpys_unique_by_row(shape):
    """`_unique_rows` (one lexsort) gives what ``np.unique(axis=0)`` gives: the distinct rows in
    the same order, the same first positions and the same inverse -- the hidden transitions
    are numbered in that order."""
    rng = np.random.default_rng(shape[0])
    rows = rng.integers(-1, 4, shape) * rng.choice([1, 10 ** 12], shape)
    later = rows[1::3]
    rows[:3 * len(later):3] = later   # repeated rows, first seen at various places
    want = np.unique(rows, axis=0, return_index=True, return_inverse=True)
    got = compiled._unique_rows(rows)
    assert got[0].tolist() == want[0].tolist()
    assert got[1].tolist() == want[1].tolist()
    assert got[2].tolist() == want[2].reshape(-1).tolist()
