"""The verifier suite: the scenario matrix and the bundled scenarios, run by both engines.

``podmodel verify`` (and ``make verify``) is this module.  The suite is the matrix of
``specs/matrix.yaml`` (expanded here, nothing generated on disk; `expand_matrix`) plus
every bundled scenario of ``specs/scenarios/``.  Each scenario is explored
exhaustively when it fits the plan's state cap, and given to the Hypothesis engine
beyond (``engine="auto"``); ``"both"`` runs both engines everywhere and cross-checks
them (every state and step Hypothesis takes must be in the explored graph).

The budget is turned into fixed caps (`Plan.from_budget`): states for the explorer and
examples for Hypothesis, at nominal rates, so a run gives the same verdicts on any
machine; per-scenario time limits only guard against a much slower machine (a run cut
by one says so).

>>> names = [s.name for s in expand_matrix()]
>>> len(names), names[0], names[-1]
(62, 'always-i0s0a1', 'extra-job-sidecar-onfailure')
>>> r = run_suite([scenario("single-never")], Plan(max_states=1000, examples=20))
>>> [(o.scenario, o.engine, o.states, o.violated) for o in r.outcomes]
[('single-never', 'explore', 30, 0)]
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from podmodel.engines.coverage import Coverage, merge_all, of_exploration
from podmodel.engines.results import Counterexample
from podmodel.model.bounds import ANNOTATION, Bounds
from podmodel.model.config import ManifestError, PodConfig
from podmodel.model.properties import DEFAULT_FAIRNESS, FAIRNESS
from podmodel.verifier.scenarios import (
    ROOT,
    SCENARIO_DIR,
    SPECS_DIR,
    Scenario,
    ScenarioError,
    bundled_scenarios,
    load_scenario,
)
from podmodel.verifier.workers import parallel

MATRIX_FILE = SPECS_DIR / "matrix.yaml"
ENGINES = ("auto", "explore", "hypothesis", "both")
#: Default budget of ``podmodel verify`` in seconds (the whole suite).
DEFAULT_BUDGET = 480.0
#: Nominal rates that turn a budget into caps (deliberately modest: a 2-core laptop).  The
#: explorer's is the ``auto`` engine's on large spaces, where it runs compiled (about
#: 50,000-150,000 checked states per second, benchmarks/README.md); small spaces cost little
#: either way.  With the default budget every matrix pod fits its cap, so every verdict,
#: liveness included, is decided by exhaustive exploration.
EXPLORE_RATE = 200_000   # explored states per second
#: The largest state cap a budget gives (about 1 GB for the compiled engine).
MAX_STATES_CAP = 1_500_000
HYPOTHESIS_RATE = 30     # Hypothesis examples per second (40 steps each)
FEATURES = {"probes": "p", "readinessGates": "g", "activeDeadline": "d", "deletion": "x"}
_APP_NAMES = ("web", "worker", "batch")
_INIT_NAMES = ("fetch", "migrate")


class SuiteError(ValueError):
    """An unusable matrix file or scenario name (one line, for the CLI)."""


# ---------------------------------------------------------------------- the matrix
def _matrix_manifest(policy: str, inits: int, sidecars: int, apps: int, features: frozenset[str],
                     bounds: Mapping[str, Any]) -> dict[str, Any]:
    letters = "".join(FEATURES[f] for f in FEATURES if f in features)
    name = f"{policy.lower()}-i{inits}s{sidecars}a{apps}" + (f"-{letters}" if letters else "")
    init_containers: list[dict[str, Any]] = [{"name": n, "image": "busybox:1.36"} for n in _INIT_NAMES[:inits]]
    for k in range(sidecars):
        sc: dict[str, Any] = {"name": "proxy" if k == 0 else f"proxy-{k}", "image": "envoyproxy/envoy:v1.31",
                              "restartPolicy": "Always"}
        if "probes" in features:
            sc["readinessProbe"] = {"httpGet": {"port": 9901, "path": "/ready"}}
        init_containers.append(sc)
    containers: list[dict[str, Any]] = []
    for k in range(apps):
        c: dict[str, Any] = {"name": _APP_NAMES[k] if k < len(_APP_NAMES) else f"app-{k}", "image": "nginx:1.27"}
        if k == 0 and "probes" in features:
            c["readinessProbe"] = {"httpGet": {"port": 80, "path": "/ready"}}
            c["livenessProbe"] = {"httpGet": {"port": 80, "path": "/healthz"}}
        containers.append(c)
    spec: dict[str, Any] = {"restartPolicy": policy}
    if init_containers:
        spec["initContainers"] = init_containers
    spec["containers"] = containers
    if "readinessGates" in features:
        spec["readinessGates"] = [{"conditionType": "example.com/load-balancer"}]
    if "activeDeadline" in features:
        spec["activeDeadlineSeconds"] = 600
    b = {**bounds, "deletion": "deletion" in features}
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "annotations": {ANNOTATION: json.dumps(b, sort_keys=True)}},
            "spec": spec}


def _scenario(manifest: Mapping[str, Any], where: str) -> Scenario:
    try:
        config = PodConfig.from_manifest(manifest)
        bounds = Bounds.from_manifest(manifest)
    except ManifestError as e:
        raise SuiteError(f"{where}: {e}") from None
    return Scenario(name=str(manifest["metadata"]["name"]), path=None, manifest=manifest, config=config, bounds=bounds)


def expand_matrix(path: str | Path = MATRIX_FILE) -> list[Scenario]:
    """The matrix of ``path`` (``specs/matrix.yaml``) as scenarios, in a fixed order.

    Raises `SuiteError` for an unreadable or malformed matrix file.
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise SuiteError(f"{path}: cannot read the matrix: {e}") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("axes"), Mapping):
        raise SuiteError(f"{path}: expected a mapping with 'axes'")
    axes = data["axes"]
    keys = ("restartPolicy", "initContainers", "sidecars", "appContainers")
    for k in keys:
        if not isinstance(axes.get(k), list) or not axes[k]:
            raise SuiteError(f"{path}: axes.{k}: expected a non-empty list")
    features = data.get("features") or []
    unknown = [f for f in features if f not in FEATURES]
    if unknown:
        raise SuiteError(f"{path}: features: unknown {', '.join(map(str, unknown))} (known: {', '.join(FEATURES)})")
    bounds = data.get("bounds") or {}
    offset = int(data.get("offset", 0))
    combos = [frozenset(f for bit, f in enumerate(features) if k >> bit & 1) for k in range(2 ** len(features))]
    out: list[Scenario] = []
    for p, policy in enumerate(axes["restartPolicy"]):
        shapes = itertools.product(axes["initContainers"], axes["sidecars"], axes["appContainers"])
        for k, (inits, sidecars, apps) in enumerate(shapes):
            m = _matrix_manifest(policy, inits, sidecars, apps, combos[(k + p * offset) % len(combos)], bounds)
            out.append(_scenario(m, f"{path}: {m['metadata']['name']}"))
    for i, m in enumerate(data.get("extras") or []):
        if not isinstance(m, Mapping) or not isinstance(m.get("metadata"), Mapping) or "name" not in m["metadata"]:
            raise SuiteError(f"{path}: extras[{i}]: expected a Pod manifest with metadata.name")
        out.append(_scenario(m, f"{path}: extras[{i}]"))
    return out


def default_scenarios(matrix: str | Path = MATRIX_FILE, bundled: str | Path = SCENARIO_DIR) -> list[Scenario]:
    """The whole suite: the matrix, then the bundled scenarios."""
    return expand_matrix(matrix) + bundled_scenarios(bundled)


def scenario(name: str) -> Scenario:
    """A suite scenario by name (matrix or bundled), or a manifest file by path.

    >>> scenario("never-i0s1a1-pdx").config.restart_policy
    'Never'
    """
    p = Path(name)
    if p.suffix in (".yaml", ".yml", ".json") or p.exists():
        try:
            return load_scenario(p)
        except ScenarioError as e:
            raise SuiteError(str(e)) from None
    for s in default_scenarios():
        if s.name == name or (s.path is not None and s.path.stem == name):
            return s
    raise SuiteError(f"{name}: no such scenario (a manifest path, or a name from `podmodel verify --list`)")


def resolve(names: Iterable[str]) -> list[Scenario]:
    """Scenarios for ``names`` (see `scenario`); the whole suite when empty."""
    names = list(names)
    if not names:
        return default_scenarios()
    suite = {s.name: s for s in default_scenarios()}
    out = []
    for n in names:
        out.append(suite[n] if n in suite and not Path(n).exists() else scenario(n))
    return out


# ---------------------------------------------------------------------------- plan
@dataclass(frozen=True)
class Plan:
    """How the suite runs: engine, caps, seed, fairness.

    ``max_states``: explorer cap per scenario (``auto``: above it, Hypothesis takes
    over); ``examples`` / ``steps``: Hypothesis per scenario; ``time_limit``: per
    engine run, a guard only; ``explore_engine``: the explorer's engine
    (`podmodel.engines.explore`).
    """

    engine: str = "auto"
    seed: int = 0
    max_states: int = 40_000
    examples: int = 200
    steps: int = 40
    time_limit: float | None = None
    fairness: str = DEFAULT_FAIRNESS
    budget: float | None = None
    explore_engine: str = "auto"

    @classmethod
    def from_budget(cls, budget: float, scenarios: int, **kwargs: Any) -> Plan:
        """Caps for ``scenarios`` scenarios sharing ``budget`` seconds, at the nominal rates.

        The time limit of each engine run is the whole budget: it is a guard against a
        machine far slower than the nominal one, never what decides a verdict.  (It was
        20 times a scenario's share, 123 s for the default budget: on two cores shared with
        other work, load 4-6, that cut the largest pods, which take 30 s on an idle
        machine, and `verify` exited 3; the guard is wall-clock time, so it must leave room
        for the load.)

        >>> p = Plan.from_budget(480, 71)
        >>> p.max_states, p.examples, p.time_limit
        (1352112, 202, 480.0)
        """
        if budget <= 0:
            raise ValueError(f"budget must be positive, got {budget!r}")
        share = budget / max(1, scenarios)
        return cls(max_states=min(MAX_STATES_CAP, max(2_000, int(share * EXPLORE_RATE))),
                   examples=min(2_000, max(20, int(share * HYPOTHESIS_RATE))),
                   time_limit=round(max(10.0, float(budget)), 1), budget=budget, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        return {"engine": self.engine, "seed": self.seed, "max_states": self.max_states, "examples": self.examples,
                "steps": self.steps, "time_limit": self.time_limit, "fairness": self.fairness, "budget": self.budget,
                "explore_engine": self.explore_engine}


# ------------------------------------------------------------------------- outcome
@dataclass
class Outcome:
    """One engine on one scenario (plain data: it crosses process boundaries).

    ``verdicts``: property id -> ``held`` | ``violated`` | ``witnessed`` |
    ``no-witness`` | ``not-seen`` | ``unknown`` | ``skipped``.  ``states``: distinct
    states explored or visited; ``steps``: actions taken (Hypothesis only).
    ``cross_check``: in ``both`` mode, Hypothesis' states and steps missing from the
    complete explored graph (an engine disagreement), None when not checked.
    """

    scenario: str
    engine: str
    complete: bool
    states: int
    transitions: int
    steps: int | None
    verdicts: dict[str, str]
    counterexamples: dict[str, Counterexample]
    warnings: list[str]
    coverage: Coverage
    elapsed: float
    stop_reason: str | None = None
    cross_check: list[str] | None = None
    setup: str = "model = ..."

    @property
    def held(self) -> int:
        return sum(v in ("held", "witnessed") for v in self.verdicts.values())

    @property
    def violated(self) -> int:
        return sum(v in ("violated", "no-witness") for v in self.verdicts.values())

    @property
    def ok(self) -> bool:
        return not self.violated and not self.cross_check

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario, "engine": self.engine, "complete": self.complete,
            "stop_reason": self.stop_reason, "states": self.states, "transitions": self.transitions,
            "steps": self.steps, "held": self.held, "violated": self.violated, "ok": self.ok,
            "verdicts": self.verdicts,
            "counterexamples": {k: v.to_dict() for k, v in self.counterexamples.items()},
            "cross_check": self.cross_check, "warnings": self.warnings, "coverage": self.coverage.summary(),
            "elapsed": round(self.elapsed, 3),
        }


def _setup_code(sc: Scenario, mutant: str | None) -> str:
    if sc.path is not None:
        try:
            where = str(sc.path.relative_to(ROOT))
        except ValueError:
            where = str(sc.path)
        load = f"load_scenario({where!r})"
        head = "from podmodel.verifier.scenarios import load_scenario\n"
    else:
        load = f"scenario({sc.name!r})"
        head = "from podmodel.verifier.suite import scenario\n"
    if mutant:
        return head + f"from podmodel.verifier.mutants import by_id as mutant\nmodel = mutant({mutant!r}).build({load})"
    return head + f"model = {load}.model()"


def _explore(sc: Scenario, model: Any, plan: Plan, setup: str) -> tuple[Outcome, Any]:
    from podmodel.engines.facade import choose_engine, explore

    engine = plan.explore_engine
    if engine == "auto":
        # `explore(engine="auto")` first runs the readable engine up to AUTO_SWITCH states
        # and throws that run away when the space is larger, which 31 of the suite's 78
        # pods are: across the suite, that probe costs more CPU than the compiled engine's
        # start-up on the small pods (docs/verify.md, "Speed").  So the suite asks
        # `choose_engine` without a probe: the compiled engine wherever it applies, the
        # readable one otherwise (custom guards).  Same states, verdicts and counterexamples.
        engine = choose_engine(model)
    r = explore(model, max_states=plan.max_states, time_limit=plan.time_limit, engine=engine)
    live = r.complete
    verdicts = r.verdicts(liveness=live, fairness=plan.fairness)
    cxs = r.counterexamples(liveness=live, fairness=plan.fairness)
    return Outcome(sc.name, "explore", r.complete, r.states, r.transitions, None, verdicts,
                   {k: v for k, v in cxs.items() if verdicts.get(k) == "violated"}, list(r.warnings),
                   of_exploration(r), r.elapsed, r.stop_reason, None, setup), r


def _hypothesis(sc: Scenario, model: Any, plan: Plan, setup: str, explored: Any = None) -> Outcome:
    from podmodel.engines.hypothesis import run_hypothesis

    h = run_hypothesis(model, max_examples=plan.examples, steps=plan.steps, seed=plan.seed, time_limit=plan.time_limit)
    cross = None
    if explored is not None and explored.complete:
        outside = [s for s in h.visited if not explored.contains(s)]
        missing = [(s, a) for s, a in h.edges if not explored.has_edge(s, a)]
        cross = ([f"{len(outside)} visited state(s) not in the explored graph"] if outside else []) + \
                ([f"{len(missing)} step(s) not edges of the explored graph, e.g. {missing[0][1]!r}"] if missing else [])
    return Outcome(sc.name, "hypothesis", h.stop_reason is None, h.states, len(h.edges), h.steps, h.verdicts(),
                   dict(h.violations), h.warnings, h.coverage, h.elapsed, h.stop_reason, cross, setup)


def run_scenario(sc: Scenario, plan: Plan, mutant: str | None = None) -> list[Outcome]:
    """Run ``plan`` on one scenario (optionally on a mutant's model, `podmodel.verifier.mutants`)."""
    if mutant:
        from podmodel.verifier.mutants import by_id

        model = by_id(mutant).build(sc)
    else:
        model = sc.model()
    setup = _setup_code(sc, mutant)
    out: list[Outcome] = []
    explored = None
    if plan.engine in ("auto", "explore", "both"):
        o, explored = _explore(sc, model, plan, setup)
        out.append(o)
    if plan.engine in ("hypothesis", "both") or (plan.engine == "auto" and not explored.complete):
        out.append(_hypothesis(sc, model, plan, setup, explored if plan.engine == "both" else None))
    return out


def _work(job: tuple[Scenario, Plan, str | None]) -> list[Outcome]:
    sc, plan, mutant = job
    return run_scenario(sc, plan, mutant)


# --------------------------------------------------------------------------- suite
@dataclass
class SuiteResult:
    """Every outcome, in scenario order, and what they add up to."""

    plan: Plan
    scenarios: list[str]
    outcomes: list[Outcome]
    elapsed: float
    mutant: str | None = None

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.outcomes)

    @property
    def coverage(self) -> Coverage:
        return merge_all(o.coverage for o in self.outcomes)

    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]

    def undecided(self) -> dict[str, list[str]]:
        """Scenario -> property ids that no run on it decided (in catalogue order).

        Decided: ``held``/``violated``/``witnessed``/``no-witness`` by a run that was not
        cut (an explorer run cut at its cap decides only what it violated or witnessed;
        a Hypothesis run decides ``always``/``step`` properties over its samples and
        witnesses it saw, never ``eventually`` properties).
        """
        out: dict[str, list[str]] = {}
        for name in self.scenarios:
            outs = [o for o in self.outcomes if o.scenario == name]
            pids = list(dict.fromkeys(pid for o in outs for pid in o.verdicts))
            decided = {pid for o in outs for pid, v in o.verdicts.items()
                       if v in ("violated", "no-witness", "witnessed") or (v == "held" and o.complete)}
            left = [pid for pid in pids if pid not in decided]
            if left:
                out[name] = left
        return out

    @property
    def outcome(self) -> str:
        """``"violated"``, else ``"incomplete"`` (some verdict undecided), else ``"ok"``."""
        if not self.ok:
            return "violated"
        return "incomplete" if self.undecided() else "ok"

    def to_dict(self) -> dict[str, Any]:
        cov = self.coverage
        return {"format": "podmodel-verify", "version": 1, "plan": self.plan.to_dict(), "mutant": self.mutant,
                "scenarios": self.scenarios, "ok": self.outcome == "ok", "outcome": self.outcome,
                "undecided": self.undecided(), "outcomes": [o.to_dict() for o in self.outcomes],
                "coverage": cov.to_dict(), "elapsed": round(self.elapsed, 3)}


def run_suite(scenarios: Sequence[Scenario], plan: Plan, *, jobs: int = 1, mutant: str | None = None,
              progress: Callable[[int, int, list[Outcome]], None] | None = None) -> SuiteResult:
    """Run ``plan`` over ``scenarios`` (``jobs`` worker processes); deterministic order.

    ``progress(done, total, outcomes)`` is called as each scenario finishes.
    """
    if plan.engine not in ENGINES:
        raise ValueError(f"unknown engine {plan.engine!r} (known: {', '.join(ENGINES)})")
    if plan.fairness not in FAIRNESS:
        raise ValueError(f"unknown fairness {plan.fairness!r} (known: {', '.join(FAIRNESS)})")
    start = time.monotonic()
    work = [(sc, plan, mutant) for sc in scenarios]

    def report(done: int, outs: list[Outcome]) -> None:
        if progress:
            progress(done, len(work), outs)

    from podmodel.verifier.costs import scenario_cost

    results = parallel(_work, work, jobs=jobs, weight=lambda job: scenario_cost(job[0]), on_result=report,
                       few_collections=True)
    outcomes = [o for outs in results for o in outs]
    return SuiteResult(plan, [sc.name for sc in scenarios], outcomes, time.monotonic() - start, mutant)


# --------------------------------------------------- the suite and the worlds at once
@dataclass
class AllResult:
    """`run_all`: the suite's result and the worlds' reports (in ``paths`` order)."""

    suite: SuiteResult
    worlds: list[Any]
    elapsed: float

    @property
    def worlds_outcome(self) -> str:
        """As ``podmodel verify --worlds``: ``"incomplete"`` if a world's exploration was cut,
        else ``"violated"`` if a world has a problem, else ``"ok"``."""
        if any(not w.complete for w in self.worlds):
            return "incomplete"
        return "ok" if all(w.ok for w in self.worlds) else "violated"

    @property
    def outcome(self) -> str:
        """``"violated"`` if either part is, else ``"incomplete"`` if either part is, else ``"ok"``."""
        parts = (self.suite.outcome, self.worlds_outcome)
        return next((o for o in ("violated", "incomplete") if o in parts), "ok")


def _any_job(job: tuple[str, Any]) -> Any:
    kind, work = job
    if kind == "world":
        from podmodel.verifier.worlds import _report

        return _report(work)
    return _work(work)


def run_all(scenarios: Sequence[Scenario], plan: Plan, worlds: Sequence[str | Path], *, jobs: int = 1,
            world_examples: int | None = None, world_max_states: int | None = None,
            progress: Callable[[int, int, list[Outcome]], None] | None = None,
            world_progress: Callable[[Any], None] | None = None) -> AllResult:
    """`run_suite` and `podmodel.verifier.worlds.verify_worlds` in one pool of ``jobs``
    workers (what ``make verify`` runs): the worlds fill a core while the largest pods run,
    instead of running after them.  Jobs start longest first by their recorded cost
    (`podmodel.verifier.costs`).  Each part's result is what it would be alone: every job is
    independent and seeded (the worlds use ``plan.seed`` and ``plan.steps``).
    """
    from podmodel.verifier.costs import scenario_cost, world_cost
    from podmodel.verifier.worlds import WORLD_EXAMPLES

    if plan.engine not in ENGINES:
        raise ValueError(f"unknown engine {plan.engine!r} (known: {', '.join(ENGINES)})")
    if plan.fairness not in FAIRNESS:
        raise ValueError(f"unknown fairness {plan.fairness!r} (known: {', '.join(FAIRNESS)})")
    start = time.monotonic()
    examples = world_examples or WORLD_EXAMPLES
    work: list[tuple[str, Any]] = [("scenario", (sc, plan, None)) for sc in scenarios]
    work += [("world", (str(p), plan.seed, examples, plan.steps, world_max_states)) for p in worlds]
    done = 0

    def weight(job: tuple[str, Any]) -> float:
        kind, w = job
        return world_cost(Path(w[0]).stem) if kind == "world" else scenario_cost(w[0])

    def report(_: int, res: Any) -> None:
        nonlocal done
        if isinstance(res, list):
            done += 1
            if progress:
                progress(done, len(scenarios), res)
        elif world_progress:
            world_progress(res)

    results = parallel(_any_job, work, jobs=jobs, weight=weight, on_result=report, few_collections=True)
    outcomes = [o for (kind, _), res in zip(work, results) if kind == "scenario" for o in res]
    reports = [res for (kind, _), res in zip(work, results) if kind == "world"]
    elapsed = time.monotonic() - start
    suite = SuiteResult(plan, [sc.name for sc in scenarios], outcomes, elapsed)
    return AllResult(suite, reports, elapsed)


__all__ = ["MATRIX_FILE", "Plan", "Outcome", "SuiteResult", "SuiteError", "expand_matrix", "default_scenarios",
           "scenario", "resolve", "run_scenario", "run_suite", "run_all", "AllResult"]
