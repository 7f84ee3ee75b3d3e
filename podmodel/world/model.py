"""The world model: nodes, a scheduler, controllers and the pod garbage collector around
pods that are each the existing product model.

The interface is the product model's (``initial_states``, ``actions``, ``next_state``),
so the same engines explore it.  A pod of the world is a `Slot`: its UID, its workload
and identity, and its `podmodel.model.PodState`, which only the pod's own
`podmodel.model.Model` changes -- a pod's step is ``PodStep(uid, action)``, and the
world's actors reach a pod only through the pod model's own actions (the scheduler
through ``SchedulerBind``, the node lifecycle controller through ``NodeLost`` /
``NodeRecovered`` and ``ApiDelete``, the pod GC and clients through ``ForceDelete``).
Nothing of the pod's rules is copied here.

What the world adds, each rule with its Kubernetes source:

* **scheduler** binds an unbound, undeleted pod to a Ready node, once (``SchedulerBind``
  of the pod model; pkg/registry/core/pod/storage/storage.go ``assignPod``: "pod is
  already assigned to node"); a pod is never rescheduled.
* **nodes** become NotReady (crash or partition; at most ``node_failures`` times) and
  Ready again; the node lifecycle controller marks their pods Ready=False
  (pkg/controller/nodelifecycle/node_lifecycle_controller.go ``MarkPodsNotReady``) and
  taints the node; after the NoExecute toleration (300 s by default) the taint eviction
  controller deletes its pods (pkg/controller/tainteviction/taint_eviction.go
  ``addConditionAndDeletePod``: DisruptionTarget then a graceful DELETE).  The kubelet of
  a NotReady node keeps its containers running and cannot report, so a deleted pod stays
  Terminating until the node comes back.  With ``node_deletion`` the Node object of a
  NotReady node may be deleted (its machine is gone).
* **pod GC** force-deletes pods bound to a node that no longer exists
  (pkg/controller/podgc/gc_controller.go ``gcOrphaned``, DisruptionTarget DeletionByPodGC).
* **ReplicaSet** creates a pod while fewer than ``replicas`` are active
  (pkg/controller/replicaset/replica_set.go ``manageReplicas``; active:
  controller_utils.go ``IsPodActive``: not terminal, no deletionTimestamp), so it
  replaces a terminating pod at once.
* **StatefulSet** creates the pod of identity ``i`` only when no pod object holds the
  name (pkg/controller/statefulset/stateful_set_control.go ``updateStatefulSet``: "the
  pod is terminating, wait"; the API server refuses a second object of one name), in
  order and after each lower identity is Running and Ready under ``OrderedReady``
  (``isRunningAndReady``, ``monotonic``), all at once under ``Parallel``; it deletes a
  Failed or Succeeded pod so that it can be recreated.
* **Job** keeps ``min(parallelism, completions - succeeded)`` pods active
  (job_controller.go ``manageJob``; terminating pods count as active under
  podReplacementPolicy Failed), counts each finished pod once and removes its tracking
  finalizer (``trackJobStatusAndRemoveFinalizers``, KEP-2307), applies
  ``podFailurePolicy`` (``matchPodFailurePolicy``: FailJob, Ignore, Count on
  DisruptionTarget or exit codes), fails past ``backoffLimit`` and deletes its active pods
  once finished.
* a **client** may force-delete a pod; the kubelet of a Ready node kills the containers of
  a pod whose object is gone (kubelet ``HandlePodRemoves``).
* a **static pod** runs on its node's kubelet from a file (no scheduler); the kubelet
  creates its mirror pod when its node is Ready, again after a client deleted it, and
  deletes it with the pod when the file is removed (pkg/kubelet/pod/mirror_client.go;
  kubelet.go ``SyncPod``).  Static pods are not taint-evicted or garbage-collected here.

UIDs are small integers handed out in creation order (``next_uid``); the API server
gives each created object a fresh UUID (apiserver rest/create.go
``FillObjectMetaSystemFields``).  Abstractions (docs/worlds.md): no time (the toleration
timeout and back-offs are nondeterministic waits); each workload creates at most
``max_pods`` pods; a Job's counters saturate; a finished Job is marked at once (the
Complete/Failed condition waits for its pods to terminate in Kubernetes); a removed Job
pod the controller has not counted stays in the world until counted (its tracking
finalizer keeps the object).

>>> from podmodel.world.spec import load_world, WORLD_DIR
>>> w = load_world(WORLD_DIR / "replicaset-node-failure.yaml")
>>> s = w.initial_states()[0]
>>> [a for a in w.actions(s)]
[NodeNotReady(node='node-1'), NodeNotReady(node='node-2'), ControllerCreatePod(workload='web', ordinal=-1)]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import NamedTuple

from podmodel.model import actions as A
from podmodel.model.bounds import Bounds
from podmodel.model.kubelet import TERMINAL_PHASES
from podmodel.model.product import RUNNING_STATES, ActionNotEnabled, Model, PodState, replay
from podmodel.model.properties import FAIR_ACTIONS
from podmodel.world.actions import (
    ClientForceDelete,
    ControllerCreatePod,
    ControllerDeletePod,
    JobTrackPod,
    KubeletCreateMirrorPod,
    KubeletKillOrphan,
    KubeletStartStaticPod,
    NodeDeleted,
    NodeNotReady,
    NodeReady,
    PodGCDeleteOrphan,
    PodStep,
    SchedulerBindPod,
    StaticPodFileRemoved,
    TaintEvictPod,
)
from podmodel.world.controllers import DELETED, NOT_READY, READY, Workload, WorldBounds

#: Pod-model actions the world's actors take (never a pod's own step).
WORLD_OWNED: frozenset[type] = frozenset({A.SchedulerBind, A.NodeLost, A.NodeRecovered, A.ApiDelete, A.ForceDelete})
#: World actions under weak fairness: controller, scheduler and kubelet progress.  Node
#: failures and recoveries, node deletion and client requests are the environment's.
FAIR_WORLD_ACTIONS: frozenset[type] = frozenset({
    ControllerCreatePod, ControllerDeletePod, JobTrackPod, SchedulerBindPod, TaintEvictPod, PodGCDeleteOrphan,
    KubeletKillOrphan, KubeletStartStaticPod, KubeletCreateMirrorPod,
})
#: The last lane names the nodes.
NODES_LANE = "nodes:"
#: Job counters saturate here (only a seeded bug counts past the pod budget).
COUNTER_CAP_EXTRA = 1


class Slot(NamedTuple):
    """One pod of the world: workload index, StatefulSet ordinal (-1), UID, its pod state, and
    what the world adds: ``disrupted`` (a DisruptionTarget condition added by the taint
    eviction controller or the pod GC), ``counted`` (a Job counted it) and ``mirror`` (a
    static pod's mirror pod exists in the API)."""

    workload: int
    ordinal: int
    uid: int
    pod: PodState
    disrupted: bool = False
    counted: bool = False
    mirror: bool = False


class WorldState(NamedTuple):
    """An immutable world state.  ``pods`` is sorted by (workload, ordinal, uid)."""

    nodes: tuple[str, ...]
    pods: tuple[Slot, ...]
    created: tuple[int, ...]
    succeeded: tuple[int, ...]
    failed: tuple[int, ...]
    finished: tuple[str, ...]
    next_uid: int
    failures: int

    def slot(self, uid: int) -> Slot | None:
        for p in self.pods:
            if p.uid == uid:
                return p
        return None

    def changes(self, t: WorldState, names: Sequence[str], pod_diff) -> list[str]:
        """What changed from ``self`` to ``t``, one entry per node, pod and workload counter.

        ``names`` are the world's lanes (`World.lanes`), used to name nodes, pods and their
        containers; ``pod_diff(old, new, container_names)`` lists a pod's changed fields."""
        return world_changes(self, t, names, pod_diff)


def _lanes(names: Sequence[str]) -> list[tuple[str, str, tuple[str, ...]]]:
    out = []
    for n in names:
        if n.startswith(NODES_LANE):
            continue
        head, _, conts = n.partition(":")
        wname, _, kind = head.partition("/")
        out.append((wname, kind, tuple(c for c in conts.split(",") if c)))
    return out


def pod_label(wname: str, kind: str, slot: Slot) -> str:
    """``web-0 (uid 3)`` for a StatefulSet pod, ``web (uid 3)`` otherwise."""
    return f"{wname}-{slot.ordinal} (uid {slot.uid})" if kind == "StatefulSet" else f"{wname} (uid {slot.uid})"


def world_changes(s: WorldState, t: WorldState, names: Sequence[str], pod_diff) -> list[str]:
    """The changed fields of one world step; ``pod_diff(old, new, container_names)`` diffs a pod."""
    lanes = _lanes(names)
    node_names = next((n[len(NODES_LANE):].split(",") for n in names if n.startswith(NODES_LANE)), [])
    out: list[str] = []
    for k, (a, b) in enumerate(zip(s.nodes, t.nodes)):
        if a != b:
            out.append(f"{node_names[k] if k < len(node_names) else f'node[{k}]'}: {a} -> {b}")
    before = {p.uid: p for p in s.pods}
    after = {p.uid: p for p in t.pods}
    for uid in sorted(before.keys() | after.keys()):
        a, b = before.get(uid), after.get(uid)
        slot = b or a
        wname, kind, conts = lanes[slot.workload] if slot.workload < len(lanes) else (f"w{slot.workload}", "", ())
        label = pod_label(wname, kind, slot)
        if a is None:
            out.append(f"{label}: created")
        elif b is None:
            out.append(f"{label}: gone")
        elif a != b:
            parts = pod_diff(a.pod, b.pod, conts)
            if a.disrupted != b.disrupted:
                parts.append("+DisruptionTarget=True")
            if a.counted != b.counted:
                parts.append(f"counted: {a.counted} -> {b.counted}")
            out.append(f"{label}: " + "; ".join(parts))
    for k in range(len(s.created)):
        wname = lanes[k][0] if k < len(lanes) else f"w{k}"
        for field in ("succeeded", "failed", "finished"):
            x, y = getattr(s, field)[k], getattr(t, field)[k]
            if x != y:
                out.append(f"{wname}.{field}: {x or '-'} -> {y or '-'}")
    return out


@dataclass(frozen=True)
class Scheduler:
    """The scheduler's rule, declared as data: ``rebinds_lost`` (a seeded bug) lets it bind a pod
    of a NotReady node to another node, which Kubernetes never does."""

    rebinds_lost: bool = False


class World:
    """A world: ``nodes``, ``workloads`` (declarations), ``bounds``; each pod a product model.

    >>> from podmodel.world.spec import load_world, WORLD_DIR
    >>> w = load_world(WORLD_DIR / "statefulset-partition.yaml")
    >>> w.lanes
    ('web/StatefulSet:app', 'nodes:node-1,node-2')
    """

    def __init__(self, name: str, nodes: Sequence[str], workloads: Sequence[Workload], bounds: WorldBounds = WorldBounds(),
                 scheduler: Scheduler = Scheduler(), expect_violated: tuple[str, ...] = ()):
        if not nodes:
            raise ValueError("a world needs at least one node")
        if len(set(nodes)) != len(nodes):
            raise ValueError(f"node names repeat: {list(nodes)}")
        names = [w.name for w in workloads]
        if len(set(names)) != len(names):
            raise ValueError(f"workload names repeat: {names}")
        self.name = name
        self.nodes = tuple(nodes)
        self.workloads = tuple(workloads)
        self.bounds = bounds
        self.scheduler = scheduler
        #: Properties the world file says Kubernetes itself violates here (documented behaviour).
        self.expect_violated = tuple(expect_violated)
        pod_bounds = Bounds(max_restarts=bounds.max_restarts, exit_codes=bounds.exit_codes, nodes=self.nodes,
                            probes=False, node_loss=False, deletion=False, force_delete=False,
                            eviction=bounds.eviction, deadline=False, readiness_gates=False, fast_exits=False)
        self.models = tuple(Model(w.template, pod_bounds) for w in self.workloads)
        self._node_index = {n: i for i, n in enumerate(self.nodes)}
        self._by_name = {w.name: i for i, w in enumerate(self.workloads)}

    def __repr__(self) -> str:
        return f"World({self.name!r}, nodes={list(self.nodes)}, workloads={[w.name for w in self.workloads]})"

    def with_workload(self, name: str, **changes) -> World:
        """The same world with one workload's declaration changed (seeded bugs)."""
        ws = tuple(replace(w, **changes) if w.name == name else w for w in self.workloads)
        return World(self.name, self.nodes, ws, self.bounds, self.scheduler)  # a mutant expects nothing

    def with_bounds(self, **changes) -> World:
        return World(self.name, self.nodes, self.workloads, replace(self.bounds, **changes), self.scheduler)

    def with_scheduler(self, **changes) -> World:
        return World(self.name, self.nodes, self.workloads, self.bounds, replace(self.scheduler, **changes))

    # ------------------------------------------------------------------ interface
    @property
    def lanes(self) -> tuple[str, ...]:
        """``workload/kind:container,...`` for each workload: the names a diff and a diagram use."""
        return tuple(f"{w.name}/{w.kind}:" + ",".join(c.name for c in m.specs)
                     for w, m in zip(self.workloads, self.models)) + (NODES_LANE + ",".join(self.nodes),)

    def initial_states(self) -> tuple[WorldState, ...]:
        n = len(self.workloads)
        return (WorldState(nodes=tuple(READY for _ in self.nodes), pods=(), created=(0,) * n, succeeded=(0,) * n,
                           failed=(0,) * n, finished=("",) * n, next_uid=0, failures=0),)

    @cached_property
    def candidate_actions(self) -> tuple[A.Action, ...]:
        """Every action the bounds allow (UIDs up to the pod budget), in `actions` order."""
        b = self.bounds
        out: list[A.Action] = []
        for n in self.nodes:
            out += [NodeNotReady(n), NodeReady(n)] + ([NodeDeleted(n)] if b.node_deletion else [])
        for w in self.workloads:
            if w.kind == "StaticPod":
                out += [KubeletStartStaticPod(w.name)] + ([StaticPodFileRemoved(w.name)] if b.static_removal else [])
                continue
            ords = range(w.replicas) if w.ordered else (-1,)
            out += [ControllerCreatePod(w.name, o) for o in ords]
        total = b.max_pods * len(self.workloads)
        for uid in range(total):
            for w, m in zip(self.workloads, self.models):
                out += [ControllerDeletePod(w.name, uid)] if w.kind != "ReplicaSet" else []
                out += [JobTrackPod(w.name, uid)] if w.kind == "Job" else []
            out += [SchedulerBindPod(uid, n) for n in self.nodes]
            out += [TaintEvictPod(uid)] if b.taint_eviction else []
            out += [PodGCDeleteOrphan(uid)] if b.node_deletion else []
            out += [ClientForceDelete(uid)] if b.force_delete else []
            out.append(KubeletKillOrphan(uid))
            out.append(KubeletCreateMirrorPod(uid))
            seen = set()
            for m in self.models:
                for a in m.candidate_actions:
                    if type(a) not in WORLD_OWNED and a not in seen:
                        seen.add(a)
                        out.append(PodStep(uid, a))
        return tuple(dict.fromkeys(out))

    def actions(self, state: WorldState) -> list[A.Action]:
        """The enabled actions, in a fixed order: nodes, controllers, then pod by pod."""
        out: list[A.Action] = []
        b = self.bounds
        for k, n in enumerate(self.nodes):
            st = state.nodes[k]
            if st == READY and state.failures < b.node_failures:
                out.append(NodeNotReady(n))
            elif st == NOT_READY:
                out.append(NodeReady(n))
                if b.node_deletion:
                    out.append(NodeDeleted(n))
        for wi, w in enumerate(self.workloads):
            if w.kind == "StaticPod":
                node = state.nodes[self._node_index[w.template.node_name]]
                if not state.finished[wi] and node == READY and state.created[wi] < b.max_pods \
                        and not any(p.workload == wi for p in state.pods):
                    out.append(KubeletStartStaticPod(w.name))
                if b.static_removal and not state.finished[wi]:
                    out.append(StaticPodFileRemoved(w.name))
                continue
            out += [ControllerCreatePod(w.name, o) for o in self._creatable(state, wi)]
        for slot in state.pods:
            out += self._pod_actions(state, slot)
        return out

    def enabled(self, state: WorldState, action: A.Action) -> bool:
        return action in self.actions(state)

    def next_state(self, state: WorldState, action: A.Action) -> WorldState:
        """The state after ``action``; raises `ActionNotEnabled` if it is not enabled."""
        if not self.enabled(state, action):
            raise ActionNotEnabled(f"{action!r} is not enabled")
        return self._tidy(self._apply(state, action))

    def replay(self, actions: Iterable[A.Action], start: WorldState | None = None) -> list[WorldState]:
        """The states visited by taking ``actions`` from ``start`` (default: the initial state)."""
        return replay(self, actions, start)

    def is_fair(self, action: A.Action) -> bool:
        """Weak fairness: controller, scheduler, GC and kubelet progress (`FAIR_WORLD_ACTIONS`),
        and a pod's own steps the pod model calls fair (`podmodel.model.properties.FAIR_ACTIONS`)."""
        if type(action) is PodStep:
            return type(action.action) in FAIR_ACTIONS
        return type(action) in FAIR_WORLD_ACTIONS

    def default_properties(self):
        from podmodel.world.properties import properties_for

        return properties_for(self)

    def symmetry(self):
        from podmodel.world.symmetry import WorldSymmetry

        return WorldSymmetry(self)

    def explore_warnings(self, result) -> list[str]:
        """Bounds a complete exploration reached (the pod budget, node failures)."""
        out = []
        b = self.bounds
        spent = [w.name for k, w in enumerate(self.workloads)
                 if any(s.created[k] >= b.max_pods for s in result.space.iter_states())]
        if spent:
            out.append(f"bound reached: maxPods={b.max_pods} pods created by {', '.join(spent)}; "
                       f"replacements past it are not explored")
        return out

    # ------------------------------------------------------------------ helpers
    def workload(self, name: str) -> tuple[int, Workload]:
        k = self._by_name[name]
        return k, self.workloads[k]

    def node_state(self, state: WorldState, slot: Slot) -> str | None:
        n = slot.pod.node
        return None if n is None else state.nodes[self._node_index[n]]

    def runs(self, state: WorldState, slot: Slot) -> bool:
        """A container of the pod is running on a machine that still exists (its object may be gone)."""
        return (slot.pod.node is not None and self.node_state(state, slot) != DELETED
                and any(c.machine in RUNNING_STATES for c in slot.pod.containers))

    @staticmethod
    def exists(slot: Slot) -> bool:
        """The pod's API object exists."""
        return slot.pod.deletion != "Removed"

    def holds(self, rule: str, slot: Slot) -> bool:
        """Whether ``slot`` counts toward its controller's target under ``rule`` (`ACTIVE_COUNTS`)."""
        p = slot.pod
        if rule == "object":
            return p.deletion != "Removed"
        if rule == "not-terminal":
            return p.deletion != "Removed" and p.phase not in TERMINAL_PHASES
        if rule == "live":
            return p.deletion == "Live" and p.phase not in TERMINAL_PHASES
        return False

    def _creatable(self, state: WorldState, wi: int) -> list[int]:
        w = self.workloads[wi]
        if state.created[wi] >= self.bounds.max_pods or state.finished[wi]:
            return []
        mine = [p for p in state.pods if p.workload == wi]
        if w.kind == "ReplicaSet":
            return [-1] if sum(self.holds(w.active_counts, p) for p in mine) < w.replicas else []
        if w.kind == "Job":
            pending_success = sum(1 for p in mine if not p.counted and p.pod.phase == "Succeeded")
            want = min(w.parallelism, w.completions - state.succeeded[wi] - pending_success)
            return [-1] if sum(self.holds(w.active_counts, p) for p in mine) < want else []
        out = []
        for o in range(w.replicas):
            if any(p.ordinal == o and self.holds(w.active_counts, p) for p in mine):
                continue
            if w.pod_management == "OrderedReady" and not all(
                    any(p.ordinal == j and self.exists(p) and p.pod.deletion == "Live" and p.pod.phase == "Running"
                        and p.pod.condition("Ready") == "True" for p in mine) for j in range(o)):
                continue
            out.append(o)
        return out

    def _pod_actions(self, state: WorldState, slot: Slot) -> list[A.Action]:
        w = self.workloads[slot.workload]
        m = self.models[slot.workload]
        p, uid = slot.pod, slot.uid
        node = self.node_state(state, slot)
        out: list[A.Action] = []
        if not self.exists(slot):
            if self.runs(state, slot) and node == READY:
                out.append(KubeletKillOrphan(uid))
            if w.kind == "Job" and not slot.counted:
                out.append(JobTrackPod(w.name, uid))
            return out
        if w.kind == "StaticPod":
            if w.creates_mirror and not slot.mirror and not state.finished[slot.workload] and node == READY:
                out.append(KubeletCreateMirrorPod(uid))
            if self.bounds.force_delete and slot.mirror:
                out.append(ClientForceDelete(uid))  # deletes the mirror pod; the static pod runs on
            return out + [PodStep(uid, a) for a in m.actions(p) if type(a) not in WORLD_OWNED]
        if w.kind == "StatefulSet" and p.deletion == "Live" and p.phase in TERMINAL_PHASES:
            out.append(ControllerDeletePod(w.name, uid))
        if w.kind == "Job":
            if state.finished[slot.workload] and p.deletion == "Live" and p.phase not in TERMINAL_PHASES:
                out.append(ControllerDeletePod(w.name, uid))
            if not slot.counted and p.phase in TERMINAL_PHASES:
                out.append(JobTrackPod(w.name, uid))
        if p.deletion == "Live" and (p.binding == "Unbound" or self.scheduler.rebinds_lost and p.binding == "NodeLost"):
            out += [SchedulerBindPod(uid, n) for k, n in enumerate(self.nodes)
                    if state.nodes[k] == READY and n != p.node]
        if self.bounds.taint_eviction and node == NOT_READY and p.deletion == "Live":
            out.append(TaintEvictPod(uid))
        if node == DELETED:
            out.append(PodGCDeleteOrphan(uid))
        if self.bounds.force_delete:
            out.append(ClientForceDelete(uid))
        if node != DELETED:
            out += [PodStep(uid, a) for a in m.actions(p) if type(a) not in WORLD_OWNED]
        return out

    def _set(self, state: WorldState, slot: Slot, **changes) -> WorldState:
        new = slot._replace(**changes)
        return state._replace(pods=tuple(new if q is slot else q for q in state.pods))

    def _apply(self, s: WorldState, a: A.Action) -> WorldState:
        kind = type(a)
        if kind is NodeNotReady or kind is NodeReady or kind is NodeDeleted:
            k = self._node_index[a.node]
            dest = {NodeNotReady: NOT_READY, NodeReady: READY, NodeDeleted: DELETED}[kind]
            nodes = tuple(dest if i == k else v for i, v in enumerate(s.nodes))
            s = s._replace(nodes=nodes, failures=s.failures + (kind is NodeNotReady))
            pods = []
            for q in s.pods:
                if q.pod.node == a.node and self.exists(q):
                    m = self.models[q.workload]
                    if kind is NodeNotReady and q.pod.binding == "Bound":
                        q = q._replace(pod=m.next_state(q.pod, A.NodeLost()))
                    elif kind is NodeReady and q.pod.binding == "NodeLost":
                        q = q._replace(pod=m.next_state(q.pod, A.NodeRecovered()))
                pods.append(q)
            return s._replace(pods=tuple(pods))
        if kind is KubeletStartStaticPod or kind is StaticPodFileRemoved:
            wi, w = self.workload(a.workload)
            if kind is StaticPodFileRemoved:
                s = s._replace(finished=tuple("Removed" if i == wi else f for i, f in enumerate(s.finished)))
                mine = next((q for q in s.pods if q.workload == wi), None)
                if mine is not None and self.exists(mine) and mine.pod.deletion == "Live":
                    m = self.models[wi]  # the kubelet stops a static pod whose file is gone
                    s = self._set(s, mine, pod=m.next_state(mine.pod, A.ApiDelete(m.config.termination_grace_period_seconds)))
                return s
            slot = Slot(wi, -1, s.next_uid, self.models[wi].initial_states()[0])
            created = tuple(c + (i == wi) for i, c in enumerate(s.created))
            pods = tuple(sorted((*s.pods, slot), key=lambda q: (q.workload, q.ordinal, q.uid)))
            return s._replace(pods=pods, created=created, next_uid=s.next_uid + 1)
        if kind is ControllerCreatePod:
            wi, w = self.workload(a.workload)
            m = self.models[wi]
            uid = s.next_uid if w.fresh_uids else max(a.ordinal, 0)
            slot = Slot(wi, a.ordinal, uid, m.initial_states()[0])
            created = tuple(c + (i == wi) for i, c in enumerate(s.created))
            pods = tuple(sorted((*s.pods, slot), key=lambda q: (q.workload, q.ordinal, q.uid)))
            return s._replace(pods=pods, created=created, next_uid=s.next_uid + 1)
        slot = s.slot(a.uid)
        m = self.models[slot.workload]
        static = self.workloads[slot.workload].kind == "StaticPod"
        if kind is PodStep:
            pod = m.next_state(slot.pod, a.action)
            if static and pod.deletion == "Removed" and self.workloads[slot.workload].deletes_mirror:
                return self._set(s, slot, pod=pod, mirror=False)  # the kubelet's final delete is the mirror's
            return self._set(s, slot, pod=pod)
        if kind is KubeletCreateMirrorPod:
            return self._set(s, slot, mirror=True)
        if kind is SchedulerBindPod:
            if slot.pod.binding == "NodeLost":  # only the rebinds_lost bug gets here
                return self._set(s, slot, pod=slot.pod._replace(node=a.node, binding="Bound"))
            return self._set(s, slot, pod=m.next_state(slot.pod, A.SchedulerBind(a.node)))
        if kind is ControllerDeletePod:
            return self._set(s, slot, pod=m.next_state(slot.pod, A.ApiDelete(m.config.termination_grace_period_seconds)))
        if kind is TaintEvictPod:
            return self._set(s, slot, disrupted=True,
                             pod=m.next_state(slot.pod, A.ApiDelete(m.config.termination_grace_period_seconds)))
        if kind is PodGCDeleteOrphan:
            return self._set(s, slot, disrupted=True, pod=m.next_state(slot.pod, A.ForceDelete()))
        if kind is ClientForceDelete:
            if static:
                return self._set(s, slot, mirror=False)
            return self._set(s, slot, pod=m.next_state(slot.pod, A.ForceDelete()))
        if kind is KubeletKillOrphan:
            return s._replace(pods=tuple(q for q in s.pods if q is not slot))
        if kind is JobTrackPod:
            return self._track(s, slot)
        raise ActionNotEnabled(f"{a!r} is not a world action")  # pragma: no cover

    def _track(self, s: WorldState, slot: Slot) -> WorldState:
        """The Job controller counts a finished pod (``trackJobStatusAndRemoveFinalizers``)."""
        wi = slot.workload
        w = self.workloads[wi]
        cap = self.bounds.max_pods + COUNTER_CAP_EXTRA
        succeeded, failed, finished = list(s.succeeded), list(s.failed), list(s.finished)
        if slot.pod.phase == "Succeeded":
            succeeded[wi] = min(succeeded[wi] + 1, cap)
        else:
            action = self.failure_action(w, slot)
            if action == "FailJob":
                finished[wi] = finished[wi] or "Failed"
            elif action != "Ignore":
                failed[wi] = min(failed[wi] + 1, cap)
        if not finished[wi]:
            if succeeded[wi] >= w.completions:
                finished[wi] = "Complete"
            elif failed[wi] > w.backoff_limit:
                finished[wi] = "Failed"
        s = s._replace(succeeded=tuple(succeeded), failed=tuple(failed), finished=tuple(finished))
        return self._set(s, s.slot(slot.uid), counted=True) if w.count_once else s

    def failure_action(self, w: Workload, slot: Slot) -> str:
        """The podFailurePolicy action for a failed pod: the first matching rule's, else Count
        (job_controller.go ``matchPodFailurePolicy``)."""
        disrupted = slot.disrupted or slot.pod.condition("DisruptionTarget") == "True"
        m = self.models[slot.workload]
        codes = {slot.pod.containers[i].exit_code for i in m.app_indices
                 if slot.pod.containers[i].machine == "Terminated"}
        for r in w.failure_rules:
            if r.on_conditions and "DisruptionTarget" in r.on_conditions and disrupted:
                return r.action
            if r.on_exit_codes and codes & set(r.on_exit_codes):
                return r.action
        return "Count"

    def _tidy(self, s: WorldState) -> WorldState:
        """Forget pods whose object is gone and whose containers no longer run (a Job's pod
        stays until the Job controller counted it: its tracking finalizer keeps the object)."""
        keep = tuple(q for q in s.pods if self.exists(q) or self.runs(s, q) or q.mirror
                     or self.workloads[q.workload].kind == "Job" and not q.counted)
        return s if len(keep) == len(s.pods) else s._replace(pods=keep)
