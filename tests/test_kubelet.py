"""The kubelet's rules: restart decisions, TerminatePod, and properties of the reference functions."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podmodel.model import kubelet
from podmodel.model.config import ContainerSpec, PodConfig, RestartRule
from podmodel.model.gates import resolve_gates
from podmodel.model.kubelet import Status
from podmodel.model.reference import expected_conditions, expected_phase

GATES = resolve_gates()
OFF = resolve_gates({"ContainerRestartRules": False})


# util.go ContainerShouldRestart (k8s-semantics.md §7.2)
@pytest.mark.parametrize("container, pod_policy, code, gates, expected", [
    (ContainerSpec("a"), "Always", 0, GATES, True),
    (ContainerSpec("a"), "Always", 1, GATES, True),
    (ContainerSpec("a"), "OnFailure", 0, GATES, False),
    (ContainerSpec("a"), "OnFailure", 1, GATES, True),
    (ContainerSpec("a"), "Never", 1, GATES, False),
    (ContainerSpec("a", restart_policy="Always"), "Never", 0, GATES, True),
    (ContainerSpec("a", restart_policy="Never"), "Always", 1, GATES, False),
    (ContainerSpec("a", restart_policy="OnFailure"), "Never", 2, GATES, True),
    (ContainerSpec("a", restart_policy="Never", restart_rules=(RestartRule("Restart", "In", (42,)),)), "Never", 42, GATES, True),
    (ContainerSpec("a", restart_policy="Never", restart_rules=(RestartRule("Restart", "In", (42,)),)), "Never", 1, GATES, False),
    (ContainerSpec("a", restart_policy="Always", restart_rules=(RestartRule("Restart", "NotIn", (0,)),)), "Never", 0, GATES, True),
    # RestartAllContainers counts as a restart only with its own gate on
    (ContainerSpec("a", restart_policy="Never", restart_rules=(RestartRule("RestartAllContainers", "In", (3,)),)), "Never", 3, GATES, False),
    (ContainerSpec("a", restart_policy="Never", restart_rules=(RestartRule("RestartAllContainers", "In", (3,)),)), "Never", 3,
     resolve_gates({"RestartAllContainersOnContainerExits": True}), True),
    (ContainerSpec("s", kind="sidecar"), "Never", 1, GATES, True),
])
def test_container_should_restart(container, pod_policy, code, gates, expected):
    assert kubelet.container_should_restart(container, pod_policy, code, gates) is expected


def test_kubelet_never_reruns_a_completed_init_container_even_under_always():
    cfg = PodConfig(containers=(ContainerSpec("app"),), init_containers=(ContainerSpec("i", kind="init"),))
    assert kubelet.kubelet_restarts(cfg, cfg.init_containers[0], 0) is False
    assert kubelet.kubelet_restarts(cfg, cfg.init_containers[0], 1) is True


def test_container_policy_ignored_with_gate_off():
    cfg = PodConfig(containers=(ContainerSpec("app", restart_policy="Always"),), restart_policy="Never",
                    feature_gates=tuple(sorted(OFF.items())))
    assert kubelet.kubelet_restarts(cfg, cfg.containers[0], 0) is False


# status_manager.go TerminatePod (k8s-semantics.md §6.2)
INIT2 = PodConfig(containers=(ContainerSpec("app"),),
                  init_containers=(ContainerSpec("i1", kind="init"), ContainerSpec("i2", kind="init")))
W = Status("x", "waiting", reason="PodInitializing")


def _names(statuses):
    return [(s.name, s.state, s.exit_code, s.reason) for s in statuses]


def test_terminate_pod_defaults_running_app_containers_to_137_when_initialized():
    init = (Status("i1", "terminated", 0), Status("i2", "terminated", 0))
    regular = (Status("app", "running"),)
    new_init, new_reg, phase = kubelet.terminate_pod(INIT2, init, regular, "Running")
    assert _names(new_reg) == [("app", "terminated", 137, "ContainerStatusUnknown")]
    assert new_init == init
    assert phase == "Failed"


def test_terminate_pod_marks_only_the_first_init_container_when_all_wait():
    init = (Status("i1", "waiting"), Status("i2", "waiting"))
    regular = (Status("app", "waiting"),)
    new_init, new_reg, phase = kubelet.terminate_pod(INIT2, init, regular, "Pending")
    assert _names(new_init) == [("i1", "terminated", 137, "ContainerStatusUnknown"), ("i2", "waiting", None, None)]
    assert _names(new_reg) == [("app", "waiting", None, None)]  # not initialized: left alone
    assert phase == "Failed"


def test_terminate_pod_keeps_succeeded():
    regular = (Status("app", "terminated", 0),)
    cfg = PodConfig(containers=(ContainerSpec("app"),))
    assert kubelet.terminate_pod(cfg, (), regular, "Succeeded")[2] == "Succeeded"


# Hypothesis properties of the reference functions
def _state():
    return st.one_of(
        st.just({"running": {}}),
        st.builds(lambda c: {"terminated": {"exitCode": c}}, st.sampled_from([0, 1, 137])),
        st.builds(lambda r: {"waiting": {"reason": r}}, st.sampled_from(["ContainerCreating", "CrashLoopBackOff"])),
        st.just({}),
    )


@st.composite
def pods(draw):
    policy = draw(st.sampled_from(["Always", "OnFailure", "Never"]))
    n_init = draw(st.integers(0, 2))
    n_app = draw(st.integers(1, 3))
    inits = [{"name": f"i{i}", **({"restartPolicy": "Always"} if draw(st.booleans()) else {})} for i in range(n_init)]
    apps = [{"name": f"a{i}"} for i in range(n_app)]

    def statuses(containers):
        out = []
        for c in containers:
            if draw(st.integers(0, 9)) > 0:  # now and then a status is missing
                s = {"name": c["name"], "state": draw(_state()), "ready": draw(st.booleans())}
                if draw(st.booleans()):
                    s["lastState"] = {"terminated": {"exitCode": draw(st.sampled_from([0, 1]))}}
                if draw(st.booleans()):
                    s["started"] = draw(st.booleans())
                out.append(s)
        return out
    return {"spec": {"restartPolicy": policy, "initContainers": inits, "containers": apps},
            "status": {"initContainerStatuses": statuses(inits), "containerStatuses": statuses(apps)}}


@settings(max_examples=300, deadline=None)
@given(pods(), st.booleans(), st.booleans())
def test_phase_is_never_unknown(pod, terminal, initialized):
    assert expected_phase(pod, pod_is_terminal=terminal, pod_has_initialized=initialized) in kubelet.PHASES


@settings(max_examples=300, deadline=None)
@given(pods(), st.booleans(), st.booleans())
def test_succeeded_implies_every_regular_container_exited_zero(pod, terminal, initialized):
    if expected_phase(pod, pod_is_terminal=terminal, pod_has_initialized=initialized) == "Succeeded":
        statuses = {s["name"]: s for s in pod["status"]["containerStatuses"]}
        for c in pod["spec"]["containers"]:
            assert statuses[c["name"]]["state"].get("terminated", {}).get("exitCode") == 0


@settings(max_examples=300, deadline=None)
@given(pods())
def test_ready_implies_containers_ready_and_terminal_is_never_ready(pod):
    conds = expected_conditions(pod)
    if conds["Ready"]["status"] == "True":
        assert conds["ContainersReady"]["status"] == "True"
    phase = expected_phase(pod)
    if phase in ("Succeeded", "Failed"):
        assert conds["Ready"]["status"] == "False" and conds["ContainersReady"]["status"] == "False"


@settings(max_examples=200, deadline=None)
@given(pods())
def test_a_running_app_container_always_means_initialized(pod):
    if any("running" in s["state"] for s in pod["status"]["containerStatuses"]):
        assert expected_conditions(pod)["Initialized"]["status"] == "True"
