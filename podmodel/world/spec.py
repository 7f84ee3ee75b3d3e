"""World files: ``kind: World`` YAML in ``specs/worlds/`` (nodes, bounds, workload manifests).

>>> w = load_world(WORLD_DIR / "statefulset-partition.yaml")
>>> w.name, w.nodes, [x.kind for x in w.workloads], w.bounds.max_pods
('statefulset-partition', ('node-1', 'node-2'), ['StatefulSet'], 2)
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from podmodel.model.config import ManifestError
from podmodel.world.controllers import WorldBounds, workload_from_manifest
from podmodel.world.model import World

#: The bundled worlds (package data; ``specs/worlds`` in a checkout).
WORLD_DIR = Path(__file__).resolve().parents[1] / "specs" / "worlds"


class WorldError(ValueError):
    """An unusable world file (names the file and the field)."""


def is_world_file(path: str | Path) -> bool:
    """Whether ``path`` is a YAML file whose first document has ``kind: World`` (never raises)."""
    try:
        doc = next(yaml.safe_load_all(Path(path).read_text(encoding="utf-8")), None)
    except Exception:  # noqa: BLE001 - anything unreadable is "not a world"; the caller reports it
        return False
    return isinstance(doc, Mapping) and doc.get("kind") == "World"


def world_from_mapping(doc: Any, *, where: str = "world") -> World:
    if not isinstance(doc, Mapping) or doc.get("kind") != "World":
        raise WorldError(f"{where}: expected a manifest with kind: World")
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), Mapping) else {}
    spec = doc.get("spec")
    if not isinstance(spec, Mapping):
        raise WorldError(f"{where}: spec: missing")
    nodes = spec.get("nodes", ["node-1"])
    if not isinstance(nodes, list) or not nodes or not all(isinstance(n, str) and n for n in nodes) \
            or len(set(nodes)) != len(nodes):
        raise WorldError(f"{where}: spec.nodes: expected a list of distinct node names")
    workloads = spec.get("workloads")
    if not isinstance(workloads, list) or not workloads:
        raise WorldError(f"{where}: spec.workloads: expected a non-empty list of manifests")
    try:
        bounds = WorldBounds.from_mapping(spec.get("bounds"))
        ws = []
        for k, obj in enumerate(workloads):
            try:
                ws.append(workload_from_manifest(obj))
            except ManifestError as e:
                raise ManifestError(f"spec.workloads[{k}].{e.field}", e.message) from None
        expect = spec.get("expectViolated", [])
        if not isinstance(expect, list) or not all(isinstance(x, str) for x in expect):
            raise ManifestError("spec.expectViolated", "expected a list of property ids")
        return World(str(meta.get("name") or where), nodes, ws, bounds, expect_violated=tuple(expect))
    except ManifestError as e:
        raise WorldError(f"{where}: {e}") from None
    except ValueError as e:
        raise WorldError(f"{where}: {e}") from None


def load_world(path: str | Path) -> World:
    """Load a world file; `WorldError` (one line naming the file and field) when unusable."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise WorldError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise WorldError(f"{path}: cannot read: {e}") from None
    try:
        doc = next(yaml.safe_load_all(text), None)
    except yaml.YAMLError as e:
        raise WorldError(f"{path}: not valid YAML: {getattr(e, 'problem', None) or e}") from None
    return world_from_mapping(doc, where=str(path) if path.stem else "world")


def bundled_worlds(directory: str | Path = WORLD_DIR) -> list[World]:
    """Every ``*.yaml`` world in ``directory``, sorted by file name."""
    return [load_world(p) for p in sorted(Path(directory).glob("*.yaml"))]
