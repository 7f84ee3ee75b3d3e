"""The whole Pod against the published schema of the Kubernetes version in use.

`podmodel.oracle.validate` checks the fields the oracle reads; `podmodel.oracle.schema`
checks every other field against kubernetes-validate's OpenAPI schema of the version
(types, enums, unknown fields).  Both ``check-trace`` and ``phase`` report a schema
problem as ``invalid-object`` (exit 1) with its field path; every bundled trace and the
model's own Pods fit the schema.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_oracle_invalid import set_path

from podmodel.cli import main
from podmodel.oracle import check_trace
from podmodel.oracle.formats import InputError, iter_observations
from podmodel.oracle.schema import PodSchema, SchemaUnavailable, pod_schema

ROOT = Path(__file__).resolve().parents[1]
TRACES = sorted((ROOT / "podmodel" / "specs" / "traces").glob("*.json"))

BASE = {
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "web", "namespace": "default", "uid": "u1", "resourceVersion": "10",
                 "labels": {"app": "web"}, "annotations": {"a": "b"},
                 "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1", "uid": "r1"}]},
    "spec": {"restartPolicy": "Always", "nodeName": "n1", "terminationGracePeriodSeconds": 30,
             "volumes": [{"name": "data", "emptyDir": {}}],
             "containers": [{"name": "app", "image": "nginx", "args": ["-g", "daemon off;"],
                             "ports": [{"containerPort": 80, "protocol": "TCP"}],
                             "resources": {"limits": {"cpu": "1", "memory": "64Mi"}},
                             "readinessProbe": {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 5},
                             "volumeMounts": [{"name": "data", "mountPath": "/data"}]}]},
    "status": {"phase": "Running", "hostIP": "10.0.0.1", "podIP": "10.1.0.5", "podIPs": [{"ip": "10.1.0.5"}],
               "qosClass": "Guaranteed", "startTime": "2024-01-01T00:00:00Z",
               "conditions": [{"type": "PodScheduled", "status": "True"}, {"type": "Initialized", "status": "True"},
                              {"type": "ContainersReady", "status": "True"}, {"type": "Ready", "status": "True"}],
               "containerStatuses": [{"name": "app", "restartCount": 0, "ready": True, "started": True,
                                      "image": "nginx", "imageID": "sha256:1", "containerID": "containerd://1",
                                      "state": {"running": {"startedAt": "2024-01-01T00:00:00Z"}}}]},
}


def edit(path: str, value) -> dict:
    return set_path(copy.deepcopy(BASE), path, value)


# Fields the lifecycle rules never read: only the schema can refuse them.
CASES = [
    ("spec.containers.0.image", 5, "spec.containers[0].image"),
    ("spec.containers.0.args", "-g", "spec.containers[0].args"),
    ("spec.containers.0.ports.0.containerPort", "eighty", "spec.containers[0].ports[0].containerPort"),
    ("spec.containers.0.ports.0.protocol", 6, "spec.containers[0].ports[0].protocol"),
    ("spec.containers.0.readinessProbe.periodSeconds", "5s", "spec.containers[0].readinessProbe.periodSeconds"),
    ("spec.containers.0.volumeMounts.0.readOnly", "yes", "spec.containers[0].volumeMounts[0].readOnly"),
    ("spec.containers.0.resources", [], "spec.containers[0].resources"),
    ("spec.containers.0.colour", "blue", "spec.containers[0]"),
    ("spec.volumes.0.emptyDir", "tmpfs", "spec.volumes[0].emptyDir"),
    ("spec.terminationGracePeriodSeconds", "30", "spec.terminationGracePeriodSeconds"),
    ("spec.priority", 1.5, "spec.priority"),
    ("spec.dnsPolicy", False, "spec.dnsPolicy"),
    ("metadata.labels", ["app"], "metadata.labels"),
    ("metadata.labels.app", 1, "metadata.labels.app"),
    ("metadata.ownerReferences.0.controller", "true", "metadata.ownerReferences[0].controller"),
    ("metadata.finalizers", "x", "metadata.finalizers"),
    ("status.hostIP", 10, "status.hostIP"),
    ("status.podIPs.0", "10.1.0.5", "status.podIPs[0]"),
    ("status.qosClass", {"class": "Gold"}, "status.qosClass"),
    ("status.startTime", 1700000000, "status.startTime"),
    ("status.nominatedNodeName", ["n2"], "status.nominatedNodeName"),
    ("status.containerStatuses.0.imageID", 7, "status.containerStatuses[0].imageID"),
    ("status.containerStatuses.0.state.running.startedAt", True, "status.containerStatuses[0].state.running.startedAt"),
    ("status.containerStatuses.0.healthy", True, "status.containerStatuses[0]"),
    ("status.flavour", "x", "status"),
    ("apiVersion", "v2", "apiVersion"),
]


def _run(tmp_path, capsys, command: str, pod: dict, *extra: str):
    path = tmp_path / "pod.json"
    path.write_text(json.dumps([pod] if command == "check-trace" else pod))
    rc = main([command, str(path), "--json", *extra])
    return rc, json.loads(capsys.readouterr().out)


def test_the_base_pod_fits_the_schema_and_is_legal(tmp_path, capsys):
    assert pod_schema("1.35").problems(BASE) == []
    assert _run(tmp_path, capsys, "check-trace", BASE)[0] == 0


@pytest.mark.parametrize("command", ["check-trace", "phase"])
@pytest.mark.parametrize("path,value,field", CASES, ids=[c[0] for c in CASES])
def test_a_field_the_schema_refuses_is_an_invalid_object(tmp_path, capsys, command, path, value, field):
    rc, doc = _run(tmp_path, capsys, command, edit(path, value))
    assert rc == 1
    v = doc["violations"][0] if command == "check-trace" else doc["invalid"]
    assert v["id"] == "invalid-object" and v["field"] == field, v


def test_a_second_pod_with_the_same_lifecycle_spec_is_still_schema_checked():
    """The checker shares one configuration between pods whose specs agree on what the
    lifecycle reads; a second pod differing only in a port must still be checked."""
    other = edit("spec.containers.0.ports.0.containerPort", "eighty")
    other["metadata"].update(uid="u2", name="web2")
    verdict = check_trace([BASE, other])
    assert [p.first.id if p.first else None for p in verdict.pods] == [None, "invalid-object"]


def test_the_schema_follows_the_kubernetes_version(tmp_path, capsys):
    """``restartPolicyRules`` (KEP-5307) is a container field from 1.34: a 1.33 API server
    has no such field, so it could not have returned this Pod."""
    rules = [{"action": "Restart", "exitCodes": {"operator": "In", "values": [42]}}]
    pod = edit("spec.containers.0.restartPolicyRules", rules)
    pod["spec"]["containers"][0]["restartPolicy"] = "Never"
    assert pod_schema("1.35").problems(pod) == []
    problems = pod_schema("1.33").problems(pod)
    assert [p.field for p in problems] == ["spec.containers[0]"]
    assert "'restartPolicyRules'" in problems[0].expected and "--kubernetes-version" in problems[0].expected
    rc, doc = _run(tmp_path, capsys, "check-trace", pod, "--kubernetes-version", "1.33")
    assert rc == 1 and doc["violations"][0]["id"] == "invalid-object"


def test_a_missing_zero_value_field_is_not_refused():
    """The schema's ``required`` lists are dropped: tools drop empty fields (docs/oracle.md)."""
    pod = copy.deepcopy(BASE)
    del pod["status"]["containerStatuses"][0]["imageID"]
    del pod["status"]["containerStatuses"][0]["ready"]
    assert pod_schema().problems(pod) == []


@pytest.mark.parametrize("trace", TRACES, ids=[t.name for t in TRACES])
def test_every_bundled_trace_fits_the_schema(trace):
    assert TRACES, "the bundled traces are missing"
    schema = pod_schema()
    bad = [(o.index, str(p)) for o in iter_observations(str(trace)) for p in schema.problems(o.pod)]
    assert bad == []


def test_the_models_pods_fit_the_schema():
    """The Pods podmodel writes (counterexamples as Pods, ``Model.to_pod``) are Pods a 1.35
    API server returns: every state of a walk through three scenarios."""
    from podmodel.model import Model
    from podmodel.verifier.scenarios import load_scenario

    schema = pod_schema()
    for name in ("sidecar-always", "deletion-grace", "probes"):
        model = Model(load_scenario(ROOT / "specs" / "scenarios" / f"{name}.yaml").config)
        state, seen = model.initial_states()[0], 0
        for step in range(40):
            pod = model.to_pod(state, uid="u")
            assert schema.problems(pod) == [], (name, step)
            seen += 1
            actions = model.actions(state)
            if not actions:
                break
            state = model.next_state(state, actions[step % len(actions)])
        assert seen > 3


def _leaves(obj, prefix=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield prefix + (k,)
            yield from _leaves(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield prefix + (i,)
            yield from _leaves(v, prefix + (i,))


_PATHS = [p for p in _leaves(BASE) if p[0] in ("spec", "status", "metadata") and len(p) > 1]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(_PATHS))
def test_any_field_replaced_by_a_value_of_no_schema_type_is_never_legal(path):
    """Replace any field of the valid Pod by a value no Pod field can hold (a list of a list
    where a scalar or object is due, an object where a list is due): never LEGAL."""
    pod = copy.deepcopy(BASE)
    parent = pod
    for k in path[:-1]:
        parent = parent[k]
    parent[path[-1]] = {"x": [[]]} if isinstance(parent[path[-1]], list) else [[]]
    try:
        verdict = check_trace([pod])
    except InputError:  # the reader refuses it outright (exit 2): not LEGAL either
        return
    assert not verdict.ok and verdict.pods[0].first.id == "invalid-object"


def test_a_version_the_installed_schemas_lack_is_one_clear_error():
    with pytest.raises(SchemaUnavailable, match="pip install -U kubernetes-validate") as e:
        PodSchema("1.99")
    assert isinstance(e.value, ValueError)  # the commands turn it into one line and exit 2
