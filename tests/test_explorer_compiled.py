"""The compiled engine against the readable one: identical states, numbering, edges,
counterexamples and witnesses on every bundled scenario and on broken models."""

import pytest

from podmodel.engines import compiled, explore
from podmodel.model import Model
from podmodel.model.machines import DEFAULT
from podmodel.verifier.scenarios import SCENARIO_DIR, bundled_scenarios, load_scenario

SCENARIOS = {sc.path.stem: sc for sc in bundled_scenarios()}


def _same(a, b):
    assert (a.states, a.transitions, a.depth, a.complete) == (b.states, b.transitions, b.depth, b.complete)
    assert list(a.space.iter_states()) == list(b.space.iter_states())  # same numbering
    ea = sorted(zip(a.space.src, a.space.dst, (a.space.actions[k] for k in a.space.act)), key=repr)
    src, dst, act = b.space.edges()
    eb = sorted(zip(src.tolist(), dst.tolist(), (b.space.actions[k] for k in act.tolist())), key=repr)
    assert ea == eb
    assert list(a.space.parent) == b.space.parent.tolist()
    assert {k: (v.actions, v.states) for k, v in a.violations.items()} == {k: (v.actions, v.states) for k, v in b.violations.items()}
    assert {k: v.actions for k, v in a.witnesses.items()} == {k: v.actions for k, v in b.witnesses.items()}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_compiled_equals_readable(name):
    sc = SCENARIOS[name]
    fast = explore(sc.model(), engine="compiled")
    assert fast.engine == "compiled"
    _same(explore(sc.model(), engine="readable"), fast)
    assert {k: v.holds for k, v in fast.liveness().items()} == {
        k: v.holds for k, v in explore(sc.model(), engine="readable").liveness().items()}


BROKEN = {
    "restart-ignores-policy": lambda d: d.replace_machine(
        d["container"].without_guard("restart", "should_restart").without_guard("back_off", "should_restart")),
    "start-ignores-order": lambda d: d.replace_machine(d["container"].without_guard("start", "start_order")),
    "no-grace-period": lambda d: d.replace_machine(d["termination"].with_guard("grace_period_expired", "no_container_running")),
    "removal-before-terminal": lambda d: d.replace_machine(d["deletion"].without_guard("kubelet_remove", "phase_terminal")),
}


@pytest.mark.parametrize("mutant", sorted(BROKEN))
@pytest.mark.parametrize("name", ["single-never", "sidecar-never", "init-app", "container-restart-rules"])
def test_compiled_equals_readable_on_broken_models(mutant, name):
    sc = SCENARIOS[name]
    decl = BROKEN[mutant](DEFAULT)
    a = explore(Model(sc.config, sc.bounds, declarations=decl), engine="readable")
    b = explore(Model(sc.config, sc.bounds, declarations=decl), engine="compiled")
    _same(a, b)


def test_a_mutant_is_caught_identically():
    sc = SCENARIOS["init-app"]
    decl = BROKEN["start-ignores-order"](DEFAULT)
    r = explore(Model(sc.config, sc.bounds, declarations=decl), engine="compiled")
    assert "init-order" in r.violations and r.violations["init-order"].replay(r.model)


def test_compiled_workers_give_the_same_result():
    sc = SCENARIOS["two-init-two-app"]
    one = compiled.explore_compiled(sc.model(), workers=1)
    two = compiled.explore_compiled(sc.model(), workers=2)
    assert one.space.codes.tolist() == two.space.codes.tolist()


def test_compiled_without_edges_keeps_parents():
    sc = SCENARIOS["sidecar-always"]
    r = compiled.explore_compiled(sc.model(), keep_edges=False)
    assert r.states == 592 and r.path(591).replay(r.model)[-1] == r.state(591)
    with pytest.raises(ValueError, match="keep_edges"):
        r.space.edges()


def test_the_engine_is_chosen_honestly(monkeypatch):
    import podmodel.engines.facade

    import podmodel.engines.search

    m = SCENARIOS["two-identical-apps"].model()
    assert explore(m).engine == "readable"  # small: finished before the first check
    monkeypatch.setattr(podmodel.engines.search, "_TICK", 16)  # asked after 16 expansions: still growing
    big = explore(m)  # the frontier outgrew the expanded states: compiled from the start
    assert big.engine == "compiled" and big.states == explore(m, engine="readable").states
    assert explore(m, max_states=16).engine == "readable"  # the user's cap came first
    monkeypatch.setattr(podmodel.engines.facade, "AUTO_GROWTH", 1e9)  # never growing fast enough
    assert explore(m).engine == "readable" and explore(m).complete
    assert explore(m, symmetry=True).engine == "readable"
    assert explore(m, frontier="dfs").engine == "readable"
    custom = Model(m.config, m.bounds, guards={"bound": lambda c: True})
    assert compiled.unsupported(custom) == "the model has custom guards (they might read restart counts)"
    assert explore(custom).engine == "readable"


def test_index_of_and_contains_on_packed_states():
    sc = SCENARIOS["init-app"]
    r = explore(sc.model(), engine="compiled")
    for i in (0, 17, r.states - 1):
        assert r.space.index_of(r.state(i)) == i
    assert r.contains(r.state(5)) and not r.contains(r.state(5)._replace(recreations=3))


def test_placeholders_raise_when_inspected():
    p = compiled._LAST[0]
    for look in (lambda: p == 0, lambda: p != 1, lambda: p < 3, lambda: bool(p), lambda: p + 1, lambda: str(p),
                 lambda: 0 in (p,), lambda: compiled._HIDDEN[1].machine):
        with pytest.raises(compiled._Read):
            look()
    assert p == p and hash(p) == hash(compiled._LAST[0]) and p is not None
    import pickle
    assert pickle.loads(pickle.dumps(p)) is p and pickle.loads(pickle.dumps(compiled._HIDDEN[2])) is compiled._HIDDEN[2]


#: specs/scenarios/large/: (states, transitions, depth), computed by both engines (same
#: numbering); the readable engine takes about 10 s on four-containers and minutes on five.
LARGE = {"four-containers": (86143, 306713, 25), "five-containers": (1731271, 8015405, 31)}


def _large(name):
    return load_scenario(SCENARIO_DIR / "large" / f"{name}.yaml")


def test_four_containers_compiled_count():
    r = compiled.explore_compiled(_large("four-containers").model(), properties=(), keep_edges=False)
    assert (r.states, r.transitions, r.depth) == LARGE["four-containers"]


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(LARGE))
def test_large_scenarios_compiled_equals_readable(name):
    fast = compiled.explore_compiled(_large(name).model(), properties=(), keep_edges=False)
    slow = explore(_large(name).model(), properties=(), engine="readable")
    assert (fast.states, fast.transitions, fast.depth) == (slow.states, slow.transitions, slow.depth) == LARGE[name]
    assert fast.space.codes.tolist() == [fast.space.tables.encode(s) for s in slow.space.iter_states()]


@pytest.mark.slow
def test_large_scenario_is_checked_by_the_compiled_engine():
    r = explore(_large("five-containers").model())
    assert r.engine == "compiled" and r.complete and r.violations == {} and r.missing_witnesses == ()


@pytest.mark.parametrize("name", ["two-init-two-app", "sidecar-always", "container-restart-rules"])
def test_chunked_layers_give_the_same_search(name, monkeypatch):
    monkeypatch.setattr(compiled, "CHUNK", 7)  # many chunks per layer, boundaries everywhere
    sc = SCENARIOS[name]
    _same(explore(sc.model(), engine="readable"), explore(sc.model(), engine="compiled"))
    small = explore(sc.model(), engine="compiled", max_states=100)
    assert small.states == 100 and list(small.space.iter_states()) == list(
        explore(sc.model(), engine="readable").space.iter_states())[:100]


def test_auto_hands_over_only_while_the_frontier_outgrows_the_expanded_states(monkeypatch):
    """`auto_switches`: the decision from the search's own counts (no clock)."""
    from podmodel.engines.facade import auto_switches, choose_engine

    assert auto_switches(1500, 512, 1000) and auto_switches(1024, 512, 512)
    assert not auto_switches(1000, 512, 488) and not auto_switches(2300, 2048, 258)
    m = SCENARIOS["two-identical-apps"].model()
    done = explore(m, engine="readable")
    assert choose_engine(m, probe=done) == "readable"  # finished: nothing to hand over
    cut = explore(m, engine="readable", max_states=10)
    assert choose_engine(m, probe=cut) == "readable"  # a limit cut it: as the readable engine would be
    import podmodel.engines.search
    from podmodel.engines.results import default_properties
    from podmodel.engines.search import FRONTIERS, search

    monkeypatch.setattr(podmodel.engines.search, "_TICK", 16)
    handed = search(m, tuple(default_properties(m)), None, "bfs", FRONTIERS["bfs"], None, None, None,
                    switch=lambda states, expanded, frontier: True)
    assert handed.stop_reason == "switch" and not handed.complete
    assert choose_engine(m, probe=handed) == "compiled"
