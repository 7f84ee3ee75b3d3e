"""Project a product state onto the Pod object (API JSON) it shows.

The projection is what an observer of the API would see: it feeds the oracle's
cross-check (every model path, observed, is a legal trace), the Hypothesis engine's
printed counterexamples and the documentation.

>>> from podmodel.model.config import PodConfig, ContainerSpec
>>> from podmodel.model import Model
>>> m = Model(PodConfig(containers=(ContainerSpec("app"),)))
>>> pod = m.to_pod(m.initial_states()[0])
>>> pod["status"]["phase"], "nodeName" in pod["spec"]
('Pending', False)
"""

from __future__ import annotations

from typing import Any

from podmodel.model.kubelet import Status

EPOCH = "2026-01-01T00:00:00Z"


def _spec_container(spec) -> dict[str, Any]:
    c: dict[str, Any] = {"name": spec.name, "image": f"example.com/{spec.name}:1"}
    if spec.is_sidecar:
        c["restartPolicy"] = "Always"
    elif spec.restart_policy is not None:
        c["restartPolicy"] = spec.restart_policy
    if spec.restart_rules:
        c["restartPolicyRules"] = [
            {"action": r.action, "exitCodes": {"operator": r.operator, "values": list(r.values)}} for r in spec.restart_rules
        ]
    for kind in spec.probes:
        c[f"{kind}Probe"] = {"exec": {"command": ["true"]}}
    return c


def _status(view: Status, restart_count: int, image: str) -> dict[str, Any]:
    if view.state == "terminated":
        state: dict[str, Any] = {"terminated": {"exitCode": view.exit_code, "reason": view.reason,
                                                "startedAt": EPOCH, "finishedAt": EPOCH}}
    elif view.state == "running":
        state = {"running": {"startedAt": EPOCH}}
    else:
        state = {"waiting": {"reason": view.reason}}
    out: dict[str, Any] = {
        "name": view.name, "image": image, "imageID": "", "ready": view.ready, "restartCount": restart_count,
        "started": bool(view.started), "state": state, "lastState": {},
    }
    if view.last_exit_code is not None:
        out["lastState"] = {"terminated": {"exitCode": view.last_exit_code,
                                           "reason": "Completed" if view.last_exit_code == 0 else "Error",
                                           "startedAt": EPOCH, "finishedAt": EPOCH}}
    return out


def to_pod(model, s, *, uid: str = "podmodel-uid", resource_version: int | None = None) -> dict[str, Any]:
    """The Pod object ``s`` shows (the last one the API served if ``s`` is removed)."""
    cfg = model.config
    meta: dict[str, Any] = {"name": cfg.name, "namespace": cfg.namespace, "uid": uid, "creationTimestamp": EPOCH}
    if resource_version is not None:
        meta["resourceVersion"] = str(resource_version)
    if s.deletion != "Live":
        meta["deletionTimestamp"] = EPOCH
        meta["deletionGracePeriodSeconds"] = cfg.termination_grace_period_seconds
    spec: dict[str, Any] = {
        "restartPolicy": cfg.restart_policy,
        "terminationGracePeriodSeconds": cfg.termination_grace_period_seconds,
        "containers": [_spec_container(c) for c in cfg.containers],
    }
    if cfg.init_containers:
        spec["initContainers"] = [_spec_container(c) for c in cfg.init_containers]
    if cfg.readiness_gates:
        spec["readinessGates"] = [{"conditionType": g} for g in cfg.readiness_gates]
    if cfg.active_deadline_seconds is not None:
        spec["activeDeadlineSeconds"] = cfg.active_deadline_seconds
    if s.node is not None:
        spec["nodeName"] = s.node
    status: dict[str, Any] = {"phase": s.phase, "qosClass": "BestEffort"}
    if s.conditions:
        status["conditions"] = [
            {"type": t, "status": st, **({"reason": r} if r else {}), "lastTransitionTime": EPOCH}
            for t, st, r in s.conditions
        ]
    if model.synced(s):
        status["startTime"] = EPOCH
        init_v, reg_v = model.statuses(s)
        n = len(init_v)
        specs = model.specs
        if init_v:
            status["initContainerStatuses"] = [
                _status(v, s.containers[j].restart_count, f"example.com/{specs[j].name}:1") for j, v in enumerate(init_v)]
        status["containerStatuses"] = [
            _status(v, s.containers[n + j].restart_count, f"example.com/{specs[n + j].name}:1") for j, v in enumerate(reg_v)]
    if s.phase == "Failed" and s.stop_reason in ("Evicted", "DeadlineExceeded"):
        status["reason"] = s.stop_reason
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}
