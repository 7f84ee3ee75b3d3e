"""Counterexamples as data: explore -> Pod objects -> check-trace flags the same violation;
the ITF file loads with itf-py; explore --json carries structured states."""

from __future__ import annotations

import json

import itf_py
import pytest

from podmodel.cli import explore as explore_cli
from podmodel.cli import main
from podmodel.engines.facade import explore
from podmodel.oracle.api import check_trace
from podmodel.render.itf import trace
from podmodel.render.pods import counterexample_pods
from podmodel.verifier.mutants import by_id

#: (mutant, the model property it breaks) -> the oracle's violation ids on the counterexample's Pods.
#: The model's property and the oracle's rule name the same Kubernetes rule.
VISIBLE = {
    ("succeeded-to-running", "no-resurrection"): {"terminal-phase-reverted"},
    ("never-container-restarted", "restart-policy-honoured"): {"restart-forbidden", "phase-inconsistent"},
    ("onfailure-restarts-success", "restart-policy-honoured"): {"restart-forbidden", "phase-inconsistent"},
    ("app-before-init", "init-order"): {"init-order"},
    ("init-failure-ignored", "init-order"): {"init-order"},
    ("init-containers-in-parallel", "init-one-at-a-time"): {"init-order"},
    ("app-before-sidecar-started", "sidecar-order"): {"init-order"},
    ("deletion-undone", "deletion-irreversible"): {"deletion-reverted", "phase-inconsistent"},
}
#: Bugs whose counterexample shows nothing the API forbids: the broken step is hidden state
#: (docs/explorer.md, "Counterexamples as data").  Pinned so a change in either side is seen.
HIDDEN = {
    ("init-container-rerun", "restart-policy-honoured"),
    ("start-while-stopping", "no-start-when-stopping"),
}


def _cx(mutant: str, prop: str):
    model = by_id(mutant).build()
    cx = explore(model).counterexamples(liveness=False)[prop]
    return model, cx


@pytest.mark.parametrize("mutant,prop", sorted(VISIBLE))
def test_counterexample_pods_are_flagged_with_the_same_violation(tmp_path, mutant, prop):
    model, cx = _cx(mutant, prop)
    path = tmp_path / "pods.json"
    path.write_text(json.dumps(counterexample_pods(model, cx)))
    verdict = check_trace(str(path))
    assert not verdict.ok
    assert {v.id for v in verdict.violations} == VISIBLE[(mutant, prop)]


@pytest.mark.parametrize("mutant,prop", sorted(HIDDEN))
def test_hidden_bugs_show_a_legal_trace(tmp_path, mutant, prop):
    model, cx = _cx(mutant, prop)
    path = tmp_path / "pods.json"
    path.write_text(json.dumps(counterexample_pods(model, cx)))
    assert check_trace(str(path)).ok


def test_pods_are_api_objects_with_growing_resource_versions():
    model, cx = _cx("init-containers-in-parallel", "init-one-at-a-time")
    pods = counterexample_pods(model, cx)
    assert all(p["kind"] == "Pod" and p["apiVersion"] == "v1" for p in pods)
    assert [int(p["metadata"]["resourceVersion"]) for p in pods] == list(range(1, len(pods) + 1))
    running = [c["name"] for c in pods[-1]["status"]["initContainerStatuses"] if "running" in c["state"]]
    assert len(running) == 2


def test_itf_loads_with_itf_py_and_replays_the_path():
    model, cx = _cx("init-containers-in-parallel", "init-one-at-a-time")
    doc = json.loads(json.dumps(trace(model, cx)))
    t = itf_py.trace_from_json(doc)
    assert len(t.states) == len(cx.states) and t.loop is None
    assert [s.values["mbt::actionTaken"] for s in t.states] == ["init"] + [type(a).__name__ for a in cx.actions]
    assert t.states[1].values["mbt::nondetPicks"].node.value == "node-1"
    last = t.states[-1].values["containers"]
    assert sum(1 for c in last.values() if c.machine == "Started") == 2
    assert t.states[0].values["node"].__class__.__name__ == "Absent"


def test_itf_lasso_sets_loop():
    model = by_id("running-without-running-containers").build()
    cx = explore(model).counterexamples(liveness=True)["deleted-eventually-removed"]
    assert cx.lasso
    t = itf_py.trace_from_json(trace(model, cx))
    assert t.loop == len(cx.states) - 1


class _MutantScenario:
    """A bundled scenario whose model is a seeded bug's (explore's loader returns it)."""

    def __init__(self, sc, mutant):
        self._sc, self._m = sc, mutant

    def __getattr__(self, name):
        return getattr(self._sc, name)

    def model(self, **kw):
        return self._m.build(self._sc)


def _mutant_scenario(monkeypatch, mutant_id):
    m = by_id(mutant_id)
    real_load = explore_cli.load
    monkeypatch.setattr(explore_cli, "load", lambda args: _MutantScenario(real_load(args), m))
    return m


def test_explore_cli_writes_pods_itf_and_structured_json(tmp_path, monkeypatch, capsys):
    m = _mutant_scenario(monkeypatch, "init-containers-in-parallel")
    manifest = str(m.scenario().path)
    pods, itf = tmp_path / "cx.json", tmp_path / "cx.itf.json"
    code = main(["explore", manifest, "--no-liveness", "--quiet", "--json", "--diagram-property", "init-one-at-a-time",
                 "--counterexample-pods", str(pods), "--itf", str(itf)])
    assert code == 1
    doc = json.loads(capsys.readouterr().out)
    entry = next(p for p in doc["properties"] if p["id"] == "init-one-at-a-time")
    path = entry["counterexample"]["trace"]
    assert path["actions"][0] == {"action": "SchedulerBind", "actor": "scheduler", "node": "node-1"}
    assert path["states"][0]["phase"] == "Pending" and isinstance(path["states"][0]["containers"], dict)
    assert main(["check-trace", str(pods), "--json"]) == 1
    assert {v["id"] for v in json.loads(capsys.readouterr().out)["violations"]} == {"init-order"}
    assert itf_py.trace_from_json(json.loads(itf.read_text())).states


def test_explore_cli_without_counterexample_writes_nothing(tmp_path, capsys):
    from podmodel.verifier.scenarios import SCENARIO_DIR

    pods = tmp_path / "cx.json"
    assert main(["explore", str(SCENARIO_DIR / "single-never.yaml"), "--quiet", "--counterexample-pods", str(pods)]) == 0
    assert not pods.exists() and "no counterexample" in capsys.readouterr().err
