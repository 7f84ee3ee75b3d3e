"""``podmodel verify``: the verifier suite (what ``make verify`` runs).

With no arguments: the scenario matrix of ``specs/matrix.yaml`` plus every bundled
scenario, each explored exhaustively when it fits the budget and given to the
Hypothesis engine beyond (`podmodel.verifier.suite`).  ``--mutants`` runs the mutation
self-check instead (`podmodel.verifier.mutants`).  Progress goes to stderr, the report (or
``--json``) to stdout.  Exit status: 0 every property holds (with ``--mutants``: every
mutant caught), 1 a violation (a mutant missed), 2 unusable input, 3 incomplete (no
violation, but some verdict undecided: a run cut by a limit, or liveness of a scenario
too big to explore).
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import yaml

from podmodel.cli import UsageError
from podmodel.cli.inputs import check_input_file

DESCRIPTION = "Run the verifier suite: the scenario matrix and the bundled scenarios, by both engines."
EPILOG = """\
examples:
  podmodel verify                          the whole suite (make verify)
  podmodel verify single-never init-app    two bundled scenarios
  podmodel verify pod.yaml --engine both   a manifest, by both engines, cross-checked
  podmodel verify --mutants                the mutation self-check
  podmodel verify --mutant deletion-undone the suite's verdict on a seeded bug (exit 1)
  podmodel verify --list                   the suite's scenario names
  podmodel verify --worlds                 the bundled worlds of pods, by both engines
  podmodel verify --all                    the suite and the worlds in one pool of workers (make verify)
exit status: 0 all properties hold (every mutant caught), 1 a violation (a mutant missed), 2 unusable input,
             3 incomplete (no violation, some verdict undecided: see the UNDECIDED list)
"""


def add_parser(subparsers) -> None:
    import argparse

    from podmodel.model.properties import DEFAULT_FAIRNESS, FAIRNESS
    from podmodel.verifier.suite import DEFAULT_BUDGET, ENGINES

    p = subparsers.add_parser("verify", help="the verifier suite (what `make verify` runs)", description=DESCRIPTION,
                              epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                   help="suite scenario names (see --list) or manifest files; default: the whole suite")
    p.add_argument("--engine", choices=ENGINES, default="auto",
                   help="auto (default): explore where it fits, Hypothesis beyond; both: both everywhere, cross-checked")
    p.add_argument("--json", action="store_true", help="print the result as JSON (docs/verify.md)")
    p.add_argument("--seed", type=int, default=0, metavar="N", help="Hypothesis seed (default 0): same seed, same run")
    p.add_argument("--budget", type=float, default=DEFAULT_BUDGET, metavar="SECONDS",
                   help=f"time budget of the whole suite, turned into state and example caps (default {DEFAULT_BUDGET:g})")
    p.add_argument("--max-states", type=int, metavar="N", help="explorer cap per scenario (overrides the budget's)")
    p.add_argument("--examples", type=int, metavar="N", help="Hypothesis examples per scenario (overrides the budget's)")
    p.add_argument("--steps", type=int, default=40, metavar="N", help="actions per Hypothesis example (default 40)")
    p.add_argument("--fairness", choices=FAIRNESS, default=DEFAULT_FAIRNESS,
                   help=f"fairness of the eventually properties (default {DEFAULT_FAIRNESS}; docs/explorer.md)")
    p.add_argument("--explore-engine", choices=("auto", "readable", "compiled"), default="auto",
                   help="the explorer's engine (default auto: readable for small spaces, compiled past them)")
    p.add_argument("--jobs", type=int, metavar="N",
                   help="worker processes, for the scenarios, --worlds and --all (default: 2, or 1 on one core)")
    p.add_argument("--mutants", action="store_true", help="run the mutation self-check instead of the suite")
    p.add_argument("--mutant", action="append", default=[], metavar="ID",
                   help="with --mutants: only these mutants; without: run the suite on this mutant's model")
    p.add_argument("--worlds", action="store_true", help="verify the bundled worlds of pods (docs/worlds.md); "
                   "world files given as SCENARIO are verified the same way")
    p.add_argument("--all", action="store_true",
                   help="the whole suite and the bundled worlds, in one pool of --jobs workers (what `make verify` "
                        "runs): the suite's report, then the worlds'")
    p.add_argument("--mutate", action="store_true",
                   help="systematic model mutation: mutants derived from the declarations and rules, both engines, "
                        "mutation score and survivors (podmodel.verifier.mutate)")
    p.add_argument("--operator", action="append", default=[], metavar="OP",
                   help="with --mutate: only these mutation operators (drop-transition, drop-guard, redirect, "
                        "negate-guard, flip-condition, swap-phase)")
    p.add_argument("--list", action="store_true", help="list the suite's scenarios (and mutants) and exit")
    p.add_argument("--show", metavar="NAME", help="print a suite scenario's manifest and exit")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(run=run)


# ------------------------------------------------------------------------- helpers
def _fmt_time(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    m, s = divmod(int(round(seconds)), 60)
    return f"{m} min {s:02d} s"


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]], right: set[int]) -> list[str]:
    allrows = [header, *rows]
    widths = [max(len(r[k]) for r in allrows) for k in range(len(header))]
    out = []
    for r in allrows:
        cells = [c.rjust(w) if k in right else c.ljust(w) for k, (c, w) in enumerate(zip(r, widths))]
        out.append("  ".join(cells).rstrip())
    return out


def _progress(quiet: bool):
    if quiet:
        return None
    start = time.monotonic()

    def show(done: int, total: int, outcomes) -> None:
        parts = []
        for o in outcomes:
            size = f"{o.states:,} states" + ("" if o.complete else f" (cut: {o.stop_reason})") if o.engine == "explore" \
                else f"{o.steps:,} steps"
            verdict = "ok" if o.ok else "VIOLATED"
            parts.append(f"{o.engine} {size} {verdict} ({o.elapsed:.1f} s)")
        name = outcomes[0].scenario if outcomes else "?"
        print(f"[{done}/{total}] {name}: " + "; ".join(parts) + f"  [{_fmt_time(time.monotonic() - start)}]",
              file=sys.stderr, flush=True)

    return show


def _check_args(args) -> None:
    if args.budget <= 0:
        raise UsageError("--budget must be positive")
    for name in ("max_states", "examples", "steps", "jobs"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be a positive integer")


# ---------------------------------------------------------------------------- run
def run(args) -> int:
    from podmodel.verifier.mutants import MutantError, by_id
    from podmodel.verifier.suite import SuiteError
    from podmodel.verifier.workers import default_jobs

    _check_args(args)
    try:
        mutants = [] if args.mutate else [by_id(m) for m in args.mutant]
    except MutantError as e:
        raise UsageError(str(e)) from None
    jobs = args.jobs or default_jobs()
    for s in args.scenarios:
        check_input_file(s)
    from podmodel.world.spec import is_world_file

    if args.all:
        if args.scenarios or args.worlds or args.mutants or args.mutate or args.mutant or args.operator \
                or args.list or args.show:
            raise UsageError("--all runs the whole suite and the bundled worlds; it takes no scenario, "
                             "--worlds, --mutant(s), --mutate, --list or --show")
        return _all(args, jobs)
    if args.worlds or (args.scenarios and all(is_world_file(s) for s in args.scenarios)):
        from podmodel.cli.world import run_verify

        return run_verify(list(args.scenarios) or None, args)
    try:
        if args.list:
            return _list()
        if args.show:
            return _show(args.show)
        if args.mutate:
            if args.scenarios or args.mutants:
                raise UsageError("--mutate runs its own scenarios; give mutation ids with --mutant, operators with --operator")
            return _mutate(args, jobs)
        if args.operator:
            raise UsageError("--operator needs --mutate")
        if args.mutants:
            if args.scenarios:
                raise UsageError("--mutants runs each mutant on its own scenarios; give mutant ids with --mutant")
            return _self_check(args, mutants, jobs)
        if len(mutants) > 1:
            raise UsageError("--mutant: give one mutant to run the suite on (or use --mutants)")
        return _suite(args, mutants[0].id if mutants else None, jobs)
    except SuiteError as e:
        raise UsageError(str(e)) from None


def _list() -> int:
    from podmodel.verifier.mutants import CATALOGUE
    from podmodel.verifier.scenarios import bundled_scenarios
    from podmodel.verifier.suite import expand_matrix

    for s in expand_matrix():
        print(f"{s.name}\t{'extra' if s.name.startswith('extra-') else 'matrix'}")
    for s in bundled_scenarios():
        print(f"{s.name}\tbundled ({s.path.name})")
    for m in CATALOGUE:
        print(f"{m.id}\tmutant ({', '.join(m.scenarios)})")
    return 0


def _show(name: str) -> int:
    from podmodel.verifier.suite import scenario

    sc = scenario(name)
    print(yaml.safe_dump(dict(sc.manifest), sort_keys=False).rstrip())
    return 0


def _plan(args, scenarios: int):
    from podmodel.verifier.suite import Plan

    try:
        plan = Plan.from_budget(args.budget, scenarios, engine=args.engine, seed=args.seed, steps=args.steps,
                                fairness=args.fairness, explore_engine=args.explore_engine)
    except ValueError as e:
        raise UsageError(str(e)) from None
    from dataclasses import replace

    if args.max_states:
        plan = replace(plan, max_states=args.max_states)
    if args.examples:
        plan = replace(plan, examples=args.examples)
    return plan


def _suite(args, mutant: str | None, jobs: int) -> int:
    from podmodel.model.product import UnsupportedConfig
    from podmodel.verifier.mutants import by_id
    from podmodel.verifier.suite import resolve, run_suite

    names = args.scenarios or (list(by_id(mutant).scenarios) if mutant else [])
    scenarios = resolve(names)
    for sc in scenarios:
        try:
            sc.model()
        except UnsupportedConfig as e:
            raise UsageError(f"{sc.name}: {e}") from None
    plan = _plan(args, len(scenarios))
    if not args.quiet:
        print(f"podmodel verify: {len(scenarios)} scenario(s), {_plan_text(plan)}, {jobs} job(s)"
              + (f", mutant {mutant}" if mutant else ""), file=sys.stderr)
    result = run_suite(scenarios, plan, jobs=jobs, mutant=mutant, progress=_progress(args.quiet))
    if args.json:
        print(json.dumps(result.to_dict(), indent=1))
    else:
        print(report(result, whole_suite=not names))
    return {"ok": 0, "violated": 1, "incomplete": 3}[result.outcome]


def _all(args, jobs: int) -> int:
    from podmodel.cli.world import world_files, world_progress, worlds_json, worlds_text
    from podmodel.verifier.suite import default_scenarios, run_all
    from podmodel.verifier.worlds import WORLD_EXAMPLES

    scenarios = default_scenarios()
    worlds = world_files(None)
    plan = _plan(args, len(scenarios))
    examples = args.examples or WORLD_EXAMPLES
    if not args.quiet:
        print(f"podmodel verify --all: {len(scenarios)} scenario(s), {_plan_text(plan)}; {len(worlds)} world(s); "
              f"{jobs} job(s)", file=sys.stderr)
    result = run_all(scenarios, plan, worlds, jobs=jobs, world_examples=examples, world_max_states=args.max_states,
                     progress=_progress(args.quiet), world_progress=world_progress(args.quiet))
    if args.json:
        print(json.dumps({"format": "podmodel-verify-all", "version": 1, "ok": result.outcome == "ok",
                          "outcome": result.outcome, "suite": result.suite.to_dict(),
                          "worlds": worlds_json(result.worlds), "elapsed": round(result.elapsed, 3)}, indent=1))
    else:
        print(report(result.suite))
        print()
        print(worlds_text(result.worlds, examples, args.seed))
        print()
        print(f"podmodel verify --all: suite {result.suite.outcome}, worlds {result.worlds_outcome} "
              f"in {_fmt_time(result.elapsed)}")
    return {"ok": 0, "violated": 1, "incomplete": 3}[result.outcome]


def _plan_text(plan) -> str:
    return (f"engine {plan.engine}, seed {plan.seed}: explore up to {plan.max_states:,} states, "
            f"Hypothesis {plan.examples:,} examples x {plan.steps} steps, liveness under {plan.fairness} fairness")


def report(result, *, whole_suite: bool = True) -> str:
    """The human-readable suite report: table, coverage, counterexamples, summary.

    Coverage warnings are spelled out for the whole suite only: a few scenarios never
    exercise everything, so for them the report gives counts (``--json`` has the lists).
    """
    from podmodel.engines.hypothesis import counterexample_code
    from podmodel.model.properties import by_id as prop

    lines = [f"podmodel verify: {len(result.scenarios)} scenario(s), {_plan_text(result.plan)}"
             + (f"; model: mutant {result.mutant}" if result.mutant else ""), ""]
    rows = []
    for o in result.outcomes:
        states = f"{o.states:,}" + ("" if o.complete or o.engine != "explore" else "+")
        steps = f"{o.steps:,}" if o.steps is not None else "-"
        open_ = len(o.verdicts) - o.held - o.violated
        rows.append((o.scenario, o.engine, states, steps, str(o.held), str(o.violated), str(open_),
                     _fmt_time(o.elapsed), "" if o.ok else "VIOLATED"))
    lines += _table(("scenario", "engine", "states", "steps", "held", "violated", "open", "time", ""), rows,
                    {2, 3, 4, 5, 6, 7})
    lines.append("")
    lines.append("states: distinct states explored (+: cut at the cap, Hypothesis takes over) or visited; "
                 "open: not decided by this run (cut exploration, liveness under Hypothesis, witness not seen)")
    cov = result.coverage
    lines.append(f"coverage of all runs: {cov.summary()}")
    if whole_suite:
        lines += [f"warning: {w}" for w in cov.warnings()]
    elif cov.dead_rules or cov.unexplained:
        lines += [f"warning: {w}" for w in cov.warnings() if not w.startswith("declared transition")]
    for o in result.failures():
        for pid, cx in o.counterexamples.items():
            lines += ["", f"VIOLATED {pid} on {o.scenario} ({o.engine}): {prop(pid).statement}", cx.format(),
                      "replay it:"]
            lines += ["    " + line for line in counterexample_code(cx, o.setup).splitlines()]
        missing = [pid for pid, v in o.verdicts.items() if v == "no-witness"]
        for pid in missing:
            lines += ["", f"NO WITNESS {pid} on {o.scenario} ({o.engine}): {prop(pid).statement} -- "
                          "no reachable state shows it, so the safety verdicts may be vacuous"]
        for msg in o.cross_check or []:
            lines += ["", f"CROSS-CHECK {o.scenario}: {msg} (the engines disagree)"]
    held = sum(o.held for o in result.outcomes)
    violated = sum(o.violated for o in result.outcomes)
    undecided = result.undecided()
    open_count = sum(len(v) for v in undecided.values())
    runs = len(result.outcomes)
    if undecided:
        lines += ["", f"UNDECIDED ({open_count} verdict(s) in {len(undecided)} scenario(s); no run decided them: "
                      "exploration cut at its cap or time limit, liveness beyond exhaustive exploration):"]
        lines += [f"  {name}: {', '.join(pids)}" for name, pids in undecided.items()]
    lines.append("")
    counts = f"{held:,} held, {violated} violated, {open_count} undecided"
    if result.outcome == "ok":
        lines.append(f"{len(result.scenarios)} scenario(s), {runs} run(s): every property holds "
                     f"({counts}) in {_fmt_time(result.elapsed)}")
    elif result.outcome == "incomplete":
        lines.append(f"INCOMPLETE: {len(result.scenarios)} scenario(s), {runs} run(s): no violation, but "
                     f"{len(undecided)} scenario(s) not fully decided ({counts}) in {_fmt_time(result.elapsed)}; "
                     "raise --budget or --max-states to decide them")
    else:
        bad = sorted({o.scenario for o in result.failures()})
        lines.append(f"{len(result.scenarios)} scenario(s), {runs} run(s): {violated} violation(s) in "
                     f"{len(bad)} scenario(s) ({', '.join(bad)}) ({counts}) in {_fmt_time(result.elapsed)}")
    return "\n".join(lines)


# ------------------------------------------------------------------------ mutants
def _self_check(args, mutants: list, jobs: int) -> int:
    from podmodel.verifier.mutants import CATALOGUE, ENGINES, self_check

    engines = list(ENGINES) if args.engine in ("auto", "both") else [args.engine]
    chosen = mutants or list(CATALOGUE)
    start = time.monotonic()

    def show(done: int, total: int, d) -> None:
        if args.quiet:
            return
        what = f"caught by {d.property} ({d.length} steps)" if d.caught else "MISSED"
        print(f"[{done}/{total}] {d.mutant} on {d.scenario}, {d.engine}: {what} ({d.elapsed:.1f} s)",
              file=sys.stderr, flush=True)

    kwargs: dict[str, Any] = {"seed": args.seed}
    if args.examples:
        kwargs["max_examples"] = args.examples
    if args.max_states:
        kwargs["max_states"] = args.max_states
    results = self_check(chosen, engines, jobs=jobs, progress=show, **kwargs)
    elapsed = time.monotonic() - start
    ok = all(r.caught for r in results)
    if args.json:
        print(json.dumps({"format": "podmodel-verify-mutants", "version": 1, "seed": args.seed, "engines": engines,
                          "ok": ok, "mutants": [{**r.mutant.to_dict(), "caught": r.caught,
                                                 "detections": [d.to_dict() for d in r.detections]} for r in results],
                          "elapsed": round(elapsed, 3)}, indent=1))
    else:
        print(mutants_report(results, engines, args.seed, elapsed))
    return 0 if ok else 1


def mutants_report(results, engines: list[str], seed: int, elapsed: float) -> str:
    """The human-readable self-check report."""
    lines = [f"podmodel verify --mutants: {len(results)} seeded bug(s), engines {', '.join(engines)}, seed {seed}", ""]
    rows = []
    for r in results:
        for d in r.detections:
            effort = f"{d.effort:,} {'states' if d.engine == 'explore' else 'steps'}"
            rows.append((d.mutant, d.scenario, d.engine, "yes" if d.caught else "NO", d.property or "-",
                         str(d.length) if d.length is not None else "-", effort, f"{d.elapsed:.2f} s"))
    lines += _table(("mutant", "scenario", "engine", "caught", "property", "steps", "effort", "time"), rows, {5, 6, 7})
    lines.append("")
    lines.append("property: the one reported (an expected one when it fired); steps: counterexample length; "
                 "effort: states explored or Hypothesis steps taken")
    per_engine = ", ".join(f"{e}: {sum(any(d.caught for d in r.detections if d.engine == e) for r in results)}/"
                           f"{len(results)}" for e in engines)
    missed = [r.mutant.id for r in results if not r.caught]
    if missed:
        lines.append(f"{len(missed)} of {len(results)} mutant(s) MISSED ({', '.join(missed)}); caught: {per_engine}; "
                     f"in {_fmt_time(elapsed)}")
    else:
        both = "both engines" if len(engines) == 2 else f"the {engines[0]} engine"
        lines.append(f"{len(results)} mutant(s): every one caught by {both} ({per_engine}) in {_fmt_time(elapsed)}")
    return "\n".join(lines)


# ------------------------------------------------------------------------- --mutate
def _mutate(args, jobs: int) -> int:
    from podmodel.verifier import mutate

    try:
        chosen = mutate.mutants(args.operator or mutate.OPERATORS)
    except ValueError as e:
        raise UsageError(str(e)) from None
    if args.mutant:
        known = {m.id for m in chosen}
        unknown = [i for i in args.mutant if i not in known]
        if unknown:
            raise UsageError(f"--mutant {unknown[0]}: no such derived mutant (see --mutate --json for the ids)")
        chosen = [m for m in chosen if m.id in set(args.mutant)]
    engines = list(mutate.ENGINES) if args.engine in ("auto", "both") else [args.engine]
    kwargs: dict[str, Any] = {"seed": args.seed}
    if args.examples:
        kwargs["examples"] = args.examples
    if args.max_states:
        kwargs["max_states"] = args.max_states
    start = time.monotonic()

    def show(done: int, total: int, r) -> None:
        if not args.quiet:
            what = ", ".join(f"{k.engine}: {k.property or ('CRASH' if k.crashed else 'survived')}" for k in r.kills)
            print(f"[{done}/{total}] {r.mutation.id}: {r.status}" + (f" ({what})" if what else ""),
                  file=sys.stderr, flush=True)

    results = mutate.run(chosen, engines, jobs=jobs, progress=show, **kwargs)
    sc = mutate.score(results)
    elapsed = time.monotonic() - start
    if args.json:
        print(json.dumps({"format": "podmodel-verify-mutate", "version": 1, "seed": args.seed, "engines": engines,
                          "score": round(sc.score, 4), "summary": sc.text(), "mutants": [r.to_dict() for r in results],
                          "elapsed": round(elapsed, 3)}, indent=1))
    else:
        lines = [f"podmodel verify --mutate: {len(results)} derived mutant(s), engines {', '.join(engines)}, "
                 f"scenarios {', '.join(mutate.SCENARIOS)}", ""]
        left = [r for r in results if r.status in ("survived", "partly")]
        if left:
            lines.append("not killed by every engine:")
            for r in left:
                by = ", ".join(f"{k.engine}: {k.property} on {k.scenario}" for k in r.kills if k.killed) or "no engine"
                crash = "; ".join(f"{k.engine} crashed: {k.crashed}" for k in r.kills if k.crashed)
                lines.append(f"  {r.status.upper():9} {r.mutation.id}: {r.mutation.description} (killed by {by})"
                             + (f" [{crash}]" if crash else ""))
            lines.append("")
        eq = [r for r in results if r.status == "equivalent"]
        if eq:
            lines.append(f"equivalent ({len(eq)}, documented in podmodel.verifier.mutate.EQUIVALENT):")
            lines += [f"  {r.mutation.id}: {mutate.EQUIVALENT[r.mutation.id]}" for r in eq]
            lines.append("")
        lines.append(f"{sc.text()} in {_fmt_time(elapsed)}")
        print("\n".join(lines))
    return 0 if not any(r.status in ("survived", "partly") for r in results) else 1
