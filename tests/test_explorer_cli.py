"""`podmodel explore`: the summary, exit codes, --json, --export, --symmetry, --query, bad input."""

import json

import networkx as nx
import pytest

from podmodel.cli import main
from podmodel.engines import explore
from podmodel.engines.analysis import QUERIES, reachable
from podmodel.verifier.scenarios import SCENARIO_DIR, load_scenario

NEVER = str(SCENARIO_DIR / "single-never.yaml")
SIDECAR = str(SCENARIO_DIR / "sidecar-never.yaml")
TWINS = str(SCENARIO_DIR / "two-identical-apps.yaml")


def run(capsys, *argv):
    code = main(["explore", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_clean_run_prints_the_summary_table_and_exits_0(capsys):
    code, out, err = run(capsys, NEVER)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "single-never: restartPolicy Never; containers app (app)"
    summary = lines[lines.index("summary") + 1: lines.index("summary") + 6]
    assert [l.split()[0] for l in summary] == ["states", "transitions", "depth", "complete", "search"]
    assert "  complete     yes" in out
    rows = {" ".join(line.split()) for line in lines}
    assert "restart-policy-honoured step held" in rows
    assert "deleted-eventually-removed eventually held" in rows
    assert lines[-1] == "OK"
    assert "states/s" in err


def test_a_liveness_violation_prints_the_lasso_and_exits_1(capsys):
    code, out, _ = run(capsys, SIDECAR, "--quiet", "--fairness", "weak")
    assert code == 1
    assert "init-success-leads-to-app-start eventually VIOLATED" in {" ".join(line.split()) for line in out.splitlines()}
    assert "init-success-leads-to-app-start: lasso (" in out and "cycle, repeated forever:" in out
    assert out.splitlines()[-1] == "FAILED"
    code, out, _ = run(capsys, SIDECAR, "--quiet")  # the default: strong fairness (the README's first example)
    assert code == 0 and "(eventually: strong fairness)" in out and out.splitlines()[-1] == "OK"
    code, out, _ = run(capsys, SIDECAR, "--quiet", "--no-liveness")
    assert code == 0 and "eventually  skipped" in out


def test_json_output_has_the_documented_shape(capsys):
    code, out, _ = run(capsys, SIDECAR, "--json", "--quiet", "--query", "app-restarts", "--fairness", "weak")
    data = json.loads(out)
    assert code == 1 and data["ok"] is False and data["outcome"] == "violated" and data["undecided"] == []
    assert {"format", "version", "manifest", "pod", "bounds", "engine", "frontier", "symmetry", "fairness", "containers",
            "states", "transitions", "depth", "complete", "stop_reason", "ok", "outcome", "undecided", "properties",
            "stuck", "warnings", "queries", "bound_sensitive"} == set(data)
    assert (data["format"], data["version"], data["containers"]) == ("podmodel-explore", 1, ["proxy", "job"])
    by_id = {p["id"]: p for p in data["properties"]}
    assert set(by_id["reaches-running"]) == {"id", "kind", "statement", "source", "verdict", "counterexample", "witness"}
    assert by_id["reaches-running"]["verdict"] == "witnessed" and by_id["reaches-running"]["witness"]["kind"] == "witness"
    lasso = by_id["init-success-leads-to-app-start"]["counterexample"]
    assert lasso["kind"] == "lasso" and lasso["cycle"] and lasso["steps"][0]["action"] == "SchedulerBind(node='node-1')"
    assert data["queries"] == [{"query": "app-restarts", "question": "Can an app container be restarted?",
                                "reachable": False, "path": None}]


def test_json_output_is_deterministic(capsys):
    _, first, _ = run(capsys, NEVER, "--json", "--quiet")
    _, second, _ = run(capsys, NEVER, "--json", "--quiet", "--engine", "compiled")
    a, b = json.loads(first), json.loads(second)
    assert a.pop("engine") == "readable" and b.pop("engine") == "compiled"  # auto: small spaces state by state
    assert a == b


def test_export_writes_graphml_and_json(capsys, tmp_path):
    for name in ("g.graphml", "g.json"):
        code, _, _ = run(capsys, NEVER, "--quiet", "--export", str(tmp_path / name))
        assert code == 0
    assert nx.read_graphml(tmp_path / "g.graphml").number_of_nodes() == len(json.loads((tmp_path / "g.json").read_text())["nodes"])


def test_symmetry_reduces_and_skips_liveness(capsys):
    _, plain, _ = run(capsys, TWINS, "--json", "--quiet")
    code, reduced, _ = run(capsys, TWINS, "--json", "--quiet", "--symmetry")
    plain, reduced = json.loads(plain), json.loads(reduced)
    assert code == 0 and reduced["symmetry"] is True and reduced["states"] < plain["states"]
    verdicts = {p["id"]: p["verdict"] for p in reduced["properties"]}
    assert verdicts["deleted-eventually-removed"] == "skipped"
    assert {k: v for k, v in verdicts.items() if v != "skipped"} == {
        p["id"]: p["verdict"] for p in plain["properties"] if p["kind"] != "eventually"}


def test_queries_answer_with_a_path(capsys):
    path = SCENARIO_DIR / "single-onfailure.yaml"
    code, out, _ = run(capsys, str(path), "--quiet", "--query", "app-restarts",
                       "--query", "phase == 'Succeeded' and containers['app'].restart_count == 2")
    assert code == 0
    cx = reachable(explore(load_scenario(path).model()), QUERIES["app-restarts"][1])
    n = len(cx.actions)
    assert f"  Can an app container be restarted?  yes, in {n} steps:" in out
    assert f"    {n}. KubeletRestartContainer(container='app')" in out
    assert "phase == 'Succeeded' and containers['app'].restart_count == 2  yes" in out


def test_a_workload_manifest_and_gates_and_bounds(capsys):
    code, out, _ = run(capsys, str(SCENARIO_DIR / "deployment-web.yaml"), "--quiet")
    assert code == 0 and out.startswith("web: restartPolicy Always; containers nginx (app)")
    code, out, _ = run(capsys, NEVER, "--quiet", "--json", "--gates", "PodReadyToStartContainersCondition=false",
                       "--bounds", '{"maxRestarts": 0}')
    data = json.loads(out)
    assert data["bounds"]["maxRestarts"] == 0 and data["complete"]
    steps = [c for p in data["properties"] if p["witness"] for s in p["witness"]["steps"] for c in s["changes"]]
    assert steps and not any("PodReadyToStartContainers" in c for c in steps)
    # a manifest the gates make invalid is unusable input
    code, _, err = run(capsys, str(SCENARIO_DIR / "container-restart-rules.yaml"), "--gates", "ContainerRestartRules=false")
    assert code == 2 and "needs the ContainerRestartRules feature gate" in err


def test_max_states_reports_an_incomplete_run(capsys):
    code, out, _ = run(capsys, NEVER, "--quiet", "--max-states", "10")
    assert code == 3 and "complete     no (max_states)" in out and "unknown" in out
    assert out.splitlines()[-1].startswith("INCOMPLETE: the run stopped at a limit (10 states; raise --max-states N")
    assert "OK" not in out.splitlines()
    assert "incomplete: the exploration stopped at 10 states" in out


def test_bound_check(capsys):
    code, out, _ = run(capsys, NEVER, "--quiet", "--bound-check")
    assert code == 0 and "holds only because" not in out


@pytest.mark.parametrize("argv, message", [
    (["nope.yaml"], "nope.yaml: no such file"),
    ([NEVER, "--gates", "Foo"], "bad feature gate"),
    ([NEVER, "--bounds", "{"], "--bounds: not JSON"),
    ([NEVER, "--bounds", '{"maxRestart": 1}'], "unknown bound"),
    ([NEVER, "--query", "phase =="], "bad query"),
    ([NEVER, "--query", "containers['x'].machine"], "query \"containers['x'].machine\" failed"),
    ([NEVER, "--max-states", "-1"], "--max-states must be a positive integer"),
    ([NEVER, "--time-limit", "-1"], "--time-limit must be positive"),
    ([NEVER, "--export", "g.txt"], "use a .graphml or .json file name"),
    ([NEVER, "--engine", "compiled", "--frontier", "dfs"], "breadth-first only"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_a_manifest_that_is_not_a_pod(capsys, tmp_path):
    bad = tmp_path / "svc.yaml"
    bad.write_text("apiVersion: v1\nkind: Service\nmetadata: {name: x}\n")
    code, _, err = run(capsys, str(bad))
    assert code == 2 and "unsupported kind 'Service'" in err
