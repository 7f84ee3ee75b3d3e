"""Seeded controller bugs: each changes one rule of a world's declarations, and one world
property must catch it (both engines for safety properties; the explorer for liveness).

>>> [m.id for m in WORLD_MUTANTS][:2]
['sts-replaces-terminating', 'uid-reused']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from podmodel.world.model import World
from podmodel.world.spec import WORLD_DIR, load_world


@dataclass(frozen=True)
class WorldMutant:
    id: str
    statement: str
    world: str
    kills: str
    mutate: Callable[[World], World]

    def model(self) -> World:
        return self.mutate(load_world(WORLD_DIR / f"{self.world}.yaml"))


WORLD_MUTANTS: tuple[WorldMutant, ...] = (
    WorldMutant("sts-replaces-terminating", "The StatefulSet controller creates the replacement while the old pod is still terminating.",
                "statefulset-partition", "sts-one-pod-per-identity",
                lambda w: w.with_workload("web", active_counts="live")),
    WorldMutant("uid-reused", "A replacement pod gets the UID of the pod it replaces (derived from its name).",
                "statefulset-partition", "fresh-uids",
                lambda w: w.with_workload("web", fresh_uids=False)),
    WorldMutant("scheduler-rebinds", "The scheduler binds the pod of a NotReady node to another node.",
                "replicaset-node-failure", "uid-bound-once",
                lambda w: w.with_scheduler(rebinds_lost=True)),
    WorldMutant("job-counts-twice", "The Job controller counts a finished pod without removing its tracking finalizer.",
                "job-pod-failure-policy", "job-pod-counted-once",
                lambda w: w.with_workload("batch", count_once=False)),
    WorldMutant("job-replaces-terminating", "The Job controller replaces terminating pods although podReplacementPolicy is Failed.",
                "job-replacement-failed", "job-succeeded-within-completions",
                lambda w: w.with_workload("batch", active_counts="live")),
    WorldMutant("mirror-outlives-static", "The kubelet removes a static pod but leaves its mirror pod in the API.",
                "static-mirror", "mirror-follows-static",
                lambda w: w.with_workload("etcd-node-1", deletes_mirror=False)),
    WorldMutant("no-mirror-pod", "The kubelet never creates a static pod's mirror pod.",
                "static-mirror", "mirror-eventually-present",
                lambda w: w.with_workload("etcd-node-1", creates_mirror=False)),
    WorldMutant("no-taint-eviction", "The node lifecycle controller never evicts the pods of a NotReady node.",
                "replicaset-node-failure", "failed-node-pods-eventually-deleted",
                lambda w: w.with_bounds(taint_eviction=False)),
    WorldMutant("rs-waits-for-terminating", "The ReplicaSet controller counts terminating pods as active.",
                "replicaset-node-failure", "rs-replicas-eventually-ready",
                lambda w: w.with_workload("web", active_counts="object")),
)


def by_id(mid: str) -> WorldMutant:
    for m in WORLD_MUTANTS:
        if m.id == mid:
            return m
    raise KeyError(f"unknown world mutant {mid!r}")
