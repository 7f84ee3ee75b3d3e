"""``podmodel export``: the language-neutral export of machines, properties and test vectors.

Writes JSON under ``specs/export/`` (default):

* ``machines.json`` -- every component machine declaration (states, initial, terminal,
  transitions with their guards) and the guard names with their one-line meaning;
* ``properties.json`` -- the property catalogue (id, kind, statement, source), plus the
  trace-only properties the oracle checks;
* ``actions.json`` -- the action vocabulary (name, actor, fields, meaning);
* ``vectors/phase.json`` and ``vectors/conditions.json`` -- Kubernetes' own unit-test
  tables for getPhase and the condition generators, as Pod objects with the expected
  result (from ``specs/upstream``, package data), for other implementations to run.

``--check`` compares instead of writing and exits 1 if anything is stale.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import yaml

from podmodel.model.actions import ALL_ACTIONS
from podmodel.model.machines import DEFAULT
from podmodel.model.product import GUARDS
from podmodel.model.properties import CATALOGUE, TRACE_ONLY
from podmodel.verifier.scenarios import SPECS_DIR

DEFAULT_OUT = SPECS_DIR / "export"
#: Kubernetes' unit-test tables, transcribed by tests/data/transcribe_upstream.py (package data).
VECTORS = SPECS_DIR / "upstream"


def _guard_doc(name: str) -> str:
    doc = (GUARDS[name].__doc__ or "").strip().splitlines()
    return doc[0] if doc and GUARDS[name].__name__ != "<lambda>" else ""


def documents() -> dict[str, Any]:
    """Relative path -> JSON-serialisable document."""
    docs: dict[str, Any] = {
        "machines.json": {
            "machines": DEFAULT.to_dict(),
            "guards": {name: _guard_doc(name) for name in sorted(GUARDS)},
        },
        "properties.json": {
            "model": [p.to_dict() for p in CATALOGUE],
            "trace_only": [{"id": i, "statement": s, "source": src} for i, s, src in TRACE_ONLY],
        },
        "actions.json": [
            {"name": cls.__name__, "actor": cls.actor, "fields": [f.name for f in dataclasses.fields(cls)],
             "doc": (cls.__doc__ or "").strip()}
            for cls in ALL_ACTIONS
        ],
    }
    for name in ("phase", "condition"):
        src = VECTORS / f"upstream_{name}_cases.yaml"
        if src.exists():
            data = yaml.safe_load(src.read_text())
            docs[f"vectors/{name}.json"] = {"source": data.get("source"), "cases": data["cases"]}
    return docs


def render(doc: Any) -> str:
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"


def add_parser(sub) -> None:
    p = sub.add_parser("export", help="write the language-neutral export (machines, properties, test vectors)",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory (default: specs/export)")
    p.add_argument("--check", action="store_true", help="exit 1 if the files on disk differ from a fresh export")
    p.add_argument("--follow-symlinks", action="store_true",
                   help="write through a symbolic link found at an output path (refused by default)")
    p.set_defaults(run=run)


def run(args) -> int:
    stale = []
    docs = documents()
    if not args.check:
        from podmodel.cli.outputs import check_output_dir

        check_output_dir(args.out, list(docs), follow_symlinks=getattr(args, "follow_symlinks", False))
    for rel, doc in docs.items():
        path = args.out / rel
        text = render(doc)
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(rel)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"wrote {path}")
    if stale:
        print(f"stale export in {args.out}: {', '.join(stale)} (run `podmodel export`)")
        return 1
    return 0
