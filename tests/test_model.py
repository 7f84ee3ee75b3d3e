"""The product model against Kubernetes' observable behaviour (e2e conformance end states)."""

import pytest

from podmodel.model import ActionNotEnabled, Model, UnsupportedConfig
from podmodel.model.actions import (
    ApiDelete,
    ContainerExit,
    ControllerSetCondition,
    DeadlineExceeded,
    Evict,
    ForceDelete,
    GracePeriodExpired,
    KubeletBackOff,
    KubeletCreateSandbox,
    KubeletRemovePod,
    KubeletRestartContainer,
    KubeletStartContainer,
    NodeLost,
    NodeRecovered,
    ProbeSucceed,
    SandboxRecreated,
    SchedulerBind,
)
from podmodel.model.bounds import Bounds
from podmodel.model.config import PodConfig
from podmodel.model.machines import DEFAULT


def pod(policy="Always", containers=("app",), init=(), sidecars=(), **spec):
    inits = [{"name": n} for n in init] + [{"name": n, "restartPolicy": "Always"} for n in sidecars]
    return PodConfig.from_manifest({"kind": "Pod", "metadata": {"name": "p"}, "spec": {
        "restartPolicy": policy, "initContainers": inits, "containers": [{"name": n} for n in containers], **spec}})


def run(model, actions):
    return model.replay(actions)[-1]


START = [SchedulerBind("node-1"), KubeletCreateSandbox()]


# e2e runtime.go "should run with the expected status" (k8s-invariants.md P9):
# a container that exits 1, then 0, then runs forever.
@pytest.mark.parametrize("policy, phase, restarts, ready", [
    ("Always", "Running", 2, "True"),
    ("OnFailure", "Succeeded", 1, "False"),
    ("Never", "Failed", 0, "False"),
])
def test_conformance_expected_status_by_restart_policy(policy, phase, restarts, ready):
    m = Model(pod(policy), Bounds(max_restarts=3))
    s = run(m, START + [KubeletStartContainer("app"), ContainerExit("app", 1)])
    for step in (KubeletRestartContainer("app"), ContainerExit("app", 0), KubeletRestartContainer("app")):
        if m.enabled(s, step):
            s = m.next_state(s, step)
    assert (s.phase, m.container_state(s, "app").restart_count, s.condition("Ready")) == (phase, restarts, ready)


def test_init_containers_run_one_at_a_time_in_order():
    m = Model(pod("Never", init=("i1", "i2")))
    s = run(m, START)
    assert KubeletStartContainer("i1") in m.actions(s)
    assert KubeletStartContainer("i2") not in m.actions(s)
    assert KubeletStartContainer("app") not in m.actions(s)
    s = run(m, START + [KubeletStartContainer("i1"), ContainerExit("i1", 0)])
    assert KubeletStartContainer("i2") in m.actions(s) and KubeletStartContainer("app") not in m.actions(s)
    s = m.replay([KubeletStartContainer("i2"), ContainerExit("i2", 0), KubeletStartContainer("app"), ContainerExit("app", 0)], s)[-1]
    assert s.phase == "Succeeded" and s.condition("Initialized") == "True"


# init_container.go conformance (k8s-invariants.md I6)
def test_failed_init_container_under_never_fails_the_pod_and_app_never_starts():
    m = Model(pod("Never", init=("i1", "i2")))
    s = run(m, START + [KubeletStartContainer("i1"), ContainerExit("i1", 0), KubeletStartContainer("i2"), ContainerExit("i2", 1)])
    assert s.phase == "Failed"
    assert m.container_state(s, "app").machine == "Waiting"


def test_failed_init_container_under_always_is_retried_and_pod_stays_pending():
    m = Model(pod("Always", init=("i1",)))
    s = run(m, START + [KubeletStartContainer("i1"), ContainerExit("i1", 1), KubeletBackOff("i1")])
    assert s.phase == "Pending" and s.condition("Initialized") == "False"
    assert KubeletRestartContainer("i1") in m.actions(s)


def test_sidecar_must_start_before_the_next_container_and_keeps_never_pod_running():
    m = Model(pod("Never", sidecars=("proxy",)))
    s = run(m, START)
    assert KubeletStartContainer("app") not in m.actions(s)
    s = run(m, START + [KubeletStartContainer("proxy"), KubeletStartContainer("app"), ContainerExit("app", 0)])
    # the app is done; the kubelet now stops the sidecar; the phase waits for it
    assert s.phase == "Running" and s.termination == "Stopping"
    s = m.next_state(s, ContainerExit("proxy", 1))  # a sidecar's exit code never decides the phase
    assert s.phase == "Succeeded"


def test_sidecar_restarts_under_never():
    m = Model(pod("Never", sidecars=("proxy",)))
    s = run(m, START + [KubeletStartContainer("proxy"), KubeletStartContainer("app"), ContainerExit("proxy", 1)])
    assert KubeletRestartContainer("proxy") in m.actions(s)
    assert s.phase == "Running"


# deleted_pods_test.go (k8s-invariants.md P7): deleted pods become terminal under every policy
@pytest.mark.parametrize("exit_code, phase", [(0, "Succeeded"), (1, "Failed")])
def test_deleted_running_pod_under_always_ends_by_its_exit_codes(exit_code, phase):
    m = Model(pod("Always"))
    s = run(m, START + [KubeletStartContainer("app"), ApiDelete(30)])
    assert s.deletion == "Deleting" and KubeletRestartContainer("app") not in m.actions(s)
    s = m.next_state(s, ContainerExit("app", exit_code))
    assert s.phase == phase
    s = m.next_state(s, KubeletRemovePod())
    assert s.deletion == "Removed" and m.actions(s) == []


def test_grace_period_expiry_kills_with_137_and_fails_the_pod():
    m = Model(pod("Always"))
    s = run(m, START + [KubeletStartContainer("app"), ApiDelete(30), GracePeriodExpired()])
    assert m.container_state(s, "app")[:3] == ("Terminated", 137, "Error")
    assert s.phase == "Failed"


def test_deleting_a_pending_pod_fails_it_with_container_status_unknown():
    m = Model(pod("Always"))
    s = run(m, START + [ApiDelete(30)])
    assert s.phase == "Failed"
    assert m.container_state(s, "app")[:3] == ("Terminated", 137, "ContainerStatusUnknown")


def test_unbound_pod_is_removed_at_once_on_delete():
    m = Model(pod())
    s = run(m, [ApiDelete(30)])
    assert s.deletion == "Removed" and s.phase == "Pending"


def test_binding_happens_once_and_pods_created_with_a_node_are_bound():
    m = Model(pod(), Bounds(nodes=("a", "b")))
    s = run(m, [SchedulerBind("a")])
    assert not any(isinstance(a, SchedulerBind) for a in m.actions(s))
    m2 = Model(pod(nodeName="n1"))
    assert m2.initial_states()[0].node == "n1"
    assert not any(isinstance(a, SchedulerBind) for a in m2.actions(m2.initial_states()[0]))


def test_eviction_and_deadline_fail_the_pod_with_their_reason():
    for action, reason in ((Evict(), "Evicted"), (DeadlineExceeded(), "DeadlineExceeded")):
        m = Model(pod("Always", activeDeadlineSeconds=10), Bounds(eviction=True))
        s = run(m, START + [KubeletStartContainer("app"), action, ContainerExit("app", 0)])
        assert (s.phase, s.stop_reason, m.to_pod(s)["status"]["reason"]) == ("Failed", reason, reason)
        assert (s.condition("DisruptionTarget") == "True") == (reason == "Evicted")


def test_terminal_phase_is_held_back_while_a_sidecar_runs():
    m = Model(pod("Never", init=(), sidecars=("proxy",)))
    s = run(m, START + [KubeletStartContainer("proxy"), KubeletStartContainer("app"), ContainerExit("app", 1)])
    assert s.phase == "Running"
    s = m.next_state(s, GracePeriodExpired())
    assert s.phase == "Failed"


def test_readiness_gates_gate_ready():
    m = Model(pod("Always", readinessGates=[{"conditionType": "x/lb"}]))
    s = run(m, START + [KubeletStartContainer("app")])
    assert s.condition("ContainersReady") == "True" and s.condition("Ready") == "False"
    s = m.next_state(s, ControllerSetCondition("x/lb", "True"))
    assert s.condition("Ready") == "True"


def test_node_loss_marks_ready_false_and_silences_the_kubelet():
    m = Model(pod("Always"), Bounds(node_loss=True))
    s = run(m, START + [KubeletStartContainer("app"), NodeLost()])
    assert s.condition("Ready") == "False" and s.condition("ContainersReady") == "True"
    assert all(type(a).__name__ in ("NodeRecovered", "ApiDelete") for a in m.actions(s))
    assert m.next_state(s, NodeRecovered()).condition("Ready") == "True"


def test_sandbox_recreation_reruns_init_and_pod_goes_back_to_pending():
    m = Model(pod("Always", init=("setup",), sidecars=("proxy",)), Bounds(sandbox_recreations=1))
    s = run(m, START + [KubeletStartContainer("setup"), ContainerExit("setup", 0), KubeletStartContainer("proxy"),
                        KubeletStartContainer("app")])
    assert s.phase == "Running"
    s = m.next_state(s, SandboxRecreated())
    assert m.container_state(s, "setup").machine == "Waiting"
    s = m.next_state(s, KubeletStartContainer("setup"))
    assert s.phase == "Pending" and m.container_state(s, "setup").restart_count == 1


def test_probes_drive_started_and_ready():
    cfg = PodConfig.from_manifest({"spec": {"containers": [{"name": "app", "startupProbe": {}, "readinessProbe": {}}]}})
    m = Model(cfg)
    s = run(m, START + [KubeletStartContainer("app")])
    assert m.container_state(s, "app").machine == "Running"
    s = m.next_state(s, ProbeSucceed("app", "startup"))
    assert m.container_state(s, "app").machine == "Started" and s.condition("Ready") == "False"
    s = m.next_state(s, ProbeSucceed("app", "readiness"))
    assert s.condition("Ready") == "True"


def test_actions_are_deterministic_and_disabled_actions_raise():
    m = Model(pod("OnFailure", init=("i",)))
    s = m.initial_states()[0]
    assert m.actions(s) == m.actions(s) == [SchedulerBind("node-1"), ApiDelete(30)]
    with pytest.raises(ActionNotEnabled):
        m.next_state(s, KubeletStartContainer("app"))
    with pytest.raises(ActionNotEnabled):
        m.next_state(run(m, [ApiDelete(30)]), ForceDelete())


def test_restart_all_containers_rules_are_refused_by_the_product_model():
    cfg = PodConfig.from_manifest({"spec": {"containers": [{"name": "a", "restartPolicy": "Never", "restartPolicyRules": [
        {"action": "RestartAllContainers", "exitCodes": {"operator": "In", "values": [1]}}]}]}},
        feature_gates={"RestartAllContainersOnContainerExits": True})
    with pytest.raises(UnsupportedConfig, match="RestartAllContainers"):
        Model(cfg)


def test_a_modified_declaration_changes_the_model():
    broken = DEFAULT.replace_machine(DEFAULT["container"].without_guard("restart", "should_restart"))
    m = Model(pod("Never"), declarations=broken)
    s = run(m, START + [KubeletStartContainer("app"), ContainerExit("app", 1)])
    assert s.phase == "Failed"  # getPhase still says Failed, but the broken kubelet restarts:
    assert KubeletRestartContainer("app") in m.actions(s)


def test_states_project_to_pods_the_reference_agrees_with():
    from podmodel.model.reference import expected_conditions
    m = Model(pod("OnFailure", init=("i",), sidecars=("s",)))
    s = run(m, START + [KubeletStartContainer("i"), ContainerExit("i", 0), KubeletStartContainer("s"), KubeletStartContainer("app")])
    p = m.to_pod(s)
    assert p["status"]["phase"] == "Running" and p["spec"]["nodeName"] == "node-1"
    conds = {c["type"]: c["status"] for c in p["status"]["conditions"]}
    assert {k: v["status"] for k, v in expected_conditions(p).items()} == {k: conds[k] for k in ("ContainersReady", "Ready", "Initialized")}


# Findings of the audit against upstream (kept as regression tests)
def test_node_loss_keeps_the_kubelets_ready_reason():
    # controller_utils.go MarkPodsNotReady sets only Ready's status to False
    m = Model(pod("Always"), Bounds(node_loss=True))
    s = run(m, START + [KubeletStartContainer("app"), NodeLost()])
    assert ("Ready", "False", "") in s.conditions


@pytest.mark.parametrize("last_exit, phase", [(0, "Succeeded"), (1, "Failed")])
def test_deleting_a_backing_off_container_shows_its_last_termination(last_exit, phase):
    # ShouldContainerBeRestarted is false once deletionTimestamp is set: no CrashLoopBackOff
    # override, the last real instance shows, and getPhase(podIsTerminal) decides
    m = Model(pod("Always"))
    s = run(m, START + [KubeletStartContainer("app"), ContainerExit("app", last_exit), KubeletBackOff("app"), ApiDelete(30)])
    assert m.container_state(s, "app")[:2] == ("Terminated", last_exit)
    assert s.phase == phase


def test_app_containers_start_once_the_kubelet_considers_the_pod_initialised():
    # kuberuntime computeInitContainerActions: a running regular container, or the last init container done
    m = Model(pod("Always", containers=("a", "b"), sidecars=("proxy",)))
    s = run(m, START + [KubeletStartContainer("proxy"), KubeletStartContainer("a"), ContainerExit("proxy", 1)])
    assert KubeletStartContainer("b") in m.actions(s)           # "a" runs: initialised
    s = m.next_state(s, ContainerExit("a", 1))
    assert KubeletRestartContainer("a") not in m.actions(s)     # nothing runs, the sidecar is down
    assert KubeletRestartContainer("proxy") in m.actions(s)


def test_a_container_can_start_and_exit_between_two_status_syncs():
    # PLEG relist sees it already exited: Pending -> Succeeded without an observed Running
    from podmodel.model.actions import ContainerStartedAndExited
    m = Model(pod("Never"))
    s = run(m, START)
    t = m.next_state(s, ContainerStartedAndExited("app", 0))
    assert (s.phase, t.phase) == ("Pending", "Succeeded")
    assert t == run(m, START + [KubeletStartContainer("app"), ContainerExit("app", 0)])
