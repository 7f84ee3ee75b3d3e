"""One observation of a Pod, reduced to what the oracle's rules read.

`snapshot` turns a Pod object (camelCase API JSON) into a small immutable `Snapshot`:
identity, ``spec.nodeName``, phase and reason, deletion fields, conditions, the spec's
container names and images, and one `ContainerSnap` per container status (state,
exit code, lastState, restartCount, containerID, image, ready, started).  The part the
kubelet's rules read is a `podmodel.kubelet.Status`, built by
`podmodel.reference.status_from_api` -- the same normalisation the model uses.

The reader never raises on odd field types: a value of the wrong type reads as absent.
(Input validation proper is `podmodel.oracle.formats`' job.)

>>> from podmodel.reference import pod_config
>>> pod = {"metadata": {"name": "web", "namespace": "default", "uid": "u1"},
...        "spec": {"nodeName": "n1", "containers": [{"name": "app", "image": "nginx"}]},
...        "status": {"phase": "Running", "containerStatuses": [
...            {"name": "app", "restartCount": 2, "ready": True, "state": {"running": {}}}]}}
>>> snap = snapshot(pod, pod_config(pod), index=0)
>>> snap.phase, snap.node_name, snap.app[0].restart_count, snap.app[0].status.state
('Running', 'n1', 2, 'running')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from podmodel.config import PodConfig
from podmodel.kubelet import Status
from podmodel.reference import status_from_api

#: Condition types the kubelet writes (pkg/kubelet/types/pod_status.go).
KUBELET_CONDITIONS = frozenset({"PodScheduled", "Ready", "Initialized", "ContainersReady",
                                "PodReadyToStartContainers", "PodResizeInProgress", "PodResizePending"})

# status list key -> container kind when the name is not in the spec
LIST_KEYS = (("initContainerStatuses", "init"), ("containerStatuses", "app"), ("ephemeralContainerStatuses", "ephemeral"))


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) and v else None


def _int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _map(v: Any) -> Mapping[str, Any]:
    return v if isinstance(v, Mapping) else {}


@dataclass(frozen=True, slots=True, eq=False)
class ContainerSnap:
    """One container status.

    ``kind`` is ``"init"``, ``"sidecar"``, ``"app"`` or ``"ephemeral"`` (from the spec;
    a status whose name is not in the spec gets the kind of the list it is in).
    ``status`` is the `podmodel.kubelet.Status` the kubelet's rules read.
    ``image`` is the status's image, ``spec_image`` the spec's.
    """

    name: str
    kind: str
    status: Status
    restart_count: int | None
    container_id: str | None
    image: str | None
    spec_image: str | None
    started_at: str | None

    @property
    def state(self) -> str:
        return self.status.state

    def describe(self) -> str:
        """A compact one-line rendering of the state, e.g. ``terminated(1, Error)``."""
        s = self.status
        if s.state == "terminated":
            text = f"terminated({s.exit_code}{', ' + s.reason if s.reason else ''})"
        elif s.state == "waiting":
            text = f"waiting({s.reason})" if s.reason else "waiting"
        else:
            text = s.state
        if s.last_exit_code is not None:
            text += f" last=terminated({s.last_exit_code}{', ' + s.last_reason if s.last_reason else ''})"
        return text


@dataclass(frozen=True, slots=True, eq=False)
class Snapshot:
    """An immutable reading of one Pod observation.

    ``init``, ``app`` and ``ephemeral`` hold the container statuses in list order;
    ``init_nil``/``app_nil`` say the status list was absent (Kubernetes tells a nil list
    from an empty one).  ``spec_names`` is ``(init, app, ephemeral)`` container names from
    the spec, or None when the observation has no spec.  ``causes`` lists what can explain
    a pod being stopped from outside getPhase: ``deletion`` (deletionTimestamp),
    ``reason:<status.reason>``, ``disruption:<DisruptionTarget reason>``.
    """

    index: int
    uid: str | None
    name: str | None
    namespace: str | None
    event: str | None
    node_name: str | None
    phase: str | None
    reason: str | None
    deletion_timestamp: str | None
    deletion_grace: int | None
    conditions: tuple[tuple[str, str, str], ...]
    init: tuple[ContainerSnap, ...]
    app: tuple[ContainerSnap, ...]
    ephemeral: tuple[ContainerSnap, ...]
    init_nil: bool
    app_nil: bool
    spec_names: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]] | None
    resource_version: str | None = None

    # -- lookups -------------------------------------------------------------------
    def condition(self, ctype: str) -> tuple[str, str] | None:
        """``(status, reason)`` of the first condition of that type, or None."""
        for t, status, reason in self.conditions:
            if t == ctype:
                return status, reason
        return None

    def cond_status(self, ctype: str) -> str | None:
        c = self.condition(ctype)
        return c[0] if c else None

    @property
    def containers(self) -> tuple[ContainerSnap, ...]:
        """Every container status: init, then app, then ephemeral."""
        return self.init + self.app + self.ephemeral

    def container(self, name: str, kind: str | None = None) -> ContainerSnap | None:
        """The first status with that name (and kind group), as Kubernetes looks them up."""
        groups = {"init": self.init, "sidecar": self.init, "app": self.app, "ephemeral": self.ephemeral}
        for c in groups[kind] if kind else self.containers:
            if c.name == name:
                return c
        return None

    @property
    def statuses(self) -> tuple[Status, ...]:
        """The list getPhase reads: regular statuses then init statuses."""
        return tuple(c.status for c in self.app) + tuple(c.status for c in self.init)

    @property
    def combined(self) -> tuple[Status, ...] | None:
        """The list the condition generators read (init then regular); None when both lists are nil."""
        if self.init_nil and self.app_nil:
            return None
        return tuple(c.status for c in self.init) + tuple(c.status for c in self.app)

    @property
    def causes(self) -> tuple[str, ...]:
        out = []
        if self.deletion_timestamp:
            out.append("deletion")
        if self.reason:
            out.append(f"reason:{self.reason}")
        dt = self.condition("DisruptionTarget")
        if dt and dt[0] == "True":
            out.append(f"disruption:{dt[1] or 'DisruptionTarget'}")
        return tuple(out)

    @property
    def kubelet_reported(self) -> bool:
        """Whether a kubelet status write shows: container statuses, or a kubelet condition other than PodScheduled."""
        if self.init or self.app:
            return True
        return any(t in KUBELET_CONDITIONS and t != "PodScheduled" for t, _, _ in self.conditions)

    @property
    def who(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else str(self.name)


def pod_identity(pod: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    """``(uid, namespace, name)`` of a Pod object (None where absent or not a string).

    >>> pod_identity({"metadata": {"name": "a", "uid": "u"}})
    ('u', None, 'a')
    """
    meta = _map(pod.get("metadata"))
    return _str(meta.get("uid")), _str(meta.get("namespace")), _str(meta.get("name"))


def config_key(pod: Mapping[str, Any]) -> tuple | None:
    """What `podmodel.reference.pod_config` reads from a Pod, as comparable raw values.

    Two observations with equal keys have equal configurations, so the configuration is
    built once per pod and rebuilt only when the spec changes (images,
    activeDeadlineSeconds).  None when the observation has no spec.
    """
    spec = pod.get("spec")
    if not isinstance(spec, Mapping):
        return None
    meta = _map(pod.get("metadata"))
    return (spec.get("restartPolicy"), spec.get("containers"), spec.get("initContainers"),
            spec.get("readinessGates"), spec.get("activeDeadlineSeconds"),
            spec.get("terminationGracePeriodSeconds"), spec.get("nodeName"),
            meta.get("annotations"), meta.get("name"), meta.get("namespace"))


def _spec_containers(spec: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    items = spec.get(key)
    return [c for c in items if isinstance(c, Mapping)] if isinstance(items, list) else []


def snapshot(pod: Mapping[str, Any], cfg: PodConfig | None, *, index: int, event: str | None = None) -> Snapshot:
    """Read one Pod observation.

    Parameters
    ----------
    pod : dict
        A Pod as the API's JSON.
    cfg : PodConfig or None
        Its lifecycle configuration (decides which init containers are sidecars); None
        when unknown.
    index : int
        Its 0-based position in the input.
    event : str, optional
        The watch event type, if any.

    Returns
    -------
    Snapshot

    Examples
    --------
    >>> snap = snapshot({"metadata": {"name": "a"}, "status": {"phase": "Pending"}}, None, index=4)
    >>> snap.index, snap.phase, snap.spec_names, snap.kubelet_reported
    (4, 'Pending', None, False)
    """
    meta = _map(pod.get("metadata"))
    spec_raw = pod.get("spec")
    spec = _map(spec_raw)
    status = _map(pod.get("status"))

    kinds: dict[str, str] = {}
    images: dict[str, str | None] = {}
    spec_names = None
    if isinstance(spec_raw, Mapping):
        groups = []
        for key in ("initContainers", "containers", "ephemeralContainers"):
            names = []
            for c in _spec_containers(spec, key):
                name = _str(c.get("name"))
                if name is None:
                    continue
                names.append(name)
                images.setdefault(name, _str(c.get("image")))
            groups.append(tuple(names))
        spec_names = (groups[0], groups[1], groups[2])
        for name in groups[2]:
            kinds.setdefault(name, "ephemeral")
    if cfg is not None:
        for c in cfg.all_containers:
            kinds.setdefault(c.name, c.kind)

    lists = []
    nil = []
    for key, default_kind in LIST_KEYS:
        items = status.get(key)
        nil.append(items is None)
        out = []
        if isinstance(items, list):
            for raw in items:
                if not isinstance(raw, Mapping):
                    continue
                st = status_from_api(raw)
                state = _map(raw.get("state"))
                started_at = _str(_map(state.get("running")).get("startedAt")) or _str(_map(state.get("terminated")).get("startedAt"))
                kind = default_kind if default_kind == "ephemeral" else kinds.get(st.name, default_kind)
                out.append(ContainerSnap(
                    name=st.name, kind=kind, status=st, restart_count=_int(raw.get("restartCount")),
                    container_id=_str(raw.get("containerID")) or _str(_map(state.get("terminated")).get("containerID")),
                    image=_str(raw.get("image")), spec_image=images.get(st.name), started_at=started_at,
                ))
        lists.append(tuple(out))

    conds = []
    raw_conds = status.get("conditions")
    if isinstance(raw_conds, list):
        for c in raw_conds:
            if isinstance(c, Mapping) and isinstance(c.get("type"), str):
                conds.append((c["type"], str(c.get("status")), _str(c.get("reason")) or ""))

    grace = meta.get("deletionGracePeriodSeconds")
    return Snapshot(
        index=index,
        uid=_str(meta.get("uid")),
        name=_str(meta.get("name")),
        namespace=_str(meta.get("namespace")),
        event=event,
        node_name=_str(spec.get("nodeName")),
        phase=_str(status.get("phase")),
        reason=_str(status.get("reason")),
        deletion_timestamp=_str(meta.get("deletionTimestamp")),
        deletion_grace=_int(grace),
        conditions=tuple(conds),
        init=lists[0],
        app=lists[1],
        ephemeral=lists[2],
        init_nil=nil[0],
        app_nil=nil[1],
        spec_names=spec_names,
        resource_version=_str(meta.get("resourceVersion")),
    )
