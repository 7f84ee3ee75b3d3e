"""What the engines produce, below the engines that produce it: progress reports,
replayable counterexamples and the explored state space as compact arrays.

Every engine (`podmodel.engines.search`, `podmodel.engines.compiled`,
`podmodel.engines.hypothesis`) and every analysis (`podmodel.engines.analysis`) builds
on these values; none of them is imported back from here.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from podmodel.model.actions import Action
from podmodel.model.product import Model, PodState


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

    >>> from podmodel.model.config import PodConfig, ContainerSpec
    >>> from podmodel.model.actions import SchedulerBind
    >>> m = Model(PodConfig(containers=(ContainerSpec("app"),)))
    >>> s = m.initial_states()[0]
    >>> state_diff(s, m.next_state(s, SchedulerBind("node-1")), ["app"])
    ['binding: Unbound -> Bound', "node: None -> 'node-1'", '+PodScheduled=True']
    """
    if not isinstance(s, PodState):  # a world's state (podmodel.world) lists its own changes
        return s.changes(t, names, state_diff)
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


def names_of(model: Any) -> tuple[str, ...]:
    """The names a diff uses: a pod model's containers, or a world's lanes (``model.lanes``)."""
    lanes = getattr(model, "lanes", None)
    return tuple(lanes) if lanes is not None else tuple(c.name for c in model.specs)


def default_properties(model: Any) -> tuple:
    """The properties that apply to ``model``: the catalogue's, or a world's own (``default_properties``)."""
    own = getattr(model, "default_properties", None)
    if own is not None:
        return tuple(own())
    from podmodel.model.properties import properties_for

    return properties_for(model)


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
