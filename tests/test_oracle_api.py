"""The Python API: check_transition / check_trace / TraceChecker agree; grouping by uid,
interleaving, replacement pods, DELETED events, bounded memory, kubernetes-client objects."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from test_oracle_builder import PodSim, deployment_pod_lifecycle

from podmodel.oracle import (
    VIOLATION_IDS,
    TraceChecker,
    Verdict,
    Violation,
    check_trace,
    check_transition,
)
from podmodel.oracle.formats import InputError, iter_observations


def illegal_never_restart() -> list[dict]:
    p = PodSim("worker", restart_policy="Never", containers=("app", "helper")).start_kubelet()
    p.running("app").running("helper").phase("Running")
    return [p.obs(), p.terminated("app", 1).obs(), p.running("app").obs(), p.phase("Failed").obs(), p.phase("Running").obs()]


def illegal_mixed() -> list[dict]:
    p = PodSim("web", init=("setup",)).start_kubelet()
    t = [p.obs(), p.running("setup").obs(), p.running("app").obs()]
    p.edit(lambda pod: pod["spec"].update(nodeName="node-9"))
    t.append(p.obs())
    return t


TRACES = {"legal": deployment_pod_lifecycle, "never-restart": illegal_never_restart, "mixed": illegal_mixed}


# -- equivalence -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(TRACES))
def test_trace_checker_feed_equals_check_trace(name):
    trace = TRACES[name]()
    whole = check_trace(trace)
    checker = TraceChecker()
    fed = []
    for pod in trace:
        fed.extend(checker.feed(pod))
    assert fed == checker.finish().violations == whole.violations


@pytest.mark.parametrize("name", sorted(TRACES))
def test_check_transition_equals_check_trace_per_step(name):
    trace = TRACES[name]()
    whole = check_trace(trace)
    for i in range(1, len(trace)):
        step = check_transition(trace[i - 1], trace[i])
        assert all(v.index in (0, 1) for v in step.violations)
        got = {(v.id, v.field, v.message) for v in step.violations if v.index == 1}
        want = {(v.id, v.field, v.message) for v in whole.violations if v.index == i}
        assert got == want, i


def test_check_transition_reports_index_one():
    t = illegal_never_restart()
    v = check_transition(t[1], t[2])
    assert v.ids() == [("restart-forbidden", 1)]


def test_observations_keep_their_input_index_when_fed():
    trace = illegal_never_restart()
    checker = TraceChecker()
    for obs in iter_observations(trace):
        checker.feed(obs)
    assert checker.finish().ids() == check_trace(trace).ids()


# -- verdict and violation shape ------------------------------------------------------------------
def test_violation_attributes_and_json_shape():
    v = check_trace(illegal_never_restart())
    assert isinstance(v, Verdict) and v.ok is False
    first = v.violations[0]
    assert isinstance(first, Violation)
    for attr in ("id", "index", "namespace", "name", "uid", "container", "field", "expected", "actual", "message", "source"):
        assert hasattr(first, attr)
    assert first.id in VIOLATION_IDS and first.namespace == "default" and first.name == "worker"
    doc = v.to_dict()
    assert list(doc) == ["ok", "violations"] and doc["ok"] is False
    assert list(doc["violations"][0]) == ["id", "index", "namespace", "name", "uid", "container", "field",
                                          "expected", "actual", "message", "source"]


def test_pod_results_summarise_each_pod():
    v = check_trace(illegal_never_restart() + deployment_pod_lifecycle("other"))
    bad, good = v.pods
    assert (bad.name, bad.ok, bad.first.id, bad.observations) == ("worker", False, "restart-forbidden", 5)
    assert bad.violations == len(v.violations)
    assert bad.rows and bad.previous_index == 1
    assert (good.name, good.ok, good.observations, good.first_index) == ("other", True, 4, 5)


# -- grouping ---------------------------------------------------------------------------------------
def test_interleaved_pods_are_checked_separately():
    a, b = PodSim("a", restart_policy="Never"), PodSim("b", restart_policy="Never")
    t = [a.start_kubelet().obs(), b.start_kubelet().obs(),
         a.running("app").phase("Running").obs(), b.running("app").phase("Running").obs(),
         a.terminated("app", 0).phase("Succeeded").obs(), b.terminated("app", 3).phase("Failed").obs(),
         b.running("app").obs(), a.obs()]
    v = check_trace(t)
    assert {(x.name, x.id, x.index) for x in v.violations} == {("b", "restart-forbidden", 6), ("b", "phase-inconsistent", 6)}
    assert [p.name for p in v.pods] == ["a", "b"] and v.pods[0].ok


def test_replacement_pod_is_a_new_pod():
    old = PodSim("db-0", uid="u-old").start_kubelet().running("app").phase("Running")
    t = [old.obs(), old.delete(30).obs(), old.terminated("app", 0).phase("Succeeded").obs()]
    new = PodSim("db-0", uid="u-new", node="node-2")
    t.append(new.obs())  # same name, new uid, Pending, another node: legal
    v = check_trace(t)
    assert v.ok and [p.uid for p in v.pods] == ["u-old", "u-new"]


def test_deleted_event_ends_the_pod_and_frees_its_state():
    p = PodSim("web").start_kubelet().running("app").phase("Running")
    events = [p.obs("ADDED"), p.delete(30).obs("MODIFIED"), p.terminated("app", 0).phase("Succeeded").obs("MODIFIED"),
              p.delete(0).obs("DELETED")]
    checker = TraceChecker()
    live = []
    for e in events:
        checker.feed(e)
        live.append(checker.live_pods)
    assert live == [1, 1, 1, 0]
    v = checker.finish()
    assert v.ok and v.pods[0].deleted


def test_uid_seen_after_deleted_starts_afresh():
    # A DELETED event forgets the pod; a later object with the same uid (two watch logs
    # concatenated) is checked as a new pod, not against the deleted one.
    p = PodSim("web", restart_policy="Never").start_kubelet().running("app").terminated("app", 0).phase("Succeeded")
    done = p.obs("DELETED")
    again = PodSim("web", uid=p.uid).start_kubelet().obs("ADDED")
    assert check_trace([done, again]).ok
    assert not check_trace([done["object"], again["object"]]).ok  # without DELETED: terminal-phase-reverted


def test_memory_is_bounded_by_live_pods():
    results = []
    checker = TraceChecker(on_pod=results.append)
    most = 0
    for i in range(300):
        p = PodSim(f"job-{i}", restart_policy="Never", owner="Job").start_kubelet()
        for obj in (p.obs("ADDED"), p.running("app").phase("Running").obs("MODIFIED"),
                    p.terminated("app", 0).phase("Succeeded").obs("MODIFIED"), p.obs("DELETED")):
            checker.feed(obj)
            most = max(most, checker.live_pods)
    v = checker.finish()
    assert most == 1 and len(results) == 300 and v.pods == () and v.ok and v.observations == 1200


def test_objects_without_uid_are_grouped_by_namespace_and_name():
    t = deployment_pod_lifecycle("nouid")
    for o in t:
        del o["metadata"]["uid"]
    t[-1]["spec"]["nodeName"] = "elsewhere"
    v = check_trace(t)
    assert v.ids() == [("node-rebound", 3)] and v.violations[0].uid is None


# -- inputs --------------------------------------------------------------------------------------------
def _model(value, name="V1Object"):
    """A stand-in for kubernetes-client models: snake_case attributes, attribute_map, openapi_types, to_dict."""
    if isinstance(value, list):
        return [_model(v, name) for v in value]
    if not isinstance(value, dict):
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", value):
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        return value
    if name in ("labels", "annotations"):
        return dict(value)
    snake = {k: re.sub(r"(?<!^)(?=[A-Z])", "_", k).lower() for k in value}
    cls = type(name, (), {"attribute_map": {s: k for k, s in snake.items()},
                          "openapi_types": {s: "object" for s in snake.values()},
                          "to_dict": lambda self: {}})
    obj = cls()
    for k, s in snake.items():
        setattr(obj, s, _model(value[k], k))
    return obj


def test_kubernetes_client_objects_are_accepted():
    trace = illegal_never_restart()
    models = [_model(p, "V1Pod") for p in trace]
    assert check_trace(models).ids() == check_trace(trace).ids()
    checker = TraceChecker()
    for m in models:
        checker.feed(m)
    assert checker.finish().ids() == check_trace(trace).ids()
    pod_list = _model({"apiVersion": "v1", "kind": "PodList", "metadata": {}, "items": trace}, "V1PodList")
    assert check_trace([pod_list]).ids() == check_trace(trace).ids()


def test_text_input_and_formats():
    import json

    trace = illegal_never_restart()
    jsonl = "\n".join(json.dumps(p) for p in trace) + "\n"
    assert check_trace(jsonl.encode(), format="jsonl").ids() == check_trace(trace).ids()
    assert check_trace(json.dumps(trace)).ids() == check_trace(trace).ids()


def test_non_pod_objects_are_input_errors():
    with pytest.raises(InputError, match="kind 'Service'"):
        check_trace([{"kind": "Service", "metadata": {"name": "x"}, "spec": {}}])


def test_impossible_pod_spec_is_an_invalid_object():
    t = deployment_pod_lifecycle()
    t[2]["spec"]["restartPolicy"] = "Sometimes"
    v = check_trace(t)
    assert v.ids() == [("invalid-object", 2)] and v.violations[0].field == "spec.restartPolicy"


def test_nothing_to_check_is_an_input_error():
    with pytest.raises(InputError, match="nothing to check|empty input"):
        check_trace([])
    audit = [{"kind": "Event", "apiVersion": "audit.k8s.io/v1", "auditID": "a", "stage": "ResponseComplete", "verb": "patch",
              "objectRef": {"resource": "pods", "subresource": "status", "name": "p"}}]
    with pytest.raises(InputError, match="RequestResponse"):
        check_trace(audit)


def test_bad_feature_gates():
    with pytest.raises(ValueError, match="feature_gates"):
        TraceChecker({"ContainerRestartRules": "yes"})


def test_finish_is_final():
    checker = TraceChecker()
    checker.feed(deployment_pod_lifecycle()[0])
    assert checker.finish() is checker.finish()
    with pytest.raises(RuntimeError):
        checker.feed(deployment_pod_lifecycle()[0])


def test_coverage_per_pod_and_total():
    t = deployment_pod_lifecycle("a") + deployment_pod_lifecycle("b")
    v = check_trace(t, coverage=True)
    assert v.coverage["phase.start: Pending->Running"] == 2
    assert all(p.coverage["phase.start: Pending->Running"] == 1 for p in v.pods)
    assert check_trace(t).coverage is None
