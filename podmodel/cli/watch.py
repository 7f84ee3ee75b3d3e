"""``podmodel watch`` (also ``podmodel check-trace --watch``): check a live cluster's Pods.

Lists and watches Pods with the official Kubernetes client (kubeconfig, or the pod's
service account with ``--in-cluster``) and checks every update as it arrives: a violation
is printed the moment the update that shows it arrives, a pod's verdict when the pod is
deleted, the summary when the watch ends (``--duration``, ``--max-events``, or Ctrl-C).
After ``410 Gone`` it lists again and goes on (`podmodel.oracle.live`).

``--json`` prints JSON Lines, one object per line, each with ``"format": "podmodel-watch"``
and ``"version": 1``; ``"event"`` says which: ``observation`` (every update: index, watch
type, pod, resourceVersion, phase and the violations it shows), ``pod`` (a pod ended: its
verdict), ``relist`` (events were lost and the pods were listed again), ``summary`` (last).
``--record FILE`` saves every watch event received as JSON Lines, a file ``podmodel
check-trace`` reads.

Exit codes: 0 nothing illegal seen, 1 violations, 2 unusable input (no kubeconfig, API
error).  Needs the ``watch`` extra: ``pip install 'podmodel[watch]'``.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import yaml

from podmodel.cli import UsageError

FORMAT = {"format": "podmodel-watch", "version": 1}


def add_arguments(p, *, standalone: bool) -> None:
    """The watch options (``podmodel watch`` and ``check-trace --watch``)."""
    p.add_argument("-n", "--namespace", metavar="NS", help="watch this namespace (default: the kubeconfig context's, "
                                                            "else 'default')")
    p.add_argument("-A", "--all-namespaces", action="store_true", help="watch every namespace")
    p.add_argument("-l", "--selector", metavar="SELECTOR", help="label selector, e.g. app=web")
    p.add_argument("--kubeconfig", metavar="FILE", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    p.add_argument("--context", metavar="NAME", help="kubeconfig context")
    p.add_argument("--in-cluster", action="store_true", help="use the pod's service account (running in a cluster)")
    p.add_argument("--record", metavar="FILE", help="save every watch event received, as JSON Lines")
    p.add_argument("--duration", type=float, metavar="SECONDS", help="stop after this long (default: until Ctrl-C)")
    p.add_argument("--max-events", type=int, metavar="N", help="stop after N pod updates")
    p.add_argument("--request-timeout", type=int, default=60, metavar="SECONDS",
                   help="lifetime of one watch request before the next resumes it (default 60)")
    if standalone:
        p.add_argument("--json", action="store_true", help="JSON Lines output (docs/json.md)")
        p.add_argument("--gates", default="", metavar="NAME=true,...", help="feature gates overriding Kubernetes 1.35's")
        p.add_argument("-q", "--quiet", action="store_true", help="print only violations and the summary")


def add_parser(sub) -> None:
    p = sub.add_parser("watch", help="check a live cluster's Pods as they change (Kubernetes client)",
                       description=__doc__.split("\n\n")[1].replace("\n", " "))
    add_arguments(p, standalone=True)
    p.set_defaults(run=run)


def _namespace(args, api_client) -> str | None:
    if args.all_namespaces:
        return None
    if args.namespace:
        return args.namespace
    if args.in_cluster:
        try:
            with open("/var/run/secrets/kubernetes.io/serviceaccount/namespace", encoding="utf-8") as f:
                return f.read().strip() or "default"
        except OSError:
            return "default"
    from kubernetes import config

    try:
        _, current = config.list_kube_config_contexts(config_file=args.kubeconfig)
        return (current or {}).get("context", {}).get("namespace") or "default"
    except Exception:  # noqa: BLE001 - no namespace in the context: the default
        return "default"


def _client(args):
    from kubernetes.config.config_exception import ConfigException

    from podmodel.oracle.live import load_client

    try:
        return load_client(kubeconfig=args.kubeconfig, context=args.context, in_cluster=args.in_cluster)
    except ConfigException as e:
        raise UsageError(f"no usable Kubernetes configuration: {e}") from None
    except OSError as e:
        raise UsageError(f"cannot read the kubeconfig: {e.strerror or e}") from None
    except (yaml.YAMLError, ValueError, TypeError, KeyError, AttributeError) as e:
        raise UsageError(f"unusable kubeconfig: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}") from None


def run(args) -> int:
    from podmodel.model.gates import parse_gates
    from podmodel.oracle.checker import TraceChecker
    from podmodel.oracle.live import PodWatcher
    from podmodel.oracle.report import render_pod, render_summary

    if args.max_events is not None and args.max_events < 1:
        raise UsageError("--max-events must be a positive integer")
    if args.duration is not None and args.duration <= 0:
        raise UsageError("--duration must be positive")
    if args.all_namespaces and args.namespace:
        raise UsageError("--namespace and --all-namespaces exclude each other")
    try:
        gates = parse_gates(args.gates) if args.gates else None
    except (ValueError, TypeError) as e:
        raise UsageError(f"--gates: {e}") from None
    try:
        record = open(args.record, "w", encoding="utf-8") if args.record else None  # noqa: SIM115
    except OSError as e:
        raise UsageError(f"--record {args.record}: {e.strerror or e}") from None
    quiet = getattr(args, "quiet", False)

    def emit(doc: dict[str, Any]) -> None:
        print(json.dumps({**FORMAT, **doc}), flush=True)

    def on_pod(result) -> None:
        if args.json:
            emit({"event": "pod", "namespace": result.namespace, "name": result.name, "uid": result.uid,
                  "ok": not result.violations, "observations": result.observations})
        elif result.violations or not quiet:
            print(render_pod(result), flush=True)

    api_client = _client(args)
    watcher = PodWatcher(api_client, namespace=_namespace(args, api_client), label_selector=args.selector,
                         all_namespaces=args.all_namespaces, timeout_seconds=args.request_timeout)
    checker = TraceChecker(gates, on_pod=on_pod)
    start, seen, relists = time.monotonic(), 0, 0
    try:
        for event in watcher.events():
            if record is not None:
                record.write(json.dumps(event) + "\n")
                record.flush()
            if watcher.relists != relists:
                relists = watcher.relists
                if args.json:
                    emit({"event": "relist", "relists": relists})
                else:
                    print(f"events were lost (410 Gone): listed the pods again ({relists})", file=sys.stderr, flush=True)
            index = checker.observations
            violations = checker.feed(event)
            seen += 1
            pod = event["object"]
            meta = pod.get("metadata") or {}
            if args.json:
                emit({"event": "observation", "index": index, "type": event["type"], "namespace": meta.get("namespace"),
                      "name": meta.get("name"), "uid": meta.get("uid"), "resourceVersion": meta.get("resourceVersion"),
                      "phase": (pod.get("status") or {}).get("phase"), "violations": [v.to_dict() for v in violations]})
            else:
                for v in violations:
                    print(f"VIOLATION {v}", flush=True)
            if args.max_events is not None and seen >= args.max_events:
                break
            if args.duration is not None and time.monotonic() - start >= args.duration:
                break
    except KeyboardInterrupt:
        pass
    except Exception as e:  # noqa: BLE001 - API errors: one line, exit 2
        from kubernetes.client.exceptions import ApiException

        if isinstance(e, ApiException):
            raise UsageError(f"the API server answered {e.status} {e.reason}") from None
        if type(e).__module__.startswith(("urllib3", "kubernetes")):
            raise UsageError(f"cannot reach the API server: {e}") from None
        raise
    finally:
        watcher.stop()
        if record is not None:
            record.close()
    verdict = checker.finish()
    if args.json:
        emit({"event": "summary", "ok": verdict.ok, "observations": checker.observations, "pods": checker.pods_seen,
              "violations": len(verdict.violations), "relists": watcher.relists})
    else:
        print(render_summary(verdict, checker.pods_seen, checker.bad_pods))
    return 0 if verdict.ok else 1
