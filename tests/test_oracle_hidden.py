"""The coalescing search (`podmodel.oracle.hidden`, `podmodel.oracle.steps.ContainerPaths`).

Soundness against the model: the model took a path between two observations, so with
1..k intermediate observations dropped the oracle must not flag.  Completeness: traces of
our own where every path of hidden steps is illegal, and a differential test against
mutants of the model whose bug shows in a container's own steps: where the unmodified
model has no path between two observations of the mutant, the oracle flags them.
"""

from __future__ import annotations

import random
from collections import deque

import pytest
from test_oracle_builder import PodSim

from podmodel.model import Model
from podmodel.model.reference import pod_config
from podmodel.oracle import check_trace, check_transition
from podmodel.oracle import hidden
from podmodel.oracle.observation import snapshot
from podmodel.oracle.steps import ContainerPaths
from podmodel.verifier.mutants import by_id
from podmodel.verifier.scenarios import bundled_scenarios

SCENARIOS = bundled_scenarios()


def _states(model, limit):
    init = model.initial_states()
    seen, queue, order = set(init), deque(init), list(init)
    while queue and len(seen) < limit:
        s = queue.popleft()
        for a in model.actions(s):
            t = model.next_state(s, a)
            if t not in seen and t.deletion != "Removed":
                seen.add(t)
                order.append(t)
                queue.append(t)
    return order


def _walks(model, k, count, *, seed=0, limit=3000):
    """``count`` random model paths of ``k`` + 1 steps (k intermediate states dropped): (start, actions, end)."""
    rng = random.Random(seed)
    states = _states(model, limit)
    made = tries = 0
    while made < count and tries < 20 * count:
        tries += 1
        s = rng.choice(states)
        path, cur = [], s
        for _ in range(k + 1):
            acts = [a for a in model.actions(cur) if model.next_state(cur, a).deletion != "Removed"]
            if not acts:
                break
            a = rng.choice(acts)
            path.append(a)
            cur = model.next_state(cur, a)
        else:
            made += 1
            yield s, tuple(path), cur


def _assert_sound(model, k, count, seed=0, least=10):
    checked = 0
    for s, path, u in _walks(model, k, count, seed=seed):
        verdict = check_transition(model.to_pod(s), model.to_pod(u))
        assert verdict.ok, (k, s, path, [(v.id, v.field, v.message) for v in verdict.violations])
        checked += 1
    assert checked >= least  # never vacuous (terminal pods end some walks early)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_model_paths_with_up_to_4_observations_dropped_are_legal(scenario):
    m = scenario.model()
    for k in (2, 3, 4):
        _assert_sound(m, k, 120, seed=k)


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_model_paths_with_up_to_6_observations_dropped_are_legal_many(scenario):
    m = scenario.model()
    for k in (1, 2, 3, 4, 5, 6):
        _assert_sound(m, k, 600, seed=100 + k, least=1)  # small pods end before 7 steps


# -- differential: mutants whose bug shows in a container's own steps --------------------------------------
def _reachable_pods(model, start, limit=20000):
    """Every Pod object the (unmodified) model shows on some path from ``start``."""
    seen, queue, pods = {start}, deque([start]), []
    while queue:
        s = queue.popleft()
        pods.append(model.to_pod(s))
        for a in model.actions(s):
            t = model.next_state(s, a)
            if t not in seen and len(seen) < limit:
                seen.add(t)
                queue.append(t)
    assert len(seen) < limit, "the reference search was cut: raise the limit"
    return pods


STEP_MUTANTS = ("never-container-restarted", "onfailure-restarts-success", "init-container-rerun")


@pytest.mark.parametrize("mutant_id", STEP_MUTANTS)
def test_mutant_steps_flagged_after_coalescing_where_no_model_path_exists(mutant_id):
    mutant = by_id(mutant_id)
    broken = mutant.build()
    sc = mutant.scenario()
    real = Model(sc.config, sc.bounds)
    flagged = illegal = beyond = 0
    for k in (1, 2, 3):
        for s, path, u in _walks(broken, k, 150, seed=k, limit=2000):
            target = broken.to_pod(u)
            if target in _reachable_pods(real, s):
                continue  # the unmodified model connects them too: nothing to flag
            steps = [s]
            for a in path:
                steps.append(broken.next_state(steps[-1], a))
            one_by_one = check_trace([broken.to_pod(x, resource_version=i + 1) for i, x in enumerate(steps)])
            if not {v.id for v in one_by_one.violations} & {"restart-forbidden", "container-state-regressed"}:
                continue  # the bug shows in no container step rule (e.g. only in the phase)
            illegal += 1
            before = broken.to_pod(s)
            if check_transition(before, target).ok:
                # Legal for the oracle although the model has no path: only through a step the oracle
                # admits beyond the model's edges (hidden.OBSERVATION_ONLY, docs/oracle.md)
                witnesses = _witnesses(before, target)
                assert any(set(w) & hidden.OBSERVATION_ONLY for w in witnesses), (mutant_id, k, s, path, witnesses)
                beyond += 1
            else:
                flagged += 1
    assert flagged > 0 and flagged + beyond == illegal, (flagged, beyond, illegal)


def _witnesses(before, after):
    cfg = pod_config(before)
    paths = ContainerPaths(cfg, snapshot(before, cfg, index=0), snapshot(after, cfg, index=1))
    results = [paths.result(o, n) for o, n in paths.pairs]
    recreated = any(r.tags == {True} for r in results)
    return [r.witness(True if recreated else None) for r in results]


# -- the search itself -----------------------------------------------------------------------------------
def _pod(policy, state, last=None, n=0, cid=None, kind="containers"):
    st = {"name": "a", "restartCount": n, "state": state, "lastState": {"terminated": last} if last else {}}
    if cid:
        st["containerID"] = cid
    return {"spec": {"restartPolicy": policy, "containers": [{"name": "a"}]}, "status": {"containerStatuses": [st]}}


def _search(a, b):
    cfg = pod_config(a)
    return hidden.search(cfg, cfg.containers[0], snapshot(a, cfg, index=0).app[0], snapshot(b, cfg, index=1).app[0])


def test_a_large_restart_delta_under_always_is_legal():
    a = _pod("Always", {"running": {}}, {"exitCode": 1, "containerID": "c://1"}, 3, "c://2")
    b = _pod("Always", {"running": {}}, {"exitCode": 2, "containerID": "c://9"}, 400, "c://10")
    assert _search(a, b).legal


def test_many_restarts_hidden_under_onfailure_need_a_failure_before_the_last_one():
    a = _pod("OnFailure", {"running": {}}, None, 0, "c://1")
    ok = _search(a, _pod("OnFailure", {"running": {}}, {"exitCode": 3, "containerID": "c://7"}, 5, "c://8"))
    bad = _search(a, _pod("OnFailure", {"running": {}}, {"exitCode": 0, "containerID": "c://7"}, 5, "c://8"))
    assert ok.legal and not bad.legal and bad.relaxed and 0 in bad.blocked


def test_the_same_termination_cannot_be_a_new_exit():
    last = {"exitCode": 1, "containerID": "c://1"}
    a = _pod("Always", {"running": {}}, last, 1, "c://2")
    r = _search(a, _pod("Always", {"waiting": {"reason": "CrashLoopBackOff"}}, last, 2))
    assert not r.legal and not r.relaxed  # no restart policy makes it legal: the exit is not recorded


def test_without_identity_a_termination_may_be_old_or_new():
    last = {"exitCode": 1}
    a = _pod("Always", {"running": {}}, last, 1)
    assert _search(a, _pod("Always", {"waiting": {"reason": "CrashLoopBackOff"}}, last, 1)).legal


def test_never_terminated_then_waiting_is_illegal_and_restart_is_what_every_path_breaks():
    term = {"exitCode": 1, "containerID": "c://1"}
    r = _search(_pod("Never", {"terminated": term}, None, 0, "c://1"),
                _pod("Never", {"waiting": {"reason": "ContainerCreating"}}, term, 0))
    assert not r.legal and r.relaxed


# -- completeness: our own illegal traces, several updates coalesced away ---------------------------------
def ids(trace):
    return check_trace(trace).ids()


def test_init_rerun_needs_a_recreation_that_the_app_container_did_not_go_through():
    p = PodSim("web", init=("migrate",)).start_kubelet()
    p.running("migrate").terminated("migrate", 0)
    p.running("app").phase("Running")
    before = p.obs()
    # hidden: migrate ran again and completed again, while app kept running the same instance
    p.running("migrate").terminated("migrate", 0)
    v = [x for x in check_trace([before, p.obs()]).violations if x.id == "restart-forbidden"]
    assert [x.container for x in v] == ["migrate"]
    assert "no sequence of hidden updates" in v[0].message and "container app kept its instance" in v[0].message


def test_init_rerun_with_every_container_restarted_is_legal():
    p = PodSim("web", init=("migrate",)).start_kubelet()
    p.running("migrate").terminated("migrate", 0)
    p.running("app").phase("Running")
    before = p.obs()
    p.terminated("app", 137).waiting("app", "PodInitializing")
    p.running("migrate", new_instance=True).phase("Pending")
    assert ids([before, p.obs()]) == []


def test_initialized_false_with_the_app_instance_kept_is_flagged():
    p = PodSim("web", init=("setup",)).start_kubelet()
    p.running("setup").terminated("setup", 0).running("app").phase("Running")
    before = p.obs()
    p.running("setup", new_instance=True)  # init re-ran (a recreation?) but app kept its instance
    p.auto_conditions = False
    p.condition("Initialized", "False", "ContainersNotInitialized")
    after = p.obs()
    found = {v.id for v in check_trace([before, after]).violations}
    assert "condition-inconsistent" in found or "restart-forbidden" in found


def test_crashloop_after_several_hidden_restarts_must_show_a_new_exit():
    p = PodSim("flaky").up()
    p.terminated("app", 1).running("app")
    before = p.obs()
    p.terminated("app", 1).running("app").terminated("app", 2).running("app")
    s = p.statuses["app"]
    old_last = before["status"]["containerStatuses"][0]["lastState"]
    s["lastState"] = old_last  # the last two exits never recorded
    s["state"] = {"waiting": {"reason": "CrashLoopBackOff"}}
    s.update(ready=False, started=False)
    v = check_trace([before, p.obs()]).violations
    assert [(x.id, x.field) for x in v][:1] == [("container-state-regressed", "status.containerStatuses[app].lastState")]
    assert "no sequence of hidden updates" in v[0].message


def test_restart_after_exit_0_hidden_behind_two_more_restarts_is_flagged():
    p = PodSim("job", restart_policy="OnFailure", owner="Job").up()
    before = p.obs()
    p.terminated("app", 0).running("app").terminated("app", 1).running("app")
    # restartCount 2 and lastState exit 1 are legal on their own; the first restart (after exit 0) is not,
    # but it left no trace: one legal path exists (exit 1, restart, exit 1, restart) -> not flagged
    assert ids([before, p.obs()]) == []
    p.terminated("app", 0).running("app")
    v = check_trace([before, p.obs()]).violations
    assert [x.id for x in v] == ["restart-forbidden"] and "exit code 0" in v[0].message


# -- legal behaviour the search must admit (real kubelets) ---------------------------------------------------
def test_a_vanished_container_under_never_is_not_a_restart():
    a = _pod("Never", {"running": {}}, None, 0, "c://1")
    b = _pod("Never", {"waiting": {"reason": "ContainerCreating"}},
             {"exitCode": 137, "reason": "ContainerStatusUnknown"}, 1)
    assert _search(a, b).legal


def test_waiting_with_the_exit_in_lastState_before_the_restart():
    term = {"exitCode": 1, "containerID": "c://1"}
    a = _pod("Always", {"terminated": term}, None, 0, "c://1")
    b = _pod("Always", {"waiting": {"reason": "ContainerCreating"}}, term, 0)
    assert _search(a, b).legal
    a, b = (_pod("Never", {"terminated": term}, None, 0, "c://1"),
            _pod("Never", {"waiting": {"reason": "ContainerCreating"}}, term, 0))
    assert not _search(a, b).legal


def test_image_pull_retries_in_a_pod_with_a_running_container_are_legal():
    p = PodSim("web", containers=("app", "helper")).start_kubelet()
    p.running("helper").waiting("app", "ErrImagePull")
    first = p.obs()
    p.waiting("app", "ImagePullBackOff")
    second = p.obs()
    p.waiting("app", "ErrImagePull")
    assert ids([first, second, p.obs()]) == []


def test_sidecar_restarts_are_legal_under_never():
    p = PodSim("job", sidecars=("proxy",), restart_policy="Never", owner="Job").start_kubelet()
    p.running("proxy").running("app").phase("Running")
    before = p.obs()
    p.terminated("proxy", 1).running("proxy").terminated("proxy", 0).running("proxy")
    assert ids([before, p.obs()]) == []


def test_a_crash_looping_container_keeps_its_reason_through_a_recreation():
    p = PodSim("web", init=("setup",)).start_kubelet()
    p.running("setup").terminated("setup", 0).running("app").terminated("app", 1).crashloop("app").phase("Running")
    before = p.obs()
    p.running("setup", new_instance=True).phase("Pending")  # new sandbox: setup re-runs, app's reason cached
    found = {v.id for v in check_trace([before, p.obs()]).violations}
    assert not found & {"restart-forbidden", "container-state-regressed"}


def test_an_app_that_kept_running_forbids_the_recreation_an_init_rerun_needs():
    p = PodSim("web", init=("setup",)).start_kubelet()
    p.running("setup").terminated("setup", 0).running("app").phase("Running")
    before = p.obs()
    p.running("setup", new_instance=True).terminated("setup", 0)
    v = [x for x in check_trace([before, p.obs()]).violations if x.id == "restart-forbidden"]
    assert [x.container for x in v] == ["setup"] and "a recreation restarts every container" in v[0].message


# -- start order across a step ---------------------------------------------------------------------------------
def _crashing_first_init() -> tuple[PodSim, dict]:
    p = PodSim("web", init=("first", "second")).start_kubelet()
    p.running("first").terminated("first", 1).running("first")  # crashed once, running again
    return p, p.obs()


def test_a_later_init_container_started_while_the_earlier_kept_running_is_flagged():
    p, before = _crashing_first_init()
    p.running("second").terminated("second", 0)  # hidden start and completion of second
    v = check_trace([before, p.obs()]).violations
    assert [(x.id, x.container) for x in v] == [("init-order", "second")]
    assert "kept running the same instance" in v[0].message and "no sequence of hidden updates" in v[0].message


def test_a_later_init_container_after_the_earlier_completed_is_legal():
    p, before = _crashing_first_init()
    p.terminated("first", 0).running("second")
    assert ids([before, p.obs()]) == []


def test_an_app_container_started_while_an_init_container_kept_running_is_flagged():
    p = PodSim("web", init=("setup",)).start_kubelet()
    p.running("setup").terminated("setup", 2).running("setup")
    before = p.obs()
    p.running("app").terminated("app", 0)
    found = [(x.id, x.container) for x in check_trace([before, p.obs()]).violations]
    assert ("init-order", "app") in found
