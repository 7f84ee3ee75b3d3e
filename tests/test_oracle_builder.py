"""A small builder of realistic Pod observations for the oracle tests (and its own checks).

`PodSim` holds one pod as the API server would store it and produces full Pod objects
(``apiVersion``/``kind``/``metadata``/``spec``/``status``) with advancing
``resourceVersion`` and timestamps, containerIDs, images, restart counts, lastState and
conditions.  Conditions follow the kubelet's rules in the simple cases the tests need
(``auto_conditions``); a test that wants something else sets them by hand.

Other oracle test modules import it: ``from test_oracle_builder import PodSim``.
"""

from __future__ import annotations

import copy
import itertools
from datetime import datetime, timedelta, timezone

_IDS = itertools.count(1)


def _ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class PodSim:
    """One pod; each mutator returns ``self``; `obs` returns a snapshot (deep copy)."""

    def __init__(self, name: str = "web", *, uid: str | None = None, namespace: str = "default",
                 containers=("app",), init=(), sidecars=(), ephemeral=(), restart_policy: str = "Always",
                 node: str | None = "node-1", image: str = "registry.example/app:1.0", owner: str | None = "ReplicaSet",
                 container_fields: dict | None = None, spec_extra: dict | None = None):
        self.t = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
        self.rv = 4000 + next(_IDS) * 100
        self.uid = uid or f"{name}-{next(_IDS):04d}-uid"
        self.order_init: list[tuple[str, bool]] = []  # (name, is_sidecar), spec order: sidecars first, then init
        for s in sidecars:
            self.order_init.append((s, True))
        for i in init:
            self.order_init.append((i, False))
        self.app_names = list(containers)
        self.ephemeral_names = list(ephemeral)
        extra = container_fields or {}
        meta = {"name": name, "namespace": namespace, "uid": self.uid, "resourceVersion": str(self.rv),
                "creationTimestamp": _ts(self.t), "labels": {"app": name.split("-")[0]}}
        if owner:
            meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": owner, "name": f"{name}-owner",
                                        "uid": f"owner-{name}", "controller": True}]
        spec = {
            "restartPolicy": restart_policy,
            "terminationGracePeriodSeconds": 30,
            "containers": [{"name": c, "image": image, "imagePullPolicy": "IfNotPresent", **extra.get(c, {})} for c in containers],
        }
        if self.order_init:
            spec["initContainers"] = [
                {"name": n, "image": "registry.example/init:1.0", **({"restartPolicy": "Always"} if sc else {}), **extra.get(n, {})}
                for n, sc in self.order_init]
        if ephemeral:
            spec["ephemeralContainers"] = [{"name": e, "image": "busybox:1.36", "targetContainerName": containers[0]} for e in ephemeral]
        if node:
            spec["nodeName"] = node
        spec.update(spec_extra or {})
        self.pod = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec,
                    "status": {"phase": "Pending", "qosClass": "BestEffort"}}
        self.statuses: dict[str, dict] = {}
        self.cond: dict[str, dict] = {}
        self.auto_conditions = True
        self.kubelet = False
        if node:
            self.condition("PodScheduled", "True")

    # -- time and identity -------------------------------------------------------
    def tick(self, seconds: int = 1) -> str:
        self.t += timedelta(seconds=seconds)
        return _ts(self.t)

    @property
    def spec(self) -> dict:
        return self.pod["spec"]

    @property
    def status(self) -> dict:
        return self.pod["status"]

    def kind(self, name: str) -> str:
        if name in self.app_names:
            return "app"
        if name in self.ephemeral_names:
            return "ephemeral"
        return "sidecar" if dict(self.order_init)[name] else "init"

    # -- pod-level mutators ----------------------------------------------------------
    def bind(self, node: str = "node-1") -> PodSim:
        self.spec["nodeName"] = node
        return self.condition("PodScheduled", "True")

    def phase(self, phase: str, reason: str | None = None, message: str | None = None) -> PodSim:
        self.status["phase"] = phase
        for k, v in (("reason", reason), ("message", message)):
            if v is None:
                self.status.pop(k, None)
            else:
                self.status[k] = v
        return self

    def condition(self, ctype: str, status: str, reason: str | None = None) -> PodSim:
        old = self.cond.get(ctype)
        c = {"type": ctype, "status": status, "lastProbeTime": None,
             "lastTransitionTime": old["lastTransitionTime"] if old and old["status"] == status else _ts(self.t)}
        if reason:
            c["reason"] = reason
        self.cond[ctype] = c
        return self

    def delete(self, grace: int = 30) -> PodSim:
        meta = self.pod["metadata"]
        meta["deletionTimestamp"] = _ts(self.t + timedelta(seconds=grace))
        meta["deletionGracePeriodSeconds"] = grace
        return self

    def start_kubelet(self) -> PodSim:
        """The kubelet's first status write: every container waiting, startTime, hostIP."""
        self.kubelet = True
        self.status.update({"hostIP": "10.0.0.7", "hostIPs": [{"ip": "10.0.0.7"}], "startTime": _ts(self.t)})
        default = "PodInitializing" if self.order_init else "ContainerCreating"
        for n, _ in self.order_init:
            self.waiting(n, "PodInitializing")
        for n in self.app_names:
            self.waiting(n, default)
        return self

    def up(self) -> PodSim:
        """The kubelet's first status, then every app container started: phase Running."""
        self.start_kubelet()
        for c in self.app_names:
            self.running(c)
        return self.phase("Running")

    # -- container mutators ------------------------------------------------------------
    def _status(self, name: str) -> dict:
        if name not in self.statuses:
            image = next((c["image"] for key in ("initContainers", "containers", "ephemeralContainers")
                          for c in self.spec.get(key, []) if c["name"] == name))
            self.statuses[name] = {"name": name, "image": image, "imageID": "", "ready": False, "restartCount": 0,
                                   "started": False, "state": {}, "lastState": {}}
        return self.statuses[name]

    def waiting(self, name: str, reason: str = "ContainerCreating") -> PodSim:
        s = self._status(name)
        if "terminated" in s["state"]:
            s["lastState"] = {"terminated": s["state"]["terminated"]}
        s["state"] = {"waiting": {"reason": reason}}
        s.update(ready=False, started=False)
        return self

    def running(self, name: str, *, ready: bool | None = None, started: bool = True, new_instance: bool | None = None) -> PodSim:
        """Start (or restart) a container.  A container that had run gets a new instance:
        restartCount + 1, the previous termination in lastState, a new containerID."""
        s = self._status(name)
        had_run = "containerID" in s
        if new_instance is None:
            new_instance = had_run and "running" not in s["state"]
        if new_instance and had_run:
            if "terminated" in s["state"]:
                s["lastState"] = {"terminated": s["state"]["terminated"]}
            s["restartCount"] += 1
        if new_instance or not had_run:
            s["containerID"] = f"containerd://{next(_IDS):012x}"
            s["imageID"] = s["image"].split(":")[0] + "@sha256:" + "ab" * 8
        s["state"] = {"running": {"startedAt": self.tick()}}
        s["started"] = started
        s["ready"] = (self.kind(name) != "init") if ready is None else ready
        return self

    def terminated(self, name: str, exit_code: int = 0, reason: str | None = None) -> PodSim:
        s = self._status(name)
        started = s["state"].get("running", {}).get("startedAt") or _ts(self.t)
        if "containerID" not in s:
            s["containerID"] = f"containerd://{next(_IDS):012x}"
        s["state"] = {"terminated": {"exitCode": exit_code, "reason": reason or ("Completed" if exit_code == 0 else "Error"),
                                     "startedAt": started, "finishedAt": self.tick(), "containerID": s["containerID"]}}
        s["started"] = False
        s["ready"] = self.kind(name) == "init" and exit_code == 0
        return self

    def crashloop(self, name: str) -> PodSim:
        """terminated -> waiting CrashLoopBackOff (the termination moves to lastState)."""
        s = self._status(name)
        s["lastState"] = {"terminated": s["state"]["terminated"]}
        s["state"] = {"waiting": {"reason": "CrashLoopBackOff",
                                  "message": f"back-off 10s restarting failed container={name} pod={self.pod['metadata']['name']}"}}
        s.update(ready=False, started=False)
        return self

    def image(self, name: str, image: str) -> PodSim:
        """Change the spec image (a pod update)."""
        for key in ("initContainers", "containers"):
            for c in self.spec.get(key, []):
                if c["name"] == name:
                    c["image"] = image
        return self

    def status_image(self, name: str, image: str) -> PodSim:
        self._status(name)["image"] = image
        return self

    def edit(self, fn) -> PodSim:
        """Arbitrary change to the stored object."""
        fn(self.pod)
        return self

    # -- conditions the kubelet would compute (simple cases) ---------------------------
    def _auto(self) -> None:
        st = self.statuses
        app = [st.get(n) for n in self.app_names]
        inits = [(n, sc, st.get(n)) for n, sc in self.order_init]

        def done(s):
            return s is not None and s["state"].get("terminated", {}).get("exitCode") == 0

        app_ran = any(s and ("running" in s["state"] or "terminated" in s["state"]) for s in app)
        initialized = app_ran or all((s and s.get("started")) if sc else done(s) for _, sc, s in inits)
        terminal = self.status["phase"] in ("Succeeded", "Failed")
        readies = [s for s in app if s] + [s for _, sc, s in inits if sc and s]
        all_ready = len(readies) == len(self.app_names) + sum(1 for _, sc in self.order_init if sc) and all(s["ready"] for s in readies)
        why = "PodCompleted" if self.status["phase"] == "Succeeded" else "PodFailed"
        self.condition("Initialized", "True" if initialized else "False",
                       None if initialized else "ContainersNotInitialized")
        ready = all_ready and not terminal
        for ctype in ("ContainersReady", "Ready"):
            self.condition(ctype, "True" if ready else "False", None if ready else (why if terminal else "ContainersNotReady"))
        self.condition("PodReadyToStartContainers", "True")

    # -- output --------------------------------------------------------------------
    def obs(self, event: str | None = None) -> dict:
        """The Pod as a watcher sees it now (a deep copy), or a watch event when ``event`` is given."""
        self.rv += 1
        self.pod["metadata"]["resourceVersion"] = str(self.rv)
        if self.kubelet and self.auto_conditions:
            self._auto()
        status = self.pod["status"]
        order = ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled", "DisruptionTarget"]
        conds = [self.cond[k] for k in order if k in self.cond] + [v for k, v in self.cond.items() if k not in order]
        if conds:
            status["conditions"] = conds
        for key, names in (("initContainerStatuses", [n for n, _ in self.order_init]),
                           ("containerStatuses", self.app_names), ("ephemeralContainerStatuses", self.ephemeral_names)):
            lst = [self.statuses[n] for n in names if n in self.statuses]
            if lst:
                status[key] = lst
        if self.kubelet and self.status["phase"] == "Running":
            status.setdefault("podIP", "10.244.1.9")
        pod = copy.deepcopy(self.pod)
        self.tick()
        return {"type": event, "object": pod} if event else pod


def deployment_pod_lifecycle(name: str = "web", **kw) -> list[dict]:
    """created -> bound -> kubelet reports -> Running and Ready (the kspan shape)."""
    p = PodSim(name, node=None, **kw)
    out = [p.obs()]
    out.append(p.bind().obs())
    out.append(p.start_kubelet().obs())
    for c in p.app_names:
        p.running(c)
    out.append(p.phase("Running").obs())
    return out


# -- the builder's own checks -----------------------------------------------------------
def test_builder_produces_full_pod_objects():
    trace = deployment_pod_lifecycle()
    assert [o["status"]["phase"] for o in trace] == ["Pending", "Pending", "Pending", "Running"]
    rvs = [int(o["metadata"]["resourceVersion"]) for o in trace]
    assert rvs == sorted(rvs) and len(set(rvs)) == 4
    last = trace[-1]
    assert last["apiVersion"] == "v1" and last["kind"] == "Pod"
    cs = last["status"]["containerStatuses"][0]
    assert cs["containerID"].startswith("containerd://") and "startedAt" in cs["state"]["running"]
    assert {c["type"]: c["status"] for c in last["status"]["conditions"]}["Ready"] == "True"


def test_builder_restart_moves_termination_to_last_state():
    p = PodSim(restart_policy="Always").start_kubelet().running("app").phase("Running")
    first_id = p.obs()["status"]["containerStatuses"][0]["containerID"]
    p.terminated("app", 1).crashloop("app")
    mid = p.obs()["status"]["containerStatuses"][0]
    assert mid["state"]["waiting"]["reason"] == "CrashLoopBackOff" and mid["lastState"]["terminated"]["exitCode"] == 1
    after = p.running("app").obs()["status"]["containerStatuses"][0]
    assert after["restartCount"] == 1 and after["containerID"] != first_id
