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
from collections.abc import Callable, Mapping
from typing import Any

from podmodel.model.config import ManifestError, PodConfig
from podmodel.model.gates import UnknownGateError, resolve_gates
from podmodel.model.reference import pod_config
from podmodel.oracle import coverage as cov
from podmodel.oracle.formats import InputError, Location, Observation, iter_observations
from podmodel.oracle.observation import (
    Snapshot,
    SpecInfo,
    config_key,
    plain,
    pod_identity,
    snapshot,
    spec_info,
)
from podmodel.oracle.report import relevant_rows
from podmodel.oracle.rules import (
    check_observation,
    clean_key_of,
    initialized_now,
    observation_key,
)
from podmodel.oracle.steps import check_step
from podmodel.oracle.verdict import PodResult, Verdict, Violation

#: How many distinct pod specs the checker keeps configurations for (then it starts over).
CONFIG_CACHE = 4096
#: How many distinct clean observation states it remembers (then it starts over).
CLEAN_CACHE = 65536


class _PodState:
    """What the monitor remembers about one live pod."""

    __slots__ = ("key", "uid", "namespace", "name", "cfg", "cfg_key", "info", "last", "count", "first_index",
                 "violations", "first", "rows", "previous_index", "seen_initialized", "coverage", "quiet_key")

    def __init__(self, key: Any, snap: Snapshot, coverage: bool) -> None:
        self.key = key
        self.uid, self.namespace, self.name = snap.uid, snap.namespace, snap.name
        self.cfg: PodConfig | None = None
        self.cfg_key: Any = None
        self.info: SpecInfo | None = None
        self.quiet_key: Any = None  # observation_key of the last observation that broke no single-observation rule
        self.last: Snapshot | None = None
        self.count = 0
        self.first_index = snap.index
        self.violations = 0
        self.first: Violation | None = None
        self.rows: tuple = ()
        self.previous_index: int | None = None
        self.seen_initialized = False
        self.coverage: Counter | None = Counter() if coverage else None

    def result(self, deleted: bool) -> PodResult:
        return PodResult(
            uid=self.uid, namespace=self.namespace, name=self.name, observations=self.count,
            first_index=self.first_index, last_index=self.last.index if self.last else self.first_index,
            violations=self.violations, first=self.first, rows=self.rows, previous_index=self.previous_index,
            deleted=deleted, coverage=dict(self.coverage) if self.coverage is not None else None,
        )


def _gates(feature_gates: Mapping[str, bool] | None) -> dict[str, bool] | None:
    if not feature_gates:
        return None
    try:
        resolve_gates(feature_gates)
    except (UnknownGateError, TypeError) as e:
        raise ValueError(f"feature_gates: {e}") from None
    return dict(feature_gates)


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
                 on_pod: Callable[[PodResult], None] | None = None) -> None:
        self._gates = _gates(feature_gates)
        self._coverage = bool(coverage)
        self._on_pod = on_pod
        self._pods: dict[Any, _PodState] = {}
        self._configs: dict[tuple, tuple[PodConfig, SpecInfo | None]] = {}  # config_key -> shared config
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
        return self._observe(obs.pod, obs.index, obs.event, obs.location)

    def _config(self, pod: dict, state: _PodState | None, index: int, location: Location | None):
        """``(cfg, key, spec info)`` for an observation: the pod's cached ones while its spec is unchanged."""
        key = config_key(pod)
        if key is None:
            return (state.cfg, state.cfg_key, None) if state is not None else (None, None, None)
        if state is not None and state.cfg is not None and state.cfg_key == key:
            return state.cfg, key, state.info
        hit = self._configs.get(key)
        if hit is not None:
            return hit[0], key, hit[1]
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
        self._configs[key] = (cfg, info)
        return cfg, key, info

    def _observe(self, pod: Any, index: int, event: str | None, location: Location | None) -> list[Violation]:
        if self._verdict is not None:
            raise RuntimeError("TraceChecker.finish() was called; create a new checker")
        if type(pod) is not dict:
            pod = plain(pod)
        self.observations += 1
        self._next_index = max(self._next_index, index + 1)
        uid, namespace, name = pod_identity(pod)
        key: Any = uid if uid is not None else ("name", namespace, name)
        state = self._pods.get(key)
        cfg, ckey, info = self._config(pod, state, index, location)
        prev = state.last if state is not None else None
        snap = snapshot(pod, cfg, index=index, event=event, info=info, previous=prev)
        found: list[Violation] = []
        if cfg is not None:
            okey = observation_key(snap)
            if state is None or state.quiet_key != okey or state.cfg is not cfg:
                seen = state.seen_initialized if state else False
                try:
                    clean_key = (id(cfg), seen, clean_key_of(snap))
                    hash(clean_key)
                except TypeError:
                    clean_key = None
                if clean_key is None or clean_key not in self._clean:
                    found = check_observation(cfg, snap, seen_initialized=seen)
                    if not found and clean_key is not None:
                        if len(self._clean) >= CLEAN_CACHE:
                            self._clean.clear()
                        self._clean[clean_key] = True
            quiet_key = None if found else okey
        else:
            quiet_key = None
        if state is None:
            state = _PodState(key, snap, self._coverage)
            self._pods[key] = state
            self.pods_seen += 1
        elif prev is not None:
            found = check_step(state.cfg, prev, snap) + found
        if found:
            if state.first is None:
                state.first = found[0]
                state.rows = relevant_rows(prev, snap, found[0])
                state.previous_index = prev.index if prev is not None else None
                self.bad_pods += 1
            state.violations += len(found)
            self.violations.extend(found)
        if state.coverage is not None:
            items = cov.first_items(snap) if prev is None else cov.step_items(prev, snap)
            state.coverage.update(items)
            self._total.update(items)
        if cfg is not None and not state.seen_initialized:
            state.seen_initialized = initialized_now(cfg, snap)
        state.cfg, state.cfg_key = cfg, ckey
        if info is not None:
            state.info = info
        state.quiet_key = quiet_key
        state.last = snap
        state.count += 1
        if event == "DELETED":
            del self._pods[key]
            self._emit(state.result(deleted=True))
        return found

    def _emit(self, result: PodResult) -> None:
        if self._on_pod is not None:
            self._on_pod(result)
        else:
            self._results.append(result)

    # -- output ------------------------------------------------------------------
    def run(self, source: Any, *, format: str = "auto") -> Verdict:
        """Feed every observation of ``source`` (anything `iter_observations` reads), then `finish`."""
        for obs in iter_observations(source, format=format):
            self.feed_observation(obs)
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
