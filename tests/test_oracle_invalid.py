"""Objects the API server could not have returned: never LEGAL, never a traceback.

An impossible-object corpus goes through both ``podmodel check-trace`` and ``podmodel phase``:
each case exits 1 (``invalid-object``, a Pod with an impossible field) or 2 (no Pod at all,
nothing to check), and names the field (or says why there is nothing to check).  A
Hypothesis strategy corrupts one field of a valid Pod and always gets a non-zero exit.
"""

from __future__ import annotations

import copy
import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podmodel.cli import main
from podmodel.oracle import check_trace
from podmodel.oracle.formats import InputError

BASE = {
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "web", "namespace": "default", "uid": "u1", "resourceVersion": "10", "generation": 1},
    "spec": {"restartPolicy": "Always", "nodeName": "n1",
             "initContainers": [{"name": "init", "image": "busybox"}],
             "containers": [{"name": "app", "image": "nginx"}],
             "ephemeralContainers": [{"name": "dbg", "image": "busybox"}]},
    "status": {
        "phase": "Running", "observedGeneration": 1,
        "conditions": [{"type": "PodScheduled", "status": "True"}, {"type": "Initialized", "status": "True"},
                       {"type": "ContainersReady", "status": "True", "observedGeneration": 1},
                       {"type": "Ready", "status": "True"}],
        "initContainerStatuses": [{"name": "init", "restartCount": 0, "ready": True, "image": "busybox",
                                   "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}],
        "containerStatuses": [{"name": "app", "restartCount": 0, "ready": True, "started": True, "image": "nginx",
                               "containerID": "containerd://1", "state": {"running": {"startedAt": "2024-01-01T00:00:00Z"}},
                               "lastState": {}}],
        "ephemeralContainerStatuses": [{"name": "dbg", "restartCount": 0, "ready": False,
                                        "state": {"running": {"startedAt": "2024-01-01T00:00:00Z"}}}],
    },
}

_DELETE = object()


def set_path(pod: dict, path: str, value) -> dict:
    """``pod`` with the field at the dotted ``path`` (list indices as digits) set to ``value``
    (or deleted, for `_DELETE`); changed in place and returned."""
    keys = [int(k) if k.isdigit() else k for k in path.split(".")]
    parent = pod
    for k in keys[:-1]:
        parent = parent[k]
    if value is _DELETE:
        del parent[keys[-1]]
    else:
        parent[keys[-1]] = value
    return pod


def mutate(path: str, value) -> dict:
    return set_path(copy.deepcopy(BASE), path, value)


CS = "status.containerStatuses.0"
# (case id, path, value, field the report must name)
FIELD_CASES = [
    ("phase-int", "status.phase", 12, "status.phase"),
    ("phase-null", "status.phase", None, "status.phase"),
    ("phase-enum", "status.phase", "Maybe", "status.phase"),
    ("phase-list", "status.phase", ["Running"], "status.phase"),
    ("phase-lowercase", "status.phase", "running", "status.phase"),
    ("restartCount-str", f"{CS}.restartCount", "3", "restartCount"),
    ("restartCount-negative", f"{CS}.restartCount", -1, "restartCount"),
    ("restartCount-nan", f"{CS}.restartCount", math.nan, "restartCount"),
    ("restartCount-inf", f"{CS}.restartCount", math.inf, "restartCount"),
    ("restartCount-float", f"{CS}.restartCount", 1.5, "restartCount"),
    ("restartCount-int32", f"{CS}.restartCount", 2**31, "restartCount"),
    ("restartCount-bool", f"{CS}.restartCount", True, "restartCount"),
    ("restartCount-huge", f"{CS}.restartCount", 10**300, "restartCount"),
    ("conditions-str", "status.conditions", "x", "status.conditions"),
    ("conditions-obj", "status.conditions", {"type": "Ready"}, "status.conditions"),
    ("condition-no-type", "status.conditions.3", {"status": "True"}, "status.conditions[3].type"),
    ("condition-type-list", "status.conditions.3", {"type": [], "status": "True"}, "status.conditions[3].type"),
    ("condition-type-empty", "status.conditions.3.type", "", "status.conditions[3].type"),
    ("condition-maybe", "status.conditions.3.status", "Maybe", "status.conditions[3].status"),
    ("condition-no-status", "status.conditions.3", {"type": "Ready"}, "status.conditions[3].status"),
    ("condition-status-bool", "status.conditions.3.status", True, "status.conditions[3].status"),
    ("condition-duplicate", "status.conditions.2", {"type": "Ready", "status": "False"}, "status.conditions[3].type"),
    ("condition-int", "status.conditions.0", 5, "status.conditions[0]"),
    ("condition-og-negative", "status.conditions.2.observedGeneration", -1, "observedGeneration"),
    ("condition-og-ahead", "status.conditions.2.observedGeneration", 5, "status.conditions[2].observedGeneration"),
    ("condition-reason-int", "status.conditions.3.reason", 7, "status.conditions[3].reason"),
    ("observedGeneration-ahead", "status.observedGeneration", 2, "status.observedGeneration"),
    ("observedGeneration-str", "status.observedGeneration", "1", "status.observedGeneration"),
    ("generation-negative", "metadata.generation", -1, "metadata.generation"),
    ("generation-float", "metadata.generation", 1.0, "metadata.generation"),
    ("status-unknown-container", f"{CS}.name", "ghost", "status.containerStatuses[0].name"),
    ("status-duplicate", "status.containerStatuses", [BASE["status"]["containerStatuses"][0]] * 2,
     "status.containerStatuses[1].name"),
    ("status-init-names-app", "status.initContainerStatuses.0.name", "app", "status.initContainerStatuses[0].name"),
    ("status-ephemeral-unknown", "status.ephemeralContainerStatuses.0.name", "app", "ephemeralContainerStatuses[0].name"),
    ("status-no-name", CS, {"restartCount": 0, "state": {"running": {}}}, "status.containerStatuses[0].name"),
    ("status-name-empty", f"{CS}.name", "", "status.containerStatuses[0].name"),
    ("statuses-str", "status.containerStatuses", "x", "status.containerStatuses"),
    ("ready-str", f"{CS}.ready", "yes", "ready"),
    ("started-int", f"{CS}.started", 1, "started"),
    ("state-str", f"{CS}.state", "running", "state"),
    ("state-two-members", f"{CS}.state", {"running": {}, "terminated": {"exitCode": 0}}, "state"),
    ("terminated-no-exitCode", f"{CS}.state", {"terminated": {"reason": "Error"}}, "exitCode"),
    ("exitCode-str", f"{CS}.state", {"terminated": {"exitCode": "0"}}, "exitCode"),
    ("exitCode-huge", f"{CS}.state", {"terminated": {"exitCode": 2**40}}, "exitCode"),
    ("lastState-exitCode-nan", f"{CS}.lastState", {"terminated": {"exitCode": math.nan}}, "lastState.terminated.exitCode"),
    ("waiting-reason-int", f"{CS}.state", {"waiting": {"reason": 5}}, "state.waiting.reason"),
    ("running-str", f"{CS}.state", {"running": "now"}, "state.running"),
    ("image-int", f"{CS}.image", 5, "image"),
    ("containerID-list", f"{CS}.containerID", ["x"], "containerID"),
    ("status-reason-int", "status.reason", 5, "status.reason"),
    ("name-missing", "metadata.name", _DELETE, "metadata.name"),
    ("name-empty", "metadata.name", "", "metadata.name"),
    ("name-int", "metadata.name", 5, "metadata.name"),
    ("uid-int", "metadata.uid", 5, "metadata.uid"),
    ("metadata-missing", "metadata", _DELETE, "metadata.name"),
    ("metadata-str", "metadata", "x", "metadata"),
    ("resourceVersion-int", "metadata.resourceVersion", 10, "metadata.resourceVersion"),
    ("deletionTimestamp-int", "metadata.deletionTimestamp", 5, "metadata.deletionTimestamp"),
    ("grace-negative", "metadata.deletionGracePeriodSeconds", -1, "metadata.deletionGracePeriodSeconds"),
    ("spec-missing", "spec", _DELETE, "spec"),
    ("spec-str", "spec", "x", "spec"),
    ("containers-empty", "spec.containers", [], "spec.containers"),
    ("containers-missing", "spec.containers", _DELETE, "spec.containers"),
    ("container-no-name", "spec.containers.0", {"image": "nginx"}, "spec.containers[0].name"),
    ("container-duplicate", "spec.containers", [{"name": "app"}, {"name": "app"}], "spec.containers[1].name"),
    ("init-same-name-as-app", "spec.initContainers.0.name", "app", "spec.initContainers[0].name"),
    ("restartPolicy-enum", "spec.restartPolicy", "Sometimes", "spec.restartPolicy"),
    ("container-restartPolicy-enum", "spec.initContainers.0.restartPolicy", "Sometimes", "restartPolicy"),
    ("nodeName-int", "spec.nodeName", 5, "spec.nodeName"),
    ("status-str", "status", "x", "status"),
]

# (case id, file content, what the error must say) -- no Pod at all, or nothing to check: exit 2
NO_POD_CASES = [
    ("empty", "", "empty input"),
    ("blank", "\n\n  \n", "empty input"),
    ("empty-array", "[]", "nothing to check"),
    ("empty-object", "{}", "not shaped like a Pod"),
    ("null", "null", "empty input"),
    ("number", "5", "a number"),
    ("service", '[{"kind": "Service", "metadata": {"name": "s"}}]', "kind 'Service'"),
    ("watch-of-service", '{"type": "ADDED", "object": {"kind": "Service", "metadata": {"name": "s"}}}', "kind 'Service'"),
    ("bookmarks-only", '{"type": "BOOKMARK", "object": {"kind": "Pod", "metadata": {"resourceVersion": "5"}}}\n',
     "BOOKMARK"),
    ("audit-metadata-level", "\n".join(json.dumps(
        {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata", "auditID": str(i),
         "stage": "ResponseComplete", "verb": "patch", "objectRef": {"resource": "pods", "subresource": "status",
                                                                    "namespace": "default", "name": "web"}})
        for i in range(3)) + "\n", "RequestResponse"),
    ("audit-request-level", json.dumps(
        {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Request", "auditID": "1", "stage": "ResponseComplete",
         "verb": "patch", "objectRef": {"resource": "pods", "subresource": "status", "name": "web"},
         "requestObject": {"status": {"phase": "Running"}}}) + "\n", "RequestResponse"),
    ("huge-integer", '{"kind": "Pod", "metadata": {"name": "a"}, "status": {"containerStatuses": [{"name": "a", '
                     '"restartCount": ' + "9" * 5000 + "}]}}", "integer"),
    ("deep", "[" * 100000, "nested too deeply"),
    ("yaml-mapping-no-pod", "apiVersion: v1\nkind: ConfigMap\ndata: {a: b}\n", "kind 'ConfigMap'"),
    ("yaml-list-of-strings", "- a\n- b\n", "a string"),
    ("truncated", '{"kind": "Pod", "metadata": {"name": ', "truncated JSON"),
]


def run_cli(tmp_path, capsys, argv_tail, content) -> tuple[int, str, str]:
    f = tmp_path / "input.json"
    if isinstance(content, bytes):
        f.write_bytes(content)
    else:
        f.write_text(content)
    rc = main([*argv_tail[:1], str(f), *argv_tail[1:]])
    out, err = capsys.readouterr()
    return rc, out, err


def dump(obj) -> str:
    return json.dumps(obj)  # NaN and Infinity as JSON extensions, as Python and Go's decoders' inputs see them


def test_the_base_pod_is_legal(tmp_path, capsys):
    assert check_trace([BASE]).ok
    assert run_cli(tmp_path, capsys, ["check-trace"], dump([BASE]))[0] == 0
    assert run_cli(tmp_path, capsys, ["phase"], dump(BASE))[0] == 0


@pytest.mark.parametrize("command", ["check-trace", "phase"])
@pytest.mark.parametrize("case, path, value, field", FIELD_CASES, ids=[c[0] for c in FIELD_CASES])
def test_impossible_pods_are_never_legal(tmp_path, capsys, command, case, path, value, field):
    pod = mutate(path, value)
    rc, out, err = run_cli(tmp_path, capsys, [command, "--json"], dump([pod]))
    assert rc in (1, 2), (out, err)
    assert "Traceback" not in err and "internal error" not in err
    if rc == 1:
        doc = json.loads(out)
        named = doc["invalid"] if command == "phase" else doc["violations"][0]
        assert named["id"] == "invalid-object"
        assert field in named["field"] or field in named["message"], named
    else:
        assert field in err and len(err.strip().splitlines()) == 1


def test_the_corpus_is_big_enough():
    assert len(FIELD_CASES) + len(NO_POD_CASES) >= 60


@pytest.mark.parametrize("command", ["check-trace", "phase"])
@pytest.mark.parametrize("case, content, reason", NO_POD_CASES, ids=[c[0] for c in NO_POD_CASES])
def test_no_pod_or_nothing_to_check_is_exit_2(tmp_path, capsys, command, case, content, reason):
    rc, out, err = run_cli(tmp_path, capsys, [command], content)
    assert rc == 2, (out, err)
    assert reason in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_an_invalid_observation_is_not_compared_and_the_next_one_is():
    bad = mutate(f"{CS}.restartCount", -1)
    later = mutate(f"{CS}.restartCount", 0)
    later["metadata"]["resourceVersion"] = "11"
    v = check_trace([BASE, bad, later])
    assert v.ids() == [("invalid-object", 1)]


# -- Hypothesis: one corrupted field of a valid Pod is never legal ------------------------------
_NOT_STR = st.one_of(st.none(), st.integers(), st.floats(allow_nan=True), st.booleans(),
                     st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
_NOT_COUNT = st.one_of(st.integers(max_value=-1), st.integers(min_value=2**31), st.floats(allow_nan=True), st.booleans(),
                       st.text(max_size=4), st.none())
_NOT_BOOL = st.one_of(st.integers(), st.text(max_size=4), st.floats(allow_nan=True), st.lists(st.booleans(), max_size=2))


def _not_in(values):
    return st.one_of(st.text(max_size=10).filter(lambda s: s not in values and s != ""), _NOT_STR.filter(lambda v: v is not None))


# path -> strategy of values that make the Pod impossible
CORRUPTIONS = {
    "metadata.name": st.one_of(st.just(""), _NOT_STR),
    "metadata.uid": _NOT_STR.filter(lambda v: v is not None),
    "metadata.generation": st.one_of(st.integers(max_value=-1), st.floats(allow_nan=True), st.text(max_size=3), st.booleans()),
    "spec.restartPolicy": _not_in({"Always", "OnFailure", "Never"}),
    "spec.containers.0.name": st.one_of(st.just(""), st.just("init"), _NOT_STR),
    "status.phase": _not_in({"Pending", "Running", "Succeeded", "Failed", "Unknown"}),
    "status.observedGeneration": st.one_of(st.integers(min_value=2), st.integers(max_value=-1), st.text(max_size=3)),
    "status.conditions.3.status": _not_in({"True", "False", "Unknown"}),
    "status.conditions.3.type": st.one_of(st.just(""), st.just("Initialized"), _NOT_STR),
    f"{CS}.name": st.one_of(st.text(max_size=8).filter(lambda s: s != "app"), _NOT_STR),
    f"{CS}.restartCount": _NOT_COUNT,
    f"{CS}.ready": _NOT_BOOL,
    f"{CS}.started": _NOT_BOOL,
    f"{CS}.state": st.one_of(st.text(max_size=3), st.integers(), st.just({"running": {}, "waiting": {}}),
                             st.builds(lambda c: {"terminated": {"exitCode": c}},
                                       st.one_of(st.integers(min_value=2**31), st.text(max_size=3), st.floats(allow_nan=True)))),
    "status.initContainerStatuses.0.restartCount": _NOT_COUNT,
    "status.conditions": st.one_of(st.text(max_size=3), st.integers(), st.just([{"type": "Ready"}])),
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(sorted(CORRUPTIONS)), data=st.data())
def test_one_corrupted_field_is_never_legal(path, data):
    value = data.draw(CORRUPTIONS[path], label=path)
    pod = mutate(path, value)
    try:
        verdict = check_trace([pod])
    except InputError:
        return  # exit 2: not even a Pod
    assert not verdict.ok
    assert verdict.violations[0].id == "invalid-object"
    # and through the CLI's phase (the same reader and validation)
    import io
    import sys
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        f.write(dump(pod))
    old = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = io.StringIO()
    try:
        rc = main(["phase", f.name])
    finally:
        sys.stdout, sys.stderr = old
    assert rc in (1, 2)


def test_the_orjson_fast_path_reads_what_the_json_module_reads(monkeypatch):
    from podmodel.oracle import formats

    lines = [json.dumps(mutate(f"{CS}.restartCount", n)) for n in range(3)]
    lines.append('{"kind": "Pod", "metadata": {"name": "n"}, "spec": {"containers": [{"name": "app"}]}, '
                 '"status": {"containerStatuses": [{"name": "app", "restartCount": NaN}]}}')  # orjson refuses NaN
    lines.append('{"kind": "Pod", "metadata": {"name": "s"}, "spec": {"containers": [{"name": "app"}]}, '
                 '"status": {"reason": "\\ud800 lone surrogate"}}')  # orjson refuses lone surrogates
    text = "\r\n".join(lines) + "\n"
    fast = [(o.index, o.pod, str(o.location)) for o in formats.iter_observations(text)]
    monkeypatch.setattr(formats, "_orjson_loads", None)
    slow = [(o.index, o.pod, str(o.location)) for o in formats.iter_observations(text)]
    assert repr(fast) == repr(slow) and len(fast) == 5


def test_a_huge_integer_is_never_legal_whichever_decoder_reads_it():
    line = ('{"kind": "Pod", "metadata": {"name": "big"}, "spec": {"containers": [{"name": "app"}]}, '
            '"status": {"containerStatuses": [{"name": "app", "restartCount": 99999999999999999999999}]}}\n')
    v = check_trace(line + line)  # orjson reads it as a float, json as an int: both are no int32
    assert v.ids() == [("invalid-object", 0), ("invalid-object", 1)]


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, (*prefix, i))


_ALL_PATHS = [p for p in _paths(BASE) if p]
_ANY = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=5)),
                    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                    max_leaves=6)


def replace_subtrees(base: dict, edits) -> dict:
    """A deep copy of ``base`` with each ``(path, value)`` of ``edits`` set (a path an earlier
    edit made unreachable is skipped)."""
    pod = copy.deepcopy(base)
    for path, value in edits:
        parent = pod
        try:
            for k in path[:-1]:
                parent = parent[k]
            parent[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    return pod


@settings(max_examples=200, deadline=None)
@given(edits=st.lists(st.tuples(st.sampled_from(_ALL_PATHS), _ANY), min_size=1, max_size=3))
def test_any_replaced_subtree_gives_a_verdict_or_an_input_error_never_an_exception(edits):
    pod = replace_subtrees(BASE, edits)
    try:
        check_trace([BASE, pod, BASE])
    except InputError:
        pass


def test_a_key_that_is_not_a_string_is_worded_as_json_writes_it():
    """A Pod built in Python may hold a key JSON cannot (found by the test above: conditions
    replaced by ``{2: None}``): the schema's problem is worded for the object as JSON writes it,
    not an exception."""
    pod = replace_subtrees(BASE, [(("status", "conditions"), {}), (("status", "conditions", 2), None)])
    assert pod["status"]["conditions"] == {2: None}
    verdict = check_trace([BASE, pod, BASE])
    assert [(v.id, v.index) for v in verdict.violations] == [("invalid-object", 1)]
    assert "status.conditions" in verdict.violations[0].message


@pytest.mark.parametrize("command", ["check-trace", "phase"])
def test_kubernetes_version_option(tmp_path, capsys, command):
    assert run_cli(tmp_path, capsys, [command, "--kubernetes-version", "v1.34.2"], dump([BASE]))[0] == 0
    rc, _, err = run_cli(tmp_path, capsys, [command, "--kubernetes-version", "1.20"], dump([BASE]))
    assert rc == 2 and "unsupported Kubernetes version '1.20'" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("field, value", [("restartCount", 1.0), ("restartCount", True), ("ready", 1)])
def test_a_number_equal_to_the_last_valid_one_is_still_validated(field, value):
    # validation skips statuses equal to the pod's last valid ones: equality does not tell 1 from 1.0 or true
    status = {"name": "c", "restartCount": 1, "ready": True, "state": {"running": {}}}
    pod = {"metadata": {"name": "p", "uid": "u"}, "spec": {"containers": [{"name": "c"}]},
           "status": {"phase": "Running", "containerStatuses": [status],
                      "conditions": [{"type": "Ready", "status": "True", "observedGeneration": 1}]},
           }
    pod["metadata"]["generation"] = 1
    bad = json.loads(json.dumps(pod))
    bad["status"]["containerStatuses"][0][field] = value
    assert check_trace([pod, bad]).ids() == [("invalid-object", 1)]
    worse = json.loads(json.dumps(pod))
    worse["status"]["conditions"][0]["observedGeneration"] = 1.0
    assert check_trace([pod, worse]).ids() == [("invalid-object", 1)]
