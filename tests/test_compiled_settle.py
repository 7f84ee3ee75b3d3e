"""Keyed classes made plain (`podmodel.engines.compiled._Values.settle`): a class whose
predicate read some counts or codes is evaluated on every combination of the digits its
states can have there (`compiled._combinations`); when all agree, the class takes that one
value and its elements need no key.  A cache, nothing else: every settled value must be the
predicate's on each state (or transition) of the class, and runs with settling off
(`SETTLE_SPAN` 0) must give the same verdicts, violations and witnesses."""

import itertools

import numpy as np
import pytest
from compiled_runs import recorded as _recorded  # (a sibling module of the tests)

from podmodel.engines import compiled, explore
from podmodel.model.properties import Property, properties_for
from podmodel.verifier.scenarios import SCENARIO_DIR, load_scenario
from podmodel.verifier.suite import scenario as named_scenario

SCENARIOS = ["onfailure-i1s1a3", "two-identical-apps", "container-restart-rules", "deletion-grace"]


@pytest.fixture(autouse=True)
def _settle_from_the_start(monkeypatch):
    """These pods are far below `compiled.SETTLE_FROM`: settle from the first state (the
    catch-up at the threshold has its own test)."""
    monkeypatch.setattr(compiled, "SETTLE_FROM", 0)


def _model(name):
    path = SCENARIO_DIR / f"{name}.yaml"
    return (load_scenario(path) if path.exists() else named_scenario(name)).model()


def _keyed_properties(m) -> list[Property]:
    """Properties that read a count or a code of container 0 (so their classes are keyed),
    some with one value on every digit there (settled), some not (kept keyed)."""
    top = m.bounds.max_restarts
    return [
        Property("count-0-in-bounds", "always", "test", "test", lambda m, s: s.containers[0].restart_count <= top),
        Property("code-0-never-12345", "always", "test", "test", lambda m, s: s.containers[0].last_exit_code != 12345),
        Property("code-0-never-1", "always", "test", "test", lambda m, s: s.containers[0].last_exit_code != 1),
        Property("count-0-reaches-top", "sometimes", "test", "test",
                 lambda m, s: top > 0 and s.containers[0].restart_count == top),
        Property("code-0-never-0-after-a-restart", "always", "test", "test",
                 lambda m, s: s.containers[0].restart_count == 0 or s.containers[0].last_exit_code != 0),
        Property("step-code-0-never-12345", "step", "test", "test",
                 lambda m, s, a, t: t.containers[0].last_exit_code != 12345 or s.containers[0].restart_count > top),
        Property("step-count-0-never-drops-to-0", "step", "test", "test",
                 lambda m, s, a, t: not (s.containers[0].restart_count > 0 and t.containers[0].restart_count == 0)),
        Property("step-code-0-kept-by-restarts", "step", "test", "test",
                 lambda m, s, a, t: t.containers[0].restart_count == s.containers[0].restart_count
                 or t.containers[0].last_exit_code != 1),
    ]


def _trust(monkeypatch, props) -> None:
    """Run ``props`` on placeholders, as the catalogue's (they only compare, `_untrusted`)."""
    mine = {f for p in props for f in (p.check, p.trigger) if f is not None}
    monkeypatch.setattr(compiled, "_CATALOGUE_PREDICATES", compiled._CATALOGUE_PREDICATES | mine)


def _settled_spy(monkeypatch):
    """Record each class `_Values.settle` made plain: (values object, class, value)."""
    made = []
    real = compiled._Values.settle

    def spy(self, cls, coded):
        before = self.val[cls].copy()
        real(self, cls, coded)
        now = self.val[cls]
        made.extend((self, int(c), int(x)) for c, x in zip(cls[now != before].tolist(), now[now != before].tolist()))

    monkeypatch.setattr(compiled._Values, "settle", spy)
    return made


@pytest.mark.parametrize("name", SCENARIOS)
def test_runs_with_and_without_settling_agree_with_the_readable_engine(name, monkeypatch):
    """Verdicts, violations and witnesses (first in the readable engine's order) are the
    readable engine's with settling and without it, for properties keyed by counts and codes
    beside the catalogue; and settling made classes plain."""
    model = _model(name)
    mine = _keyed_properties(model)
    _trust(monkeypatch, mine)
    props = [*properties_for(model), *mine]
    made = _settled_spy(monkeypatch)
    fast = explore(model, properties=props, engine="compiled")
    assert made and {x for _, _, x in made} <= {0, 1}
    slow = explore(model, properties=props, engine="readable")
    monkeypatch.setattr(compiled, "SETTLE_SPAN", 0)
    del made[:]
    plain = explore(model, properties=props, engine="compiled")
    assert not made
    for other in (slow, plain):
        assert fast.verdicts(fairness="strong") == other.verdicts(fairness="strong")
        assert {k: v.actions for k, v in fast.violations.items()} == {k: v.actions for k, v in other.violations.items()}
        assert {k: v.actions for k, v in fast.witnesses.items()} == {k: v.actions for k, v in other.witnesses.items()}


def _by_class(made, checks):
    """Settled ``[(predicate, value)]`` per core class and per table edge."""
    which = {id(checks.sv[p.id]): ("core", p.check) for p in checks.always + checks.sometimes}
    for p in checks.eventually:
        which[id(checks.live[p.id][0])], which[id(checks.live[p.id][1])] = ("core", p.check), ("core", p.trigger)
    which.update({id(checks.ev[p.id][0]): ("edge", p.check) for p in checks.steps})
    out: dict[str, dict[int, list]] = {"core": {}, "edge": {}}
    for v, c, x in made:
        kind, f = which[id(v)]
        out[kind].setdefault(c, []).append((f, x))
    return out["core"], out["edge"]


@pytest.mark.parametrize("name", SCENARIOS)
def test_each_settled_value_is_the_predicate_on_every_element_of_its_class(name, monkeypatch):
    """Every state of a settled core class, and every transition of a settled table edge,
    concrete (the model's own successor), gives the predicate the value the class took."""
    model = _model(name)
    mine = _keyed_properties(model)
    _trust(monkeypatch, mine)
    props = [*properties_for(model), *mine]
    made = _settled_spy(monkeypatch)
    checks = []
    real_init = compiled._Checks.__init__

    def keep(self, *a, **k):
        real_init(self, *a, **k)
        checks.append(self)

    monkeypatch.setattr(compiled._Checks, "__init__", keep)
    r, calls = _recorded(model, props)
    (ch,) = checks
    T = r.space.tables
    cores, edges = _by_class(made, ch)
    assert cores and edges
    looked = 0
    for i, code in enumerate(r.space.codes.tolist()):
        c = code // T.RL
        for f, x in cores.get(c, ()):
            assert bool(f(model, r.space.state(i))) == bool(x)
            looked += 1
    for e, rid, rr, ll in calls:
        table = np.ones(e.size, bool) if rid is None else rid < 0
        for k, ri, li in zip(e[table].tolist(), rr[table].tolist(), ll[table].tolist()):
            for f, x in edges.get(k, ()):
                s = T.view(T.e_src[k], ri, li)
                a = T.actions[T.e_act[k]]
                assert bool(f(model, s, a, model.next_state(s, a))) == bool(x)
                looked += 1
    assert looked > 0


def test_combinations_are_every_digit_a_class_can_have_once():
    """`_combinations`: for each class with at most ``limit`` of them, each combination of a
    count (0 .. M) at the positions of its count mask and a code (1 .. B - 1) at the positions
    of its code mask where its core has a code (0 elsewhere), exactly once."""
    T = explore(_model("two-identical-apps"), engine="compiled").space.tables
    rng = np.random.default_rng(3)
    size = 300
    cls = np.arange(size, dtype=np.int64) * 7
    rb, lb, coded = (rng.integers(0, 1 << T.n, size) for _ in range(3))
    limit = 40
    got_c, got_r, got_l, of = compiled._combinations(T, cls, rb, lb, coded, limit)
    assert (got_c == cls[of]).all()
    for i in range(size):
        ranges = [range(T.M + 1) if rb[i] >> j & 1 else [0] for j in range(T.n)]
        ranges += [range(1, T.B) if (lb[i] & coded[i]) >> j & 1 else [0] for j in range(T.n)]
        want = sorted(sum(d * int(T.P[j]) for j, d in enumerate(x[:T.n])) * T.LB
                      + sum(d * int(T.PL[j]) for j, d in enumerate(x[T.n:])) for x in itertools.product(*ranges))
        mine = sorted((got_r[of == i] * T.LB + got_l[of == i]).tolist())
        assert mine == (want if len(want) <= limit else [])


@pytest.mark.parametrize("name", ["onfailure-i1s1a3", "deletion-grace", "sandbox-recreation"])
def test_every_state_and_transition_has_digits_the_combinations_cover(name):
    """What settling relies on: each state's codes (and each table edge's source codes) are
    1 .. B - 1 exactly at the positions `_Checks._coded` gives for its class, 0 elsewhere."""
    model = _model(name)
    r, calls = _recorded(model, properties_for(model))
    T = r.space.tables
    checks = compiled._Checks(T, ())
    weights = np.asarray(T.PL)

    def agree(kind, cls, ll):
        coded = checks._coded(kind, cls)
        digits = ll[:, None] // weights[None, :] % T.B
        has = (coded[:, None] >> np.arange(T.n)[None, :] & 1).astype(bool)
        assert ((digits > 0) == has).all()

    codes = r.space.codes
    agree("core", codes // T.RL, codes % T.LB)
    seen = 0
    for e, rid, _, ll in calls:
        table = np.ones(e.size, bool) if rid is None else rid < 0
        agree("edge", e[table], ll[table])
        seen += int(table.sum())
    assert seen and (codes % T.LB).any()


@pytest.mark.parametrize("name", ["onfailure-i1s1a3", "container-restart-rules"])
def test_classes_keyed_before_the_threshold_are_settled_at_it(name, monkeypatch):
    """Below `SETTLE_FROM` states nothing is settled; when the search reaches it, every class
    keyed so far is settled at once (`_Checks._settle_all`, once), later ones as they come;
    verdicts, violations and witnesses are those of a run that never settles and of the
    readable engine."""
    model = _model(name)
    mine = _keyed_properties(model)
    _trust(monkeypatch, mine)
    props = [*properties_for(model), *mine]
    never = explore(model, properties=props, engine="compiled")
    slow = explore(model, properties=props, engine="readable")
    assert never.complete and never.states > 100
    made = _settled_spy(monkeypatch)
    calls = []
    real = compiled._Checks._settle_all

    def spy(self):
        calls.append(len(made))
        real(self)
        calls.append(len(made))

    monkeypatch.setattr(compiled._Checks, "_settle_all", spy)
    monkeypatch.setattr(compiled, "SETTLE_FROM", 10 ** 9)
    assert explore(model, properties=props, engine="compiled").complete and not made and not calls
    monkeypatch.setattr(compiled, "SETTLE_FROM", never.states // 2)
    mid = explore(model, properties=props, engine="compiled")
    assert len(calls) == 2 and calls[0] == 0 and calls[1] > 0   # once, and it settled classes keyed before
    for other in (never, slow):
        assert mid.verdicts(fairness="strong") == other.verdicts(fairness="strong")
        assert {k: v.actions for k, v in mid.violations.items()} == {k: v.actions for k, v in other.violations.items()}
        assert {k: v.actions for k, v in mid.witnesses.items()} == {k: v.actions for k, v in other.witnesses.items()}

