"""``podmodel check-trace FILE|-``: check recorded Pod observations against the model.

Reads a trace (JSON array, JSON Lines, ``kubectl get pods -w -o json`` output, watch
events, Lists, multi-document YAML or audit logs; auto-detected or ``--format``) and
prints, per pod, whether it is legal Kubernetes behaviour and, if not, the first
violation with the two observations side by side.  ``--json`` prints the stable JSON
document of `podmodel.oracle.report.json_document`.

Exit codes: 0 legal, 1 violations (an object the API server could not have returned is
the violation ``invalid-object``), 2 unusable input (one line on stderr naming the file,
line, column and byte offset) or nothing to check (no Pod in the input; the line says why).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from podmodel.model.collector import fewer_collections
from podmodel.model.gates import gates_for_version, parse_gates
from podmodel.oracle.checker import TraceChecker
from podmodel.model.gates import DEFAULT_VERSION, SUPPORTED_VERSIONS
from podmodel.oracle.formats import FORMATS, InputError, nothing_to_check
from podmodel.oracle.report import json_document, render_pod, render_summary
from podmodel.oracle.verdict import PodResult

PROG = "podmodel check-trace"
PROGRESS_EVERY = 10_000


def add_parser(sub) -> Any:
    """Register the ``check-trace`` subcommand on an argparse subparsers object."""
    p = sub.add_parser("check-trace", help="check recorded Pod observations (a trace) against the model",
                       description="Check recorded Pod observations (a trace) against the model: per pod, whether "
                                   "it is legal Kubernetes behaviour and, if not, the first violation with the two "
                                   "observations side by side.  Exit 0: legal; 1: violations; 2: unusable input.")
    p.add_argument("file", metavar="FILE|-", nargs="?", help="the trace file, or - for standard input (none with --watch)")
    p.add_argument("--format", default="auto", choices=("auto",) + FORMATS, help="input format (default: auto-detect)")
    p.add_argument("--json", action="store_true", help="print the JSON document instead of the report")
    p.add_argument("--gates", default="", metavar="NAME=true,...", help="feature gates overriding the version's defaults")
    p.add_argument("--kubernetes-version", default=DEFAULT_VERSION, metavar="X.Y",
                   help=f"the Kubernetes version whose schema, rules and gate defaults apply ({', '.join(SUPPORTED_VERSIONS)}; "
                        f"default {DEFAULT_VERSION})")
    p.add_argument("--coverage", action="store_true", help="also list the lifecycle transitions the trace exercised")
    p.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="check in N processes (files only; default 1): JSON Lines is cut into N byte ranges, "
                        "other framings are shared by pod uid; the verdict is the one-process verdict")
    p.add_argument("--progress", action="store_true", help="report progress on stderr (default: only when stderr is a terminal)")
    p.add_argument("--world", action="store_true",
                   help="also check the world's rules across pods (StatefulSet identity, UIDs; docs/worlds.md)")
    p.add_argument("-q", "--quiet", action="store_true", help="report only the pods with violations, and the summary")
    p.add_argument("--watch", action="store_true", help="check a live cluster's Pods instead of a file (podmodel watch)")
    from podmodel.cli import watch

    watch.add_arguments(p, standalone=False)
    p.set_defaults(run=run)
    return p


def _error(args, message: str, err: InputError | None = None) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    if getattr(args, "json", False):
        doc: dict[str, Any] = {"format": "podmodel-check-trace", "version": 1, "ok": None, "error": {"message": message}}
        if err is not None:
            doc["error"].update({"name": err.name, "line": err.line, "column": err.column, "offset": err.offset,
                                 "expected": err.expected})
        print(json.dumps(doc, indent=2))
    return 2


def run(args) -> int:
    """Run the subcommand; returns the exit code (0 legal, 1 violations, 2 unusable input)."""
    if getattr(args, "watch", False):
        if args.file is not None:
            return _error(args, "--watch reads a live cluster: give no FILE")
        from podmodel.cli import watch

        return watch.run(args)
    if args.file is None:
        return _error(args, "a FILE (or - for standard input) is required, or --watch")
    try:
        gates = parse_gates(args.gates) if args.gates else None
    except (ValueError, TypeError) as e:
        return _error(args, f"--gates: {e}")
    version = getattr(args, "kubernetes_version", None)
    try:
        gates_for_version(version)
    except ValueError as e:
        return _error(args, f"--kubernetes-version: {e}")
    jobs = getattr(args, "jobs", 1)
    jobs = 1 if jobs is None else jobs
    if jobs < 1:
        return _error(args, f"--jobs: expected a positive number, got {jobs}")
    show_progress = getattr(args, "progress", False) or sys.stderr.isatty()
    quiet = getattr(args, "quiet", False)
    human = not args.json
    pod_coverage: list[dict[str, Any]] = []

    def on_pod(result: PodResult) -> None:
        if args.coverage and result.coverage is not None:
            pod_coverage.append({"uid": result.uid, "namespace": result.namespace, "name": result.name,
                                 "items": dict(sorted(result.coverage.items()))})
        if human and (result.violations or not quiet):
            print(render_pod(result, coverage=args.coverage), flush=False)

    try:
        world = None
        if getattr(args, "world", False):
            from podmodel.oracle.world import WorldTraceChecker

            world, jobs = WorldTraceChecker(), 1  # the world's rules need every pod in one process
        if jobs > 1 and args.file != "-":
            from podmodel.oracle.parallel import check_file_parallel

            verdict = check_file_parallel(args.file, jobs=jobs, feature_gates=gates, coverage=args.coverage,
                                          format=args.format, progress=show_progress, kubernetes_version=version)
            for result in verdict.pods:
                on_pod(result)
            pods, bad = len(verdict.pods), sum(1 for r in verdict.pods if r.violations)
        else:
            checker = TraceChecker(gates, args.coverage, on_pod=on_pod, kubernetes_version=version)
            stats: dict = {}

            def progress(n: int) -> None:
                print(f"\r{n} observations, {checker.live_pods} live pods, {len(checker.violations)} violations",
                      end="", file=sys.stderr, flush=True)

            with fewer_collections():  # speed only, as TraceChecker.run and the --jobs workers
                if world is None:
                    checker.feed_source(args.file, format=args.format, stats=stats,
                                        progress=progress if show_progress else None, every=PROGRESS_EVERY)
                else:
                    for n, obs in enumerate(checker.read(args.file, format=args.format, stats=stats), 1):
                        checker.feed_observation(obs)
                        world.feed(obs.pod, obs.event, obs.index)
                        if show_progress and n % PROGRESS_EVERY == 0:
                            progress(n)
            if show_progress and checker.observations >= PROGRESS_EVERY:
                print(file=sys.stderr)
            if not checker.observations:
                raise nothing_to_check(stats, stats.get("name", args.file))
            verdict = checker.finish()
            pods, bad = checker.pods_seen, checker.bad_pods
    except InputError as e:
        return _error(args, str(e), e)
    except ValueError as e:  # bad --format value passed programmatically, bad gates
        return _error(args, str(e))
    except RecursionError:
        return _error(args, f"{args.file}: an object is nested too deeply to check")
    except Exception as e:  # noqa: BLE001 - the last line of defence: one line, never a traceback
        return _error(args, f"internal error while checking {args.file}: {type(e).__name__}: {e} "
                            "(a podmodel bug: please report it with the input)")
    wv = world.violations if world is not None else []
    if args.json:
        doc = {"format": "podmodel-check-trace", "version": 1,
               **json_document(verdict, pods=pods, pod_coverage=pod_coverage if args.coverage else None)}
        if world is not None:
            doc["world"] = [v.to_dict() for v in wv]
            doc["ok"] = doc.get("ok", verdict.ok) and not wv
        print(json.dumps(doc, indent=2))
    else:
        print(render_summary(verdict, pods, bad))
        for v in wv:
            print(f"world: {v.rule} VIOLATED at observation {v.index}: {v.message}")
    return 0 if verdict.ok and not wv else 1
