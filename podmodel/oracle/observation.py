"""One observation of a Pod, reduced to what the oracle's rules read.

`snapshot` turns a Pod object (camelCase API JSON) into a small immutable `Snapshot`:
identity, ``spec.nodeName``, phase and reason, deletion fields, conditions, the spec's
container names and images, and one `ContainerSnap` per container status (state,
exit code, lastState, restartCount, containerID, image, ready, started).  The part the
kubelet's rules read is a `podmodel.model.kubelet.Status`, built by
`podmodel.model.reference.status_from_api` -- the same normalisation the model uses.

The reader never raises on odd field types: a value of the wrong type reads as absent.
(Input validation proper is `podmodel.oracle.formats`' job.)

>>> from podmodel.model.reference import pod_config
>>> pod = {"metadata": {"name": "web", "namespace": "default", "uid": "u1"},
...        "spec": {"nodeName": "n1", "containers": [{"name": "app", "image": "nginx"}]},
...        "status": {"phase": "Running", "containerStatuses": [
...            {"name": "app", "restartCount": 2, "ready": True, "state": {"running": {}}}]}}
>>> snap = snapshot(pod, pod_config(pod), index=0)
>>> snap.phase, snap.node_name, snap.app[0].restart_count, snap.app[0].status.state
('Running', 'n1', 2, 'running')
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from podmodel.model.config import PodConfig
from podmodel.model.kubelet import Status
from podmodel.model.reference import status_from_api

#: Condition types the kubelet writes (pkg/kubelet/types/pod_status.go).
KUBELET_CONDITIONS = frozenset({"PodScheduled", "Ready", "Initialized", "ContainersReady",
                                "PodReadyToStartContainers", "PodResizeInProgress", "PodResizePending"})



def _str(v: Any) -> str | None:
    return v if isinstance(v, str) and v else None


def _int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


_EMPTY: dict = {}


def _map(v: Any) -> dict:
    return v if isinstance(v, dict) else _EMPTY


class ContainerSnap(NamedTuple):
    """One container status (an immutable named tuple; ``raw`` is the status as read).

    ``kind`` is ``"init"``, ``"sidecar"``, ``"app"`` or ``"ephemeral"`` (from the spec;
    a status whose name is not in the spec gets the kind of the list it is in).
    ``status`` is the `podmodel.model.kubelet.Status` the kubelet's rules read.
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
    raw: dict | None = None

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


class Snapshot(NamedTuple):
    """An immutable reading of one Pod observation (a named tuple: cheap to build).

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
    generation: int | None = None
    observed_generation: int | None = None
    #: ``(condition type, observedGeneration)`` of the conditions that carry one.
    cond_generations: tuple[tuple[str, int], ...] = ()

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


def plain(value: Any) -> Any:
    """A deep copy with every mapping as a ``dict`` and every tuple as a ``list``.

    The rules read nested objects only when they are ``dict`` (fast); the checker converts
    an observation that is some other mapping with this.

    >>> from types import MappingProxyType
    >>> plain(MappingProxyType({"a": (1, MappingProxyType({"b": 2}))}))
    {'a': [1, {'b': 2}]}
    """
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def pod_identity(pod: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    """``(uid, namespace, name)`` of a Pod object (None where absent or not a string).

    >>> pod_identity({"metadata": {"name": "a", "uid": "u"}})
    ('u', None, 'a')
    """
    meta = _map(pod.get("metadata"))
    return _str(meta.get("uid")), _str(meta.get("namespace")), _str(meta.get("name"))


def pod_key(uid: str | None, namespace: str | None, name: str | None) -> Any:
    """The key a checker files a pod under, from its `pod_identity`: its uid, or ``("name",
    namespace, name)`` for a pod without one.

    >>> pod_key("u", None, "a"), pod_key(None, "ns", "a")
    ('u', ('name', 'ns', 'a'))
    """
    return uid if uid is not None else ("name", namespace, name)


def identity_values(uid: Any, namespace: Any, name: Any) -> tuple[str | None, str | None, str | None]:
    """`pod_identity` of metadata values already decoded (each a non-empty string, else None)."""
    return _str(uid), _str(namespace), _str(name)


_SCALARS = (str, int, float, bool, type(None))


def _h(v: Any) -> Any:
    """``v`` if it is a hashable JSON scalar, else a hashable stand-in (malformed input)."""
    if type(v) in _SCALARS:
        return v
    try:
        return ("?", json.dumps(v, sort_keys=True, default=repr))
    except (TypeError, ValueError, RecursionError):
        try:
            return ("?", type(v).__name__, repr(v)[:1000])
        except RecursionError:
            return ("?", type(v).__name__)


def _container_key(c: Any) -> tuple:
    if type(c) is not dict:
        return ("?", _h(c))
    rules = c.get("restartPolicyRules")
    return (_h(c.get("name")), _h(c.get("image")), _h(c.get("restartPolicy")), None if rules is None else _h(rules),
            "startupProbe" in c, "readinessProbe" in c, "livenessProbe" in c)


def _containers_key(items: Any) -> Any:
    if type(items) is not list:
        return _h(items)
    return tuple(_container_key(c) for c in items)


def static_key(pod: Mapping[str, Any]) -> Any:
    """The part of `config_key` read from ``metadata.annotations`` (a static pod's mirror and source)."""
    meta = pod.get("metadata")
    ann = meta.get("annotations") if type(meta) is dict else None
    return ("kubernetes.io/config.mirror" in ann, _h(ann.get("kubernetes.io/config.source"))) if type(ann) is dict else _h(ann)


def config_key(pod: Mapping[str, Any]) -> tuple | None:
    """A hashable fingerprint of what `podmodel.model.reference.pod_config` reads from a Pod.

    Two observations with equal keys have equal configurations (and equal `SpecInfo`), so
    a configuration is built once and shared by every pod with the same spec, and rebuilt
    only when a pod's spec changes (images, activeDeadlineSeconds, ephemeral containers).
    None when the observation has no spec.  Name, namespace and nodeName are left out:
    the lifecycle rules do not read them.

    >>> k = config_key({"spec": {"containers": [{"name": "a", "image": "nginx", "readinessProbe": {}}]}})
    >>> k[1]
    (('a', 'nginx', None, None, False, True, False),)
    """
    spec = pod.get("spec")
    if type(spec) is not dict:
        return None
    static = static_key(pod)
    gates = spec.get("readinessGates")
    return (_h(spec.get("restartPolicy")), _containers_key(spec.get("containers")),
            _containers_key(spec.get("initContainers")), _containers_key(spec.get("ephemeralContainers")),
            tuple(_h(g.get("conditionType")) if type(g) is dict else _h(g) for g in gates) if type(gates) is list else _h(gates),
            _h(spec.get("activeDeadlineSeconds")), _h(spec.get("terminationGracePeriodSeconds")), static)


def _spec_containers(spec: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    items = spec.get(key)
    return [c for c in items if isinstance(c, dict)] if isinstance(items, list) else []


@dataclass(frozen=True, slots=True, eq=False)
class SpecInfo:
    """What a snapshot needs from the spec: container names by group, images, kinds.

    Built once per pod and configuration (`spec_info`), reused while the spec is unchanged.
    """

    names: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]
    images: dict[str, str | None]
    kinds: dict[str, str]


def spec_info(pod: Mapping[str, Any], cfg: PodConfig | None) -> SpecInfo | None:
    """The `SpecInfo` of a Pod (None when it has no spec).

    >>> info = spec_info({"spec": {"containers": [{"name": "a", "image": "nginx"}],
    ...                            "ephemeralContainers": [{"name": "dbg"}]}}, None)
    >>> info.names, info.images["a"], info.kinds["dbg"]
    (((), ('a',), ('dbg',)), 'nginx', 'ephemeral')
    """
    spec = pod.get("spec")
    if not isinstance(spec, dict):
        return None
    groups = []
    images: dict[str, str | None] = {}
    for key in ("initContainers", "containers", "ephemeralContainers"):
        names = []
        for c in _spec_containers(spec, key):
            name = _str(c.get("name"))
            if name is None:
                continue
            names.append(name)
            images.setdefault(name, _str(c.get("image")))
        groups.append(tuple(names))
    kinds = {name: "ephemeral" for name in groups[2]}
    if cfg is not None:
        for c in cfg.all_containers:
            kinds.setdefault(c.name, c.kind)
    return SpecInfo((groups[0], groups[1], groups[2]), images, kinds)


def _container(raw: dict, kind: str, spec_image: str | None) -> ContainerSnap:
    st = status_from_api(raw)
    state = _map(raw.get("state"))
    term = _map(state.get("terminated"))
    return ContainerSnap(  # positional: a named tuple is built faster so
        st.name, kind, st, _int(raw.get("restartCount")),
        _str(raw.get("containerID")) or _str(term.get("containerID")),
        _str(raw.get("image")), spec_image,
        _str(_map(state.get("running")).get("startedAt")) or _str(term.get("startedAt")),
        raw,
    )


def snapshot(pod: Mapping[str, Any], cfg: PodConfig | None, *, index: int, event: str | None = None,
             info: SpecInfo | None = None, previous: Snapshot | None = None) -> Snapshot:
    """Read one Pod observation.

    Parameters
    ----------
    pod : dict
        A Pod as the API's JSON (nested objects as ``dict``; others read as absent).
    cfg : PodConfig or None
        Its lifecycle configuration (decides which init containers are sidecars); None
        when unknown.
    index : int
        Its 0-based position in the input.
    event : str, optional
        The watch event type, if any.
    info : SpecInfo, optional
        The pod's `SpecInfo` when the caller has it cached (it is computed otherwise).
    previous : Snapshot, optional
        The pod's previous snapshot: container statuses that did not change are reused
        (the same `ContainerSnap` objects), which the rules use to skip unchanged work.

    Returns
    -------
    Snapshot

    Examples
    --------
    >>> snap = snapshot({"metadata": {"name": "a"}, "status": {"phase": "Pending"}}, None, index=4)
    >>> snap.index, snap.phase, snap.spec_names, snap.kubelet_reported
    (4, 'Pending', None, False)
    """
    meta = pod.get("metadata")
    if type(meta) is not dict:
        meta = _EMPTY
    spec = pod.get("spec")
    has_spec = type(spec) is dict
    if not has_spec:
        spec = _EMPTY
    status = pod.get("status")
    if type(status) is not dict:
        status = _EMPTY
    if info is None and has_spec:
        info = spec_info(pod, cfg)
    kinds = info.kinds if info is not None else {c.name: c.kind for c in cfg.all_containers} if cfg is not None else {}
    images = info.images if info is not None else _EMPTY

    if previous is None:
        p_init = p_app = p_eph = ()
    else:
        p_init, p_app, p_eph = previous.init, previous.app, previous.ephemeral
    init_raw = status.get("initContainerStatuses")
    app_raw = status.get("containerStatuses")
    eph_raw = status.get("ephemeralContainerStatuses")
    conds = []
    cond_gens = []
    raw_conds = status.get("conditions")
    if type(raw_conds) is list:
        for c in raw_conds:
            if type(c) is dict:
                ctype = c.get("type")
                if type(ctype) is str:
                    reason = c.get("reason")
                    conds.append((ctype, str(c.get("status")), reason if type(reason) is str else ""))
                    og = c.get("observedGeneration")
                    if type(og) is int:
                        cond_gens.append((ctype, og))
    mg = meta.get
    uid, name, namespace, deletion, rv = mg("uid"), mg("name"), mg("namespace"), mg("deletionTimestamp"), mg("resourceVersion")
    grace, generation = mg("deletionGracePeriodSeconds"), mg("generation")
    sg = status.get
    phase, reason, observed = sg("phase"), sg("reason"), sg("observedGeneration")
    node = spec.get("nodeName")
    # _str and _int inline (a snapshot is built for every observation)
    return Snapshot(
        index,
        uid if type(uid) is str and uid else None,
        name if type(name) is str and name else None,
        namespace if type(namespace) is str and namespace else None,
        event,
        node if type(node) is str and node else None,
        phase if type(phase) is str and phase else None,
        reason if type(reason) is str and reason else None,
        deletion if type(deletion) is str and deletion else None,
        grace if type(grace) is int else None,
        tuple(conds),
        _statuses(init_raw, "init", kinds, images, p_init) if init_raw else (),
        _statuses(app_raw, "app", kinds, images, p_app) if app_raw else (),
        _statuses(eph_raw, "ephemeral", kinds, images, p_eph) if eph_raw else (),
        init_raw is None,
        app_raw is None,
        info.names if has_spec and info is not None else None,
        rv if type(rv) is str and rv else None,
        generation if type(generation) is int else None,
        observed if type(observed) is int else None,
        tuple(cond_gens),
    )


def _statuses(items: Any, default_kind: str, kinds: dict, images: dict, prev: tuple) -> tuple[ContainerSnap, ...]:
    """The `ContainerSnap` of one status list, reusing ``prev``'s unchanged entries."""
    if type(items) is not list:
        return ()
    out = []
    n_prev = len(prev)
    for i, raw in enumerate(items):
        if type(raw) is not dict:
            continue
        name = raw.get("name")
        if type(name) is not str:
            name = ""
        kind = default_kind if default_kind == "ephemeral" else kinds.get(name, default_kind)
        spec_image = images.get(name)
        if i < n_prev:
            old = prev[i]
            if old.raw == raw and old.kind == kind and old.spec_image == spec_image:
                out.append(old)
                continue
        out.append(_container(raw, kind, spec_image))
    return tuple(out)
