"""Checking a large trace file in several processes, partitioned by pod uid.

Worker ``k`` of ``N`` reads the whole file and checks the pods whose uid hashes to ``k``
(CRC-32 of the uid, or of namespace/name without one), so every pod is checked by
exactly one process, in input order, with the same rules and indices as
`~podmodel.oracle.api.check_trace`.  The verdicts are merged: violations by input
index, pods in the order a single process reports them.

Every worker parses the whole input: the speed-up is bounded by the cost of parsing
(``benchmarks/README.md`` has the figures).  Splitting the bytes between workers would
remove that bound but needs object boundaries that only some framings (JSON Lines) give
cheaply; it is not done.

>>> import json, os, tempfile
>>> pods = [{"metadata": {"name": f"p{i}", "uid": f"u{i}"}, "spec": {"containers": [{"name": "c"}]},
...          "status": {"phase": "Failed" if j == 0 else "Running"}} for j in range(2) for i in range(4)]
>>> with tempfile.TemporaryDirectory() as d:
...     path = os.path.join(d, "t.jsonl")
...     _ = open(path, "w").write("\\n".join(json.dumps(p) for p in pods))
...     check_file_parallel(path, jobs=2).ids() == check_trace_serial(path).ids()
True
"""

from __future__ import annotations

import multiprocessing
import os
import zlib
from collections import Counter
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from podmodel.oracle.checker import TraceChecker
from podmodel.oracle.formats import iter_observations, nothing_to_check
from podmodel.oracle.observation import pod_identity
from podmodel.oracle.verdict import PodResult, Verdict


def partition_of(pod: Mapping[str, Any], parts: int) -> int:
    """The worker (``0 .. parts-1``) that checks ``pod``: stable across processes and runs.

    >>> partition_of({"metadata": {"uid": "abc"}}, 4) == partition_of({"metadata": {"uid": "abc"}}, 4)
    True
    """
    uid, namespace, name = pod_identity(pod)
    key = uid if uid is not None else f"{namespace}/{name}"
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % parts


def _check_part(path: str, fmt: str, gates: Mapping[str, bool] | None, coverage: bool, part: int, parts: int,
                version: str | None = None) -> Verdict:
    checker = TraceChecker(gates, coverage, kubernetes_version=version)
    total = 0
    stats: dict = {}
    for obs in iter_observations(path, format=fmt, stats=stats):
        total += 1
        if partition_of(obs.pod, parts) == part:
            checker.feed_observation(obs)
    if not total:
        raise nothing_to_check(stats, stats.get("name", path))
    verdict = checker.finish()
    return Verdict(verdict.violations, verdict.pods, total, verdict.coverage)


def _end_order(result: PodResult) -> tuple[int, int]:
    # a single process reports a pod when its DELETED event comes, the others at the end in first-seen order
    return (0, result.last_index) if result.deleted else (1, result.first_index)


def merge(parts: list[Verdict]) -> Verdict:
    """Merge the verdicts of the partitions into the verdict of the whole trace.

    >>> merge([Verdict([], observations=4), Verdict([], observations=4)]).observations
    4
    """
    violations = sorted((v for p in parts for v in p.violations), key=lambda v: v.index)
    pods = tuple(sorted((r for p in parts for r in p.pods), key=_end_order))
    coverage = None
    if any(p.coverage is not None for p in parts):
        total: Counter = Counter()
        for p in parts:
            total.update(p.coverage or {})
        coverage = dict(total)
    observations = max((p.observations for p in parts), default=0)
    return Verdict(violations, pods, observations, coverage)


def check_file_parallel(path: str, *, jobs: int, feature_gates: Mapping[str, bool] | None = None, coverage: bool = False,
                        format: str = "auto", progress: bool = False, kubernetes_version: str | None = None) -> Verdict:
    """`~podmodel.oracle.api.check_trace` of a file in ``jobs`` processes.

    Same result as the serial check (raises the same `~podmodel.oracle.formats.InputError`
    for unusable input).  ``progress`` is accepted for the CLI and ignored.

    >>> merge([Verdict([], observations=4), Verdict([], observations=4)]).observations
    4
    """
    del progress
    if jobs <= 1:
        return check_trace_serial(path, feature_gates=feature_gates, coverage=coverage, format=format,
                                  kubernetes_version=kubernetes_version)
    gates = dict(feature_gates) if feature_gates else None
    TraceChecker(gates, kubernetes_version=kubernetes_version)  # validate the gates here, not in every worker
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        futures = [pool.submit(_check_part, os.fspath(path), format, gates, coverage, k, jobs, kubernetes_version)
                   for k in range(jobs)]
        results = [f.result() for f in futures]
    return merge(results)


def check_trace_serial(path: str, *, feature_gates: Mapping[str, bool] | None = None, coverage: bool = False,
                       format: str = "auto", kubernetes_version: str | None = None) -> Verdict:
    """The single-process check (for comparison and for ``jobs=1``)."""
    return TraceChecker(feature_gates, coverage, kubernetes_version=kubernetes_version).run(path, format=format)
