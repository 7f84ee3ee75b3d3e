"""Checking bounds: what the explorer lets the environment do, kept out of the model.

Scenarios set them in ``specs/`` (annotation ``podmodel.io/bounds`` on the Pod manifest,
a JSON or YAML mapping with these camelCase keys); the CLI can override them.

>>> Bounds.from_mapping({"maxRestarts": 1, "exitCodes": [0, 2]})
Bounds(max_restarts=1, exit_codes=(0, 2), nodes=('node-1',), image_pull_errors=False, config_errors=False, probes=True, node_loss=False, sandbox_recreations=0, deletion=True, force_delete=False, eviction=False, deadline=True, readiness_gates=True, fast_exits=True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import yaml

from podmodel.model.config import ManifestError

ANNOTATION = "podmodel.io/bounds"


@dataclass(frozen=True)
class Bounds:
    """What the environment may do, and how unbounded quantities are cut.

    max_restarts:        restartCount saturates here (an abstraction: the count is kept
                         exactly up to the bound, then means "at least this many").
    exit_codes:          exit codes containers may choose (restart-rule codes are added).
    nodes:               nodes the scheduler may choose.
    image_pull_errors:   allow ErrImagePull / ImagePullBackOff.
    config_errors:       allow CreateContainerConfigError.
    probes:              let configured probes succeed and fail.
    node_loss:           allow NodeLost / NodeRecovered.
    sandbox_recreations: how many times the sandbox may be recreated (restartPolicy Always only).
    deletion:            allow ApiDelete; force_delete: allow ForceDelete.
    eviction:            allow Evict.
    deadline:            allow DeadlineExceeded (only if the pod sets activeDeadlineSeconds).
    readiness_gates:     let a controller flip readiness-gate conditions.
    fast_exits:          let a container start and exit between two status syncs
                         (never shown running: Pending -> Succeeded directly).
    """

    max_restarts: int = 2
    exit_codes: tuple[int, ...] = (0, 1)
    nodes: tuple[str, ...] = ("node-1",)
    image_pull_errors: bool = False
    config_errors: bool = False
    probes: bool = True
    node_loss: bool = False
    sandbox_recreations: int = 0
    deletion: bool = True
    force_delete: bool = False
    eviction: bool = False
    deadline: bool = True
    readiness_gates: bool = True
    fast_exits: bool = True

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None, base: Bounds | None = None) -> Bounds:
        """Bounds from camelCase (or snake_case) keys; unknown keys are an error."""
        base = base or cls()
        if not data:
            return base
        if not isinstance(data, Mapping):
            raise ManifestError(ANNOTATION, f"expected a mapping, got {type(data).__name__}")
        names = {f.name: f for f in fields(cls)}
        camel = {_camel(n): n for n in names}
        values = {f.name: getattr(base, f.name) for f in fields(cls)}
        for key, value in data.items():
            name = camel.get(key, key)
            if name not in names:
                raise ManifestError(f"{ANNOTATION}.{key}", f"unknown bound (known: {', '.join(sorted(camel))})")
            default = getattr(cls(), name)
            if isinstance(default, bool):
                if not isinstance(value, bool):
                    raise ManifestError(f"{ANNOTATION}.{key}", f"expected true or false, got {value!r}")
            elif isinstance(default, int):
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    raise ManifestError(f"{ANNOTATION}.{key}", f"expected a non-negative integer, got {value!r}")
            else:
                if not isinstance(value, list) or not value:
                    raise ManifestError(f"{ANNOTATION}.{key}", f"expected a non-empty list, got {value!r}")
                kind = int if name == "exit_codes" else str
                if not all(isinstance(v, kind) and not isinstance(v, bool) for v in value):
                    raise ManifestError(f"{ANNOTATION}.{key}", f"expected a list of {kind.__name__}s")
                value = tuple(sorted(set(value))) if kind is int else tuple(value)
            values[name] = value
        return cls(**values)

    @classmethod
    def from_manifest(cls, manifest: Mapping[str, Any]) -> Bounds:
        """Bounds from a manifest's ``podmodel.io/bounds`` annotation (defaults if absent)."""
        meta = manifest.get("metadata") if isinstance(manifest, Mapping) else None
        ann = (meta or {}).get("annotations") if isinstance(meta, Mapping) else None
        text = (ann or {}).get(ANNOTATION) if isinstance(ann, Mapping) else None
        if text is None:
            return cls()
        try:
            data = yaml.safe_load(text) if isinstance(text, str) else text
        except yaml.YAMLError as e:
            raise ManifestError(f"metadata.annotations[{ANNOTATION}]", f"not YAML/JSON: {e}") from None
        return cls.from_mapping(data)

    def to_mapping(self) -> dict[str, Any]:
        return {_camel(f.name): (list(v) if isinstance(v := getattr(self, f.name), tuple) else v) for f in fields(self)}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w.title() for w in rest)
