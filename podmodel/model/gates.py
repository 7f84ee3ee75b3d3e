"""Feature gates that change the pod lifecycle, with Kubernetes 1.35's defaults.

Source: ``pkg/features/kube_features.go`` (1.35 era), summarised in
``shared/k8s-semantics.md`` section 0.

>>> resolve_gates({"ContainerRestartRules": False})["ContainerRestartRules"]
False
>>> resolve_gates()["SidecarContainers"]
True
"""

from __future__ import annotations

from collections.abc import Mapping

#: Gate name -> default in Kubernetes 1.35.
DEFAULT_GATES: Mapping[str, bool] = {
    # GA (1.33): init containers with restartPolicy Always are sidecars.
    "SidecarContainers": True,
    # KEP-5307: beta, on by default in 1.35: per-container restartPolicy and restartPolicyRules.
    "ContainerRestartRules": True,
    # KEP-5532: alpha in 1.35, off: rule action RestartAllContainers.
    "RestartAllContainersOnContainerExits": False,
    # beta since 1.29, on: the kubelet writes the PodReadyToStartContainers condition.
    "PodReadyToStartContainersCondition": True,
    # beta, on in 1.35: kubelet config may lower the crash-loop maximum.
    "KubeletCrashLoopBackOffMax": True,
    # alpha 1.33, off: crash-loop back-off 1 s .. 60 s instead of 10 s .. 300 s.
    "ReduceDefaultCrashLoopBackOffDecay": False,
}


#: Kubernetes versions podmodel has a profile for (``--kubernetes-version``), oldest first.
SUPPORTED_VERSIONS: tuple[str, ...] = ("1.33", "1.34", "1.35")
DEFAULT_VERSION = "1.35"

#: How each version's defaults differ from 1.35's (``pkg/features/kube_features.go`` of each release).
_VERSION_OVERRIDES: Mapping[str, Mapping[str, bool]] = {
    "1.35": {},
    # KEP-5307 alpha in 1.34 (off); KubeletCrashLoopBackOffMax alpha until 1.35.
    "1.34": {"ContainerRestartRules": False, "KubeletCrashLoopBackOffMax": False},
    "1.33": {"ContainerRestartRules": False, "KubeletCrashLoopBackOffMax": False},
}

#: KEP-5067 (PodObservedGenerationTracking): alpha 1.33 (off), beta 1.34 (on), GA 1.35.  With it the
#: API server keeps ``metadata.generation`` of Pods and the kubelet writes ``status.observedGeneration``.
_GENERATION_TRACKING = {"1.33": False, "1.34": True, "1.35": True}


class UnsupportedVersionError(ValueError):
    """A Kubernetes version podmodel has no profile for."""


def _version(version: str | None) -> str:
    v = DEFAULT_VERSION if version is None else str(version).strip().lstrip("v")
    v = ".".join(v.split(".")[:2])
    if v not in _VERSION_OVERRIDES:
        raise UnsupportedVersionError(f"unsupported Kubernetes version {version!r}: expected one of "
                                      f"{', '.join(SUPPORTED_VERSIONS)}")
    return v


def gates_for_version(version: str | None = None) -> dict[str, bool]:
    """The feature-gate defaults of a Kubernetes version (``"1.34"``, ``"v1.34.2"``).

    >>> gates_for_version("1.34")["ContainerRestartRules"], gates_for_version()["ContainerRestartRules"]
    (False, True)
    """
    return resolve_gates(_VERSION_OVERRIDES[_version(version)])


def generation_tracking(version: str | None = None) -> bool:
    """Whether the version tracks Pod generations by default (KEP-5067).

    >>> generation_tracking("1.33"), generation_tracking("1.35")
    (False, True)
    """
    return _GENERATION_TRACKING[_version(version)]


class UnknownGateError(ValueError):
    """A feature gate name podmodel does not know."""


def resolve_gates(overrides: Mapping[str, bool] | None = None) -> dict[str, bool]:
    """Return the full gate map: 1.35 defaults with ``overrides`` applied.

    Gates that do not touch the lifecycle (a cluster's full ``--feature-gates`` list,
    say) are kept and ignored.  Raises `TypeError` for a value that is not a bool.
    """
    gates = dict(DEFAULT_GATES)
    for name, value in (overrides or {}).items():
        if not isinstance(name, str) or not name:
            raise UnknownGateError(f"feature gate names are strings, got {name!r}")
        if not isinstance(value, bool):
            raise TypeError(f"feature gate {name!r} must be true or false, got {value!r}")
        gates[name] = value
    return gates


def parse_gates(text: str) -> dict[str, bool]:
    """Parse ``"Name=true,Other=false"`` (the kubelet's ``--feature-gates`` syntax).

    >>> parse_gates("ContainerRestartRules=false")
    {'ContainerRestartRules': False}
    """
    out: dict[str, bool] = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = item.partition("=")
        if not sep or value.strip().lower() not in ("true", "false"):
            raise ValueError(f"bad feature gate {item!r}: expected NAME=true or NAME=false")
        out[name.strip()] = value.strip().lower() == "true"
    resolve_gates(out)
    return out
