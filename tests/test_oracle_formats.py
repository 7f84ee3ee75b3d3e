"""Tests for the trace oracle's input layer (podmodel.oracle.formats)."""

from __future__ import annotations

import copy
import gzip
import io
import json
import os
import pickle
import re
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podmodel.oracle import formats
from podmodel.oracle.formats import (
    FORMATS,
    InputError,
    Location,
    Observation,
    detect_format,
    iter_observations,
    parse_only,
)

TRACES = sorted(str(p) for p in (Path(__file__).resolve().parents[1] / "examples" / "traces").glob("*.json"))


# ---------------------------------------------------------------------------------------------
# Realistic objects
# ---------------------------------------------------------------------------------------------


def make_pod(
    name: str = "web-7d9f8b6c5-x2k4q",
    *,
    rv: str = "1001",
    phase: str = "Pending",
    node: str | None = None,
    running: bool = False,
    uid: str = "0b6e4c1e-6d1f-4d4e-9a55-2f7c0e3f4a10",
    namespace: str = "default",
) -> dict:
    """A Pod as the API server returns it, at one of three lifecycle points."""
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "generateName": name.rsplit("-", 1)[0] + "-",
            "namespace": namespace,
            "uid": uid,
            "resourceVersion": rv,
            "creationTimestamp": "2024-05-01T10:00:00Z",
            "labels": {"app": "web", "pod-template-hash": "7d9f8b6c5"},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": "web-7d9f8b6c5",
                    "uid": "9b7a04bf-811e-483e-826e-82c7b9e81ca7",
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": "nginx:1.25",
                    "imagePullPolicy": "IfNotPresent",
                    "ports": [{"containerPort": 80, "protocol": "TCP"}],
                    "resources": {},
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File",
                }
            ],
            "dnsPolicy": "ClusterFirst",
            "restartPolicy": "Always",
            "schedulerName": "default-scheduler",
            "terminationGracePeriodSeconds": 30,
        },
        "status": {"phase": phase, "qosClass": "BestEffort"},
    }
    if node is not None:
        pod["spec"]["nodeName"] = node
        pod["status"]["conditions"] = [
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": "2024-05-01T10:00:00Z"}
        ]
    if running:
        pod["status"].update(
            hostIP="10.0.0.7",
            podIP="10.244.0.12",
            startTime="2024-05-01T10:00:01Z",
            conditions=[
                {"type": t, "status": "True", "lastTransitionTime": "2024-05-01T10:00:03Z"}
                for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")
            ],
            containerStatuses=[
                {
                    "name": "app",
                    "image": "docker.io/library/nginx:1.25",
                    "imageID": "docker.io/library/nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31",
                    "containerID": "containerd://4f3c2b1a",
                    "ready": True,
                    "started": True,
                    "restartCount": 0,
                    "state": {"running": {"startedAt": "2024-05-01T10:00:02Z"}},
                    "lastState": {},
                }
            ],
        )
    return pod


LIFECYCLE = [
    make_pod(rv="1001"),
    make_pod(rv="1002", node="kind-worker"),
    make_pod(rv="1005", node="kind-worker", phase="Running", running=True),
]


def small_pod(i: int) -> dict:
    return {
        "kind": "Pod",
        "metadata": {"name": f"p{i}", "namespace": "ns", "uid": f"u{i}", "resourceVersion": str(i)},
        "status": {"phase": "Pending"},
    }


def audit_event(verb: str, response: dict | None, *, resource: str = "pods", subresource: str | None = None,
                stage: str = "ResponseComplete", code: int = 200, name: str = "web-7d9f8b6c5-x2k4q",
                stamp: str = "2024-05-01T10:00:00.123456Z") -> dict:
    """An audit.k8s.io/v1 Event like the API server's log backend writes (one JSON line)."""
    uri = f"/api/v1/namespaces/default/{resource}/{name}" + (f"/{subresource}" if subresource else "")
    event = {
        "kind": "Event",
        "apiVersion": "audit.k8s.io/v1",
        "level": "RequestResponse",
        "auditID": f"7e0cbccf-8d8a-4f5f-aa7b-{abs(hash((verb, subresource, stage, stamp))) % 10**12:012d}",
        "stage": stage,
        "requestURI": uri,
        "verb": verb,
        "user": {"username": "system:node:kind-worker", "groups": ["system:nodes", "system:authenticated"]},
        "sourceIPs": ["172.18.0.2"],
        "userAgent": "kubelet/v1.30.0 (linux/amd64) kubernetes/7c48c2b",
        "objectRef": {"resource": resource, "namespace": "default", "name": name, "apiVersion": "v1"},
        "requestReceivedTimestamp": "2024-05-01T10:00:00.100000Z",
        "stageTimestamp": stamp,
        "annotations": {"authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": ""},
    }
    if subresource:
        event["objectRef"]["subresource"] = subresource
    if stage == "ResponseComplete":
        event["responseStatus"] = {"metadata": {}, "code": code}
        if response is not None:
            event["responseObject"] = response
    return event


def status_object(code: int = 201, reason: str | None = None, message: str = "") -> dict:
    status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success" if code < 400 else "Failure", "code": code}
    if reason:
        status["reason"] = reason
    if message:
        status["message"] = message
    return status


def jsonl(objs) -> str:
    return "".join(json.dumps(o) + "\n" for o in objs)


def pretty_stream(objs) -> str:
    """What `kubectl get pods -w -o json` prints: indented objects back to back."""
    return "".join(json.dumps(o, indent=4) + "\n" for o in objs)


YAML_LOADERS = ["libyaml", "python"] if hasattr(formats, "_CLoader") else ["python"]


@pytest.fixture(params=YAML_LOADERS)
def yaml_loader(request, monkeypatch):
    """Run a test with the libyaml-based loader and with the pure-Python one."""
    monkeypatch.setattr(formats, "_Loader", formats._CLoader if request.param == "libyaml" else formats._PyLoader)
    return request.param


def observe(source, **kwargs) -> list[Observation]:
    return list(iter_observations(source, **kwargs))


def pods(source, **kwargs) -> list[dict]:
    return [o.pod for o in iter_observations(source, **kwargs)]


def starts(text: str, needle: str = '{"apiVersion"') -> list[int]:
    """Character positions of every occurrence of needle."""
    found, i = [], text.find(needle)
    while i >= 0:
        found.append(i)
        i = text.find(needle, i + 1)
    return found


def line_col(text: str, index: int) -> tuple[int, int]:
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


# ---------------------------------------------------------------------------------------------
# Each format
# ---------------------------------------------------------------------------------------------


def test_json_array_of_pods_with_locations():
    text = "[\n" + ",\n".join("  " + json.dumps(p) for p in LIFECYCLE) + "\n]\n"
    obs = observe(text, name="trace.json")
    assert [o.pod for o in obs] == LIFECYCLE
    assert [o.index for o in obs] == [0, 1, 2]
    assert all(o.event is None and o.timestamp is None for o in obs)
    for o, pos in zip(obs, starts(text, '{"apiVersion": "v1", "kind": "Pod"'), strict=True):
        assert o.location == Location("trace.json", *line_col(text, pos), pos)
    assert obs[1].location.line == 3 and obs[1].location.column == 3


def test_jsonl_locations_are_lines_and_byte_offsets():
    lines = [json.dumps(p) for p in LIFECYCLE]
    lines[1] = lines[1].replace("kind-worker", "kind-wörker")  # non-ASCII: offsets are bytes
    data = ("\n".join(lines) + "\n").encode()
    obs = observe(data)
    assert [o.location.line for o in obs] == [1, 2, 3]
    assert [o.location.column for o in obs] == [1, 1, 1]
    offsets = [0, len(lines[0].encode()) + 1, len(lines[0].encode()) + len(lines[1].encode()) + 2]
    assert [o.location.offset for o in obs] == offsets
    assert obs[1].pod["spec"]["nodeName"] == "kind-wörker"


def test_jsonl_blank_lines_and_crlf():
    text = "\r\n" + jsonl(LIFECYCLE[:2]).replace("\n", "\r\n\r\n")
    obs = observe(text)
    assert [o.pod for o in obs] == LIFECYCLE[:2]
    assert [o.location.line for o in obs] == [2, 4]


def test_json_stream_as_kubectl_watch_prints_it():
    text = pretty_stream(LIFECYCLE)
    obs = observe(text)
    assert [o.pod for o in obs] == LIFECYCLE
    positions = [m.start() for m in re.finditer(r"^\{$", text, re.M)]
    assert [o.location.offset for o in obs] == positions
    assert [o.location.line for o in obs] == [line_col(text, p)[0] for p in positions]


def test_watch_events_in_every_json_framing():
    events = [
        {"type": "ADDED", "object": LIFECYCLE[0]},
        {"type": "MODIFIED", "object": LIFECYCLE[1]},
        {"type": "BOOKMARK", "object": {"kind": "Pod", "apiVersion": "v1", "metadata": {"resourceVersion": "1003"}}},
        {"type": "MODIFIED", "object": LIFECYCLE[2]},
        {"type": "DELETED", "object": LIFECYCLE[2]},
    ]
    for text in (jsonl(events), pretty_stream(events), json.dumps(events, indent=2)):
        for fmt in ("auto", "watch"):
            obs = observe(text, format=fmt)
            assert [o.event for o in obs] == ["ADDED", "MODIFIED", "MODIFIED", "DELETED"]
            assert [o.pod for o in obs] == [LIFECYCLE[0], LIFECYCLE[1], LIFECYCLE[2], LIFECYCLE[2]]
            assert [o.index for o in obs] == [0, 1, 2, 3]
    obs = observe(jsonl(events))
    assert [o.location.line for o in obs] == [1, 2, 4, 5]


def test_watch_error_event_is_an_input_error():
    events = [
        {"type": "ADDED", "object": LIFECYCLE[0]},
        {"type": "ERROR", "object": status_object(410, "Expired", "too old resource version: 1001 (1400)")},
    ]
    it = iter_observations(jsonl(events), name="w.jsonl")
    assert next(it).event == "ADDED"
    with pytest.raises(InputError) as info:
        next(it)
    err = info.value
    assert (err.line, err.column) == (2, 1)
    assert "watch ERROR event: too old resource version: 1001 (1400) (reason Expired, code 410)" in str(err)
    assert str(err).startswith("w.jsonl:2:1 (byte ")


def test_watch_event_with_unknown_type_or_non_pod_object():
    with pytest.raises(InputError, match=r"type: expected ADDED, MODIFIED, DELETED, BOOKMARK or ERROR, got 'SYNC'"):
        observe(json.dumps({"type": "SYNC", "object": LIFECYCLE[0]}))
    svc = {"kind": "Service", "apiVersion": "v1", "metadata": {"name": "web"}, "spec": {}}
    with pytest.raises(InputError, match=r"watch event's object is kind 'Service', expected a Pod"):
        observe(json.dumps({"type": "ADDED", "object": svc}))


def test_pod_list_as_kubectl_get_o_json_prints_it():
    pod_list = {"apiVersion": "v1", "items": LIFECYCLE, "kind": "List", "metadata": {"resourceVersion": ""}}
    text = json.dumps(pod_list, indent=4)
    for fmt in ("auto", "list", "json-stream"):
        obs = observe(text, format=fmt)
        assert [o.pod for o in obs] == LIFECYCLE
    positions = [m.start() + 8 for m in re.finditer(r"^ {8}\{$", text, re.M)]
    assert len(positions) == 3
    assert [o.location.offset for o in obs] == positions  # each item where it starts
    assert obs[0].location.line == 4


def test_several_lists_and_kind_before_items():
    first = {"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": LIFECYCLE[:2]}
    second = {"kind": "List", "apiVersion": "v1", "metadata": {}, "items": LIFECYCLE[2:]}
    assert pods(jsonl([first, second]), format="list") == LIFECYCLE
    assert pods(json.dumps([first, second])) == LIFECYCLE
    # items without kind (as the API returns them in a typed list) are Pods by shape
    bare = [{k: v for k, v in p.items() if k not in ("kind", "apiVersion")} for p in LIFECYCLE]
    assert pods(json.dumps({"kind": "PodList", "apiVersion": "v1", "items": bare})) == bare


def test_list_of_other_kind_is_rejected_whether_kind_comes_first_or_last():
    items = [{"kind": "Service", "metadata": {"name": "a"}, "spec": {}}]
    with pytest.raises(InputError, match=r"object 2 is kind 'Service', expected a Pod"):
        observe(json.dumps({"apiVersion": "v1", "items": items, "kind": "List"}))
    with pytest.raises(InputError, match=r"object 1 is kind 'ServiceList', expected a List or PodList"):
        observe(json.dumps({"kind": "ServiceList", "apiVersion": "v1", "items": []}))
    with pytest.raises(InputError, match=r"object 1 is kind 'ServiceList', expected a List or PodList"):
        observe(json.dumps({"apiVersion": "v1", "items": [], "kind": "ServiceList"}))
    with pytest.raises(InputError, match=r"items: expected a list, got a string"):
        observe(json.dumps({"kind": "List", "items": "nope"}))


def test_yaml_multi_document_with_lists_watch_events_and_comments(yaml_loader):
    text = (
        "# captured with kubectl get pods -w -o yaml\n"
        + "---\n"
        + yaml.safe_dump(LIFECYCLE[0], sort_keys=False)
        + "---\n"
        + "# {\"time\": \"2024-05-01T10:00:01Z\", \"style\": \"watch\"}\n"
        + yaml.safe_dump({"type": "MODIFIED", "object": LIFECYCLE[1]}, sort_keys=False)
        + "---\n"
        + yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": [LIFECYCLE[2], copy.deepcopy(LIFECYCLE[2])]},
                         sort_keys=False)
        + "---\n"
    )
    obs = observe(text.encode())
    assert [o.pod for o in obs] == [LIFECYCLE[0], LIFECYCLE[1], LIFECYCLE[2], LIFECYCLE[2]]
    assert [o.event for o in obs] == [None, "MODIFIED", None, None]
    doc_starts = [i + 4 for i in starts(text, "---\n")]
    assert obs[0].location.offset == doc_starts[0]
    assert obs[0].location.line == 3
    item_starts = starts(text, "- apiVersion: v1\n  kind: Pod")
    assert [o.location.offset for o in obs[2:]] == [i + 2 for i in item_starts]
    assert [o.location.column for o in obs[2:]] == [3, 3]


def test_yaml_keeps_timestamps_as_strings_and_accepts_a_top_level_sequence(yaml_loader):
    text = (
        "- kind: Pod\n  metadata:\n    name: a\n    creationTimestamp: 2024-05-01T10:00:00Z\n"
        "- kind: Pod\n  metadata:\n    name: b\n    creationTimestamp: 2024-05-01T10:00:05Z\n"
    )
    obs = observe(text)
    assert [o.pod["metadata"]["creationTimestamp"] for o in obs] == ["2024-05-01T10:00:00Z", "2024-05-01T10:00:05Z"]
    assert [o.location.line for o in obs] == [1, 5]
    assert [o.location.offset for o in obs] == [2, text.index("- kind", 1) + 2]


def test_audit_log_yields_pod_responses_only():
    deleted = copy.deepcopy(LIFECYCLE[2])
    deleted["metadata"]["deletionTimestamp"] = "2024-05-01T10:05:00Z"
    deployment = {"kind": "Deployment", "apiVersion": "apps/v1", "metadata": {"name": "web"}, "spec": {}, "status": {}}
    events = [
        audit_event("create", None, stage="RequestReceived"),
        audit_event("create", LIFECYCLE[0], stamp="2024-05-01T10:00:00.200000Z"),
        audit_event("create", status_object(201), subresource="binding"),  # pods/binding: a Status
        audit_event("get", deployment, resource="deployments", name="web"),
        audit_event("patch", LIFECYCLE[1], subresource="status", stamp="2024-05-01T10:00:01.000000Z"),
        audit_event("patch", status_object(404, "NotFound", 'pods "x" not found'), subresource="status", code=404),
        {**audit_event("patch", None, subresource="status"), "level": "Metadata"},
        audit_event("patch", LIFECYCLE[2], subresource="status", stamp="2024-05-01T10:00:03.000000Z"),
        audit_event("delete", deleted, stamp="2024-05-01T10:05:00.000000Z"),
        audit_event("list", {"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": [LIFECYCLE[0]]}),
    ]
    text = jsonl(events)
    for fmt in ("auto", "audit", "jsonl"):
        obs = observe(text, format=fmt)
        assert [o.pod for o in obs] == [LIFECYCLE[0], LIFECYCLE[1], LIFECYCLE[2], deleted]
        assert [o.event for o in obs] == [None, None, None, "DELETED"]
        assert [o.timestamp for o in obs] == [
            "2024-05-01T10:00:00.200000Z",
            "2024-05-01T10:00:01.000000Z",
            "2024-05-01T10:00:03.000000Z",
            "2024-05-01T10:05:00.000000Z",
        ]
        assert [o.location.line for o in obs] == [2, 5, 8, 9]
        assert [o.index for o in obs] == [0, 1, 2, 3]


def test_audit_event_list_and_kindless_response():
    bare = {k: v for k, v in LIFECYCLE[1].items() if k not in ("kind", "apiVersion")}
    event = audit_event("patch", bare, subresource="status")
    webhook_batch = {
        "kind": "EventList",
        "apiVersion": "audit.k8s.io/v1",
        "metadata": {},
        "items": [
            {k: v for k, v in audit_event("create", LIFECYCLE[0]).items() if k not in ("kind", "apiVersion")},
            event,
        ],
    }
    assert pods(json.dumps(webhook_batch), format="audit") == [LIFECYCLE[0], bare]
    other = audit_event("patch", {"metadata": {"name": "n"}, "spec": {}, "status": {}}, resource="nodes", subresource="status")
    assert pods(jsonl([other, event])) == [bare]


def test_audit_falls_back_to_request_received_timestamp():
    event = audit_event("create", LIFECYCLE[0])
    del event["stageTimestamp"]
    assert observe(json.dumps(event))[0].timestamp == "2024-05-01T10:00:00.100000Z"


def test_audit_format_rejects_other_objects_but_skips_other_responses():
    with pytest.raises(InputError, match=r"object 1 is a Pod, expected an audit event"):
        observe(jsonl(LIFECYCLE), format="audit")
    bad_pod = audit_event("create", {"kind": "Pod", "metadata": {"name": 7}})
    with pytest.raises(InputError, match=r"object 1: responseObject.metadata.name: expected a string, got a number"):
        observe(json.dumps(bad_pod))


def test_gzip_and_byte_order_marks():
    text = jsonl(LIFECYCLE)
    assert pods(gzip.compress(text.encode())) == LIFECYCLE
    obs = observe(b"\xef\xbb\xbf" + text.encode())
    assert [o.pod for o in obs] == LIFECYCLE and obs[0].location.offset == 3
    utf16 = text.encode("utf-16")  # with a BOM
    obs = observe(utf16)
    assert [o.pod for o in obs] == LIFECYCLE
    assert obs[1].location.offset == 2 + 2 * text.index("\n{") + 2
    assert pods(("\ufeff" + text)) == LIFECYCLE


def test_nan_free_unicode_and_escapes_roundtrip():
    pod = make_pod(name="wéb-✓")
    pod["metadata"]["annotations"] = {"note": "line\nbreak \u2028 \"quoted\" \\ \U0001F600"}
    assert pods(json.dumps(pod, ensure_ascii=False).encode()) == [pod]
    assert pods(json.dumps(pod, ensure_ascii=True)) == [pod]
    assert pods(yaml.safe_dump(pod, allow_unicode=True)) == [pod]


# ---------------------------------------------------------------------------------------------
# Auto-detection
# ---------------------------------------------------------------------------------------------

SAMPLES = {
    "json-array": json.dumps(LIFECYCLE, indent=2),
    "jsonl": jsonl(LIFECYCLE),
    "json-stream": pretty_stream(LIFECYCLE),
    "watch": jsonl({"type": "ADDED", "object": p} for p in LIFECYCLE),
    "list": json.dumps({"apiVersion": "v1", "items": LIFECYCLE, "kind": "List", "metadata": {}}, indent=4),
    "yaml": "---\n".join(yaml.safe_dump(p) for p in LIFECYCLE),
    "audit": jsonl(audit_event("patch", p, subresource="status") for p in LIFECYCLE),
}


def test_formats_tuple():
    assert set(FORMATS) == set(SAMPLES)
    assert isinstance(FORMATS, tuple)


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_detect_format_and_every_format_reads_its_sample(fmt):
    data = SAMPLES[fmt].encode()
    assert detect_format(data) == fmt
    assert detect_format(data[:200]) == fmt  # a head cut in the middle of the first object
    assert pods(data) == LIFECYCLE
    assert pods(data, format=fmt) == LIFECYCLE
    assert parse_only(data) == 3
    assert parse_only(io.BytesIO(data), format=fmt) == 3


def test_detect_format_variants():
    assert detect_format(b"  \n[\n  {\"type\": \"ADDED\", \"object\": {}}") == "watch"
    assert detect_format(b'{"kind": "PodList", "apiVersion": "v1", "items": [') == "list"
    assert detect_format(b'{"apiVersion": "v1", "items": [{"apiVersion": "v1"') == "list"
    assert detect_format(gzip.compress(SAMPLES["audit"].encode())) == "audit"
    assert detect_format("\ufeffkind: Pod\n".encode("utf-16")) == "yaml"
    assert detect_format(b"# comment\n{") == "yaml"
    with pytest.raises(InputError, match="empty input"):
        detect_format(b" \n\t ")


def test_forced_framings_are_strict():
    with pytest.raises(InputError, match=r"expected '\[' \(a JSON array\), found '\{'"):
        observe(SAMPLES["jsonl"], format="json-array")
    with pytest.raises(InputError, match=r"extra data after the JSON array"):
        observe(SAMPLES["json-array"] + "\n[]", format="json-array")
    with pytest.raises(InputError, match=r"JSON Lines: the value starting on line 1 spans several lines") as info:
        observe(SAMPLES["json-stream"], format="jsonl")
    assert info.value.line == 1
    with pytest.raises(InputError, match=r"JSON Lines: expected a line break") as info:
        observe(json.dumps(LIFECYCLE[0]) + " " + json.dumps(LIFECYCLE[1]), format="jsonl")
    assert info.value.line == 1 and info.value.column > 1
    with pytest.raises(InputError, match=r"object 1 is a Pod, expected a watch event"):
        observe(SAMPLES["jsonl"], format="watch")
    with pytest.raises(InputError, match=r"object 1 is a List, expected a watch event"):
        observe(SAMPLES["list"], format="watch")
    with pytest.raises(InputError, match=r"object 1 is a Pod, expected a List or PodList"):
        observe(SAMPLES["yaml"], format="list")
    with pytest.raises(InputError, match=r"invalid JSON: expected a JSON value, found 'a'"):
        observe(SAMPLES["yaml"], format="json-stream")
    assert pods(SAMPLES["json-array"], format="yaml") == LIFECYCLE  # JSON is YAML
    with pytest.raises(ValueError, match="unknown format"):
        iter_observations(SAMPLES["jsonl"], format="xml")


# ---------------------------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------------------------


def test_paths_str_and_pathlike(tmp_path):
    path = tmp_path / "trace.jsonl"
    path.write_text(SAMPLES["jsonl"])
    for source in (path, str(path)):
        obs = observe(source)
        assert [o.pod for o in obs] == LIFECYCLE
        assert obs[0].location.name == str(path)
    assert observe(path, name="t")[0].location.name == "t"
    relative = os.path.relpath(path)
    assert pods(relative) == LIFECYCLE


def test_stdin_dash(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(SAMPLES["json-stream"].encode())))
    obs = observe("-")
    assert [o.pod for o in obs] == LIFECYCLE
    assert obs[0].location.name == "<stdin>"
    monkeypatch.setattr(sys, "stdin", io.StringIO(SAMPLES["yaml"]))  # no .buffer
    assert pods("-") == LIFECYCLE


def test_file_objects_binary_and_text(tmp_path):
    assert pods(io.BytesIO(SAMPLES["watch"].encode())) == LIFECYCLE
    assert pods(io.StringIO(SAMPLES["audit"])) == LIFECYCLE
    path = tmp_path / "pods.yaml"
    path.write_text(SAMPLES["yaml"])
    with open(path, "rb") as binary:
        obs = observe(binary)
    assert obs[0].location.name == str(path)
    with open(path, encoding="utf-8") as text:
        assert pods(text) == LIFECYCLE
    assert observe(io.BytesIO(SAMPLES["jsonl"].encode()))[0].location.name == "<input>"


def test_content_str_bytes_and_chunk_iterables():
    text = SAMPLES["json-array"]
    assert pods(text) == LIFECYCLE
    assert pods(text.encode()) == LIFECYCLE
    assert pods(bytearray(text.encode())) == LIFECYCLE
    assert pods(memoryview(text.encode())) == LIFECYCLE
    assert pods(text[i : i + 7] for i in range(0, len(text), 7)) == LIFECYCLE
    raw = SAMPLES["yaml"].encode()
    assert pods(raw[i : i + 5] for i in range(0, len(raw), 5)) == LIFECYCLE
    # multi-byte characters split across chunks
    data = json.dumps(make_pod(name="ünïcödé")).encode()
    assert pods([data[:1], b"", *(data[i : i + 1] for i in range(1, len(data)))])[0]["metadata"]["name"] == "ünïcödé"
    with pytest.raises(InputError, match="input chunk is a number, expected str like the first"):
        observe(iter(["[", 5]))


def test_iterables_of_parsed_objects():
    obs = observe(LIFECYCLE)
    assert [o.pod for o in obs] == LIFECYCLE
    assert obs[0].location == Location("<input>", None, None, None)
    assert pods(iter({"type": "MODIFIED", "object": p} for p in LIFECYCLE)) == LIFECYCLE
    assert pods({"kind": "List", "items": LIFECYCLE}) == LIFECYCLE
    assert pods(LIFECYCLE[0]) == [LIFECYCLE[0]]
    with pytest.raises(InputError, match=r"^<input>: object 2 is kind 'Service', expected a Pod$"):
        observe([LIFECYCLE[0], {"kind": "Service", "metadata": {}}])
    # a kubernetes.watch.Watch().stream() event: raw_object wins over the model
    events = [{"type": "ADDED", "object": object(), "raw_object": LIFECYCLE[0]}]
    assert [(o.event, o.pod) for o in observe(events)] == [("ADDED", LIFECYCLE[0])]
    # other mappings become dicts
    from types import MappingProxyType

    assert type(pods([MappingProxyType(LIFECYCLE[0])])[0]) is dict
    # datetimes in plain dicts become RFC 3339 strings
    pod = {"kind": "Pod", "metadata": {"name": "a", "creationTimestamp": datetime(2024, 5, 1, 10, 0, tzinfo=timezone.utc)}}
    assert pods([pod])[0]["metadata"]["creationTimestamp"] == "2024-05-01T10:00:00Z"


def test_unsupported_source_type():
    with pytest.raises(TypeError, match="source must be"):
        iter_observations(42)


# -- kubernetes-client look-alikes (the real package is not a dependency) ------------------------


class _Model:
    """Just enough of a kubernetes-client generated model: openapi_types, attribute_map, to_dict."""

    openapi_types: dict = {}
    attribute_map: dict = {}

    def __init__(self, **kwargs):
        for attr in self.openapi_types:
            setattr(self, attr, kwargs.pop(attr, None))
        assert not kwargs, kwargs

    def to_dict(self):  # snake_case, as the real client does; the reader must not use it
        def conv(v):
            if isinstance(v, list):
                return [conv(x) for x in v]
            return v.to_dict() if hasattr(v, "to_dict") else v

        return {attr: conv(getattr(self, attr)) for attr in self.openapi_types}


def _model(class_name, /, **fields):
    """fields: snake_case attribute -> camelCase JSON key."""
    return type(class_name, (_Model,), {"openapi_types": {a: "object" for a in fields}, "attribute_map": dict(fields)})


V1ObjectMeta = _model("V1ObjectMeta", name="name", namespace="namespace", uid="uid", resource_version="resourceVersion",
                      creation_timestamp="creationTimestamp", deletion_timestamp="deletionTimestamp", labels="labels")
V1ListMeta = _model("V1ListMeta", resource_version="resourceVersion")
V1Container = _model("V1Container", name="name", image="image", image_pull_policy="imagePullPolicy")
V1PodSpec = _model("V1PodSpec", containers="containers", init_containers="initContainers", node_name="nodeName",
                   restart_policy="restartPolicy")
V1ContainerStateRunning = _model("V1ContainerStateRunning", started_at="startedAt")
V1ContainerState = _model("V1ContainerState", running="running", waiting="waiting", terminated="terminated")
V1ContainerStatus = _model("V1ContainerStatus", name="name", ready="ready", restart_count="restartCount",
                           started="started", state="state", container_id="containerID")
V1PodCondition = _model("V1PodCondition", type="type", status="status", last_transition_time="lastTransitionTime")
V1PodStatus = _model("V1PodStatus", phase="phase", conditions="conditions", container_statuses="containerStatuses",
                     host_ip="hostIP", pod_ip="podIP", start_time="startTime")
V1Pod = _model("V1Pod", api_version="apiVersion", kind="kind", metadata="metadata", spec="spec", status="status")
V1PodList = _model("V1PodList", api_version="apiVersion", items="items", kind="kind", metadata="metadata")
V1WatchEvent = _model("V1WatchEvent", object="object", type="type")


def client_pod(rv: str) -> V1Pod:
    cest = timezone(timedelta(hours=2))
    return V1Pod(
        api_version="v1",
        kind="Pod",
        metadata=V1ObjectMeta(name="web-0", namespace="default", uid="c0ffee00-0000-4000-8000-000000000001",
                              resource_version=rv, creation_timestamp=datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=cest),
                              labels={"app": "web"}),
        spec=V1PodSpec(containers=[V1Container(name="app", image="nginx:1.25")], node_name="kind-worker",
                       restart_policy="Always"),
        status=V1PodStatus(
            phase="Running",
            conditions=[V1PodCondition(type="Ready", status="True", last_transition_time=datetime(2024, 5, 1, 10, 0, 3))],
            container_statuses=[V1ContainerStatus(name="app", ready=True, restart_count=0, started=True,
                                                  state=V1ContainerState(running=V1ContainerStateRunning(
                                                      started_at=datetime(2024, 5, 1, 10, 0, 2, tzinfo=timezone.utc))))],
        ),
    )


CLIENT_POD_JSON = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "web-0", "namespace": "default", "uid": "c0ffee00-0000-4000-8000-000000000001",
                 "resourceVersion": "7", "creationTimestamp": "2024-05-01T10:00:00Z", "labels": {"app": "web"}},
    "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}], "nodeName": "kind-worker", "restartPolicy": "Always"},
    "status": {
        "phase": "Running",
        "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2024-05-01T10:00:03Z"}],
        "containerStatuses": [{"name": "app", "ready": True, "restartCount": 0, "started": True,
                               "state": {"running": {"startedAt": "2024-05-01T10:00:02Z"}}}],
    },
}


def test_kubernetes_client_models_become_api_json():
    assert pods([client_pod("7")]) == [CLIENT_POD_JSON]
    assert pods(client_pod("7")) == [CLIENT_POD_JSON]
    pod_list = V1PodList(api_version="v1", kind="PodList", metadata=V1ListMeta(resource_version="9"),
                         items=[client_pod("7"), client_pod("7")])
    assert pods(pod_list) == [CLIENT_POD_JSON, CLIENT_POD_JSON]
    obs = observe([V1WatchEvent(type="ADDED", object=client_pod("7")),
                   {"type": "DELETED", "object": client_pod("7")}])
    assert [(o.event, o.pod) for o in obs] == [("ADDED", CLIENT_POD_JSON), ("DELETED", CLIENT_POD_JSON)]


def test_kubernetes_client_model_with_bad_field_types():
    pod = client_pod("7")
    pod.status.container_statuses = ["not a status"]
    with pytest.raises(InputError, match=r"object 1: status.containerStatuses\[0\]: expected an object, got a string"):
        observe([pod])


# ---------------------------------------------------------------------------------------------
# Errors: every class, with locations
# ---------------------------------------------------------------------------------------------


def first_error(source, **kwargs) -> InputError:
    with pytest.raises(InputError) as info:
        observe(source, **kwargs)
    err = info.value
    assert "\n" not in str(err)
    return err


def test_truncated_json_message_shape():
    text = '[\n  {"kind": "Pod",\n   "metadata": {"name": "a"}'
    err = first_error(text, name="trace.json")
    assert str(err) == "trace.json:3:29 (byte 48): truncated JSON: expected ',' or '}' after an object member"
    assert (err.name, err.line, err.column, err.offset) == ("trace.json", 3, 29, 48)
    assert err.expected == "',' or '}' after an object member"
    assert err.location == Location("trace.json", 3, 29, 48)


@pytest.mark.parametrize(
    ("text", "message", "line", "column"),
    [
        ('{"kind": "Pod", "metadata": {"name": "a"', "truncated JSON: expected ',' or '}' after an object member", 1, 41),
        ('[{"kind": "Pod"}', "truncated JSON: expected ',' or ']' after an array element", 1, 17),
        ('[{"kind": "Pod"},', "truncated JSON: expected a JSON value", 1, 18),
        ('{"kind": "Pod", "metadata": {"name": "a', "truncated JSON: unterminated string", 1, 38),
        ('{"kind": "Pod",\n "metadata": {"name": "a"},}', "invalid JSON: expected a double-quoted object key, found '}'", 2, 28),
        ('{"kind": "Pod" "metadata": {}}', "invalid JSON: expected ',' or '}' after an object member, found '\"'", 1, 16),
        ('{"kind" "Pod"}', "invalid JSON: expected ':' after an object key, found '\"'", 1, 9),
        ('[{"kind": "Pod"} {"kind": "Pod"}]', "invalid JSON: expected ',' or ']' after an array element, found '{'", 1, 18),
        ('{"kind": "Pod", "metadata": {"labels": [1 2]}}', "invalid JSON: expected ',' or ']' after an array element, found '2'", 1, 43),
        ('{"kind": "Pod", "metadata": {"name": "a\tb"}}', "invalid JSON: raw control character in a string", 1, 40),
        ('{"kind": "Pod", "metadata": {"name": "\\x"}}', "invalid JSON: invalid escape in a string", 1, 39),
        ('{"kind": Pod}', "invalid JSON: expected a JSON value, found 'P'", 1, 10),
        ('{"kind": "Pod"}\n{"kind": "Pod"} trailing', "invalid JSON: expected a JSON value, found 't'", 2, 17),
        ('{"kind": "Pod"}\n\n{"kind": "Pod", "spec": {', "truncated JSON: expected a double-quoted object key", 3, 26),
    ],
)
def test_json_syntax_errors(text, message, line, column):
    err = first_error(text)
    assert err.message == message
    assert (err.line, err.column) == (line, column)
    assert err.offset == len("\n".join(text.split("\n")[: line - 1]).encode()) + (line > 1) + column - 1


def test_json_errors_in_large_inputs_keep_their_location():
    good = jsonl(small_pod(i) for i in range(5000))
    err = first_error(good + '{"kind": "Pod", "metadata": {"name": 5}}\n' + good)
    assert err.line == 5001
    assert err.message == "object 5001: metadata.name: expected a string, got a number"
    err = first_error(good + '{"kind": "Pod", "metadata": {"name": "x"}\n' + good)
    assert err.line == 5002 and err.message.startswith("invalid JSON: expected ',' or '}' after an object member")


def test_invalid_utf8_is_located(yaml_loader):
    data = b'{"kind": "Pod",\n "metadata": {"name": "caf\xe9"}}'
    err = first_error(data)
    assert err.message == "input is not valid UTF-8 text: byte 0xe9 (invalid continuation byte)"
    assert (err.line, err.offset) == (2, data.index(b"\xe9"))
    err = first_error(b"kind: Pod\nmetadata:\n  name: \xff\n")
    assert (err.line, err.column, err.offset) == (3, 9, 28)
    err = first_error(b'{"kind": "Pod"}\xe2\x82')
    assert "unexpected end of data" in err.message and err.offset == 15


def test_yaml_errors(yaml_loader):
    err = first_error("kind: Pod\nmetadata:\n  name: [a, b\n")
    assert err.message.startswith("truncated YAML: ") and "expected ',' or ']'" in err.message
    assert err.expected == "',' or ']'"
    assert err.line in (3, 4)  # libyaml points at the last token, PyYAML at the end
    err = first_error("kind: Pod\nmetadata:\n  name: a\n bad: indentation\n")
    assert err.message.startswith("invalid YAML:") and err.line == 4
    err = first_error("!!python/object/apply:os.system ['echo pwned']\n")
    assert err.message == "YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not plain data"
    assert (err.line, err.column, err.offset) == (1, 1, 0)
    err = first_error("kind: Pod\nmetadata: !!python/name:os.system ''\n")
    assert "is not plain data" in err.message and err.line == 2
    err = first_error("kind: Pod\nmetadata:\n  annotations: !!binary aGVsbG8=\n")
    assert err.message == "YAML tag 'tag:yaml.org,2002:binary' is not plain data" and err.line == 3
    assert "is not plain data" in first_error("kind: Pod\nspec: !!set {a, b}\n").message
    err = first_error("kind: Pod\nspec: {restartPolicy: !!int Always}\n")
    assert err.message.startswith("invalid YAML value: invalid literal for int()")
    err = first_error("kind: Pod\nmetadata: &m {name: a, self: *m}\n")
    assert "recursive structure" in err.message and (err.line, err.column) == (2, 11)
    assert pods("kind: Pod\nmetadata: &m {name: a}\nspec: {copy: *m}\n")[0]["spec"]["copy"] == {"name": "a"}
    err = first_error("kind: Pod\nmetadata:\n  name: ü\x07\n")
    assert err.message.startswith("invalid YAML input: ") and err.message.endswith("(U+0007)")
    assert (err.line, err.column, err.offset) == (3, 10, 30)
    assert first_error("- " * 5000 + "x").message == "YAML document nested too deeply"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("5", "object 1 is a number, expected a Pod"),
        ('"a pod"', "object 1 is a string, expected a Pod"),
        ("[[]]", "object 1 is a list, expected a Pod"),
        ("[null]", "object 1 is null, expected a Pod"),
        ("just some words", "object 1 is a string, expected a Pod"),
        ("- - a\n", "object 1 is a list, expected a Pod"),
        ("{}", "object 1 has no kind and is not shaped like a Pod (metadata with spec or status), expected a Pod"),
        ('{"kind": 5}', "object 1: kind: expected a string, got a number"),
        ('[{"kind": "Pod"}, {"kind": "Node", "metadata": {}}]', "object 2 is kind 'Node', expected a Pod"),
        ('{"kind": "Event", "apiVersion": "v1", "metadata": {}}', "object 1 is kind 'Event', expected a Pod"),
        ('{"kind": "List", "items": [{"kind": "List", "items": []}]}', "object 2 is a List inside a List, expected a Pod"),
        ('{"kind": "Pod", "metadata": 5}', "object 1: metadata: expected an object, got a number"),
        ('{"kind": "Pod", "metadata": {"uid": 7}}', "object 1: metadata.uid: expected a string, got a number"),
        ('{"kind": "Pod", "metadata": {"namespace": null}}', "object 1: metadata.namespace: expected a string, got null"),
        ('{"kind": "Pod", "spec": []}', "object 1: spec: expected an object, got a list"),
        ('{"kind": "Pod", "status": "Running"}', "object 1: status: expected an object, got a string"),
        ('{"kind": "Pod", "spec": {"containers": {}}}', "object 1: spec.containers: expected a list, got an object"),
        ('{"kind": "Pod", "spec": {"initContainers": [{}, 3]}}', "object 1: spec.initContainers[1]: expected an object, got a number"),
        ('{"kind": "Pod", "status": {"containerStatuses": ["app"]}}', "object 1: status.containerStatuses[0]: expected an object, got a string"),
        ('{"kind": "Pod", "status": {"initContainerStatuses": true}}', "object 1: status.initContainerStatuses: expected a list, got a boolean"),
        ('{"kind": "Pod", "status": {"ephemeralContainerStatuses": [[]]}}', "object 1: status.ephemeralContainerStatuses[0]: expected an object, got a list"),
        ("kind: Pod\nmetadata:\n  name: 5\n", "object 1: metadata.name: expected a string, got a number"),
        ('{"type": "ADDED", "object": {"kind": "Pod", "status": []}}', "object 1: object.status: expected an object, got a list"),
        ('{"type": "ADDED", "object": 3}', "object 1: object: expected an object, got a number"),
        ("[" * 5000, "JSON value nested too deeply"),
        ("[1" + "0" * 5000 + "]", "invalid JSON value: Exceeds the limit (4300 digits) for integer string conversion"),
    ],
)
def test_shape_errors(source, message):
    assert first_error(source).message.startswith(message)


def test_unknown_kind_in_a_stream_names_kind_and_location():
    objs = [LIFECYCLE[0], LIFECYCLE[1], {"kind": "Service", "apiVersion": "v1", "metadata": {"name": "web"}, "spec": {}}]
    text = pretty_stream(objs)
    start = text.index('{\n    "kind": "Service"')
    line = text.count("\n", 0, start) + 1
    err = first_error(text, name="trace.json")
    assert err.message == "object 3 is kind 'Service', expected a Pod"
    assert str(err) == f"trace.json:{line}:1 (byte {start}): object 3 is kind 'Service', expected a Pod"
    assert err.expected == "a Pod"


@pytest.mark.parametrize("source", ["", "   \n\t\n", "# nothing here\n", "---\n---\n", b"", b"\xef\xbb\xbf", []])
def test_empty_input(source):
    err = first_error(source)
    assert err.message == "empty input: expected Pod objects"
    assert err.expected == "Pod objects"


def test_empty_containers_are_not_empty_input():
    assert observe("[]") == []
    assert observe('{"kind": "PodList", "apiVersion": "v1", "items": []}') == []
    assert observe('{"type": "BOOKMARK", "object": {"kind": "Pod", "metadata": {"resourceVersion": "5"}}}') == []


def test_unreadable_files(tmp_path):
    err = first_error(str(tmp_path / "missing.json"))
    assert err.message == f"cannot open {str(tmp_path / 'missing.json')!r}: No such file or directory"
    assert err.name == str(tmp_path / "missing.json") and err.line is None
    assert first_error("trace.json").message == "cannot open 'trace.json': No such file or directory"
    assert first_error(tmp_path).message.endswith("Is a directory")
    assert first_error(Path(tmp_path / "a\0b")).message.startswith("cannot open")
    if os.geteuid() != 0:
        locked = tmp_path / "locked.json"
        locked.write_text("[]")
        locked.chmod(0)
        assert first_error(locked).message.endswith("Permission denied")


def test_corrupt_gzip():
    data = gzip.compress(SAMPLES["jsonl"].encode())
    err = first_error(data[: len(data) // 2])
    assert err.message.startswith("cannot read input: Compressed file ended")
    assert first_error(b"\x1f\x8b\x08junk").message.startswith("cannot read input:")


def test_input_error_is_one_line_and_picklable():
    err = InputError("bad\n  thing", name="x.json", line=2, column=3, offset=10, expected="good")
    assert str(err) == "x.json:2:3 (byte 10): bad thing"
    clone = pickle.loads(pickle.dumps(err))
    assert (str(clone), clone.expected, clone.offset) == (str(err), "good", 10)
    assert str(InputError("oops")) == "<input>: oops"


def test_errors_after_good_observations_come_after_them():
    it = iter_observations(jsonl(LIFECYCLE) + "{oops}\n")
    assert [next(it).index for _ in range(3)] == [0, 1, 2]
    with pytest.raises(InputError) as info:
        next(it)
    assert info.value.line == 4


# ---------------------------------------------------------------------------------------------
# Real traces
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", TRACES, ids=[os.path.basename(p) for p in TRACES])
def test_real_traces_parse(path):
    with open(path, "rb") as handle:
        expected = json.load(handle)
        handle.seek(0)
        assert detect_format(handle.read(4096)) == "json-array"
    obs = observe(path)
    assert [o.pod for o in obs] == expected
    assert [o.index for o in obs] == list(range(len(expected)))
    offsets = [o.location.offset for o in obs]
    assert offsets == sorted(offsets) and all(o.location.name == path for o in obs)
    raw = Path(path).read_bytes()
    assert all(raw[o.location.offset : o.location.offset + 1] == b"{" for o in obs)
    assert parse_only(path, format="json-array") == len(expected)


def test_there_are_real_traces():
    assert len(TRACES) >= 8


# ---------------------------------------------------------------------------------------------
# Streaming
# ---------------------------------------------------------------------------------------------


def test_large_lazy_jsonl_generator_is_consumed_incrementally():
    total = 200_000
    produced = 0

    def lines():
        nonlocal produced
        for i in range(total):
            produced += 1
            yield json.dumps(small_pod(i), separators=(",", ":")) + "\n"

    it = iter_observations(lines())
    first = next(it)
    assert first.pod["metadata"]["name"] == "p0"
    assert produced < 10  # the first observation came long before the generator was exhausted
    count, lookahead = 1, 0
    for obs in it:
        count += 1
        lookahead = max(lookahead, produced - obs.index)
    assert count == total and obs.index == total - 1 and obs.location.line == total
    assert lookahead < 10


class CountingSource:
    """A binary file object producing a kubectl -w style stream lazily, counting what it hands out."""

    def __init__(self, n: int) -> None:
        self._objects = (json.dumps(small_pod(i), indent=2).encode() + b"\n" for i in range(n))
        self._pending = b""
        self.delivered = 0
        self.reads = 0

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        while len(self._pending) < size:
            chunk = next(self._objects, None)
            if chunk is None:
                break
            self._pending += chunk
        out, self._pending = self._pending[:size], self._pending[size:]
        self.delivered += len(out)
        return out


def test_file_like_source_is_read_in_bounded_chunks():
    source = CountingSource(50_000)
    max_ahead = 0
    count = 0
    for obs in iter_observations(source):
        count += 1
        max_ahead = max(max_ahead, source.delivered - obs.location.offset)
    assert count == 50_000
    assert source.reads > 50  # many small reads, not one big one
    assert max_ahead < 256 * 1024  # never more than a chunk or so ahead of the current object


def test_big_pod_list_is_streamed_item_by_item():
    produced = 0

    def chunks():
        nonlocal produced
        yield '{"apiVersion": "v1", "items": [\n'
        for i in range(20_000):
            produced += 1
            yield ("," if i else "") + json.dumps(small_pod(i)) + "\n"
        yield '], "kind": "PodList", "metadata": {"resourceVersion": "77"}}\n'

    it = iter_observations(chunks())
    assert next(it).location.line == 2
    assert produced < 10
    rest = list(it)
    assert len(rest) == 19_999 and rest[-1].location.line == 20_001


def test_pipe_yields_first_object_before_the_writer_finishes():
    read_fd, write_fd = os.pipe()
    first_seen = threading.Event()
    second_written = threading.Event()

    def writer():
        with os.fdopen(write_fd, "wb") as out:
            out.write(json.dumps(LIFECYCLE[0], indent=2).encode() + b"\n")
            out.flush()
            first_seen.wait(timeout=60)  # failsafe only: a blocking reader makes the assert below fail
            out.write(json.dumps(LIFECYCLE[1], indent=2).encode() + b"\n")
            second_written.set()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        with os.fdopen(read_fd, "rb") as pipe:
            it = iter_observations(pipe)
            first = next(it)
            assert not second_written.is_set()
            first_seen.set()
            assert first.pod == LIFECYCLE[0]
            assert [o.pod for o in it] == [LIFECYCLE[1]]
    finally:
        first_seen.set()
        thread.join()


# ---------------------------------------------------------------------------------------------
# Fuzzing: anything in, only observations or InputError out
# ---------------------------------------------------------------------------------------------

FUZZ_SEEDS = [s.encode() for s in SAMPLES.values()] + [
    gzip.compress(SAMPLES["jsonl"].encode()),
    SAMPLES["jsonl"].encode("utf-16"),
    json.dumps({"type": "ERROR", "object": status_object(410, "Expired", "gone")}).encode(),
    json.dumps({"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "items": [audit_event("delete", LIFECYCLE[0])]}).encode(),
    b"- kind: Pod\n  metadata: {name: a}\n- {type: ADDED, object: {kind: Pod}}\n",
]
TOKENS = [b"{", b"}", b"[", b"]", b",", b":", b'"', b"\\", b"\n", b"---\n", b"- ", b"!!python/object:os.system ",
          b"&a ", b"*a", b"\\u", b"\xff", b"\xe2\x82", b"\x00", b"null", b"1e999", b'"kind": "Service"', b"\t"]


@st.composite
def mutated_inputs(draw):
    data = bytearray(draw(st.sampled_from(FUZZ_SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "token"]))
        at = draw(st.integers(0, len(data)))
        if op == "truncate":
            del data[at:]
        elif op == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=6))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 20))]
        else:
            data[at:at] = draw(st.sampled_from(TOKENS))
    return bytes(data)


FUZZ_KEYS = st.sampled_from(["kind", "apiVersion", "metadata", "spec", "status", "items", "type", "object",
                             "responseObject", "auditID", "stage", "verb", "objectRef", "resource", "uid", "name",
                             "namespace", "containers", "initContainers", "containerStatuses", "raw_object"]) | st.text(max_size=4)
FUZZ_LEAVES = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
               | st.text(max_size=8)
               | st.sampled_from(["Pod", "List", "PodList", "Event", "EventList", "Status", "Service", "ADDED", "ERROR",
                                  "BOOKMARK", "DELETED", "audit.k8s.io/v1", "v1", "pods", "delete", "ResponseComplete"]))
JSON_VALUES = st.recursive(FUZZ_LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(FUZZ_KEYS, inner, max_size=5),
                           max_leaves=25)
FORMAT_CHOICES = st.sampled_from(("auto",) + FORMATS)


def only_input_errors(source, fmt="auto"):
    try:
        for obs in iter_observations(source, format=fmt):
            assert isinstance(obs, Observation) and isinstance(obs.pod, dict)
    except InputError as err:
        assert "\n" not in str(err) and err.name


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=300), fmt=FORMAT_CHOICES)
def test_fuzz_random_bytes(data, fmt):
    only_input_errors(data, fmt)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=mutated_inputs(), fmt=FORMAT_CHOICES)
def test_fuzz_mutated_valid_inputs(data, fmt):
    only_input_errors(data, fmt)
    only_input_errors(iter([data[: len(data) // 3], data[len(data) // 3 :]]), fmt)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=JSON_VALUES, fmt=FORMAT_CHOICES)
def test_fuzz_random_json_and_yaml_values(value, fmt):
    only_input_errors(json.dumps(value).encode(), fmt)
    only_input_errors((json.dumps(value) + "\n") * 2, fmt)
    only_input_errors(yaml.safe_dump(value).encode(), fmt)
    only_input_errors(yaml.safe_dump_all([value, value]).encode(), fmt)
    only_input_errors([value], fmt)
    if isinstance(value, (dict, list)):
        only_input_errors(value, fmt)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=mutated_inputs())
def test_fuzz_mutated_inputs_with_the_pure_python_yaml_loader(data):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(formats, "_Loader", formats._PyLoader)
        only_input_errors(data, "yaml")
        only_input_errors(data, "auto")
