"""Graph export: GraphML and JSON, loadable by networkx and by plain JSON readers."""

import json

import networkx as nx
import pytest

from podmodel.engines import explore
from podmodel.render.graph_export import export, write_json
from podmodel.verifier.scenarios import SCENARIO_DIR, load_scenario


@pytest.fixture(scope="module")
def result():
    return explore(load_scenario(SCENARIO_DIR / "sidecar-never.yaml").model())


def test_json_is_node_link_and_documented(result, tmp_path):
    path = tmp_path / "g.json"
    assert export(result, path) == "json"
    data = json.loads(path.read_text())
    assert (data["format"], data["version"], data["directed"], data["multigraph"]) == ("podmodel-graph", 1, True, True)
    assert data["graph"]["containers"] == [{"name": "proxy", "kind": "sidecar"}, {"name": "job", "kind": "app"}]
    assert (data["graph"]["states"], data["graph"]["transitions"]) == (result.states, result.transitions)
    node = data["nodes"][0]
    assert set(node) == {"id", "initial", "phase", "binding", "node", "sandbox", "recreations", "termination",
                         "stop_reason", "deletion", "containers", "gates", "conditions"}
    assert node["initial"] and node["containers"]["job"] == {"machine": "Waiting", "exit_code": None, "reason": None,
                                                              "last_exit_code": None, "restart_count": 0}
    edge = data["edges"][0]
    assert edge == {"source": 0, "target": 1, "key": 0, "action": "SchedulerBind(node='node-1')",
                    "type": "SchedulerBind", "actor": "scheduler", "args": {"node": "node-1"}}
    G = nx.node_link_graph(data, edges="edges")
    assert (G.number_of_nodes(), G.number_of_edges()) == (result.states, result.transitions)
    assert sorted(G.nodes[5]) == sorted(set(node) - {"id"})
    for i in (0, 7, result.states - 1):  # node records are the states
        s = result.state(i)
        rec = G.nodes[i]
        assert (rec["phase"], rec["deletion"], rec["containers"]["proxy"]["machine"]) == (
            s.phase, s.deletion, s.containers[0].machine)


def test_graphml_round_trips_through_networkx(result, tmp_path):
    path = tmp_path / "g.graphml"
    assert export(result, path) == "graphml"
    G = nx.read_graphml(path, force_multigraph=True)
    assert (G.number_of_nodes(), G.number_of_edges()) == (result.states, result.transitions)
    s = result.state(3)
    attrs = G.nodes["3"]
    assert attrs["phase"] == s.phase and attrs["proxy.machine"] == s.containers[0].machine
    assert "node" not in G.nodes["0"]  # None values are left out
    actions = {d["action"] for _, _, d in G.edges(data=True)}
    assert actions == {repr(a) for a in result.space.actions}
    assert json.loads(G.graph["containers"])[0]["name"] == "proxy"


def test_compiled_results_export_too(tmp_path):
    r = explore(load_scenario(SCENARIO_DIR / "init-app.yaml").model(), engine="compiled")
    export(r, tmp_path / "g.json")
    data = json.loads((tmp_path / "g.json").read_text())
    assert len(data["nodes"]) == r.states and len(data["edges"]) == r.transitions


def test_unknown_suffix_is_refused(result, tmp_path):
    with pytest.raises(ValueError, match="unknown export format"):
        export(result, tmp_path / "g.dot")


def test_write_json_streams_valid_json(result):
    import io
    buf = io.StringIO()
    write_json(result, buf)
    assert json.loads(buf.getvalue())["graph"]["pod"] == "sidecar-never"
