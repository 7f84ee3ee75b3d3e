"""Benchmark of the trace oracle: parsing alone, checking in one process, checking in N, in one run.

Generates (or reads) a large realistic trace -- many interleaved pods of a Deployment, a
Job and a crash-looping workload, each going through creation, binding, the kubelet's
first status, start, readiness changes, restarts, deletion and a DELETED event -- as
JSON Lines watch events and as ``kubectl get pods -w -o json`` output (pretty-printed
objects back to back).  For each input it times, in this order and in this process:

* ``parse``: the project's reader alone, every observation's Pod decoded into ``dict`` s (read,
  decode, classify; nothing checked): `podmodel.oracle.lines.read_observations` without a typed
  decoder -- the JSON Lines lane for a JSON Lines file, the general reader otherwise -- or
  `podmodel.oracle.formats.parse_only` in a tree without it.  (``check_trace`` reads the lane
  with its typed check and decodes a ``dict`` only where a rule needs one, so it never does all
  of this parse: ``check cost/parse`` compares it with what a caller of the reader pays for the
  Pods as ``dict`` s);
* ``check``: `podmodel.oracle.check_trace` in one process (parsing included);
* ``--jobs N``: ``check_trace(jobs=N)`` -- for JSON Lines each process reads only its byte
  ranges (`podmodel.oracle.parallel`: this process the first region, N-1 forked workers the
  others, then whichever ends first takes the end of a region another has not reached yet;
  "workers' CPU" lists this process's CPU first, "ranges checked per process" how many ranges
  each took); the verdict must equal the one-process verdict.

and prints megabytes per second of *CPU time* (``time.process_time``: what one core does,
whatever else runs on the machine) and of wall-clock time, the cost of checking on top of
parsing (``check cost/parse`` = (check CPU - parse CPU) / parse CPU: at most 1.0 means
"checking costs no more than parsing"), and the ``--jobs N`` speed-up: wall clock, and from
CPU time (one-process check CPU over the busiest worker's CPU plus the parent's unpickling and stitching),
which is what N free cores would give.

Usage::

    python benchmarks/oracle.py                       # 200,000 observations (685 MB of JSON Lines), both framings
    python benchmarks/oracle.py --observations 50000 --framings jsonl --jobs 2
    python benchmarks/oracle.py --input my-trace.jsonl
    python benchmarks/oracle.py --input trace.jsonl --tree /path/to/other/checkout   # "before", same script
    python benchmarks/oracle.py --input trace.jsonl --jobs 2 --sequential   # also each range alone

The generated trace is legal: the benchmark asserts the verdict, so a speed-up that
breaks a rule is noticed.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import resource
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path


def _tree() -> str:
    """The checkout to measure: ``--tree DIR`` if given (read before importing podmodel), else this one."""
    for i, arg in enumerate(sys.argv):
        if arg == "--tree" and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
        if arg.startswith("--tree="):
            return arg.split("=", 1)[1]
    return str(Path(__file__).resolve().parent.parent)


sys.path.insert(0, _tree())

from podmodel.oracle import check_trace  # noqa: E402
from podmodel.oracle.formats import parse_only  # noqa: E402

try:  # the reader check_trace uses (a tree measured with --tree may not have it)
    from podmodel.oracle.lines import read_observations  # noqa: E402
except ImportError:  # pragma: no cover - older trees
    read_observations = None


def _parse(path: str) -> int:
    if read_observations is None:
        return parse_only(path)
    return sum(1 for _ in read_observations(path))

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


def write_inputs(n: int, directory: Path, framings: list[str] | None = None) -> dict[str, Path]:
    framings = framings or ["jsonl", "kubectl"]
    paths = {}
    if "jsonl" in framings:
        paths["jsonl watch events"] = directory / "trace.jsonl"
    if "kubectl" in framings:
        paths["kubectl -w -o json"] = directory / "trace.json"
    jl = open(paths["jsonl watch events"], "w") if "jsonl" in framings else None  # noqa: SIM115
    kw = open(paths["kubectl -w -o json"], "w") if "kubectl" in framings else None  # noqa: SIM115
    try:
        for event, pod in generate(n):
            if jl is not None:
                jl.write(json.dumps({"type": event, "object": pod}, separators=(",", ":")) + "\n")
            if kw is not None and event != "DELETED":  # kubectl get -w does not print deletions as objects
                kw.write(json.dumps(pod, indent=4) + "\n")
    finally:
        for f in (jl, kw):
            if f is not None:
                f.close()
    return paths


def _timed(fn):
    t0, c0 = time.perf_counter(), time.process_time()
    value = fn()
    return value, time.perf_counter() - t0, time.process_time() - c0


def measure(path: Path, jobs: int, sequential: bool = False) -> dict:
    size = path.stat().st_size / 1e6
    n, t_parse, c_parse = _timed(lambda: _parse(str(path)))
    verdict, t_check, c_check = _timed(lambda: check_trace(str(path)))
    row = {"observations": n, "mb": size, "parse_cpu": size / c_parse, "parse_wall": size / t_parse,
           "check_cpu": size / c_check, "check_wall": size / t_check, "cost": (c_check - c_parse) / c_parse,
           "ok": verdict.ok, "violations": len(verdict.violations)}
    if jobs > 1:
        from podmodel.oracle import parallel

        timings: dict = {}
        children = resource.getrusage(resource.RUSAGE_CHILDREN)

        def run():
            try:
                return parallel.check_file_parallel(str(path), jobs=jobs, timings=timings)
            except TypeError:  # an older tree: no timings
                return check_trace(str(path), jobs=jobs)

        par, t_jobs, c_jobs = _timed(run)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        assert par == verdict if hasattr(parallel, "line_ranges") else par.ids() == verdict.ids()
        row["jobs_wall"] = size / t_jobs
        row["speedup_wall"] = t_check / t_jobs
        row["mode"] = timings.get("mode", "?")
        row["children_cpu"] = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
        if timings.get("workers_cpu"):
            # (unpickle_cpu: the other ranges' parts unpickled in this process before the stitch;
            # older trees unpickled them in the pool's thread, uncounted here)
            path_cpu = max(timings["workers_cpu"]) + timings["stitch_cpu"] + timings.get("unpickle_cpu", 0.0)
            row["speedup_cpu"] = c_check / path_cpu
            row["workers_cpu"] = timings["workers_cpu"]
            row["stitch_cpu"] = timings["stitch_cpu"]
            row["unpickle_cpu"] = timings.get("unpickle_cpu")
            row["stitch_memo_hits"] = timings.get("stitch_memo_hits")
            row["taken"] = timings.get("taken")  # ranges checked per process (older trees: one each)
            row["waited_wall"] = timings.get("waited_wall")  # (older trees: not measured)
            row["tail_wall"] = timings.get("tail_wall")
        if sequential and row.get("mode") == "ranges":
            # The same ranges, checked one after the other in this process: each range's CPU time
            # without the other worker running beside it (two workers on two busy hardware threads
            # slow each other down; process_time counts that too).
            alone = []
            share = getattr(parallel, "FIRST_SHARE", None)  # (older trees: equal ranges)
            ranges = parallel.line_ranges(str(path), jobs, share) if share else parallel.line_ranges(str(path), jobs)
            for start, end in ranges:
                c0 = time.process_time()
                parallel._check_range(str(path), start, end, None, None)
                alone.append(time.process_time() - c0)
            row["alone_cpu"] = alone
            row["speedup_alone"] = c_check / (max(alone) + row["stitch_cpu"] + (row.get("unpickle_cpu") or 0.0))
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--observations", type=int, default=200_000)
    ap.add_argument("--input", help="an existing trace to measure instead of generating one")
    ap.add_argument("--framings", default="jsonl,kubectl", help="generated inputs to measure: jsonl, kubectl or both")
    ap.add_argument("--jobs", type=int, default=2, help="also measure check_trace(jobs=N) (default 2; 1: not)")
    ap.add_argument("--keep", help="write the generated traces to this directory and keep them")
    ap.add_argument("--tree", help="measure the podmodel of this checkout instead (e.g. the commit before a change)")
    ap.add_argument("--sequential", action="store_true",
                    help="with --jobs N on JSON Lines: also check the N ranges one after the other in this process "
                         "(each range's CPU time without a concurrent worker)")
    args = ap.parse_args(argv)
    import podmodel

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"podmodel from {Path(podmodel.__file__).parent.parent}; {os.cpu_count()} CPUs, load average {load:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        if args.input:
            paths = {Path(args.input).name: Path(args.input)}
        else:
            directory = Path(args.keep or tmp)
            directory.mkdir(parents=True, exist_ok=True)
            t0 = time.perf_counter()
            paths = write_inputs(args.observations, directory, args.framings.split(","))
            print(f"generated {args.observations} observations in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        jobs = f"--jobs {args.jobs}"
        print(f"{'input':20} {'obs':>8} {'MB':>7} | {'parse MB/s':>10} {'check MB/s':>10} {'check cost':>10} |"
              f" {'parse MB/s':>10} {'check MB/s':>10}" + (f" {jobs + ' MB/s':>14} {'speed-up':>8} {'speed-up':>8}" if args.jobs > 1 else ""))
        print(f"{'':20} {'':8} {'':7} | {'CPU':>10} {'CPU':>10} {'/parse':>10} | {'wall':>10} {'wall':>10}"
              + (f" {'wall':>14} {'wall':>8} {'CPU':>8}" if args.jobs > 1 else ""))
        rows = []
        for label, path in paths.items():
            r = measure(path, args.jobs, args.sequential)
            rows.append((label, r))
            if not args.input:
                assert r["ok"], f"generated trace has {r['violations']} violations"
            line = (f"{label:20} {r['observations']:8} {r['mb']:7.1f} | {r['parse_cpu']:10.1f} {r['check_cpu']:10.1f}"
                    f" {r['cost']:9.2f}x | {r['parse_wall']:10.1f} {r['check_wall']:10.1f}")
            if args.jobs > 1:
                cpu = f"{r['speedup_cpu']:7.2f}x" if "speedup_cpu" in r else f"{'-':>8}"
                line += f" {r['jobs_wall']:14.1f} {r['speedup_wall']:7.2f}x {cpu}"
            print(line)
        for label, r in rows:
            if args.jobs > 1:
                detail = f"{label}: --jobs {args.jobs} ran in mode {r['mode']!r}"
                if "workers_cpu" in r:
                    unpickle = f", unpickling {r['unpickle_cpu']:.3f} s" if r.get("unpickle_cpu") is not None else ""
                    detail += (f"; workers' CPU {', '.join(f'{c:.2f}' for c in r['workers_cpu'])} s{unpickle},"
                               f" stitching {r['stitch_cpu']:.3f} s"
                               f" (one process: {r['mb'] / r['check_cpu']:.1f} s)")
                    if r.get("stitch_memo_hits") is not None:
                        detail += f"; heads stitched from the memo: {r['stitch_memo_hits']}"
                    if r.get("taken") is not None:
                        detail += f"; ranges checked per process: {', '.join(map(str, r['taken']))}"
                    if r.get("tail_wall") is not None:
                        detail += (f"; after this process's ranges: {r['tail_wall'] * 1e3:.0f} ms wall, of which"
                                   f" {r['waited_wall'] * 1e3:.0f} ms waiting for the workers' parts")
                if "alone_cpu" in r:
                    detail += (f"; the ranges one after the other: {', '.join(f'{c:.1f}' for c in r['alone_cpu'])} s,"
                               f" speed-up from CPU time {r['speedup_alone']:.2f}x")
                print(detail)
    if hasattr(os, "getloadavg"):  # (the machine's load while it ran: other jobs slow both processes of --jobs)
        print(f"load average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
