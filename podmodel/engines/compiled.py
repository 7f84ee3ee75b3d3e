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
    are enabled, the whole core state is computed per combination of codes.  One blind
    spot, by construction: a placeholder is hashable (states holding it key the model's
    caches), so a model that looked a code up in a set or dict of ints would get "absent"
    without a `_Read`; the model does not, and the tests compare both engines.

Two more reuses, both exact in the same way or resting on a stated symmetry:

* whether an action is enabled is asked with the containers it does not name hidden
  (`Enabled`); the answer is kept for every state that agrees on the rest;
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
against a sorted array of visited codes.  States are numbered exactly as the readable
engine numbers them (first discovery in frontier order, actions in the model's order), so
counterexamples and witnesses are identical.

Properties are checked on the same reuse principle (`_Checker`): a property is run on the
core state (or table edge) with counts and codes tainted; each count or code it inspects
is made concrete for that core and it is run again, and its value is shared by every state
that agrees on what it read.  A second process compiles half of each large layer.

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
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from podmodel.engines.exploration import ExploreResult, finish
from podmodel.engines.results import Progress, intern
from podmodel.engines.symmetry import Symmetry
from podmodel.model.actions import Action
from podmodel.model.product import GUARDS, Model, PodState
from podmodel.model.properties import Property

#: Transitions expanded at once (bounds the temporary arrays of one step of the search).
CHUNK = 1 << 21
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

    __slots__ = ("tag", "pos", "_hash")

    def __init__(self, tag: str, pos: int):
        self.tag, self.pos = tag, pos
        self._hash = hash(("podmodel.engines.compiled._Opaque", tag))

    def __hash__(self) -> int:
        return self._hash

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

    __lt__ = __le__ = __gt__ = __ge__ = __bool__ = __index__ = __int__ = __float__ = _read
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __neg__ = __abs__ = _read
    __str__ = __repr__ = __format__ = __iter__ = __len__ = __contains__ = __getitem__ = _read


_LAST = [_Opaque(f"last[{j}]", j) for j in range(64)]
_RC = [_Opaque(f"restarts[{j}]", j) for j in range(64)]
_INC = [_Opaque(f"restarts+1[{j}]", j) for j in range(64)]

_BY_TAG = {o.tag: o for o in (*_LAST, *_RC, *_INC)}


def _opaque(tag: str) -> _Opaque:
    """Unpickle to the same placeholder object (identity matters)."""
    return _BY_TAG[tag]


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


class _NewCode(Exception):
    """The model wrote a lastState code outside the alphabet: restart with it added."""

    def __init__(self, code: int):
        self.code = code


# ------------------------------------------------------------------------ compiling
class _Hidden:
    """A whole container hidden from the model: any look at it raises `_Read`."""

    __slots__ = ("pos", "_hash")

    def __init__(self, pos: int):
        self.pos = pos
        self._hash = hash(("podmodel.engines.compiled._Hidden", pos))

    def __hash__(self) -> int:
        return self._hash

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


class Enabled:
    """`Model.actions` with memoised enabledness.

    Whether an action is enabled is first asked of the state with every container hidden
    but the one the action names; if the model decides without looking at the others,
    the answer is kept for every state that agrees on the pod's fields and that container.
    Otherwise the state itself is asked.  Exact, like the code placeholders.
    """

    def __init__(self, model: Model):
        self.model = model
        self.memo: dict[tuple, bool] = {}
        self.owner = [model.index.get(getattr(a, "container", None), -1) for a in model.candidate_actions]

    def actions(self, s: PodState) -> list[Action]:
        m = self.model
        if s.deletion == "Removed":
            return []
        head = (s[:8], s.gates, s.conditions)
        out = []
        for k, (a, i) in enumerate(zip(m.candidate_actions, self.owner)):
            key = (k, head, s.containers[i] if i >= 0 else None)
            ok = self.memo.get(key)
            if ok is None:
                hidden = s._replace(containers=tuple(cs if j == i else _HIDDEN[j] for j, cs in enumerate(s.containers)))
                try:
                    ok = self.memo[key] = m.enabled(hidden, a)
                except _Read:
                    ok = m.enabled(s, a)
            if ok:
                out.append(a)
        return out


def _successors(enabled: Enabled, core: PodState) -> list[tuple[Action, PodState | int | None]] | None:
    """The model's successors of a tainted core state: ``(action, next state)`` pairs; in
    place of the state, the position of the code the model inspected to compute it (or
    None if unknown).  None if it inspected one to decide which actions are enabled."""
    model = enabled.model
    try:
        acts = enabled.actions(core)
    except _Read:
        return None
    out: list[tuple[Action, PodState | int | None]] = []
    for a in acts:
        try:
            out.append((a, model.next_state(core, a)))
        except _Read as e:
            out.append((a, e.pos))
    return out


#: Compile in a second process only when a layer brings at least this many new cores.
PARALLEL_MIN = 64
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
    return cs if cs.last_exit_code is None or cs.last_exit_code is _LAST[k] else cs._replace(last_exit_code=_LAST[k])


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
        self.virtual: dict[tuple[int, int], int] = {}
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
        self._frozen: tuple | None = None
        self.model_calls = 0
        self.pool = None
        self.enabled = Enabled(model)
        self.sym = Symmetry.of(model)
        self.candidate_index = {a: k for k, a in enumerate(model.candidate_actions)}
        self._perm_cache: dict[tuple, int] = {}
        self._candidate_order: list[int] = []
        self._ptargets: dict[tuple, PodState] = {}
        self._resolved: dict[tuple[int, int, int], tuple[int, int, int, int]] = {}
        self._partial: dict[tuple, tuple[int, int, int, int]] = {}
        self._resolved_keys = np.zeros(0, dtype=np.int64)
        self._resolved_vals = np.zeros((0, 3), dtype=np.int64)
        self._reads: dict[tuple[int, int], set[int]] = {}
        self._inc_table: np.ndarray | None = None
        self._op_table: np.ndarray | None = None
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
        c = self.core_ids.get(core)
        if c is None:
            c = self.core_ids[core] = len(self.cores)
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
                new = made[k] = type(cs)(cs.machine, cs.exit_code, cs.reason, last, rc)
            out.append(new)
        s = core._replace(containers=tuple(out))
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
        n = len(self.ops)
        k = intern(self.ops, self.op_ids, op)
        if k == n:
            self._frozen = None
        return k

    # -- compiling ----------------------------------------------------------------
    def _edge(self, a: Action, t: PodState) -> tuple[int, int, int, int]:
        """(target core, increment mask, code op, action) of a successor pattern ``t``."""
        inc, op, out = 0, [], []
        for j, cs in enumerate(t.containers):
            machine, code, reason, last, rc = cs
            if rc:
                inc |= 1 << j
            for v in (code, reason, machine):
                if type(v) is _Opaque:
                    raise _Read("a lastState code flowed into another field", v.code_pos)
            if last is None:
                op.append((_NONE, 0))
                if rc:
                    cs = type(cs)(machine, code, reason, None, 0)
            else:
                if type(last) is _Opaque:
                    if last is not _LAST[last.pos]:
                        raise _Read("a restart-count placeholder flowed into lastState")
                    op.append((_COPY, last.pos))
                else:
                    d = self.code_digit.get(last)
                    if d is None:
                        raise _NewCode(last)
                    op.append((_CONST, d))
                if rc or last is not _LAST[j]:
                    cs = type(cs)(machine, code, reason, _LAST[j], 0)
            out.append(cs)
        for v in t[:-3]:
            if type(v) is _Opaque:
                raise _Read("a lastState code flowed into a pod field", v.code_pos)
        target = self.intern(t._replace(containers=tuple(out)))
        return target, inc, self.op_id(tuple(op)), self.action_id(a)

    def _add_row(self, edges: list[tuple[int, int, int, int]]) -> int:
        row = len(self.off)
        self.off.append(len(self.e_dst))
        self.deg.append(len(edges))
        for d, i, o, a in edges:
            self.e_dst.append(d)
            self.e_inc.append(i)
            self.e_op.append(o)
            self.e_act.append(a)
        self._frozen = None
        return row

    def compile_core(self, c: int, raw: list[tuple[Action, PodState]] | None | bool = False) -> int:
        """Compile core ``c`` on its tainted state; -2 if the model inspects a code.

        ``raw`` is the model's answer for the core computed elsewhere (a worker process):
        its successors, or None when it read a code.
        """
        if raw is False:
            raw = _successors(self.enabled, self.cores[c])
        self.model_calls += 1
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
        row = self.row_of_core[c] = self._add_row(edges)
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
        read = self._reads.setdefault((c, a), set())
        while True:
            known = tuple((j, (l // self.B ** j) % self.B) for j in sorted(read))
            hit = self._partial.get((c, a, known))
            if hit is not None:
                break
            cs = list(core.containers)
            for j, d in known:
                if cs[j].last_exit_code is not None:
                    cs[j] = cs[j]._replace(last_exit_code=self.alphabet[d - 1])
            try:
                self.model_calls += 1
                hit = self._edge(act, self.model.next_state(core._replace(containers=tuple(cs)), act))
            except _Read as e:
                if e.pos is None or e.pos in read:
                    raise AssertionError(f"unexpected read resolving {act!r}: {e}") from None
                read.add(e.pos)
                continue
            self._partial[(c, a, known)] = hit
            break
        self._resolved[key] = hit
        return hit

    def resolve_many(self, c: np.ndarray, a: np.ndarray, l: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`resolve` for arrays: (target core, increment mask, code op) of each element."""
        key = (c * _A_MAX + a) * self.LB + l
        uniq, inv = np.unique(key, return_inverse=True)
        keys, vals = self._resolved_keys, self._resolved_vals
        pos = np.searchsorted(keys, uniq)
        known = np.zeros(uniq.size, dtype=bool)
        inside = pos < keys.size
        known[inside] = keys[pos[inside]] == uniq[inside]
        fresh = uniq[~known]
        if fresh.size:  # resolve the new ones in Python, then merge them into the sorted index
            new = np.array([self.resolve(int(k // self.LB // _A_MAX), int(k // self.LB % _A_MAX), int(k % self.LB))[:3]
                            for k in fresh.tolist()], dtype=np.int64).reshape(fresh.size, 3)
            at = np.searchsorted(keys, fresh)
            keys, vals = np.insert(keys, at, fresh), np.insert(vals, at, new, axis=0)
            self._resolved_keys, self._resolved_vals = keys, vals
        got = vals[np.searchsorted(keys, uniq)][inv.reshape(-1)]
        return got[:, 0], got[:, 1], got[:, 2]

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
        todo: list[int] = []
        for c in cores:
            rep, perm = self.canonical(c)
            if rep == c:
                todo.append(c)
            else:
                derived.append((c, rep, perm))
                if self.row_of_core[rep] == -1 and rep not in todo:
                    todo.append(rep)
        todo = [c for c in todo if self.row_of_core[c] == -1]
        if self.pool is None or len(todo) < PARALLEL_MIN:
            for c in todo:
                self.compile_core(c)
        else:
            half = len(todo) // 2
            remote = self.pool.get().apply_async(_worker_successors, ([self.cores[c] for c in todo[half:]],))
            local = [_successors(self.enabled, self.cores[c]) for c in todo[:half]]
            for c, raw in zip(todo, local + remote.get()):
                self.compile_core(c, raw)
        for c, rep, perm in derived:
            self.derive_row(c, rep, perm)

    # -- interchangeable containers ------------------------------------------------
    def canonical(self, c: int) -> tuple[int, tuple[int, ...]]:
        """The representative core of ``c`` (interchangeable containers sorted) and ``p``
        with ``rep.containers[k] == c.containers[p[k]]`` (`podmodel.engines.symmetry`)."""
        if not self.sym:
            return c, ()
        core = self.cores[c]
        p = list(range(self.n))
        for g in self.sym.groups:
            order = sorted(g, key=lambda i: (_order_key(core.containers[i]), i))
            for k, i in zip(g, order):
                p[k] = i
        if p == list(range(self.n)):
            return c, ()
        rep = core._replace(containers=tuple(_relabel(core.containers[p[k]], k) for k in range(self.n)))
        return self.intern(rep), tuple(p)

    def derive_row(self, c: int, rep: int, p: tuple[int, ...]) -> None:
        """Row of core ``c`` from its representative's: by the model's symmetry, the
        successors of a permuted state are the permuted successors."""
        row = self.row_of_core[rep]
        if row == -2:
            self.row_of_core[c] = -2
            return
        edges = []
        n, cores, ops, pk = self.n, self.cores, self.ops, self._perm_cache
        for e in range(self.off[row], self.off[row] + self.deg[row]):
            ka = ("action", self.e_act[e], p)
            k = pk.get(ka)
            if k is None:
                k = pk[ka] = self.action_id(self.sym.rename(self.actions[self.e_act[e]], p))
            if self.e_dst[e] < 0:
                seen = self._reads.get((rep, self.e_act[e]), ())
                self._reads.setdefault((c, k), set()).update(p[j] for j in seen)
                edges.append((-1, 0, 0, k))
                continue
            t = cores[self.e_dst[e]]
            tc = t.containers
            out = [None] * n
            for j in range(n):
                out[p[j]] = _relabel(tc[j], p[j])
            mask = self.e_inc[e]
            inc = sum(1 << p[j] for j in range(n) if mask >> j & 1) if mask else 0
            ko = ("op", self.e_op[e], p)
            o = pk.get(ko)
            if o is None:
                op = [None] * n
                for j, (kind, v) in enumerate(ops[self.e_op[e]]):
                    op[p[j]] = (kind, p[v] if kind == _COPY else v)
                o = pk[ko] = self.op_id(tuple(op))
            edges.append((self.intern(t._replace(containers=tuple(out))), inc, o, k))
        order = self.candidate_order
        edges.sort(key=lambda e: order[e[3]])
        self.row_of_core[c] = self._add_row(edges)

    def compile_concrete(self, c: int, l: int) -> int:
        """Compile a conditional core for concrete codes ``l`` (counts 0)."""
        row = self.virtual.get((c, l))
        if row is None:
            m, s = self.model, self.view(c, 0, l)
            self.model_calls += 1
            edges = [self._edge(a, m.next_state(s, a)) for a in m.actions(s)]
            row = self.virtual[(c, l)] = self._add_row(edges)
        return row

    def rows(self, core: np.ndarray, l: np.ndarray) -> np.ndarray:
        """The table row of each (core, codes) pair, compiling what is missing."""
        roc = np.asarray(self.row_of_core, dtype=np.int64)
        rows = roc[core]
        if (rows == -1).any():
            self.compile_many(np.unique(core[rows == -1]).tolist())
            roc = np.asarray(self.row_of_core, dtype=np.int64)
            rows = roc[core]
        cond = np.flatnonzero(rows == -2)
        if cond.size:
            rows = rows.copy()
            for k, (c, lc) in zip(cond.tolist(), zip(core[cond].tolist(), l[cond].tolist())):
                rows[k] = self.compile_concrete(c, lc)
        return rows

    def arrays(self) -> tuple[np.ndarray, ...]:
        """The tables as NumPy arrays (rebuilt only after new rows or ops)."""
        if self._frozen is None or len(self._frozen[0]) != len(self.off):
            n = self.n
            kinds = np.array([[k for k, _ in op] for op in self.ops], dtype=np.int64).reshape(len(self.ops), n)
            vals = np.array([[v for _, v in op] for op in self.ops], dtype=np.int64).reshape(len(self.ops), n)
            self._frozen = (np.asarray(self.off, dtype=np.int64), np.asarray(self.deg, dtype=np.int64),
                            np.asarray(self.e_dst, dtype=np.int64), np.asarray(self.e_inc, dtype=np.int64),
                            np.asarray(self.e_op, dtype=np.int64), np.asarray(self.e_act, dtype=np.int64),
                            kinds, vals)
        return self._frozen

    # -- arithmetic on counts and codes -------------------------------------------
    def apply_inc(self, r: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Counts after a restart mask: ``min(r_j + 1, max_restarts)`` where the bit is set."""
        if self._inc_table is None and (1 << self.n) * self.R <= TABLE_LIMIT:
            codes = np.arange(self.R, dtype=np.int64)
            self._inc_table = np.stack([self._inc(codes, np.full(self.R, m, np.int64)) for m in range(1 << self.n)])
        if self._inc_table is not None:
            return self._inc_table[mask, r]
        return self._inc(r, mask)

    def _inc(self, r: np.ndarray, mask: np.ndarray) -> np.ndarray:
        out = r.copy()
        for j in range(self.n):
            p = int(self.P[j])
            bump = ((mask >> j) & 1).astype(bool) & ((r // p) % (self.M + 1) < self.M)
            out += bump * p
        return out

    def apply_op(self, l: np.ndarray, ops: np.ndarray) -> np.ndarray:
        """Codes after code operations ``ops`` (one per element)."""
        if len(self.ops) * self.LB <= TABLE_LIMIT:
            if self._op_table is None or len(self._op_table) < len(self.ops):
                codes = np.arange(self.LB, dtype=np.int64)
                done = 0 if self._op_table is None else len(self._op_table)
                rows = [self._op(codes, np.full(self.LB, k, np.int64)) for k in range(done, len(self.ops))]
                new = np.stack(rows).astype(np.int32 if self.LB < 1 << 31 else np.int64)
                self._op_table = new if self._op_table is None else np.concatenate([self._op_table, new])
            return self._op_table[ops, l]
        return self._op(l, ops)

    def _op(self, l: np.ndarray, ops: np.ndarray) -> np.ndarray:
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

    def __init__(self, tables: Tables, codes: np.ndarray, parent: np.ndarray, via: np.ndarray, depth: np.ndarray,
                 edges: tuple[np.ndarray, np.ndarray, np.ndarray] | None, initial: list[int]):
        self.tables = tables
        self.containers = tuple(c.name for c in tables.model.specs)
        self.codes = codes
        self.parent = parent
        self.via = via
        self.depth = depth
        self._edges = edges
        self.initial = initial
        self.actions = tables.actions
        self.action_ids = tables.action_ids
        self._sorted: np.ndarray | None = None
        self._ids: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.codes)

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

    def edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._edges is None:
            raise ValueError("this exploration did not keep its edges (keep_edges=False)")
        return self._edges


# ------------------------------------------------------------------------ search
def explore_compiled(model: Model, *, properties: Sequence[Property] = (), max_states: int | None = None,
                     progress: Callable | None = None, time_limit: float | None = None, keep_edges: bool = True,
                     workers: int | None = None):
    """Breadth-first exploration on packed states; returns an `ExploreResult`.

    Same parameters and result as `podmodel.engines.explore` (which calls this for
    ``engine="compiled"``); ``keep_edges=False`` keeps only parent pointers (no graph,
    no liveness, no export), for the largest state spaces.  ``workers``: processes that
    compile core states (default: 2 if the machine has 2 cores; 1 = this process only).
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
    try:
        while True:
            tables = Tables(model, _alphabet(model, extra))
            tables.pool = pool
            try:
                return _explore(model, tables, tuple(properties), max_states, progress, time_limit, keep_edges)
            except _NewCode as e:  # the model wrote a code the alphabet lacked: start again with it
                extra.append(e.code)
    finally:
        if pool is not None:
            pool.close()


def _explore(model, T: Tables, props, max_states, progress, time_limit, keep_edges):
    start = time.monotonic()
    RL, LB = T.RL, T.LB
    init: list[int] = []
    for s in model.initial_states():
        core, r, l = T.core_of(s)
        code = T.intern(core) * RL + r * LB + l
        if code not in init:
            init.append(code)
    frontier = np.array(init, dtype=np.int64)
    frontier_ids = np.arange(len(init), dtype=np.int64)
    codes_l, parent_l = [frontier], [np.full(len(init), -1, np.int64)]
    via_l, depth_l = [np.full(len(init), -1, np.int32)], [np.zeros(len(init), np.int32)]
    vis_codes = np.sort(frontier)
    vis_ids = np.argsort(frontier, kind="stable").astype(np.int64)
    src_l, dst_l, act_l = [], [], []
    total, transitions, depth, expanded = len(init), 0, 0, 0
    stop = None
    while frontier.size and stop is None:
        core = frontier // RL
        rest = frontier % RL
        r, l = rest // LB, rest % LB
        rows = T.rows(core, l)
        if keep_edges and total >= 1 << 31:
            raise OverflowError("more than 2**31 states: explore with keep_edges=False")
        if (len(T.cores) + 1) * RL >= 1 << 62:
            raise OverflowError("too many core states for 64-bit packing")
        deg = T.arrays()[1][rows]
        # expand the layer in chunks of at most CHUNK transitions (bounded temporaries)
        cum = np.cumsum(deg)
        cuts = np.searchsorted(cum, np.arange(CHUNK, int(cum[-1]) if cum.size else 0, CHUNK), side="right")
        layer_new, layer_ids = [], []
        for lo, hi in zip([0, *cuts.tolist()], [*cuts.tolist(), frontier.size]):
            if lo == hi:
                continue
            if time_limit is not None and time.monotonic() - start >= time_limit:
                stop = "time_limit"
                break
            off, deg_t, e_dst, e_inc, e_op, e_act = T.arrays()[:6]
            d = deg[lo:hi]
            n_out = int(d.sum())
            transitions += n_out
            rep = np.repeat(np.arange(lo, hi, dtype=np.int64), d)
            e = np.repeat(off[rows[lo:hi]] - (np.cumsum(d) - d), d) + np.arange(n_out, dtype=np.int64)
            dst, inc, ops = e_dst[e], e_inc[e], e_op[e]
            cond = np.flatnonzero(dst < 0)
            if cond.size:  # successors that depend on the codes: resolved per (core, action, codes)
                dst, inc, ops = dst.copy(), inc.copy(), ops.copy()
                dst[cond], inc[cond], ops[cond] = T.resolve_many(core[rep[cond]], e_act[e[cond]], l[rep[cond]])
            cand = dst * RL + T.apply_inc(r[rep], inc) * LB + T.apply_op(l[rep], ops)
            uniq, first = np.unique(cand, return_index=True)
            pos = np.searchsorted(vis_codes, uniq)
            seen = np.zeros(uniq.size, dtype=bool)
            inside = pos < vis_codes.size
            seen[inside] = vis_codes[pos[inside]] == uniq[inside]
            new, new_first = uniq[~seen], first[~seen]
            order = np.argsort(new_first, kind="stable")
            new, new_first = new[order], new_first[order]
            if max_states is not None and total + new.size > max_states:
                new, new_first = new[:max_states - total], new_first[:max_states - total]
                stop = "max_states"
            new_ids = np.arange(total, total + new.size, dtype=np.int64)
            layer_new.append(new)
            layer_ids.append(new_ids)
            parent_l.append(frontier_ids[rep[new_first]])
            via_l.append(e_act[e[new_first]].astype(np.int32))
            total += new.size
            if new.size:
                by_code = np.argsort(new)
                ins = np.searchsorted(vis_codes, new[by_code])
                vis_codes = np.insert(vis_codes, ins, new[by_code])
                vis_ids = np.insert(vis_ids, ins, new_ids[by_code])
            if keep_edges:
                k = np.searchsorted(vis_codes, cand)
                k[k >= vis_codes.size] = 0
                hit = vis_codes[k] == cand
                src_l.append(frontier_ids[rep][hit].astype(np.int32))
                dst_l.append(vis_ids[k][hit].astype(np.int32))
                act_l.append(e_act[e][hit].astype(np.int32))
            expanded += hi - lo
            if stop:
                break
        new = np.concatenate(layer_new) if layer_new else np.zeros(0, np.int64)
        codes_l.append(new)
        depth_l.append(np.full(new.size, depth + 1, np.int32))
        if new.size:
            depth += 1
        frontier = new
        frontier_ids = np.concatenate(layer_ids) if layer_ids else np.zeros(0, np.int64)
        if progress is not None:
            progress(Progress(total, transitions, depth, frontier.size, time.monotonic() - start))
    elapsed = time.monotonic() - start
    codes = np.concatenate(codes_l)
    edges = (np.concatenate(src_l), np.concatenate(dst_l), np.concatenate(act_l)) if keep_edges and src_l else (
        (np.zeros(0, np.int32),) * 3 if keep_edges else None)
    space = CompiledSpace(T, codes, np.concatenate(parent_l), np.concatenate(via_l), np.concatenate(depth_l),
                          edges, list(range(len(init))))
    result = ExploreResult(
        model=model, space=space, properties=props, states=total, transitions=transitions, depth=depth,
        complete=stop is None, stop_reason=stop, elapsed=elapsed, frontier="bfs", engine="compiled",
        symmetry=None, violations={}, witnesses={},
    )
    bad_state, bad_step, found = check_properties(T, space, props, total if stop is None else expanded)
    finish(result, bad_state, bad_step, found)
    result.elapsed = time.monotonic() - start
    return result


# ------------------------------------------------------------------------ properties
class _Checker:
    """Evaluates one property on groups of states that share a core state (or a table edge).

    The property is run with the states' restart counts and codes tainted; each time it
    inspects one, that container's count or code is made concrete for this core (or edge)
    and it is run again.  Its value is then memoised per core (edge) and per value of what
    it read, so states that agree on what the property looks at share one evaluation.
    """

    def __init__(self, T: Tables, prop: Property):
        self.T, self.p, self.m = T, prop, T.model
        self.reads: dict[Any, tuple[set[int], set[int]]] = {}
        self.memo: dict[tuple, bool] = {}

    def _sub(self, rs: np.ndarray, ls: np.ndarray, rc_pos: set[int], l_pos: set[int]) -> np.ndarray:
        """Keys of states by the counts and codes at the positions read so far."""
        T = self.T
        key = np.zeros(rs.shape, dtype=np.int64)
        for j in sorted(rc_pos):
            key += (rs // int(T.P[j])) % (T.M + 1) * int(T.P[j])
        key *= T.LB
        for j in sorted(l_pos):
            key += (ls // int(T.PL[j])) % T.B * int(T.PL[j])
        return key

    def values(self, ctx: Any, c: int, rs: np.ndarray, ls: np.ndarray,
               edge: tuple[int, int, int, int] | None = None) -> np.ndarray:
        """The property's value on the states (c, rs[i], ls[i]) -- or on their transition
        by ``edge`` -- as a boolean array; ``ctx`` names the core or edge for the memo."""
        rc_pos, l_pos = self.reads.setdefault(ctx, (set(), set()))
        while True:
            if len(rs) == 1 or not (rc_pos or l_pos):  # one evaluation serves them all
                v = self._value(ctx, c, int(rs[0]), int(ls[0]), rc_pos, l_pos, edge)
                if v is None:
                    continue
                if not (rc_pos or l_pos) or len(rs) == 1:
                    return np.full(len(rs), v, dtype=bool)
            keys = self._sub(rs, ls, rc_pos, l_pos)
            uniq, first, inv = np.unique(keys, return_index=True, return_inverse=True)
            tag = (ctx, tuple(sorted(rc_pos)), tuple(sorted(l_pos)))
            out, grew = [], False
            for u, i in zip(uniq.tolist(), first.tolist()):
                v = self.memo.get((tag, u))
                if v is None:
                    try:
                        v = self.memo[(tag, u)] = self._eval(c, int(rs[i]), int(ls[i]), rc_pos, l_pos, edge)
                    except _Read as e:
                        self._learn(e, rc_pos, l_pos)
                        grew = True
                        break
                out.append(v)
            if not grew:
                return np.asarray(out, dtype=bool)[inv.reshape(-1)]

    def _value(self, ctx: Any, c: int, r: int, l: int, rc_pos: set[int], l_pos: set[int], edge) -> bool | None:
        """One state's value (memoised), or None when the property read something new."""
        T = self.T
        if rc_pos or l_pos:
            key = ((ctx, tuple(sorted(rc_pos)), tuple(sorted(l_pos))),
                   sum((r // int(T.P[j])) % (T.M + 1) * int(T.P[j]) for j in rc_pos) * T.LB
                   + sum((l // int(T.PL[j])) % T.B * int(T.PL[j]) for j in l_pos))
        else:
            key = ((ctx, (), ()), 0)
        v = self.memo.get(key)
        if v is None:
            try:
                v = self.memo[key] = self._eval(c, r, l, rc_pos, l_pos, edge)
            except _Read as e:
                self._learn(e, rc_pos, l_pos)
                return None
        return v

    def _learn(self, e: _Read, rc_pos: set[int], l_pos: set[int]) -> None:
        if e.rc_pos is not None and e.rc_pos not in rc_pos:
            rc_pos.add(e.rc_pos)
        elif e.pos is not None and e.pos not in l_pos:
            l_pos.add(e.pos)
        else:  # an inspection we cannot attribute: make everything concrete
            rc_pos.update(range(self.T.n))
            l_pos.update(range(self.T.n))

    def _eval(self, c: int, r: int, l: int, rc_pos: set[int], l_pos: set[int], edge) -> bool:
        T = self.T
        src = T.partial_view(c, r, l, rc_pos, l_pos)
        if edge is None:
            return bool(self.p.check(self.m, src))
        return bool(self.p.check(self.m, src, T.actions[edge[3]], self._target(edge, r, l, rc_pos, l_pos)))

    def _target(self, edge: tuple[int, int, int, int], r: int, l: int, rc_pos: set[int], l_pos: set[int]) -> PodState:
        """The target of ``edge`` from (r, l): concrete where read, else the source's
        placeholders (a copied code, an unchanged count) or a fresh one (a raised count)."""
        T = self.T
        dst, inc, op_id, _ = edge
        base = T.M + 1
        key = (edge, *T.read_key(r, l, rc_pos, l_pos)) if rc_pos or l_pos else edge
        hit = T._ptargets.get(key)
        if hit is not None:
            return hit
        t = T.cores[dst]
        out = []
        for j, (cs, (kind, v)) in enumerate(zip(t.containers, T.ops[op_id])):
            bump = inc >> j & 1
            if j in rc_pos:
                rc = min((r // base ** j) % base + bump, T.M)
            else:
                rc = _INC[j] if bump else _RC[j]
            if kind == _NONE:
                last = None
            elif kind == _CONST:
                last = T.alphabet[v - 1]
            else:
                last = T.alphabet[(l // T.B ** v) % T.B - 1] if v in l_pos else _LAST[v]
            out.append(type(cs)(cs.machine, cs.exit_code, cs.reason, last, rc))
        hit = T._ptargets[key] = t._replace(containers=tuple(out))
        return hit


def _groups(keys: np.ndarray) -> list[np.ndarray]:
    """State ids grouped by key, each group sorted, groups in order of their first id."""
    if not keys.size:
        return []
    order = np.argsort(keys, kind="stable")
    cuts = np.flatnonzero(np.diff(keys[order])) + 1
    return sorted(np.split(order, cuts), key=lambda g: int(g[0]))


#: Groups of states sharing a core state (or a table row) up to this size are checked state
#: by state; larger ones through `_Checker`'s placeholders.
SMALL_GROUP = 8


def check_properties(T: Tables, space: CompiledSpace, props: Sequence[Property], expanded: int):
    """First violating state / transition and first witness of each property, in the
    readable engine's order (state ids; for transitions, source id then action order).
    ``expanded``: the states whose successors were explored (step properties)."""
    if not props:
        return {}, {}, {}
    m = T.model
    codes = space.codes
    n = len(codes)
    core = codes // T.RL
    rest = codes % T.RL
    r_all, l_all = rest // T.LB, rest % T.LB
    r_list, l_list = r_all.tolist(), l_all.tolist()
    # state properties: group by core state, groups in order of their first state
    state_props = [p for p in props if p.kind in ("always", "sometimes")]
    best = {p.id: n for p in state_props}
    checkers = {p.id: _Checker(T, p) for p in props}
    for g in _groups(core) if state_props else ():
        first = int(g[0])
        live = [p for p in state_props if first < best[p.id]]
        if not live:
            break
        c = int(core[first])
        if len(g) <= SMALL_GROUP:
            for i in g.tolist():
                s = T.view(c, r_list[i], l_list[i])
                for p in live:
                    if i < best[p.id] and bool(p.check(m, s)) != (p.kind == "always"):
                        best[p.id] = i
            continue
        for p in live:
            hit = np.flatnonzero(checkers[p.id].values(c, c, r_all[g], l_all[g]) != (p.kind == "always"))
            if hit.size:
                best[p.id] = min(best[p.id], int(g[hit[0]]))
    bad_state = {p.id: best[p.id] for p in state_props if p.kind == "always" and best[p.id] < n}
    found = {p.id: best[p.id] for p in state_props if p.kind == "sometimes" and best[p.id] < n}
    bad_step: dict[str, tuple[int, int, PodState]] = {}
    steps = [p for p in props if p.kind == "step"]
    if not steps or not expanded:
        return bad_state, bad_step, found
    rows = T.rows(core[:expanded], l_all[:expanded])
    off, deg = T.arrays()[:2]
    off_l, deg_l = off.tolist(), deg.tolist()
    sbest = {p.id: (n, 0) for p in steps}
    for g in _groups(rows):
        first = int(g[0])
        live = [p for p in steps if first <= sbest[p.id][0]]
        if not live:
            break
        row = int(rows[first])
        c = int(core[first])
        if len(g) <= SMALL_GROUP:  # state by state: each transition built once for every property
            for i in g.tolist():
                r, l = r_list[i], l_list[i]
                s = T.view(c, r, l)
                for k in range(deg_l[row]):
                    dst, inc, op, act = T.edge_at(off_l[row] + k, c, l)
                    t = T.view(dst, T.inc_one(r, inc), T.op_one(l, op))
                    a = T.actions[act]
                    for p in live:
                        if (i, k) < sbest[p.id] and not p.check(m, s, a, t):
                            sbest[p.id] = (i, k)
            continue
        for p in live:
            ck = checkers[p.id]
            for k in range(deg_l[row]):
                if (first, k) >= sbest[p.id]:
                    break
                e = off_l[row] + k
                if T.e_dst[e] >= 0:
                    edge = (T.e_dst[e], T.e_inc[e], T.e_op[e], T.e_act[e])
                    bad = np.flatnonzero(~ck.values(("edge", e), c, r_all[g], l_all[g], edge))
                    if bad.size:
                        sbest[p.id] = min(sbest[p.id], (int(g[bad[0]]), k))
                    continue
                for i in g.tolist():  # a code-dependent successor: each state's own edge
                    if (i, k) >= sbest[p.id]:
                        break
                    edge = T.edge_at(e, c, l_list[i])
                    if not ck.values(("resolved", c, edge), c, r_all[i:i + 1], l_all[i:i + 1], edge)[0]:
                        sbest[p.id] = (i, k)
                        break
    for p in steps:
        i, k = sbest[p.id]
        if i < n:
            a = T.actions[T.e_act[off_l[int(rows[i])] + k]]
            bad_step[p.id] = (i, T.action_id(a), m.next_state(space.state(i), a))
    return bad_state, bad_step, found
