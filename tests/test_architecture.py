"""The package's layers: imports flow one way and there is no import cycle.

The import graph is read from the source (every ``import`` statement, at module level or
inside a function, except those under ``if TYPE_CHECKING:``), so a lazy import inside a
function cannot hide a cycle.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import networkx as nx
import pytest

import podmodel

PACKAGE = Path(podmodel.__file__).parent

#: Each layer may import itself and the layers before it, never a later one.
LAYERS = ["model", "world", "engines", "oracle", "render", "verifier", "testing", "cli"]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for sub in node.body:
                lines.update(range(sub.lineno, (sub.end_lineno or sub.lineno) + 1))
    return lines


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The podmodel modules that ``path`` imports (``from pkg import submodule`` counts as the submodule)."""
    tree = ast.parse(path.read_text(), str(path))
    skip = _type_checking_lines(tree)
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            for a in node.names:
                sub = f"{base}.{a.name}"
                if sub in modules:
                    out.add(sub)
                elif base in modules:
                    out.add(base)
    out.discard(me)
    return out


def import_graph() -> nx.DiGraph:
    files = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(f) for f in files}
    g = nx.DiGraph()
    g.add_nodes_from(modules)
    for f in files:
        g.add_edges_from((module_name(f), dep) for dep in imports_of(f, modules))
    return g


def layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def test_the_walker_sees_lazy_imports_and_skips_type_checking_ones():
    src = PACKAGE / "engines" / "analysis.py"
    edges = imports_of(src, {module_name(f) for f in PACKAGE.rglob("*.py")})
    assert "podmodel.engines.results" in edges  # a module-level import
    assert "podmodel.engines.exploration" not in edges  # only under TYPE_CHECKING
    lazy = PACKAGE / "cli" / "verify.py"
    assert "podmodel.verifier.mutants" in imports_of(lazy, {module_name(f) for f in PACKAGE.rglob("*.py")})


def test_a_cycle_would_be_found():
    g = import_graph()
    g.add_edge("podmodel.model.kubelet", "podmodel.engines.facade")  # a seeded back edge
    assert list(nx.simple_cycles(g))


def test_no_import_cycle():
    cycles = sorted(nx.simple_cycles(import_graph()))
    assert cycles == [], f"import cycles: {cycles[:5]}"


@pytest.mark.parametrize("later", LAYERS[1:])
def test_imports_flow_one_way(later):
    """A layer never imports a later one (the model imports nothing of the engines, ...)."""
    rank = {name: i for i, name in enumerate(LAYERS)}
    bad = [(u, v) for u, v in import_graph().edges
           if layer(u) and layer(v) and layer(v) == later and rank[layer(u)] < rank[later]]
    assert bad == []


def test_every_module_lives_in_a_layer():
    loose = [m for m in import_graph() if m.count(".") >= 1 and layer(m) is None and m != "podmodel.__main__"]
    assert loose == [], f"modules outside the layers: {loose}"


@pytest.mark.parametrize("old", sorted(podmodel.MOVED))
def test_old_module_names_still_import(old):
    assert importlib.import_module(old) is importlib.import_module(podmodel.MOVED[old])


def test_public_api_keeps_its_names():
    from podmodel.engines import Counterexample, ExploreResult, explore
    from podmodel.model import Model, PodState
    from podmodel.model.reference import expected_conditions, expected_phase
    from podmodel.oracle import check_trace
    from podmodel.testing.strategies import pod_manifests

    assert all(callable(x) for x in (Model, PodState, explore, check_trace, pod_manifests, expected_phase,
                                      expected_conditions, Counterexample, ExploreResult))
