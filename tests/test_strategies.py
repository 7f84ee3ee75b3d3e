"""The exported strategies: realistic manifests the model accepts, and replayable action sequences."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from podmodel.model import Model
from podmodel.model.bounds import ANNOTATION, Bounds
from podmodel.model.config import RESTART_POLICIES, PodConfig
from podmodel.testing.strategies import (
    action_sequences,
    bounds,
    pod_configs,
    pod_manifests,
)
from podmodel.verifier.scenarios import scenario_from_text

FAST = settings(max_examples=60, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(pod_manifests(with_bounds=True, workloads=True))
def test_every_manifest_is_accepted_and_keeps_its_shape(manifest):
    cfg = PodConfig.from_manifest(manifest)
    spec = manifest["spec"]["template"]["spec"] if manifest["kind"] != "Pod" else manifest["spec"]
    assert cfg.restart_policy == spec["restartPolicy"]
    assert 1 <= len(cfg.containers) <= 3
    assert len(cfg.regular_init) <= 2 and len(cfg.sidecars) <= 1
    assert all(not c.probes for c in cfg.regular_init)  # the API refuses probes there
    if manifest["kind"] == "Deployment":
        assert cfg.restart_policy == "Always"
    if manifest["kind"] == "Job":
        assert cfg.restart_policy in ("OnFailure", "Never")
    # the bounds annotation round-trips, and the pod can be modelled
    sc = scenario_from_text(json.dumps(manifest))
    assert sc.bounds == Bounds.from_mapping(json.loads(manifest["metadata"]["annotations"][ANNOTATION]))
    Model(cfg, sc.bounds).initial_states()


@pytest.mark.parametrize("predicate", [
    lambda c: c.restart_policy == "Never" and len(c.containers) == 3,
    lambda c: len(c.regular_init) == 2 and bool(c.sidecars) and c.init_containers[0].is_sidecar,
    lambda c: len(c.regular_init) == 2 and c.init_containers[-1].is_sidecar,
    lambda c: any(c.container(n).restart_rules for n in (x.name for x in c.containers)),
    lambda c: any(set(x.probes) == {"startup", "readiness", "liveness"} for x in c.containers),
    lambda c: len(c.readiness_gates) == 2 and c.active_deadline_seconds is not None,
    lambda c: any(x.restart_policy == "Never" for x in c.containers) and c.restart_policy == "Always",
], ids=["never-3-apps", "sidecar-first", "sidecar-last", "restart-rules", "all-probes", "gates-deadline",
        "container-policy"])
def test_the_strategy_reaches_every_corner_of_the_matrix(predicate):
    assert predicate(find(pod_configs(), predicate, settings=settings(database=None, max_examples=2000)))


@pytest.mark.parametrize("policy", RESTART_POLICIES)
def test_restart_policies_can_be_pinned(policy):
    cfg = find(pod_configs(restart_policies=(policy,), max_init=0, max_sidecars=0, max_apps=1,
                           probes=False, container_policies=False), lambda c: True)
    assert cfg.restart_policy == policy and len(cfg.all_containers) == 1 and not cfg.containers[0].probes


def test_bad_limits_are_refused():
    with pytest.raises(ValueError):
        find(pod_manifests(max_apps=4), lambda m: True)
    with pytest.raises(ValueError):
        find(pod_manifests(max_init=3), lambda m: True)


@FAST
@given(st.data())
def test_action_sequences_replay_through_the_model(data):
    cfg = data.draw(pod_configs(max_apps=2))
    b = data.draw(bounds())
    model = Model(cfg, b)
    seq = data.draw(action_sequences(model, max_size=15))
    states = model.replay(seq)  # raises ActionNotEnabled if a step were not enabled
    assert len(states) == len(seq) + 1 and len(seq) <= 15


def test_action_sequences_accept_a_config_and_bounds():
    cfg = find(pod_configs(restart_policies=("Never",), max_init=0, max_sidecars=0, max_apps=1), lambda c: True)
    seq = find(action_sequences(cfg, bounds=Bounds(deletion=False)), lambda s: len(s) >= 4)
    assert Model(cfg, Bounds(deletion=False)).replay(seq)[-1].phase in ("Running", "Succeeded", "Failed")
