"""Symmetry of a world: UIDs are only names, and nodes are interchangeable.

Two reductions, both permutations of names the rules never look inside:

* **UIDs** (data independence): the world compares UIDs only for equality and with
  ``next_uid`` (fresh UIDs).  Renaming the UIDs of the pods present to ``0..k-1``
  (``k <= next_uid``), in the order of the pods' other fields, maps a reachable state to
  one that behaves the same, and makes the pods of one ReplicaSet or Job interchangeable.
* **nodes**: every node has the same rules, so permuting node names (in the node
  states, each pod's ``spec.nodeName``) does too.

`WorldSymmetry.canonical` picks the least renaming (by ``repr``).  As for containers
(`podmodel.engines.symmetry`), ``eventually`` properties are not decided on the reduced
graph, and the properties must not name a UID or a node (none of the catalogue does).
Counterexamples are replayed from the real initial state (`decanonicalize`): at each
step, the real action whose successor has the stored representative.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import permutations

from podmodel.model.actions import Action
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from podmodel.world.model import World, WorldState


class WorldSymmetry:
    def __init__(self, world: World):
        self.world = world
        names = world.nodes
        self._perms = [dict(zip(names, p)) for p in permutations(names)]

    def __bool__(self) -> bool:
        return True

    def canonical(self, state: WorldState) -> WorldState:
        best = None
        best_key = None
        for perm in self._perms:
            c = self._rename(state, perm)
            k = repr(c)
            if best_key is None or k < best_key:
                best, best_key = c, k
        return best

    def _rename(self, s: WorldState, perm: dict[str, str]) -> WorldState:
        index = {n: i for i, n in enumerate(self.world.nodes)}
        nodes = [""] * len(s.nodes)
        for n, st in zip(self.world.nodes, s.nodes):
            nodes[index[perm[n]]] = st
        pods = [q._replace(pod=q.pod._replace(node=perm[q.pod.node])) if q.pod.node is not None else q for q in s.pods]
        pods.sort(key=lambda q: (q.workload, q.ordinal, repr(q._replace(uid=0))))
        pods = [q._replace(uid=i) for i, q in enumerate(pods)]
        return s._replace(nodes=tuple(nodes), pods=tuple(pods))

    # -- the engines' interface (see podmodel.engines.symmetry.Symmetry) ---------------
    def permutation(self, state: WorldState) -> WorldState:
        """What relates ``state`` to its representative: here, the real state itself."""
        return state

    def rename(self, action: Action, real: WorldState) -> Action:
        """The action on the real state ``real`` that does what ``action`` does on its representative."""
        w = self.world
        rep = self.canonical(real)
        goal = self.canonical(w.next_state(rep, action))
        for b in w.actions(real):
            if self.canonical(w.next_state(real, b)) == goal:
                return b
        raise ValueError(f"no action of the real state matches {action!r}")  # pragma: no cover

    def decanonicalize(self, actions: Iterable[Action], start: WorldState | None = None) -> tuple[list[Action], list[WorldState]]:
        w = self.world
        s = w.initial_states()[0] if start is None else start
        states, out = [s], []
        for a in actions:
            b = self.rename(a, s)
            s = w.next_state(s, b)
            out.append(b)
            states.append(s)
        return out, states
