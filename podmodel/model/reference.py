"""Reference semantics: what Kubernetes would report for a Pod object.

Other implementations call these to learn the phase and conditions the kubelet would
compute.  They apply the rules of `podmodel.model.kubelet` (the same functions the product
model uses) to Pod objects as the API serves them (camelCase JSON dicts).

>>> pod = {"spec": {"restartPolicy": "Never", "containers": [{"name": "a"}, {"name": "b"}]},
...        "status": {"containerStatuses": [
...            {"name": "a", "state": {"terminated": {"exitCode": 0}}, "ready": False},
...            {"name": "b", "state": {"running": {}}, "ready": True}]}}
>>> expected_phase(pod)
'Running'
>>> expected_conditions(pod)["ContainersReady"]
{'status': 'False', 'reason': 'ContainersNotReady', 'message': 'containers with unready status: [a]'}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from podmodel.model import kubelet
from podmodel.model.config import ManifestError, PodConfig
from podmodel.model.kubelet import Status

__all__ = ["expected_phase", "expected_conditions", "pod_config", "pod_statuses", "status_from_api", "ManifestError"]


def pod_config(pod: Mapping[str, Any], feature_gates: Mapping[str, bool] | None = None) -> PodConfig:
    """The lifecycle configuration of an API Pod, read leniently (as the kubelet would)."""
    if not isinstance(pod, Mapping):
        raise ManifestError("", f"expected a Pod object (dict), got {type(pod).__name__}")
    return PodConfig.from_manifest({**pod, "kind": "Pod"}, feature_gates=feature_gates, strict=False)


def _terminated(obj: Any) -> Mapping[str, Any] | None:
    if isinstance(obj, Mapping):
        t = obj.get("terminated")
        if isinstance(t, Mapping):
            return t
    return None


def status_from_api(s: Mapping[str, Any]) -> Status:
    """Normalise one ``containerStatuses[i]`` entry.

    >>> status_from_api({"name": "a", "state": {"waiting": {"reason": "CrashLoopBackOff"}},
    ...                  "lastState": {"terminated": {"exitCode": 1}}}).last_exit_code
    1
    """
    state = s.get("state") or {}
    if not isinstance(state, Mapping):
        state = {}
    term = _terminated(state)
    last = _terminated(s.get("lastState"))
    if term is not None:
        kind, detail = "terminated", term
    elif isinstance(state.get("running"), Mapping):
        kind, detail = "running", state["running"]
    elif isinstance(state.get("waiting"), Mapping):
        kind, detail = "waiting", state["waiting"]
    else:
        kind, detail = "empty", {}
    started = s.get("started")
    return Status(
        name=str(s.get("name", "")),
        state=kind,
        exit_code=_int(term.get("exitCode")) if term is not None else None,
        reason=detail.get("reason") if isinstance(detail.get("reason"), str) else None,
        last_exit_code=_int(last.get("exitCode")) if last is not None else None,
        last_reason=last.get("reason") if last is not None and isinstance(last.get("reason"), str) else None,
        started=started if isinstance(started, bool) else None,
        ready=s.get("ready") is True,
        message=detail.get("message") if isinstance(detail.get("message"), str) else None,
    )


def _int(v: Any) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) else 0


def pod_statuses(pod: Mapping[str, Any], key: str) -> tuple[Status, ...] | None:
    """The normalised statuses under ``status.<key>``; None when the list is absent (nil)."""
    status = pod.get("status")
    if not isinstance(status, Mapping):
        return None
    items = status.get(key)
    if items is None:
        return None
    if not isinstance(items, list):
        return ()
    return tuple(status_from_api(s) for s in items if isinstance(s, Mapping))


def infer_pod_has_initialized(cfg: PodConfig, statuses: tuple[Status, ...]) -> bool:
    """Best reading of ``HasAnyActiveRegularContainerStarted`` from the API object: a
    regular container is running, terminated, or has a last termination (an exited
    instance still in the sandbox).  The real input comes from the runtime, not the API;
    see the README's divergences."""
    names = {c.name for c in cfg.containers}
    return any(s.name in names and (s.state in ("running", "terminated") or s.has_last_termination) for s in statuses)


def expected_phase(
    pod: Mapping[str, Any],
    *,
    pod_is_terminal: bool = False,
    pod_has_initialized: bool | None = None,
    feature_gates: Mapping[str, bool] | None = None,
) -> str:
    """The phase the kubelet's ``getPhase`` computes for ``pod``'s spec and statuses.

    Parameters
    ----------
    pod : dict
        A Pod as the API's JSON.
    pod_is_terminal : bool
        The pod worker's verdict that the pod is finished (deleted, evicted, done).
    pod_has_initialized : bool or None
        Whether a regular container exists in the current sandbox; None infers it from
        the statuses (any regular container running, terminated or with a last termination).
    feature_gates : dict, optional
        Gate name -> bool, overriding Kubernetes 1.35's defaults.

    Returns
    -------
    str
        ``Pending``, ``Running``, ``Succeeded`` or ``Failed`` (never ``Unknown``).

    Examples
    --------
    >>> expected_phase({"spec": {"restartPolicy": "Always", "containers": [{"name": "a"}]},
    ...     "status": {"containerStatuses": [{"name": "a", "state": {"terminated": {"exitCode": 0}}}]}})
    'Running'
    """
    cfg = pod_config(pod, feature_gates)
    regular = pod_statuses(pod, "containerStatuses") or ()
    init = pod_statuses(pod, "initContainerStatuses") or ()
    if pod_has_initialized is None:
        pod_has_initialized = infer_pod_has_initialized(cfg, regular)
    return kubelet.get_phase(cfg, regular + init, pod_is_terminal=pod_is_terminal, pod_has_initialized=pod_has_initialized)


def expected_conditions(
    pod: Mapping[str, Any],
    *,
    phase: str | None = None,
    feature_gates: Mapping[str, bool] | None = None,
) -> dict[str, dict[str, str]]:
    """The kubelet's ``ContainersReady``, ``Ready`` and ``Initialized`` conditions.

    Returns ``{type: {"status": ..., "reason": ..., "message": ...}}`` with Kubernetes'
    reason and message strings ("" when unset).  ``phase=None`` uses `expected_phase`.
    Readiness gates are read from ``status.conditions``; a nil status list (both
    ``containerStatuses`` and ``initContainerStatuses`` absent) is distinguished from
    an empty one, as upstream does.

    Examples
    --------
    >>> c = expected_conditions({"spec": {"containers": [{"name": "a"}], "readinessGates": [{"conditionType": "x/ok"}]},
    ...     "status": {"containerStatuses": [{"name": "a", "ready": True, "state": {"running": {}}}]}})
    >>> c["Ready"]["reason"], c["ContainersReady"]["status"]
    ('ReadinessGatesNotReady', 'True')
    """
    cfg = pod_config(pod, feature_gates)
    regular = pod_statuses(pod, "containerStatuses")
    init = pod_statuses(pod, "initContainerStatuses")
    combined = None if regular is None and init is None else (init or ()) + (regular or ())
    if phase is None:
        phase = expected_phase(pod, feature_gates=feature_gates)
    existing = _conditions(pod)
    was_initialized = existing.get("Initialized") == "True"
    return {
        "ContainersReady": kubelet.containers_ready(cfg, combined, phase).as_dict(),
        "Ready": kubelet.pod_ready(cfg, combined, phase, existing).as_dict(),
        "Initialized": kubelet.initialized(cfg, combined, phase, was_initialized=was_initialized).as_dict(),
    }


def _conditions(pod: Mapping[str, Any]) -> dict[str, str]:
    status = pod.get("status")
    conds = status.get("conditions") if isinstance(status, Mapping) else None
    out: dict[str, str] = {}
    for c in conds if isinstance(conds, list) else ():
        if isinstance(c, Mapping) and isinstance(c.get("type"), str):
            out.setdefault(c["type"], str(c.get("status")))
    return out
