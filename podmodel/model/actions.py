"""Actions of the product model, named after the Kubernetes actor and event.

Actions are immutable values whose ``repr`` is valid Python, so a counterexample prints
as code that can be pasted into a test:

>>> ContainerExit("app", 1)
ContainerExit(container='app', code=1)
>>> ContainerExit("app", 1) == ContainerExit("app", 1), hash(NodeLost()) == hash(NodeLost())
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass


class Action:
    """Base class; ``actor`` is who does it (scheduler, kubelet, container, API client...)."""

    __slots__ = ()
    actor = ""


def _action(actor: str):
    def wrap(cls):
        cls = dataclass(frozen=True, slots=True)(cls)
        cls.actor = actor
        return cls
    return wrap


@_action("scheduler")
class SchedulerBind(Action):
    """The scheduler binds the pod to ``node`` (pods/binding sets spec.nodeName)."""
    node: str


@_action("kubelet")
class KubeletCreateSandbox(Action):
    """The kubelet creates the pod sandbox (PodReadyToStartContainers=True)."""


@_action("kubelet")
class SandboxRecreated(Action):
    """The sandbox died and the kubelet made a new one: every container starts over."""


@_action("kubelet")
class KubeletStartContainer(Action):
    """The kubelet starts ``container`` for the first time in this sandbox."""
    container: str


@_action("kubelet")
class KubeletImagePullFailed(Action):
    """Pulling ``container``'s image failed (waiting: ErrImagePull)."""
    container: str


@_action("kubelet")
class KubeletImagePullBackOff(Action):
    """The kubelet backs off before pulling again (waiting: ImagePullBackOff)."""
    container: str


@_action("kubelet")
class KubeletCreateConfigError(Action):
    """The container's config could not be built (waiting: CreateContainerConfigError)."""
    container: str


@_action("prober")
class ProbeSucceed(Action):
    """A ``kind`` probe (startup or readiness) of ``container`` succeeds."""
    container: str
    kind: str


@_action("prober")
class ProbeFail(Action):
    """A ``kind`` probe of ``container`` fails (startup/liveness: killed; readiness: unready)."""
    container: str
    kind: str


@_action("container")
class ContainerExit(Action):
    """``container``'s process exits with ``code`` (137 OOMKilled)."""
    container: str
    code: int


@_action("container")
class ContainerStartedAndExited(Action):
    """``container`` started and exited with ``code`` between two status syncs (the PLEG
    relist saw it already exited), so it is never shown running."""
    container: str
    code: int


@_action("kubelet")
class KubeletBackOff(Action):
    """The kubelet delays a restart (waiting: CrashLoopBackOff)."""
    container: str


@_action("kubelet")
class KubeletRestartContainer(Action):
    """The kubelet starts a new instance of an exited ``container`` (restartCount + 1)."""
    container: str


@_action("controller")
class ControllerSetCondition(Action):
    """A controller sets the readiness-gate condition ``condition`` to ``status``."""
    condition: str
    status: str


@_action("node-controller")
class NodeLost(Action):
    """The node stops reporting; the node controller marks the pod Ready=False."""


@_action("node-controller")
class NodeRecovered(Action):
    """The node reports again."""


@_action("client")
class ApiDelete(Action):
    """DELETE with ``grace`` seconds (deletionTimestamp; grace 0 for unbound/terminal pods)."""
    grace: int


@_action("client")
class ForceDelete(Action):
    """DELETE --force --grace-period=0: the object is removed at once."""


@_action("kubelet")
class GracePeriodExpired(Action):
    """The grace period ran out: remaining containers get SIGKILL (exit 137)."""


@_action("kubelet")
class KubeletRemovePod(Action):
    """The kubelet's final DELETE of a terminated pod that has a deletionTimestamp."""


@_action("kubelet")
class Evict(Action):
    """The kubelet evicts the pod (node pressure): phase Failed, reason Evicted, DisruptionTarget."""


@_action("kubelet")
class DeadlineExceeded(Action):
    """activeDeadlineSeconds passed: phase Failed, reason DeadlineExceeded."""


ALL_ACTIONS: tuple[type, ...] = (
    SchedulerBind, KubeletCreateSandbox, SandboxRecreated, KubeletStartContainer, KubeletImagePullFailed,
    KubeletImagePullBackOff, KubeletCreateConfigError, ProbeSucceed, ProbeFail, ContainerExit, ContainerStartedAndExited, KubeletBackOff,
    KubeletRestartContainer, ControllerSetCondition, NodeLost, NodeRecovered, ApiDelete, ForceDelete,
    GracePeriodExpired, KubeletRemovePod, Evict, DeadlineExceeded,
)
BY_NAME = {cls.__name__: cls for cls in ALL_ACTIONS}


def parse_action(text: str) -> Action:
    """Parse an action's repr (``ContainerExit(container='app', code=1)``) back to a value.

    >>> parse_action("ContainerExit(container='app', code=1)")
    ContainerExit(container='app', code=1)
    >>> parse_action("NodeLost()")
    NodeLost()
    """
    import ast

    node = ast.parse(text.strip(), mode="eval").body
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name) or node.func.id not in BY_NAME:
        raise ValueError(f"not an action: {text!r}")
    args = [ast.literal_eval(a) for a in node.args]
    kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
    return BY_NAME[node.func.id](*args, **kwargs)
