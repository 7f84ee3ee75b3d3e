"""Actions of a world, named after the Kubernetes actor and event (Actor+Verb).

A pod's own steps (the kubelet, its containers) are the product model's actions,
wrapped with the pod's UID (`PodStep`); the other actions belong to the world's actors:
controllers, the scheduler, the node lifecycle controller, the pod garbage collector
and clients.  Every action is a frozen value whose ``repr`` is valid Python.

>>> from podmodel.model.actions import KubeletStartContainer
>>> PodStep(0, KubeletStartContainer("app"))
PodStep(uid=0, action=KubeletStartContainer(container='app'))
"""

from __future__ import annotations

from podmodel.model.actions import Action, _action


@_action("pod")
class PodStep(Action):
    """Pod ``uid`` takes one step of its own product model (kubelet, container, prober)."""
    uid: int
    action: Action


@_action("controller")
class ControllerCreatePod(Action):
    """The workload's controller creates a pod (``ordinal``: the StatefulSet identity, else -1)."""
    workload: str
    ordinal: int = -1


@_action("controller")
class ControllerDeletePod(Action):
    """The workload's controller deletes pod ``uid`` (a StatefulSet's failed pod; a finished Job's active pods)."""
    workload: str
    uid: int


@_action("controller")
class JobTrackPod(Action):
    """The Job controller counts finished pod ``uid`` and removes its tracking finalizer."""
    workload: str
    uid: int


@_action("scheduler")
class SchedulerBindPod(Action):
    """The scheduler binds pod ``uid`` to ``node`` (a Ready, untainted node)."""
    uid: int
    node: str


@_action("node")
class NodeNotReady(Action):
    """``node`` stops reporting (crash or partition); the node lifecycle controller marks it
    NotReady, taints it, and marks its pods Ready=False."""
    node: str


@_action("node")
class NodeReady(Action):
    """``node`` reports again; its kubelet resumes syncing its pods."""
    node: str


@_action("node-controller")
class NodeDeleted(Action):
    """The cloud node lifecycle controller deletes the Node object of NotReady ``node`` (its VM is gone)."""
    node: str


@_action("node-controller")
class TaintEvictPod(Action):
    """The taint eviction controller deletes pod ``uid`` of a NotReady node once its
    NoExecute toleration ran out (DisruptionTarget: DeletionByTaintManager)."""
    uid: int


@_action("podgc")
class PodGCDeleteOrphan(Action):
    """The pod garbage collector force-deletes pod ``uid``, bound to a node that no longer exists
    (DisruptionTarget: DeletionByPodGC)."""
    uid: int


@_action("client")
class ClientForceDelete(Action):
    """A client deletes pod ``uid`` with ``--grace-period=0 --force``: the object is removed at once."""
    uid: int


@_action("kubelet")
class KubeletKillOrphan(Action):
    """The kubelet of a Ready node kills the containers of pod ``uid``, whose API object is gone
    (kubelet HandlePodRemoves / HandlePodCleanups)."""
    uid: int


@_action("kubelet")
class KubeletStartStaticPod(Action):
    """The kubelet of the static pod's node starts it from its manifest file."""
    workload: str


@_action("kubelet")
class KubeletCreateMirrorPod(Action):
    """The kubelet creates the mirror pod (the API object) of static pod ``uid``."""
    uid: int


@_action("admin")
class StaticPodFileRemoved(Action):
    """The static pod's manifest file is removed from its node: the kubelet stops the pod."""
    workload: str


WORLD_ACTIONS: tuple[type, ...] = (
    NodeNotReady, NodeReady, NodeDeleted, TaintEvictPod, PodGCDeleteOrphan, ControllerCreatePod,
    ControllerDeletePod, JobTrackPod, SchedulerBindPod, ClientForceDelete, KubeletKillOrphan, PodStep,
    KubeletStartStaticPod, KubeletCreateMirrorPod, StaticPodFileRemoved,
)
