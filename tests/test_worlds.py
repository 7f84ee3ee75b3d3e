"""Worlds of pods (podmodel.world): pinned state counts, every world property holding, and
every seeded controller bug caught -- by the explorer and by the Hypothesis engine.

When the pod model changes, the counts shift: re-pin them from
``python -m podmodel verify --worlds`` (or the failing assertion's message) in `EXPECTED`.
"""

from __future__ import annotations

import json

import pytest

from podmodel.engines import explore
from podmodel.engines.hypothesis import run_hypothesis
from podmodel.world import WORLD_DIR, WorldError, bundled_worlds, load_world
from podmodel.world.actions import ClientForceDelete, ControllerCreatePod
from podmodel.world.model import World
from podmodel.world.mutants import WORLD_MUTANTS
from podmodel.world.properties import WORLD_CATALOGUE, by_id, sts_duplicates

#: world -> (states, states with symmetry reduction).  The one table to re-pin.  Re-pinned when the
#: pod model's SIGKILL timer began to run while the node is unreachable (worlds with node failures grew).
EXPECTED = {
    "job-pod-failure-policy": (1804, 824),
    "job-replacement-failed": (325, 166),
    "job-terminating-replacement": (547, 279),
    "replicaset-node-failure": (144, 75),
    "statefulset-force-delete": (352, 163),
    "statefulset-parallel": (501, 261),
    "statefulset-partition": (90, 48),
    "static-mirror": (57, None),  # one node, one pod: nothing to permute
}

WORLDS = {w.name: w for w in bundled_worlds()}


def test_every_bundled_world_is_pinned():
    assert sorted(WORLDS) == sorted(EXPECTED)


@pytest.fixture(scope="module")
def results():
    return {name: explore(w) for name, w in WORLDS.items()}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_state_counts_are_pinned(results, name):
    r = results[name]
    assert r.complete
    assert r.states == EXPECTED[name][0], f"re-pin EXPECTED[{name!r}] = ({r.states}, ...)"
    assert r.graph().number_of_nodes() == r.states  # cross-check with networkx


@pytest.mark.parametrize("name", sorted(n for n, (_, sym) in EXPECTED.items() if sym is not None))
def test_symmetry_reduces_and_keeps_the_safety_verdicts(results, name):
    full = results[name]
    red = explore(WORLDS[name], symmetry=True)
    assert red.states == EXPECTED[name][1], f"re-pin EXPECTED[{name!r}] = (..., {red.states})"
    assert red.states < full.states
    v_full, v_red = full.verdicts(), red.verdicts()
    for p in full.properties:
        if p.kind != "eventually":
            assert v_red[p.id] == v_full[p.id], p.id
    for cx in red.violations.values():  # representatives' paths are replayed as real paths
        assert cx.replay(WORLDS[name])[-1] == cx.states[-1]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_world_verdicts_match_the_world_file(results, name):
    verdicts = results[name].verdicts()
    violated = {p for p, v in verdicts.items() if v == "violated"}
    assert violated == set(WORLDS[name].expect_violated)
    assert "no-witness" not in verdicts.values()


def test_every_world_property_holds_somewhere(results):
    held = {pid for r in results.values() for pid, v in r.verdicts().items() if v in ("held", "witnessed")}
    assert {p.id for p in WORLD_CATALOGUE} <= held


def test_force_deletion_runs_one_identity_twice_and_the_path_shows_how(results):
    cx = results["statefulset-force-delete"].violations["sts-one-pod-per-identity"]
    w = WORLDS["statefulset-force-delete"]
    assert cx.replay(w)[-1] == cx.states[-1]
    assert any(isinstance(a, ClientForceDelete) for a in cx.actions)
    assert sum(isinstance(a, ControllerCreatePod) for a in cx.actions) == 2
    assert sts_duplicates(w, cx.states[-1]) == [("web", 0, [0, 1])]
    text = cx.format()
    assert "web-0 (uid 0)" in text and "web-0 (uid 1)" in text


def test_too_many_succeeded_pods_needs_terminating_replacement(results):
    cx = results["job-terminating-replacement"].violations["job-succeeded-within-completions"]
    assert cx.states[-1].succeeded == (2,)
    assert results["job-replacement-failed"].verdicts()["job-succeeded-within-completions"] == "held"


def test_a_pod_is_never_rescheduled(results):
    r = results["replicaset-node-failure"]
    for s in r.space.iter_states():
        for p in s.pods:  # a pod of a NotReady node keeps its node
            assert p.pod.binding != "NodeLost" or p.pod.node is not None


@pytest.mark.parametrize("mutant", WORLD_MUTANTS, ids=lambda m: m.id)
def test_explorer_catches_each_seeded_bug(mutant):
    w = mutant.model()
    assert WORLDS[mutant.world].expect_violated == () or mutant.kills not in WORLDS[mutant.world].expect_violated
    clean = explore(WORLDS[mutant.world]).verdicts()[mutant.kills]
    assert clean == "held"
    r = explore(w)
    assert r.complete and r.verdicts()[mutant.kills] == "violated"
    cx = r.counterexamples()[mutant.kills]
    assert cx.replay(w)[: len(cx.states)] == cx.states


SAFETY_MUTANTS = [m for m in WORLD_MUTANTS if by_id(m.kills).kind != "eventually"]


@pytest.mark.parametrize("mutant", SAFETY_MUTANTS, ids=lambda m: m.id)
def test_hypothesis_catches_each_seeded_safety_bug(mutant):
    w = mutant.model()
    prop = by_id(mutant.kills)
    h = run_hypothesis(w, max_examples=1000, seed=0, first_only=True, properties=[prop])
    assert mutant.kills in h.violations
    cx = h.violations[mutant.kills]
    states = w.replay(cx.actions)
    assert any(not prop.check(w, s, a, t) if prop.kind == "step" else not prop.check(w, t)
               for s, a, t in zip(states, cx.actions, states[1:]))


LIVENESS_MUTANTS = [m for m in WORLD_MUTANTS if by_id(m.kills).kind == "eventually"]


@pytest.mark.parametrize("mutant", LIVENESS_MUTANTS, ids=lambda m: m.id)
def test_hypothesis_walks_catch_each_seeded_liveness_bug_as_a_dead_end(mutant):
    from podmodel.verifier.worlds import stutter_violations

    w = mutant.model()
    found = stutter_violations(w, run_hypothesis(w, max_examples=100, seed=0))
    assert mutant.kills in found
    cx = found[mutant.kills]
    last = cx.replay(w)[-1]
    prop = by_id(mutant.kills)
    assert prop.trigger(w, last) and not prop.check(w, last)
    assert not any(w.is_fair(a) for a in w.actions(last))


def test_hypothesis_finds_nothing_on_the_clean_worlds():
    from podmodel.verifier.worlds import stutter_violations

    for name in ("statefulset-partition", "replicaset-node-failure", "job-replacement-failed", "static-mirror"):
        h = run_hypothesis(WORLDS[name], max_examples=100, seed=0)
        assert h.violations == {}, name
        assert stutter_violations(WORLDS[name], h) == {}, name
        assert h.states <= EXPECTED[name][0]


def test_bad_world_files_are_one_line_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: World\nspec:\n  nodes: [a, a]\n  workloads: []\n")
    with pytest.raises(WorldError, match="spec.nodes"):
        load_world(bad)
    bad.write_text("kind: World\nspec:\n  workloads:\n  - {kind: Job, metadata: {name: j}, spec: {template: "
                   "{spec: {restartPolicy: Always, containers: [{name: c}]}}}}\n")
    with pytest.raises(WorldError, match=r"workloads\[0\].*restartPolicy"):
        load_world(bad)
    with pytest.raises(WorldError, match="no such file"):
        load_world(tmp_path / "missing.yaml")


def test_cli_explore_and_verify_accept_a_world(tmp_path, capsys):
    from podmodel.cli import main

    path = str(WORLD_DIR / "statefulset-partition.yaml")
    assert main(["explore", path, "--json", "--quiet"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["states"] == EXPECTED["statefulset-partition"][0] and data["ok"]
    dot = tmp_path / "lanes.dot"
    assert main(["explore", str(WORLD_DIR / "statefulset-force-delete.yaml"), "--quiet", "--diagram", str(dot)]) == 0
    text = dot.read_text()
    assert "cluster_1" in text and "web-0 (uid 1)" in text
    capsys.readouterr()
    assert main(["verify", path, "--quiet", "--examples", "20"]) == 0
    assert "statefulset-partition" in capsys.readouterr().out
    assert main(["explore", path, "--max-states", "5", "--quiet"]) == 3


def test_world_is_a_model_of_the_same_interface():
    w: World = WORLDS["replicaset-node-failure"]
    s = w.initial_states()[0]
    assert w.actions(s) == w.actions(s)  # deterministic order
    r = explore(w)
    assert set(r.space.actions) <= set(w.candidate_actions)
    pod_actions = set(w.models[0].candidate_actions)
    assert {a.action for a in r.space.actions if type(a).__name__ == "PodStep"} <= pod_actions  # the pod model's own


# ------------------------------------------------------------------ the oracle's world rules
def _sts_pod(uid, phase, node="n1", name="web-0"):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "ns", "uid": uid,
                         "ownerReferences": [{"kind": "StatefulSet", "name": "web", "controller": True, "uid": "s"}]},
            "spec": {"nodeName": node, "containers": [{"name": "app", "image": "nginx"}]},
            "status": {"phase": phase}}


def test_oracle_flags_one_identity_running_twice_with_both_uids():
    from podmodel.oracle.world import WorldTraceChecker

    w = WorldTraceChecker()
    for i, (p, ev) in enumerate([(_sts_pod("a", "Running"), "ADDED"), (_sts_pod("b", "Running", "n2"), "ADDED"),
                                 (_sts_pod("a", "Running"), "MODIFIED")]):
        w.feed(p, ev, i)
    assert [(v.rule, v.uids) for v in w.violations] == [("sts-one-pod-per-identity", ("a", "b"))]
    assert "uid a and uid b" in w.violations[0].message


def test_oracle_accepts_a_replacement_after_the_old_pod_is_deleted():
    from podmodel.oracle.world import WorldTraceChecker

    w = WorldTraceChecker()
    for i, (p, ev) in enumerate([(_sts_pod("a", "Running"), "ADDED"), (_sts_pod("a", "Running"), "DELETED"),
                                 (_sts_pod("b", "Running", "n2"), "ADDED")]):
        w.feed(p, ev, i)
    assert w.violations == []
    w.feed(_sts_pod("b", "Running", "n1"), "MODIFIED", 3)  # rebound
    w.feed(_sts_pod("a", "Pending"), "MODIFIED", 4)  # a deleted UID again
    assert [v.rule for v in w.violations] == ["uid-bound-once", "fresh-uids"]


def test_check_trace_world_flag(tmp_path, capsys):
    from podmodel.cli import main

    events = [{"type": t, "object": p} for t, p in [("ADDED", _sts_pod("a", "Running")),
                                                    ("ADDED", _sts_pod("b", "Running", "n2")),
                                                    ("MODIFIED", _sts_pod("a", "Running"))]]
    trace = tmp_path / "sts.jsonl"
    trace.write_text("\n".join(json.dumps(e) for e in events) + "\n")
    rc = main(["check-trace", str(trace), "--world", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert rc == 1
    assert [(v["rule"], v["uids"]) for v in doc["world"]] == [("sts-one-pod-per-identity", ["a", "b"])]


def test_cli_refuses_pod_only_options_on_a_world(capsys):
    from podmodel.cli import main

    assert main(["explore", str(WORLD_DIR / "statefulset-partition.yaml"), "--export", "g.json"]) == 2
    assert "does not apply to a world file" in capsys.readouterr().err


def test_the_readme_world_diagram_is_what_explore_draws(tmp_path):
    """docs/world-statefulset-force-delete.svg is generated, never drawn by hand:
    ``podmodel explore specs/worlds/statefulset-force-delete.yaml --diagram docs/world-statefulset-force-delete.svg``."""
    from pathlib import Path

    from podmodel.cli import main
    from podmodel.render.diagrams import svg_content

    root = Path(__file__).resolve().parent.parent
    out = tmp_path / "w.svg"
    assert main(["explore", str(WORLD_DIR / "statefulset-force-delete.yaml"), "--diagram", str(out)]) == 0
    committed = root / "docs" / "world-statefulset-force-delete.svg"
    assert svg_content(out.read_bytes()) == svg_content(committed.read_bytes()), \
        "stale: regenerate with the command in this test's docstring"
