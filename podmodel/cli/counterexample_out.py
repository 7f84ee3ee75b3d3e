"""``explore``'s counterexample outputs: ``--counterexample-pods FILE``, ``--itf FILE``, and the
structured paths of ``--json`` (not a command; `podmodel.cli.explore` calls it).

The work is in `podmodel.render.pods` and `podmodel.render.itf`; this module only reads the
flags and writes the files.
"""

from __future__ import annotations

import sys
from typing import Any

from podmodel.cli import UsageError


def add_arguments(p) -> None:
    p.add_argument("--counterexample-pods", metavar="FILE",
                   help="write the first counterexample (or --diagram-property's) as the Pod objects the API would "
                        "show, a JSON array `podmodel check-trace` reads (docs/explorer.md)")
    p.add_argument("--itf", metavar="FILE",
                   help="write the same counterexample as an ITF trace (Apalache/Quint trace format)")


def _pick(args, result, fairness: str):
    pid = getattr(args, "diagram_property", None)
    if args.no_liveness:
        cxs = dict(result.violations)
    else:
        cxs = result.counterexamples(liveness=result.complete and not result.symmetry, fairness=fairness)
    return cxs.get(pid) if pid else next(iter(cxs.values()), None)


def write(args, model, result) -> None:
    """Write the files the flags ask for; says on stderr what was written (or why nothing was)."""
    if not (args.counterexample_pods or args.itf):
        return
    from podmodel.render.itf import write_itf
    from podmodel.render.pods import write_counterexample_pods

    cx = _pick(args, result, args.fairness)
    for flag, path, writer, what in (("--counterexample-pods", args.counterexample_pods, write_counterexample_pods, "Pod objects"),
                                     ("--itf", args.itf, write_itf, "ITF states")):
        if not path:
            continue
        if cx is None:
            print(f"{flag} {path}: no counterexample; nothing written", file=sys.stderr)
            continue
        try:
            n = writer(path, model, cx)
        except OSError as e:
            raise UsageError(f"{flag} {path}: {e.strerror or e}") from None
        print(f"{flag} {path}: {cx.property} ({cx.label}), {n} {what}", file=sys.stderr)


def enrich(data: dict[str, Any], model, result, *, liveness: bool, fairness: str) -> None:
    """Add the structured path (``trace``: states and actions as plain data) to every
    counterexample and witness of ``explore --json``'s document."""
    from podmodel.render.pods import counterexample_data

    cxs = result.counterexamples(liveness=liveness, fairness=fairness)
    for entry in data.get("properties", []):
        pid = entry["id"]
        if entry.get("counterexample") is not None and pid in cxs:
            entry["counterexample"]["trace"] = counterexample_data(model, cxs[pid])
        if entry.get("witness") is not None and pid in result.witnesses:
            entry["witness"]["trace"] = counterexample_data(model, result.witnesses[pid])
