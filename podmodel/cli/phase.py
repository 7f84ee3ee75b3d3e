"""``podmodel phase POD``: what the kubelet would report for a Pod object.

Reads one Pod (JSON or YAML, a file or ``-``; with several objects, the last one) and
prints the phase `podmodel.model.reference.expected_phase` computes for each value of the
kubelet's hidden inputs, and the expected ContainersReady, Ready and Initialized conditions,
next to what the object shows.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import yaml

from podmodel.cli import UsageError
from podmodel.model.config import ManifestError
from podmodel.model.gates import parse_gates
from podmodel.model.reference import expected_conditions, expected_phase


def add_parser(sub) -> None:
    p = sub.add_parser("phase", help="the phase and conditions the kubelet would report for a Pod object",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("pod", help="a Pod as JSON or YAML (file, or - for stdin)")
    p.add_argument("--gates", default="", help="feature gates, NAME=true,NAME=false")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=run)


def _load(path: str) -> dict[str, Any]:
    try:
        text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"{path}: cannot read: {e}") from None
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as e:
        raise UsageError(f"{path}: not JSON/YAML: {str(e).splitlines()[0]}") from None
    if docs and isinstance(docs[-1], list):
        docs = docs[-1]
    if docs and isinstance(docs[-1], dict) and isinstance(docs[-1].get("items"), list) and docs[-1]["items"]:
        docs = docs[-1]["items"]
    if not docs or not isinstance(docs[-1], dict):
        raise UsageError(f"{path}: expected a Pod object")
    pod = docs[-1]
    if pod.get("kind", "Pod") != "Pod":
        raise UsageError(f"{path}: expected kind Pod, got {pod.get('kind')!r}")
    return pod


def run(args) -> int:
    try:
        gates = parse_gates(args.gates) if args.gates else None
    except (ValueError, TypeError) as e:
        raise UsageError(str(e)) from None
    pod = _load(args.pod)
    try:
        phases = {f"podIsTerminal={t},podHasInitialized={h}": expected_phase(pod, pod_is_terminal=t, pod_has_initialized=h, feature_gates=gates)
                  for t in (False, True) for h in (False, True)}
        inferred = expected_phase(pod, feature_gates=gates)
        conditions = expected_conditions(pod, phase=inferred, feature_gates=gates)
    except ManifestError as e:
        raise UsageError(f"{args.pod}: {e}") from None
    status = pod.get("status") if isinstance(pod.get("status"), dict) else {}
    shown = {c.get("type"): c.get("status") for c in status.get("conditions") or [] if isinstance(c, dict)}
    out = {"format": "podmodel-phase", "version": 1, "observed_phase": status.get("phase"), "expected_phase": inferred, "phase_by_hidden_inputs": phases,
           "expected_conditions": conditions, "observed_conditions": {k: shown.get(k) for k in conditions}}
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"observed phase: {out['observed_phase']}")
    print(f"expected phase: {inferred} (hidden inputs inferred from the statuses)")
    for k, v in phases.items():
        print(f"  {k:45} {v}")
    print("conditions (expected / observed):")
    for k, v in conditions.items():
        extra = f" reason={v['reason']}" if v["reason"] else ""
        print(f"  {k:16} {v['status']:5}{extra} / {shown.get(k)}")
        if v["message"]:
            print(f"  {'':16} {v['message']}")
    return 0
