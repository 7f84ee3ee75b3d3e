"""``podmodel lint-kwok STAGES... [--pod MANIFEST]``: the Pod lifecycles KWOK Stages drive, checked.

Reads KWOK ``Stage`` resources (files, or directories of ``*.yaml``), simulates every
lifecycle they can drive for the Pod manifest (`podmodel.oracle.kwok`), and checks each
with the oracle: every transition no kubelet would make is reported with the stage that
makes it and the sequence of stages that leads there.  ``--json`` prints a document with
``"format": "podmodel-lint-kwok"``, ``"version": 1`` (docs/json.md).

Exit codes: 0 nothing illegal, 1 illegal transitions found, 2 unusable input, 3 incomplete
(a stage uses something the simulation does not support, or ``--max-steps`` cut a lifecycle).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

from podmodel.cli import UsageError

DEFAULT_POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "pod"},
               "spec": {"containers": [{"name": "app", "image": "example.com/app:1"}]}}


def add_parser(sub) -> None:
    p = sub.add_parser("lint-kwok", help="check the Pod lifecycles that KWOK Stage resources drive",
                       description=__doc__.split("\n\n")[1].replace("\n", " "))
    p.add_argument("stages", nargs="+", metavar="STAGES", help="Stage YAML files or directories of them")
    p.add_argument("--pod", metavar="MANIFEST", help="the Pod (or Job, Deployment, ...) manifest to drive "
                                                      "(default: one container, restartPolicy Always)")
    p.add_argument("--no-delete", action="store_true", help="do not explore a client DELETE at each step")
    p.add_argument("--ip", choices=("both", "address"), default="both",
                   help="both (default): KWOK's IP functions may return an address or \"\" (no --node-ip, "
                        "unknown node); address: always an address")
    p.add_argument("--max-steps", type=int, default=None, metavar="N", help="stage steps per lifecycle (default 16)")
    p.add_argument("--write-traces", metavar="DIR", help="write each finding's Pod sequence as DIR/<n>-<id>.json "
                                                          "(a file `podmodel check-trace` reads)")
    p.add_argument("--json", action="store_true", help="print the JSON document")
    p.set_defaults(run=run)


def _manifest(path: str | None) -> dict:
    if path is None:
        return DEFAULT_POD
    try:
        docs = [d for d in yaml.safe_load_all(Path(path).read_text(encoding="utf-8")) if d is not None]
    except FileNotFoundError:
        raise UsageError(f"--pod {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"--pod {path}: cannot read: {e}") from None
    except yaml.YAMLError as e:
        raise UsageError(f"--pod {path}: not valid YAML: {getattr(e, 'problem', None) or e}") from None
    if not docs or not isinstance(docs[0], dict):
        raise UsageError(f"--pod {path}: expected a Pod or workload manifest")
    return docs[0]


def run(args) -> int:
    from podmodel.oracle.kwok import MAX_STEPS, KwokError, lint, load_stages

    max_steps = MAX_STEPS if args.max_steps is None else args.max_steps
    if max_steps < 1:
        raise UsageError("--max-steps must be a positive integer")
    try:
        stages = load_stages(args.stages)
        result = lint(stages, _manifest(args.pod), deletes=not args.no_delete, ip=args.ip, max_steps=max_steps)
    except KwokError as e:
        raise UsageError(str(e)) from None
    if args.write_traces:
        out = Path(args.write_traces)
        try:
            out.mkdir(parents=True, exist_ok=True)
            for n, f in enumerate(result.findings, 1):
                name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{n}-{f.id}-{f.stage}")
                (out / f"{name}.json").write_text(json.dumps(f.pods, indent=1) + "\n")
        except OSError as e:
            raise UsageError(f"--write-traces {out}: {e.strerror or e}") from None
    code = 1 if result.findings else (0 if result.complete else 3)
    if args.json:
        print(json.dumps({"format": "podmodel-lint-kwok", "version": 1, "pod": result.pod["metadata"]["name"],
                          **result.to_dict()}, indent=1))
        return code
    pod = result.pod["metadata"]["name"]
    print(f"{len(stages)} stages, pod {pod}: {result.lifecycles} lifecycles explored")
    for s in result.unsupported:
        print(f"UNSUPPORTED stage {s.name} ({s.source}): {'; '.join(s.unsupported)} -- not simulated")
    for fail in result.failures:
        print(f"stage {fail['stage']} ({fail['source']}) cannot apply: {fail['message']}")
    for f in result.findings:
        print(f"\nVIOLATION {f.id} by stage {f.stage}" + (f" ({f.source})" if f.source else ""))
        print(f"  {f.message}")
        print(f"  lifecycle: {' -> '.join(f.path)}")
    if result.cut:
        print(f"\nsome lifecycles were cut at {max_steps} steps (--max-steps)", file=sys.stderr)
    n = len(result.findings)
    verdict = {1: f"ILLEGAL: {n} transition{'s' if n != 1 else ''} no kubelet would make",
               3: "INCOMPLETE: nothing illegal in what was simulated", 0: "OK: every lifecycle is one a kubelet could show"}
    print("\n" + verdict[code])
    return code
