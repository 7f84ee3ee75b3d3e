"""The world's rules over a trace of many pods (`podmodel check-trace --world`).

The per-pod monitor (`podmodel.oracle.checker`) checks each UID against the pod model;
this one checks what only several pods of one workload show, the world properties of
`podmodel.world.properties` as far as a trace of Pod objects can see them:

* ``uid-bound-once``: a UID's ``spec.nodeName`` never changes once set
  (registry/core/pod/storage/storage.go ``assignPod``);
* ``fresh-uids``: a UID is never seen again after its DELETED event (the API server
  gives every created object a new UID: apiserver rest/create.go ``FillObjectMetaSystemFields``);
* ``sts-one-pod-per-identity``: two pods of one StatefulSet identity (same namespace and
  name, owner kind StatefulSet) are never running at once -- flagged with both UIDs when an
  observation shows the older UID running after the newer one was seen running
  (the API holds one object per name, so a sound trace never interleaves them;
  statefulset/stateful_set_control.go).

>>> def pod(uid, phase, node="n1", name="web-0"):
...     return {"metadata": {"name": name, "namespace": "ns", "uid": uid,
...             "ownerReferences": [{"kind": "StatefulSet", "name": "web", "controller": True}]},
...             "spec": {"nodeName": node}, "status": {"phase": phase}}
>>> w = WorldTraceChecker()
>>> for i, (p, ev) in enumerate([(pod("a", "Running"), None), (pod("b", "Running", "n2"), None),
...                             (pod("a", "Running"), None)]):
...     w.feed(p, ev, i)
>>> [(v.rule, v.uids) for v in w.violations]
[('sts-one-pod-per-identity', ('a', 'b'))]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class WorldViolation:
    rule: str
    message: str
    uids: tuple[str, ...]
    index: int

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "message": self.message, "uids": list(self.uids), "index": self.index}


@dataclass
class _Seen:
    name: str
    namespace: str
    owner: tuple[str, str] | None
    node: str | None = None
    running: bool = False
    deleted: bool = False
    first: int = 0


def _owner(meta: Mapping[str, Any]) -> tuple[str, str] | None:
    refs = meta.get("ownerReferences")
    if not isinstance(refs, list):
        return None
    for r in refs:
        if isinstance(r, Mapping) and r.get("controller") and isinstance(r.get("kind"), str):
            return (r["kind"], str(r.get("name")))
    return None


def _running(pod: Mapping[str, Any]) -> bool:
    status = pod.get("status") if isinstance(pod.get("status"), Mapping) else {}
    if status.get("phase") in ("Succeeded", "Failed"):
        return False
    if status.get("phase") == "Running":
        return True
    cs = status.get("containerStatuses")
    return isinstance(cs, list) and any(isinstance(c, Mapping) and isinstance(c.get("state"), Mapping)
                                        and "running" in c["state"] for c in cs)


@dataclass
class WorldTraceChecker:
    """Feed Pod objects in trace order (`feed`), read `violations`."""

    violations: list[WorldViolation] = field(default_factory=list)
    _uids: dict[str, _Seen] = field(default_factory=dict)
    _by_name: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def feed(self, pod: Mapping[str, Any], event: str | None, index: int) -> None:
        meta = pod.get("metadata") if isinstance(pod.get("metadata"), Mapping) else {}
        uid = meta.get("uid")
        if not isinstance(uid, str) or not uid:
            return
        spec = pod.get("spec") if isinstance(pod.get("spec"), Mapping) else {}
        node = spec.get("nodeName") if isinstance(spec.get("nodeName"), str) and spec.get("nodeName") else None
        seen = self._uids.get(uid)
        if seen is None:
            seen = self._uids[uid] = _Seen(str(meta.get("name")), str(meta.get("namespace") or "default"),
                                           _owner(meta), first=index)
            self._by_name.setdefault((seen.namespace, seen.name), []).append(uid)
        elif seen.deleted and event != "DELETED":
            self._flag("fresh-uids", f"uid {uid} ({seen.name}) is seen again after it was deleted", (uid,), index)
        if seen.node is not None and node is not None and node != seen.node:
            self._flag("uid-bound-once", f"uid {uid} ({seen.name}) moved from node {seen.node} to {node}", (uid,), index)
        seen.node = seen.node or node
        if event == "DELETED":
            seen.deleted, seen.running = True, False
            return
        seen.running = _running(pod)
        if seen.running and seen.owner and seen.owner[0] == "StatefulSet":
            others = [u for u in self._by_name[(seen.namespace, seen.name)]
                      if u != uid and self._uids[u].running and not self._uids[u].deleted]
            for other in others:
                pair = tuple(sorted((uid, other), key=lambda u: self._uids[u].first))
                self._flag("sts-one-pod-per-identity",
                           f"StatefulSet {seen.owner[1]}: two pods of identity {seen.namespace}/{seen.name} run at once: "
                           f"uid {pair[0]} and uid {pair[1]}", pair, index)

    def _flag(self, rule: str, message: str, uids: tuple[str, ...], index: int) -> None:
        if not any(v.rule == rule and v.uids == uids for v in self.violations):
            self.violations.append(WorldViolation(rule, message, uids, index))


def check_world(observations: Iterable[Any]) -> list[WorldViolation]:
    """The world violations of a trace (observations from `podmodel.oracle.formats.iter_observations`)."""
    w = WorldTraceChecker()
    for obs in observations:
        w.feed(obs.pod, obs.event, obs.index)
    return w.violations
