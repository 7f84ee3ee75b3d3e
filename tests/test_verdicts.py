"""Verdicts that mean what they say (issue 10): one fairness, honest limits, the rules added
to the catalogue and the mutants they kill, systematic mutation, signals."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from podmodel.cli import main
from podmodel.engines import analysis, explore
from podmodel.engines.hypothesis import run_hypothesis
from podmodel.model.properties import DEFAULT_FAIRNESS, by_id
from podmodel.verifier import mutate
from podmodel.verifier.mutants import ENGINES, by_id as mutant, check_mutant
from podmodel.verifier.scenarios import SCENARIO_DIR, bundled_scenarios
from podmodel.verifier.suite import Plan, expand_matrix, run_scenario

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = {sc.path.stem: sc for sc in bundled_scenarios()}
#: The matrix pods added for the shapes real pods have (small enough for `make test`).
NEW_SHAPES = [sc for sc in expand_matrix() if sc.name in (
    "extra-sidecar-startup-probe", "extra-sidecar-before-init", "extra-istio-style", "extra-linkerd-style",
    "extra-job-sidecar-never", "extra-job-sidecar-onfailure")]


def _cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ----------------------------------------------------------------- one fairness
def test_the_default_fairness_is_strong_everywhere():
    import inspect

    from podmodel.engines.exploration import ExploreResult

    assert DEFAULT_FAIRNESS == "strong" and Plan().fairness == DEFAULT_FAIRNESS
    assert inspect.signature(analysis.liveness).parameters["fairness"].default == DEFAULT_FAIRNESS
    for name in ("verdicts", "ok", "counterexamples", "to_dict", "liveness"):
        params = inspect.signature(getattr(ExploreResult, name)).parameters
        assert params["fairness"].default == DEFAULT_FAIRNESS, name


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_explore_and_verify_give_the_same_verdicts(name, capsys):
    sc = BUNDLED[name]
    direct = explore(sc.model())
    [suite] = run_scenario(sc, Plan(engine="explore", max_states=100_000))
    assert direct.verdicts() == suite.verdicts
    code, out, _ = _cli(capsys, "explore", str(sc.path), "--quiet")
    assert code == 0 and out.splitlines()[-1] == "OK", out  # every bundled scenario passes with defaults


@pytest.mark.parametrize("sc", NEW_SHAPES, ids=lambda sc: sc.name)
def test_the_new_matrix_shapes_hold_every_property(sc):
    r = explore(sc.model())
    assert r.complete and r.outcome() == "ok", {k: v for k, v in r.verdicts().items() if v != "held"}


def test_a_sidecar_startup_probe_resolves():
    """A sidecar's startup probe does not stay pending forever (ProbeSucceed is fair); under
    weak fairness of the kubelet alone it would (the stutter the issue found)."""
    sc = next(s for s in NEW_SHAPES if s.name == "extra-sidecar-startup-probe")
    r = explore(sc.model())
    assert analysis.liveness(r)["init-success-leads-to-app-start"].holds
    from podmodel.model import actions as A
    from podmodel.model.properties import FAIR_ACTIONS

    starved = analysis.liveness(r, fair=FAIR_ACTIONS - {A.ProbeSucceed})["init-success-leads-to-app-start"]
    assert starved.holds is False and starved.counterexample.stutter


def test_the_sigkill_timer_runs_while_the_node_is_unreachable():
    from podmodel.model import actions as A

    m = BUNDLED["deletion-grace"].model()
    s = m.replay([A.SchedulerBind("node-1"), A.KubeletCreateSandbox()])[-1]
    for c in m.specs:
        if A.KubeletStartContainer(c.name) in m.actions(s):
            s = m.next_state(s, A.KubeletStartContainer(c.name))
    s = m.next_state(m.next_state(s, A.ApiDelete(30)), A.NodeLost())
    assert s.binding == "NodeLost" and A.GracePeriodExpired() in m.actions(s)
    t = m.next_state(s, A.GracePeriodExpired())
    assert not any(cs.machine in ("Running", "Started", "Ready") for cs in t.containers)


# --------------------------------------------------------------- honest limits
def test_a_cut_run_is_incomplete_and_exits_3(capsys):
    never = str(SCENARIO_DIR / "single-never.yaml")
    code, out, _ = _cli(capsys, "explore", never, "--quiet", "--max-states", "10")
    assert code == 3 and out.splitlines()[-1].startswith("INCOMPLETE") and "undecided: " in out
    code, out, _ = _cli(capsys, "verify", never, "--engine", "explore", "--max-states", "10", "--quiet")
    assert code == 3 and "INCOMPLETE" in out.splitlines()[-1] and "undecided" in out.splitlines()[-1]
    assert "UNDECIDED" in out


def test_a_violation_found_before_the_cut_is_still_reported(capsys):
    m = mutant("deletion-undone")
    r = explore(m.build(), max_states=60)
    assert not r.complete and r.outcome() == "violated" and "deletion-irreversible" in r.violations
    code, out, _ = _cli(capsys, "verify", "--mutant", "deletion-undone", "--engine", "explore", "--max-states", "60",
                        "--quiet")
    assert code == 1


def test_verify_summary_counts_held_violated_and_undecided(capsys):
    code, out, _ = _cli(capsys, "verify", "single-never", "--engine", "explore", "--quiet")
    assert code == 0 and " held, 0 violated, 0 undecided)" in out.splitlines()[-1]


def test_the_liveness_analysis_honours_its_deadline():
    r = explore(BUNDLED["two-init-two-app"].model())
    live = analysis.liveness(r, deadline=time.monotonic() - 1)
    assert live and all(v.holds is None for v in live.values())
    r.deadline = time.monotonic() - 1
    assert r.outcome() == "incomplete" and set(r.undecided()) == set(live)


def test_the_readable_engine_stops_within_its_time_limit():
    from dataclasses import replace

    sc = BUNDLED["two-init-two-app"]
    from podmodel.model.product import Model

    big = Model(sc.config, replace(sc.bounds, max_restarts=6, exit_codes=(0, 1, 2)))
    start = time.monotonic()
    r = explore(big, engine="readable", time_limit=1.0)
    assert time.monotonic() - start < 30  # generous slack: a check of the limit, not of speed
    assert r.stop_reason == "time_limit" and r.outcome() == "incomplete"


def test_the_hypothesis_engine_stops_within_its_time_limit():
    model = BUNDLED["two-init-two-app"].model()
    start = time.monotonic()
    h = run_hypothesis(model, max_examples=100_000, steps=40, seed=0, time_limit=1.0)
    assert time.monotonic() - start < 60
    assert h.stop_reason == "time_limit"


def test_explore_has_a_default_cap_and_a_memory_guard(capsys):
    from podmodel.engines.facade import DEFAULT_MAX_STATES

    assert DEFAULT_MAX_STATES > 0
    code, out, _ = _cli(capsys, "explore", str(SCENARIO_DIR / "two-init-two-app.yaml"), "--quiet", "--memory-limit", "1")
    assert code == 3 and "memory guard" in out and "--memory-limit" in out.splitlines()[-1]


# --------------------------------------------------------- the catalogue's new rules
NEW_RULES = {
    "readiness-gated-by-probe": "ready-without-probe",
    "terminal-phase-matches-reason": "sidecar-exit-decides-phase",
    "restart-required-offered": "crash-loop-never-restarted",
    "removal-allowed": "removed-while-running",
    "deleted-eventually-removed-progress": "sigkill-never-sent",
    "ready-implies-containers-ready": "ready-without-containers-ready",
    "phase-never-unknown": "phase-unknown-produced",
}


@pytest.mark.parametrize("pid", sorted(NEW_RULES))
def test_each_new_rule_kills_its_mutant_with_both_engines(pid):
    assert "kuberuntime" in by_id(pid).source or ".go" in by_id(pid).source or "k8s" in by_id(pid).source
    r = check_mutant(mutant(NEW_RULES[pid]))
    assert r.caught and {d.engine for d in r.detections} == set(ENGINES)
    assert all(d.property in mutant(NEW_RULES[pid]).catches for d in r.detections), \
        [(d.engine, d.property) for d in r.detections]


#: The rules added or sharpened for the mutation target (issue 10): each with a mechanical
#: mutant it kills with both engines (the property is the one both engines report).
MUTATION_RULES = {
    "pod-scheduled-follows-binding": "condition.PodScheduled.flip-condition",
    "ready-to-start-follows-sandbox": "condition.PodReadyToStartContainers.flip-condition",
    "disruption-target-on-eviction": "condition.DisruptionTarget.flip-condition",
    "probe-results-offered": "container.startup_probe_succeeded.drop-transition.Running",
    "container-exits-offered": "container.exit.drop-transition.Running",
    "requests-offered": "deletion.force_delete.drop-transition.Live",
    "kubelet-stops-offered": "termination.evict.drop-transition.Active",
    "deletion-shows-last-exit": "container.deletion_ends_backoff.drop-transition.CrashLoopBackOff",
    "recreation-restarts-all": "container.sandbox_reset.drop-transition.Started",
    "error-reasons-from-attempts": "container.sandbox_reset.redirect.ErrImagePull",
    "stops-only-when-done": "termination.complete.drop-guard.regular_done",
    "sandbox-only-when-active": "sandbox.create.drop-guard.not_finishing",
    "conditions-never-disappear": "sandbox.recreate.redirect.NotCreated",
    "started-gated-by-probe": "container.start.redirect.Started",
    "grace-zero-delete": "deletion.api_delete#0.drop-guard.phase_not_terminal",
    # sharpened: a stopped pod is stopping whatever its worker says; pull back-off is an attempt;
    # progress means a fair action that changes the state
    "no-start-when-stopping": "termination.evict.redirect.Active",
    "start-attempts-ordered": "container.image_pull_backoff.drop-guard.not_finishing",
    "deleted-eventually-removed-progress": "deletion.kubelet_remove.redirect.Deleting",
}


@pytest.mark.parametrize("pid", sorted(MUTATION_RULES))
def test_each_mutation_rule_kills_its_mechanical_mutant_with_both_engines(pid):
    assert ".go" in by_id(pid).source, by_id(pid).source
    m = next(m for m in mutate.mutants() if m.id == MUTATION_RULES[pid])
    r = mutate.check(m, examples=100)
    assert r.status == "killed" and {k.property for k in r.kills} == {pid}, [k.to_dict() for k in r.kills]


@pytest.mark.parametrize("name", ["stopping-while-waiting", "recreation-while-stopping"])
def test_the_mutation_run_scenarios_hold_every_property(name):
    from podmodel.verifier.scenarios import load_scenario

    assert name in mutate.SCENARIOS and mutate.scenario_path(name).parent == mutate.MUTATION_DIR
    r = explore(load_scenario(mutate.scenario_path(name)).model(), engine="readable")
    assert r.complete and r.outcome() == "ok", {k: v for k, v in r.verdicts().items() if v not in ("held", "witnessed")}


def test_auto_transitions_that_never_settle_are_stillborn():
    """A redirect that makes the kubelet's immediate reactions loop (auto_started back to
    Running) is a malformed declaration, not a mutant that crashes the run."""
    ms = {m.id: m for m in mutate.mutants()}
    for mid in ("container.auto_started.redirect.Running", "container.auto_ready.redirect.Running",
                "termination.complete.redirect.Active"):
        assert ms[mid].stillborn and "cycle" in ms[mid].error, mid


# ------------------------------------------------------------ systematic mutation
def test_mechanical_mutants_are_derived_from_the_declarations():
    ms = {m.id: m for m in mutate.mutants()}
    assert {m.operator for m in ms.values()} == set(mutate.OPERATORS)
    stillborn = [m for m in ms.values() if m.stillborn]
    assert stillborn and all(m.error for m in stillborn)
    with pytest.raises(ValueError, match="unknown mutation operator"):
        mutate.mutants(["flip-a-coin"])


@pytest.mark.parametrize("mid", [
    "container.restart.drop-guard.should_restart",
    "container.restart.drop-transition.CrashLoopBackOff",
    "phase.Succeeded-as-Failed.swap-phase",
    "condition.Ready.flip-condition",
])
def test_a_sample_of_mechanical_mutants_is_killed_by_both_engines(mid):
    m = next(m for m in mutate.mutants() if m.id == mid)
    r = mutate.check(m, examples=100)
    assert r.status == "killed", [k.to_dict() for k in r.kills]


def test_a_documented_equivalent_mutant_survives_and_says_why():
    m = next(m for m in mutate.mutants() if m.id == "deletion.kubelet_remove.drop-guard.pod_finished")
    r = mutate.check(m, examples=20)
    assert r.status == "equivalent" and "mergePodStatus" in mutate.EQUIVALENT[m.id]


def test_the_score_counts_what_it_says():
    ms = [m for m in mutate.mutants(["flip-condition"])]
    res = [mutate.MutationResult(m, (mutate.Kill("explore", "x", "p", 0.0), mutate.Kill("hypothesis", None, None, 0.0)))
           for m in ms]
    s = mutate.score(res)
    assert (s.killed, s.partly, s.counted) == (0, len(ms), len(ms)) and s.per_engine == {"explore": len(ms), "hypothesis": 0}


# --------------------------------------------------------------------- signals
def _python():
    return [sys.executable, "-m", "podmodel"]


def test_a_closed_pipe_is_not_an_internal_error():
    p = subprocess.Popen([*_python(), "verify", "--list"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    p.stdout.readline()
    p.stdout.close()
    err = p.stderr.read().decode()
    p.wait(timeout=60)
    assert "Traceback" not in err and "Exception ignored" not in err and p.returncode == 0


def test_sigterm_ends_verify_and_its_workers():
    p = subprocess.Popen([*_python(), "verify", "--jobs", "2", "--quiet", "--engine", "hypothesis"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT, start_new_session=True)
    deadline = time.monotonic() + 60
    children: list[str] = []
    while time.monotonic() < deadline and not children:
        time.sleep(0.5)
        children = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True).stdout.split()
    assert children, "verify started no workers"
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=30) == 143
    assert "Traceback" not in p.stderr.read().decode()
    time.sleep(0.5)
    alive = [c for c in children if Path(f"/proc/{c}").exists() and "Z" not in Path(f"/proc/{c}/stat").read_text().split()[2]]
    assert not alive, f"orphaned workers {alive}"


@pytest.mark.slow
@pytest.mark.parametrize("sc", expand_matrix() + list(BUNDLED.values()), ids=lambda sc: sc.name)
def test_no_false_alarm_on_the_matrix(sc):
    """Every property (the new rules included) holds on every pod of the suite, as far as
    40,000 states (`make verify` goes further with Hypothesis)."""
    r = explore(sc.model(), max_states=40_000)
    assert r.outcome() in ("ok", "incomplete"), {k: v for k, v in r.verdicts().items() if v in ("violated", "no-witness")}


@pytest.mark.slow
def test_the_whole_mutation_run_kills_every_catalogue_rule_mutant():
    results = mutate.run(jobs=2)
    s = mutate.score(results)
    left = [(r.mutation.id, r.status) for r in results if r.status in ("survived", "partly", "crashed")]
    assert s.killed == s.counted and not left, (s.text(), left)
