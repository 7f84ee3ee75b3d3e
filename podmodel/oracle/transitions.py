"""A memo of clean steps, shared by every pod: most observations checked with a few lookups.

Most pods of a large trace go through the same few steps (created, bound, containers
created, started, ready, restarted, deleted), and the rules give each step the same verdict
whatever the pod's name, uid, node, container IDs and timestamps.  `TraceChecker` therefore
keeps a memo of the steps that broke no rule, keyed by a *token* of each observation.

**What a token holds.**  The rules (`podmodel.oracle.rules`, `podmodel.oracle.steps`,
`podmodel.oracle.hidden`) read an observation only through its
`~podmodel.oracle.observation.Snapshot`, and the snapshot reads exactly: ``metadata``'s
uid, name, namespace, deletionTimestamp, deletionGracePeriodSeconds, generation,
resourceVersion; ``spec.nodeName`` and the spec's containers (the configuration); ``status``'s
phase, reason, observedGeneration, the conditions' type, status, reason and
observedGeneration, and each container status's name, restartCount, containerID, image,
ready, started, and its ``state`` and ``lastState`` objects (read field by field, and
compared whole between and within observations).  A token is all of that but the
configuration, in two parts:

* the *shape*: namespace, deletionGracePeriodSeconds, generation, and the fields of ``status``
  that the Structs `Shape` and its members declare -- everything the snapshot reads but the
  volatile values; the other members of ``status`` (conditions' timestamps, IPs, imageID,
  resources) are left out -- no rule reads them.  The checker reads the shape off the typed
  check's decoded objects, by the Structs' field names, in the same pass as the labels
  (`token_parts`: nested tuples, no second decode); `Shapes.shape` decodes the status bytes
  into the Structs themselves (the tests compare the two).  The Structs of the objects
  compared whole (``state`` and its members) are checked against the Pod schema of the
  Kubernetes version at start-up: every property is in the shape or volatile (`WHOLE`),
  else there is no memo;
* the *volatile values* (`volatile_values`): uid, name, deletionTimestamp, nodeName, and each
  container status's containerID and the timestamps and containerIDs inside ``state`` and
  ``lastState``, at fixed positions (``UNSET`` where a field is missing), replaced by their
  `labels` in a map kept per pod (one-to-one; absent, ``null`` and ``""`` have fixed labels).

The rules compare volatile values only for equality and test whether they are empty (an
identity, a termination record, a deletion, a binding); they never order or parse them (the
resourceVersion, which `~podmodel.oracle.steps.out_of_order` orders, is not in the token:
the checker takes the full path whenever it may be out of order, `maybe_out_of_order`).  So
the memo key is: both observations' configurations, the pod's "seen initialized" flag, the
watch event, both shapes and both label tuples.  Two steps with equal keys differ only by a
one-to-one renaming of non-empty volatile strings, and get the same verdict.

**What is memoised.**  Only steps with no violation at all (step rules and single-observation
rules) whose new observation has a spec that passed the full validation before (the lane
shares one spec object per distinct bytes, never mutated: validated once, for any pod) and
whose other members the typed check (`podmodel.oracle.typed`) accepts.  A hit still runs the
typed check (validity is never memoised); it then skips the snapshot, the step rules and the
single-observation rules, and the snapshot is built later, from the member bytes, only if a
rule needs it.  A miss runs everything as before.  ``tests/test_oracle_memo.py`` checks that
the checker with and without the memo gives the same verdicts on renamed and corrupted copies
of model walks and realistic lifecycles, and on the recorded traces.

>>> import msgspec
>>> from podmodel.oracle.typed import typed_pod
>>> typed = typed_pod()
>>> members = {"metadata": msgspec.Raw(b'{"name":"a","uid":"u1"}'),
...            "status": msgspec.Raw(b'{"containerStatuses":[{"name":"c","containerID":"cri://1",'
...                                  b'"state":{"running":{"startedAt":"2024-01-01T00:00:00Z"}}}]}')}
>>> meta, status = typed.parts(members)
>>> shape = shapes_for().shape(members, meta)
>>> shape[3].containerStatuses[0].state.running is not msgspec.UNSET
True
>>> values = volatile_values(meta, status, "node-1")
>>> values[:5], labels(values, dict(FIXED), 0)
(['u1', 'a', UNSET, 'node-1', 'cri://1'], (0, 1, -1, 3, 4, 5, -1, -1, -1, -1, -1, -1, -1))
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import msgspec
import orjson

from podmodel.model.gates import _version

_U = msgspec.UnsetType
_UNSET = msgspec.UNSET


# The shape: what the snapshot reads of ``status``, volatile values left out.  Unknown fields
# are skipped (the typed check, or the full validation, has already decided validity).
class _Waiting(msgspec.Struct, frozen=True, gc=False):
    reason: str | None | _U = _UNSET
    message: str | None | _U = _UNSET


class _Running(msgspec.Struct, frozen=True, gc=False):
    pass  # startedAt: volatile


class _Terminated(msgspec.Struct, frozen=True, gc=False):
    exitCode: int | None | _U = _UNSET
    signal: int | None | _U = _UNSET
    reason: str | None | _U = _UNSET
    message: str | None | _U = _UNSET
    # startedAt, finishedAt, containerID: volatile


class _State(msgspec.Struct, frozen=True, gc=False):
    waiting: _Waiting | None | _U = _UNSET
    running: _Running | None | _U = _UNSET
    terminated: _Terminated | None | _U = _UNSET


class _ContainerStatus(msgspec.Struct, frozen=True, gc=False):
    name: str | None | _U = _UNSET
    restartCount: int | None | _U = _UNSET
    image: str | None | _U = _UNSET
    ready: bool | None | _U = _UNSET
    started: bool | None | _U = _UNSET
    state: _State | None | _U = _UNSET
    lastState: _State | None | _U = _UNSET
    # containerID: volatile; the other fields are read by no rule


class _Condition(msgspec.Struct, frozen=True, gc=False):
    type: str | None | _U = _UNSET
    status: str | None | _U = _UNSET
    reason: str | None | _U = _UNSET
    observedGeneration: int | None | _U = _UNSET


class Shape(msgspec.Struct, frozen=True, gc=False):
    """The non-volatile part of ``status`` that the snapshot reads (hashable)."""

    phase: str | None | _U = _UNSET
    reason: str | None | _U = _UNSET
    observedGeneration: int | None | _U = _UNSET
    conditions: tuple[_Condition, ...] | None | _U = _UNSET
    initContainerStatuses: tuple[_ContainerStatus, ...] | None | _U = _UNSET
    containerStatuses: tuple[_ContainerStatus, ...] | None | _U = _UNSET
    ephemeralContainerStatuses: tuple[_ContainerStatus, ...] | None | _U = _UNSET


#: The definitions whose objects the rules compare whole, and their volatile fields: the shape
#: must hold every other property of the schema (checked against the schema: `Shapes`).
WHOLE = {
    "ContainerState": (_State, frozenset()),
    "ContainerStateWaiting": (_Waiting, frozenset()),
    "ContainerStateRunning": (_Running, frozenset({"startedAt"})),
    "ContainerStateTerminated": (_Terminated, frozenset({"startedAt", "finishedAt", "containerID"})),
}

#: Labels of the values that are not identities: absent (``UNSET``), ``null`` and ``""``.
FIXED = {_UNSET: -1, None: -2, "": -3}
_NOTHING = (_UNSET, _UNSET, _UNSET)


def volatile_values(meta: Any, status: Any, node: Any) -> list:
    """The volatile values of an observation, at fixed positions, from the typed check's decoded
    ``metadata`` and ``status`` (`podmodel.oracle.typed.TypedPod.parts`) and ``spec.nodeName``:
    uid, name, deletionTimestamp, nodeName, then for each container status (init, app, ephemeral, in list order) its
    containerID and, for ``state`` and ``lastState``, ``running.startedAt`` and
    ``terminated.startedAt``, ``.finishedAt``, ``.containerID`` (``UNSET`` where absent).
    Which positions exist follows from the shape."""
    values = [meta.uid, meta.name, meta.deletionTimestamp, node]
    if status is not None:
        for items in (status.initContainerStatuses, status.containerStatuses, status.ephemeralContainerStatuses):
            if items is _UNSET:
                continue
            for c in items:
                values.append(c.containerID)
                for s in (c.state, c.lastState):
                    if s is _UNSET:
                        values += (_UNSET, _UNSET, _UNSET, _UNSET)
                        continue
                    r, t = s.running, s.terminated
                    values.append(_UNSET if r is _UNSET else r.startedAt)
                    values += _NOTHING if t is _UNSET else (t.startedAt, t.finishedAt, t.containerID)
    return values


def labels(values: list, known: dict, base: int) -> tuple:
    """``values`` with each value replaced by its label in ``known`` (one pod's values seen so
    far, value -> label, seeded with `FIXED`); a value not seen before gets ``base`` plus its
    position (so labels stay one-to-one if ``base`` grows by ``len(values)`` after each call).

    >>> known = dict(FIXED)
    >>> labels(["a", "b", "a", None], known, 0), labels(["b", "c"], known, 4)
    ((0, 1, 0, -2), (1, 5))
    """
    return tuple([known.setdefault(v, n) for n, v in enumerate(values, base)])


_ABSENT4 = (-1, -1, -1, -1)
_ABSENT3 = (-1, -1, -1)


def _fields(struct: type, nested: tuple[str, ...] = ()) -> str:
    """The fields of a shape Struct but ``nested`` (read apart), as a tuple display of attribute
    reads ``o.a, o.b, ...`` for `token_parts`'s generated source."""
    if set(nested) - set(struct.__struct_fields__):
        raise ValueError(f"{struct.__name__}: no fields {sorted(set(nested) - set(struct.__struct_fields__))}")
    for f in struct.__struct_fields__:
        if not f.isidentifier():  # pragma: no cover - the Structs above are the project's
            raise ValueError(f"{struct.__name__}.{f} is not an identifier")
    return "".join(f"o.{f}, " for f in struct.__struct_fields__ if f not in nested)


# The generated part of `token_parts` (the state of a container, read twice: state, lastState):
# the fields read off the typed check's decoded objects (`podmodel.oracle.typed`), by name, from
# the shape Structs above (the one declaration of what a shape holds), as plain attribute reads
# (the interpreter specialises them: several times cheaper than an ``attrgetter``).
_STATE_SOURCE = """
            s = c.{member}
            if s is _UNSET or s is None:
                sh.append(s)
                out += _ABSENT4
            else:
                w, r, t = s.waiting, s.running, s.terminated
                if w is _UNSET:
                    sh.append(0)
                else:
                    o = w
                    sh += (1, {waiting})
                if r is _UNSET:
                    add(-1)
                    sh.append(0)
                else:
                    add(sd(r.startedAt, n + {k}))
                    sh.append(1)  # _Running: no field but volatile ones (checked above)
                if t is _UNSET:
                    out += _ABSENT3
                    sh.append(0)
                else:
                    out += (sd(t.startedAt, n + {k1}), sd(t.finishedAt, n + {k2}), sd(t.containerID, n + {k3}))
                    o = t
                    sh += (1, {terminated})"""

# The shape is one flat tuple (one hash, one comparison, no nested tuples to make and free): a
# list's length, and whether a state and each of its members is set, come before their fields,
# so two flat shapes are equal exactly when the nested shapes they spell are.
_TOKEN_SOURCE = """
def token_parts(meta, status, node, known, base):
    sd = known.setdefault
    dt = meta.deletionTimestamp
    out = [sd(meta.uid, base), sd(meta.name, base + 1), -1 if dt is _UNSET else sd(dt, base + 2), sd(node, base + 3)]
    if status is None:
        return (meta.namespace, meta.deletionGracePeriodSeconds, meta.generation, _UNSET), tuple(out)
    n = base + 4
    add = out.append
    o = status
    sh = [meta.namespace, meta.deletionGracePeriodSeconds, meta.generation, {status}]
    conds = status.conditions
    if conds is _UNSET or conds is None:
        sh.append(conds)
    else:
        sh.append(len(conds))
        for o in conds:
            sh += ({condition})
    for items in (status.initContainerStatuses, status.containerStatuses, status.ephemeralContainerStatuses):
        if items is _UNSET or items is None:
            sh.append(items)
            continue
        sh.append(len(items))
        for c in items:
            cid = c.containerID
            add(-1 if cid is _UNSET else sd(cid, n))
            o = c
            sh += ({container}){state}{last}
            n += 9
    return tuple(sh), tuple(out)
"""


def _make_token_parts() -> Any:
    if set(_State.__struct_fields__) != {"waiting", "running", "terminated"}:  # the generated code reads these three
        raise ValueError("_State's fields are not waiting, running, terminated: token_parts must read them")
    if _Running.__struct_fields__:  # token_parts reads a running state's shape as ()
        raise ValueError("_Running has fields: token_parts must read them")
    if set(_ContainerStatus.__struct_fields__) & {"state", "lastState"} != {"state", "lastState"}:
        raise ValueError("_ContainerStatus has no state and lastState: token_parts reads them")
    state = {"terminated": _fields(_Terminated), "waiting": _fields(_Waiting)}
    source = _TOKEN_SOURCE.format(
        condition=_fields(_Condition), container=_fields(_ContainerStatus, ("state", "lastState")),
        status=_fields(Shape, ("conditions", "initContainerStatuses", "containerStatuses",
                               "ephemeralContainerStatuses")),
        state=_STATE_SOURCE.format(member="state", k=1, k1=2, k2=3, k3=4, **state),
        last=_STATE_SOURCE.format(member="lastState", k=5, k1=6, k2=7, k3=8, **state))
    namespace = {"_UNSET": _UNSET, "_ABSENT4": _ABSENT4, "_ABSENT3": _ABSENT3}
    exec(compile(source, "<podmodel.oracle.transitions.token_parts>", "exec"), namespace)  # noqa: S102
    return namespace["token_parts"]


token_parts = _make_token_parts()
token_parts.__doc__ = """The shape and the labels of an observation in one pass over the typed check's decoded
    ``metadata`` and ``status`` (`podmodel.oracle.typed.TypedPod.parts`): the shape as one flat
    tuple of the fields the shape Structs (`Shape`) declare, read by name, in their order
    (``UNSET``/``None`` kept as such; a list's length, then its items in order; whether a state
    member is set, then its fields), and ``labels(volatile_values(meta,
    status, node), known, base)`` (absent values take their fixed label without a lookup).  Two
    observations have equal shapes here exactly when their `Shapes.shape` are equal
    (``tests/test_oracle_memo.py`` compares them); no second decode.  Generated from the shape
    Structs' declarations (`_make_token_parts`): plain attribute reads, no ``attrgetter``."""


def canonical(before: tuple, after: tuple) -> tuple:
    """Two observations' labels (one pod's map) renumbered by first appearance over both, fixed
    labels (`FIXED`) kept: equal for two steps exactly when one is the other up to a one-to-one
    renaming of the non-empty volatile values *of these two observations* -- whatever the pods'
    histories numbered them (a pod first seen in the middle of its life numbers them otherwise).
    The rules of a step read only its two observations, so this key is as good as the labels.

    >>> canonical((7, 8, -1), (8, 9, -2)) == canonical((3, 4, -1), (4, 12, -2)), canonical((1, 2), (2, 2))
    (True, ((0, 1), (1, 1)))
    """
    order = {}
    for lab in before + after:
        if lab not in order:
            order[lab] = len(order) if lab >= 0 else lab
    get = order.__getitem__
    return tuple(map(get, before)), tuple(map(get, after))


class Shapes:
    """Tokens of observations for one Kubernetes version (`shapes_for` caches one per version)."""

    def __init__(self, version: str | None = None) -> None:
        self.version = _version(version)
        spec = importlib.util.find_spec("kubernetes_validate")
        if spec is None or not spec.submodule_search_locations:
            raise ValueError("kubernetes_validate is not installed")
        base = Path(list(spec.submodule_search_locations)[0]) / "kubernetes-json-schema" / f"v{self.version}.0-local-strict"
        defs = orjson.loads((base / "_definitions.json").read_bytes())["$defs"]
        for name, (struct, volatile) in WHOLE.items():
            props = set(defs["io.k8s.api.core.v1." + name].get("properties", {}))
            if props != set(struct.__struct_fields__) | volatile:
                raise ValueError(f"{name} of {self.version}: properties {sorted(props)} are not the shape's")
        self._decode = msgspec.json.Decoder(Shape).decode

    def shape(self, members: dict, meta: Any) -> tuple | None:
        """The shape of an observation: the lane's ``members`` and the typed check's decoded
        ``metadata`` (`podmodel.oracle.typed.TypedPod.parts`); None if the status does not
        decode as a `Shape`."""
        raw = members.get("status")
        if raw is None:
            shape: Any = _UNSET
        else:
            try:
                shape = self._decode(raw)
            except (msgspec.ValidationError, msgspec.DecodeError):
                return None
        return meta.namespace, meta.deletionGracePeriodSeconds, meta.generation, shape


#: How many shapes `shape_id` keeps numbers for (then it starts over, with new numbers).
SHAPE_IDS = 65536
_SHAPE_IDS: dict = {}
_SHAPES: dict = {}  # number -> shape: _SHAPE_IDS the other way
_NEXT = [0]


def shape_id(shape: tuple) -> int:
    """A number for a shape, the same for every checker of this process, never given to another
    shape (a number is cheaper to hash than the shape).  Numbers mean nothing in another process:
    a pod state that travels between processes carries the shape itself (`shape_of`), numbered
    again where it arrives (`TraceChecker`'s ``_PodState``)."""
    sid = _SHAPE_IDS.get(shape)
    if sid is None:
        if len(_SHAPE_IDS) >= SHAPE_IDS:
            _SHAPE_IDS.clear()  # the old numbers just stop matching: never reused
            _SHAPES.clear()
        sid = _SHAPE_IDS[shape] = _NEXT[0]
        _SHAPES[sid] = shape
        _NEXT[0] += 1
    return sid


def shape_of(sid: int) -> tuple | None:
    """The shape `shape_id` numbered ``sid`` in this process, or None (forgotten since).

    >>> shape_of(shape_id(("ns", None, 1, None))) == ("ns", None, 1, None)
    True
    """
    return _SHAPES.get(sid)


def shapes_for(version: str | None = None) -> Shapes | None:
    """The `Shapes` of a Kubernetes version, or None when its schema has container-state
    fields the shape does not know (then the checker runs without the memo)."""
    v = _version(version)
    hit = _CACHE.get(v, _MISS)
    if hit is _MISS:
        try:
            hit = Shapes(v)
        except (ValueError, OSError, KeyError, TypeError):
            hit = None
        _CACHE[v] = hit
    return hit


_MISS = object()
_CACHE: dict[str, Shapes | None] = {}


def maybe_out_of_order(a: Any, b: Any) -> bool:
    """Whether `~podmodel.oracle.steps.out_of_order` may flag resourceVersion ``b`` after ``a``
    (both decimal, ``b`` smaller): then the checker takes the full path."""
    if type(a) is not str or type(b) is not str or not a.isdigit() or not b.isdigit() or len(a) > 30 or len(b) > 30:
        return False
    try:
        return int(b) < int(a)
    except ValueError:  # digits int() does not read: the full path decides
        return True
