"""The worlds in the verifier: each bundled world by both engines.

The explorer decides every property of a world (complete graph, liveness under weak
fairness); the Hypothesis engine walks the same world and checks the safety properties.
A world passes when the explorer's violations are exactly those its file expects
(``spec.expectViolated``: behaviour Kubernetes documents, such as force deletion running
two pods of one StatefulSet identity), no witness is missing, the exploration is complete,
and Hypothesis found no violation the explorer did not.

>>> from podmodel.world.spec import load_world, WORLD_DIR
>>> v = verify_world(load_world(WORLD_DIR / "statefulset-partition.yaml"), examples=20)
>>> v.ok, v.states, v.violated
(True, 90, ())
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from podmodel.engines import explore
from podmodel.engines.exploration import ExploreResult
from podmodel.engines.hypothesis import run_hypothesis
from podmodel.engines.results import Counterexample, names_of
from podmodel.verifier.workers import parallel
from podmodel.world.model import World

#: Hypothesis examples per world in `make verify` (each world explores in well under a second).
WORLD_EXAMPLES = 200


@dataclass
class WorldVerdict:
    world: World
    result: ExploreResult
    verdicts: dict[str, str]
    hypothesis: dict[str, str]
    hypothesis_steps: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def states(self) -> int:
        return self.result.states

    @property
    def violated(self) -> tuple[str, ...]:
        return tuple(k for k, v in self.verdicts.items() if v == "violated")

    def to_dict(self) -> dict[str, Any]:
        cxs = self.result.counterexamples()
        return {
            "world": self.world.name, "ok": self.ok, "states": self.states, "transitions": self.result.transitions,
            "complete": self.result.complete, "expect_violated": list(self.world.expect_violated),
            "properties": [{**p.to_dict(), "verdict": self.verdicts[p.id],
                            "hypothesis": self.hypothesis.get(p.id, "skipped"),
                            "counterexample": cxs[p.id].to_dict() if p.id in cxs else None}
                           for p in self.result.properties],
            "hypothesis_steps": self.hypothesis_steps, "problems": self.problems, "warnings": self.result.warnings,
        }


def stutter_violations(world: World, h) -> dict[str, Counterexample]:
    """``eventually`` properties a Hypothesis run refutes on its own: a visited state where the
    trigger held, the goal did not, and no fair action is enabled (the world may stay there
    forever).  The counterexample is a shortest path through the edges the run took.  Cycles
    of fair actions (the other kind of lasso) need the whole graph: the explorer's job.

    >>> from podmodel.engines.hypothesis import run_hypothesis
    >>> from podmodel.world.mutants import by_id
    >>> w = by_id("no-mirror-pod").model()
    >>> sorted(stutter_violations(w, run_hypothesis(w, max_examples=20, seed=0)))
    ['mirror-eventually-present']
    """
    props = [p for p in h.properties if p.kind == "eventually"]
    out: dict[str, Counterexample] = {}
    if not props:
        return out
    succ: dict[Any, list[tuple[Any, Any]]] = {}
    for s, a in sorted(h.edges, key=repr):
        succ.setdefault(s, []).append((a, world.next_state(s, a)))
    start = world.initial_states()[0]
    prev: dict[Any, tuple[Any, Any] | None] = {start: None}
    order = deque([start])
    while order:  # breadth-first over the taken edges: shortest paths
        s = order.popleft()
        for a, t in succ.get(s, ()):
            if t not in prev:
                prev[t] = (s, a)
                order.append(t)
    for s in prev:
        if any(world.is_fair(a) for a in world.actions(s)):
            continue
        for p in props:
            if p.id not in out and p.trigger(world, s) and not p.check(world, s):
                path, here = [], s
                while prev[here] is not None:
                    here, a = prev[here][0], prev[here][1]
                    path.append(a)
                path.reverse()
                out[p.id] = Counterexample(p.id, path, world.replay(path), names_of(world), stutter=True, label="lasso")
    return out


def verify_world(world: World, *, seed: int = 0, examples: int = WORLD_EXAMPLES, steps: int = 40,
                 max_states: int | None = None, time_limit: float | None = None) -> WorldVerdict:
    """Explore ``world`` and run the Hypothesis engine on it; compare with its expectations."""
    r = explore(world, max_states=max_states, time_limit=time_limit, engine="readable")
    verdicts = r.verdicts()
    h = run_hypothesis(world, max_examples=examples, steps=steps, seed=seed)
    hv = h.verdicts()
    for pid in stutter_violations(world, h):
        hv[pid] = "violated"
    problems = []
    if not r.complete:
        problems.append(f"incomplete: {r.stop_reason} after {r.states} states")
    expected = set(world.expect_violated)
    for pid, v in verdicts.items():
        if v == "violated" and pid not in expected:
            problems.append(f"{pid} violated")
        elif v == "no-witness":
            problems.append(f"{pid}: no witness (vacuous)")
        elif pid in expected and v != "violated" and r.complete:
            problems.append(f"{pid}: expected a violation (documented Kubernetes behaviour), none found")
        if hv.get(pid) == "violated" and v != "violated":
            problems.append(f"{pid}: Hypothesis found a violation the explorer did not (an engine bug)")
    return WorldVerdict(world, r, verdicts, hv, h.steps, problems)


@dataclass
class WorldReport:
    """A world's `WorldVerdict` as plain data (it crosses process boundaries): what
    ``podmodel verify --worlds`` prints, and its ``--json`` entry (``data``)."""

    name: str
    ok: bool
    states: int
    complete: bool
    #: Seconds the whole check took (exploration, liveness and the Hypothesis run).
    elapsed: float
    hypothesis_steps: int
    problems: list[str]
    expect_violated: tuple[str, ...]
    data: dict[str, Any]


def _report(job: tuple[str, int, int, int, int | None]) -> WorldReport:
    from podmodel.world.spec import load_world

    path, seed, examples, steps, max_states = job
    start = time.monotonic()
    v = verify_world(load_world(path), seed=seed, examples=examples, steps=steps, max_states=max_states)
    data = v.to_dict()
    return WorldReport(v.world.name, v.ok, v.states, v.result.complete, time.monotonic() - start, v.hypothesis_steps,
                       list(v.problems), tuple(v.world.expect_violated), data)


def verify_worlds(paths: Sequence[str | Path], *, jobs: int = 1, seed: int = 0, examples: int = WORLD_EXAMPLES,
                  steps: int = 40, max_states: int | None = None,
                  progress: Callable[[WorldReport], None] | None = None) -> list[WorldReport]:
    """`verify_world` on each world file, in ``jobs`` worker processes; reports in ``paths`` order.

    Each world is independent and its Hypothesis run is seeded, so the reports are the
    same whatever ``jobs`` is.  ``progress(report)`` is called as each world finishes.
    """
    work = [(str(p), seed, examples, steps, max_states) for p in paths]
    return parallel(_report, work, jobs=jobs, on_result=(lambda _, r: progress(r)) if progress else None)
