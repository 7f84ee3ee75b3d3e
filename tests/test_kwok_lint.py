"""``podmodel lint-kwok`` on KWOK's own published stage sets (examples/kwok, copied from
kubernetes-sigs/kwok), and the Go-template and jq subsets it reads them with."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from podmodel.cli import main
from podmodel.oracle import gotemplate, jq
from podmodel.oracle.api import check_trace
from podmodel.oracle.kwok import _omitempty, lint, load_stages

ROOT = Path(__file__).resolve().parents[1]
KWOK = ROOT / "examples" / "kwok"
TRACES = ROOT / "examples" / "traces"


def _pod(name):
    return yaml.safe_load((KWOK / "pods" / f"{name}.yaml").read_text())


def _findings(stage_set, pod, **kw):
    result = lint(load_stages([KWOK / stage_set]), _pod(pod), **kw)
    assert result.complete
    return result, {(f.id, f.stage, f.message) for f in result.findings}


def test_both_stage_sets_load_completely():
    general, fast = load_stages([KWOK / "general"]), load_stages([KWOK / "fast"])
    assert sorted(s.name for s in general) == ["pod-complete", "pod-create", "pod-delete", "pod-init-container-completed",
                                               "pod-init-container-running", "pod-ready"]
    assert sorted(s.name for s in fast) == ["pod-complete", "pod-delete", "pod-ready"]
    assert not [s for s in general + fast if s.unsupported]


def test_general_running_pod_goes_back_to_container_creating():
    # pod-create selects pods without status.podIP; when KWOK's IP functions give "" the API
    # drops podIP, so pod-create matches again after pod-ready (kubernetes-sigs/kwok#1002)
    _, found = _findings("general", "pod")
    assert ("container-state-regressed", 'pod-create (IP functions returned "")',
            "container app went from running back to waiting(ContainerCreating) with no termination recorded and no restart: "
            "no sequence of hidden updates connects these observations") in found
    result, found = _findings("general", "pod", ip="address")
    assert not found and result.lifecycles > 1


def test_general_runs_init_containers_together():
    result, found = _findings("general", "two-init", ip="address")
    assert ("init-order", "pod-init-container-running",
            "init container init-2 is running while the earlier init container init-1 is running") in found
    f = next(f for f in result.findings if f.id == "init-order")
    assert f.path == ["pod-create", "pod-init-container-running"] and f.source.endswith("pod-init-container-running.yaml")


@pytest.mark.parametrize("stage_set", ["general", "fast"])
def test_succeeded_pod_keeps_ready_true(stage_set):
    _, found = _findings(stage_set, "job", ip="address")
    assert ("condition-inconsistent", "pod-complete", "Ready=True in phase Succeeded") in found


def test_incomplete_status_on_completion():
    # general: pod-init-container-completed terminates every init container, the sidecar too,
    # and says Initialized=True while the sidecar's status is not started
    _, found = _findings("general", "sidecar-job", ip="address")
    assert ("condition-inconsistent", "pod-init-container-completed",
            "Initialized=True but containers with incomplete status: [proxy]") in found
    # fast: pod-complete writes only containerStatuses, leaving the sidecar running in a Succeeded pod
    _, found = _findings("fast", "sidecar-job", ip="address")
    assert any(i == "phase-inconsistent" and s == "pod-complete" and "proxy=running" in m for i, s, m in found)


def test_fast_stages_on_a_long_running_pod_are_fine():
    result, found = _findings("fast", "pod")
    assert not found and result.lifecycles >= 2


@pytest.mark.parametrize("trace,stage_set,pod", [
    ("kwok-general-job-pod.reconstructed.json", "general", "job"),
    ("kwok-fast-job-pod.reconstructed.json", "fast", "job"),
])
def test_simulation_reproduces_the_reconstructed_traces(trace, stage_set, pod):
    """The traces rebuilt by hand from the same stage files (examples/traces/README.md) are
    lifecycles the simulation finds, up to times and the fields the API drops when empty."""
    recorded = json.loads((TRACES / trace).read_text())
    meta = recorded[0]["metadata"]
    manifest = {"kind": "Pod", "metadata": {k: meta[k] for k in ("name", "namespace", "ownerReferences")},
                "spec": recorded[0]["spec"]}
    result = lint(load_stages([KWOK / stage_set]), manifest, ip="address", deletes=False)
    done = next(f for f in result.findings if f.stage == "pod-complete" and f.id == "condition-inconsistent")

    def status(p):
        drop = ("lastTransitionTime", "lastProbeTime", "startedAt", "finishedAt", "startTime")

        def strip(v):
            if isinstance(v, dict):
                return {k: strip(x) for k, x in v.items() if k not in drop}
            return [strip(x) for x in v] if isinstance(v, list) else v
        return _omitempty(strip(p["status"]))

    assert [status(p) for p in done.pods] == [status(p) for p in recorded]


def _stage(tmp_path, template=None, **spec):
    doc = {"apiVersion": "kwok.x-k8s.io/v1alpha1", "kind": "Stage", "metadata": {"name": "custom"},
           "spec": {"resourceRef": {"apiGroup": "v1", "kind": "Pod"},
                    "selector": spec.pop("selector", {"matchExpressions": [
                        {"key": ".status.phase", "operator": "In", "values": ["Pending"]}]}),
                    "next": {"statusTemplate": template} if template else {}, **spec}}
    path = tmp_path / "stage.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.mark.parametrize("template,spec,why", [
    ("phase: {{ printf \"%s\" \"Running\" }}", {}, "function printf is not supported"),
    ("phase: {{ template \"x\" }}", {}, "template is not supported"),
    (None, {"selector": {"matchExpressions": [{"key": ".status | length", "operator": "Exists"}]}}, "is not supported"),
    (None, {"selector": {"matchExpressions": [{"expression": "self.status.phase == 'Pending'"}]}}, "CEL"),
])
def test_unsupported_stages_are_reported_never_misread(tmp_path, capsys, template, spec, why):
    path = _stage(tmp_path, template, **spec)
    assert main(["lint-kwok", str(path), "--json"]) == 3
    doc = json.loads(capsys.readouterr().out)
    assert doc["format"] == "podmodel-lint-kwok" and doc["version"] == 1
    assert doc["complete"] is False and doc["ok"] is False
    assert any(why in u for u in doc["stages"][0]["unsupported"])


def test_a_stage_whose_template_fails_is_reported(tmp_path, capsys):
    path = _stage(tmp_path, "phase: {{ index .spec.containers 5 }}")
    assert main(["lint-kwok", str(path)]) == 0
    out = capsys.readouterr().out
    assert "stage custom" in out and "index out of range: 5" in out


def test_cli_writes_traces_that_check_trace_flags(tmp_path, capsys):
    out = tmp_path / "traces"
    code = main(["lint-kwok", str(KWOK / "general"), "--pod", str(KWOK / "pods" / "two-init.yaml"), "--ip", "address",
                 "--write-traces", str(out)])
    assert code == 1
    text = capsys.readouterr().out
    assert "VIOLATION init-order by stage pod-init-container-running" in text and "ILLEGAL" in text
    files = sorted(out.glob("*init-order*.json"))
    assert files and {v.id for v in check_trace(str(files[0])).violations} >= {"init-order"}


@pytest.mark.parametrize("argv,message", [
    (["lint-kwok", "nothing-here.yaml"], "no such file"),
    (["lint-kwok", "examples/kwok/pods/pod.yaml"], "no Pod Stage resources"),
])
def test_cli_bad_input_is_one_line(capsys, argv, message):
    assert main([argv[0], str(ROOT / argv[1])]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


# ----------------------------------------------------------------------- the subsets
@pytest.mark.parametrize("src,data,out", [
    ("{{ if .a }}A{{ else if .b }}B{{ else }}C{{ end }}", {"b": 1}, "B"),
    ("{{ with .x }}{{ . }}{{ else }}none{{ end }}", {}, "none"),
    ("{{ range $i, $c := .l }}{{ $i }}={{ $c.n }};{{ end }}", {"l": [{"n": "a"}, {"n": "b"}]}, "0=a;1=b;"),
    ("{{ $r := . }}{{ range .l }}{{ $r.k }}{{ end }}", {"l": [1, 2], "k": "x"}, "xx"),
    ("{{ .missing }}", {}, "<no value>"),
    ("{{ .a | Quote }} {{ .n | Quote }} {{ .t | Quote }}", {"a": "s", "n": 3, "t": True}, '"s" "3" "true"'),
    ("{{ or .h false }}", {}, "false"),
    ("{{ index .l 1 }}", {"l": ["a", "b"]}, "b"),
    ("a  {{- 1 -}}  b", {}, "a1b"),
    ("{{/* comment */}}x", {}, "x"),
])
def test_go_template_subset(src, data, out):
    assert gotemplate.render(src, data) == out


@pytest.mark.parametrize("src,error", [
    ("{{ index .l 3 }}", "index out of range"),
    ("{{ .a.b }}", "nil pointer"),
    ("{{ if .a }}", "missing end"),
])
def test_go_template_errors_as_go(src, error):
    with pytest.raises(gotemplate.TemplateError, match=error):
        gotemplate.render(src, {"l": [1]})


@pytest.mark.parametrize("query,data,out", [
    (".a.b", {"a": {"b": 1}}, [1]),
    (".a.b", {}, []),
    ('.a["x/y"]', {"a": {"x/y": "v"}}, ["v"]),
    (".l.[].n", {"l": [{"n": 1}, {}, {"n": 2}]}, [1, 2]),
    (".l[].n", {"l": [{"n": 1}]}, [1]),
    (".l.[].n", {}, []),                       # iterating null is an error: no results
    (".a.b", {"a": [1]}, []),                  # indexing a list by name is an error
    ('.l.[] | select( .t == "R" ) | .s', {"l": [{"t": "R", "s": "T"}, {"t": "Q", "s": "F"}]}, ["T"]),
])
def test_jq_subset(query, data, out):
    assert jq.run(query, data) == out
