"""A world's counterexample as lanes: one lane per pod (and one for the nodes and the
controllers' counters), one column per step.

Each box is one step of that lane: the step number, the action, and the fields that
changed (`podmodel.engines.results.state_diff` for a pod).  Steps line up across lanes,
so two pods of one StatefulSet identity running at once show as two lanes reaching
``Running`` in the same columns.

>>> from podmodel.engines import explore
>>> from podmodel.world.spec import load_world, WORLD_DIR
>>> w = load_world(WORLD_DIR / "statefulset-force-delete.yaml")
>>> cx = explore(w).violations["sts-one-pod-per-identity"]
>>> dot = lanes_dot(w, cx)
>>> "web-0 (uid 0)" in dot and "web-0 (uid 1)" in dot and "ClientForceDelete" in dot
True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from podmodel.engines.results import state_diff
from podmodel.world.model import World, pod_label


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def lanes_dot(world: World, cx: Any) -> str:
    """DOT text of counterexample ``cx`` (from `podmodel.engines.explore` on ``world``)."""
    states = list(cx.states) + list(cx.cycle_states)
    actions = list(cx.actions) + list(cx.cycle)
    names = {}
    for s in states:
        for p in s.pods:
            w = world.workloads[p.workload]
            names.setdefault(p.uid, pod_label(w.name, w.kind, p))
    lanes: dict[str, list[tuple[int, str]]] = {"cluster": []}
    lanes.update({names[u]: [] for u in sorted(names)})
    for k, (a, s, t) in enumerate(zip(actions, states, states[1:]), 1):
        before = {p.uid: p for p in s.pods}
        after = {p.uid: p for p in t.pods}
        acted = getattr(a, "uid", None)
        for uid in sorted(before.keys() | after.keys()):
            x, y = before.get(uid), after.get(uid)
            if x == y:
                continue
            m = world.models[(x or y).workload]
            names_c = tuple(c.name for c in m.specs)
            if x is None:
                what = ["created"]
            elif y is None:
                what = ["gone"]
            else:
                what = state_diff(x.pod, y.pod, names_c) + (["+DisruptionTarget"] if x.disrupted != y.disrupted else [])
            head = f"{k}. {a!r}" if acted == uid or x is None else f"{k}. (by {type(a).__name__})"
            lanes[names[uid]].append((k, head + "\n" + "\n".join(what)))
        cluster = [f"{n}: {x} -> {y}" for n, x, y in zip(world.nodes, s.nodes, t.nodes) if x != y]
        for j, wl in enumerate(world.workloads):
            for f in ("succeeded", "failed", "finished"):
                x, y = getattr(s, f)[j], getattr(t, f)[j]
                if x != y:
                    cluster.append(f"{wl.name}.{f}: {x or '-'} -> {y or '-'}")
        if cluster or not any(k == kk for lane in lanes.values() for kk, _ in lane):
            lanes["cluster"].append((k, f"{k}. {a!r}\n" + "\n".join(cluster)))
    title = f"{cx.property}: {cx.label} ({len(cx.actions)} steps{' + cycle' if cx.cycle else ''}) in world {world.name}"
    out = ["digraph world {", '  rankdir=LR; newrank=true; node [shape=box, fontsize=10, fontname="Helvetica"];',
           f'  label="{_esc(title)}"; labelloc=t;']
    n = len(actions)
    out.append("  " + " -> ".join(f"t{k}" for k in range(n + 1)) + " [style=invis];")
    out += [f'  t{k} [label="{k}", shape=plaintext];' for k in range(n + 1)]
    for i, (lane, boxes) in enumerate(lanes.items()):
        if not boxes:
            continue
        title_lane = "nodes and controllers" if lane == "cluster" else lane
        out.append(f'  subgraph cluster_{i} {{ label="{_esc(title_lane)}"; style=rounded;')
        for k, text in boxes:
            out.append(f'    l{i}s{k} [label="{_esc(text)}"];')
        if len(boxes) > 1:
            out.append("    " + " -> ".join(f"l{i}s{k}" for k, _ in boxes) + ";")
        out.append("  }")
        out += [f"  {{ rank=same; t{k}; l{i}s{k}; }}" for k, _ in boxes]
    out.append("}")
    return "\n".join(out) + "\n"


def write(dot_source: str, path: str | Path) -> Path:
    """Write DOT text to ``path`` (.dot), or render it (.svg, .png) with Graphviz."""
    from podmodel.render.diagrams import write_rendered

    path = Path(path)
    fmt = path.suffix.lstrip(".").lower() or "dot"
    write_rendered(path, dot_source, fmt)
    return path
