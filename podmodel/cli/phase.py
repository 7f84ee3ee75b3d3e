"""``podmodel phase POD``: what the kubelet would report for a Pod object, and whether the object agrees.

Reads a Pod through the oracle's reader (`podmodel.oracle.formats.iter_observations`: JSON
or YAML, a file or ``-``, a watch event, a List, a trace -- with several objects, the last
one; depth, size and number limits; never a traceback) and prints the phase
`podmodel.model.reference.expected_phase` computes for each value of the kubelet's hidden
inputs, and the expected ContainersReady, Ready and Initialized conditions, next to what
the object shows.

Exit codes: 0 the object agrees with what the kubelet could report; 1 a mismatch (the
oracle's single-observation rules: ``phase-inconsistent``, ``condition-inconsistent``,
``init-order``) or an object the API server could not have returned (``invalid-object``,
with its field); 2 unusable input (no Pod, unreadable, nothing to check).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from podmodel.cli import UsageError
from podmodel.model.config import ManifestError
from podmodel.model.gates import DEFAULT_VERSION, SUPPORTED_VERSIONS, gates_for_version, parse_gates
from podmodel.model.reference import expected_conditions, expected_phase
from podmodel.oracle.checker import TraceChecker
from podmodel.oracle.formats import InputError, Observation, iter_observations, nothing_to_check


def add_parser(sub) -> None:
    p = sub.add_parser("phase", help="the phase and conditions the kubelet would report for a Pod object",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("pod", help="a Pod as JSON or YAML (file, or - for stdin); with several objects, the last one")
    p.add_argument("--gates", default="", help="feature gates, NAME=true,NAME=false")
    p.add_argument("--kubernetes-version", default=DEFAULT_VERSION, metavar="X.Y",
                   help=f"the Kubernetes version whose rules apply ({', '.join(SUPPORTED_VERSIONS)}; default {DEFAULT_VERSION})")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=run)


def load_last_pod(path: str) -> tuple[dict[str, Any], Any]:
    """The last Pod observation of ``path`` (through the hardened reader): ``(pod, observation)``.

    Raises `UsageError` for unusable input or when there is no Pod.
    """
    stats: dict = {}
    last = None
    try:
        for last in iter_observations(path, stats=stats):
            pass
    except InputError as e:
        raise UsageError(str(e)) from None
    except RecursionError:
        raise UsageError(f"{path}: an object is nested too deeply") from None
    if last is None:
        raise UsageError(str(nothing_to_check(stats, stats.get("name", path))))
    return last.pod, last


def run(args) -> int:
    try:
        return _run(args)
    except UsageError:
        raise
    except RecursionError:
        raise UsageError(f"{args.pod}: an object is nested too deeply") from None
    except Exception as e:  # noqa: BLE001 - the last line of defence: one line, never a traceback
        raise UsageError(f"internal error while reading {args.pod}: {type(e).__name__}: {e} "
                         "(a podmodel bug: please report it with the input)") from None


def _run(args) -> int:
    try:
        gates = parse_gates(args.gates) if args.gates else None
        version = getattr(args, "kubernetes_version", None)
        merged = {**gates_for_version(version), **(gates or {})}
    except (ValueError, TypeError) as e:
        raise UsageError(str(e)) from None
    pod, obs = load_last_pod(args.pod)
    try:
        checker = TraceChecker(gates, kubernetes_version=version)
        found = checker.feed_observation(Observation(0, pod, None, obs.location, obs.timestamp))
    except InputError as e:
        raise UsageError(str(e)) from None
    except RecursionError:
        raise UsageError(f"{args.pod}: an object is nested too deeply") from None
    invalid = [v for v in found if v.id == "invalid-object"]
    if invalid:
        v = invalid[0]
        if args.json:
            print(json.dumps({"format": "podmodel-phase", "version": 1, "ok": False, "invalid": v.to_dict(),
                              "mismatch": None}, indent=2))
        else:
            print(f"invalid-object: {v.message}")
            print(f"  field:    {v.field}\n  expected: {v.expected}\n  actual:   {v.actual}")
        return 1
    try:
        phases = {f"podIsTerminal={t},podHasInitialized={h}": expected_phase(pod, pod_is_terminal=t, pod_has_initialized=h,
                                                                              feature_gates=merged)
                  for t in (False, True) for h in (False, True)}
        inferred = expected_phase(pod, feature_gates=merged)
        conditions = expected_conditions(pod, phase=inferred, feature_gates=merged)
    except ManifestError as e:
        raise UsageError(f"{args.pod}: {e}") from None
    status = pod.get("status") if isinstance(pod.get("status"), dict) else {}
    shown = {c.get("type"): c.get("status") for c in status.get("conditions") or [] if isinstance(c, dict)}
    mismatch = [{"id": v.id, "field": v.field, "expected": v.expected, "observed": v.actual, "message": v.message}
                for v in found]
    out = {"format": "podmodel-phase", "version": 1, "ok": not mismatch, "observed_phase": status.get("phase"), "expected_phase": inferred,
           "phase_by_hidden_inputs": phases, "expected_conditions": conditions,
           "observed_conditions": {k: shown.get(k) for k in conditions}, "mismatch": mismatch or None}
    if args.json:
        print(json.dumps(out, indent=2))
        return 1 if mismatch else 0
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
    if mismatch:
        print("MISMATCH: the object shows what the kubelet could not report:")
        for m in mismatch:
            print(f"  {m['id']}: {m['message']}")
            print(f"    field {m['field']}: expected {m['expected']}, observed {m['observed']}")
        return 1
    print("OK: the object agrees with what the kubelet could report")
    return 0
