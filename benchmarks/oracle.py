"""Benchmark of the trace oracle: parsing alone vs parsing and checking, in the same run.

Generates (or reads) a large realistic trace -- many interleaved pods of a Deployment, a
Job and a crash-looping workload, each going through creation, binding, the kubelet's
first status, start, readiness changes, restarts, deletion and a DELETED event -- as
JSON Lines watch events and as ``kubectl get pods -w -o json`` output (pretty-printed
objects back to back).  For each input it times `podmodel.oracle.formats.parse_only`
and `podmodel.oracle.check_trace` and prints observations per second and the ratio.

Usage::

    python benchmarks/oracle.py                       # 200,000 observations, both framings
    python benchmarks/oracle.py --observations 50000 --jobs 2
    python benchmarks/oracle.py --input my-trace.jsonl

The generated trace is legal: the benchmark asserts the verdict, so a speed-up that
breaks a rule is noticed.  The last two columns are megabytes per second of *CPU time* of
this process (``time.process_time``): on a machine shared with other work they say what one
core does, where the wall-clock columns say what the machine did.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from podmodel.oracle import check_trace  # noqa: E402
from podmodel.oracle.formats import parse_only  # noqa: E402

T0 = datetime(2024, 5, 1, tzinfo=timezone.utc)


def _ts(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _pod(i: int, kind: str, t: float) -> dict:
    """A realistic Pod object right after creation (about 2.5 kB as JSON)."""
    name = {"deploy": f"web-7f9c6d8b5-{i:05x}", "job": f"nightly-{i:05x}", "crash": f"flaky-5c8d9-{i:05x}"}[kind]
    policy = {"deploy": "Always", "job": "Never", "crash": "Always"}[kind]
    init = [{"name": "migrate", "image": "registry.example/migrate:3.2", "command": ["/bin/migrate", "--wait"],
             "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}}}] if kind == "deploy" else []
    spec = {
        "restartPolicy": policy, "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
        "serviceAccountName": "default", "schedulerName": "default-scheduler", "priority": 0,
        "securityContext": {}, "enableServiceLinks": True, "preemptionPolicy": "PreemptLowerPriority",
        "containers": [{
            "name": "app", "image": "registry.example/app:1.4.2", "imagePullPolicy": "IfNotPresent",
            "ports": [{"containerPort": 8080, "protocol": "TCP"}],
            "env": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}}],
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
            "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"}, "periodSeconds": 5,
                               "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3},
            "volumeMounts": [{"name": "kube-api-access", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": True}],
            "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
        }],
        "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}],
        "volumes": [{"name": "kube-api-access", "projected": {"defaultMode": 420, "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}}]}}],
    }
    if init:
        spec["initContainers"] = init
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": name, "generateName": name[:-5], "namespace": "bench", "uid": f"{i:08x}-aaaa-4bbb-8ccc-{i:012x}",
            "resourceVersion": "1", "creationTimestamp": _ts(t),
            "labels": {"app": kind, "pod-template-hash": "7f9c6d8b5"},
            "ownerReferences": [{"apiVersion": "apps/v1" if kind != "job" else "batch/v1",
                                 "kind": "ReplicaSet" if kind != "job" else "Job", "name": name[:-6],
                                 "uid": f"owner-{kind}", "controller": True, "blockOwnerDeletion": True}],
        },
        "spec": spec,
        "status": {"phase": "Pending", "qosClass": "Burstable"},
    }


def _cond(pod: dict, ctype: str, status: str, t: float, reason: str | None = None) -> None:
    conds = pod["status"].setdefault("conditions", [])
    for c in conds:
        if c["type"] == ctype:
            if c["status"] != status:
                c["lastTransitionTime"] = _ts(t)
            c["status"] = status
            if reason:
                c["reason"] = reason
            else:
                c.pop("reason", None)
            return
    c = {"type": ctype, "status": status, "lastProbeTime": None, "lastTransitionTime": _ts(t)}
    if reason:
        c["reason"] = reason
    conds.append(c)


def _cs(name: str, image: str, state: dict, *, ready: bool, started: bool, restarts: int = 0, cid: str = "", last: dict | None = None) -> dict:
    s = {"name": name, "image": image, "imageID": image.split(":")[0] + "@sha256:" + "5e" * 32, "ready": ready,
         "restartCount": restarts, "started": started, "state": state, "lastState": last or {}}
    if cid:
        s["containerID"] = cid
    return s


def lifecycle(i: int, rng: random.Random, t: float):
    """Yield ``(time, event, pod)`` for one pod's life (each pod a deep copy)."""
    kind = rng.choices(["deploy", "job", "crash"], [6, 3, 1])[0]
    pod = _pod(i, kind, t)
    rv = [i * 1000]

    def out(event="MODIFIED"):
        nonlocal t
        rv[0] += 1
        pod["metadata"]["resourceVersion"] = str(rv[0])
        t += rng.uniform(0.2, 5)
        return t, event, copy.deepcopy(pod)

    yield out("ADDED")
    pod["spec"]["nodeName"] = f"node-{i % 50}"
    _cond(pod, "PodScheduled", "True", t)
    yield out()
    st = pod["status"]
    st.update(hostIP="10.0.0.7", hostIPs=[{"ip": "10.0.0.7"}], startTime=_ts(t))
    has_init = "initContainers" in pod["spec"]
    img = "registry.example/app:1.4.2"
    _cond(pod, "PodReadyToStartContainers", "True", t)
    _cond(pod, "Initialized", "False" if has_init else "True", t, "ContainersNotInitialized" if has_init else None)
    _cond(pod, "Ready", "False", t, "ContainersNotReady")
    _cond(pod, "ContainersReady", "False", t, "ContainersNotReady")
    st["containerStatuses"] = [_cs("app", img, {"waiting": {"reason": "PodInitializing" if has_init else "ContainerCreating"}}, ready=False, started=False)]
    if has_init:
        st["initContainerStatuses"] = [_cs("migrate", "registry.example/migrate:3.2", {"waiting": {"reason": "PodInitializing"}}, ready=False, started=False)]
    yield out()
    if has_init:
        st["initContainerStatuses"][0] = _cs("migrate", "registry.example/migrate:3.2",
                                             {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": _ts(t), "finishedAt": _ts(t + 1),
                                                             "containerID": f"containerd://i{i:016x}"}},
                                             ready=True, started=False, cid=f"containerd://i{i:016x}")
        _cond(pod, "Initialized", "True", t)
        st["containerStatuses"][0]["state"] = {"waiting": {"reason": "ContainerCreating"}}
        yield out()
    cid = f"containerd://{i:016x}0"
    st["phase"] = "Running"
    st["podIP"], st["podIPs"] = "10.244.3.4", [{"ip": "10.244.3.4"}]
    st["containerStatuses"][0] = _cs("app", img, {"running": {"startedAt": _ts(t)}}, ready=False, started=True, cid=cid)
    yield out()
    restarts = 0
    if kind == "job":
        code = 0
        st["containerStatuses"][0] = _cs("app", img, {"terminated": {"exitCode": code, "reason": "Completed", "startedAt": _ts(t - 3), "finishedAt": _ts(t), "containerID": cid}},
                                         ready=False, started=False, cid=cid)
        _cond(pod, "Ready", "False", t, "PodCompleted")
        _cond(pod, "ContainersReady", "False", t, "PodCompleted")
        st["phase"] = "Succeeded"
        yield out()
    else:
        for flap in range(rng.randint(1, 4)):
            st["containerStatuses"][0]["ready"] = True
            _cond(pod, "Ready", "True", t)
            _cond(pod, "ContainersReady", "True", t)
            yield out()
            if kind == "crash" or flap % 2:
                last = {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": _ts(t - 9), "finishedAt": _ts(t), "containerID": cid}}
                st["containerStatuses"][0] = _cs("app", img, {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 10s restarting failed container"}},
                                                 ready=False, started=False, restarts=restarts, cid=cid, last=last)
                _cond(pod, "Ready", "False", t, "ContainersNotReady")
                _cond(pod, "ContainersReady", "False", t, "ContainersNotReady")
                yield out()
                restarts += 1
                cid = f"containerd://{i:016x}{restarts}"
                st["containerStatuses"][0] = _cs("app", img, {"running": {"startedAt": _ts(t)}}, ready=False, started=True,
                                                 restarts=restarts, cid=cid, last=last)
                yield out()
            else:
                st["containerStatuses"][0]["ready"] = False
                _cond(pod, "Ready", "False", t, "ContainersNotReady")
                _cond(pod, "ContainersReady", "False", t, "ContainersNotReady")
                yield out()
        pod["metadata"]["deletionTimestamp"] = _ts(t + 30)
        pod["metadata"]["deletionGracePeriodSeconds"] = 30
        yield out()
        st["containerStatuses"][0] = _cs("app", img, {"terminated": {"exitCode": 143, "reason": "Error", "startedAt": _ts(t - 20), "finishedAt": _ts(t), "containerID": cid}},
                                         ready=False, started=False, restarts=restarts, cid=cid,
                                         last=st["containerStatuses"][0].get("lastState"))
        st["phase"] = "Failed"
        _cond(pod, "Ready", "False", t, "PodFailed")
        _cond(pod, "ContainersReady", "False", t, "PodFailed")
        yield out()
        pod["metadata"]["deletionTimestamp"] = _ts(t)
        pod["metadata"]["deletionGracePeriodSeconds"] = 0
        yield out()
    yield out("DELETED")


def generate(n: int, *, live: int = 400, seed: int = 7):
    """Yield ``(event, pod)``: ``n`` observations of interleaved pods (about ``live`` at a time)."""
    rng = random.Random(seed)
    heap: list = []
    import heapq

    next_pod = 0
    produced = 0
    clock = 0.0
    while produced < n:
        while len(heap) < live:
            gen = lifecycle(next_pod, rng, clock)
            first = next(gen)
            heapq.heappush(heap, (first[0], next_pod, first, gen))
            next_pod += 1
        when, pid, item, gen = heapq.heappop(heap)
        clock = when
        yield item[1], item[2]
        produced += 1
        nxt = next(gen, None)
        if nxt is not None:
            heapq.heappush(heap, (nxt[0], pid, nxt, gen))


def write_inputs(n: int, directory: Path) -> dict[str, Path]:
    paths = {"jsonl watch events": directory / "trace.jsonl", "kubectl -w -o json": directory / "trace.json"}
    with open(paths["jsonl watch events"], "w") as jl, open(paths["kubectl -w -o json"], "w") as kw:
        for event, pod in generate(n):
            jl.write(json.dumps({"type": event, "object": pod}, separators=(",", ":")) + "\n")
            if event != "DELETED":  # kubectl get -w does not print deletions as objects
                kw.write(json.dumps(pod, indent=4) + "\n")
    return paths


def measure(path: Path, jobs: int) -> dict:
    t0, c0 = time.perf_counter(), time.process_time()
    n = parse_only(str(path))
    t_parse, c_parse = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    verdict = check_trace(str(path))
    t_check, c_check = time.perf_counter() - t0, time.process_time() - c0
    size = path.stat().st_size
    row = {"observations": n, "bytes": size, "parse_s": t_parse, "check_s": t_check,
           "parse_cpu_mbs": size / 1e6 / c_parse, "check_cpu_mbs": size / 1e6 / c_check,
           "parse_rate": n / t_parse, "check_rate": n / t_check, "ratio": t_check / t_parse, "ok": verdict.ok,
           "violations": len(verdict.violations)}
    if jobs > 1:
        t0 = time.perf_counter()
        par = check_trace(str(path), jobs=jobs)
        row["jobs_s"] = time.perf_counter() - t0
        row["jobs_rate"] = n / row["jobs_s"]
        assert par.ids() == verdict.ids()
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--observations", type=int, default=200_000)
    ap.add_argument("--input", help="an existing trace to measure instead of generating one")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="also measure check_trace(jobs=N) (default: CPUs)")
    ap.add_argument("--keep", help="write the generated traces to this directory and keep them")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        if args.input:
            paths = {Path(args.input).name: Path(args.input)}
        else:
            directory = Path(args.keep or tmp)
            directory.mkdir(parents=True, exist_ok=True)
            t0 = time.perf_counter()
            paths = write_inputs(args.observations, directory)
            print(f"generated {args.observations} observations in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        print(f"{'input':22} {'obs':>8} {'MB':>7} {'parse obs/s':>12} {'check obs/s':>12} {'check/parse':>12}"
              + (f" {'--jobs ' + str(args.jobs) + ' obs/s':>16}" if args.jobs > 1 else "")
              + f" {'parse MB/s cpu':>15} {'check MB/s cpu':>15}")
        for label, path in paths.items():
            r = measure(path, args.jobs)
            if not args.input:
                assert r["ok"], f"generated trace has {r['violations']} violations"
            print(f"{label:22} {r['observations']:8} {r['bytes'] / 1e6:7.1f} {r['parse_rate']:12,.0f} {r['check_rate']:12,.0f}"
                  f" {r['ratio']:11.2f}x" + (f" {r['jobs_rate']:16,.0f}" if args.jobs > 1 else "")
                  + f" {r['parse_cpu_mbs']:15.1f} {r['check_cpu_mbs']:15.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
