"""Export an explored state graph as GraphML or JSON, for networkx and other languages.

Both formats carry the same content: one node per reached state (its fields), one edge
per transition (the action).  GraphML (``.graphml``) opens in networkx, igraph, Gephi,
yEd, Cytoscape, and any XML reader; values are flat attributes (``phase``,
``app.machine``, ``condition.Ready``...) and absent values (``None``) are left out.
JSON (``.json``) is networkx's node-link shape with the state kept structured::

    {
      "format": "podmodel-graph", "version": 1, "directed": true, "multigraph": true,
      "graph": {"pod": ..., "containers": [{"name", "kind"}], "readiness_gates": [...],
                "states": N, "transitions": M, "complete": bool, "symmetry": bool},
      "nodes": [{"id": 0, "initial": true, "phase": "Pending", "binding": "Unbound",
                 "node": null, "sandbox": "NotCreated", "recreations": 0,
                 "termination": "Active", "stop_reason": null, "deletion": "Live",
                 "containers": {"app": {"machine": "Waiting", "exit_code": null, "reason": null,
                                        "last_exit_code": null, "restart_count": 0}},
                 "gates": {"<condition type>": "True" | "False" | null},
                 "conditions": {"Ready": {"status": "False", "reason": "ContainersNotReady"}}}],
      "edges": [{"source": 0, "target": 1, "key": 0, "action": "SchedulerBind(node='node-1')",
                 "type": "SchedulerBind", "actor": "scheduler", "args": {"node": "node-1"}}]
    }

``networkx.node_link_graph(data, edges="edges")`` loads it; ``key`` numbers parallel
edges between the same two states.  Node ids are the explorer's state numbers
(breadth-first discovery order), so node 0 is the initial state.

>>> import io, json, networkx as nx
>>> from podmodel.engines import explore
>>> from podmodel.verifier.scenarios import load_scenario, SCENARIO_DIR
>>> r = explore(load_scenario(SCENARIO_DIR / "single-never.yaml").model())
>>> buf = io.StringIO(); write_json(r, buf)
>>> G = nx.node_link_graph(json.loads(buf.getvalue()), edges="edges")
>>> G.number_of_nodes(), G.number_of_edges() == r.transitions, G.nodes[0]["phase"]
(30, True, 'Pending')
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import IO, Any

import networkx as nx

from podmodel.engines.exploration import ExploreResult
from podmodel.model.product import PodState

FORMATS = {".graphml": "graphml", ".json": "json"}
_POD_FIELDS = ("phase", "binding", "node", "sandbox", "recreations", "termination", "stop_reason", "deletion")
_CONTAINER_FIELDS = ("machine", "exit_code", "reason", "last_exit_code", "restart_count")


def node_record(result: ExploreResult, i: int, state: PodState) -> dict[str, Any]:
    """The JSON record of state ``i`` (see the module docstring)."""
    m = result.model
    return {
        "id": i,
        "initial": bool(result.space.parent[i] < 0),
        **{f: getattr(state, f) for f in _POD_FIELDS},
        "containers": {c.name: dict(zip(_CONTAINER_FIELDS, cs)) for c, cs in zip(m.specs, state.containers)},
        "gates": dict(zip(m.config.readiness_gates, state.gates)),
        "conditions": {t: {"status": st, "reason": reason} for t, st, reason in state.conditions},
    }


def _action_record(action) -> dict[str, Any]:
    return {"action": repr(action), "type": type(action).__name__, "actor": action.actor,
            "args": {f.name: getattr(action, f.name) for f in fields(action)}}


def _edges(result: ExploreResult) -> Iterator[dict[str, Any]]:
    src, dst, act = result.space.edges()
    records = [_action_record(a) for a in result.space.actions]
    keys: dict[tuple[int, int], int] = {}
    for u, v, a in zip(src, dst, act):
        k = keys.get((u, v), 0)
        keys[(u, v)] = k + 1
        yield {"source": int(u), "target": int(v), "key": k, **records[a]}


def graph_header(result: ExploreResult) -> dict[str, Any]:
    m = result.model
    return {
        "pod": m.config.name,
        "containers": [{"name": c.name, "kind": c.kind} for c in m.specs],
        "readiness_gates": list(m.config.readiness_gates),
        "states": result.states,
        "transitions": result.transitions,
        "complete": result.complete,
        "symmetry": bool(result.symmetry),
    }


def write_json(result: ExploreResult, out: IO[str]) -> None:
    """Write the JSON node-link document, streaming (one node or edge per line).

    Parameters
    ----------
    result : ExploreResult
    out : text file
    """
    head = {"format": "podmodel-graph", "version": 1, "directed": True, "multigraph": True,
            "graph": graph_header(result)}
    text = json.dumps(head, sort_keys=False)
    out.write(text[:-1] + ',\n "nodes": [\n')
    for i, s in enumerate(result.space.iter_states()):
        out.write(("  " if i == 0 else ", ") + json.dumps(node_record(result, i, s)) + "\n")
    out.write(' ],\n "edges": [\n')
    for k, e in enumerate(_edges(result)):
        out.write(("  " if k == 0 else ", ") + json.dumps(e) + "\n")
    out.write(" ]\n}\n")


def _flat(result: ExploreResult, i: int, state: PodState) -> dict[str, Any]:
    rec = node_record(result, i, state)
    out: dict[str, Any] = {"initial": rec["initial"]}
    out.update({f: rec[f] for f in _POD_FIELDS})
    for name, cs in rec["containers"].items():
        out.update({f"{name}.{f}": v for f, v in cs.items()})
    out.update({f"gate.{g}": v for g, v in rec["gates"].items()})
    for t, c in rec["conditions"].items():
        out[f"condition.{t}"] = c["status"]
        out[f"condition.{t}.reason"] = c["reason"]
    return {k: v for k, v in out.items() if v is not None}


def to_graphml_graph(result: ExploreResult) -> nx.MultiDiGraph:
    """A networkx graph with flat, GraphML-ready attributes (no ``None`` values)."""
    G = nx.MultiDiGraph(**{k: (json.dumps(v) if isinstance(v, list) else v) for k, v in graph_header(result).items()})
    G.add_nodes_from((i, _flat(result, i, s)) for i, s in enumerate(result.space.iter_states()))
    for e in _edges(result):
        u, v, k = e.pop("source"), e.pop("target"), e.pop("key")
        e["args"] = json.dumps(e["args"], sort_keys=True)
        G.add_edge(u, v, key=k, **e)
    return G


def write_graphml(result: ExploreResult, path: str | Path) -> None:
    """Write GraphML (``networkx.read_graphml`` reads it back; node ids become strings)."""
    nx.write_graphml(to_graphml_graph(result), str(path))


def export(result: ExploreResult, path: str | Path) -> str:
    """Write ``result`` to ``path`` in the format its suffix names; returns the format.

    Raises
    ------
    ValueError
        For a suffix other than ``.graphml`` or ``.json``.

    Examples
    --------
    >>> import tempfile, os, networkx as nx
    >>> from podmodel.engines import explore
    >>> from podmodel.verifier.scenarios import load_scenario, SCENARIO_DIR
    >>> r = explore(load_scenario(SCENARIO_DIR / "single-never.yaml").model())
    >>> with tempfile.TemporaryDirectory() as d:
    ...     export(r, os.path.join(d, "g.graphml")), nx.read_graphml(os.path.join(d, "g.graphml")).number_of_nodes()
    ('graphml', 30)
    """
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"{path}: unknown export format {path.suffix!r} (use .graphml or .json)")
    if fmt == "graphml":
        write_graphml(result, path)
    else:
        with open(path, "w", encoding="utf-8") as f:
            write_json(result, f)
    return fmt
