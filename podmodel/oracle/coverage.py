"""Coverage: which lifecycle transitions a trace exercised.

Items are named after the component machines of `podmodel.model.machines` (``MACHINES``):
``<machine>.<trigger>: <source>-><dest>``, e.g. ``phase.start: Pending->Running``,
``container[app].restart: CrashLoopBackOff->Running``, ``binding.bind: Unbound->Bound``,
``Ready.set_true: False->True``, ``deletion.api_delete: Live->Deleting``.  A change
between two observations that no single declared transition makes (unobserved steps
in between) is named ``<machine>: <source>-><dest> (unobserved steps)``.  Container
items carry the container kind (``init``, ``sidecar``, ``app``, ``ephemeral``) and the
reason of a waiting or terminated state where it tells something
(``Terminated(Error)``).  An observation that starts a pod adds ``<machine>: first
seen <state>`` items.  Everything is derived from the declarations, so a transition
added to a machine shows up here without a change to this module.

>>> from podmodel.oracle.observation import snapshot
>>> a = snapshot({"metadata": {"uid": "u"}, "spec": {"containers": [{"name": "c"}]},
...               "status": {"phase": "Pending"}}, None, index=0)
>>> b = snapshot({"metadata": {"uid": "u"}, "spec": {"nodeName": "n", "containers": [{"name": "c"}]},
...               "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
...                          "containerStatuses": [{"name": "c", "ready": True, "started": True,
...                                                 "state": {"running": {}}}]}}, None, index=1)
>>> step_items(a, b)
['phase.start: Pending->Running', 'binding.bind: Unbound->Bound', 'Ready.set_true: False->True', 'container[app]: first seen Ready']
"""

from __future__ import annotations

from podmodel.model.machines import MACHINES, MachineDecl
from podmodel.oracle.observation import ContainerSnap, Snapshot

_WAITING_STATES = {"CrashLoopBackOff", "ErrImagePull", "ImagePullBackOff", "CreateContainerConfigError"}
CONDITION_MACHINES = tuple(name for name, m in MACHINES.items()
                           if m.state_names == ("False", "True"))


def container_state(c: ContainerSnap) -> str | None:
    """The `podmodel.model.machines.CONTAINER` state a container status is in (None for an empty state)."""
    s = c.status
    if s.state == "waiting":
        return s.reason if s.reason in _WAITING_STATES else "Waiting"
    if s.state == "running":
        if s.ready:
            return "Ready"
        return "Started" if s.started else "Running"
    if s.state == "terminated":
        return "Terminated"
    return None


def _label(state: str, c: ContainerSnap) -> str:
    s = c.status
    if state == "Terminated" and s.reason:
        return f"Terminated({s.reason})"
    if state == "Waiting" and s.reason:
        return f"Waiting({s.reason})"
    return state


def _named(machine: MachineDecl, source: str, dest: str, prefix: str | None = None,
           src_label: str | None = None, dest_label: str | None = None) -> str:
    prefix = prefix or machine.name
    shown = f"{src_label or source}->{dest_label or dest}"
    matches = [t for t in machine.transitions if source in t.source and t.dest == dest]
    # Several triggers may make the same change (exit / liveness_probe_failed): a snapshot
    # cannot tell them apart, so name the one that needs no probe.
    matches.sort(key=lambda t: "probe" in t.trigger)
    if matches:
        return f"{prefix}.{matches[0].trigger}: {shown}"
    return f"{prefix}: {shown} (unobserved steps)"


def _phase_items(old: Snapshot, new: Snapshot) -> list[str]:
    if old.phase == new.phase or old.phase is None or new.phase is None:
        return []
    m = MACHINES["phase"]
    if old.phase not in m.state_names or new.phase not in m.state_names:
        return [f"phase: {old.phase}->{new.phase} (not a model state)"]
    return [_named(m, old.phase, new.phase)]


def _binding_items(old: Snapshot, new: Snapshot) -> list[str]:
    if not old.node_name and new.node_name:
        return [_named(MACHINES["binding"], "Unbound", "Bound")]
    return []


def _deletion_items(old: Snapshot | None, new: Snapshot) -> list[str]:
    m = MACHINES["deletion"]
    out = []
    was = "Deleting" if old is not None and old.deletion_timestamp else "Live"
    if new.deletion_timestamp and was == "Live" and old is not None:
        out.append(_named(m, "Live", "Deleting"))
    elif new.deletion_timestamp and old is not None and old.deletion_grace != new.deletion_grace:
        out.append("deletion: grace period shortened")
    if new.event == "DELETED":
        terminal = new.phase in ("Succeeded", "Failed")
        if new.deletion_timestamp:
            out.append(_by_trigger(m, "kubelet_remove" if terminal else "force_delete", "Deleting", "Removed"))
        else:
            out.append(_by_trigger(m, "api_delete" if terminal or not new.node_name else "force_delete", "Live", "Removed"))
    return out


def _by_trigger(machine: MachineDecl, trigger: str, source: str, dest: str) -> str:
    """The item for a given declared transition (checked against the declaration)."""
    for t in machine.find(trigger, source):
        if t.dest == dest:
            return f"{machine.name}.{trigger}: {source}->{dest}"
    return f"{machine.name}: {source}->{dest} (unobserved steps)"


def _termination_items(old: Snapshot | None, new: Snapshot) -> list[str]:
    if new.reason and (old is None or old.reason != new.reason):
        trigger = {"Evicted": "evict", "DeadlineExceeded": "deadline_exceeded"}.get(new.reason)
        return [f"termination.{trigger}: reason {new.reason}" if trigger else f"termination: reason {new.reason}"]
    return []


def _condition_items(old: Snapshot, new: Snapshot) -> list[str]:
    out = []
    for name in CONDITION_MACHINES:
        a = "True" if old.cond_status(name) == "True" else "False"
        b = "True" if new.cond_status(name) == "True" else "False"
        if a != b:
            out.append(_named(MACHINES[name], a, b))
    return out


def _container_items(old: Snapshot | None, new: Snapshot) -> list[str]:
    m = MACHINES["container"]
    out = []
    for c in new.containers:
        state = container_state(c)
        if state is None:
            continue
        prefix = f"container[{c.kind}]"
        o = old.container(c.name, c.kind) if old is not None else None
        o_state = container_state(o) if o is not None else None
        if o is None or o_state is None:
            out.append(f"{prefix}: first seen {_label(state, c)}")
            continue
        restarted = (o.restart_count is not None and c.restart_count is not None and c.restart_count > o.restart_count)
        if o_state == state and not restarted:
            continue
        if o_state == state:
            out.append(f"{prefix}.restart: {_label(o_state, o)}->...->{_label(state, c)} (restart between observations)")
            continue
        out.append(_named(m, o_state, state, prefix, _label(o_state, o), _label(state, c)))
    return out


def first_items(new: Snapshot) -> list[str]:
    """Items for the first observation of a pod.

    >>> from podmodel.oracle.observation import snapshot
    >>> first_items(snapshot({"metadata": {"uid": "u"}, "spec": {"nodeName": "n"},
    ...                       "status": {"phase": "Pending"}}, None, index=0))
    ['phase: first seen Pending', 'binding: first seen Bound']

    >>> from podmodel.oracle.observation import snapshot
    >>> s = snapshot({"status": {"containerStatuses": [{"name": "a", "started": True, "ready": False,
    ...                                                 "state": {"running": {}}}]}}, None, index=0)
    >>> container_state(s.app[0])
    'Started'
    """
    out = []
    if new.phase:
        out.append(f"phase: first seen {new.phase}")
    out.append(f"binding: first seen {'Bound' if new.node_name else 'Unbound'}")
    if new.deletion_timestamp:
        out.append("deletion: first seen Deleting")
    out.extend(_termination_items(None, new))
    out.extend(_container_items(None, new))
    out.extend(_deletion_items(None, new))
    return out


def step_items(old: Snapshot, new: Snapshot) -> list[str]:
    """Items for a step between two observations of one pod."""
    return (_phase_items(old, new) + _binding_items(old, new) + _deletion_items(old, new)
            + _termination_items(old, new) + _condition_items(old, new) + _container_items(old, new))
