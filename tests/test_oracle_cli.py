"""``podmodel check-trace``: exit codes, the report, ``--json``, ``--format``, ``--gates``,
``--coverage``, ``--jobs``, and a Hypothesis fuzz of malformed input (never a traceback)."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import io
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_oracle_builder import PodSim, deployment_pod_lifecycle

from podmodel.cli import check_trace as cmd
from podmodel.oracle import check_trace
from podmodel.oracle.formats import InputError

ROOT = Path(__file__).resolve().parent.parent
TMP = Path(tempfile.mkdtemp(prefix="podmodel-oracle-cli-"))
atexit.register(shutil.rmtree, TMP, ignore_errors=True)


def illegal_trace() -> list[dict]:
    p = PodSim("worker", restart_policy="Never", containers=("app", "helper")).start_kubelet()
    p.running("app").running("helper").phase("Running")
    return [p.obs(), p.terminated("app", 1).obs(), p.running("app").obs()]


def write(name: str, text: str | bytes) -> str:
    path = TMP / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return str(path)


def cli(*argv: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    """Run ``podmodel check-trace`` in-process through the package's dispatcher."""
    from podmodel.cli import main

    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    if stdin is not None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin))
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main(["check-trace", *argv])
    finally:
        sys.stdin = old_stdin
    return rc, out.getvalue(), err.getvalue()


def assert_clean_error(rc: int, err: str) -> None:
    assert rc == 2
    assert err.startswith("podmodel check-trace: error: ")
    assert "Traceback" not in err and "internal error" not in err
    assert len(err.strip().splitlines()) == 1


# -- exit codes and report -------------------------------------------------------------------------
def test_legal_trace_exits_0():
    rc, out, err = cli(write("legal.json", json.dumps(deployment_pod_lifecycle())))
    assert rc == 0 and err == ""
    assert "legal, 4 observations" in out and out.strip().endswith("LEGAL: 4 observations, 1 pod")


def test_illegal_trace_exits_1_with_side_by_side():
    rc, out, _ = cli(write("illegal.json", json.dumps(illegal_trace())))
    assert rc == 1
    assert "VIOLATION" in out and "#2 restart-forbidden: container app restarted" in out
    assert "#1 (before)" in out and "* app.restartCount" in out and "source:" in out
    assert "ILLEGAL: 3 observations, 1 pod, 1 violation in 1 pod" in out


def test_further_violations_are_counted():
    t = illegal_trace()
    t.append(json.loads(json.dumps(t[-1])))
    t[-1]["spec"]["nodeName"] = "node-7"
    rc, out, _ = cli(write("more.json", json.dumps(t)))
    assert rc == 1 and "and 1 more violation in this pod" in out


def test_quiet_shows_only_bad_pods():
    t = deployment_pod_lifecycle("good") + illegal_trace()
    rc, out, _ = cli(write("mixed.json", json.dumps(t)), "-q")
    assert rc == 1 and "good" not in out and "worker" in out


@pytest.mark.parametrize("text,where", [
    ('[{"kind": "Pod", "metadata": {"name": "a"}}, {"kind": ', ":1:"),
    ('{"kind": "Pod", "metadata": {"name": "a"}}\n{"kind": "Pod", "metadata": ["x"]}\n', ":2:"),
    ("", ":1:1"),
    ("- just\n- a\n- list\n", ""),
    ('{"kind": "Service", "metadata": {"name": "a"}, "spec": {}}', ":1:1"),
])
def test_unusable_input_exits_2_with_location(text, where):
    path = write("bad.txt", text)
    rc, out, err = cli(path)
    assert_clean_error(rc, err)
    assert path in err and where in err and out == ""


def test_missing_file_and_bad_options_exit_2():
    rc, _, err = cli(str(TMP / "nope.json"))
    assert_clean_error(rc, err)
    assert "cannot open" in err
    good = write("g.json", json.dumps(deployment_pod_lifecycle()))
    rc, _, err = cli(good, "--gates", "ContainerRestartRules=maybe")
    assert_clean_error(rc, err)
    rc, _, err = cli(good, "--jobs", "0")
    assert_clean_error(rc, err)


def test_invalid_pod_spec_is_an_invalid_object():
    t = deployment_pod_lifecycle()
    t[1]["spec"]["containers"][0]["restartPolicy"] = "Sometimes"
    rc, out, err = cli(write("spec.json", json.dumps(t)))
    assert rc == 1 and not err
    assert "invalid-object" in out and "spec.containers[0].restartPolicy" in out


def test_stdin():
    rc, out, _ = cli("-", stdin=json.dumps(illegal_trace()).encode())
    assert rc == 1 and "restart-forbidden" in out
    rc, _, err = cli("-", stdin=b'{"kind": "Pod", "metadata": ')
    assert_clean_error(rc, err)
    assert "<stdin>:1:" in err


# -- --json ----------------------------------------------------------------------------------------
def test_json_shape_matches_the_api():
    trace = illegal_trace()
    rc, out, _ = cli(write("j.json", json.dumps(trace)), "--json")
    doc = json.loads(out)
    assert rc == 1
    assert list(doc) == ["format", "version", "ok", "observations", "pods", "violations"]
    assert doc["ok"] is False and doc["observations"] == 3 and doc["pods"] == 1
    assert doc["violations"] == check_trace(trace).to_dict()["violations"]
    assert doc["violations"][0]["id"] == "restart-forbidden" and doc["violations"][0]["index"] == 2


def test_json_error_document():
    rc, out, err = cli(write("je.json", '[{"kind": "Pod"'), "--json")
    assert_clean_error(rc, err)
    doc = json.loads(out)
    assert doc["ok"] is None and doc["error"]["line"] == 1 and doc["error"]["offset"] is not None


# -- --format --------------------------------------------------------------------------------------
def _encodings(trace: list[dict]) -> dict[str, str]:
    events = [{"type": "ADDED" if i == 0 else "MODIFIED", "object": p} for i, p in enumerate(trace)]
    audit = [{"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "RequestResponse", "auditID": f"a{i}",
              "stage": "ResponseComplete", "verb": "patch", "user": {"username": "system:node:node-1"},
              "objectRef": {"resource": "pods", "subresource": "status", "namespace": "default", "name": p["metadata"]["name"]},
              "responseObject": p, "stageTimestamp": f"2024-05-01T12:00:0{i}.000000Z"} for i, p in enumerate(trace)]
    return {
        "json-array": json.dumps(trace, indent=1),
        "jsonl": "\n".join(json.dumps(p) for p in trace) + "\n",
        "json-stream": "".join(json.dumps(p, indent=4) + "\n" for p in trace),  # kubectl get pods -w -o json
        "watch": "\n".join(json.dumps(e) for e in events) + "\n",
        "list": json.dumps({"apiVersion": "v1", "kind": "List", "items": trace}),
        "yaml": yaml.safe_dump_all(trace),
        "audit": "\n".join(json.dumps(a) for a in audit) + "\n",
    }


@pytest.mark.parametrize("fmt", ["json-array", "jsonl", "json-stream", "watch", "list", "yaml", "audit"])
def test_every_format_auto_and_forced(fmt):
    trace = illegal_trace()
    path = write(f"t.{fmt}", _encodings(trace)[fmt])
    want = [(v["id"], v["index"]) for v in check_trace(trace).to_dict()["violations"]]
    for args in ((), ("--format", fmt)):
        rc, out, err = cli(path, "--json", *args)
        assert rc == 1, err
        assert [(v["id"], v["index"]) for v in json.loads(out)["violations"]] == want


def test_forced_wrong_format_is_an_error():
    path = write("w.jsonl", _encodings(illegal_trace())["jsonl"])
    rc, _, err = cli(path, "--format", "watch")
    assert_clean_error(rc, err)


# -- --gates, --coverage, --jobs -------------------------------------------------------------------
def test_gates_change_the_verdict():
    p = PodSim("web", containers=("app", "oneshot"), container_fields={"oneshot": {"restartPolicy": "Never"}}).start_kubelet()
    p.running("app").running("oneshot").phase("Running")
    path = write("gates.json", json.dumps([p.obs(), p.terminated("oneshot", 0).obs(), p.running("oneshot").obs()]))
    assert cli(path)[0] == 1
    assert cli(path, "--gates", "ContainerRestartRules=false")[0] == 0


def test_coverage_human_and_json():
    path = write("cov.json", json.dumps(deployment_pod_lifecycle("a") + deployment_pod_lifecycle("b")))
    rc, out, _ = cli(path, "--coverage")
    assert rc == 0 and "coverage (all pods" in out and "2  phase.start: Pending->Running" in out
    rc, out, _ = cli(path, "--coverage", "--json")
    doc = json.loads(out)
    assert doc["coverage"]["total"]["phase.start: Pending->Running"] == 2
    assert [p["name"] for p in doc["coverage"]["pods"]] == ["a", "b"]
    assert all(p["items"]["binding.bind: Unbound->Bound"] == 1 for p in doc["coverage"]["pods"])


def test_jobs_give_the_same_verdict():
    trace = []
    for i in range(6):
        trace += illegal_trace() if i % 2 else deployment_pod_lifecycle(f"p{i}")
    path = write("jobs.jsonl", "\n".join(json.dumps(p) for p in trace) + "\n")
    one = json.loads(cli(path, "--json")[1])
    two = json.loads(cli(path, "--json", "--jobs", "2")[1])
    assert one == two and one["ok"] is False
    rc, _, err = cli(write("jobs-bad.jsonl", "\n".join(json.dumps(p) for p in trace[:3]) + '\n{"kind": "Pod", '), "--jobs", "2")
    assert_clean_error(rc, err)
    assert "jobs-bad.jsonl:4:" in err


def test_run_with_own_parser_namespace():
    parser = argparse.ArgumentParser()
    cmd.add_parser(parser.add_subparsers())
    args = parser.parse_args(["check-trace", write("own.json", json.dumps(deployment_pod_lifecycle())), "--json"])
    with contextlib.redirect_stdout(io.StringIO()) as out:
        assert cmd.run(args) == 0
    assert json.loads(out.getvalue())["ok"] is True


def test_python_dash_m():
    path = write("m.json", json.dumps(illegal_trace()))
    r = subprocess.run([sys.executable, "-m", "podmodel", "check-trace", path, "--json"], capture_output=True, text=True,
                       cwd=ROOT, timeout=60)
    assert r.returncode == 1 and json.loads(r.stdout)["violations"][0]["id"] == "restart-forbidden"
    r = subprocess.run([sys.executable, "-m", "podmodel", "check-trace", write("m2.json", "[1, 2")], capture_output=True,
                       text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "m2.json:1:" in r.stderr


# -- fuzz: malformed input never gives a traceback ---------------------------------------------------
VALID = _encodings(illegal_trace())

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)

#: places in a Pod where a wrong value hurts most
PATHS = [
    ("metadata",), ("metadata", "uid"), ("metadata", "name"), ("metadata", "deletionTimestamp"),
    ("metadata", "deletionGracePeriodSeconds"), ("metadata", "annotations"), ("spec",), ("spec", "containers"),
    ("spec", "containers", 0), ("spec", "containers", 0, "name"), ("spec", "containers", 0, "restartPolicy"),
    ("spec", "containers", 0, "restartPolicyRules"), ("spec", "restartPolicy"), ("spec", "nodeName"),
    ("spec", "initContainers"), ("spec", "ephemeralContainers"), ("spec", "readinessGates"),
    ("spec", "activeDeadlineSeconds"), ("status",), ("status", "phase"), ("status", "reason"), ("status", "conditions"),
    ("status", "conditions", 0), ("status", "conditions", 0, "status"), ("status", "containerStatuses"),
    ("status", "containerStatuses", 0), ("status", "containerStatuses", 0, "state"),
    ("status", "containerStatuses", 0, "state", "terminated"), ("status", "containerStatuses", 0, "lastState"),
    ("status", "containerStatuses", 0, "restartCount"), ("status", "containerStatuses", 0, "name"),
    ("status", "containerStatuses", 0, "ready"), ("status", "containerStatuses", 0, "containerID"),
    ("status", "initContainerStatuses"), ("status", "ephemeralContainerStatuses"),
]


def _set(obj, path, value):
    for key in path[:-1]:
        if isinstance(obj, dict) and isinstance(key, str):
            obj = obj.setdefault(key, {})
        elif isinstance(obj, list) and isinstance(key, int) and key < len(obj):
            obj = obj[key]
        else:
            return
    last = path[-1]
    if isinstance(obj, dict) and isinstance(last, str):
        obj[last] = value
    elif isinstance(obj, list) and isinstance(last, int) and last < len(obj):
        obj[last] = value


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 2), st.sampled_from(PATHS), json_values), min_size=1, max_size=4))
def test_fuzz_wrong_types_in_pods_api(edits):
    trace = illegal_trace()
    for i, path, value in edits:
        _set(trace[i], path, value)
    try:
        verdict = check_trace(trace, coverage=True)
    except InputError as e:
        assert str(e)
    else:
        assert isinstance(verdict.ok, bool)


@st.composite
def mangled(draw):
    fmt = draw(st.sampled_from(sorted(VALID)))
    data = VALID[fmt].encode()
    op = draw(st.sampled_from(["truncate", "insert", "delete", "replace", "garbage", "wrap"]))
    if op == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    elif op == "insert":
        i = draw(st.integers(0, len(data)))
        data = data[:i] + draw(st.sampled_from([b"{", b"}", b"[", b"]", b",", b":", b'"', b"\n", b"\x00", b"\xff", b"- ", b"!!python/object:os.system", b"*a", b"&a", b"1e999", b"NaN"])) + data[i:]
    elif op == "delete":
        i = draw(st.integers(0, len(data)))
        data = data[:i] + data[i + draw(st.integers(1, 40)):]
    elif op == "replace":
        i = draw(st.integers(0, max(0, len(data) - 1)))
        data = data[:i] + draw(st.binary(min_size=1, max_size=4)) + data[i + 1:]
    elif op == "garbage":
        data = draw(st.binary(max_size=64)) if draw(st.booleans()) else draw(st.text(max_size=64)).encode()
    else:
        value = draw(json_values)
        data = json.dumps(value).encode() if draw(st.booleans()) else yaml.safe_dump(value).encode()
    return fmt, data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mangled(), st.booleans())
def test_fuzz_cli_never_tracebacks(case, force):
    fmt, data = case
    path = write("fuzz.bin", data)
    args = [path, "--json"] + (["--format", fmt] if force else [])
    rc, out, err = cli(*args)
    assert rc in (0, 1, 2)
    if rc == 2:
        assert_clean_error(rc, err)
        assert json.loads(out)["ok"] is None
    else:
        assert err == "" and isinstance(json.loads(out)["ok"], bool)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 2), st.sampled_from(PATHS), json_values), min_size=1, max_size=4),
       st.booleans(), st.sampled_from(["json-array", "jsonl", "yaml"]))
def test_fuzz_cli_wrong_types_human_report(edits, as_json, fmt):
    trace = illegal_trace()
    for i, path, value in edits:
        _set(trace[i], path, value)
    try:
        text = {"json-array": lambda: json.dumps(trace), "jsonl": lambda: "\n".join(json.dumps(p) for p in trace),
                "yaml": lambda: yaml.safe_dump_all(trace)}[fmt]()
    except (ValueError, yaml.YAMLError):  # e.g. values YAML cannot write: nothing to test
        return
    rc, out, err = cli(write("fuzz2.txt", text), "--coverage", *(["--json"] if as_json else []))
    assert rc in (0, 1, 2)
    if rc == 2:
        assert_clean_error(rc, err)
    else:
        assert err == "" and ("LEGAL" in out or "ILLEGAL" in out or as_json)


def test_progress_on_stderr_when_asked(monkeypatch):
    monkeypatch.setattr(cmd, "PROGRESS_EVERY", 2)
    path = write("prog.json", json.dumps(deployment_pod_lifecycle()))
    rc, _, err = cli(path, "--progress")
    assert rc == 0 and "4 observations, 1 live pods, 0 violations" in err
    rc, _, err = cli(path)
    assert rc == 0 and err == ""  # stderr is not a terminal here


def test_kubectl_output_watch_events_ends_pods():
    # kubectl get pods -w -o json --output-watch-events: pretty watch events back to back
    p = PodSim("w", restart_policy="Never").up()
    events = [p.obs("ADDED"), p.terminated("app", 1).phase("Failed").obs("MODIFIED"), p.obs("DELETED")]
    path = write("owe.json", "".join(json.dumps(e, indent=4) + "\n" for e in events))
    rc, out, _ = cli(path)
    assert rc == 0 and "legal, 3 observations (#0..#2), deleted" in out
