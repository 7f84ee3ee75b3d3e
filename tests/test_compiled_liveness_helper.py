"""`compiled_liveness.Helper`: the process that imports SciPy beside a long search and decides
its ``eventually`` properties.  Its answers are the in-process decision's (holds or not, per
property), the verdicts, triggers and lassos with it are exactly those without it, a failing
or killed helper leaves the decision to this process, and no helper starts where a process may
not start one (a daemon) or where the search is short."""

import multiprocessing
import time
from types import SimpleNamespace

import pytest

from podmodel.engines import compiled, compiled_liveness as CL, explore
from podmodel.verifier.scenarios import SCENARIO_DIR, load_scenario

#: violations under weak fairness, all hold under strong (`deletion-grace`); larger (`sandbox-recreation`)
NAMES = ["deletion-grace", "sandbox-recreation"]


def _model(name):
    return load_scenario(SCENARIO_DIR / f"{name}.yaml").model()


def _run(model, helper: bool, monkeypatch, fairness=("weak", "strong")):
    """Verdicts (holds, triggers, lasso) per fairness, and the exploration; ``helper``: one
    is started at the search's first progress report (every chunk reports)."""
    with monkeypatch.context() as m:
        m.setattr(compiled, "PROGRESS_INTERVAL", 0)
        m.setattr(CL, "HELPER_FROM", 0 if helper else 1 << 62)
        m.setattr(CL, "_scipy_imported", lambda: False)   # (other tests imported it)
        m.setattr(CL, "_spare_core", lambda: True)   # (whatever the machine's load)
        r = explore(model, engine="compiled")
    return r, {f: {k: (v.holds, v.triggers, v.counterexample) for k, v in r.liveness(f).items()} for f in fairness}


def _spy(monkeypatch):
    """The answers `Helper.decide` gives back (None: the helper failed)."""
    told = []
    real = CL.Helper.decide
    monkeypatch.setattr(CL.Helper, "decide", lambda self, *a: told.append(real(self, *a)) or told[-1])
    return told


@pytest.mark.parametrize("name", NAMES)
def test_the_helper_decides_and_the_verdicts_and_lassos_are_the_same(monkeypatch, name):
    """With a helper started during the search, its answer per property is what this
    process finds (True where the property holds, False where it fails: then decided here,
    with its lasso), and the verdicts, triggers and lassos equal a run without it.  Only the
    first liveness call uses the helper; it is gone after answering."""
    model = _model(name)
    _, plain = _run(model, False, monkeypatch)
    told = _spy(monkeypatch)
    r, got = _run(model, True, monkeypatch, ("weak",))
    assert got["weak"] == plain["weak"]
    assert told == [{k: v[0] for k, v in plain["weak"].items()}]
    assert r.space.helper is None
    strong = {k: (v.holds, v.triggers, v.counterexample) for k, v in r.liveness("strong").items()}
    assert strong == plain["strong"] and len(told) == 1   # decided here: no helper left
    assert any(v[0] is False and v[2] is not None for v in plain["weak"].values())


def test_the_helper_decides_strong_fairness_too(monkeypatch):
    """Strong fairness asked first: the helper's answers are the in-process holds."""
    model = _model("deletion-grace")
    _, plain = _run(model, False, monkeypatch, ("strong",))
    told = _spy(monkeypatch)
    _, got = _run(model, True, monkeypatch, ("strong",))
    assert got == plain and told == [{k: v[0] for k, v in plain["strong"].items()}]


@pytest.mark.parametrize("how", ["raises", "killed", "exits"])
def test_a_failing_helper_leaves_the_decision_to_this_process(monkeypatch, how):
    """A helper whose decision raises, that is killed before the request, or that ends
    without answering: `decide` gives None and every property is decided here, as without
    a helper."""
    model = _model("deletion-grace")
    _, plain = _run(model, False, monkeypatch)
    told = _spy(monkeypatch)
    if how == "raises":
        monkeypatch.setattr(CL, "_helper_decide", lambda *a, **k: 1 / 0)
    elif how == "exits":
        monkeypatch.setattr(CL, "_helper_decide", lambda *a, **k: __import__("os")._exit(3))
    monkeypatch.setattr(compiled, "PROGRESS_INTERVAL", 0)
    monkeypatch.setattr(CL, "HELPER_FROM", 0)
    monkeypatch.setattr(CL, "_scipy_imported", lambda: False)
    monkeypatch.setattr(CL, "_spare_core", lambda: True)
    r = explore(model, engine="compiled")
    assert r.space.helper is not None
    if how == "killed":
        r.space.helper.proc.kill()
        r.space.helper.proc.join()
    got = {f: {k: (v.holds, v.triggers, v.counterexample) for k, v in r.liveness(f).items()} for f in plain}
    assert got == plain and told == [None]


def test_a_helper_answers_none_past_the_deadline(monkeypatch):
    """A property not reached by the deadline is undecided (``holds=None``) with the helper
    as without it."""
    model = _model("deletion-grace")
    r, _ = _run(model, True, monkeypatch, ())
    props = [p for p in r.properties if p.kind == "eventually"]
    late = time.monotonic() - 1
    helper, r.space.helper = r.space.helper, None
    got = CL.liveness(r, props, r.space.live, "weak", deadline=late, graph=(r.space.offsets(), *r.space.edges()[1:]),
                      helper=helper)
    assert {k: v.holds for k, v in got.items()} == {p.id: None for p in props}
    assert helper.proc is None   # ended after answering


def test_no_helper_for_a_worker_process_a_short_search_or_a_cut_run(monkeypatch):
    """No helper where it takes nothing off the critical path or may not start: in a
    process `multiprocessing` started (a `podmodel verify --jobs` worker, whose siblings
    take the other cores), once SciPy is imported, for one worker, without edges or
    ``eventually`` properties, for a search of fewer states than `HELPER_FROM`, without a
    core to spare; a run cut by its cap ends the helper it started."""
    model = _model("deletion-grace")
    props = [p for p in explore(model, engine="compiled").properties]
    monkeypatch.setattr(CL, "_scipy_imported", lambda: False)
    monkeypatch.setattr(CL, "_spare_core", lambda: True)
    assert CL.Helper.wanted(props, True, 2)
    assert not CL.Helper.wanted(props, False, 2)
    assert not CL.Helper.wanted(props, True, 1)
    assert not CL.Helper.wanted([p for p in props if p.kind != "eventually"], True, 2)
    assert explore(model, engine="compiled").space.helper is None   # short: forked idle, ended with the search
    with monkeypatch.context() as m:
        m.setattr(multiprocessing, "parent_process", lambda: SimpleNamespace(daemon=False, name="x"))
        assert not CL.Helper.wanted(props, True, 2)
    with monkeypatch.context() as m:
        m.setattr(CL, "_scipy_imported", lambda: True)
        assert not CL.Helper.wanted(props, True, 2)
    started = []
    real = CL.Helper.start
    monkeypatch.setattr(CL.Helper, "start", lambda self: started.append(self) or real(self))
    monkeypatch.setattr(compiled, "PROGRESS_INTERVAL", 0)
    monkeypatch.setattr(CL, "HELPER_FROM", 0)
    monkeypatch.setattr(CL, "_spare_core", lambda: False)   # a busy machine: none started
    r = explore(model, engine="compiled")
    assert not started and r.space.helper is None
    monkeypatch.setattr(CL, "_spare_core", lambda: True)
    r = explore(model, engine="compiled", max_states=200)
    assert not r.complete and r.space.helper is None
    assert len(started) == 1 and started[0].proc is None   # started, then ended at the cut


def test_a_worker_process_starts_no_helper():
    """In a `podmodel.verifier.workers.parallel` worker (not a daemon: it may start the
    compiled engine's compile worker), `Helper.wanted` is false."""
    from podmodel.verifier.workers import parallel

    assert parallel(_beside_in_worker, [0, 1], jobs=2) == [False, False]


def _beside_in_worker(_):
    CL._scipy_imported, CL._spare_core = (lambda: False), (lambda: True)   # (this worker's own module)
    props = list(explore(_model("deletion-grace"), engine="compiled").properties)
    return CL.Helper.wanted(props, True, 2)


def test_halves_decides_the_second_half_in_a_forked_process_and_its_failure_here():
    """`_halves`: the first half of the ids is decided in this process, the second in a
    forked one (its answers come back); if that process dies, the second half is decided
    here; one id: no fork."""
    import os

    me = os.getpid()
    ids = ["a", "b", "c", "d", "e"]
    got = CL._halves(lambda k: os.getpid(), ids)
    assert list(got) == ids
    assert [got[k] == me for k in ids] == [True, True, False, False, False]
    assert len({got[k] for k in ids[2:]}) == 1
    dies = CL._halves(lambda k: k if os.getpid() == me else os._exit(1), ids)
    assert dies == {k: k for k in ids}
    assert CL._halves(lambda k: os.getpid(), ["a"]) == {"a": me}
