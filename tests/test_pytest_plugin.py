"""The pytest plugin (entry point ``pytest11``): a sample test suite run with pytester."""

from __future__ import annotations

import json
from pathlib import Path

pytest_plugins = ["pytester"]

TRACES = Path(__file__).resolve().parents[1] / "examples" / "traces"

SUITE = '''
import json, pathlib
import pytest

TRACES = pathlib.Path({traces!r})

def load(name):
    return json.loads((TRACES / name).read_text())

class FakeCluster:
    """A fake kubelet that replays what some implementation produced."""
    def __init__(self, name):
        self.pods = load(name)
    def watch(self):
        for k, pod in enumerate(self.pods):
            yield {{"type": "ADDED" if k == 0 else "MODIFIED", "object": pod}}

def test_real_kubelet_is_fine(pod_recorder):
    for event in FakeCluster("kspan-kind-px-5f87d8856c-8f6bk.json").watch():
        pod_recorder.record(event)

def test_buggy_simulator_fails(pod_recorder):
    pod_recorder.record_all(load("kwok-general-two-init-containers.reconstructed.json"))

@pytest.mark.podmodel_expect_violation("init-order")
def test_known_bug_is_expected(pod_recorder):
    pod_recorder.record_all(load("kwok-general-two-init-containers.reconstructed.json"))

@pytest.mark.podmodel_expect_violation("init-order")
def test_expected_bug_missing_fails(pod_recorder):
    pod_recorder.record_all(load("kwok-general-deployment-pod.reconstructed.json"))

def test_verdict_can_be_asserted(pod_recorder):
    pod_recorder.record_all(load("kwok-fast-job-pod.reconstructed.json"))
    assert [v.id for v in pod_recorder.verdict().violations] == ["condition-inconsistent"] * 2
    pod_recorder.clear()   # seen and asserted: nothing left for the plugin to fail on

def test_without_the_fixture_nothing_is_checked():
    assert True
'''


def _suite(pytester):
    pytester.makepyfile(test_sample=SUITE.format(traces=str(TRACES)))


def test_plugin_fails_tests_whose_pods_break_the_lifecycle(pytester):
    _suite(pytester)
    result = pytester.runpytest("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=4, failed=2)
    out = result.stdout.str()
    assert "FAILED test_sample.py::test_buggy_simulator_fails" in out
    assert "FAILED test_sample.py::test_expected_bug_missing_fails" in out
    assert "podmodel: the recorded Pods break the Pod lifecycle" in out
    assert "init-order" in out and "init-2" in out   # the oracle's report, with the container
    assert "expected violations ['init-order'], the oracle found none" in out
    assert "ERROR" not in out                         # a failure of the test, not of its teardown


def test_plugin_records_traces_that_check_trace_reads(pytester, tmp_path):
    _suite(pytester)
    record = tmp_path / "rec"
    result = pytester.runpytest("-p", "no:cacheprovider", "-q", "--podmodel-record", str(record),
                                "-k", "buggy or real")
    result.assert_outcomes(passed=1, failed=1)
    files = sorted(p.name for p in record.glob("*.json"))
    assert files == ["test_sample.py_test_buggy_simulator_fails.json", "test_sample.py_test_real_kubelet_is_fine.json"]
    from podmodel.oracle.api import check_trace

    assert not check_trace(str(record / files[0])).ok and check_trace(str(record / files[1])).ok
    assert len(json.loads((record / files[1]).read_text())) == 4


def test_plugin_gates_option(pytester):
    _suite(pytester)
    result = pytester.runpytest("-p", "no:cacheprovider", "-q", "--podmodel-gates", "SidecarContainers=maybe", "-k", "real")
    assert result.ret != 0
    assert "--podmodel-gates: bad feature gate" in result.stderr.str() + result.stdout.str()


def test_plugin_watches_a_cluster(pytester, tmp_path):
    """``pod_recorder.watching(api_client)`` against the local API server of tests/apiserver.py."""
    from apiserver import FakeApiServer

    pods = json.loads((TRACES / "kwok-general-two-init-containers.reconstructed.json").read_text())
    lists = [[([pods[0]], None, "10")]]
    watches = [[{"type": "MODIFIED", "object": p} for p in pods[1:]]]
    with FakeApiServer(lists, watches) as api:
        cfg = api.kubeconfig(tmp_path)
        pytester.makepyfile(test_live=f'''
import time
from kubernetes import config

def test_workload(pod_recorder):
    client = config.new_client_from_config(config_file={str(cfg)!r})
    with pod_recorder.watching(client, namespace="test", timeout_seconds=2):
        deadline = time.monotonic() + 10
        while len(pod_recorder.observations) < {len(pods)} and time.monotonic() < deadline:
            time.sleep(0.05)
''')
        result = pytester.runpytest("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(failed=1)
    assert "init-order" in result.stdout.str()
