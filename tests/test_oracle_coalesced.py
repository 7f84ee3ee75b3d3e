"""Violations hidden in coalesced updates: flagged when every path of hidden steps between two
observations is illegal, not flagged when one legal path exists.  One legal and one illegal
trace (or more) per area; the traces are built here with `PodSim` (realistic Pod objects)."""

from __future__ import annotations

from test_oracle_builder import PodSim

from podmodel.oracle import check_trace


def ids(trace, **kw):
    return check_trace(trace, **kw).ids()


def only(trace, vid, index, **kw):
    v = check_trace(trace, **kw)
    assert v.ids() == [(vid, index)], "\n".join(str(x) for x in v.violations)
    return v.violations[0]


# -- Initialized back to False ---------------------------------------------------------------------
def _initialized_pod(**kw) -> PodSim:
    p = PodSim("web", init=("setup",), **kw).start_kubelet()
    p.running("setup").terminated("setup", 0)
    return p.running("app").phase("Running")


def test_initialized_back_to_false_with_no_cause_is_flagged():
    p = _initialized_pod()
    before = p.obs()
    p.terminated("app", 1).crashloop("app")
    p.auto_conditions = False
    p.condition("Initialized", "False", "ContainersNotInitialized")
    p.condition("Ready", "False", "ContainersNotReady").condition("ContainersReady", "False", "ContainersNotReady")
    after = p.obs()
    v = only([before, after], "condition-inconsistent", 1)
    assert v.field == "status.conditions[Initialized]" and "went back from True to False" in v.message


def test_initialized_back_to_false_after_a_sidecar_went_down_is_legal():
    p = PodSim("web", sidecars=("proxy",)).start_kubelet()
    p.running("proxy").running("app").phase("Running")
    before = p.obs()
    p.terminated("proxy", 1).crashloop("proxy").terminated("app", 1).crashloop("app")
    after = p.obs()
    assert after["status"]["conditions"][1] == {**after["status"]["conditions"][1], "type": "Initialized", "status": "False"}
    assert ids([before, after]) == []


def test_initialized_back_to_false_after_a_sandbox_recreation_is_legal():
    p = _initialized_pod()
    before = p.obs()
    p.terminated("app", 137).waiting("app", "PodInitializing")
    p.running("setup", new_instance=True).phase("Pending")
    after = p.obs()
    assert ids([before, after]) == []


# -- CrashLoopBackOff without a new termination -------------------------------------------------------
def _crashlooping() -> tuple[PodSim, dict, dict]:
    p = PodSim("flaky").up()
    p.terminated("app", 1).crashloop("app")
    backoff = p.obs()
    p.running("app")
    running = p.obs()
    return p, backoff, running


def _backoff_without_exit(p: PodSim) -> dict:
    s = p.statuses["app"]
    s["state"] = {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 20s restarting failed container"}}
    s.update(ready=False, started=False)
    return p.obs()


def test_crashloop_shown_without_the_running_instance_exit_is_flagged():
    p, backoff, running = _crashlooping()
    again = _backoff_without_exit(p)
    v = only([running, again], "container-state-regressed", 1)
    assert v.field == "status.containerStatuses[app].lastState"


def test_crashloop_without_new_exit_hidden_in_a_coalesced_update_is_flagged():
    p, backoff, running = _crashlooping()
    again = _backoff_without_exit(p)  # restartCount 1, lastState still the first exit
    only([backoff, again], "container-state-regressed", 1)


def test_crashloop_with_a_new_termination_is_legal():
    p, backoff, running = _crashlooping()
    p.terminated("app", 2).crashloop("app")
    again = p.obs()
    assert ids([running, again]) == []
    assert ids([backoff, again]) == []  # coalesced: ran, exited 2, backing off again


# -- init-container ordering ---------------------------------------------------------------------------
def test_init_container_completed_before_the_earlier_one_ran_is_flagged():
    p = PodSim("web", init=("first", "second")).start_kubelet()
    created = p.obs()
    p.running("second").terminated("second", 0)
    v = only([created, p.obs()], "init-order", 1)
    assert v.container == "second" and "has not completed" in v.message


def test_init_containers_in_order_are_legal():
    p = PodSim("web", init=("first", "second")).start_kubelet()
    created = p.obs()
    p.running("first").terminated("first", 0).running("second").terminated("second", 0)
    assert ids([created, p.obs()]) == []  # both ran between the observations, in order


def test_init_container_ran_before_the_sidecar_started_is_flagged():
    p = PodSim("web", sidecars=("proxy",), init=("setup",)).start_kubelet()
    created = p.obs()
    p.running("setup").terminated("setup", 0)
    v = only([created, p.obs()], "init-order", 1)
    assert v.container == "setup" and "sidecar proxy has never started" in v.message


def test_init_container_after_the_sidecar_started_is_legal():
    p = PodSim("web", sidecars=("proxy",), init=("setup",)).start_kubelet()
    created = p.obs()
    p.running("proxy").running("setup").terminated("setup", 0)
    assert ids([created, p.obs()]) == []


def test_a_sidecar_that_started_and_crashed_since_does_not_block():
    p = PodSim("web", sidecars=("proxy",), init=("setup",)).start_kubelet()
    created = p.obs()
    p.running("proxy").running("setup").terminated("setup", 0).terminated("proxy", 1).crashloop("proxy")
    assert ids([created, p.obs()]) == []


# -- a restart under OnFailure after exit 0, visible only in a later update ---------------------------
def test_restart_after_exit_0_seen_only_in_lastState_is_flagged():
    p = PodSim("job", restart_policy="OnFailure", owner="Job").up()
    before = p.obs()
    p.terminated("app", 0).running("app")  # the exit 0 and the restart coalesced away
    v = only([before, p.obs()], "restart-forbidden", 1)
    assert "exit code 0" in v.message


def test_backoff_after_exit_0_seen_only_in_lastState_is_flagged():
    p = PodSim("job", restart_policy="OnFailure", owner="Job").up()
    before = p.obs()
    p.terminated("app", 0).crashloop("app")
    only([before, p.obs()], "restart-forbidden", 1)


def test_restart_after_exit_1_under_onfailure_is_legal():
    p = PodSim("job", restart_policy="OnFailure", owner="Job").up()
    before = p.obs()
    p.terminated("app", 1).running("app")
    assert ids([before, p.obs()]) == []


def test_restart_after_a_failure_then_exit_0_coalesced_is_flagged():
    p = PodSim("job", restart_policy="OnFailure", owner="Job").up()
    p.terminated("app", 1)
    failed = p.obs()
    p.running("app").terminated("app", 0).running("app")  # restarted after 1 (fine), then after 0 (not)
    only([failed, p.obs()], "restart-forbidden", 1)


# -- KEP-5067 generations, by version ----------------------------------------------------------------
def _gen(p: PodSim, generation: int, observed: int, cond: int | None = None) -> dict:
    o = p.obs()
    o["metadata"]["generation"] = generation
    o["status"]["observedGeneration"] = observed
    if cond is not None:
        o["status"]["conditions"][0]["observedGeneration"] = cond
    return o


def test_generation_rules():
    p = PodSim("web").up()
    a, b = _gen(p, 2, 2, 2), _gen(p, 3, 3, 1)
    v = only([a, b], "generation-regressed", 1)
    assert v.field.endswith("].observedGeneration") and v.field.startswith("status.conditions[")
    v = check_trace([_gen(p, 3, 3), _gen(p, 2, 2)])
    assert [(x.id, x.field) for x in v.violations] == [("generation-regressed", "metadata.generation"),
                                                        ("generation-regressed", "status.observedGeneration")]
    assert ids([_gen(p, 2, 1), _gen(p, 3, 3), _gen(p, 3, 3)]) == []
    ahead = _gen(p, 2, 3)
    assert ids([ahead]) == [("invalid-object", 0)]


def test_generation_rules_follow_the_kubernetes_version():
    p = PodSim("web").up()
    trace = [_gen(p, 3, 3), _gen(p, 3, 2)]
    assert ids(trace) == [("generation-regressed", 1)]
    assert ids(trace, kubernetes_version="1.34") == [("generation-regressed", 1)]
    assert ids(trace, kubernetes_version="1.33") == []  # PodObservedGenerationTracking alpha, off


def test_sidecar_started_before_the_earlier_init_container_completed_is_flagged():
    # spec order: the regular init container `setup`, then the sidecar `proxy`
    p = PodSim("web", init=("setup",), spec_extra={"initContainers": [
        {"name": "setup", "image": "registry.example/init:1.0"},
        {"name": "proxy", "image": "registry.example/init:1.0", "restartPolicy": "Always"}]})
    p.order_init = [("setup", False), ("proxy", True)]
    p.start_kubelet()
    created = p.obs()
    p.running("proxy")
    v = only([created, p.obs()], "init-order", 1)
    assert v.container == "proxy" and "init container setup has not completed" in v.message
    p.running("setup").terminated("setup", 0)
    assert ids([created, p.obs()]) == []  # setup completed: proxy may run
