"""``podmodel verify``: the scenario matrix, the suite, exit codes, JSON, the self-check."""

from __future__ import annotations

import itertools
import json
from collections import Counter

import pytest
import yaml

from podmodel.cli import main
from podmodel.model.config import RESTART_POLICIES
from podmodel.verifier.mutants import CATALOGUE
from podmodel.verifier.scenarios import bundled_scenarios
from podmodel.verifier.suite import (
    FEATURES,
    Plan,
    SuiteError,
    default_scenarios,
    expand_matrix,
    resolve,
    run_suite,
    scenario,
)

QUICK = ["--budget", "60", "--jobs", "1", "--quiet"]


def verify(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["verify", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _without_times(data):
    if isinstance(data, dict):
        return {k: _without_times(v) for k, v in data.items() if k != "elapsed"}
    if isinstance(data, list):
        return [_without_times(v) for v in data]
    return data


# ------------------------------------------------------------------------ the matrix
def test_the_matrix_covers_every_structure_and_every_feature_combination_per_policy():
    matrix = [s for s in expand_matrix() if not s.name.startswith("extra-")]
    shapes = Counter((s.config.restart_policy, len(s.config.regular_init), len(s.config.sidecars),
                      len(s.config.containers)) for s in matrix)
    assert set(shapes) == set(itertools.product(RESTART_POLICIES, (0, 1, 2), (0, 1), (1, 2, 3)))
    assert set(shapes.values()) == {1}
    for policy in RESTART_POLICIES:
        combos = set()
        for s in matrix:
            if s.config.restart_policy != policy:
                continue
            c = s.config
            combos.add((any(x.probes for x in c.all_containers), bool(c.readiness_gates),
                        c.active_deadline_seconds is not None, s.bounds.deletion))
        assert len(combos) == 2 ** len(FEATURES), policy
    names = [s.name for s in matrix]
    assert len(set(names)) == len(names)
    s = scenario("onfailure-i1s1a2-pgdx")
    assert (s.config.restart_policy, len(s.config.containers), s.bounds.deletion, s.bounds.max_restarts) == \
           ("OnFailure", 2, True, 1)


def test_a_malformed_matrix_is_an_error(tmp_path):
    bad = tmp_path / "matrix.yaml"
    bad.write_text("axes: {restartPolicy: [Always]}\n")
    with pytest.raises(SuiteError, match="axes.initContainers"):
        expand_matrix(bad)
    bad.write_text(yaml.safe_dump({"axes": {"restartPolicy": ["Sometimes"], "initContainers": [0], "sidecars": [0],
                                            "appContainers": [1]}}))
    with pytest.raises(SuiteError, match="restartPolicy"):
        expand_matrix(bad)


def test_names_resolve_to_matrix_bundled_and_files(tmp_path):
    assert [s.name for s in resolve(["single-never", "never-i0s0a1-gx"])] == ["single-never", "never-i0s0a1-gx"]
    assert len(resolve([])) == len(default_scenarios()) == len(expand_matrix()) + len(bundled_scenarios())
    with pytest.raises(SuiteError, match="no such scenario"):
        resolve(["no-such-pod"])


# ------------------------------------------------------------------------ exit codes
def test_exit_0_when_every_property_holds(capsys):
    code, out, err = verify(capsys, "single-never", "sidecar-never", *QUICK)
    assert code == 0
    assert "every property holds" in out and "VIOLATED" not in out
    rows = [line.split() for line in out.splitlines() if line.startswith(("single-never ", "sidecar-never "))]
    assert [r[:2] for r in rows] == [["single-never", "explore"], ["sidecar-never", "explore"]]
    assert err == ""  # --quiet


def test_exit_1_on_a_mutant_scenario_with_a_replayable_counterexample(capsys):
    code, out, _ = verify(capsys, "--mutant", "never-container-restarted", *QUICK)
    assert code == 1
    assert "VIOLATED restart-policy-honoured on single-never (explore)" in out
    code_block = out.split("VIOLATED restart-policy-honoured on single-never (explore)")[1].split("replay it:\n")[1]
    snippet = "\n".join(line[4:] for line in itertools.takewhile(lambda l: l.startswith("    "), code_block.splitlines()))
    exec(compile(snippet, "<replay>", "exec"), {})  # the printed code replays the violation


def test_exit_2_on_unusable_input(capsys, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("apiVersion: v1\nkind: Pod\nspec:\n  restartPolicy: Sometimes\n  containers: [{name: a}]\n")
    code, _, err = verify(capsys, str(broken), *QUICK)
    assert code == 2 and "restartPolicy" in err and "Traceback" not in err
    notyaml = tmp_path / "bad.yaml"
    notyaml.write_text("kind: Pod\nspec: [unclosed\n")
    assert verify(capsys, str(notyaml), *QUICK)[0] == 2
    for args in (["no-such-scenario"], ["--budget", "0"], ["--mutant", "nope"], ["--examples", "0"],
                 ["--mutants", "single-never"], ["--mutant", CATALOGUE[0].id, "--mutant", CATALOGUE[1].id]):
        code, _, err = verify(capsys, *args, "--quiet")
        assert code == 2, args
        assert err.startswith("podmodel verify: error:") and len(err.strip().splitlines()) == 1, args


# ---------------------------------------------------------------------------- engines
def test_both_engines_cross_check_and_json_is_reproducible(capsys):
    args = ["init-app", "sidecar-never", "--engine", "both", "--json", "--seed", "7", "--examples", "60", *QUICK]
    code, out, _ = verify(capsys, *args)
    assert code == 0
    data = json.loads(out)
    assert data["format"] == "podmodel-verify" and data["ok"] is True
    engines = [(o["scenario"], o["engine"]) for o in data["outcomes"]]
    assert engines == [("init-app", "explore"), ("init-app", "hypothesis"),
                       ("sidecar-never", "explore"), ("sidecar-never", "hypothesis")]
    hyp = data["outcomes"][1]
    assert hyp["cross_check"] == [] and hyp["steps"] > 0
    assert hyp["verdicts"]["deleted-eventually-removed"] == "skipped"
    assert data["outcomes"][0]["verdicts"]["deleted-eventually-removed"] == "held"
    again = json.loads(verify(capsys, *args)[1])
    assert _without_times(again) == _without_times(data)
    other = json.loads(verify(capsys, *[a if a != "7" else "8" for a in args])[1])
    assert other["outcomes"][1]["steps"] != hyp["steps"] or other["outcomes"][1]["states"] != hyp["states"]


def test_auto_hands_what_does_not_fit_to_hypothesis():
    sc = scenario("two-init-two-app")
    r = run_suite([sc], Plan(max_states=500, examples=30))
    assert [o.engine for o in r.outcomes] == ["explore", "hypothesis"]
    cut, hyp = r.outcomes
    assert not cut.complete and cut.stop_reason == "max_states" and cut.states == 500
    assert cut.verdicts["init-order"] == "unknown" and hyp.verdicts["init-order"] == "held"
    assert r.ok


def test_parallel_workers_give_the_same_result():
    scs = resolve(["single-never", "init-app", "probes"])
    plan = Plan(engine="both", max_states=10_000, examples=20)
    one, two = run_suite(scs, plan, jobs=1), run_suite(scs, plan, jobs=2)
    assert [_without_times(o.to_dict()) for o in one.outcomes] == [_without_times(o.to_dict()) for o in two.outcomes]


def test_worlds_in_worker_processes_give_the_same_report(capsys):
    """``verify --worlds`` runs each world in a worker: the same report (and exit status)
    with one job or two, in the order the files were given."""
    from podmodel.world.spec import WORLD_DIR

    files = [str(WORLD_DIR / "statefulset-force-delete.yaml"), str(WORLD_DIR / "static-mirror.yaml")]
    reports = []
    for jobs in ("1", "2"):
        code, out, _ = verify(capsys, "--worlds", *files, "--examples", "10", "--jobs", jobs, "--quiet", "--json")
        assert code == 0
        data = json.loads(out)
        assert all(w.pop("elapsed") >= 0 for w in data["worlds"])
        reports.append(data)
    assert reports[0] == reports[1]
    assert [w["world"] for w in reports[0]["worlds"]] == ["statefulset-force-delete", "static-mirror"]
    assert reports[0]["worlds"][0]["expect_violated"] == ["sts-one-pod-per-identity"]


def test_jobs_run_with_fewer_garbage_collections_and_restore_the_callers():
    """A job runs with the workers' collector thresholds; the caller's come back after it."""
    import gc

    from podmodel.verifier.workers import GC_THRESHOLDS, parallel

    before = gc.get_threshold()
    assert parallel(lambda _: gc.get_threshold(), [0], jobs=1, few_collections=True) == [GC_THRESHOLDS]
    assert gc.get_threshold() == before
    assert parallel(lambda _: gc.get_threshold(), [0], jobs=1) == [before]
    assert parallel(_thresholds, [0, 1], jobs=2, few_collections=True) == [GC_THRESHOLDS] * 2


def _thresholds(_):
    import gc

    return gc.get_threshold()


def _frozen_after(_):
    from podmodel.verifier import workers

    return workers._freeze


class _Held:
    """A cyclic object the collector tracks (for the inherited-heap test)."""

    def __init__(self) -> None:
        self.me = self


def _inherited_frozen(_):
    import gc

    return gc.get_freeze_count()


def test_a_forked_worker_never_scans_what_it_inherited():
    """Every worker, with or without few collections, freezes the heap it inherited from the
    caller: a full collection after each job must not walk a long-lived caller's objects (a
    mutation run forked from a test session holding 1.4 GB ran ten times slower)."""
    import gc

    from podmodel.verifier.workers import parallel

    before = gc.get_freeze_count()
    held = [_Held() for _ in range(20_000)]  # the caller's heap, tracked by the collector
    assert all(n >= before + len(held) for n in parallel(_inherited_frozen, [0, 1], jobs=2))
    assert gc.get_freeze_count() == before  # the caller's own heap is left alone
    del held


def test_workers_freeze_what_survives_a_job_and_the_caller_is_left_alone():
    import gc

    from podmodel.verifier.workers import parallel

    before = gc.get_freeze_count()
    assert parallel(_frozen_after, [0, 1], jobs=2, few_collections=True) == [True, True]
    assert parallel(_frozen_after, [0, 1], jobs=2) == [False, False]
    assert parallel(lambda _: 1, [0, 1], jobs=1, few_collections=True) == [1, 1]
    assert gc.get_freeze_count() == before  # in-process jobs never freeze the caller's heap


def _timeless(outcome: dict) -> dict:
    return {k: v for k, v in outcome.items() if k != "elapsed"}


def test_the_suite_and_the_worlds_in_one_pool_give_what_each_gives_alone():
    """`run_all` (``make verify``): the same outcomes and world reports as `run_suite` and
    `verify_worlds` run one after the other, whatever job runs in which worker."""
    from podmodel.verifier.suite import run_all
    from podmodel.verifier.worlds import verify_worlds
    from podmodel.world.spec import WORLD_DIR

    scs = [scenario("single-never"), scenario("never-i2s1a1-px"), scenario("always-i0s1a1-pg")]
    worlds = [WORLD_DIR / "static-mirror.yaml", WORLD_DIR / "statefulset-partition.yaml"]
    plan = Plan(max_states=5000, examples=10)
    both = run_all(scs, plan, worlds, jobs=2, world_examples=10)
    alone = run_suite(scs, plan, jobs=1)
    assert [_timeless(o.to_dict()) for o in both.suite.outcomes] == [_timeless(o.to_dict()) for o in alone.outcomes]
    assert both.suite.scenarios == alone.scenarios and both.suite.outcome == alone.outcome == "ok"
    reports = verify_worlds(worlds, jobs=1, examples=10)
    assert [r.data for r in both.worlds] == [r.data for r in reports]
    assert both.worlds_outcome == "ok" and both.outcome == "ok"


def test_all_runs_the_whole_suite_only(capsys):
    code, _, err = verify(capsys, "--all", "single-never")
    assert code == 2 and "--all" in err
    code, _, err = verify(capsys, "--all", "--worlds")
    assert code == 2 and "--all" in err


def test_every_job_of_make_verify_has_a_recorded_cost():
    """The workers start the heaviest jobs first by the recorded costs (podmodel.verifier.costs);
    a job missing from the file gets only a structural guess."""
    from podmodel.verifier import costs
    from podmodel.world.spec import WORLD_DIR

    rec = costs.recorded()
    assert {sc.name for sc in default_scenarios()} <= set(rec["scenarios"])
    assert {p.stem for p in WORLD_DIR.glob("*.yaml")} <= set(rec["worlds"])
    run = {"suite": {"outcomes": [{"scenario": "a", "elapsed": 1.0}, {"scenario": "a", "elapsed": 0.5}]},
           "worlds": {"worlds": [{"world": "w", "elapsed": 2.0}]}}
    assert costs.from_run(run) == {"scenarios": {"a": 1.5}, "worlds": {"w": 2.0}}


def test_the_time_guard_leaves_room_for_a_loaded_machine():
    """The per-run wall-clock guard is the whole budget, not a scenario's share of it: the
    largest pod takes 30 s on an idle machine and three times that at load 4."""
    assert Plan.from_budget(480, 78).time_limit == 480.0
    assert Plan.from_budget(480, 78).time_limit > 4 * 30


def test_budget_becomes_fixed_caps():
    small, big = Plan.from_budget(30, 60), Plan.from_budget(3000, 60)
    assert small.max_states < big.max_states and small.examples < big.examples
    assert Plan.from_budget(30, 60) == Plan.from_budget(30, 60)
    with pytest.raises(ValueError):
        Plan.from_budget(0, 10)


# --------------------------------------------------------------------------- coverage
def test_the_report_shows_coverage_and_dead_rules(capsys):
    code, out, _ = verify(capsys, "single-never", *QUICK)
    assert code == 0
    assert "coverage of all runs: rules" in out
    assert "warning: rule never enabled: KubeletBackOff, KubeletRestartContainer" in out
    data = json.loads(verify(capsys, "single-never", "--json", *QUICK)[1])
    assert data["coverage"]["rules"]["KubeletBackOff"] is False
    assert data["coverage"]["transitions"]["container.exit: Ready -> Terminated"] > 0


# ----------------------------------------------------------------------- self-check
def test_mutants_command_reports_each_engine(capsys):
    ids = ["deletion-undone", "app-before-init"]
    code, out, _ = verify(capsys, "--mutants", "--mutant", ids[0], "--mutant", ids[1], "--json", "--quiet")
    assert code == 0
    data = json.loads(out)
    assert [m["id"] for m in data["mutants"]] == ids and data["ok"]
    for m in data["mutants"]:
        assert {d["engine"] for d in m["detections"]} == {"explore", "hypothesis"}
        assert all(d["caught"] and d["expected_property"] for d in m["detections"])
    code, out, _ = verify(capsys, "--mutants", "--mutant", ids[0], "--quiet")
    assert code == 0 and "every one caught by both engines" in out
    assert "deletion-irreversible" in out


def test_list_and_show(capsys):
    code, out, _ = verify(capsys, "--list")
    assert code == 0
    lines = out.splitlines()
    assert "always-i0s0a1\tmatrix" in lines and any(line.startswith("single-never\tbundled") for line in lines)
    assert sum(line.endswith(")") and "\tmutant (" in line for line in lines) == len(CATALOGUE)
    code, out, _ = verify(capsys, "--show", "never-i2s1a3-pgx")
    manifest = yaml.safe_load(out)
    assert manifest["spec"]["restartPolicy"] == "Never" and len(manifest["spec"]["containers"]) == 3


@pytest.mark.slow
def test_the_whole_suite_holds_on_the_real_model(capsys):
    """What `make verify` runs."""
    code, out, _ = verify(capsys, "--quiet")
    assert code == 0, out[-3000:]


@pytest.mark.parametrize("text", ["kind: Pod\nspec: " + "[" * 5000 + "]" * 5000,
                                  "kind: World\nspec: " + "[" * 5000 + "]" * 5000,
                                  "kind: Pod\nspec: {containers: " + "1" * 5000 + "}"])
def test_verify_reads_manifests_through_the_hardened_reader(tmp_path, capsys, text):
    """Deep nesting or a huge integer is one line and exit 2 (not a RecursionError traceback), as for explore."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    for command in ("verify", "explore"):
        assert main([command, str(bad)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"podmodel {command}: error: {bad}" in err
