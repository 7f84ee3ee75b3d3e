"""Readable-model benchmark: `Model.actions` / `Model.next_state` calls per CPU second,
and the readable engine's checked states per CPU second.

    .venv/bin/python benchmarks/model.py                       # this tree, 3 scenarios
    .venv/bin/python benchmarks/model.py --tree /tmp/base      # also another checkout, same run

For each scenario the first ``--states`` states reached breadth-first (and every enabled
action out of them) are collected once; then, on a fresh `Model` each time (cold caches):

* ``actions/s``: ``model.actions(s)`` over the collected states;
* ``next_state/s``: ``model.next_state(s, a)`` over every collected ``(s, a)``;
* ``readable states/s``: ``explore(model, engine="readable", max_states=--states)`` with
  every catalogue property checked on the fly (safety, steps, witnesses; liveness not
  included);
* ``verify s``: `podmodel.verifier.suite.run_scenario` on the scenario as ``podmodel
  verify`` runs it (its plan for the whole suite; ``auto`` engine, liveness, coverage).

Every figure is CPU time (``time.process_time``) in a fresh interpreter, the best of
``--repeat`` runs (the machine is shared: CPU time is steadier than wall time, and the
best run is the least disturbed).  With ``--tree``, each tree is measured in the same run,
alternating, so both see the same load.  Prints a Markdown table (benchmarks/README.md,
"Readable model").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("two-init-two-app", "onfailure-i1s1a2-pgdx", "always-i1s1a3-pgx")


def measure(name: str, states: int, verify: bool) -> dict:
    """One measurement of every figure, in this process."""
    from collections import deque

    from podmodel.engines import explore
    from podmodel.verifier.suite import Plan, default_scenarios, run_scenario, scenario

    sc = scenario(name)
    model = sc.model()
    # the sample: the first `states` states breadth-first, and their enabled actions
    first = model.initial_states()[0]
    seen, todo, sample = {first}, deque([first]), []
    while todo and len(sample) < states:
        s = todo.popleft()
        acts = model.actions(s)
        sample.append((s, acts))
        for a in acts:
            t = model.next_state(s, a)
            if t not in seen:
                seen.add(t)
                todo.append(t)
    pairs = [(s, a) for s, acts in sample for a in acts]
    out = {"scenario": name, "states": len(sample), "pairs": len(pairs)}

    m = sc.model()
    t0 = time.process_time()
    for s, _ in sample:
        m.actions(s)
    out["actions_per_s"] = len(sample) / (time.process_time() - t0)

    m = sc.model()
    t0 = time.process_time()
    for s, a in pairs:
        m.next_state(s, a)
    out["next_state_per_s"] = len(pairs) / (time.process_time() - t0)

    m = sc.model()
    t0 = time.process_time()
    r = explore(m, engine="readable", max_states=states)
    out["readable_per_s"] = r.states / (time.process_time() - t0)
    out["readable_states"] = r.states

    if verify:
        plan = Plan.from_budget(480, len(default_scenarios()))
        t0 = time.process_time()
        outs = run_scenario(sc, plan)
        out["verify_s"] = time.process_time() - t0
        out["verify"] = [(o.engine, o.states, o.transitions, o.held, o.violated) for o in outs]
    return out


def run_one(tree: Path, name: str, states: int, verify: bool) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    code = (f"import json,sys; sys.path.insert(0, {str(tree)!r}); sys.path.insert(1, {str(ROOT / 'benchmarks')!r}); "
            f"import model as b; print(json.dumps(b.measure({name!r}, {states}, {verify})))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tree)
    if p.returncode:
        raise SystemExit(f"{tree}: {name}: {p.stderr.strip().splitlines()[-1] if p.stderr.strip() else p.returncode}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenarios", nargs="*", default=list(SCENARIOS), help=f"suite scenario names (default: {', '.join(SCENARIOS)})")
    ap.add_argument("--states", type=int, default=20_000, help="states sampled per scenario (default 20000)")
    ap.add_argument("--repeat", type=int, default=2, help="runs per figure, the best is kept (default 2)")
    ap.add_argument("--tree", action="append", default=[], type=Path,
                    help="another checkout to measure in the same run (repeatable)")
    ap.add_argument("--verify", action="store_true", help="also time run_scenario as podmodel verify runs it")
    args = ap.parse_args(argv)
    trees = [ROOT, *[t.resolve() for t in args.tree]]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"# {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, load average {load:.1f}")
    rows = []
    for name in args.scenarios:
        best: dict[Path, dict] = {}
        for _ in range(args.repeat):
            for tree in trees:  # alternating: every tree sees the same load
                got = run_one(tree, name, args.states, args.verify)
                old = best.get(tree)
                if old is None:
                    best[tree] = got
                else:
                    for k in ("actions_per_s", "next_state_per_s", "readable_per_s"):
                        old[k] = max(old[k], got[k])
                    if "verify_s" in got:
                        old["verify_s"] = min(old["verify_s"], got["verify_s"])
        for tree in trees:
            rows.append((tree, best[tree]))
    head = "| tree | scenario | states | actions/s | next_state/s | readable states/s |" + (" verify CPU s |" if args.verify else "")
    print(head)
    print("|---|---|---:|---:|---:|---:|" + ("---:|" if args.verify else ""))
    for tree, r in rows:
        line = (f"| {'this' if tree == ROOT else tree} | {r['scenario']} | {r['states']:,} | {r['actions_per_s']:,.0f} | "
                f"{r['next_state_per_s']:,.0f} | {r['readable_per_s']:,.0f} |")
        if args.verify:
            line += f" {r['verify_s']:.1f} |"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
