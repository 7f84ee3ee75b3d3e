"""``podmodel explore WORLD.yaml`` and ``podmodel verify --worlds``: worlds of pods on the command line.

`podmodel.cli.explore` and `podmodel.cli.verify` hand a file with ``kind: World`` to
these functions.  Exit status as everywhere: 0 holds, 1 a violation, 2 unusable input,
3 incomplete (cut by a limit).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from podmodel.cli import UsageError


def load(path: str):
    from podmodel.world.spec import WorldError, load_world

    try:
        return load_world(path)
    except WorldError as e:
        raise UsageError(str(e)) from None


def run_explore(args) -> int:
    """Explore one world: every property's verdict, counterexamples one step per line."""
    from podmodel.engines import explore

    for flag in ("export", "query", "bound_check", "gates", "bounds"):
        if getattr(args, flag, None):
            raise UsageError(f"--{flag.replace('_', '-')} does not apply to a world file (docs/worlds.md)")
    world = load(args.manifest)
    if args.max_states is not None and args.max_states < 1:
        raise UsageError("--max-states must be a positive integer")
    try:
        r = explore(world, max_states=args.max_states, time_limit=args.time_limit, symmetry=args.symmetry,
                    frontier=args.frontier, engine="readable" if args.engine == "auto" else args.engine)
    except ValueError as e:
        raise UsageError(str(e)) from None
    liveness = not args.no_liveness
    fairness = "weak" if args.fairness not in ("weak", "strong") else args.fairness
    verdicts = r.verdicts(liveness=liveness, fairness=fairness)
    cxs = r.counterexamples(liveness=liveness, fairness=fairness)
    expected = set(world.expect_violated)
    bad = [p for p, v in verdicts.items() if v == "no-witness" or v == "violated" and p not in expected]
    if getattr(args, "diagram", None):
        from podmodel.render.world_diagram import lanes_dot, write

        pick = args.diagram_property or next(iter(cxs), None)
        if pick not in cxs:
            raise UsageError(f"--diagram: no counterexample{f' for {pick}' if pick else ''} to draw")
        write(lanes_dot(world, cxs[pick]), args.diagram)
    if args.json:
        print(json.dumps({
            "format": "podmodel-world-explore", "version": 1, "world": world.name, "manifest": str(args.manifest),
            "states": r.states, "transitions": r.transitions, "depth": r.depth, "complete": r.complete,
            "stop_reason": r.stop_reason, "symmetry": bool(r.symmetry), "lanes": list(world.lanes),
            "expect_violated": sorted(expected), "ok": r.complete and not bad,
            "properties": [{**p.to_dict(), "verdict": verdicts[p.id],
                            "counterexample": cxs[p.id].to_dict() if p.id in cxs else None}
                           for p in r.properties],
            "warnings": r.warnings}, indent=1))
    else:
        print(f"world {world.name}: {len(world.nodes)} node(s), "
              + ", ".join(f"{w.kind} {w.name}" for w in world.workloads))
        print(f"{r.states:,} states, {r.transitions:,} transitions, depth {r.depth}"
              + ("" if r.complete else f" -- INCOMPLETE ({r.stop_reason}): verdicts are partial")
              + (" (symmetry reduced)" if r.symmetry else ""))
        width = max(len(p.id) for p in r.properties)
        for p in r.properties:
            note = " (expected: documented Kubernetes behaviour)" if p.id in expected and verdicts[p.id] == "violated" else ""
            print(f"  {p.id.ljust(width)}  {p.kind:<10} {verdicts[p.id]}{note}")
        for pid, cx in cxs.items():
            print()
            print(cx.format())
        for w in r.warnings:
            print(f"warning: {w}")
    if not r.complete:
        return 3
    return 1 if bad else 0


def run_verify(paths: list[str] | None, args) -> int:
    """Verify worlds (the bundled ones when ``paths`` is None) by both engines, in ``--jobs`` processes."""
    from podmodel.verifier.workers import default_jobs
    from podmodel.verifier.worlds import WORLD_EXAMPLES, verify_worlds

    files = world_files(paths)
    examples = args.examples or WORLD_EXAMPLES
    out = verify_worlds(files, jobs=getattr(args, "jobs", None) or default_jobs(), seed=args.seed, examples=examples,
                        steps=args.steps, max_states=args.max_states, progress=world_progress(args.quiet))
    if args.json:
        print(json.dumps(worlds_json(out), indent=1))
    else:
        print(worlds_text(out, examples, args.seed))
    return worlds_exit(out)


def world_files(paths: list[str] | None) -> list[Path]:
    """The world files to verify (the bundled ones when ``paths`` is None), each loaded once
    here so that unusable input is reported before any work starts."""
    from podmodel.world.spec import WORLD_DIR

    files = [Path(p) for p in paths] if paths else sorted(WORLD_DIR.glob("*.yaml"))
    for f in files:
        load(str(f))
    return files


def world_progress(quiet: bool):
    """The progress line of each world's report, on stderr (nothing when ``quiet``)."""
    def show(v) -> None:
        if not quiet:
            print(f"[world] {v.name}: explore {v.states:,} states, hypothesis {v.hypothesis_steps:,} steps: "
                  f"{'ok' if v.ok else 'PROBLEM'} ({v.elapsed:.1f} s)", file=sys.stderr, flush=True)

    return show


def worlds_json(out) -> dict:
    """``--worlds --json``: each world's data, with the seconds its check took."""
    return {"format": "podmodel-verify-worlds", "version": 1, "ok": all(v.ok for v in out),
            "worlds": [{**v.data, "elapsed": round(v.elapsed, 3)} for v in out]}


def worlds_text(out, examples: int, seed: int) -> str:
    lines = [f"worlds: {len(out)} world(s), each explored exhaustively and walked by Hypothesis "
             f"({examples} examples, seed {seed}; fewer when the walks have visited every reachable state)"]
    for v in out:
        exp = f"; expected violation: {', '.join(v.expect_violated)}" if v.expect_violated else ""
        lines.append(f"  {v.name:<30} {v.states:>6,} states  {'ok' if v.ok else 'PROBLEM: ' + '; '.join(v.problems)}{exp}")
    return "\n".join(lines)


def worlds_exit(out) -> int:
    """3 if a world's exploration was cut, else 1 if a world has a problem, else 0."""
    if any(not v.complete for v in out):
        return 3
    return 0 if all(v.ok for v in out) else 1
