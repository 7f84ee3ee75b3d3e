"""Component machines of the pod lifecycle, declared once as data.

Each machine is a `MachineDecl`: named states, one initial state, explicit terminal
states, and transitions ``trigger: source -> dest`` carrying the names of the guards
(synchronisation rules, see `podmodel.model.GUARDS`) that must hold for it to fire.
The product model (`podmodel.model`), the `transitions` machines, the diagrams and the
language-neutral export are all derived from these declarations.  They are public
data: build a modified model from modified declarations (see `Declarations`) without
editing code -- that is how the mutation self-check seeds bugs.

Every declaration is validated when built (`MachineDecl.validate`): exactly one
initial state that exists, every state reachable from it, terminal states without
outgoing transitions, and no dead ends among the other states.

>>> PHASE.initial, sorted(PHASE.terminal)
('Pending', ['Failed', 'Succeeded'])
>>> [t.dest for t in PHASE.transitions_from("Running")]
['Pending', 'Succeeded', 'Failed']
>>> m = build_machine(BINDING)
>>> m.state
'Unbound'
>>> m.bind() and m.state
'Bound'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any


class DeclarationError(ValueError):
    """A malformed machine declaration."""


@dataclass(frozen=True)
class StateDecl:
    """A named state; ``doc`` says what it means in Kubernetes terms."""

    name: str
    doc: str = ""


@dataclass(frozen=True)
class TransitionDecl:
    """``trigger``: any of ``source`` -> ``dest`` when every guard in ``guards`` holds.

    ``auto`` transitions fire by themselves as soon as they are enabled (the kubelet's
    immediate reactions, e.g. ``started`` set at once when there is no startup probe).
    """

    trigger: str
    source: tuple[str, ...]
    dest: str
    guards: tuple[str, ...] = ()
    auto: bool = False
    doc: str = ""


@dataclass(frozen=True)
class MachineDecl:
    """A component machine as data."""

    name: str
    states: tuple[StateDecl, ...]
    initial: str
    terminal: tuple[str, ...]
    transitions: tuple[TransitionDecl, ...]
    doc: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        self.validate()

    # -- queries ---------------------------------------------------------------------
    @property
    def state_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states)

    def transitions_from(self, state: str) -> list[TransitionDecl]:
        return [t for t in self.transitions if state in t.source]

    def find(self, trigger: str, state: str) -> list[TransitionDecl]:
        """The transitions for ``trigger`` out of ``state``, in declaration order."""
        return [t for t in self.transitions if t.trigger == trigger and state in t.source]

    def edges(self) -> set[tuple[str, str]]:
        return {(s, t.dest) for t in self.transitions for s in t.source}

    @property
    def triggers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.trigger for t in self.transitions))

    # -- validation ----------------------------------------------------------------
    def validate(self) -> None:
        """Check the structure (python-statemachine's graph checks).

        Raises `DeclarationError` on: duplicate or unknown states, an initial state
        that is not declared, an unreachable state, a terminal state with an outgoing
        transition, a non-terminal state with none, or ``auto`` transitions that form a
        cycle (a self-loop included: they fire by themselves, so they would never settle).
        """
        names = self.state_names
        if len(set(names)) != len(names):
            raise DeclarationError(f"{self.name}: duplicate state names")
        if self.initial not in names:
            raise DeclarationError(f"{self.name}: initial state {self.initial!r} is not declared")
        for t in self.transitions:
            for s in (*t.source, t.dest):
                if s not in names:
                    raise DeclarationError(f"{self.name}: transition {t.trigger!r} uses undeclared state {s!r}")
            if not t.source:
                raise DeclarationError(f"{self.name}: transition {t.trigger!r} has no source")
        for s in self.terminal:
            if s not in names:
                raise DeclarationError(f"{self.name}: terminal state {s!r} is not declared")
            if self.transitions_from(s):
                raise DeclarationError(f"{self.name}: terminal state {s!r} has outgoing transitions")
        for s in names:
            if s not in self.terminal and not self.transitions_from(s):
                raise DeclarationError(f"{self.name}: state {s!r} is a dead end but not declared terminal")
        seen, todo = {self.initial}, [self.initial]
        while todo:
            for t in self.transitions_from(todo.pop()):
                if t.dest not in seen:
                    seen.add(t.dest)
                    todo.append(t.dest)
        unreachable = [s for s in names if s not in seen]
        if unreachable:
            raise DeclarationError(f"{self.name}: unreachable state(s) {', '.join(unreachable)}")
        auto = {}
        for t in self.transitions:
            if t.auto:
                for s in t.source:
                    auto.setdefault(s, set()).add(t.dest)
        for start in auto:
            todo, seen_auto = list(auto[start]), set()
            while todo:
                s = todo.pop()
                if s == start:
                    raise DeclarationError(f"{self.name}: auto transitions form a cycle through {start!r} "
                                           "(the kubelet's immediate reactions would never settle)")
                if s not in seen_auto:
                    seen_auto.add(s)
                    todo.extend(auto.get(s, ()))

    # -- modification (for mutants and experiments) ----------------------------------
    def with_transition(self, trigger: str, source: str | Iterable[str], dest: str, guards: Iterable[str] = (), *,
                        auto: bool = False, doc: str = "", terminal: Iterable[str] | None = None,
                        states: Iterable[StateDecl] = (), first: bool = False) -> MachineDecl:
        """A copy with one more transition (and optionally new states / terminal set).

        ``first=True`` puts it before the existing ones, so it wins when several
        transitions of the same trigger are enabled.
        """
        src = (source,) if isinstance(source, str) else tuple(source)
        new = TransitionDecl(trigger, src, dest, tuple(guards), auto, doc)
        return replace(
            self,
            states=self.states + tuple(states),
            transitions=(new,) + self.transitions if first else self.transitions + (new,),
            terminal=tuple(self.terminal if terminal is None else terminal),
        )

    def without_guard(self, trigger: str, guard: str) -> MachineDecl:
        """A copy where the transitions of ``trigger`` no longer require ``guard``."""
        if not any(t.trigger == trigger and guard in t.guards for t in self.transitions):
            raise DeclarationError(f"{self.name}: no transition {trigger!r} has guard {guard!r}")
        return replace(self, transitions=tuple(
            replace(t, guards=tuple(g for g in t.guards if g != guard)) if t.trigger == trigger else t
            for t in self.transitions))

    def with_guard(self, trigger: str, guard: str) -> MachineDecl:
        """A copy where the transitions of ``trigger`` also require ``guard``."""
        return replace(self, transitions=tuple(
            replace(t, guards=t.guards + (guard,)) if t.trigger == trigger else t for t in self.transitions))

    def without_transition(self, trigger: str, source: str | None = None) -> MachineDecl:
        """A copy without ``trigger`` (or only without it out of ``source``)."""
        out = []
        for t in self.transitions:
            if t.trigger == trigger:
                if source is None:
                    continue
                rest = tuple(s for s in t.source if s != source)
                if not rest:
                    continue
                t = replace(t, source=rest)
            out.append(t)
        return replace(self, transitions=tuple(out))

    def to_dict(self) -> dict[str, Any]:
        """Plain data (for the language-neutral export)."""
        return {
            "name": self.name,
            "doc": self.doc,
            "source": self.source,
            "initial": self.initial,
            "terminal": list(self.terminal),
            "states": [{"name": s.name, "doc": s.doc} for s in self.states],
            "transitions": [
                {"trigger": t.trigger, "source": list(t.source), "dest": t.dest, "guards": list(t.guards),
                 "auto": t.auto, "doc": t.doc}
                for t in self.transitions
            ],
        }


def build_machine(decl: MachineDecl, model: Any = None, **kwargs: Any):
    """Build a `transitions.Machine` from a declaration.

    Guards are not attached (they are predicates over the whole pod, evaluated by the
    product model); the machine lets a user step through one component by trigger.
    Never build one per explored state: the product model uses the declaration's tables.
    """
    from transitions import Machine

    return Machine(
        model=Machine.self_literal if model is None else model,
        states=[{"name": s.name, "final": s.name in decl.terminal} for s in decl.states],
        transitions=[{"trigger": t.trigger, "source": list(t.source), "dest": t.dest} for t in decl.transitions],
        initial=decl.initial,
        auto_transitions=False,
        ignore_invalid_triggers=False,
        **kwargs,
    )


def _states(*pairs: tuple[str, str]) -> tuple[StateDecl, ...]:
    return tuple(StateDecl(n, d) for n, d in pairs)


T = TransitionDecl

# ------------------------------------------------------------------------------------
PHASE = MachineDecl(
    name="phase",
    doc="status.phase.  Derived each step by getPhase; the declared edges are the only changes the "
        "kubelet lets through (generateAPIPodStatus keeps a terminal phase: 'Pod attempted illegal phase transition').",
    source="pkg/kubelet/kubelet_pods.go getPhase, generateAPIPodStatus; k8s-invariants.md P4",
    states=_states(
        ("Pending", "accepted, not all containers have run (or being re-initialised)"),
        ("Running", "bound, every regular container has run and at least one runs or will restart"),
        ("Succeeded", "every regular container exited 0 and none will restart (terminal)"),
        ("Failed", "a regular container failed for good, or the pod was killed (terminal)"),
    ),
    initial="Pending",
    terminal=("Succeeded", "Failed"),
    transitions=(
        T("start", ("Pending",), "Running", doc="all regular containers have run"),
        T("reinitialize", ("Running",), "Pending", doc="sandbox recreated: init containers run again (test 're-initializing the pod after the sandbox is recreated')"),
        T("succeed", ("Pending", "Running"), "Succeeded"),
        T("fail", ("Pending", "Running"), "Failed"),
    ),
)

_WAITING = ("Waiting", "ErrImagePull", "ImagePullBackOff", "CreateContainerConfigError")
_RUNNING = ("Running", "Started", "Ready")
CONTAINER = MachineDecl(
    name="container",
    doc="One container's status.state (waiting / running / terminated) with its reasons, started/ready, "
        "restarts and crash-loop back-off.  Exit codes, restartCount and lastState are parameters kept "
        "beside the machine state.  No state is terminal: whether a Terminated container is restarted "
        "is the guard should_restart (restart policy and rules).",
    source="pkg/kubelet/kubelet_pods.go convertToAPIContainerStatuses; pkg/kubelet/container/helpers.go ShouldContainerBeRestarted",
    states=_states(
        ("Waiting", "not started in this sandbox: reason ContainerCreating, or PodInitializing when the pod has init containers"),
        ("ErrImagePull", "waiting: the image pull failed"),
        ("ImagePullBackOff", "waiting: backing off before the next pull"),
        ("CreateContainerConfigError", "waiting: the container config could not be built (missing ConfigMap/Secret)"),
        ("Running", "running, started=false (startup probe pending)"),
        ("Started", "running, started=true, ready=false"),
        ("Ready", "running, started=true, ready=true"),
        ("Terminated", "terminated with an exit code (Completed, Error, OOMKilled, ContainerStatusUnknown)"),
        ("CrashLoopBackOff", "waiting: reason CrashLoopBackOff, lastState terminated, back-off running"),
    ),
    initial="Waiting",
    terminal=(),
    transitions=(
        T("image_pull_fail", ("Waiting",), "ErrImagePull", ("kubelet_connected", "sandbox_ready", "not_finishing", "start_order")),
        T("image_pull_backoff", ("ErrImagePull",), "ImagePullBackOff", ("kubelet_connected", "not_finishing", "start_order"),
          doc="the next start attempt finds the pull backing off (image_manager.go EnsureImageExists): an attempt, "
              "so only when the container's turn has come, like the pull itself"),
        T("config_error", ("Waiting",), "CreateContainerConfigError", ("kubelet_connected", "sandbox_ready", "not_finishing", "start_order")),
        T("start", ("Waiting", "ImagePullBackOff", "CreateContainerConfigError"), "Running",
          ("kubelet_connected", "sandbox_ready", "not_finishing", "start_order")),
        T("start_and_exit", ("Waiting", "ImagePullBackOff", "CreateContainerConfigError"), "Terminated",
          ("kubelet_connected", "sandbox_ready", "not_finishing", "start_order"),
          doc="started and exited between two status syncs: never shown running"),
        T("auto_started", ("Running",), "Started", ("no_startup_probe",), auto=True, doc="no startup probe: started at once"),
        T("startup_probe_succeeded", ("Running",), "Started", ("kubelet_connected", "has_startup_probe")),
        T("startup_probe_failed", ("Running",), "Terminated", ("kubelet_connected", "has_startup_probe"), doc="killed, exit 137"),
        T("auto_ready", ("Started",), "Ready", ("no_readiness_probe", "not_regular_init"), auto=True, doc="no readiness probe: ready once started"),
        T("readiness_probe_succeeded", ("Started",), "Ready", ("kubelet_connected", "has_readiness_probe")),
        T("readiness_probe_failed", ("Ready",), "Started", ("kubelet_connected", "has_readiness_probe")),
        T("liveness_probe_failed", ("Started", "Ready"), "Terminated", ("kubelet_connected", "has_liveness_probe"), doc="killed, exit 137"),
        T("exit", _RUNNING, "Terminated", ("kubelet_connected",), doc="the process exits (or dies on SIGTERM/SIGKILL)"),
        T("back_off", ("Terminated",), "CrashLoopBackOff", ("kubelet_connected", "not_finishing", "should_restart")),
        T("restart", ("Terminated", "CrashLoopBackOff"), "Running", ("kubelet_connected", "not_finishing", "should_restart", "start_order")),
        T("deletion_ends_backoff", ("CrashLoopBackOff",), "Terminated",
          doc="deletionTimestamp set: no restart is coming, the last instance's termination shows again"),
        T("terminate_unknown", _WAITING + ("CrashLoopBackOff",), "Terminated", doc="TerminatePod: exit 137 ContainerStatusUnknown"),
        T("sandbox_reset", _WAITING[1:] + _RUNNING + ("Terminated", "CrashLoopBackOff"), "Waiting",
          doc="the sandbox was recreated: the container starts over"),
    ),
)

BINDING = MachineDecl(
    name="binding",
    doc="spec.nodeName: set once through pods/binding (or at creation), never changed; the node may be lost and come back.",
    source="pkg/registry/core/pod/storage/storage.go BindingREST; k8s-invariants.md B1-B4, §10.5",
    states=_states(
        ("Unbound", "spec.nodeName empty"),
        ("Bound", "spec.nodeName set, kubelet reporting"),
        ("NodeLost", "node unreachable: the kubelet cannot report; the node controller marks Ready=False"),
    ),
    initial="Unbound",
    terminal=(),
    transitions=(
        T("bind", ("Unbound",), "Bound", ("not_deleting",)),
        T("node_lost", ("Bound",), "NodeLost"),
        T("node_recovered", ("NodeLost",), "Bound"),
    ),
)

SANDBOX = MachineDecl(
    name="sandbox",
    doc="The pod sandbox (PodReadyToStartContainers).  Recreation restarts every container and re-runs init.",
    source="pkg/kubelet/status/generate.go GeneratePodReadyToStartContainersCondition; kuberuntime computePodActions",
    states=_states(("NotCreated", "no sandbox yet"), ("Ready", "sandbox running with its network")),
    initial="NotCreated",
    terminal=(),
    transitions=(
        T("create", ("NotCreated",), "Ready", ("kubelet_connected", "not_finishing")),
        T("recreate", ("Ready",), "Ready", ("kubelet_connected", "not_finishing", "restart_policy_always", "recreations_left")),
    ),
)

TERMINATION = MachineDecl(
    name="termination",
    doc="The pod worker's termination: SIGTERM (preStop first) with the grace period, SIGKILL when it expires, then the final status (TerminatePod).",
    source="pkg/kubelet/pod_workers.go; pkg/kubelet/status/status_manager.go TerminatePod",
    states=_states(
        ("Active", "the kubelet keeps the pod's containers running and restarts them per policy"),
        ("Stopping", "deleted, evicted, past its deadline, or done: containers get SIGTERM, no restarts"),
        ("Killing", "the grace period expired: remaining containers were SIGKILLed"),
        ("Finished", "no container runs; the final (terminal) status was written"),
    ),
    initial="Active",
    terminal=("Finished",),
    transitions=(
        T("delete", ("Active",), "Stopping", doc="ApiDelete: deletionTimestamp set"),
        T("evict", ("Active",), "Stopping", ("kubelet_connected", "sandbox_created"), doc="kubelet eviction (node pressure): reason Evicted"),
        T("deadline_exceeded", ("Active",), "Stopping", ("kubelet_connected", "sandbox_created", "has_active_deadline"),
          doc="activeDeadlineSeconds passed: reason DeadlineExceeded"),
        T("complete", ("Active",), "Stopping", ("kubelet_connected", "regular_done"), auto=True,
          doc="no regular container will run again: stop the sidecars"),
        T("grace_period_expired", ("Stopping",), "Killing", ("some_container_running",),
          doc="the kubelet's own timer (pod_workers.go killPodWithSyncResult -> KillPod with gracePeriodOverride): "
              "it runs on the node, so it also fires while the node is unreachable; the SIGKILLed "
              "containers' status is reported once the node is back"),
        T("finish", ("Stopping", "Killing"), "Finished", ("kubelet_connected", "no_container_running"), auto=True),
    ),
)

DELETION = MachineDecl(
    name="deletion",
    doc="The API object: metadata.deletionTimestamp set by DELETE, the object removed by the kubelet's final "
        "DELETE once the phase is terminal, or at once (unbound/terminal pods get grace 0; force delete).",
    source="pkg/registry/core/pod/strategy.go CheckGracefulDelete; status_manager.go podIsFinished; k8s-invariants.md P10, D2, §10.3",
    states=_states(
        ("Live", "no deletionTimestamp"),
        ("Deleting", "deletionTimestamp and deletionGracePeriodSeconds set"),
        ("Removed", "the object is gone (watchers saw DELETED)"),
    ),
    initial="Live",
    terminal=("Removed",),
    transitions=(
        T("api_delete", ("Live",), "Deleting", ("bound", "phase_not_terminal")),
        T("api_delete", ("Live",), "Removed", ("unbound_or_terminal",), doc="grace 0: unbound or already terminal"),
        T("kubelet_remove", ("Deleting",), "Removed", ("phase_terminal", "pod_finished")),
        T("force_delete", ("Live", "Deleting"), "Removed"),
    ),
)


def _condition(name: str, doc: str, source: str, *, falls: bool = True, rises_doc: str = "") -> MachineDecl:
    trans = [T("set_true", ("False",), "True", doc=rises_doc)]
    if falls:
        trans.append(T("set_false", ("True",), "False"))
    return MachineDecl(
        name=name, doc=doc, source=source,
        states=_states(("False", f"{name} is False or absent"), ("True", f"{name} is True")),
        initial="False", terminal=() if falls else ("True",), transitions=tuple(trans),
    )


CONDITIONS: tuple[MachineDecl, ...] = (
    _condition("PodScheduled", "Set True by the binding; never goes back.", "storage.go setPodHostAndAnnotations; k8s-invariants.md K4", falls=False),
    _condition("PodReadyToStartContainers", "The sandbox is ready.", "generate.go GeneratePodReadyToStartContainersCondition"),
    _condition("Initialized", "Init containers done (sidecars started); regresses only when the sandbox is recreated.", "generate.go GeneratePodInitializedCondition"),
    _condition("ContainersReady", "Every app container and sidecar is ready.", "generate.go GenerateContainersReadyCondition"),
    _condition("Ready", "ContainersReady and every readiness gate True; the node controller sets it False when the node is lost.", "generate.go GeneratePodReadyCondition"),
    _condition("DisruptionTarget", "The pod is being disrupted (eviction); sent with the terminal phase.", "status_manager.go mergePodStatus", falls=False),
)

#: Every component machine, by name.
MACHINES: Mapping[str, MachineDecl] = {m.name: m for m in (PHASE, CONTAINER, BINDING, SANDBOX, TERMINATION, DELETION, *CONDITIONS)}


@dataclass(frozen=True)
class Declarations:
    """The full set of declarations a product model is built from.

    ``machines`` maps machine name -> `MachineDecl`.  Replace one to build a modified
    model::

        from podmodel.model.machines import DEFAULT
        from podmodel.model.product import Model
        broken = DEFAULT.replace_machine(DEFAULT.machines["container"].without_guard("restart", "should_restart"))
        model = Model(config, declarations=broken)
    """

    machines: Mapping[str, MachineDecl] = field(default_factory=lambda: dict(MACHINES))

    def __getitem__(self, name: str) -> MachineDecl:
        return self.machines[name]

    def replace_machine(self, decl: MachineDecl) -> Declarations:
        if decl.name not in self.machines:
            raise DeclarationError(f"no machine named {decl.name!r}")
        return Declarations({**self.machines, decl.name: decl})

    def to_dict(self) -> dict[str, Any]:
        return {name: m.to_dict() for name, m in self.machines.items()}

    def __hash__(self) -> int:
        return hash(tuple(sorted((k, id(v)) for k, v in self.machines.items())))


DEFAULT = Declarations()
