"""The readable model's cost per call *as the compiled engine calls it*.

    .venv/bin/python benchmarks/model_calls.py                          # five-containers, this tree
    .venv/bin/python benchmarks/model_calls.py --tree /path/to/base     # and another checkout, alternating

The compiled engine (`podmodel.engines.compiled`) asks the model once per representative core
state and action, on *tainted* states (restart counts and lastState codes replaced by
placeholders); most of these states are new to the model, so its memos keyed by whole states
rarely hit.  This script records every `Model.next_state` and `Model.enabled` call one
``explore_compiled(model, properties=())`` run makes, then replays them on a fresh `Model`
(cold memos), catching the placeholders' reads as the engine does, and reports CPU
microseconds per call (``time.process_time``, the best of ``--repeat`` replays, with the
collector's `GC_THRESHOLDS` and the recorded run frozen out of its scans, as an exploration
runs).  Each tree is measured in a fresh interpreter of its own ``.venv``, alternating, so
both see the same load.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = "specs/scenarios/large/five-containers.yaml"


def measure(path: str, repeat: int) -> dict:
    """Record the engine's model calls on ``path`` and time their replay (in this process)."""
    from podmodel.engines.compiled import _Read, explore_compiled
    from podmodel.model.collector import GC_THRESHOLDS
    from podmodel.model.product import Model
    from podmodel.verifier.scenarios import load_scenario

    gc.set_threshold(*GC_THRESHOLDS)
    model = load_scenario(path).model()
    calls: list[tuple[str, object, object]] = []
    next_state, enabled = Model.next_state, Model.enabled

    def record_next(self, s, a):
        calls.append(("next_state", s, a))
        return next_state(self, s, a)

    def record_enabled(self, s, a):
        calls.append(("enabled", s, a))
        return enabled(self, s, a)

    Model.next_state, Model.enabled = record_next, record_enabled
    try:
        states = explore_compiled(model, properties=(), workers=1).states
    finally:
        Model.next_state, Model.enabled = next_state, enabled
    same = {id(a): k for k, a in enumerate(model.candidate_actions)}
    out = {"scenario": path, "states": states}
    for kind in ("next_state", "enabled"):
        best = None
        for _ in range(repeat):
            fresh = Model(model.config, model.bounds)
            cand = fresh.candidate_actions  # the fresh model's own candidate objects (looked up by identity)
            todo = [(s, cand[same[id(a)]] if id(a) in same else a) for k, s, a in calls if k == kind]
            call = getattr(fresh, kind)
            gc.collect()
            gc.freeze()
            start = time.process_time()
            for s, a in todo:
                try:
                    call(s, a)
                except _Read:
                    pass
            took = time.process_time() - start
            gc.unfreeze()
            best = took if best is None else min(best, took)
        out[kind] = {"calls": len(todo), "us_per_call": 1e6 * best / max(len(todo), 1)}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default=DEFAULT, help=f"scenario manifest (default {DEFAULT})")
    ap.add_argument("--repeat", type=int, default=3, help="replays per figure, the best is kept (default 3)")
    ap.add_argument("--rounds", type=int, default=1, help="measurements per tree, alternating (default 1)")
    ap.add_argument("--tree", action="append", default=[], type=Path, help="another checkout with its own .venv")
    ap.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.scenario, args.repeat)))
        return 0
    trees = [ROOT, *args.tree]
    print("| tree | states | next_state calls | us/call | enabled calls | us/call |")
    print("|---|---:|---:|---:|---:|---:|")
    for _ in range(args.rounds):
        for tree in trees:
            python = tree / ".venv" / "bin" / "python"
            run = subprocess.run([str(python), __file__, args.scenario, "--measure", "--repeat", str(args.repeat)],
                                 capture_output=True, text=True, cwd=tree)
            if run.returncode:
                print(f"| {tree} | failed: {run.stderr.strip().splitlines()[-1]} |||||")
                continue
            r = json.loads(run.stdout.strip().splitlines()[-1])
            name = "this" if tree == ROOT else str(tree)
            print(f"| {name} | {r['states']:,} | {r['next_state']['calls']:,} | {r['next_state']['us_per_call']:.1f} "
                  f"| {r['enabled']['calls']:,} | {r['enabled']['us_per_call']:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
