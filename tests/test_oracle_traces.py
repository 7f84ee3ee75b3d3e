"""The recorded and simulator traces of ``examples/traces`` get the verdicts their README gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from podmodel.oracle import check_trace

#: In the repository (package data: ``podmodel/specs/traces``); never skipped.
TRACES = Path(__file__).resolve().parents[1] / "examples" / "traces"

#: file -> expected (id, index) list; ids and indices exactly as traces/README.md says.
EXPECTED = {
    "kspan-kind-px-5f87d8856c-8f6bk.json": [],
    "kspan-kind-px-5f87d8856c-c29hj.json": [],
    "khi-gke-audit-nginx-deployment-surge-xf5f4.json": [],
    "kwok-general-deployment-pod.reconstructed.json": [],
    "kwok-general-deployment-pod-deleted.reconstructed.json": [],
    # Succeeded with Ready/ContainersReady True, and the terminated container ready=true
    "kwok-general-job-pod.reconstructed.json": [("condition-inconsistent", 3)] * 3,
    # both init containers running at once (object 3)
    "kwok-general-two-init-containers.reconstructed.json": [("init-order", 2)],
    # Succeeded with Ready/ContainersReady True (last object)
    "kwok-fast-job-pod.reconstructed.json": [("condition-inconsistent", 2)] * 2,
}



def test_every_bundled_trace_has_an_expected_verdict():
    assert sorted(p.name for p in TRACES.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_trace_verdict_matches_readme(name):
    verdict = check_trace(str(TRACES / name))
    assert verdict.ids() == EXPECTED[name], "\n".join(map(str, verdict.violations))
    assert verdict.ok == (not EXPECTED[name])


def test_every_trace_file_has_an_expected_verdict():
    assert sorted(p.name for p in TRACES.glob("*.json")) == sorted(EXPECTED)


def test_kwok_job_violations_name_the_fields():
    v = check_trace(str(TRACES / "kwok-general-job-pod.reconstructed.json"))
    assert {x.field for x in v.violations} == {
        "status.conditions[Ready]", "status.conditions[ContainersReady]", "status.containerStatuses[container].ready"}
    assert all(x.uid == "kwok-pod-general-job" and x.name == "pod-general-job" for x in v.violations)


def test_kwok_two_init_names_the_second_init_container():
    (v,) = check_trace(str(TRACES / "kwok-general-two-init-containers.reconstructed.json")).violations
    assert (v.container, v.field, v.expected, v.actual) == ("init-2", "status.initContainerStatuses[init-2].state", "waiting", "running")
    assert "init_container.go" in v.source


def test_all_traces_interleaved_keep_their_verdicts():
    """Concatenated and interleaved (round robin), each pod keeps its own verdict."""
    traces = {name: json.loads((TRACES / name).read_text()) for name in sorted(EXPECTED)}
    # the two deployment-pod kwok files share a uid (same pod, one is a prefix of the other): keep one
    traces.pop("kwok-general-deployment-pod.reconstructed.json")
    merged, where = [], []
    queues = {k: list(enumerate(v)) for k, v in traces.items()}
    while any(queues.values()):
        for name, q in queues.items():
            if q:
                i, obj = q.pop(0)
                where.append((name, i))
                merged.append(obj)
    got = [(where[v.index][0], v.id, where[v.index][1]) for v in check_trace(merged).violations]
    want = [(name, vid, i) for name, exp in EXPECTED.items() if name in traces for vid, i in exp]
    assert sorted(got) == sorted(want)


def test_coverage_of_the_real_traces():
    v = check_trace(str(TRACES / "kspan-kind-px-5f87d8856c-8f6bk.json"), coverage=True)
    assert v.coverage is not None
    assert {"phase.start: Pending->Running", "binding.bind: Unbound->Bound", "Ready.set_true: False->True",
            "Initialized.set_true: False->True", "phase: first seen Pending", "binding: first seen Unbound"} <= set(v.coverage)
    # the container went waiting -> ready between two snapshots: start, auto_started and auto_ready unobserved
    assert "container[app]: Waiting(ContainerCreating)->Ready (unobserved steps)" in v.coverage
