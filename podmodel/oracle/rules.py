"""Rules on a single observation: phase, conditions, init order.

Each rule reads one `~podmodel.oracle.observation.Snapshot` and the pod's
`~podmodel.model.config.PodConfig` and asks the kubelet's own functions
(`podmodel.model.kubelet.get_phase`, `containers_ready`, `initialized`) what it could have
reported -- the same functions the product model uses; nothing here restates them.

Decisions on points the shared documents leave open (also in ``docs/oracle.md``):

* **Hidden inputs.**  ``podHasInitialized`` may be either value.  ``podIsTerminal``
  may be True only when something outside getPhase can have stopped the pod: a
  ``deletionTimestamp``, a ``status.reason`` or a ``DisruptionTarget`` condition
  (k8s-invariants.md §10.2: "Under restartPolicy Always, a Failed pod with no deletion,
  no eviction/shutdown/deadline/admission reason and no DisruptionTarget has no
  explanation"; the same holds for Succeeded under Always, which needs podIsTerminal).
* **Failed** is accepted with any of those causes; any non-empty ``status.reason``
  counts, because admission rejections use open-ended reasons (``OutOf<resource>``,
  ``NodeAffinity``, ``UnexpectedAdmissionError`` ...).  An implementation that invents
  a reason is not caught.
* **Held-back terminal phase** (§10.1): Pending or Running is accepted whenever the
  kubelet could compute Succeeded/Failed for the statuses.
* **Before the kubelet's first status write** (no container statuses, no kubelet
  condition besides PodScheduled) Pending and Failed are accepted without more ado;
  Running and Succeeded are not (the kubelet writes them together with container statuses).
* ``Unknown`` (or any other value) is flagged: the kubelet never writes it.
* **Conditions** are checked one way only: ``Ready=True`` needs ``ContainersReady=True``
  and ready containers; ``ContainersReady=True`` needs every app container and sidecar
  status present and ready; ``Initialized=True`` needs what ``GeneratePodInitializedCondition``
  needs.  A False condition is never flagged (node loss, readiness gates, snapshots taken
  before the kubelet's next write).  Readiness gates are not checked for ``Ready=True``:
  the controller that owns a gate condition may flip it before the kubelet re-syncs.
* ``Ready``/``ContainersReady`` True in Succeeded/Failed is flagged (``mergePodStatus``
  forces them False, issue 108594) -- except for a Failed pod that pod GC marked
  (``DisruptionTarget`` reason ``DeletionByPodGC``) or that still shows a running
  container (set Failed by a controller while no kubelet reports: conditions stay stale,
  §10.2).
* **A container that is not running but reports ``ready: true``** (app container or
  sidecar) is flagged: the prober manager (``prober_manager.go UpdatePodStatus``) only
  marks running containers ready, and the readiness worker resets a stopped container to
  not ready.  API validation accepts it (k8s-invariants.md C1a), so this is a
  kubelet-behaviour rule.  Regular init containers are not checked: the kubelet marks
  them ready exactly when they exited 0, and the ``Initialized`` rule covers what that
  flag feeds.
* **Init order** (k8s-invariants.md I1-I3): flagged are a regular init container running
  while an earlier one has not completed (exit 0); an app container running or
  ``started`` while a regular init container has not completed; an app container
  running while a sidecar has never run.  An app container that is terminated (or has a
  last termination) while init containers run again is legal after sandbox recreation
  (§10.6), so it is flagged only when the pod was never seen initialized and no init
  container shows a previous run (restartCount > 0 or a last termination).  A missing
  init container status is not counted as incomplete.
"""

from __future__ import annotations

from podmodel.model import kubelet
from podmodel.model.config import PodConfig
from podmodel.model.reference import infer_pod_has_initialized
from podmodel.oracle.observation import ContainerSnap, Snapshot
from podmodel.oracle.verdict import RULES, Violation

PHASES = frozenset(kubelet.PHASES)
TERMINAL = kubelet.TERMINAL_PHASES

_SRC_PHASE = ("k8s-semantics.md §2, §3.1; kubelet_pods.go getPhase, generateAPIPodStatus; "
              "k8s-invariants.md §10.1 (status_manager.go mergePodStatus), §10.2")
_SRC_TERMINAL_READY = "k8s-semantics.md §4.5; status_manager.go mergePodStatus (issue 108594); generate.go"
_SRC_CONTAINERS_READY = "k8s-semantics.md §4.1; pkg/kubelet/status/generate.go GenerateContainersReadyCondition"
_SRC_READY = "k8s-semantics.md §4.2; generate.go GeneratePodReadyCondition; k8s-invariants.md §10.5"
_SRC_INITIALIZED = "k8s-semantics.md §4.3; generate.go GeneratePodInitializedCondition; k8s-invariants.md I4"
_SRC_CONTAINER_READY = "pkg/kubelet/prober/prober_manager.go UpdatePodStatus (only running containers are ready)"
_SRC_INIT_SERIAL = ("k8s-invariants.md I1; test/e2e/common/node/init_container.go initialized() "
                    "('is after an initializing container but isn't waiting'); kuberuntime computeInitContainerActions")
_SRC_INIT_APP = ("k8s-invariants.md I2, I3; init_container.go initContainersInvariants; "
                 "test/e2e/node/pods.go ('should never report container start when an init container fails')")
_SRC_SIDECAR = "k8s-semantics.md §7.1 (sidecars start in init order before app containers); kuberuntime computeInitContainerActions"


def violation(snap: Snapshot, rule: str, field: str, expected: str, actual: str, message: str, *,
              container: str | None = None, source: str | None = None) -> Violation:
    """A `Violation` at ``snap`` (identity and index taken from it)."""
    return Violation(rule, snap.index, snap.namespace, snap.name, snap.uid, container, field,
                     expected, actual, message, source or RULES[rule].source)


def status_field(c: ContainerSnap, attr: str) -> str:
    """``status.<list>[<name>].<attr>`` for a container status."""
    lst = {"app": "containerStatuses", "ephemeral": "ephemeralContainerStatuses"}.get(c.kind, "initContainerStatuses")
    return f"status.{lst}[{c.name}].{attr}"


# ---------------------------------------------------------------------------------
# Phase
# ---------------------------------------------------------------------------------
def possible_phases(cfg: PodConfig, snap: Snapshot) -> frozenset[str]:
    """Every phase getPhase returns for the statuses, over the hidden inputs allowed.

    ``podHasInitialized`` in {False, True}; ``podIsTerminal`` True only when the pod
    shows a cause (`Snapshot.causes`).

    >>> from podmodel.model.reference import pod_config
    >>> from podmodel.oracle.observation import snapshot
    >>> pod = {"spec": {"restartPolicy": "Always", "containers": [{"name": "a"}]},
    ...        "status": {"containerStatuses": [{"name": "a", "state": {"terminated": {"exitCode": 0}}}]}}
    >>> sorted(possible_phases(pod_config(pod), snapshot(pod, None, index=0)))
    ['Running']
    >>> pod["metadata"] = {"deletionTimestamp": "2024-01-01T00:00:00Z"}
    >>> sorted(possible_phases(pod_config(pod), snapshot(pod, None, index=0)))
    ['Running', 'Succeeded']
    """
    statuses = snap.statuses
    terminal_opts = (False, True) if snap.causes else (False,)
    return frozenset(kubelet.get_phase(cfg, statuses, pod_is_terminal=t, pod_has_initialized=h)
                     for t in terminal_opts for h in (False, True))


def phase_explained(cfg: PodConfig, snap: Snapshot) -> tuple[bool, frozenset[str]]:
    """Whether ``snap.phase`` is one the kubelet (or a known actor) could report.

    Returns ``(ok, phases getPhase allows)``; the set is empty when not needed.
    """
    phase = snap.phase
    if phase is None:
        return True, frozenset()
    if phase not in PHASES:
        return False, frozenset()
    statuses = snap.statuses
    # Fast path: the usual reading of the hidden inputs.
    regular = tuple(c.status for c in snap.app)
    if kubelet.get_phase(cfg, statuses, pod_has_initialized=infer_pod_has_initialized(cfg, regular)) == phase:
        return True, frozenset()
    if phase == "Failed" and (snap.causes or not snap.kubelet_reported):
        return True, frozenset()
    if phase == "Pending" and not snap.kubelet_reported:
        return True, frozenset()
    allowed = possible_phases(cfg, snap)
    if phase in allowed:
        return True, allowed
    if phase in ("Pending", "Running") and allowed & TERMINAL:
        return True, allowed  # §10.1: the terminal phase is held back
    return False, allowed


def check_phase(cfg: PodConfig, snap: Snapshot) -> list[Violation]:
    """``phase-inconsistent``: the phase is one the kubelet could report.

    Source: k8s-semantics.md §2 (getPhase), §3.1 (generateAPIPodStatus), §6;
    k8s-invariants.md §10.1 (held-back terminal phase, ``mergePodStatus``) and §10.2
    (Failed set by deadline, eviction, shutdown, admission, deletion, pod GC).

    >>> from podmodel.model.reference import pod_config
    >>> from podmodel.oracle.observation import snapshot
    >>> pod = {"spec": {"containers": [{"name": "a"}]}, "status": {"phase": "Running",
    ...        "containerStatuses": [{"name": "a", "state": {"waiting": {"reason": "ContainerCreating"}}}]}}
    >>> [(v.id, v.expected) for v in check_phase(pod_config(pod), snapshot(pod, None, index=0))]
    [('phase-inconsistent', 'Pending')]
    """
    ok, allowed = phase_explained(cfg, snap)
    if ok:
        return []
    phase = snap.phase
    if phase not in PHASES:
        return [violation(snap, "phase-inconsistent", "status.phase", "Pending, Running, Succeeded or Failed", str(phase),
                          f"phase {phase} is never written by the kubelet", source=_SRC_PHASE)]
    expected = " or ".join(sorted(allowed))
    if allowed & TERMINAL:
        expected += " (Pending/Running while the terminal phase is held back)"
    if phase == "Failed":
        expected += "; Failed only with deletion, eviction, deadline, shutdown, admission or pod GC"
    states = ", ".join(f"{c.name}={c.describe()}" for c in snap.init + snap.app) or "no container statuses"
    causes = ", ".join(snap.causes) or "none"
    return [violation(snap, "phase-inconsistent", "status.phase", expected, phase,
                      f"phase {phase} does not follow from the container statuses ({states}; restartPolicy "
                      f"{cfg.restart_policy}; termination causes: {causes})", source=_SRC_PHASE)]


# ---------------------------------------------------------------------------------
# Conditions
# ---------------------------------------------------------------------------------
def _stale_allowed(snap: Snapshot) -> bool:
    """A Failed pod whose conditions a controller left as they were (pod GC, §10.2)."""
    if snap.phase != "Failed":
        return False
    dt = snap.condition("DisruptionTarget")
    if dt and dt[1] == "DeletionByPodGC":
        return True
    return any(c.state == "running" for c in snap.app + snap.init)


def check_conditions(cfg: PodConfig, snap: Snapshot) -> list[Violation]:
    """``condition-inconsistent``: kubelet-owned conditions agree with the statuses.

    Source: k8s-semantics.md §4 (``generate.go`` GenerateContainersReadyCondition,
    GeneratePodReadyCondition, GeneratePodInitializedCondition; ``mergePodStatus`` forcing
    Ready/ContainersReady False in a terminal phase, issue 108594) and
    ``prober_manager.go UpdatePodStatus`` for container ``ready``.  See the module
    docstring for what is deliberately not checked.

    >>> from podmodel.model.reference import pod_config
    >>> from podmodel.oracle.observation import snapshot
    >>> pod = {"spec": {"containers": [{"name": "a"}]}, "status": {"phase": "Running",
    ...        "conditions": [{"type": "ContainersReady", "status": "True"}],
    ...        "containerStatuses": [{"name": "a", "ready": False, "state": {"running": {}}}]}}
    >>> [v.message for v in check_conditions(pod_config(pod), snapshot(pod, None, index=0))]
    ['ContainersReady=True but containers with unready status: [a]']
    """
    out: list[Violation] = []
    ready = snap.cond_status("Ready")
    cready = snap.cond_status("ContainersReady")
    terminal = snap.phase in TERMINAL
    if terminal and not _stale_allowed(snap):
        want = "PodCompleted" if snap.phase == "Succeeded" else "PodFailed"
        for ctype, status in (("Ready", ready), ("ContainersReady", cready)):
            if status == "True":
                out.append(violation(snap, "condition-inconsistent", f"status.conditions[{ctype}]", f"False ({want})", "True",
                                     f"{ctype}=True in phase {snap.phase}", source=_SRC_TERMINAL_READY))
    combined = snap.combined
    if cready == "True" and not terminal:
        computed = kubelet.containers_ready(cfg, combined, "Running")
        if computed.status != "True":
            out.append(violation(snap, "condition-inconsistent", "status.conditions[ContainersReady]",
                                 f"False ({computed.reason}: {computed.message})" if computed.message else f"False ({computed.reason})",
                                 "True", f"ContainersReady=True but {computed.message or computed.reason}",
                                 source=_SRC_CONTAINERS_READY))
    # Ready=True resting on a wrong ContainersReady=True is reported once, on ContainersReady.
    if ready == "True" and not terminal:
        if cready is not None and cready != "True":
            out.append(violation(snap, "condition-inconsistent", "status.conditions[Ready]", f"False (ContainersReady={cready})",
                                 "True", f"Ready=True while ContainersReady={cready}", source=_SRC_READY))
        elif cready is None:
            computed = kubelet.containers_ready(cfg, combined, "Running")
            if computed.status != "True":
                out.append(violation(snap, "condition-inconsistent", "status.conditions[Ready]", f"False ({computed.reason})",
                                     "True", f"Ready=True but {computed.message or computed.reason}", source=_SRC_READY))
    if snap.cond_status("Initialized") == "True":
        computed = kubelet.initialized(cfg, combined, snap.phase or "Pending", was_initialized=True)
        if computed.status != "True":
            out.append(violation(snap, "condition-inconsistent", "status.conditions[Initialized]",
                                 f"False ({computed.reason}: {computed.message})", "True",
                                 f"Initialized=True but {computed.message or computed.reason}", source=_SRC_INITIALIZED))
    for c in snap.init + snap.app:
        if c.kind in ("app", "sidecar") and c.status.ready and c.state != "running":
            out.append(violation(snap, "condition-inconsistent", status_field(c, "ready"), "false (not running)", "true",
                                 f"container {c.name} is {c.describe()} but reports ready", container=c.name,
                                 source=_SRC_CONTAINER_READY))
    return out


# ---------------------------------------------------------------------------------
# Init order
# ---------------------------------------------------------------------------------
def _completed(c: ContainerSnap) -> bool:
    return c.state == "terminated" and c.status.exit_code == 0


def initialized_now(cfg: PodConfig, snap: Snapshot) -> bool:
    """Whether this observation shows the pod initialized (for `check_init_order`'s memory).

    True when every regular init container completed, an app container has run, or
    ``Initialized`` is True.
    """
    if snap.cond_status("Initialized") == "True":
        return True
    if any(c.state in ("running", "terminated") or c.status.has_last_termination for c in snap.app):
        return True
    by_name = {}
    for c in snap.init:
        by_name.setdefault(c.name, c)
    return all((s := by_name.get(spec.name)) is not None and _completed(s) for spec in cfg.regular_init)


def check_init_order(cfg: PodConfig, snap: Snapshot, *, seen_initialized: bool = False) -> list[Violation]:
    """``init-order``: regular init containers one at a time, in order, before app containers.

    ``seen_initialized`` says an earlier observation of the pod showed it initialized
    (then terminated app containers during a re-initialization are legal, §10.6).

    Source: k8s-invariants.md I1-I3 (``test/e2e/common/node/init_container.go``
    ``initialized()``, ``test/e2e/node/pods.go``), k8s-semantics.md §7.1.

    >>> from podmodel.model.reference import pod_config
    >>> from podmodel.oracle.observation import snapshot
    >>> pod = {"spec": {"initContainers": [{"name": "i1"}, {"name": "i2"}], "containers": [{"name": "a"}]},
    ...        "status": {"initContainerStatuses": [{"name": "i1", "state": {"running": {}}},
    ...                                             {"name": "i2", "state": {"running": {}}}]}}
    >>> cfg = pod_config(pod)
    >>> [(v.container, v.message) for v in check_init_order(cfg, snapshot(pod, cfg, index=0))]
    [('i2', 'init container i2 is running while the earlier init container i1 is running')]
    """
    if not cfg.init_containers:
        return []
    by_name: dict[str, ContainerSnap] = {}
    for c in snap.init:
        by_name.setdefault(c.name, c)
    out: list[Violation] = []
    blocker: ContainerSnap | None = None  # the first regular init container not completed
    for spec in cfg.init_containers:
        s = by_name.get(spec.name)
        if s is None or spec.is_sidecar:
            continue
        if blocker is not None and s.state == "running":
            out.append(violation(snap, "init-order", status_field(s, "state"), "waiting", s.describe(),
                                 f"init container {s.name} is running while the earlier init container {blocker.name} "
                                 f"is {blocker.describe()}", container=s.name, source=_SRC_INIT_SERIAL))
        if blocker is None and not _completed(s):
            blocker = s
    rerun = any((c.restart_count or 0) > 0 or c.status.has_last_termination for c in snap.init)
    if not seen_initialized and not rerun:
        out.extend(_init_ran_too_early(cfg, snap, by_name, {v.container for v in out}))
    never_ran_sidecars = [by_name[sc.name] for sc in cfg.sidecars if sc.name in by_name
                          and by_name[sc.name].state == "waiting" and not by_name[sc.name].status.has_last_termination
                          and not by_name[sc.name].restart_count]
    if blocker is None and not never_ran_sidecars:
        return out
    for c in snap.app:
        st = c.status
        running = c.state == "running" or st.started is True
        if blocker is not None:
            what = f"the init container {blocker.name} is {blocker.describe()}"
            if running:
                out.append(violation(snap, "init-order", status_field(c, "state"), "waiting (PodInitializing)", c.describe(),
                                     f"app container {c.name} is {c.describe()} while {what}", container=c.name,
                                     source=_SRC_INIT_APP))
                continue
            if (c.state == "terminated" or st.has_last_termination) and not seen_initialized and not rerun:
                out.append(violation(snap, "init-order", status_field(c, "state"), "waiting (PodInitializing), no last termination",
                                     c.describe(), f"app container {c.name} has run ({c.describe()}) while {what}",
                                     container=c.name, source=_SRC_INIT_APP))
                continue
        if running and never_ran_sidecars:
            sc = never_ran_sidecars[0]
            out.append(violation(snap, "init-order", status_field(c, "state"), "waiting (PodInitializing)", c.describe(),
                                 f"app container {c.name} is running but sidecar {sc.name} has never started ({sc.describe()})",
                                 container=c.name, source=_SRC_SIDECAR))
    return out


def _has_run(c: ContainerSnap) -> bool:
    return c.state in ("running", "terminated") or c.status.has_last_termination or bool(c.restart_count) \
        or c.status.started is True


def _never_ran(c: ContainerSnap) -> bool:
    return not _has_run(c)


def _init_ran_too_early(cfg: PodConfig, snap: Snapshot, by_name: dict[str, ContainerSnap],
                        reported: set) -> list[Violation]:
    """Init containers start one after another in spec order: a regular init container only
    after the earlier ones completed (exit 0), a sidecar's successors only after it started.

    So a later init container (regular or sidecar) that has run -- running, terminated, a
    last termination, a restart -- while an earlier regular init container has never
    completed, or an earlier sidecar has never run, shows an order no sequence of kubelet
    syncs produces, however many updates were coalesced between observations.  Called only
    when no init container shows a previous run and the pod was never seen initialized
    (after a sandbox recreation, statuses of the old sandbox's later init containers stay
    while the first ones re-run, §10.6).

    Source: kuberuntime ``computeInitContainerActions`` (the first init container not done
    is the only one started; a sidecar must be started before the next one runs);
    k8s-invariants.md I1; KEP-753 (sidecars start in order).
    """
    out: list[Violation] = []
    gate: tuple[ContainerSnap, str] | None = None  # the first earlier init container that holds the others back
    for spec in cfg.init_containers:
        s = by_name.get(spec.name)
        if s is None:
            continue
        if gate is not None and _has_run(s) and s.name not in reported:
            blocker, why = gate
            out.append(violation(snap, "init-order", status_field(s, "state"), "waiting (never run)", s.describe(),
                                 f"init container {s.name} has run ({s.describe()}) while the earlier "
                                 f"{'sidecar' if why == 'sidecar' else 'init container'} {blocker.name} "
                                 f"{'has never started' if why == 'sidecar' else 'has not completed'} ({blocker.describe()})",
                                 container=s.name, source=_SRC_INIT_SERIAL))
            continue
        if gate is None:
            if spec.is_sidecar and _never_ran(s):
                gate = (s, "sidecar")
            elif not spec.is_sidecar and not _completed(s):
                gate = (s, "init")
    return out


def observation_key(snap: Snapshot) -> tuple:
    """Everything the single-observation rules read from a snapshot, for "did anything change?".

    Container statuses compare by identity: `~podmodel.oracle.observation.snapshot` reuses
    the objects of unchanged statuses.
    """
    return (snap.phase, snap.reason, bool(snap.deletion_timestamp), snap.conditions, snap.init, snap.app,
            snap.init_nil, snap.app_nil)


def clean_key_of(snap: Snapshot) -> tuple:
    """Everything the single-observation rules read, by value (hashable): two snapshots with
    equal keys under the same configuration get the same verdict."""
    return (snap.phase, snap.reason, bool(snap.deletion_timestamp), snap.conditions,
            tuple((c.name, c.kind, c.status, c.restart_count) for c in snap.init),
            tuple((c.name, c.kind, c.status, c.restart_count) for c in snap.app), snap.init_nil, snap.app_nil)


def check_observation(cfg: PodConfig, snap: Snapshot, *, seen_initialized: bool = False) -> list[Violation]:
    """Every single-observation rule: phase, conditions, init order.

    >>> from podmodel.model.reference import pod_config
    >>> from podmodel.oracle.observation import snapshot
    >>> pod = {"metadata": {"name": "job"}, "spec": {"restartPolicy": "Never", "containers": [{"name": "a"}]},
    ...        "status": {"phase": "Succeeded", "conditions": [{"type": "Ready", "status": "True"}],
    ...                   "containerStatuses": [{"name": "a", "state": {"terminated": {"exitCode": 0}}}]}}
    >>> [(v.id, v.field) for v in check_observation(pod_config(pod), snapshot(pod, None, index=0))]
    [('condition-inconsistent', 'status.conditions[Ready]')]
    """
    return (check_phase(cfg, snap) + check_conditions(cfg, snap)
            + check_init_order(cfg, snap, seen_initialized=seen_initialized))
