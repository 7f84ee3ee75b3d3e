"""The oracle's results: `Violation`, `Verdict`, and the catalogue of violation ids.

Every violation id is listed in `RULES` with a one-line statement and the rule's source
(a row of ``shared/k8s-invariants.md`` and the upstream file or test).  A `Violation`
carries its own ``source``, which may name a more specific upstream function than the
catalogue entry.

>>> sorted(VIOLATION_IDS)[:3]
['condition-inconsistent', 'container-state-regressed', 'containers-changed']
>>> RULES["node-rebound"].source
'k8s-invariants.md B1-B3; pkg/registry/core/pod/storage/storage.go BindingREST.setPodHostAndAnnotations, validation.go ValidatePodUpdate'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple


class Rule(NamedTuple):
    """One violation id: what it means and where the rule comes from."""

    id: str
    statement: str
    source: str


_RULES = (
    Rule("terminal-phase-reverted", "A pod observed Succeeded or Failed later shows another phase.",
         "k8s-invariants.md P4, P5; kubelet_pods.go generateAPIPodStatus ('Pod attempted illegal phase transition'), "
         "test/e2e/node/pods.go podStartVerifier ('was in a terminal phase and then reverted')"),
    Rule("node-rebound", "spec.nodeName changed or was cleared once set.",
         "k8s-invariants.md B1-B3; pkg/registry/core/pod/storage/storage.go BindingREST.setPodHostAndAnnotations, "
         "validation.go ValidatePodUpdate"),
    Rule("identity-changed", "The name or namespace of a uid changed.",
         "k8s-invariants.md D1, I5; validation.go ValidateObjectMetaUpdate"),
    Rule("restart-count-decreased", "A container's restartCount went down.",
         "k8s-invariants.md C2; test/e2e/common/node/container_probe.go RunLivenessTest "
         "('Restart count should increment monotonically'), issue #15007"),
    Rule("restart-forbidden", "A container restarted although its restart policy forbids it.",
         "k8s-invariants.md C1, C1b, C3, I7, §10.8; status_manager.go checkContainerStateTransition, "
         "validation.go ValidateContainerStateTransition / ValidateInitContainerStateTransition, "
         "pkg/api/v1/pod/util.go ContainerShouldRestart"),
    Rule("init-order", "A container started before the init containers (or sidecars) it must wait for.",
         "k8s-invariants.md I1-I3; test/e2e/common/node/init_container.go initialized(), "
         "test/e2e/node/pods.go ('should never report container start when an init container fails'), "
         "kuberuntime computeInitContainerActions"),
    Rule("phase-inconsistent", "status.phase is not one the kubelet could report for the container statuses.",
         "k8s-semantics.md §2, §3.1, §6; kubelet_pods.go getPhase, generateAPIPodStatus; "
         "status_manager.go mergePodStatus, TerminatePod; k8s-invariants.md §10.1, §10.2"),
    Rule("condition-inconsistent", "A kubelet-owned condition contradicts the container statuses or the phase.",
         "k8s-semantics.md §4; pkg/kubelet/status/generate.go; status_manager.go mergePodStatus (issue 108594); "
         "pkg/kubelet/prober/prober_manager.go UpdatePodStatus"),
    Rule("deletion-reverted", "deletionTimestamp removed, the grace period grew, or the timestamp moved with the same grace period.",
         "k8s-invariants.md D2, §10.3; validation.go ValidateObjectMetaUpdate, "
         "staging/src/k8s.io/apiserver/pkg/registry/rest/delete.go BeforeDelete"),
    Rule("container-state-regressed", "A running container went back to waiting with no termination recorded and no restart, "
         "or a termination record was cleared.",
         "k8s-semantics.md §3.2; kubelet_pods.go convertToAPIContainerStatuses; k8s-invariants.md C3; "
         "test/e2e/node/pods.go podStartVerifier ('had termination cleared')"),
    Rule("invalid-object", "The object is no Pod the API server could return: a field of the wrong type, a value out of "
         "its enum or range, a status for a container the spec does not have, a name listed twice, no name.",
         "OpenAPI core/v1 Pod (types.go); apimachinery objectmeta.go ValidateObjectMeta; pkg/apis/core/validation/validation.go "
         "validateContainers, validateRestartPolicy, validatePodConditions, ValidatePodStatusUpdate; "
         "kubelet_pods.go convertToAPIContainerStatuses; KEP-5067 (podmodel/oracle/validate.py)"),
    Rule("generation-regressed", "metadata.generation went down, or status.observedGeneration (or a condition's) went back.",
         "KEP-5067 (keps/sig-node/5067-pod-generation, GA in 1.35): generation is incremented by the API server on every "
         "spec update and never reset (pkg/registry/core/pod/strategy.go PrepareForUpdate); the kubelet reports the "
         "generation it has acted on (status_manager.go, podutil.CalculatePodStatusObservedGeneration)"),
    Rule("out-of-order", "Not a Kubernetes violation: the input is out of order -- a later observation of a uid carries an "
         "older metadata.resourceVersion than an earlier one.  The older observation is not compared.",
         "API concepts, 'Resource versions' (a watch delivers a uid's versions in order); etcd revisions increase"),
    Rule("containers-changed", "The set of containers, init containers or ephemeral containers changed.",
         "k8s-invariants.md C8, I5; validation.go ValidateContainerUpdates, ValidatePodEphemeralContainersUpdate"),
)

#: id -> `Rule`.
RULES: dict[str, Rule] = {r.id: r for r in _RULES}

#: Every violation id, in catalogue order.
VIOLATION_IDS: tuple[str, ...] = tuple(RULES)


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule, at one observation.

    Attributes
    ----------
    id : str
        One of `VIOLATION_IDS`.
    index : int
        0-based position, in the input, of the observation where the violation shows
        (for `podmodel.oracle.check_transition`, 1: the second pod).
    namespace, name, uid : str or None
        The pod, as the observation names it.
    container : str or None
        The container concerned, if any.
    field : str
        The field, e.g. ``status.phase`` or ``status.containerStatuses[app].state``
        (containers are named, not numbered).
    expected, actual : str
        What the rule expects and what the observation shows.
    message : str
        One line saying what broke.
    source : str
        The rule's source: a ``k8s-invariants.md`` / ``k8s-semantics.md`` row and the
        upstream file, function or test.

    Examples
    --------
    >>> v = Violation("node-rebound", 3, "default", "web", "u1", None, "spec.nodeName",
    ...               "node-a", "node-b", "spec.nodeName changed from node-a to node-b", "B1")
    >>> v.to_dict()["expected"], str(v)
    ('node-a', '#3 default/web: node-rebound: spec.nodeName changed from node-a to node-b')
    """

    id: str
    index: int
    namespace: str | None
    name: str | None
    uid: str | None
    container: str | None
    field: str
    expected: str
    actual: str
    message: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form (the ``--json`` output's ``violations[i]``)."""
        return {
            "id": self.id, "index": self.index, "namespace": self.namespace, "name": self.name,
            "uid": self.uid, "container": self.container, "field": self.field,
            "expected": self.expected, "actual": self.actual, "message": self.message, "source": self.source,
        }

    def __str__(self) -> str:
        who = f"{self.namespace}/{self.name}" if self.namespace else str(self.name)
        return f"#{self.index} {who}: {self.id}: {self.message}"


@dataclass(frozen=True)
class PodResult:
    """The verdict on one pod (one uid).

    ``first`` is the first violation, ``before``/``after`` the side-by-side rows
    ``(field, value in the previous observation, value in the violating one)`` for it,
    and ``violations`` how many the pod has in all.  ``coverage`` maps coverage item ->
    count when coverage was asked for.
    """

    uid: str | None
    namespace: str | None
    name: str | None
    observations: int
    first_index: int
    last_index: int
    violations: int = 0
    first: Violation | None = None
    rows: tuple[tuple[str, str, str], ...] = ()
    previous_index: int | None = None
    deleted: bool = False
    coverage: dict[str, int] | None = None

    @property
    def ok(self) -> bool:
        return self.violations == 0


def _field_setter(cls: type) -> Any:
    """A maker of ``cls`` (a frozen dataclass) from all its fields, positional, in order: the
    instance ``cls(*fields)`` makes (equal, the same ``__dict__``), about three times faster
    (the dataclass's ``__init__`` sets each field through ``object.__setattr__``; this one
    writes the instance's ``__dict__``).  Generated from the dataclass's own fields, so a field
    added there is set here too; refused (`TypeError`) for a class whose ``__init__`` does more
    than set its fields (``__post_init__``, ``init=False`` fields, ``__slots__``)."""
    import dataclasses

    fields = dataclasses.fields(cls)
    if hasattr(cls, "__post_init__") or "__slots__" in cls.__dict__ or any(not f.init for f in fields) \
            or set(getattr(cls, "__dataclass_fields__", {})) != {f.name for f in fields}:
        raise TypeError(f"{cls.__name__}: its __init__ does more than set its fields")
    names = [f.name for f in fields]
    if not all(n.isidentifier() for n in names):  # pragma: no cover - the project's dataclasses
        raise TypeError(f"{cls.__name__}: a field name is not an identifier")
    body = "".join(f"    d[{n!r}] = {n}\n" for n in names)
    source = f"def _of({', '.join(names)}):\n    o = _new(_cls)\n    d = o.__dict__\n{body}    return o\n"
    namespace = {"_new": object.__new__, "_cls": cls}
    exec(compile(source, f"<{cls.__module__}.{cls.__name__}.of>", "exec"), namespace)  # noqa: S102
    return namespace["_of"]


#: ``pod_result(uid, namespace, name, observations, first_index, last_index, violations, first, rows,
#: previous_index, deleted, coverage)``: ``PodResult(...)`` of all its fields, made faster (`_field_setter`):
#: the checker ends one per pod, and ``--jobs`` makes each worker's results again, shifted.
pod_result = _field_setter(PodResult)


@dataclass(frozen=True)
class Verdict:
    """The result of checking a trace.

    ``ok`` is True when no rule is broken; ``violations`` lists every `Violation`
    in input order.  ``pods`` holds one `PodResult` per uid (in the order pods ended:
    DELETED event, or first appearance for pods still alive at the end), ``observations``
    the number of observations read, and ``coverage`` the total coverage (item -> count)
    when it was asked for, else None.

    Examples
    --------
    >>> Verdict(violations=[]).ok
    True
    >>> Verdict(violations=[]).to_dict()
    {'ok': True, 'violations': []}
    """

    violations: list[Violation]
    pods: tuple[PodResult, ...] = ()
    observations: int = 0
    coverage: dict[str, int] | None = field(default=None)

    @property
    def ok(self) -> bool:
        return not self.violations

    def ids(self) -> list[tuple[str, int]]:
        """``(id, index)`` of every violation, in order (handy in tests)."""
        return [(v.id, v.index) for v in self.violations]

    def to_dict(self) -> dict[str, Any]:
        """``{"ok": ..., "violations": [...]}`` (see `Violation.to_dict`)."""
        return {"ok": self.ok, "violations": [v.to_dict() for v in self.violations]}
