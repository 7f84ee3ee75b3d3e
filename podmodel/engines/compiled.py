"""The compiled engine: the same exploration, on integer-packed states and successor tables.

Nothing here knows a Kubernetes rule.  Every successor is computed by the readable model
(`Model.actions` / `Model.next_state`); what this module adds is *reuse* of each such
computation across many states, by factoring two parameters out of the state:

``restartCount``
    The model only ever keeps a container's count or raises it by one, saturating at
    ``Bounds.max_restarts`` (`Model._container_step`), and nothing else in the model
    reads it: no guard, no kubelet rule, no derived field.  So the successors of a state
    with counts ``r`` are those of the same state with all counts 0, with the counts
    ``min(r + inc, max_restarts)`` where ``inc`` is what the model added.  This is an
    assumption about the model's code, stated here and checked by the tests (the compiled
    and readable engines give identical state lists and edge lists on every bundled
    scenario); `unsupported` refuses models with custom guards, which could read it.

``lastState`` exit code
    Read by the kubelet's rules only in some states (a crash-looping container under
    OnFailure, a failed init container...).  The model is run on a *tainted* state: each
    present code replaced by a placeholder that raises `_Read` on any inspection
    (comparison, arithmetic, truth value, printing).  If the model computes a successor
    without inspecting one, the result holds for every value, and the successor's codes
    are the source's codes copied or constants the model wrote; this is exact, not
    assumed.  If it inspects one (ending a crash-loop back-off on deletion shows the last
    exit code, say), that successor is computed again with just the codes it read made
    concrete, once per value of those codes.  If it inspects one to decide which actions
    are enabled, the whole core state is computed per combination of the codes it was seen
    reading (learned one ``_Read`` at a time; the others stay placeholders).  One blind
    spot, by construction: a placeholder is hashable (states holding it key the model's
    caches), so a model that looked a code up in a set or dict of ints would get "absent"
    without a `_Read`; the model does not, and the tests compare both engines.  The catalogue's
    properties run on placeholders the same way; any other property's predicates run on
    concrete states only (`_untrusted`: a user's predicate may hash what it reads).

Two more reuses, both exact in the same way or resting on a stated symmetry:

* whether an action is enabled, and which declared transition it fires, is asked with the
  containers it does not name hidden (`Enabled`); the answer is kept for every state that
  agrees on the rest, and the successor is computed from that transition (`Model.take`);
* interchangeable containers (`podmodel.engines.symmetry`: app containers equal but for the
  name): the row of a core state that is a permutation of another is the permuted row.
  This rests on the model treating such containers alike, the assumption symmetry
  reduction makes; the tests check both against the readable engine.

A full state is then ``(core, counts, codes)``, packed in one int64:
``core * RL + rcode * LB + lcode`` (mixed radix: ``max_restarts + 1`` per container for
the counts, ``len(alphabet) + 1`` for the codes, 0 meaning "none").  Each core state is
compiled once into a row of successor tables (target core, increment mask, code
operation, action), and the breadth-first search runs one layer at a time on NumPy
arrays: expand by table lookup, apply counts and codes by integer arithmetic, deduplicate
against the visited codes (`podmodel.engines.visited`: a sorted array, or a hash table whose
loop numba compiles once a run is large and numba is installed).  States are numbered exactly as the readable
engine numbers them (first discovery in frontier order, actions in the model's order), so
counterexamples and witnesses are identical.

Properties are checked during the search, on the same reuse principle (`_Values`): a
property is run once on each core state (``always``, ``sometimes``, and the check and
trigger of ``eventually``) or table edge (``step``) with counts and codes tainted; if it
inspects none, that one value holds for every state or transition of the class; a chunk of
the search is sorted out by one gather of a byte per class (`_Checks._attention`: the class
is new, or some open property is not plainly satisfied on it), and only those elements reach
the properties that need them.  Each count or code it inspects is made
concrete for that class and it is run again, once per value of what it read; once the
search has found `SETTLE_FROM` states, a class keyed so is run on every value its states can
have there (`_Values.settle`), and where all give one value it takes that value, its
elements then needing no key.  A property
declared `Property.symmetric` is run on each orbit's representative only (`_Canon`): a class
that is a permutation of interchangeable containers away from it takes its value, and what
it reads of counts and codes is looked up with them permuted.  A ``step`` property is
first run on a table edge's *hidden transition* (`_Same`: the containers the edge leaves
unchanged hidden in both states), shared by every edge that changes the same thing; where
it looks at a hidden container, again with their machine states shown (`_MachineOnly`), and
only where it looks further is it run on the edge itself.  A state property is first run
likewise on the state with its containers hidden but for their machine states, shared by
every core state with the same pod's fields and machine states.  The
``eventually`` properties are then decided on the edge arrays with SciPy's sparse graph
routines (`podmodel.engines.compiled_liveness`).  A second process compiles half of each
large layer (`PARALLEL_MIN` new cores or more).

It runs breadth-first only, without symmetry reduction, and on `Model` itself with the
standard guards (`unsupported` says why not otherwise); `podmodel.engines.explore`
falls back to the readable loop in those cases.

>>> from podmodel.engines import explore
>>> from podmodel.verifier.scenarios import load_scenario, SCENARIO_DIR
>>> model = load_scenario(SCENARIO_DIR / "two-init-two-app.yaml").model()
>>> fast, slow = explore(model, engine="compiled"), explore(model, engine="readable")
>>> (fast.states, fast.transitions, fast.depth) == (slow.states, slow.transitions, slow.depth)
True
>>> [fast.state(i) for i in (0, 100, 2000)] == [slow.state(i) for i in (0, 100, 2000)]
True
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import struct
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from podmodel.engines import visited as _visited
from podmodel.engines.exploration import ExploreResult, finish
from podmodel.engines.results import Progress, intern
from podmodel.engines.symmetry import Symmetry
from podmodel.model.actions import Action
from podmodel.model.collector import fewer_collections
from podmodel.model.product import GUARDS, ContainerState, Model, PodState
from podmodel.model.properties import CATALOGUE, Property

#: Transitions expanded at once (bounds the temporary arrays of one step of the search).
CHUNK = 1 << 18
#: Largest lookup table (entries) for counts and codes arithmetic; beyond it, compute.
TABLE_LIMIT = 1 << 24
#: Largest packed radix per core (codes * counts); beyond it int64 packing would overflow.
MAX_RADIX = 1 << 40


class _Read(BaseException):
    """A tainted value was inspected.  BaseException: a model's ``except Exception`` must not hide it.

    ``pos`` is the container whose lastState code was read, when known; ``rc_pos`` the
    container whose restart count was read.
    """

    def __init__(self, what: str, pos: int | None = None, rc_pos: int | None = None):
        super().__init__(what)
        self.pos = pos
        self.rc_pos = rc_pos


class _Opaque:
    """A placeholder for an unknown value; inspecting it raises `_Read`.

    Hashable (so states holding it can key the model's caches) and equal only to itself.
    """

    __slots__ = ("tag", "pos")

    def __init__(self, tag: str, pos: int):
        self.tag, self.pos = tag, pos

    # by identity, in C: hashing a state hashes each placeholder in it, millions of times a run
    # (one object per tag in each process, `_opaque`)
    __hash__ = object.__hash__

    def __reduce__(self):
        return (_opaque, (self.tag,))

    def __eq__(self, other: object) -> bool:
        if other is self:
            return True
        raise _Read(self.tag, self.code_pos, self.rc_pos)

    def __ne__(self, other: object) -> bool:
        if other is self:
            return False
        raise _Read(self.tag, self.code_pos, self.rc_pos)

    def _read(self, *args: Any) -> Any:
        raise _Read(self.tag, self.code_pos, self.rc_pos)

    @property
    def code_pos(self) -> int | None:
        """The container whose lastState code this stands for (None for restart counts)."""
        return self.pos if self.tag.startswith("last[") else None

    @property
    def rc_pos(self) -> int | None:
        """The container whose restart count this stands for (None for codes)."""
        return None if self.tag.startswith("last[") else self.pos

    def _order(self, other: object, op: str) -> bool:
        """Orderings that hold whatever the value: a placeholder against itself, and a
        raised count ``min(r + 1, max_restarts)`` against the count ``r`` it was raised
        from (never smaller; larger unless saturated, which needs the value)."""
        if other is self:
            return op in ("le", "ge")
        if type(other) is _Opaque and other.pos == self.pos and {self.tag.split("[")[0], other.tag.split("[")[0]} == {"restarts", "restarts+1"}:
            raised = self.tag.startswith("restarts+1")
            if op == ("ge" if raised else "le"):
                return True
            if op == ("lt" if raised else "gt"):
                return False
        raise _Read(self.tag, self.code_pos, self.rc_pos)

    def __lt__(self, other: object) -> bool:
        return self._order(other, "lt")

    def __le__(self, other: object) -> bool:
        return self._order(other, "le")

    def __gt__(self, other: object) -> bool:
        return self._order(other, "gt")

    def __ge__(self, other: object) -> bool:
        return self._order(other, "ge")

    __bool__ = __index__ = __int__ = __float__ = _read
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __neg__ = __abs__ = _read
    __str__ = __repr__ = __format__ = __iter__ = __len__ = __contains__ = __getitem__ = _read


_LAST = [_Opaque(f"last[{j}]", j) for j in range(64)]
_RC = [_Opaque(f"restarts[{j}]", j) for j in range(64)]
_INC = [_Opaque(f"restarts+1[{j}]", j) for j in range(64)]

_BY_TAG = {o.tag: o for o in (*_LAST, *_RC, *_INC)}


def _opaque(tag: str) -> _Opaque:
    """Unpickle to the same placeholder object (identity matters)."""
    return _BY_TAG[tag]


_new = tuple.__new__


def _with_containers(s: PodState, containers: tuple) -> PodState:
    """``s._replace(containers=containers)`` without namedtuple's generic path (hot)."""
    return _new(PodState, (*s[:8], containers, *s[9:]))


#: Action ids are packed below this bound in keys of resolved edges.
_A_MAX = 1 << 16

# code operation kinds, per container: none / constant / copy from container k
_NONE, _CONST, _COPY = 0, 1, 2


def unsupported(model: Model, *, frontier: str = "bfs", symmetry: bool = False) -> str | None:
    """Why the compiled engine cannot explore ``model`` this way (None when it can).

    >>> from podmodel.model.config import PodConfig, ContainerSpec
    >>> m = Model(PodConfig(containers=(ContainerSpec("app"),)))
    >>> unsupported(m) is None, unsupported(m, frontier="dfs")
    (True, 'it searches breadth-first only')
    """
    if frontier != "bfs":
        return "it searches breadth-first only"
    if symmetry:
        return "it does not do symmetry reduction"
    if type(model) is not Model:
        return f"it runs podmodel.model.Model only, not {type(model).__name__}"
    if any(model.guards.get(k) is not g for k, g in GUARDS.items()) or set(model.guards) != set(GUARDS):
        return "the model has custom guards (they might read restart counts)"
    if getattr(model, "derived", None):
        return "the model has derived-field hooks"
    n = len(model.specs)
    if n > len(_LAST):
        return f"too many containers ({n})"
    alphabet = _alphabet(model)
    if (model.bounds.max_restarts + 1) ** n * (len(alphabet) + 1) ** n > MAX_RADIX:
        return f"{n} containers do not fit the 64-bit packing"
    return None


def _alphabet(model: Model, extra: Sequence[int] = ()) -> tuple[int, ...]:
    """Exit codes a lastState may hold: every code containers may exit with, the kills'
    137 and the sandbox's 255, plus any the model is later seen writing (``extra``)."""
    codes = {137, 255, *extra}
    for spec in model.specs:
        codes.update(model.exit_codes(spec))
    return tuple(sorted(codes))


class TimeUp(Exception):
    """The exploration's time limit passed in the middle of a long phase."""


class _NewCode(Exception):
    """The model wrote a lastState code outside the alphabet: restart with it added."""

    def __init__(self, code: int):
        self.code = code


# ------------------------------------------------------------------------ compiling
class _Hidden:
    """A whole container hidden from the model: any look at it raises `_Read`."""

    __slots__ = ("pos",)

    def __init__(self, pos: int):
        self.pos = pos

    __hash__ = object.__hash__  # by identity (one object per position in each process, `_hidden`)

    def __eq__(self, other: object) -> bool:
        if other is self:
            return True
        raise _Read(f"container {self.pos}")

    def __getattr__(self, name: str) -> Any:
        raise _Read(f"container {self.pos}")

    def __reduce__(self):
        return (_hidden, (self.pos,))

    def _read(self, *args: Any) -> Any:
        raise _Read(f"container {self.pos}")

    __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __bool__ = __iter__ = __len__ = __getitem__ = _read


_HIDDEN = [_Hidden(j) for j in range(64)]


def _hidden(pos: int) -> _Hidden:
    return _HIDDEN[pos]


class _Same(_Hidden):
    """A container a transition leaves unchanged, hidden from a step predicate: the same
    object in the state and its successor, so an identity test (``old is new``) sees that
    nothing changed there, and any other look at it raises `_Read`, hashing included
    (`_Checks`: a predicate that decides without looking holds for every transition that
    agrees on the rest)."""

    __slots__ = ()

    def __hash__(self) -> int:
        raise _Read(f"container {self.pos}")

    def __reduce__(self):
        return (_same, (self.pos,))


_SAME = [_Same(j) for j in range(64)]


def _same(pos: int) -> _Same:
    return _SAME[pos]


class _MachineOnly(_Same):
    """A container hidden but for its machine state: ``machine`` (or field 0) reads as the
    container's, any other look raises `_Read`, as `_Same`'s (hashing included).  In a transition
    (`_Checks._hidden_ids` with ``machines``, the hidden transition's second form) it
    stands for a container the transition leaves unchanged, the same object before and
    after; in a state (`_Checks._head_ids`), for each container.  A predicate that looks at
    those containers only to see which state they are in (``deletion-shows-last-exit`` asks
    each whether it waits in CrashLoopBackOff, ``init-one-at-a-time`` which runs) then
    decides once for every transition or state that agrees on the rest and on those states."""

    __slots__ = ("machine",)

    def __init__(self, pos: int, machine: str):
        super().__init__(pos)
        self.machine = machine

    def __reduce__(self):
        return (_MachineOnly, (self.pos, self.machine))

    def __getitem__(self, i: Any) -> str:
        """Field 0 of `ContainerState`, the machine state, by position (`Model._fire` reads it
        so to find the transitions out of it); any other field raises `_Read`."""
        if type(i) is int and i == 0:
            return self.machine
        raise _Read(f"container {self.pos}")


class Enabled:
    """`Model.actions` with memoised enabledness.

    Whether an action is enabled is first asked of the state with every container hidden
    but the one the action names; if the model decides without looking at the others,
    the answer is kept for every state that agrees on the pod's fields and that container.
    Otherwise the state itself is asked.  Exact, like the code placeholders.

    The answers are kept per part of a state (the pod's fields, numbered once per state,
    and one container, or none for the pod's own actions) as two bit masks over
    `Model.candidate_actions`: enabled, and undecided without the other containers; and, for
    each enabled one, the transition it fires (`Model._transition`, decided there too: the
    same guards, asked in the same order, see the same values).  A state's actions are then
    one lookup per part, and the model is asked only about the undecided ones.  `steps`
    gives the transitions with the actions, for `Model.take` (speed only: `next_state`
    would ask the guards again).
    """

    def __init__(self, model: Model):
        self.model = model
        self.owner = [model.index.get(getattr(a, "container", None), -1) for a in model.candidate_actions]
        self.owned = {j: [k for k, i in enumerate(self.owner) if i == j] for j in range(-1, len(model.specs))}
        self.heads: dict[tuple, int] = {}
        self.parts: dict[tuple, tuple[int, int, dict[int, tuple]]] = {}

    def actions(self, s: PodState) -> list[Action]:
        """`Model.actions` of ``s``, in its order."""
        return [a for a, _ in self.steps(s)]

    def steps(self, s: PodState) -> list[tuple[Action, tuple]]:
        """The enabled actions of ``s``, in `Model.candidate_actions` order, each with the
        transition it fires there (`Model._transition`'s answer)."""
        if s.deletion == "Removed":
            return []
        heads = self.heads
        head = (s[:8], s.gates, s.conditions)
        h = heads.get(head)
        if h is None:
            h = heads[head] = len(heads)
        parts = self.parts
        cont = s.containers
        ok = unknown = 0
        found_by = []   # each part's transitions, at its container's position plus one
        for j in range(-1, len(cont)):
            key = (h, j, cont[j]) if j >= 0 else h
            part = parts.get(key)
            if part is None:
                part = parts[key] = self._part(s, j)
            ok |= part[0]
            unknown |= part[1]
            found_by.append(part[2])
        cand, m, owner = self.model.candidate_actions, self.model, self.owner
        out = []
        bits = ok | unknown
        while bits:
            low = bits & -bits
            bits ^= low
            k = low.bit_length() - 1
            if unknown & low:
                found = m._transition(s, cand[k])
                if found is None:
                    continue
            else:
                found = found_by[owner[k] + 1][k]
            out.append((cand[k], found))
        return out

    def _part(self, s: PodState, j: int) -> tuple[int, int, dict[int, tuple]]:
        """(enabled, undecided) masks of the actions of container ``j`` (-1: the pod's), and
        the transition each enabled one fires, by its position in the candidates."""
        m, cand = self.model, self.model.candidate_actions
        hidden = s._replace(containers=tuple(cs if i == j else _HIDDEN[i] for i, cs in enumerate(s.containers)))
        ok = unknown = 0
        found_at = {}
        for k in self.owned[j]:
            try:
                found = m._transition(hidden, cand[k])   # (`Model.enabled`: this is not None; not Removed)
                if found is not None:
                    ok |= 1 << k
                    found_at[k] = found
            except _Read:
                unknown |= 1 << k
        return ok, unknown, found_at


def _successors(enabled: Enabled, core: PodState) -> list[tuple[Action, PodState | int | None]] | None:
    """The model's successors of a tainted core state: ``(action, next state)`` pairs; in
    place of the state, the position of the code the model inspected to compute it (or
    None if unknown).  None if it inspected one to decide which actions are enabled."""
    model = enabled.model
    try:
        steps = enabled.steps(core)
    except _Read:
        return None
    out: list[tuple[Action, PodState | int | None]] = []
    for a, found in steps:
        try:
            out.append((a, model.take(core, a, found)))
        except _Read as e:
            out.append((a, e.pos))
    return out


#: Compile in a second process only when a layer brings at least this many new cores.
PARALLEL_MIN = 4096
_worker_enabled: Enabled | None = None  # set once in each worker process by _worker_init


class _LazyPool:
    """One worker process, forked the first time a layer is worth sharing."""

    def __init__(self, model: Model):
        self.model = model
        self.pool = None

    def get(self):
        if self.pool is None:
            self.pool = multiprocessing.get_context("fork").Pool(1, _worker_init, (self.model,))
        return self.pool

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool = None


def _worker_init(model: Model) -> None:
    global _worker_enabled
    _worker_enabled = Enabled(model)


def _worker_successors(cores: list[PodState]) -> list[list[tuple[Action, PodState]] | None]:
    return [_successors(_worker_enabled, c) for c in cores]


def _order_key(cs) -> tuple:
    """Order of container states in a core, without reading lastState placeholders."""
    machine, code, reason, last, _ = cs
    return (machine, code is not None, code or 0, reason or "", last is not None)


def _relabel(cs, k: int):
    """A core's container state moved to position ``k`` (its placeholder renamed)."""
    last = cs[3]
    return cs if last is None or last is _LAST[k] else _new(ContainerState, (cs[0], cs[1], cs[2], _LAST[k], cs[4]))


# ------------------------------------------------------------------------ tables
class Tables:
    """Successor tables for one model, compiled lazily, one core state at a time."""

    def __init__(self, model: Model, alphabet: tuple[int, ...]):
        self.model = model
        self.n = n = len(model.specs)
        self.M = M = model.bounds.max_restarts
        self.alphabet = alphabet
        self.code_digit = {c: k + 1 for k, c in enumerate(alphabet)}
        self.B = B = len(alphabet) + 1
        self.P = np.array([(M + 1) ** j for j in range(n)], dtype=np.int64)
        self.PL = np.array([B ** j for j in range(n)], dtype=np.int64)
        self.R = (M + 1) ** n
        self.LB = B ** n
        self.RL = self.R * self.LB
        self.cores: list[PodState] = []
        self.core_ids: dict[PodState, int] = {}
        self.row_of_core: list[int] = []          # -1 not compiled, -2 conditional, else row
        self._roc = _Column(np.int64)             # it as an array (`_roc_array`), extended and mended
        self._roc_dirty: list[int] = []           # ... at the cores whose row was written since
        self.virtual: dict[tuple[int, int], int] = {}   # (conditional core, codes) -> row
        self._cond_rows: dict[tuple, int] = {}          # (conditional core, codes it reads) -> row
        self._cond_reads: dict[int, set[int]] = {}      # conditional core -> positions of the codes it reads
        self.actions: list[Action] = []
        self.action_ids: dict[Action, int] = {}
        self.ops: list[tuple[tuple[int, int], ...]] = []
        self.op_ids: dict[tuple[tuple[int, int], ...], int] = {}
        # rows and edges, as growing Python lists; `arrays()` freezes them into NumPy
        self.off: list[int] = []
        self.deg: list[int] = []
        self.e_dst: list[int] = []
        self.e_inc: list[int] = []
        self.e_op: list[int] = []
        self.e_act: list[int] = []
        self.e_src: list[int] = []                # the core each table edge leaves
        self.e_rep: list[int] = []                # its counterpart in the representative's row (itself if computed)
        self.r_edges: list[tuple[int, tuple[int, int, int, int]]] = []   # resolved edges: (core, edge)
        self.r_ids: dict[tuple, int] = {}
        self.r_rep: list[int] = []                # the representative's resolved edge (`resolve_shared`)
        self.r_src: list[int] = []                # the core each resolved edge leaves
        self.deadline: float | None = None        # time.monotonic() past which work stops (`TimeUp`)
        self._frozen: tuple | None = None
        self.model_calls = 0
        self.pool = None
        self.jit = None                           # `podmodel.engines.compiled_jit` once the visited set uses it
        self.enabled = Enabled(model)
        self.sym = Symmetry.of(model)
        self.candidate_index = {a: k for k, a in enumerate(model.candidate_actions)}
        self._perm_cache: dict[tuple, Any] = {}
        self._signatures: dict[int, tuple[int, tuple[int, ...]]] = {}   # `_signature`'s memo
        self._by_signature: dict[bytes, int] = {}    # (pod fields, container states) numbers, `_sig_key`'d -> core
        # a signature as a dictionary key: its numbers as native 32-bit ints, the bytes of a row
        # of `_sig_room`'s arrays (`_permuted_cores` reads its keys off them at once; speed only)
        self._sig_key = struct.Struct(f"={n + 1}i").pack
        self._sig_heads: list[tuple] = []
        self._sig_head_ids: dict[tuple, int] = {}
        self._cstates: list[ContainerState] = []               # container states of cores, numbered
        self._cstate_ids: dict[ContainerState, int] = {}
        self._relabelled: dict[int, int] = {}                  # (container state << 6 | position) -> `_relabel`'s
        self._sig_np: tuple[np.ndarray, np.ndarray] | None = None   # `_signature_arrays`: per core, -1 unknown
        self._rel_np: np.ndarray | None = None                 # `_relabel_table`: [state, position], -1 unknown
        self._ranks: np.ndarray | None = None                  # `_order_ranks`: per container state number
        self._back: dict[tuple, tuple] = {}       # `resolve_shared`'s memo per permutation: inverse, actions, digit weights
        self._canon: dict[int, tuple[int, tuple[int, ...]]] = {}
        self._order_keys: dict[ContainerState, tuple] = {}   # `_order_key`'s memo
        self._identity = list(range(n))
        self._mirrors: dict[str, _Column] = {}
        self.core_rep: list[int] = []             # `canonical`, per core, filled by `canon_arrays`
        self.core_perm: list[int] = []            # ... and the number of its permutation in `perms`
        self.perms: list[tuple[int, ...]] = [tuple(range(n))]
        self.perm_ids: dict[tuple[int, ...], int] = {self.perms[0]: 0}
        self._candidate_order: list[int] = []
        self._ptargets: dict[tuple, PodState] = {}
        self._tainted_targets: dict[tuple[int, int, int], PodState] = {}
        self._edges: dict[PodState, tuple[int, int, int]] = {}   # `_edge`'s memo, by successor pattern
        self._cs_patterns: list[dict] = [{} for _ in range(n)]   # `_pattern`'s memo: per position, container state -> part
        self._cand_aid: dict[int, int] = {}       # id() of a candidate action -> action id
        self._resolved: dict[tuple[int, int, int], tuple[int, int, int, int]] = {}
        self._partial: dict[tuple, tuple[int, int, int, int]] = {}
        self._resolved_index: _visited.Visited | None = None   # `resolve_many`'s keys -> rows of _resolved_vals
        self._resolved_vals = _Column(np.int64)                # (target core, increment mask, code op, resolved id) each
        self._pairs: dict[int, tuple[int, int, int, int]] = {}   # (permuted core, representative's resolved id) -> row
        self._shared_perms: list[tuple[int, ...]] = []          # `_shared_keys`' permutations, numbered
        self._shared_perm_ids: dict[tuple[int, ...], int] = {}
        self._reads: dict[tuple[int, int], set[int]] = {}
        self._inc_table: np.ndarray | None = None
        self._op_table: np.ndarray | None = None
        self._split: tuple[np.ndarray, np.ndarray] | None = None
        self._views: dict[Any, PodState] = {}
        self.everywhere = frozenset(range(n))
        self._cs: dict[tuple, Any] = {}

    # -- packing -----------------------------------------------------------------
    def core_of(self, s: PodState) -> tuple[PodState, int, int]:
        """``(core state, rcode, lcode)`` of a concrete state."""
        cs_out, r, l = [], 0, 0
        for j, cs in enumerate(s.containers):
            if cs.restart_count:
                r += cs.restart_count * int(self.P[j])
            if cs.last_exit_code is not None:
                d = self.code_digit.get(cs.last_exit_code)
                if d is None:
                    raise _NewCode(cs.last_exit_code)
                l += d * int(self.PL[j])
                cs = cs._replace(last_exit_code=_LAST[j], restart_count=0)
            elif cs.restart_count:
                cs = cs._replace(restart_count=0)
            cs_out.append(cs)
        return s._replace(containers=tuple(cs_out)), r, l

    def intern(self, core: PodState) -> int:
        """The number of core state ``core`` (first-seen order), adding it (not compiled) if new.
        (``setdefault``: a new core is hashed once, not twice; speed only.)"""
        top = len(self.cores)
        c = self.core_ids.setdefault(core, top)
        if c == top:
            self.cores.append(core)
            self.row_of_core.append(-1)
        return c

    def encode(self, s: PodState) -> int:
        core, r, l = self.core_of(s)
        c = self.core_ids.get(core)
        if c is None:
            return -1
        return c * self.RL + r * self.LB + l

    def digits(self, code: int, base: int) -> list[int]:
        return [(code // base ** j) % base for j in range(self.n)]

    def decode(self, code: int) -> PodState:
        c, rest = divmod(int(code), self.RL)
        r, l = divmod(rest, self.LB)
        return self.view(c, r, l)

    def view(self, c: int, r: int | None, l: int | None) -> PodState:
        """Core ``c`` with counts ``r`` and codes ``l``; None leaves them tainted."""
        return self.partial_view(c, r or 0, l or 0, self.everywhere if r is not None else (),
                                 self.everywhere if l is not None else (), cache=r is None or l is None)

    def read_key(self, r: int, l: int, rc_pos, l_pos) -> tuple:
        """The counts of ``r`` at ``rc_pos`` and the codes of ``l`` at ``l_pos``."""
        base = self.M + 1
        return (tuple((j, (r // base ** j) % base) for j in sorted(rc_pos)),
                tuple((j, (l // self.B ** j) % self.B) for j in sorted(l_pos)))

    def partial_view(self, c: int, r: int, l: int, rc_pos, l_pos, cache: bool = True) -> PodState:
        """Core ``c`` with the counts of ``r`` at ``rc_pos`` and the codes of ``l`` at
        ``l_pos`` made concrete, placeholders elsewhere.  Cached unless ``cache`` is False
        (fully concrete states: one per reached state)."""
        key = (c, *self.read_key(r, l, rc_pos, l_pos)) if rc_pos or l_pos else c
        if cache:
            hit = self._views.get(key)
            if hit is not None:
                return hit
        core = self.cores[c]
        base, B, alphabet, made = self.M + 1, self.B, self.alphabet, self._cs
        out = []
        for j, cs in enumerate(core.containers):
            rc = (r // base ** j) % base if j in rc_pos else _RC[j]
            last = cs.last_exit_code
            if last is not None and j in l_pos:
                last = alphabet[(l // B ** j) % B - 1]
            k = (cs, rc, last)
            new = made.get(k)
            if new is None:
                new = made[k] = _new(ContainerState, (cs[0], cs[1], cs[2], last, rc))
            out.append(new)
        s = _with_containers(core, tuple(out))
        if cache:
            self._views[key] = s
        return s

    def action_id(self, a: Action) -> int:
        return intern(self.actions, self.action_ids, a)

    @property
    def candidate_order(self) -> list[int]:
        """Action id -> its position in `Model.candidate_actions` (the model's order)."""
        order = self._candidate_order
        while len(order) < len(self.actions):
            order.append(self.candidate_index[self.actions[len(order)]])
        return order

    def op_id(self, op: tuple[tuple[int, int], ...]) -> int:
        return intern(self.ops, self.op_ids, op)

    # -- compiling ----------------------------------------------------------------
    def _edge(self, a: Action, t: PodState) -> tuple[int, int, int, int]:
        """(target core, increment mask, code op, action) of a successor pattern ``t``."""
        hit = self._edges.get(t)  # the model returns the same states again and again (its memo)
        if hit is None:
            hit = self._edges[t] = self._pattern(t)
        aid = self._cand_aid.get(id(a))
        if aid is None:
            aid = self.action_id(a)
            k = self.candidate_index.get(a)
            if k is not None and self.model.candidate_actions[k] is a:  # kept alive by the model: its id is stable
                self._cand_aid[id(a)] = aid
        return (*hit, aid)

    def _pattern(self, t: PodState) -> tuple[int, int, int]:
        """(target core, increment mask, code op) of a successor pattern ``t``: each container's
        part (`_container_pattern`) kept by position and container state, as most targets share
        most of their containers' states (speed only: the part is a function of them)."""
        inc, op, out = 0, [], []
        parts = self._cs_patterns
        for j, cs in enumerate(t[8]):
            part = parts[j].get(cs)
            if part is None:   # (one that raises is not kept: asked again, it raises again)
                part = parts[j][cs] = self._container_pattern(j, cs)
            inc |= part[0]
            op.append(part[1])
            out.append(part[2])
        if _Opaque in map(type, t[:-3]):   # (the loop below, asked first in C: speed only)
            for v in t[:-3]:
                if type(v) is _Opaque:
                    raise _Read("a lastState code flowed into a pod field", v.code_pos)
        return self.intern(_with_containers(t, tuple(out))), inc, self.op_id(tuple(op))

    def _container_pattern(self, j: int, cs: ContainerState) -> tuple[int, tuple[int, int], ContainerState]:
        """Container ``j``'s part of a successor pattern whose container state is ``cs``: its
        bit of the increment mask, its code operation, and its state in the target core
        (count 0, lastState the placeholder of position ``j``).  Raises `_Read` where a
        lastState code flowed elsewhere, `_NewCode` for a code outside the alphabet."""
        machine, code, reason, last, rc = cs
        bit = 1 << j if rc else 0
        for v in (code, reason, machine):
            if type(v) is _Opaque:
                raise _Read("a lastState code flowed into another field", v.code_pos)
        if last is None:
            op = (_NONE, 0)
            if rc:
                cs = _new(ContainerState, (machine, code, reason, None, 0))
        else:
            if type(last) is _Opaque:
                if last is not _LAST[last.pos]:
                    raise _Read("a restart-count placeholder flowed into lastState")
                op = (_COPY, last.pos)
            else:
                d = self.code_digit.get(last)
                if d is None:
                    raise _NewCode(last)
                op = (_CONST, d)
            if rc or last is not _LAST[j]:
                cs = _new(ContainerState, (machine, code, reason, _LAST[j], 0))
        return bit, op, cs

    def _add_row(self, c: int, edges: list[tuple[int, int, int, int]], reps: list[int] | None = None) -> int:
        row = len(self.off)
        self.off.append(len(self.e_dst))
        self.deg.append(len(edges))
        self.e_src.extend([c] * len(edges))
        self.e_rep.extend(reps if reps is not None else range(len(self.e_dst), len(self.e_dst) + len(edges)))
        for d, i, o, a in edges:
            self.e_dst.append(d)
            self.e_inc.append(i)
            self.e_op.append(o)
            self.e_act.append(a)
        return row

    def compile_core(self, c: int, raw: list[tuple[Action, PodState]] | None | bool = False) -> int:
        """Compile core ``c`` on its tainted state; -2 if the model inspects a code.

        ``raw`` is the model's answer for the core computed elsewhere (a worker process):
        its successors, or None when it read a code.
        """
        if raw is False:
            raw = _successors(self.enabled, self.cores[c])
        self.model_calls += 1
        self._roc_dirty.append(c)
        if raw is None:
            self.row_of_core[c] = -2
            return -2
        edges = []
        for a, t in raw:
            try:
                if not isinstance(t, PodState):
                    raise _Read("next_state", t)
                edges.append(self._edge(a, t))
            except _Read as e:  # this action's successor depends on the codes: resolved per state
                k = self.action_id(a)
                if e.pos is not None:
                    self._reads.setdefault((c, k), set()).add(e.pos)
                edges.append((-1, 0, 0, k))
        row = self.row_of_core[c] = self._add_row(c, edges)
        return row

    def resolve(self, c: int, a: int, l: int) -> tuple[int, int, int, int]:
        """The edge of action ``a`` out of core ``c`` with codes ``l`` (counts 0).

        The model is run with only the codes it was seen reading made concrete (learned
        per core and action, one ``_Read`` at a time), so the answer serves every ``l``
        that agrees on those.
        """
        key = (c, a, l)
        hit = self._resolved.get(key)
        if hit is not None:
            return hit
        act, core = self.actions[a], self.cores[c]
        read = self._reads.get((c, a))
        if read is None:
            read = self._reads[(c, a)] = set()
        while True:
            known = tuple((j, (l // self.B ** j) % self.B) for j in sorted(read))
            hit = self._partial.get((c, a, known))
            if hit is not None:
                break
            cs = list(core[8])
            for j, d in known:   # (`_replace`, positionally)
                if cs[j][3] is not None:
                    cs[j] = _new(ContainerState, (*cs[j][:3], self.alphabet[d - 1], cs[j][4]))
            try:
                self.model_calls += 1
                hit = self._edge(act, self.model.next_state(_with_containers(core, tuple(cs)), act))
            except _Read as e:
                if e.pos is None or e.pos in read:
                    raise AssertionError(f"unexpected read resolving {act!r}: {e}") from None
                read.add(e.pos)
                continue
            self._partial[(c, a, known)] = hit
            break
        self._resolved[key] = hit
        return hit

    def resolved_id(self, c: int, edge: tuple[int, int, int, int], rep: int | None = None) -> int:
        """A number for the resolved edge ``edge`` out of core ``c`` (step properties are
        evaluated once per such edge, as once per table edge); ``rep``: the number of its
        counterpart out of the representative core (itself if None)."""
        k = intern(self.r_edges, self.r_ids, (c, edge))
        if k == len(self.r_rep):
            self.r_rep.append(k if rep is None else rep)
            self.r_src.append(c)
        return k

    def resolve_shared(self, c: int, a: int, l: int) -> tuple[tuple[int, int, int, int], int]:
        """`resolve` and `resolved_id`; a core that is a permutation of its representative
        is resolved as the representative (codes and action permuted alike) and the edge
        permuted back, as `derive_row` does for whole rows."""
        rep, p = self.canonical(c)
        if rep == c:
            edge = self.resolve(c, a, l)
            return edge, self.resolved_id(c, edge)
        back = self._back.get(p)
        if back is None:
            inv = [0] * self.n
            for k, j in enumerate(p):
                inv[j] = k
            back = self._back[p] = (inv, {}, [(self.B ** p[k], self.B ** k) for k in range(self.n)])
        inv, acts, weights = back
        a2 = acts.get(a)
        if a2 is None:
            a2 = acts[a] = self.action_id(self.sym.rename(self.actions[a], inv))
        B, l2 = self.B, 0
        for w, w2 in weights:   # the codes seen from the representative: its k-th is this core's p[k]-th
            l2 += l // w % B * w2
        edge2, rid2 = self.resolve_shared(rep, a2, l2)
        return self._from_rep(c, p, a, edge2, rid2)

    def _from_rep(self, c: int, p: tuple[int, ...], a: int, edge2: tuple[int, int, int, int],
                  rid2: int) -> tuple[tuple[int, int, int, int], int]:
        """The resolved edge of action ``a`` out of core ``c``, and its number, from its
        representative's counterpart ``edge2`` (numbered ``rid2``), ``p`` relating the two
        (`canonical`): the edge permuted back (`permute_edge`)."""
        edge = self.permute_edge(edge2, p)
        if edge[3] != a:
            raise AssertionError(f"action {self.actions[a]!r} does not map back through the permutation")
        return edge, self.resolved_id(c, edge, rid2)

    def resolve_many(self, c: np.ndarray, a: np.ndarray, l: np.ndarray) -> tuple[np.ndarray, ...]:
        """`resolve_shared` for arrays: (target core, increment mask, code op, resolved edge id)
        of each element.

        The answers are numbered by their key (core, action, codes) in a `Visited` set (the
        search's own index), a hash table from the start: it is asked about far more keys than
        it holds (five-containers: 585 k asked, 24 k held), which its sorted form would sort
        each batch of (speed only: both number keys alike; 3% fewer instructions for the
        compile and resolve calls of five-containers, cachegrind); the keys it has not seen are
        answered by `_resolve_new`, in the order it numbers them, and appended."""
        key = (c * _A_MAX + a) * self.LB + l
        index = self._resolved_index
        if index is None:
            index = self._resolved_index = _visited.Visited(np.zeros(0, np.int64), hash_from=0,
                                                            jit_from=_visited.JIT_FROM)
        try:
            first, ids, _ = index.visit(key)
            if first.size:
                self._resolve_new(c[first], a[first], l[first])
        except BaseException:  # keys numbered without an answer: the indexes are dropped (caches)
            self._resolved_index, self._resolved_vals = None, _Column(np.int64)
            raise
        got = self._resolved_vals.array().reshape(-1, 4)[ids]
        return got[:, 0], got[:, 1], got[:, 2], got[:, 3]

    def _shared_keys(self, c: np.ndarray, a: np.ndarray, l: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each (core, action, codes): its representative's key, as `resolve_shared`
        recurses to it (-1 for a representative, or where the action's counterpart is not
        known yet), and the codes as the representative sees them."""
        cores, at = np.unique(c, return_inverse=True)
        perm_ids, perms = self._shared_perm_ids, self._shared_perms
        reps, pids = [], []
        for cc in cores.tolist():   # every core here was compiled: `canonical` is a memo hit
            r, p = self.canonical(cc)
            reps.append(r)
            pids.append(intern(perms, perm_ids, p) if p else -1)
        rep, pid = np.array(reps, dtype=np.int64)[at], np.array(pids, dtype=np.int64)[at]
        shared = pid >= 0
        a2 = np.full(c.size, -1, np.int64)
        l2 = l.copy()
        if shared.any():
            i = np.flatnonzero(shared)
            pi, ai = pid[i], a[i]
            pa, back = np.unique(pi * _A_MAX + ai, return_inverse=True)
            known = np.full(pa.size, -1, np.int64)
            for k, v in enumerate(pa.tolist()):   # the action's counterpart, as `resolve_shared` memoised it
                memo = self._back.get(perms[v // _A_MAX])
                hit = None if memo is None else memo[1].get(v % _A_MAX)
                if hit is not None:
                    known[k] = hit
            a2[i] = known[back]
            pw = self.PL[np.asarray(perms, dtype=np.int64)[pi]]   # B ** p[k], per element and k
            li = l[i]
            out = np.zeros(i.size, np.int64)
            for k in range(self.n):   # the representative's k-th code is this core's p[k]-th
                out += li // pw[:, k] % self.B * self.PL[k]
            l2[i] = out
        key2 = np.where(a2 >= 0, (rep * _A_MAX + a2) * self.LB + l2, -1)
        return key2, l2

    def _resolve_new(self, c: np.ndarray, a: np.ndarray, l: np.ndarray) -> None:
        """`resolve_many`'s new keys (just numbered by its index): their rows (target core,
        increment mask, code op, resolved id) appended to ``_resolved_vals``, then those of
        the representatives' keys that `resolve_shared` answered on the way.

        A key of a core that is a permutation of its representative is answered without
        `resolve_shared` when the representative's key it maps to (`_shared_keys`) has been
        answered (by the index, or earlier in this call) and so has the pair (core, the
        representative's resolved edge) (`_pairs`): the answer is a function of that pair
        (`permute_edge` and `resolved_id` are), and the call it skips would intern nothing.
        So the keys left to `resolve_shared`, in order, intern cores, actions, code
        operations and resolved edges in the same order as when every new key went through
        it (on six-containers' first 6 M states: 197 k calls instead of 562 k).  Where the
        representative's key was answered but the pair is new, only `resolve_shared`'s last
        step is taken (`_from_rep`): its recursion to the representative would find the
        answer in `resolve`'s memo and intern nothing (five-containers: 5,718 of its 8,412
        such calls)."""
        index, pairs, LB = self._resolved_index, self._pairs, self.LB
        vals = self._resolved_vals.array().reshape(-1, 4)
        key2, l2 = self._shared_keys(c, a, l)
        rid2 = np.full(c.size, -1, np.int64)
        look = np.flatnonzero(key2 >= 0)
        id2 = index.find(key2[look])
        ok = (id2 >= 0) & (id2 < len(vals))   # (a key numbered in this call has no row yet: looked up below)
        rid2[look[ok]] = vals[id2[ok], 3]
        rows: list[tuple[int, int, int, int]] = []
        answered: dict[int, int] = {}   # keys answered in this call -> resolved id
        new_keys, key_rows = [], []
        r_edges, r_rep = self.r_edges, self.r_rep
        for n, (cc, aa, ll, k2, r2) in enumerate(zip(c.tolist(), a.tolist(), l.tolist(), key2.tolist(),
                                                      rid2.tolist())):
            if r2 < 0 and k2 >= 0:
                r2 = answered.get(k2, -1)
            if r2 >= 0:
                row = pairs.get(cc << 32 | r2)
                if row is not None:   # known: nothing to intern
                    rows.append(row)
                    continue
            if n % 256 == 255:
                self.check_clock()
            if r2 >= 0:   # the representative's answer is known: `resolve_shared`'s last step only
                edge, rid = self._from_rep(cc, self.canonical(cc)[1], aa, r_edges[r2][1], r2)
            else:
                edge, rid = self.resolve_shared(cc, aa, ll)
            row = (*edge[:3], rid)
            rows.append(row)
            r2 = r_rep[rid]
            if r2 == rid:   # a representative's (or an unshared core's) own key
                answered[(cc * _A_MAX + aa) * LB + ll] = rid
                continue
            pairs[cc << 32 | r2] = row
            rep, edge2 = r_edges[r2]
            k2 = (rep * _A_MAX + edge2[3]) * LB + int(l2[n])
            if k2 not in answered:
                answered[k2] = r2
                new_keys.append(k2)
                key_rows.append((*edge2[:3], r2))
        self._resolved_vals.append(np.array(rows, dtype=np.int64).reshape(-1))
        if new_keys:   # the representatives' keys resolved on the way (those not numbered yet)
            first, _, _ = index.visit(np.array(new_keys, dtype=np.int64))
            self._resolved_vals.append(np.array(key_rows, dtype=np.int64)[first].reshape(-1))

    def edge_at(self, e: int, c: int, l: int) -> tuple[int, int, int, int]:
        """Table edge ``e`` out of core ``c`` with codes ``l``, resolved if conditional."""
        if self.e_dst[e] >= 0:
            return self.e_dst[e], self.e_inc[e], self.e_op[e], self.e_act[e]
        return self.resolve(c, self.e_act[e], l)

    def compile_many(self, cores: list[int]) -> None:
        """Compile several cores: those that are a permutation of interchangeable containers
        away from another core are derived from its row; the others are computed by the
        model, half of them in the worker process if there is one."""
        derived: list[tuple[int, int, tuple[int, ...]]] = []
        todo: dict[int, None] = {}  # ordered, and a set
        self.canonicals(cores)
        for c in cores:
            rep, perm = self.canonical(c)
            if rep == c:
                todo[c] = None
            else:
                derived.append((c, rep, perm))
                if self.row_of_core[rep] == -1:
                    todo[rep] = None
        todo = [c for c in todo if self.row_of_core[c] == -1]
        if self.pool is None or len(todo) < PARALLEL_MIN:
            for n, c in enumerate(todo):
                if n % 32 == 31:
                    self.check_clock()
                self.compile_core(c)
        else:
            self.check_clock()
            half = len(todo) // 2
            remote = self.pool.get().apply_async(_worker_successors, ([self.cores[c] for c in todo[half:]],))
            local = [_successors(self.enabled, self.cores[c]) for c in todo[:half]]
            for c, raw in zip(todo, local + remote.get()):
                self.compile_core(c, raw)
        self.derive_rows(derived)

    def check_clock(self) -> None:
        """Raise `TimeUp` past the deadline (long phases call this now and then)."""
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise TimeUp()

    # -- interchangeable containers ------------------------------------------------
    def canonical(self, c: int) -> tuple[int, tuple[int, ...]]:
        """The representative core of ``c`` (interchangeable containers sorted) and ``p``
        with ``rep.containers[k] == c.containers[p[k]]`` (`podmodel.engines.symmetry`)."""
        if not self.sym:
            return c, ()
        hit = self._canon.get(c)
        if hit is not None:
            return hit
        core = self.cores[c]
        cont, keys = core[8], self._order_keys
        p = list(range(self.n))
        for g in self.sym.groups:
            ks = []
            for i in g:
                k = keys.get(cont[i])
                if k is None:
                    k = keys[cont[i]] = _order_key(cont[i])
                ks.append((k, i))
            ks.sort()
            for k, (_, i) in zip(g, ks):
                p[k] = i
        if p == self._identity:
            hit = self._canon[c] = (c, ())
            return hit
        rep = _with_containers(core, tuple([_relabel(cont[p[k]], k) for k in range(self.n)]))
        hit = self._canon[c] = (self.intern(rep), tuple(p))
        return hit

    def canonicals(self, cores: Sequence[int]) -> None:
        """`canonical` of each core of ``cores`` not known yet, on arrays: the containers of each
        group of interchangeable ones ordered by the rank of their `_order_key` (`_order_ranks`;
        a stable sort, so equal keys keep their positions, as the pairs ``(key, position)``
        sorted do), and the representatives found or built by `_permuted_cores` in the order
        given -- the order `canonical` called core by core interns them.  Speed only."""
        if not self.sym:
            return
        canon, seen = self._canon, set()
        todo = [c for c in cores if c not in canon and not (c in seen or seen.add(c))]
        if not todo:
            return
        d = np.array(todo, np.int64)
        _, cids = self._signature_arrays(d)
        key = self._order_ranks()[cids]
        n = self.n
        p = np.tile(np.arange(n, dtype=np.int64), (d.size, 1))
        for g in self.sym.groups:
            gs = np.array(sorted(g), np.int64)
            p[:, list(g)] = gs[np.argsort(key[:, gs], axis=1, kind="stable")]
        move = np.flatnonzero((p != np.arange(n)).any(axis=1))
        q = np.empty_like(p)   # the inverse: the representative's container k is the core's p[k]
        np.put_along_axis(q, p, np.arange(n, dtype=np.int64)[None, :], axis=1)
        reps = self._permuted_cores(d[move], q[move])
        for c in d.tolist():
            canon[c] = (c, ())
        for c, rep, perm in zip(d[move].tolist(), reps, map(tuple, p[move].tolist())):
            canon[c] = (rep, perm)

    def _order_ranks(self) -> np.ndarray:
        """Per container state number (`_cstates`): the rank of its `_order_key` among all of
        theirs (equal keys, equal ranks), computed again when states were added."""
        have = self._ranks
        if have is None or len(have) != len(self._cstates):
            keys, memo = [], self._order_keys
            for cs in self._cstates:
                k = memo.get(cs)
                if k is None:
                    k = memo[cs] = _order_key(cs)
                keys.append(k)
            rank = {k: r for r, k in enumerate(sorted(set(keys)))}
            have = self._ranks = np.array([rank[k] for k in keys], np.int64)
        return have

    def canon_arrays(self, top: int) -> tuple[np.ndarray, np.ndarray]:
        """`canonical` of cores ``0..top-1`` as arrays: representative and permutation number
        (`perms`; 0 is the identity)."""
        reps, pids = self.core_rep, self.core_perm
        if len(reps) < top:
            self.canonicals(range(len(reps), top))
        while len(reps) < top:
            rep, p = self.canonical(len(reps))
            reps.append(rep)
            pids.append(intern(self.perms, self.perm_ids, p) if p else 0)
        return self.mirror("core_rep")[:top], self.mirror("core_perm")[:top]

    def mirror(self, name: str) -> np.ndarray:
        """The list attribute ``name`` (append-only) as a NumPy array, extended incrementally."""
        lst = getattr(self, name)
        col = self._mirrors.get(name)
        if col is None:
            col = self._mirrors[name] = _Column(np.int64)
        if col.n != len(lst):  # (a growable buffer: not the whole array copied at every extension)
            col.append(np.asarray(lst[col.n:], dtype=np.int64))
        return col.array()

    def to_rep(self, pid: np.ndarray, r: np.ndarray, l: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Counts and codes as seen from the representative: with ``p = perms[pid]``, the
        representative's container ``k`` is the state's container ``p[k]``."""
        pm = np.asarray(self.perms, dtype=np.int64)[pid]
        base = self.M + 1
        r2, l2 = np.zeros_like(r), np.zeros_like(l)
        for k in range(self.n):
            src = pm[:, k]
            r2 += (r // self.P[src]) % base * self.P[k]
            l2 += (l // self.PL[src]) % self.B * self.PL[k]
        return r2, l2

    def derive_row(self, c: int, rep: int, p: tuple[int, ...]) -> None:
        """Row of core ``c`` from its representative's: by the model's symmetry, the
        successors of a permuted state are the permuted successors."""
        row = self.row_of_core[rep]
        self._roc_dirty.append(c)
        if row == -2:
            self.row_of_core[c] = -2
            return
        edges = []
        acts, dsts, masks, ops = self._perm_maps(p)
        lo = self.off[row]
        hi = lo + self.deg[row]
        for d, i, o, a, er in zip(self.e_dst[lo:hi], self.e_inc[lo:hi], self.e_op[lo:hi], self.e_act[lo:hi],
                                  self.e_rep[lo:hi]):
            if d < 0:
                k = self.permute_edge((-1, 0, 0, a), p)[3]
                seen = self._reads.get((rep, a), ())
                self._reads.setdefault((c, k), set()).update(p[j] for j in seen)
                edges.append((-1, 0, 0, k, er))
                continue
            k, dd, inc, oo = acts.get(a), dsts.get(d), masks.get(i), ops.get(o)
            if k is None or dd is None or inc is None or oo is None:  # not all memoised yet
                dd, inc, oo, k = self.permute_edge((d, i, o, a), p)
            edges.append((dd, inc, oo, k, er))
        order = self.candidate_order
        edges.sort(key=lambda e: order[e[3]])
        # `_add_row`, with the representative's edges as the rows' `e_rep` (inlined: speed only)
        n = len(edges)
        self.row_of_core[c] = len(self.off)
        self.off.append(len(self.e_dst))
        self.deg.append(n)
        self.e_src.extend([c] * n)
        if n:
            dd, inc, oo, k, er = zip(*edges)
            self.e_dst.extend(dd)
            self.e_inc.extend(inc)
            self.e_op.extend(oo)
            self.e_act.extend(k)
            self.e_rep.extend(er)

    def derive_rows(self, derived: list[tuple[int, int, tuple[int, ...]]]) -> None:
        """`derive_row` for each ``(core, representative, permutation)`` of ``derived``, in that
        order, on arrays: the representatives' edges gathered at once, their restart masks
        permuted by arithmetic, their actions and code operations once per distinct
        (permutation, value) pair through `permute_edge`'s memos, their targets once per
        distinct pair by `_permuted_cores` (not kept in `permute_edge`'s target memo: filling
        it cost more than `resolve_shared`'s few lookups there save, cachegrind), and each
        row's edges sorted by one ``np.lexsort``.
        The distinct pairs are taken in the order the per-row loop meets them, so actions,
        code operations and cores are interned in the same order and the rows are the same
        as with one `derive_row` call per core (the tests compare whole runs).  Speed only:
        five-containers derives 16,696 rows (4.7 edges each on average) and six-containers
        far more; per row and per edge, `derive_row`'s loop and `_permuted_core` were
        Python calls, dictionary lookups and tuples (py-spy, session 11: about 5% of
        five-containers' checked run)."""
        if not derived:
            return
        self.check_clock()
        roc, dirty = self.row_of_core, self._roc_dirty
        live = []   # those whose representative has a row (the others are conditional too)
        for c, rep, p in derived:
            dirty.append(c)
            if roc[rep] == -2:
                roc[c] = -2
            else:
                live.append((c, rep, p))
        if not live:
            return
        plist: list[tuple[int, ...]] = []
        pids: dict[tuple[int, ...], int] = {}
        pid = np.array([intern(plist, pids, p) for _, _, p in live], np.int64)
        rows = [roc[rep] for _, rep, _ in live]
        lo = np.array([self.off[r] for r in rows], np.int64)
        dg = np.array([self.deg[r] for r in rows], np.int64)
        starts = np.cumsum(dg) - dg
        which = np.repeat(np.arange(len(live), dtype=np.int64), dg)   # each edge's derived row
        at = (np.repeat(lo - starts, dg) + np.arange(which.size, dtype=np.int64)).tolist()

        def gather(lst: list[int]) -> np.ndarray:
            return np.fromiter(map(lst.__getitem__, at), np.int64, len(at))

        d, i, o, a, er = (gather(x) for x in (self.e_dst, self.e_inc, self.e_op, self.e_act, self.e_rep))
        pe = pid[which]
        maps = [self._perm_maps(p) for p in plist]

        shared: dict[int, int] = {}   # the answers' own int objects, value -> object (see the end)

        def each_pair(key: np.ndarray, size: int, answer: Callable[[int, int], int]) -> np.ndarray:
            """``answer(permutation number, value)`` of each element's pair ``key`` (``pid *
            size + value``), asked once per distinct pair, in the order the elements come."""
            uniq, first, inv = np.unique(key, return_index=True, return_inverse=True)
            got = np.empty(uniq.size, np.int64)
            for n, x in enumerate(np.argsort(first, kind="stable").tolist()):
                if n % 256 == 255:
                    self.check_clock()
                y = answer(*divmod(int(uniq[x]), size))
                got[x] = shared.setdefault(y, y)
            return got[inv.reshape(-1)]

        def action(q: int, v: int) -> int:
            return self._permuted_action(v, plist[q], maps[q][0])

        def op(q: int, v: int) -> int:
            return self._permuted_op(v, plist[q], maps[q][3])

        k = each_pair(pe * len(self.actions) + a, len(self.actions), action)
        known = np.flatnonzero(d >= 0)   # the others are resolved per state: (-1, 0, 0, action)
        dd, inc, oo = np.full(d.size, -1, np.int64), np.zeros(d.size, np.int64), np.zeros(d.size, np.int64)
        at_got, got = np.full(d.size, -1, np.int64), []   # each edge's target among `_permuted_cores`' answers
        if known.size:
            pk = pe[known]
            oo[known] = each_pair(pk * len(self.ops) + o[known], len(self.ops), op)
            pm = np.array(plist, np.int64)[pk]
            tkey = pk * len(self.cores) + d[known]
            _, first, inv = np.unique(tkey, return_index=True, return_inverse=True)
            met = np.sort(first)   # each distinct (permutation, target) pair, in the order met
            got = self._permuted_cores(d[known][met], pm[met])
            at_got[known] = np.searchsorted(met, first)[inv.reshape(-1)]   # (per distinct key, in key order)
            dd[known] = np.array(got, np.int64)[at_got[known]]
            ik, mk = i[known], np.zeros(known.size, np.int64)
            for j in range(self.n):   # bit j of the mask moves to bit p[j]
                mk |= ((ik >> j) & 1) << pm[:, j]
            inc[known] = mk
        for x in np.flatnonzero(d < 0).tolist():   # the codes the representative's action read, moved
            c, rep, p = live[int(which[x])]
            seen = self._reads.get((rep, int(a[x])), ())
            self._reads.setdefault((c, int(k[x])), set()).update(p[j] for j in seen)
        order = np.lexsort((np.array(self.candidate_order, np.int64)[k], which))
        first_row, first_edge = len(self.off), len(self.e_dst)
        for n, (c, _, _) in enumerate(live):
            roc[c] = first_row + n
        self.off.extend((starts + first_edge).tolist())
        self.deg.extend(dg.tolist())
        # the lists hold the int objects the per-row loop would (from the memos, the
        # representative's row, one per row for the source): no new object per edge
        # (memory: 6 bytes per state more on five-containers without this)
        e_src = self.e_src
        for (c, _, _), m in zip(live, dg.tolist()):
            e_src.extend([c] * m)
        got.append(-1)   # (at_got -1: a conditional edge's target)
        self.e_dst.extend(map(got.__getitem__, at_got[order].tolist()))
        get = shared.get
        for lst, col in ((self.e_inc, inc), (self.e_op, oo), (self.e_act, k)):
            col = col[order]
            if col.size and int(col.max()) <= 256:   # Python's own small ints: shared already
                lst.extend(col.tolist())
            else:
                lst.extend([get(x, x) for x in col.tolist()])
        self.e_rep.extend(map(self.e_rep.__getitem__, np.asarray(at, np.int64)[order].tolist()))

    def permute_edge(self, edge: tuple[int, int, int, int], p: tuple[int, ...]) -> tuple[int, int, int, int]:
        """An edge out of a representative core, as out of the core ``p`` relates it to
        (target, restart mask, code operation and action permuted; a target -1 is kept)."""
        d, mask, op_id, a = edge
        acts, dsts, masks, ops = self._perm_maps(p)
        k = self._permuted_action(a, p, acts)
        if d < 0:
            return d, 0, 0, k
        dd = dsts.get(d)
        if dd is None:
            dd = dsts[d] = self._permuted_core(d, p)
        inc = masks.get(mask)
        if inc is None:
            inc = masks[mask] = sum(1 << p[j] for j in range(self.n) if mask >> j & 1)
        return dd, inc, self._permuted_op(op_id, p, ops), k

    def _permuted_action(self, a: int, p: tuple[int, ...], acts: dict[int, int]) -> int:
        """Action ``a`` with its containers renamed by ``p`` (``acts``: the memo of ``p``,
        `_perm_maps`)."""
        k = acts.get(a)
        if k is None:
            k = acts[a] = self.action_id(self.sym.rename(self.actions[a], p))
        return k

    def _permuted_op(self, op_id: int, p: tuple[int, ...], ops: dict[int, int]) -> int:
        """Code operation ``op_id`` moved by ``p`` (a copy's source moved too; ``ops``: the
        memo of ``p``, `_perm_maps`)."""
        o = ops.get(op_id)
        if o is None:
            op = [None] * self.n
            for j, (kind, v) in enumerate(self.ops[op_id]):
                op[p[j]] = (kind, p[v] if kind == _COPY else v)
            o = ops[op_id] = self.op_id(tuple(op))
        return o

    def _permuted_core(self, d: int, p: tuple[int, ...]) -> int:
        """The core ``d`` with its container ``j`` moved to ``p[j]`` (interned).

        Looked up first by its signature (`_signature`: numbers of the pod's fields and of
        each container state), permuted from ``d``'s, without building the state: a
        permuted core is most often one already interned (on six-containers' first 2 M
        states, 423 k calls for 121 k new cores).  On a miss the state is built and
        interned as before, then remembered by its signature; so the cores are numbered as
        without the lookup."""
        head, cids = self._signature(d)
        relabelled, n = self._relabelled, self.n
        out = [0] * n
        for j in range(n):
            k = p[j]
            x = relabelled.get(cids[j] << 6 | k)
            if x is None:
                x = relabelled[cids[j] << 6 | k] = intern(self._cstates, self._cstate_ids,
                                                         _relabel(self._cstates[cids[j]], k))
            out[k] = x
        key = self._sig_key(head, *out)
        dd = self._by_signature.get(key)
        if dd is None:
            t = self.cores[d]
            dd = self._by_signature[key] = self.intern(
                _with_containers(t, tuple([self._cstates[x] for x in out])))
        return dd

    def _permuted_cores(self, d: np.ndarray, pm: np.ndarray) -> list[int]:
        """`_permuted_core` of each pair (core ``d[i]``, permutation ``pm[i]``, a row), on
        arrays: the cores' signatures gathered (`_signature_arrays`), each container's number
        relabelled and moved by two gathers (`_relabel_table`), and only the lookup by
        signature, and the building of the cores not interned yet, one pair at a time, in
        the order given -- so new cores are interned in the order `_permuted_core` called
        pair by pair interns them.  Speed only: on six-containers `derive_rows` asks about
        464 k pairs, 135 k of them new cores."""
        if not d.size:
            return []
        heads, cids = self._signature_arrays(d)
        rel = self._relabel_table(cids, pm)
        out = np.empty_like(cids)
        at = np.arange(d.size)
        for j in range(self.n):   # container j moves to position p[j], relabelled there
            out[at, pm[:, j]] = rel[cids[:, j], pm[:, j]]
        keys_np = np.concatenate([heads[:, None], out], axis=1).astype(np.int32, copy=False)
        keys = keys_np.view(np.dtype((np.void, keys_np.itemsize * (self.n + 1)))).ravel().tolist()   # `_sig_key`s
        got: list[int] = [0] * d.size
        by_sig, cores, cstates = self._by_signature, self.cores, self._cstates
        made = []
        for i, (key, c) in enumerate(zip(keys, d.tolist())):
            dd = by_sig.get(key)
            if dd is None:   # as `_permuted_core` does on a miss
                built = tuple([cstates[x] for x in keys_np[i, 1:].tolist()])
                dd = by_sig[key] = self.intern(_with_containers(cores[c], built))
                made.append(i)
            got[i] = dd
        if made:   # a core built here has this signature (`_signature` would number it so): kept
            heads, sigs = self._sig_room()
            new = np.array([got[i] for i in made], np.int64)
            fresh = heads[new] < 0
            heads[new[fresh]], sigs[new[fresh]] = keys_np[made][fresh, 0], keys_np[made][fresh, 1:]
        return got

    def _signature_arrays(self, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`_signature` of each core of ``d`` as arrays (pod fields' number, containers' numbers),
        kept per core until `drop_caches` (the numbers go with the signatures' memos)."""
        heads, cids = self._sig_room()
        for c in np.unique(d[heads[d] < 0]).tolist():
            heads[c], cids[c] = self._signature(c)
        return heads[d], cids[d]

    def _sig_room(self) -> tuple[np.ndarray, np.ndarray]:
        """`_signature_arrays`' arrays, grown to hold every core (-1: not known yet; 32-bit: the
        numbers count distinct pod heads and container states, far fewer than 2 ** 31)."""
        have = self._sig_np
        if have is None or len(have[0]) < len(self.cores):
            size = max(len(self.cores), 2 * (0 if have is None else len(have[0])))
            heads, cids = np.full(size, -1, np.int32), np.full((size, self.n), -1, np.int32)
            if have is not None:
                heads[:len(have[0])], cids[:len(have[0])] = have
            have = self._sig_np = (heads, cids)
        return have

    def _relabel_table(self, cids: np.ndarray, pm: np.ndarray) -> np.ndarray:
        """Container state number ``x`` moved to position ``k`` (`_relabel`, interned): entry
        ``[x, k]``, filled for every (state in ``cids``, position in ``pm``) pair met."""
        rel = self._rel_np
        top = len(self._cstates)
        if rel is None or len(rel) < top:
            grown = np.full((max(top, 2 * (0 if rel is None else len(rel))), self.n), -1, np.int64)
            if rel is not None:
                grown[:len(rel)] = rel
            rel = self._rel_np = grown
        miss = rel[cids, pm] < 0
        if miss.any():
            relabelled = self._relabelled
            for x, k in set(zip(cids[miss].tolist(), pm[miss].tolist())):
                y = relabelled.get(x << 6 | k)
                if y is None:
                    y = relabelled[x << 6 | k] = intern(self._cstates, self._cstate_ids, _relabel(self._cstates[x], k))
                rel[x, k] = y
            if len(rel) < len(self._cstates):   # new states: room for them (entries met later)
                grown = np.full((2 * len(self._cstates), self.n), -1, np.int64)
                grown[:len(rel)] = rel
                rel = self._rel_np = grown
        return rel

    def _signature(self, c: int) -> tuple[int, tuple[int, ...]]:
        """Core ``c`` as numbers: its pod's fields (all but the containers) and each
        container state (`_cstates`); equal numbers, equal states (memoised per core)."""
        sig = self._signatures.get(c)
        if sig is None:
            t = self.cores[c]
            head = intern(self._sig_heads, self._sig_head_ids, (*t[:8], *t[9:]))
            cids = tuple([intern(self._cstates, self._cstate_ids, cs) for cs in t[8]])
            sig = self._signatures[c] = (head, cids)
            self._by_signature.setdefault(self._sig_key(head, *cids), c)
        return sig

    def _perm_maps(self, p: tuple[int, ...]) -> tuple[dict, dict, dict, dict]:
        """`permute_edge`'s memo for permutation ``p``: actions, targets, restart masks, code ops."""
        maps = self._perm_cache.get(p)
        if maps is None:
            maps = self._perm_cache[p] = ({}, {}, {}, {})
        return maps

    def compile_concrete(self, c: int, l: int) -> int:
        """Compile a conditional core for concrete codes ``l`` (counts 0).

        As `resolve` does for one action: the model is run with only the codes it was
        seen reading made concrete (learned per core, one ``_Read`` at a time), the others
        placeholders, so one row serves every ``l`` that agrees on those codes.
        """
        row = self.virtual.get((c, l))
        if row is not None:
            return row
        m, B = self.model, self.B
        read = self._cond_reads.setdefault(c, set())
        while True:
            known = tuple((j, (l // B ** j) % B) for j in sorted(read))
            row = self._cond_rows.get((c, known))
            if row is not None:
                break
            s = self.partial_view(c, 0, l, self.everywhere, read)
            try:
                self.model_calls += 1
                edges = [self._edge(a, m.take(s, a, found)) for a, found in self.enabled.steps(s)]
            except _Read as e:
                if e.pos is not None and e.pos not in read:
                    read.add(e.pos)
                elif read != self.everywhere:  # an inspection we cannot attribute: every code concrete
                    read.update(self.everywhere)
                else:
                    raise AssertionError(f"unexpected read compiling a concrete core: {e}") from None
                continue
            row = self._cond_rows[(c, known)] = self._add_row(c, edges)
            break
        self.virtual[(c, l)] = row
        return row

    def rows(self, core: np.ndarray, l: np.ndarray) -> np.ndarray:
        """The table row of each (core, codes) pair, compiling what is missing."""
        rows = np.take(self._roc_array(), core)
        if (rows == -1).any():
            self.compile_many(_distinct(core[rows == -1], len(self.cores)).tolist())
            rows = np.take(self._roc_array(), core)
        cond = np.flatnonzero(rows == -2)
        if cond.size:
            rows = rows.copy()
            for n, (k, c, lc) in enumerate(zip(cond.tolist(), core[cond].tolist(), l[cond].tolist())):
                if n % 256 == 255:
                    self.check_clock()
                rows[k] = self.compile_concrete(c, lc)
        return rows

    def drop_caches(self) -> None:
        """Let go of what only the search needs again and again (the code table, the
        resolved edges' index and pairs, the tainted views and targets, the cores'
        signatures): built again if asked."""
        self._op_table = None
        self._resolved_index, self._resolved_vals = None, _Column(np.int64)
        for memo in (self._views, self._ptargets, self._tainted_targets, self._pairs, self._signatures,
                     self._by_signature, self._relabelled, self._cstate_ids, self._sig_head_ids):
            memo.clear()   # (the signatures' numbers go with their memos: `_permuted_core` starts again)
        self._cstates.clear()
        self._sig_heads.clear()
        self._sig_np = self._rel_np = self._ranks = None   # (their arrays, numbered alike)

    def _roc_array(self) -> np.ndarray:
        """`row_of_core` as an array: the cores interned since the last call appended, the
        entries written since (every writer of the list notes its core in ``_roc_dirty``)
        copied again; not the whole list converted at every change (on six-containers'
        first 6 M states that was about 0.5 s, growing with the cores)."""
        roc, lst, dirty = self._roc, self.row_of_core, self._roc_dirty
        if roc.n < len(lst):
            roc.append(np.asarray(lst[roc.n:], dtype=np.int64))
        if dirty:
            at = np.asarray(dirty, dtype=np.int64)
            roc.a[at] = np.asarray([lst[c] for c in dirty], dtype=np.int64)
            dirty.clear()
        return roc.array()

    def arrays(self) -> tuple[np.ndarray, ...]:
        """The tables as NumPy arrays (extended by the rows and ops added since the last call)."""
        if self._frozen is None or len(self._frozen[0]) != len(self.off) or len(self._frozen[6]) != len(self.ops):
            n = self.n
            old = self._frozen or tuple(np.zeros((0, n) if k >= 6 else 0, np.int64) for k in range(8))
            lists = (self.off, self.deg, self.e_dst, self.e_inc, self.e_op, self.e_act)
            out = [a if len(a) == len(x) else np.concatenate([a, np.asarray(x[len(a):], dtype=np.int64)])
                   for a, x in zip(old[:6], lists)]
            for k, part in ((6, 0), (7, 1)):
                a = old[k]
                if len(a) != len(self.ops):
                    tail = np.array([[kv[part] for kv in op] for op in self.ops[len(a):]], dtype=np.int64)
                    a = np.concatenate([a, tail.reshape(-1, n)])
                out.append(a)
            self._frozen = tuple(out)
        return self._frozen

    def ptarget(self, edge: tuple[int, int, int, int], r: int, l: int, rc_pos, l_pos) -> PodState:
        """The target of ``edge`` from (r, l): concrete where read, else the source's
        placeholders (a copied code, an unchanged count) or a fresh one (a raised count).
        Cached (the tainted target by target core, increment mask and code operation:
        edges into one core share it)."""
        dst, inc, op_id, _ = edge
        if not rc_pos and not l_pos:
            key = (dst, inc, op_id)
            hit = self._tainted_targets.get(key)
            if hit is None:
                hit = self._tainted_targets[key] = self._target(dst, inc, op_id, 0, 0, (), ())
            return hit
        key = (edge, *self.read_key(r, l, rc_pos, l_pos))
        hit = self._ptargets.get(key)
        if hit is None:
            hit = self._ptargets[key] = self._target(dst, inc, op_id, r, l, rc_pos, l_pos)
        return hit

    def _target(self, dst: int, inc: int, op_id: int, r: int, l: int, rc_pos, l_pos) -> PodState:
        base, M, B, alphabet, made = self.M + 1, self.M, self.B, self.alphabet, self._cs
        t = self.cores[dst]
        out = []
        for j, (cs, (kind, v)) in enumerate(zip(t.containers, self.ops[op_id])):
            bump = inc >> j & 1
            if j in rc_pos:
                rc = min((r // base ** j) % base + bump, M)
            else:
                rc = _INC[j] if bump else _RC[j]
            if kind == _NONE:
                last = None
            elif kind == _CONST:
                last = alphabet[v - 1]
            else:
                last = alphabet[(l // B ** v) % B - 1] if v in l_pos else _LAST[v]
            k = (cs, rc, last)
            new = made.get(k)
            if new is None:
                new = made[k] = _new(ContainerState, (cs[0], cs[1], cs[2], last, rc))
            out.append(new)
        return _with_containers(t, tuple(out))

    # -- arithmetic on counts and codes -------------------------------------------
    def apply_inc(self, r: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Counts after a restart mask: ``min(r_j + 1, max_restarts)`` where the bit is set."""
        table = self._inc_flat()
        if table is not None:
            return np.take(table, mask * self.R + r)
        return self._inc(r, mask)

    def _inc_flat(self) -> np.ndarray | None:
        """`apply_inc`'s lookup table, flat (``mask * R + r`` -> counts), built at the first
        call; None when ``masks x counts`` exceeds `TABLE_LIMIT`."""
        if self._inc_table is None and (1 << self.n) * self.R <= TABLE_LIMIT:
            codes = np.arange(self.R, dtype=np.int64)
            self._inc_table = np.stack([self._inc(codes, np.full(self.R, m, np.int64)) for m in range(1 << self.n)])
        return None if self._inc_table is None else self._inc_table.reshape(-1)

    def target_codes(self, dst: np.ndarray, inc: np.ndarray, ops: np.ndarray, r: np.ndarray,
                     l: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The packed codes ``dst * RL + rc * LB + lc`` of a chunk's targets, with their counts
        ``rc = apply_inc(r, inc)`` and codes ``lc = apply_op(l, ops)`` (int64, or the code
        table's int32): the search keeps the parts of the states it finds, so that no
        division unpacks them again.  ``inc`` and ``ops`` are the caller's own int64 arrays
        and are written over.  Speed only: with both lookup tables, the indices, products and
        sums are computed in place, without the expression's temporaries (262,144 targets
        with five-containers' table sizes, the three gathers included: 6.7-7.2 -> 6.3-6.4 ms
        under load); else the three parts as written."""
        inc_t, op_t = self._inc_flat(), self._op_flat()
        if inc_t is None or op_t is None:
            rc, lc = self.apply_inc(r, inc), self.apply_op(l, ops)
            return dst * self.RL + rc * self.LB + lc, rc, lc
        inc *= self.R
        inc += r
        rc = np.take(inc_t, inc)
        ops *= self.LB
        ops += l
        lc = np.take(op_t, ops)
        out = np.multiply(rc, self.LB, out=inc)   # (their room reused)
        out += lc
        out += np.multiply(dst, self.RL, out=ops)
        return out, rc, lc

    def _inc(self, r: np.ndarray, mask: np.ndarray) -> np.ndarray:
        out = r.copy()
        for j in range(self.n):
            p = int(self.P[j])
            bump = ((mask >> j) & 1).astype(bool) & ((r // p) % (self.M + 1) < self.M)
            out += bump * p
        return out

    def apply_op(self, l: np.ndarray, ops: np.ndarray) -> np.ndarray:
        """Codes after code operations ``ops`` (one per element): a lookup table while
        ``ops x codes`` fits `TABLE_LIMIT`, else two (`_split_tables`)."""
        table = self._op_flat()
        if table is not None:
            return np.take(table, ops * self.LB + l)   # flat: faster than [ops, l]
        lo, hi, w = self._split_tables()
        q, rem = np.divmod(l, w)
        at = ops * w
        out = np.take(lo.reshape(-1), at + rem)
        out += np.take(hi.reshape(-1), ops * hi.shape[1] + q)
        return out

    def _op_flat(self) -> np.ndarray | None:
        """`apply_op`'s one lookup table, flat (``op * LB + codes`` -> codes), extended by the
        operations added since the last call; None when ``ops x codes`` exceeds `TABLE_LIMIT`."""
        if len(self.ops) * self.LB > TABLE_LIMIT:
            return None
        done = 0 if self._op_table is None else len(self._op_table)
        if done < len(self.ops):
            # the new operations' rows from the two small tables: row[q * w + rem] = lo[rem] + hi[q]
            lo, hi, w = self._split_tables()
            new = (hi[done:, :, None] + lo[done:, None, :]).reshape(-1, self.LB).astype(
                np.int32 if self.LB < 1 << 31 else np.int64)
            self._op_table = new if self._op_table is None else np.concatenate([self._op_table, new])
        return self._op_table.reshape(-1)

    def _split_tables(self) -> tuple[np.ndarray, np.ndarray, int]:
        """``(lo, hi, w)`` with ``apply_op(l, op) == lo[op, l % w] + hi[op, l // w]``: each
        code of the result is a constant or a copy of one code of the source, so the result
        is the sum of what the low digits give (constants included) and what the high
        digits give.  Two small tables per operation instead of one per code."""
        h = self.n // 2
        w = int(self.PL[h]) if h < self.n else self.LB
        have = 0 if self._split is None else len(self._split[0])
        if have < len(self.ops):
            k = np.arange(have, len(self.ops), dtype=np.int64)
            lo_codes, hi_codes = np.arange(w, dtype=np.int64), np.arange(self.LB // w, dtype=np.int64) * w
            lo = self._op(np.tile(lo_codes, k.size), np.repeat(k, w)).reshape(k.size, w)
            hi = self._op(np.tile(hi_codes, k.size), np.repeat(k, hi_codes.size)).reshape(k.size, hi_codes.size)
            hi -= self._op(np.zeros(k.size, np.int64), k)[:, None]   # the constants are in lo
            if self._split is not None:
                lo, hi = np.concatenate([self._split[0], lo]), np.concatenate([self._split[1], hi])
            self._split = (lo, hi)
        return self._split[0], self._split[1], w

    def _op(self, l: np.ndarray, ops: np.ndarray) -> np.ndarray:
        """`apply_op` by arithmetic on the digits (the reference the tables are built from)."""
        kinds, vals = self.arrays()[6:8]
        k, v = kinds[ops], vals[ops]
        out = np.zeros_like(l)
        for j in range(self.n):
            is_copy = k[:, j] == _COPY
            copied = (l // self.PL[np.where(is_copy, v[:, j], 0)]) % self.B
            d = np.where(is_copy, copied, np.where(k[:, j] == _CONST, v[:, j], 0))
            out += d * self.PL[j]
        return out

    def inc_one(self, r: int, mask: int) -> int:
        """`apply_inc` for one state."""
        base = self.M + 1
        for j in range(self.n):
            if mask >> j & 1 and (r // base ** j) % base < self.M:
                r += base ** j
        return r

    def op_one(self, l: int, op: int) -> int:
        """`apply_op` for one state."""
        out = 0
        for j, (kind, v) in enumerate(self.ops[op]):
            d = (l // self.B ** v) % self.B if kind == _COPY else (v if kind == _CONST else 0)
            out += d * self.B ** j
        return out


# ------------------------------------------------------------------------ space
class CompiledSpace:
    """The explored graph as packed codes (the `podmodel.engines.StateSpace` interface)."""

    def __init__(self, tables: Tables, codes: np.ndarray, parent: np.ndarray, via: np.ndarray,
                 layers: Sequence[int], edges: tuple[np.ndarray, np.ndarray, np.ndarray] | None, initial: list[int]):
        self.tables = tables
        self.containers = tuple(c.name for c in tables.model.specs)
        self.codes = codes
        self.parent = parent
        self.via = via
        self.layers = list(layers)   # states found at each depth, in number order
        self._depth: np.ndarray | None = None
        self._edges = edges
        self.initial = initial
        self.actions = tables.actions
        self.action_ids = tables.action_ids
        self._sorted: np.ndarray | None = None
        self._ids: np.ndarray | None = None
        #: ``eventually`` property id -> (check, trigger) on every state, filled by a complete search
        self.live: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        #: the transitions of `edges`, counted per table edge and per resolved edge (`steps`)
        self.tally: tuple[np.ndarray, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def depth(self) -> np.ndarray:
        """Each state's depth (built from `layers` when first asked)."""
        if self._depth is None:
            self._depth = np.repeat(np.arange(len(self.layers), dtype=np.int32), self.layers)
        return self._depth

    def state(self, i: int) -> PodState:
        return self.tables.decode(self.codes[i])

    def index_of(self, state: PodState) -> int | None:
        try:
            code = self.tables.encode(state)
        except _NewCode:
            return None
        if code < 0:
            return None
        if self._sorted is None:  # built on the first lookup only
            self._ids = np.argsort(self.codes, kind="stable")
            self._sorted = self.codes[self._ids]
        k = int(np.searchsorted(self._sorted, code))
        return int(self._ids[k]) if k < len(self._sorted) and self._sorted[k] == code else None

    def iter_states(self) -> Iterator[PodState]:
        decode = self.tables.decode
        for code in self.codes.tolist():
            yield decode(code)

    def path(self, i: int) -> tuple[list[int], list[int]]:
        ids, acts = [int(i)], []
        while self.parent[i] >= 0:
            acts.append(int(self.via[i]))
            i = int(self.parent[i])
            ids.append(i)
        return ids[::-1], acts[::-1]

    #: each state's first edge in `edges` and the end (``n + 1`` offsets), once `offsets`
    #: has been asked
    _offsets: np.ndarray | None = None

    def edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(source, target, action)`` of every transition, sorted by source.  Sources that
        `offsets` dropped are rebuilt from the offsets (0.01-0.1 s on five-containers' 8 M
        edges, the most when the array's pages are new) and kept until it drops them again."""
        if self._edges is None:
            raise ValueError("this exploration did not keep its edges (keep_edges=False)")
        if self._edges[0] is None:
            src = np.repeat(np.arange(len(self._offsets) - 1, dtype=np.int32), np.diff(self._offsets))
            self._edges = (src, *self._edges[1:])
        return self._edges

    def offsets(self) -> np.ndarray:
        """Each state's first edge in `edges` and the end: ``n + 1`` offsets (computed once).
        Each call drops the per-edge sources: liveness reads the graph as offsets, targets
        and actions, and the sources' 4 bytes per edge are then free for its own arrays
        (five-containers: 32 MB); `edges` rebuilds them when next asked."""
        if self._offsets is None:
            from podmodel.engines.compiled_liveness import _indptr

            self._offsets = _indptr(len(self.codes), self.edges()[0])
        self._edges = (None, *self._edges[1:])
        return self._offsets

    def steps(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """The transitions of `edges` grouped by the table edge (or resolved edge) they take:
        ``(source core, action, target core, count)``, one row per edge taken (None when
        not counted).  Every transition of a group joins states of the same two cores by
        the same action (`podmodel.engines.coverage.of_exploration` counts steps so)."""
        if self.tally is None:
            return None
        T = self.tables
        t, r = self.tally
        et = np.flatnonzero(t)
        er = np.flatnonzero(r)
        rows = np.array([(c, e[0], e[3]) for c, e in (T.r_edges[k] for k in er.tolist())], np.int64).reshape(-1, 3)
        src = np.concatenate([T.mirror("e_src")[et], rows[:, 0]])
        dst = np.concatenate([T.mirror("e_dst")[et], rows[:, 1]])
        act = np.concatenate([T.mirror("e_act")[et], rows[:, 2]])
        return src, act, dst, np.concatenate([t[et], r[er]])

    def restart_saturation(self, relevant: set[int], restarts: set[int]) -> dict[int, int]:
        """Container index -> transitions by an action of ``relevant`` (restarts and starts)
        out of a state where that container's restartCount is at the bound and the action
        is in ``restarts`` or the container has a last state: restarts not counted
        (`podmodel.engines.analysis.warnings`, on the arrays)."""
        T = self.tables
        src, _, act = self.edges()
        if not relevant or not src.size:
            return {}
        index = T.model.index
        j_of = np.full(len(self.actions), -1, np.int64)
        is_restart = np.zeros(len(self.actions), bool)
        for k in relevant:
            j_of[k] = index[self.actions[k].container]
            is_restart[k] = k in restarts
        pick = np.flatnonzero(j_of[act] >= 0)
        a = act[pick]
        j = j_of[a]
        rest = self.codes[src[pick]] % T.RL
        rc = rest // T.LB // T.P[j] % (T.M + 1)
        last = rest % T.LB // T.PL[j] % T.B
        hit = (rc == T.M) & (is_restart[a] | (last != 0))
        counts = np.bincount(j[hit], minlength=T.n)
        return {int(x): int(counts[x]) for x in np.flatnonzero(counts)}

    def max_recreations(self) -> int:
        """The most sandbox recreations of any reached state."""
        cores = self.tables.cores
        return max((cores[c].recreations for c in np.unique(self.codes // self.tables.RL).tolist()), default=0)

    def liveness(self, result: ExploreResult, fairness: str, deadline: float | None = None) -> dict | None:
        """The ``eventually`` verdicts decided on these arrays (`podmodel.engines.compiled_liveness`),
        or None when they do not apply (cut run, properties not evaluated during the search)."""
        from podmodel.engines.compiled_liveness import liveness

        props = [p for p in result.properties if p.kind == "eventually"]
        if not result.complete or self._edges is None or any(p.id not in self.live for p in props):
            return None
        graph = (self.offsets(), *self._edges[1:]) if props else None
        return liveness(result, props, self.live, fairness, deadline=deadline, graph=graph, trim=_trim_heap)


# ------------------------------------------------------------------------ properties
_UNSEEN, _KEYED = -2, -1
#: a hidden transition's value depends on counts or codes of the containers it changes (`_Values.hid`)
_HKEYED = -3


#: Largest lookup table (entries) of `_Digits`; beyond it, the arithmetic.
DIGIT_TABLE_LIMIT = 1 << 21


class _Digits:
    """Per-element arithmetic on packed counts and codes, by lookup tables while they are
    small (`DIGIT_TABLE_LIMIT` entries): the digits at a bit mask of positions kept, the others
    zero (`_Values._key_bits`), and the digits moved by a permutation of interchangeable
    containers (`_Canon.to_rep`).  Each table is filled by the arithmetic it replaces
    (`kept`, `Tables.to_rep`), so both give the same numbers; the tests compare them."""

    def __init__(self, T: Tables):
        self.T = T
        n = T.n
        fits = (1 << n) * max(T.R, T.LB) <= DIGIT_TABLE_LIMIT
        self.kept_r = self._kept_table(T.R, T.M + 1, T.P) if fits else None
        self.kept_l = self._kept_table(T.LB, T.B, T.PL) if fits else None
        # `slot`'s tables: the digits at a mask's positions as one mixed-radix number (no
        # gaps: 0 .. `span` - 1), built on first use
        self._slots: tuple[np.ndarray, ...] | None = None
        self.slots = fits
        self._own: np.ndarray | None = None   # `own_masks`'s table, per permutation and mask
        self.perm_r = np.zeros((0, T.R), np.int64)
        self.perm_l = np.zeros((0, T.LB), np.int64)

    def _kept_table(self, size: int, base: int, weights: np.ndarray) -> np.ndarray:
        x = np.arange(size, dtype=np.int64)
        return np.stack([self.kept(np.full(size, m, np.int64), x, base, weights) for m in range(1 << self.T.n)])

    def kept(self, mask: np.ndarray, x: np.ndarray, base: int, weights: np.ndarray) -> np.ndarray:
        """The digits of ``x`` (``base``, at ``weights``) where ``mask`` has a bit, others 0."""
        out = np.zeros_like(x)
        for j in range(self.T.n):
            w = int(weights[j])
            out += (x // w % base * w) * (mask >> j & 1)
        return out

    def _slot_table(self, size: int, base: int, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = np.arange(size, dtype=np.int64)
        rows, spans = [], []
        for m in range(1 << self.T.n):
            out, step = np.zeros(size, np.int64), 1
            for j in _bits(m):
                out += x // int(weights[j]) % base * step
                step *= base
            rows.append(out)
            spans.append(step)
        return np.stack(rows).astype(np.int32), np.asarray(spans, np.int64)

    def slot(self, rb: np.ndarray, lb: np.ndarray, r: np.ndarray, l: np.ndarray) -> np.ndarray:
        """The counts of ``r`` at the positions of ``rb`` and the codes of ``l`` at those of
        ``lb`` as one number below ``span(rb, lb)``: distinct digits there, distinct numbers
        (the `key` without the gaps, to index a small dense block per class)."""
        pr, _, pl, sl = self._slot_tables()
        return pr[rb, r] * sl[lb] + pl[lb, l]

    def _slot_tables(self) -> tuple[np.ndarray, ...]:
        """`slot`'s tables (counts, then codes: the number per mask and digits, and each mask's span)."""
        if self._slots is None:
            T = self.T
            self._slots = (*self._slot_table(T.R, T.M + 1, T.P), *self._slot_table(T.LB, T.B, T.PL))
        return self._slots

    def own_masks(self, pid: np.ndarray, rb: np.ndarray, lb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Masks of the representative's positions as the positions of the permuted element
        (permutation ``perms[pid]``): bit ``k`` becomes bit ``p[k]``."""
        T = self.T
        if self._own is None or len(self._own) < len(T.perms):
            pm = np.asarray(T.perms, dtype=np.int64)
            masks = np.arange(1 << T.n, dtype=np.int64)
            own = np.zeros((len(pm), masks.size), np.int64)
            for k in range(T.n):
                own |= ((masks >> k) & 1)[None, :] << pm[:, k:k + 1]
            self._own = own
        return self._own[pid, rb].astype(rb.dtype), self._own[pid, lb].astype(lb.dtype)

    def span(self, rb: np.ndarray, lb: np.ndarray) -> np.ndarray:
        """How many numbers `slot` gives for masks ``rb``/``lb``."""
        _, sr, _, sl = self._slot_tables()
        return sr[rb] * sl[lb]

    def key(self, rb: np.ndarray, lb: np.ndarray, r: np.ndarray, l: np.ndarray) -> np.ndarray:
        """Counts of ``r`` at the positions of ``rb`` and codes of ``l`` at those of ``lb``, packed."""
        T = self.T
        if self.kept_r is not None:
            return self.kept_r[rb, r] * T.LB + self.kept_l[lb, l]
        return self.kept(rb, r, T.M + 1, T.P) * T.LB + self.kept(lb, l, T.B, T.PL)

    def permute(self, pid: np.ndarray, r: np.ndarray, l: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`Tables.to_rep`: counts and codes as the representative sees them."""
        T = self.T
        have = len(self.perm_r)
        if have < len(T.perms) and len(T.perms) * max(T.R, T.LB) <= DIGIT_TABLE_LIMIT:
            new = np.arange(have, len(T.perms), dtype=np.int64)
            rs, ls = np.arange(T.R, dtype=np.int64), np.arange(T.LB, dtype=np.int64)
            self.perm_r = np.concatenate([self.perm_r, T.to_rep(np.repeat(new, T.R), np.tile(rs, new.size), np.zeros(
                new.size * T.R, np.int64))[0].reshape(new.size, T.R)])
            self.perm_l = np.concatenate([self.perm_l, T.to_rep(np.repeat(new, T.LB), np.zeros(new.size * T.LB, np.int64),
                                                                np.tile(ls, new.size))[1].reshape(new.size, T.LB)])
        if len(self.perm_r) == len(T.perms):
            return self.perm_r[pid, r], self.perm_l[pid, l]
        return T.to_rep(pid, r, l)


_DIGITS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _digits(T: Tables) -> _Digits:
    """The `_Digits` of ``T`` (one per run, shared by its predicates)."""
    d = _DIGITS.get(T)
    if d is None:
        d = _DIGITS[T] = _Digits(T)
    return d


def _mask_dtype(n: int) -> type:
    """The smallest signed integer type with a bit for each of ``n`` containers."""
    return np.int8 if n < 8 else np.int16 if n < 16 else np.int32 if n < 32 else np.int64


def _bits(mask: int) -> tuple[int, ...]:
    return tuple(j for j in range(mask.bit_length()) if mask >> j & 1)


#: Largest dense block (values) cached for one keyed class or hidden transition (`_Dense`).
DENSE_BLOCK = 1 << 10


class _Dense:
    """A keyed predicate's values cached in small dense blocks, one per owner (a keyed class,
    or a hidden transition), a byte per value: 1, 0 or `_UNSEEN`.  An owner's block has a
    slot for each combination of the counts and codes at the positions it is keyed by
    (`_Digits.slot`, with the masks the block was laid out for, ``rb``/``lb``), so a chunk's
    keyed elements are looked up by a few gathers instead of being sorted by key
    (``np.unique``) and looked up one distinct key at a time.

    Speed only: a value is stored only as `_Values` computed it for those counts and codes,
    and a value computed with some positions concrete holds for every element with the same
    digits there (the predicate read nothing else), so a block laid out for masks that have
    since widened still gives right values; it is only no longer filled (`put` lays out a new
    block for the wider masks)."""

    def __init__(self, mask_dtype: type):
        self.off = np.full(0, -1, np.int64)   # per owner: where its block starts in ``buf``, or -1
        self.rb = np.zeros(0, mask_dtype)
        self.lb = np.zeros(0, mask_dtype)
        self.buf = _Column(np.int8)

    def _grow(self, n: int) -> None:
        if n > self.off.size:
            extra = max(n, 2 * self.off.size) - self.off.size
            self.off = np.concatenate([self.off, np.full(extra, -1, self.off.dtype)])
            self.rb = np.concatenate([self.rb, np.zeros(extra, self.rb.dtype)])
            self.lb = np.concatenate([self.lb, np.zeros(extra, self.lb.dtype)])

    def get(self, d: _Digits, own: np.ndarray, r: np.ndarray, l: np.ndarray) -> np.ndarray:
        """The cached value of each element (owner ``own[i]``, counts ``r[i]``, codes ``l[i]``)."""
        self._grow(int(own.max()) + 1)
        off = self.off[own]
        have = np.flatnonzero(off >= 0)
        if have.size == own.size:
            return self.buf.a[off + d.slot(self.rb[own], self.lb[own], r, l)]
        out = np.full(own.size, _UNSEEN, np.int8)
        if have.size:
            o = own[have]
            out[have] = self.buf.a[off[have] + d.slot(self.rb[o], self.lb[o], r[have], l[have])]
        return out

    def put(self, d: _Digits, own: np.ndarray, rb: np.ndarray, lb: np.ndarray, r: np.ndarray, l: np.ndarray,
            val: np.ndarray) -> None:
        """Store values ``val`` computed with the positions of masks ``rb``/``lb`` concrete."""
        if not own.size:
            return
        self._grow(int(own.max()) + 1)
        stale = (self.off[own] < 0) | (self.rb[own] != rb) | (self.lb[own] != lb)
        if stale.any():  # owners without a block for these masks: one laid out (if small enough)
            o, first = np.unique(own[stale], return_index=True)
            orb, olb = rb[stale][first], lb[stale][first]
            size = d.span(orb, olb)
            small = size <= DENSE_BLOCK
            o, orb, olb, size = o[small], orb[small], olb[small], size[small]
            if o.size:
                start = self.buf.n
                self.buf.append(np.full(int(size.sum()), _UNSEEN, np.int8))
                self.off[o] = start + np.cumsum(size) - size
                self.rb[o], self.lb[o] = orb, olb
        fits = np.flatnonzero((self.off[own] >= 0) & (self.rb[own] == rb) & (self.lb[own] == lb))
        if fits.size:
            o = own[fits]
            self.buf.a[self.off[o] + d.slot(rb[fits], lb[fits], r[fits], l[fits])] = val[fits]


class _Values:
    """One predicate's value on one kind of class: core states, table edges or resolved edges.

    The predicate is first run on the class with every restart count and code tainted
    (placeholders, see the module's docstring).  If it inspects none, its value holds for
    every state (or transition) of the class: one evaluation, kept in a NumPy array
    (``val``) and then gathered for whole layers at once.  If it inspects some, the
    positions it read are recorded per class (``rbits``/``lbits``, bit masks) and it is
    run again once per value of just those (``memo``), on demand, for the states that
    need it; a further read widens the positions and those states are keyed again.

    With ``canon`` (a `_Canon`: the predicate is `Property.symmetric` and the model has
    interchangeable containers), a class that is a permutation of its orbit's
    representative takes the representative's value, and its keyed elements are
    evaluated as the representative's, their counts and codes permuted alike.
    """

    def __init__(self, T: Tables, evaluate: Callable[[int, int, int, tuple, tuple], bool],
                 canon: _Canon | None = None, concrete: bool = False):
        self.T, self.evaluate, self.canon = T, evaluate, canon
        #: never run on placeholders: every class keyed by all its counts and codes (`_untrusted`)
        self.concrete = concrete
        self.val = np.full(0, _UNSEEN, np.int8)
        # per keyed class (grown only as far as the keyed classes go, `_kgrow`): the positions
        # read, as bit masks in the smallest signed integer that holds one bit per container
        self._bits_dtype = _mask_dtype(T.n)
        self.rbits = np.zeros(0, self._bits_dtype)
        self.lbits = np.zeros(0, self._bits_dtype)
        self.memo: dict[int, bool] = {}
        self.calls = 0
        self.pred: Callable[..., bool] | None = None   # the raw predicate (for `_Checks._prime`)
        # transitions with their unchanged containers hidden (`_Checks._hidden_ids`), by number:
        # 1/0, `_KEYED` (it looked at a hidden container), `_HKEYED` (at a count or code of a
        # container shown: keyed by them as ``rbits``/``lbits`` are, in ``hrb``/``hlb``/``hmemo``),
        # `_UNSEEN`; ``hdead``: keyed by them, it then looked at a hidden container
        self.hval = np.full(0, _UNSEEN, np.int8)
        self.hrb = np.zeros(0, np.int64)
        self.hlb = np.zeros(0, np.int64)
        self.hdead = np.zeros(0, bool)
        self.hmemo: dict[int, bool] = {}
        #: per class: the hidden transition it is keyed by (`_HKEYED`), else -1 (grown with `_kgrow`)
        self.hid = np.full(0, -1, np.int32)
        self.hidden: _Checks | None = None   # builds the hidden transitions' arguments
        # the keyed values cached in dense blocks (speed only), made when first needed (most
        # predicates are never keyed): per representative class, per hidden transition, and
        # per class in its own container order (`_keyed_values`)
        self.kdense: _Dense | None = None
        self.hdense: _Dense | None = None
        self.odense: _Dense | None = None

    def _grow(self, n: int) -> None:
        if n > self.val.size:
            extra = max(n, 2 * self.val.size) - self.val.size
            self.val = np.concatenate([self.val, np.full(extra, _UNSEEN, np.int8)])

    def _kgrow(self, n: int) -> None:
        """The keyed classes' arrays (``rbits``, ``lbits``, ``hid``) grown to hold class ``n - 1``:
        one byte per class for ``val`` alone where a predicate never needs a key (most)."""
        if n > self.hid.size:
            extra = max(n, 2 * self.hid.size) - self.hid.size
            self.rbits = np.concatenate([self.rbits, np.zeros(extra, self._bits_dtype)])
            self.lbits = np.concatenate([self.lbits, np.zeros(extra, self._bits_dtype)])
            self.hid = np.concatenate([self.hid, np.full(extra, -1, np.int32)])

    def _hgrow(self, n: int) -> None:
        if n > self.hval.size:
            extra = max(n, 2 * self.hval.size) - self.hval.size
            self.hval = np.concatenate([self.hval, np.full(extra, _UNSEEN, np.int8)])
            self.hrb = np.concatenate([self.hrb, np.zeros(extra, np.int64)])
            self.hlb = np.concatenate([self.hlb, np.zeros(extra, np.int64)])
            self.hdead = np.concatenate([self.hdead, np.zeros(extra, bool)])

    def _call(self, c: int, r: int, l: int, rp: tuple, lp: tuple) -> bool:
        self.calls += 1
        if self.calls % 256 == 0:
            self.T.check_clock()
        return bool(self.evaluate(c, r, l, rp, lp))

    def _learn(self, c: int, e: _Read) -> None:
        self._kgrow(c + 1)
        rb, lb = int(self.rbits[c]), int(self.lbits[c])
        if e.rc_pos is not None and not rb >> e.rc_pos & 1:
            rb |= 1 << e.rc_pos
        elif e.pos is not None and not lb >> e.pos & 1:
            lb |= 1 << e.pos
        else:  # an inspection we cannot attribute: make everything concrete
            full = (1 << self.T.n) - 1
            if (rb, lb) == (full, full):
                raise AssertionError(f"a property read a placeholder with everything concrete: {e}")
            rb = lb = full
        self.rbits[c], self.lbits[c], self.val[c] = rb, lb, _KEYED

    def _all_concrete(self, cls: np.ndarray) -> None:
        """Key classes ``cls`` by every count and code (a `concrete` predicate)."""
        if not cls.size:
            return
        self._kgrow(int(cls.max()) + 1)
        full = (1 << self.T.n) - 1
        self.rbits[cls], self.lbits[cls], self.val[cls] = full, full, _KEYED

    def values(self, cls: np.ndarray, r: np.ndarray, l: np.ndarray) -> np.ndarray:
        """The predicate on each element (class ``cls[i]``, counts ``r[i]``, codes ``l[i]``)."""
        if not cls.size:
            return np.zeros(0, dtype=bool)
        self._grow(int(cls.max()) + 1)
        v = self.val[cls]
        unseen = v == _UNSEEN
        if unseen.any():
            for c in np.unique(cls[unseen]).tolist():
                self._first(c)
            v = self.val[cls]
        keyed = v == _KEYED
        if keyed.all():   # (a chunk's odd elements of a keyed property often are: no copies)
            return self._keyed_values(cls, r, l)
        out = v == 1
        k = np.flatnonzero(keyed)
        if k.size:
            out[k] = self._keyed_values(cls[k], r[k], l[k])
        return out

    def settle(self, cls: np.ndarray, coded: np.ndarray) -> None:
        """Make keyed classes of ``cls`` (distinct; ``coded``: their cores' code positions,
        `_Checks._coded`) plain where the predicate has one value on every count and code
        they are keyed by (speed only: their elements then need no key, no look-up, and drop
        out of `_Checks._attention` if that value is the good one).

        A class is evaluated on every combination of the digits at the positions it depends
        on (`_keyed_by_rep`'s masks, widened until no evaluation reads further), at most
        `SETTLE_SPAN` combinations: a value computed with some positions concrete holds for
        every element with the same digits there (the predicate read nothing else), so when
        all combinations agree, every element of the class has that value.  Combinations no
        state reaches are evaluated too: a predicate that fails there (or raises) only leaves
        the class keyed, as it was."""
        if not cls.size or self.concrete:
            return
        T = self.T
        mr = np.zeros(cls.size, np.int64)
        ml = np.zeros(cls.size, np.int64)
        todo = np.arange(cls.size)
        same = np.full(cls.size, _KEYED, np.int8)   # the value every combination gave, or _KEYED
        while todo.size:
            c, r, l, of = _combinations(T, cls[todo], mr[todo], ml[todo], coded[todo], SETTLE_SPAN)
            if not c.size:
                break
            try:
                res, rb, lb = self._keyed_by_rep(c, r, l)
            except TimeUp:
                raise
            except Exception:  # (some combination no state may reach): the classes stay keyed
                return
            at = todo[of]
            wider_r = np.zeros(cls.size, np.int64)
            wider_l = np.zeros(cls.size, np.int64)
            np.bitwise_or.at(wider_r, at, rb.astype(np.int64) & ~mr[at])
            np.bitwise_or.at(wider_l, at, lb.astype(np.int64) & ~ml[at])
            lo = np.full(cls.size, 2, np.int8)
            hi = np.full(cls.size, -1, np.int8)
            np.minimum.at(lo, at, res.astype(np.int8))
            np.maximum.at(hi, at, res.astype(np.int8))
            asked = np.zeros(cls.size, bool)
            asked[at] = True
            again = asked & ((wider_r != 0) | (wider_l != 0))
            mr |= wider_r
            ml |= wider_l
            done = asked & ~again
            same[done] = np.where(lo[done] == hi[done], lo[done], _KEYED)
            todo = np.flatnonzero(again)
        keep = np.flatnonzero(same != _KEYED)
        if keep.size:
            self.val[cls[keep]] = same[keep]

    def _keyed_values(self, cls: np.ndarray, r: np.ndarray, l: np.ndarray) -> np.ndarray:
        """The predicate on elements of keyed classes: from each class's own dense block
        (`_Dense`, the class's own counts and codes: no permutation to the representative)
        where cached, else `_keyed_by_rep`."""
        if not _digits(self.T).slots:
            return self._keyed_by_rep(cls, r, l)[0]
        return self._through_dense("odense", cls, r, l, lambda c, rc, lc: (*self._keyed_by_rep(c, rc, lc), None))[0]

    def _through_dense(self, name: str, own: np.ndarray, r: np.ndarray, l: np.ndarray,
                       compute: Callable[[np.ndarray, np.ndarray, np.ndarray], tuple],
                       mask_dtype: type | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """The predicate on elements of owners ``own`` (keyed classes, or hidden transitions)
        from the dense blocks ``self.<name>`` (`_Dense`, made on first use) where cached; the
        others by ``compute(own, r, l)`` -- their values, the count and code bits they are
        cached under, and which of them the owner decides (None: all) -- then cached.
        Returns the values and which the owners decide (None: all)."""
        d = _digits(self.T)
        dense = getattr(self, name)
        if dense is None:
            dense = _Dense(mask_dtype or self._bits_dtype)
            setattr(self, name, dense)
        got = dense.get(d, own, r, l)
        ok = None
        miss = np.flatnonzero(got == _UNSEEN)
        if miss.size:
            om, rm, lm = own[miss], r[miss], l[miss]
            res, rb, lb, okm = compute(om, rm, lm)
            k = slice(None) if okm is None else np.flatnonzero(okm)   # only what the owner decides is cached
            dense.put(d, om[k], rb[k], lb[k], rm[k], lm[k], res[k])
            got[miss] = res
            if okm is not None:
                ok = np.ones(own.size, dtype=bool)
                ok[miss] = okm
        return got == 1, ok

    def _keyed_by_rep(self, cls: np.ndarray, r: np.ndarray, l: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The predicate on elements of keyed classes, as their representatives' (`canon`)
        hidden transitions or classes give it; and per element the positions (bit masks, in
        the element's own container order) whose counts and codes it depends on at most:
        the masks its value was computed with, or wider ones (masks only widen)."""
        ck, rk, lk = cls, r, l
        if self.canon is not None:
            ck, rk, lk = self.canon.to_rep(cls, r, l)
        res = np.empty(cls.size, dtype=bool)
        self._kgrow(int(ck.max()) + 1)
        h = self.hid[ck].astype(np.int64)
        shared = np.flatnonzero(h >= 0)
        if shared.size:  # keyed by their hidden transition, shared by every class of it
            shared = shared[~self.hdead[h[shared]]]
        rest = np.ones(cls.size, dtype=bool)
        if shared.size:
            got, ok = self._hkeyed(h[shared], rk[shared], lk[shared])
            res[shared[ok]] = got[ok]
            rest[shared[ok]] = False
            shared = shared[ok]
        if rest.any():
            res[rest] = self._keyed(ck[rest], rk[rest], lk[rest])
        rb, lb = self.rbits[ck], self.lbits[ck]   # read after the calls: the masks reached
        if shared.size:
            hs = h[shared]
            rb[shared], lb[shared] = self.hrb[hs], self.hlb[hs]
        if self.canon is not None:
            move = np.flatnonzero(ck != cls)
            if move.size:  # the representative's position k is the element's position p[k]
                pid = self.canon.arrays(int(cls.max()) + 1)[1][cls[move]]
                rb[move], lb[move] = _digits(self.T).own_masks(pid, rb[move], lb[move])
        return res, rb, lb

    def _key_bits(self, rb: np.ndarray, lb: np.ndarray, r: np.ndarray, l: np.ndarray) -> np.ndarray:
        """Counts and codes at the positions of ``rb``/``lb`` (bit masks, per element), packed."""
        return _digits(self.T).key(rb, lb, r, l)

    def _hkeyed(self, h: np.ndarray, r: np.ndarray, l: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`_keyed` for elements keyed by hidden transitions ``h``: (values, and False where
        the hidden transition turned out to need a hidden container: the class decides).
        From the dense blocks (`_Dense`) where cached, else `_hkeyed_sorted`."""
        if not _digits(self.T).slots:
            return self._hkeyed_sorted(h, r, l)

        def compute(hm: np.ndarray, rm: np.ndarray, lm: np.ndarray) -> tuple:
            res, okm = self._hkeyed_sorted(hm, rm, lm)
            return res, self.hrb[hm], self.hlb[hm], okm   # the masks read after: those reached

        got, ok = self._through_dense("hdense", h, r, l, compute, np.int64)
        return got, np.ones(h.size, dtype=bool) if ok is None else ok

    def _hkeyed_sorted(self, h: np.ndarray, r: np.ndarray, l: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`_hkeyed` by sorting the elements' keys (``np.unique``) and a memo per distinct key."""
        RL = self.T.RL
        while True:
            kk = self._key_bits(self.hrb[h], self.hlb[h], r, l)
            if (int(h.max()) + 1) * RL >= 1 << 62:  # too many for one int64 key: the classes decide
                return np.zeros(h.size, dtype=bool), np.zeros(h.size, dtype=bool)
            uniq, first, inv = np.unique(h * RL + kk, return_index=True, return_inverse=True)
            res = np.zeros(len(uniq), dtype=bool)
            ok = np.ones(len(uniq), dtype=bool)
            again = False
            memo = self.hmemo
            for x, (u, i) in enumerate(zip(uniq.tolist(), first.tolist())):
                hit = memo.get(u)
                if hit is None:
                    k = int(h[i])
                    if self.hdead[k]:
                        ok[x] = False
                        continue
                    rb, lb = int(self.hrb[k]), int(self.hlb[k])
                    self.calls += 1
                    if self.calls % 256 == 0:
                        self.T.check_clock()
                    try:
                        hit = memo[u] = bool(self.pred(*self.hidden._hidden_args(k, int(r[i]), int(l[i]), _bits(rb), _bits(lb))))
                    except _Read as e:
                        if e.rc_pos is not None and not rb >> e.rc_pos & 1:
                            self.hrb[k] = rb | 1 << e.rc_pos
                            again = True
                        elif e.pos is not None and not lb >> e.pos & 1:
                            self.hlb[k] = lb | 1 << e.pos
                            again = True
                        else:  # a hidden container (or a read it cannot attribute): the classes decide
                            self.hdead[k] = True
                            ok[x] = False
                        continue
                    except Exception:  # the classes decide (and raise, if they must)
                        self.hdead[k] = True
                        ok[x] = False
                        continue
                res[x] = hit
            if not again:
                inv = inv.reshape(-1)
                return res[inv], ok[inv]

    def _first(self, c: int) -> None:
        """The tainted evaluation of class ``c`` (its representative's, when shared)."""
        if self.concrete:
            self._all_concrete(np.array([c]))
            return
        if self.canon is not None:
            rep = int(self.canon.rep(np.array([c]))[0])
            if rep != c:
                self._grow(rep + 1)
                if self.val[rep] == _UNSEEN:
                    self._first(rep)
                self.val[c] = self.val[rep]
                return
        try:
            self.val[c] = self._call(c, 0, 0, (), ())
        except _Read as e:
            self._learn(c, e)

    def _keyed(self, cls: np.ndarray, r: np.ndarray, l: np.ndarray) -> np.ndarray:
        """The predicate on elements of keyed classes ``cls``: from the dense blocks
        (`_Dense`) where cached, else `_keyed_sorted`."""
        if not _digits(self.T).slots:
            return self._keyed_sorted(cls, r, l)
        return self._through_dense("kdense", cls, r, l,
                                   lambda c, rc, lc: (self._keyed_sorted(c, rc, lc), self.rbits[c], self.lbits[c], None))[0]

    def _keyed_sorted(self, cls: np.ndarray, r: np.ndarray, l: np.ndarray) -> np.ndarray:
        """`_keyed` by sorting the elements' keys (``np.unique``) and a memo per distinct key."""
        T = self.T
        while True:
            rb, lb = self.rbits[cls], self.lbits[cls]
            kk = self._key_bits(rb, lb, r, l)
            if (int(cls.max()) + 1) * T.RL < 1 << 62:
                uniq, first, inv = np.unique(cls * T.RL + kk, return_index=True, return_inverse=True)
                keys = uniq.tolist()
            else:  # too many classes for one int64 key: unique rows, Python keys
                pair = np.stack([cls, kk], axis=1)
                uniq, first, inv = np.unique(pair, axis=0, return_index=True, return_inverse=True)
                keys = [c * T.RL + k for c, k in uniq.tolist()]
            res = np.empty(len(keys), dtype=bool)
            again = False
            memo = self.memo
            for x, (u, i) in enumerate(zip(keys, first.tolist())):
                hit = memo.get(u)
                if hit is None:
                    c = int(cls[i])
                    try:
                        hit = memo[u] = self._call(c, int(r[i]), int(l[i]), _bits(int(rb[i])), _bits(int(lb[i])))
                    except _Read as e:
                        self._learn(c, e)
                        again = True
                        continue
                res[x] = hit
            if not again:
                return res[inv.reshape(-1)]


class _Canon:
    """The orbit representatives of one kind of class (core states or table edges) under
    permutations of interchangeable containers (`Tables.canonical`, `Tables.derive_row`)."""

    def __init__(self, T: Tables, kind: str):
        self.T, self.kind = T, kind
        # an edge's permutation number is its source core's, which never changes once known:
        # gathered once per edge, as edges appear (speed only: the gather ran over every edge
        # for every chunk)
        self._pid = _Column(np.int64)

    def arrays(self, top: int) -> tuple[np.ndarray, np.ndarray]:
        """Representative and permutation number of classes ``0..top-1``."""
        T = self.T
        if self.kind == "core":
            return T.canon_arrays(top)
        src, reps = (T.mirror("e_src"), T.mirror("e_rep")) if self.kind == "edge" else (T.mirror("r_src"), T.mirror("r_rep"))
        known = self._pid.n
        if known < top:
            new = src[known:top]
            _, pid = T.canon_arrays(int(new.max()) + 1)
            self._pid.append(pid[new])
        return reps[:top], self._pid.array()[:top]

    def rep(self, cls: np.ndarray) -> np.ndarray:
        return self.arrays(int(cls.max()) + 1)[0][cls] if cls.size else cls

    def to_rep(self, cls: np.ndarray, r: np.ndarray, l: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each element as its representative class sees it (counts and codes permuted)."""
        reps, pids = self.arrays(int(cls.max()) + 1)
        rep, pid = reps[cls], pids[cls]
        move = np.flatnonzero(rep != cls)
        if not move.size:
            return cls, r, l
        r, l = r.copy(), l.copy()
        r[move], l[move] = _digits(self.T).permute(pid[move], r[move], l[move])
        return rep, r, l


def _row_bytes(bits: int) -> int:
    """Bytes per row of a per-class bit array (`_Checks._odd`) with ``bits`` bits: 0, 1, 2, 4
    or a multiple of 8, so that a row reads as one integer (`_rows`)."""
    n = (bits + 7) >> 3
    return n if n in (0, 1, 2) else 4 if n <= 4 else (n + 7) & ~7


#: Unsigned integer type of a row of `_rows`'s widths.
_ROW_TYPES = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def _rows(a: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``a[idx]`` for a 2-D array of bytes: rows of 1, 2, 4 or 8 bytes are gathered as one
    integer each (speed only: NumPy gathers rows of a 2-D array several times slower)."""
    t = _ROW_TYPES.get(a.shape[1])
    if t is None or not a.flags.c_contiguous or a.dtype != np.uint8:
        return a[idx]
    return a.view(t).reshape(-1)[idx].view(np.uint8).reshape(-1, a.shape[1])


def _distinct(x: np.ndarray, top: int | None = None) -> np.ndarray:
    """``np.unique(x)`` for non-negative integers below ``top`` (default: ``x.max() + 1``):
    by marking them in a boolean array of ``top`` when ``x`` is not much smaller than it
    (speed only: no sort; a chunk's classes are many repeats of few numbers), else by
    ``np.unique``."""
    if x.size < 64:
        return np.unique(x)
    if top is None:
        top = int(x.max()) + 1
    if x.size * 8 < top:
        return np.unique(x)
    mark = np.zeros(top, bool)
    mark[x] = True
    return np.flatnonzero(mark).astype(x.dtype, copy=False)


#: Radix of a container state's number in a hidden transition's packed key (`_Checks._hidden_ids`).
_HIDDEN_PACK = 1 << 20
#: Most combinations of counts and codes `_Values.settle` evaluates to make a keyed class plain.
SETTLE_SPAN = 32
#: States found before keyed classes are settled (`_Checks.settling`): settling a class costs
#: up to `SETTLE_SPAN` evaluations of its predicate, which its elements' look-ups pay back only
#: in a large run (five-containers, 1.7 M states: 4.2 % fewer instructions; settled from the
#: start, onfailure-i0s1a3-gx, 74,631 states, took 4.1-4.5 CPU s against 2.7-3.5 without).
#: When the search reaches it, every class keyed so far is settled at once (`_Checks._settle_all`).
SETTLE_FROM = 1 << 17


def _combinations(T: Tables, cls: np.ndarray, rb: np.ndarray, lb: np.ndarray, coded: np.ndarray,
                  limit: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every combination of the digits a state of class ``cls[i]`` can have at the positions
    of masks ``rb[i]``/``lb[i]``, the other digits 0, for each class with at most ``limit`` of
    them: a count is 0 .. `Tables.M`; a code is 1 .. `Tables.B` - 1 where the class's core has
    one (bit of ``coded[i]``), else 0 (`Tables.core_of`).  Returns the classes, counts and
    codes (packed as the search packs them), and the index ``i`` of each one's class."""
    n, base_r = T.n, T.M + 1
    span = np.ones(cls.size, np.int64)
    for j in range(n):
        span *= np.where(rb >> j & 1, base_r, 1) * np.where((lb & coded) >> j & 1, T.B - 1, 1)
    ok = np.flatnonzero(span <= limit)
    of = np.repeat(ok, span[ok])
    k = np.arange(of.size, dtype=np.int64) - np.repeat(np.cumsum(span[ok]) - span[ok], span[ok])
    r, l = np.zeros(of.size, np.int64), np.zeros(of.size, np.int64)
    for j in range(n):   # k in mixed radix: the counts' digits first, then the codes'
        has = (rb[of] >> j & 1).astype(bool)
        r[has] += k[has] % base_r * int(T.P[j])
        k[has] //= base_r
    for j in range(n):
        has = ((lb[of] & coded[of]) >> j & 1).astype(bool)
        l[has] += (k[has] % (T.B - 1) + 1) * int(T.PL[j])
        k[has] //= T.B - 1
    return cls[of], r, l, of


def _unique_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``np.unique(rows, axis=0, return_index=True, return_inverse=True)`` (the inverse flat):
    the distinct rows in lexicographic order, the first position of each, and each row's
    place among them; by one stable ``np.lexsort`` of the columns (speed only: ``np.unique``
    sorts the rows as opaque records, about twice as slow here)."""
    if not len(rows):
        return rows, np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = np.lexsort(rows.T[::-1])   # (the first column is the primary key; stable: firsts first)
    s = rows[order]
    starts = np.ones(len(s), bool)
    np.any(s[1:] != s[:-1], axis=1, out=starts[1:])
    inv = np.empty(len(rows), np.int64)
    inv[order] = np.cumsum(starts) - 1
    at = np.flatnonzero(starts)
    return s[at], order[at], inv


#: The catalogue's predicates: they compare containers, counts and codes, never hash them
#: (`_untrusted`).
_CATALOGUE_PREDICATES = frozenset(f for p in CATALOGUE for f in (p.check, p.trigger) if f is not None)


def _untrusted(p: Property) -> bool:
    """Whether ``p``'s predicates must never run on placeholders.

    Placeholders hash by identity (in C: the model's caches hash states holding them millions
    of times a run), which is exact for a predicate that compares containers, counts and
    codes but not for one that hashes them: ``len(set(t.containers))`` would see two equal
    containers apart.  The catalogue's predicates only compare; any other predicate (a
    user's) is evaluated on concrete states only, every class keyed by all its counts and
    codes: more evaluations for that predicate, the readable engine's value.
    """
    return not {p.check, p.trigger} - {None} <= _CATALOGUE_PREDICATES


#: The step checks' compiled pass (`_Checks._steps_jit`): None (default) where the search has
#: loaded numba's loops (`Tables.jit`, past `podmodel.engines.visited.JIT_FROM` states: numba is
#: never imported for a small run), True always (a test hook: numba forced on for small runs),
#: False never (the NumPy path, the reference).
CHECKS_JIT: bool | None = None
#: Run the compiled pass beside the search, in a worker thread (`_Beside`); False: in the
#: search's own thread, before it goes on.
CHECKS_BESIDE = True
_NO_RID = np.zeros(0, np.int64)
_NO_SLOTS = (np.zeros((1, 1), np.int32), np.zeros(1, np.int64))


def _checks_kernels(T: Tables):
    """`podmodel.engines.compiled_jit_checks` when the checks are to use it (`CHECKS_JIT`), else None."""
    if CHECKS_JIT is False or (CHECKS_JIT is None and T.jit is None):
        return None
    try:
        from podmodel.engines import compiled_jit_checks
    except Exception:  # numba absent, or unusable here: the NumPy path
        return None
    return compiled_jit_checks


class _Beside:
    """`compiled_jit_checks.steps` over one chunk, run beside the search by one worker thread
    (numba's loop holds no interpreter lock; a thread started per chunk cost a scheduling
    delay per chunk on a busy machine).  It reads only the chunk's arrays and the per-class
    arrays it was given (``inputs``, `_Checks._jit_inputs`); the search's thread leaves the
    edges' per-class arrays alone until `result` (only the NumPy path writes them)."""

    _queue: queue.SimpleQueue | None = None   # the worker's jobs (one worker per process)

    def __init__(self, kernels, chunk: tuple, inputs: tuple, where: tuple):
        self.chunk, self.where = chunk, where
        e, rid, r, l = chunk
        self.unknown = np.empty(e.size, np.int64)
        self.found = np.full(len(inputs[5]), -1, np.int64)
        self.args = (e, _NO_RID if rid is None else rid, r, l, *inputs, self.unknown, self.found)
        self.kernels, self.n, self.error = kernels, -1, None
        self.done = threading.Event()
        if _Beside._queue is None:
            _Beside._queue = queue.SimpleQueue()
            threading.Thread(target=_Beside._work, args=(_Beside._queue,), daemon=True,
                             name="podmodel-step-checks").start()
        _Beside._queue.put(self)

    @staticmethod
    def _work(jobs: queue.SimpleQueue) -> None:
        while True:
            job = jobs.get()
            try:
                job.n = job.kernels.steps(*job.args)
            except BaseException as e:  # raised in the search's thread by `result`
                job.error = e
            finally:
                job.args = None
                job.done.set()

    def result(self) -> tuple[int, np.ndarray, np.ndarray]:
        self.done.wait()
        if self.error is not None:
            raise self.error
        return self.n, self.unknown, self.found


if hasattr(os, "register_at_fork"):  # a forked child has no worker thread: it starts its own
    os.register_at_fork(after_in_child=lambda: setattr(_Beside, "_queue", None))


def _hide(args: tuple, hide: tuple) -> tuple:
    """A predicate's arguments, ``(model, state)`` or ``(model, state, action, target)``, with
    the containers of ``hide`` (not None there) replaced in each state (`_Checks._number`)."""
    def sub(x: PodState) -> PodState:
        return _with_containers(x, tuple(o if h is None else h for o, h in zip(x[8], hide)))
    return (args[0], sub(args[1])) if len(args) == 2 else (args[0], sub(args[1]), args[2], sub(args[3]))


class _Checks:
    """Every property checked during the search, on the search's own arrays.

    ``always``/``sometimes`` (and the ``check``/``trigger`` of ``eventually``) per core
    state, ``step`` per table edge (or resolved edge), each through `_Values`; the first
    violation (witness) in the readable engine's order is kept: states by number,
    transitions by source number then the model's action order.  The first, tainted
    evaluation of a new class is shared: its state (and transition) is built once and
    every predicate still open is run on it.  A transition class is first asked as its
    hidden transition (`_hidden_ids`), once for every class of it.  Per kind of class, an
    attention byte and a bit per watched property (`_attention`, `_odd`) let a chunk's
    elements be sorted out by one gather; the eventually properties' values are kept two
    bits per state (`live_bits`, `_LiveBits`).
    """

    def __init__(self, T: Tables, props: Sequence[Property]):
        m = T.model
        self.T, self.m = T, m
        self.always = [p for p in props if p.kind == "always"]
        self.sometimes = [p for p in props if p.kind == "sometimes"]
        self.steps = [p for p in props if p.kind == "step"]
        self.eventually = [p for p in props if p.kind == "eventually"]

        # values shared across an orbit of interchangeable containers (`Property.symmetric`)
        self.canon = {k: _Canon(T, k) for k in ("core", "edge", "resolved")} if T.sym else {}

        def state(f, p):
            v = _Values(T, lambda c, r, l, rp, lp: f(m, T.partial_view(c, r, l, rp, lp)),
                        self.canon.get("core") if p.symmetric else None, _untrusted(p))
            v.pred = f
            return v

        self.sv = {p.id: state(p.check, p) for p in self.always + self.sometimes}
        self.live = {p.id: (state(p.check, p), state(p.trigger, p)) for p in self.eventually}
        #: the ``eventually`` properties' check and trigger on every state checked, in order:
        #: bit ``2k`` (check) and ``2k + 1`` (trigger) of property ``k``, byte ``bit >> 3`` (`_LiveBits`)
        self.live_bits: list[np.ndarray] = []
        self.ev = {}
        for p in self.steps:
            table = _Values(T, self._table_edge(p), self.canon.get("edge") if p.symmetric else None, _untrusted(p))
            resolved = _Values(T, self._resolved_edge(p), self.canon.get("resolved") if p.symmetric else None,
                               _untrusted(p))
            table.pred = resolved.pred = p.check
            self.ev[p.id] = (table, resolved)
        self.bad_state: dict[str, int] = {}
        self.found: dict[str, int] = {}
        self.bad_step: dict[str, tuple[int, int]] = {}
        self._seen = {"core": np.zeros(0, bool), "edge": np.zeros(0, bool), "resolved": np.zeros(0, bool)}
        # Which classes need a look (`_attention`).  Per kind of class, the properties watched on
        # it: (property, values, the value that needs no look, the verdicts that close it); per
        # class, the watched properties it does not plainly satisfy (`_odd`: bit ``i & 7`` of byte
        # ``i >> 3``), and one byte: unseen, or odd for a property still open (`_attn`).
        self._watch = {
            "core": [(p, self.sv[p.id], 1, self.bad_state) for p in self.always]
            + [(p, self.sv[p.id], 0, self.found) for p in self.sometimes],
            "edge": [(p, self.ev[p.id][0], 1, self.bad_step) for p in self.steps],
            "resolved": [(p, self.ev[p.id][1], 1, self.bad_step) for p in self.steps]}
        self._odd = {k: np.zeros((0, _row_bytes(len(w))), np.uint8) for k, w in self._watch.items()}
        self._attn = {k: np.zeros(0, np.uint8) for k in self._watch}
        self._attn_for: dict[str, bytes | None] = {k: None for k in self._watch}
        # per core: the eventually properties' values where plain (bits as in `live_bits`), and
        # whether one of them is keyed by counts or codes there
        self._live_plain = np.zeros((0, (2 * len(self.eventually) + 7) >> 3), np.uint8)
        self._live_keyed = np.zeros(0, bool)
        # transitions with their unchanged containers hidden (`_hidden_ids`)
        self._r_np = np.zeros((0, 5), np.int64)
        self._coded_np = np.zeros(0, np.int64)            # per core: its code positions (`_coded`)
        self._hkeys: dict[tuple, int] = {}                 # hidden transition -> its number
        self._hargs: list[tuple] = []                      # its arguments, by number
        self._hrep: list[tuple[str, int]] = []             # its first class (kind, number)
        self._hmask: list[tuple] = []                      # per container: what hides it (`_Same`), or None
        self._same_m: dict[tuple[int, str], _MachineOnly] = {}  # `_MachineOnly` per (position, machine state)
        self._mach_np = np.zeros(0, np.int64)               # per container state number: its machine's number
        self._mach_ids: dict[str, int] = {}                 # machine state -> its number (`_machines`)
        self._pending: _Beside | None = None               # the compiled pass running beside the search
        self.settling = False                              # keyed classes settled (`SETTLE_FROM` states found)

    def _table_edge(self, p: Property):
        T, m = self.T, self.m

        def evaluate(e: int, r: int, l: int, rp: tuple, lp: tuple) -> bool:
            edge = (T.e_dst[e], T.e_inc[e], T.e_op[e], T.e_act[e])
            c = T.e_src[e]
            return p.check(m, T.partial_view(c, r, l, rp, lp), T.actions[edge[3]], T.ptarget(edge, r, l, rp, lp))
        return evaluate

    def _resolved_edge(self, p: Property):
        T, m = self.T, self.m

        def evaluate(k: int, r: int, l: int, rp: tuple, lp: tuple) -> bool:
            c, edge = T.r_edges[k]
            return p.check(m, T.partial_view(c, r, l, rp, lp), T.actions[edge[3]], T.ptarget(edge, r, l, rp, lp))
        return evaluate

    def _prime(self, kind: str, group: list[_Values], cls: np.ndarray) -> None:
        """First evaluation of the classes in ``cls`` not seen yet, by every predicate of ``group``."""
        if not cls.size or not group:
            return
        top = int(cls.max()) + 1
        self._cover(kind, top)
        seen = self._seen[kind]
        fresh = _distinct(cls[~seen[cls]], top)
        if not fresh.size:
            return
        canon = self.canon.get(kind)
        shared = [v for v in group if v.canon is not None]
        own = [v for v in group if v.canon is None]
        if canon is not None and shared:
            rep = canon.rep(fresh)
            for v in group:
                v._grow(max(top, int(rep.max()) + 1))
            self._evaluate(kind, shared, _distinct(rep))
            moved = np.flatnonzero(rep != fresh)
            for v in shared:  # a permuted class takes its representative's value
                dst, src = fresh[moved], rep[moved]
                todo = v.val[dst] == _UNSEEN
                v.val[dst[todo]] = v.val[src[todo]]
        else:
            for v in group:
                v._grow(top)
            own = group
        self._evaluate(kind, own, fresh)
        seen[fresh] = True
        self._refresh(kind, fresh)

    def _cover(self, kind: str, top: int) -> None:
        """Grow the per-class arrays of ``kind`` to hold classes ``0..top-1``."""
        seen = self._seen[kind]
        if top <= seen.size:
            return
        extra = max(top, 2 * seen.size) - seen.size
        self._seen[kind] = np.concatenate([seen, np.zeros(extra, bool)])
        odd = self._odd[kind]
        self._odd[kind] = np.concatenate([odd, np.zeros((extra, odd.shape[1]), np.uint8)])
        self._attn[kind] = np.concatenate([self._attn[kind], np.ones(extra, np.uint8)])
        if kind == "core":
            lp = self._live_plain
            self._live_plain = np.concatenate([lp, np.zeros((extra, lp.shape[1]), np.uint8)])
            self._live_keyed = np.concatenate([self._live_keyed, np.zeros(extra, bool)])

    def _open(self, kind: str) -> np.ndarray:
        """The properties watched on ``kind`` still open, as a byte mask like `_odd`'s rows."""
        watch = self._watch[kind]
        out = np.zeros(self._odd[kind].shape[1], np.uint8)
        for i, (p, _, _, closed) in enumerate(watch):
            if p.id not in closed:
                out[i >> 3] |= 1 << (i & 7)
        return out

    def _attention(self, kind: str, top: int) -> np.ndarray:
        """Per class of ``kind`` (``0..top-1`` at least): 1 when its elements need a look --
        the class is not evaluated yet, or some open property watched on it is not plainly
        satisfied there (keyed by counts or codes, or the other value) -- else 0.  A layer's
        elements are then sorted out with one gather: on a model that holds, nearly all
        transitions and states are plain, and only the few that are not reach `_Values`."""
        self._cover(kind, top)
        key = self._open(kind)
        if self._attn_for[kind] != key.tobytes():  # a property closed (or the first call): recompute
            self._attn[kind] = (~self._seen[kind] | (self._odd[kind] & key).any(axis=1)).astype(np.uint8)
            self._attn_for[kind] = key.tobytes()
        return self._attn[kind]

    def _refresh(self, kind: str, fresh: np.ndarray) -> None:
        """`_odd` and `_attn` (and for cores the eventually properties' plain values) of
        classes ``fresh``, just evaluated."""
        watch = self._watch[kind]
        top = int(fresh.max()) + 1
        row = np.zeros((fresh.size, self._odd[kind].shape[1]), np.uint8)
        for i, (_, v, good, _) in enumerate(watch):
            v._grow(top)
            row[:, i >> 3] |= (v.val[fresh] != good).astype(np.uint8) << np.uint8(i & 7)
        self._odd[kind][fresh] = row
        self._attn[kind][fresh] = (row & self._open(kind)).any(axis=1)
        if kind == "core" and self.eventually:
            plain = np.zeros((fresh.size, self._live_plain.shape[1]), np.uint8)
            keyed = np.zeros(fresh.size, bool)
            for k, p in enumerate(self.eventually):
                for half, v in enumerate(self.live[p.id]):
                    b = 2 * k + half
                    x = v.val[fresh]
                    plain[:, b >> 3] |= (x == 1).astype(np.uint8) << np.uint8(b & 7)
                    keyed |= (x != 0) & (x != 1)
            self._live_plain[fresh] = plain
            self._live_keyed[fresh] = keyed

    def _evaluate(self, kind: str, group: list[_Values], classes: np.ndarray) -> None:
        """The tainted evaluation, by each predicate of ``group`` not yet run on it, of each
        class of ``classes`` (distinct).  A transition is first asked with the containers it
        leaves unchanged hidden (`_hidden_ids`), once per hidden transition, then, where the
        predicate looked at one, with their machine states shown; a core state is first
        asked with its containers hidden but for their machine states (`_head_ids`).  The
        classes whose predicate looked at a hidden container are then asked themselves: their
        arguments are built once per class, and each predicate runs over the batch in one
        loop.  The classes a predicate is then keyed on are made plain where it has one value
        on them (`_Values.settle`)."""
        if not group or not classes.size:
            return
        cur = np.stack([v.val[classes] for v in group])
        need = np.flatnonzero((cur == _UNSEEN).any(axis=0))
        if not need.size:
            return
        settle = kind != "resolved" and self.settling   # (not resolved edges: each holds for some codes only)
        if settle:
            first = cur == _UNSEEN
        concrete = [g for g, v in enumerate(group) if v.concrete]
        if concrete:  # predicates that never run on placeholders (`_untrusted`): keyed at once
            for g in concrete:
                unseen = cur[g, need] == _UNSEEN
                group[g]._all_concrete(classes[need[unseen]])
                cur[g, need[unseen]] = _KEYED
            need = need[(cur[:, need] == _UNSEEN).any(axis=0)]
            if not need.size:
                for g, v in enumerate(group):
                    v.val[classes] = cur[g]
                return
        cl = classes[need]
        hidden = self._head_ids(cl) if kind == "core" else self._hidden_ids(kind, cl)
        todos = []
        for g, v in enumerate(group):
            self.T.check_clock()
            todo = np.flatnonzero(cur[g, need] == _UNSEEN)
            if todo.size:  # first with the containers hidden (a transition's unchanged ones)
                todo = self._ask_hidden(v, cur[g], need, cl, hidden, todo)
            todos.append(todo)
        if kind != "core" and any(t.size for t in todos):
            # it looked at an unchanged container: asked again with their machine states shown
            again = _distinct(np.concatenate(todos), cl.size)
            shown = np.full(cl.size, -1, np.int64)
            shown[again] = self._hidden_ids(kind, cl[again], machines=True)
            for g, v in enumerate(group):
                if todos[g].size:
                    todos[g] = self._ask_hidden(v, cur[g], need, cl, shown, todos[g])
        every = np.unique(np.concatenate(todos)) if todos else np.zeros(0, np.int64)
        batch = dict(zip(every.tolist(), self._tainted_batch(kind, cl[every].tolist()))) if every.size else {}
        reads = []
        for g, v in enumerate(group):
            todo = todos[g].tolist()
            if not todo:
                continue
            self.T.check_clock()
            pred = v.pred
            try:  # the common case: no placeholder read, one comprehension
                got = [1 if pred(*batch[i]) else 0 for i in todo]
            except _Read:
                got = None
            if got is not None:
                cur[g, need[todo]] = got
                continue
            row = cur[g]
            for i in todo:
                try:
                    row[need[i]] = 1 if pred(*batch[i]) else 0
                except _Read as e:
                    row[need[i]] = _KEYED
                    reads.append((v, int(cl[i]), e.with_traceback(None)))
        for g, v in enumerate(group):
            v.val[classes] = cur[g]
        for v, c, e in reads:
            v._learn(c, e)
        if settle:
            for g, v in enumerate(group):
                k = classes[first[g] & (v.val[classes] == _KEYED)]
                if k.size:
                    v.settle(k, self._coded(kind, k))

    def _ask_hidden(self, v: _Values, row: np.ndarray, need: np.ndarray, cl: np.ndarray, hidden: np.ndarray,
                    todo: np.ndarray) -> np.ndarray:
        """``v``'s predicate on the hidden transitions ``hidden[todo]`` of classes ``cl[todo]``
        (`_evaluate`): their values written to ``row`` at ``need[todo]``, a class keyed by
        counts or codes of the containers shown keyed by its hidden transition (`_Values.hid`);
        returns the positions of ``todo`` it left to the classes (it looked at a hidden container)."""
        got = self._hidden_values(v, hidden[todo])
        keyed = got == _HKEYED  # keyed by counts or codes shown: by the hidden transition
        if keyed.any():
            v._kgrow(int(cl[todo[keyed]].max()) + 1)
            v.hid[cl[todo[keyed]]] = hidden[todo[keyed]]
        got[keyed] = _KEYED
        done = keyed | (got != _KEYED)
        row[need[todo[done]]] = got[done]
        return todo[~done]

    def _settle_all(self) -> None:
        """Settle every class keyed so far (cores and table edges, `_Values.settle`), from now
        on each right after its first evaluation (`_evaluate`); their attention bytes and bits
        are then computed again (`_refresh`).  Called once, when the search has found
        `SETTLE_FROM` states: before, a class's elements are too few to pay for settling it.
        (A class left keyed is only looked up per element, as before: no value depends on
        when, or whether, it is settled.)"""
        self.settling = True
        values = {"core": [*self.sv.values(), *(v for pair in self.live.values() for v in pair)],
                  "edge": [table for table, _ in self.ev.values()]}
        for kind, group in values.items():
            top = self._seen[kind].size
            touched = []
            for v in group:
                k = np.flatnonzero(v.val[:top] == _KEYED)
                if k.size:
                    v.settle(k, self._coded(kind, k))
                    touched.append(k)
            if touched:
                done = _distinct(np.concatenate(touched), top)
                done = done[self._seen[kind][done]]
                if done.size:
                    self._refresh(kind, done)

    def _hidden_ids(self, kind: str, cl: np.ndarray, machines: bool = False) -> np.ndarray:
        """A number for each transition class of ``cl`` (table edges, or resolved edges) as
        it is with every count and code tainted and the containers it leaves unchanged
        hidden (`_Same`): classes that agree on the pod's fields before and after, the
        action and the containers they change get the same number, and `_hidden_values`
        evaluates a predicate once per number.  On the verifier's largest pod
        (always-i1s1a3-pgx), 350,168 table edges evaluated are 2,491 numbers.  With
        ``machines``, the second form asked where a predicate looked at a hidden container:
        the unchanged containers show their machine state (`_MachineOnly`), and classes that
        also agree on those share a number (there, the 70,650 table edges asked so are 3,303
        numbers and the 23,856 resolved edges 1,506; five-containers: the 2,176 resolved
        edges asked, 188).  Both forms are numbered in one sequence; a class that leaves no
        container unchanged has one number for both.

        Computed on the tables' arrays: a container is unchanged when its core state is the
        same in the edge's source and target cores, the edge does not raise its count, and
        its code is copied from itself (or absent in both); the tainted source and target
        then hold the same object there (`Tables.partial_view` and `Tables._target` build
        container states through one memo)."""
        T = self.T
        if kind == "edge":
            src, dst, inc, op, act = (T.mirror(k)[cl] for k in ("e_src", "e_dst", "e_inc", "e_op", "e_act"))
        else:
            r = self._r_arrays()[cl]
            src, dst, inc, op, act = r[:, 0], r[:, 1], r[:, 2], r[:, 3], r[:, 4]
        head_s, cid_s = (x.astype(np.int64) for x in T._signature_arrays(src))
        head_d, cid_d = (x.astype(np.int64) for x in T._signature_arrays(dst))
        kinds, vals = T.arrays()[6:8]
        ks, vs = kinds[op], vals[op]
        n, C, V = T.n, _HIDDEN_PACK, max(T.n, T.B) + 1
        # a change of one container as one int64, by a fixed radix: a key is kept across calls
        # (`_hkeys`), so the packing must not change with the number of container states
        packed = C * C * 6 * V < 1 << 62 and max(int(cid_s.max()), int(cid_d.max())) < C
        mach = self._machines() if machines else None
        cols = [head_s, head_d, act]
        masks = []
        for j in range(n):
            cs_, cd = cid_s[:, j], cid_d[:, j]
            bump = (inc >> j) & 1
            same = (cs_ == cd) & (bump == 0) & ((ks[:, j] == _NONE) | ((ks[:, j] == _COPY) & (vs[:, j] == j)))
            parts = [(((cs_ * C + cd) * 2 + bump) * 3 + ks[:, j]) * V + vs[:, j]] if packed else [cs_, cd, bump, ks[:, j], vs[:, j]]
            # an unchanged container's columns: -1 (hidden), or -2 - its machine's number (shown)
            cols.append(np.where(same, -1 if mach is None else -2 - mach[cs_], parts[0]))
            cols.extend(np.where(same, -1, x) for x in parts[1:])
            masks.append(same)
        uniq, first, inv = _unique_rows(np.stack(cols, axis=1))
        ids = np.empty(len(uniq), np.int64)
        for x, (key, i) in enumerate(zip(map(tuple, uniq.tolist()), first.tolist())):
            ids[x] = self._number(key, kind, int(cl[i]), lambda args, i=i: tuple(
                (self._same_machine(j, args[1][8][j].machine) if machines else _SAME[j]) if mk[i] else None
                for j, mk in enumerate(masks)))
        return ids[inv]

    def _head_ids(self, cl: np.ndarray) -> np.ndarray:
        """A number for each core state of ``cl`` as it is with its containers hidden but for
        their machine states (`_MachineOnly`): its pod's fields, which hold no count or code,
        and each container's machine state (`Tables._signature`).  Numbered in `_hidden_ids`'
        sequence, so `_hidden_values` evaluates a state predicate once per number: a
        predicate that decides from those alone (the phase is not terminal, no container
        runs, ...) holds that value on every core state of the number.  Five-containers: the
        5,269 representative cores asked are 124 numbers (with the transitions' two forms,
        the predicates' calls in its search: 179,327 -> 42,559)."""
        head, cids = self.T._signature_arrays(cl)
        rows = np.concatenate([head.astype(np.int64)[:, None], self._machines()[cids.astype(np.int64)]], axis=1)
        uniq, first, inv = _unique_rows(rows)
        ids = np.empty(len(uniq), np.int64)
        for x, (key, i) in enumerate(zip(map(tuple, uniq.tolist()), first.tolist())):
            ids[x] = self._number(("core", *key), "core", int(cl[i]), lambda args: tuple(
                self._same_machine(j, cs.machine) for j, cs in enumerate(args[1][8])))
        return ids[inv]

    def _number(self, key: tuple, kind: str, c: int, hide_of: Callable[[tuple], tuple]) -> int:
        """The number of the hidden transition (or state) ``key`` (`_hkeys`, one sequence for
        every form); a new one's arguments are built from class ``c`` of ``kind``, its tainted
        arguments with the containers ``hide_of(them)`` gives (not None there) replaced."""
        k = self._hkeys.get(key)
        if k is None:
            k = self._hkeys[key] = len(self._hargs)
            args = self._tainted_batch(kind, [c])[0]
            hide = hide_of(args)
            self._hrep.append((kind, c))
            self._hmask.append(hide)
            self._hargs.append(_hide(args, hide))
        return k

    def _same_machine(self, j: int, machine: str) -> _MachineOnly:
        """The one `_MachineOnly` of position ``j`` and ``machine`` (identity matters)."""
        hit = self._same_m.get((j, machine))
        if hit is None:
            hit = self._same_m[(j, machine)] = _MachineOnly(j, machine)
        return hit

    def _machines(self) -> np.ndarray:
        """Per container state number (`Tables._signature`): a number for its machine state."""
        T, have = self.T, self._mach_np
        if len(have) < len(T._cstates):
            ids = self._mach_ids
            tail = [ids.setdefault(cs.machine, len(ids)) for cs in T._cstates[len(have):]]
            have = self._mach_np = np.concatenate([have, np.array(tail, np.int64)])
        return have

    def _coded(self, kind: str, cl: np.ndarray) -> np.ndarray:
        """Per class of ``cl`` (cores, or table edges): the positions where its core (an edge's
        source core) has a code, as a bit mask (kept per core, -1 until asked)."""
        T = self.T
        src = cl if kind == "core" else T.mirror("e_src")[cl]
        have = self._coded_np
        if len(have) < len(T.cores):
            have = self._coded_np = np.concatenate([have, np.full(max(len(T.cores), 2 * len(have)) - len(have), -1)])
        for c in np.unique(src[have[src] < 0]).tolist():
            have[c] = sum(1 << j for j, cs in enumerate(T.cores[c][8]) if cs.last_exit_code is not None)
        return have[src]

    def _r_arrays(self) -> np.ndarray:
        """The resolved edges as rows (source core, target core, increment mask, code op, action)."""
        T = self.T
        have = self._r_np
        if len(have) < len(T.r_edges):
            tail = np.array([(c, *e) for c, e in T.r_edges[len(have):]], np.int64).reshape(-1, 5)
            have = self._r_np = np.concatenate([have, tail])
        return have

    def _hidden_values(self, v: _Values, ids: np.ndarray) -> np.ndarray:
        """``v``'s predicate on each hidden transition of ``ids``: 1/0, or `_KEYED` where it
        looked at a hidden container or a placeholder (then the transition itself is asked)."""
        v._hgrow(len(self._hargs))
        v.hidden = self
        hval = v.hval
        got = hval[ids]
        unseen = got == _UNSEEN
        if unseen.any():
            pred, hargs = v.pred, self._hargs
            for k in np.unique(ids[unseen]).tolist():
                try:
                    hval[k] = 1 if pred(*hargs[k]) else 0
                except _Read as e:
                    if e.rc_pos is not None:
                        v.hrb[k], hval[k] = 1 << e.rc_pos, _HKEYED
                    elif e.pos is not None:
                        v.hlb[k], hval[k] = 1 << e.pos, _HKEYED
                    else:  # it looked at a hidden container: the transition itself decides
                        hval[k] = _KEYED
                except Exception:  # the transition itself decides (and raises, if it must)
                    hval[k] = _KEYED
            got = hval[ids]
        return got

    def _hidden_args(self, k: int, r: int, l: int, rc_pos: tuple, l_pos: tuple) -> tuple:
        """The arguments of hidden transition ``k`` with the counts of ``r`` at ``rc_pos`` and
        the codes of ``l`` at ``l_pos`` concrete (built from the first class numbered ``k``:
        every class of it shows the same containers, so the same values there)."""
        T, (kind, c0), hide = self.T, self._hrep[k], self._hmask[k]
        if kind == "core":   # (`_head_ids`: every container hidden, so no count or code is read)
            return _hide((self.m, T.partial_view(c0, r, l, rc_pos, l_pos)), hide)
        if kind == "edge":
            src, edge = T.e_src[c0], (T.e_dst[c0], T.e_inc[c0], T.e_op[c0], T.e_act[c0])
        else:
            src, edge = T.r_edges[c0]
        return _hide((self.m, T.partial_view(src, r, l, rc_pos, l_pos), T.actions[edge[3]],
                      T.ptarget(edge, r, l, rc_pos, l_pos)), hide)

    def _tainted_batch(self, kind: str, cl: list[int]) -> list[tuple]:
        """The predicates' arguments for each class of ``cl`` with every count and code
        tainted: ``(model, state)`` for a core, ``(model, state, action, target)`` for an edge."""
        T, m = self.T, self.m
        pv = T.partial_view
        if kind == "core":
            return [(m, pv(c, 0, 0, (), ())) for c in cl]
        acts, pt = T.actions, T.ptarget
        if kind == "edge":
            src, dst, inc, op, act = T.e_src, T.e_dst, T.e_inc, T.e_op, T.e_act
            return [(m, pv(src[e], 0, 0, (), ()), acts[act[e]], pt((dst[e], inc[e], op[e], act[e]), 0, 0, (), ()))
                    for e in cl]
        out = []
        for k in cl:
            c, edge = T.r_edges[k]
            out.append((m, pv(c, 0, 0, (), ()), acts[edge[3]], pt(edge, 0, 0, (), ())))
        return out

    def states(self, core: np.ndarray, r: np.ndarray, l: np.ndarray, ids: np.ndarray) -> None:
        """Check new states (numbered ``ids``, increasing)."""
        if not ids.size:
            return
        if not self.settling and ids[-1] + 1 >= SETTLE_FROM:
            self._settle_all()
        always = [p for p in self.always if p.id not in self.bad_state]
        sometimes = [p for p in self.sometimes if p.id not in self.found]
        group = [self.sv[p.id] for p in always + sometimes] + [v for pair in self.live.values() for v in pair]
        if not group:
            return
        # only the states whose class is new, or not plainly "holds" (always) or "misses"
        # (sometimes) for some open predicate, are looked at, one property at a time
        pick = np.flatnonzero(self._attention("core", len(self.T.cores))[core])
        if pick.size:
            cp, rp, lp = core[pick], r[pick], l[pick]
            self._prime("core", group, cp)
            self._look("core", _rows(self._odd["core"], cp), lambda p, v, sel: v.values(cp[sel], rp[sel], lp[sel]),
                       lambda p, sel, got: self._verdict(p, ids[pick[sel]], got))
        if self.eventually:
            bits = _rows(self._live_plain, core)
            k = np.flatnonzero(self._live_keyed[core])
            if k.size:  # keyed by counts or codes: per state
                ck, rk, lk = core[k], r[k], l[k]
                for x, p in enumerate(self.eventually):
                    for half, v in enumerate(self.live[p.id]):
                        b = 2 * x + half
                        col = bits[k, b >> 3]
                        mask = np.uint8(1 << (b & 7))
                        bits[k, b >> 3] = np.where(v.values(ck, rk, lk), col | mask, col & ~mask)
            self.live_bits.append(bits)

    def _verdict(self, p: Property, ids: np.ndarray, got: np.ndarray) -> None:
        """Record the first state of ``ids`` (increasing) violating (always) or witnessing
        (sometimes) ``p``, by its values ``got`` there."""
        if p.kind == "always":
            bad = np.flatnonzero(~got)
            if bad.size:
                self.bad_state[p.id] = int(ids[bad[0]])
        else:
            hit = np.flatnonzero(got)
            if hit.size:
                self.found[p.id] = int(ids[hit[0]])

    def _look(self, kind: str, odd: np.ndarray, evaluate: Callable, record: Callable) -> None:
        """Each open property watched on ``kind`` over the elements whose class does not
        plainly satisfy it (``odd``: their classes' `_odd` rows): ``record(property,
        positions, values)`` with ``evaluate(property, values, positions)`` the values there."""
        odd &= self._open(kind)
        # the bits set in some row: reduced along each byte column, contiguous (speed only: a
        # reduction down the columns of the row-major array ran ten times slower)
        some = np.bitwise_or.reduce(np.ascontiguousarray(odd.T), axis=1)
        for i, (p, v, _, closed) in enumerate(self._watch[kind]):
            if p.id in closed or not some[i >> 3] >> (i & 7) & 1:
                continue
            sel = np.flatnonzero(odd[:, i >> 3] & np.uint8(1 << (i & 7)))
            record(p, sel, evaluate(p, v, sel))

    def transitions(self, e: np.ndarray, rid: np.ndarray | None, r: np.ndarray, l: np.ndarray,
                    src: np.ndarray, act: np.ndarray) -> None:
        """Check transitions: table edge ``e`` (or, where ``rid >= 0``, resolved edge ``rid``)
        from the states numbered ``src`` with counts ``r`` and codes ``l``, in search order.

        By NumPy (`_steps_numpy`, the reference), or, where numba is loaded, in one compiled
        pass (`_steps_jit`) run beside the search in a thread (numba's loop runs without the
        interpreter lock, on the second core): its result, and the NumPy path over what it
        could not decide, are then taken at the next call, or by `settle` when the search
        ends.  Either way each property's first violation is the one in search order.  The
        arrays given are read until then: the caller must not write into them meanwhile."""
        self.settle()
        if not e.size or all(p.id in self.bad_step for p in self.steps):
            return
        kernels = _checks_kernels(self.T)
        if kernels is None:
            self._record(self._steps_numpy(e, rid, r, l), src, act)
        elif not CHECKS_BESIDE:
            self._record(self._steps_jit(kernels, e, rid, r, l), src, act)
        else:
            self._pending = _Beside(kernels, (e, rid, r, l), self._jit_inputs(), (src, act))

    def settle(self, exact_only: bool = False) -> None:
        """Take the compiled pass still running beside the search, if any (`transitions`).
        ``exact_only`` (the clock stopped the search): its violations are kept only where it
        decided every transition of its chunk (no NumPy path, no model call past the clock);
        else the chunk is dropped, as a chunk the clock stops before its checks."""
        pending, self._pending = self._pending, None
        if pending is None:
            return
        n, unknown, found = pending.result()
        if exact_only and n:
            return
        e, rid, r, l = pending.chunk
        self._record(self._steps_jit_rest(e, rid, r, l, n, unknown, found), *pending.where)

    def _record(self, first: dict[str, int], src: np.ndarray, act: np.ndarray) -> None:
        for pid, i in first.items():
            self.bad_step[pid] = (int(src[i]), int(act[i]))

    def _steps_numpy(self, e: np.ndarray, rid: np.ndarray | None, r: np.ndarray, l: np.ndarray) -> dict[str, int]:
        """The first position (in ``e``'s order) violating each open step property, by NumPy:
        only the transitions whose class is new or does not plainly hold every open
        predicate are looked at, one property at a time."""
        steps = [p for p in self.steps if p.id not in self.bad_step]
        first: dict[str, int] = {}
        if not steps or not e.size:
            return first
        T = self.T
        need = self._attention("edge", len(T.e_dst))[e]
        if rid is not None:
            cond = np.flatnonzero(rid >= 0)
            need[cond] = self._attention("resolved", len(T.r_edges))[rid[cond]]
        pick = np.flatnonzero(need)
        if not pick.size:
            return first
        e, r, l = e[pick], r[pick], l[pick]
        rk = rid[pick] if rid is not None else None
        res = np.zeros(pick.size, bool) if rk is None else rk >= 0
        if rk is not None and not res.any():   # no resolved edge needs a look
            rk = None
        if rk is None:
            self._prime("edge", [self.ev[p.id][0] for p in steps], e)
            odd = _rows(self._odd["edge"], e)
        else:
            tab, on = np.flatnonzero(~res), np.flatnonzero(res)
            et, ko = e[tab], rk[on]
            self._prime("edge", [self.ev[p.id][0] for p in steps], et)
            self._prime("resolved", [self.ev[p.id][1] for p in steps], ko)
            odd = np.empty((pick.size, self._odd["edge"].shape[1]), np.uint8)
            odd[tab] = _rows(self._odd["edge"], et)
            odd[on] = _rows(self._odd["resolved"], ko)

        def evaluate(p: Property, table: _Values, sel: np.ndarray) -> np.ndarray:
            if rk is None:
                return table.values(e[sel], r[sel], l[sel])
            got = np.empty(sel.size, dtype=bool)
            on = res[sel]
            a, b = sel[~on], sel[on]
            got[~on] = table.values(e[a], r[a], l[a])
            got[on] = self.ev[p.id][1].values(rk[b], r[b], l[b])
            return got

        def record(p: Property, sel: np.ndarray, ok: np.ndarray) -> None:
            bad = np.flatnonzero(~ok)
            if bad.size:
                first[p.id] = int(pick[sel[bad[0]]])

        self._look("edge", odd, evaluate, record)
        return first

    def _steps_jit(self, kernels, e: np.ndarray, rid: np.ndarray | None, r: np.ndarray,
                   l: np.ndarray) -> dict[str, int]:
        """`_steps_numpy` in one compiled pass (`compiled_jit_checks.steps`) over the
        transitions whose value is plain or cached in their class's own dense block
        (`_Values.odense`); the others (new classes, keyed values not cached yet) go through
        `_steps_numpy`, and the earlier of the two first violations is kept."""
        unknown = np.empty(e.size, np.int64)
        found = np.full(len(self.steps), -1, np.int64)
        n = kernels.steps(e, _NO_RID if rid is None else rid, r, l, *self._jit_inputs(), unknown, found)
        return self._steps_jit_rest(e, rid, r, l, n, unknown, found)

    def _steps_jit_rest(self, e: np.ndarray, rid: np.ndarray | None, r: np.ndarray, l: np.ndarray,
                        n: int, unknown: np.ndarray, found: np.ndarray) -> dict[str, int]:
        """The first violations after the compiled pass: its own (``found``), and the NumPy
        path's over the ``n`` positions it left (``unknown``), the earlier of the two."""
        first = {p.id: int(found[j]) for j, p in enumerate(self.steps) if found[j] >= 0}
        if n:
            u = unknown[:n]
            for pid, i in self._steps_numpy(e[u], None if rid is None else rid[u], r[u], l[u]).items():
                first[pid] = min(first.get(pid, int(u[i])), int(u[i]))
        return first

    def _jit_inputs(self) -> tuple:
        """`compiled_jit_checks.steps`'s per-class arguments as they are now: attention bytes
        and `_odd` rows (table edges, resolved edges), the open properties (as `_open`), per
        step property (in `steps`' order) its values and own-order dense blocks per kind of
        class (tuples), and `_Digits.slot`'s tables."""
        T = self.T
        attn_e, attn_r = self._attention("edge", len(T.e_dst)), self._attention("resolved", len(T.r_edges))
        d = _digits(T)
        mask = _mask_dtype(T.n)
        none = (np.zeros(0, np.int64), np.zeros(0, mask), np.zeros(0, mask), np.zeros(0, np.int8))
        kinds = []
        for half in (0, 1):
            vals, dense = [], []
            for p in self.steps:
                v = self.ev[p.id][half]
                vals.append(v.val)
                o = v.odense
                dense.append(none if o is None else (o.off, o.rb, o.lb, o.buf.a))
            kinds.append((tuple(vals), *(tuple(x[k] for x in dense) for k in range(4))))
        (val_e, *blocks_e), (val_r, *blocks_r) = kinds
        pr, _, pl, sl = d._slot_tables() if d.slots else (_NO_SLOTS[0], None, _NO_SLOTS[0], _NO_SLOTS[1])
        # the same properties, in the same order, are watched on both kinds: one open mask
        return (attn_e, attn_r, self._odd["edge"], self._odd["resolved"], self._open("edge"), val_e, val_r,
                *blocks_e, *blocks_r, pr, pl, sl)


class _LiveBits(Mapping):
    """``eventually`` property id -> (check, trigger) on every state, as boolean arrays
    unpacked on demand from `_Checks.live_bits` (two bits per property and state)."""

    def __init__(self, ids: Sequence[str], bits: np.ndarray):
        self.ids, self.bits = list(ids), bits

    def _bit(self, b: int) -> np.ndarray:
        return (self.bits[:, b >> 3] & np.uint8(1 << (b & 7))) != 0

    def __getitem__(self, pid: str) -> tuple[np.ndarray, np.ndarray]:
        k = self.ids.index(pid)
        return self._bit(2 * k), self._bit(2 * k + 1)

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)


# ------------------------------------------------------------------------ search
def explore_compiled(model: Model, *, properties: Sequence[Property] = (), max_states: int | None = None,
                     progress: Callable | None = None, time_limit: float | None = None, keep_edges: bool = True,
                     workers: int | None = None, memory_limit: float | None = None):
    """Breadth-first exploration on packed states; returns an `ExploreResult`.

    Same parameters and result as `podmodel.engines.explore` (which calls this for
    ``engine="compiled"``); ``keep_edges=False`` keeps only parent pointers (no graph,
    no liveness, no export), for the largest state spaces.  ``workers``: processes that
    compile core states (default: 2 if the machine has 2 cores; 1 = this process only).

    ``time_limit`` and ``max_states`` bound every phase (compiling tables, expanding
    layers, checking properties): a run they cut is marked ``complete=False`` with its
    ``stop_reason``.  ``memory_limit`` (MB of this process's peak resident memory, as
    the readable engine's guard) is checked before each chunk of the search: a run it
    stops has ``stop_reason="memory"``.  ``progress`` is called about twice a second.
    The collector runs with `~podmodel.model.collector.GC_THRESHOLDS` meanwhile (speed
    only), as under `podmodel.engines.explore`, whichever way this is called.
    """
    why = unsupported(model)
    if why is not None:
        raise ValueError(f"the compiled engine does not apply: {why}")
    if workers is None:
        workers = min(2, os.cpu_count() or 1)
    if multiprocessing.current_process().daemon:
        workers = 1  # a pool worker (e.g. `podmodel verify --jobs`) may not start processes
    extra: list[int] = []
    pool = _LazyPool(model) if workers > 1 else None
    start = time.monotonic()
    try:
        with fewer_collections():
            while True:
                tables = Tables(model, _alphabet(model, extra))
                tables.pool = pool
                if time_limit is not None:
                    tables.deadline = start + time_limit
                try:
                    return _explore(model, tables, tuple(properties), max_states, progress, start, keep_edges,
                                    memory_limit)
                except _NewCode as e:  # the model wrote a code the alphabet lacked: start again with it
                    extra.append(e.code)
    finally:
        if pool is not None:
            pool.close()


#: Seconds between two progress reports.
PROGRESS_INTERVAL = 0.5
#: Frontier states whose rows are compiled at once (a cut run compiles little beyond its cap).
SLICE = 1 << 16


def _chunks(size: int, T: Tables, core: np.ndarray, l: np.ndarray, rows: np.ndarray, deg: np.ndarray,
            room: Callable[[], int | None]) -> Iterator[tuple[int, int]]:
    """Ranges ``[lo, hi)`` of the frontier to expand, each of at most `CHUNK` transitions.

    The frontier's table rows are compiled a slice at a time, just before it is expanded,
    into ``rows`` and ``deg``; a slice is at most `SLICE` states and, when ``room()`` (the
    states left under ``max_states``) is set, about that many, so a run cut by its cap
    compiles few core states it does not need.
    """
    pos = 0
    while pos < size:
        left = room()
        end = min(size, pos + min(SLICE, max(256, left) if left else SLICE))
        T.check_clock()
        rows[pos:end] = T.rows(core[pos:end], l[pos:end])
        if (len(T.cores) + 1) * T.RL >= 1 << 62:
            raise OverflowError("too many core states for 64-bit packing")
        deg[pos:end] = np.take(T.arrays()[1], rows[pos:end])
        cum = np.cumsum(deg[pos:end])
        cuts = (pos + np.searchsorted(cum, np.arange(CHUNK, int(cum[-1]) if cum.size else 0, CHUNK), side="right")).tolist()
        for lo, hi in zip([pos, *cuts], [*cuts, end]):
            if lo < hi:
                yield lo, hi
        pos = end


def _tally(acc: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``acc`` plus the number of times each index occurs in ``idx`` (grown as needed)."""
    if not idx.size:
        return acc
    c = np.bincount(idx)
    if c.size > acc.size:
        acc = np.concatenate([acc, np.zeros(c.size - acc.size, np.int64)])
    acc[:c.size] += c
    return acc


#: The search's growable arrays (`podmodel.engines.visited.Column`: grown in place).
_Column = _visited.Column


def _trim_heap() -> None:
    """Give the C heap's free memory back to the system (glibc's ``malloc_trim``; nothing
    where it is missing).  The search frees its chunks' temporaries into the heap, which
    glibc keeps: what runs next (liveness) would reuse only part of it and grow the heap
    beyond (five-containers checked: peak about 330 -> 320 MB).  Called when the search
    ends, before the edges' sources are built (the search's own peak: five-containers
    351 -> 327 MB), and again before the result is built; calls, not a setting of the
    allocator."""
    try:
        import ctypes

        trim = ctypes.CDLL(None).malloc_trim
    except (ImportError, OSError, AttributeError):  # pragma: no cover - not glibc
        return
    trim(0)


def _peak_mb() -> float:
    """Peak resident memory of this process in MB (``getrusage``; 0 where unavailable)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on POSIX
        return 0.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _explore(model, T: Tables, props, max_states, progress, start, keep_edges, memory_limit=None):
    RL, LB = T.RL, T.LB
    checks = _Checks(T, props)
    init: list[int] = []
    for s in model.initial_states():
        core, r, l = T.core_of(s)
        code = T.intern(core) * RL + r * LB + l
        if code not in init:
            init.append(code)
    frontier = np.array(init, dtype=np.int64)
    first_id = 0   # the frontier's states are numbered first_id, first_id + 1, ...
    # the frontier's cores, counts and codes: unpacked here, then kept as the search finds them
    # (the parts `Tables.target_codes` packs; speed only: no division unpacks a layer)
    size, core, r, l = frontier.size, frontier // RL, frontier % RL // LB, frontier % LB
    pdtype = np.int32 if keep_edges else np.int64   # parent numbers (a run keeping edges stays below 2**31 states)
    visited = _visited.Visited(frontier, hash_from=_visited.HASH_FROM, jit_from=_visited.JIT_FROM)
    codes_c = visited.column   # the states' codes, appended by the visited set as it numbers them
    parent_c = _Column(pdtype, np.full(len(init), -1, pdtype))
    via_c = _Column(np.int32, np.full(len(init), -1, np.int32))
    layers = [len(init)]   # states found per depth (the depth column is built at the end)
    # the edges: each expanded state's number of kept edges (their sources, in state order,
    # are built at the end: 4 bytes per state instead of per edge), targets and actions
    out_c, dst_c, act_c = (_Column(np.int32) for _ in range(3))
    tally_t = tally_r = np.zeros(0, np.int64)   # kept transitions per table edge / resolved edge
    total, transitions, depth = len(init), 0, 0
    stop = None
    last_report = start

    def report(frontier_size: int) -> None:
        nonlocal last_report
        now = time.monotonic()
        if progress is not None and now - last_report >= PROGRESS_INTERVAL:
            last_report = now
            progress(Progress(total, transitions, depth, frontier_size, now - start))

    try:
        checks.states(core, r, l, np.arange(size, dtype=np.int64))
        while size and stop is None:
            if keep_edges and total >= 1 << 31:
                raise OverflowError("more than 2**31 states: explore with keep_edges=False")
            layer_start = total
            rows = np.zeros(size, np.int64)
            deg = np.zeros(size, np.int64)
            parts: tuple[list[np.ndarray], ...] = ([], [], [])   # the new states' cores, counts, codes, by chunk
            try:
                for lo, hi in _chunks(size, T, core, l, rows, deg, lambda: max_states and max_states - total):
                    T.check_clock()
                    if memory_limit is not None and _peak_mb() >= memory_limit:
                        stop = "memory"
                        # the rest of the frontier stays unexpanded, as when the clock stops a layer
                        break
                    report(size - lo)
                    off, deg_t, e_dst, e_inc, e_op, e_act = T.arrays()[:6]
                    d = deg[lo:hi]
                    n_out = int(d.sum())
                    rep = np.repeat(np.arange(lo, hi, dtype=np.int64), d)
                    e = np.repeat(np.take(off, rows[lo:hi]) - (np.cumsum(d) - d), d) + np.arange(n_out, dtype=np.int64)
                    dst, inc, ops = np.take(e_dst, e), np.take(e_inc, e), np.take(e_op, e)
                    cond = np.flatnonzero(dst < 0)
                    rid = None
                    if cond.size:  # successors that depend on the codes: resolved per (core, action, codes)
                        rid = np.full(n_out, -1, np.int64)
                        dst[cond], inc[cond], ops[cond], rid[cond] = T.resolve_many(
                            core[rep[cond]], e_act[e[cond]], l[rep[cond]])
                    r_rep, l_rep = np.take(r, rep), np.take(l, rep)
                    cand, r_to, l_to = T.target_codes(dst, inc, ops, r_rep, l_rep)   # (inc, ops written over)
                    acts = np.take(e_act, e)
                    if checks.steps:
                        checks.transitions(e, rid, r_rep, l_rep, first_id + rep, acts)
                    transitions += n_out
                    new_first, ids, cut = visited.visit(cand, None if max_states is None else max_states - total)
                    T.jit = visited.kernels
                    if cut:
                        stop = "max_states"
                    new = (np.take(dst, new_first), np.take(r_to, new_first),
                           np.take(l_to, new_first).astype(np.int64, copy=False))   # (core, counts, codes)
                    for part, x in zip(parts, new):
                        part.append(x)
                    new_ids = np.arange(total, total + new_first.size, dtype=np.int64)
                    parent_c.append(first_id + np.take(rep, new_first))
                    via_c.append(np.take(acts, new_first))
                    total += new_first.size
                    if keep_edges:   # every transition (each expanded state's degree), unless the cap cut the chunk
                        if cut:   # only those to the states numbered before the cap
                            hit = ids >= 0
                            d = np.bincount(rep[hit] - lo, minlength=hi - lo)
                            ids, acts, e = ids[hit], acts[hit], e[hit]
                            rid = None if rid is None else rid[hit]
                        out_c.append(d)
                        dst_c.append(ids)
                        act_c.append(acts)
                        if rid is None:
                            tally_t = _tally(tally_t, e)
                        else:
                            tally_t = _tally(tally_t, e[rid < 0])
                            tally_r = _tally(tally_r, rid[rid >= 0])
                    checks.states(*new, new_ids)
                    if stop:
                        break
            finally:  # the states found so far are kept, even when the clock stops a layer
                first_id = layer_start
                size = total - layer_start
                layers.append(size)
                if size:
                    depth += 1
                core = r = l = None   # (freed before the next layer's are joined)
                core, r, l = (np.concatenate(p) if p else np.zeros(0, np.int64) for p in parts)
                del parts
    except TimeUp:
        stop = "time_limit"
    try:  # the last chunk's step checks, if they still run beside the search
        checks.settle(exact_only=stop == "time_limit")
    except TimeUp:
        stop = "time_limit"
    del visited  # its memory is free before the result is built
    T.drop_caches()
    _trim_heap()   # (and given back before the edges' sources are built: the search's peak)
    elapsed = time.monotonic() - start
    if progress is not None:
        progress(Progress(total, transitions, depth, size, elapsed))
    for c in (codes_c, parent_c, via_c, dst_c, act_c):
        c.trim()
    codes, parent, via = (c.array() for c in (codes_c, parent_c, via_c))
    edges = None
    if keep_edges:
        src = np.repeat(np.arange(out_c.n, dtype=np.int32), out_c.array())
        del out_c
        edges = (src, dst_c.array(), act_c.array())
    _trim_heap()
    space = CompiledSpace(T, codes, parent, via, layers, edges, list(range(len(init))))
    if keep_edges:
        space.tally = (tally_t, tally_r)
    if stop is None and checks.eventually:
        space.live = _LiveBits([p.id for p in checks.eventually], np.concatenate(checks.live_bits))
        checks.live_bits.clear()
    result = ExploreResult(
        model=model, space=space, properties=props, states=total, transitions=transitions, depth=depth,
        complete=stop is None, stop_reason=stop, elapsed=elapsed, frontier="bfs", engine="compiled",
        symmetry=None, violations={}, witnesses={},
    )
    bad_step = {pid: (u, a, model.next_state(space.state(u), T.actions[a])) for pid, (u, a) in checks.bad_step.items()}
    finish(result, checks.bad_state, bad_step, checks.found)
    result.elapsed = time.monotonic() - start
    return result
