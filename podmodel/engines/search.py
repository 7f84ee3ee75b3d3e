"""The readable search loop: every reachable state of a product model, with the catalogue checked on the fly.

One search loop (`explore`) over the model's interface (``initial_states``, ``actions``,
``next_state``), with a pluggable frontier: breadth-first by default (so every
counterexample is a shortest one), depth-first on request, or any object with
``push``/``pop``/``__len__``.  The search is deterministic: the model reports actions in
a fixed order, states are numbered in discovery order, and the same input gives the same
states, numbering and counterexamples.

On the fly it checks ``always`` properties on every new state, ``step`` properties on
every transition, and looks for a witness of each ``sometimes`` property.  ``eventually``
properties need the whole graph and are decided afterwards by `podmodel.engines.analysis`
(`ExploreResult.liveness`).  The graph itself is kept as compact integer arrays (parent
pointers for shortest paths, and the edge list); `ExploreResult.graph` turns it into a
networkx ``MultiDiGraph`` only when asked.

>>> from podmodel.engines import explore
>>> from podmodel.verifier.scenarios import load_scenario, SCENARIO_DIR
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
from collections import deque
from collections.abc import Callable
from typing import Protocol

from podmodel.engines.exploration import ExploreResult, finish
from podmodel.engines.results import Progress, StateSpace, names_of
from podmodel.model.product import PodState

#: Check the clock (time_limit) and report progress every this many expansions.
_TICK = 512
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



def _rss_mb() -> float:
    """Peak resident memory of this process in MB (``getrusage``; 0 where unavailable)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on POSIX
        return 0.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def search(model, props, max_states, fname, make, sym, progress, time_limit, memory_limit=None,
           switch: Callable[[int, int, int], bool] | None = None) -> ExploreResult:
    """The loop; ``memory_limit`` (MB of peak resident memory) stops it with ``stop_reason="memory"``;
    ``switch(states, expanded, frontier)``, asked every `_TICK` expansions, stops it with
    ``stop_reason="switch"`` when it returns True (``explore(engine="auto")``: the rest is
    for the compiled engine)."""
    start = time.monotonic()
    space = StateSpace(names_of(model))
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
            if memory_limit is not None and todo and _rss_mb() >= memory_limit:
                stop = "memory"
                break
            if switch is not None and todo and switch(len(space), expanded, len(todo)):
                stop = "switch"
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
    finish(result, bad_state, bad_step, found)
    return result


