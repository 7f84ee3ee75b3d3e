"""Hypothesis strategies for users: realistic Pod manifests, configurations, action sequences.

* `pod_manifests` draws Pod manifests (plain dicts, as ``kubectl get -o json`` would
  show the spec) that `podmodel.model.config.PodConfig.from_manifest` accepts: every restart
  policy, 0-2 regular init containers, 0-1 sidecar placed among them, 1-3 app
  containers, startup / readiness / liveness probes where the API allows them,
  readiness gates, ``activeDeadlineSeconds``, grace periods, container-level
  ``restartPolicy`` and ``restartPolicyRules`` (KEP-5307), optionally the checking
  bounds annotation, and optionally wrapped in a workload (Deployment, Job).
* `pod_configs` is the same, parsed to `PodConfig`.
* `action_sequences` draws sequences of actions that are enabled one after the other
  from the initial state of a model: every sequence replays (`Model.replay`).

Use them in your own property tests::

    from hypothesis import given
    from podmodel.testing.strategies import pod_manifests

    @given(pod_manifests())
    def test_my_controller_accepts_every_pod(manifest):
        ...

>>> from hypothesis import given, settings
>>> from podmodel.model.config import PodConfig
>>> @settings(max_examples=20, database=None)
... @given(pod_manifests())
... def check(manifest):
...     assert 1 <= len(PodConfig.from_manifest(manifest).containers) <= 3
>>> check()
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from podmodel.model.actions import Action
from podmodel.model.bounds import ANNOTATION, Bounds
from podmodel.model.config import PROBE_KINDS, RESTART_POLICIES, PodConfig
from podmodel.model.product import Model

__all__ = ["pod_manifests", "pod_configs", "action_sequences", "bounds"]

APP_NAMES = ("web", "worker", "metrics")
INIT_NAMES = ("fetch", "migrate")
SIDECAR_NAME = "proxy"
IMAGES = {"web": "nginx:1.27", "worker": "busybox:1.36", "metrics": "prom/node-exporter:v1.8.2",
          "fetch": "curlimages/curl:8.10.1", "migrate": "busybox:1.36", "proxy": "envoyproxy/envoy:v1.31"}
#: Exit codes restart rules mention: success, errors, a training job's "retry me", SIGKILL.
RULE_CODES = (0, 1, 2, 42, 137)

_handlers = st.sampled_from([
    {"httpGet": {"path": "/healthz", "port": 8080}},
    {"tcpSocket": {"port": 8080}},
    {"exec": {"command": ["cat", "/tmp/ready"]}},
    {"grpc": {"port": 9090}},
])


@st.composite
def _probes(draw: st.DrawFn, kinds: tuple[str, ...] = PROBE_KINDS) -> dict[str, Any]:
    out = {}
    for kind in kinds:
        if draw(st.booleans()):
            probe = dict(draw(_handlers))
            if draw(st.booleans()):
                probe["periodSeconds"] = draw(st.integers(1, 30))
            if draw(st.booleans()):
                probe["failureThreshold"] = draw(st.integers(1, 5))
            out[f"{kind}Probe"] = probe
    return out


@st.composite
def _restart_rules(draw: st.DrawFn) -> list[dict[str, Any]]:
    rules = []
    for _ in range(draw(st.integers(1, 2))):
        codes = draw(st.lists(st.sampled_from(RULE_CODES), min_size=1, max_size=3, unique=True))
        rules.append({"action": "Restart",
                      "exitCodes": {"operator": draw(st.sampled_from(["In", "NotIn"])), "values": sorted(codes)}})
    return rules


@st.composite
def _app_container(draw: st.DrawFn, name: str, probes: bool, container_policies: bool) -> dict[str, Any]:
    c: dict[str, Any] = {"name": name, "image": IMAGES[name]}
    if probes:
        c.update(draw(_probes()))
    if container_policies and draw(st.integers(0, 3)) == 0:
        c["restartPolicy"] = draw(st.sampled_from(RESTART_POLICIES))
        if draw(st.booleans()):
            c["restartPolicyRules"] = draw(_restart_rules())
    return c


@st.composite
def bounds(draw: st.DrawFn, config: PodConfig | None = None) -> Bounds:
    """Small checking bounds (`podmodel.model.bounds.Bounds`) suitable for exploring a pod.

    >>> from hypothesis import find
    >>> find(bounds(), lambda b: b.node_loss).node_loss
    True
    """
    return Bounds(
        max_restarts=draw(st.integers(0, 2)),
        exit_codes=tuple(sorted(draw(st.sets(st.sampled_from((0, 1, 2, 137)), min_size=1, max_size=2)))),
        image_pull_errors=draw(st.booleans()),
        config_errors=draw(st.booleans()),
        probes=draw(st.booleans()),
        node_loss=draw(st.booleans()),
        sandbox_recreations=draw(st.integers(0, 1)),
        deletion=draw(st.booleans()),
        force_delete=draw(st.booleans()),
        eviction=draw(st.booleans()),
    )


@st.composite
def pod_manifests(draw: st.DrawFn, *, restart_policies: tuple[str, ...] = RESTART_POLICIES,
                  max_init: int = 2, max_sidecars: int = 1, min_apps: int = 1, max_apps: int = 3,
                  probes: bool = True, container_policies: bool = True, with_bounds: bool = False,
                  workloads: bool = False) -> dict[str, Any]:
    """Realistic Pod manifests that `PodConfig.from_manifest` accepts.

    Parameters
    ----------
    restart_policies : tuple of str
        Pod ``restartPolicy`` values to draw from.
    max_init, max_sidecars : int
        At most this many regular init containers (0-2) and sidecars (0-1); the
        sidecar is placed anywhere among the init containers.
    min_apps, max_apps : int
        How many app containers (1-3).
    probes : bool
        Draw startup / readiness / liveness probes (sidecars and app containers only:
        the API refuses probes on regular init containers).
    container_policies : bool
        Draw container-level ``restartPolicy`` and ``restartPolicyRules`` on app
        containers (KEP-5307; rules only with the container's own policy).
    with_bounds : bool
        Add a ``podmodel.io/bounds`` annotation drawn by `bounds`.
    workloads : bool
        Sometimes wrap the pod template in a Deployment (``restartPolicy: Always``)
        or a Job (``OnFailure`` / ``Never``).

    Returns
    -------
    SearchStrategy of dict

    Examples
    --------
    >>> from hypothesis import find
    >>> m = find(pod_manifests(), lambda m: len(m["spec"].get("initContainers", [])) == 3)
    >>> [c.get("restartPolicy") for c in m["spec"]["initContainers"]].count("Always")
    1
    """
    if not 0 <= max_init <= len(INIT_NAMES) or not 0 <= max_sidecars <= 1:
        raise ValueError("max_init must be 0-2 and max_sidecars 0-1")
    if not 1 <= min_apps <= max_apps <= len(APP_NAMES):
        raise ValueError("need 1 <= min_apps <= max_apps <= 3")
    policy = draw(st.sampled_from(restart_policies))
    inits: list[dict[str, Any]] = [{"name": n, "image": IMAGES[n]} for n in INIT_NAMES[:draw(st.integers(0, max_init))]]
    if draw(st.integers(0, max_sidecars)):
        sidecar: dict[str, Any] = {"name": SIDECAR_NAME, "image": IMAGES[SIDECAR_NAME], "restartPolicy": "Always"}
        if probes:
            sidecar.update(draw(_probes()))
        inits.insert(draw(st.integers(0, len(inits))), sidecar)
    apps = [draw(_app_container(n, probes, container_policies)) for n in APP_NAMES[:draw(st.integers(min_apps, max_apps))]]
    spec: dict[str, Any] = {"restartPolicy": policy}
    if inits:
        spec["initContainers"] = inits
    spec["containers"] = apps
    gates = draw(st.integers(0, 2))
    if gates:
        spec["readinessGates"] = [{"conditionType": f"example.com/gate-{k}"} for k in range(gates)]
    if draw(st.booleans()):
        spec["activeDeadlineSeconds"] = draw(st.sampled_from([30, 600, 3600]))
    if draw(st.booleans()):
        spec["terminationGracePeriodSeconds"] = draw(st.sampled_from([0, 5, 30, 60]))
    metadata: dict[str, Any] = {"name": "pod", "labels": {"app": "podmodel"}}
    if with_bounds:
        b = draw(bounds())
        metadata["annotations"] = {ANNOTATION: json.dumps(b.to_mapping(), sort_keys=True)}
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}
    if workloads and draw(st.booleans()):
        template = {"metadata": {"labels": metadata["labels"]}, "spec": spec}
        if policy == "Always":
            return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata,
                    "spec": {"replicas": 1, "selector": {"matchLabels": metadata["labels"]}, "template": template}}
        return {"apiVersion": "batch/v1", "kind": "Job", "metadata": metadata, "spec": {"template": template}}
    return pod


def pod_configs(**kwargs: Any) -> st.SearchStrategy[PodConfig]:
    """`PodConfig` values parsed from `pod_manifests` (same keyword arguments).

    >>> from hypothesis import find
    >>> find(pod_configs(), lambda c: bool(c.sidecars) and c.restart_policy == "Never").sidecars[0].name
    'proxy'
    """
    return pod_manifests(**kwargs).map(PodConfig.from_manifest)


@st.composite
def action_sequences(draw: st.DrawFn, config: PodConfig | Model, *, bounds: Bounds | None = None,
                     max_size: int = 30) -> list[Action]:
    """Sequences of actions, each enabled in the state the previous ones lead to.

    The sequence starts in the model's (first) initial state, so
    ``model.replay(sequence)`` replays it.

    Parameters
    ----------
    config : PodConfig or Model
        The pod configuration (modelled under ``bounds``) or a ready `Model`.
    bounds : Bounds, optional
        Checking bounds when ``config`` is a `PodConfig` (default `Bounds()`).
    max_size : int
        At most this many actions; a sequence also ends where nothing is enabled.

    Examples
    --------
    >>> from hypothesis import find
    >>> from podmodel.model.config import ContainerSpec
    >>> cfg = PodConfig(containers=(ContainerSpec("app"),), restart_policy="Never")
    >>> find(action_sequences(cfg), lambda seq: len(seq) >= 3)
    [SchedulerBind(node='node-1'), KubeletCreateSandbox(), KubeletStartContainer(container='app')]
    """
    model = config if isinstance(config, Model) else Model(config, bounds)
    state = model.initial_states()[0]
    out: list[Action] = []
    for _ in range(draw(st.integers(0, max_size))):
        enabled = model.actions(state)
        if not enabled:
            break
        action = draw(st.sampled_from(enabled))
        state = model.next_state(state, action)
        out.append(action)
    return out
