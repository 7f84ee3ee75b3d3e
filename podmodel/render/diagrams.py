"""Diagrams generated from the model: machine -> plain data -> Graphviz (STYLE §10).

Three kinds of diagram, each first built as a plain `Diagram` value (nodes, edges,
clusters, legend) and only then turned into Graphviz by `to_graphviz`:

* `machine_diagram`: one component machine from its declaration
  (`podmodel.model.machines.MachineDecl`): its states, its transitions labelled by trigger
  with their guards in small grey type, the initial state pointed at, terminal states
  drawn as double circles, auto transitions dashed.
* `phase_diagram` / `container_diagram`: *derived* from the explored product model --
  the quotient of the state graph (`podmodel.engines.explore`) onto the pod phase or
  onto one container's machine state.  An edge ``A -> B`` is drawn when some explored
  transition changes the projected value from ``A`` to ``B``; its label names the action
  kinds that do it (most frequent first) with how many product transitions each
  accounts for.  Never the whole product graph.
* `draw_path`: a counterexample or witness (a list of actions and the states they
  visit) drawn over the component diagrams of the machines it moves.

Everything is deterministic (sorted, no timestamps), so ``diagrams/`` can be checked
for freshness: `generate` writes the bundled diagrams and `check` compares them.

>>> from podmodel.model.machines import PHASE
>>> d = machine_diagram(PHASE)
>>> d.initial, [n.id for n in d.nodes if n.terminal]
(('Pending',), ['Succeeded', 'Failed'])
>>> print(d.to_dot().splitlines()[0])
digraph phase {
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import graphviz
import yaml

from podmodel.model.actions import Action, ContainerExit, ProbeFail, ProbeSucceed
from podmodel.model.bounds import Bounds
from podmodel.model.config import ManifestError, PodConfig
from podmodel.model.machines import DEFAULT, MachineDecl
from podmodel.model.product import (
    INSTANCE_STATES,
    POD_TRIGGERS,
    RUNNING_STATES,
    Model,
    PodState,
)

#: Where the bundled diagrams live (package data, ``diagrams/`` in a checkout is a link to it), and
#: the manifests the derived ones explore.
DIAGRAM_DIR = Path(__file__).resolve().parents[1] / "specs" / "diagrams"
SCENARIO_DIR = DIAGRAM_DIR / "scenarios"
POLICIES = ("Always", "OnFailure", "Never")
#: How many action kinds an edge of a derived diagram names before "+n more".
TOP_KINDS = 3
FORMATS = ("svg", "png", "dot")

_FONT = "Helvetica"
_GREY = "#777777"
_FAINT = "#bbbbbb"
_PATH_COLOR = "#c0392b"


class DiagramError(ValueError):
    """A diagram cannot be built (e.g. an unreadable scenario manifest)."""


# ------------------------------------------------------------------------------ plain data
@dataclass(frozen=True)
class Node:
    """A state: ``id`` (unique in the diagram), its shown ``label``, a hover ``tooltip``.

    ``terminal`` draws a double circle; ``faded`` a dotted grey one (a declared state the
    exploration never reached); ``highlight`` fills it (a state a path visits);
    ``cluster`` names the `Cluster` it sits in.
    """

    id: str
    label: str
    tooltip: str = ""
    terminal: bool = False
    faded: bool = False
    highlight: bool = False
    bold: bool = False
    cluster: str | None = None


@dataclass(frozen=True)
class Edge:
    """A transition ``source -> dest``: ``label`` (first line, bold in machines), ``detail``
    (smaller grey lines: guards, or action counts), ``style`` solid/dashed/dotted/bold."""

    source: str
    dest: str
    label: str = ""
    detail: tuple[str, ...] = ()
    tooltip: str = ""
    style: str = "solid"
    color: str = "black"
    ltail: str | None = None


@dataclass(frozen=True)
class Cluster:
    """A labelled box of nodes."""

    id: str
    label: str
    faded: bool = False


@dataclass(frozen=True)
class Diagram:
    """A diagram as plain data; `to_graphviz` draws it."""

    name: str
    title: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    initial: tuple[str, ...] = ()
    clusters: tuple[Cluster, ...] = ()
    same_rank: tuple[tuple[str, ...], ...] = ()
    legend: tuple[tuple[str, ...], ...] = ()
    legend_title: str = "legend"
    table: tuple[tuple[str, str], ...] = ()
    rankdir: str = "TB"
    extra: tuple[str, ...] = field(default=(), repr=False)

    def node(self, node_id: str) -> Node:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def edge_pairs(self) -> set[tuple[str, str]]:
        """``{(source, dest)}`` of the edges drawn as transitions or changes: an edge from
        a box counts for every state in it; dotted edges (declared, never taken) do not count."""
        boxes: dict[str, list[str]] = {}
        for n in self.nodes:
            if n.cluster:
                boxes.setdefault(n.cluster, []).append(n.id)
        return {(s, e.dest) for e in self.edges if e.style != "dotted"
                for s in (boxes[e.ltail] if e.ltail else (e.source,))}

    def to_graphviz(self) -> graphviz.Digraph:
        return to_graphviz(self)

    def to_dot(self) -> str:
        return to_graphviz(self).source


# ------------------------------------------------------------------------------ rendering
def _html(text: str) -> str:
    return html.escape(text, quote=True)


def _edge_label(e: Edge) -> str:
    if not e.detail:
        return _html(e.label)
    lines = "<BR/>".join(_html(d) for d in e.detail)
    head = f"{_html(e.label)}<BR/>" if e.label else ""
    return f'<{head}<FONT POINT-SIZE="9" COLOR="{_GREY}">{lines}</FONT>>'


def _legend_label(rows: Sequence[tuple[str, ...]], title: str = "legend") -> str:
    """Rows ``(symbol, text)`` or ``(symbol, text, colour)`` under a bold title."""
    cells = []
    for sym, text, *color in rows:
        s = f'<FONT COLOR="{color[0]}">{_html(sym)}</FONT>' if color else _html(sym)
        cells.append(f'<TR><TD ALIGN="LEFT">{s}</TD><TD ALIGN="LEFT">{_html(text)}</TD></TR>')
    return (f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">'
            f'<TR><TD COLSPAN="2" ALIGN="LEFT"><B>{_html(title)}</B></TD></TR>{"".join(cells)}</TABLE>>')


def _table_label(rows: Sequence[tuple[str, str]]) -> str:
    """A two-column table; the first row is the header."""
    head, *body = rows
    cells = "".join(f'<TR><TD ALIGN="LEFT">{_html(a)}</TD><TD ALIGN="LEFT"><FONT COLOR="{_GREY}">{_html(b)}</FONT></TD></TR>'
                    for a, b in body)
    return (f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">'
            f'<TR><TD ALIGN="LEFT"><B>{_html(head[0])}</B></TD><TD ALIGN="LEFT"><B>{_html(head[1])}</B></TD></TR>{cells}</TABLE>>')


def to_graphviz(d: Diagram) -> graphviz.Digraph:
    """Draw a `Diagram` with Graphviz (``dot`` layout).

    Parameters
    ----------
    d : Diagram

    Returns
    -------
    graphviz.Digraph
        Its ``.source`` is the DOT text; ``.pipe(format="svg")`` renders it.

    Examples
    --------
    >>> g = to_graphviz(Diagram("x", "a title", (Node("A", "A"), Node("B", "B", terminal=True)), (Edge("A", "B", "go"),), initial=("A",)))
    >>> print(g.source)  # doctest: +NORMALIZE_WHITESPACE
    digraph x {
    graph [fontname=Helvetica label="a title" labelloc=t rankdir=TB]
    node [fontname=Helvetica fontsize=11 shape=ellipse]
    edge [fontname=Helvetica fontsize=10]
    __start_A [label="" height=0.15 shape=point width=0.15]
    __start_A -> A [arrowsize=0.7]
    A [label=A]
    B [label=B peripheries=2]
    A -> B [label=go]
    }
    """
    compound = any(e.ltail for e in d.edges)
    g = graphviz.Digraph(d.name, graph_attr={"label": d.title, "labelloc": "t", "fontname": _FONT, "rankdir": d.rankdir,
                                             **({"compound": "true"} if compound else {})},
                         node_attr={"fontname": _FONT, "fontsize": "11", "shape": "ellipse"},
                         edge_attr={"fontname": _FONT, "fontsize": "10"})
    for i in d.initial:
        g.node(f"__start_{i}", "", shape="point", width="0.15", height="0.15")
        g.edge(f"__start_{i}", i, arrowsize="0.7")

    def node_attrs(n: Node) -> dict[str, str]:
        a: dict[str, str] = {}
        if n.tooltip:
            a["tooltip"] = n.tooltip
        if n.terminal:
            a["peripheries"] = "2"
        if n.faded:
            a.update(style="dotted", color=_FAINT, fontcolor=_GREY)
        elif n.highlight:
            a.update(style="filled,bold" if n.bold else "filled", fillcolor="#fde2dc", color=_PATH_COLOR if n.bold else "black")
        return a

    for c in d.clusters:
        with g.subgraph(name=f"cluster_{c.id}") as sg:
            sg.attr(label=c.label, style="rounded,dashed" if not c.faded else "rounded,dotted", color=_GREY,
                    fontcolor=_GREY if c.faded else "black", fontsize="11")
            for n in d.nodes:
                if n.cluster == c.id:
                    sg.node(n.id, n.label, **node_attrs(n))
    for n in d.nodes:
        if n.cluster is None:
            g.node(n.id, n.label, **node_attrs(n))
    for group in d.same_rank:
        with g.subgraph() as sg:
            sg.attr(rank="same")
            for nid in group:
                sg.node(nid)
    for e in d.edges:
        a: dict[str, str] = {}
        if e.style != "solid":
            a["style"] = e.style
        if e.color != "black":
            a.update(color=e.color, fontcolor=e.color)
        if e.tooltip:
            a["tooltip"] = e.tooltip
        if e.ltail:
            a["ltail"] = f"cluster_{e.ltail}"
        if e.label or e.detail:
            a["label"] = _edge_label(e)
        g.edge(e.source, e.dest, **a)
    for line in d.extra:
        g.body.append(line)
    if d.legend:
        g.node("__legend", _legend_label(d.legend, d.legend_title), shape="box", style="rounded", color=_FAINT, fontsize="9")
    if d.table:
        g.node("__table", _table_label(d.table), shape="box", style="rounded", color=_FAINT, fontsize="9")
    return g


# ------------------------------------------------------------------------------ component machines
def _container_groups(decl: MachineDecl) -> dict[str, tuple[str, ...]]:
    """The container machine's states in three boxes, as getPhase counts them: waiting
    without having run in this sandbox, running, and exited (terminated, or waiting to
    restart with ``lastState.terminated`` -- both count as *stopped*)."""
    names = decl.state_names
    running = tuple(s for s in names if s in RUNNING_STATES)
    exited = tuple(s for s in names if s in INSTANCE_STATES and s not in RUNNING_STATES)
    waiting = tuple(s for s in names if s not in INSTANCE_STATES)
    return {"waiting": waiting, "running": running, "exited": exited}


GROUP_LABELS = {"waiting": "waiting: not run in this sandbox", "running": "running",
                "exited": "exited: terminated or backing off"}
#: Colours for transitions out of many states (drawn unlabelled, named in the legend).
_FAN_COLORS = ("#2e86c1", "#8e44ad", "#16a085", "#d35400")
#: A transition drawn as this many edges or more is a "fan-in": coloured, named in the legend.
FAN_IN = 4

_LEGEND_M_INITIAL = ("\u25cf\u2192", "initial state")
_LEGEND_M_TERMINAL = ("\u25ce", "terminal state")
_LEGEND_M_TRANSITION = ("\u2014\u2192", "transition, labelled by trigger (guards in the table)")
_LEGEND_M_BOX = ("\u25a2\u2192", "from a box: the transition leaves every state in it")
_LEGEND_M_AUTO = ("- -\u2192", "auto transition (fires as soon as enabled)")


def _guard_table(decl: MachineDecl) -> tuple[tuple[str, str], ...]:
    rows: dict[str, list[str]] = {}
    for t in decl.transitions:
        g = ", ".join(t.guards) or "\u2014"
        rows.setdefault(t.trigger, [])
        if g not in rows[t.trigger]:
            rows[t.trigger].append(g)
    return tuple((trigger, " | ".join(gs)) for trigger, gs in rows.items())


def machine_diagram(decl: MachineDecl) -> Diagram:
    """The diagram of one component machine, from its declaration.

    Each declared transition is an edge per source state, labelled by its trigger; a
    table beside the machine lists each trigger's guards.  In the container machine the
    states are grouped by the API's state kind (waiting / running / terminated); a
    transition out of every state of a group is drawn once, from the group's box, and a
    transition still drawn as `FAN_IN` edges or more is coloured and named in the legend
    instead of labelled on every edge.

    Parameters
    ----------
    decl : MachineDecl

    Returns
    -------
    Diagram

    Examples
    --------
    >>> from podmodel.model.machines import MACHINES
    >>> d = machine_diagram(MACHINES["termination"])
    >>> sorted(d.edge_pairs())[:3]
    [('Active', 'Stopping'), ('Killing', 'Finished'), ('Stopping', 'Finished')]
    >>> [e.style for e in d.edges if e.label == "finish"]
    ['dashed', 'dashed']
    """
    groups = _container_groups(decl) if decl.name == "container" else {}
    member = {s: g for g, states in groups.items() for s in states}
    nodes = tuple(Node(s.name, s.name, tooltip=s.doc, terminal=s.name in decl.terminal, cluster=member.get(s.name))
                  for s in decl.states)
    edges: list[Edge] = []
    fans: list[tuple[str, str]] = []
    for t in decl.transitions:
        sources = list(t.source)
        from_groups: list[str] = []
        for g, states in groups.items():
            # a group wholly covered by the sources (and not holding the target) is drawn once
            if len(states) > 1 and set(states) <= set(sources) and t.dest not in states:
                from_groups.append(g)
                sources = [s for s in sources if s not in states]
        tails = [(groups[g][0], g) for g in from_groups] + [(s, None) for s in sources]
        tooltip = f"{t.trigger} [{', '.join(t.guards)}]" + (f": {t.doc}" if t.doc else "")
        style = "dashed" if t.auto else "solid"
        if len(tails) >= FAN_IN:
            color = _FAN_COLORS[len(fans) % len(_FAN_COLORS)]
            fans.append(("\u2014\u2192", f"{t.trigger} \u2192 {t.dest} (from {len(t.source)} states)", color))
            edges += [Edge(s, t.dest, tooltip=tooltip, style=style, color=color, ltail=g) for s, g in tails]
        else:
            edges += [Edge(s, t.dest, t.trigger, tooltip=tooltip, style=style, ltail=g) for s, g in tails]
    clusters = tuple(Cluster(g, GROUP_LABELS[g]) for g, states in groups.items() if states)
    title = f"machine: {decl.name}\n{decl.source}" if decl.source else f"machine: {decl.name}"
    legend = ((_LEGEND_M_INITIAL,) + ((_LEGEND_M_TERMINAL,) if decl.terminal else ()) + (_LEGEND_M_TRANSITION,)
              + ((_LEGEND_M_BOX,) if any(e.ltail for e in edges) else ())
              + ((_LEGEND_M_AUTO,) if any(t.auto for t in decl.transitions) else ()) + tuple(fans))
    return Diagram(
        name=decl.name, title=title, nodes=nodes, edges=tuple(edges), initial=(decl.initial,), clusters=clusters,
        same_rank=(tuple(decl.terminal),) if len(decl.terminal) > 1 else (),
        legend=legend, table=(("trigger", "guards"),) + _guard_table(decl),
    )


# ------------------------------------------------------------------------------ derived diagrams
def action_kind(action: Action) -> str:
    """The kind an action counts as in a derived diagram: its class name, with the
    probe kind for probe results.

    >>> action_kind(ContainerExit("app", 1)), action_kind(ProbeFail("app", "liveness"))
    ('ContainerExit', 'ProbeFail(liveness)')
    """
    name = type(action).__name__
    if isinstance(action, (ProbeFail, ProbeSucceed)):
        return f"{name}({action.kind})"
    return name


Projection = Callable[[PodState], Hashable]


@dataclass(frozen=True)
class Quotient:
    """The state graph projected onto one value.

    ``initial``: projected initial states; ``values``: every projected value reached;
    ``edges``: ``(a, b) -> Counter(action kind -> number of product transitions)`` for
    ``a != b``; ``states``/``transitions``: the size of the explored graph.
    """

    initial: tuple[Hashable, ...]
    values: tuple[Hashable, ...]
    edges: Mapping[tuple[Hashable, Hashable], Counter]
    states: int
    transitions: int


def quotient(initial: Iterable[PodState], transitions: Iterable[tuple[PodState, Action, PodState]],
             project: Projection, *, kind: Callable[[Action], str] = action_kind) -> Quotient:
    """Project an explored state graph onto ``project(state)``.

    Parameters
    ----------
    initial : iterable of PodState
        The initial states.
    transitions : iterable of (state, action, next_state)
        Every explored transition (an explorer's output; see `explored_quotient`).
    project : callable
        State -> the value kept (the phase, a container's machine state...).
    kind : callable
        Action -> the name an edge is labelled with (default `action_kind`).

    Returns
    -------
    Quotient

    Examples
    --------
    >>> from podmodel.model.config import PodConfig, ContainerSpec
    >>> from podmodel.model.actions import SchedulerBind
    >>> m = Model(PodConfig(containers=(ContainerSpec("app"),)))
    >>> s = m.initial_states()[0]
    >>> q = quotient([s], [(s, SchedulerBind("node-1"), m.next_state(s, SchedulerBind("node-1")))], lambda s: s.binding)
    >>> q.values, dict(q.edges)
    (('Unbound', 'Bound'), {('Unbound', 'Bound'): Counter({'SchedulerBind': 1})})
    """
    init = tuple(dict.fromkeys(project(s) for s in initial))
    seen: dict[Hashable, None] = dict.fromkeys(init)
    states: set[PodState] = set()
    edges: dict[tuple[Hashable, Hashable], Counter] = {}
    n = 0
    for s, a, t in transitions:
        n += 1
        states.add(s)
        states.add(t)
        x, y = project(s), project(t)
        seen.setdefault(y, None)
        if x != y:
            seen.setdefault(x, None)
            edges.setdefault((x, y), Counter())[kind(a)] += 1
    ordered = dict(sorted(edges.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]))))
    return Quotient(init, tuple(seen), ordered, len(states) or len(init), n)


def explored_quotient(model: Model, project: Projection, **explore_kwargs: Any) -> Quotient:
    """Explore ``model`` with `podmodel.engines.explore` and project its state graph.

    Parameters
    ----------
    model : Model
    project : callable
        State -> the value kept.
    **explore_kwargs
        Passed to `podmodel.engines.explore` (e.g. ``max_states``).

    Returns
    -------
    Quotient
    """
    from podmodel.engines.facade import explore

    result = explore(model, properties=(), **explore_kwargs)
    q = quotient(model.initial_states(), _transitions(result), project)
    return replace(q, states=result.states, transitions=result.transitions)


def _transitions(result: Any) -> Iterable[tuple[PodState, Action, PodState]]:
    """``(state, action, next_state)`` for every edge of an `ExploreResult`'s graph
    (nodes carry their `PodState` as attribute ``state``, edges their ``action``)."""
    graph = result.graph()
    state = graph.nodes
    for u, v, data in graph.edges(data=True):
        yield state[u]["state"], data["action"], state[v]["state"]


def _edge_detail(counts: Counter, top: int) -> tuple[tuple[str, ...], str]:
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    lines = [f"{k} \u00d7{n}" for k, n in ranked[:top]]
    if len(ranked) > top:
        rest = len(ranked) - top
        lines.append(f"+{rest} more kind{'s' if rest > 1 else ''}")
    tooltip = "; ".join(f"{k} x{n}" for k, n in ranked)
    return tuple(lines), tooltip


_LEGEND_INITIAL = ("\u25cf\u2192", "initial value")
_LEGEND_ABSORBING = ("\u25ce", "absorbing: no explored transition leaves it")
_LEGEND_REACHED = ("\u2014\u2192", "a change some explored transition makes: action kinds \u00d7 transitions")
_LEGEND_BOX = ("\u25a2\u2192", "from a box: the same change, by the same action kinds, from every state in it")
_LEGEND_COMPOSITE = ("\u2501\u2192", "one action through several declared transitions (auto transitions followed)")
_LEGEND_UNTAKEN = ("\u00b7\u00b7\u00b7\u2192", "declared, but no explored transition takes it")
_LEGEND_UNREACHED = ("\u00b7\u00b7\u00b7", "declared state never reached")


def derived_diagram(name: str, title: str, decl: MachineDecl, q: Quotient, *, top: int = TOP_KINDS,
                    groups: Mapping[str, tuple[str, ...]] | None = None) -> Diagram:
    """Draw a `Quotient` onto the states of ``decl``.

    Every declared state is drawn; one never reached is faded.  A reached value no
    explored transition leaves is drawn as absorbing (double circle).  Each edge of the
    quotient is labelled with its `top` most frequent action kinds and how many product
    transitions each accounts for; an edge that is not a declared edge of ``decl`` (one
    action through several transitions) is drawn bold; declared edges no explored
    transition takes are drawn dotted and grey.  With ``groups``, when every state of a
    box changes to the same value by the same action kinds, the change is drawn once,
    from the box.

    Parameters
    ----------
    name, title : str
    decl : MachineDecl
        The machine whose states the values are.
    q : Quotient
    top : int
        How many action kinds an edge names.
    groups : mapping, optional
        Cluster id -> states.

    Returns
    -------
    Diagram

    Examples
    --------
    >>> from podmodel.model.machines import PHASE
    >>> q = Quotient(("Pending",), ("Pending", "Running", "Failed"),
    ...              {("Pending", "Running"): Counter(a=2), ("Running", "Failed"): Counter(b=1, c=1)}, 3, 3)
    >>> d = derived_diagram("p", "t", PHASE, q)
    >>> [(e.source, e.dest, e.detail, e.style) for e in d.edges][:2]
    [('Pending', 'Running', ('a \u00d72',), 'solid'), ('Running', 'Failed', ('b \u00d71', 'c \u00d71'), 'solid')]
    >>> d.node("Failed").terminal, d.node("Succeeded").faded
    (True, True)
    """
    declared = decl.edges()
    reached = set(q.values)
    sources = {a for a, _ in q.edges}
    groups = {g: tuple(states) for g, states in (groups or {}).items() if states}
    member = {s: g for g, states in groups.items() for s in states}
    extra = [v for v in q.values if v not in decl.state_names]
    nodes = tuple(
        Node(str(s), str(s), tooltip=next((d.doc for d in decl.states if d.name == s), ""),
             terminal=s in reached and s not in sources, faded=s not in reached, cluster=member.get(s))
        for s in (*decl.state_names, *extra))

    pending = dict(q.edges)
    edges: list[Edge] = []
    legend = [_LEGEND_INITIAL]
    if any(n.terminal for n in nodes):
        legend.append(_LEGEND_ABSORBING)
    legend.append(_LEGEND_REACHED)
    for g, states in groups.items():
        if len(states) < 2 or not set(states) <= reached:
            continue
        for dest in dict.fromkeys(b for (a, b) in q.edges if a in states and b not in states):
            counts = [pending.get((s, dest)) for s in states]
            if all(counts) and len({frozenset(c) for c in counts}) == 1:
                total = sum(counts, Counter())
                detail, _ = _edge_detail(total, top)
                tooltip = "; ".join(f"from {s}: {_edge_detail(c, top)[1]}" for s, c in zip(states, counts))
                declared_all = all((s, dest) in declared for s in states)
                edges.append(Edge(states[0], dest, detail=detail, tooltip=tooltip, ltail=g,
                                  style="solid" if declared_all else "bold"))
                for s in states:
                    del pending[(s, dest)]
                if _LEGEND_BOX not in legend:
                    legend.append(_LEGEND_BOX)
    for (a, b), counts in pending.items():
        detail, tooltip = _edge_detail(counts, top)
        edges.append(Edge(str(a), str(b), detail=detail, tooltip=tooltip, style="solid" if (a, b) in declared else "bold"))
    if any(e.style == "bold" for e in edges):
        legend.append(_LEGEND_COMPOSITE)
    untaken = {(a, b) for a, b in declared if a != b and (a, b) not in q.edges}

    def triggers(pairs: Iterable[tuple[str, str]]) -> str:
        return ", ".join(dict.fromkeys(t.trigger for t in decl.transitions for a, b in pairs if a in t.source and t.dest == b))

    for g, states in groups.items():
        for dest in dict.fromkeys(b for a, b in sorted(untaken) if a in states and b not in states):
            pairs = [(s, dest) for s in states]
            if len(states) > 1 and all(p in untaken for p in pairs):
                edges.append(Edge(states[0], dest, triggers(pairs), ltail=g, style="dotted", color=_FAINT,
                                  tooltip=f"declared ({triggers(pairs)}), never taken in this exploration"))
                untaken -= set(pairs)
    for a, b in sorted(untaken):
        edges.append(Edge(a, b, triggers([(a, b)]), tooltip=f"declared ({triggers([(a, b)])}), never taken in this exploration",
                          style="dotted", color=_FAINT))
    if any(e.style == "dotted" for e in edges):
        legend.append(_LEGEND_UNTAKEN)
    if any(n.faded for n in nodes):
        legend.append(_LEGEND_UNREACHED)
    terminal_reached = tuple(s for s in decl.terminal if s in reached)
    clusters = tuple(Cluster(g, GROUP_LABELS.get(g, g), faded=not (set(states) & reached)) for g, states in groups.items())
    return Diagram(name=name, title=title, nodes=nodes, edges=tuple(edges), initial=tuple(str(v) for v in q.initial),
                   clusters=clusters, same_rank=(terminal_reached,) if len(terminal_reached) > 1 else (),
                   legend=tuple(legend))


def _with_policy(manifest: Mapping[str, Any], policy: str) -> dict[str, Any]:
    spec = dict(manifest.get("spec") or {})
    spec["restartPolicy"] = policy
    return {**manifest, "spec": spec}


def scenario_model(path: str | Path) -> Model:
    """The manifest at ``path`` as a model (bounds from its annotation)."""
    return _load(path, lambda manifest, bounds: Model(PodConfig.from_manifest(manifest), bounds))


def _load(path: str | Path, build: Callable[[Mapping[str, Any], Bounds], Any]) -> Any:
    try:
        manifest = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        if not isinstance(manifest, Mapping):
            raise DiagramError(f"{path}: expected a Pod manifest")
        return build(manifest, Bounds.from_manifest(manifest))
    except (OSError, UnicodeDecodeError) as e:
        raise DiagramError(f"{path}: cannot read: {getattr(e, 'strerror', None) or e}") from None
    except (yaml.YAMLError, ManifestError) as e:
        raise DiagramError(f"{path}: {e}") from None


def scenario_models(path: str | Path) -> dict[str, Model]:
    """The manifest at ``path`` with its ``restartPolicy`` set to each of `POLICIES`.

    Bounds come from the manifest's ``podmodel.io/bounds`` annotation; only the policy
    differs between the three models, so the derived diagrams compare policies alone.
    """
    return _load(path, lambda manifest, bounds: {
        p: Model(PodConfig.from_manifest(_with_policy(manifest, p)), bounds) for p in POLICIES})


def _size(q: Quotient) -> str:
    return f"quotient of {q.states:,} explored states, {q.transitions:,} transitions"


def phase_diagram(model: Model, *, name: str | None = None, source: str = "", q: Quotient | None = None) -> Diagram:
    """The pod-phase diagram derived from ``model``'s explored state graph.

    Parameters
    ----------
    model : Model
    name : str, optional
        Diagram name (default ``phase-<policy>``).
    source : str
        Where the configuration comes from, shown in the title.
    q : Quotient, optional
        An already computed phase quotient (default: explore ``model``).

    Returns
    -------
    Diagram
        Nodes are the phases, edges the phase changes some explored transition makes.

    Examples
    --------
    >>> from podmodel.model.config import PodConfig, ContainerSpec
    >>> d = phase_diagram(Model(PodConfig(containers=(ContainerSpec("app"),), restart_policy="Never")))
    >>> sorted(d.edge_pairs())
    [('Pending', 'Failed'), ('Pending', 'Running'), ('Pending', 'Succeeded'), ('Running', 'Failed'), ('Running', 'Succeeded')]
    """
    q = q if q is not None else explored_quotient(model, lambda s: s.phase)
    policy = model.config.restart_policy
    where = f" ({source})" if source else ""
    title = f"pod phase, restartPolicy {policy}: derived from the explored model{where}\n{_size(q)}"
    return derived_diagram(name or f"phase-{policy.lower()}", title, model.decl["phase"], q)


def container_diagram(model: Model, container: str | None = None, *, name: str | None = None, source: str = "",
                      q: Quotient | None = None) -> Diagram:
    """One container's state diagram derived from ``model``'s explored state graph.

    Parameters
    ----------
    model : Model
    container : str, optional
        The container (default: the first app container).
    name, source : str
        Diagram name (default ``container-<policy>``) and configuration source for the title.
    q : Quotient, optional
        An already computed quotient (default: explore ``model``).

    Returns
    -------
    Diagram

    Examples
    --------
    >>> from podmodel.model.config import PodConfig, ContainerSpec
    >>> d = container_diagram(Model(PodConfig(containers=(ContainerSpec("app"),), restart_policy="Never")))
    >>> d.node("Terminated").terminal, d.node("CrashLoopBackOff").faded
    (True, True)
    """
    container = container or model.specs[model.app_indices[0]].name
    i = model.index[container]
    q = q if q is not None else explored_quotient(model, lambda s: s.containers[i].machine)
    policy = model.config.restart_policy
    where = f" ({source})" if source else ""
    title = f"container {container!r}, restartPolicy {policy}: derived from the explored model{where}\n{_size(q)}"
    decl = model.decl["container"]
    return derived_diagram(name or f"container-{policy.lower()}", title, decl, q, groups=_container_groups(decl))


# ------------------------------------------------------------------------------ paths
@dataclass(frozen=True)
class Component:
    """One machine instance of the pod: ``id`` (a DOT-safe prefix), its label, its
    declaration and how to read its state from a `PodState`."""

    id: str
    label: str
    decl: MachineDecl
    get: Callable[[PodState], str]


def components(model: Model) -> tuple[Component, ...]:
    """Every machine instance of ``model``'s pod: the pod-level machines, one container
    machine per container, one machine per condition.

    >>> from podmodel.model.config import PodConfig, ContainerSpec
    >>> [c.id for c in components(Model(PodConfig(containers=(ContainerSpec("app"),))))][:7]
    ['phase', 'binding', 'sandbox', 'termination', 'deletion', 'container_0', 'cond_PodScheduled']
    """
    d = model.decl
    out = [Component(name, name, d[name], (lambda f: lambda s: getattr(s, f))(name))
           for name in ("phase", "binding", "sandbox", "termination", "deletion")]
    for i, spec in enumerate(model.specs):
        out.append(Component(f"container_{i}", f"container {spec.name} ({spec.kind})", d["container"],
                             (lambda j: lambda s: s.containers[j].machine)(i)))
    for name, decl in model.condition_machines.items():
        out.append(Component(f"cond_{name}", f"condition {name}", decl,
                             (lambda n: lambda s: s.condition(n) or "False")(name)))
    return tuple(out)


def path_diagram(model: Model, actions: Sequence[Action], states: Sequence[PodState], *, name: str = "path",
                 title: str = "", color: str = _PATH_COLOR, cycle: Sequence[Action] = (),
                 cycle_states: Sequence[PodState] = (), stutter: bool = False) -> Diagram:
    """A path (counterexample or witness) drawn over the component machines it moves.

    Every machine whose state changes along the path (and the phase, always) is drawn
    as a box with its declared states and, faintly, its declared transitions; the path's
    steps are drawn over it as coloured edges numbered by step.  States the path visits
    are filled, the final one outlined.  A lasso (a liveness counterexample) continues
    with its ``cycle``, drawn dashed and numbered on from the prefix; ``stutter`` notes
    that the pod stays in the last state forever.

    Parameters
    ----------
    model : Model
    actions : sequence of Action
    states : sequence of PodState
        ``len(actions) + 1`` states, ``states[0]`` the start (`Model.replay` gives them).
    name, title : str
    color : str
        Colour of the path.
    cycle, cycle_states : sequence
        A lasso's loop: actions from ``states[-1]`` and the state after each (the last
        one is ``states[-1]`` again), as in `podmodel.engines.Counterexample`.
    stutter : bool
        The path ends by staying in ``states[-1]`` forever.

    Returns
    -------
    Diagram

    Examples
    --------
    >>> from podmodel.model.config import PodConfig, ContainerSpec
    >>> from podmodel.model.actions import SchedulerBind, KubeletCreateSandbox, KubeletStartContainer
    >>> m = Model(PodConfig(containers=(ContainerSpec("app"),), restart_policy="Never"))
    >>> acts = [SchedulerBind("node-1"), KubeletCreateSandbox(), KubeletStartContainer("app"), ContainerExit("app", 0)]
    >>> d = path_diagram(m, acts, m.replay(acts))
    >>> sorted((e.source, e.dest, e.label) for e in d.edges if e.color != "#bbbbbb")[:2]
    [('binding__Unbound', 'binding__Bound', '1'), ('cond_ContainersReady__False', 'cond_ContainersReady__True', '3')]
    """
    if len(states) != len(actions) + 1:
        raise ValueError(f"a path of {len(actions)} actions needs {len(actions) + 1} states, got {len(states)}")
    if len(cycle_states) != len(cycle):
        raise ValueError(f"a cycle of {len(cycle)} actions needs {len(cycle)} states, got {len(cycle_states)}")
    n = len(actions)
    all_actions = [*actions, *cycle]
    all_states = [*states, *cycle_states]
    comps = components(model)
    targeted = {POD_TRIGGERS[type(a)][0] for a in all_actions if type(a) in POD_TRIGGERS}
    shown = [c for c in comps
             if c.id == "phase" or c.id in targeted or len({c.get(s) for s in all_states}) > 1]
    nodes: list[Node] = []
    edges: list[Edge] = []
    clusters: list[Cluster] = []
    initial: list[str] = []
    for c in shown:
        values = [c.get(s) for s in all_states]
        visited = set(values)
        nid = lambda v, c=c: f"{c.id}__{v}"  # noqa: E731
        clusters.append(Cluster(c.id, c.label))
        for st in c.decl.states:
            nodes.append(Node(nid(st.name), st.name, tooltip=st.doc, terminal=st.name in c.decl.terminal,
                              highlight=st.name in visited, bold=st.name == values[n], cluster=c.id))
        initial.append(nid(values[0]))
        for src, dst in sorted(c.decl.edges()):
            edges.append(Edge(nid(src), nid(dst), color=_FAINT, tooltip=", ".join(
                t.trigger for t in c.decl.transitions if src in t.source and t.dest == dst)))
        steps: dict[tuple[str, str, bool], list[int]] = {}
        for k, a in enumerate(all_actions, 1):
            old, new = values[k - 1], values[k]
            if old != new or (type(a) in POD_TRIGGERS and POD_TRIGGERS[type(a)][0] == c.id):
                steps.setdefault((old, new, k > n), []).append(k)
        for (old, new, looping), ks in steps.items():
            edges.append(Edge(nid(old), nid(new), ", ".join(map(str, ks)), color=color,
                              style="bold,dashed" if looping else "bold",
                              tooltip="; ".join(f"{k}. {all_actions[k - 1]!r}" for k in ks)))
    legend = [(f"{k}.", repr(a)) for k, a in enumerate(actions, 1)]
    legend += [(f"\u21bb {k}.", repr(a)) for k, a in enumerate(cycle, n + 1)]
    if cycle:
        legend.append(("\u21bb", f"steps {n + 1}-{n + len(cycle)} (dashed) repeat forever"))
    if stutter:
        legend.append(("\u25a0", "then nothing fair happens: the pod stays in the outlined states forever"))
    default = f"path of {n} steps over the component machines" + (f", then a {len(cycle)}-step cycle" if cycle else "")
    return Diagram(name=name, title=title or default,
                   nodes=tuple(nodes), edges=tuple(edges), initial=tuple(initial), clusters=tuple(clusters),
                   legend=tuple(legend) or (("", "(empty path)"),),
                   legend_title="steps (a step may run auto transitions after it)")


def draw_path(model: Model, actions: Sequence[Action], states: Sequence[PodState] | None = None, *,
              title: str = "", **lasso: Any) -> graphviz.Digraph:
    """`path_diagram` drawn with Graphviz; ``states`` default to ``model.replay(actions)``.

    ``lasso`` takes `path_diagram`'s ``cycle``, ``cycle_states`` and ``stutter``.

    >>> from podmodel.model.config import PodConfig, ContainerSpec
    >>> from podmodel.model.actions import SchedulerBind
    >>> m = Model(PodConfig(containers=(ContainerSpec("app"),)))
    >>> "binding__Unbound -> binding__Bound" in draw_path(m, [SchedulerBind("node-1")]).source
    True
    """
    states = list(states) if states is not None else model.replay(actions)
    return to_graphviz(path_diagram(model, actions, states, title=title, **lasso))


def _format_of(path: Path, format: str | None) -> str:
    fmt = (format or path.suffix.lstrip(".") or "svg").lower()
    if fmt not in FORMATS:
        raise ValueError(f"unknown diagram format {fmt!r} (known: {', '.join(FORMATS)})")
    return fmt


def write_path_diagram(path: str | Path, model: Model, actions: Sequence[Action],
                       states: Sequence[PodState] | None = None, format: str | None = None, *, title: str = "",
                       **lasso: Any) -> Path:
    """Write `draw_path` to ``path``; ``format`` (svg, png or dot) defaults to the suffix.

    Returns the path written.  Raises ValueError for an unknown format.
    """
    path = Path(path)
    fmt = _format_of(path, format)
    g = draw_path(model, actions, states, title=title, **lasso)
    write_rendered(path, g.source, fmt)
    return path


def write_counterexample(path: str | Path, model: Model, cex: Any, format: str | None = None) -> Path:
    """Write an explorer `~podmodel.engines.Counterexample` (or witness) over the machines.

    The title names its property and kind; a lasso's cycle is drawn too.  This is what
    ``podmodel explore MANIFEST --diagram FILE`` calls.

    >>> import tempfile, pathlib
    >>> from podmodel.engines import explore
    >>> from podmodel.model.config import PodConfig, ContainerSpec
    >>> m = Model(PodConfig(containers=(ContainerSpec("app"),), restart_policy="Never"))
    >>> cex = explore(m).witnesses["reaches-succeeded"]
    >>> with tempfile.TemporaryDirectory() as d:
    ...     out = write_counterexample(pathlib.Path(d) / "w.dot", m, cex)
    ...     "reaches-succeeded: witness" in out.read_text()
    True
    """
    title = f"{cex.property}: {cex.label} ({len(cex.actions)} step{'s' if len(cex.actions) != 1 else ''}"
    title += f" + a {len(cex.cycle)}-step cycle)" if cex.cycle else (", then stays forever)" if cex.stutter else ")")
    return write_path_diagram(path, model, cex.actions, cex.states, format, title=title, cycle=cex.cycle,
                              cycle_states=cex.cycle_states, stutter=cex.stutter)


# ------------------------------------------------------------------------------ files
_VERSION_COMMENT = re.compile(r"<!-- Generated by graphviz version [^>]*-->\n")


def render(dot_source: str, fmt: str) -> bytes:
    """Render DOT text with ``dot``; SVG output loses its graphviz-version comment so
    that it is the same for every run (and every patch release)."""
    out = graphviz.Source(dot_source).pipe(format=fmt)
    if fmt == "svg":
        out = _VERSION_COMMENT.sub("", out.decode("utf-8")).encode("utf-8")
    return out


def write_rendered(path: Path, dot_source: str, fmt: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "dot":
        path.write_text(dot_source, encoding="utf-8")
    else:
        path.write_bytes(render(dot_source, fmt))


def bundled_diagrams(scenario_dir: str | Path = SCENARIO_DIR) -> list[Diagram]:
    """Every bundled diagram, in a fixed order: one per component machine (``machine-<name>``),
    the derived phase and container diagrams for each restart policy (``phase-<policy>``,
    ``container-<policy>``, from the manifests ``phase.yaml`` and ``container.yaml`` in
    ``scenario_dir``), and a counterexample drawn over the machines (``path-counterexample``,
    from ``counterexample.yaml``; see `bundled_counterexample`)."""
    out = [replace(machine_diagram(decl), name=f"machine-{decl.name}") for decl in DEFAULT.machines.values()]
    scenario_dir = Path(scenario_dir)
    for kind, build in (("phase", phase_diagram), ("container", container_diagram)):
        src = scenario_dir / f"{kind}.yaml"
        shown = f"{src.parent.name}/{src.name}" if src.parent.name else src.name
        for policy, model in scenario_models(src).items():
            out.append(build(model, name=f"{kind}-{policy.lower()}", source=f"diagrams/{shown}"))
    out.append(bundled_counterexample(scenario_dir / "counterexample.yaml"))
    return out


#: The seeded bug of the bundled counterexample: restarts whatever the restart policy says.
SEEDED_BUG = ("container", "restart", "should_restart")


def bundled_counterexample(path: str | Path, prop: str = "restart-policy-honoured") -> Diagram:
    """The bundled counterexample: the manifest at ``path``, explored with `SEEDED_BUG`
    (the machine's transition without its guard), and the shortest counterexample to
    ``prop`` drawn over the component machines (``path-counterexample``)."""
    from podmodel.engines.facade import explore

    machine, trigger, guard = SEEDED_BUG
    model = scenario_model(path)
    broken = Model(model.config, model.bounds, declarations=DEFAULT.replace_machine(DEFAULT[machine].without_guard(trigger, guard)))
    result = explore(broken)
    if prop not in result.violations:
        raise DiagramError(f"{path}: the seeded bug breaks no {prop!r}: nothing to draw")
    cex = result.violations[prop]
    title = (f"counterexample to {prop} ({len(cex.actions)} steps): restartPolicy {model.config.restart_policy}, "
             f"seeded bug: {machine} transition {trigger!r} without guard {guard!r}")
    return path_diagram(broken, cex.actions, cex.states, name="path-counterexample", title=title)


def expected_files(diagrams: Iterable[Diagram], fmt: str | None = None) -> dict[str, bytes]:
    """File name -> content for ``diagrams``: the DOT always, plus the rendered ``fmt``
    (default svg; ``"dot"`` for DOT only)."""
    fmt = fmt or "svg"
    out: dict[str, bytes] = {}
    for d in diagrams:
        src = d.to_dot()
        out[f"{d.name}.dot"] = src.encode("utf-8")
        if fmt != "dot":
            out[f"{d.name}.{fmt}"] = render(src, fmt)
    return out


def generate(out: str | Path = DIAGRAM_DIR, fmt: str | None = None, diagrams: Iterable[Diagram] | None = None) -> list[Path]:
    """Write the bundled diagrams into ``out``; returns the paths written, sorted."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = expected_files(bundled_diagrams() if diagrams is None else diagrams, fmt)
    for fname, data in files.items():
        (out / fname).write_bytes(data)
    return sorted(out / f for f in files)


_SVG_KEEP = re.compile(r"<(g) id=\"([^\"]*)\" class=\"([^\"]*)\"|<(title)>([^<]*)</title>|<(text)[^>]*>([^<]*)</text>")


def svg_content(svg: bytes | str) -> list[tuple[str, ...]]:
    """What an SVG drawing says, without where: its groups (id, class), titles and texts
    in document order.  Two renderings of the same DOT by different Graphviz releases
    have the same content even where the coordinates differ.

    >>> svg_content('<g id="node1" class="node"><title>A</title><text x="1">A</text></g>')
    [('g', 'node1', 'node'), ('title', 'A'), ('text', 'A')]
    """
    text = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    return [tuple(x for x in m.groups() if x is not None) for m in _SVG_KEEP.finditer(text)]


def check(out: str | Path = DIAGRAM_DIR, diagrams: Iterable[Diagram] | None = None) -> list[str]:
    """Compare ``out`` with freshly generated diagrams; returns the problems (empty when current).

    DOT files must be identical byte for byte; SVG files must have the same content
    (`svg_content`: every node, edge, title and label), so a different Graphviz release,
    which may move things by a point, does not make them stale.  A ``.dot``/``.svg``
    file that nothing generates is reported too.
    """
    out = Path(out)
    files = expected_files(bundled_diagrams() if diagrams is None else diagrams, "svg")
    problems = []
    for fname, data in files.items():
        p = out / fname
        if not p.exists():
            problems.append(f"{p}: missing")
            continue
        have = p.read_bytes()
        same = have == data if fname.endswith(".dot") else svg_content(have) == svg_content(data)
        if not same:
            problems.append(f"{p}: differs from what `podmodel diagrams` generates")
    for p in sorted(out.glob("*")):
        if p.suffix in (".dot", ".svg") and p.name not in files:
            problems.append(f"{p}: not generated by `podmodel diagrams` (remove it)")
    return problems
