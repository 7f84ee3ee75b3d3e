"""Hidden steps between two observations: the coalescing search.

Two consecutive observations of one pod may hide any number of status updates (a watch
that coalesces, a poll every few seconds, an audit log at a coarse level).  The oracle
flags a change only when **every** sequence of hidden steps that could connect the two
observations is illegal; when one legal sequence exists, it does not.

The steps are not restated here: they are the transitions of the model's container
machine, `podmodel.model.machines.CONTAINER` (the same declaration the product model,
the diagrams and the export use), read as data -- source state, destination state,
trigger and the names of its guards.  What the declaration keeps beside the machine
state (``ContainerState``: exit code, last exit code, restart count) becomes the
search's parameters, with one addition an observer can see and the model does not
need: the *identity* of a termination (which instance ended), so that a
``lastState.terminated`` that is the very same record as before is not mistaken for a
newer exit.

**Abstraction.**  A container status is read as a set of machine states (`machine_states`:
``waiting``'s reason, ``running``'s ``started``/``ready``, ``terminated``) plus three
parameters.  A search node is ``(machine state, current termination, last termination,
restarts counted, same instance, sandbox recreated)``; a termination is ``OLD`` (the
first observation's ``state.terminated``), ``LAST`` (its ``lastState.terminated``) or
``("new", exit code)`` -- an exit between the observations, with the exit code the
second observation shows or ``None`` for any other code.

**Guards.**  Of the declared guards only those the observations decide are evaluated:
``should_restart`` (`podmodel.model.kubelet.kubelet_restarts`, the kubelet's
``ShouldContainerBeRestarted`` with container restart rules; a completed regular init
container is never restarted) and the pod-level recreation of the sandbox (only when
``restartPolicy`` is not ``Never``, kuberuntime ``computePodActions``).  Timing and
pod-level guards (``kubelet_connected``, ``start_order``, probes, ``not_finishing``) are
hidden inputs: assumed to hold at some moment.

**Bounds.**  The search is finite: nine machine states, terminations drawn from at most
five identities, the restart counter saturating at ``min(restartCount delta, CAP)`` and
two flags.  restartCount is read as a lower bound on the restarts that happened (a
bounded model saturates its counter; Kubernetes takes it from the runtime's labels).

**Observation-only steps** (real kubelet behaviour that the model does not draw as a
machine edge; each documented in ``docs/oracle.md`` §6b):

* ``vanished``: a running container the runtime no longer lists is reported with
  ``lastState.terminated`` 137 ``ContainerStatusUnknown`` and restartCount + 1, waiting
  or terminated (``kubelet_pods.go convertToAPIContainerStatuses``).
* ``restart_pending``: an exited container that will be restarted may show ``waiting``
  with its exit in ``lastState`` before the new instance exists (``ContainerCreating``,
  ``RunContainerError``), guarded by ``should_restart`` like ``back_off``.
* ``sandbox_reset`` of a waiting container changes nothing but the recreation flag, and
  (``sandbox_reset_kept``) a terminated container may keep showing the old sandbox's dead
  instance until it is re-created (k8s-invariants.md §10.6), a crash-looping one its
  ``CrashLoopBackOff`` (the kubelet's ``reasonCache`` keeps the last start error).
* ``waiting_retry``: before an instance exists, the waiting reasons follow each other in
  any order (``ImagePullBackOff`` -> ``ErrImagePull`` when the retried pull fails again,
  ``CreateContainerConfigError`` after a pull; a back-off's restart attempt that fails to
  pull or to create), with ``lastState`` kept (kuberuntime ``startContainer``,
  ``images.EnsureImageExists``).

``started`` and ``ready`` are not read: they are probe results, hidden inputs (a kubelet
restart resets the prober), checked by the single-observation rules.

The pod-level coupling (a sandbox recreation resets *every* container) is made in
`podmodel.oracle.steps`: a container legal only through a recreation needs every other
container of the pod to admit one too.

>>> from podmodel.model.reference import pod_config
>>> from podmodel.oracle.observation import snapshot
>>> pod = lambda st, last=None, n=0: {"spec": {"restartPolicy": "OnFailure", "containers": [{"name": "a"}]},
...     "status": {"containerStatuses": [{"name": "a", "restartCount": n, "state": st,
...                                       "lastState": {"terminated": last} if last else {}}]}}
>>> old = pod({"running": {}}, {"exitCode": 1, "containerID": "c://1"}, 1)
>>> new = pod({"running": {}}, {"exitCode": 0, "containerID": "c://2"}, 2)
>>> cfg = pod_config(old)
>>> r = search(cfg, cfg.containers[0], snapshot(old, cfg, index=0).app[0], snapshot(new, cfg, index=1).app[0])
>>> r.legal, r.relaxed, describe_block(cfg, cfg.containers[0], r)
(False, True, 'pod restartPolicy OnFailure forbids a restart after exit code 0')
"""

from __future__ import annotations

from collections import deque
from functools import lru_cache
from typing import Any, NamedTuple

from podmodel.model import kubelet
from podmodel.model.config import ContainerSpec, PodConfig
from podmodel.model.machines import CONTAINER, MachineDecl
from podmodel.oracle.observation import ContainerSnap

#: The first observation's ``state.terminated`` / ``lastState.terminated``.
OLD, LAST = "old", "last"
#: Restarts counted exactly up to this many; beyond, restartCount deltas are compared as "at least CAP".
CAP = 3
#: How many distinct search questions are remembered (most traces repeat a few).
CACHE = 8192

RUNNING = frozenset({"Running", "Started", "Ready"})
_WAITING_LIKE = frozenset({"Waiting", "ErrImagePull", "ImagePullBackOff", "CreateContainerConfigError", "CrashLoopBackOff"})
_WAITING_REASONS = {
    "ContainerCreating": "Waiting", "PodInitializing": "Waiting", "ErrImagePull": "ErrImagePull",
    "ImagePullBackOff": "ImagePullBackOff", "CreateContainerConfigError": "CreateContainerConfigError",
    "CrashLoopBackOff": "CrashLoopBackOff",
}
_SRC = ("podmodel.model.machines.CONTAINER (the model's container machine); kubelet_pods.go "
        "convertToAPIContainerStatuses; kuberuntime computePodActions; kubecontainer.ShouldContainerBeRestarted")


def machine_states(c: ContainerSnap) -> frozenset[str]:
    """The container-machine states an observed status can be in.

    >>> from podmodel.oracle.observation import snapshot
    >>> snap = snapshot({"status": {"containerStatuses": [{"name": "a", "state": {"waiting": {"reason": "ErrImagePull"}}}]}},
    ...                 None, index=0)
    >>> sorted(machine_states(snap.app[0]))
    ['ErrImagePull']
    """
    s = c.status
    if s.state == "terminated":
        return frozenset({"Terminated"})
    if s.state == "running":
        return RUNNING  # started/ready are probe results: hidden inputs (a kubelet restart resets the prober)
    if s.state == "waiting":
        known = _WAITING_REASONS.get(s.reason or "ContainerCreating")
        return frozenset({known}) if known else _WAITING_LIKE
    return frozenset(CONTAINER.state_names)


def _terminations(c: ContainerSnap) -> tuple[dict | None, dict | None]:
    raw = c.raw if type(c.raw) is dict else {}
    state, last = raw.get("state"), raw.get("lastState")
    cur = state.get("terminated") if type(state) is dict else None
    prev = last.get("terminated") if type(last) is dict else None
    return (cur if type(cur) is dict else None), (prev if type(prev) is dict else None)


def relation(a: dict | None, b: dict | None) -> str:
    """Whether two termination records are the same exit: ``same``, ``diff`` or ``maybe``.

    The identity is the ``containerID`` (one instance terminates once); without it on
    both, a different exit code or timestamp tells them apart, else they may be one.

    >>> relation({"exitCode": 1, "containerID": "c://1"}, {"exitCode": 1, "containerID": "c://1"})
    'same'
    >>> relation({"exitCode": 1}, {"exitCode": 1})
    'maybe'
    """
    if a is None or b is None:
        return "diff"
    ia, ib = a.get("containerID"), b.get("containerID")
    if ia and ib:
        return "same" if ia == ib else "diff"
    if a.get("exitCode") != b.get("exitCode"):
        return "diff"
    for k in ("startedAt", "finishedAt"):
        x, y = a.get(k), b.get(k)
        if x and y and x != y:
            return "diff"
    return "maybe"


def _allowed(record: dict | None, old_cur: dict | None, old_last: dict | None) -> frozenset:
    """The termination identities a search node may hold to show ``record``."""
    if record is None:
        return frozenset({None})
    out: set = set()
    r_old, r_last = relation(record, old_cur), relation(record, old_last)
    if r_old != "diff":
        out.add(OLD)
    if r_last != "diff":
        out.add(LAST)
    if r_old != "same" and r_last != "same":
        code = record.get("exitCode")
        out.add(("new", code if type(code) is int else None))
    return frozenset(out)


class Question(NamedTuple):
    """What the search reads from two observations of one container (hashable)."""

    start: frozenset[str]
    goal: frozenset[str]
    old_cur: bool
    old_last: bool
    old_cur_code: int | None
    old_last_code: int | None
    need: int
    same: bool | None
    cur_ok: frozenset
    last_ok: frozenset


#: Steps the search takes that the model draws no edge for (module docstring).
OBSERVATION_ONLY = frozenset({"vanished", "restart_pending", "sandbox_reset_kept", "waiting_retry"})
_PRE_START = ("Waiting", "ErrImagePull", "ImagePullBackOff", "CreateContainerConfigError")


def question(old: ContainerSnap | None, new: ContainerSnap) -> Question:
    """The `Question` for one container between two observations (``old`` None: the
    container had no status yet, so it starts in the machine's initial state)."""
    if old is None:
        nc, nl = _terminations(new)
        return Question(frozenset({CONTAINER.initial}), machine_states(new), False, False, None, None,
                        min(max(new.restart_count or 0, 0), CAP), None, _allowed(nc, None, None), _allowed(nl, None, None))
    oc, ol = _terminations(old)
    nc, nl = _terminations(new)
    need = 0
    if old.restart_count is not None and new.restart_count is not None:
        need = min(max(new.restart_count - old.restart_count, 0), CAP)
    same = None
    if old.state in ("running", "terminated") and new.state in ("running", "terminated") \
            and old.container_id and new.container_id:
        same = old.container_id == new.container_id
    code = lambda d: d.get("exitCode") if d is not None and type(d.get("exitCode")) is int else None  # noqa: E731
    return Question(machine_states(old), machine_states(new), oc is not None, ol is not None, code(oc), code(ol),
                    need, same, _allowed(nc, oc, ol), _allowed(nl, oc, ol))


class Result(NamedTuple):
    """The search's answer.

    ``tags``: for the legal paths, whether they recreate the sandbox (``{False}``,
    ``{True}``, both, or empty when no path is legal).  ``relaxed``: a path exists when
    ``should_restart`` is ignored (so the restart policy is what every path breaks).
    ``blocked``: exit codes after which a needed restart was refused (None: any code).
    ``witnesses``: ``(tag, steps)``: the triggers of a shortest legal path per tag.
    """

    tags: frozenset[bool]
    relaxed: bool
    blocked: tuple
    witnesses: tuple[tuple[bool, tuple[str, ...]], ...] = ()

    def witness(self, reset: bool | None = None) -> tuple[str, ...]:
        """The steps of a shortest legal path (through a sandbox recreation or not, if given)."""
        for tag, steps in self.witnesses:
            if reset is None or tag == reset:
                return steps
        return ()

    @property
    def legal(self) -> bool:
        return bool(self.tags)


class _Node(NamedTuple):
    m: str
    cur: Any
    last: Any
    n: int
    same: bool
    reset: bool
    final: bool = False  # TerminatePod wrote the final status: nothing starts again


def _code_of(ident: Any, q: Question) -> int | None:
    if ident == OLD:
        return q.old_cur_code
    if ident == LAST:
        return q.old_last_code
    return ident[1] if ident is not None else None


def _fresh(q: Question) -> tuple:
    codes = {i[1] for i in q.cur_ok | q.last_ok if type(i) is tuple and i[1] is not None}
    return tuple(("new", c) for c in sorted(codes)) + (("new", None),)


def _successors(node: _Node, q: Question, decl: MachineDecl, restarts, recreate: bool, fresh: tuple, init: bool):
    """``(trigger, next node, exit code a restart guard refused or "")`` for every step out of ``node``."""
    m = node.m
    if node.final:
        return
    kill = ("new", 137) if ("new", 137) in fresh else ("new", None)
    sat = lambda k: min(node.n + k, q.need)  # noqa: E731
    for t in decl.transitions_from(m):
        trig, dest = t.trigger, t.dest
        if "should_restart" in t.guards:
            code = _code_of(node.cur if m == "Terminated" else node.last, q)
            if not restarts(code):
                yield trig, None, code
                continue
        if trig in ("startup_probe_failed", "liveness_probe_failed"):
            yield trig, node._replace(m=dest, cur=kill), ""  # killed: exit 137
        elif trig == "terminate_unknown":  # TerminatePod: 137 ContainerStatusUnknown, the pod is finished
            yield trig, node._replace(m=dest, cur=kill, final=True), ""
        elif trig == "exit":
            for f in fresh:
                yield trig, node._replace(m=dest, cur=f), ""
        elif trig in ("start", "start_and_exit"):
            if node.last is not None and not (init and node.reset):
                # A new instance of a container that ran before: after a sandbox recreation the
                # kubelet starts again only what it would restart (computePodActions skips an
                # OnFailure container that succeeded; every init container re-runs).
                code = _code_of(node.last, q)
                if not restarts(code):
                    yield trig, None, code
                    continue
            if trig == "start":
                yield trig, node._replace(m=dest, n=sat(node.last is not None), same=False), ""
            else:
                for f in fresh:
                    yield trig, node._replace(m=dest, cur=f, n=sat(node.last is not None), same=False), ""
        elif trig == "back_off":
            yield trig, node._replace(m=dest, cur=None, last=node.cur), ""
        elif trig == "restart":
            last = node.cur if m == "Terminated" else node.last
            yield trig, node._replace(m=dest, cur=None, last=last, n=sat(1), same=False), ""
        elif trig == "deletion_ends_backoff":
            yield trig, node._replace(m=dest, cur=node.last), ""
        elif trig == "sandbox_reset":
            if not recreate:
                continue
            if m in RUNNING:
                for f in fresh:
                    yield trig, node._replace(m=dest, cur=None, last=f, same=False, reset=True), ""
            else:
                last = node.cur if m == "Terminated" else node.last
                yield trig, node._replace(m=dest, cur=None, last=last, same=False, reset=True), ""
        else:
            yield trig, node._replace(m=dest), ""
    # Observation-only steps (module docstring).
    if m in RUNNING:
        yield "vanished", node._replace(m="Waiting", cur=None, last=kill, n=sat(1), same=False), ""
        yield "vanished", node._replace(m="Terminated", cur=kill, n=sat(1), same=False), ""
    elif m == "Terminated":
        code = _code_of(node.cur, q)
        if restarts(code):
            yield "restart_pending", node._replace(m="Waiting", cur=None, last=node.cur), ""
        else:
            yield "restart_pending", None, code
        if recreate:
            yield "sandbox_reset_kept", node._replace(reset=True), ""
    elif m == "Waiting" and recreate:
        yield "sandbox_reset", node._replace(reset=True), ""
    elif m == "CrashLoopBackOff" and recreate:
        # the kubelet's reason cache keeps CrashLoopBackOff until the container starts again
        yield "sandbox_reset_kept", node._replace(reset=True), ""
    if m in _PRE_START or m == "CrashLoopBackOff":
        # The kubelet retries pulls and container creation: any waiting reason before the
        # instance exists may follow any other (a back-off's restart attempt included).
        for dest in _PRE_START:
            if dest != m:
                yield "waiting_retry", node._replace(m=dest), ""


def _goal(node: _Node, q: Question) -> bool:
    return (node.m in q.goal and node.n >= q.need and node.cur in q.cur_ok and node.last in q.last_ok
            and (q.same is None or node.same == q.same))


def _bfs(q: Question, restarts, recreate: bool, init: bool) -> tuple[frozenset[bool], tuple, tuple]:
    """Breadth first from the first observation's nodes: ``(tags, blocked, witnesses)``."""
    decl = CONTAINER
    fresh = _fresh(q)
    starts = [_Node(m, OLD if q.old_cur else None, LAST if q.old_last else None, 0, True, False) for m in sorted(q.start)]
    parent: dict[_Node, tuple[_Node, str] | None] = dict.fromkeys(starts)
    queue = deque(starts)
    tags: set[bool] = set()
    blocked: list = []
    witnesses: list = []
    while queue:
        node = queue.popleft()
        if _goal(node, q) and node.reset not in tags:
            steps, x = [], node
            while parent[x] is not None:
                x, trig = parent[x]
                steps.append(trig)
            witnesses.append((node.reset, tuple(reversed(steps))))
            tags.add(node.reset)
            if len(tags) == 2 or not recreate:
                break
        for trig, nxt, refused in _successors(node, q, decl, restarts, recreate, fresh, init):
            if nxt is None:
                if refused not in blocked:
                    blocked.append(refused)
                continue
            if nxt not in parent:
                parent[nxt] = (node, trig)
                queue.append(nxt)
    return frozenset(tags), tuple(blocked), tuple(witnesses)


def may_restart(cfg: PodConfig, spec: ContainerSpec, code: int | None) -> bool:
    """``should_restart`` for an exit with ``code`` (None: some exit code, unseen)."""
    if code is not None:
        return kubelet.kubelet_restarts(cfg, spec, code)
    codes = {0, 1, 2, 126, 127, 128, 137, 139, 143, 255}
    for rule in spec.restart_rules:
        codes.update(rule.values)
        codes.update(v + 1 for v in rule.values)
    return any(kubelet.kubelet_restarts(cfg, spec, c) for c in sorted(codes))


@lru_cache(maxsize=CACHE)
def _search(cfg: PodConfig, name: str, q: Question) -> Result:
    spec = cfg.container(name)
    table: dict = {}

    def restarts(code: int | None) -> bool:
        hit = table.get(code)
        if hit is None:
            hit = table[code] = may_restart(cfg, spec, code)
        return hit

    recreate = cfg.restart_policy != "Never"
    init = spec.is_regular_init
    tags, blocked, witnesses = _bfs(q, restarts, recreate, init)
    if tags:
        return Result(tags, True, (), witnesses)
    relaxed, _, _ = _bfs(q, lambda code: True, recreate, init)
    return Result(frozenset(), bool(relaxed), blocked)


def search(cfg: PodConfig, spec: ContainerSpec, old: ContainerSnap | None, new: ContainerSnap) -> Result:
    """Is there a sequence of hidden container steps from ``old`` to ``new``?  (Cached.)"""
    return _search(cfg, spec.name, question(old, new))


def describe_block(cfg: PodConfig, spec: ContainerSpec, r: Result) -> str:
    """Why the restarts every path needs are refused, in words (for messages)."""
    policy = spec.restart_policy if (spec.restart_policy and cfg.gates.get("ContainerRestartRules")) else None
    who = f"container restartPolicy {policy}" if policy else f"pod restartPolicy {cfg.restart_policy}"
    codes = [c for c in r.blocked if c is not None]
    if spec.is_regular_init and 0 in codes:
        if cfg.restart_policy == "Never":
            return "a completed init container is never re-run (and restartPolicy Never never recreates the sandbox)"
        return "a completed init container is re-run only with a new sandbox"
    if codes:
        return f"{who} forbids a restart after exit code {codes[0]}"
    return f"{who} allows no restart for any exit code"
