"""The world's controllers and nodes, declared as data.

A world (`podmodel.world.model.World`) is a few nodes and a few workloads.  Each
workload is a frozen declaration read from a real manifest (ReplicaSet, StatefulSet,
Job); its pod template is a `podmodel.model.config.PodConfig`, so every pod of the
world runs the existing product model.  What a controller *does* is written once, in
`podmodel.world.model`, and reads only the fields declared here; the fields marked
"rule" are the controller's choices, so a seeded bug is a declaration with one rule
changed (`podmodel.world.mutants`), exactly as the pod model's mutants replace a guard.

>>> rs = workload_from_manifest({"kind": "ReplicaSet", "metadata": {"name": "web"},
...     "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "app"}]}}}})
>>> rs.kind, rs.name, rs.replicas, rs.active_counts
('ReplicaSet', 'web', 2, 'live')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from podmodel.model.config import ManifestError, PodConfig

KINDS = ("ReplicaSet", "StatefulSet", "Job", "StaticPod")
#: Node states.
READY, NOT_READY, DELETED = "Ready", "NotReady", "Deleted"

#: Which pods a controller counts as "still there" when it decides to create one:
#:
#: * ``live``: pods without deletionTimestamp and not Succeeded/Failed -- controller_utils.go
#:   ``IsPodActive`` / ``FilterActivePods`` (ReplicaSet, Job with podReplacementPolicy
#:   TerminatingOrFailed);
#: * ``not-terminal``: pods not Succeeded/Failed, terminating ones included (Job with
#:   podReplacementPolicy Failed: job_controller.go ``manageJob`` adds ``terminating`` to
#:   ``active``);
#: * ``object``: the API object exists at all (StatefulSet: a pod name is held until the
#:   object is gone; stateful_set_control.go waits for a terminating pod);
#: * ``none``: nothing counts (a seeded bug).
ACTIVE_COUNTS = ("live", "not-terminal", "object", "none")


@dataclass(frozen=True)
class FailureRule:
    """One rule of a Job's ``podFailurePolicy`` (job_controller.go ``matchPodFailurePolicy``).

    ``action``: FailJob, Ignore or Count; matched by ``on_conditions`` (pod condition types
    that must be True, e.g. DisruptionTarget) or ``on_exit_codes`` (operator In).
    """

    action: str
    on_conditions: tuple[str, ...] = ()
    on_exit_codes: tuple[int, ...] = ()


@dataclass(frozen=True)
class Workload:
    """A ReplicaSet, StatefulSet or Job, with its pod template.

    Rules (the controller's choices, cited where the model uses them):

    * ``active_counts``: which pods count toward ``replicas``/``parallelism`` (`ACTIVE_COUNTS`);
    * ``fresh_uids``: a created pod gets a new UID (the API server's
      ``FillObjectMetaSystemFields``: ``meta.SetUID(uuid.NewUUID())``); False = a seeded bug;
    * ``count_once``: the Job controller removes its tracking finalizer when it counts a
      finished pod, so a pod is counted once (KEP-2307; job_controller.go
      ``trackJobStatusAndRemoveFinalizers``); False = a seeded bug.
    * ``creates_mirror`` / ``deletes_mirror`` (StaticPod): the kubelet creates the mirror pod of
      a static pod it runs, again after a client deleted it, and deletes it with the static pod
      (pkg/kubelet/pod/mirror_client.go ``CreateMirrorPod``/``DeleteMirrorPod``; kubelet.go
      ``SyncPod``: "Create Mirror Pod for Static Pod if it doesn't already exist"); False = a seeded bug.

    A ``StaticPod`` is a Pod manifest with ``spec.nodeName``: the kubelet of that node runs it
    from a file (no scheduler, no controller) and shows it through its mirror pod.
    """

    kind: str
    name: str
    template: PodConfig
    replicas: int = 1
    pod_management: str = "OrderedReady"
    completions: int = 1
    parallelism: int = 1
    backoff_limit: int = 6
    failure_rules: tuple[FailureRule, ...] = ()
    replacement: str = "TerminatingOrFailed"
    active_counts: str = "live"
    fresh_uids: bool = True
    count_once: bool = True
    creates_mirror: bool = True
    deletes_mirror: bool = True

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ManifestError("kind", f"unsupported workload kind {self.kind!r} (known: {', '.join(KINDS)})")
        if self.active_counts not in ACTIVE_COUNTS:
            raise ManifestError("activeCounts", f"unknown rule {self.active_counts!r}")
        if self.kind == "StaticPod" and self.template.node_name is None:
            raise ManifestError("spec.nodeName", "a static pod names the node whose kubelet runs it")
        if self.kind == "Job" and self.template.restart_policy == "Always":
            raise ManifestError("spec.template.spec.restartPolicy", "a Job's pods use Never or OnFailure")
        if self.kind in ("ReplicaSet", "StatefulSet") and self.template.restart_policy != "Always":
            raise ManifestError("spec.template.spec.restartPolicy", f"a {self.kind}'s pods use Always")
        if self.kind == "Job" and self.failure_rules and self.replacement != "Failed":
            # validation.go validateJobSpec: podReplacementPolicy must be Failed with a podFailurePolicy
            raise ManifestError("spec.podReplacementPolicy", "must be Failed when podFailurePolicy is set")

    @property
    def target(self) -> int:
        """How many pods the controller keeps (replicas, or a Job's parallelism)."""
        return self.parallelism if self.kind == "Job" else self.replicas

    @property
    def ordered(self) -> bool:
        """StatefulSet pods carry an identity (``name-<ordinal>``)."""
        return self.kind == "StatefulSet"


def _int(spec: Mapping[str, Any], key: str, default: int, where: str, low: int = 0) -> int:
    v = spec.get(key, default)
    if not isinstance(v, int) or isinstance(v, bool) or v < low:
        raise ManifestError(f"{where}.{key}", f"expected an integer >= {low}, got {v!r}")
    return v


def _rules(spec: Mapping[str, Any]) -> tuple[FailureRule, ...]:
    pfp = spec.get("podFailurePolicy")
    if pfp is None:
        return ()
    rules = pfp.get("rules") if isinstance(pfp, Mapping) else None
    if not isinstance(rules, list):
        raise ManifestError("spec.podFailurePolicy.rules", "expected a list")
    out = []
    for k, r in enumerate(rules):
        where = f"spec.podFailurePolicy.rules[{k}]"
        if not isinstance(r, Mapping) or r.get("action") not in ("FailJob", "Ignore", "Count"):
            raise ManifestError(f"{where}.action", "expected FailJob, Ignore or Count (FailIndex needs an Indexed Job)")
        conds = tuple(p.get("type") for p in r.get("onPodConditions") or () if isinstance(p, Mapping))
        codes: tuple[int, ...] = ()
        if "onExitCodes" in r:
            oc = r["onExitCodes"]
            if not isinstance(oc, Mapping) or oc.get("operator") != "In" or not isinstance(oc.get("values"), list):
                raise ManifestError(f"{where}.onExitCodes", "expected operator In with a list of values")
            codes = tuple(int(v) for v in oc["values"])
        if bool(conds) == bool(codes):
            raise ManifestError(where, "expected exactly one of onPodConditions, onExitCodes")
        out.append(FailureRule(r["action"], conds, codes))
    return tuple(out)


def workload_from_manifest(obj: Mapping[str, Any], *, feature_gates: Mapping[str, bool] | None = None) -> Workload:
    """A `Workload` from a ReplicaSet, StatefulSet or Job manifest (a Deployment is read as its ReplicaSet)."""
    if not isinstance(obj, Mapping):
        raise ManifestError("workloads[]", f"expected a manifest, got {type(obj).__name__}")
    kind = obj.get("kind")
    if kind == "Deployment":
        kind = "ReplicaSet"
    elif kind == "Pod":
        kind = "StaticPod"
    if kind not in KINDS:
        raise ManifestError("kind", f"unsupported workload kind {kind!r} (known: Deployment, ReplicaSet, StatefulSet, "
                                    f"Job, Pod with spec.nodeName: a static pod)")
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), Mapping) else {}
    name = meta.get("name")
    if not isinstance(name, str) or not name:
        raise ManifestError("metadata.name", "missing")
    spec = obj.get("spec") if isinstance(obj.get("spec"), Mapping) else {}
    template = PodConfig.from_manifest({**obj, "kind": obj.get("kind")}, feature_gates=feature_gates)
    args: dict[str, Any] = {"kind": kind, "name": name, "template": template}
    if kind in ("ReplicaSet", "StatefulSet"):
        args["replicas"] = _int(spec, "replicas", 1, "spec", 1)
    if kind == "StatefulSet":
        pm = spec.get("podManagementPolicy", "OrderedReady")
        if pm not in ("OrderedReady", "Parallel"):
            raise ManifestError("spec.podManagementPolicy", f"expected OrderedReady or Parallel, got {pm!r}")
        args["pod_management"] = pm
        args["active_counts"] = "object"
    if kind == "Job":
        args["completions"] = _int(spec, "completions", 1, "spec", 1)
        args["parallelism"] = _int(spec, "parallelism", 1, "spec", 1)
        args["backoff_limit"] = _int(spec, "backoffLimit", 6, "spec")
        args["failure_rules"] = _rules(spec)
        default = "Failed" if args["failure_rules"] else "TerminatingOrFailed"
        rp = spec.get("podReplacementPolicy", default)
        if rp not in ("TerminatingOrFailed", "Failed"):
            raise ManifestError("spec.podReplacementPolicy", f"expected TerminatingOrFailed or Failed, got {rp!r}")
        args["replacement"] = rp
        args["active_counts"] = "live" if rp == "TerminatingOrFailed" else "not-terminal"
    return Workload(**args)


@dataclass(frozen=True)
class WorldBounds:
    """What the world's environment may do (kept out of the model, like `podmodel.model.bounds.Bounds`).

    max_pods:        pods each workload may create in a run (a bound: replacements past it
                     are not explored, and the liveness property says "up to the budget");
    node_failures:   how many times a node may become NotReady in a run;
    node_deletion:   a NotReady node's Node object may be deleted (its machine is gone);
    force_delete:    a client may force-delete a pod (``--grace-period=0 --force``);
    exit_codes:      exit codes containers may choose ([] : they never exit by themselves);
    max_restarts:    each pod's restartCount bound;
    eviction:        the kubelet may evict a pod (node pressure; DisruptionTarget);
    static_removal:  a static pod's manifest file may be removed from its node;
    taint_eviction:  the node lifecycle controller's taint-based eviction is on (the
                     default ``node.kubernetes.io/unreachable``/``not-ready`` NoExecute
                     tolerations of 300 s; the timeout is not modelled, only its passing).
    """

    max_pods: int = 2
    node_failures: int = 1
    node_deletion: bool = False
    force_delete: bool = False
    exit_codes: tuple[int, ...] = ()
    max_restarts: int = 0
    eviction: bool = False
    taint_eviction: bool = True
    static_removal: bool = False

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> WorldBounds:
        if not data:
            return cls()
        if not isinstance(data, Mapping):
            raise ManifestError("spec.bounds", f"expected a mapping, got {type(data).__name__}")
        names = {f.name: f for f in fields(cls)}
        camel = {"".join(w.title() if i else w for i, w in enumerate(n.split("_"))): n for n in names}
        values: dict[str, Any] = {}
        for key, value in data.items():
            name = camel.get(key, key)
            if name not in names:
                raise ManifestError(f"spec.bounds.{key}", f"unknown bound (known: {', '.join(sorted(camel))})")
            default = getattr(cls(), name)
            if isinstance(default, bool):
                ok = isinstance(value, bool)
            elif isinstance(default, int):
                ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
            else:
                ok = isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
                value = tuple(sorted(set(value))) if ok else value
            if not ok:
                raise ManifestError(f"spec.bounds.{key}", f"bad value {value!r} (expected like {default!r})")
            values[name] = value
        return cls(**values)
