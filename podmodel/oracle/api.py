"""The oracle's public entry points: check a trace, check one step.

`check_trace` runs the monitor (`~podmodel.oracle.checker.TraceChecker`) in this process,
or in several (`~podmodel.oracle.parallel`) for a large file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from podmodel.oracle.checker import TraceChecker
from podmodel.oracle.parallel import check_file_parallel
from podmodel.oracle.verdict import Verdict


def check_trace(pods: Any, *, feature_gates: Mapping[str, bool] | None = None, coverage: bool = False,
                format: str = "auto", jobs: int | None = None, kubernetes_version: str | None = None) -> Verdict:
    """Check a trace: observations of one or more pods, in the order they were seen.

    Parameters
    ----------
    pods : iterable or source
        An iterable of Pod objects (dicts, kubernetes-client ``V1Pod``), watch events,
        Lists or audit events, possibly several pods interleaved; or anything
        `~podmodel.oracle.formats.iter_observations` reads (a path, ``"-"``, a file object,
        text or bytes).
    feature_gates : dict, optional
        Gate name -> bool, overriding Kubernetes 1.35's defaults.
    coverage : bool
        Count the lifecycle transitions exercised (`Verdict.coverage`, and per pod).
    format : str
        For text input: ``"auto"`` or one of `~podmodel.oracle.formats.FORMATS`.
    jobs : int, optional
        With a file path and ``jobs > 1``, check in that many processes
        (`podmodel.oracle.parallel`: JSON Lines cut into byte ranges, one per process, pods
        spanning ranges stitched; other framings partitioned by uid).  Same verdict as one
        process.  Ignored for other sources.
    kubernetes_version : str, optional
        ``"1.33"`` .. ``"1.35"`` (default): the feature-gate defaults and the rules of that
        version (`podmodel.model.gates.gates_for_version`; KEP-5067's generation rules from 1.34).

    Returns
    -------
    Verdict
        ``ok``, ``violations`` (each with the 0-based ``index`` of its observation in the
        input), ``pods`` and ``observations``.

    Raises
    ------
    InputError
        Unusable input (malformed text, a non-Pod object, a Pod spec podmodel cannot read),
        or nothing to check (no Pod in the input; the message says why).  A Pod the API
        server could not have returned is no error: it is an ``invalid-object`` violation.
        A file changed while it was checked raises
        `~podmodel.oracle.formats.FileChanged`, an ``InputError`` (a line read again is not
        the observation read the first time): never a verdict on other bytes.

    Examples
    --------
    >>> base = {"metadata": {"name": "web", "uid": "u1"},
    ...         "spec": {"restartPolicy": "Never", "nodeName": "n", "containers": [{"name": "c"}]}}
    >>> done = {**base, "status": {"phase": "Failed", "containerStatuses": [
    ...     {"name": "c", "restartCount": 0, "state": {"terminated": {"exitCode": 1}}}]}}
    >>> again = {**base, "status": {"phase": "Running", "containerStatuses": [
    ...     {"name": "c", "restartCount": 1, "state": {"running": {}},
    ...      "lastState": {"terminated": {"exitCode": 1}}}]}}
    >>> [(v.id, v.index) for v in check_trace([done, again]).violations]
    [('terminal-phase-reverted', 1), ('restart-forbidden', 1)]
    """
    if jobs is not None and jobs > 1 and isinstance(pods, (str, os.PathLike)) and pods != "-" and os.path.isfile(pods):
        return check_file_parallel(os.fspath(pods), jobs=jobs, feature_gates=feature_gates, coverage=coverage, format=format,
                                   kubernetes_version=kubernetes_version)
    return TraceChecker(feature_gates, coverage, kubernetes_version=kubernetes_version).run(pods, format=format)


def check_transition(old: Any, new: Any, *, feature_gates: Mapping[str, bool] | None = None,
                     kubernetes_version: str | None = None) -> Verdict:
    """Check one step: ``new`` observed after ``old`` (any number of unobserved steps between).

    Both observations are also checked on their own; the violations of ``new`` have
    index 1 (those of ``old``, index 0).  Two different uids are two pods (a
    replacement), so only their single-observation rules apply.

    >>> old = {"metadata": {"name": "p", "uid": "u", "deletionTimestamp": "2024-01-01T00:00:30Z",
    ...                     "deletionGracePeriodSeconds": 30}, "spec": {"containers": [{"name": "c"}]}}
    >>> new = {"metadata": {"name": "p", "uid": "u"}, "spec": {"containers": [{"name": "c"}]}}
    >>> [(v.id, v.index, v.field) for v in check_transition(old, new).violations]
    [('deletion-reverted', 1, 'metadata.deletionTimestamp')]
    """
    checker = TraceChecker(feature_gates, kubernetes_version=kubernetes_version)
    checker.feed(old)
    checker.feed(new)
    return checker.finish()

