"""Rules on a step: two consecutive observations of one pod (same uid).

Observations are snapshots: any number of unobserved steps may lie between them, so
each rule asks whether *some* sequence of legal steps leads from the first to the
second.  For a container's own steps that question is answered by one search,
`podmodel.oracle.hidden` (a breadth-first search over the model's container machine
declaration; `ContainerPaths` couples the containers through sandbox recreation); the
regression and crash-loop checks below only word its verdicts (and stand in when the
configuration is unknown).  Restart decisions are the kubelet's own
(`podmodel.model.kubelet.kubelet_restarts`); the OLD observation's configuration
decides, as in ``ValidateContainerStateTransition``.

Decisions on points the shared documents leave open (also in ``docs/oracle.md``):

* **A restart** of a container is a new instance: restartCount up, a different
  containerID, or terminated -> running.  Each restart follows an exit, and the kubelet
  must restart after that exit code (``kubelet_restarts``: container rules and policy with
  ``ContainerRestartRules``, the pod policy without; sidecars always).  Exempt: every
  container when ``RestartAllContainersOnContainerExits`` is on and a container has a
  ``RestartAllContainers`` rule (``checkContainerStateTransition`` rule 2); a container
  whose image changed between the observations (spec or status image, §10.7); ephemeral
  containers never restart.
* **The kubelet's synthesised terminations** are not restarts: a running container that
  vanished from the runtime is reported with exit 137 ``ContainerStatusUnknown`` and
  restartCount + 1 while it does not run (``convertToAPIContainerStatuses``, §3.2), also
  under ``Never`` (the search's ``vanished`` step).
* **A completed regular init container re-run** is legal only after sandbox
  recreation (§10.6), which the kubelet does only when the pod's restartPolicy is not
  Never (``computePodActions``), and which restarts every container: legal when every
  container of the pod admits a path through a recreation.
* **restartPolicy Never is "at least once"** in real clusters (k8s-invariants.md C7: a
  kubelet crash can create a second container).  The oracle flags the new containerID all
  the same: it is a violation of the policy, known to happen after kubelet crashes.
* **Termination record cleared**: a last termination (``lastState.terminated``) that
  disappears, or a terminated container that leaves ``terminated`` without keeping it in
  ``lastState``.  A kubelet reports this too when container garbage collection removed
  the dead instance (disk pressure); the oracle flags it.
* **deletionTimestamp** may move only with a shorter grace period (§10.3); its direction is
  not checked (newer API servers move a past timestamp to "now", PR #122646).
* Restarts after ``deletionTimestamp`` are not flagged: the kubelet learns of the
  deletion through its watch, and a sync already under way may still start a container.
"""

from __future__ import annotations

import dataclasses

from podmodel.model import kubelet
from podmodel.model.config import ContainerSpec, PodConfig
from podmodel.oracle import hidden
from podmodel.oracle.observation import ContainerSnap, Snapshot
from podmodel.oracle.rules import check_init_order, status_field, violation
from podmodel.oracle.verdict import Violation


TERMINAL = kubelet.TERMINAL_PHASES
NO_PATH = "no sequence of hidden updates connects these observations"

_SRC_C1 = ("k8s-invariants.md C1, C1b, C3; status_manager.go checkContainerStateTransition; "
           "validation.go ValidateContainerStateTransition; pkg/api/v1/pod/util.go ContainerShouldRestart")
_SRC_INIT_RERUN = ("k8s-semantics.md §7.1 (a completed init container is never re-run unless the sandbox is recreated); "
                   "kuberuntime computeInitContainerActions, computePodActions; validation.go ValidateInitContainerStateTransition")
_SRC_EPHEMERAL = "k8s-invariants.md C1, §10.8; validation.go ValidatePodStatusUpdate (ephemeral containers checked as restartPolicy Never)"
_SRC_REGRESSED_RUNNING = "k8s-semantics.md §3.2; kubelet_pods.go convertToAPIContainerStatuses (a vanished running container gets lastState 137 ContainerStatusUnknown)"
_SRC_REGRESSED_CLEARED = "k8s-invariants.md C3; test/e2e/node/pods.go podStartVerifier ('had termination cleared'); kubelet_pods.go convertToAPIContainerStatuses"
_SRC_DELETION = "k8s-invariants.md D2, §10.3; validation.go ValidateObjectMetaUpdate; apiserver rest.BeforeDelete"
_SRC_SEARCH = "podmodel.oracle.hidden (search over podmodel.model.machines.CONTAINER); " + _SRC_C1
_SRC_RECREATION = ("kuberuntime computePodActions (a new sandbox restarts every container); k8s-semantics.md §10.6; "
                   "podmodel.model.machines SANDBOX.recreate")


def _spec(cfg: PodConfig | None, name: str) -> ContainerSpec | None:
    if cfg is None:
        return None
    try:
        return cfg.container(name)
    except KeyError:
        return None


def all_containers_could_restart(cfg: PodConfig) -> bool:
    """``podutil.AllContainersCouldRestart``: the KEP-5532 gate is on and a container has a
    ``RestartAllContainers`` rule (then the status manager allows every transition)."""
    if not cfg.gates.get("RestartAllContainersOnContainerExits"):
        return False
    return any(r.action == "RestartAllContainers" for c in cfg.all_containers for r in c.restart_rules)


def _new_instance(old: ContainerSnap, new: ContainerSnap) -> bool:
    if old.restart_count is not None and new.restart_count is not None and new.restart_count > old.restart_count:
        return True
    return bool(old.container_id and new.container_id and old.container_id != new.container_id)


def _last_termination(c: ContainerSnap) -> dict | None:
    raw = c.raw
    if type(raw) is not dict:
        return None
    last = raw.get("lastState")
    term = last.get("terminated") if type(last) is dict else None
    return term if type(term) is dict else None


def _image_changed(old: ContainerSnap, new: ContainerSnap) -> bool:
    if old.spec_image and new.spec_image and old.spec_image != new.spec_image:
        return True
    return bool(old.image and new.image and old.image != new.image)


def check_ephemeral(new_snap: Snapshot, old: ContainerSnap, new: ContainerSnap) -> Violation | None:
    """``restart-forbidden`` for an ephemeral container: it never restarts (k8s-invariants.md
    C1, §10.8; ``ValidatePodStatusUpdate`` checks ephemeral containers as restartPolicy Never)."""
    if _image_changed(old, new):
        return None
    if (old.state == "terminated" and new.state != "terminated") or _new_instance(old, new):
        return violation(new_snap, "restart-forbidden", status_field(new, "state"), old.describe(), new.describe(),
                         f"ephemeral container {old.name} restarted ({old.describe()} -> {new.describe()}, "
                         f"restartCount {old.restart_count} -> {new.restart_count})", container=old.name, source=_SRC_EPHEMERAL)
    return None


def _never_ran(c: ContainerSnap) -> bool:
    return c.state == "waiting" and not c.status.has_last_termination and not c.restart_count and not c.container_id


_PRE_START = frozenset({"ContainerCreating", "PodInitializing", "ErrImagePull", "ImagePullBackOff",
                        "CreateContainerConfigError", None})


def _one_step(o: ContainerSnap | None, n: ContainerSnap) -> bool:
    """The usual change between two observations, decided without the search: the same
    instance (restartCount, containerID and ``lastState`` unchanged) started, changed probe
    results, or exited, or a container that never ran changed its waiting reason -- paths
    of the container machine that no restart rule guards (start, start_and_exit,
    auto_started, readiness, exit, waiting_retry).  Anything else goes to the search."""
    sn = n.status
    if o is None:  # no status before: the first one, waiting, never ran
        return sn.state == "waiting" and sn.reason in _PRE_START and sn.last_exit_code is None and not n.restart_count
    so = o.status
    if o.restart_count != n.restart_count or (o.container_id and n.container_id and o.container_id != n.container_id):
        return False
    ro, rn = o.raw, n.raw
    if type(ro) is not dict or type(rn) is not dict or ro.get("lastState") != rn.get("lastState"):
        return False
    fresh = so.state == "waiting" and so.reason in _PRE_START and so.last_exit_code is None  # never ran
    if sn.state == "running":
        return so.state == "running" or fresh
    if sn.state == "terminated":
        if so.state == "running":
            return sn.last_exit_code is None or _last_termination(n) != rn.get("state", {}).get("terminated")
        return fresh or (so.state == "terminated" and ro.get("state") == rn.get("state"))
    return sn.state == "waiting" and fresh and sn.reason in _PRE_START


class ContainerPaths:
    """The coalescing search for every container of one pod between two observations.

    Each container's question goes to `podmodel.oracle.hidden.search` (the model's
    container machine, read as data); this class adds what couples the containers: a
    sandbox recreation resets every container at once (``SANDBOX.recreate``; kuberuntime
    ``computePodActions``), so a container whose only legal paths go through a recreation
    needs every other container of the pod to admit one too.

    >>> from podmodel.model.reference import pod_config
    >>> from podmodel.oracle.observation import snapshot
    >>> spec = {"initContainers": [{"name": "i"}], "containers": [{"name": "a"}]}
    >>> done = {"name": "i", "state": {"terminated": {"exitCode": 0, "containerID": "c://i1"}}}
    >>> rerun = {"name": "i", "restartCount": 1, "state": {"running": {}},
    ...          "lastState": {"terminated": {"exitCode": 0, "containerID": "c://i1"}}}
    >>> app = {"name": "a", "containerID": "c://a1", "state": {"running": {"startedAt": "t"}}}
    >>> mk = lambda init: {"spec": spec, "status": {"initContainerStatuses": [init], "containerStatuses": [app]}}
    >>> cfg = pod_config(mk(done))
    >>> paths = ContainerPaths(cfg, snapshot(mk(done), cfg, index=0), snapshot(mk(rerun), cfg, index=1))
    >>> [(v.id, v.container) for v in paths.violations()]
    [('restart-forbidden', 'i')]
    >>> paths.recreation_possible()
    False
    """

    def __init__(self, cfg: PodConfig | None, old: Snapshot, new: Snapshot) -> None:
        self.cfg, self.old, self.new = cfg, old, new
        self.pairs: list[tuple[ContainerSnap | None, ContainerSnap]] = []
        for old_list, new_list in ((old.init, new.init), (old.app, new.app)):
            if not new_list:
                continue
            if not old_list:
                # No status yet in the first observation: each container starts in the machine's
                # initial state (waiting, never run, restartCount 0).
                names: set[str] = set()
                for n in new_list:
                    if n.name not in names:
                        names.add(n.name)
                        self.pairs.append((None, n))
                continue
            if len(old_list) == len(new_list) and all(a is b or a.name == b.name for a, b in zip(old_list, new_list)):
                # the usual case: the same names in the same order (validation made them unique)
                self.pairs.extend(zip(old_list, new_list))
                continue
            by_name: dict[str, ContainerSnap] = {}
            for c in new_list:
                by_name.setdefault(c.name, c)
            seen: set[str] = set()
            for o in old_list:
                n = by_name.get(o.name)
                if n is None or o.name in seen:
                    continue
                seen.add(o.name)
                self.pairs.append((o, n))
        self._exempt: bool | None = None
        #: set by `violations`: a container that never ran in ``old`` has run in ``new``
        self.started = False
        self._results: dict[str, hidden.Result | None] = {}

    @property
    def exempt(self) -> bool:
        """No search: the configuration is unknown, or every transition is allowed (KEP-5532)."""
        if self._exempt is None:
            self._exempt = self.cfg is None or all_containers_could_restart(self.cfg)
        return self._exempt

    def result(self, o: ContainerSnap | None, n: ContainerSnap) -> hidden.Result | None:
        """The search's answer for one container (None: not searched -- unknown spec, image changed)."""
        if n.name in self._results:
            return self._results[n.name]
        r = None
        spec = None if self.exempt else _spec(self.cfg, n.name)
        if spec is not None and (o is None or not _image_changed(o, n)):
            r = hidden.search(self.cfg, spec, o, n)
        self._results[n.name] = r
        return r

    def recreation_possible(self) -> bool:
        """Whether every container admits a path through a sandbox recreation."""
        if self.exempt:
            return True
        if self.cfg.restart_policy == "Never":
            return False
        for o, n in self.pairs:
            r = self.result(o, n)
            if r is not None and True not in r.tags:
                return False
        return True

    def _kept(self) -> ContainerSnap | None:
        """A container that admits no path through a sandbox recreation (for messages)."""
        for o, n in self.pairs:
            r = self.result(o, n)
            if r is not None and True not in r.tags:
                return n
        return None

    def violations(self) -> list[Violation]:
        """``restart-forbidden`` / ``container-state-regressed`` where every path is illegal."""
        out: list[Violation] = []
        needs_recreation = []
        for o, n in self.pairs:
            if n is o:
                continue  # the very same status: the empty path
            if o is not None and not self.started and _never_ran(o) and not _never_ran(n):
                self.started = True
            if _one_step(o, n):
                continue  # one step of the machine
            r = self.result(o, n)
            if r is None:
                if o is None:
                    continue
                v = check_regressed(self.new, o, n) or check_crashloop_without_exit(self.new, o, n)
                if v is not None:
                    out.append(v)
            elif not r.legal:
                out.append(self._no_path(o, n, self.cfg.container(n.name), r))
            elif False not in r.tags:
                needs_recreation.append((o, n, self.cfg.container(n.name)))
        if needs_recreation and not self.recreation_possible():
            kept = self._kept()
            for o, n, spec in needs_recreation:
                out.append(self._no_recreation(o, n, spec, kept))
        return out

    def _no_path(self, o: ContainerSnap | None, n: ContainerSnap, spec: ContainerSpec, r: hidden.Result) -> Violation:
        if o is None:  # no status before: compare with a container that never ran
            o = ContainerSnap(n.name, n.kind, kubelet.Status(n.name, "waiting", reason="(no status yet)"), 0, None,
                              None, None, None, {})
        kind = {"init": "init container", "sidecar": "sidecar"}.get(spec.kind, "container")
        change = f"{o.describe()}, restartCount {o.restart_count} -> {n.describe()}, restartCount {n.restart_count}"
        if r.relaxed or (r.blocked and _new_instance(o, n)):
            why = hidden.describe_block(self.cfg, spec, r)
            field = "state" if n.state != o.state else ("restartCount" if o.restart_count != n.restart_count else
                                                        ("containerID" if o.container_id != n.container_id else "lastState"))
            return violation(self.new, "restart-forbidden", status_field(n, field), f"{o.describe()} (no restart: {why})",
                             f"{n.describe()}, restartCount {n.restart_count}",
                             f"{kind} {o.name} restarted ({change}) although {why}: {NO_PATH} (every path "
                             f"restarts it)",
                             container=o.name,
                             source=_SRC_INIT_RERUN if spec.is_regular_init and 0 in r.blocked else _SRC_SEARCH)
        v = check_regressed(self.new, o, n) or check_crashloop_without_exit(self.new, o, n)
        if v is not None:
            return dataclasses.replace(v, message=f"{v.message}: {NO_PATH}")
        return violation(self.new, "container-state-regressed", status_field(n, "state"),
                         f"a status reachable from {o.describe()} by the container's steps", n.describe(),
                         f"{kind} {o.name}: {NO_PATH} ({change}): no sequence of container steps "
                         f"(start, exit, back-off, restart, sandbox recreation) leads from the first to the second",
                         container=o.name, source=_SRC_SEARCH)

    def _no_recreation(self, o: ContainerSnap | None, n: ContainerSnap, spec: ContainerSpec,
                       kept: ContainerSnap | None) -> Violation:
        if o is None:
            return self._no_path(o, n, spec, hidden.Result(frozenset(), True, (0,)))
        kind = {"init": "init container", "sidecar": "sidecar"}.get(spec.kind, "container")
        if self.cfg.restart_policy == "Never":
            why = "restartPolicy Never never recreates the sandbox"
        else:
            why = f"container {kept.name} kept its instance ({kept.describe()})" if kept else "not every container was reset"
        rid = "restart-forbidden" if spec.is_regular_init else "container-state-regressed"
        return violation(self.new, rid, status_field(n, "state"), f"{o.describe()} (no new sandbox: {why})", n.describe(),
                         f"{kind} {o.name}: {NO_PATH} ({o.describe()} -> {n.describe()}): only a sandbox recreation "
                         f"explains it, but a recreation restarts every container and {why}",
                         container=o.name, source=_SRC_RECREATION if not spec.is_regular_init else _SRC_INIT_RERUN)


def check_regressed(new_snap: Snapshot, old: ContainerSnap, new: ContainerSnap) -> Violation | None:
    """``container-state-regressed``: running -> waiting without a termination record or a
    restart; a termination record cleared.

    Source: k8s-semantics.md §3.2 (``convertToAPIContainerStatuses``: a running container
    that vanished gets ``lastState.terminated`` 137 ``ContainerStatusUnknown``),
    k8s-invariants.md C3 (``pods.go`` "had termination cleared").

    >>> from podmodel.oracle.observation import snapshot
    >>> run = snapshot({"status": {"containerStatuses": [{"name": "a", "state": {"running": {}}}]}}, None, index=0)
    >>> wait = snapshot({"status": {"containerStatuses": [{"name": "a", "state": {"waiting": {}}}]}}, None, index=1)
    >>> check_regressed(wait, run.app[0], wait.app[0]).field
    'status.containerStatuses[a].state'
    """
    so, sn = old.status, new.status
    if so.state == "running" and sn.state == "waiting" and not sn.has_last_termination and not _new_instance(old, new):
        return violation(new_snap, "container-state-regressed", status_field(new, "state"),
                         "running, terminated, or waiting with lastState.terminated", new.describe(),
                         f"container {old.name} went from running back to {new.describe()} with no termination recorded "
                         f"and no restart", container=old.name, source=_SRC_REGRESSED_RUNNING)
    if so.has_last_termination and not sn.has_last_termination:
        return violation(new_snap, "container-state-regressed", status_field(new, "lastState"),
                         f"lastState.terminated (exit {so.last_exit_code})", "no lastState.terminated",
                         f"container {old.name}'s last termination (exit {so.last_exit_code}) was cleared",
                         container=old.name, source=_SRC_REGRESSED_CLEARED)
    if so.state == "terminated" and sn.state != "terminated" and not sn.has_last_termination:
        return violation(new_snap, "container-state-regressed", status_field(new, "lastState"),
                         f"lastState.terminated (exit {so.exit_code})", new.describe(),
                         f"container {old.name} left terminated (exit {so.exit_code}) without keeping it in lastState",
                         container=old.name, source=_SRC_REGRESSED_CLEARED)
    return None


_SRC_CRASHLOOP = ("kuberuntime_manager.go doBackOff (back-off only for a container that exited: the key is its last "
                  "termination); kubelet_pods.go convertToAPIContainerStatuses (lastState is the previous instance's "
                  "termination); k8s-semantics.md §3.2")


def check_crashloop_without_exit(new_snap: Snapshot, old: ContainerSnap, new: ContainerSnap) -> Violation | None:
    """``container-state-regressed``: ``CrashLoopBackOff`` with no new termination behind it.

    The kubelet backs off a container only after it exited, and then reports that exit as
    ``lastState.terminated``.  So if an instance ran after the old observation's last
    termination -- the old observation shows it running, or restartCount went up -- and the
    new observation is waiting in ``CrashLoopBackOff``, its ``lastState.terminated`` must be a
    newer termination than the old one.  Showing the very same termination means the running
    instance's exit was never recorded: no sequence of hidden updates gives it.  "The very
    same" needs the termination's identity, its ``containerID`` (which the kubelet always
    writes; one container instance terminates once): without it two exits with the same code
    and timestamps look alike and nothing is flagged.

    >>> from podmodel.oracle.observation import snapshot
    >>> last = {"terminated": {"exitCode": 1, "containerID": "containerd://1"}}
    >>> run = snapshot({"status": {"containerStatuses": [{"name": "a", "restartCount": 1, "lastState": last,
    ...                                                    "state": {"running": {}}}]}}, None, index=0)
    >>> back = snapshot({"status": {"containerStatuses": [{"name": "a", "restartCount": 1, "lastState": last,
    ...     "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}}, None, index=1)
    >>> check_crashloop_without_exit(back, run.app[0], back.app[0]).field
    'status.containerStatuses[a].lastState'
    """
    sn = new.status
    if sn.state != "waiting" or sn.reason != "CrashLoopBackOff":
        return None
    so = old.status
    ran = so.state == "running" or (old.restart_count is not None and new.restart_count is not None
                                    and new.restart_count > old.restart_count)
    if not ran:
        return None
    before, after = _last_termination(old), _last_termination(new)
    if after is None:
        return None  # reported as a cleared termination or a regression by check_regressed
    if after != before or not after.get("containerID"):
        return None  # a newer termination, or one without identity (two exits with the same code look alike)
    return violation(new_snap, "container-state-regressed", status_field(new, "lastState"),
                     "a newer lastState.terminated (the exit of the instance that ran)", "the same lastState as before",
                     f"container {old.name} is in CrashLoopBackOff, but no termination of the instance that "
                     f"{'was running' if so.state == 'running' else 'ran since'} ({old.describe()}, restartCount "
                     f"{old.restart_count}) is recorded: lastState still shows exit {sn.last_exit_code}",
                     container=old.name, source=_SRC_CRASHLOOP)


_SRC_INITIALIZED_BACK = ("generate.go GeneratePodInitializedCondition (computed from the statuses it is written "
                         "with); kuberuntime computePodActions (a completed init container re-runs only in a new "
                         "sandbox); k8s-semantics.md §4.3, §7.1, §10.6")



def check_initialized_reverted(cfg: PodConfig | None, old: Snapshot, new: Snapshot,
                               paths: ContainerPaths | None = None) -> Violation | None:
    """``condition-inconsistent``: ``Initialized`` went from True back to False with no cause.

    The kubelet computes ``Initialized`` from the container statuses it writes with it
    (``GeneratePodInitializedCondition``).  After True, it is False again only when no regular
    container is running or terminated and an init container is incomplete, which takes a
    hidden event: a sidecar went down (not started now, or a new instance since), an init
    container's status is missing, or the sandbox was recreated -- and the search
    (`ContainerPaths.recreation_possible`) says whether every container admits a path through
    a recreation.  Statuses that give True cannot be written with False.

    >>> from podmodel.model.reference import pod_config
    >>> from podmodel.oracle.observation import snapshot
    >>> spec = {"initContainers": [{"name": "i"}], "containers": [{"name": "a"}]}
    >>> init = [{"name": "i", "ready": True, "state": {"terminated": {"exitCode": 0}}}]
    >>> mk = lambda ok, app: {"spec": spec, "status": {"phase": "Running", "initContainerStatuses": init,
    ...     "containerStatuses": [{"name": "a", "state": app}], "conditions": [{"type": "Initialized", "status": ok}]}}
    >>> a, b = mk("True", {"running": {}}), mk("False", {"waiting": {"reason": "CrashLoopBackOff"}})
    >>> cfg = pod_config(a)
    >>> check_initialized_reverted(cfg, snapshot(a, cfg, index=0), snapshot(b, cfg, index=1)).field
    'status.conditions[Initialized]'
    """
    if cfg is None or old.cond_status("Initialized") != "True" or new.cond_status("Initialized") != "False":
        return None
    if new.phase in TERMINAL or all_containers_could_restart(cfg) or not cfg.init_containers:
        return None
    computed = kubelet.initialized(cfg, new.combined, new.phase or "Pending", was_initialized=True)
    if computed.status == "True":
        why = "the statuses it is written with give True (every init container complete or started, or a regular " \
              "container has run)"
    else:
        for spec in cfg.init_containers:
            n = new.container(spec.name, "init")
            if n is None:
                return None  # unknown status
            if spec.is_sidecar:
                o = old.container(spec.name, "init")
                if n.status.started is not True or o is None or _new_instance(o, n):
                    return None  # the sidecar went down
        if (paths or ContainerPaths(cfg, old, new)).recreation_possible():
            return None
        why = f"{NO_PATH}: no sidecar went down, and no sandbox recreation fits the container statuses (it would " \
              f"restart every container)"
    return violation(new, "condition-inconsistent", "status.conditions[Initialized]", "True", "False",
                     f"Initialized went back from True to False, but {why}", source=_SRC_INITIALIZED_BACK)


_SRC_START_ORDER = ("kuberuntime computeInitContainerActions (the next init container starts only after the earlier "
                    "regular one exited 0 and the earlier sidecar started); k8s-invariants.md I1-I3; KEP-753")


def check_start_order(cfg: PodConfig, old: Snapshot, new: Snapshot) -> list[Violation]:
    """``init-order`` across a step: a container started between the observations while an
    earlier init container could not have let it.

    The kubelet starts a container only after every earlier regular init container exited 0
    and every earlier sidecar started (``computeInitContainerActions``; app containers after
    all init containers).  Between two observations an earlier regular init container that
    runs *the same instance* in both (same ``containerID``) never completed, and an earlier
    sidecar that never ran in either observation never started: every hidden path leaves the
    later container unstartable.  (A sandbox recreation would have replaced the running
    instance, so it does not explain it.)

    >>> from podmodel.model.reference import pod_config
    >>> from podmodel.oracle.observation import snapshot
    >>> spec = {"initContainers": [{"name": "i1"}, {"name": "i2"}], "containers": [{"name": "a"}]}
    >>> i1 = {"name": "i1", "restartCount": 1, "containerID": "c://2", "state": {"running": {}},
    ...       "lastState": {"terminated": {"exitCode": 1, "containerID": "c://1"}}}
    >>> mk = lambda i2: {"spec": spec, "status": {"initContainerStatuses": [i1, i2]}}
    >>> a = mk({"name": "i2", "state": {"waiting": {"reason": "PodInitializing"}}})
    >>> b = mk({"name": "i2", "containerID": "c://3", "state": {"terminated": {"exitCode": 0}}})
    >>> cfg = pod_config(a)
    >>> [(v.container, v.field) for v in check_start_order(cfg, snapshot(a, cfg, index=0), snapshot(b, cfg, index=1))]
    [('i2', 'status.initContainerStatuses[i2].state')]
    """
    out: list[Violation] = []
    gate: tuple[ContainerSnap, str] | None = None
    single: set | None = None  # containers the single-observation rule already reports (no duplicates)
    for spec in cfg.all_containers:
        kind = "app" if spec.is_app else "init"
        o, n = old.container(spec.name, kind), new.container(spec.name, kind)
        if o is None or n is None:
            continue
        if gate is not None and _never_ran(o) and not _never_ran(n):
            if single is None:
                # the single-observation rule at its widest (the checker may call it exempt when the
                # pod was seen initialized; then this step form stays silent too -- rare, documented)
                single = {v.container for v in check_init_order(cfg, new, seen_initialized=False)}
            if n.name in single:
                continue
            e, why = gate
            out.append(violation(new, "init-order", status_field(n, "state"), f"{o.describe()} (not started)", n.describe(),
                                 f"{'app' if spec.is_app else 'init'} container {n.name} started between the observations "
                                 f"({o.describe()} -> {n.describe()}) while the earlier {why}: {NO_PATH}",
                                 container=n.name, source=_SRC_START_ORDER))
            continue
        if gate is None and spec.is_regular_init and o.state == "running" and n.state == "running" \
                and o.container_id and o.container_id == n.container_id:
            gate = (o, f"init container {o.name} kept running the same instance ({o.container_id}), so it never completed")
        elif gate is None and spec.is_sidecar and _never_ran(o) and _never_ran(n):
            gate = (o, f"sidecar {o.name} never started ({n.describe()} in both)")
    return out


def check_containers(old_cfg: PodConfig | None, old_snap: Snapshot, new_snap: Snapshot,
                     paths: ContainerPaths | None = None) -> list[Violation]:
    """Per-container rules: restartCount never decreases, ephemeral containers never restart,
    and the coalescing search (`ContainerPaths`) for init and app containers."""
    out: list[Violation] = []
    paths = paths or ContainerPaths(old_cfg, old_snap, new_snap)
    pairs: list = paths.pairs
    if old_snap.ephemeral and new_snap.ephemeral:
        by_name: dict[str, ContainerSnap] = {}
        for c in new_snap.ephemeral:
            by_name.setdefault(c.name, c)
        pairs = pairs + [(o, by_name[o.name]) for o in old_snap.ephemeral if o.name in by_name]
    for old, new in pairs:
        if old is None or new is old:
            continue
        if old.restart_count is not None and new.restart_count is not None and new.restart_count < old.restart_count:
            out.append(violation(new_snap, "restart-count-decreased", status_field(new, "restartCount"),
                                 f">= {old.restart_count}", str(new.restart_count),
                                 f"container {old.name}'s restartCount went down from {old.restart_count} to {new.restart_count}",
                                 container=old.name))
        if old.kind == "ephemeral":
            v = check_ephemeral(new_snap, old, new) or check_regressed(new_snap, old, new)
            if v is not None:
                out.append(v)
    out.extend(paths.violations())
    return out


def check_pod_fields(old: Snapshot, new: Snapshot) -> list[Violation]:
    """Pod-level field rules: identity, nodeName, terminal phase, deletion, container set.

    Sources: ``identity-changed`` D1/I5 (``ValidateObjectMetaUpdate``); ``node-rebound``
    B1-B3 (``BindingREST``, ``ValidatePodUpdate``); ``terminal-phase-reverted`` P4/P5
    (``generateAPIPodStatus``, ``pods.go`` podStartVerifier); ``deletion-reverted`` D2,
    §10.3 (``ValidateObjectMetaUpdate``, ``rest.BeforeDelete``); ``containers-changed``
    C8/I5 (``ValidateContainerUpdates``, ``ValidatePodEphemeralContainersUpdate``).

    >>> from podmodel.oracle.observation import snapshot
    >>> a = snapshot({"metadata": {"uid": "u", "deletionTimestamp": "2024-01-01T00:00:30Z",
    ...                            "deletionGracePeriodSeconds": 30}}, None, index=0)
    >>> b = snapshot({"metadata": {"uid": "u", "deletionTimestamp": "2024-01-01T00:01:00Z",
    ...                            "deletionGracePeriodSeconds": 60}}, None, index=1)
    >>> [(v.id, v.field) for v in check_pod_fields(a, b)]
    [('deletion-reverted', 'metadata.deletionGracePeriodSeconds')]

    >>> from podmodel.model.reference import pod_config
    >>> from podmodel.oracle.observation import snapshot
    >>> pod = lambda n: {"spec": {"containers": [{"name": "a"}]}, "status": {"containerStatuses": [
    ...     {"name": "a", "restartCount": n, "state": {"running": {}}}]}}
    >>> [(v.id, v.actual) for v in check_containers(pod_config(pod(3)), snapshot(pod(3), None, index=0),
    ...                                              snapshot(pod(2), None, index=1))]
    [('restart-count-decreased', '2')]
    """
    out: list[Violation] = []
    for attr, field in (("name", "metadata.name"), ("namespace", "metadata.namespace")):
        a, b = getattr(old, attr), getattr(new, attr)
        if a is not None and b is not None and a != b:
            out.append(violation(new, "identity-changed", field, a, b, f"{field} of uid {new.uid} changed from {a} to {b}"))
    if old.node_name and new.spec_names is not None and new.node_name != old.node_name:
        what = f"changed from {old.node_name} to {new.node_name}" if new.node_name else f"cleared (was {old.node_name})"
        out.append(violation(new, "node-rebound", "spec.nodeName", old.node_name, str(new.node_name or ""),
                             f"spec.nodeName {what}"))
    if old.phase in TERMINAL and new.phase is not None and new.phase != old.phase:
        out.append(violation(new, "terminal-phase-reverted", "status.phase", old.phase, new.phase,
                             f"phase went from {old.phase} (terminal) to {new.phase}"))
    out.extend(_deletion(old, new))
    if old.spec_names is not None and new.spec_names is not None:
        for i, field in ((0, "spec.initContainers"), (1, "spec.containers")):
            a, b = old.spec_names[i], new.spec_names[i]
            if a != b:
                out.append(violation(new, "containers-changed", field, ", ".join(a) or "(none)", ", ".join(b) or "(none)",
                                     f"{field} changed: {_diff(a, b)}"))
        a, b = old.spec_names[2], new.spec_names[2]
        if b[: len(a)] != a:
            out.append(violation(new, "containers-changed", "spec.ephemeralContainers", ", ".join(a) + ", ...",
                                 ", ".join(b) or "(none)",
                                 f"spec.ephemeralContainers changed other than by appending: {_diff(a, b)}"))
    return out


def _diff(a: tuple[str, ...], b: tuple[str, ...]) -> str:
    removed = [n for n in a if n not in b]
    added = [n for n in b if n not in a]
    parts = []
    if removed:
        parts.append("removed " + ", ".join(removed))
    if added:
        parts.append("added " + ", ".join(added))
    return "; ".join(parts) or f"reordered ({', '.join(a)} -> {', '.join(b)})"


def _deletion(old: Snapshot, new: Snapshot) -> list[Violation]:
    """``deletion-reverted`` (k8s-invariants.md D2, §10.3)."""
    if not old.deletion_timestamp:
        return []
    if not new.deletion_timestamp:
        return [violation(new, "deletion-reverted", "metadata.deletionTimestamp", old.deletion_timestamp, "(absent)",
                          f"deletionTimestamp {old.deletion_timestamp} was removed", source=_SRC_DELETION)]
    g0, g1 = old.deletion_grace, new.deletion_grace
    if g0 is not None and g1 is not None and g1 > g0:
        return [violation(new, "deletion-reverted", "metadata.deletionGracePeriodSeconds", f"<= {g0}", str(g1),
                          f"deletionGracePeriodSeconds grew from {g0} to {g1}", source=_SRC_DELETION)]
    if g0 is not None and g0 == g1 and new.deletion_timestamp != old.deletion_timestamp:
        return [violation(new, "deletion-reverted", "metadata.deletionTimestamp", old.deletion_timestamp, new.deletion_timestamp,
                          f"deletionTimestamp moved from {old.deletion_timestamp} to {new.deletion_timestamp} while the "
                          f"grace period stayed {g0}", source=_SRC_DELETION)]
    return []


_SRC_GENERATION = ("KEP-5067 (keps/sig-node/5067-pod-generation, GA in 1.35); pkg/registry/core/pod/strategy.go "
                   "PrepareForUpdate (generation + 1 on a spec change); status_manager.go (observedGeneration of the "
                   "pod the kubelet synced)")


def out_of_order(old: Snapshot, new: Snapshot) -> Violation | None:
    """``out-of-order``: ``new`` carries an older resourceVersion than ``old`` (same uid).

    resourceVersions are opaque strings to clients, but every API server in use takes them
    from etcd revisions, decimal integers that only grow; a watch delivers a uid's versions
    in order.  Compared only when both are decimal; equal versions are not flagged (KHI
    replays keep one version for several objects, shared/traces/README.md).

    >>> from podmodel.oracle.observation import snapshot
    >>> a = snapshot({"metadata": {"uid": "u", "resourceVersion": "20"}}, None, index=0)
    >>> b = snapshot({"metadata": {"uid": "u", "resourceVersion": "9"}}, None, index=1)
    >>> out_of_order(a, b).message
    'the input is out of order: resourceVersion 9 comes after 20 for the same uid (observation 1 is not compared with 0)'
    """
    a, b = old.resource_version, new.resource_version
    if not a or not b or not a.isdigit() or not b.isdigit() or len(a) > 30 or len(b) > 30:
        return None
    if int(b) >= int(a):
        return None
    return violation(new, "out-of-order", "metadata.resourceVersion", f">= {a}", b,
                     f"the input is out of order: resourceVersion {b} comes after {a} for the same uid "
                     f"(observation {new.index} is not compared with {old.index})")


def check_generations(old: Snapshot, new: Snapshot) -> list[Violation]:
    """``generation-regressed``: metadata.generation, status.observedGeneration and the
    conditions' observedGeneration never go back (KEP-5067).

    >>> from podmodel.oracle.observation import snapshot
    >>> a = snapshot({"metadata": {"generation": 3}, "status": {"observedGeneration": 3}}, None, index=0)
    >>> b = snapshot({"metadata": {"generation": 3}, "status": {"observedGeneration": 2}}, None, index=1)
    >>> [(v.field, v.expected, v.actual) for v in check_generations(a, b)]
    [('status.observedGeneration', '>= 3', '2')]
    """
    out: list[Violation] = []
    for field, x, y in (("metadata.generation", old.generation, new.generation),
                        ("status.observedGeneration", old.observed_generation, new.observed_generation)):
        if x is not None and y is not None and y < x:
            out.append(violation(new, "generation-regressed", field, f">= {x}", str(y),
                                 f"{field} went back from {x} to {y}", source=_SRC_GENERATION))
    if old.cond_generations and new.cond_generations:
        before = dict(old.cond_generations)
        for ctype, y in new.cond_generations:
            x = before.get(ctype)
            if x is not None and y < x:
                field = f"status.conditions[{ctype}].observedGeneration"
                out.append(violation(new, "generation-regressed", field, f">= {x}", str(y),
                                     f"{field} went back from {x} to {y}", source=_SRC_GENERATION))
    return out


def check_step(old_cfg: PodConfig | None, old: Snapshot, new: Snapshot, *, generations: bool = True) -> list[Violation]:
    """Every step rule between two observations of one pod.

    ``old_cfg`` is the configuration of the first observation (None when unknown).

    >>> from podmodel.model.reference import pod_config
    >>> from podmodel.oracle.observation import snapshot
    >>> a = {"metadata": {"name": "p", "uid": "u"}, "spec": {"nodeName": "n1", "containers": [{"name": "c"}]},
    ...      "status": {"phase": "Failed"}}
    >>> b = {"metadata": {"name": "p", "uid": "u"}, "spec": {"nodeName": "n2", "containers": [{"name": "c"}]},
    ...      "status": {"phase": "Running"}}
    >>> [v.id for v in check_step(pod_config(a), snapshot(a, None, index=0), snapshot(b, None, index=1))]
    ['node-rebound', 'terminal-phase-reverted']
    """
    late = out_of_order(old, new)
    if late is not None:
        return [late]
    paths = ContainerPaths(old_cfg, old, new)
    out = check_pod_fields(old, new) + check_containers(old_cfg, old, new, paths)
    reverted = check_initialized_reverted(old_cfg, old, new, paths)
    if reverted is not None:
        out.append(reverted)
    if old_cfg is not None and old.init and new.init and paths.started:
        out.extend(check_start_order(old_cfg, old, new))
    if generations and (old.generation is not None or old.observed_generation is not None or old.cond_generations):
        out.extend(check_generations(old, new))
    return out
