"""The property catalogue: named properties of four kinds.

* ``always``: a state invariant, ``check(model, state) -> bool``.
* ``step``: over one transition, ``check(model, state, action, next_state) -> bool``.
* ``sometimes``: a witness that must be reachable, ``check(model, state) -> bool``; a
  model in which nothing happens satisfies every safety property, so each applicable
  ``sometimes`` property must find its witness or the run is vacuous.
* ``eventually``: liveness as "``trigger`` leads to ``check``": from every reachable state
  where ``trigger(model, state)`` holds, every path that is *strongly* fair to the
  kubelet's progress actions (`FAIR_ACTIONS`) reaches a state where ``check`` holds
  (`DEFAULT_FAIRNESS`; every command and API uses it unless told ``fairness="weak"``).

Each has a stable id, a one-line statement and its source.  ``applies(model)`` says
whether the property means anything for that configuration (a sidecar witness needs a
sidecar).  The properties are written against Kubernetes' rules directly (through
`podmodel.model.kubelet` and `podmodel.model.reference`), never against the machine declarations,
so a modified declaration is caught.

>>> [p.id for p in CATALOGUE if p.kind == "step"][:3]
['no-resurrection', 'no-rebinding', 'restart-policy-honoured']
>>> by_id("no-resurrection").source
'k8s-invariants.md P4, P5; kubelet_pods.go generateAPIPodStatus'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from podmodel.model import actions as A
from podmodel.model import kubelet
from podmodel.model.product import (
    INSTANCE_STATES,
    RUNNING_STATES,
    STARTED_STATES,
    Model,
    PodState,
)

KINDS = ("always", "step", "sometimes", "eventually")
TERMINAL = kubelet.TERMINAL_PHASES

#: The fairness of the ``eventually`` properties, everywhere (explore, verify, the API).
#:
#: Strong fairness: a fair action that is enabled again and again is eventually taken.
#: Why strong and not weak: the kubelet is a periodic sync loop (``syncLoopIteration``
#: re-runs ``SyncPod`` for every pod at least every ``syncFrequency``, 1 min by default,
#: and on every PLEG event).  An action that becomes enabled at each of infinitely many
#: syncs is therefore taken at one of them; weak fairness would also admit runs in which
#: the environment disables it just before each sync forever (a node flapping in step
#: with the sync loop, a sidecar crashing right before each app start), which no real
#: kubelet exhibits and which made `explore` report lassos that are not Kubernetes
#: behaviour.  ``fairness="weak"`` (``--fairness weak``) remains available.
DEFAULT_FAIRNESS = "strong"
#: The fairness semantics `podmodel.engines.analysis.liveness` knows.
FAIRNESS = ("strong", "weak")

#: Fair actions: kubelet/API progress that, enabled again and again, eventually happens
#: (`DEFAULT_FAIRNESS`).  Container exits, probe failures, node loss and client requests
#: are the environment's choices and are not fair.  Two environment actions are fair
#: because Kubernetes bounds them: ``NodeRecovered`` (a lost node comes back or is
#: replaced; a node gone forever leaves its pods Terminating until someone force-deletes
#: them, outside the pod's lifecycle) and ``ProbeSucceed`` (a probe resolves: a startup
#: probe succeeds or, after failureThreshold x periodSeconds, fails and the container
#: is killed; under strong fairness a probe cannot fail forever while success stays
#: possible -- "probe flapping is fair", prober/worker.go doProbe).
FAIR_ACTIONS: frozenset[type] = frozenset({
    A.SchedulerBind, A.KubeletCreateSandbox, A.KubeletStartContainer, A.KubeletRestartContainer,
    A.KubeletImagePullBackOff, A.GracePeriodExpired, A.KubeletRemovePod, A.NodeRecovered,
    A.ProbeSucceed,
})


@dataclass(frozen=True)
class Property:
    id: str
    kind: str
    statement: str
    source: str
    check: Callable[..., bool]
    trigger: Callable[[Model, PodState], bool] | None = None
    applies: Callable[[Model], bool] = lambda m: True
    #: True when the property's value does not change if interchangeable containers (app
    #: containers whose specs are equal but for the name, `podmodel.engines.symmetry`) swap
    #: their states -- and, for a ``step``, the action is renamed alike.  A property that
    #: singles a container out by name or position ("web never restarts") is not.  The
    #: compiled engine then evaluates it once per orbit of core states / table edges and
    #: shares the value (`podmodel.engines.compiled`); default False, so a user property
    #: is evaluated on every class unless it says so.  Every catalogue property is
    #: (none names a container: they look at containers through the model's specs, "every"
    #: and "any"), which `tests/test_compiled_symmetric.py` checks on permuted states.
    symmetric: bool = False

    def __repr__(self) -> str:
        return f"Property({self.id!r}, {self.kind!r})"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "statement": self.statement, "source": self.source}


def _running(m: Model, s: PodState, i: int) -> bool:
    return s.containers[i].machine in RUNNING_STATES


def _app_instance_exists(m: Model, s: PodState) -> bool:
    return any(s.containers[i].machine in INSTANCE_STATES for i in m.app_indices)


def _init_complete(m: Model, s: PodState) -> bool:
    return all(s.containers[i].machine == "Terminated" and s.containers[i].exit_code == 0
               for i in m.init_indices if m.specs[i].is_regular_init)


def _restarted(cs_old, cs_new) -> bool:
    """A new container instance: the restart count rose, or a terminated container runs again."""
    if cs_new[4] is cs_old[4]:  # the same count: it did not rise (compared without reading it)
        return cs_old.machine == "Terminated" and cs_new.machine in RUNNING_STATES
    return cs_new.restart_count > cs_old.restart_count or (
        cs_old.machine == "Terminated" and cs_new.machine in RUNNING_STATES)


# ------------------------------------------------------------------------- always
def _phase_consistent(m: Model, s: PodState) -> bool:
    """The phase is one the kubelet could report for the statuses shown: getPhase with
    some value of its hidden inputs, or explained (held back, TerminatePod, handler)."""
    if not m.synced(s) or s.phase == "Failed" and s.termination == "Finished":
        return True
    # kubelet.get_phase of the statuses shown, through the model's memo (`Model.phase_of`)
    options = {m.phase_of(s, t, h) for t in (False, True) for h in (False, True)}
    if s.phase in options:
        return True
    # a terminal phase held back while a container still runs (mergePodStatus)
    return any(cs.machine in RUNNING_STATES for cs in s.containers) and bool(options & TERMINAL)


def _terminal_not_ready(m: Model, s: PodState) -> bool:
    return s.phase not in TERMINAL or (s.condition("Ready") != "True" and s.condition("ContainersReady") != "True")


def _ready_containers_ready(m: Model, s: PodState) -> bool:
    return s.condition("Ready") != "True" or s.condition("ContainersReady") == "True"


def _containers_ready_consistent(m: Model, s: PodState) -> bool:
    if s.condition("ContainersReady") != "True":
        return True
    return all(s.containers[i].machine == "Ready" for i in range(len(m.specs)) if not m.specs[i].is_regular_init)


def _init_order(m: Model, s: PodState) -> bool:
    return _init_complete(m, s) or not _app_instance_exists(m, s)


def _init_one_at_a_time(m: Model, s: PodState) -> bool:
    regular = [i for i in m.init_indices if m.specs[i].is_regular_init]
    return sum(_running(m, s, i) for i in regular) <= 1


def _succeeded_all_zero(m: Model, s: PodState) -> bool:
    return s.phase != "Succeeded" or all(
        s.containers[i].machine == "Terminated" and s.containers[i].exit_code == 0 for i in m.app_indices)


def _terminal_nothing_runs(m: Model, s: PodState) -> bool:
    return s.phase not in TERMINAL or not any(cs.machine in RUNNING_STATES for cs in s.containers)


# --------------------------------------------------------------------------- step
# Identity shortcuts (speed only; the value is unchanged): a step predicate that looks at
# each container's old and new state skips a container whose state is the same object in
# both, where nothing changed.  Besides saving the comparisons, this lets the compiled
# engine evaluate a transition with the containers it leaves unchanged hidden
# (`podmodel.engines.compiled`, `_Checks`): a predicate that never looks at them gives one
# value for every transition that agrees on the rest.
def _no_resurrection(m, s, a, t) -> bool:
    return s.phase not in TERMINAL or t.phase == s.phase


def _no_rebinding(m, s, a, t) -> bool:
    return s.node is None or (t.node == s.node and not isinstance(a, A.SchedulerBind))


def _restart_policy_honoured(m, s, a, t) -> bool:
    """terminated -> running again only if ShouldContainerBeRestarted allows it for the last
    exit (sidecars always; completed regular init containers never), or the sandbox was recreated."""
    if isinstance(a, A.SandboxRecreated):
        return True
    for i, (old, new) in enumerate(zip(s.containers, t.containers)):
        if new is old:  # the same container state: not restarted (identity shortcut)
            continue
        if new[4] is old[4]:  # `_restarted` with the same count, inlined (speed only)
            if not (old.machine == "Terminated" and new.machine in RUNNING_STATES):
                continue
        elif not _restarted(old, new):
            continue
        code = old.exit_code if old.machine == "Terminated" else old.last_exit_code
        if old.machine == "Waiting" and new.restart_count > old.restart_count:
            continue  # first start in a recreated sandbox
        if code is None or not m.restarts(i, code):  # kubelet.kubelet_restarts, memoised
            return False
    return True


def _restart_count_monotone(m, s, a, t) -> bool:
    for old, new in zip(s.containers, t.containers):
        # the same count object is never smaller (compared without reading it)
        if new is not old and new[4] is not old[4] and not new.restart_count >= old.restart_count:
            return False
    return True


def _sidecar_order(m, s, a, t) -> bool:
    """An app container (re)starts only once the pod has initialised: an app container is
    running, or the last init container is done (regular: exited 0; sidecar: started)."""
    if not isinstance(a, (A.KubeletStartContainer, A.KubeletRestartContainer)) or m.index[a.container] not in m.app_indices:
        return True
    if not m.init_indices or any(_running(m, s, i) for i in m.app_indices):
        return True
    last = m.init_indices[-1]
    cs = s.containers[last]
    return cs.machine in STARTED_STATES if m.specs[last].is_sidecar else (cs.machine == "Terminated" and cs.exit_code == 0)


def _deletion_irreversible(m, s, a, t) -> bool:
    order = {"Live": 0, "Deleting": 1, "Removed": 2}
    return order[t.deletion] >= order[s.deletion]


def _initialized_monotone(m, s, a, t) -> bool:
    """Initialized=True goes back to False only when the sandbox is recreated, or while a
    sidecar is not started and no app container is running or terminated.  The second
    case is real kubelet behaviour (GeneratePodInitializedCondition only keeps
    Initialized True through HasAnyRegularContainerStarted, which ignores a container
    waiting in CrashLoopBackOff), narrower than e2e's "never regresses" (I4), whose check
    never runs upstream (k8s-invariants.md §4 caveat).  See docs/model.md."""
    if isinstance(a, A.SandboxRecreated):
        return True
    if not (s.condition("Initialized") == "True" and t.condition("Initialized") == "False"):
        return True
    sidecar_down = any(t.containers[i].machine not in STARTED_STATES for i in m.init_indices if m.specs[i].is_sidecar)
    app_shown = any(t.containers[i].machine in RUNNING_STATES | {"Terminated"} for i in m.app_indices)
    return sidecar_down and not app_shown


def _no_start_when_stopping(m, s, a, t) -> bool:
    """Once the pod is stopping (deleted, evicted, past its deadline, done), nothing is
    (re)started: a deleted, evicted or timed-out pod is stopping whatever the pod worker's
    state says (ShouldContainerBeRestarted is false once deletionTimestamp is set;
    eviction_manager.go evictPod and activeDeadlineHandler kill the pod: pod_workers.go
    UpdatePod with SyncPodKill)."""
    if s.termination == "Active" and s.stop_reason is None and s.deletion == "Live":
        return True
    return not any(o is not n and (_restarted(o, n) or (o.machine not in RUNNING_STATES and n.machine in RUNNING_STATES))
                   for o, n in zip(s.containers, t.containers))  # (identity shortcut)


def _phase_never_unknown(m: Model, s: PodState) -> bool:
    return s.phase in kubelet.PHASES


def _probeless_status(m: Model, s: PodState) -> bool:
    """Without a probe, its condition follows at once: a running container without a
    startup probe is started, and a started app container or sidecar without a readiness
    probe is ready (prober_manager.go UpdatePodStatus: ``started`` when there is no
    startup probe, ``ready = started`` when there is no readiness probe; regular init
    containers are never probed and not ready while they run)."""
    for i, cs in enumerate(s.containers):
        spec = m.specs[i]
        if cs.machine == "Running" and not spec.has_probe("startup"):
            return False
        if cs.machine == "Started" and not spec.has_probe("readiness") and not spec.is_regular_init:
            return False
    return True


def _finished_statuses_final(m: Model, s: PodState) -> bool:
    """Once the pod worker is done, the statuses are final: TerminatePod has defaulted every
    container that might read as running or successful (exit 137, ContainerStatusUnknown),
    so applying it again changes nothing (status_manager.go TerminatePod)."""
    if s.termination != "Finished" or s.deletion == "Removed":
        return True
    init_v, reg_v = m.statuses(s, synced=True)
    new_init, new_reg, _ = kubelet.terminate_pod(m.config, init_v, reg_v, s.phase)
    return tuple(new_init) == tuple(init_v) and tuple(new_reg) == tuple(reg_v)


def _readiness_gated_by_probe(m, s, a, t) -> bool:
    """A running container with a readiness probe becomes ready only when that probe
    succeeds (prober_manager.go UpdatePodStatus: ``ready = result == results.Success``
    for a container with a readiness probe; without one, ready once started)."""
    for i, (old, new) in enumerate(zip(s.containers, t.containers)):
        if new is not old and new.machine == "Ready" and old.machine != "Ready" and m.specs[i].has_probe("readiness"):
            if not (isinstance(a, A.ProbeSucceed) and a.kind == "readiness" and a.container == m.specs[i].name):
                return False
    return True


def _started_gated_by_probe(m, s, a, t) -> bool:
    """A container with a startup probe is started only when that probe succeeds, in each
    of its instances (prober_manager.go UpdatePodStatus: ``started`` is the startup
    worker's result, reset to false for a new container instance; without a startup
    probe, started at once)."""
    for i, (old, new) in enumerate(zip(s.containers, t.containers)):
        # (the same count object did not rise: compared without reading it; identity shortcut)
        if new is not old and new.machine in STARTED_STATES and (old.machine not in STARTED_STATES or (
                new[4] is not old[4] and new.restart_count > old.restart_count)) and m.specs[i].has_probe("startup"):
            if not (isinstance(a, A.ProbeSucceed) and a.kind == "startup" and a.container == m.specs[i].name):
                return False
    return True


def _grace_zero_delete(m, s, a, t) -> bool:
    """A DELETE of a pod that is not scheduled or already terminal removes it at once: the
    API server gives it grace period 0 (pkg/registry/core/pod/strategy.go
    CheckGracefulDelete: ``len(pod.Spec.NodeName) == 0`` or phase Failed/Succeeded ->
    period = 0), so no deletionTimestamp is left behind."""
    if not isinstance(a, A.ApiDelete) or s.deletion != "Live":
        return True
    return t.deletion == "Removed" if (s.binding == "Unbound" or s.phase in TERMINAL) else True


def _terminal_phase_matches_reason(m: Model, s: PodState) -> bool:
    """Once the pod worker is done, the phase says why the pod stopped.

    * evicted or past its activeDeadlineSeconds: Failed (eviction_manager.go evictPod and
      kubelet_pods.go generateAPIPodStatus: a handler's ShouldEvict makes the phase
      Failed with reason Evicted / DeadlineExceeded);
    * finished by itself (no client or kubelet stopped it: every regular container is
      done): Succeeded iff every app container exited 0, whatever the sidecars' exit
      codes (getPhase counts regular containers only; KEP-753 "sidecar containers do not
      block pod completion ... and their exit codes are ignored").

    A deleted pod may end either way (its containers' SIGTERM exit codes decide).
    """
    if s.termination != "Finished" or s.phase not in TERMINAL:
        return True
    if s.stop_reason in ("Evicted", "DeadlineExceeded"):
        return s.phase == "Failed"
    if s.stop_reason is None:
        apps_ok = all(s.containers[i].machine == "Terminated" and s.containers[i].exit_code == 0 for i in m.app_indices)
        return (s.phase == "Succeeded") == apps_ok
    return True


def _init_ready(m: Model, s: PodState, i: int) -> bool:
    """The kubelet's start order allows container ``i`` to (re)start: every earlier init
    container is done (a regular one exited 0, a sidecar started); an app container needs
    them all (k8s-invariants.md I1-I2; kuberuntime computeInitContainerActions)."""
    before = m.init_indices if i in m.app_indices else m.init_indices[: m.init_indices.index(i)]
    for j in before:
        cs = s.containers[j]
        if m.specs[j].is_sidecar:
            if cs.machine not in STARTED_STATES:
                return False
        elif not (cs.machine == "Terminated" and cs.exit_code == 0):
            return False
    return True


def _restart_required_offered(m: Model, s: PodState) -> bool:
    """A container that must restart gets restarted: while the pod is active and the node
    reachable, a terminated container whose restart policy (or rules) says "restart" for
    its last exit, and whose turn it is in the start order, has a kubelet restart (or the
    crash-loop back-off before it) enabled (kuberuntime_manager.go computePodActions:
    ``ShouldContainerBeRestarted`` puts it in ``ContainersToStart``; a restart is
    *required*, not only allowed).  The bounded-liveness form (one step) of "a required
    restart eventually happens", so the Hypothesis engine checks it too.  Nobody stopped
    the pod (no deletion, eviction or deadline), so the pod worker may not decide it is
    done instead: only sidecars are stopped when the regular containers are done
    (KEP-753), so for them the rule holds while the pod is active."""
    if s.stop_reason is not None or s.binding != "Bound" or s.deletion != "Live" or s.sandbox != "Ready":
        return True
    for i, cs in enumerate(s.containers):
        if cs.machine not in ("Terminated", "CrashLoopBackOff"):
            continue
        if m.specs[i].is_sidecar and s.termination != "Active":
            continue
        code = cs.exit_code if cs.machine == "Terminated" else cs.last_exit_code
        if code is None or not m.restarts(i, code) or not _init_ready(m, s, i):  # m.restarts: kubelet_restarts
            continue
        name = m.specs[i].name
        if not (m.enabled(s, m.action(A.KubeletRestartContainer, name)) or m.enabled(s, m.action(A.KubeletBackOff, name))):
            return False
    return True


def _removal_allowed(m, s, a, t) -> bool:
    """The pod object goes away only when Kubernetes removes it: a force delete (grace
    0), a DELETE of a pod that is unscheduled or already terminal (strategy.go
    CheckGracefulDelete: grace 0), or the kubelet's final DELETE once the phase is
    terminal and no container runs (status_manager.go canBeDeleted / podIsFinished)."""
    if s.deletion == "Removed" or t.deletion != "Removed":
        return True
    if isinstance(a, A.ForceDelete):
        return True
    if isinstance(a, A.ApiDelete):
        return s.binding == "Unbound" or s.phase in TERMINAL
    return s.phase in TERMINAL and not any(cs.machine in RUNNING_STATES for cs in s.containers)


#: What each container action leaves the container showing (the state the kubelet reports
#: right after it): machine states allowed, and whether the exit code is the action's.
_EFFECTS: dict[tuple[type, str | None], frozenset[str]] = {
    (A.KubeletStartContainer, None): RUNNING_STATES,
    (A.KubeletRestartContainer, None): RUNNING_STATES,
    (A.ContainerExit, None): frozenset({"Terminated"}),
    (A.ContainerStartedAndExited, None): frozenset({"Terminated"}),
    (A.KubeletBackOff, None): frozenset({"CrashLoopBackOff"}),
    (A.KubeletImagePullFailed, None): frozenset({"ErrImagePull"}),
    (A.KubeletImagePullBackOff, None): frozenset({"ImagePullBackOff"}),
    (A.KubeletCreateConfigError, None): frozenset({"CreateContainerConfigError"}),
    (A.ProbeFail, "liveness"): frozenset({"Terminated"}),
    (A.ProbeFail, "startup"): frozenset({"Terminated"}),
    (A.ProbeFail, "readiness"): frozenset({"Started"}),
    (A.ProbeSucceed, "readiness"): frozenset({"Ready"}),
    (A.ProbeSucceed, "startup"): STARTED_STATES,
}


def _actions_take_effect(m, s, a, t) -> bool:
    """Each container event shows as Kubernetes reports it: a started container runs; an
    exit shows terminated with its code (convertToAPIContainerStatuses); a failed liveness
    or startup probe kills the container (exit 137: kuberuntime computePodActions "failed
    liveness probe, will be restarted" -> killContainer); a failed readiness probe leaves it
    running and not ready, a successful one makes it ready (prober_manager.go
    UpdatePodStatus); a startup probe's success marks it started; the crash-loop back-off,
    image-pull and config errors show as the waiting reasons CrashLoopBackOff,
    ErrImagePull, ImagePullBackOff, CreateContainerConfigError (kuberuntime_container.go
    startContainer; images/image_manager.go EnsureImageExists)."""
    name = getattr(a, "container", None)
    if name is None:
        return True
    allowed = _EFFECTS.get((type(a), getattr(a, "kind", None)))
    if allowed is None:
        return True
    cs = t.containers[m.index[name]]
    if cs.machine not in allowed:
        return False
    if isinstance(a, (A.ContainerExit, A.ContainerStartedAndExited)):
        return cs.exit_code == a.code
    if isinstance(a, A.ProbeFail) and a.kind != "readiness":
        return cs.exit_code == 137
    return True


_ATTEMPT_FROM = frozenset({"Waiting", "ErrImagePull", "ImagePullBackOff", "CreateContainerConfigError"})
_ATTEMPT_TO = RUNNING_STATES | {"Terminated", "ErrImagePull", "ImagePullBackOff", "CreateContainerConfigError"}


def _start_attempts_ordered(m, s, a, t) -> bool:
    """The kubelet tries to start a container (pulling its image, building its config,
    creating it) only in a ready sandbox, while the pod is active, and when its turn has
    come: every earlier init container done; for an app container, the pod initialised
    (the last init container done) unless an app container already runs (kuberuntime_manager.go
    computePodActions -> startContainer; pod_workers.go: a terminating pod only gets
    syncTerminatingPod, which starts nothing)."""
    if isinstance(a, A.SandboxRecreated):
        return True
    for i, (old, new) in enumerate(zip(s.containers, t.containers)):
        if new is old or new.machine == old.machine:
            continue  # no attempt shows without a change of state (identity shortcut)
        if new.reason == kubelet.CONTAINER_STATUS_UNKNOWN:
            continue  # TerminatePod's default status for a container that never ran: no attempt
        if old.machine in _ATTEMPT_FROM and new.machine in _ATTEMPT_TO:
            if s.sandbox != "Ready" or s.termination != "Active":
                return False
            if i in m.app_indices:
                if not (any(s.containers[j].machine in RUNNING_STATES for j in m.app_indices) or _pod_initialised(m, s)):
                    return False
            elif not _init_ready(m, s, i):
                return False
    return True


def _pod_initialised(m: Model, s: PodState) -> bool:
    """The kubelet's "pod has initialised" for starting app containers: the last init
    container is done (a regular one exited 0, a sidecar started), or there is none
    (kuberuntime computeInitContainerActions; the rule `sidecar-order` states)."""
    if not m.init_indices:
        return True
    last = m.init_indices[-1]
    cs = s.containers[last]
    return cs.machine in STARTED_STATES if m.specs[last].is_sidecar else (cs.machine == "Terminated" and cs.exit_code == 0)


# ------------------------------------------------- derived conditions (mutation-driven)
def _pod_scheduled_follows_binding(m: Model, s: PodState) -> bool:
    """PodScheduled is True exactly when the pod is bound: the binding subresource sets
    spec.nodeName and adds PodScheduled=True in one write (pkg/registry/core/pod/storage/
    storage.go BindingREST setPodHostAndAnnotations -> podutil.UpdatePodCondition); no
    component sets it back (k8s-invariants.md K4)."""
    return (s.binding != "Unbound") == (s.condition("PodScheduled") == "True")


def _ready_to_start_follows_sandbox(m: Model, s: PodState) -> bool:
    """PodReadyToStartContainers, when the kubelet writes it, is True exactly while the pod's
    sandbox runs with its network: False before the sandbox exists and once the pod worker
    has killed it (pkg/kubelet/status/generate.go GeneratePodReadyToStartContainersCondition:
    True iff ``podSandboxReady`` -- a ready sandbox with an IP; syncTerminatedPod kills the
    sandbox)."""
    status = s.condition("PodReadyToStartContainers")
    return status is None or (status == "True") == (s.sandbox == "Ready" and s.termination != "Finished")


def _disruption_target_on_eviction(m: Model, s: PodState) -> bool:
    """DisruptionTarget=True appears only on a pod the kubelet evicted, and an evicted pod's
    final status carries it (eviction_manager.go evictPod: the status function adds
    DisruptionTarget True, reason TerminationByKubelet, with phase Failed; PodDisruptionConditions,
    GA in 1.31).  No other path of the single-pod model (deletion, deadline, completion) adds it."""
    marked = s.condition("DisruptionTarget") == "True"
    if marked and s.stop_reason != "Evicted":
        return False
    return marked or not (s.stop_reason == "Evicted" and s.termination == "Finished" and s.deletion != "Removed")


def _conditions_never_disappear(m, s, a, t) -> bool:
    """A condition, once written, stays on the pod (its status may change): the kubelet writes
    every condition it owns at each sync (kubelet_pods.go generateAPIPodStatus) and the status
    manager keeps the ones it does not own (status_manager.go mergePodStatus); readiness-gate
    conditions are only set, never removed, by their controllers."""
    if s.conditions is t.conditions:
        return True
    have = {c for c, _, _ in t.conditions}
    for c, _, _ in s.conditions:
        if c not in have:
            return False
    return True


# ------------------------------------- what Kubernetes offers in a state (safety form)
def _offered(m: Model, s: PodState, *acts: A.Action) -> bool:
    return all(m.enabled(s, a) for a in acts)


def _probe_results_offered(m: Model, s: PodState) -> bool:
    """A probe keeps running while its container runs, so its results come: while the node
    is reachable, a running container with a startup probe that has not started can pass or
    fail it; once started, a readiness probe can pass (not ready) or fail (ready), and a
    liveness probe can fail (prober/prober_manager.go AddPod starts one worker per probe;
    prober/worker.go doProbe runs it every periodSeconds, the startup probe until it
    succeeds, liveness and readiness only once the container has started)."""
    if s.binding != "Bound" or s.deletion == "Removed" or not m.bounds.probes:
        return True
    for i, cs in enumerate(s.containers):
        spec, c = m.specs[i], m.specs[i].name
        if cs.machine == "Running" and spec.has_probe("startup"):
            if not _offered(m, s, m.action(A.ProbeSucceed, c, "startup"), m.action(A.ProbeFail, c, "startup")):
                return False
        if cs.machine in STARTED_STATES:
            if spec.has_probe("liveness") and not _offered(m, s, m.action(A.ProbeFail, c, "liveness")):
                return False
            if spec.has_probe("readiness") and not _offered(
                    m, s, m.action(A.ProbeFail, c, "readiness") if cs.machine == "Ready" else m.action(A.ProbeSucceed, c, "readiness")):
                return False
    return True


def _container_exits_offered(m: Model, s: PodState) -> bool:
    """A process may exit at any time: while the node is reachable, every running container
    can exit with each exit code of the bounds; and a container the kubelet may start can
    also start and exit before the next status sync, so the status goes from waiting
    straight to terminated (kubelet_pods.go convertToAPIContainerStatuses reports the
    runtime's latest instance, whatever happened between two syncs)."""
    if s.binding != "Bound" or s.deletion == "Removed":
        return True
    for i, cs in enumerate(s.containers):
        spec, c = m.specs[i], m.specs[i].name
        if cs.machine in RUNNING_STATES and not _offered(m, s, *[m.action(A.ContainerExit, c, k) for k in m.exit_codes(spec)]):
            return False
        if m.bounds.fast_exits and cs.machine != "Terminated" and m.enabled(s, m.action(A.KubeletStartContainer, c)) and \
                not _offered(m, s, *[m.action(A.ContainerStartedAndExited, c, k) for k in m.exit_codes(spec)]):
            return False
    return True


def _requests_offered(m: Model, s: PodState) -> bool:
    """Clients and the scheduler can act on any pod that exists: a DELETE is accepted for a
    pod without a deletionTimestamp, a force delete (grace 0) for any pod not yet removed
    (pkg/registry/core/pod/strategy.go CheckGracefulDelete; registry/generic/registry
    store.go Delete), and a live unscheduled pod can be bound (pods/binding,
    storage.go BindingREST; the model's nodes fit the pod)."""
    if s.deletion == "Removed":
        return True
    b = m.bounds
    if b.force_delete and not m.enabled(s, m.action(A.ForceDelete)):
        return False
    if s.deletion == "Live":
        if b.deletion and not m.enabled(s, m.action(A.ApiDelete, m.config.termination_grace_period_seconds)):
            return False
        if s.binding == "Unbound" and b.nodes and not any(m.enabled(s, m.action(A.SchedulerBind, n)) for n in b.nodes):
            return False
    return True


def _kubelet_stops_offered(m: Model, s: PodState) -> bool:
    """The kubelet can stop an active pod whose sandbox runs: the eviction manager may evict
    it under node pressure (eviction_manager.go synchronize -> evictPod), and a pod with
    activeDeadlineSeconds may run past it (kubelet.go activeDeadlineHandler.ShouldEvict);
    both only while the node is reachable.  The model also offers a sandbox recreation
    (the sandbox died: kuberuntime_manager.go computePodActions podSandboxChanged) for an
    active restartPolicy Always pod within its `Bounds.sandbox_recreations`."""
    if s.termination != "Active" or s.binding != "Bound" or s.deletion == "Removed" or s.sandbox == "NotCreated":
        return True
    b = m.bounds
    if b.eviction and not m.enabled(s, m.action(A.Evict)):
        return False
    if b.deadline and m.config.active_deadline_seconds is not None and not m.enabled(s, m.action(A.DeadlineExceeded)):
        return False
    if m.config.restart_policy == "Always" and s.recreations < b.sandbox_recreations and \
            not m.enabled(s, m.action(A.SandboxRecreated)):
        return False
    return True


# ------------------------------------------------------------------ more step rules
def _deletion_shows_last_exit(m, s, a, t) -> bool:
    """A DELETE ends the crash-loop back-off: once deletionTimestamp is set,
    ShouldContainerBeRestarted is false, so a container waiting in CrashLoopBackOff shows its
    last instance again, terminated with that instance's exit code
    (pkg/kubelet/container/helpers.go ShouldContainerBeRestarted; kubelet_pods.go
    convertToAPIContainerStatuses)."""
    if not isinstance(a, A.ApiDelete) or t.deletion != "Deleting":
        return True
    for old, new in zip(s.containers, t.containers):
        if old.machine == "CrashLoopBackOff" and not (
                new.machine == "Terminated" and new.exit_code == old.last_exit_code
                and new.reason != kubelet.CONTAINER_STATUS_UNKNOWN):
            return False
    return True


def _recreation_restarts_all(m, s, a, t) -> bool:
    """A new sandbox starts the pod over: computePodActions kills every container of the old
    sandbox and starts again the first init container and every app container (under
    restartPolicy OnFailure, all but those that succeeded), so right after the recreation no
    container runs and none the kubelet starts again shows a terminated instance
    (kuberuntime_manager.go computePodActions, ``createPodSandbox`` branch)."""
    if not isinstance(a, A.SandboxRecreated):
        return True
    for i, new in enumerate(t.containers):
        if new.machine in RUNNING_STATES:
            return False
        old = s.containers[i]
        kept = m.config.restart_policy == "OnFailure" and old.machine == "Terminated" and old.exit_code == 0
        if new.machine == "Terminated" and not kept:
            return False
    return True


_ERROR_REASONS = frozenset({"ErrImagePull", "ImagePullBackOff", "CreateContainerConfigError"})
_ERROR_ACTIONS = {A.KubeletImagePullFailed: "ErrImagePull", A.KubeletImagePullBackOff: "ImagePullBackOff",
                  A.KubeletCreateConfigError: "CreateContainerConfigError"}


def _error_reasons_from_attempts(m, s, a, t) -> bool:
    """A waiting error reason (ErrImagePull, ImagePullBackOff, CreateContainerConfigError) is
    the result of a start attempt of that container that failed that way; otherwise a
    container keeps the reason it had (the kubelet's reasonCache holds the last start
    error: kuberuntime_container.go startContainer, images/image_manager.go
    EnsureImageExists, kubelet_pods.go convertToAPIContainerStatuses)."""
    for i, (old, new) in enumerate(zip(s.containers, t.containers)):
        if new is not old and new.machine in _ERROR_REASONS and new.machine != old.machine:  # (identity shortcut)
            if not (_ERROR_ACTIONS.get(type(a)) == new.machine and a.container == m.specs[i].name):
                return False
    return True


def _stops_only_when_done(m, s, a, t) -> bool:
    """A pod nobody stopped (no deletion, eviction or deadline) stops only when the pod
    worker has nothing left to run: every app container exited with a code its restart
    policy does not restart, or a regular init container failed for good; only then are the
    sidecars stopped (kuberuntime_manager.go computePodActions, KEP-753; kubelet_pods.go
    getPhase).  Statuses TerminatePod defaulted (ContainerStatusUnknown) are no exit."""
    if s.termination != "Active" or t.termination == "Active" or t.stop_reason is not None:
        return True

    def final(i: int) -> bool:
        cs = t.containers[i]
        return cs.machine == "Terminated" and cs.reason != kubelet.CONTAINER_STATUS_UNKNOWN and \
            cs.exit_code is not None and not m.restarts(i, cs.exit_code)  # kubelet.kubelet_restarts, memoised

    if any(m.specs[i].is_regular_init and final(i) and t.containers[i].exit_code != 0 for i in m.init_indices):
        return True
    return all(final(i) for i in m.app_indices)


def _sandbox_only_when_active(m, s, a, t) -> bool:
    """A sandbox is created or recreated only for an active pod: a stopping pod gets
    syncTerminatingPod, which only kills (pod_workers.go; kubelet.go SyncTerminatingPod),
    and a restartPolicy Never pod whose containers were created gets no new sandbox
    (kuberuntime_manager.go computePodActions: ``!shouldRestartOnFailure(pod) && attempt != 0
    && len(podStatus.ContainerStatuses) != 0`` -> CreateSandbox = false)."""
    made = t.sandbox == "Ready" and (s.sandbox != "Ready" or t.recreations > s.recreations)
    if not made:
        return True
    if s.termination != "Active":
        return False
    if s.sandbox != "NotCreated" and m.config.restart_policy == "Never":
        return all(cs.machine in ("Waiting", "ErrImagePull", "ImagePullBackOff", "CreateContainerConfigError")
                   and cs.last_exit_code is None for cs in s.containers)
    return True


def _progress_possible(trigger: Callable[[Model, PodState], bool], check: Callable[[Model, PodState], bool]):
    """The bounded-liveness counterpart of "trigger leads to check": where ``trigger``
    holds and ``check`` does not, some fair action is enabled that changes the state, so
    the pod cannot stop there (a stutter lasso; a fair action that leads back to the same
    state, such as a node "recovering" into NodeLost, is no progress).  An ``always``
    property: the Hypothesis engine checks it."""
    def holds(m: Model, s: PodState) -> bool:
        if not trigger(m, s) or check(m, s):
            return True
        for a in m.candidates_of(FAIR_ACTIONS):
            if m.enabled(s, a) and m.next_state(s, a) != s:
                return True
        return False
    return holds


# ---------------------------------------------------------------------- sometimes
def _can_succeed(m: Model) -> bool:
    """Some way to Succeeded: every app container may end with exit 0 -- a client deletes
    the pod (the containers exit 0 on SIGTERM), or exit 0 is not restarted.  Eviction and
    the deadline always end in Failed."""
    if 0 not in m.bounds.exit_codes:
        return False
    return m.bounds.deletion or all(not kubelet.kubelet_restarts(m.config, m.specs[i], 0) for i in m.app_indices)


def _can_fail(m: Model) -> bool:
    """Some way to Failed: a client or the kubelet stops the pod, a regular init container
    fails for good, or every app container may stop for good and one with a non-zero code."""
    b = m.bounds
    if b.deletion or b.eviction or (b.deadline and m.config.active_deadline_seconds is not None):
        return True

    def final_codes(i: int) -> list[int]:
        return [code for code in m.exit_codes(m.specs[i]) if not kubelet.kubelet_restarts(m.config, m.specs[i], code)]

    if any(code != 0 for i in m.init_indices if m.specs[i].is_regular_init for code in final_codes(i)):
        return True
    return all(final_codes(i) for i in m.app_indices) and any(c != 0 for i in m.app_indices for c in final_codes(i))


def _has_sidecar(m: Model) -> bool:
    return bool(m.config.sidecars)


def _policy(*names: str) -> Callable[[Model], bool]:
    return lambda m: m.config.restart_policy in names


def _sidecar_restarts_while_app_runs(m: Model, s: PodState) -> bool:
    return any(s.containers[i].restart_count > 0 and _running(m, s, i) for i in m.init_indices if m.specs[i].is_sidecar) \
        and any(_running(m, s, i) for i in m.app_indices)


def _onfailure_success_after_failure(m: Model, s: PodState) -> bool:
    return any(s.containers[i].machine == "Terminated" and s.containers[i].exit_code == 0
               and s.containers[i].restart_count > 0 for i in m.app_indices)


CATALOGUE: tuple[Property, ...] = (
    # always
    Property("phase-never-unknown", "always", "The phase is never Unknown (the kubelet never reports it).",
             "k8s-semantics.md §2 ('Unknown is never produced'); types.go PodUnknown deprecated", _phase_never_unknown),
    Property("phase-consistent", "always", "The phase is one getPhase gives for the container statuses shown (or a terminal phase held back).",
             "kubelet_pods.go getPhase; status_manager.go mergePodStatus", _phase_consistent),
    Property("terminal-no-running-containers", "always", "A Succeeded or Failed pod has no running container.",
             "status_manager.go mergePodStatus (terminal phase held back); e2e pods.go verifyFinal", _terminal_nothing_runs),
    Property("ready-implies-containers-ready", "always", "Ready=True implies ContainersReady=True.",
             "generate.go GeneratePodReadyCondition; k8s-invariants.md §10.5", _ready_containers_ready),
    Property("containers-ready-consistent", "always", "ContainersReady=True implies every app container and sidecar is ready.",
             "generate.go GenerateContainersReadyCondition", _containers_ready_consistent),
    Property("terminal-not-ready", "always", "A terminal pod is neither Ready nor ContainersReady.",
             "generate.go (PodCompleted/PodFailed); status_manager.go mergePodStatus (issue 108594)", _terminal_not_ready),
    Property("init-order", "always", "No app container has run before every regular init container exited 0.",
             "k8s-invariants.md I1-I3; e2e init_container.go", _init_order),
    Property("init-one-at-a-time", "always", "At most one regular init container runs at a time.",
             "k8s-invariants.md I1; kuberuntime computeInitContainerActions", _init_one_at_a_time),
    Property("probeless-status", "always", "A running container without a startup probe is started; a started app container or sidecar without a readiness probe is ready.",
             "prober/prober_manager.go UpdatePodStatus", _probeless_status),
    Property("finished-statuses-final", "always", "Once the pod worker is done, every container status is final: no container that never terminated reads as running or waiting where TerminatePod defaults it (exit 137, ContainerStatusUnknown).",
             "status_manager.go TerminatePod", _finished_statuses_final),
    Property("terminal-phase-matches-reason", "always", "A finished pod's phase says why it stopped: Failed if evicted or past its deadline; if it finished by itself, Succeeded iff every app container exited 0 (sidecars' exit codes ignored).",
             "eviction_manager.go evictPod; kubelet_pods.go generateAPIPodStatus (ShouldEvict -> Failed), getPhase; KEP-753", _terminal_phase_matches_reason),
    Property("restart-required-offered", "always", "Unless the pod was stopped (deleted, evicted, deadline) or its node is unreachable, a container whose restart policy says restart for its last exit is offered a restart (or the back-off before it) once its turn comes (sidecars: while the pod is active).",
             "kuberuntime_manager.go computePodActions (ShouldContainerBeRestarted -> ContainersToStart)", _restart_required_offered),
    Property("succeeded-all-exited-zero", "always", "Succeeded implies every app container terminated with exit code 0.",
             "kubelet_pods.go getPhase (stopped == succeeded)", _succeeded_all_zero),
    Property("pod-scheduled-follows-binding", "always", "PodScheduled is True exactly when the pod is bound.",
             "storage.go BindingREST setPodHostAndAnnotations; k8s-invariants.md K4", _pod_scheduled_follows_binding),
    Property("ready-to-start-follows-sandbox", "always", "PodReadyToStartContainers is True exactly while the pod's sandbox runs (False before it is created and once the pod has finished).",
             "status/generate.go GeneratePodReadyToStartContainersCondition; kubelet.go syncTerminatedPod", _ready_to_start_follows_sandbox),
    Property("disruption-target-on-eviction", "always", "DisruptionTarget=True appears only on an evicted pod, and an evicted pod's final status carries it.",
             "eviction/eviction_manager.go evictPod (DisruptionTarget, TerminationByKubelet)", _disruption_target_on_eviction),
    Property("probe-results-offered", "always", "While the node is reachable, a running container's probes give results: a pending startup probe can pass or fail, a started container's readiness probe can change its readiness and its liveness probe can fail.",
             "prober/prober_manager.go AddPod; prober/worker.go doProbe", _probe_results_offered),
    Property("container-exits-offered", "always", "While the node is reachable, a running container can exit with any code, and a container the kubelet may start can also start and exit before the next status sync.",
             "kubelet_pods.go convertToAPIContainerStatuses (the runtime's latest instance)", _container_exits_offered),
    Property("requests-offered", "always", "A pod that exists can be deleted (without a deletionTimestamp) or force-deleted, and a live unscheduled pod can be bound.",
             "registry/core/pod/strategy.go CheckGracefulDelete; storage.go BindingREST", _requests_offered),
    Property("kubelet-stops-offered", "always", "An active pod whose sandbox runs, on a reachable node, can be evicted, can run past its activeDeadlineSeconds, and (restartPolicy Always, within the bound) can lose its sandbox.",
             "eviction_manager.go evictPod; kubelet.go activeDeadlineHandler; kuberuntime_manager.go computePodActions", _kubelet_stops_offered),
    # step
    Property("no-resurrection", "step", "A Succeeded or Failed pod never changes phase.",
             "k8s-invariants.md P4, P5; kubelet_pods.go generateAPIPodStatus", _no_resurrection),
    Property("no-rebinding", "step", "spec.nodeName never changes once set, and a bound pod is never bound again.",
             "k8s-invariants.md B1-B3; storage.go BindingREST", _no_rebinding),
    Property("restart-policy-honoured", "step", "A container restarts only if its restart policy and rules allow it for its last exit code (sidecars always; completed init containers never).",
             "k8s-invariants.md C1, C1b; status_manager.go checkContainerStateTransition; util.go ContainerShouldRestart", _restart_policy_honoured),
    Property("restart-count-monotone", "step", "restartCount never decreases.",
             "k8s-invariants.md C2; e2e container_probe.go", _restart_count_monotone),
    Property("sidecar-order", "step", "An app container (re)starts only once the pod has initialised: another app container runs, or the last init container is done (a sidecar: started).",
             "KEP-753; kuberuntime computeInitContainerActions (podHasInitialized)", _sidecar_order),
    Property("started-gated-by-probe", "step", "A container with a startup probe is started (in each instance) only when its startup probe succeeds.",
             "prober/prober_manager.go UpdatePodStatus", _started_gated_by_probe),
    Property("grace-zero-delete", "step", "A DELETE of an unscheduled or terminal pod removes it at once (grace period 0).",
             "registry/core/pod/strategy.go CheckGracefulDelete", _grace_zero_delete),
    Property("readiness-gated-by-probe", "step", "A container with a readiness probe becomes ready only when its readiness probe succeeds.",
             "prober/prober_manager.go UpdatePodStatus; kubelet_pods.go convertToAPIContainerStatuses", _readiness_gated_by_probe),
    Property("removal-allowed", "step", "The pod object is removed only by a force delete, a DELETE of an unscheduled or terminal pod, or the kubelet once the phase is terminal and nothing runs.",
             "strategy.go CheckGracefulDelete; status_manager.go canBeDeleted, podIsFinished", _removal_allowed),
    Property("actions-take-effect", "step", "Each container event shows as Kubernetes reports it: started -> running, exit -> terminated with its code, liveness/startup probe failure -> killed (137), readiness probe -> ready or not, back-off and pull/config errors -> their waiting reasons.",
             "kubelet_pods.go convertToAPIContainerStatuses; kuberuntime_manager.go computePodActions; prober_manager.go UpdatePodStatus; kuberuntime_container.go startContainer", _actions_take_effect),
    Property("start-attempts-ordered", "step", "A start attempt (image pull, config, creation) happens only in a ready sandbox of an active pod, when the container's turn has come.",
             "kuberuntime_manager.go computePodActions, startContainer; pod_workers.go syncTerminatingPod; k8s-invariants.md I1-I2", _start_attempts_ordered),
    Property("deletion-irreversible", "step", "A deletion is never undone: Live -> Deleting -> Removed only.",
             "k8s-invariants.md D2, §10.3", _deletion_irreversible),
    Property("initialized-monotone", "step", "Initialized goes back to False only on sandbox recreation, or while a sidecar is down and no app container runs or has terminated.",
             "k8s-invariants.md I4; generate.go GeneratePodInitializedCondition", _initialized_monotone),
    Property("no-start-when-stopping", "step", "No container is started or restarted once the pod is stopping.",
             "kubecontainer.ShouldContainerBeRestarted (deletionTimestamp); pod_workers.go", _no_start_when_stopping),
    Property("deletion-shows-last-exit", "step", "A DELETE ends the crash-loop back-off: a container waiting in CrashLoopBackOff shows its last instance, terminated with its exit code.",
             "container/helpers.go ShouldContainerBeRestarted (deletionTimestamp); kubelet_pods.go convertToAPIContainerStatuses", _deletion_shows_last_exit),
    Property("recreation-restarts-all", "step", "A sandbox recreation starts the pod over: right after it no container runs and none the kubelet starts again shows a terminated instance.",
             "kuberuntime_manager.go computePodActions (createPodSandbox)", _recreation_restarts_all),
    Property("error-reasons-from-attempts", "step", "ErrImagePull, ImagePullBackOff and CreateContainerConfigError appear only as the result of a start attempt of that container that failed that way.",
             "kuberuntime_container.go startContainer; images/image_manager.go EnsureImageExists; kubelet_pods.go convertToAPIContainerStatuses (reasonCache)", _error_reasons_from_attempts),
    Property("stops-only-when-done", "step", "A pod nobody stopped stops only when every app container exited for good or a regular init container failed for good.",
             "kuberuntime_manager.go computePodActions; KEP-753; kubelet_pods.go getPhase", _stops_only_when_done),
    Property("sandbox-only-when-active", "step", "A sandbox is created or recreated only for an active pod, and never recreated for a restartPolicy Never pod whose containers were created.",
             "pod_workers.go (syncTerminatingPod); kuberuntime_manager.go computePodActions", _sandbox_only_when_active),
    Property("conditions-never-disappear", "step", "A pod condition, once written, stays (its status may change).",
             "kubelet_pods.go generateAPIPodStatus; status_manager.go mergePodStatus", _conditions_never_disappear),
    # sometimes
    Property("reaches-running", "sometimes", "The pod can reach Running.", "witness", lambda m, s: s.phase == "Running"),
    Property("reaches-succeeded", "sometimes", "The pod can reach Succeeded.", "witness; e2e runtime.go", lambda m, s: s.phase == "Succeeded",
             applies=_can_succeed),
    Property("reaches-failed", "sometimes", "The pod can reach Failed.", "witness", lambda m, s: s.phase == "Failed",
             applies=_can_fail),
    Property("reaches-ready", "sometimes", "The pod can become Ready.", "witness", lambda m, s: s.condition("Ready") == "True"),
    Property("container-restarts", "sometimes", "Some container is restarted.", "witness; e2e runtime.go",
             lambda m, s: any(cs.restart_count > 0 for cs in s.containers), applies=lambda m: m.config.restart_policy != "Never" or bool(m.config.sidecars)),
    Property("crash-loop-back-off", "sometimes", "Some container waits in CrashLoopBackOff.", "witness; kubelet.go crash-loop back-off",
             lambda m, s: any(cs.machine == "CrashLoopBackOff" for cs in s.containers), applies=lambda m: m.config.restart_policy != "Never" or bool(m.config.sidecars)),
    Property("sidecar-restarts-while-app-runs", "sometimes", "A sidecar restarts while an app container runs.", "witness; KEP-753",
             _sidecar_restarts_while_app_runs, applies=_has_sidecar),
    Property("onfailure-succeeds-after-failing", "sometimes", "Under OnFailure a container exits 0 after failing and being restarted.", "witness; e2e runtime.go P9",
             _onfailure_success_after_failure, applies=_policy("OnFailure")),
    Property("running-back-to-pending", "sometimes", "Running goes back to Pending when the sandbox is recreated.",
             "witness; kubelet_pods_test.go 're-initializing the pod after the sandbox is recreated'",
             lambda m, s: s.phase == "Pending" and s.recreations > 0 and _app_instance_exists(m, s) is False and s.termination == "Active",
             applies=lambda m: m.bounds.sandbox_recreations > 0 and m.config.restart_policy == "Always"),
    Property("reaches-evicted", "sometimes", "The kubelet can evict the pod.", "witness; eviction_manager.go evictPod",
             lambda m, s: s.stop_reason == "Evicted", applies=lambda m: m.bounds.eviction),
    Property("reaches-deadline-exceeded", "sometimes", "The pod can run past its activeDeadlineSeconds.",
             "witness; kubelet.go (activeDeadlineHandler)", lambda m, s: s.stop_reason == "DeadlineExceeded",
             applies=lambda m: m.bounds.deadline and m.config.active_deadline_seconds is not None),
    Property("deleted-pod-removed", "sometimes", "A deleted pod can be removed.", "witness", lambda m, s: s.deletion == "Removed",
             applies=lambda m: m.bounds.deletion),
    # eventually (leads-to, under strong fairness of FAIR_ACTIONS)
    Property("deleted-eventually-removed", "eventually", "A deleted pod is eventually removed.",
             "e2e deleted_pods_test.go; status_manager.go podIsFinished", lambda m, s: s.deletion == "Removed",
             trigger=lambda m, s: s.deletion == "Deleting", applies=lambda m: m.bounds.deletion),
    Property("stopping-eventually-terminal", "eventually", "A stopping pod (deleted, evicted, past its deadline, done) eventually has a terminal phase or is removed.",
             "k8s-invariants.md P7, P8; status_manager.go TerminatePod",
             lambda m, s: s.phase in TERMINAL or s.deletion == "Removed",
             trigger=lambda m, s: s.termination != "Active" and s.binding != "NodeLost"),
    Property("init-success-leads-to-app-start", "eventually", "Once the init containers have succeeded, an app container eventually runs (or the pod stops).",
             "k8s-invariants.md I6; kuberuntime computePodActions",
             lambda m, s: _app_instance_exists(m, s) or s.termination != "Active" or s.deletion == "Removed" or s.recreations > 0,
             trigger=lambda m, s: _init_complete(m, s) and all(s.containers[i].machine in STARTED_STATES for i in m.init_indices if m.specs[i].is_sidecar)
             and s.termination == "Active" and s.sandbox == "Ready"),
)

#: Each ``eventually`` property's bounded-liveness counterpart (an ``always`` property,
#: so the Hypothesis engine, which checks no liveness, catches a pod that can stop short).
CATALOGUE = CATALOGUE + tuple(
    Property(f"{p.id}-progress", "always",
             f"Where '{p.id}' is pending, some fair kubelet action is enabled (the pod cannot stop there).",
             f"{p.source}; bounded liveness (one step) of {p.id}", _progress_possible(p.trigger, p.check),
             applies=p.applies)
    for p in CATALOGUE if p.kind == "eventually")

#: Every catalogue property is `Property.symmetric`: none names a container or depends on
#: the order of interchangeable ones (checked on permuted states by the tests).
CATALOGUE = tuple(replace(p, symmetric=True) for p in CATALOGUE)

_BY_ID = {p.id: p for p in CATALOGUE}
assert len(_BY_ID) == len(CATALOGUE), "duplicate property id"


def by_id(pid: str) -> Property:
    """The catalogue property with id ``pid``."""
    return _BY_ID[pid]


def properties_for(model: Model, kinds: tuple[str, ...] = KINDS) -> tuple[Property, ...]:
    """The catalogue's properties that apply to ``model``, of the given kinds."""
    return tuple(p for p in CATALOGUE if p.kind in kinds and p.applies(model))


#: Properties the oracle checks on traces; the product model has no identity or ephemeral containers.
TRACE_ONLY: tuple[tuple[str, str, str], ...] = (
    ("identity-immutable", "A pod's name, namespace and uid never change.", "k8s-invariants.md D1, I5"),
    ("ephemeral-never-restarted", "Ephemeral containers are never restarted and never count for phase or readiness.",
     "k8s-invariants.md C1, §10.8; validation.go ValidatePodStatusUpdate"),
    ("containers-fixed", "The set of containers and init containers never changes.", "k8s-invariants.md C8"),
)
