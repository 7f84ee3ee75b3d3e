"""`explore(engine="auto")` against the readable engine, on every scenario of the verifier's suite.

    .venv/bin/python benchmarks/auto.py                       # the whole suite (matrix + bundled)
    .venv/bin/python benchmarks/auto.py --max-states 30000    # the scenarios up to 30,000 states
    .venv/bin/python benchmarks/auto.py always-i0s1a1-pg ...  # some scenarios

For each scenario, in one process, each run on a fresh model (cold memos) and with every
catalogue property checked, liveness included (`ExploreResult.verdicts`): CPU seconds
(`time.process_time`, best of ``--repeat``) of the readable engine, of the compiled
engine, and of ``auto``, and the engine ``auto`` chose.  The readable run of a large pod is
cut once it has used ``--cut`` times the CPU ``auto`` took (it is then marked ``>``: slower
than that, which is all the comparison needs).  The three engines must give the same
verdicts (checked).  The last column is auto / readable; the summary gives the largest.
The numbers are CPU time of this process (the compiled engine's helper process is off:
``workers=1``, as in a verifier worker that shares two cores with another one).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from podmodel.engines import compiled, facade  # noqa: E402
from podmodel.verifier.suite import default_scenarios  # noqa: E402


def _cpu(fn):
    gc.collect()
    t = time.process_time()
    r = fn()
    v = r.verdicts()
    return time.process_time() - t, r, v


class _Cut(Exception):
    def __init__(self, cpu: float):
        self.cpu = cpu


def _cut_at(deadline: float):
    """A progress callback (called about twice a second) that stops the run past ``deadline``
    (process CPU seconds)."""
    start = time.process_time()

    def check(_progress) -> None:
        now = time.process_time()
        if now >= deadline:
            raise _Cut(now - start)

    return check


def measure(sc, repeat: int, cut: float) -> dict:
    best = {}
    out = {}
    for _ in range(repeat):
        for engine in ("auto", "compiled", "readable"):
            model = sc.model()
            progress = None
            if engine == "readable" and "auto" in best:
                progress = _cut_at(time.process_time() + cut * best["auto"])  # CPU seconds, not wall clock
            if engine == "compiled" and compiled.unsupported(model) is not None:
                continue
            try:
                cpu, r, v = _cpu(lambda: facade.explore(model, engine=engine, progress=progress, workers=1))
            except _Cut as e:
                out["readable_cut"] = True
                best[engine] = min(best.get(engine, e.cpu), e.cpu)
                continue
            if engine == "auto":
                out["chosen"] = r.engine
            if r.complete and "unknown" not in v.values():
                out.setdefault("verdicts", v)
                if v != out["verdicts"]:
                    raise SystemExit(f"{sc.name}: {engine} gives other verdicts")
                out["states"] = r.states
            else:
                out[f"{engine}_cut"] = True
            best[engine] = min(best.get(engine, cpu), cpu)
    out.update(best)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenarios", nargs="*", help="suite scenario names (default: every one)")
    ap.add_argument("--max-states", type=int, help="only the scenarios up to this many states (per --states-from)")
    ap.add_argument("--min-states", type=int, help="only the scenarios of at least this many states (per --states-from)")
    ap.add_argument("--states-from", type=Path,
                    help="a `podmodel verify --json` (or --all --json) output, for --max-states/--min-states")
    ap.add_argument("--repeat", type=int, default=2, help="best of this many runs (default 2)")
    ap.add_argument("--cut", type=float, default=3.0,
                    help="cut the readable run at this many times auto's time (default 3)")
    args = ap.parse_args()
    scs = default_scenarios()
    if args.scenarios:
        scs = [s for s in scs if s.name in set(args.scenarios)]
    if args.max_states or args.min_states:
        if not args.states_from:
            raise SystemExit("--max-states/--min-states need --states-from")
        data = json.loads(args.states_from.read_text())
        states = {o["scenario"]: o["states"] for o in data.get("suite", data)["outcomes"]}
        scs = [s for s in scs if (args.min_states or 0) <= states.get(s.name, 0) <= (args.max_states or 1 << 62)]
    warm = default_scenarios()[0].model()
    facade.explore(warm, engine="compiled").verdicts()  # imports, numba, SciPy: once, outside the figures
    print(f"load average {os.getloadavg()[0]:.1f} at start; CPU s, best of {args.repeat}; "
          f"auto switches when the frontier holds {facade.AUTO_GROWTH:g}x the expanded states\n")
    print("| scenario | states | auto chose | readable | compiled | auto | auto / readable |")
    print("|---|---:|---|---:|---:|---:|---:|")
    worst = (0.0, "")
    total = {"readable": 0.0, "auto": 0.0}
    for sc in scs:
        m = measure(sc, args.repeat, args.cut)
        ratio = m["auto"] / m["readable"]
        same = m["chosen"] == "readable"  # auto ran the readable engine to the end: the same run
        rd = (">" if m.get("readable_cut") else "") + f"{m['readable']:.3f}"
        cp = f"{m['compiled']:.3f}" if "compiled" in m else "-"
        print(f"| {sc.name} | {m['states']:,} | {m['chosen']} | {rd} | {cp} | {m['auto']:.3f} | "
              f"{'<' if m.get('readable_cut') else ''}{ratio:.2f} |", flush=True)
        if not same:
            worst = max(worst, (ratio, sc.name))
        for k in total:
            total[k] += m[k]
    print(f"\nwhere auto chose readable it ran the readable engine to its end (the same run: the ratio is "
          f"measurement noise); largest auto / readable where it switched: {worst[0]:.2f} ({worst[1]}); "
          f"in all: auto {total['auto']:.1f} s, "
          f"readable {total['readable']:.1f} s (readable runs cut at {args.cut}x auto count as their cut time)")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
