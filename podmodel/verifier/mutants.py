"""Mutation self-check: seeded model bugs that the verifier must catch.

A verifier that never fails proves nothing.  Each `Mutant` is a deliberately broken
model built through the public API only -- modified machine declarations
(`podmodel.model.machines.Declarations`, `MachineDecl.with_transition` / ``without_guard`` /
``without_transition``) and, where a synchronisation rule changes, a named guard passed
to ``Model(..., guards=...)`` -- never by editing code.  Each names the properties
expected to catch it and the bundled scenarios to run it on.  `check_mutant` runs both
engines on it; ``podmodel verify --mutants`` runs the whole `CATALOGUE`.

Writing a new mutant takes a few lines (docs/verify.md)::

    from podmodel.model.machines import DEFAULT
    from podmodel.verifier.mutants import Mutant, check_mutant

    ready_without_probe = Mutant(
        id="ready-without-probe",
        description="a container with a readiness probe becomes ready without the probe succeeding",
        catches=("containers-ready-consistent",),
        scenarios=("probes",),
        declarations=DEFAULT.replace_machine(
            DEFAULT["container"].without_guard("auto_ready", "no_readiness_probe")),
    )
    print(check_mutant(ready_without_probe).caught)

>>> m = by_id("never-container-restarted")
>>> m.catches, m.scenarios
(('restart-policy-honoured',), ('single-never',))
>>> model = m.build()
>>> from podmodel.model.actions import SchedulerBind, KubeletCreateSandbox, KubeletStartContainer, ContainerExit, KubeletRestartContainer
>>> s = model.replay([SchedulerBind("node-1"), KubeletCreateSandbox(), KubeletStartContainer("app"), ContainerExit("app", 1)])[-1]
>>> KubeletRestartContainer("app") in model.actions(s)
True
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from podmodel.model.machines import DEFAULT, Declarations, StateDecl, TransitionDecl
from podmodel.model.product import GUARDS, STARTED_STATES, Ctx, Guard, Model
from podmodel.verifier.scenarios import SCENARIO_DIR, Scenario, load_scenario

ENGINES = ("explore", "hypothesis")
#: Hypothesis settings of the self-check (reproducible: fixed seed, no database).
MUTANT_EXAMPLES = 500
MUTANT_STEPS = 30


class MutantError(ValueError):
    """An unknown mutant id or an unusable mutant definition."""


@dataclass(frozen=True)
class Mutant:
    """A seeded bug.

    Attributes
    ----------
    id : str
        Stable identifier (``podmodel verify --mutant ID``).
    description : str
        The bug in Kubernetes terms: what a broken kubelet or API server would do.
    catches : tuple of str
        Property ids that catch it: the first is the one the bug is about; the others
        may fire first on a shorter path (Hypothesis reports the first that fires).
    scenarios : tuple of str
        Bundled scenarios (``specs/scenarios/NAME.yaml``) it is run on.
    declarations : Declarations
        The modified declarations.
    guards : mapping
        Named guards added to or overriding `podmodel.model.GUARDS`.
    derived : mapping
        Derived-field hooks (`podmodel.model.product.DERIVED_HOOKS`): a kubelet that
        computes the phase or the conditions differently.
    """

    id: str
    description: str
    catches: tuple[str, ...]
    scenarios: tuple[str, ...]
    declarations: Declarations = DEFAULT
    guards: Mapping[str, Guard] = field(default_factory=dict)
    derived: Mapping[str, Any] = field(default_factory=dict)

    def scenario(self, name: str | None = None) -> Scenario:
        """The bundled scenario ``name`` (default: the mutant's first)."""
        return load_scenario(SCENARIO_DIR / f"{name or self.scenarios[0]}.yaml")

    def build(self, scenario: Scenario | str | None = None) -> Model:
        """The broken model for ``scenario`` (a `Scenario`, a bundled name, or the first)."""
        sc = scenario if isinstance(scenario, Scenario) else self.scenario(scenario)
        return Model(sc.config, sc.bounds, declarations=self.declarations, guards=dict(self.guards),
                     derived=dict(self.derived))

    def setup_code(self, scenario: str | None = None) -> str:
        """Python that builds the mutant's model (for printed counterexamples)."""
        return f"model = by_id({self.id!r}).build({scenario or self.scenarios[0]!r})"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "description": self.description, "catches": list(self.catches),
                "scenarios": list(self.scenarios)}


# ------------------------------------------------------------------ building blocks
_D = DEFAULT
_PHASE, _CONTAINER, _TERMINATION, _DELETION = _D["phase"], _D["container"], _D["termination"], _D["deletion"]


def _regular_init_done(c: Ctx, j: int, *, require_zero: bool = True) -> bool:
    cs = c.state.containers[j]
    return cs.machine == "Terminated" and (cs.exit_code == 0 or not require_zero)


def _order(c: Ctx, *, init_parallel: bool = False, require_zero: bool = True, sidecars_first: bool = True) -> bool:
    """`podmodel.model`'s start order with one rule relaxed (for the mutants below)."""
    m, s, i = c.model, c.state, c.index
    if i in m.app_indices:
        before = m.init_indices
    elif init_parallel:
        return True
    else:
        before = m.init_indices[: m.init_indices.index(i)]
    for j in before:
        if m.specs[j].is_sidecar:
            if sidecars_first and s.containers[j].machine not in STARTED_STATES:
                return False
        elif not _regular_init_done(c, j, require_zero=require_zero):
            return False
    return True


def _restarts_after_success(c: Ctx) -> bool:
    """OnFailure read as "always": an app container that exited 0 is restarted too."""
    cs = c.cs
    code = cs.exit_code if cs.machine == "Terminated" else cs.last_exit_code
    if c.spec.is_app and c.model.config.restart_policy == "OnFailure" and code == 0:
        return True
    return GUARDS["should_restart"](c)


def _ready_ignores_containers(m: Model, s: Any, phase: str, conditions: tuple) -> tuple:
    """GeneratePodReadyCondition without its ContainersReady clause: Ready follows the
    first app container's readiness alone."""
    first = s.containers[m.app_indices[0]].machine == "Ready" and phase not in m.terminal_phases
    return tuple((t, "True" if first else st, "" if first else r) if t == "Ready" else (t, st, r)
                 for t, st, r in conditions)


def _unknown_on_node_loss(m: Model, s: Any, phase: str) -> str:
    """The kubelet (or a controller) reports phase Unknown while the node is unreachable."""
    return "Unknown" if s.binding == "NodeLost" and phase == "Running" else phase


def _sidecar_exit_decides(m: Model, s: Any, phase: str) -> str:
    """getPhase counting sidecars: a finished pod whose sidecar exited non-zero is Failed."""
    if phase == "Succeeded" and any(s.containers[i].machine == "Terminated" and s.containers[i].exit_code != 0
                                    for i in m.init_indices if m.specs[i].is_sidecar):
        return "Failed"
    return phase


def _evicted_keeps_phase(m: Model, s: Any, phase: str) -> str:
    """The eviction handler's Failed forgotten: an evicted pod ends with getPhase's phase."""
    if s.stop_reason == "Evicted" and s.termination == "Finished":
        init_v, reg_v = m.statuses(s)
        from podmodel.model import kubelet

        return kubelet.get_phase(m.config, reg_v + init_v, pod_is_terminal=True,
                                 pod_has_initialized=m.pod_has_initialized(s))
    return phase


_UNKNOWN_PHASE = replace(_PHASE, states=_PHASE.states + (StateDecl("Unknown", "node unreachable"),),
                         transitions=_PHASE.transitions + (TransitionDecl("lose", ("Running",), "Unknown"),
                                                           TransitionDecl("regain", ("Unknown",), "Running")))


# ------------------------------------------------------------------------ catalogue
CATALOGUE: tuple[Mutant, ...] = (
    Mutant(
        "succeeded-to-running",
        "The status manager lets a Succeeded pod go back to Running (phase edge Succeeded -> Running) and the "
        "pod worker never stops a completed pod, so its sidecar restarts after the app finished.  "
        "(The edge alone is an equivalent mutant: getPhase never says Running once the pod is finished.)",
        ("no-resurrection", "phase-consistent"), ("sidecar-never",),
        _D.replace_machine(_PHASE.with_transition("resurrect", "Succeeded", "Running", terminal=("Failed",)))
          .replace_machine(_TERMINATION.without_transition("complete")),
    ),
    Mutant(
        "never-container-restarted",
        "The kubelet restarts an exited container whatever its restart policy (restart without should_restart).",
        ("restart-policy-honoured",), ("single-never",),
        _D.replace_machine(_CONTAINER.without_guard("restart", "should_restart")),
    ),
    Mutant(
        "onfailure-restarts-success",
        "Under restartPolicy OnFailure the kubelet also restarts a container that exited 0.",
        ("restart-policy-honoured", "phase-consistent"), ("single-onfailure",),
        guards={"should_restart": _restarts_after_success},
    ),
    Mutant(
        "app-before-init",
        "App containers start without waiting for the init containers (start and start_and_exit without start_order).",
        ("init-order", "sidecar-order"), ("init-app",),
        _D.replace_machine(_CONTAINER.without_guard("start", "start_order").without_guard("start_and_exit", "start_order")),
    ),
    Mutant(
        "init-failure-ignored",
        "An init container that exited non-zero counts as done: the app starts after a failed init container.",
        ("init-order", "sidecar-order"), ("init-app",),
        guards={"start_order": lambda c: _order(c, require_zero=False)},
    ),
    Mutant(
        "init-containers-in-parallel",
        "Init containers start together instead of one at a time, in order.",
        ("init-one-at-a-time", "init-order", "start-attempts-ordered"), ("two-init-two-app",),
        guards={"start_order": lambda c: _order(c, init_parallel=True)},
    ),
    Mutant(
        "app-before-sidecar-started",
        "App containers start before the sidecar has started (KEP-753 ordering ignored).",
        ("sidecar-order",), ("sidecar-never",),
        guards={"start_order": lambda c: _order(c, sidecars_first=False)},
    ),
    Mutant(
        "init-container-rerun",
        "A regular init container that completed is run again (an extra restart transition for init containers).",
        ("restart-policy-honoured",), ("init-app",),
        _D.replace_machine(_CONTAINER.with_transition(
            "restart", "Terminated", "Running", ("kubelet_connected", "not_finishing", "regular_init"), first=True)),
        {"regular_init": lambda c: c.spec.is_regular_init},
    ),
    Mutant(
        "deletion-undone",
        "The kubelet's final DELETE undoes the deletion (deletion Deleting -> Live).",
        ("deletion-irreversible",), ("deletion-grace",),
        _D.replace_machine(_DELETION.with_transition("kubelet_remove", "Deleting", "Live", first=True)),
    ),
    Mutant(
        "running-after-terminal",
        "The kubelet keeps restarting containers of a pod that is stopping or finished (restart without "
        "not_finishing): a container runs after the pod is terminal.",
        ("terminal-no-running-containers", "no-start-when-stopping"), ("deletion-grace",),
        _D.replace_machine(_CONTAINER.without_guard("restart", "not_finishing")),
    ),
    Mutant(
        "start-while-stopping",
        "The kubelet starts containers that never ran in a pod that is being deleted (start and start_and_exit without "
        "not_finishing).",
        ("no-start-when-stopping",), ("two-init-two-app",),
        _D.replace_machine(_CONTAINER.without_guard("start", "not_finishing").without_guard("start_and_exit", "not_finishing")),
    ),
    Mutant(
        "running-without-running-containers",
        "The kubelet never leaves Running (phase edges Running -> Succeeded / Failed removed): under Never the "
        "pod stays Running after its only container exited.",
        ("phase-consistent",), ("single-never",),
        _D.replace_machine(_PHASE.without_transition("succeed", "Running").without_transition("fail", "Running")),
    ),
    # -- the mutants that waited for the derived-field hook (docs/verify.md)
    Mutant(
        "ready-without-containers-ready",
        "Pod Ready is computed from the first app container alone, without ContainersReady (the sidecar's or a "
        "second container's readiness ignored).",
        ("ready-implies-containers-ready",), ("sidecar-always",),
        derived={"conditions": _ready_ignores_containers},
    ),
    Mutant(
        "phase-unknown-produced",
        "The phase becomes Unknown while the node is unreachable (the deprecated PodUnknown, which the kubelet "
        "never reports).",
        ("phase-never-unknown", "phase-consistent"), ("deletion-grace",),
        _D.replace_machine(_UNKNOWN_PHASE),
        derived={"phase": _unknown_on_node_loss},
    ),
    Mutant(
        "sidecar-exit-decides-phase",
        "getPhase counts the sidecars' exit codes: a Job-style pod whose app exited 0 ends Failed because its "
        "sidecar exited non-zero when stopped.",
        ("terminal-phase-matches-reason",), ("sidecar-never",),
        derived={"phase": _sidecar_exit_decides},
    ),
    # -- one mutant per rule added by issue 10
    Mutant(
        "evicted-pod-succeeds",
        "The eviction handler's Failed is forgotten: an evicted pod whose containers exited 0 on SIGTERM ends "
        "Succeeded.",
        ("terminal-phase-matches-reason",), ("deletion-grace",),
        derived={"phase": _evicted_keeps_phase},
    ),
    Mutant(
        "ready-without-probe",
        "A container with a readiness probe becomes ready as soon as it started, without the probe succeeding.",
        ("readiness-gated-by-probe",), ("probes",),
        _D.replace_machine(_CONTAINER.without_guard("auto_ready", "no_readiness_probe")),
    ),
    Mutant(
        "crash-loop-never-restarted",
        "After the crash-loop back-off the kubelet never restarts the container (restart out of "
        "CrashLoopBackOff dropped): a container that must restart waits forever.",
        ("restart-required-offered",), ("single-always",),
        _D.replace_machine(_CONTAINER.without_transition("restart", "CrashLoopBackOff")
                           .without_transition("restart", "Terminated")),
    ),
    Mutant(
        "removed-while-running",
        "The kubelet's final DELETE does not wait for the terminal phase: a deleted pod is removed while its "
        "containers still run.",
        ("removal-allowed",), ("deletion-grace",),
        _D.replace_machine(_DELETION.without_guard("kubelet_remove", "phase_terminal")
                           .without_guard("kubelet_remove", "pod_finished")),
    ),
    Mutant(
        "sigkill-never-sent",
        "The grace period's SIGKILL is never sent: a deleted pod whose container ignores SIGTERM stays Terminating.",
        ("deleted-eventually-removed-progress", "stopping-eventually-terminal-progress"), ("deletion-grace",),
        _D.replace_machine(_TERMINATION.with_guard("grace_period_expired", "never")),
        {"never": lambda c: False},
    ),
)

_BY_ID = {m.id: m for m in CATALOGUE}
assert len(_BY_ID) == len(CATALOGUE), "duplicate mutant id"


def by_id(mutant_id: str) -> Mutant:
    """The catalogue mutant ``mutant_id``; raises `MutantError` naming the known ids.

    >>> by_id("deletion-undone").catches
    ('deletion-irreversible',)
    """
    try:
        return _BY_ID[mutant_id]
    except KeyError:
        raise MutantError(f"unknown mutant {mutant_id!r} (known: {', '.join(_BY_ID)})") from None


# -------------------------------------------------------------------------- checking
@dataclass(frozen=True)
class Detection:
    """One engine run on one mutant and scenario.

    ``property`` is the property reported (an expected one when it fired, otherwise
    the one with the shortest counterexample); ``violated`` every property violated;
    ``length`` the counterexample's number of steps; ``effort`` states (explorer) or
    steps (Hypothesis).
    """

    mutant: str
    scenario: str
    engine: str
    caught: bool
    property: str | None
    violated: tuple[str, ...]
    length: int | None
    effort: int
    elapsed: float
    counterexample: Any = None

    @property
    def expected(self) -> bool:
        """Caught by one of the properties the mutant names."""
        return self.property is not None and self.property in by_id(self.mutant).catches

    def to_dict(self) -> dict[str, Any]:
        return {"mutant": self.mutant, "scenario": self.scenario, "engine": self.engine, "caught": self.caught,
                "property": self.property, "expected_property": self.expected, "violated": list(self.violated),
                "length": self.length, "effort": self.effort, "elapsed": round(self.elapsed, 3),
                "counterexample": self.counterexample.to_dict() if self.counterexample else None}


@dataclass(frozen=True)
class MutantResult:
    """Every detection of one mutant."""

    mutant: Mutant
    detections: tuple[Detection, ...]

    @property
    def caught(self) -> bool:
        """Caught by every engine that ran (on at least one of its scenarios)."""
        engines = {d.engine for d in self.detections}
        return bool(engines) and all(any(d.caught for d in self.detections if d.engine == e) for e in engines)


def _pick(violations: Mapping[str, Any], expected: tuple[str, ...]) -> str | None:
    for pid in expected:
        if pid in violations:
            return pid
    if not violations:
        return None
    return min(violations, key=lambda pid: len(violations[pid]))


def detect(mutant: Mutant, scenario: str, engine: str, *, seed: int = 0, max_examples: int = MUTANT_EXAMPLES,
           steps: int = MUTANT_STEPS, max_states: int | None = 200_000, time_limit: float | None = None) -> Detection:
    """Run one engine on ``mutant`` over the bundled ``scenario``.

    The explorer runs to completion (bounded by ``max_states``) and reports every
    safety violation with a shortest counterexample; Hypothesis stops at its first
    violation and shrinks it.
    """
    from podmodel.engines.facade import explore
    from podmodel.engines.hypothesis import run_hypothesis
    from podmodel.model.properties import properties_for

    model = mutant.build(scenario)
    safety = properties_for(model, ("always", "step"))
    start = time.monotonic()
    if engine == "explore":
        r = explore(model, properties=safety, max_states=max_states, time_limit=time_limit)
        violations, effort = r.violations, r.states
    elif engine == "hypothesis":
        h = run_hypothesis(model, properties=safety, max_examples=max_examples, steps=steps, seed=seed,
                           time_limit=time_limit, first_only=True)
        violations, effort = h.violations, h.steps
    else:
        raise MutantError(f"unknown engine {engine!r} (known: {', '.join(ENGINES)})")
    elapsed = time.monotonic() - start
    pid = _pick(violations, mutant.catches)
    return Detection(mutant.id, scenario, engine, bool(violations), pid, tuple(violations),
                     len(violations[pid]) if pid else None, effort, elapsed, violations.get(pid) if pid else None)


def check_mutant(mutant: Mutant, engines: Iterable[str] = ENGINES, **kwargs: Any) -> MutantResult:
    """Run ``engines`` on ``mutant`` over each of its scenarios (keyword arguments: `detect`'s).

    >>> r = check_mutant(by_id("deletion-undone"))
    >>> r.caught, [(d.engine, d.property, d.length) for d in r.detections]
    (True, [('explore', 'deletion-irreversible', 3), ('hypothesis', 'deletion-irreversible', 3)])
    """
    return MutantResult(mutant, tuple(detect(mutant, sc, e, **kwargs) for sc in mutant.scenarios for e in engines))


def _detect_job(job: tuple[str, str, str, dict[str, Any]]) -> Detection:
    mutant_id, scenario, engine, kwargs = job
    return detect(by_id(mutant_id), scenario, engine, **kwargs)


def self_check(mutants: Iterable[Mutant] = CATALOGUE, engines: Iterable[str] = ENGINES, *, jobs: int = 1,
               progress: Any = None, **kwargs: Any) -> list[MutantResult]:
    """`check_mutant` for every mutant, in ``jobs`` worker processes (catalogue order kept).

    ``progress(done, total, detection)`` is called as each engine run finishes;
    keyword arguments go to `detect`.
    """
    from podmodel.verifier.workers import parallel

    mutants, engines = list(mutants), list(engines)
    for e in engines:
        if e not in ENGINES:
            raise MutantError(f"unknown engine {e!r} (known: {', '.join(ENGINES)})")
    work = [(m.id, sc, e, kwargs) for m in mutants for sc in m.scenarios for e in engines]

    def report(done: int, d: Detection) -> None:
        if progress:
            progress(done, len(work), d)

    found = parallel(_detect_job, work, jobs=jobs, on_result=report)
    return [MutantResult(m, tuple(d for d in found if d.mutant == m.id)) for m in mutants]
