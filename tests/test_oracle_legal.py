"""Legal behaviour that must pass: k8s-invariants.md §9 and §10 and the issue's list.

Each test builds a realistic trace with `test_oracle_builder.PodSim` and asserts that the
oracle finds nothing.  A failure prints the violations, so a false alarm is easy to read.
"""

from __future__ import annotations

import pytest
from test_oracle_builder import PodSim, deployment_pod_lifecycle

from podmodel.oracle import check_trace


def assert_legal(trace, **kw):
    v = check_trace(trace, **kw)
    assert v.ok, "\n".join(str(x) for x in v.violations)
    return v


def running(p: PodSim) -> PodSim:
    return p.up()


# -- phase ---------------------------------------------------------------------------------
def test_deployment_pod_comes_up():
    assert_legal(deployment_pod_lifecycle())


def test_pending_to_failed_init_failure_under_never():
    p = PodSim("job", init=("setup",), restart_policy="Never", owner="Job").start_kubelet()
    t = [p.obs(), p.running("setup").obs(), p.terminated("setup", 1).phase("Failed").obs()]
    assert_legal(t)


def test_pending_to_failed_deleted_while_pending():
    # TerminatePod: a deleted pod that never started is Failed; containers that never ran stay waiting.
    p = PodSim().start_kubelet()
    t = [p.obs(), p.delete(30).obs(), p.phase("Failed").obs(), p.delete(0).obs("DELETED")]
    t[-1] = t[-1]["object"]
    assert_legal(t)


def test_pending_to_failed_admission_rejection():
    p = PodSim("big", node=None)
    t = [p.obs(), p.bind().obs()]
    t.append(p.phase("Failed", "OutOfcpu", "Pod was rejected: Node didn't have enough resource: cpu").obs())
    assert_legal(t)


def test_pending_to_succeeded_without_observed_running():
    p = PodSim("job", restart_policy="Never", owner="Job").start_kubelet()
    t = [p.obs()]
    p.running("app").terminated("app", 0).phase("Succeeded")
    t.append(p.obs())
    assert_legal(t)


@pytest.mark.parametrize("code,phase", [(0, "Succeeded"), (137, "Failed")])
def test_running_to_terminal_under_always_when_deleted(code, phase):
    # deleted_pods_test.go: a deleted pod reaches a terminal phase for every restartPolicy.
    p = running(PodSim("web", restart_policy="Always"))
    t = [p.obs(), p.delete(30).obs()]
    t.append(p.terminated("app", code, "Completed" if code == 0 else "Error").phase(phase).obs())
    t.append(p.delete(0).obs())  # the kubelet's final DELETE: grace 0, timestamp moves
    assert_legal(t)


@pytest.mark.parametrize("reason", ["Evicted", "Terminated", "DeadlineExceeded"])
def test_running_to_failed_under_always_eviction_shutdown_deadline(reason):
    p = running(PodSim("web", restart_policy="Always"))
    t = [p.obs()]
    p.terminated("app", 137, "Error").phase("Failed", reason, "stopped")
    if reason == "Evicted":
        p.condition("DisruptionTarget", "True", "TerminationByKubelet")
    t.append(p.obs())
    assert_legal(t)


def test_deadline_exceeded_even_when_containers_exit_zero():
    p = running(PodSim("web", restart_policy="OnFailure", spec_extra={"activeDeadlineSeconds": 60}))
    t = [p.obs(), p.terminated("app", 0).phase("Failed", "DeadlineExceeded", "Pod was active on the node longer than the specified deadline").obs()]
    assert_legal(t)


def test_terminal_phase_held_back_while_containers_may_run():
    # §10.1: Running with every container terminated and Ready already False (PodFailed).
    p = running(PodSim("job", restart_policy="Never", containers=("a", "b")))
    t = [p.obs()]
    p.terminated("a", 1).terminated("b", 0)
    p.auto_conditions = False
    p.condition("ContainersReady", "False", "PodFailed").condition("Ready", "False", "PodFailed")
    t.append(p.obs())
    p.auto_conditions = True
    t.append(p.phase("Failed").obs())
    assert_legal(t)


def test_failed_by_pod_gc_keeps_stale_conditions():
    # §10.2: pod GC of a pod on a deleted node: Failed, DisruptionTarget, stale Ready=True and running statuses.
    p = running(PodSim("web"))
    t = [p.obs()]
    p.auto_conditions = False
    p.phase("Failed").condition("DisruptionTarget", "True", "DeletionByPodGC")
    t.append(p.obs())
    assert_legal(t)


def test_node_loss_then_taint_manager_deletion():
    # §10.5: Ready=False with ContainersReady=True, DisruptionTarget, deletion, 137 ContainerStatusUnknown.
    p = running(PodSim("web"))
    t = [p.obs()]
    p.auto_conditions = False
    p.condition("Ready", "False", "NodeNotReady")
    t.append(p.obs())
    p.condition("DisruptionTarget", "True", "DeletionByTaintManager").delete(30)
    t.append(p.obs())
    p.terminated("app", 137, "ContainerStatusUnknown").phase("Failed")
    p.condition("ContainersReady", "False", "PodFailed")
    t.append(p.obs())
    assert_legal(t)


def test_running_to_pending_on_sandbox_recreation():
    # §10.6: every container restarts; init containers run again; Running -> Pending.
    p = PodSim("web", init=("setup",), restart_policy="Always").start_kubelet()
    p.running("setup").terminated("setup", 0)
    t = [p.obs(), p.running("app").phase("Running").obs()]
    p.terminated("app", 255, "Unknown").running("setup").phase("Pending")
    t.append(p.obs())
    # init done, the app container's old instance still terminated: getPhase says Running again
    t.append(p.terminated("setup", 0).phase("Running").obs())
    t.append(p.running("app").obs())
    assert_legal(t)


# -- readiness ------------------------------------------------------------------------------
def test_running_not_ready_and_readiness_flapping():
    p = PodSim("web", containers=("nginx", "late")).start_kubelet()
    t = [p.obs(), p.running("nginx").running("late", ready=False).phase("Running").obs()]
    p.statuses["late"]["ready"] = True
    t.append(p.obs())
    p.statuses["nginx"]["ready"] = False
    t.append(p.obs())
    p.statuses["nginx"]["ready"] = True
    t.append(p.obs())
    assert_legal(t)


def test_started_but_not_ready():
    p = PodSim("web", container_fields={"app": {"readinessProbe": {"httpGet": {"port": 80}}}}).start_kubelet()
    t = [p.obs(), p.running("app", ready=False, started=True).phase("Running").obs()]
    assert_legal(t)


def test_readiness_gate_false_keeps_ready_false():
    p = PodSim("web", spec_extra={"readinessGates": [{"conditionType": "example.com/lb"}]}).start_kubelet()
    p.running("app").phase("Running")
    p.auto_conditions = False
    p.condition("Initialized", "True").condition("ContainersReady", "True").condition("Ready", "False", "ReadinessGatesNotReady")
    p.condition("example.com/lb", "False")
    t = [p.obs()]
    p.condition("example.com/lb", "True").condition("Ready", "True")
    t.append(p.obs())
    assert_legal(t)


# -- restarts --------------------------------------------------------------------------------
def test_crash_loop_under_always_with_restart_count_jumps():
    p = running(PodSim("web", restart_policy="Always"))
    t = [p.obs(), p.terminated("app", 1).crashloop("app").obs(), p.running("app").obs()]
    for _ in range(56):  # many restarts between two observations
        p.terminated("app", 1).running("app")
    t.append(p.terminated("app", 2).crashloop("app").obs())
    assert t[-1]["status"]["containerStatuses"][0]["restartCount"] == 57
    assert_legal(t)


def test_onfailure_restarts_after_non_zero_exit():
    p = running(PodSim("batch", restart_policy="OnFailure"))
    t = [p.obs(), p.terminated("app", 1).obs(), p.crashloop("app").obs(), p.running("app").obs()]
    t.append(p.terminated("app", 0).phase("Succeeded").obs())
    assert_legal(t)


def test_conformance_expected_states_by_restart_policy():
    # runtime.go "should run with the expected status": exit 1, then 0, then forever.
    for policy, end_phase in (("Always", "Running"), ("OnFailure", "Succeeded"), ("Never", "Failed")):
        p = running(PodSim("terminate-cmd", restart_policy=policy))
        t = [p.obs(), p.terminated("app", 1).obs()]
        if policy == "Never":
            t.append(p.phase("Failed").obs())
        else:
            t.append(p.running("app").obs())
            t.append(p.terminated("app", 0).obs())
            if policy == "Always":
                t.append(p.running("app").obs())
            else:
                t.append(p.phase(end_phase).obs())
        assert_legal(t)


def test_image_change_followed_by_restart():
    # §10.7 / C9: the container is killed and restarted with the new image, even after a clean exit.
    p = running(PodSim("web", containers=("app", "side"), restart_policy="OnFailure"))
    t = [p.obs(), p.terminated("app", 0).obs()]
    p.image("app", "registry.example/app:2.0")
    t.append(p.obs())
    p.status_image("app", "registry.example/app:2.0")
    t.append(p.running("app").obs())
    assert_legal(t)


def test_sidecar_restarts_under_never_alongside_app():
    p = PodSim("job", sidecars=("proxy",), restart_policy="Never", owner="Job").start_kubelet()
    t = [p.obs(), p.running("proxy").obs(), p.running("app").phase("Running").obs()]
    t.append(p.terminated("proxy", 1).crashloop("proxy").obs())
    t.append(p.running("proxy").obs())
    t.append(p.terminated("app", 0).obs())  # sidecar still runs: pod stays Running
    t.append(p.terminated("proxy", 137, "Error").phase("Succeeded").obs())
    assert_legal(t)


def test_vanished_container_reported_unknown_under_never():
    # convertToAPIContainerStatuses: lastState 137 ContainerStatusUnknown, restartCount + 1, no real restart.
    p = running(PodSim("job", restart_policy="Never"))
    t = [p.obs()]
    s = p.statuses["app"]
    s["lastState"] = {"terminated": {"exitCode": 137, "reason": "ContainerStatusUnknown",
                                     "message": "The container could not be located when the pod was deleted.  The container used to be Running"}}
    s["state"] = {"waiting": {"reason": "ContainerCreating"}}
    s["restartCount"] += 1
    s["ready"] = False
    t.append(p.phase("Failed").obs())
    assert_legal(t)


def test_container_level_always_under_pod_never():
    p = PodSim("job", containers=("app", "agent"), restart_policy="Never",
               container_fields={"agent": {"restartPolicy": "Always"}}).start_kubelet()
    p.running("app").running("agent").phase("Running")
    t = [p.obs(), p.terminated("agent", 0).obs(), p.running("agent").obs()]
    assert_legal(t)


# -- init containers -----------------------------------------------------------------------
def test_fast_init_containers_never_seen_running():
    p = PodSim("web", init=("init-1", "init-2")).start_kubelet()
    t = [p.obs()]
    p.running("init-1").terminated("init-1", 0)
    t.append(p.obs())
    p.running("init-2").terminated("init-2", 0)
    t.append(p.obs())
    t.append(p.running("app").phase("Running").obs())
    assert_legal(t)


def test_init_container_retried_under_always():
    p = PodSim("web", init=("setup",), restart_policy="Always").start_kubelet()
    t = [p.obs(), p.running("setup").obs(), p.terminated("setup", 1).crashloop("setup").obs()]
    t.append(p.running("setup").obs())
    t.append(p.terminated("setup", 0).obs())
    t.append(p.running("app").phase("Running").obs())
    assert_legal(t)


def test_sidecar_then_init_then_app():
    p = PodSim("web", sidecars=("proxy",), init=("setup",)).start_kubelet()
    t = [p.obs(), p.running("proxy").obs(), p.running("setup").obs(), p.terminated("setup", 0).obs()]
    t.append(p.running("app").phase("Running").obs())
    assert_legal(t)


# -- binding, scheduling, deletion ------------------------------------------------------------
def test_pod_created_with_node_name_and_no_pod_scheduled():
    p = PodSim("static-like", node="node-3")
    p.cond.clear()
    t = [p.obs(), running(p).obs()]
    assert_legal(t)


def test_first_observed_already_bound():
    assert_legal(deployment_pod_lifecycle()[1:])


def test_nominated_node_name_appears_changes_disappears():
    p = PodSim("web", node=None)
    t = [p.obs()]
    for value in ("node-a", "node-b", None):
        p.edit(lambda pod, v=value: pod["status"].update(nominatedNodeName=v) if v else pod["status"].pop("nominatedNodeName"))
        t.append(p.obs())
    t.append(p.bind("node-b").obs())
    assert_legal(t)


def test_deletion_timestamp_moves_when_grace_shrinks():
    p = running(PodSim("web"))
    t = [p.obs(), p.delete(30).obs()]
    p.tick(3)
    t.append(p.delete(5).obs())
    t.append(p.terminated("app", 0).phase("Succeeded").obs())
    t.append(p.delete(0).obs())
    assert_legal(t)


def test_replacement_pod_with_the_same_name():
    old = running(PodSim("db-0", uid="uid-old", restart_policy="Always", owner="StatefulSet"))
    t = [old.obs(), old.delete(30).obs(), old.terminated("app", 0).phase("Succeeded").obs()]
    t.append({"type": "DELETED", "object": old.obs()})
    new = PodSim("db-0", uid="uid-new", node=None, owner="StatefulSet")
    t += [new.obs(), new.bind("node-2").obs()]
    v = assert_legal(t)
    assert len(v.pods) == 2


# -- ephemeral containers --------------------------------------------------------------------
def test_ephemeral_container_added_runs_and_ends():
    p = running(PodSim("web"))
    t = [p.obs()]
    p.edit(lambda pod: pod["spec"].update(ephemeralContainers=[{"name": "debugger", "image": "busybox:1.36", "targetContainerName": "app"}]))
    p.ephemeral_names.append("debugger")
    t.append(p.obs())
    t.append(p.running("debugger", ready=False).obs())
    t.append(p.terminated("debugger", 0).obs())
    assert_legal(t)


# -- the README's real traces shape: khi (Running, not Ready, started separate from ready) -------
def test_running_pod_that_is_not_ready():
    p = PodSim("nginx", containers=("late-startup", "nginx")).start_kubelet()
    t = [p.obs(), p.running("nginx").running("late-startup", ready=False).phase("Running").obs()]
    assert_legal(t)
