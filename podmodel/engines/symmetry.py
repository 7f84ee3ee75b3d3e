"""Symmetry reduction for interchangeable containers.

Two containers are *interchangeable* when they are app containers whose specs are equal
except for the name (same restart policy and rules, same probes).  The model treats them
alike: the start order, getPhase, the condition generators and TerminatePod look at app
containers through counts and "every"/"any", and the conditions keep no container names
(`podmodel.model.PodState.conditions` drops the messages).  Permuting their
`ContainerState` values therefore maps a reachable state to a reachable state, and
the explorer may keep one representative per orbit: the state whose interchangeable
containers are sorted (`Symmetry.canonical`).

Where it is sound, and where not:

* **always / step / sometimes** properties: sound for properties that do not name a
  container (every property of the catalogue).  A property that singles one container
  out ("web never restarts") is not invariant under the permutation and must not be
  checked with symmetry on.
* **eventually** properties: *not* supported.  Weak fairness is per action instance
  (``KubeletStartContainer('a')`` and ``KubeletStartContainer('b')`` are different
  actions); a cycle of the quotient graph may permute containers, so the fair cycles of
  the quotient are not the fair cycles of the model.  The explorer refuses liveness on a
  symmetry-reduced graph.
* **counterexamples** are found on representatives; `Symmetry.decanonicalize`
  replays them from the real initial state, renaming each action's container through
  the permutation that relates the representative to the real state, so a printed path
  is always a real, replayable path of the model.
* init containers (regular or sidecar) are never interchangeable: their order matters.

>>> from podmodel.model.config import PodConfig, ContainerSpec
>>> from podmodel.model import Model
>>> m = Model(PodConfig(containers=(ContainerSpec("web"), ContainerSpec("worker"), ContainerSpec("db", probes=("readiness",)))))
>>> Symmetry.of(m).groups
((0, 1),)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from podmodel.model.actions import Action
from podmodel.model.product import Model, PodState


def interchangeable_groups(model: Model) -> tuple[tuple[int, ...], ...]:
    """Indices (in ``config.all_containers`` order) of interchangeable app containers.

    Only groups of two or more are returned, in the order of their first member.

    >>> from podmodel.model.config import PodConfig, ContainerSpec
    >>> interchangeable_groups(Model(PodConfig(containers=(ContainerSpec("a"), ContainerSpec("b")))))
    ((0, 1),)
    """
    by_spec: dict[object, list[int]] = {}
    for i in model.app_indices:
        by_spec.setdefault(replace(model.specs[i], name=""), []).append(i)
    return tuple(tuple(g) for g in by_spec.values() if len(g) > 1)


@dataclass(frozen=True)
class Symmetry:
    """The symmetry of one model: groups of interchangeable container positions."""

    model: Model
    groups: tuple[tuple[int, ...], ...]

    @classmethod
    def of(cls, model: Model) -> Symmetry:
        """The symmetry ``model``'s configuration has (possibly none)."""
        return cls(model, interchangeable_groups(model))

    def __bool__(self) -> bool:
        return bool(self.groups)

    def canonical(self, state: PodState) -> PodState:
        """The orbit representative: each group's container states sorted.

        >>> from podmodel.model.config import PodConfig, ContainerSpec
        >>> from podmodel.model import ContainerState
        >>> m = Model(PodConfig(containers=(ContainerSpec("a"), ContainerSpec("b"))))
        >>> s = m.initial_states()[0]
        >>> s = s._replace(containers=(ContainerState("Running"), ContainerState("Waiting")))
        >>> [c.machine for c in Symmetry.of(m).canonical(s).containers]
        ['Running', 'Waiting']
        """
        if not self.groups:
            return state
        cs = list(state.containers)
        changed = False
        for g in self.groups:
            vals = [cs[i] for i in g]
            ordered = sorted(vals, key=_key)
            if ordered != vals:
                changed = True
                for i, v in zip(g, ordered):
                    cs[i] = v
        return state._replace(containers=tuple(cs)) if changed else state

    def permutation(self, state: PodState) -> tuple[int, ...]:
        """``p`` with ``canonical(state).containers[k] == state.containers[p[k]]`` (stable)."""
        p = list(range(len(state.containers)))
        for g in self.groups:
            order = sorted(g, key=lambda i: (_key(state.containers[i]), i))
            for k, i in zip(g, order):
                p[k] = i
        return tuple(p)

    def rename(self, action: Action, perm: Sequence[int]) -> Action:
        """``action`` taken on a representative, as taken on the real state ``perm`` relates it to."""
        name = getattr(action, "container", None)
        if name is None:
            return action
        k = self.model.index[name]
        return replace(action, container=self.model.specs[perm[k]].name)

    def decanonicalize(self, actions: Iterable[Action], start: PodState | None = None) -> tuple[list[Action], list[PodState]]:
        """Replay a path found on representatives from the real initial state.

        ``actions`` were taken on representatives (each on the canonical form of the
        state reached so far).  Returns the renamed actions and the real states visited;
        every state returned has the representative the explorer stored.
        """
        m = self.model
        s = start if start is not None else m.initial_states()[0]
        states, out = [s], []
        for a in actions:
            real = self.rename(a, self.permutation(s))
            s = m.next_state(s, real)
            out.append(real)
            states.append(s)
        return out, states


def _key(cs) -> tuple:
    """A total order on container states (None sorts first)."""
    return tuple((v is not None, v) for v in cs)
