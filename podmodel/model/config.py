"""Pod configuration: the part of a Pod spec that decides its lifecycle.

`PodConfig` is frozen and hashable.  It is built from real manifests with
`PodConfig.from_manifest`, which accepts a Pod (dict, YAML or JSON text) or a workload
that carries a pod template (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job,
CronJob, ReplicationController, PodTemplate).

>>> cfg = PodConfig.from_manifest('''
... apiVersion: v1
... kind: Pod
... metadata: {name: web}
... spec:
...   restartPolicy: OnFailure
...   initContainers:
...   - {name: setup, image: busybox}
...   - {name: proxy, image: envoy, restartPolicy: Always}
...   containers:
...   - {name: app, image: nginx, readinessProbe: {httpGet: {port: 80}}}
... ''')
>>> cfg.restart_policy, [c.name for c in cfg.regular_init], [c.name for c in cfg.sidecars]
('OnFailure', ['setup'], ['proxy'])
>>> cfg.containers[0].probes
('readiness',)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from podmodel.model.gates import UnknownGateError, resolve_gates

RESTART_POLICIES = ("Always", "OnFailure", "Never")
PROBE_KINDS = ("startup", "readiness", "liveness")
RULE_ACTIONS = ("Restart", "RestartAllContainers")
RULE_OPERATORS = ("In", "NotIn")

#: kind -> path from the manifest root to the pod template's ``spec``.
TEMPLATE_PATHS: Mapping[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "PodTemplate": ("template", "spec"),
    "Deployment": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}


class ManifestError(ValueError):
    """A manifest podmodel cannot use; ``field`` names the offending field path."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)


@dataclass(frozen=True, order=True)
class RestartRule:
    """One ``restartPolicyRules`` entry (KEP-5307): ``action`` when ``exitCodes`` matches.

    >>> RestartRule("Restart", "In", (42,)).matches(42)
    True
    >>> RestartRule("Restart", "NotIn", (0,)).matches(0)
    False
    """

    action: str
    operator: str
    values: tuple[int, ...]

    def matches(self, exit_code: int) -> bool:
        """``pkg/api/v1/pod/util.go``: ``In`` / ``NotIn`` the listed exit codes."""
        inside = exit_code in self.values
        return inside if self.operator == "In" else not inside


@dataclass(frozen=True)
class ContainerSpec:
    """A container as far as its lifecycle goes.

    ``kind`` is ``"init"`` (regular init container), ``"sidecar"`` (init container with
    ``restartPolicy: Always``, `podutil.IsRestartableInitContainer`) or ``"app"``.
    ``restart_policy`` is the container-level ``restartPolicy`` (None when unset).
    """

    name: str
    kind: str = "app"
    restart_policy: str | None = None
    restart_rules: tuple[RestartRule, ...] = ()
    probes: tuple[str, ...] = ()

    @property
    def is_sidecar(self) -> bool:
        return self.kind == "sidecar"

    @property
    def is_regular_init(self) -> bool:
        return self.kind == "init"

    @property
    def is_app(self) -> bool:
        return self.kind == "app"

    def has_probe(self, kind: str) -> bool:
        return kind in self.probes


@dataclass(frozen=True)
class PodConfig:
    """Everything about a pod that decides what its lifecycle may do.

    ``init_containers`` keeps spec order and holds both regular init containers and
    sidecars; ``feature_gates`` is a sorted tuple of ``(name, enabled)`` pairs, complete
    (1.35 defaults filled in), so equal configurations compare and hash equal.
    """

    containers: tuple[ContainerSpec, ...]
    init_containers: tuple[ContainerSpec, ...] = ()
    restart_policy: str = "Always"
    readiness_gates: tuple[str, ...] = ()
    active_deadline_seconds: int | None = None
    termination_grace_period_seconds: int = 30
    feature_gates: tuple[tuple[str, bool], ...] = field(
        default_factory=lambda: tuple(sorted(resolve_gates().items()))
    )
    name: str = "pod"
    namespace: str = "default"
    node_name: str | None = None
    static: bool = False

    def __post_init__(self) -> None:
        if self.restart_policy not in RESTART_POLICIES:
            raise ManifestError("spec.restartPolicy", f"must be one of {', '.join(RESTART_POLICIES)}, got {self.restart_policy!r}")
        names = [c.name for c in self.all_containers]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ManifestError("spec.containers", f"duplicate container name(s): {', '.join(dupes)}")
        if not self.containers:
            raise ManifestError("spec.containers", "a pod needs at least one container")

    # -- views -------------------------------------------------------------------
    @property
    def gates(self) -> dict[str, bool]:
        return dict(self.feature_gates)

    def gate(self, name: str) -> bool:
        return dict(self.feature_gates)[name]

    @property
    def all_containers(self) -> tuple[ContainerSpec, ...]:
        """Init containers (spec order) then app containers."""
        return self.init_containers + self.containers

    @property
    def regular_init(self) -> tuple[ContainerSpec, ...]:
        return tuple(c for c in self.init_containers if c.is_regular_init)

    @property
    def sidecars(self) -> tuple[ContainerSpec, ...]:
        return tuple(c for c in self.init_containers if c.is_sidecar)

    def container(self, name: str) -> ContainerSpec:
        for c in self.all_containers:
            if c.name == name:
                return c
        raise KeyError(name)

    def with_gates(self, overrides: Mapping[str, bool] | None) -> PodConfig:
        """A copy with feature gates overridden (re-classifying sidecars if needed)."""
        from dataclasses import replace

        gates = dict(self.feature_gates)
        gates.update(overrides or {})
        return replace(self, feature_gates=tuple(sorted(resolve_gates(gates).items())))

    # -- construction ------------------------------------------------------------
    @classmethod
    def from_manifest(
        cls,
        manifest: Mapping[str, Any] | str | bytes,
        *,
        feature_gates: Mapping[str, bool] | None = None,
        strict: bool = True,
    ) -> PodConfig:
        """Build a configuration from a Pod or workload manifest.

        ``manifest`` is a dict, or YAML / JSON text (the first document).  With
        ``strict=False`` unknown values are tolerated where Kubernetes' own functions
        tolerate them (used by `podmodel.model.reference` on arbitrary API objects).

        Raises `ManifestError` naming the offending field.

        >>> PodConfig.from_manifest({"kind": "Job", "spec": {"template": {"spec": {
        ...     "restartPolicy": "Never", "containers": [{"name": "work"}]}}}}).restart_policy
        'Never'
        >>> PodConfig.from_manifest({"kind": "Pod", "spec": {"containers": "nope"}})
        Traceback (most recent call last):
        ...
        podmodel.model.config.ManifestError: spec.containers: expected a list, got str
        """
        obj = _load(manifest)
        kind = obj.get("kind", "Pod")
        if not isinstance(kind, str) or kind not in TEMPLATE_PATHS:
            known = ", ".join(TEMPLATE_PATHS)
            raise ManifestError("kind", f"unsupported kind {kind!r}; expected one of {known}")
        path = TEMPLATE_PATHS[kind]
        node: Any = obj
        for i, key in enumerate(path):
            where = ".".join(path[: i + 1])
            if not isinstance(node, Mapping):
                raise ManifestError(".".join(path[:i]) or "<root>", f"expected an object, got {type(node).__name__}")
            if key not in node:
                if strict or key != "spec":
                    raise ManifestError(where, "missing")
                node = {}
                break
            node = node[key]
        if not isinstance(node, Mapping):
            raise ManifestError(".".join(path), f"expected an object, got {type(node).__name__}")
        prefix = ".".join(path)
        meta = obj.get("metadata") if kind == "Pod" else (_get(obj, path[:-1] + ("metadata",)) or obj.get("metadata"))
        if meta is not None and not isinstance(meta, Mapping):
            raise ManifestError("metadata", f"expected an object, got {type(meta).__name__}")
        meta = meta or {}
        try:
            gates = tuple(sorted(resolve_gates(feature_gates).items()))
        except (UnknownGateError, TypeError) as e:
            raise ManifestError("featureGates", str(e)) from None
        return _spec_to_config(node, prefix, meta, dict(gates), strict)


def _get(obj: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def _load(manifest: Mapping[str, Any] | str | bytes) -> Mapping[str, Any]:
    if isinstance(manifest, Mapping):
        return manifest
    if isinstance(manifest, bytes):
        try:
            manifest = manifest.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ManifestError("", f"manifest is not UTF-8 text (byte {e.start})") from None
    if not isinstance(manifest, str):
        raise ManifestError("", f"expected a manifest as a dict or YAML/JSON text, got {type(manifest).__name__}")
    text = manifest.strip()
    if not text:
        raise ManifestError("", "empty manifest")
    try:
        if text.startswith("{"):
            obj = json.loads(text)
        else:
            docs = [d for d in yaml.safe_load_all(text) if d is not None]
            obj = docs[0] if docs else None
    except json.JSONDecodeError as e:
        raise ManifestError("", f"invalid JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ManifestError("", f"invalid YAML{where}: {problem}") from None
    if not isinstance(obj, Mapping):
        raise ManifestError("", f"expected a manifest object, got {type(obj).__name__}")
    return obj


def _spec_to_config(spec: Mapping[str, Any], prefix: str, meta: Mapping[str, Any], gates: dict[str, bool], strict: bool) -> PodConfig:
    policy = spec.get("restartPolicy", "Always")
    if policy not in RESTART_POLICIES:
        if strict or policy is not None:
            raise ManifestError(f"{prefix}.restartPolicy", f"must be one of {', '.join(RESTART_POLICIES)}, got {policy!r}")
        policy = "Always"
    containers = tuple(_containers(spec, "containers", prefix, gates, strict))
    inits = tuple(_containers(spec, "initContainers", prefix, gates, strict))
    if strict and not containers:
        raise ManifestError(f"{prefix}.containers", "a pod needs at least one container")
    gates_field = spec.get("readinessGates") or []
    if not isinstance(gates_field, list):
        raise ManifestError(f"{prefix}.readinessGates", f"expected a list, got {type(gates_field).__name__}")
    readiness_gates = []
    for i, g in enumerate(gates_field):
        ctype = g.get("conditionType") if isinstance(g, Mapping) else None
        if not isinstance(ctype, str) or not ctype:
            raise ManifestError(f"{prefix}.readinessGates[{i}].conditionType", "required string")
        readiness_gates.append(ctype)
    deadline = spec.get("activeDeadlineSeconds")
    if deadline is not None and (not isinstance(deadline, int) or isinstance(deadline, bool) or deadline < 1):
        raise ManifestError(f"{prefix}.activeDeadlineSeconds", f"must be a positive integer, got {deadline!r}")
    grace = spec.get("terminationGracePeriodSeconds", 30)
    if grace is None:
        grace = 30
    if not isinstance(grace, int) or isinstance(grace, bool):
        raise ManifestError(f"{prefix}.terminationGracePeriodSeconds", f"must be an integer, got {grace!r}")
    grace = max(grace, 0) if grace >= 0 else 1  # API: a negative grace period is stored as 1
    node_name = spec.get("nodeName") or None
    if node_name is not None and not isinstance(node_name, str):
        raise ManifestError(f"{prefix}.nodeName", f"expected a string, got {type(node_name).__name__}")
    annotations = meta.get("annotations") or {}
    static = isinstance(annotations, Mapping) and (
        "kubernetes.io/config.mirror" in annotations or annotations.get("kubernetes.io/config.source", "api") != "api"
    )
    name = meta.get("name") if isinstance(meta.get("name"), str) else "pod"
    namespace = meta.get("namespace") if isinstance(meta.get("namespace"), str) else "default"
    try:
        return PodConfig(
            containers=containers if containers or strict else (),
            init_containers=inits,
            restart_policy=policy,
            readiness_gates=tuple(readiness_gates),
            active_deadline_seconds=deadline,
            termination_grace_period_seconds=grace,
            feature_gates=tuple(sorted(gates.items())),
            name=name,
            namespace=namespace,
            node_name=node_name,
            static=bool(static),
        ) if containers or strict else _lenient(containers, inits, policy, readiness_gates, deadline, grace, gates, name, namespace, node_name, static)
    except ManifestError as e:
        if e.field.startswith("spec.") and prefix != "spec":
            raise ManifestError(prefix + e.field[4:], e.message) from None
        raise


def _lenient(containers, inits, policy, readiness_gates, deadline, grace, gates, name, namespace, node_name, static) -> PodConfig:
    """A config without app containers (allowed only for `podmodel.model.reference`)."""
    cfg = object.__new__(PodConfig)
    values = dict(
        containers=containers, init_containers=inits, restart_policy=policy,
        readiness_gates=tuple(readiness_gates), active_deadline_seconds=deadline,
        termination_grace_period_seconds=grace, feature_gates=tuple(sorted(gates.items())),
        name=name, namespace=namespace, node_name=node_name, static=bool(static),
    )
    for k, v in values.items():
        object.__setattr__(cfg, k, v)
    return cfg


def _containers(spec: Mapping[str, Any], key: str, prefix: str, gates: dict[str, bool], strict: bool):
    items = spec.get(key) or []
    where = f"{prefix}.{key}"
    if not isinstance(items, list):
        raise ManifestError(where, f"expected a list, got {type(items).__name__}")
    seen: set[str] = set()
    for i, c in enumerate(items):
        at = f"{where}[{i}]"
        if not isinstance(c, Mapping):
            raise ManifestError(at, f"expected an object, got {type(c).__name__}")
        name = c.get("name")
        if not isinstance(name, str) or not name:
            raise ManifestError(f"{at}.name", "required string")
        if name in seen:
            if strict:
                raise ManifestError(f"{at}.name", f"duplicate container name {name!r}")
            continue  # Kubernetes looks statuses up by name, first match wins
        seen.add(name)
        policy = c.get("restartPolicy")
        if policy is not None and policy not in RESTART_POLICIES:
            raise ManifestError(f"{at}.restartPolicy", f"must be one of {', '.join(RESTART_POLICIES)}, got {policy!r}")
        if key == "initContainers":
            # podutil.IsRestartableInitContainer: only the literal value Always makes a sidecar.
            kind = "sidecar" if policy == "Always" and gates["SidecarContainers"] else "init"
            if kind == "sidecar":
                policy = None  # the sidecar's Always is what makes it a sidecar, not a restart policy
            elif policy is not None and not gates["ContainerRestartRules"]:
                if strict:
                    raise ManifestError(f"{at}.restartPolicy", f"{policy!r} on an init container needs the ContainerRestartRules feature gate")
                policy = None
        else:
            kind = "app"
            if policy is not None and not gates["ContainerRestartRules"]:
                if strict:
                    raise ManifestError(f"{at}.restartPolicy", "a container-level restartPolicy needs the ContainerRestartRules feature gate (beta, on by default in 1.35)")
                policy = None
        rules = tuple(_rules(c.get("restartPolicyRules"), f"{at}.restartPolicyRules", strict))
        if rules and policy is None and strict:
            raise ManifestError(f"{at}.restartPolicyRules", "requires the container's own restartPolicy (API validation)")
        if rules and not gates["ContainerRestartRules"]:
            if strict:
                raise ManifestError(f"{at}.restartPolicyRules", "needs the ContainerRestartRules feature gate")
            rules = ()
        probes = tuple(p for p in PROBE_KINDS if c.get(f"{p}Probe") is not None)
        if kind == "init" and probes and strict:
            raise ManifestError(f"{at}.{probes[0]}Probe", "regular init containers may not have probes (API validation)")
        yield ContainerSpec(name=name, kind=kind, restart_policy=policy, restart_rules=rules, probes=probes)


def _rules(rules: Any, where: str, strict: bool):
    if rules is None:
        return
    if not isinstance(rules, list):
        raise ManifestError(where, f"expected a list, got {type(rules).__name__}")
    for i, r in enumerate(rules):
        at = f"{where}[{i}]"
        if not isinstance(r, Mapping):
            raise ManifestError(at, f"expected an object, got {type(r).__name__}")
        action = r.get("action")
        if action not in RULE_ACTIONS:
            raise ManifestError(f"{at}.action", f"must be one of {', '.join(RULE_ACTIONS)}, got {action!r}")
        codes = r.get("exitCodes")
        if not isinstance(codes, Mapping):
            raise ManifestError(f"{at}.exitCodes", "required object with operator and values")
        op = codes.get("operator")
        if op not in RULE_OPERATORS:
            raise ManifestError(f"{at}.exitCodes.operator", f"must be In or NotIn, got {op!r}")
        values = codes.get("values") or []
        if not isinstance(values, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            raise ManifestError(f"{at}.exitCodes.values", "expected a list of integers")
        yield RestartRule(action=action, operator=op, values=tuple(sorted(set(values))))
