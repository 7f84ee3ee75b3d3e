"""Every violation id, with realistic illegal traces: the oracle names the id, the index,
the container and the field.  Traces are built with `test_oracle_builder.PodSim`."""

from __future__ import annotations

import pytest
from test_oracle_builder import PodSim

from podmodel.oracle import VIOLATION_IDS, check_trace
from podmodel.oracle.verdict import RULES


def ids(trace, **kw):
    return check_trace(trace, **kw).ids()


def running_pod(**kw) -> PodSim:
    return PodSim(**kw).up()


# -- terminal-phase-reverted ---------------------------------------------------------
def test_succeeded_job_back_to_running_issue_48506():
    p = PodSim("job", restart_policy="Never", owner="Job").start_kubelet()
    t = [p.obs(), p.running("app").phase("Running").obs(), p.terminated("app", 0).phase("Succeeded").obs()]
    t.append(p.running("app").phase("Running").obs())
    got = ids(t)
    assert ("terminal-phase-reverted", 3) in got
    assert ("restart-forbidden", 3) in got


def test_failed_to_succeeded_issue_58711():
    p = PodSim("job", restart_policy="Never", owner="Job").start_kubelet()
    t = [p.running("app").phase("Running").obs(), p.terminated("app", 1).phase("Failed").obs()]
    t.append(p.phase("Succeeded").obs())
    got = ids(t)
    assert ("terminal-phase-reverted", 2) in got
    assert ("phase-inconsistent", 2) in got  # Succeeded with exit code 1


def test_succeeded_to_pending_pr_59228():
    p = PodSim("job", restart_policy="OnFailure").start_kubelet()
    t = [p.running("app").phase("Running").obs(), p.terminated("app", 0).phase("Succeeded").obs(), p.phase("Pending").obs()]
    assert ("terminal-phase-reverted", 2) in ids(t)


# -- node-rebound ----------------------------------------------------------------------
@pytest.mark.parametrize("new_node", ["node-2", None])
def test_node_changed_or_cleared(new_node):
    p = running_pod()
    t = [p.obs()]
    p.edit(lambda pod: pod["spec"].update(nodeName=new_node) if new_node else pod["spec"].pop("nodeName"))
    t.append(p.obs())
    v = check_trace(t)
    assert v.ids() == [("node-rebound", 1)]
    assert v.violations[0].field == "spec.nodeName" and v.violations[0].expected == "node-1"


# -- identity-changed --------------------------------------------------------------------
def test_name_changed_for_same_uid():
    p = running_pod(name="web-1")
    t = [p.obs(), p.edit(lambda pod: pod["metadata"].update(name="web-2")).obs()]
    v = check_trace(t)
    assert v.ids() == [("identity-changed", 1)]
    assert v.violations[0].field == "metadata.name"


def test_namespace_changed_for_same_uid():
    p = running_pod()
    t = [p.obs(), p.edit(lambda pod: pod["metadata"].update(namespace="prod")).obs()]
    assert ids(t) == [("identity-changed", 1)]


# -- restart-count-decreased ---------------------------------------------------------------
def test_restart_count_goes_down_issue_15007():
    p = running_pod()
    p.statuses["app"]["restartCount"] = 12
    t = [p.obs()]
    p.statuses["app"]["restartCount"] = 11
    t.append(p.obs())
    v = check_trace(t)
    assert v.ids() == [("restart-count-decreased", 1)]
    assert v.violations[0].container == "app" and v.violations[0].actual == "11"


# -- restart-forbidden ---------------------------------------------------------------------
def test_never_container_restarted_after_failure():
    p = PodSim("worker", restart_policy="Never", containers=("app", "helper")).start_kubelet()
    p.running("app").running("helper").phase("Running")
    t = [p.obs(), p.terminated("app", 1).obs()]
    t.append(p.running("app").obs())  # restartCount 1, new containerID, lastState exit 1
    v = check_trace(t)
    assert v.ids() == [("restart-forbidden", 2)]
    bad = v.violations[0]
    assert bad.container == "app" and bad.field == "status.containerStatuses[app].state"
    assert "restartPolicy Never" in bad.message


def test_onfailure_restart_after_exit_zero():
    p = PodSim("batch", restart_policy="OnFailure", containers=("app", "helper")).start_kubelet()
    p.running("app").running("helper").phase("Running")
    t = [p.obs(), p.terminated("app", 0).obs(), p.running("app").obs()]
    assert ids(t) == [("restart-forbidden", 2)]


def test_restart_hidden_between_snapshots_under_never():
    p = PodSim("worker", restart_policy="Never").start_kubelet().running("app").phase("Running")
    t = [p.obs()]
    p.terminated("app", 2).running("app")  # exit and restart, neither observed
    t.append(p.obs())
    v = check_trace(t)
    assert v.ids() == [("restart-forbidden", 1)]
    assert v.violations[0].field.endswith(".restartCount")


def test_new_container_id_under_never_is_flagged():
    # k8s-invariants.md C7: at-least-once after a kubelet crash; still a policy violation.
    p = PodSim("worker", restart_policy="Never").start_kubelet().running("app").phase("Running")
    t = [p.obs()]
    p.statuses["app"]["containerID"] = "containerd://second"
    t.append(p.obs())
    v = check_trace(t)
    assert v.ids() == [("restart-forbidden", 1)]
    assert v.violations[0].field.endswith(".containerID")


def test_completed_init_container_rerun_while_app_keeps_running():
    p = PodSim("web", init=("migrate",), restart_policy="Always").start_kubelet()
    p.running("migrate").terminated("migrate", 0)
    t = [p.obs(), p.running("app").phase("Running").obs()]
    t.append(p.running("migrate").obs())  # same app instance still running: no sandbox recreation
    got = ids(t)
    assert ("restart-forbidden", 2) in got


def test_completed_init_container_rerun_under_never():
    p = PodSim("job", init=("setup",), restart_policy="Never").start_kubelet()
    p.running("setup").terminated("setup", 0)
    t = [p.obs(), p.running("app").phase("Running").obs(), p.terminated("app", 137, "Error").obs()]
    t.append(p.running("setup").phase("Pending").obs())
    assert ("restart-forbidden", 3) in ids(t)


def test_failed_init_container_retried_under_never():
    p = PodSim("job", init=("setup",), restart_policy="Never").start_kubelet()
    t = [p.obs(), p.running("setup").obs(), p.terminated("setup", 1).obs(), p.running("setup").obs()]
    assert ("restart-forbidden", 3) in ids(t)


def test_ephemeral_container_restarted():
    p = running_pod(ephemeral=("debugger",))
    p.running("debugger", ready=False)
    t = [p.obs(), p.terminated("debugger", 0).obs(), p.running("debugger", ready=False).obs()]
    v = check_trace(t)
    assert v.ids() == [("restart-forbidden", 2)]
    assert v.violations[0].field == "status.ephemeralContainerStatuses[debugger].state"


def test_container_level_policy_never_under_pod_always():
    # ContainerRestartRules (beta, on in 1.35): the container's own policy decides.
    p = PodSim("web", containers=("app", "oneshot"), restart_policy="Always",
               container_fields={"oneshot": {"restartPolicy": "Never"}}).start_kubelet()
    p.running("app").running("oneshot").phase("Running")
    t = [p.obs(), p.terminated("oneshot", 0).obs(), p.running("oneshot").obs()]
    assert ids(t) == [("restart-forbidden", 2)]
    # Without the gate the container-level policy does not exist: the pod's Always allows it.
    assert ids(t, feature_gates={"ContainerRestartRules": False}) == []


def test_restart_rules_decide_by_exit_code():
    rules = {"restartPolicy": "Never",
             "restartPolicyRules": [{"action": "Restart", "exitCodes": {"operator": "In", "values": [42]}}]}
    def trace(code):
        p = PodSim("w", containers=("app", "side"), restart_policy="Never", container_fields={"app": rules}).start_kubelet()
        p.running("app").running("side").phase("Running")
        return [p.obs(), p.terminated("app", code).obs(), p.running("app").obs()]
    assert ids(trace(42)) == []
    assert ids(trace(1)) == [("restart-forbidden", 2)]


# -- init-order ------------------------------------------------------------------------------
def test_app_container_running_before_init_completed():
    p = PodSim("web", init=("setup",)).start_kubelet()
    t = [p.obs(), p.running("setup").obs(), p.running("app").obs()]
    got = ids(t)
    assert ("init-order", 2) in got
    v = next(v for v in check_trace(t).violations if v.id == "init-order")
    assert v.container == "app" and v.field == "status.containerStatuses[app].state"


def test_two_regular_init_containers_running_at_once():
    p = PodSim("web", init=("init-1", "init-2")).start_kubelet()
    t = [p.obs(), p.running("init-1").running("init-2").obs()]
    v = check_trace(t)
    assert v.ids() == [("init-order", 1)]
    assert v.violations[0].container == "init-2"


def test_init_container_running_after_failed_one():
    p = PodSim("web", init=("init-1", "init-2"), restart_policy="Always").start_kubelet()
    t = [p.obs(), p.running("init-1").terminated("init-1", 1).running("init-2").obs()]
    assert ("init-order", 1) in ids(t)


def test_app_started_before_sidecar_started():
    p = PodSim("web", sidecars=("proxy",)).start_kubelet()
    t = [p.obs(), p.running("app").phase("Running").obs()]
    got = ids(t)
    assert ("init-order", 1) in got


def test_app_terminated_during_first_initialisation():
    # pods.go "should never report container start when an init container fails": the
    # blocked app container never shows a termination.
    p = PodSim("job", init=("setup",), restart_policy="Never").start_kubelet()
    t = [p.obs(), p.running("setup").obs()]
    p.terminated("app", 1)
    t.append(p.obs())
    assert ("init-order", 2) in ids(t)


# -- phase-inconsistent ------------------------------------------------------------------------
def test_running_while_every_container_waits():
    p = PodSim().start_kubelet()
    t = [p.obs(), p.phase("Running").obs()]
    v = check_trace(t)
    assert v.ids() == [("phase-inconsistent", 1)]
    assert v.violations[0].expected.startswith("Pending")


def test_running_with_one_container_never_started():
    # "mixed state #3": one running + one waiting without history is Pending.
    p = PodSim(containers=("a", "b")).start_kubelet()
    t = [p.obs(), p.running("a").phase("Running").obs()]
    assert ids(t) == [("phase-inconsistent", 1)]


def test_succeeded_with_a_failed_container():
    p = PodSim("job", restart_policy="Never", containers=("a", "b")).start_kubelet()
    p.running("a").running("b").phase("Running")
    t = [p.obs(), p.terminated("a", 0).terminated("b", 3).phase("Succeeded").obs()]
    assert ids(t) == [("phase-inconsistent", 1)]


def test_failed_under_always_without_a_cause():
    p = running_pod()
    t = [p.obs(), p.terminated("app", 1).phase("Failed").obs()]
    assert ("phase-inconsistent", 1) in ids(t)


def test_succeeded_under_always_without_deletion():
    p = running_pod()
    t = [p.obs(), p.terminated("app", 0).phase("Succeeded").obs()]
    assert ids(t) == [("phase-inconsistent", 1)]


def test_unknown_phase():
    p = running_pod()
    t = [p.obs(), p.phase("Unknown").obs()]
    assert ids(t) == [("phase-inconsistent", 1)]


# -- condition-inconsistent ----------------------------------------------------------------------
def test_ready_true_with_containers_ready_false():
    p = running_pod()
    p.auto_conditions = False
    p.condition("ContainersReady", "False", "ContainersNotReady").condition("Ready", "True")
    v = check_trace([p.obs()])
    assert v.ids() == [("condition-inconsistent", 0)]
    assert v.violations[0].field == "status.conditions[Ready]"


def test_containers_ready_with_an_unready_container():
    p = PodSim(containers=("a", "b")).start_kubelet().running("a").running("b", ready=False).phase("Running")
    p.auto_conditions = False
    p.condition("Initialized", "True").condition("ContainersReady", "True").condition("Ready", "True")
    v = check_trace([p.obs()])
    assert v.ids() == [("condition-inconsistent", 0)]
    assert "containers with unready status: [b]" in v.violations[0].message


def test_ready_in_succeeded_phase():
    p = PodSim("job", restart_policy="Never").start_kubelet().running("app").phase("Running")
    t = [p.obs()]
    p.auto_conditions = False
    t.append(p.terminated("app", 0).phase("Succeeded").obs())  # Ready/ContainersReady stay True
    assert ids(t) == [("condition-inconsistent", 1), ("condition-inconsistent", 1)]


def test_initialized_while_init_container_still_runs():
    p = PodSim("web", init=("setup",)).start_kubelet().running("setup")
    p.auto_conditions = False
    p.condition("Initialized", "True")
    v = check_trace([p.obs()])
    assert v.ids() == [("condition-inconsistent", 0)]
    assert v.violations[0].field == "status.conditions[Initialized]"


def test_terminated_container_reports_ready():
    p = PodSim("web", containers=("a", "b"), restart_policy="Always").start_kubelet().running("a").running("b").phase("Running")
    t = [p.obs(), p.terminated("b", 1).obs()]
    p.statuses["b"]["ready"] = True
    t[-1] = p.obs()
    v = check_trace(t)
    assert ("condition-inconsistent", 1) in v.ids()
    assert any(x.field == "status.containerStatuses[b].ready" for x in v.violations)


# -- deletion-reverted ---------------------------------------------------------------------------
def test_deletion_timestamp_removed():
    p = running_pod()
    t = [p.delete(30).obs(), p.edit(lambda pod: [pod["metadata"].pop(k) for k in ("deletionTimestamp", "deletionGracePeriodSeconds")]).obs()]
    v = check_trace(t)
    assert v.ids() == [("deletion-reverted", 1)]
    assert v.violations[0].field == "metadata.deletionTimestamp"


def test_grace_period_grows():
    p = running_pod()
    t = [p.delete(10).obs(), p.delete(60).obs()]
    v = check_trace(t)
    assert v.ids() == [("deletion-reverted", 1)]
    assert v.violations[0].field == "metadata.deletionGracePeriodSeconds"


def test_timestamp_moves_with_same_grace_period():
    p = running_pod()
    t = [p.delete(30).obs()]
    p.tick(5)
    t.append(p.delete(30).obs())
    assert ids(t) == [("deletion-reverted", 1)]


# -- container-state-regressed ------------------------------------------------------------------
def test_running_back_to_waiting_without_termination():
    p = running_pod()
    t = [p.obs(), p.waiting("app", "ContainerCreating").obs()]
    got = ids(t)
    assert ("container-state-regressed", 1) in got


def test_last_termination_cleared():
    p = running_pod()
    t = [p.obs(), p.terminated("app", 1).crashloop("app").obs(), p.running("app").obs()]
    p.statuses["app"]["lastState"] = {}
    t.append(p.obs())
    v = check_trace(t)
    assert v.ids() == [("container-state-regressed", 3)]
    assert v.violations[0].field == "status.containerStatuses[app].lastState"


# -- containers-changed ---------------------------------------------------------------------------
def test_container_added():
    p = running_pod()
    t = [p.obs(), p.edit(lambda pod: pod["spec"]["containers"].append({"name": "extra", "image": "x"})).obs()]
    v = check_trace(t)
    assert ("containers-changed", 1) in v.ids()
    assert "added extra" in v.violations[0].message


def test_init_container_removed():
    p = PodSim("web", init=("setup",)).start_kubelet().running("setup").terminated("setup", 0)
    # (the statuses go too: a status of a container the spec does not have is an invalid object)
    t = [p.obs(), p.edit(lambda pod: pod["spec"].pop("initContainers")).obs()]
    t[1]["status"].pop("initContainerStatuses")
    assert ("containers-changed", 1) in ids(t)


def test_ephemeral_container_removed():
    p = running_pod(ephemeral=("debugger",))
    t = [p.obs(), p.edit(lambda pod: pod["spec"].pop("ephemeralContainers")).obs()]
    assert ids(t) == [("containers-changed", 1)]


# -- invalid-object, generation-regressed, out-of-order -----------------------------------------
def test_status_of_a_container_the_spec_lacks_is_an_invalid_object():
    p = running_pod()
    t = [p.obs(), p.edit(lambda pod: pod["status"]["containerStatuses"][0].update(name="ghost")).obs()]
    v = check_trace(t)
    assert v.ids() == [("invalid-object", 1)]
    assert v.violations[0].field == "status.containerStatuses[0].name"


def test_generation_going_back():
    p = running_pod()
    a = p.edit(lambda pod: (pod["metadata"].update(generation=2), pod["status"].update(observedGeneration=2))).obs()
    b = p.edit(lambda pod: (pod["metadata"].update(generation=2), pod["status"].update(observedGeneration=1))).obs()
    c = p.edit(lambda pod: (pod["metadata"].update(generation=3), pod["status"].update(observedGeneration=3))).obs()
    assert ids([a, b]) == [("generation-regressed", 1)]
    assert ids([a, c]) == []


def test_older_resource_version_is_out_of_order_not_a_regression():
    p = PodSim("web").start_kubelet()
    waiting = p.obs()
    running = p.running("app").phase("Running").obs()  # obs() advances resourceVersion
    assert ids([waiting, running]) == []
    assert ids([running, waiting]) == [("out-of-order", 1)]  # not container-state-regressed


# -- catalogue ------------------------------------------------------------------------------------
def test_every_id_is_covered_by_a_test_here():
    text = open(__file__).read()
    missing = [i for i in VIOLATION_IDS if f'"{i}"' not in text.replace(f'"{i}" in', "")]
    assert not missing
    assert VIOLATION_IDS == ("terminal-phase-reverted", "node-rebound", "identity-changed", "restart-count-decreased",
                             "restart-forbidden", "init-order", "phase-inconsistent", "condition-inconsistent",
                             "deletion-reverted", "container-state-regressed", "invalid-object", "generation-regressed",
                             "out-of-order", "containers-changed")


def test_every_violation_carries_its_rule_source():
    p = running_pod()
    t = [p.obs(), p.phase("Unknown").obs()]
    (v,) = check_trace(t).violations
    assert v.source and "getPhase" in v.source
    assert all(r.source for r in RULES.values())
