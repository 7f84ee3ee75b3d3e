"""Properties of worlds, of the catalogue's kinds (`podmodel.model.properties.Property`).

Each names the Kubernetes rule it encodes.  ``check`` receives the `World` and a
`WorldState` (``step``: state, action, next state); ``eventually`` properties are
"``trigger`` leads to ``check``" under weak fairness of `World.is_fair`.

>>> [p.id for p in WORLD_CATALOGUE if p.kind == "step"]
['uid-bound-once', 'fresh-uids', 'job-pod-counted-once']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from podmodel.model.kubelet import TERMINAL_PHASES
from podmodel.model.properties import Property
from podmodel.world.actions import ControllerCreatePod
from podmodel.world.controllers import READY

if TYPE_CHECKING:
    from podmodel.world.model import World, WorldState


def _kinds(*kinds: str):
    return lambda w: any(x.kind in kinds for x in w.workloads)


# ---------------------------------------------------------------------- step
def _uid_bound_once(w: World, s: WorldState, a, t: WorldState) -> bool:
    """A pod keeps its node: every UID present before and after with a node keeps that node,
    and no UID appears twice."""
    before = {p.uid: p for p in s.pods}
    if len({p.uid for p in t.pods}) != len(t.pods):
        return False
    return all(q.uid not in before or before[q.uid].pod.node in (None, q.pod.node) for q in t.pods)


def _fresh_uids(w: World, s: WorldState, a, t: WorldState) -> bool:
    """A pod that appears has a UID never handed out before (``>= next_uid``) and unique."""
    old = {p.uid for p in s.pods}
    new = [q.uid for q in t.pods if q.uid not in old]
    if isinstance(a, ControllerCreatePod) and len(t.pods) <= len(s.pods):
        return False  # a created pod replaced (collided with) a pod of the same UID
    return all(u >= s.next_uid for u in new) and len({p.uid for p in t.pods}) == len(t.pods)


def _counted_once(w: World, s: WorldState, a, t: WorldState) -> bool:
    """Each Job's succeeded+failed grows by at most the pods counted in this step (whose
    ``counted`` flag rose, or which were counted and forgotten at once); an Ignored failure
    is counted without a count; the flag never falls."""
    before = {p.uid: p for p in s.pods}
    for k, job in enumerate(w.workloads):
        if job.kind != "Job":
            continue
        after = {q.uid for q in t.pods}
        rose = sum(1 for q in t.pods if q.workload == k and q.counted and not (before.get(q.uid) and before[q.uid].counted))
        # a pod counted and forgotten in the same step (its object was already gone)
        rose += sum(1 for p in s.pods if p.workload == k and not p.counted and p.uid not in after)
        fell = any(p.counted and (t.slot(p.uid) is not None and not t.slot(p.uid).counted) for p in s.pods if p.workload == k)
        grew = (t.succeeded[k] + t.failed[k]) - (s.succeeded[k] + s.failed[k])
        if fell or grew > rose or grew < 0:
            return False
    return True


# --------------------------------------------------------------------- always
def _sts_one_per_identity(w: World, s: WorldState) -> bool:
    """No two pods of one StatefulSet identity run at once (their machines exist and a container runs)."""
    seen = set()
    for p in s.pods:
        if w.workloads[p.workload].kind == "StatefulSet" and w.runs(s, p):
            key = (p.workload, p.ordinal)
            if key in seen:
                return False
            seen.add(key)
    return True


def sts_duplicates(w: World, s: WorldState) -> list[tuple[str, int, list[int]]]:
    """``(statefulset, ordinal, uids)`` for each identity more than one running pod holds."""
    groups: dict[tuple[int, int], list[int]] = {}
    for p in s.pods:
        if w.workloads[p.workload].kind == "StatefulSet" and w.runs(s, p):
            groups.setdefault((p.workload, p.ordinal), []).append(p.uid)
    return [(w.workloads[k].name, o, uids) for (k, o), uids in sorted(groups.items()) if len(uids) > 1]


def _job_within_completions(w: World, s: WorldState) -> bool:
    return all(s.succeeded[k] <= job.completions for k, job in enumerate(w.workloads) if job.kind == "Job")


# ------------------------------------------------------------------ eventually
def _stranded(w: World, s: WorldState) -> bool:
    """Some controller-managed pod on a NotReady or deleted node has no deletionTimestamp and is
    not terminal (static pods belong to their node's kubelet and are left out)."""
    return any(w.workloads[p.workload].kind != "StaticPod" and w.exists(p) and p.pod.deletion == "Live" and p.pod.phase not in TERMINAL_PHASES
               and w.node_state(s, p) not in (None, READY) for p in s.pods)


def _rs_short(w: World, s: WorldState) -> bool:
    return any(_ready(w, s, k) < x.replicas for k, x in enumerate(w.workloads) if x.kind == "ReplicaSet")


def _ready(w: World, s: WorldState, k: int) -> int:
    return sum(1 for p in s.pods if p.workload == k and w.exists(p) and p.pod.deletion == "Live"
               and p.pod.condition("Ready") == "True")


def _rs_whole_or_excused(w: World, s: WorldState) -> bool:
    """Every ReplicaSet has ``replicas`` Ready pods, or no node is Ready, or it spent its pod budget."""
    if READY not in s.nodes:
        return True
    return all(_ready(w, s, k) >= x.replicas or s.created[k] >= w.bounds.max_pods
               for k, x in enumerate(w.workloads) if x.kind == "ReplicaSet")


def _mirror_follows(w: World, s: WorldState) -> bool:
    """A mirror pod exists only while its static pod exists on the kubelet."""
    return all(not p.mirror or w.exists(p) for p in s.pods if w.workloads[p.workload].kind == "StaticPod")


def _mirror_missing(w: World, s: WorldState) -> bool:
    """A static pod runs from its file on a Ready node and has no mirror pod."""
    return any(w.workloads[p.workload].kind == "StaticPod" and w.exists(p) and not p.mirror
               and not s.finished[p.workload] and w.node_state(s, p) == READY for p in s.pods)


WORLD_CATALOGUE: tuple[Property, ...] = (
    Property("uid-bound-once", "step", "A UID is bound to a node at most once and never rebound.",
             "pkg/registry/core/pod/storage/storage.go assignPod (\"pod is already assigned to node\"); "
             "docs concepts/workloads/pods/pod-lifecycle: a pod is never rescheduled",
             _uid_bound_once),
    Property("fresh-uids", "step", "A created pod (a replacement too) gets a UID never used before.",
             "staging/src/k8s.io/apiserver/pkg/registry/rest/create.go FillObjectMetaSystemFields (uuid.NewUUID)",
             _fresh_uids),
    Property("job-pod-counted-once", "step", "A Job counts each finished pod at most once.",
             "pkg/controller/job/job_controller.go trackJobStatusAndRemoveFinalizers; KEP-2307 (tracking finalizer)",
             _counted_once, applies=_kinds("Job")),
    Property("sts-one-pod-per-identity", "always",
             "No two pods of one StatefulSet identity run at once (force deletion can break it).",
             "pkg/controller/statefulset/stateful_set_control.go (waits for a terminating pod); "
             "docs tasks/run-application/force-delete-stateful-set-pod",
             _sts_one_per_identity, applies=_kinds("StatefulSet")),
    Property("job-succeeded-within-completions", "always", "A Job's succeeded count never exceeds its completions.",
             "pkg/controller/job/job_controller.go manageJob (wantActive = completions - succeeded), "
             "recordJobFinished (event TooManySucceededPods when it does)",
             _job_within_completions, applies=_kinds("Job")),
    Property("mirror-follows-static", "always", "A mirror pod exists only while its static pod exists on its kubelet.",
             "pkg/kubelet/pod/mirror_client.go DeleteMirrorPod; kubelet.go SyncPod / HandlePodCleanups",
             _mirror_follows, applies=_kinds("StaticPod")),
    Property("pod-replaced", "sometimes", "A controller creates a replacement pod.", "witness",
             lambda w, s: any(c > (x.replicas if x.kind != "Job" else x.parallelism) for c, x in zip(s.created, w.workloads)
                              if x.kind != "StaticPod"), applies=_kinds("ReplicaSet", "StatefulSet", "Job")),
    Property("static-pod-mirrored", "sometimes", "A static pod's mirror pod appears.", "witness",
             lambda w, s: any(p.mirror for p in s.pods), applies=_kinds("StaticPod")),
    Property("node-fails", "sometimes", "A node becomes NotReady while a pod is bound to it.", "witness",
             lambda w, s: any(p.pod.binding == "NodeLost" for p in s.pods), applies=lambda w: w.bounds.node_failures > 0),
    Property("job-finishes", "sometimes", "A Job completes or fails.", "witness",
             lambda w, s: any(s.finished), applies=_kinds("Job")),
    Property("failed-node-pods-eventually-deleted", "eventually",
             "Pods of a NotReady or deleted node eventually have a deletionTimestamp, are gone, or are terminal "
             "(or the node is Ready again).",
             "pkg/controller/tainteviction/taint_eviction.go (NoExecute, tolerationSeconds 300); "
             "pkg/controller/podgc/gc_controller.go gcOrphaned",
             lambda w, s: not _stranded(w, s), trigger=_stranded,
             applies=lambda w: w.bounds.node_failures > 0 and _kinds("ReplicaSet", "StatefulSet", "Job")(w)),
    Property("mirror-eventually-present", "eventually",
             "A static pod running from its file on a Ready node eventually has its mirror pod (again after a deletion).",
             "pkg/kubelet/kubelet.go SyncPod (\"Create Mirror Pod for Static Pod if it doesn't already exist\")",
             lambda w, s: not _mirror_missing(w, s), trigger=_mirror_missing, applies=_kinds("StaticPod")),
    Property("rs-replicas-eventually-ready", "eventually",
             "A ReplicaSet eventually has its replicas Ready while a node is Ready (up to the pod budget).",
             "pkg/controller/replicaset/replica_set.go manageReplicas; controller_utils.go IsPodActive",
             _rs_whole_or_excused, trigger=_rs_short, applies=_kinds("ReplicaSet")),
)


def properties_for(world: World) -> tuple[Property, ...]:
    """The world properties that apply to ``world``."""
    return tuple(p for p in WORLD_CATALOGUE if p.applies(world))


def by_id(pid: str) -> Property:
    for p in WORLD_CATALOGUE:
        if p.id == pid:
            return p
    raise KeyError(f"unknown world property {pid!r}")
