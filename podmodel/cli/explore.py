"""``podmodel explore MANIFEST``: every reachable state of one pod, every property checked.

Explores the product model of a Pod or workload manifest (bounds from its
``podmodel.io/bounds`` annotation), checks the property catalogue, decides liveness on
the whole graph, and prints a summary table, then each counterexample one action per
line with the fields that changed.  Progress goes to stderr on long runs.  Exit code 1
when a property is violated or a ``sometimes`` property has no witness, 3 when a limit
(states, time, memory) cut the run before every verdict was decided (INCOMPLETE).
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from podmodel.cli import UsageError, counterexample_out
from podmodel.cli.inputs import check_input_file
from podmodel.engines.exploration import ExploreResult
from podmodel.engines.facade import DEFAULT_MAX_STATES, DEFAULT_MEMORY_LIMIT, explore
from podmodel.engines.results import Counterexample, Progress
from podmodel.model.properties import DEFAULT_FAIRNESS
from podmodel.model.properties import FAIRNESS as LIVENESS_CHOICES


def add_parser(sub) -> None:
    p = sub.add_parser("explore", help="exhaustive exploration of one Pod or workload manifest",
                       description=__doc__.split("\n\n")[1].replace("\n", " "))
    p.add_argument("manifest", help="a Pod or workload manifest (YAML or JSON)")
    p.add_argument("--json", action="store_true", help="print the result as JSON (docs/explorer.md)")
    p.add_argument("--max-states", type=int, metavar="N", default=DEFAULT_MAX_STATES,
                   help=f"stop after N distinct states (default {DEFAULT_MAX_STATES:,}; 0: no cap)")
    p.add_argument("--time-limit", type=float, metavar="SECONDS",
                   help="stop the search and the analyses (liveness) after this many seconds")
    p.add_argument("--memory-limit", type=float, metavar="MB", default=DEFAULT_MEMORY_LIMIT,
                   help=f"stop the search (either engine) at this peak memory (default {DEFAULT_MEMORY_LIMIT:g} MB; 0: no guard)")
    p.add_argument("--symmetry", action="store_true",
                   help="merge states that differ only by a permutation of interchangeable containers (no liveness)")
    p.add_argument("--export", metavar="FILE", help="write the state graph (.graphml or .json)")
    p.add_argument("--follow-symlinks", action="store_true",
                   help="write --export/--diagram through a symbolic link found at the path (refused by default)")
    p.add_argument("--gates", default="", metavar="NAME=BOOL,...", help="feature gates, e.g. ContainerRestartRules=false")
    p.add_argument("--bounds", metavar="JSON", help="override bounds, e.g. '{\"maxRestarts\": 1}'")
    p.add_argument("--frontier", choices=("bfs", "dfs"), default="bfs", help="search order (bfs: shortest counterexamples)")
    p.add_argument("--engine", choices=("auto", "readable", "compiled"), default="auto", help="search engine")
    p.add_argument("--fairness", choices=LIVENESS_CHOICES, default=DEFAULT_FAIRNESS,
                   help=f"fairness of the kubelet's progress actions for liveness (default: {DEFAULT_FAIRNESS}; docs/explorer.md)")
    p.add_argument("--no-liveness", action="store_true", help="skip the eventually properties")
    p.add_argument("--query", action="append", default=[], metavar="Q",
                   help="reachability question: a name (app-restarts, ready-while-unready, ...) or an expression over a state; repeatable")
    p.add_argument("--bound-check", action="store_true",
                   help="re-explore with the bounds raised by one and report properties that hold only because of a bound")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.add_argument("--diagram", metavar="FILE",
                   help="draw the first counterexample over the component machines (.svg, .png or .dot; docs/diagrams.md)")
    p.add_argument("--diagram-property", metavar="ID",
                   help="with --diagram: draw this property's counterexample, or else its witness")
    counterexample_out.add_arguments(p)
    p.set_defaults(run=run)


# ------------------------------------------------------------------------ loading
def load(args) -> Any:
    """The scenario named by ``args`` (gates and bound overrides applied)."""
    from podmodel.model.bounds import Bounds
    from podmodel.model.config import ManifestError
    from podmodel.model.gates import parse_gates
    from podmodel.model.product import UnsupportedConfig
    from podmodel.verifier.scenarios import ScenarioError, load_scenario

    try:
        gates = parse_gates(args.gates) if args.gates else None
    except (ValueError, TypeError) as e:
        raise UsageError(str(e)) from None
    check_input_file(args.manifest)
    try:
        sc = load_scenario(args.manifest, feature_gates=gates)
    except ScenarioError as e:
        raise UsageError(str(e)) from None
    except (RecursionError, ValueError, TypeError, AttributeError, KeyError) as e:
        raise UsageError(f"{args.manifest}: cannot be read as a Pod or workload manifest: {type(e).__name__}: {e}") from None
    if args.bounds:
        try:
            data = json.loads(args.bounds)
            bounds = Bounds.from_mapping(data, base=sc.bounds)
        except json.JSONDecodeError as e:
            raise UsageError(f"--bounds: not JSON: {e.msg}") from None
        except ManifestError as e:
            raise UsageError(f"--bounds: {e}") from None
        from dataclasses import replace

        sc = replace(sc, bounds=bounds)
    try:
        sc.model()
    except UnsupportedConfig as e:
        raise UsageError(f"{args.manifest}: {e}") from None
    return sc


def _progress_printer(quiet: bool):
    if quiet:
        return None
    start = time.monotonic()
    state = {"last": 0.0, "shown": False}
    tty = sys.stderr.isatty()

    def show(p: Progress) -> None:
        if p.elapsed < 1.0 or p.elapsed - state["last"] < (0.5 if tty else 2.0):
            return
        state["last"], state["shown"] = p.elapsed, True
        rate = p.states / p.elapsed if p.elapsed else 0.0
        line = (f"explored {p.states:,} states, {p.transitions:,} transitions, depth {p.depth}, "
                f"frontier {p.frontier:,} ({rate:,.0f} states/s)")
        print(("\r" + line) if tty else line, end="" if tty else "\n", file=sys.stderr, flush=True)

    show.finish = lambda: state["shown"] and tty and print(file=sys.stderr)  # type: ignore[attr-defined]

    def analysis(message: str) -> None:
        elapsed = time.monotonic() - start
        if elapsed >= 1.0:
            print(f"{message} [{elapsed:.1f} s]", file=sys.stderr, flush=True)

    show.analysis = analysis  # type: ignore[attr-defined]
    show.start = start  # type: ignore[attr-defined]
    return show


# ------------------------------------------------------------------------ hooks
def counterexample_for_diagram(result: ExploreResult, property_id: str | None = None,
                               fairness: str = DEFAULT_FAIRNESS) -> Counterexample | None:
    """The counterexample to draw: ``property_id``'s, or the first one in catalogue order.

    For the diagrams' ``--diagram FILE``: the path's ``states`` and ``actions`` (and a
    lasso's ``cycle``) are everything a drawing needs.
    """
    cxs = result.counterexamples(liveness=result.complete and not result.symmetry, fairness=fairness)
    if property_id is not None:
        return cxs.get(property_id)
    return next(iter(cxs.values()), None)


# ------------------------------------------------------------------------ --diagram
def _check_diagram_args(args) -> None:
    from podmodel.model.properties import CATALOGUE

    if args.diagram_property and not (args.diagram or args.counterexample_pods or args.itf):
        raise UsageError("--diagram-property needs --diagram FILE (or --counterexample-pods, --itf FILE)")
    if args.diagram and not args.diagram.lower().endswith((".svg", ".png", ".dot")):
        raise UsageError(f"--diagram {args.diagram}: use a .svg, .png or .dot file name")
    if args.diagram_property and args.diagram_property not in {p.id for p in CATALOGUE}:
        raise UsageError(f"--diagram-property {args.diagram_property}: no such property (podmodel.model.properties.CATALOGUE)")


def _draw(args, model, result: ExploreResult) -> None:
    """``--diagram FILE``: a counterexample (or ``--diagram-property``'s witness) over the machines."""
    import graphviz

    from podmodel.render.diagrams import write_counterexample

    pid = args.diagram_property
    if args.no_liveness:
        cx = result.violations.get(pid) if pid else next(iter(result.violations.values()), None)
    else:
        cx = counterexample_for_diagram(result, pid, fairness=args.fairness)
    if cx is None and pid is not None:
        cx = result.witnesses.get(pid)
    if cx is None:
        what = f"no counterexample or witness for {pid}" if pid else "no counterexample"
        print(f"--diagram {args.diagram}: {what}; nothing drawn", file=sys.stderr)
        return
    try:
        write_counterexample(args.diagram, model, cx)
    except graphviz.ExecutableNotFound:
        raise UsageError("--diagram: Graphviz's `dot` was not found on PATH") from None
    except OSError as e:
        raise UsageError(f"--diagram {args.diagram}: {e.strerror or e}") from None
    print(f"--diagram {args.diagram}: {cx.property} ({cx.label}, {len(cx.actions)} steps) drawn", file=sys.stderr)


# ------------------------------------------------------------------------ run
def run(args) -> int:
    from podmodel.engines import analysis, bound_sensitivity
    from podmodel.world.spec import is_world_file

    if is_world_file(args.manifest):  # kind: World (docs/worlds.md)
        from podmodel.cli.world import run_explore

        return run_explore(args)

    if args.max_states is not None and args.max_states < 0:
        raise UsageError("--max-states must be a positive integer (0: no cap)")
    if args.memory_limit is not None and args.memory_limit < 0:
        raise UsageError("--memory-limit must be positive (0: no guard)")
    if args.time_limit is not None and args.time_limit <= 0:
        raise UsageError("--time-limit must be positive")
    if args.export and not args.export.lower().endswith((".graphml", ".json")):
        raise UsageError(f"--export {args.export}: use a .graphml or .json file name")
    _check_diagram_args(args)
    from podmodel.cli.outputs import check_output

    for out in (args.export, args.diagram):
        if out:
            check_output(out, follow_symlinks=getattr(args, "follow_symlinks", False))
    queries = []
    for q in args.query:
        try:
            queries.append((q, *analysis.query(q)))
        except ValueError as e:
            raise UsageError(str(e)) from None
    sc = load(args)
    model = sc.model()
    show = _progress_printer(args.quiet)
    try:
        result = explore(model, max_states=args.max_states or None, time_limit=args.time_limit, symmetry=args.symmetry,
                         frontier=args.frontier, engine=args.engine, progress=show,
                         memory_limit=args.memory_limit or None)
    except ValueError as e:
        raise UsageError(str(e)) from None
    if show is not None:
        show.finish()
        result.analysis_progress = show.analysis
    liveness = not args.no_liveness
    answers = []
    for text, question, pred in queries:
        try:
            answers.append((text, question, analysis.reachable(result, pred, text)))
        except ValueError as e:
            raise UsageError(str(e)) from None
    sensitive = bound_sensitivity(result) if args.bound_check and result.complete else []
    if args.export:
        from podmodel.render.graph_export import export

        try:
            export(result, args.export)
        except OSError as e:
            raise UsageError(f"--export {args.export}: {e.strerror or e}") from None
    if args.diagram:
        _draw(args, model, result)
    counterexample_out.write(args, model, result)
    outcome = result.outcome(liveness=liveness, fairness=args.fairness)
    if sensitive and outcome == "ok":
        outcome = "violated"
    ok = outcome == "ok"
    if args.json:
        data = {"manifest": str(args.manifest), "pod": sc.config.name, "bounds": sc.bounds.to_mapping(),
                **result.to_dict(liveness=liveness, fairness=args.fairness)}
        data["ok"] = ok
        data["queries"] = [{"query": t, "question": q if q != t else None, "reachable": cx is not None,
                            "path": cx.to_dict() if cx else None} for t, q, cx in answers]
        data["bound_sensitive"] = sensitive
        counterexample_out.enrich(data, model, result, liveness=liveness, fairness=args.fairness)
        print(json.dumps(data, indent=1))
    else:
        print(report(sc, result, liveness=liveness, fairness=args.fairness, answers=answers, sensitive=sensitive))
    if not args.quiet:
        rate = result.states / result.elapsed if result.elapsed else 0.0
        print(f"explored {result.states:,} states in {result.elapsed:.2f} s ({rate:,.0f} states/s, {result.engine} engine)",
              file=sys.stderr)
    return {"ok": 0, "violated": 1, "incomplete": 3}[outcome]


def _table(rows: list[tuple[str, ...]], indent: str = "  ") -> list[str]:
    widths = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]
    return [indent + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]


def report(sc, result: ExploreResult, *, liveness: bool = True, fairness: str = DEFAULT_FAIRNESS,
           answers: list = (), sensitive: list[str] = ()) -> str:
    """The human-readable report: summary table, properties, stuck states, warnings, counterexamples."""
    from podmodel.engines.analysis import stuck_states

    cfg = sc.config
    out = [f"{sc.name}: restartPolicy {cfg.restart_policy}; containers "
           + ", ".join(f"{c.name} ({c.kind})" for c in cfg.all_containers)]
    summary = [("states", f"{result.states:,}"), ("transitions", f"{result.transitions:,}"), ("depth", str(result.depth)),
               ("complete", "yes" if result.complete else f"no ({result.stop_reason})"),
               ("search", f"{result.frontier}, {result.engine} engine" + (", symmetry" if result.symmetry else ""))]
    out += ["", "summary", *_table(summary)]
    verdicts = result.verdicts(liveness=liveness, fairness=fairness)
    rows = [("property", "kind", "verdict")]
    rows += [(p.id, p.kind, verdicts[p.id].upper() if verdicts[p.id] in ("violated", "no-witness") else verdicts[p.id])
             for p in result.properties]
    note = ""
    if liveness and any(p.kind == "eventually" for p in result.properties):
        note = (" (eventually: skipped under symmetry)" if result.symmetry else f" (eventually: {fairness} fairness)")
    out += ["", "properties" + note, *_table(rows)]
    if result.complete:
        stuck = stuck_states(result)
        if stuck:
            out += ["", "where the pod never finishes (attracting components without a terminal state)"]
            out += [f"  {s.describe()}" for s in stuck]
    if answers:
        out += ["", "queries"]
        for text, question, cx in answers:
            head = question if question != text else text
            if cx is None:
                out.append(f"  {head}  no" + ("" if result.complete else " (within the explored part)"))
            else:
                out.append(f"  {head}  yes, in {len(cx)} steps:")
                out += ["    " + line for line in cx.format().splitlines()[1:]]
    warns = list(result.warnings) + list(sensitive)
    if warns:
        out += ["", "warnings", *(f"  {w}" for w in warns)]
    cxs = result.counterexamples(liveness=liveness, fairness=fairness)
    missing = [pid for pid, v in verdicts.items() if v == "no-witness"]
    if missing:
        out += ["", "vacuous: no witness for " + ", ".join(missing)]
    if cxs:
        out += ["", "counterexamples"]
        for cx in cxs.values():
            out += ["", cx.format()]
    undecided = [pid for pid, v in verdicts.items() if v == "unknown"]
    if cxs or missing or sensitive:
        out += ["", "FAILED" + (f" (and INCOMPLETE: {len(undecided)} undecided)" if undecided else "")]
    elif undecided:
        out += ["", f"INCOMPLETE: the run stopped at a limit ({_limit_text(result)}); undecided: " + ", ".join(undecided)]
    else:
        out += ["", "OK"]
    return "\n".join(out)


def _limit_text(result: ExploreResult) -> str:
    """Which limit stopped the run, and how to lift it."""
    why = result.stop_reason
    if why == "max_states":
        return f"{result.states:,} states; raise --max-states N, or --max-states 0 for no cap"
    if why == "memory":
        return f"memory guard at {result.states:,} states; raise --memory-limit MB, or --memory-limit 0"
    if why == "time_limit":
        return "time limit; raise --time-limit"
    return "time limit during the liveness analysis; raise --time-limit"
