"""The second engine: Hypothesis stateful testing generated from the model's interface.

`machine_for` builds a `hypothesis.stateful.RuleBasedStateMachine` for one model.  There
is no second copy of the rules: the machine has one rule per **action family** the
bounds allow (``SchedulerBind``, ``KubeletStartContainer``, ``ContainerExit``...; the
families of `Model.candidate_actions`), each enabled when ``model.actions(state)`` holds
an action of its family and drawing one of those actions.  Walks are self-avoiding
and backtrack when stuck (`machine_for`).  It
checks every applicable ``always`` and ``step`` property of the catalogue on every
state a walk visits and on every edge out of it (taken or not), and it records a
witness the first time a ``sometimes`` property holds.  ``eventually`` properties need the whole graph and
are left to the explorer.

A failure shrinks to a minimal action sequence, returned as an
`podmodel.engines.Counterexample` (the explorer's format: one action per line with
the fields it changed) and printable as runnable code (`counterexample_code`).  Two
shrinkers: ``"path"`` (the default, `shrink_path`) works on the failing walk itself --
it cuts loops (a state visited twice) and then drops chunks of actions while the rest
still replays and still violates the property, to a fixpoint: a 1-minimal sequence,
in milliseconds; ``"hypothesis"`` runs Hypothesis' own shrinker on the whole
test case, generic but slower (seconds to tens of seconds: an example holds several
walks and every shrink attempt replays it through the state machine).

`run_hypothesis` runs the machine and returns a `HypothesisResult`: violations with
shrunk action lists, steps taken, the states and edges visited, witnesses, and the
coverage (`podmodel.engines.coverage`).  Runs are reproducible: the same model, seed and
settings give the same result (no example database is read or written), unless
``time_limit`` cuts the run short (``stop_reason == "time_limit"``).

>>> from podmodel.verifier.scenarios import load_scenario, SCENARIO_DIR
>>> r = run_hypothesis(load_scenario(SCENARIO_DIR / "single-never.yaml").model(), max_examples=20, seed=1)
>>> r.violations, r.ok, r.states <= 30
({}, True, True)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)

from podmodel.engines.coverage import Coverage
from podmodel.engines.results import Counterexample, default_properties, names_of
from podmodel.model.actions import Action
from podmodel.model.product import Model, PodState
from podmodel.model.properties import Property

DEFAULT_EXAMPLES = 100
DEFAULT_STEPS = 40


class _Exhausted(BaseException):
    """Raised inside the state machine when the states a run has arrived at are closed under
    successors (`_Record.exhausted`): no further example can meet a new state or edge.  A
    `BaseException`, so that Hypothesis does not take it for a failing test (it re-raises
    it at once, as it does ``KeyboardInterrupt``); `_run_once` catches it."""


class PropertyViolation(AssertionError):
    """Raised inside the state machine when properties fail; carries their ids and the path."""

    def __init__(self, property_ids: Sequence[str], actions: Sequence[Action]):
        self.property_ids = tuple(property_ids)
        self.actions = list(actions)
        super().__init__(f"{', '.join(self.property_ids)} violated after {len(self.actions)} step(s)")


@dataclass
class _Record:
    """What the runs saw, shared by every instance of one generated machine class.

    ``expand`` computes the successors of a state once (cached): the enabled actions,
    the states they lead to, and the first property that fails on one of those edges
    (a step property on the edge, an always property on the next state) -- a pure
    function of the state, so a replayed example fails exactly as the first time.
    """

    model: Model
    properties: tuple[Property, ...]
    coverage: Coverage
    deadline: float | None = None
    visited: set[PodState] = field(default_factory=set)
    edges: dict[tuple[PodState, Action], PodState] = field(default_factory=dict)
    witnesses: dict[str, list[Action]] = field(default_factory=dict)
    steps: int = 0
    examples: int = 0
    walks: int = 0
    timed_out: bool = False
    successors: dict[PodState, tuple[tuple[tuple[Action, PodState], ...], tuple[tuple[str, ...], Action] | None]] = \
        field(default_factory=dict)
    #: This run's arrived states (checked: every always property on them, every edge out of them)
    #: and the successors of those not arrived at yet; see `exhausted`.
    arrived: set[PodState] = field(default_factory=set)
    pending: set[PodState] = field(default_factory=set)
    #: A run (since `clear`) arrived at every reachable state: the run stopped there.
    exhausted: bool = False

    def clear(self) -> None:
        """Start a new run (a new property set): forget the edge checks and arrived states."""
        self.successors.clear()
        self.arrived.clear()
        self.pending.clear()
        self.exhausted = False

    def arrived_at(self, state: PodState, succ: tuple[tuple[Action, PodState], ...], initial: Sequence[PodState]) -> bool:
        """Record that ``state`` was arrived at and checked (its ``always`` properties, every
        edge out of it: `expand` found nothing); True when the arrived states are now closed
        under successors and hold every initial state.  They are then every reachable
        state, each checked with every edge out of it, so no further example can find a
        violation or a witness this run has not: the run may stop (`_Exhausted`)."""
        if state not in self.arrived:
            self.arrived.add(state)
            self.pending.discard(state)
            self.pending.update(t for _, t in succ if t not in self.arrived)
        return not self.pending and all(i in self.arrived for i in initial)

    def expand(self, state: PodState) -> tuple[tuple[tuple[Action, PodState], ...], tuple[tuple[str, ...], Action] | None]:
        hit = self.successors.get(state)
        if hit is None:
            model = self.model
            enabled = tuple(model.actions(state))
            self.coverage.add_state(model, state, enabled)
            succ = tuple((a, model.next_state(state, a)) for a in enabled)
            bad = None
            for a, t in succ:
                failed = tuple(p.id for p in self.properties
                               if p.kind == "step" and not p.check(model, state, a, t)
                               or p.kind == "always" and not p.check(model, t))
                if failed:
                    bad = (failed, a)
                    break
            hit = self.successors[state] = (succ, bad)
        return hit


def _rule_name(family: type) -> str:
    name = family.__name__
    return "".join("_" + c.lower() if c.isupper() and i else c.lower() for i, c in enumerate(name))


def machine_for(model: Model, properties: Iterable[Property] | None = None, *,
                record: _Record | None = None) -> type[RuleBasedStateMachine]:
    """A `RuleBasedStateMachine` class for ``model``: walks that choose an action family,
    then an action of it.

    The families are those the bounds allow (the types of `Model.candidate_actions`,
    the class's ``families``).  Each step of an example draws one of the families that
    have an enabled action leading somewhere new (uniformly), then one of those actions:
    Hypothesis' choice among one rule per family, made by one rule, ``step``.  (One rule
    per family, as this machine had before, costs twice the CPU per step for the same
    walks: Hypothesis checks every rule's precondition at every step and switches rules
    off at random per example ("swarm testing"), which made most examples invalid when the
    one rule that could go on was off; docs/verify.md, "The Hypothesis engine".)

    An example is a *self-avoiding* random walk with backtracking: a step draws among
    the actions that lead to a state the example has not visited, so walks do not go
    round loops (a readiness gate flipping, a probe failing and succeeding; whatever
    follows a loop can be reached without it).  With nowhere new to go (a removed pod),
    the step backtracks: it goes back to a state of the example that still has an
    unvisited successor, with its path, so a counterexample is always a path from the
    initial state.  The edges a walk does not take are still checked: the successors of
    every visited state are computed once, and every ``step`` property on those edges
    and every ``always`` property on the states they lead to is checked.

    Parameters
    ----------
    model : Model
        The product model; its ``candidate_actions`` decide the families.
    properties : iterable of Property, optional
        What to check (``always`` and ``step``) and witness (``sometimes``); default:
        every catalogue property that applies to ``model``.

    Returns
    -------
    type
        A subclass of `hypothesis.stateful.RuleBasedStateMachine`; run it with
        ``run_state_machine_as_test`` or use its ``TestCase`` under pytest/unittest.

    Examples
    --------
    >>> from podmodel.verifier.scenarios import load_scenario, SCENARIO_DIR
    >>> cls = machine_for(load_scenario(SCENARIO_DIR / "single-never.yaml").model())
    >>> cls.family_names[:3], cls.rule_names
    (('scheduler_bind', 'kubelet_create_sandbox', 'kubelet_start_container'), ('step',))
    """
    props = tuple(default_properties(model) if properties is None else properties)
    rec = record or _Record(model, props, Coverage.for_model(model))
    always = tuple(p for p in props if p.kind == "always")
    sometimes = tuple(p for p in props if p.kind == "sometimes")
    families = tuple(dict.fromkeys(type(a) for a in model.candidate_actions))
    order = {f: k for k, f in enumerate(families)}
    initial = model.initial_states()

    class PodLifecycle(RuleBasedStateMachine):
        """Self-avoiding random walks through the product model, with backtracking;
        properties checked on every state and edge they meet."""

        def __init__(self) -> None:
            super().__init__()
            self.state: PodState | None = None
            self.path: list[Action] = []
            self.paths: dict[PodState, list[Action]] = {}  # every state of this example -> its path
            self.fresh: tuple[tuple[Action, PodState], ...] = ()  # successors not yet visited
            self.fresh_by: dict[type, list[tuple[Action, PodState]]] = {}  # the same, by action family

        @initialize(data=st.data())
        def start(self, data: st.DataObject) -> None:
            rec.examples += 1
            rec.walks += 1
            self.arrive(data.draw(st.sampled_from(initial), label="initial state"), [])

        def arrive(self, s: PodState, path: list[Action]) -> None:
            self.state, self.path = s, path
            self.paths[s] = path
            rec.visited.add(s)
            failed = [p.id for p in always if not p.check(model, s)]
            if failed:
                raise PropertyViolation(failed, path)
            for p in sometimes:
                if p.id not in rec.witnesses and p.check(model, s):
                    rec.witnesses[p.id] = list(path)
            succ, bad = rec.expand(s)
            if bad is not None:
                raise PropertyViolation(bad[0], [*path, bad[1]])
            if rec.arrived_at(s, succ, initial):
                rec.exhausted = True
                raise _Exhausted()
            self.fresh = tuple((a, t) for a, t in succ if t not in self.paths)
            self.fresh_by = {}
            for a, t in self.fresh:
                self.fresh_by.setdefault(type(a), []).append((a, t))

        def take(self, action: Action, t: PodState) -> None:
            s = self.state
            rec.steps += 1
            if (s, action) not in rec.edges:
                rec.edges[(s, action)] = t
                rec.coverage.add_step(model, s, action, t)
            else:
                rec.coverage.taken[action] += 1
            self.arrive(t, [*self.path, action])

        @rule(data=st.data())
        def step(self, data: st.DataObject) -> None:
            """Take an enabled action that leads somewhere new: a family, then an action of it."""
            if not self.fresh:
                self.backtrack(data)
                return
            fams = sorted(self.fresh_by, key=order.__getitem__)
            fam = fams[0] if len(fams) == 1 else data.draw(st.sampled_from(fams), label="family")
            choices = self.fresh_by[fam]
            self.take(*(choices[0] if len(choices) == 1 else data.draw(st.sampled_from(choices), label=fam.__name__)))

        def backtrack(self, data: st.DataObject) -> None:
            """Nowhere new to go from here (a removed pod, or every successor visited):
            go back to a state of this example that still has an unvisited successor
            (or, when none has, start over from an initial state)."""
            open_ = [s for s in self.paths if any(t not in self.paths for _, t in rec.expand(s)[0])]
            rec.walks += 1
            if not open_:
                self.paths = {}
                self.arrive(data.draw(st.sampled_from(initial), label="initial state"), [])
                return
            s = data.draw(st.sampled_from(open_), label="back to")
            self.arrive(s, self.paths[s])

    PodLifecycle.__name__ = PodLifecycle.__qualname__ = "PodLifecycle"
    PodLifecycle.record = rec  # type: ignore[attr-defined]
    PodLifecycle.families = families  # type: ignore[attr-defined]
    PodLifecycle.family_names = tuple(_rule_name(f) for f in families)  # type: ignore[attr-defined]
    PodLifecycle.rule_names = ("step",)  # type: ignore[attr-defined]
    return PodLifecycle


@dataclass
class HypothesisResult:
    """What `run_hypothesis` found.

    Attributes
    ----------
    violations : dict
        Property id -> shrunk `podmodel.engines.Counterexample` (label ``violation``).
    witnesses : dict
        ``sometimes`` property id -> the first path seen reaching it (not shrunk).
    examples, steps : int
        Test cases run and actions taken (restarts of a walk excluded), shrinking included.
    visited : frozenset of PodState
        Every state visited; ``edges``: every ``(state, action)`` taken.
    coverage : podmodel.engines.coverage.Coverage
        Rules, actions and declared transitions exercised.
    exhausted : bool
        The (last) run stopped early because its walks had arrived at every reachable
        state, each checked with every edge out of it (`_Record.arrived_at`): the
        ``always``/``step`` verdicts then cover the whole state space.
    """

    model: Model
    properties: tuple[Property, ...]
    seed: int
    max_examples: int
    max_steps: int
    examples: int
    steps: int
    visited: frozenset[PodState]
    edges: frozenset[tuple[PodState, Action]]
    violations: dict[str, Counterexample]
    witnesses: dict[str, Counterexample]
    coverage: Coverage
    elapsed: float
    stop_reason: str | None = None
    exhausted: bool = False

    @property
    def states(self) -> int:
        """How many distinct states were visited."""
        return len(self.visited)

    @property
    def ok(self) -> bool:
        """No ``always`` or ``step`` property was violated."""
        return not self.violations

    @property
    def missing_witnesses(self) -> tuple[str, ...]:
        """``sometimes`` properties not witnessed (random search: not proof of vacuity)."""
        return tuple(p.id for p in self.properties if p.kind == "sometimes" and p.id not in self.witnesses)

    def verdicts(self) -> dict[str, str]:
        """Property id -> ``held`` | ``violated`` | ``witnessed`` | ``not-seen`` | ``skipped``.

        ``held`` means "no violation found in the sampled paths"; ``eventually``
        properties are ``skipped`` (they need the whole graph: use the explorer).
        """
        out = {}
        for p in self.properties:
            if p.kind in ("always", "step"):
                out[p.id] = "violated" if p.id in self.violations else "held"
            elif p.kind == "sometimes":
                out[p.id] = "witnessed" if p.id in self.witnesses else "not-seen"
            else:
                out[p.id] = "skipped"
        return out

    @property
    def warnings(self) -> list[str]:
        """The coverage warnings, plus a note when the time limit cut the run."""
        out = [] if self.stop_reason is None else [f"incomplete: stopped by {self.stop_reason} after {self.examples} examples"]
        return out + self.coverage.warnings()

    def to_dict(self) -> dict[str, Any]:
        """Plain data (the ``--json`` shape)."""
        verdicts = self.verdicts()
        return {
            "format": "podmodel-hypothesis",
            "version": 1,
            "seed": self.seed,
            "max_examples": self.max_examples,
            "max_steps": self.max_steps,
            "examples": self.examples,
            "steps": self.steps,
            "states": self.states,
            "transitions": len(self.edges),
            "stop_reason": self.stop_reason,
            "exhausted": self.exhausted,
            "ok": self.ok,
            "properties": [
                {**p.to_dict(), "verdict": verdicts[p.id],
                 "counterexample": self.violations[p.id].to_dict() if p.id in self.violations else None,
                 "witness": self.witnesses[p.id].to_dict() if p.id in self.witnesses else None}
                for p in self.properties
            ],
            "coverage": self.coverage.to_dict(),
        }


def run_hypothesis(model: Model, *, max_examples: int = DEFAULT_EXAMPLES, steps: int = DEFAULT_STEPS,
                   seed: int = 0, time_limit: float | None = None,
                   properties: Iterable[Property] | None = None, first_only: bool = False,
                   shrink: str = "path") -> HypothesisResult:
    """Random walks through ``model`` with Hypothesis, every safety property checked.

    Parameters
    ----------
    model : Model
        The product model.
    max_examples : int
        Test cases (walks from the initial state) Hypothesis generates.
    steps : int
        Rule runs per example (``stateful_step_count``; the first one picks the
        initial state), so at most ``steps - 1`` actions.
    seed : int
        Hypothesis' random seed: the same seed gives the same run.
    time_limit : float, optional
        Stop generating after this many seconds (``stop_reason`` is then
        ``"time_limit"``), checked between chunks of `CHUNK` examples.
    properties : iterable of Property, optional
        Default: the catalogue's properties that apply to ``model``.
    first_only : bool
        Stop at the first failing example (every property it violates is reported).  Otherwise each violated property is shrunk in
        turn: after a violation the run starts again without that property, until a
        run finds nothing new.
    shrink : {"path", "hypothesis"}
        The shrinker (see the module docstring).

    Returns
    -------
    HypothesisResult

    Raises
    ------
    ValueError
        For a non-positive ``max_examples``, ``steps`` or ``time_limit``, or an unknown
        ``shrink``.

    Examples
    --------
    >>> from podmodel.model.config import PodConfig, ContainerSpec
    >>> from podmodel.model.machines import DEFAULT
    >>> broken = DEFAULT.replace_machine(DEFAULT["container"].without_guard("restart", "should_restart"))
    >>> m = Model(PodConfig(containers=(ContainerSpec("app"),), restart_policy="Never"), declarations=broken)
    >>> r = run_hypothesis(m, max_examples=200, seed=0, first_only=True)
    >>> print(r.violations["restart-policy-honoured"].format())  # doctest: +ELLIPSIS
    restart-policy-honoured: violation (5 steps)
      1. SchedulerBind(node='node-1')
    ...
      5. KubeletRestartContainer(container='app')
           app: Terminated -> Ready, lastState exit ... -> ..., restartCount 0 -> 1
    """
    for name, value in (("max_examples", max_examples), ("steps", steps)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if time_limit is not None and time_limit <= 0:
        raise ValueError(f"time_limit must be positive, got {time_limit!r}")
    if shrink not in SHRINKERS:
        raise ValueError(f"unknown shrink {shrink!r} (known: {', '.join(SHRINKERS)})")
    props = tuple(default_properties(model) if properties is None else properties)
    start = time.monotonic()
    rec = _Record(model, props, Coverage.for_model(model),
                  deadline=None if time_limit is None else start + time_limit)
    violations: dict[str, Counterexample] = {}
    names = names_of(model)
    checked = [p for p in props if p.kind in ("always", "step")]
    while True:
        active = tuple(p for p in props if p.id not in violations)
        rec.properties = active
        rec.clear()  # the edge checks cached there were made for the previous set
        cls = machine_for(model, active, record=rec)
        found = _run_once(cls, rec, max_examples, steps, seed, shrink == "hypothesis")
        if found is None or not set(found.property_ids) - set(violations):
            break
        for pid in found.property_ids:
            prop = next(p for p in props if p.id == pid)
            path = found.actions if shrink == "hypothesis" else shrink_path(model, prop, found.actions)
            violations[pid] = Counterexample(pid, path, model.replay(path), names, label="violation")
        if first_only or rec.timed_out or all(p.id in violations for p in checked):
            break
    init = model.initial_states()[0]
    witnesses = {}
    for p in props:
        if p.id in rec.witnesses:
            path = rec.witnesses[p.id]
            witnesses[p.id] = Counterexample(p.id, path, model.replay(path, init), names, label="witness")
    return HypothesisResult(
        model=model, properties=props, seed=seed, max_examples=max_examples, max_steps=steps,
        examples=rec.examples, steps=rec.steps, visited=frozenset(rec.visited), edges=frozenset(rec.edges),
        violations={p.id: violations[p.id] for p in props if p.id in violations}, witnesses=witnesses,
        coverage=rec.coverage, elapsed=time.monotonic() - start,
        stop_reason="time_limit" if rec.timed_out else None, exhausted=rec.exhausted,
    )


SHRINKERS = ("path", "hypothesis")
#: Examples per Hypothesis run: the engine runs in chunks so that a time limit can stop
#: it between two chunks (each chunk has its own seed, derived from the run's).
CHUNK = 50


def _run_once(cls: type[RuleBasedStateMachine], rec: _Record, max_examples: int, steps: int,
              seed: int, hypothesis_shrinks: bool) -> PropertyViolation | None:
    phases = (Phase.generate, Phase.shrink) if hypothesis_shrinks else (Phase.generate,)
    for k, start in enumerate(range(0, max_examples, CHUNK)):
        if rec.deadline is not None and time.monotonic() > rec.deadline:
            rec.timed_out = True
            return None
        conf = settings(
            max_examples=min(CHUNK, max_examples - start), stateful_step_count=steps, deadline=None,
            database=None, suppress_health_check=list(HealthCheck), phases=phases,
            verbosity=Verbosity.quiet, report_multiple_bugs=False, print_blob=False,
        )
        hypothesis_seed(seed * 7919 + k)(cls)
        try:
            with _no_local_constants():
                run_state_machine_as_test(cls, settings=conf)
        except PropertyViolation as e:
            return e
        except _Exhausted:
            return None
    return None


@contextmanager
def _no_local_constants() -> Iterator[None]:
    """Hypothesis (6.131 and later) sometimes draws an integer among the constants it finds
    in the source of the *local* modules loaded in the process (a checkout, not
    site-packages), scanned with a time limit.  Which modules are loaded depends on what
    ran before in the process (a verifier worker that explored a pod with the compiled
    engine has loaded it), on the install (an editable checkout against a wheel) and, through
    the time limit, on the machine's load; so the same seed would not give the same walks.
    This runs Hypothesis with no local constants (its own global ones stay).  It reaches
    into a private module, hence the guard: if the hook is gone, nothing is changed."""
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants
    except ImportError:  # pragma: no cover - another Hypothesis layout
        yield
        return
    original = getattr(providers, "_get_local_constants", None)
    if original is None:  # pragma: no cover
        yield
        return
    none = Constants()
    providers._get_local_constants = lambda: none
    try:
        yield
    finally:
        providers._get_local_constants = original


def first_violation(model: Model, prop: Property, actions: Sequence[Action]) -> int | None:
    """How many of ``actions`` it takes to violate ``prop`` (None: never, or not replayable).

    >>> from podmodel.model.config import PodConfig, ContainerSpec
    >>> from podmodel.model.properties import by_id
    >>> from podmodel.model.actions import SchedulerBind
    >>> m = Model(PodConfig(containers=(ContainerSpec("app"),)))
    >>> first_violation(m, by_id("no-rebinding"), [SchedulerBind("node-1")]) is None
    True
    """
    s = model.initial_states()[0]
    if prop.kind == "always" and not prop.check(model, s):
        return 0
    for k, a in enumerate(actions, 1):
        if not model.enabled(s, a):
            return None
        t = model.next_state(s, a)
        if prop.kind == "step" and not prop.check(model, s, a, t) or prop.kind == "always" and not prop.check(model, t):
            return k
        s = t
    return None


def shrink_path(model: Model, prop: Property, actions: Sequence[Action]) -> list[Action]:
    """A 1-minimal sub-sequence of ``actions`` that still violates ``prop``.

    Cuts the path at its first violation, removes loops (a state visited twice), then
    drops chunks of actions (halving the chunk size down to single actions) while the
    rest replays and still violates ``prop``, until no single action can go.
    ``actions`` must violate ``prop``.

    >>> from podmodel.model.config import PodConfig, ContainerSpec
    >>> from podmodel.model.machines import DEFAULT
    >>> from podmodel.model.properties import by_id
    >>> from podmodel.model.actions import SchedulerBind, KubeletCreateSandbox, KubeletStartContainer, ContainerExit, ProbeFail, KubeletRestartContainer
    >>> broken = DEFAULT.replace_machine(DEFAULT["container"].without_guard("restart", "should_restart"))
    >>> m = Model(PodConfig(containers=(ContainerSpec("app"),), restart_policy="Never"), declarations=broken)
    >>> long = [SchedulerBind("node-1"), KubeletCreateSandbox(), KubeletStartContainer("app"),
    ...         ContainerExit("app", 0), KubeletRestartContainer("app"), ContainerExit("app", 1), KubeletRestartContainer("app")]
    >>> shrink_path(m, by_id("restart-policy-honoured"), long)[-2:]
    [ContainerExit(container='app', code=0), KubeletRestartContainer(container='app')]
    """
    end = first_violation(model, prop, actions)
    if end is None:
        raise ValueError(f"the actions do not violate {prop.id}")
    path = list(actions[:end])
    k = 0
    while k < len(path):  # remove loops: from a state, jump to its last visit, if the rest still fails
        states = model.replay(path)
        last = max(j for j in range(k, len(states)) if states[j] == states[k])
        if last > k:
            trial = path[:k] + path[last:]
            end = first_violation(model, prop, trial)
            if end is not None:
                path = trial[:end]
        k += 1
    changed = True
    while changed:  # drop chunks of actions, halving the chunk size down to one action
        changed = False
        size = max(1, len(path) // 2)
        while size >= 1 and not changed:
            for k in range(len(path) - size + 1):
                trial = path[:k] + path[k + size:]
                end = first_violation(model, prop, trial)
                if end is not None:
                    path, changed = trial[:end], True
                    break
            size //= 2
    return path


def counterexample_code(cx: Counterexample, setup: str = "model = ...") -> str:
    """A counterexample as a Python snippet that replays it and shows the violation.

    ``setup`` is the code that builds ``model`` (for instance
    ``model = load_scenario("specs/scenarios/single-never.yaml").model()``).  The
    assertion depends on the property's kind: a state (``always``), the last step
    (``step``), or, for a liveness lasso (``eventually``), the cycle that comes back
    to its start or the state where no fair action is enabled, with the goal never
    reached.

    >>> from podmodel.model.actions import SchedulerBind
    >>> from podmodel.model.config import PodConfig, ContainerSpec
    >>> m = Model(PodConfig(containers=(ContainerSpec("app"),)))
    >>> cx = Counterexample("no-rebinding", [SchedulerBind("node-1")], m.replay([SchedulerBind("node-1")]), ("app",))
    >>> print(counterexample_code(cx))
    from podmodel.model.actions import SchedulerBind
    from podmodel.model.properties import by_id
    model = ...
    actions = [
        SchedulerBind(node='node-1'),
    ]
    states = model.replay(actions)
    prop = by_id('no-rebinding')
    assert not prop.check(model, states[-2], actions[-1], states[-1])
    """
    from podmodel.model.properties import by_id

    try:
        kind = by_id(cx.property).kind
    except KeyError:
        kind = "always"
    names = {type(a).__name__ for a in (*cx.actions, *cx.cycle)}
    lines = []
    if names:
        lines.append(f"from podmodel.model.actions import {', '.join(sorted(names))}")
    lines += ["from podmodel.model.properties import by_id" + (", FAIR_ACTIONS" if kind == "eventually" and cx.stutter else ""),
              setup, "actions = ["]
    lines += [f"    {a!r}," for a in cx.actions]
    lines += ["]", "states = model.replay(actions)", f"prop = by_id({cx.property!r})"]
    if kind == "step":
        lines.append("assert not prop.check(model, states[-2], actions[-1], states[-1])")
    elif kind == "eventually":
        lines.append("assert any(prop.trigger(model, s) for s in states)  # the goal is due ...")
        if cx.cycle:
            lines += ["cycle = ["] + [f"    {a!r}," for a in cx.cycle] + ["]",
                      "loop = model.replay(cycle, states[-1])",
                      "assert loop[-1] == states[-1]  # ... and this cycle may repeat forever",
                      "assert not any(prop.check(model, s) for s in loop)  # without reaching it"]
        else:
            lines += ["assert not any(type(a) in FAIR_ACTIONS for a in model.actions(states[-1]))  # ... the pod may stay here",
                      "assert not prop.check(model, states[-1])  # without reaching it"]
    else:
        lines.append("assert not prop.check(model, states[-1])")
    return "\n".join(lines)
