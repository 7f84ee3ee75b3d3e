"""Coverage: which actions and which declared machine transitions a run exercised.

Both engines feed the same record.  A step ``s --a--> t`` of the product model is
explained by the component-machine transitions that fired in it, derived from the
declarations (`podmodel.model.machines`) by comparing the component fields of ``s`` and ``t``:

* a component whose value changed from ``src`` to ``dst`` is explained by the shortest
  chain of its declared transitions from ``src`` to ``dst``, preferring one that starts
  with the trigger the action drives (`podmodel.model.POD_TRIGGERS`,
  ``CONTAINER_TRIGGERS``, ``PROBE_TRIGGERS``) and continues with automatic transitions
  (``auto_started`` after ``start``, ``finish`` after ``complete``...);
* the model fires a few transitions of other machines as part of one action
  (`SIDE_EFFECTS`: ``ApiDelete`` also fires ``termination.delete``, ``GracePeriodExpired``
  the ``exit`` of every running container, ``SandboxRecreated`` every ``sandbox_reset``);
  they are preferred the same way;
* a self-loop (``SandboxRecreated``: sandbox ``Ready -> Ready``) counts when the action's
  own trigger declares it;
* condition machines compare the derived conditions (absent counts as ``False``).

Warnings name **rules never enabled** (an action family the bounds allow but that no
visited state enables: a dead rule is a modelling bug, or a bound that starves it) and
**declared transitions never exercised**.  One scenario rarely exercises everything
(``KubeletBackOff`` is dead under ``restartPolicy: Never`` by design), so merge the
coverage of a whole suite (`Coverage.merge`) before reading them as bugs.

>>> from podmodel.verifier.scenarios import load_scenario, SCENARIO_DIR
>>> from podmodel.model.actions import SchedulerBind, KubeletCreateSandbox, KubeletStartContainer
>>> m = load_scenario(SCENARIO_DIR / "single-never.yaml").model()
>>> s0 = m.initial_states()[0]
>>> s1 = m.next_state(s0, SchedulerBind("node-1"))
>>> s2 = m.next_state(s1, KubeletCreateSandbox())
>>> s3 = m.next_state(s2, KubeletStartContainer("app"))
>>> [str(f) for f in fired(m, s2, KubeletStartContainer("app"), s3)]
['phase.start: Pending -> Running', 'container[app].start: Waiting -> Running', 'container[app].auto_started: Running -> Started', 'container[app].auto_ready: Started -> Ready', 'ContainersReady.set_true: False -> True', 'Ready.set_true: False -> True']
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from podmodel.model import actions as A
from podmodel.model.actions import Action
from podmodel.model.machines import MachineDecl, TransitionDecl
from podmodel.model.product import (
    CONTAINER_TRIGGERS,
    ContainerState,
    POD_TRIGGERS,
    PROBE_TRIGGERS,
    STATE_FIELD,
    Model,
    PodState,
)

POD_MACHINES = ("binding", "sandbox", "termination", "deletion", "phase")

#: Transitions of other machines an action fires as part of its step (`Model._apply`).
SIDE_EFFECTS: Mapping[type, Mapping[str, str]] = {
    A.ApiDelete: {"termination": "delete"},
    A.GracePeriodExpired: {"container": "exit"},
    A.SandboxRecreated: {"container": "sandbox_reset"},
}


class Fired(NamedTuple):
    """One declared transition that fired: ``machine.trigger: source -> dest``.

    ``container`` names the container for the container machine (None otherwise).
    """

    machine: str
    trigger: str
    source: str
    dest: str
    container: str | None = None

    def __str__(self) -> str:
        where = f"{self.machine}[{self.container}]" if self.container else self.machine
        return f"{where}.{self.trigger}: {self.source} -> {self.dest}"

    @property
    def declared(self) -> tuple[str, str, str, str]:
        """The transition as declared (no container): ``(machine, trigger, source, dest)``."""
        return (self.machine, self.trigger, self.source, self.dest)


def _driven_trigger(model: Model, action: Action) -> tuple[str, str, int | None] | None:
    """``(machine, trigger, container index)`` the action itself drives, or None."""
    kind = type(action)
    if kind in POD_TRIGGERS:
        machine, trigger = POD_TRIGGERS[kind]
        return machine, trigger, None
    trigger = CONTAINER_TRIGGERS.get(kind) or PROBE_TRIGGERS.get((kind, getattr(action, "kind", None)))
    if trigger is None:
        return None
    return "container", trigger, model.index[action.container]


def _driven_triggers(machine: str) -> frozenset[str]:
    """Triggers of ``machine`` that some action drives directly."""
    if machine == "container":
        return frozenset(CONTAINER_TRIGGERS.values()) | frozenset(PROBE_TRIGGERS.values())
    return frozenset(t for m, t in POD_TRIGGERS.values() if m == machine)


def _chain(decl: MachineDecl, src: str, dst: str, trigger: str | None,
           side: str | None = None) -> tuple[TransitionDecl, ...] | None:
    """The declared transitions explaining ``src -> dst`` (see the module docstring).

    Preference: the action's own ``trigger``, then its side effect ``side``, then
    automatic transitions, then triggers no action drives (``terminate_unknown``,
    ``sandbox_reset``), each followed by automatic transitions; then any chain.
    """
    if src == dst:
        for t in decl.transitions:
            if t.trigger == trigger and src in t.source and t.dest == src:
                return (t,)
        return ()

    def search(first: Iterable[TransitionDecl], then_auto: bool) -> tuple[TransitionDecl, ...] | None:
        todo: deque[tuple[str, tuple[TransitionDecl, ...]]] = deque((t.dest, (t,)) for t in first)
        seen = {src}
        while todo:
            state, path = todo.popleft()
            if state == dst:
                return path
            if state in seen:
                continue
            seen.add(state)
            for t in decl.transitions_from(state):
                if (t.auto or not then_auto) and t.dest not in seen:
                    todo.append((t.dest, path + (t,)))
        return None

    outgoing = decl.transitions_from(src)
    driven = _driven_triggers(decl.name)
    return (search([t for t in outgoing if t.trigger == trigger], True)
            or search([t for t in outgoing if t.trigger == side], True)
            or search([t for t in outgoing if t.auto], True)
            or search([t for t in outgoing if t.trigger not in driven], True)
            or search(outgoing, True)
            or search(outgoing, False))


def fired(model: Model, s: PodState, action: Action, t: PodState) -> tuple[Fired, ...]:
    """The declared transitions that fired in the step ``s --action--> t``.

    Parameters
    ----------
    model : Model
        The model the step belongs to (its declarations are used).
    s, t : PodState
        The state before and after.
    action : Action
        The action taken.

    Returns
    -------
    tuple of Fired
        Pod-level machines first (``binding``, ``sandbox``, ``termination``,
        ``deletion``, ``phase``), then containers in spec order, then conditions.  A
        change no declared transition explains is reported with trigger ``"?"``.

    Examples
    --------
    >>> from podmodel.verifier.scenarios import load_scenario, SCENARIO_DIR
    >>> from podmodel.model.actions import SchedulerBind
    >>> m = load_scenario(SCENARIO_DIR / "single-never.yaml").model()
    >>> s = m.initial_states()[0]
    >>> fired(m, s, SchedulerBind("node-1"), m.next_state(s, SchedulerBind("node-1")))
    (Fired(machine='binding', trigger='bind', source='Unbound', dest='Bound', container=None), Fired(machine='PodScheduled', trigger='set_true', source='False', dest='True', container=None))
    """
    return _Explainer(model).fired(s, action, t)


class _Explainer:
    """`fired` for one model, with the chains it found memoised."""

    def __init__(self, model: Model):
        self.model = model
        self.chains: dict[tuple, tuple[Fired, ...]] = {}

    def _explain(self, machine: str, src: str, dst: str, trigger: str | None, side: str | None,
                 container: str | None) -> tuple[Fired, ...]:
        key = (machine, src, dst, trigger, side, container)
        hit = self.chains.get(key)
        if hit is None:
            chain = _chain(self.model.decl[machine], src, dst, trigger, side)
            if chain is None:
                hit = (Fired(machine, "?", src, dst, container),)
            else:
                out, here = [], src
                for tr in chain:
                    out.append(Fired(machine, tr.trigger, here, tr.dest, container))
                    here = tr.dest
                hit = tuple(out)
            self.chains[key] = hit
        return hit

    def fired(self, s: PodState, action: Action, t: PodState) -> tuple[Fired, ...]:
        model = self.model
        driven = _driven_trigger(model, action)
        side = SIDE_EFFECTS.get(type(action), {})
        out: list[Fired] = []
        for machine in POD_MACHINES:
            field_ = STATE_FIELD[machine]
            src, dst = getattr(s, field_), getattr(t, field_)
            trigger = driven[1] if driven and driven[0] == machine else None
            if src != dst or trigger is not None:
                out += self._explain(machine, src, dst, trigger, side.get(machine), None)
        if s.containers != t.containers or (driven and driven[0] == "container"):
            for j, (a, b) in enumerate(zip(s.containers, t.containers)):
                trigger = driven[1] if driven and driven[0] == "container" and driven[2] == j else None
                if a.machine != b.machine or trigger is not None:
                    out += self._explain("container", a.machine, b.machine, trigger, side.get("container"),
                                         model.specs[j].name)
        if s.conditions != t.conditions:
            for name in model.condition_machines:
                old, new = s.condition(name) or "False", t.condition(name) or "False"
                if old != new:
                    out += self._explain(name, old, new, None, None, None)
        return tuple(out)


@dataclass
class Coverage:
    """What a run exercised.

    Attributes
    ----------
    candidates : tuple of Action
        Every action the bounds allow (`Model.candidate_actions`), in the model's order.
    enabled : set of Action
        Actions enabled in some visited state.
    taken : Counter
        Action -> how many times it was taken.
    transitions : Counter
        Declared transition ``(machine, trigger, source, dest)`` -> how many steps fired it.
    declared : tuple
        Every declared transition of the model, one ``(machine, trigger, source, dest)``
        per source state, in declaration order.
    unexplained : Counter
        Component changes no declared transition explains (a modelling bug).
    """

    candidates: tuple[Action, ...] = ()
    enabled: set[Action] = field(default_factory=set)
    taken: Counter = field(default_factory=Counter)
    transitions: Counter = field(default_factory=Counter)
    declared: tuple[tuple[str, str, str, str], ...] = ()
    unexplained: Counter = field(default_factory=Counter)
    _explainers: dict[int, _Explainer] = field(default_factory=dict, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_explainers"] = {}  # they hold the model, which need not pickle
        return state

    @classmethod
    def for_model(cls, model: Model) -> Coverage:
        """An empty record for ``model``."""
        decl = getattr(model, "decl", None)  # a world (podmodel.world) declares no pod machines of its own
        declared = () if decl is None else tuple((d.name, t.trigger, src, t.dest) for d in decl.machines.values()
                                                 for t in d.transitions for src in t.source)
        return cls(candidates=tuple(model.candidate_actions), declared=tuple(dict.fromkeys(declared)))

    def add_state(self, model: Model, state: PodState, enabled: Iterable[Action] | None = None) -> None:
        """Record the actions enabled in a visited state."""
        self.enabled.update(model.actions(state) if enabled is None else enabled)

    def add_step(self, model: Model, s: PodState, action: Action, t: PodState, count: int = 1) -> None:
        """Record one step (``count`` times) and the declared transitions it fired."""
        self.taken[action] += count
        if not self.declared:
            return
        ex = self._explainers.get(id(model))
        if ex is None:
            ex = self._explainers[id(model)] = _Explainer(model)
        for f in ex.fired(s, action, t):
            if f.trigger == "?":
                self.unexplained[f.declared] += count
            else:
                self.transitions[f.declared] += count

    # -- reading ---------------------------------------------------------------
    @property
    def families(self) -> tuple[str, ...]:
        """Action families (rules) the bounds allow, in the model's order."""
        return tuple(dict.fromkeys(type(a).__name__ for a in self.candidates))

    @property
    def dead_rules(self) -> tuple[str, ...]:
        """Action families the bounds allow but no visited state enabled."""
        alive = {type(a).__name__ for a in self.enabled}
        return tuple(f for f in self.families if f not in alive)

    @property
    def never_enabled(self) -> tuple[Action, ...]:
        """Candidate actions no visited state enabled."""
        return tuple(a for a in self.candidates if a not in self.enabled)

    @property
    def unexercised(self) -> tuple[tuple[str, str, str, str], ...]:
        """Declared transitions no step fired."""
        return tuple(d for d in self.declared if d not in self.transitions)

    def merge(self, other: Coverage) -> Coverage:
        """The coverage of both runs (declared transitions and families: the union)."""
        return Coverage(
            candidates=tuple(dict.fromkeys(self.candidates + other.candidates)),
            enabled=self.enabled | other.enabled,
            taken=self.taken + other.taken,
            transitions=self.transitions + other.transitions,
            declared=tuple(dict.fromkeys(self.declared + other.declared)),
            unexplained=self.unexplained + other.unexplained,
        )

    def warnings(self) -> list[str]:
        """Dead rules, unexercised declared transitions, unexplained changes (sorted, deterministic)."""
        out = []
        if self.dead_rules:
            out.append("rule never enabled: " + ", ".join(self.dead_rules))
        if self.unexercised:
            out.append("declared transition never exercised: " + ", ".join(_fmt(d) for d in self.unexercised))
        if self.unexplained:
            out.append("change no declared transition explains: " + ", ".join(_fmt(d) for d in sorted(self.unexplained)))
        return out

    def summary(self) -> str:
        """One line: ``families a/b, actions a/b, transitions a/b``."""
        fams = len(self.families) - len(self.dead_rules)
        acts = len(self.candidates) - len(self.never_enabled)
        trans = len(self.declared) - len(self.unexercised)
        return (f"rules {fams}/{len(self.families)}, actions {acts}/{len(self.candidates)}, "
                f"transitions {trans}/{len(self.declared)}")

    def to_dict(self) -> dict[str, Any]:
        """Plain data (the ``--json`` shape)."""
        return {
            "rules": {f: f not in self.dead_rules for f in self.families},
            "actions": {repr(a): self.taken.get(a, 0) for a in self.candidates},
            "never_enabled": [repr(a) for a in self.never_enabled],
            "transitions": {_fmt(d): self.transitions.get(d, 0) for d in self.declared},
            "unexplained": {_fmt(d): n for d, n in sorted(self.unexplained.items())},
            "warnings": self.warnings(),
        }


def _fmt(d: tuple[str, str, str, str]) -> str:
    machine, trigger, src, dst = d
    return f"{machine}.{trigger}: {src} -> {dst}"


def of_exploration(result: Any) -> Coverage:
    """The coverage of an `podmodel.engines.ExploreResult`: every edge of its graph.

    `fired` reads only the machine fields of a step's two states (pod machines, container
    machines, conditions), so edges are counted by ``(view of s, action, view of t)``
    (`_machine_view`) and each distinct one is explained once, with its count: the same
    record as explaining every edge, at the cost of the distinct views.  For the compiled
    engine's packed states the view is read off the state's core (the state without its
    counts and codes), never decoding the states themselves; and where that engine counted
    its transitions per table edge during the search (`CompiledSpace.steps`: every
    transition of one table edge joins the same two cores by the same action), those
    groups are counted instead of the edges one by one (same record).

    Examples
    --------
    >>> from podmodel.engines import explore
    >>> from podmodel.verifier.scenarios import load_scenario, SCENARIO_DIR
    >>> cov = of_exploration(explore(load_scenario(SCENARIO_DIR / "single-never.yaml").model()))
    >>> cov.dead_rules
    ('KubeletBackOff', 'KubeletRestartContainer')
    """
    import numpy as np

    model, space = result.model, result.space
    cov = Coverage.for_model(model)
    src, dst, act = (np.asarray(x, dtype=np.int64) for x in space.edges())
    cov.enabled.update(space.actions)
    if result.symmetry:
        # edges of a symmetry-reduced graph join representatives: replay the action
        seen: dict[tuple[int, int, int], int] = Counter(zip(src.tolist(), dst.tolist(), act.tolist()))
        state = lru_cache(maxsize=1 << 16)(space.state)
        for (u, v, k), n in seen.items():
            s, a = state(u), space.actions[k]
            cov.add_step(model, s, a, model.next_state(s, a), n)
        return cov
    tables = getattr(space, "tables", None)
    steps = space.steps() if hasattr(space, "steps") else None
    if steps is not None:
        # compiled, transitions counted per table edge: each group joins two cores by one action
        csrc, cact, cdst, n = steps
        cores, inv = np.unique(np.concatenate([csrc, cdst]), return_inverse=True)
        views: dict[PodState, int] = {}
        view_of = np.array([views.setdefault(_machine_view(tables.cores[c]), len(views)) for c in cores.tolist()],
                           dtype=np.int64)[inv.reshape(-1)]
        nv, na = max(len(views), 1), max(len(space.actions), 1)
        keys, at = np.unique((view_of[:csrc.size] * na + cact) * nv + view_of[csrc.size:], return_inverse=True)
        counts = np.bincount(at.reshape(-1), weights=n, minlength=keys.size).astype(np.int64)
        return _add_steps(cov, model, space.actions, list(views), keys, counts, nv, na)
    if tables is not None and hasattr(tables, "cores"):
        # compiled: a packed state is core * RL + (counts, codes); its machines are its core's
        classes = np.asarray(space.codes, dtype=np.int64) // tables.RL
        rep = tables.cores.__getitem__
    else:
        classes = np.arange(len(space), dtype=np.int64)
        rep = space.state
    uniq, inv = np.unique(classes, return_inverse=True)
    views: dict[PodState, int] = {}
    view_of_class = np.array([views.setdefault(_machine_view(rep(c)), len(views)) for c in uniq.tolist()],
                             dtype=np.int64)
    view = view_of_class[inv.reshape(-1)]
    nv, na = max(len(views), 1), max(len(space.actions), 1)
    keys, counts = np.unique((view[src] * na + act) * nv + view[dst], return_counts=True)
    return _add_steps(cov, model, space.actions, list(views), keys, counts, nv, na)


def _add_steps(cov, model, actions, by_id, keys, counts, nv: int, na: int):
    """Add to ``cov`` the steps ``keys`` (``(view * na + action) * nv + view``, views numbered
    as in ``by_id``), each taken ``counts`` times; return ``cov``."""
    for key, n in zip(keys.tolist(), counts.tolist()):
        rest, v = divmod(key, nv)
        u, k = divmod(rest, na)
        cov.add_step(model, by_id[u], actions[k], by_id[v], n)
    return cov


def _machine_view(s: PodState) -> PodState:
    """``s`` with only what `fired` reads: the pod machines, each container's machine
    state (counts, codes and reasons cleared), the conditions."""
    # positionally, one shared ContainerState per machine state (speed only; the field
    # order is pinned by tests/test_model_derive.py)
    views = _CONTAINER_VIEWS
    out = []
    for c in s[8]:
        v = views.get(c[0])
        if v is None:
            v = views[c[0]] = ContainerState(c[0])
        out.append(v)
    return _new(PodState, (s[0], s[1], None, s[3], 0, s[5], None, s[7], tuple(out), (), s[10]))


_new = tuple.__new__
#: machine state -> its `_machine_view` container (``ContainerState(machine)``)
_CONTAINER_VIEWS: dict[str, ContainerState] = {}


def merge_all(coverages: Iterable[Coverage]) -> Coverage:
    """The union of several runs' coverage (e.g. a whole suite).

    >>> from podmodel.engines import explore
    >>> from podmodel.verifier.scenarios import load_scenario, SCENARIO_DIR
    >>> runs = [of_exploration(explore(load_scenario(SCENARIO_DIR / f"{n}.yaml").model()))
    ...         for n in ("single-never", "single-onfailure")]
    >>> runs[0].dead_rules, merge_all(runs).dead_rules
    (('KubeletBackOff', 'KubeletRestartContainer'), ())
    """
    total = Coverage()
    for c in coverages:
        total = total.merge(c)
    return total
