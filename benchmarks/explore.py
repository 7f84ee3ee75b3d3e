"""Explorer benchmark: distinct states per second and peak memory per state.

    .venv/bin/python benchmarks/explore.py            # every scenario, both engines, the 60 s limit
    .venv/bin/python benchmarks/explore.py --quick    # bundled scenarios only, compiled engine only

Each measurement runs in a fresh interpreter (so peak memory is that run's own): the
scenario is loaded, the model built, then ``explore`` is timed and the process's peak
resident memory above what it held before exploring is divided by the number of states.

* ``space``: the compiled engine without properties (states, transitions, parent
  pointers, edges) -- the state-space rate;
* ``checked``: the compiled engine with every catalogue property (the default of
  ``podmodel explore``, liveness excluded);
* ``readable``: the readable engine with every property (only up to 100,000 states).

The large scenarios (``specs/scenarios/large/``) are explored with a time limit (default
60 s) to find the largest one explorable within it.  Prints a Markdown table (the one in
benchmarks/README.md, "Explorer").
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
SCENARIOS = ROOT / "specs" / "scenarios"
READABLE_MAX = 100_000


def measure(path: str, mode: str, time_limit: float | None, workers: int | None) -> dict:
    """One measurement, in this process (called in a fresh interpreter by `run_one`)."""
    import resource

    from podmodel.engines import explore
    from podmodel.engines.compiled import explore_compiled
    from podmodel.verifier.scenarios import load_scenario

    model = load_scenario(path).model()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    start = time.perf_counter()
    if mode == "space":
        r = explore_compiled(model, properties=(), time_limit=time_limit, workers=workers)
    elif mode == "checked":
        r = explore_compiled(model, properties=_safety(model), time_limit=time_limit, workers=workers)
    else:
        r = explore(model, properties=_safety(model), engine="readable", time_limit=time_limit)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"states": r.states, "transitions": r.transitions, "seconds": seconds, "complete": r.complete,
            "bytes_per_state": max(peak - before, 0) / max(r.states, 1), "engine": r.engine}


def _safety(model):
    from podmodel.model.properties import properties_for

    return properties_for(model, ("always", "step", "sometimes"))


def _size(path: Path) -> tuple[int, str]:
    """Order large scenarios by container count, then name."""
    from podmodel.verifier.scenarios import load_scenario

    return len(load_scenario(path).config.all_containers), path.stem


def run_one(path: Path, mode: str, time_limit: float | None, workers: int | None) -> dict:
    code = ("import json, sys; sys.path.insert(0, %r); from benchmarks.explore import measure; "
            "print(json.dumps(measure(%r, %r, %r, %r)))") % (str(ROOT), str(path), mode, time_limit, workers)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="bundled scenarios, compiled engine only")
    ap.add_argument("--budget", type=float, default=60.0, help="time limit for the large scenarios (seconds)")
    ap.add_argument("--workers", type=int, default=None, help="compiling processes (default: 2 on 2 cores)")
    ap.add_argument("scenarios", nargs="*", help="manifests (default: bundled, then specs/scenarios/large/)")
    args = ap.parse_args(argv)
    bundled = sorted(SCENARIOS.glob("*.yaml"))
    large = sorted(SCENARIOS.glob("large/*.yaml"), key=_size)
    paths = [Path(p) for p in args.scenarios] or (bundled if args.quick else bundled + large)
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print()
    print("| scenario | states | transitions | space: s | space: states/s | space: bytes/state "
          "| checked: states/s | readable: states/s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    largest = None
    for path in paths:
        is_large = "large" in path.parts
        limit = args.budget if is_large else None
        space = run_one(path, "space", limit, args.workers)
        if is_large and space["complete"] and (largest is None or space["states"] > largest[1]):
            largest = (path.stem, space["states"], space["seconds"])
        row = [path.stem, f"{space['states']:,}" + ("" if space["complete"] else " (cut)"),
               f"{space['transitions']:,}", f"{space['seconds']:.2f}", f"{space['states'] / space['seconds']:,.0f}",
               f"{space['bytes_per_state']:,.0f}"]
        if args.quick or (is_large and space["states"] > 2_000_000):
            row += ["", ""]
        else:
            checked = run_one(path, "checked", limit, args.workers)
            row.append(f"{checked['states'] / checked['seconds']:,.0f}")
            if space["states"] <= READABLE_MAX and not args.quick:
                readable = run_one(path, "readable", limit, args.workers)
                row.append(f"{readable['states'] / readable['seconds']:,.0f}")
            else:
                row.append("")
        print("| " + " | ".join(row) + " |", flush=True)
    if largest:
        print(f"\nlargest scenario explored completely within {args.budget:.0f} s: {largest[0]} "
              f"({largest[1]:,} states in {largest[2]:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
