"""`ExploreResult`: what an exhaustive exploration found, with the analyses of its graph.

The search loops (`podmodel.engines.search`, `podmodel.engines.compiled`) fill it; the
graph analyses (`podmodel.engines.analysis`: networkx graph, liveness, stuck states,
warnings) are computed from it on demand.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from podmodel.engines import analysis
from podmodel.engines.results import Counterexample, StateSpace
from podmodel.engines.symmetry import Symmetry
from podmodel.model.actions import Action
from podmodel.model.product import Model, PodState
from podmodel.model.properties import DEFAULT_FAIRNESS, Property


# ------------------------------------------------------------------------ result
@dataclass
class ExploreResult:
    """What `explore` found.  ``states``/``transitions``/``depth`` are numbers."""

    model: Model
    space: StateSpace
    properties: tuple[Property, ...]
    states: int
    transitions: int
    depth: int
    complete: bool
    stop_reason: str | None
    elapsed: float
    frontier: str
    engine: str
    symmetry: Symmetry | None
    violations: dict[str, Counterexample]
    witnesses: dict[str, Counterexample]
    _liveness: dict | None = None
    _graph: Any = None
    _edge_set: set | None = None
    _analysis_warnings: list[str] | None = None
    #: `time.monotonic` value past which the graph analyses (liveness) stop, undecided.
    deadline: float | None = None
    #: Called with a one-line message while a long analysis runs (liveness).
    analysis_progress: Callable[[str], None] | None = None

    # -- queries ---------------------------------------------------------------
    @property
    def missing_witnesses(self) -> tuple[str, ...]:
        """Applicable ``sometimes`` properties without a witness (vacuous if ``complete``)."""
        return tuple(p.id for p in self.properties if p.kind == "sometimes" and p.id not in self.witnesses)

    def _canon(self, state: PodState) -> PodState:
        return self.symmetry.canonical(state) if self.symmetry else state

    def contains(self, state: PodState) -> bool:
        """Whether ``state`` (or, with symmetry, its representative) was reached."""
        return self.space.index_of(self._canon(state)) is not None

    def has_edge(self, state: PodState, action: Action) -> bool:
        """Whether the explored graph has the transition ``action`` out of ``state``."""
        if self.symmetry:
            i = self.space.index_of(self._canon(state))
            if i is None:
                return False
            action = self.symmetry.rename(action, _inverse(self.symmetry.permutation(state)))
        else:
            i = self.space.index_of(state)
            if i is None:
                return False
        a = self.space.action_ids.get(action)
        if a is None:
            return False
        if self._edge_set is None:
            src, _, act = self.space.edges()
            self._edge_set = set(zip(src, act))
        return (i, a) in self._edge_set

    def state(self, i: int) -> PodState:
        """State number ``i`` (discovery order)."""
        return self.space.state(i)

    def path(self, i: int, name: str = "path", label: str = "path") -> Counterexample:
        """The path that discovered state ``i`` (shortest under BFS), replayable."""
        ids, acts = self.space.path(i)
        actions = [self.space.actions[a] for a in acts]
        if self.symmetry:
            actions, states = self.symmetry.decanonicalize(actions, self.space.state(ids[0]))
        else:
            states = [self.space.state(k) for k in ids]
        return Counterexample(name, actions, states, self.space.containers, label=label)

    def find(self, predicate: Callable[[PodState], bool], name: str = "query") -> Counterexample | None:
        """A shortest path (under BFS) to a reached state satisfying ``predicate``, or None.

        >>> from podmodel.engines import explore
        >>> from podmodel.verifier.scenarios import load_scenario, SCENARIO_DIR
        >>> r = explore(load_scenario(SCENARIO_DIR / "single-never.yaml").model())
        >>> r.find(lambda s: any(c.restart_count > 0 for c in s.containers)) is None
        True
        """
        for i, s in enumerate(self.space.iter_states()):
            if predicate(s):
                return self.path(i, name, "reached")
        return None

    def graph(self):
        """The explored graph as a networkx ``MultiDiGraph`` (built once, on demand).

        Nodes are state numbers with attribute ``state``; edges carry ``action``.
        """
        if self._graph is None:
            self._graph = analysis.build_graph(self)
        return self._graph

    def liveness(self, fairness: str = DEFAULT_FAIRNESS) -> dict[str, Any]:
        """The ``eventually`` properties decided on the whole graph (`podmodel.engines.analysis.liveness`)."""
        if self._liveness is None:
            self._liveness = {}
        if fairness not in self._liveness:
            fast = getattr(self.space, "liveness", None)  # the compiled engine decides it on its arrays
            got = fast(self, fairness, self.deadline) if fast is not None and not self.symmetry else None
            self._liveness[fairness] = got if got is not None else analysis.liveness(
                self, fairness=fairness, deadline=self.deadline, progress=self.analysis_progress)
        return self._liveness[fairness]

    @property
    def warnings(self) -> list[str]:
        """Actions never enabled, bounds reached (see `podmodel.engines.analysis.warnings`)."""
        if self._analysis_warnings is None:
            self._analysis_warnings = analysis.warnings(self)
        return self._analysis_warnings

    def verdicts(self, *, liveness: bool = True, fairness: str = DEFAULT_FAIRNESS) -> dict[str, str]:
        """Property id -> ``held`` | ``violated`` | ``witnessed`` | ``no-witness`` | ``unknown`` | ``skipped``.

        ``unknown``: the search was cut (``complete`` is False) before a verdict, or the
        liveness analysis reached the time limit; ``skipped``: an ``eventually``
        property under symmetry, or ``liveness=False``.
        """
        live = self.liveness(fairness) if liveness and self.complete and not self.symmetry else {}
        out = {}
        for p in self.properties:
            if p.kind in ("always", "step"):
                out[p.id] = "violated" if p.id in self.violations else ("held" if self.complete else "unknown")
            elif p.kind == "sometimes":
                out[p.id] = "witnessed" if p.id in self.witnesses else ("no-witness" if self.complete else "unknown")
            elif not liveness or self.symmetry:
                out[p.id] = "skipped"
            elif not self.complete:
                out[p.id] = "unknown"
            else:
                holds = live[p.id].holds
                out[p.id] = "unknown" if holds is None else ("held" if holds else "violated")
        return out

    def outcome(self, *, liveness: bool = True, fairness: str = DEFAULT_FAIRNESS) -> str:
        """``"violated"`` (a property violated or a witness missing), else ``"incomplete"``
        (some verdict undecided: the run was cut by a limit), else ``"ok"``.

        A violation found before a cut is still a violation; a cut run without one is
        never OK (exit codes 1, 3, 0 of the command line).
        """
        verdicts = self.verdicts(liveness=liveness, fairness=fairness)
        if any(v in ("violated", "no-witness") for v in verdicts.values()):
            return "violated"
        if any(v == "unknown" for v in verdicts.values()):
            return "incomplete"
        return "ok"

    def undecided(self, *, liveness: bool = True, fairness: str = DEFAULT_FAIRNESS) -> list[str]:
        """The property ids without a verdict (``unknown``)."""
        return [pid for pid, v in self.verdicts(liveness=liveness, fairness=fairness).items() if v == "unknown"]

    def ok(self, *, liveness: bool = True, fairness: str = DEFAULT_FAIRNESS) -> bool:
        """Every verdict decided, no property violated and no applicable witness missing."""
        return self.outcome(liveness=liveness, fairness=fairness) == "ok"

    def counterexamples(self, *, liveness: bool = True, fairness: str = DEFAULT_FAIRNESS) -> dict[str, Counterexample]:
        """Every counterexample: safety violations, then lassos of violated ``eventually`` properties."""
        out = dict(self.violations)
        if liveness and self.complete and not self.symmetry:
            out.update({k: v.counterexample for k, v in self.liveness(fairness).items() if v.holds is False})
        return out

    def to_dict(self, *, liveness: bool = True, fairness: str = DEFAULT_FAIRNESS) -> dict[str, Any]:
        """The stable ``--json`` shape (see docs/explorer.md)."""
        verdicts = self.verdicts(liveness=liveness, fairness=fairness)
        cxs = self.counterexamples(liveness=liveness, fairness=fairness)
        props = []
        for p in self.properties:
            entry = {**p.to_dict(), "verdict": verdicts[p.id], "counterexample": None, "witness": None}
            if p.id in cxs:
                entry["counterexample"] = cxs[p.id].to_dict()
            if p.id in self.witnesses:
                entry["witness"] = self.witnesses[p.id].to_dict()
            props.append(entry)
        return {
            "format": "podmodel-explore",
            "version": 1,
            "engine": self.engine,
            "frontier": self.frontier,
            "symmetry": bool(self.symmetry),
            "fairness": fairness if liveness and not self.symmetry else None,
            "containers": list(self.space.containers),
            "states": self.states,
            "transitions": self.transitions,
            "depth": self.depth,
            "complete": self.complete,
            "stop_reason": self.stop_reason,
            "ok": not any(v in ("violated", "no-witness", "unknown") for v in verdicts.values()),
            "outcome": self.outcome(liveness=liveness, fairness=fairness),
            "undecided": [pid for pid, v in verdicts.items() if v == "unknown"],
            "properties": props,
            "stuck": [c.to_dict() for c in analysis.stuck_states(self)] if self.complete else [],
            "warnings": self.warnings,
        }


def _inverse(p: Sequence[int]) -> tuple[int, ...]:
    inv = [0] * len(p)
    for k, i in enumerate(p):
        inv[i] = k
    return tuple(inv)



def finish(result: ExploreResult, bad_state: dict[str, int], bad_step: dict[str, tuple[int, int, PodState]],
            found: dict[str, int]) -> None:
    """Turn the ids the search recorded into counterexamples, in catalogue order."""
    space, model = result.space, result.model
    for p in result.properties:
        if p.id in bad_state:
            result.violations[p.id] = result.path(bad_state[p.id], p.id, "violation")
        elif p.id in bad_step:
            u, k, t = bad_step[p.id]
            cx = result.path(u, p.id, "violation")
            a = space.actions[k]
            if result.symmetry:
                a = result.symmetry.rename(a, result.symmetry.permutation(cx.states[-1]))
                t = model.next_state(cx.states[-1], a)
            result.violations[p.id] = Counterexample(p.id, cx.actions + [a], cx.states + [t], space.containers,
                                                     label="violation")
        elif p.id in found:
            result.witnesses[p.id] = result.path(found[p.id], p.id, "witness")
