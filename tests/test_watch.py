"""``podmodel watch`` / ``check-trace --watch``: the real Kubernetes client against a local
HTTP server that serves recorded Pods the way the API server does (tests/apiserver.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from apiserver import FakeApiServer, bookmark, gone

from podmodel.cli import main
from podmodel.oracle.api import check_trace

TRACES = Path(__file__).resolve().parents[1] / "examples" / "traces"
A = json.loads((TRACES / "kspan-kind-px-5f87d8856c-8f6bk.json").read_text())          # legal, 4 objects
B = json.loads((TRACES / "kwok-general-two-init-containers.reconstructed.json").read_text())  # init-order at object 2
C = json.loads((TRACES / "kspan-kind-px-5f87d8856c-c29hj.json").read_text())          # legal; deleted unseen


def mod(obj):
    return {"type": "MODIFIED", "object": obj}


def script():
    lists = [
        [([A[0], C[0]], "more", "100"), ([B[0]], None, "100")],   # two pages
        [([A[3], B[1]], None, "200")],                            # after the ERROR 410: C is gone
        [([A[3], B[1]], None, "210")],                            # after the HTTP 410: nothing changed
    ]
    watches = [
        [mod(A[1]), bookmark("105")],           # the server ends the request; resume from the bookmark
        [mod(A[2]), gone("105")],               # events lost: list again
        410,                                    # the watch request itself answered 410 Gone
        [mod(B[2]), mod(B[3]), mod(B[4]), {"type": "DELETED", "object": A[3]}],
    ]
    return lists, watches


#: What the watcher reports, in order: (watch type, pod name, index in its trace).
EXPECTED = [("ADDED", A, 0), ("ADDED", C, 0), ("ADDED", B, 0), ("MODIFIED", A, 1), ("MODIFIED", A, 2),
            ("MODIFIED", A, 3), ("MODIFIED", B, 1), ("DELETED", C, 0),
            ("MODIFIED", B, 2), ("MODIFIED", B, 3), ("MODIFIED", B, 4), ("DELETED", A, 3)]


def _lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.mark.parametrize("command", [["watch"], ["check-trace", "--watch"]])
def test_watch_streams_verdicts_resumes_after_410_and_records(tmp_path, capsys, command):
    lists, watches = script()
    record = tmp_path / "seen.jsonl"
    with FakeApiServer(lists, watches) as api:
        code = main([*command, "--kubeconfig", str(api.kubeconfig(tmp_path)), "-l", "app=px", "--json",
                     "--record", str(record), "--max-events", str(len(EXPECTED)), "--request-timeout", "5"])
    assert code == 1
    lines = _lines(capsys.readouterr().out)
    assert all(d["format"] == "podmodel-watch" and d["version"] == 1 for d in lines)
    obs = [d for d in lines if d["event"] == "observation"]
    assert [(d["type"], d["name"], d["resourceVersion"]) for d in obs] == [
        (t, trace[k]["metadata"]["name"], trace[k]["metadata"].get("resourceVersion")) for t, trace, k in EXPECTED]
    bad = [(d["index"], v["id"]) for d in obs for v in d["violations"]]
    assert bad == [(8, "init-order")]  # the moment both init containers show running
    assert [d["event"] for d in lines].count("relist") == 2
    summary = lines[-1]
    assert summary["event"] == "summary" and summary["ok"] is False and summary["relists"] == 2
    assert summary["observations"] == len(EXPECTED) and summary["pods"] == 3

    # the requests: namespace from the kubeconfig context, paged list, watch from the right versions
    paths = {p for p, _ in api.requests}
    assert paths == {"/api/v1/namespaces/test/pods"}
    lists_q = [q for _, q in api.requests if "watch" not in q]
    assert [q.get("continue") for q in lists_q] == [None, ["p1"], None, None]
    assert all(q["labelSelector"] == ["app=px"] and q["limit"] == ["500"] for q in lists_q)
    wq = api.watch_queries()
    assert [q["resourceVersion"] for q in wq[:4]] == [["100"], ["105"], ["200"], ["210"]]
    assert all(q["allowWatchBookmarks"] == ["true"] and q["timeoutSeconds"] == ["5"] for q in wq)

    # --record: what was seen, which check-trace reads back with the same verdict
    events = [json.loads(line) for line in record.read_text().splitlines()]
    assert [e["type"] for e in events] == [t for t, _, _ in EXPECTED]
    verdict = check_trace(str(record))
    assert [(v.id, v.index) for v in verdict.violations] == [("init-order", 8)]


def test_watch_human_output_and_all_namespaces(tmp_path, capsys):
    lists = [[([A[0]], None, "100")]]
    watches = [[mod(A[1]), mod(A[2]), mod(A[3])]]
    with FakeApiServer(lists, watches) as api:
        code = main(["watch", "--kubeconfig", str(api.kubeconfig(tmp_path)), "-A", "--max-events", "4"])
    out = capsys.readouterr().out
    assert code == 0
    assert "LEGAL: 4 observations, 1 pod" in out and "VIOLATION" not in out
    assert {p for p, _ in api.requests} == {"/api/v1/pods"}


def test_watch_bad_configuration_is_one_line(tmp_path, capsys):
    bad = tmp_path / "kubeconfig"
    bad.write_text("clusters: [}")
    assert main(["watch", "--kubeconfig", str(bad), "--max-events", "1"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_watch_api_error_is_one_line(tmp_path, capsys):
    with FakeApiServer([], []) as api:
        cfg = api.kubeconfig(tmp_path)
        # a path the fake does not serve: ask for pods through a context whose server is wrong
        cfg.write_text(cfg.read_text().replace(f"127.0.0.1:{api.port}", f"127.0.0.1:{api.port}/nothing"))
        assert main(["watch", "--kubeconfig", str(cfg), "--max-events", "1"]) == 2
    err = capsys.readouterr().err
    assert "404" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_check_trace_watch_refuses_a_file(capsys):
    assert main(["check-trace", "x.json", "--watch"]) == 2
    assert "give no FILE" in capsys.readouterr().err
