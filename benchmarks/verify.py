"""`podmodel verify` per scenario: CPU seconds of a scenario's run as the suite does it in a worker.

    .venv/bin/python benchmarks/verify.py onfailure-i1s1a3 always-i1s1a3-pgx
    .venv/bin/python benchmarks/verify.py --tree /tmp/base onfailure-i1s1a3    # also another checkout

Each (tree, scenario) runs in a fresh interpreter: `podmodel.verifier.suite.run_scenario`
with the plan `podmodel verify` makes for the whole suite (``Plan.from_budget``; the default
``--budget`` is large enough that no time guard can cut a run on a loaded machine, so every
run is exhaustive and comparable), called through `podmodel.verifier.workers.parallel` as a
worker calls it.  The figure is CPU time of the process and its children (the compiled
engine's helper process), imports excluded; wall time beside it.  With ``--tree``, the trees
alternate per scenario so both see the same load.  Prints a Markdown table (docs/verify.md,
"Speed").
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]

CHILD = r"""
import inspect, json, resource, sys, time
from podmodel.verifier import workers
from podmodel.verifier.suite import Plan, run_scenario, scenario

sc = scenario(sys.argv[1])
plan = Plan.from_budget(float(sys.argv[2]), 78)
extra = {"few_collections": True} if "few_collections" in inspect.signature(workers.parallel).parameters else {}
r0, c0 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
t0 = time.monotonic()
outs = workers.parallel(lambda s: run_scenario(s, plan), [sc], jobs=1, **extra)[0]
wall = time.monotonic() - t0
r1, c1 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = sum(getattr(b, f) - getattr(a, f) for a, b in ((r0, r1), (c0, c1)) for f in ("ru_utime", "ru_stime"))
o = outs[0]
print(json.dumps({"states": o.states, "complete": o.complete, "held": o.held, "violated": o.violated,
                  "cpu": cpu, "wall": wall}))
"""


def run(tree: Path, name: str, budget: float) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, "-c", CHILD, name, str(budget)], env=env, capture_output=True, text=True,
                         check=True, cwd=tree)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenarios", nargs="+", help="suite scenario names (podmodel verify --list)")
    ap.add_argument("--tree", type=Path, help="another checkout to measure in the same run (e.g. main)")
    ap.add_argument("--budget", type=float, default=2000.0, help="the suite budget the plan is made from (default 2000)")
    args = ap.parse_args()
    trees = [("this tree", HERE)] + ([(str(args.tree), args.tree.resolve())] if args.tree else [])
    load = os.getloadavg()[0]
    print(f"load average {load:.1f} at start; CPU s = process + children, imports excluded\n")
    print("| scenario | states | " + " | ".join(f"{t} CPU s | {t} wall s" for t, _ in trees) + " |")
    print("|---|---:|" + "---:|---:|" * len(trees))
    for name in args.scenarios:
        got = [run(path, name, args.budget) for _, path in trees]
        if len({(g["states"], g["held"], g["violated"], g["complete"]) for g in got}) != 1:
            raise SystemExit(f"{name}: the trees disagree: {got}")
        cells = " | ".join(f"{g['cpu']:.2f} | {g['wall']:.1f}" for g in got)
        print(f"| {name} | {got[0]['states']:,} | {cells} |", flush=True)
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
