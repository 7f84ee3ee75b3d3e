"""Scenarios: Pod or workload manifests in ``specs/scenarios/`` with their bounds.

>>> s = load_scenario(SCENARIO_DIR / "single-never.yaml")
>>> s.name, s.config.restart_policy, s.bounds.image_pull_errors
('single-never', 'Never', True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from podmodel.model.bounds import Bounds
from podmodel.model.config import ManifestError, PodConfig
from podmodel.model.product import Model

#: The repository (a checkout) or site-packages (an installed wheel): paths are shown relative to it.
ROOT = Path(__file__).resolve().parents[2]
#: The package's data: scenarios, the matrix, the language-neutral export (``specs/`` in a checkout
#: is a link to it).
SPECS_DIR = Path(__file__).resolve().parents[1] / "specs"
SCENARIO_DIR = SPECS_DIR / "scenarios"


class ScenarioError(ValueError):
    """An unusable scenario file (names the file and, where known, the field)."""


@dataclass(frozen=True)
class Scenario:
    name: str
    path: Path | None
    manifest: Mapping[str, Any]
    config: PodConfig
    bounds: Bounds

    def model(self, **kwargs: Any) -> Model:
        return Model(self.config, self.bounds, **kwargs)


def load_scenario(path: str | Path, *, feature_gates: Mapping[str, bool] | None = None, bounds: Bounds | None = None) -> Scenario:
    """Load a manifest file; bounds come from its ``podmodel.io/bounds`` annotation unless given."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError(f"{path}: cannot read: {e}") from None
    return scenario_from_text(text, name=path.stem, path=path, feature_gates=feature_gates, bounds=bounds)


def scenario_from_text(text: str, *, name: str = "manifest", path: Path | None = None,
                       feature_gates: Mapping[str, bool] | None = None, bounds: Bounds | None = None) -> Scenario:
    where = str(path) if path else name
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise ScenarioError(f"{where}{at}: not valid YAML/JSON: {getattr(e, 'problem', None) or e}") from None
    if not docs:
        raise ScenarioError(f"{where}: empty manifest")
    manifest = docs[0]
    if not isinstance(manifest, Mapping):
        raise ScenarioError(f"{where}: expected a Pod or workload manifest, got {type(manifest).__name__}")
    try:
        config = PodConfig.from_manifest(manifest, feature_gates=feature_gates)
        b = bounds if bounds is not None else Bounds.from_manifest(manifest)
    except ManifestError as e:
        raise ScenarioError(f"{where}: {e}") from None
    meta = manifest.get("metadata") if isinstance(manifest.get("metadata"), Mapping) else {}
    return Scenario(name=str(meta.get("name") or name), path=path, manifest=manifest, config=config, bounds=b)


def bundled_scenarios(directory: str | Path = SCENARIO_DIR) -> list[Scenario]:
    """Every ``*.yaml`` scenario in ``directory``, sorted by file name."""
    return [load_scenario(p) for p in sorted(Path(directory).glob("*.yaml"))]
