"""Analysis of an explored state graph, the networkx way.

Every function takes an `podmodel.engines.ExploreResult` (the explored graph as compact
arrays) and answers one question about it:

* `build_graph`: the networkx ``MultiDiGraph`` (built from the arrays, only when asked);
* `reachable` and `QUERIES`: can the pod reach a state with some property, and by
  which shortest path ("can an app container restart under Never?");
* `stuck_states`: where the pod can get stuck: attracting components
  (``networkx.attracting_components``) that are not terminal;
* `liveness`: the ``eventually`` properties ("trigger leads to check") under weak
  fairness of `podmodel.model.properties.FAIR_ACTIONS`, decided on strongly connected
  components, with a lasso counterexample;
* `vacuity`: the ``sometimes`` properties without a witness;
* `warnings`: actions never enabled and bounds that were reached, and
  `bound_sensitivity`: properties that hold only because of a bound.

Fairness.  Each action *value* whose type is in ``FAIR_ACTIONS`` (``KubeletStartContainer('app')``,
``GracePeriodExpired()``...) is fair.  Every other action (container exits, probe results,
node loss, client requests) is the environment's choice, and the environment may also do
nothing at all: a path may stay in a state forever when no fair action is enabled there.
"trigger leads to check" fails iff, from a reachable trigger state that does not satisfy
check, some fair path avoids check forever: it either stays in a state where no fair
action is enabled, or ends in a strongly connected component of the not-check states
that admits a fair cycle.

* ``fairness="strong"`` (the catalogue's definition and the default everywhere,
  `podmodel.model.properties.DEFAULT_FAIRNESS`, which gives the reason): a fair action
  enabled again and again is eventually taken.  A component qualifies iff every fair
  action enabled *anywhere* in it is taken inside; otherwise the states enabling an
  untaken action are dropped and the rest is examined again (Emerson-Lei).
* ``fairness="weak"``: a fair action that stays enabled is eventually taken.  A
  component qualifies iff every fair action enabled at *all* its states is taken on one
  of its edges (maximal components suffice).

Under weak fairness the environment can starve the kubelet by disabling its action each
time just before it acts: a node that flaps forever (NodeLost disconnects the kubelet), a
sidecar that crashes each time right after it starts (the app container's start needs a
started sidecar).  The bundled scenarios with node loss or sidecars show exactly these
lassos; under strong fairness every ``eventually`` property holds on every bundled
scenario (docs/explorer.md, "Liveness").

Limits: ``deadline`` (a `time.monotonic` value) stops the analysis between two
components or properties; the properties not decided by then come back undecided
(``holds=None``).

>>> from podmodel.engines import explore
>>> from podmodel.verifier.scenarios import load_scenario, SCENARIO_DIR
>>> r = explore(load_scenario(SCENARIO_DIR / "deletion-grace.yaml").model())
>>> {pid: v.holds for pid, v in liveness(r).items()}
{'deleted-eventually-removed': True, 'stopping-eventually-terminal': True, 'init-success-leads-to-app-start': True}
>>> live = liveness(r, fairness="weak")
>>> v = live["init-success-leads-to-app-start"]
>>> v.holds, [type(a).__name__ for a in v.counterexample.cycle]
(False, ['NodeLost', 'NodeRecovered'])
>>> build_graph(r).number_of_nodes() == r.states
True
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import networkx as nx

from podmodel.engines.results import Counterexample
from podmodel.model import actions as A
from podmodel.model.kubelet import TERMINAL_PHASES
from podmodel.model.product import Model, PodState
from podmodel.model.properties import DEFAULT_FAIRNESS, FAIR_ACTIONS, FAIRNESS, Property

if TYPE_CHECKING:  # the result type sits above the analyses that it calls on demand
    from podmodel.engines.exploration import ExploreResult

__all__ = [
    "build_graph", "reachable", "QUERIES", "query", "Stuck", "stuck_states", "Liveness", "liveness",
    "vacuity", "warnings", "is_terminal",
]


def _check_result(result: Any) -> ExploreResult:
    if not all(hasattr(result, a) for a in ("space", "model", "complete", "properties")):
        raise TypeError(f"expected an ExploreResult (from podmodel.engines.explore), got {type(result).__name__}")
    return result


def _need_complete(result: ExploreResult, what: str) -> None:
    if not result.complete:
        raise ValueError(f"{what} needs the whole graph, but the exploration was cut ({result.stop_reason})")


# --------------------------------------------------------------------------- graph
def build_graph(result: ExploreResult, *, states: bool = True) -> nx.MultiDiGraph:
    """The explored graph as a networkx ``MultiDiGraph``.

    Nodes are state numbers (discovery order); with ``states=True`` each carries its
    `PodState` as attribute ``state``.  Each transition is an edge with attribute
    ``action`` (the action value).  Built from the result's arrays in one pass.

    Parameters
    ----------
    result : ExploreResult
    states : bool
        Attach the state values (decoding them costs time on large compiled results).

    Examples
    --------
    >>> from podmodel.engines import explore
    >>> from podmodel.verifier.scenarios import load_scenario, SCENARIO_DIR
    >>> r = explore(load_scenario(SCENARIO_DIR / "single-never.yaml").model())
    >>> G = build_graph(r)
    >>> G.number_of_nodes(), G.number_of_edges() == r.transitions, G.nodes[0]["state"].phase
    (30, True, 'Pending')
    """
    result = _check_result(result)
    space = result.space
    G = nx.MultiDiGraph()
    if states:
        G.add_nodes_from((i, {"state": s}) for i, s in enumerate(space.iter_states()))
    else:
        G.add_nodes_from(range(result.states))
    src, dst, act = _edge_lists(result)
    acts = space.actions
    G.add_edges_from((u, v, {"action": acts[a]}) for u, v, a in zip(src, dst, act))
    return G


def _edge_lists(result: ExploreResult) -> tuple[list[int], list[int], list[int]]:
    """The result's edge arrays as Python lists (the compiled engine keeps NumPy arrays)."""
    return tuple(x.tolist() if hasattr(x, "tolist") else list(x) for x in result.space.edges())  # type: ignore[return-value]


def _adjacency(result: ExploreResult) -> list[list[tuple[int, int]]]:
    """Out-edges of every state as ``(action id, target)`` lists, in exploration order."""
    out: list[list[tuple[int, int]]] = [[] for _ in range(result.states)]
    src, dst, act = _edge_lists(result)
    for u, v, a in zip(src, dst, act):
        out[u].append((a, v))
    return out


# -------------------------------------------------------------------- reachability
def reachable(result: ExploreResult, predicate: Callable[[Model, PodState], bool], name: str = "query") -> Counterexample | None:
    """A shortest path to a reached state where ``predicate(model, state)`` holds, or None.

    With breadth-first exploration, states are numbered by distance, so the first match
    in numbering order is a nearest one.

    Examples
    --------
    >>> from podmodel.engines import explore
    >>> from podmodel.verifier.scenarios import load_scenario, SCENARIO_DIR
    >>> r = explore(load_scenario(SCENARIO_DIR / "single-never.yaml").model())
    >>> reachable(r, QUERIES["app-restarts"][1]) is None   # can a container restart under Never?
    True
    """
    result = _check_result(result)
    return result.find(lambda s: predicate(result.model, s), name)


def _app_restarted(m: Model, s: PodState) -> bool:
    return any(s.containers[i].restart_count > 0 for i in m.app_indices)


def _ready_while_unready(m: Model, s: PodState) -> bool:
    return s.condition("Ready") == "True" and any(
        s.containers[i].machine != "Ready" for i in range(len(m.specs)) if not m.specs[i].is_regular_init)


#: Named reachability questions: name -> (question, predicate(model, state)).
QUERIES: Mapping[str, tuple[str, Callable[[Model, PodState], bool]]] = {
    "app-restarts": ("Can an app container be restarted?", _app_restarted),
    "ready-while-unready": ("Can Ready be True while an app container or sidecar is not ready?", _ready_while_unready),
    "running": ("Can the pod reach Running?", lambda m, s: s.phase == "Running"),
    "succeeded": ("Can the pod reach Succeeded?", lambda m, s: s.phase == "Succeeded"),
    "failed": ("Can the pod reach Failed?", lambda m, s: s.phase == "Failed"),
    "removed": ("Can the pod object be removed?", lambda m, s: s.deletion == "Removed"),
    "crash-loop": ("Can a container wait in CrashLoopBackOff?", lambda m, s: any(c.machine == "CrashLoopBackOff" for c in s.containers)),
    "running-to-pending": ("Can the pod be Pending again after its sandbox was recreated?",
                           lambda m, s: s.phase == "Pending" and s.recreations > 0),
}

def query(text: str) -> tuple[str, Callable[[Model, PodState], bool]]:
    """A reachability question from the command line: a `QUERIES` name or an expression.

    The expression is checked and compiled by `podmodel.engines.query.compile_query` (a
    whitelisted expression language over the state's fields, ``docs/explorer.md``); this
    returns ``(question, predicate)``.

    >>> from podmodel.model.config import PodConfig, ContainerSpec
    >>> m = Model(PodConfig(containers=(ContainerSpec("app"),)))
    >>> _, pred = query("containers['app'].machine == 'Waiting' and condition('Ready') is None")
    >>> pred(m, m.initial_states()[0])
    True
    >>> query("phase ==")
    Traceback (most recent call last):
    ...
    podmodel.engines.query.QueryError: bad query 'phase ==': invalid syntax
    """
    if text in QUERIES:
        return QUERIES[text]
    from podmodel.engines.query import compile_query

    return text, compile_query(text)


# ------------------------------------------------------------------------ stuckness
def is_terminal(state: PodState) -> bool:
    """The pod is done: removed, or terminal phase with the pod worker finished.

    >>> from podmodel.model.config import PodConfig, ContainerSpec
    >>> is_terminal(Model(PodConfig(containers=(ContainerSpec("app"),))).initial_states()[0])
    False
    """
    return state.deletion == "Removed" or (state.phase in TERMINAL_PHASES and state.termination == "Finished")


@dataclass(frozen=True)
class Stuck:
    """An attracting component that is not terminal: once in it, the pod never leaves.

    ``kind`` is ``"sink"`` (one state, no action enabled: a deadlock) or ``"cycle"``
    (the pod keeps moving among ``size`` states forever, e.g. a crash loop of a pod
    under restartPolicy Always that is never deleted).  ``path`` reaches its first state.
    """

    kind: str
    size: int
    states: tuple[int, ...]
    phases: tuple[str, ...]
    path: Counterexample

    def describe(self) -> str:
        what = "deadlock (no action enabled)" if self.kind == "sink" else f"{self.size} states the pod never leaves"
        return f"{self.kind}: {what}; phases {', '.join(self.phases)}; reached in {len(self.path)} steps"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "size": self.size, "phases": list(self.phases), "first_state": self.states[0],
                "path": self.path.to_dict()}


def stuck_states(result: ExploreResult) -> list[Stuck]:
    """Attracting components that contain no terminal state (`is_terminal`), by first state.

    Examples
    --------
    >>> from podmodel.engines import explore
    >>> from podmodel.verifier.scenarios import load_scenario, SCENARIO_DIR
    >>> r = explore(load_scenario(SCENARIO_DIR / "probes.yaml").model())   # Always, never deleted
    >>> [(s.kind, s.size) for s in stuck_states(r)]
    [('cycle', 21)]
    """
    result = _check_result(result)
    _need_complete(result, "stuck_states")
    G = nx.DiGraph()
    G.add_nodes_from(range(result.states))
    src, dst, _ = _edge_lists(result)
    G.add_edges_from(zip(src, dst))
    out = []
    for comp in nx.attracting_components(G):
        ids = tuple(sorted(comp))
        sts = [result.state(i) for i in ids]
        if any(is_terminal(s) for s in sts):
            continue
        kind = "sink" if len(ids) == 1 and not G.has_edge(ids[0], ids[0]) else "cycle"
        phases = tuple(sorted({s.phase for s in sts}))
        out.append(Stuck(kind, len(ids), ids, phases, result.path(ids[0], f"stuck-{kind}", "reached")))
    return sorted(out, key=lambda s: s.states[0])


# ------------------------------------------------------------------------- liveness
@dataclass(frozen=True)
class Liveness:
    """The verdict on one ``eventually`` property; ``counterexample`` is a lasso when it fails.

    ``holds`` is None when the analysis stopped (its deadline) before deciding.
    """

    property: str
    holds: bool | None
    counterexample: Counterexample | None = None
    triggers: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"property": self.property, "holds": self.holds, "triggers": self.triggers,
                "counterexample": self.counterexample.to_dict() if self.counterexample else None}


def liveness(result: ExploreResult, properties: Iterable[Property] | None = None,
             fair: Iterable[type] = FAIR_ACTIONS, fairness: str = DEFAULT_FAIRNESS,
             deadline: float | None = None, progress: Callable[[str], None] | None = None) -> dict[str, Liveness]:
    """Decide ``eventually`` properties on the whole explored graph.

    Parameters
    ----------
    result : ExploreResult
        A complete exploration without symmetry reduction.
    properties : iterable of Property, optional
        Default: the ``eventually`` properties among ``result.properties``.
    fair : iterable of action types
        Fair action types (default `podmodel.model.properties.FAIR_ACTIONS`).
    fairness : {"strong", "weak"}
        ``strong`` (the catalogue's definition, the default): an action enabled again and
        again is eventually taken, which rules out an environment that disables it each
        time just before the kubelet acts (a node flapping forever, a sidecar crashing
        each time right after it starts).  ``weak``: an action that stays enabled is
        eventually taken.
    deadline : float, optional
        A `time.monotonic` value; properties not decided by then are returned with
        ``holds=None`` (undecided).
    progress : callable, optional
        Called with a one-line message as each property is being decided.

    Returns
    -------
    dict
        Property id -> `Liveness`, in the order given.

    Raises
    ------
    ValueError
        If the exploration was cut or used symmetry reduction (unsound for fairness).

    Examples
    --------
    >>> from podmodel.engines import explore
    >>> from podmodel.verifier.scenarios import load_scenario, SCENARIO_DIR
    >>> r = explore(load_scenario(SCENARIO_DIR / "init-app.yaml").model())
    >>> liveness(r)["init-success-leads-to-app-start"].holds
    True
    """
    result = _check_result(result)
    _need_complete(result, "liveness")
    if result.symmetry:
        raise ValueError("liveness is not decided on a symmetry-reduced graph (fairness is per container); "
                         "explore without symmetry")
    if fairness not in FAIRNESS:
        raise ValueError(f"unknown fairness {fairness!r} (known: {', '.join(FAIRNESS)})")
    props = [p for p in (result.properties if properties is None else properties) if p.kind == "eventually"]
    if not props:
        return {}
    fair_types = frozenset(fair)
    space, model = result.space, result.model
    is_fair = getattr(model, "is_fair", None)  # a world (podmodel.world) says which of its actions are fair
    if is_fair is not None and fair is FAIR_ACTIONS:
        fair_ids = frozenset(k for k, a in enumerate(space.actions) if is_fair(a))
    else:
        fair_ids = frozenset(k for k, a in enumerate(space.actions) if type(a) in fair_types)
    adj = _adjacency(result)
    states = list(space.iter_states())
    out: dict[str, Liveness] = {}
    for k, p in enumerate(props):
        if deadline is not None and time.monotonic() >= deadline:
            out[p.id] = Liveness(p.id, None)
            continue
        if progress is not None:
            progress(f"liveness {k + 1}/{len(props)}: {p.id} on {result.states:,} states")
        try:
            out[p.id] = _decide(result, p, states, adj, fair_ids, fairness == "strong", deadline)
        except _OutOfTime:
            out[p.id] = Liveness(p.id, None)
    return out


class _OutOfTime(Exception):
    """The liveness deadline passed while a property was being decided."""


def _check_time(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() >= deadline:
        raise _OutOfTime


def _decide(result: ExploreResult, prop: Property, states: list[PodState], adj: list[list[tuple[int, int]]],
            fair_ids: frozenset[int], strong: bool, deadline: float | None = None) -> Liveness:
    model = result.model
    n = len(states)
    bad = [not prop.check(model, s) for s in states]
    triggers = [i for i in range(n) if bad[i] and prop.trigger(model, states[i])]
    all_triggers = sum(1 for s in states if prop.trigger(model, s))
    if not triggers:
        return Liveness(prop.id, True, triggers=all_triggers)
    # not-check states reachable from a failing trigger through not-check states
    region = set(triggers)
    todo = deque(triggers)
    while todo:
        u = todo.popleft()
        for _, v in adj[u]:
            if bad[v] and v not in region:
                region.add(v)
                todo.append(v)
    H = nx.DiGraph()
    H.add_nodes_from(region)
    H.add_edges_from((u, v) for u in region for _, v in adj[u] if v in region)
    doomed: dict[int, tuple[str, frozenset[int] | None]] = {}
    for u in sorted(region):
        if not any(a in fair_ids for a, _ in adj[u]):
            doomed[u] = ("stutter", None)
    _check_time(deadline)
    for comp in _fair_components(H, adj, fair_ids, strong, deadline):
        _check_time(deadline)
        for u in comp:
            doomed.setdefault(u, ("cycle", comp))
    if not doomed:
        return Liveness(prop.id, True, triggers=all_triggers)
    # the shortest lasso: nearest failing trigger that can reach a doomed state, then nearest doomed state
    can_reach = set(doomed)
    rev: dict[int, list[int]] = {}
    for u, v in H.edges():
        rev.setdefault(v, []).append(u)
    todo = deque(doomed)
    while todo:
        v = todo.popleft()
        for u in rev.get(v, ()):
            if u not in can_reach:
                can_reach.add(u)
                todo.append(u)
    start = min(t for t in triggers if t in can_reach)
    hops = _bfs_path(adj, start, lambda v: v in doomed, lambda v: v in region)
    cx = result.path(start, prop.id, "lasso")
    end = hops[-1][1] if hops else start
    kind, comp = doomed[end]
    cycle = [] if kind == "stutter" else _fair_cycle(adj, end, comp, fair_ids, strong)
    return Liveness(prop.id, False, _lasso(result, prop.id, cx, hops, cycle, kind == "stutter"), all_triggers)


def _bfs_path(adj, start: int, goal: Callable[[int], bool], allowed: Callable[[int], bool]) -> list[tuple[int, int]]:
    """Shortest ``[(action id, state), ...]`` from ``start`` to a goal state, through allowed states."""
    if goal(start):
        return []
    prev: dict[int, tuple[int, int]] = {start: (-1, -1)}
    todo = deque([start])
    while todo:
        u = todo.popleft()
        for a, v in adj[u]:
            if v in prev or not allowed(v):
                continue
            prev[v] = (u, a)
            if goal(v):
                path = []
                while v != start:
                    u, a = prev[v]
                    path.append((a, v))
                    v = u
                return path[::-1]
            todo.append(v)
    raise AssertionError("no path to a goal state")  # callers only ask for reachable goals


def _fair_components(H: nx.DiGraph, adj, fair_ids: frozenset[int], strong: bool, deadline: float | None = None):
    """Components of ``H`` in which some fair path stays forever (visiting all of it).

    Weak fairness: a maximal SCC qualifies iff every fair action enabled at *all* of its
    states is taken on one of its edges.  Strong fairness: iff every fair action enabled
    *anywhere* in it is taken inside; otherwise drop the states where an untaken action
    is enabled and look again at what remains (Emerson-Lei).
    """
    todo = [frozenset(c) for c in nx.strongly_connected_components(H)]
    while todo:
        _check_time(deadline)
        comp = todo.pop()
        inner = [(u, a) for u in comp for a, v in adj[u] if v in comp]
        if not inner:
            continue
        taken = {a for _, a in inner}
        enabled = [{a for a, _ in adj[u] if a in fair_ids} for u in comp]
        if not strong:
            if set.intersection(*enabled) <= taken:
                yield comp
            continue
        untaken = set().union(*enabled) - taken
        if not untaken:
            yield comp
            continue
        keep = [u for u in comp if not any(a in untaken for a, _ in adj[u])]
        todo += [frozenset(c) for c in nx.strongly_connected_components(H.subgraph(keep))]


def _fair_cycle(adj, start: int, comp: frozenset[int], fair_ids: frozenset[int], strong: bool) -> list[tuple[int, int]]:
    """A cycle from ``start`` back to it inside ``comp`` that is fair: for every fair action
    enabled in ``comp`` it takes the action, or (weak fairness only) visits a state where
    the action is disabled."""
    inside = comp.__contains__
    enabled = {u: {a for a, _ in adj[u] if a in fair_ids} for u in comp}
    waypoints: list[tuple[str, int, int]] = []   # ("state", u, -1) or ("edge", u, a)
    for a in sorted(set().union(*enabled.values())):
        off = sorted(u for u in comp if a not in enabled[u])
        if off and not strong:
            waypoints.append(("state", off[0], -1))
        else:
            u = min(u for u in comp if any(b == a and v in comp for b, v in adj[u]))
            waypoints.append(("edge", u, a))
    path: list[tuple[int, int]] = []
    here = start
    for kind, u, a in waypoints:
        path += _bfs_path(adj, here, lambda v, u=u: v == u, inside)
        here = u
        if kind == "edge":
            v = next(v for b, v in adj[u] if b == a and v in comp)
            path.append((a, v))
            here = v
    if here == start and not path:
        a, v = next((a, v) for a, v in adj[start] if v in comp)
        path.append((a, v))
        here = v
    path += _bfs_path(adj, here, lambda v: v == start, inside)
    return path


def _lasso(result: ExploreResult, pid: str, cx: Counterexample, prefix: list[tuple[int, int]],
           cycle: list[tuple[int, int]], stutter: bool) -> Counterexample:
    space, model = result.space, result.model
    actions = cx.actions + [space.actions[a] for a, _ in prefix]
    states = cx.states + [space.state(v) for _, v in prefix]
    loop = [space.actions[a] for a, _ in cycle]
    loop_states = [space.state(v) for _, v in cycle]
    return Counterexample(pid, actions, states, space.containers, cycle=loop, cycle_states=loop_states,
                          stutter=stutter, label="lasso")


# ------------------------------------------------------------------------ vacuity
def vacuity(result: ExploreResult) -> list[str]:
    """Applicable ``sometimes`` properties without a witness: the run is vacuous for them.

    >>> from podmodel.engines import explore
    >>> from podmodel.verifier.scenarios import load_scenario, SCENARIO_DIR
    >>> vacuity(explore(load_scenario(SCENARIO_DIR / "single-always.yaml").model()))
    []
    """
    result = _check_result(result)
    _need_complete(result, "vacuity")
    return list(result.missing_witnesses)


# ------------------------------------------------------------------------ warnings
def warnings(result: ExploreResult) -> list[str]:
    """Things a reader of a clean run should know, deterministic and sorted by kind.

    * the exploration was cut (``max_states`` / ``time_limit``);
    * candidate actions that were never enabled (by container, in the model's order);
    * bounds that were reached: ``restartCount`` saturated at ``maxRestarts`` (a
      restart did not raise it), ``sandboxRecreations`` used up.  A property may hold
      only because of such a bound: `bound_sensitivity` re-explores with it raised.

    >>> from podmodel.engines import explore
    >>> from podmodel.verifier.scenarios import load_scenario, SCENARIO_DIR
    >>> for w in warnings(explore(load_scenario(SCENARIO_DIR / "single-onfailure.yaml").model())): print(w)
    bound reached: restartCount saturated at maxRestarts=2 for app (2 restarts not counted); properties over restart counts hold only up to this bound
    """
    result = _check_result(result)
    out: list[str] = []
    if not result.complete:
        out.append(f"incomplete: the exploration stopped at {result.states} states ({result.stop_reason}); "
                   f"verdicts are partial")
        return out
    space, model = result.space, result.model
    if hasattr(model, "explore_warnings"):  # a world (podmodel.world) knows its own bounds
        return out + model.explore_warnings(result)
    if not result.symmetry:
        seen = set(space.actions)
        never = [a for a in model.candidate_actions if a not in seen]
        never = [a for a in never if not isinstance(a, A.SchedulerBind) or model.config.node_name is None]
        if never:
            out.append("never enabled: " + ", ".join(repr(a) for a in never))
    out += _bound_warnings(result)
    return out


def _bound_warnings(result: ExploreResult) -> list[str]:
    space, model = result.space, result.model
    b = model.bounds
    names = space.containers
    saturated: dict[int, int] = {}
    restart_kinds = (A.KubeletRestartContainer, A.KubeletStartContainer)
    relevant = {k for k, a in enumerate(space.actions) if isinstance(a, restart_kinds)}
    src, dst, act = _edge_lists(result) if not hasattr(space, "restart_saturation") or result.symmetry else ((),) * 3
    fast = getattr(space, "restart_saturation", None)  # the compiled engine counts on its arrays
    if fast is not None and not result.symmetry:
        saturated = fast(relevant, {k for k in relevant if isinstance(space.actions[k], A.KubeletRestartContainer)})
        src = dst = act = ()
    for u, v, k in zip(src, dst, act):
        if k not in relevant:
            continue
        j = model.index[space.actions[k].container]
        s, t = space.state(u), space.state(v)
        if not result.symmetry and s.containers[j].restart_count == b.max_restarts and (
                isinstance(space.actions[k], A.KubeletRestartContainer) or s.containers[j].last_exit_code is not None):
            saturated[j] = saturated.get(j, 0) + 1
    out = []
    if saturated:
        who = ", ".join(names[j] for j in sorted(saturated))
        out.append(f"bound reached: restartCount saturated at maxRestarts={b.max_restarts} for {who} "
                   f"({sum(saturated.values())} restarts not counted); properties over restart counts hold only up to this bound")
    most = getattr(space, "max_recreations", None)
    if b.sandbox_recreations and (most() >= b.sandbox_recreations if most is not None else
                                  any(s.recreations >= b.sandbox_recreations for s in space.iter_states())):
        out.append(f"bound reached: sandboxRecreations={b.sandbox_recreations} used up; further recreations are not explored")
    return out
