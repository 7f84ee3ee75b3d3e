"""The kubelet's lifecycle rules, as pure functions over normalised container statuses.

This module is the single copy of the rules.  `podmodel.model.reference` applies it to Pod
objects from the API; the product model (`podmodel.model`) applies it to its own states.
Each function names the upstream function it reproduces; the rules are summarised with
their sources in ``shared/k8s-semantics.md``.

>>> from podmodel.model.config import PodConfig, ContainerSpec
>>> cfg = PodConfig(containers=(ContainerSpec("app"),), restart_policy="Always")
>>> get_phase(cfg, [Status("app", "terminated", exit_code=0)])
'Running'
>>> get_phase(cfg, [Status("app", "terminated", exit_code=0)], pod_is_terminal=True)
'Succeeded'
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from podmodel.model.config import ContainerSpec, PodConfig

PHASES = ("Pending", "Running", "Succeeded", "Failed")
TERMINAL_PHASES = frozenset({"Succeeded", "Failed"})

# Condition reasons, pkg/kubelet/status/generate.go
UNKNOWN_CONTAINER_STATUSES = "UnknownContainerStatuses"
POD_COMPLETED = "PodCompleted"
POD_FAILED = "PodFailed"
CONTAINERS_NOT_READY = "ContainersNotReady"
CONTAINERS_NOT_INITIALIZED = "ContainersNotInitialized"
READINESS_GATES_NOT_READY = "ReadinessGatesNotReady"
# Termination reasons, pkg/kubelet/container and kubelet_pods.go
CONTAINER_STATUS_UNKNOWN = "ContainerStatusUnknown"
RESTARTING_ALL_CONTAINERS = "RestartingAllContainers"
TERMINATED_UNKNOWN_MESSAGE = "The container could not be located when the pod was terminated"


@dataclass(frozen=True, slots=True)
class Status:
    """One container status, reduced to what the lifecycle rules read.

    ``state`` is ``"waiting"``, ``"running"``, ``"terminated"`` or ``"empty"`` (a
    status whose state has none of the three set, which the kubelet treats as unknown).
    ``last_exit_code`` is ``lastState.terminated.exitCode`` (None without one).
    ``started`` is None when the field is absent.
    """

    name: str
    state: str
    exit_code: int | None = None
    reason: str | None = None
    last_exit_code: int | None = None
    last_reason: str | None = None
    started: bool | None = None
    ready: bool = False
    message: str | None = None

    @property
    def has_last_termination(self) -> bool:
        return self.last_exit_code is not None


def first_match(statuses: Iterable[Status]) -> dict[str, Status]:
    """Statuses by name, first match wins (``podutil.GetContainerStatus``)."""
    out: dict[str, Status] = {}
    for s in statuses:
        out.setdefault(s.name, s)
    return out


# ---------------------------------------------------------------------------------
# Restart decisions: pkg/api/v1/pod/util.go and pkg/kubelet/container/helpers.go
# ---------------------------------------------------------------------------------
def container_should_restart(c: ContainerSpec, pod_restart_policy: str, exit_code: int, gates: Mapping[str, bool]) -> bool:
    """``podutil.ContainerShouldRestart``: would the kubelet restart ``c`` after ``exit_code``?

    With ``ContainerRestartRules`` on, the container's first matching
    ``restartPolicyRules`` entry decides (``Restart``; ``RestartAllContainers`` counts as
    a restart only with its own gate on, as the kubelet tests at 001a80e9 require), then
    the container's own ``restartPolicy``, then the pod's.  Sidecars always restart.

    >>> from podmodel.model.gates import resolve_gates
    >>> container_should_restart(ContainerSpec("a"), "OnFailure", 0, resolve_gates())
    False
    >>> container_should_restart(ContainerSpec("a", restart_policy="Always"), "Never", 0, resolve_gates())
    True
    """
    if c.is_sidecar:
        return True
    policy = pod_restart_policy
    if gates.get("ContainerRestartRules", True) and c.restart_policy is not None:
        for rule in c.restart_rules:
            if rule.matches(exit_code):
                if rule.action == "Restart":
                    return True
                if rule.action == "RestartAllContainers" and gates.get("RestartAllContainersOnContainerExits", False):
                    return True
                break
        policy = c.restart_policy
    if policy == "Never":
        return False
    if policy == "OnFailure":
        return exit_code != 0
    return True  # Always, or unset (API defaulting sets Always)


def _restartable(cfg: PodConfig, c: ContainerSpec, exit_code: int, reason: str | None) -> bool:
    """getPhase's restartability: ContainerShouldRestart, or (KEP-5532) the container
    was stopped because all containers restart."""
    gates = cfg.gates
    if gates.get("RestartAllContainersOnContainerExits") and reason == RESTARTING_ALL_CONTAINERS:
        return True
    return container_should_restart(c, cfg.restart_policy, exit_code, gates)


def kubelet_restarts(cfg: PodConfig, c: ContainerSpec, exit_code: int) -> bool:
    """``kubecontainer.ShouldContainerBeRestarted`` for an exited container of a live pod.

    Gate ``ContainerRestartRules`` on: `container_should_restart`; off: the pod policy
    (Never: no; OnFailure: exit != 0; Always: yes).  Completed regular init containers
    are never re-run (kuberuntime ``computeInitContainerActions``).
    """
    if c.is_regular_init and exit_code == 0:
        return False
    if c.is_sidecar:
        return True
    if cfg.gate("ContainerRestartRules"):
        return container_should_restart(c, cfg.restart_policy, exit_code, cfg.gates)
    return container_should_restart(replace(c, restart_policy=None, restart_rules=()), cfg.restart_policy, exit_code, cfg.gates)


# ---------------------------------------------------------------------------------
# getPhase: pkg/kubelet/kubelet_pods.go
# ---------------------------------------------------------------------------------
#: getPhase's counters (steps A-C), in the order they are packed: each is a field of
#: `PHASE_FIELD_BITS` bits of one int, so the counts of several containers add up by adding
#: their ints (`phase_counts`).  Speed only: a caller that derives the phase of many
#: states (`podmodel.model.product.Model.phase_of`) keeps each container's int and adds.
PHASE_COUNTERS = ("pending_init", "failed_init", "failed_init_not_restartable", "pending_sidecar",
                  "running", "waiting", "stopped", "succeeded", "stopped_not_restartable", "unknown")
PHASE_FIELD_BITS = 16
(_PENDING_INIT, _FAILED_INIT, _FAILED_INIT_NOT_RESTARTABLE, _PENDING_SIDECAR, _RUNNING, _WAITING, _STOPPED,
 _SUCCEEDED, _STOPPED_NOT_RESTARTABLE, _UNKNOWN) = (1 << (PHASE_FIELD_BITS * k) for k in range(len(PHASE_COUNTERS)))


def get_phase(
    cfg: PodConfig,
    statuses: Sequence[Status],
    *,
    pod_is_terminal: bool = False,
    pod_has_initialized: bool = False,
) -> str:
    """The kubelet's ``getPhase``: the phase for these container statuses.

    ``statuses`` is the combined list the kubelet passes (regular statuses, then init
    statuses); lookups are by name, first match wins.  Never returns ``Unknown``.
    Steps A-D below are those of ``shared/k8s-semantics.md`` section 2: A-C count the
    containers (`phase_counts`, one container at a time, init containers first), D decides
    (`phase_from_counts`).
    """
    by_name = first_match(statuses)
    rules_on = cfg.gates.get("ContainerRestartRules", True)
    counts = 0
    for c in cfg.init_containers:
        counts += phase_counts(cfg, c, by_name.get(c.name), init=True, rules_on=rules_on)
    for c in cfg.containers:
        counts += phase_counts(cfg, c, by_name.get(c.name), init=False, rules_on=rules_on)
    return phase_from_counts(cfg, counts, pod_is_terminal=pod_is_terminal, pod_has_initialized=pod_has_initialized,
                             rules_on=rules_on)


def phase_counts(cfg: PodConfig, c: ContainerSpec, s: Status | None, *, init: bool, rules_on: bool | None = None) -> int:
    """Steps A-C of ``getPhase`` (kubelet_pods.go) for one container ``c`` with status ``s``
    (None: the pod has no status for it): what it adds to each of `PHASE_COUNTERS`, packed
    in one int.  ``init``: ``c`` is one of ``cfg.init_containers``; ``rules_on``: the
    ``ContainerRestartRules`` gate (looked up in ``cfg`` when None).

    >>> cfg = PodConfig(containers=(ContainerSpec("app"),))
    >>> n = phase_counts(cfg, cfg.containers[0], Status("app", "running"), init=False)
    >>> {k: v for k, v in unpack_phase_counts(n).items() if v}
    {'running': 1}
    """
    if rules_on is None:
        rules_on = cfg.gates.get("ContainerRestartRules", True)
    if init:
        if c.is_sidecar:  # step B
            if s is None:
                return _UNKNOWN
            if s.state == "running":
                return _RUNNING if s.started else _RUNNING + _PENDING_SIDECAR
            if s.state == "terminated" or (s.state == "waiting" and s.has_last_termination):
                return 0
            if s.state == "waiting":
                return _PENDING_SIDECAR + _WAITING
            return _PENDING_SIDECAR + _UNKNOWN  # empty state
        # step A: regular init containers
        if s is None or s.state in ("running", "empty"):
            return _PENDING_INIT
        if s.state == "terminated":
            if s.exit_code != 0:
                if rules_on and not _restartable(cfg, c, s.exit_code, s.reason):
                    return _FAILED_INIT + _FAILED_INIT_NOT_RESTARTABLE
                return _FAILED_INIT
            return 0
        if s.has_last_termination:
            if s.last_exit_code != 0:
                if not _restartable(cfg, c, s.last_exit_code, s.last_reason):
                    return _FAILED_INIT + _FAILED_INIT_NOT_RESTARTABLE
                return _FAILED_INIT
            return 0
        return _PENDING_INIT
    # step C
    if s is None or s.state == "empty":
        return _UNKNOWN
    if s.state == "running":
        return _RUNNING
    if s.state == "terminated":
        n = _STOPPED
        if s.exit_code == 0:
            n += _SUCCEEDED
        if rules_on and not _restartable(cfg, c, s.exit_code, s.reason):
            n += _STOPPED_NOT_RESTARTABLE
        return n
    if s.has_last_termination:
        if rules_on and not _restartable(cfg, c, s.last_exit_code, s.last_reason):
            return _STOPPED + _STOPPED_NOT_RESTARTABLE
        return _STOPPED
    return _WAITING


def unpack_phase_counts(counts: int) -> dict[str, int]:
    """`PHASE_COUNTERS` by name, from the packed int `phase_counts` and their sums give."""
    return dict(zip(PHASE_COUNTERS, _unpack(counts)))


_FIELDS = struct.Struct(f"<{len(PHASE_COUNTERS)}H")  # unsigned 16-bit fields, PHASE_FIELD_BITS


def _unpack(counts: int) -> tuple[int, ...]:
    return _FIELDS.unpack(counts.to_bytes(_FIELDS.size, "little"))


def phase_from_counts(cfg: PodConfig, counts: int, *, pod_is_terminal: bool = False,
                      pod_has_initialized: bool = False, rules_on: bool | None = None) -> str:
    """Step D of ``getPhase`` (kubelet_pods.go): the phase for the containers' summed
    `phase_counts` and the two flags (``rules_on`` as in `phase_counts`)."""
    (pending_init, failed_init, failed_init_not_restartable, pending_sidecar, running, waiting, stopped,
     succeeded, stopped_not_restartable, unknown) = _unpack(counts)  # PHASE_COUNTERS
    if rules_on is None:
        rules_on = cfg.gates.get("ContainerRestartRules", True)
    if rules_on:
        if failed_init_not_restartable > 0:
            return "Failed"
    elif failed_init > 0 and cfg.restart_policy == "Never":
        return "Failed"
    if pending_init > 0 or (pending_sidecar > 0 and not pod_has_initialized) or waiting > 0:
        return "Pending"
    if running > 0 and unknown == 0:
        return "Running"
    if running == 0 and stopped > 0 and unknown == 0:
        if pod_is_terminal and not cfg.static:
            return "Succeeded" if stopped == succeeded else "Failed"
        if rules_on:
            if stopped != stopped_not_restartable:
                return "Running"
            return "Succeeded" if stopped == succeeded else "Failed"
        if cfg.restart_policy == "Always":
            return "Running"
        if stopped == succeeded:
            return "Succeeded"
        if cfg.restart_policy == "Never":
            return "Failed"
        return "Running"
    return "Pending"


def has_any_regular_container_started(cfg: PodConfig, statuses: Iterable[Status]) -> bool:
    """``kubecontainer.HasAnyRegularContainerStarted``: a regular container is running or terminated."""
    names = {c.name for c in cfg.containers}
    return any(s.name in names and s.state in ("running", "terminated") for s in statuses)


# ---------------------------------------------------------------------------------
# Conditions: pkg/kubelet/status/generate.go
# ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Condition:
    """A pod condition as the kubelet generates it (``reason``/``message`` "" when unset)."""

    type: str
    status: str
    reason: str = ""
    message: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"status": self.status, "reason": self.reason, "message": self.message}


def _go_list(names: Sequence[str]) -> str:
    return "[" + " ".join(names) + "]"


def containers_ready(cfg: PodConfig, statuses: Sequence[Status] | None, phase: str) -> Condition:
    """``GenerateContainersReadyCondition``: sidecars and regular containers all ready.

    ``statuses`` is the combined list (init statuses then regular); None is a nil list.
    """
    t = "ContainersReady"
    if statuses is None:
        return Condition(t, "False", UNKNOWN_CONTAINER_STATUSES)
    by_name = first_match(statuses)
    unknown: list[str] = []
    unready: list[str] = []
    for c in cfg.sidecars + cfg.containers:
        s = by_name.get(c.name)
        if s is None:
            unknown.append(c.name)
        elif not s.ready:
            unready.append(c.name)
    if phase == "Succeeded" and not unknown:
        return Condition(t, "False", POD_COMPLETED)
    if phase == "Failed":
        return Condition(t, "False", POD_FAILED)
    messages = []
    if unknown:
        messages.append(f"containers with unknown status: {_go_list(unknown)}")
    if unready:
        messages.append(f"containers with unready status: {_go_list(unready)}")
    if messages:
        return Condition(t, "False", CONTAINERS_NOT_READY, ", ".join(messages))
    return Condition(t, "True")


def pod_ready(cfg: PodConfig, statuses: Sequence[Status] | None, phase: str, conditions: Mapping[str, str]) -> Condition:
    """``GeneratePodReadyCondition``: ContainersReady, then every readiness gate True.

    ``conditions`` maps condition type -> status for the pod's current conditions
    (readiness gates are looked up there).
    """
    cr = containers_ready(cfg, statuses, phase)
    if cr.status != "True":
        return Condition("Ready", cr.status, cr.reason, cr.message)
    messages = []
    for gate in cfg.readiness_gates:
        status = conditions.get(gate)
        if status is None:
            messages.append(f'corresponding condition of pod readiness gate "{gate}" does not exist.')
        elif status != "True":
            messages.append(f'the status of pod readiness gate "{gate}" is not "True", but {status}')
    if messages:
        return Condition("Ready", "False", READINESS_GATES_NOT_READY, ", ".join(messages))
    return Condition("Ready", "True")


def initialized(cfg: PodConfig, statuses: Sequence[Status] | None, phase: str, *, was_initialized: bool = False) -> Condition:
    """``GeneratePodInitializedCondition``.

    Sidecars count when ``started``; regular init containers when ``ready`` (the prober
    marks them ready once they exited 0).  Any regular container running or terminated
    means the pod initialized before.  ``was_initialized`` is the old status's
    Initialized=True, which keeps it True under ``RestartAllContainersOnContainerExits``.
    """
    t = "Initialized"
    if statuses is None and cfg.init_containers:
        return Condition(t, "False", UNKNOWN_CONTAINER_STATUSES)
    statuses = statuses or ()
    by_name = first_match(statuses)
    unknown: list[str] = []
    incomplete: list[str] = []
    for c in cfg.init_containers:
        s = by_name.get(c.name)
        if s is None:
            unknown.append(c.name)
        elif c.is_sidecar:
            if not s.started:
                incomplete.append(c.name)
        elif not s.ready:
            incomplete.append(c.name)
    if phase == "Succeeded" and not unknown:
        return Condition(t, "True", POD_COMPLETED)
    if has_any_regular_container_started(cfg, statuses):
        return Condition(t, "True")
    messages = []
    if unknown:
        messages.append(f"containers with unknown status: {_go_list(unknown)}")
    if incomplete:
        messages.append(f"containers with incomplete status: {_go_list(incomplete)}")
    if messages:
        if was_initialized and cfg.gate("RestartAllContainersOnContainerExits"):
            return Condition(t, "True")
        return Condition(t, "False", CONTAINERS_NOT_INITIALIZED, ", ".join(messages))
    return Condition(t, "True")


# ---------------------------------------------------------------------------------
# TerminatePod: pkg/kubelet/status/status_manager.go
# ---------------------------------------------------------------------------------
def _unknown_terminated(s: Status) -> Status:
    return replace(s, state="terminated", exit_code=137, reason=CONTAINER_STATUS_UNKNOWN,
                   message=TERMINATED_UNKNOWN_MESSAGE, ready=False)


def pod_has_initialized_for_termination(cfg: PodConfig, init_statuses: Sequence[Status], statuses: Sequence[Status]) -> bool:
    """``hasPodInitialized`` (status manager): no init containers; or a regular container
    left waiting or has a last termination; or the last init container is a started,
    running sidecar, or a regular init container that exited 0 (now or last time)."""
    if not cfg.init_containers:
        return True
    if any(s.has_last_termination or s.state != "waiting" for s in statuses):
        return True
    if init_statuses and len(init_statuses) <= len(cfg.init_containers):
        last = init_statuses[-1]
        spec = cfg.init_containers[len(init_statuses) - 1]  # kubeutil.GetContainerByIndex
        if spec.name != last.name:
            return False
        if spec.is_sidecar:
            return last.state == "running" and bool(last.started)
        return last.last_exit_code == 0 or (last.state == "terminated" and last.exit_code == 0)
    return False


def terminate_pod(cfg: PodConfig, init_statuses: Sequence[Status], statuses: Sequence[Status], phase: str) -> tuple[tuple[Status, ...], tuple[Status, ...], str]:
    """``TerminatePod``: default the statuses so that no missing status reads as success,
    and force a terminal phase (anything but Succeeded/Failed becomes Failed).

    Returns ``(init_statuses, statuses, phase)``.
    """
    if pod_has_initialized_for_termination(cfg, init_statuses, statuses):
        statuses = tuple(s if s.state == "terminated" else _unknown_terminated(s) for s in statuses)
    # all but the trailing run of never-started init containers; at least the first one
    keep = 0
    for i in range(len(init_statuses) - 1, -1, -1):
        s = init_statuses[i]
        if s.state != "waiting" or s.has_last_termination:
            keep = i + 1
            break
    else:
        keep = 1 if init_statuses else 0
    init_statuses = tuple(
        (_unknown_terminated(s) if i < keep and s.state != "terminated" else s) for i, s in enumerate(init_statuses)
    )
    return tuple(init_statuses), tuple(statuses), phase if phase in TERMINAL_PHASES else "Failed"
