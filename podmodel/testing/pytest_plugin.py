"""pytest plugin: check the Pods your test's cluster produced against the model.

Installed with podmodel (entry point ``pytest11``), it adds the fixture ``pod_recorder``.
Feed it the Pod objects your kubelet, virtual-kubelet provider, simulator or fake client
produced -- dicts or kubernetes-client ``V1Pod`` objects, watch events, in the order they
were seen -- and the test fails with the oracle's report if any pod did something no
kubelet would do::

    def test_my_kubelet_runs_a_job(pod_recorder, cluster):
        for event in cluster.watch_pods(namespace="test"):
            pod_recorder.record(event)          # a Pod, or a watch event {"type", "object"}
        ...

    def test_against_kwok(pod_recorder, kube_client):
        with pod_recorder.watching(kube_client, namespace="test"):   # a real or KWOK cluster
            run_the_workload()

The check runs when the test body returns (a violation fails the test itself, not its
teardown); ``pod_recorder.verdict()`` checks earlier, e.g. to assert on it.  Options:
``--podmodel-gates NAME=BOOL,...`` (feature gates), ``--podmodel-record DIR`` (save each
test's observations as ``DIR/<test>.json``, a file ``podmodel check-trace`` reads).
``@pytest.mark.podmodel_expect_violation("init-order")`` inverts the check for tests of a
deliberately broken implementation.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

#: Key in ``item.stash`` under which the recorder of a test is kept.
_KEY = pytest.StashKey["PodRecorder"]()


def pytest_addoption(parser) -> None:
    group = parser.getgroup("podmodel", "check recorded Pods against the Kubernetes Pod lifecycle model")
    group.addoption("--podmodel-gates", default="", metavar="NAME=BOOL,...",
                    help="feature gates for the oracle (default: Kubernetes 1.35's)")
    group.addoption("--podmodel-record", default=None, metavar="DIR",
                    help="save each test's recorded Pod observations as DIR/<test>.json")


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "podmodel_expect_violation(*ids): the recorded Pods must show these "
                                       "violations (a test of a deliberately broken implementation)")


class PodRecorder:
    """What a test's cluster showed: Pod objects and watch events, in order."""

    def __init__(self, feature_gates: dict[str, bool] | None = None) -> None:
        self.observations: list[Any] = []
        self.feature_gates = feature_gates
        self._lock = threading.Lock()
        self._verdict = None

    def record(self, obj: Any) -> None:
        """One Pod (dict or ``V1Pod``) or one watch event (``{"type", "object"}``)."""
        if hasattr(obj, "to_dict") and not isinstance(obj, dict):
            from podmodel.oracle.live import pod_to_api_dict

            obj = pod_to_api_dict(obj)
        with self._lock:
            self.observations.append(obj)
            self._verdict = None

    def clear(self) -> None:
        """Forget what was recorded (e.g. after asserting on `verdict` yourself)."""
        with self._lock:
            self.observations.clear()
            self._verdict = None

    def record_all(self, objs: Iterable[Any]) -> None:
        for obj in objs:
            self.record(obj)

    @contextlib.contextmanager
    def watching(self, api_client: Any = None, *, namespace: str | None = None, label_selector: str | None = None,
                 timeout_seconds: int = 5) -> Iterator[PodRecorder]:
        """Record every Pod update a live cluster (real or KWOK) shows while the block runs.

        ``api_client`` is a ``kubernetes.client.ApiClient`` (default: from the kubeconfig).
        """
        from podmodel.oracle.live import PodWatcher

        watcher = PodWatcher(api_client, namespace=namespace, label_selector=label_selector,
                             timeout_seconds=timeout_seconds)
        def pump() -> None:
            try:
                for event in watcher.events():
                    self.record(event)
            except Exception:  # noqa: BLE001 - kept in watcher.error, raised below
                pass

        thread = threading.Thread(target=pump, daemon=True)
        thread.start()
        watcher.wait_listed()
        try:
            yield self
        finally:
            watcher.stop()
            thread.join(timeout_seconds + 5)
            if watcher.error is not None:
                raise watcher.error

    def verdict(self):
        """The oracle's `~podmodel.oracle.verdict.Verdict` on what was recorded so far."""
        from podmodel.oracle.api import check_trace
        from podmodel.oracle.verdict import Verdict

        with self._lock:
            if self._verdict is None:
                self._verdict = (check_trace(list(self.observations), feature_gates=self.feature_gates)
                                 if self.observations else Verdict(violations=[]))
            return self._verdict

    def report(self) -> str:
        """The oracle's report, as ``podmodel check-trace`` prints it."""
        from podmodel.oracle.report import render_pod, render_summary

        v = self.verdict()
        lines = [render_pod(p) for p in v.pods if p.violations]
        lines.append(render_summary(v, len(v.pods), sum(1 for p in v.pods if p.violations)))
        return "\n".join(lines)


@pytest.fixture
def pod_recorder(request) -> PodRecorder:
    """Record the Pods a test's cluster produced; the test fails if the oracle finds a violation."""
    from podmodel.model.gates import parse_gates

    text = request.config.getoption("--podmodel-gates")
    try:
        gates = parse_gates(text) if text else None
    except (ValueError, TypeError) as e:
        raise pytest.UsageError(f"--podmodel-gates: {e}") from None
    recorder = PodRecorder(gates)
    request.node.stash[_KEY] = recorder
    return recorder


def _save(item, recorder: PodRecorder) -> None:
    where = item.config.getoption("--podmodel-record")
    if not where:
        return
    directory = Path(where)
    directory.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid).strip("_")
    (directory / f"{name}.json").write_text(json.dumps(recorder.observations, indent=1, default=str) + "\n")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item) -> Iterator[None]:
    result = yield
    recorder = item.stash.get(_KEY, None)
    if recorder is None:
        return result
    _save(item, recorder)
    verdict = recorder.verdict()
    marker = item.get_closest_marker("podmodel_expect_violation")
    if marker is not None:
        expected = set(marker.args)
        found = {v.id for v in verdict.violations}
        if verdict.ok or not expected <= found:
            pytest.fail(f"podmodel: expected violations {sorted(expected)}, the oracle found {sorted(found) or 'none'}"
                        + ("" if verdict.ok else "\n" + recorder.report()), pytrace=False)
        return result
    if not verdict.ok:
        pytest.fail("podmodel: the recorded Pods break the Pod lifecycle\n" + recorder.report(), pytrace=False)
    return result
