"""What each job of ``make verify`` costs, measured: the order the workers take them in.

`podmodel.verifier.workers.parallel` starts the heaviest jobs first (longest processing
time first), so that the two largest pods start at once and the many small ones, and the
worlds, fill the other core while they run; started in any other order, a large pod that
starts last runs alone at the end (the suite's makespan was then up to a third longer
than the total CPU over two cores).  The estimate is the seconds a job took in a recorded
run (``costs.json`` beside this module: ``{"scenarios": {name: s}, "worlds": {name: s}}``);
a job not in it (a manifest of your own, a new scenario) gets a structural estimate
(`structural`).  Scheduling only: no verdict, cap or guard depends on it, and a stale file
costs at most some idle time at the end of a run.

Re-record it from a run of the whole of ``make verify``::

    .venv/bin/python -m podmodel verify --all --json > /tmp/all.json
    .venv/bin/python -m podmodel.verifier.costs /tmp/all.json

>>> from podmodel.verifier.suite import scenario
>>> scenario_cost(scenario("always-i1s1a3-pgx")) > scenario_cost(scenario("single-never"))
True
>>> world_cost("no-such-world") == DEFAULT_WORLD_COST
True
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

COSTS_FILE = Path(__file__).with_name("costs.json")
#: Seconds assumed for a world missing from the file (the bundled ones take 1-4 s).
DEFAULT_WORLD_COST = 2.0


@cache
def recorded() -> dict[str, dict[str, float]]:
    """The recorded costs (empty tables when the file is missing or unreadable)."""
    try:
        data = json.loads(COSTS_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    return {k: {str(n): float(v) for n, v in (data.get(k) or {}).items()} for k in ("scenarios", "worlds")}


def structural(sc: Any) -> float:
    """A guess from the pod's shape, in seconds: more containers, probes, gates and
    bounds, more states (an order of magnitude per container, roughly)."""
    c = sc.config
    weight = 4 * len(c.all_containers) + len(c.readiness_gates) + sum(len(s.probes) for s in c.all_containers) + \
        2 * sc.bounds.deletion + 2 * sc.bounds.sandbox_recreations
    return 0.01 * 1.5 ** weight


def scenario_cost(sc: Any) -> float:
    """Estimated seconds of a suite scenario (recorded, else `structural`)."""
    return recorded()["scenarios"].get(sc.name, structural(sc))


def world_cost(name: str) -> float:
    """Estimated seconds of a world's check (recorded, else `DEFAULT_WORLD_COST`)."""
    return recorded()["worlds"].get(name, DEFAULT_WORLD_COST)


def from_run(data: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """The tables of a ``podmodel verify --all --json`` output (a scenario's time is the sum
    of its runs' ``elapsed``)."""
    scenarios: dict[str, float] = {}
    for o in data["suite"]["outcomes"]:
        scenarios[o["scenario"]] = round(scenarios.get(o["scenario"], 0.0) + float(o["elapsed"]), 2)
    worlds = {w["world"]: round(float(w["elapsed"]), 2) for w in data["worlds"]["worlds"]}
    return {"scenarios": scenarios, "worlds": worlds}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m podmodel.verifier.costs RUN.json  (the output of podmodel verify --all --json)",
              file=sys.stderr)
        return 2
    try:
        tables = from_run(json.loads(Path(args[0]).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"{args[0]}: not a `podmodel verify --all --json` output: {e}", file=sys.stderr)
        return 2
    COSTS_FILE.write_text(json.dumps(tables, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{COSTS_FILE}: {len(tables['scenarios'])} scenario(s), {len(tables['worlds'])} world(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
