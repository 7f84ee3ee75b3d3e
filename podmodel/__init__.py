"""podmodel: a formal, Kubernetes-faithful model of the Pod and container lifecycle.

The package is layered; each layer imports only the layers listed before it
(``docs/architecture.md``):

- `podmodel.model`: the pod's rules -- configuration, machines, actions, kubelet rules, product model, properties
- `podmodel.engines`: the checking engines behind one facade (`podmodel.engines.explore`)
- `podmodel.oracle`: checking recorded Pod observations
- `podmodel.render`: diagrams, graph export, the property catalogue table
- `podmodel.verifier`: the verifier suite (scenarios, matrix, mutants)
- `podmodel.testing`: helpers for users' test suites (Hypothesis strategies)
- `podmodel.cli`: the command line

The module names of the flat layout before the layers (``podmodel.explorer``,
``podmodel.config``, ...) still import: each is an alias of the module it became
(`MOVED`), so older code and notebooks keep working.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

__version__ = "0.1.0"

#: old flat module name -> the module it became
MOVED = {
    "podmodel.actions": "podmodel.model.actions",
    "podmodel.backoff": "podmodel.model.backoff",
    "podmodel.bounds": "podmodel.model.bounds",
    "podmodel.config": "podmodel.model.config",
    "podmodel.gates": "podmodel.model.gates",
    "podmodel.kubelet": "podmodel.model.kubelet",
    "podmodel.machines": "podmodel.model.machines",
    "podmodel.projection": "podmodel.model.projection",
    "podmodel.properties": "podmodel.model.properties",
    "podmodel.reference": "podmodel.model.reference",
    "podmodel.explorer": "podmodel.engines",
    "podmodel.compiled": "podmodel.engines.compiled",
    "podmodel.analysis": "podmodel.engines.analysis",
    "podmodel.symmetry": "podmodel.engines.symmetry",
    "podmodel.coverage": "podmodel.engines.coverage",
    "podmodel.hypothesis_engine": "podmodel.engines.hypothesis",
    "podmodel.diagrams": "podmodel.render.diagrams",
    "podmodel.export_graph": "podmodel.render.graph_export",
    "podmodel.catalogue": "podmodel.render.catalogue",
    "podmodel.scenarios": "podmodel.verifier.scenarios",
    "podmodel.suite": "podmodel.verifier.suite",
    "podmodel.mutants": "podmodel.verifier.mutants",
    "podmodel.strategies": "podmodel.testing.strategies",
    "podmodel.commands": "podmodel.cli",
}


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Import an old module name as the very module it became (same object, same globals)."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname in MOVED:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        return importlib.import_module(MOVED[spec.name])

    def exec_module(self, module):
        pass


if not any(isinstance(f, _Alias) for f in sys.meta_path):
    sys.meta_path.append(_Alias())
