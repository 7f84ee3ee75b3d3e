"""The explorer: every reachable state of a product model, with the catalogue checked on the fly.

One search loop (`explore`) over the model's interface (``initial_states``, ``actions``,
``next_state``), with a pluggable frontier: breadth-first by default (so every
counterexample is a shortest one), depth-first on request, or any object with
``push``/``pop``/``__len__``.  The search is deterministic: the model reports actions in
a fixed order, states are numbered in discovery order, and the same input gives the same
states, numbering and counterexamples.

On the fly it checks ``always`` properties on every new state, ``step`` properties on
every transition, and looks for a witness of each ``sometimes`` property.  ``eventually``
properties need the whole graph and are decided afterwards by `podmodel.analysis`
(`ExploreResult.liveness`).  The graph itself is kept as compact integer arrays (parent
pointers for shortest paths, and the edge list); `ExploreResult.graph` turns it into a
networkx ``MultiDiGraph`` only when asked.

>>> from podmodel.scenarios import load_scenario, SCENARIO_DIR
>>> r = explore(load_scenario(SCENARIO_DIR / "single-never.yaml").model())
>>> r.states, r.complete, r.violations
(30, True, {})
>>> print(r.witnesses["reaches-ready"].format())
reaches-ready: witness (3 steps)
  1. SchedulerBind(node='node-1')
       binding: Unbound -> Bound; node: None -> 'node-1'; +PodScheduled=True
  2. KubeletCreateSandbox()
       sandbox: NotCreated -> Ready; +PodReadyToStartContainers=True; +Initialized=True; +ContainersReady=False; +Ready=False
  3. KubeletStartContainer(container='app')
       phase: Pending -> Running; app: Waiting -> Ready; ContainersReady: False -> True; Ready: False -> True
"""

from __future__ import annotations

import time
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from podmodel.actions import Action
from podmodel.model import Model, PodState
from podmodel.properties import KINDS, Property, properties_for
from podmodel.symmetry import Symmetry

#: Check the clock (time_limit) and report progress every this many expansions.
_TICK = 512
#: ``engine="auto"`` explores state by state up to this many states, then starts again
#: with the compiled engine (which pays off on larger spaces).
AUTO_SWITCH = 10_000
#: Seconds between two progress reports.
PROGRESS_INTERVAL = 0.5


# ------------------------------------------------------------------------ frontier
class Frontier(Protocol):
    """Where discovered, not yet expanded states wait: ``push``, ``pop``, ``len``."""

    def push(self, item: int) -> None: ...

    def pop(self) -> int: ...

    def __len__(self) -> int: ...


class BFS:
    """First in, first out: breadth-first search, shortest counterexamples."""

    def __init__(self) -> None:
        self._q: deque[int] = deque()
        self.push = self._q.append
        self.pop = self._q.popleft

    def __len__(self) -> int:
        return len(self._q)


class DFS:
    """Last in, first out: depth-first search (paths are not shortest)."""

    def __init__(self) -> None:
        self._q: list[int] = []
        self.push = self._q.append
        self.pop = self._q.pop

    def __len__(self) -> int:
        return len(self._q)


FRONTIERS: dict[str, Callable[[], Frontier]] = {"bfs": BFS, "dfs": DFS}


class Progress(NamedTuple):
    """What a progress callback receives."""

    states: int
    transitions: int
    depth: int
    frontier: int
    elapsed: float


# ------------------------------------------------------------------ counterexample
@dataclass(frozen=True)
class Counterexample:
    """A replayable path: ``actions`` taken from ``states[0]`` (an initial state).

    ``states`` has one more element than ``actions``.  For a liveness violation the path
    is a *lasso*: after the prefix, ``cycle`` (actions) leads from ``states[-1]`` back to
    it forever; an empty ``cycle`` with ``stutter=True`` means the pod stays in
    ``states[-1]`` forever (no fair action is enabled there).  ``property`` is the
    property id (or a query name).
    """

    property: str
    actions: list[Action]
    states: list[PodState]
    containers: tuple[str, ...] = ()
    cycle: list[Action] = field(default_factory=list)
    cycle_states: list[PodState] = field(default_factory=list)
    stutter: bool = False
    label: str = "counterexample"

    @property
    def lasso(self) -> bool:
        return bool(self.cycle) or self.stutter

    def __len__(self) -> int:
        return len(self.actions)

    def replay(self, model: Model) -> list[PodState]:
        """Replay prefix then cycle through ``model`` (raises if a step is not enabled)."""
        states = model.replay(self.actions, self.states[0])
        if self.cycle:
            loop = model.replay(self.cycle, states[-1])
            if loop[-1] != states[-1]:
                raise ValueError("the cycle does not return to its start")
            states += loop[1:]
        return states

    def steps(self) -> list[tuple[Action, list[str]]]:
        """``(action, changed fields)`` for each step of the prefix and then the cycle."""
        out = []
        for a, s, t in zip(self.actions, self.states, self.states[1:]):
            out.append((a, state_diff(s, t, self.containers)))
        if self.cycle:
            loop = [self.states[-1], *self.cycle_states]
            for a, s, t in zip(self.cycle, loop, loop[1:]):
                out.append((a, state_diff(s, t, self.containers)))
        return out

    def format(self) -> str:
        """One action per line, each followed by the fields it changed."""
        n = len(self.actions)
        head = f"{self.property}: {self.label} ({n} step{'s' if n != 1 else ''}"
        head += f" + a {len(self.cycle)}-step cycle)" if self.cycle else (", then stays forever)" if self.stutter else ")")
        lines = [head]
        steps = self.steps()
        for k, (a, changes) in enumerate(steps, 1):
            if k == n + 1:
                lines.append("  cycle, repeated forever:")
            lines.append(f"  {k}. {a!r}")
            lines.append("       " + ("; ".join(changes) if changes else "(no visible change)"))
        if self.stutter:
            lines.append("  no fair action is enabled here: the pod may stay here forever")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (the ``--json`` shape of a counterexample)."""
        steps = self.steps()
        n = len(self.actions)
        return {
            "property": self.property,
            "kind": self.label,
            "length": n,
            "actions": [repr(a) for a in self.actions],
            "steps": [{"action": repr(a), "changes": c} for a, c in steps[:n]],
            "cycle": [{"action": repr(a), "changes": c} for a, c in steps[n:]],
            "stutter": self.stutter,
        }


def state_diff(s: PodState, t: PodState, names: Sequence[str] = ()) -> list[str]:
    """The fields that differ from ``s`` to ``t``, as ``field: old -> new`` strings.

    Containers are shown by name (``names``, in ``config.all_containers`` order) with
    their machine state and, for exits, the code and reason; conditions as
    ``Type: old -> new`` (``+Type=...`` when added, ``-Type`` when removed).

    >>> from podmodel.config import PodConfig, ContainerSpec
    >>> from podmodel.actions import SchedulerBind
    >>> m = Model(PodConfig(containers=(ContainerSpec("app"),)))
    >>> s = m.initial_states()[0]
    >>> state_diff(s, m.next_state(s, SchedulerBind("node-1")), ["app"])
    ['binding: Unbound -> Bound', "node: None -> 'node-1'", '+PodScheduled=True']
    """
    out: list[str] = []
    for f in ("phase", "binding", "node", "sandbox", "recreations", "termination", "stop_reason", "deletion"):
        a, b = getattr(s, f), getattr(t, f)
        if a != b:
            out.append(f"{f}: {a!r} -> {b!r}" if f == "node" else f"{f}: {a} -> {b}")
    for j, (a, b) in enumerate(zip(s.containers, t.containers)):
        if a == b:
            continue
        name = names[j] if j < len(names) else f"containers[{j}]"
        parts = []
        if a.machine != b.machine or a.exit_code != b.exit_code:
            what = f"{a.machine} -> {b.machine}"
            if b.machine == "Terminated" and b.exit_code is not None:
                what += f" (exit {b.exit_code}, {b.reason})"
            parts.append(what)
        if a.last_exit_code != b.last_exit_code:
            parts.append(f"lastState exit {a.last_exit_code} -> {b.last_exit_code}")
        if a.restart_count != b.restart_count:
            parts.append(f"restartCount {a.restart_count} -> {b.restart_count}")
        out.append(f"{name}: " + ", ".join(parts))
    for k, (a, b) in enumerate(zip(s.gates, t.gates)):
        if a != b:
            out.append(f"gate[{k}]: {a} -> {b}")
    old = {c[0]: c[1] for c in s.conditions}
    new = {c[0]: c[1] for c in t.conditions}
    for ctype, status in new.items():
        if ctype not in old:
            out.append(f"+{ctype}={status}")
        elif old[ctype] != status:
            out.append(f"{ctype}: {old[ctype]} -> {status}")
    out += [f"-{ctype}" for ctype in old if ctype not in new]
    return out


# ------------------------------------------------------------------- state space
def intern(values: list, ids: dict, value: Any) -> int:
    """The number of ``value`` in ``values`` (first-seen order), adding it if new.

    >>> values, ids = [], {}
    >>> [intern(values, ids, v) for v in "abca"], values
    ([0, 1, 2, 0], ['a', 'b', 'c'])
    """
    k = ids.get(value)
    if k is None:
        k = ids[value] = len(values)
        values.append(value)
    return k


class StateSpace:
    """The explored graph as compact arrays: states numbered in discovery order.

    ``parent[i]`` / ``via[i]`` give the state and action that discovered state ``i``
    (``-1`` for initial states), so paths are shortest under breadth-first search;
    ``src``/``dst``/``act`` list every transition (action ids index ``actions``).
    """

    def __init__(self, containers: tuple[str, ...]):
        self.containers = containers
        self.states: list[PodState] = []
        self.index: dict[PodState, int] = {}
        self.parent = array("q")
        self.via = array("l")
        self.depth = array("l")
        self.src = array("l")
        self.dst = array("l")
        self.act = array("l")
        self.actions: list[Action] = []
        self.action_ids: dict[Action, int] = {}
        self.initial: list[int] = []

    def __len__(self) -> int:
        return len(self.parent)

    def state(self, i: int) -> PodState:
        return self.states[i]

    def index_of(self, state: PodState) -> int | None:
        return self.index.get(state)

    def iter_states(self) -> Iterator[PodState]:
        return iter(self.states)

    def action_id(self, a: Action) -> int:
        return intern(self.actions, self.action_ids, a)

    def add(self, state: PodState, parent: int, via: int, depth: int) -> int:
        i = len(self.states)
        self.states.append(state)
        self.index[state] = i
        self.parent.append(parent)
        self.via.append(via)
        self.depth.append(depth)
        return i

    def path(self, i: int) -> tuple[list[int], list[int]]:
        """State ids from an initial state to ``i``, and the action ids between them."""
        ids, acts = [i], []
        while self.parent[i] >= 0:
            acts.append(self.via[i])
            i = self.parent[i]
            ids.append(i)
        return ids[::-1], acts[::-1]

    def edges(self) -> tuple[Sequence[int], Sequence[int], Sequence[int]]:
        return self.src, self.dst, self.act


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

        >>> from podmodel.scenarios import load_scenario, SCENARIO_DIR
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
            from podmodel.analysis import build_graph

            self._graph = build_graph(self)
        return self._graph

    def liveness(self, fairness: str = "weak") -> dict[str, Any]:
        """The ``eventually`` properties decided on the whole graph (`podmodel.analysis.liveness`)."""
        if self._liveness is None:
            self._liveness = {}
        if fairness not in self._liveness:
            from podmodel.analysis import liveness

            self._liveness[fairness] = liveness(self, fairness=fairness)
        return self._liveness[fairness]

    @property
    def warnings(self) -> list[str]:
        """Actions never enabled, bounds reached (see `podmodel.analysis.warnings`)."""
        if self._analysis_warnings is None:
            from podmodel.analysis import warnings

            self._analysis_warnings = warnings(self)
        return self._analysis_warnings

    def verdicts(self, *, liveness: bool = True, fairness: str = "weak") -> dict[str, str]:
        """Property id -> ``held`` | ``violated`` | ``witnessed`` | ``no-witness`` | ``unknown`` | ``skipped``.

        ``unknown``: the search was cut (``complete`` is False) before a verdict;
        ``skipped``: an ``eventually`` property under symmetry, or ``liveness=False``.
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
                out[p.id] = "held" if live[p.id].holds else "violated"
        return out

    def ok(self, *, liveness: bool = True, fairness: str = "weak") -> bool:
        """No property violated and no applicable witness missing."""
        verdicts = self.verdicts(liveness=liveness, fairness=fairness)
        return not any(v in ("violated", "no-witness") for v in verdicts.values())

    def counterexamples(self, *, liveness: bool = True, fairness: str = "weak") -> dict[str, Counterexample]:
        """Every counterexample: safety violations, then lassos of violated ``eventually`` properties."""
        out = dict(self.violations)
        if liveness and self.complete and not self.symmetry:
            out.update({k: v.counterexample for k, v in self.liveness(fairness).items() if not v.holds})
        return out

    def to_dict(self, *, liveness: bool = True, fairness: str = "weak") -> dict[str, Any]:
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
        from podmodel.analysis import stuck_states

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
            "ok": not any(v in ("violated", "no-witness") for v in verdicts.values()),
            "properties": props,
            "stuck": [c.to_dict() for c in stuck_states(self)] if self.complete else [],
            "warnings": self.warnings,
        }


def _inverse(p: Sequence[int]) -> tuple[int, ...]:
    inv = [0] * len(p)
    for k, i in enumerate(p):
        inv[i] = k
    return tuple(inv)


# ----------------------------------------------------------------------- explore
def explore(
    model: Model,
    *,
    properties: Iterable[Property] | None = None,
    max_states: int | None = None,
    frontier: str | Callable[[], Frontier] = "bfs",
    symmetry: bool = False,
    progress: Callable[[Progress], None] | None = None,
    time_limit: float | None = None,
    engine: str = "auto",
) -> ExploreResult:
    """Explore every state of ``model`` reachable from its initial states.

    Parameters
    ----------
    model : Model
        The product model (anything with ``initial_states``, ``actions``, ``next_state``).
    properties : iterable of Property, optional
        Properties to check; default: every catalogue property that applies to ``model``.
        ``always`` and ``step`` are checked on the fly, ``sometimes`` look for witnesses,
        ``eventually`` are decided afterwards by `ExploreResult.liveness`.
    max_states : int, optional
        Stop after this many distinct states (``complete`` is then False).
    frontier : {"bfs", "dfs"} or callable
        The search order, or a factory of an object with ``push``, ``pop``, ``len``.
        Only breadth-first search guarantees shortest counterexamples.
    symmetry : bool
        Keep one representative per orbit of interchangeable containers
        (`podmodel.symmetry`); not combined with liveness.
    progress : callable, optional
        Called with a `Progress` about twice a second.
    time_limit : float, optional
        Stop after this many seconds (``complete`` is then False).
    engine : {"auto", "readable", "compiled"}
        ``readable``: this loop over `PodState` values.  ``compiled``: the fast path of
        `podmodel.compiled` (breadth-first, no symmetry, standard guards; same states,
        numbering and counterexamples).  ``auto``: ``readable`` up to `AUTO_SWITCH`
        states, then ``compiled`` from the start if it applies.

    Returns
    -------
    ExploreResult

    Raises
    ------
    ValueError
        For an unknown frontier or engine, or a non-positive ``max_states``.

    Examples
    --------
    >>> from podmodel.config import PodConfig, ContainerSpec
    >>> r = explore(Model(PodConfig(containers=(ContainerSpec("app"),), restart_policy="OnFailure")), max_states=10)
    >>> r.states, r.complete, r.stop_reason
    (10, False, 'max_states')
    """
    if max_states is not None and (not isinstance(max_states, int) or max_states < 1):
        raise ValueError(f"max_states must be a positive integer, got {max_states!r}")
    if time_limit is not None and time_limit <= 0:
        raise ValueError(f"time_limit must be positive, got {time_limit!r}")
    if isinstance(frontier, str):
        if frontier not in FRONTIERS:
            raise ValueError(f"unknown frontier {frontier!r} (known: {', '.join(FRONTIERS)})")
        fname, make = frontier, FRONTIERS[frontier]
    elif callable(frontier):
        fname, make = getattr(frontier, "__name__", "custom").lower(), frontier
    else:
        raise ValueError(f"frontier must be a name or a factory, got {frontier!r}")
    if engine not in ("auto", "readable", "compiled"):
        raise ValueError(f"unknown engine {engine!r} (known: auto, readable, compiled)")
    props = tuple(properties_for(model) if properties is None else properties)
    for p in props:
        if p.kind not in KINDS:
            raise ValueError(f"property {p.id!r}: unknown kind {p.kind!r}")
    sym = Symmetry.of(model) if symmetry else None
    if engine != "readable":
        from podmodel import compiled

        why = compiled.unsupported(model, frontier=fname, symmetry=bool(sym))
        if why is not None and engine == "compiled":
            raise ValueError(f"the compiled engine does not apply: {why}")
        if why is None and engine == "compiled":
            return compiled.explore_compiled(model, properties=props, max_states=max_states,
                                             progress=progress, time_limit=time_limit)
        if why is None:  # auto: small spaces are quicker state by state; switch when it grows
            cap = AUTO_SWITCH if max_states is None else min(max_states, AUTO_SWITCH)
            first = _search(model, props, cap, fname, make, sym, progress, time_limit)
            if first.stop_reason != "max_states" or cap == max_states:
                return first
            left = None if time_limit is None else max(time_limit - first.elapsed, 1e-9)
            return compiled.explore_compiled(model, properties=props, max_states=max_states,
                                             progress=progress, time_limit=left)
    return _search(model, props, max_states, fname, make, sym, progress, time_limit)


def _search(model, props, max_states, fname, make, sym, progress, time_limit) -> ExploreResult:
    start = time.monotonic()
    space = StateSpace(tuple(c.name for c in model.specs))
    always = [p for p in props if p.kind == "always"]
    steps = [p for p in props if p.kind == "step"]
    pending = [p for p in props if p.kind == "sometimes"]
    bad_state: dict[str, int] = {}
    bad_step: dict[str, tuple[int, int, PodState]] = {}
    found: dict[str, int] = {}
    canon = sym.canonical if sym else None
    todo = make()
    transitions = 0
    stop: str | None = None

    def discover(s: PodState, parent: int, via: int, depth: int) -> int:
        i = space.add(s, parent, via, depth)
        for p in always:
            if not p.check(model, s):
                bad_state[p.id] = i
        if bad_state:
            always[:] = [p for p in always if p.id not in bad_state]
        for p in pending:
            if p.check(model, s):
                found[p.id] = i
        if found and pending:
            pending[:] = [p for p in pending if p.id not in found]
        todo.push(i)
        return i

    for s in model.initial_states():
        s = canon(s) if canon else s
        if s not in space.index:
            space.initial.append(discover(s, -1, -1, 0))
    expanded = deepest = 0
    last_report = start
    index, src, dst, act = space.index, space.src, space.dst, space.act
    while todo:
        u = todo.pop()
        s = space.states[u]
        du = space.depth[u] + 1
        deepest = max(deepest, du - 1)
        for a in model.actions(s):
            t = model.next_state(s, a)
            k = space.action_id(a)
            transitions += 1
            for p in steps:
                if not p.check(model, s, a, t):
                    bad_step[p.id] = (u, k, t)
            if bad_step and steps:
                steps[:] = [p for p in steps if p.id not in bad_step]
            c = canon(t) if canon else t
            v = index.get(c)
            if v is None:
                if max_states is not None and len(space) >= max_states:
                    stop = "max_states"
                    break
                v = discover(c, u, k, du)
            src.append(u)
            dst.append(v)
            act.append(k)
        if stop:
            break
        expanded += 1
        if expanded % _TICK == 0:
            now = time.monotonic()
            if time_limit is not None and now - start >= time_limit:
                stop = "time_limit" if todo else None
                break
            if progress is not None and now - last_report >= PROGRESS_INTERVAL:
                last_report = now
                progress(Progress(len(space), transitions, deepest, len(todo), now - start))
    elapsed = time.monotonic() - start
    if progress is not None:
        progress(Progress(len(space), transitions, max(space.depth, default=0), len(todo), elapsed))
    result = ExploreResult(
        model=model, space=space, properties=props, states=len(space), transitions=transitions,
        depth=max(space.depth, default=0), complete=stop is None, stop_reason=stop, elapsed=elapsed,
        frontier=fname, engine="readable", symmetry=sym, violations={}, witnesses={},
    )
    _finish(result, bad_state, bad_step, found)
    return result


def _finish(result: ExploreResult, bad_state: dict[str, int], bad_step: dict[str, tuple[int, int, PodState]],
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
