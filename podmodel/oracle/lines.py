"""A faster reader for JSON Lines files: the observations `iter_observations` yields, for less.

`podmodel.oracle.formats` reads every framing through one careful streaming reader that
decodes each object whole and tracks line, column and byte offset for its error messages.
For the commonest large input -- a JSON Lines file of watch events or Pods, as ``kubectl
get pods -w -o json | jq -c`` or a recorder writes it -- most of that work is repeated: a
pod's ``spec`` (about half of each line) is the same bytes in every observation of the pod.
This reader (*the lane*):

* splits the file (or a byte range of it, for `podmodel.oracle.parallel`) into lines;
* cuts each line into its top-level members with `msgspec <https://jcristharif.com/msgspec/>`_
  (``dict[str, msgspec.Raw]``: the bytes of each member, not decoded), and a watch event's
  ``object`` the same way;
* decodes every member with ``orjson`` -- the decoder the general reader uses on a JSON Lines
  line -- except ``spec``, which is decoded once per distinct byte string and then *shared*:
  every observation whose ``spec`` has the same bytes gets the same ``dict`` object (a
  bounded cache, `SPEC_CACHE`);
* hands the decoded object to the general reader's classifier (`formats._Classifier`), which
  checks its shape and turns it into observations exactly as for any other input.

So each observation is the value the general reader would produce (equal ``dict`` s; the
same key order), with one difference the checker uses: an unchanged ``spec`` is the *same
object* as before, and the observation says so (``Observation.shared_spec``), which
`podmodel.oracle.checker.TraceChecker` takes as "this pod's spec is the one already
validated" (it keeps the last valid spec object of each pod; nothing in the oracle mutates an
observation, and a caller must not either).  Observations from anywhere else (dicts fed by a
caller, who may change one in place between two calls) never take that shortcut.

The lane never words an error itself.  A line it does not read -- one that does not start
with ``{``, bytes msgspec or orjson refuse (invalid UTF-8, ``NaN``, a lone surrogate, deep
nesting, two values on a line, a value going on over several lines), a List, or an object the
classifier refuses -- is handed to the general reader (`formats._json_part`) at its true line
and byte offset, with the classifier's count of objects: that line alone, or, if it cannot be
read alone, everything from it to the end.  So errors have the same words and locations as
with the general reader (``tests/test_oracle_lines.py`` compares both readers on every corpus
and on mutated traces: observations, verdicts and errors).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import msgspec
import orjson

from podmodel.oracle.formats import _FAST_LINE, InputError, Location, Observation, _Classifier, _json_part, iter_observations

#: How many distinct ``spec`` byte strings the lane keeps decoded (then it starts over).
SPEC_CACHE = 4096
#: How many pods' last ``spec`` bytes the typed lane keeps (then it starts over).
LAST_SPECS = 8192
#: The lane's read buffer, in bytes.  The default one (8 kB) is refilled every two or three lines
#: of a typical trace; a large one (it was 1 MB) is refilled rarely but pushes the checker's own
#: data (memo, pods' states, the line being decoded) out of a core's cache at each refill: the
#: cache it streams through is no bigger (1 MB of L2 per core here).  64 kB: a quarter fewer misses
#: of a simulated 1 MB last-level cache than 1 MB when checking the benchmark trace's first 40,000
#: lines (cachegrind ``--LL=1048576,16,64``, the imports' 4.1 M subtracted: 7.3 M against 9.7 M;
#: 128 kB 8.0 M, 256 kB 9.4 M), for 0.5 % more instructions (more reads).  Speed only.
READ_BUFFER = 1 << 16

_TOP = msgspec.json.Decoder(dict[str, msgspec.Raw])
_WATCH_TYPES = frozenset({"ADDED", "MODIFIED", "DELETED"})
_BLANK = b" \t\r\n"


def eligible(source: Any, format: str) -> str | None:
    """The path the lane can read ``source`` from, or None (not a plain JSON Lines file).

    A regular file, format ``auto`` or ``jsonl``, no gzip header, no byte order mark, first
    non-blank byte ``{``.
    """
    if format not in ("auto", "jsonl") or not isinstance(source, (str, os.PathLike)):
        return None
    path = os.fspath(source)
    if not isinstance(path, str) or path == "-":
        return None
    try:
        if not os.path.isfile(path):
            return None
        with open(path, "rb") as f:
            head = f.read(4096)
    except (OSError, ValueError):
        return None
    if head[:2] == b"\x1f\x8b" or head[:3] == b"\xef\xbb\xbf" or head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return None
    return path if head.lstrip(_BLANK)[:1] == b"{" else None


class _Event(msgspec.Struct, forbid_unknown_fields=True):
    """A watch event's two members, its object cut into members (one msgspec pass)."""

    type: str
    object: dict[str, msgspec.Raw]


_EVENT = msgspec.json.Decoder(_Event)


_MISSING = object()
_UNSET = msgspec.UNSET


def members_of_line(line: bytes, event: str | None) -> dict:
    """The members (``{name: msgspec.Raw}``) of the Pod object on a ``line`` the lane read: the
    line's object, or its ``object`` when it is a watch event (``event`` not None)."""
    return _TOP.decode(line) if event is None else _EVENT.decode(line).object


def pod_of_members(members: dict, spec: Any) -> dict:
    """The Pod the lane yields for ``members``: each decoded by orjson, ``spec`` the shared one."""
    loads = orjson.loads
    return {k: spec if k == "spec" else loads(memoryview(raw)) for k, raw in members.items()}


def reread_item(line: bytes, index: int, where: tuple, typed: Any, specs: dict) -> tuple | None:
    """The `lane_items` item of a ``line`` that the lane read with ``typed`` before (elsewhere: a
    ``--jobs`` worker), at ``index`` and ``where``; its ``spec`` decoded once per distinct bytes in
    ``specs`` (a `lane_items` cache: bytes -> ``[spec, ...]``), so equal specs are one object.
    None if ``typed`` does not decode it."""
    try:
        try:
            ev = typed.event_decoder.decode(line)
            event, obj = ev.type, ev.object
        except msgspec.ValidationError:
            obj, event = typed.object_decoder.decode(line), None
        raw = obj.spec
        spec = None
        if raw is not _UNSET:
            key = bytes(raw)
            entry = specs.get(key)
            if entry is None:
                entry = specs[key] = [orjson.loads(key), False]
            spec = entry[0]
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError, orjson.JSONDecodeError):
        return None
    if obj.metadata is _UNSET or type(spec) is not dict and raw is not _UNSET:
        return None
    return index, event, line, where, spec, obj.metadata, None if obj.status is _UNSET else obj.status


class LaneObservation(Observation):
    """An observation the lane read with a typed decoder (`lane_observations` ``typed=``): the line
    was decoded in one pass into the typed check's Structs (`podmodel.oracle.typed`: ``metadata``
    and ``status`` as ``TypedPod.parts`` decodes them, kept in ``parts``; ``spec`` left as bytes,
    then shared).  ``members``, ``pod`` -- the very ``dict`` the lane would have yielded
    otherwise (each member decoded by orjson, the shared ``spec``) -- and ``location`` are made
    on first access, so a checker that needs only the typed parts (`podmodel.oracle.checker`'s
    memo of clean steps) never pays for them.  Otherwise an `~podmodel.oracle.formats.Observation`;
    pickled, it is one (``pod`` decoded).  (orjson accepts whatever the typed decoder accepted:
    `lane_observations` checks the one way it could not, nesting depth.)"""

    def __init__(self, index: int, pod: dict | None, event: str | None, location: Location | None,
                 timestamp: str | None = None, shared_spec: bool = False, members: dict | None = None,
                 parts: tuple | None = None, spec: Any = None, line: bytes | None = None,
                 where: tuple | None = None) -> None:
        d = self.__dict__
        d["index"], d["event"], d["_location"], d["timestamp"], d["_where"] = index, event, location, timestamp, where
        d["shared_spec"], d["_members"], d["parts"], d["_spec"], d["_pod"], d["_line"] = \
            shared_spec, members, parts, spec, pod, line

    @property
    def location(self) -> Location:  # type: ignore[override]
        d = self.__dict__
        loc = d["_location"]
        if loc is None:
            loc = d["_location"] = Location(*d["_where"])
        return loc

    @location.setter
    def location(self, value: Location) -> None:
        self.__dict__["_location"] = value

    @property
    def line(self) -> bytes | None:
        """The line read (the observation's bytes), or None."""
        return self.__dict__["_line"]

    @property
    def members(self) -> dict | None:  # type: ignore[override]
        """The line's Pod object cut into members (``{name: msgspec.Raw}``), as the lane cuts it."""
        d = self.__dict__
        members = d["_members"]
        if members is None and d["_line"] is not None:
            members = d["_members"] = members_of_line(d["_line"], d["event"])
        return members

    @members.setter
    def members(self, value: dict | None) -> None:
        self.__dict__["_members"] = value

    @property
    def pod(self) -> dict:  # type: ignore[override]
        d = self.__dict__
        pod = d["_pod"]
        if pod is None:
            pod = d["_pod"] = pod_of_members(self.members, d["_spec"])
        return pod

    @pod.setter
    def pod(self, value: dict) -> None:
        self.__dict__["_pod"] = value

    @classmethod
    def of(cls, item: tuple, typed: Any) -> LaneObservation:
        """The observation of an item of `lane_items` read with the typed decoder ``typed``."""
        index, event, line, where, spec, meta, status = item
        return cls(index, None, event, None, None, True, None, (typed, meta, status), spec, line, where)

    def __reduce__(self) -> tuple:
        return (Observation, (self.index, self.pod, self.event, self.location, self.timestamp, self.shared_spec,
                              self.members))


def _depth_refused() -> bool:
    """Whether msgspec refuses nesting that orjson refuses (deeper than 1024): msgspec's limit is
    the interpreter's recursion limit, orjson's is fixed."""
    deep = b"[" * 1025 + b"]" * 1025
    try:
        msgspec.json.decode(deep)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return True
    return False


def _lists_of_objects(parent: dict, fields: tuple[str, ...]) -> bool:
    for field in fields:
        value = parent.get(field, _MISSING)
        if value is not _MISSING:
            if type(value) is not list:
                return False
            for element in value:
                if type(element) is not dict:
                    return False
    return True


_SPEC_LISTS = ("containers", "initContainers")


def _pod_ok(pod: dict, spec_seen: bool) -> bool:
    """Whether the classifier's `~podmodel.oracle.formats._Classifier.check_pod` accepts ``pod``
    (True only if it does; False sends the object to the classifier, which words the problem).
    ``spec_seen``: the ``spec`` is a shared object this check accepted before."""
    meta = pod.get("metadata", _MISSING)
    if meta is not _MISSING:
        if type(meta) is not dict:
            return False
        for field in ("uid", "name", "namespace"):
            value = meta.get(field, _MISSING)
            if value is not _MISSING and type(value) is not str:
                return False
    if not spec_seen:
        spec = pod.get("spec", _MISSING)
        if spec is not _MISSING and (type(spec) is not dict or not _lists_of_objects(spec, _SPEC_LISTS)):
            return False
    status = pod.get("status", _MISSING)
    return status is _MISSING or (type(status) is dict and _lists_of_objects(
        status, ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses")))


def lane_observations(path: str, format: str = "auto", *, start: int = 0, end: int | None = None,
                      stats: dict | None = None, name: str | None = None, typed: Any = None) -> Iterator[Observation]:
    r"""The observations of a JSON Lines file (or of its lines in ``[start, end)``, ``start`` a
    line start), as `~podmodel.oracle.formats.iter_observations` yields them, an unchanged
    ``spec`` shared (see the module docstring).  ``path`` is one `eligible` accepted.
    Line numbers count from ``start`` (1 there), byte offsets from the file's start.

    ``typed``: a `~podmodel.oracle.typed.TypedPod`.  A Pod whose members it decodes
    (``TypedPod.parts``: then the classifier's shape check holds too) is yielded as a
    `LaneObservation` -- ``pod`` decoded only when read -- with the decoded parts; any other
    line is read as without it.

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "t.jsonl")
    ...     _ = open(p, "w").write('{"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"a"},"spec":{}}}\n'
    ...                            '{"type":"DELETED","object":{"kind":"Pod","metadata":{"name":"a"},"spec":{}}}\n')
    ...     obs = list(lane_observations(p))
    >>> [(o.index, o.event, str(o.location).split(":", 1)[1]) for o in obs], obs[0].pod["spec"] is obs[1].pod["spec"]
    ([(0, 'ADDED', '1:1 (byte 0)'), (1, 'DELETED', '2:1 (byte 75)')], True)
    """
    items = lane_items(path, format, start=start, end=end, stats=stats, name=name, typed=typed)
    if typed is None:
        return items  # no tuples then
    return (LaneObservation.of(item, typed) if type(item) is tuple else item for item in items)


def lane_items(path: str, format: str = "auto", *, start: int = 0, end: int | None = None,
               stats: dict | None = None, name: str | None = None, typed: Any = None,
               sink: Callable[[tuple], Any] | None = None, specs: dict | None = None,
               claim: Callable[..., int] | None = None) -> Iterator[Observation | tuple]:
    """`lane_observations`, but a Pod that ``typed`` decodes comes as the tuple ``(index, event,
    line, where, spec, metadata, status)`` (`LaneObservation.of` makes the observation): what
    `podmodel.oracle.checker.TraceChecker` reads (an object per observation costs about as
    much as a tenth of its check).  Given ``sink``, those tuples are passed to it, in order,
    instead of being yielded (the other observations are yielded; a caller that consumes each
    yielded one before the next, as a ``for`` loop does, sees them all in input order).
    ``specs``: the cache of decoded specs to use (spec bytes -> ``[spec, accepted by the shape
    check]``; `reread_item` reads it too, so that a line read again gets the very spec object).

    ``claim`` (instead of ``end``: a range whose end other processes may move, `podmodel.oracle.parallel`):
    called with the byte offset of the next line whenever the lines read so far reach the last
    limit it returned (first with ``start``), it returns the next limit: the lines *starting*
    before it are read, whole.  A limit at or before the offset ends the reading there.  Called
    as ``claim(offset, True)``, it returns the range's end, from then on fixed (the general reader
    reads from ``offset`` to there)."""
    shown = name or path
    fmt = "jsonl" if format == "jsonl" else "auto"
    if stats is not None:
        stats["name"] = shown
    cls = _Classifier(stats)
    top, event_of, loads = _TOP.decode, _EVENT.decode, orjson.loads
    # spec bytes -> [decoded spec, accepted by the classifier's shape check]
    specs = {} if specs is None else specs
    # uid -> (the spec bytes of its last line, their entry in specs): comparing bytes is cheaper than hashing them
    last_specs: dict[str, tuple] = {}
    seen = False  # the last members_of call's spec was one the shape check accepted before

    def members_of(members: dict) -> tuple[dict, list | None]:
        out = {}
        entry = None
        for k, raw in members.items():
            if k == "spec":
                key = bytes(raw)
                entry = specs.get(key)
                if entry is None:
                    entry = [loads(key), False]
                    if len(specs) >= SPEC_CACHE:
                        specs.clear()
                    specs[key] = entry
                out[k] = entry[0]
            else:
                out[k] = loads(memoryview(raw))
        return out, entry

    typed_event = typed_object = None
    if typed is not None and _depth_refused():
        typed_event, typed_object = typed.event_decoder.decode, typed.object_decoder.decode

    index = 0
    line_no = 1
    offset = start
    with open(path, "rb", buffering=READ_BUFFER) as f:
        f.seek(start)
        left = None if end is None else end - start
        if claim is not None:
            left = claim(start) - start
        for line in f:
            if left is not None:
                if left <= 0:
                    if claim is None:
                        break
                    left = claim(offset) - offset
                    if left <= 0:
                        break
                elif len(line) > left and claim is None:
                    line = line[:left]
                left -= len(line)
            here = offset
            offset += len(line)
            col = 1
            if line[0] == 123:  # "{" (a line is never empty)
                first = b"{"
            else:
                first = line[:1]
                stripped = line.lstrip(_BLANK)
                if not stripped:
                    line_no += 1
                    continue
                col += len(line) - len(stripped)
                first = stripped[:1]
            # The general reader decodes a line with orjson when it ends with a line break within
            # _FAST_LINE characters (else with the json module, which reads, e.g., huge integers
            # otherwise): the lane takes those lines only.
            value = None
            if first == b"{" and line[-1] == 10 and len(line) < _FAST_LINE:  # (10: "\n")
                if typed_event is not None:
                    # A line holding a watch event with a Pod, or a Pod (``kind: Pod``), that ``typed``
                    # decodes (then `_pod_ok` holds too) is an item; any other is read as without it.
                    try:
                        try:
                            ev = typed_event(line)  # its type: ADDED, MODIFIED or DELETED (else it does not decode)
                        except msgspec.ValidationError:  # not a watch event with a Pod the types accept
                            obj = typed_object(line)
                            event = None
                            if obj.kind is _UNSET:  # a bare object is a Pod when it says so
                                obj = None
                        else:
                            event = ev.type
                            obj = ev.object
                    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
                        obj = None
                    if obj is not None:
                        meta = obj.metadata
                        raw = obj.spec
                        status = obj.status
                        if meta is _UNSET or (obj.kind is _UNSET and raw is _UNSET and status is _UNSET):
                            obj = None  # no Pod (no metadata: the typed check refuses it too)
                        elif raw is not _UNSET:
                            # the pod's spec as on its last line (the same bytes: the same entry), else by its bytes
                            uid = meta.uid
                            last = last_specs.get(uid)
                            if last is not None and last[0] == raw:
                                entry = last[1]
                            else:
                                key = bytes(raw)
                                entry = specs.get(key)
                                if entry is None:
                                    try:
                                        entry = [loads(key), False]
                                    except orjson.JSONDecodeError:
                                        entry = None
                                    else:
                                        if len(specs) >= SPEC_CACHE:
                                            specs.clear()
                                        specs[key] = entry
                                if entry is not None and uid is not _UNSET and event != "DELETED":
                                    if len(last_specs) >= LAST_SPECS:
                                        last_specs.clear()
                                    last_specs[uid] = (raw, entry)
                            if entry is None:
                                obj = None  # (not JSON orjson reads: the general reader words it)
                            else:
                                if event == "DELETED":
                                    last_specs.pop(uid, None)
                                spec = entry[0]
                                if not entry[1]:
                                    if type(spec) is not dict or not _lists_of_objects(spec, _SPEC_LISTS):
                                        obj = None
                                    else:
                                        entry[1] = True
                        else:
                            spec = None
                    if obj is not None:
                        cls.count += 1
                        item = (index, event, line, (shown, line_no, col, here + col - 1), spec, meta,
                                None if status is _UNSET else status)
                        if sink is None:
                            yield item
                        else:
                            sink(item)
                        index += 1
                        line_no += 1
                        continue
                event = pod = entry = members = None
                try:
                    try:
                        ev = event_of(line)
                    except msgspec.ValidationError:  # not exactly {"type": a string, "object": an object}
                        members = top(line)
                        value, entry = members_of(members)
                        if value.get("kind") == "Pod":
                            pod = value
                    else:
                        if ev.type in _WATCH_TYPES:
                            members = ev.object
                            pod, entry = members_of(members)
                            event = ev.type
                            kind = pod.get("kind")
                            if kind != "Pod" and not (kind is None and "metadata" in pod and ("spec" in pod or "status" in pod)):
                                pod = None
                        if pod is None:
                            value = loads(line)
                except (msgspec.DecodeError, msgspec.ValidationError, orjson.JSONDecodeError, RecursionError,
                        ValueError):
                    value = pod = None
                if pod is not None and _pod_ok(pod, entry is not None and entry[1]):
                    if entry is not None:
                        entry[1] = True
                    cls.count += 1
                    yield Observation(index, pod, event, Location(shown, line_no, col, here + col - 1), None, True, members)
                    index += 1
                    line_no += 1
                    continue
                if pod is not None:
                    value = {"type": event, "object": pod} if event is not None else pod
                if type(value) is dict and type(value.get("items")) is not list:
                    loc = Location(shown, line_no, col, here + col - 1)
                    count = cls.count
                    try:
                        hits = list(cls.expand(value, loc, "any"))
                    except InputError:
                        hits = None  # the general reader words it (and counts the object again)
                        cls.count = count
                    if hits is not None:
                        for hpod, hev, stamp, hloc in hits:
                            yield Observation(index, hpod, hev, hloc, stamp)
                            index += 1
                        line_no += 1
                        continue
            # The general reader, for this line alone; if it cannot read it alone (a value going on
            # over the next lines, or any error), from this line on: it words any error.
            count = cls.count
            try:
                part = list(_json_part(path, here, here + len(line), name=shown, fmt=fmt, cls=cls, line=line_no,
                                       index=index))
            except InputError:
                cls.count = count
                if claim is not None:
                    end = claim(here, True)
                yield from _json_part(path, here, end, name=shown, fmt=fmt, cls=cls, line=line_no, index=index)
                return
            yield from part
            index += len(part)
            line_no += 1


def read_observations(source: Any, *, format: str = "auto", stats: dict | None = None,
                      name: str | None = None, typed: Any = None) -> Iterator[Observation]:
    """`lane_observations` for a JSON Lines file (`eligible`), else
    `~podmodel.oracle.formats.iter_observations`: the same observations either way, an
    unchanged ``spec`` shared in the first case (and ``typed`` used, see `lane_observations`)."""
    path = eligible(source, format)
    if path is None:
        return iter_observations(source, format=format, stats=stats, name=name)
    return lane_observations(path, format, stats=stats, name=name, typed=typed)
