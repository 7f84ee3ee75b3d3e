"""Could the API server have returned this Pod?  Schema and status validation of one observation.

Every observation is checked against the Pod API's types (the OpenAPI schema of
``core/v1`` Pod: strings, booleans, int32/int64 counts, objects, lists) and against the
rules the API server and the kubelet's status writer enforce on the fields the oracle
reads.  An object that breaks one is reported as ``invalid-object`` with the field path
(`Problem`), and the oracle checks no lifecycle rule on it: a verdict on an impossible
object would be a promise about nothing.

What is checked (sources in brackets):

* ``metadata.name`` present, a non-empty string; ``uid``, ``namespace``,
  ``resourceVersion``, ``deletionTimestamp`` strings; ``generation`` and
  ``deletionGracePeriodSeconds`` non-negative int64 [OpenAPI ``ObjectMeta``;
  ``apimachinery/pkg/api/validation/objectmeta.go ValidateObjectMeta`` (name required,
  ``generation`` non-negative)].
* ``spec.containers``: a non-empty list; every container, init container and ephemeral
  container has a non-empty string ``name``, unique across the three lists
  [``validation.go validateContainers``, ``validateInitContainers``,
  ``validateEphemeralContainers`` (``field.Duplicate``)]; ``spec.restartPolicy`` one of
  Always, OnFailure, Never [``validateRestartPolicy``].
* ``status.phase`` one of Pending, Running, Succeeded, Failed, Unknown [``types.go``
  ``PodPhase``]; ``status.reason``/``message`` strings.
* ``status.conditions``: a list of objects with a non-empty string ``type`` and
  ``status`` True, False or Unknown [``types.go ConditionStatus``;
  ``validation.go validatePodConditions``]; no type twice (the conditions are a list
  map keyed by ``type``: ``+listType=map +listMapKey=type`` in 1.35's ``types.go``);
  ``observedGeneration`` a non-negative int64 not above ``metadata.generation``
  [KEP-5067, GA in 1.35].
* ``status.observedGeneration``: a non-negative int64, not above ``metadata.generation``
  [KEP-5067].
* ``status.containerStatuses``, ``initContainerStatuses``,
  ``ephemeralContainerStatuses``: lists of objects with a string ``name`` that names a
  container of the matching spec list, each name once [the kubelet writes one status per
  spec container: ``kubelet_pods.go convertToAPIContainerStatuses``; the lists are list
  maps keyed by ``name``]; ``restartCount`` a non-negative int32; ``ready``,
  ``started`` booleans; ``image``, ``imageID``, ``containerID`` strings; ``state`` and
  ``lastState`` objects with at most one of ``waiting``, ``running``, ``terminated``
  (``types.go ContainerState``: "Only one of its members may be specified"), a
  ``terminated`` with an int32 ``exitCode``.

``null`` where a value is due is invalid too: the API server omits an unset field, it
never writes ``null`` for one of the fields above -- except timestamps (``metav1.Time``
marshals its zero value as ``null``: ``lastProbeTime: null``).  Numbers: a JSON float (``1.5``, ``NaN``, ``1e400`` read as infinity) where an integer
is due is invalid, and so is an integer out of the field's range (int32/int64).

Why these rules are hand-written: the published OpenAPI schema does not state the rules
above that matter most here (names that exist in the spec, unique statuses, enums the Go
types declare as plain strings, int32 ranges, observedGeneration <= generation).  Every
other field is checked against the schema itself by `podmodel.oracle.schema`
(kubernetes-validate's schema of the version in use, compiled with jsonschema-rs); the
checker runs both on each observation.

>>> pod = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]},
...        "status": {"containerStatuses": [{"name": "c", "restartCount": -1}]}}
>>> [str(p) for p in validate_pod(pod)]
['status.containerStatuses[0].restartCount: expected a non-negative int32, got -1']
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NamedTuple

_ABSENT = object()
#: Timestamps (``metav1.Time``): a zero time is written as ``null`` (``lastProbeTime: null`` is in every Pod).
_TIMES = frozenset({"lastProbeTime", "lastTransitionTime", "startedAt", "finishedAt", "startTime", "deletionTimestamp"})
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
PHASES = frozenset({"Pending", "Running", "Succeeded", "Failed", "Unknown"})
CONDITION_STATUSES = frozenset({"True", "False", "Unknown"})
RESTART_POLICIES = frozenset({"Always", "OnFailure", "Never"})

_SRC = ("OpenAPI core/v1 Pod (types.go); apimachinery objectmeta.go ValidateObjectMeta; pkg/apis/core/validation/"
        "validation.go validateContainers, validateInitContainers, validateEphemeralContainers, validateRestartPolicy, "
        "validatePodConditions, ValidatePodStatusUpdate; kubelet_pods.go convertToAPIContainerStatuses; KEP-5067")


class Problem(NamedTuple):
    """One reason an object is not a Pod the API server could return."""

    field: str
    expected: str
    actual: str

    def __str__(self) -> str:
        return f"{self.field}: expected {self.expected}, got {self.actual}"


def _show(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "an infinite number"
        return repr(v)
    if isinstance(v, int):
        return str(v) if abs(v) < 10**30 else f"an integer of about {int(abs(v).bit_length() * 0.30103) + 1} digits"
    if isinstance(v, str):
        return repr(v) if len(v) <= 60 else repr(v[:57] + "...")
    if type(v) is dict:
        return "an object"
    if isinstance(v, (list, tuple)):
        return "a list"
    return f"a {type(v).__name__}"


def _int_problem(v: Any, path: str, limit: int, what: str) -> Problem | None:
    if type(v) is int and 0 <= v <= limit:
        return None
    return Problem(path, f"a non-negative {what}", _show(v))


def _str_problem(v: Any, path: str, *, required: bool = False) -> Problem | None:
    if type(v) is str and (v or not required):
        return None
    return Problem(path, "a non-empty string" if required else "a string", _show(v))


def validate_pod(pod: Mapping[str, Any], spec_names: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]] | None = None,
                 *, spec_checked: bool = False, previous: tuple | None = None,
                 previous_conditions: Any = None) -> list[Problem]:
    """The problems of one Pod object (empty when the API server could have returned it).

    Parameters
    ----------
    pod : dict
        The Pod as API JSON.
    spec_names : tuple, optional
        ``(init, app, ephemeral)`` container names of the spec, when the caller has them.
    spec_checked : bool
        The spec was already validated (`validate_spec`): skip it.
    previous : tuple, optional
        ``(init, app, ephemeral)`` raw container status lists of the pod's previous (valid)
        observation *with the same spec*: an equal list is not re-validated, nor a status equal
        to the one at the same place there (its name is still checked).
    previous_conditions : list, optional
        ``status.conditions`` of that observation, with the same ``metadata.generation``:
        equal conditions are not re-validated.

    >>> [str(p) for p in validate_pod({"kind": "Pod"})]
    ['metadata.name: expected a non-empty string, got nothing', 'spec: expected an object, got nothing']
    >>> [str(p) for p in validate_pod({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]},
    ...                                "status": {"phase": "Maybe"}})]
    ["status.phase: expected one of Pending, Running, Succeeded, Failed, Unknown, got 'Maybe'"]
    """
    out: list[Problem] = []
    meta = pod.get("metadata")
    generation = None
    if meta is None:
        meta = {}
    elif type(meta) is not dict:
        out.append(Problem("metadata", "an object", _show(meta)))
        meta = None
    if meta is not None:
        p = _str_problem(meta.get("name"), "metadata.name", required=True)
        if p:
            out.append(p if "name" in meta else Problem("metadata.name", "a non-empty string", "nothing"))
        for key in ("uid", "namespace", "resourceVersion", "deletionTimestamp"):
            v = meta.get(key, _ABSENT)
            if v is not _ABSENT and type(v) is not str and not (v is None and key in _TIMES):
                out.append(Problem(f"metadata.{key}", "a string", _show(v)))
        for key in ("generation", "deletionGracePeriodSeconds"):
            v = meta.get(key, _ABSENT)
            if v is not _ABSENT:
                p = _int_problem(v, f"metadata.{key}", INT64_MAX, "int64")
                if p:
                    out.append(p)
                elif key == "generation":
                    generation = v
    spec = pod.get("spec")
    if type(spec) is not dict:
        out.append(Problem("spec", "an object", _show(spec) if "spec" in pod else "nothing"))
        spec = None
    elif not spec_checked:
        out.extend(validate_spec(spec))
    if spec_names is None and spec is not None:
        spec_names = tuple(tuple(c.get("name") for c in items if type(c) is dict)  # type: ignore[misc]
                           if type(items := spec.get(k)) is list else ()
                           for k in ("initContainers", "containers", "ephemeralContainers"))
    status = pod.get("status")
    if status is not None:
        if type(status) is not dict:
            out.append(Problem("status", "an object", _show(status)))
        else:
            out.extend(validate_status(status, spec_names, generation, previous, previous_conditions))
    return out


def validate_spec(spec: Mapping[str, Any]) -> list[Problem]:
    """The problems of a Pod spec, for the fields the oracle reads.

    >>> [str(p) for p in validate_spec({"containers": [{"name": "a"}], "initContainers": [{"name": "a"}]})]
    ["spec.initContainers[0].name: expected a name not used by another container, got 'a'"]
    """
    out: list[Problem] = []
    policy = spec.get("restartPolicy", _ABSENT)
    if policy is not _ABSENT and (type(policy) is not str or policy not in RESTART_POLICIES):
        out.append(Problem("spec.restartPolicy", "one of Always, OnFailure, Never", _show(policy)))
    node = spec.get("nodeName", _ABSENT)
    if node is not _ABSENT and type(node) is not str:
        out.append(Problem("spec.nodeName", "a string", _show(node)))
    seen: set[str] = set()
    for key in ("containers", "initContainers", "ephemeralContainers"):
        items = spec.get(key)
        if items is None:
            if key == "containers":
                out.append(Problem("spec.containers", "a non-empty list of containers", "nothing"))
            continue
        if type(items) is not list:
            out.append(Problem(f"spec.{key}", "a list", _show(items)))
            continue
        if key == "containers" and not items:
            out.append(Problem("spec.containers", "a non-empty list of containers", "an empty list"))
        for i, c in enumerate(items):
            path = f"spec.{key}[{i}]"
            if type(c) is not dict:
                out.append(Problem(path, "an object", _show(c)))
                continue
            name = c.get("name")
            p = _str_problem(name, f"{path}.name", required=True)
            if p:
                out.append(p)
            elif name in seen:
                out.append(Problem(f"{path}.name", "a name not used by another container", _show(name)))
            else:
                seen.add(name)
            image = c.get("image", _ABSENT)
            if image is not _ABSENT and type(image) is not str:
                out.append(Problem(f"{path}.image", "a string", _show(image)))
            rp = c.get("restartPolicy", _ABSENT)
            if rp is not _ABSENT and (type(rp) is not str or rp not in RESTART_POLICIES):
                out.append(Problem(f"{path}.restartPolicy", "one of Always, OnFailure, Never", _show(rp)))
    return out


def validate_status(status: Mapping[str, Any], spec_names: tuple | None, generation: int | None = None,
                    previous: tuple | None = None, previous_conditions: Any = None) -> list[Problem]:
    """The problems of a Pod status; ``spec_names`` as in `validate_pod` (None: names unchecked).

    >>> [str(p) for p in validate_status({"conditions": [{"type": "Ready", "status": "Maybe"}]}, None)]
    ["status.conditions[0].status: expected one of True, False, Unknown, got 'Maybe'"]
    """
    out: list[Problem] = []
    phase = status.get("phase", "")
    if phase != "" and phase not in PHASES if type(phase) is str else True:
        out.append(Problem("status.phase", "one of Pending, Running, Succeeded, Failed, Unknown", _show(phase)))
    for key in ("reason", "message", "hostIP", "podIP", "qosClass", "startTime"):
        v = status.get(key, _ABSENT)
        if v is not _ABSENT and type(v) is not str and not (v is None and key in _TIMES):
            out.append(Problem(f"status.{key}", "a string", _show(v)))
    og = status.get("observedGeneration", _ABSENT)
    if og is not _ABSENT:
        p = _int_problem(og, "status.observedGeneration", INT64_MAX, "int64")
        if p:
            out.append(p)
        elif generation is not None and og > generation:
            out.append(Problem("status.observedGeneration", f"at most metadata.generation ({generation})", str(og)))
    conds = status.get("conditions", _ABSENT)
    if conds is not _ABSENT and not (previous_conditions is not None and conds == previous_conditions
                                     and all(_same_numbers(c) for c in conds)):
        if type(conds) is not list:
            out.append(Problem("status.conditions", "a list", _show(conds)))
        else:
            types: set[str] = set()
            before_c = previous_conditions if type(previous_conditions) is list else ()
            for i, c in enumerate(conds):
                if i < len(before_c) and before_c[i] == c and _same_numbers(c):  # validated last time (same generation)
                    ctype = c["type"]
                    if ctype in types:
                        out.append(Problem(f"status.conditions[{i}].type", "each condition type once", f"{ctype!r} again"))
                    types.add(ctype)
                    continue
                path = f"status.conditions[{i}]"
                if type(c) is not dict:
                    out.append(Problem(path, "an object", _show(c)))
                    continue
                ctype = c.get("type")
                p = _str_problem(ctype, f"{path}.type", required=True)
                if p:
                    out.append(p)
                elif ctype in types:
                    out.append(Problem(f"{path}.type", "each condition type once", f"{ctype!r} again"))
                else:
                    types.add(ctype)
                st = c.get("status")
                if st not in CONDITION_STATUSES if type(st) is str else True:
                    out.append(Problem(f"{path}.status", "one of True, False, Unknown", _show(st) if "status" in c else "nothing"))
                for key in ("reason", "message", "lastTransitionTime", "lastProbeTime"):
                    v = c.get(key, _ABSENT)
                    if v is not _ABSENT and type(v) is not str and not (v is None and key in _TIMES):
                        out.append(Problem(f"{path}.{key}", "a string", _show(v)))
                cog = c.get("observedGeneration", _ABSENT)
                if cog is not _ABSENT:
                    p = _int_problem(cog, f"{path}.observedGeneration", INT64_MAX, "int64")
                    if p:
                        out.append(p)
                    elif generation is not None and cog > generation:
                        out.append(Problem(f"{path}.observedGeneration", f"at most metadata.generation ({generation})",
                                           str(cog)))
    for n, key in ((0, "initContainerStatuses"), (1, "containerStatuses"), (2, "ephemeralContainerStatuses")):
        items = status.get(key, _ABSENT)
        if items is _ABSENT:
            continue
        if type(items) is not list:
            out.append(Problem(f"status.{key}", "a list", _show(items)))
            continue
        names = spec_names[n] if spec_names is not None else None
        seen: set[str] = set()
        before = previous[n] if previous is not None else None
        if before is None:
            before = ()
        elif items == before and all(_status_numbers(c) for c in items):
            continue  # the whole list as validated last time, against the same spec
        for i, c in enumerate(items):
            if i < len(before) and before[i] == c and _status_numbers(c):  # unchanged since the previous valid observation
                name = c["name"]
                if name in seen:
                    out.append(Problem(f"status.{key}[{i}].name", "each container once", f"{name!r} again"))
                elif names is not None and name not in names:
                    out.append(Problem(f"status.{key}[{i}].name", f"a container of {_LIST_OF[key]}",
                                       f"{name!r}, which the spec does not have"))
                seen.add(name)
                continue
            out.extend(_container_status(c, f"status.{key}[{i}]", names, seen, key))
    return out


def _same_numbers(c: dict) -> bool:
    """After ``c == v`` for a validated condition ``v``: ``c`` has the same types too.

    Equality does not tell ``1`` from ``1.0`` or ``true``; strings, null, objects and
    lists compare only with their own kind, so only the numbers need a look."""
    og = c.get("observedGeneration")
    return og is None or type(og) is int


def _status_numbers(c: dict) -> bool:
    """`_same_numbers` for a container status equal to a validated one."""
    rc = c.get("restartCount")
    if rc is not None and type(rc) is not int:
        return False
    for k in ("ready", "started"):
        v = c.get(k)
        if v is not None and type(v) is not bool:
            return False
    for k in ("state", "lastState"):
        st = c.get(k)
        if st:
            for member in st.values():
                if type(member) is dict and member:
                    code, sig = member.get("exitCode"), member.get("signal")
                    if (code is not None and type(code) is not int) or (sig is not None and type(sig) is not int):
                        return False
    return True


_LIST_OF = {"initContainerStatuses": "spec.initContainers", "containerStatuses": "spec.containers",
            "ephemeralContainerStatuses": "spec.ephemeralContainers"}


def _container_status(c: Any, path: str, names: tuple | None, seen: set, key: str) -> list[Problem]:
    if type(c) is not dict:
        return [Problem(path, "an object", _show(c))]
    out: list[Problem] = []
    name = c.get("name")
    if type(name) is not str or not name:
        out.append(Problem(f"{path}.name", "a non-empty string", _show(name)))
    elif name in seen:
        out.append(Problem(f"{path}.name", "each container once", f"{name!r} again"))
    else:
        seen.add(name)
        if names is not None and name not in names:
            out.append(Problem(f"{path}.name", f"a container of {_LIST_OF[key]}", f"{name!r}, which the spec does not have"))
    rc = c.get("restartCount", _ABSENT)
    if rc is not _ABSENT:
        p = _int_problem(rc, f"{path}.restartCount", INT32_MAX, "int32")
        if p:
            out.append(p)
    for k in ("ready", "started"):
        v = c.get(k, _ABSENT)
        if v is not _ABSENT and type(v) is not bool:
            out.append(Problem(f"{path}.{k}", "a boolean", _show(v)))
    for k in ("image", "imageID", "containerID"):
        v = c.get(k, _ABSENT)
        if v is not _ABSENT and type(v) is not str:
            out.append(Problem(f"{path}.{k}", "a string", _show(v)))
    for k in ("state", "lastState"):
        v = c.get(k, _ABSENT)
        if v is not _ABSENT:
            out.extend(_state(v, f"{path}.{k}"))
    return out


def _state(v: Any, path: str) -> list[Problem]:
    if type(v) is not dict:
        return [Problem(path, "an object", _show(v))]
    out: list[Problem] = []
    members = [k for k in ("waiting", "running", "terminated") if v.get(k) is not None]
    if len(members) > 1:
        out.append(Problem(path, "at most one of waiting, running, terminated", " and ".join(members)))
    for k in members:
        s = v[k]
        if type(s) is not dict:
            out.append(Problem(f"{path}.{k}", "an object", _show(s)))
            continue
        for sk in ("reason", "message", "startedAt", "finishedAt", "containerID"):
            sv = s.get(sk, _ABSENT)
            if sv is not _ABSENT and not (sv is None and sk in _TIMES) and type(sv) is not str:
                out.append(Problem(f"{path}.{k}.{sk}", "a string", _show(sv)))
        if k == "terminated":
            code = s.get("exitCode")
            if not (type(code) is int and -2**31 <= code <= INT32_MAX):
                out.append(Problem(f"{path}.terminated.exitCode", "an int32", _show(code) if "exitCode" in s else "nothing"))
            sig = s.get("signal", _ABSENT)
            if sig is not _ABSENT and not (type(sig) is int and -2**31 <= sig <= INT32_MAX):
                out.append(Problem(f"{path}.terminated.signal", "an int32", _show(sig)))
    return out


def is_valid(pod: Mapping[str, Any]) -> bool:
    """Whether `validate_pod` finds nothing."""
    return not validate_pod(pod)


#: The sources of ``invalid-object`` (for `podmodel.oracle.verdict.RULES`).
SOURCE = _SRC
