"""Explorer benchmark: distinct states per second and peak memory per state, four ways.

    .venv/bin/python benchmarks/explore.py                 # bundled + large scenarios, 60 s limit each
    .venv/bin/python benchmarks/explore.py --large         # the large scenarios only (the issue's table)
    .venv/bin/python benchmarks/explore.py --quick         # bundled scenarios, compiled engine only

Each measurement runs in a fresh interpreter (so peak memory is that run's own): the
scenario is loaded, the model built, then the run is timed and the process's peak
resident memory above what it held before is divided by the number of states.

* ``bfs``: a plain breadth-first search over ``Model.actions`` / ``Model.next_state``
  (a dict of states and a deque, no properties, no edges) -- the baseline;
* ``readable``: the readable engine with every catalogue property, liveness included;
* ``space``: the compiled engine without properties (states, transitions, parent
  pointers, edges);
* ``checked``: the compiled engine with every catalogue property, liveness included
  (``explore`` then ``verdicts(fairness="strong")``): what ``podmodel verify`` waits for.

``bfs`` and ``readable`` are cut at ``--slow-limit`` seconds (default 60) on the large
scenarios: their rate is the states reached over that time.  The compiled runs get
``--budget`` seconds; a cut run is marked.  Ratios are against ``bfs`` in the same run.
Rates are wall clock (``states/s``); ``states/cpu-s`` is the checked run's states per
second of its own CPU time, the steadier figure on a shared machine.
Prints a Markdown table (the one in benchmarks/README.md, "Explorer").
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
#: Address-space cap of each measuring process (bytes; 0: none); `--memory-cap` sets it.
MEMORY_CAP = int(os.environ.get("PODMODEL_BENCH_MEMORY_CAP", 8 << 30))


def measure(path: str, mode: str, time_limit: float | None, workers: int | None) -> dict:
    """One measurement, in this process (called in a fresh interpreter by `run_one`)."""
    import resource

    from podmodel.engines import explore
    from podmodel.engines.compiled import explore_compiled
    from podmodel.model.properties import properties_for
    if MEMORY_CAP:  # the machine is shared: a run that would take more fails instead
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    model = _model(path)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    start, cpu = time.perf_counter(), time.process_time()
    complete, transitions, engine = True, None, mode
    if mode == "bfs":
        states, complete = plain_bfs(model, time_limit)
    else:
        if mode == "space":
            r = explore_compiled(model, properties=(), time_limit=time_limit, workers=workers)
        elif mode == "checked":
            r = explore_compiled(model, properties=properties_for(model), time_limit=time_limit, workers=workers)
        else:
            r = explore(model, properties=properties_for(model), engine="readable", time_limit=time_limit)
        if mode != "space":
            r.verdicts(fairness="strong")  # liveness included
        states, complete, transitions, engine = r.states, r.complete, r.transitions, r.engine
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"states": states, "transitions": transitions, "seconds": seconds, "cpu": cpu, "complete": complete,
            "bytes_per_state": max(peak - before, 0) / max(states, 1), "engine": engine}


#: Prefix of a verifier matrix scenario given by name (``--matrix``) instead of a manifest.
MATRIX = "matrix:"


def _model(path: str):
    """The model of a manifest, or of ``matrix:NAME`` (`podmodel.verifier.suite.scenario`)."""
    if str(path).startswith(MATRIX):
        from podmodel.verifier.suite import scenario

        return scenario(str(path)[len(MATRIX):]).model()
    from podmodel.verifier.scenarios import load_scenario

    return load_scenario(path).model()


def plain_bfs(model, time_limit: float | None) -> tuple[int, bool]:
    """The baseline: breadth-first search over the model's interface, nothing else (with the
    collector's thresholds every engine runs with, `podmodel.model.collector`)."""
    from collections import deque

    from podmodel.model.collector import fewer_collections

    start = time.monotonic()
    seen = set(model.initial_states())
    todo = deque(seen)
    n = 0
    with fewer_collections():
        while todo:
            s = todo.popleft()
            for a in model.actions(s):
                t = model.next_state(s, a)
                if t not in seen:
                    seen.add(t)
                    todo.append(t)
            n += 1
            if n % 1024 == 0 and time_limit is not None and time.monotonic() - start >= time_limit:
                return len(seen), False
    return len(seen), True


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
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        why = "out of memory" if "MemoryError" in out.stderr else out.stderr.strip().splitlines()[-1]
        return {"states": 0, "transitions": 0, "seconds": 1.0, "cpu": 1.0, "complete": False, "bytes_per_state": 0,
                "engine": mode, "failed": why}
    return json.loads(out.stdout.strip().splitlines()[-1])


def _numba() -> str:
    """numba's version when the compiled engine will use it (`podmodel.engines.visited`), else "off"."""
    try:
        from podmodel.engines import visited
    except ImportError:  # a tree from before the hash table
        return "unused"
    jit = visited.numba_module()
    return jit.numba.__version__ if jit is not None else "off"


def _rate(m: dict) -> float:
    return m["states"] / m["seconds"]


def _cell(m: dict) -> str:
    if m.get("failed"):
        return m["failed"]
    return f"{_rate(m):,.0f}" + ("" if m["complete"] else " (cut)")


def _ratio(a: dict, b: dict) -> str:
    return "" if a.get("failed") or b.get("failed") or not b["states"] else f"{_rate(a) / _rate(b):.1f}x"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="bundled scenarios, compiled engine only")
    ap.add_argument("--large", action="store_true", help="the large scenarios only")
    ap.add_argument("--budget", type=float, default=60.0, help="time limit of the compiled runs, large scenarios (s)")
    ap.add_argument("--slow-limit", type=float, default=60.0, help="time limit of bfs and readable, large scenarios (s)")
    ap.add_argument("--memory-cap", type=float, default=MEMORY_CAP / (1 << 30), help="GB per measuring process (0: none)")
    ap.add_argument("--workers", type=int, default=None, help="compiling processes (default: 2 on 2 cores)")
    ap.add_argument("--matrix", action="append", default=[], metavar="NAME",
                    help="also a scenario of the verifier's matrix, by name (e.g. always-i1s1a3-pgx), "
                         "measured as a large one; repeatable")
    ap.add_argument("scenarios", nargs="*", help="manifests (default: bundled, then specs/scenarios/large/)")
    args = ap.parse_args(argv)
    os.environ["PODMODEL_BENCH_MEMORY_CAP"] = str(int(args.memory_cap * (1 << 30)))
    bundled = sorted(SCENARIOS.glob("*.yaml"))
    large = sorted(SCENARIOS.glob("large/*.yaml"), key=_size)
    paths = [Path(p) for p in args.scenarios] or ([] if args.matrix else
                                                  bundled if args.quick else large if args.large else bundled + large)
    paths += [MATRIX + name for name in args.matrix]
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}, numba {_numba()}")
    print()
    print("| scenario | states | bfs: states/s | readable: states/s | space: states/s | space: bytes/state "
          "| checked: s | checked: states/s | checked: states/cpu-s | checked: bytes/state "
          "| checked / bfs | checked / readable |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for path in paths:
        is_large = isinstance(path, str) or "large" in path.parts
        limit = args.budget if is_large else None
        slow = args.slow_limit if is_large else None
        space = run_one(path, "space", limit, args.workers)
        checked = run_one(path, "checked", limit, args.workers) if not args.quick else None
        bfs = run_one(path, "bfs", slow, None) if not args.quick else None
        readable = run_one(path, "readable", slow, None) if not args.quick else None
        row = [path[len(MATRIX):] if isinstance(path, str) else path.stem, f"{space['states']:,}" + ("" if space["complete"] else " (cut)"),
               _cell(bfs) if bfs else "", _cell(readable) if readable else "",
               _cell(space), f"{space['bytes_per_state']:,.0f}"]
        if checked:
            row += [f"{checked['seconds']:.2f}", _cell(checked),
                    "" if checked.get("failed") else f"{checked['states'] / max(checked['cpu'], 1e-9):,.0f}",
                    f"{checked['bytes_per_state']:,.0f}", _ratio(checked, bfs), _ratio(checked, readable)]
        else:
            row += [""] * 6
        print("| " + " | ".join(row) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
