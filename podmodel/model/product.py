"""The product model: the component machines composed for one pod configuration.

The interface is four things (Stateright's ``Model``)::

    model = Model(config, bounds)
    model.initial_states()        -> tuple of PodState
    model.actions(state)          -> list of actions, in a deterministic order
    model.next_state(state, act)  -> PodState

Everything else -- the explorer, the Hypothesis rules, the oracle's cross-checks, the
diagrams -- is built on them.  The synchronisation rules live here, as named guards
(`GUARDS`) that the declarations in `podmodel.model.machines` attach to transitions: init
containers one at a time and in order, sidecars started before the next init container,
app containers only after initialisation, one node for the whole pod, no restarts once
the pod is stopping.  Phase and conditions are *derived* each step by the kubelet's own
functions (`podmodel.model.kubelet`); the phase machine's declared edges are the only phase
changes let through (the kubelet's "illegal phase transition" guard), and a terminal
phase is held back while a container still runs (status manager ``mergePodStatus``).

Abstractions (see docs/model.md): time is not modelled (back-off delays, grace periods
and probe periods are nondeterministic waits); restartCount saturates at
``Bounds.max_restarts``; exit codes are drawn from ``Bounds.exit_codes`` plus the codes
restart rules mention; one abstract grace period.

>>> from podmodel.model.config import PodConfig, ContainerSpec
>>> m = Model(PodConfig(containers=(ContainerSpec("app"),), restart_policy="Never"))
>>> s = m.initial_states()[0]
>>> for a in [SchedulerBind("node-1"), KubeletCreateSandbox(), KubeletStartContainer("app"), ContainerExit("app", 0)]:
...     s = m.next_state(s, a)
>>> s.phase, s.termination, m.container_state(s, "app").machine
('Succeeded', 'Finished', 'Terminated')
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from typing import Any, NamedTuple

from podmodel.model import kubelet
from podmodel.model.actions import (
    Action,
    ApiDelete,
    ContainerExit,
    ContainerStartedAndExited,
    ControllerSetCondition,
    DeadlineExceeded,
    Evict,
    ForceDelete,
    GracePeriodExpired,
    KubeletBackOff,
    KubeletCreateConfigError,
    KubeletCreateSandbox,
    KubeletImagePullBackOff,
    KubeletImagePullFailed,
    KubeletRemovePod,
    KubeletRestartContainer,
    KubeletStartContainer,
    NodeLost,
    NodeRecovered,
    ProbeFail,
    ProbeSucceed,
    SandboxRecreated,
    SchedulerBind,
)
from podmodel.model.bounds import Bounds
from podmodel.model.config import ContainerSpec, PodConfig
from podmodel.model.kubelet import Status
from podmodel.model.machines import DEFAULT, Declarations

#: Derived-field hooks a `Model` accepts (``Model(config, derived={...})``), to build a
#: model whose kubelet computes a derived field differently -- how the mutation
#: self-check seeds bugs in getPhase and the condition generators without editing code:
#:
#: * ``"phase"``: ``fn(model, state, phase) -> phase``, given the phase the kubelet's
#:   getPhase (and the handlers' Failed) computed for ``state``, before the status
#:   manager's checks (declared phase edges, terminal phase held back while containers run);
#: * ``"conditions"``: ``fn(model, state, phase, conditions) -> conditions``, given the
#:   ``(type, status, reason)`` triples the condition generators wrote.
DERIVED_HOOKS = ("phase", "conditions")

RUNNING_STATES = frozenset({"Running", "Started", "Ready"})
#: Machine states in which a container instance exists in the current sandbox.
INSTANCE_STATES = RUNNING_STATES | {"Terminated", "CrashLoopBackOff"}
STARTED_STATES = frozenset({"Started", "Ready"})
#: Most states `Model.next_state` (applied states) and `Model.actions` remember the
#: outcome of (each memo is emptied when full: it bounds memory, and a breadth-first
#: search hits mostly within a layer).
SETTLED_MEMO = 1 << 16
SANDBOX_EXIT_CODE = 255  # k8s-invariants.md §10.6: old instances often end with 255 / reason Unknown


#: ``tuple.__new__``: builds a named tuple from a ready tuple of its fields, positionally
#: (no keyword matching as in ``_replace``; speed only, on the hot paths below).  The positions
#: used with it (``s[8]`` the containers, ``cs[:4]`` a container without its count, ...)
#: follow the field order of `PodState` and `ContainerState`, which
#: ``tests/test_model_derive.py`` pins.
_new = tuple.__new__


class UnsupportedConfig(ValueError):
    """A configuration the product model does not cover (the reference functions may)."""


class ActionNotEnabled(ValueError):
    """`Model.next_state` was asked to take an action that is not enabled."""


class ContainerState(NamedTuple):
    """One container: its container-machine state and the parameters beside it."""

    machine: str = "Waiting"
    exit_code: int | None = None
    reason: str | None = None
    last_exit_code: int | None = None
    restart_count: int = 0


class PodState(NamedTuple):
    """An immutable, hashable product state.

    ``containers`` follows ``config.all_containers`` (init containers, then app
    containers); ``gates`` the readiness gates (condition status or None when absent);
    ``conditions`` is derived: ``(type, status, reason)`` triples as the kubelet writes them.
    """

    phase: str
    binding: str
    node: str | None
    sandbox: str
    recreations: int
    termination: str
    stop_reason: str | None
    deletion: str
    containers: tuple[ContainerState, ...]
    gates: tuple[str | None, ...]
    conditions: tuple[tuple[str, str, str], ...]

    def condition(self, ctype: str) -> str | None:
        """The status of condition ``ctype`` ("True"/"False") or None when absent."""
        for t, status, _ in self.conditions:
            if t == ctype:
                return status
        return None


class Ctx(NamedTuple):
    """What a guard sees: the model, the state, the action, and the container index.

    (A named tuple rather than a frozen dataclass: one is built for every guard check.)"""

    model: Model
    state: PodState
    action: Action | None = None
    index: int | None = None

    @property
    def spec(self) -> ContainerSpec:
        return self.model.specs[self.index]

    @property
    def cs(self) -> ContainerState:
        return self.state.containers[self.index]


Guard = Callable[[Ctx], bool]


def _holds(guards: tuple[Guard, ...], ctx: Ctx) -> bool:
    """Every guard holds, asked in order until one does not (``all`` without a generator)."""
    for g in guards:
        if not g(ctx):
            return False
    return True


#: Standard guards that read the container's spec only (never the state nor the action):
#: where a container's auto transitions have no other guards, what they do to it is a
#: function of the container and its machine state (`Model._auto_pass`).
SPEC_GUARDS = frozenset({"has_startup_probe", "no_startup_probe", "has_readiness_probe", "no_readiness_probe",
                         "has_liveness_probe", "not_regular_init"})

#: Guards that delay a (re)start but never forbid it: the pod worker does not count on them
#: when it decides that nothing is left to run.
TRANSIENT_GUARDS = frozenset({"kubelet_connected", "not_finishing", "start_order"})
#: The kubelet's SIGKILL at the end of the grace period needs no connection to the API server.
_UNCONNECTED = frozenset({"kubelet_connected"})


def any_running(s: PodState) -> bool:
    """Some container of the pod is running."""
    for cs in s[8]:  # any(...), as a loop (speed only)
        if cs[0] in RUNNING_STATES:
            return True
    return False


def _regular_done(c: Ctx) -> bool:
    """The pod worker's "nothing left to run": every app container exited and its
    declared ``restart`` transition is not enabled, or a regular init container failed
    and will not be retried (kuberuntime computePodActions; getPhase rule 19).  Derived
    from the container machine's declaration, so a modified restart guard shows here too."""
    m, s = c.model, c.state

    def restartable(i: int) -> bool:
        return m._fire(s, "container", "restart", None, i, ignore=TRANSIENT_GUARDS) is not None

    cont = s[8]
    for i in m.regular_init_indices:
        cs = cont[i]
        if cs[0] == "Terminated" and cs[1] != 0 and not restartable(i):
            return True
    for i in m.app_indices:  # every app container exited: asked first, it looks nothing up (speed only)
        if cont[i][0] != "Terminated":
            return False
    for i in m.app_indices:
        if restartable(i):
            return False
    return True


def _start_order(c: Ctx) -> bool:
    """The kubelet's start order (kuberuntime ``computeInitContainerActions``; k8s-invariants I1-I2).

    An init container (regular or sidecar) starts only when every earlier regular init
    container exited 0 and every earlier sidecar is started.  App containers start or
    restart only once the pod has initialised in the kubelet's sense: a regular
    container is running, or the *last* init container is done (a regular one exited 0,
    a sidecar running and started); with no init containers, at once.
    """
    m, s, i = c.model, c.state, c.index
    cont = s.containers
    if i in m.app_indices:
        for j in m.app_indices:  # any(...) or ..., as a loop (speed only)
            if cont[j].machine in RUNNING_STATES:
                return True
        if not m.init_indices:
            return True
        return _init_done(m, s, m.init_indices[-1])
    for j in m.init_indices[: m.init_indices.index(i)]:
        if not _init_done(m, s, j):
            return False
    return True


def _init_done(m: Model, s: PodState, j: int) -> bool:
    """Init container ``j`` lets the next one start: exited 0 (regular) or started (sidecar)."""
    cs = s.containers[j]
    if m.specs[j].is_sidecar:
        return cs.machine in STARTED_STATES
    return cs.machine == "Terminated" and cs.exit_code == 0


def _should_restart(c: Ctx) -> bool:
    """``ShouldContainerBeRestarted`` for the container's last exit; completed regular
    init containers are never re-run."""
    cs = c.cs
    code = cs.exit_code if cs.machine == "Terminated" else cs.last_exit_code
    return code is not None and c.model.restarts(c.index, code)


#: Named synchronisation rules.  Declarations refer to them by name.
GUARDS: Mapping[str, Guard] = {
    "kubelet_connected": lambda c: c.state.binding == "Bound",
    "bound": lambda c: c.state.binding != "Unbound",
    "unbound_or_terminal": lambda c: c.state.binding == "Unbound" or c.state.phase in c.model.terminal_phases,
    "not_deleting": lambda c: c.state.deletion == "Live",
    "sandbox_ready": lambda c: c.state.sandbox == "Ready",
    "sandbox_created": lambda c: c.state.sandbox != "NotCreated",
    "not_finishing": lambda c: c.state.termination == "Active",
    "restart_policy_always": lambda c: c.model.config.restart_policy == "Always",
    "recreations_left": lambda c: c.state.recreations < c.model.bounds.sandbox_recreations,
    "has_active_deadline": lambda c: c.model.config.active_deadline_seconds is not None,
    "phase_terminal": lambda c: c.state.phase in c.model.terminal_phases,
    "phase_not_terminal": lambda c: c.state.phase not in c.model.terminal_phases,
    "pod_finished": lambda c: c.state.termination == "Finished",
    "some_container_running": lambda c: any_running(c.state),
    "no_container_running": lambda c: not any_running(c.state),
    "regular_done": _regular_done,
    "start_order": _start_order,
    "should_restart": _should_restart,
    "has_startup_probe": lambda c: c.spec.has_probe("startup"),
    "no_startup_probe": lambda c: not c.spec.has_probe("startup"),
    "has_readiness_probe": lambda c: c.spec.has_probe("readiness"),
    "no_readiness_probe": lambda c: not c.spec.has_probe("readiness"),
    "has_liveness_probe": lambda c: c.spec.has_probe("liveness"),
    "not_regular_init": lambda c: not c.spec.is_regular_init,
}

# Action type -> (machine, trigger) for pod-level actions.
POD_TRIGGERS: Mapping[type, tuple[str, str]] = {
    SchedulerBind: ("binding", "bind"),
    NodeLost: ("binding", "node_lost"),
    NodeRecovered: ("binding", "node_recovered"),
    KubeletCreateSandbox: ("sandbox", "create"),
    SandboxRecreated: ("sandbox", "recreate"),
    ApiDelete: ("deletion", "api_delete"),
    ForceDelete: ("deletion", "force_delete"),
    KubeletRemovePod: ("deletion", "kubelet_remove"),
    Evict: ("termination", "evict"),
    DeadlineExceeded: ("termination", "deadline_exceeded"),
    GracePeriodExpired: ("termination", "grace_period_expired"),
}
# Action type -> container-machine trigger.
CONTAINER_TRIGGERS: Mapping[type, str] = {
    KubeletStartContainer: "start",
    KubeletImagePullFailed: "image_pull_fail",
    KubeletImagePullBackOff: "image_pull_backoff",
    KubeletCreateConfigError: "config_error",
    ContainerExit: "exit",
    ContainerStartedAndExited: "start_and_exit",
    KubeletBackOff: "back_off",
    KubeletRestartContainer: "restart",
}
PROBE_TRIGGERS: Mapping[tuple[type, str], str] = {
    (ProbeSucceed, "startup"): "startup_probe_succeeded",
    (ProbeFail, "startup"): "startup_probe_failed",
    (ProbeSucceed, "readiness"): "readiness_probe_succeeded",
    (ProbeFail, "readiness"): "readiness_probe_failed",
    (ProbeFail, "liveness"): "liveness_probe_failed",
}
STATE_FIELD = {"binding": "binding", "sandbox": "sandbox", "termination": "termination", "deletion": "deletion", "phase": "phase"}
#: The position in `PodState` of each pod-level machine's field (speed only: states are read by position).
_FIELD_INDEX = {machine: PodState._fields.index(name) for machine, name in STATE_FIELD.items()}


def exit_reason(code: int) -> str:
    """The terminated reason the runtime reports for an exit code."""
    return "Completed" if code == 0 else ("OOMKilled" if code == 137 else "Error")


class Model:
    """The product model for ``config`` under ``bounds``, built from ``declarations``."""

    def __init__(self, config: PodConfig, bounds: Bounds | None = None, declarations: Declarations = DEFAULT,
                 guards: Mapping[str, Guard] | None = None, derived: Mapping[str, Callable[..., Any]] | None = None):
        self.config = config
        self.bounds = bounds or Bounds()
        self.decl = declarations
        self.guards = {**GUARDS, **(guards or {})}
        self.derived = dict(derived or {})
        unknown = sorted(set(self.derived) - set(DERIVED_HOOKS))
        if unknown:
            raise UnsupportedConfig(f"unknown derived-field hook(s) {', '.join(unknown)} (known: {', '.join(DERIVED_HOOKS)})")
        if config.gate("RestartAllContainersOnContainerExits") and any(
                r.action == "RestartAllContainers" for c in config.all_containers for r in c.restart_rules):
            raise UnsupportedConfig("RestartAllContainers rules (KEP-5532, alpha) are supported by podmodel.model.reference "
                                    "but not by the product model")
        for d in self.decl.machines.values():
            for t in d.transitions:
                for g in t.guards:
                    if g not in self.guards:
                        raise UnsupportedConfig(f"machine {d.name}: transition {t.trigger!r} uses unknown guard {g!r}")
        self.specs: tuple[ContainerSpec, ...] = config.all_containers
        self.index = {c.name: i for i, c in enumerate(self.specs)}
        self.init_indices = tuple(range(len(config.init_containers)))
        self.app_indices = tuple(range(len(config.init_containers), len(self.specs)))
        self.regular_init_indices = tuple(i for i in self.init_indices if self.specs[i].is_regular_init)
        self.terminal_phases = frozenset(self.decl["phase"].terminal)
        self.phase_edges = frozenset(self.decl["phase"].edges())
        self.condition_machines = {n: m for n, m in self.decl.machines.items() if m.name in
                                   ("PodScheduled", "PodReadyToStartContainers", "Initialized", "ContainersReady", "Ready", "DisruptionTarget")}
        self._table: dict[tuple[str, str, str], tuple] = {}
        for d in self.decl.machines.values():
            for t in d.transitions:
                for src in t.source:
                    self._table.setdefault((d.name, t.trigger, src), ())
                    self._table[(d.name, t.trigger, src)] += (t,)
        # the same table with each transition's guard functions looked up once (speed only);
        # `_fire` adds the entries that ignore some guards, keyed by the guards ignored
        self._checks: dict[tuple[str, str, str], tuple[tuple[Any, tuple[Guard, ...]], ...]] = {
            key: tuple((t, tuple(self.guards[g] for g in t.guards)) for t in ts) for key, ts in self._table.items()}
        # per container (by index), by container state: its status and its part of getPhase's count
        self._status_cache: list[dict[ContainerState, Status]] = [{} for _ in self.specs]
        self._phase_parts: list[dict[ContainerState, int]] = [{} for _ in self.specs]
        self._ready_parts: list[dict[ContainerState, tuple]] = [{} for _ in self.specs]
        self._n_init = len(config.init_containers)
        self._rules_on = config.gates.get("ContainerRestartRules", True)
        self._derive_cache: dict[tuple, tuple[str, tuple]] = {}
        self._container_autos = [(t, tuple(self.guards[g] for g in t.guards))
                                 for t in self.decl["container"].transitions if t.auto]
        self._container_auto_sources = frozenset(src for t, _ in self._container_autos for src in t.source)
        self._auto_pass = self._container_auto_pass()
        self._termination_autos = [(t, tuple(self.guards[g] for g in t.guards))
                                   for t in self.decl["termination"].transitions if t.auto]
        self._settled: dict[PodState, PodState] = {}
        self._actions_memo: dict[PodState, tuple[Action, ...]] = {}
        self._restarts_memo: dict[tuple[int, int], bool] = {}
        self._phase_memo: dict[tuple, str] = {}
        self._terminate_memo: dict[tuple, tuple[int, ...]] = {}
        self._exit_codes: dict[ContainerSpec, tuple[int, ...]] = {}
        self._sources_memo: dict[tuple, frozenset[str]] = {}
        self._action_memo: dict[tuple, Action] = {}
        self._candidates_of: dict[frozenset[type], tuple[Action, ...]] = {}
        self._conditions_memo: dict[tuple, tuple[tuple[str, str, str], ...]] = {}

    def __repr__(self) -> str:
        return f"Model({self.config!r}, {self.bounds!r})"

    # ------------------------------------------------------------------ interface
    def initial_states(self) -> tuple[PodState, ...]:
        """The pod as created: Pending, unbound (or bound if created with nodeName)."""
        bound = self.config.node_name is not None
        s = PodState(
            phase=self.decl["phase"].initial,
            binding="Bound" if bound else self.decl["binding"].initial,
            node=self.config.node_name,
            sandbox=self.decl["sandbox"].initial,
            recreations=0,
            termination=self.decl["termination"].initial,
            stop_reason=None,
            deletion=self.decl["deletion"].initial,
            containers=tuple(ContainerState(self.decl["container"].initial) for _ in self.specs),
            gates=tuple(None for _ in self.config.readiness_gates),
            conditions=(),
        )
        return (self._derive(s, s),)

    @cached_property
    def candidate_actions(self) -> tuple[Action, ...]:
        """Every action the bounds allow, in the fixed order `actions` reports them."""
        b, cfg = self.bounds, self.config
        out: list[Action] = [SchedulerBind(n) for n in b.nodes]
        out.append(KubeletCreateSandbox())
        for spec in self.specs:
            c = spec.name
            out.append(KubeletStartContainer(c))
            if b.image_pull_errors:
                out += [KubeletImagePullFailed(c), KubeletImagePullBackOff(c)]
            if b.config_errors:
                out.append(KubeletCreateConfigError(c))
            if b.probes:
                for kind in spec.probes:
                    if kind != "liveness":
                        out.append(ProbeSucceed(c, kind))
                    out.append(ProbeFail(c, kind))
            out += [ContainerExit(c, code) for code in self.exit_codes(spec)]
            if b.fast_exits:
                out += [ContainerStartedAndExited(c, code) for code in self.exit_codes(spec)]
            out += [KubeletBackOff(c), KubeletRestartContainer(c)]
        if b.readiness_gates:
            for g in cfg.readiness_gates:
                out += [ControllerSetCondition(g, "True"), ControllerSetCondition(g, "False")]
        if b.sandbox_recreations:
            out.append(SandboxRecreated())
        if b.node_loss:
            out += [NodeLost(), NodeRecovered()]
        if b.eviction:
            out.append(Evict())
        if b.deadline and cfg.active_deadline_seconds is not None:
            out.append(DeadlineExceeded())
        if b.deletion:
            out.append(ApiDelete(cfg.termination_grace_period_seconds))
        if b.force_delete:
            out.append(ForceDelete())
        out += [GracePeriodExpired(), KubeletRemovePod()]
        return tuple(out)

    def exit_codes(self, spec: ContainerSpec) -> tuple[int, ...]:
        """Exit codes ``spec`` may exit with: the bound's alphabet plus its rules' codes
        (kept by spec: the catalogue asks per state)."""
        hit = self._exit_codes.get(spec)
        if hit is None:
            codes = set(self.bounds.exit_codes)
            for r in spec.restart_rules:
                codes.update(r.values)
            hit = self._exit_codes[spec] = tuple(sorted(codes))
        return hit

    def action(self, kind: type[Action], *args: Any) -> Action:
        """``kind(*args)``, as the `candidate_actions` object equal to it when there is one,
        built once (speed only: `enabled` and `next_state` find a candidate's trigger by
        identity, `_plans`; any other equal action gives the same answers, by the general path)."""
        key = (kind, args)
        hit = self._action_memo.get(key)
        if hit is None:
            a = kind(*args)
            hit = self._action_memo[key] = next((c for c in self.candidate_actions if c == a), a)
        return hit

    def candidates_of(self, kinds: frozenset[type]) -> tuple[Action, ...]:
        """The candidate actions whose type is in ``kinds``, in `candidate_actions` order (kept by ``kinds``)."""
        hit = self._candidates_of.get(kinds)
        if hit is None:
            hit = self._candidates_of[kinds] = tuple(a for a in self.candidate_actions if type(a) in kinds)
        return hit

    def actions(self, state: PodState) -> list[Action]:
        """The enabled actions, in `candidate_actions` order (deterministic).

        Memoised by state (a search asks once per state, and properties that look at the
        enabled actions ask again for the same state)."""
        hit = self._actions_memo.get(state)
        if hit is not None:
            return list(hit)
        if state.deletion == "Removed":
            return []
        out = []
        same: dict[tuple, bool] = {}  # actions that ask the same question share the answer
        for a, key, machine, trigger, i, by_src in self._candidate_plan:
            ok = same.get(key) if key is not None else None
            if ok is None:
                if machine is None:
                    ok = self._transition(state, a) is not None
                elif (state[8][i][0] if i is not None else state[_FIELD_INDEX[machine]]) not in by_src:
                    ok = False  # no transition of the trigger leaves this state (`_fire` would say None)
                else:
                    ok = self._fire(state, machine, trigger, a, i) is not None
                if key is not None:
                    same[key] = ok
            if ok:
                out.append(a)
        if len(self._actions_memo) >= SETTLED_MEMO:
            self._actions_memo.clear()
        self._actions_memo[state] = tuple(out)
        return out

    @cached_property
    def _candidate_plan(self) -> tuple[tuple[Action, tuple | None, str | None, str | None, int | None, frozenset], ...]:
        """`candidate_actions` with what `_transition` would look up for each (speed only):
        ``(action, key, machine, trigger, container index, sources)``, ``sources`` the
        states some transition of the trigger leaves (`_sources`).

        ``machine``/``trigger`` are those the action fires when nothing but that trigger
        decides it (None: ask `_transition`).  ``key`` groups the actions whose
        enabledness is the same question -- one trigger of one machine (``ContainerExit``
        with any code, ``SchedulerBind`` to any node) -- when every guard the trigger
        depends on is a standard one (they never read the action) and another action shares
        it; None otherwise."""
        def standard(machine: str, trigger: str) -> bool:
            return all(self.guards[g] is GUARDS.get(g) for t in self.decl[machine].transitions
                       if t.trigger == trigger for g in t.guards)

        out = []
        for a in self.candidate_actions:
            kind, key, machine, trigger, i = type(a), None, None, None, None
            ctrigger = CONTAINER_TRIGGERS.get(kind) or PROBE_TRIGGERS.get((kind, getattr(a, "kind", None)))
            if ctrigger is not None:
                machine, trigger, i = "container", ctrigger, self.index[a.container]
                if standard(machine, trigger):
                    key = (machine, trigger, i)
            elif kind is SchedulerBind:
                if standard("binding", "bind"):
                    key = ("binding", "bind")
            elif kind in POD_TRIGGERS:
                machine, trigger = POD_TRIGGERS[kind]
            out.append((a, key, machine, trigger, i, self._sources(machine, trigger)))
        shared = Counter(key for _, key, *_ in out if key is not None)  # a key no other action has is never hit
        return tuple((a, key if shared[key] > 1 else None, *rest) for a, key, *rest in out)

    def _sources(self, machine: str | None, trigger: str | None) -> frozenset[str]:
        """The states of ``machine`` that some declared transition of ``trigger`` leaves (kept)."""
        hit = self._sources_memo.get((machine, trigger))
        if hit is None:
            hit = self._sources_memo[(machine, trigger)] = frozenset(
                src for (m, tr, src) in self._table if m == machine and tr == trigger)
        return hit

    def enabled(self, state: PodState, action: Action) -> bool:
        if state.deletion == "Removed":
            return False
        plan = self._plans.get(id(action))
        if plan is not None and plan[0] is action:  # `_transition`'s first path, inlined (speed only)
            _, machine, trigger, i, sources = plan
            if (state[8][i][0] if i is not None else state[_FIELD_INDEX[machine]]) not in sources:
                return False  # no transition of the trigger leaves this state (`_fire` would say None)
            return self._fire(state, machine, trigger, action, i) is not None
        return self._transition(state, action) is not None

    def next_state(self, state: PodState, action: Action) -> PodState:
        """The state after ``action``; raises `ActionNotEnabled` if it is not enabled."""
        found = self._transition(state, action) if state.deletion != "Removed" else None
        if found is None:
            raise ActionNotEnabled(f"{action!r} is not enabled")
        return self.take(state, action, found)

    def take(self, state: PodState, action: Action, found: tuple) -> PodState:
        """`next_state` of an enabled ``action`` whose transition out of ``state`` is
        ``found``, `_transition`'s answer for them, which the caller already has: the guards
        are not asked again (speed only; the compiled engine's `Enabled.steps` keeps it)."""
        machine, index, t = found
        s = self._apply(state, action, machine, index, t.dest)
        # what follows is a pure function of the applied state (the old phase is still in
        # it: no action sets the phase), and many steps reach the same one: memoised
        hit = self._settled.get(s)
        if hit is None:
            if len(self._settled) >= SETTLED_MEMO:
                self._settled.clear()
            hit = self._settled[s] = self._derive(s, self._settle(s))
        return hit

    # ------------------------------------------------------------------ helpers
    def container_state(self, state: PodState, name: str) -> ContainerState:
        return state.containers[self.index[name]]

    def _component(self, state: PodState, machine: str, index: int | None) -> str:
        if machine == "container":
            return state.containers[index].machine
        return getattr(state, STATE_FIELD[machine])

    def _fire(self, state: PodState, machine: str, trigger: str, action: Action | None, index: int | None = None,
              ignore: frozenset[str] = frozenset()):
        """The first declared transition of ``machine``'s ``trigger`` out of its current
        state whose guards (but those in ``ignore``) all hold, or None."""
        src = state[8][index][0] if machine == "container" else state[_FIELD_INDEX[machine]]
        if ignore:
            key = (machine, trigger, src, ignore)
            checks = self._checks.get(key)
            if checks is None:
                checks = self._checks[key] = tuple((t, tuple(self.guards[g] for g in t.guards if g not in ignore))
                                                   for t in self._table.get((machine, trigger, src), ()))
        else:
            checks = self._checks.get((machine, trigger, src))
        if not checks:
            return None
        ctx = _new(Ctx, (self, state, action, index))
        for t, guards in checks:
            for g in guards:  # `_holds`, inlined (speed only)
                if not g(ctx):
                    break
            else:
                return t
        return None

    def _transition(self, state: PodState, action: Action):
        """(machine, container index, declared transition) that ``action`` fires, or None."""
        plan = self._plans.get(id(action))
        if plan is not None and plan[0] is action:  # a candidate action, looked up once (speed only)
            _, machine, trigger, i, _ = plan
            t = self._fire(state, machine, trigger, action, i)
            return None if t is None else (machine, i, t)
        kind = type(action)
        if kind in POD_TRIGGERS:
            machine, trigger = POD_TRIGGERS[kind]
            t = self._fire(state, machine, trigger, action)
            if t is None:
                return None
            if kind is SchedulerBind and state.node is not None:
                return None
            return machine, None, t
        if kind is ControllerSetCondition:
            i = self.config.readiness_gates.index(action.condition)
            return ("gate", i, _GATE_T) if state.gates[i] != action.status else None
        trigger = CONTAINER_TRIGGERS.get(kind) or PROBE_TRIGGERS.get((kind, getattr(action, "kind", None)))
        if trigger is None:
            return None
        i = self.index[action.container]
        t = self._fire(state, "container", trigger, action, i)
        return None if t is None else ("container", i, t)

    @cached_property
    def _plans(self) -> dict[int, tuple[Action, str, str, int | None, frozenset[str]]]:
        """``id(action) -> (action, machine, trigger, container index, sources)`` for the candidate
        actions whose `_transition` is one `_fire` (container and pod triggers, but
        ``SchedulerBind``, which also reads the node): what `_transition` would look up for
        them.  The action is kept in the entry, so its id cannot be reused while it is
        there, and `_transition` checks it is the same object."""
        out = {}
        for a in self.candidate_actions:
            kind = type(a)
            if kind in POD_TRIGGERS and kind is not SchedulerBind:
                out[id(a)] = (a, *POD_TRIGGERS[kind], None, self._sources(*POD_TRIGGERS[kind]))
            elif kind not in POD_TRIGGERS and kind is not ControllerSetCondition:
                trigger = CONTAINER_TRIGGERS.get(kind) or PROBE_TRIGGERS.get((kind, getattr(a, "kind", None)))
                if trigger is not None:
                    out[id(a)] = (a, "container", trigger, self.index[a.container], self._sources("container", trigger))
        return out

    def _apply(self, s: PodState, a: Action, machine: str, i: int | None, dest: str) -> PodState:
        kind = type(a)
        if machine == "gate":
            gates = list(s.gates)
            gates[i] = a.status
            return _new(type(s), (*s[:9], tuple(gates), s[10]))
        if machine == "container":
            return self._set_container(s, i, self._container_step(s.containers[i], a, dest))
        k = _FIELD_INDEX[machine]
        s = _new(type(s), (*s[:k], dest, *s[k + 1:]))  # s._replace(**{STATE_FIELD[machine]: dest}), positionally
        if kind is SchedulerBind:
            s = s._replace(node=a.node)
        elif kind is SandboxRecreated:
            s = s._replace(recreations=s.recreations + 1, containers=tuple(
                self._sandbox_reset(s, j) for j in range(len(self.specs))))
        elif kind is ApiDelete and dest == "Deleting":
            t = self._fire(s, "termination", "delete", a)
            if t is not None:  # termination and stop_reason (`_replace`, positionally)
                s = _new(type(s), (*s[:5], t.dest, s.stop_reason or "Deleted", *s[7:]))
            # ShouldContainerBeRestarted is false once deletionTimestamp is set, so a container
            # waiting in CrashLoopBackOff shows its last real instance again (convertToAPIContainerStatuses)
            ends = self._sources("container", "deletion_ends_backoff")
            for j, cs in enumerate(s.containers):
                t = self._fire(s, "container", "deletion_ends_backoff", a, j) if cs[0] in ends else None
                if t is not None:  # machine, exit code (the last one) and reason
                    s = self._set_container(s, j, _new(type(cs), (t.dest, cs.last_exit_code, exit_reason(cs.last_exit_code),
                                                                  cs[3], cs[4])))
        elif kind in (Evict, DeadlineExceeded):
            s = s._replace(stop_reason="Evicted" if kind is Evict else "DeadlineExceeded")
        elif kind is GracePeriodExpired:
            # SIGKILL is local to the node: it happens whether or not the API server hears of it
            for j, cs in enumerate(s.containers):
                if cs.machine in RUNNING_STATES:
                    t = self._fire(s, "container", "exit", a, j, ignore=_UNCONNECTED)
                    if t is not None:
                        s = self._set_container(s, j, _new(type(cs), (t.dest, 137, "Error", cs[3], cs[4])))
        return s

    def _container_step(self, cs: ContainerState, a: Action, dest: str) -> ContainerState:
        # fields positionally: (machine, exit_code, reason, last_exit_code, restart_count)
        kind, C = type(a), type(cs)
        if kind is ContainerExit:
            return _new(C, (dest, a.code, exit_reason(a.code), cs[3], cs[4]))
        if kind is ContainerStartedAndExited:
            count = cs.restart_count + (cs.last_exit_code is not None)
            return _new(C, (dest, a.code, exit_reason(a.code), cs[3], min(count, self.bounds.max_restarts)))
        if kind is ProbeFail and dest == "Terminated":
            return _new(C, (dest, 137, "Error", cs[3], cs[4]))
        if kind is KubeletBackOff:
            return _new(C, (dest, None, None, cs.exit_code, cs[4]))
        if kind is KubeletRestartContainer:
            last = cs.exit_code if cs.machine == "Terminated" else cs.last_exit_code
            return _new(C, (dest, None, None, last, min(cs.restart_count + 1, self.bounds.max_restarts)))
        if kind is KubeletStartContainer and cs.last_exit_code is not None:
            # a new instance of a container that ran in an earlier sandbox
            return _new(C, (dest, cs[1], cs[2], cs[3], min(cs.restart_count + 1, self.bounds.max_restarts)))
        return _new(C, (dest, *cs[1:]))

    def _sandbox_reset(self, s: PodState, j: int) -> ContainerState:
        cs = s.containers[j]
        t = self._fire(s, "container", "sandbox_reset", None, j)
        if t is None:
            return cs
        last = SANDBOX_EXIT_CODE if cs.machine in RUNNING_STATES else (cs.exit_code if cs.machine == "Terminated" else cs.last_exit_code)
        return _new(type(cs), (t.dest, None, None, last, cs[4]))

    @staticmethod
    def _set_container(s: PodState, i: int, cs: ContainerState) -> PodState:
        cont = s[8]
        return _new(type(s), (*s[:8], (*cont[:i], cs, *cont[i + 1:]), s[9], s[10]))

    def _settle(self, s: PodState) -> PodState:
        """Fire auto transitions until none is enabled (the kubelet's immediate reactions).

        Raises `UnsupportedConfig` if they never settle (only a modified declaration whose
        auto transitions form a cycle can do that)."""
        changed = True
        rounds = 0
        while changed:
            rounds += 1
            if rounds > 4 * len(s.containers) + 8:
                raise UnsupportedConfig("the auto transitions never settle (they form a cycle)")
            changed = False
            for i, cs in enumerate(s.containers):
                if cs[0] not in self._container_auto_sources:
                    continue  # no auto transition leaves this state (the loop below would do nothing)
                if self._auto_pass is not None:  # the loop below, looked up (speed only)
                    dest = self._auto_pass[i].get(cs[0])
                    if dest is not None:
                        s = self._set_container(s, i, _new(type(cs), (dest, *cs[1:])))
                        changed = True
                    continue
                for t, guards in self._container_autos:
                    if cs[0] in t.source:
                        ctx = _new(Ctx, (self, s, None, i))
                        for g in guards:  # `_holds`, inlined (speed only)
                            if not g(ctx):
                                break
                        else:
                            s = self._set_container(s, i, _new(type(cs), (t.dest, *cs[1:])))
                            cs = s.containers[i]
                            changed = True
            for t, guards in self._termination_autos:
                if s[5] in t.source and _holds(guards, _new(Ctx, (self, s, None, None))):
                    s = _new(type(s), (*s[:5], t.dest, *s[6:]))
                    if t.dest == "Finished":
                        s = self._terminate_pod(s)
                    changed = True
        return s

    def _container_auto_pass(self) -> list[dict[str, str]] | None:
        """Per container: machine state -> the state one pass of `_settle` over the container's
        auto transitions (in declaration order, each seeing the one before) leaves it in,
        for the states where one fires.  None unless every guard of the container's auto
        transitions is a standard one that reads the spec only (`SPEC_GUARDS`); `_settle`
        then asks the guards each time.  Speed only."""
        if any(g not in SPEC_GUARDS or self.guards[g] is not GUARDS[g] for t, _ in self._container_autos for g in t.guards):
            return None
        out = []
        for i in range(len(self.specs)):
            ctx = _new(Ctx, (self, None, None, i))  # no state: these guards read the spec only
            moves = {}
            for src in self._container_auto_sources:
                machine, fired = src, False
                for t, guards in self._container_autos:
                    if machine in t.source and _holds(guards, ctx):
                        machine, fired = t.dest, True
                if fired:
                    moves[src] = machine
            out.append(moves)
        return out

    def _terminate_pod(self, s: PodState) -> PodState:
        """TerminatePod's defaulting: containers with no termination get exit 137
        ContainerStatusUnknown (status_manager.go TerminatePod).

        Which statuses TerminatePod turns terminated is a function of the statuses (the
        containers without their counts, as in `phase_of`) and the phase: memoised by them
        (speed only)."""
        key = (tuple([cs[:4] for cs in s[8]]), s.phase)
        defaulted = self._terminate_memo.get(key)
        if defaulted is None:
            init_v, reg_v = self.statuses(s, synced=True)
            new_init, new_reg, _ = kubelet.terminate_pod(self.config, init_v, reg_v, s.phase)
            defaulted = tuple(j for j, (old, new) in enumerate(zip(init_v + reg_v, new_init + new_reg))
                              if old.state != "terminated" and new.state == "terminated")
            if len(self._terminate_memo) >= SETTLED_MEMO:
                self._terminate_memo.clear()
            self._terminate_memo[key] = defaulted
        for j in defaulted:
            t = self._fire(s, "container", "terminate_unknown", None, j)
            if t is not None:
                s = self._set_container(s, j, s.containers[j]._replace(
                    machine=t.dest, exit_code=137, reason=kubelet.CONTAINER_STATUS_UNKNOWN))
        return s

    # ------------------------------------------------------------------ derived fields
    def synced(self, s: PodState) -> bool:
        """The kubelet has written a status (statuses and its conditions are visible)."""
        return s.sandbox != "NotCreated" or s.termination == "Finished"

    def restarts(self, j: int, code: int) -> bool:
        """``kubelet.kubelet_restarts`` for container ``j`` and exit code ``code``
        (ShouldContainerBeRestarted), memoised by its arguments (speed only)."""
        key = (j, code)
        hit = self._restarts_memo.get(key)
        if hit is None:
            hit = self._restarts_memo[key] = kubelet.kubelet_restarts(self.config, self.specs[j], code)
        return hit

    def status_of(self, s: PodState, j: int) -> Status:
        """The API container status (normalised) of container ``j``."""
        return self._status(j, s[8][j])

    def _status(self, j: int, cs: ContainerState) -> Status:
        """`_status_of`, kept by container and container state (speed only)."""
        hit = self._status_cache[j].get(cs)
        if hit is None:
            hit = self._status_cache[j][cs] = self._status_of(j, cs)
        return hit

    def _status_of(self, j: int, cs: ContainerState) -> Status:
        spec = self.specs[j]
        m = cs.machine
        if m == "Terminated":
            return Status(spec.name, "terminated", exit_code=cs.exit_code, reason=cs.reason,
                          last_exit_code=cs.last_exit_code, started=False,
                          ready=spec.is_regular_init and cs.exit_code == 0)
        if m in RUNNING_STATES:
            return Status(spec.name, "running", last_exit_code=cs.last_exit_code,
                          started=m in STARTED_STATES, ready=m == "Ready")
        reason = m if m != "Waiting" else ("PodInitializing" if self.config.init_containers else "ContainerCreating")
        return Status(spec.name, "waiting", reason=reason, last_exit_code=cs.last_exit_code, started=False)

    def statuses(self, s: PodState, synced: bool | None = None) -> tuple[tuple[Status, ...], tuple[Status, ...]]:
        """``(initContainerStatuses, containerStatuses)``; empty before the kubelet syncs."""
        if not (self.synced(s) if synced is None else synced):
            return (), ()
        cache = self._status_cache
        views = []
        for j, cs in enumerate(s[8]):  # `status_of`, inlined (speed only)
            v = cache[j].get(cs)
            if v is None:
                v = cache[j][cs] = self._status_of(j, cs)
            views.append(v)
        n = len(self.init_indices)
        return tuple(views[:n]), tuple(views[n:])

    def pod_has_initialized(self, s: PodState) -> bool:
        """``HasAnyActiveRegularContainerStarted``: an app container instance exists in the current sandbox."""
        cont = s[8]
        for i in self.app_indices:  # any(...), as a loop (speed only)
            if cont[i][0] in INSTANCE_STATES:
                return True
        return False

    def kubelet_phase(self, old: PodState, s: PodState) -> str:
        """The phase generateAPIPodStatus produces: getPhase, the handlers' Failed,
        TerminatePod's Failed, and the declared phase edges (terminal stickiness)."""
        if not self.synced(s):
            return old.phase
        finished = s.termination == "Finished"
        phase = self.phase_of(s, finished, self.pod_has_initialized(s))
        if finished and (s.stop_reason in ("Evicted", "DeadlineExceeded") or phase not in self.terminal_phases):
            phase = "Failed"
        if "phase" in self.derived:
            phase = self.derived["phase"](self, s, phase)
        if phase != old.phase and (old.phase, phase) not in self.phase_edges:
            return old.phase
        return phase

    def phase_of(self, s: PodState, pod_is_terminal: bool, pod_has_initialized: bool) -> str:
        """``kubelet.get_phase`` of this pod for the container statuses ``s`` shows once the
        kubelet has synced (`statuses` with ``synced=True``) and the two flags.

        Derived incrementally (speed only), from getPhase's own two halves: each
        container's part of the count (`kubelet.phase_counts` of its status) is kept by
        container and container state (a status is a function of them: `_status_of`), the
        parts are added, and the decision (`kubelet.phase_from_counts`) is kept by the sum
        and the flags.  Neither reads anything its key leaves out; a part that inspects a
        tainted code raises before it is stored, so a kept part read nothing tainted."""
        counts = 0
        parts = self._phase_parts
        for j, cs in enumerate(s[8]):
            part = parts[j].get(cs)
            if part is None:
                part = parts[j][cs] = kubelet.phase_counts(self.config, self.specs[j], self._status(j, cs),
                                                           init=j < self._n_init, rules_on=self._rules_on)
            counts += part
        key = (counts, pod_is_terminal, pod_has_initialized)
        phase = self._phase_memo.get(key)
        if phase is None:
            phase = self._phase_memo[key] = kubelet.phase_from_counts(
                self.config, counts, pod_is_terminal=pod_is_terminal, pod_has_initialized=pod_has_initialized,
                rules_on=self._rules_on)
        return phase

    def _derive(self, old: PodState, s: PodState) -> PodState:
        """Phase and conditions: a pure function of the old phase and the other fields.

        It reads the old phase, ``binding``, ``sandbox``, ``termination``, ``stop_reason``,
        ``gates`` and the containers without their restart counts: not ``node``,
        ``recreations`` nor ``deletion`` (no kubelet rule of the derivation reads them), nor
        the counts (a `Status` has none).  Derived per container (`phase_of`, `_conditions`),
        not memoised as a whole: most states the compiled engine asks about are new (speed
        only).  With derived-field hooks, which may read anything, memoised by the old phase
        and every field (`_derive_cache`)."""
        if not self.derived:
            hit = self._derive_fields(old, s)
            return _new(type(s), (hit[0], *s[1:10], hit[1]))
        key = (old[0], s[1:-1])
        memo = self._derive_cache
        hit = memo.get(key)
        if hit is None:
            if len(memo) >= SETTLED_MEMO:
                memo.clear()
            hit = memo[key] = self._derive_fields(old, s)
        return _new(type(s), (hit[0], *s[1:10], hit[1]))

    def _derive_fields(self, old: PodState, s: PodState) -> tuple[str, tuple[tuple[str, str, str], ...]]:
        kphase = self.kubelet_phase(old, s)
        phase = kphase
        if kphase in self.terminal_phases and old.phase not in self.terminal_phases and any_running(s):
            phase = old.phase  # mergePodStatus holds a terminal phase back while containers run
        conditions = self._conditions(s, kphase)
        if "conditions" in self.derived:
            conditions = tuple(self.derived["conditions"](self, s, kphase, conditions))
        return phase, conditions

    def _conditions(self, s: PodState, phase: str) -> tuple[tuple[str, str, str], ...]:
        """The conditions the kubelet (and the node lifecycle controller) write for ``s``
        in ``phase``: memoised by everything `_conditions_of` reads (speed only): the pod
        fields it reads and, of each container status, ``state``, ``started`` and ``ready``
        (`kubelet.initialized`, `kubelet.containers_ready`, `kubelet.pod_ready` read
        nothing else of a status but its name)."""
        # the generators read of each status its name (the spec's, the same in every state),
        # state, started and ready: only these three are in the key
        if self.synced(s):
            ready = []
            parts = self._ready_parts
            for j, cs in enumerate(s[8]):  # `_ready_part`, inlined (speed only)
                part = parts[j].get(cs)
                ready.append(part if part is not None else self._ready_part(j, cs))
            key = (phase, s[1], s[3], s[5], s[6], s[9], tuple(ready))
        else:
            key = (phase, s[1], s[3], s[5], s[6], s[9], None)
        hit = self._conditions_memo.get(key)
        if hit is None:
            if len(self._conditions_memo) >= SETTLED_MEMO:
                self._conditions_memo.clear()
            hit = self._conditions_memo[key] = self._conditions_of(s, phase)
        return hit

    def _ready_part(self, j: int, cs: ContainerState) -> tuple[str, bool | None, bool]:
        """``(state, started, ready)`` of container ``j``'s status (`_conditions`' key),
        kept by container and container state (speed only)."""
        part = self._ready_parts[j].get(cs)
        if part is None:
            v = self._status(j, cs)
            part = self._ready_parts[j][cs] = (v.state, v.started, v.ready)
        return part

    def _conditions_of(self, s: PodState, phase: str) -> tuple[tuple[str, str, str], ...]:
        out: list[tuple[str, str, str]] = []
        if s.binding != "Unbound":
            out.append(("PodScheduled", "True", ""))
        gate_conds = {g: v for g, v in zip(self.config.readiness_gates, s.gates) if v is not None}
        if self.synced(s):
            init_v, reg_v = self.statuses(s)
            combined = init_v + reg_v
            if self.config.gate("PodReadyToStartContainersCondition"):
                ok = s.sandbox == "Ready" and s.termination != "Finished"
                out.append(("PodReadyToStartContainers", "True" if ok else "False", ""))
            out.append(_triple(kubelet.initialized(self.config, combined, phase)))
            out.append(_triple(kubelet.containers_ready(self.config, combined, phase)))
            ready = kubelet.pod_ready(self.config, combined, phase, gate_conds)
            if s.binding == "NodeLost" and ready.status == "True":
                # node lifecycle controller MarkPodsNotReady: only the status becomes False;
                # the reason and message stay as the kubelet last wrote them ("" for True)
                ready = kubelet.Condition("Ready", "False", ready.reason, ready.message)
            out.append(_triple(ready))
            if s.stop_reason == "Evicted" and phase in self.terminal_phases:
                out.append(("DisruptionTarget", "True", "TerminationByKubelet"))
        out += [(g, v, "") for g, v in gate_conds.items()]
        return tuple(out)

    # ------------------------------------------------------------------ projections
    def to_pod(self, s: PodState, *, uid: str = "podmodel-uid", resource_version: int | None = None) -> dict[str, Any]:
        """The Pod object (API JSON) this state shows; see `podmodel.model.projection`."""
        from podmodel.model.projection import to_pod

        return to_pod(self, s, uid=uid, resource_version=resource_version)

    def replay(self, actions: Iterable[Action], start: PodState | None = None) -> list[PodState]:
        """The states visited by taking ``actions`` from ``start`` (default: the initial state)."""
        return replay(self, actions, start)


def replay(model: Any, actions: Iterable[Any], start: Any = None) -> list[Any]:
    """The states any model (``initial_states``, ``next_state``) visits by taking ``actions``
    from ``start`` (default: its first initial state); `ActionNotEnabled` on a disabled one."""
    s = start if start is not None else model.initial_states()[0]
    out = [s]
    for a in actions:
        s = model.next_state(s, a)
        out.append(s)
    return out


class _GateTransition(NamedTuple):
    trigger: str = "set_condition"
    dest: str = "set"


_GATE_T = _GateTransition()


def _triple(c: kubelet.Condition) -> tuple[str, str, str]:
    return (c.type, c.status, c.reason)
