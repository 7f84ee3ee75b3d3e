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
(True, 86, ())
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from podmodel.engines import explore
from podmodel.engines.exploration import ExploreResult
from podmodel.engines.hypothesis import run_hypothesis
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


def verify_world(world: World, *, seed: int = 0, examples: int = WORLD_EXAMPLES, steps: int = 40,
                 max_states: int | None = None, time_limit: float | None = None) -> WorldVerdict:
    """Explore ``world`` and run the Hypothesis engine on it; compare with its expectations."""
    r = explore(world, max_states=max_states, time_limit=time_limit, engine="readable")
    verdicts = r.verdicts()
    h = run_hypothesis(world, max_examples=examples, steps=steps, seed=seed)
    hv = h.verdicts()
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
