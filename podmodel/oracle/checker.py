"""The monitor: step through observations, group them by pod, collect violations.

`TraceChecker` keeps one small state per live pod (its configuration, its last
`~podmodel.oracle.observation.Snapshot`, a few flags) and nothing else: memory is
bounded by the number of live pods, never by the input.  For each observation it runs
the single-observation rules (`podmodel.oracle.rules`) and, against the pod's previous
observation, the step rules (`podmodel.oracle.steps`).

Grouping: by ``metadata.uid`` (by namespace/name when an object has no uid).  A new uid
with the same name is a replacement pod: a new group, which is legal.  A ``DELETED``
watch event (or the response of an audited delete) is checked, then ends the pod and its
state is forgotten.

>>> pods = [
...     {"metadata": {"name": "a", "uid": "1"}, "spec": {"containers": [{"name": "c"}]}, "status": {"phase": "Failed"}},
...     {"metadata": {"name": "a", "uid": "1"}, "spec": {"containers": [{"name": "c"}]}, "status": {"phase": "Pending"}},
... ]
>>> TraceChecker().run(pods).ids()
[('terminal-phase-reverted', 1)]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import msgspec
from msgspec import UNSET
from msgspec import UNSET as _UNSET

from podmodel.model.collector import fewer_collections
from podmodel.model.config import ManifestError, PodConfig
from podmodel.model.gates import UnknownGateError, gates_for_version, generation_tracking, resolve_gates
from podmodel.model.reference import pod_config
from podmodel.oracle import coverage as cov
from podmodel.oracle.formats import FileChanged, InputError, Location, Observation, iter_observations, nothing_to_check
from podmodel.oracle.lines import eligible, lane_items, members_of_line, pod_of_members, read_observations
from podmodel.oracle.observation import (
    Snapshot,
    SpecInfo,
    config_key,
    identity_values,
    plain,
    pod_identity,
    pod_key,
    snapshot,
    spec_info,
    static_key,
)
from podmodel.oracle.report import relevant_rows
from podmodel.oracle.rules import (
    check_observation,
    clean_key_of,
    initialized_now,
    observation_key,
)
from podmodel.oracle.steps import check_step
from podmodel.oracle.transitions import (
    _SHAPE_IDS,
    FIXED,
    canonical,
    maybe_out_of_order,
    shape_id,
    shape_of,
    shapes_for,
    token_parts,
)
from podmodel.oracle.schema import pod_schema
from podmodel.oracle.typed import cross_fields, typed_pod
from podmodel.oracle.validate import Problem, validate_pod, validate_spec
from podmodel.oracle.validate import SOURCE as _SRC_INVALID
from podmodel.oracle.verdict import PodResult, Verdict, Violation, pod_result

#: How many distinct pod specs the checker keeps configurations for (then it starts over).
CONFIG_CACHE = 4096
#: How many distinct clean observation states it remembers (then it starts over).
CLEAN_CACHE = 65536
#: How many volatile values of one pod the memo of clean steps keeps labels for (then it starts over).
KNOWN_VALUES = 512


class _PodState:
    """What the monitor remembers about one live pod."""

    __slots__ = ("key", "uid", "namespace", "name", "cfg", "cfg_key", "info", "_last", "pending", "count", "first_index",
                 "violations", "first", "rows", "previous_index", "seen_initialized", "coverage", "quiet_key",
                 "valid_conditions", "valid_lists", "spec_ref", "static_ref", "token", "rv", "known", "vbase",
                 "generation")

    def __init__(self, key: Any, uid: str | None, namespace: str | None, name: str | None, first_index: int,
                 coverage: bool) -> None:
        self.key = key
        self.uid, self.namespace, self.name = uid, namespace, name
        self.cfg: PodConfig | None = None
        self.cfg_key: Any = None
        self.info: SpecInfo | None = None
        self.quiet_key: Any = None  # observation_key of the last observation that broke no single-observation rule
        self.valid_conditions: Any = None  # (generation, status.conditions) of the last valid observation
        self.valid_lists: Any = None  # (config key, its three container status lists)
        # The spec object of the last valid observation, and its static_key, when the reader shares
        # specs (Observation.shared_spec: podmodel.oracle.lines gives equal spec bytes one object,
        # never mutated): a later shared observation with that same object has the same, valid
        # spec -- the pod's configuration, and only its other members are schema-checked.
        self.spec_ref: Any = None
        self.static_ref: Any = None
        self._last: Snapshot | None = None
        # After a step taken from the memo (podmodel.oracle.transitions), the last observation as
        # (the lane's members, index, event): its snapshot is built only when something reads
        # `last` (the members' bytes are one object; the decoded pod would be hundreds, freed late).
        # The members: a dict of msgspec.Raw, the line's bytes, or -- a line the checker's own
        # lane read from a file (`TraceChecker._source`) -- the line's place in it, the lane's
        # ``where`` ``(path, line, column, byte offset)``: read again only if `last` is read, so
        # the line's bytes are freed at once, not kept per live pod (`_line_at`).
        self.pending: tuple | None = None
        # The last observation's token (transitions.token_parts, shape_id) and resourceVersion, for the memo.
        self.token: tuple | None = None
        self.rv: Any = None
        # The pod's volatile values seen so far -> their labels (transitions.labels), the next free
        # label, and how many times the map was started afresh (labels compare within one map only).
        self.known: dict | None = None
        self.vbase = 0
        self.generation = 0
        self.count = 0
        self.first_index = first_index
        self.violations = 0
        self.first: Violation | None = None
        self.rows: tuple = ()
        self.previous_index: int | None = None
        self.seen_initialized = False
        self.coverage: Counter | None = Counter() if coverage else None

    def __getstate__(self) -> dict:
        # A state copied or sent to another process (podmodel.oracle.parallel) carries its token's
        # shape, not its number (shape numbers mean nothing there: transitions.shape_id), and is
        # numbered again on arrival; its configuration is an equal copy, which the memo of clean
        # steps (keyed by configuration ids) knows only once a checker adopts the state
        # (`TraceChecker.adopt`: its own configuration of the same key).
        state = {k: getattr(self, k) for k in self.__slots__}
        token = self.token
        if token is not None:
            shape = shape_of(token[0])
            state["token"] = None if shape is None else (shape, *token[1:])
        return state

    def __setstate__(self, state: dict) -> None:
        for k, v in state.items():
            setattr(self, k, v)
        token = self.token
        if token is not None:
            self.token = (shape_id(token[0]), *token[1:])

    def clone(self) -> _PodState:
        """A copy for this process, token kept (its shape number and configuration mean the same
        here; the label map is copied, so the copy's labels do not change this state's)."""
        other = _PodState.__new__(_PodState)
        for k in self.__slots__:
            setattr(other, k, getattr(self, k))
        if self.known is not None:
            other.known = dict(self.known)
        return other

    @property
    def last(self) -> Snapshot | None:
        """The snapshot of the pod's last observation (built now if the memo skipped it: the
        configuration and spec info are still those it was observed with)."""
        pending = self.pending
        if pending is not None:
            members, index, event = pending
            if type(members) is tuple:  # where the lane read the line: read it again
                members = members_of_line(_line_at(members, event, self.key, self.rv), event)
            elif type(members) is bytes:  # a line of the typed lane
                members = members_of_line(members, event)
            # the pod as the lane decoded it (spec_ref: the very spec object it had)
            pod = pod_of_members(members, self.spec_ref)
            self._last = snapshot(pod, self.cfg, index=index, event=event, info=self.info)
            self.pending = None
        return self._last

    @last.setter
    def last(self, snap: Snapshot | None) -> None:
        self._last, self.pending = snap, None

    def result(self, deleted: bool) -> PodResult:
        last_index = self.pending[1] if self.pending is not None else self._last.index if self._last else self.first_index
        # (PodResult's fields, in order: `pod_result` makes it faster than its __init__)
        return pod_result(self.uid, self.namespace, self.name, self.count, self.first_index, last_index,
                          self.violations, self.first, self.rows, self.previous_index, deleted,
                          dict(self.coverage) if self.coverage is not None else None)


def _line_at(where: tuple, event: str | None, key: Any, rv: Any) -> bytes:
    """The line the lane read at ``where`` (its ``(path, line, column, byte offset)``) read again:
    an observation (a watch event if ``event`` is not None) of the pod of ``key`` (its uid) with
    resourceVersion ``rv`` (`same_line`).  The file is the one being checked
    (`TraceChecker._source`)."""
    path, _line_no, _column, offset = where
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            line = f.readline()
    except OSError:
        line = b""
    return same_line(line, where, event, key, rv)


def same_line(line: bytes, where: tuple, event: str | None, key: Any, rv: Any) -> bytes:
    """``line``, read again from the file being checked at ``where`` (``(path, line, column, byte
    offset)``), if it is still the observation read there before -- an object (``event`` None) or
    a watch event of the pod of ``key`` (`podmodel.oracle.parallel`'s key: its uid, or ``("name",
    namespace, name)`` without one) with resourceVersion ``rv`` (None: none) -- else
    `~podmodel.oracle.formats.FileChanged` (the file was changed while it was checked), never a
    verdict on other bytes.  The one-process check reads a pod's last line again this way
    (`_line_at`), ``--jobs`` its heads (`podmodel.oracle.parallel._feed_head`)."""
    try:
        decoded = _LINE_META.decode(line)
        meta = decoded.metadata if event is None else decoded.object.metadata
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError, AttributeError):
        meta = None
    if meta is None or not same_meta(meta, key, rv):
        raise file_changed(where)
    return line


def file_changed(where: tuple) -> FileChanged:
    """The error for a line read again at ``where`` (``(path, line, column, byte offset)``; line and
    column None when not known: a ``--jobs`` range counts lines from its own start) that is not
    the observation read there before (`same_line`)."""
    path, line_no, column, offset = where
    line = f"line {line_no}" if line_no is not None else f"the line at byte {offset}"
    return FileChanged(f"{path}: the file changed while it was checked ({line} is not the one read)",
                       name=path, line=line_no, column=column, offset=offset, expected="the file as it was read")


def same_meta(meta: Any, key: Any, rv: Any) -> bool:
    """The decoded ``metadata`` of a line read again (`same_line`'s, or the typed lane's:
    `podmodel.oracle.lines.reread_item`) is the pod of ``key`` with resourceVersion ``rv``."""
    version = meta.resourceVersion
    return _key_of_meta(meta) == key and (None if version is UNSET else version) == rv


def _key_of_meta(meta: Any) -> Any:
    """The key a checker files the pod of ``meta`` under: its uid, or ``("name", namespace, name)``
    (`podmodel.oracle.observation.pod_identity`: non-empty strings, else None; absent: None)."""
    return pod_key(*identity_values(meta.uid, meta.namespace, meta.name))


class _LineMeta(msgspec.Struct):
    uid: Any = None
    namespace: Any = None
    name: Any = None
    resourceVersion: Any = None


class _LinePod(msgspec.Struct):
    metadata: _LineMeta | None = None


class _LineEvent(msgspec.Struct):
    """A line read again (`same_line`): a watch event's or a Pod's identity and resourceVersion."""

    object: _LinePod | None = None
    metadata: _LineMeta | None = None


_LINE_META = msgspec.json.Decoder(_LineEvent)


def _pod_of(item: tuple) -> dict:
    """The Pod of an item of `podmodel.oracle.lines.lane_items` (decoded now)."""
    return pod_of_members(members_of_line(item[2], item[1]), item[4])


def _typed_static(tmeta: Any) -> Any:
    """`podmodel.oracle.observation.static_key` of the typed metadata (annotations: a str -> str
    map, or absent)."""
    ann = tmeta.annotations
    return None if ann is _UNSET else ("kubernetes.io/config.mirror" in ann, ann.get("kubernetes.io/config.source"))


def _gates(feature_gates: Mapping[str, bool] | None, version: str | None = None) -> dict[str, bool] | None:
    """The version's gate defaults with ``feature_gates`` applied (None: 1.35's defaults, unchanged)."""
    try:
        base = gates_for_version(version) if version is not None else None
    except ValueError as e:
        raise ValueError(f"kubernetes_version: {e}") from None
    if not feature_gates:
        return base
    try:
        resolve_gates(feature_gates)
    except (UnknownGateError, TypeError) as e:
        raise ValueError(f"feature_gates: {e}") from None
    return {**(base or {}), **feature_gates}


def invalid_object(pod: Any, index: int, problems: list[Problem]) -> Violation:
    """The ``invalid-object`` violation for an observation with `~podmodel.oracle.validate.Problem` s."""
    meta = pod.get("metadata") if isinstance(pod, dict) else None
    meta = meta if isinstance(meta, dict) else {}
    ident = [meta.get(k) if isinstance(meta.get(k), str) else None for k in ("namespace", "name", "uid")]
    first = problems[0]
    more = f" (and {len(problems) - 1} more: {'; '.join(str(p) for p in problems[1:4])}{'; ...' if len(problems) > 4 else ''})" \
        if len(problems) > 1 else ""
    return Violation("invalid-object", index, ident[0], ident[1], ident[2], None, first.field, first.expected, first.actual,
                     f"no Pod the API server could return: {first}{more}", _SRC_INVALID)


class TraceChecker:
    """A streaming checker: `feed` observations one by one, then `finish`.

    Parameters
    ----------
    feature_gates : dict, optional
        Gate name -> bool, overriding Kubernetes 1.35's defaults (`podmodel.model.gates`).
    coverage : bool
        Also count which lifecycle transitions the trace exercised
        (`podmodel.oracle.coverage`), per pod and in total.
    on_pod : callable, optional
        Called with each pod's `~podmodel.oracle.verdict.PodResult` when the pod ends
        (DELETED, or at `finish`).  Given it, results are not kept for the `Verdict`,
        so memory stays bounded by the live pods.
    memo : bool
        Take steps that another pod already showed clean from the memo of clean steps
        (`podmodel.oracle.transitions`; speed only, the verdict is the same; off with ``coverage``).

    Examples
    --------
    >>> checker = TraceChecker()
    >>> pod = {"metadata": {"name": "web", "uid": "u1"}, "spec": {"nodeName": "n1", "containers": [{"name": "c"}]},
    ...        "status": {"phase": "Pending"}}
    >>> checker.feed(pod)
    []
    >>> moved = {**pod, "spec": {"nodeName": "n2", "containers": [{"name": "c"}]}}
    >>> [v.id for v in checker.feed(moved)]
    ['node-rebound']
    >>> verdict = checker.finish()
    >>> verdict.ok, verdict.observations, [p.violations for p in verdict.pods]
    (False, 2, [1])
    """

    def __init__(self, feature_gates: Mapping[str, bool] | None = None, coverage: bool = False, *,
                 on_pod: Callable[[PodResult], None] | None = None, kubernetes_version: str | None = None,
                 memo: bool = True) -> None:
        self._gates = _gates(feature_gates, kubernetes_version)
        self._generations = generation_tracking(kubernetes_version)
        self._schema = pod_schema(kubernetes_version)
        self._typed = typed_pod(kubernetes_version)
        self._coverage = bool(coverage)
        # Tokens of observations and the memo of clean steps (podmodel.oracle.transitions): key ->
        # (seen_initialized after the step, the configuration, kept alive so its id is not reused).
        self._shapes = shapes_for(kubernetes_version) if memo and not coverage else None
        self._steps: dict[tuple, tuple] = {}
        # the same steps keyed with transitions.canonical labels (looked up when _steps misses)
        self._canon: dict[tuple, tuple] = {}
        self._specs: dict[int, tuple] = {}  # id(shared spec) -> (spec, static_key, (cfg, config key, spec info)) of a valid one
        self._cross: dict[tuple, bool] = {}  # (shape id, spec names) -> typed.cross_fields
        self._taken = {"typed": 0, "refused": 0, "memo": 0, "full": 0}
        self._hits = 0  # steps from the memo in _observe_item (typed and memo, counted apart: a hot path)
        self._on_pod = on_pod
        self._pods: dict[Any, _PodState] = {}
        # config_key -> (shared config, spec info, problems of the spec); config None when the spec is invalid
        self._configs: dict[tuple, tuple[PodConfig | None, SpecInfo | None, list[Problem]]] = {}
        # (config id, seen initialized, clean_key_of(snapshot)) of observations that broke no
        # single-observation rule: pods in the same state are checked once.  The configs are
        # kept alive by self._configs (cleared together), so their ids are not reused.
        self._clean: dict[tuple, bool] = {}
        self._results: list[PodResult] = []
        self._total: Counter | None = Counter() if coverage else None
        self.violations: list[Violation] = []
        self.observations = 0
        self.pods_seen = 0
        self.bad_pods = 0
        self._next_index = 0
        self._verdict: Verdict | None = None
        # The path of the file this checker's own lane reads (`feed_source`; `podmodel.oracle.parallel`):
        # an item whose ``where`` names this very object was read there, so a pod's last line is
        # kept as its place in the file, not its bytes (`_PodState.pending`, `_line_at`).
        self._source: str | None = None

    @property
    def taken(self) -> dict[str, int]:
        """How many observations took each path: ``typed`` (the typed check accepted them),
        ``refused`` (it was asked and did not), ``memo`` (of the typed ones, the step came from
        the memo of clean steps), ``full`` (validate_pod and the schema ran)."""
        hits = self._hits
        return {k: v + hits if k in ("typed", "memo") else v for k, v in self._taken.items()}

    @property
    def live_pods(self) -> int:
        """How many pods the checker currently holds state for."""
        return len(self._pods)

    # -- input -------------------------------------------------------------------
    def feed(self, obj: Any) -> list[Violation]:
        """Check one more object; return the violations it shows.

        ``obj`` is a Pod (dict or kubernetes-client ``V1Pod``), a watch event
        ``{"type": ..., "object": pod}``, a ``List``/``V1PodList`` (each item in turn), an
        audit event, or an `~podmodel.oracle.formats.Observation` (whose ``index`` is kept).
        Raises `~podmodel.oracle.formats.InputError` for an object that is not one of these.
        """
        if isinstance(obj, Observation):
            return self.feed_observation(obj)
        out: list[Violation] = []
        for o in iter_observations([obj]):
            out.extend(self._observe(o.pod, self._next_index, o.event, o.location))
        return out

    def feed_observation(self, obs: Observation) -> list[Violation]:
        """Check one `~podmodel.oracle.formats.Observation` (as `iter_observations` yields)."""
        parts = obs.parts
        if parts is not None and parts[0] is self._typed and self._typed is not None and obs.line is not None:
            # read by `read` (the lane with this checker's typed decoder): the pod is decoded only if needed
            where = obs.__dict__["_where"]
            if where is None:
                loc = obs.location
                where = (loc.name, loc.line, loc.column, loc.offset)
            return self._observe_item((obs.index, obs.event, obs.line, where, obs.__dict__["_spec"], parts[1], parts[2]))
        return self._observe(obs.pod, obs.index, obs.event, obs.location, obs.shared_spec, obs.members)

    def feed_source(self, source: Any, *, format: str = "auto", stats: dict | None = None,
                    progress: Callable[[int], None] | None = None, every: int = 100_000) -> None:
        """Feed every observation of ``source`` (anything `iter_observations` reads) as `read`
        reads them (without making an `~podmodel.oracle.formats.Observation` of a JSON Lines
        file's Pods: `podmodel.oracle.lines.lane_items`); ``progress(n)`` every ``every`` observations."""
        path = eligible(source, format)
        observe, feed = self._observe_item, self.feed_observation
        if path is not None:
            self._source = path  # (the lane's items name it: `where[0]`)
        if progress is None:
            # the lane hands its items (index, event, line, where, spec, metadata, status) to
            # _observe_item itself, and yields only the other observations
            items = iter_observations(source, format=format, stats=stats) if path is None \
                else lane_items(path, format, stats=stats, typed=self._typed, sink=observe)
            for item in items:
                feed(item)
            return
        items = iter_observations(source, format=format, stats=stats) if path is None \
            else lane_items(path, format, stats=stats, typed=self._typed)
        n = 0
        for item in items:
            if type(item) is tuple:  # (index, event, line, where, spec, metadata, status)
                observe(item)
            else:
                feed(item)
            n += 1
            if n % every == 0:
                progress(n)

    def read(self, source: Any, *, format: str = "auto", stats: dict | None = None) -> Iterator[Observation]:
        """The observations of ``source`` (`podmodel.oracle.lines.read_observations`), read for this
        checker: a JSON Lines file's Pods decoded with its typed check (``metadata`` and ``status``
        decoded once, into the typed Structs; the ``dict`` only when a rule needs it)."""
        return read_observations(source, format=format, stats=stats, typed=self._typed)

    def _config(self, pod: dict, state: _PodState | None, index: int, location: Location | None):
        """``(cfg, key, spec info, spec problems)`` for an observation: the pod's cached ones while its spec is unchanged."""
        key = config_key(pod)
        if key is None:
            return (state.cfg, state.cfg_key, None, ()) if state is not None else (None, None, None, ())
        if state is not None and state.cfg is not None and state.cfg_key == key:
            return state.cfg, key, state.info, ()
        hit = self._configs.get(key)
        if hit is not None:
            return hit[0], key, hit[1], hit[2]
        problems = validate_spec(pod["spec"])
        if not problems:
            # A spec the schema refuses is not turned into a configuration either (pod_config would
            # refuse some of it as unusable input); not cached, as config_key does not cover the
            # fields the schema checked: the next pod with this key may be fine.
            refused = self._schema.problems({"spec": pod["spec"]})
            if refused:
                return None, key, None, refused
        if problems:
            cfg, info = None, None
        else:
            try:
                # Anonymous: pods with the same spec share one configuration (name, namespace and
                # nodeName are not read by the lifecycle rules).
                meta = pod.get("metadata")
                cfg = pod_config({"metadata": {"annotations": meta.get("annotations") if isinstance(meta, dict) else None},
                                  "spec": pod["spec"]}, self._gates)
            except ManifestError as e:
                loc = location or Location("<input>", None, None, None)
                raise InputError(f"object {index + 1}: the Pod cannot be used: {e}", name=loc.name, line=loc.line,
                                 column=loc.column, offset=loc.offset, expected="a valid Pod spec") from None
            info = spec_info(pod, cfg)
        if len(self._configs) >= CONFIG_CACHE:
            self._configs.clear()
            self._clean.clear()
            self._steps.clear()
            self._canon.clear()
        self._configs[key] = (cfg, info, problems)
        return cfg, key, info, problems

    def _token(self, members: dict, parts: tuple, state: _PodState, spec: Any) -> tuple | None:
        """``(shape id, labels, map generation)`` of an observation of ``state``'s pod for the memo
        of clean steps (`podmodel.oracle.transitions`), or None."""
        if type(spec) is not dict:
            return None
        known = state.known
        if known is None or len(known) > KNOWN_VALUES:
            # a fresh map: labels of the previous observation are not comparable (new map generation)
            known = state.known = dict(FIXED)
            state.vbase = 0
            state.generation += 1
        try:
            # shape and labels in one pass over the typed check's objects (no second decode)
            shape, labs = token_parts(parts[0], parts[1], spec.get("nodeName", UNSET), known, state.vbase)
            sid = shape_id(shape)
        except (TypeError, AttributeError):  # pragma: no cover - the typed check admits no null state
            return None
        state.vbase += len(labs)
        return sid, labs, state.generation

    def _invalid(self, pod: dict, index: int, state: _PodState | None, key: Any, problems: list[Problem]) -> list[Violation]:
        """Report an impossible object; no lifecycle rule is checked on it, and it is not the
        pod's last observation (the next one is compared with the last valid one)."""
        v = invalid_object(pod, index, problems)
        if state is None:
            uid, namespace, name = pod_identity(pod)
            snap = snapshot({"metadata": {"uid": uid, "namespace": namespace, "name": name}}, None, index=index)
            state = _PodState(key, snap.uid, snap.namespace, snap.name, snap.index, self._coverage)
            self._pods[key] = state
            self.pods_seen += 1
        if state.first is None:
            state.first = v
            state.previous_index = None
            self.bad_pods += 1
        state.violations += 1
        state.count += 1
        self.violations.append(v)
        return [v]

    def _observe_item(self, item: tuple) -> list[Violation]:
        """`_observe` of an item of `podmodel.oracle.lines.lane_items` read with this checker's typed
        decoder, the common case first: a live pod, a spec validated before (its own, or another
        pod's: the lane shares one object per distinct bytes), a step the memo of clean steps holds.
        Anything else goes to `_observe` (with the token, if made), which decides it as it decides
        every observation.

        A hit needs no cross-field check (`podmodel.oracle.typed.cross_fields`): the memo holds a
        step only if that check accepted its new observation, and the check reads only what the
        key fixes -- the token's shape (generations, condition types, container names, state
        members) and the configuration's container names (``info`` comes with ``cfg``: one
        `_configs` entry makes both, and the entry the memo keeps holds ``cfg``, so its id is not
        reused)."""
        index, event, line, where, spec, tmeta, tstatus = item
        state = self._pods.get(tmeta.uid)
        if state is None:
            return self._first_item(item)
        if spec is None or self._shapes is None or self._verdict is not None:
            return self._observe(None, index, event, None, True, None, item)
        static = _typed_static(tmeta)
        # the spec: the pod's (so valid, with its configuration), or one validated before (as _observe)
        same = spec is state.spec_ref and static == state.static_ref
        if same:
            cfg = state.cfg
        else:
            cfg, ckey, info = self._validated(spec, static) or (None, None, None)
            if info is None:
                return self._observe(None, index, event, None, True, None, item)
        known = state.known
        prev_token = state.token
        generation = state.generation
        if known is None or len(known) > KNOWN_VALUES or prev_token is None or prev_token[2] != generation:
            return self._observe(None, index, event, None, True, None, item)
        # _token, inlined (the map is not started afresh here: that is _token's case)
        try:
            shape, labs = token_parts(tmeta, tstatus, spec.get("nodeName", _UNSET), known, state.vbase)
        except (TypeError, AttributeError):  # pragma: no cover - the typed check admits no null state
            return self._observe(None, index, event, None, True, None, item)
        state.vbase += len(labs)
        sid = _SHAPE_IDS.get(shape)
        if sid is None:
            sid = shape_id(shape)
        token = (sid, labs, generation)
        rv, prev_rv = tmeta.resourceVersion, state.rv
        # (a resourceVersion of the same length not smaller: never out of order, see maybe_out_of_order)
        if not (type(rv) is str and type(prev_rv) is str and len(rv) == len(prev_rv) and rv >= prev_rv) \
                and maybe_out_of_order(prev_rv, rv):
            return self._observe(None, index, event, None, True, None, item, token)
        c = id(cfg)  # (the pod's own spec: the previous observation's configuration too)
        key = (c, c if same else id(state.cfg), state.seen_initialized, event, prev_token[0], sid, prev_token[1], labs)
        hit = self._steps.get(key)
        if hit is None:  # the same step, its labels numbered from these two observations alone
            hit = self._canon.get((*key[:6], canonical(prev_token[1], labs)))
            if hit is None:
                return self._observe(None, index, event, None, True, None, item, token)
            if len(self._steps) >= CLEAN_CACHE:
                self._steps.clear()
            self._steps[key] = hit  # found directly by the next pod numbered like this one
        self.observations += 1
        if index >= self._next_index:
            self._next_index = index + 1
        self._hits += 1
        # as a hit in _observe
        state.count += 1
        state.seen_initialized = hit[0]
        if not same:
            state.cfg, state.cfg_key, state.info = cfg, ckey, info
            state.spec_ref, state.static_ref = spec, static
        # (the line's place in the file being checked, if this checker's lane read it there: `_line_at`)
        state.pending = (where if where[0] is self._source else line, index, event)
        state.token, state.rv = token, None if rv is _UNSET else rv
        if state.quiet_key is not None or state.valid_lists is not None or state.valid_conditions is not None:
            state.quiet_key = state.valid_conditions = state.valid_lists = None
        if event == "DELETED":
            del self._pods[state.key]
            self._emit(state.result(deleted=True))
        return []

    def _validated(self, spec: Any, static: Any) -> tuple | None:
        """``(cfg, cfg_key, info)`` of a shared spec object that passed the full validation before,
        with the same static-pod marks (any pod's: the entry keeps the object alive, so its id is
        not reused), or None."""
        seen = self._specs.get(id(spec))
        return seen[2] if seen is not None and seen[0] is spec and seen[1] == static else None

    def _first_item(self, item: tuple) -> list[Violation]:
        """`_observe_item` of a pod's first observation: from the memo of clean steps, as the step
        from nothing (previous configuration, shape and labels None) when another pod's first
        observation with a valid spec -- the same configuration -- and the same token (its labels
        from a fresh map) broke no rule; else `_observe`.  (Static-pod marks: `_typed_static`.)"""
        index, event, line, where, spec, tmeta, tstatus = item
        uid = tmeta.uid
        if type(uid) is not str or not uid or spec is None or self._shapes is None or self._verdict is not None:
            return self._observe(None, index, event, None, True, None, item)
        static = _typed_static(tmeta)
        cfg, ckey, info = self._validated(spec, static) or (None, None, None)
        if info is None:
            return self._observe(None, index, event, None, True, None, item)
        known = dict(FIXED)
        try:
            shape, labs = token_parts(tmeta, tstatus, spec.get("nodeName", _UNSET), known, 0)
        except (TypeError, AttributeError):  # pragma: no cover - the typed check admits no null state
            return self._observe(None, index, event, None, True, None, item)
        sid = _SHAPE_IDS.get(shape)
        if sid is None:
            sid = shape_id(shape)
        # (no cross-field check: the memo holds the step only if it accepted the observation, see _observe_item)
        hit = self._steps.get((id(cfg), None, False, event, None, sid, None, labs))
        if hit is None:
            return self._observe(None, index, event, None, True, None, item)
        self.observations += 1
        if index >= self._next_index:
            self._next_index = index + 1
        self._hits += 1
        # the state the full path leaves (but the snapshot, built from the line if a rule needs it)
        namespace = tmeta.namespace
        state = _PodState(uid, uid, None if namespace is _UNSET else namespace, tmeta.name, index, False)
        state.cfg, state.cfg_key, state.info = cfg, ckey, info
        state.spec_ref, state.static_ref = spec, static
        state.known, state.vbase, state.generation = known, len(labs), 1
        rv = tmeta.resourceVersion
        state.token, state.rv = (sid, labs, 1), None if rv is _UNSET else rv
        state.seen_initialized = hit[0]
        state.count = 1
        state.pending = (where if where[0] is self._source else line, index, event)
        self.pods_seen += 1
        if event == "DELETED":
            self._emit(state.result(deleted=True))
        else:
            self._pods[uid] = state
        return []

    def _observe(self, pod: Any, index: int, event: str | None, location: Location | None,
                 shared_spec: bool = False, members: dict | None = None, lazy: Any = None,
                 token: tuple | None = None) -> list[Violation]:
        """Check one observation: ``pod``, or (``pod`` None) the item ``lazy`` of
        `podmodel.oracle.lines.lane_items` read with this checker's typed decoder, whose Pod is
        decoded only past the memo (`_pod_of`).  ``token``: the observation's token, if
        `_observe_item` made it (made here otherwise)."""
        if self._verdict is not None:
            raise RuntimeError("TraceChecker.finish() was called; create a new checker")
        self.observations += 1
        if index >= self._next_index:
            self._next_index = index + 1
        if lazy is not None:
            parts = lazy[5:]
            tmeta = parts[0]
            uid = tmeta.uid
            spec = lazy[4]
            static = _typed_static(tmeta)
        else:
            parts = None
            if type(pod) is not dict:
                pod = plain(pod)
            meta = pod.get("metadata")
            uid = meta.get("uid") if type(meta) is dict else None
            spec = pod.get("spec")
            static = static_key(pod)
        if type(uid) is str and uid:  # the common case of pod_identity
            key: Any = uid
        else:
            if pod is None:
                pod = _pod_of(lazy)
            uid, namespace, name = pod_identity(pod)
            key = pod_key(uid, namespace, name)
        state = self._pods.get(key)
        new = state is None
        # A spec the lane shares (one object per distinct bytes, never mutated) that passed the full
        # validation before -- this pod's last one, or another pod's -- is valid, with the
        # configuration found then.
        valid_spec = None
        if shared_spec and spec is not None:
            if state is not None and spec is state.spec_ref and static == state.static_ref:
                valid_spec = (state.cfg, state.cfg_key, state.info)
            else:
                valid_spec = self._validated(spec, static)
        if valid_spec is not None:
            (cfg, ckey, info), spec_problems = valid_spec, ()
        else:
            if pod is None:
                pod, location = _pod_of(lazy), Location(*lazy[3])
            cfg, ckey, info, spec_problems = self._config(pod, state, index, location)
        memo_key = prev_cfg = None
        made, token = token, None
        accepted = False
        if valid_spec is not None and (members is not None or lazy is not None) and info is not None \
                and self._typed is not None:
            if parts is None:
                parts = self._typed.parts(members)
            if parts is not None:
                # The typed check of the members' bytes (podmodel.oracle.typed) accepts only what the
                # two checks below accept; the spec is a valid one (valid_spec).
                token = (made if made is not None else self._token(members, parts, state, spec)) \
                    if self._shapes is not None and state is not None else None
                if token is not None:
                    # the cross-field rules read only what the shape holds (names, condition types,
                    # generations, state members) and the spec's container names
                    ck = (token[0], info.names)
                    accepted = self._cross.get(ck)
                    if accepted is None:
                        if len(self._cross) >= CLEAN_CACHE:
                            self._cross.clear()
                        accepted = self._cross[ck] = cross_fields(parts[0], parts[1], info.names)
                else:
                    accepted = cross_fields(parts[0], parts[1], info.names)
            self._taken["typed" if accepted else "refused"] += 1
        if accepted:
            problems = []
            prev_token = state.token if state is not None else None
            rv = parts[0].resourceVersion
            if token is not None and prev_token is not None and token[2] == prev_token[2] \
                    and not maybe_out_of_order(state.rv, rv):
                prev_cfg = state.cfg
                memo_key = (id(cfg), id(prev_cfg), state.seen_initialized, event,
                            prev_token[0], token[0], prev_token[1], token[1])
                hit = self._steps.get(memo_key)
                if hit is not None:
                    # A step the rules found clean for another pod, up to a one-to-one renaming of
                    # volatile values (podmodel.oracle.transitions): the same verdict, no violation.
                    self._taken["memo"] += 1
                    state.count += 1
                    state.seen_initialized = hit[0]
                    state.quiet_key = None
                    # what the full path would remember (the configuration and spec may be another
                    # valid one than the last observation's: `last` is read with these)
                    state.cfg, state.cfg_key, state.info = cfg, ckey, info
                    state.spec_ref, state.static_ref = spec, static
                    # (the line, not the observation: its typed objects are freed now, while warm)
                    state.pending = ((lazy[3] if lazy[3][0] is self._source and type(key) is str else lazy[2])
                                     if lazy is not None else members, index, event)
                    state.token, state.rv = token, None if rv is _UNSET else rv
                    # (speed only: the next full validation, if any, re-reads the lists and conditions)
                    state.valid_conditions = state.valid_lists = None
                    if event == "DELETED":
                        del self._pods[key]
                        self._emit(state.result(deleted=True))
                    return []
        if pod is None:
            pod = _pod_of(lazy)
        meta, status = pod.get("metadata"), pod.get("status")
        generation = meta.get("generation") if type(meta) is dict else None
        conditions = status.get("conditions") if type(status) is dict else None
        if not accepted:
            self._taken["full"] += 1
            vl = state.valid_lists if state is not None else None
            previous = vl[1] if vl is not None and vl[0] == ckey and ckey is not None else None
            vc = state.valid_conditions if state is not None else None
            problems = validate_pod(pod, info.names if info is not None else None, spec_checked=True, previous=previous,
                                    previous_conditions=vc[1] if vc is not None and vc[0] == generation else None)
            # The whole object, spec included, every time: the configuration cache above is keyed by
            # what the lifecycle reads (config_key), so two specs that differ only in, say, ports share it.
            refused = self._schema.problems_but_spec(pod) if valid_spec is not None else self._schema.problems(pod)
            if refused:
                problems += [p for p in refused if p not in spec_problems]
            if spec_problems:
                problems = list(spec_problems) + problems
        if problems:
            found = self._invalid(pod, index, state, key, problems)
            if event == "DELETED":
                st = self._pods.pop(key)
                self._emit(st.result(deleted=True))
            return found
        prev = state.last if state is not None else None
        snap = snapshot(pod, cfg, index=index, event=event, info=info, previous=prev)
        found: list[Violation] = []
        if cfg is not None:
            okey = observation_key(snap)
            if state is None or state.quiet_key != okey or state.cfg is not cfg:
                seen = state.seen_initialized if state else False
                clean_key: Any = (id(cfg), seen, clean_key_of(snap))
                try:
                    known = clean_key in self._clean  # hashes the key once
                except TypeError:
                    clean_key, known = None, False
                if not known:
                    found = check_observation(cfg, snap, seen_initialized=seen)
                    if not found and clean_key is not None:
                        if len(self._clean) >= CLEAN_CACHE:
                            self._clean.clear()
                        self._clean[clean_key] = True
            quiet_key = None if found else okey
        else:
            quiet_key = None
        late = False
        if state is None:
            state = _PodState(key, snap.uid, snap.namespace, snap.name, snap.index, self._coverage)
            self._pods[key] = state
            self.pods_seen += 1
        elif prev is not None:
            steps = check_step(state.cfg, prev, snap, generations=self._generations)
            late = bool(steps) and steps[0].id == "out-of-order"
            found = steps if late else steps + found
        if found:
            if state.first is None:
                state.first = found[0]
                state.rows = relevant_rows(prev, snap, found[0])
                state.previous_index = prev.index if prev is not None else None
                self.bad_pods += 1
            state.violations += len(found)
            self.violations.extend(found)
        state.count += 1
        if late:  # an older version: the pod's state stays the newer observation
            return found
        if state.coverage is not None:
            items = cov.first_items(snap) if prev is None else cov.step_items(prev, snap)
            state.coverage.update(items)
            self._total.update(items)
        if cfg is not None and not state.seen_initialized:
            state.seen_initialized = initialized_now(cfg, snap)
        state.cfg, state.cfg_key = cfg, ckey
        if info is not None:
            state.info = info
        if cfg is not None and shared_spec:
            state.spec_ref, state.static_ref = spec, static
        else:
            state.spec_ref = state.static_ref = None
        state.quiet_key = quiet_key
        state.last = snap
        if shared_spec and cfg is not None and valid_spec is None:
            if len(self._specs) >= CONFIG_CACHE:
                self._specs.clear()
            self._specs[id(spec)] = (spec, static, (cfg, ckey, info))  # the entry keeps spec and cfg alive
        if (members is not None or lazy is not None) and cfg is not None and self._shapes is not None \
                and self._typed is not None:
            if token is None:
                if parts is None:
                    parts = self._typed.parts(members)
                token = self._token(members, parts, state, spec) if parts is not None else None
            state.token = token
            state.rv = meta.get("resourceVersion") if type(meta) is dict else None
            if new and accepted and valid_spec is not None and token is not None and not found and info is not None:
                # a first observation (see _first_item): the step from nothing
                memo_key = (id(cfg), None, False, event, None, token[0], None, token[1])
            if memo_key is not None and not found:
                if len(self._steps) >= CLEAN_CACHE:
                    self._steps.clear()
                self._steps[memo_key] = entry = (state.seen_initialized, cfg, prev_cfg)  # keeps both ids from reuse
                if memo_key[6] is not None:  # a step: also under its labels numbered from its two observations
                    if len(self._canon) >= CLEAN_CACHE:
                        self._canon.clear()
                    self._canon[(*memo_key[:6], canonical(memo_key[6], memo_key[7]))] = entry
        else:
            state.token = None
        state.valid_conditions = (generation, conditions) if type(conditions) is list else None
        state.valid_lists = (ckey, (status.get("initContainerStatuses"), status.get("containerStatuses"),
                                    status.get("ephemeralContainerStatuses"))) if type(status) is dict else None
        if event == "DELETED":
            del self._pods[key]
            self._emit(state.result(deleted=True))
        return found

    def _emit(self, result: PodResult) -> None:
        if self._on_pod is not None:
            self._on_pod(result)
        else:
            self._results.append(result)

    def adopt(self, state: _PodState) -> _PodState:
        """``state`` -- a pod's state made by another checker, e.g. in another process -- made this
        checker's: its configuration and spec info replaced by this checker's own for the same
        configuration key (equal: one key, one configuration), so that the memo of clean steps,
        keyed by configuration ids, can take its next step.  Unchanged when this checker has no
        valid configuration of that key.  Speed only."""
        hit = self._configs.get(state.cfg_key) if state.cfg_key is not None and state.cfg is not None else None
        if hit is not None and hit[0] is not None and hit[0] is not state.cfg:
            state.cfg, state.info = hit[0], hit[1]
        return state

    def start_over(self, on_pod: Callable[[PodResult], None] | None = None) -> None:
        """Forget what the trace so far left -- pods, violations, results, counts -- and keep the
        caches (the memo of clean steps, the validated specs and configurations): the checker then
        checks another trace as a new checker would (the same verdict: the caches are speed only),
        its memo warm.  ``on_pod`` replaces the callback given to the constructor.
        (`podmodel.oracle.parallel`: the byte ranges one process checks, one after the other.)

        >>> checker = TraceChecker()
        >>> _ = checker.feed({"metadata": {"name": "a", "uid": "u"}, "spec": {"containers": [{"name": "c"}]}})
        >>> checker.start_over()
        >>> checker.live_pods, checker.observations, checker.finish().pods
        (0, 0, ())
        """
        self._on_pod = on_pod
        self._pods = {}
        self._results = []
        self._total = Counter() if self._coverage else None
        self.violations = []
        self.observations = self.pods_seen = self.bad_pods = self._next_index = 0
        self._verdict = None

    # -- output ------------------------------------------------------------------
    def run(self, source: Any, *, format: str = "auto") -> Verdict:
        """Feed every observation of ``source`` (anything `iter_observations` reads), then `finish`.

        Raises `~podmodel.oracle.formats.InputError` when ``source`` holds no Pod at all
        (nothing to check is no verdict).
        """
        stats: dict = {}
        with fewer_collections():  # speed only: as the --jobs workers do
            self.feed_source(source, format=format, stats=stats)
        if not self.observations:
            raise nothing_to_check(stats, stats.get("name", "<input>"))
        return self.finish()

    def finish(self) -> Verdict:
        """End the trace: report the pods still alive and return the `Verdict`.

        Calling it again returns the same verdict; feeding after it is an error.
        """
        if self._verdict is None:
            for state in list(self._pods.values()):
                self._emit(state.result(deleted=False))
            self._pods.clear()
            self._verdict = Verdict(violations=self.violations, pods=tuple(self._results), observations=self.observations,
                                    coverage=dict(self._total) if self._total is not None else None)
        return self._verdict
