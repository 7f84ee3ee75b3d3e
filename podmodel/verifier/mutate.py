"""Systematic model mutation: mutants derived mechanically from the declarations and the kubelet's rules.

The hand-written catalogue (`podmodel.verifier.mutants`) seeds the bugs someone thought
of; this module seeds every small one.  From the machine declarations
(`podmodel.model.machines.DEFAULT`) and the product model's named rules it derives:

* ``drop-transition``: one declared transition loses one source state;
* ``drop-guard``: one declared transition loses one of its guards;
* ``redirect``: one declared transition goes to another state of its machine;
* ``negate-guard``: one named synchronisation rule (`podmodel.model.product.GUARDS`)
  is negated everywhere it is used;
* ``flip-condition``: the status of one derived pod condition is flipped
  (a derived-field hook, `podmodel.model.product.DERIVED_HOOKS`);
* ``swap-phase``: where getPhase says phase X, the kubelet reports phase Y.

Each mutant is built through the public API only (modified `Declarations`, named
``guards``, ``derived`` hooks).  A mutant whose declaration is malformed
(`DeclarationError`: a state becomes unreachable or a dead end, or auto transitions form a
cycle that would never settle) is *stillborn* and not counted.  `run` gives every mutant to
both engines on a fixed set of scenarios (`SCENARIOS`: bundled ones and the mutation run's
own, `MUTATION_DIR`): the explorer (every property, liveness and witnesses included) and the
Hypothesis engine (``always``/``step`` properties); a mutant is *killed* by an engine
when it reports a violation (or, explorer only, a missing witness) on one scenario.
The mutation score is killed / (well-formed - documented equivalents).  A survivor is
either a gap in the catalogue (add a property) or an *equivalent* mutant, documented in
`EQUIVALENT` with the reason no behaviour changes.

``podmodel verify --mutate`` runs it (docs/verify.md gives the score).

>>> ms = {m.id: m for m in mutants()}
>>> ms["container.restart.drop-guard.should_restart"].operator
'drop-guard'
>>> len([m for m in mutants() if m.operator == "swap-phase"])
12
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from podmodel.model.kubelet import PHASES
from podmodel.model.machines import DEFAULT, DeclarationError, Declarations, MachineDecl
from podmodel.model.product import GUARDS, Model
from podmodel.verifier.scenarios import SCENARIO_DIR, SPECS_DIR, load_scenario

#: Scenarios written for the mutation run only (``specs/mutation/``): they combine features
#: no bundled scenario combines (a stopping pod with one container waiting while another
#: runs; a sandbox lost while a startup probe is pending or while the pod stops; a Never
#: pod losing its sandbox), so that the mutants changing behaviour only there are reached.
MUTATION_DIR = SPECS_DIR / "mutation"
#: Scenarios every mutant is run on, in order (small, and together they exercise every
#: feature: restart policies, init containers, sidecars, probes, readiness gates, deadline,
#: deletion, eviction, node loss, sandbox recreation, rules): the bundled ones first, then
#: the mutation run's own (`MUTATION_DIR`).
SCENARIOS = ("single-never", "single-onfailure", "single-always", "init-app", "sidecar-never", "sidecar-always",
             "probes", "readiness-gates", "active-deadline", "deletion-grace", "container-restart-rules",
             "sandbox-recreation", "image-pull-errors", "stopping-while-waiting", "recreation-while-stopping")


def scenario_path(name: str):
    """The manifest of scenario ``name``: bundled (``specs/scenarios/``) or the mutation run's own."""
    bundled = SCENARIO_DIR / f"{name}.yaml"
    return bundled if bundled.exists() else MUTATION_DIR / f"{name}.yaml"
ENGINES = ("explore", "hypothesis")
OPERATORS = ("drop-transition", "drop-guard", "redirect", "negate-guard", "flip-condition", "swap-phase")
#: Machines whose declarations the model reads (the condition machines document the
#: kubelet's condition generators, which the model calls directly: mutating their
#: declarations changes nothing, so they are left out rather than listed as equivalent).
MACHINES = ("phase", "container", "binding", "sandbox", "termination", "deletion")
CONDITIONS = ("PodScheduled", "PodReadyToStartContainers", "Initialized", "ContainersReady", "Ready", "DisruptionTarget")
#: Hypothesis settings per mutant and scenario (fixed seed: reproducible).
EXAMPLES = 150
STEPS = 30

_REASON_CACHE = ("not a bug: a container whose last start attempt failed keeps showing that waiting reason across a "
                 "sandbox recreation until the next attempt -- the kubelet's reasonCache holds the last start error per "
                 "container and convertToAPIContainerStatuses shows it for a container that has no instance "
                 "(kubelet_pods.go); resetting it to ContainerCreating/PodInitializing (the model) is also what a "
                 "kubelet shows once it retries, so both are Kubernetes behaviour")
#: Why a family of survivors changes no behaviour Kubernetes forbids: (id suffix, reason).
_EQUIVALENT_FAMILIES = (
    (".drop-guard.kubelet_connected",
     "not a bug: the kubelet keeps running while its node is unreachable and only cannot report; "
     "kubelet_connected is the model's abstraction of an unobserved status (docs/model.md), so acting while "
     "disconnected is behaviour Kubernetes allows and no property may forbid it"),
    (".drop-guard.has_startup_probe", "equivalent: ProbeSucceed/ProbeFail(c, 'startup') are offered only for a container "
     "that declares a startup probe (Model.candidate_actions), so the guard is implied"),
    (".drop-guard.has_readiness_probe", "equivalent: readiness probe results are offered only for a container that "
     "declares a readiness probe (Model.candidate_actions), so the guard is implied"),
    (".drop-guard.has_liveness_probe", "equivalent: liveness probe failures are offered only for a container that "
     "declares a liveness probe (Model.candidate_actions), so the guard is implied"),
    (".sandbox_reset.drop-transition.ErrImagePull", _REASON_CACHE),
    (".sandbox_reset.drop-transition.ImagePullBackOff", _REASON_CACHE),
    (".sandbox_reset.drop-transition.CreateContainerConfigError", _REASON_CACHE),
    (".drop-guard.has_active_deadline", "equivalent: DeadlineExceeded is offered only for a pod with "
     "activeDeadlineSeconds (Model.candidate_actions), so the guard is implied"),
)
#: Single survivors that are equivalent: id -> why.
_EQUIVALENT_ONES = {
    "deletion.api_delete#1.drop-guard.unbound_or_terminal":
        "equivalent: the first api_delete transition (Live -> Deleting, bound and not terminal) is declared first and "
        "wins whenever its guards hold; the second one fires only where unbound_or_terminal holds anyway",
    "sandbox.recreate.drop-guard.recreations_left":
        "not a bug: recreations_left is a checking bound (Bounds.sandbox_recreations), not a Kubernetes rule; "
        "a sandbox may be recreated any number of times (the explorations are then cut: nothing found up to the cap)",
    "deletion.kubelet_remove.drop-guard.phase_terminal":
        "equivalent: pod_finished (termination Finished) implies a terminal phase (TerminatePod writes one)",
    "binding.bind.drop-guard.not_deleting":
        "equivalent: only a bound pod gets a deletionTimestamp (api_delete Live -> Deleting needs bound; a DELETE of an "
        "unscheduled pod removes it at once, strategy.go CheckGracefulDelete), and a removed pod has no actions, so an "
        "unbound pod is always Live and the guard always holds",
    "termination.grace_period_expired.drop-guard.some_container_running":
        "equivalent: with no container running the SIGKILL kills nothing; it only moves the pod worker from Stopping to "
        "Killing, and both finish alike (finish fires from either as soon as the node is reachable; a stopping pod with "
        "nothing running and a reachable node has already finished), so no status differs",
    "termination.evict.drop-guard.sandbox_created":
        "not a bug: Kubernetes may evict a pod whose sandbox does not exist yet -- the eviction manager ranks active pods "
        "without stats last but still evicts them (eviction/helpers.go cmp functions on missing stats), and its Admit "
        "rejects a new pod under pressure with reason Evicted; the model only lets it happen once the sandbox exists "
        "(a documented narrowing: docs/model.md, divergence 11, the first status write comes with the sandbox)",
    "termination.deadline_exceeded.drop-guard.sandbox_created":
        "not a bug: activeDeadlineSeconds counts from status.startTime, which the status manager sets at the first sync, "
        "before the sandbox (kubelet.go SyncPod waits for volumes before creating it), so a pod whose volumes never "
        "mount is failed with DeadlineExceeded without a sandbox (kubelet_pods.go generateAPIPodStatus ShouldEvict); "
        "the model only lets it happen once the sandbox exists (a documented narrowing: docs/model.md, divergence 11, the first status write comes with the sandbox)",
    "deletion.kubelet_remove.drop-guard.pod_finished":
        "equivalent: a terminal phase is held back while a container runs (mergePodStatus), and the pod worker "
        "finishes as soon as none runs, so phase_terminal already implies what removal needs",
}


def _equivalent() -> dict[str, str]:
    out = dict(_EQUIVALENT_ONES)
    for m in _declaration_ids():
        for suffix, why in _EQUIVALENT_FAMILIES:
            if m.endswith(suffix):
                out[m] = why
    return out


def _declaration_ids() -> list[str]:
    return [m.id for m in _declaration_mutants()]


@dataclass(frozen=True)
class Mutation:
    """A mechanically derived mutant (``id``: ``machine.trigger.operator.detail``)."""

    id: str
    operator: str
    description: str
    declarations: Declarations | None = DEFAULT
    guards: Mapping[str, Any] = field(default_factory=dict)
    derived: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def stillborn(self) -> bool:
        """The mutated declaration is malformed (not counted in the score)."""
        return self.declarations is None

    def build(self, scenario: str) -> Model:
        sc = load_scenario(scenario_path(scenario))
        return Model(sc.config, sc.bounds, declarations=self.declarations, guards=dict(self.guards),
                     derived=dict(self.derived))


def _decl(machine: MachineDecl, transitions: tuple) -> Declarations | str:
    try:
        return DEFAULT.replace_machine(replace(machine, transitions=transitions))
    except DeclarationError as e:
        return str(e)


def _mutation(mid: str, op: str, text: str, made: Declarations | str) -> Mutation:
    if isinstance(made, str):
        return Mutation(mid, op, text, None, error=made)
    return Mutation(mid, op, text, made)


def _declaration_mutants() -> Iterator[Mutation]:
    for name in MACHINES:
        d = DEFAULT[name]
        for k, t in enumerate(d.transitions):
            where = f"{name}.{t.trigger}" + (f"#{k}" if len(d.find(t.trigger, t.source[0])) > 1 else "")

            def swap(new, k=k, d=d):
                return d.transitions[:k] + ((new,) if new is not None else ()) + d.transitions[k + 1:]

            for src in t.source:
                rest = tuple(x for x in t.source if x != src)
                yield _mutation(f"{where}.drop-transition.{src}", "drop-transition",
                                f"{name}: {t.trigger} no longer fires from {src}",
                                _decl(d, swap(replace(t, source=rest) if rest else None)))
            for g in t.guards:
                yield _mutation(f"{where}.drop-guard.{g}", "drop-guard", f"{name}: {t.trigger} without guard {g}",
                                _decl(d, swap(replace(t, guards=tuple(x for x in t.guards if x != g)))))
            for dest in d.state_names:
                if dest != t.dest:
                    yield _mutation(f"{where}.redirect.{dest}", "redirect", f"{name}: {t.trigger} goes to {dest} instead of {t.dest}",
                                    _decl(d, swap(replace(t, dest=dest))))


def _negated(g: Callable) -> Callable:
    return lambda c: not g(c)


def _flip(ctype: str) -> Callable:
    def hook(m: Model, s: Any, phase: str, conditions: tuple) -> tuple:
        return tuple((t, {"True": "False", "False": "True"}.get(st, st) if t == ctype else st, r) for t, st, r in conditions)
    return hook


def _swap(x: str, y: str) -> Callable:
    return lambda m, s, phase: y if phase == x else phase


def _rule_mutants() -> Iterator[Mutation]:
    for g in GUARDS:
        yield Mutation(f"guard.{g}.negate-guard", "negate-guard", f"the rule {g} is negated", guards={g: _negated(GUARDS[g])})
    for c in CONDITIONS:
        yield Mutation(f"condition.{c}.flip-condition", "flip-condition", f"the kubelet writes {c} with the opposite status",
                       derived={"conditions": _flip(c)})
    phases = [p for p in PHASES if p != "Unknown"]
    for x in phases:
        for y in phases:
            if x != y:
                yield Mutation(f"phase.{x}-as-{y}.swap-phase", "swap-phase", f"where getPhase says {x}, the kubelet reports {y}",
                               derived={"phase": _swap(x, y)})


#: Survivors that are equivalent mutants (or legal behaviour): id -> why no behaviour that
#: Kubernetes forbids appears.  Listed mutants that an engine kills count as killed.
EQUIVALENT: Mapping[str, str] = _equivalent()


def mutants(operators: Iterable[str] = OPERATORS) -> list[Mutation]:
    """Every mechanical mutant of the given operators, in a fixed order."""
    ops = set(operators)
    unknown = ops - set(OPERATORS)
    if unknown:
        raise ValueError(f"unknown mutation operator(s) {', '.join(sorted(unknown))} (known: {', '.join(OPERATORS)})")
    return [m for m in (*_declaration_mutants(), *_rule_mutants()) if m.operator in ops]


# ---------------------------------------------------------------------------- running
@dataclass(frozen=True)
class Kill:
    """What one engine did to one mutant: the scenario and property that killed it, or None."""

    engine: str
    scenario: str | None
    property: str | None
    elapsed: float
    crashed: str | None = None
    #: explorer: the first scenario with an ``always``/``step`` violation (what Hypothesis can find)
    safety_scenario: str | None = None
    #: explorer: the scenarios its cap or time limit cut (Hypothesis tries those too)
    cut: tuple[str, ...] = ()

    @property
    def killed(self) -> bool:
        return self.property is not None

    def to_dict(self) -> dict[str, Any]:
        return {"engine": self.engine, "scenario": self.scenario, "property": self.property,
                "elapsed": round(self.elapsed, 3), "crashed": self.crashed, "safety_scenario": self.safety_scenario,
                "cut": list(self.cut)}


@dataclass(frozen=True)
class MutationResult:
    mutation: Mutation
    kills: tuple[Kill, ...]

    @property
    def status(self) -> str:
        """``stillborn`` | ``crashed`` | ``killed`` (by every engine) | ``partly`` (by some) |
        ``equivalent`` | ``survived``.  ``crashed``: the mutated model cannot be run (its
        auto transitions never settle, or a step raises); reported, not counted."""
        if self.mutation.stillborn:
            return "stillborn"
        if any(k.crashed for k in self.kills):
            return "crashed"
        if self.kills and all(k.killed for k in self.kills):
            return "killed"
        if self.mutation.id in EQUIVALENT and not any(k.killed for k in self.kills):
            return "equivalent"
        return "partly" if any(k.killed for k in self.kills) else "survived"

    def to_dict(self) -> dict[str, Any]:
        m = self.mutation
        return {"id": m.id, "operator": m.operator, "description": m.description, "status": self.status,
                "error": m.error, "equivalent": EQUIVALENT.get(m.id), "kills": [k.to_dict() for k in self.kills]}


def _explore_kill(m: Mutation, scenarios: tuple[str, ...], max_states: int, time_limit: float | None) -> Kill:
    from podmodel.engines.facade import explore

    start = time.monotonic()
    first: tuple[str, str] | None = None
    cut: list[str] = []
    for sc in scenarios:
        try:
            model = m.build(sc)
            r = explore(model, max_states=max_states, time_limit=time_limit, engine="readable")
            verdicts = r.verdicts(liveness=r.complete)
        except Exception as e:  # a mutant may break the model's own assumptions (auto transitions that never settle)
            return Kill("explore", sc, None, time.monotonic() - start, f"{type(e).__name__}: {e}")
        if not r.complete:
            cut.append(sc)
        if r.violations:  # a safety violation: Hypothesis can find it on this scenario too
            pid, sc0 = (first[1], first[0]) if first else (next(iter(r.violations)), sc)
            return Kill("explore", sc0, pid, time.monotonic() - start, safety_scenario=sc, cut=tuple(cut))
        bad = [pid for pid, v in verdicts.items() if v in ("violated", "no-witness")]
        if bad and first is None:
            first = (sc, bad[0])
    if first:
        return Kill("explore", first[0], first[1], time.monotonic() - start, cut=tuple(cut))
    return Kill("explore", None, None, time.monotonic() - start, cut=tuple(cut))


def _hypothesis_kill(m: Mutation, scenarios: tuple[str, ...], examples: int, steps: int, seed: int,
                     time_limit: float | None) -> Kill:
    from podmodel.engines.hypothesis import run_hypothesis
    from podmodel.model.properties import properties_for

    start = time.monotonic()
    for sc in scenarios:
        try:
            model = m.build(sc)
            h = run_hypothesis(model, properties=properties_for(model, ("always", "step")), max_examples=examples,
                               steps=steps, seed=seed, time_limit=time_limit, first_only=True)
        except Exception as e:
            return Kill("hypothesis", sc, None, time.monotonic() - start, f"{type(e).__name__}: {e}")
        if h.violations:
            return Kill("hypothesis", sc, next(iter(h.violations)), time.monotonic() - start)
    return Kill("hypothesis", None, None, time.monotonic() - start)


def check(m: Mutation, engines: Iterable[str] = ENGINES, *, scenarios: tuple[str, ...] = SCENARIOS,
          max_states: int = 50_000, examples: int = EXAMPLES, steps: int = STEPS, seed: int = 0,
          time_limit: float | None = 60.0) -> MutationResult:
    """Run ``engines`` on ``m``; each stops at the first scenario where it kills it.

    The explorer goes on past a liveness or witness kill until it finds a safety
    violation (or runs out of scenarios).  Hypothesis then runs on the scenario with the
    explorer's first safety violation and on the scenarios whose exploration was cut:
    elsewhere it samples paths of completely explored graphs without a safety violation,
    so it cannot find one.
    """
    if m.stillborn:
        return MutationResult(m, ())
    kills: list[Kill] = []
    explored: Kill | None = None
    for e in engines:
        if e == "explore":
            k = explored = _explore_kill(m, scenarios, max_states, time_limit)
        elif e == "hypothesis":
            order = scenarios
            if explored is not None:
                # Hypothesis samples paths of the graphs the explorer walked: on a scenario explored
                # completely it can only find what the explorer found as a safety violation, there
                order = tuple(dict.fromkeys(x for x in (explored.safety_scenario, *explored.cut) if x))
            k = _hypothesis_kill(m, order, examples, steps, seed, time_limit)
        else:
            raise ValueError(f"unknown engine {e!r} (known: {', '.join(ENGINES)})")
        kills.append(k)
    return MutationResult(m, tuple(kills))


def _job(job: tuple[str, tuple[str, ...], dict[str, Any]]) -> tuple[str, tuple[Kill, ...]]:
    """In a worker: mutants carry closures, so only their ids and the kills cross processes."""
    mid, engines, kwargs = job
    m = _BY_ID_CACHE.setdefault("all", {x.id: x for x in mutants()})[mid]
    return mid, check(m, engines, **kwargs).kills


_BY_ID_CACHE: dict[str, dict[str, Mutation]] = {}


def run(selected: Iterable[Mutation] | None = None, engines: Iterable[str] = ENGINES, *, jobs: int = 1,
        progress: Callable[[int, int, MutationResult], None] | None = None, **kwargs: Any) -> list[MutationResult]:
    """`check` every mutant (default: all of `mutants`) in ``jobs`` worker processes, order kept."""
    from podmodel.verifier.workers import parallel

    chosen = {m.id: m for m in (mutants() if selected is None else selected)}
    work = [(mid, tuple(engines), kwargs) for mid in chosen]

    def report(done: int, out: tuple[str, tuple[Kill, ...]]) -> None:
        if progress:
            progress(done, len(work), MutationResult(chosen[out[0]], out[1]))

    return [MutationResult(chosen[mid], kills) for mid, kills in parallel(_job, work, jobs=jobs, on_result=report)]


@dataclass(frozen=True)
class Score:
    """The mutation score of a run."""

    total: int
    stillborn: int
    crashed: int
    equivalent: int
    killed: int
    partly: int
    survived: int
    per_engine: Mapping[str, int]

    @property
    def counted(self) -> int:
        """Well-formed, non-equivalent mutants: the denominator."""
        return self.total - self.stillborn - self.crashed - self.equivalent

    @property
    def score(self) -> float:
        return self.killed / self.counted if self.counted else 1.0

    def text(self) -> str:
        eng = ", ".join(f"{e} {n}/{self.counted}" for e, n in self.per_engine.items())
        return (f"mutation score {self.score:.1%}: {self.killed}/{self.counted} killed by both engines ({eng}); "
                f"{self.partly} killed by one engine only, {self.survived} survived; "
                f"{self.equivalent} equivalent, {self.stillborn} stillborn (malformed declaration), "
                f"{self.crashed} crashed (the mutated model cannot run), {self.total} derived")


def score(results: Iterable[MutationResult]) -> Score:
    results = list(results)
    st = [r.status for r in results]
    engines = list(dict.fromkeys(k.engine for r in results for k in r.kills))
    per = {e: sum(any(k.engine == e and k.killed for k in r.kills) for r in results
                  if r.status not in ("stillborn", "crashed", "equivalent"))
           for e in engines}
    return Score(len(results), st.count("stillborn"), st.count("crashed"), st.count("equivalent"), st.count("killed"), st.count("partly"),
                 st.count("survived"), per)


__all__ = ["Mutation", "Kill", "MutationResult", "Score", "mutants", "check", "run", "score", "SCENARIOS",
           "OPERATORS", "EQUIVALENT"]
