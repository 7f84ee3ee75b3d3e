"""Rules on a step: two consecutive observations of one pod (same uid).

Observations are snapshots: any number of unobserved steps may lie between them, so
each rule asks whether *some* sequence of legal steps leads from the first to the
second.  Restart decisions use the kubelet's own functions
(`podmodel.model.kubelet.kubelet_restarts`, `container_should_restart`); the OLD
observation's configuration decides, as in ``ValidateContainerStateTransition``.

Decisions on points the shared documents leave open (also in ``docs/oracle.md``):

* **A restart** of a container between two observations is any of: terminated ->
  not terminated; restartCount went up; a different non-empty containerID.  After a
  termination with exit code X the restart must be one the kubelet makes
  (``kubelet_restarts``: container rules and policy with ``ContainerRestartRules``, the
  pod policy without); with no termination observed (a restart hidden between
  snapshots) some exit code must allow it.  Exempt: sidecars (I7); every container when
  ``RestartAllContainersOnContainerExits`` is on and a container has a
  ``RestartAllContainers`` rule (``checkContainerStateTransition`` rule 2); a container
  whose image changed between the observations (spec or status image, §10.7).
* **The kubelet's synthesised terminations** are not restarts: a running container that
  vanished from the runtime is reported with exit 137 ``ContainerStatusUnknown`` and
  restartCount + 1 while it does not run (``convertToAPIContainerStatuses``, §3.2), also
  under ``Never``.
* **A completed regular init container re-run** is legal only after sandbox
  recreation (§10.6), which the kubelet does only when the pod's restartPolicy is not
  Never (``computePodActions``); it is accepted when every app container that was
  running in the first observation is no longer the same instance in the second.
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

from podmodel.model import kubelet
from podmodel.model.config import ContainerSpec, PodConfig
from podmodel.oracle.observation import ContainerSnap, Snapshot
from podmodel.oracle.rules import status_field, violation
from podmodel.oracle.verdict import Violation

TERMINAL = kubelet.TERMINAL_PHASES
#: Exit codes tried when a restart was hidden between snapshots (plus the rules' codes).
PROBE_EXIT_CODES = (0, 1, 2, 126, 127, 128, 137, 139, 143, 255)

_SRC_C1 = ("k8s-invariants.md C1, C1b, C3; status_manager.go checkContainerStateTransition; "
           "validation.go ValidateContainerStateTransition; pkg/api/v1/pod/util.go ContainerShouldRestart")
_SRC_INIT_RERUN = ("k8s-semantics.md §7.1 (a completed init container is never re-run unless the sandbox is recreated); "
                   "kuberuntime computeInitContainerActions, computePodActions; validation.go ValidateInitContainerStateTransition")
_SRC_EPHEMERAL = "k8s-invariants.md C1, §10.8; validation.go ValidatePodStatusUpdate (ephemeral containers checked as restartPolicy Never)"
_SRC_REGRESSED_RUNNING = "k8s-semantics.md §3.2; kubelet_pods.go convertToAPIContainerStatuses (a vanished running container gets lastState 137 ContainerStatusUnknown)"
_SRC_REGRESSED_CLEARED = "k8s-invariants.md C3; test/e2e/node/pods.go podStartVerifier ('had termination cleared'); kubelet_pods.go convertToAPIContainerStatuses"
_SRC_DELETION = "k8s-invariants.md D2, §10.3; validation.go ValidateObjectMetaUpdate; apiserver rest.BeforeDelete"


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


def may_restart_after(cfg: PodConfig, spec: ContainerSpec, exit_code: int, *, sandbox_recreated: bool) -> bool:
    """Whether the kubelet restarts ``spec`` after it exited with ``exit_code``.

    >>> from podmodel.model.config import ContainerSpec, PodConfig
    >>> cfg = PodConfig(containers=(ContainerSpec("a"),), restart_policy="OnFailure")
    >>> may_restart_after(cfg, cfg.containers[0], 1, sandbox_recreated=False)
    True
    >>> may_restart_after(cfg, cfg.containers[0], 0, sandbox_recreated=False)
    False
    """
    if spec.is_regular_init and exit_code == 0:
        return sandbox_recreated and cfg.restart_policy != "Never"
    return kubelet.kubelet_restarts(cfg, spec, exit_code)


def may_ever_restart(cfg: PodConfig, spec: ContainerSpec, *, sandbox_recreated: bool) -> bool:
    """Whether some exit code makes the kubelet restart ``spec`` (a restart hidden between snapshots)."""
    codes = set(PROBE_EXIT_CODES)
    for rule in spec.restart_rules:
        codes.update(rule.values)
        codes.update(v + 1 for v in rule.values)
    return any(may_restart_after(cfg, spec, code, sandbox_recreated=sandbox_recreated) for code in sorted(codes))


def sandbox_may_have_been_recreated(old: Snapshot, new: Snapshot) -> bool:
    """No app container instance that ran in ``old`` still runs in ``new`` (§10.6)."""
    for c in old.app:
        if c.state != "running":
            continue
        n = new.container(c.name, "app")
        if n is None:
            continue
        if n.state == "running" and not _new_instance(c, n):
            return False
    return True


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


def _newer_termination(old: ContainerSnap, new: ContainerSnap) -> int | None:
    """The exit code of ``new``'s last termination when it is not the one ``old`` showed
    (a termination that happened between the observations), else None.

    The kubelet's synthesised ``ContainerStatusUnknown`` (137) is no real exit and gives None.
    """
    sn = new.status
    if sn.last_exit_code is None or sn.last_reason == kubelet.CONTAINER_STATUS_UNKNOWN:
        return None
    before, after = _last_termination(old), _last_termination(new)
    if after is None or after == before:
        return None
    if old.status.state == "terminated":
        term = old.raw.get("state", {}).get("terminated") if type(old.raw) is dict else None
        if term == after:
            return None  # old's own termination, now in lastState
    return sn.last_exit_code


def _image_changed(old: ContainerSnap, new: ContainerSnap) -> bool:
    if old.spec_image and new.spec_image and old.spec_image != new.spec_image:
        return True
    return bool(old.image and new.image and old.image != new.image)


def _synthesised_unknown(old: ContainerSnap, new: ContainerSnap) -> bool:
    """restartCount + 1 for a container the kubelet could no longer find (not a real restart)."""
    if old.restart_count is None or new.restart_count != old.restart_count + 1 or new.state == "running":
        return False
    s = new.status
    if s.state == "terminated":
        return s.reason == kubelet.CONTAINER_STATUS_UNKNOWN
    return s.last_reason == kubelet.CONTAINER_STATUS_UNKNOWN


def check_restart(cfg: PodConfig, old_snap: Snapshot, new_snap: Snapshot, old: ContainerSnap, new: ContainerSnap) -> Violation | None:
    """``restart-forbidden`` for one container between two observations.

    Source: k8s-invariants.md C1, C1b, C3, I7, §10.6-§10.8; ``status_manager.go``
    ``checkContainerStateTransition``, ``validation.go`` ``ValidateContainerStateTransition``,
    ``kubecontainer.ShouldContainerBeRestarted``, ``podutil.ContainerShouldRestart``.

    >>> from podmodel.model.reference import pod_config
    >>> from podmodel.oracle.observation import snapshot
    >>> pod = lambda state: {"spec": {"restartPolicy": "OnFailure", "containers": [{"name": "a"}]},
    ...                      "status": {"containerStatuses": [{"name": "a", "state": state}]}}
    >>> a, b = pod({"terminated": {"exitCode": 0}}), pod({"running": {}})
    >>> cfg = pod_config(a)
    >>> sa, sb = snapshot(a, cfg, index=0), snapshot(b, cfg, index=1)
    >>> check_restart(cfg, sa, sb, sa.app[0], sb.app[0]).expected
    'terminated(0) (no restart: pod restartPolicy OnFailure forbids a restart after exit code 0)'
    """
    if old.kind == "sidecar" or _image_changed(old, new):
        return None
    so, sn = old.status, new.status
    fresh = _new_instance(old, new)
    if old.kind == "ephemeral":
        if (so.state == "terminated" and sn.state != "terminated") or fresh:
            return violation(new_snap, "restart-forbidden", status_field(new, "state"), old.describe(), new.describe(),
                             f"ephemeral container {old.name} restarted ({old.describe()} -> {new.describe()}, "
                             f"restartCount {old.restart_count} -> {new.restart_count})", container=old.name, source=_SRC_EPHEMERAL)
        return None
    spec = _spec(cfg, old.name)
    if spec is None or all_containers_could_restart(cfg):
        return None
    newer = _newer_termination(old, new)
    codes: list[int | None] = []
    if so.state == "terminated":
        if sn.state == "terminated" and not fresh:
            return None
        codes.append(so.exit_code if so.exit_code is not None else 0)
    elif fresh and not _synthesised_unknown(old, new):
        if so.state == "waiting":
            codes.append(so.last_exit_code)  # the restart from old's waiting came after its last exit
        elif newer is None:
            codes.append(None)  # a restart hidden between snapshots: some exit code must allow it
    elif not (sn.state == "waiting" and newer is not None and not _synthesised_unknown(old, new)):
        return None
    if newer is not None and (fresh or sn.state == "waiting"):
        # An exit that happened between the observations, visible only as the new observation's
        # lastState (a coalesced update): the container was restarted, or is being restarted
        # (waiting), after it, so it must be an exit the kubelet restarts after.
        codes.append(newer)
    recreated = spec.is_regular_init and sandbox_may_have_been_recreated(old_snap, new_snap)
    for code in codes:
        if code is not None:
            if may_restart_after(cfg, spec, code, sandbox_recreated=recreated):
                continue
            why = _why_not(cfg, spec, code)
        else:
            if may_ever_restart(cfg, spec, sandbox_recreated=recreated):
                continue
            why = _why_not(cfg, spec, None)
        break
    else:
        return None
    field = "state" if sn.state != so.state else ("restartCount" if old.restart_count != new.restart_count else "containerID")
    kind = {"init": "init container", "app": "container"}.get(old.kind, "container")
    return violation(new_snap, "restart-forbidden", status_field(new, field),
                     f"{old.describe()} (no restart: {why})",
                     f"{new.describe()}, restartCount {new.restart_count}",
                     f"{kind} {old.name} restarted ({old.describe()}, restartCount {old.restart_count} -> "
                     f"{new.describe()}, restartCount {new.restart_count}) although {why}",
                     container=old.name, source=_SRC_INIT_RERUN if spec.is_regular_init and code == 0 else _SRC_C1)


def _why_not(cfg: PodConfig, spec: ContainerSpec, code: int | None) -> str:
    policy = spec.restart_policy if (spec.restart_policy and cfg.gates.get("ContainerRestartRules")) else None
    who = f"container restartPolicy {policy}" if policy else f"pod restartPolicy {cfg.restart_policy}"
    if spec.is_regular_init and code == 0:
        if cfg.restart_policy == "Never":
            return "a completed init container is never re-run (and restartPolicy Never never recreates the sandbox)"
        return "a completed init container is re-run only with a new sandbox, and app containers kept running"
    if code is None:
        return f"{who} allows no restart for any exit code"
    return f"{who} forbids a restart after exit code {code}"


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


def check_initialized_reverted(cfg: PodConfig | None, old: Snapshot, new: Snapshot) -> Violation | None:
    """``condition-inconsistent``: ``Initialized`` went from True back to False with no cause.

    The kubelet computes ``Initialized`` from the container statuses it writes with it
    (``GeneratePodInitializedCondition``).  After True, it is False again only when no regular
    container is running or terminated and an init container is incomplete: a sidecar no
    longer started (the sidecar went down), a regular init container with no status, or a
    regular init container running again (after a sandbox recreation, §10.6).  A completed
    regular init container that is the very same terminated instance cannot have become
    incomplete; statuses that give True cannot be written with False.

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
        by_name: dict[str, ContainerSnap] = {}
        for c in new.init:
            by_name.setdefault(c.name, c)
        for spec in cfg.init_containers:
            n = by_name.get(spec.name)
            if n is None:
                return None  # unknown status
            if spec.is_sidecar:
                if n.status.started is not True:
                    return None  # the sidecar went down
                continue
            if n.status.ready:
                continue
            o = old.container(spec.name, "init")
            if o is None or n.state != "terminated" or _new_instance(o, n) or o.state != "terminated":
                return None  # re-run (sandbox recreated) or never completed
        why = ("no sidecar went down and no init container re-ran (the sandbox was not recreated): the completed "
               "init containers are the same terminated instances")
    return violation(new, "condition-inconsistent", "status.conditions[Initialized]", "True", "False",
                     f"Initialized went back from True to False, but {why}", source=_SRC_INITIALIZED_BACK)


def check_containers(old_cfg: PodConfig | None, old_snap: Snapshot, new_snap: Snapshot) -> list[Violation]:
    """Per-container rules: restartCount, restart policy, state regressions."""
    out: list[Violation] = []
    for kind, old_list, new_list in (("init", old_snap.init, new_snap.init), ("app", old_snap.app, new_snap.app),
                                     ("ephemeral", old_snap.ephemeral, new_snap.ephemeral)):
        if not old_list or not new_list:
            continue
        new_by_name: dict[str, ContainerSnap] = {}
        for c in new_list:
            new_by_name.setdefault(c.name, c)
        seen: set[str] = set()
        for old in old_list:
            if old.name in seen:
                continue
            seen.add(old.name)
            new = new_by_name.get(old.name)
            if new is None or new is old:  # the very same status object: unchanged
                continue
            if old.restart_count is not None and new.restart_count is not None and new.restart_count < old.restart_count:
                out.append(violation(new_snap, "restart-count-decreased", status_field(new, "restartCount"),
                                     f">= {old.restart_count}", str(new.restart_count),
                                     f"container {old.name}'s restartCount went down from {old.restart_count} to {new.restart_count}",
                                     container=old.name))
            v = check_restart(old_cfg, old_snap, new_snap, old, new) if old_cfg is not None or old.kind == "ephemeral" else None
            if v is None:
                v = check_regressed(new_snap, old, new)
            if v is None:
                v = check_crashloop_without_exit(new_snap, old, new)
            if v is not None:
                out.append(v)
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
    out = check_pod_fields(old, new) + check_containers(old_cfg, old, new)
    reverted = check_initialized_reverted(old_cfg, old, new)
    if reverted is not None:
        out.append(reverted)
    if generations and (old.generation is not None or old.observed_generation is not None or old.cond_generations):
        out.extend(check_generations(old, new))
    return out
