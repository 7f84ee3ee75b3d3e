"""Diagrams: their DOT structure (nodes, edges, labels), never pixels, and diagrams/ kept fresh."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from podmodel.cli import main
from podmodel.engines import explore
from podmodel.model import Model
from podmodel.model.actions import (
    ContainerExit,
    KubeletCreateSandbox,
    KubeletRestartContainer,
    KubeletStartContainer,
    SchedulerBind,
)
from podmodel.model.config import ContainerSpec, PodConfig
from podmodel.model.machines import DEFAULT, MACHINES
from podmodel.render import diagrams as D

ROOT = Path(__file__).resolve().parent.parent
TERMINAL_PHASES = ("Succeeded", "Failed")


# ---------------------------------------------------------------------------- a small DOT reader
def _value(text: str, i: int) -> tuple[str, int]:
    if text[i] == '"':
        j = i + 1
        while text[j] != '"':
            j += 2 if text[j] == "\\" else 1
        return text[i + 1:j].replace('\\"', '"'), j + 1
    if text[i] == "<":
        depth, j = 0, i
        while True:
            depth += {"<": 1, ">": -1}.get(text[j], 0)
            j += 1
            if depth == 0:
                return text[i:j], j
    m = re.compile(r"[^\s\]]+").match(text, i)
    return m.group(0), m.end()


def _attrs(text: str) -> dict[str, str]:
    out, i = {}, 0
    while True:
        m = re.compile(r"\s*(\w+)=").match(text, i)
        if not m:
            return out
        out[m.group(1)], i = _value(text, m.end())


def _id(token: str) -> str:
    return token[1:-1] if token.startswith('"') else token


def parse_dot(source: str) -> tuple[dict[str, dict[str, str]], list[tuple[str, str, dict[str, str]]]]:
    """Nodes ``{id: attrs}`` and edges ``[(tail, head, attrs)]`` of DOT written by `graphviz`."""
    nodes: dict[str, dict[str, str]] = {}
    edges = []
    edge = re.compile(r'^\t+("(?:[^"\\]|\\.)*"|\w+) -> ("(?:[^"\\]|\\.)*"|\w+)(?: \[(.*)\])?$', re.S)
    node = re.compile(r'^\t+("(?:[^"\\]|\\.)*"|\w+) \[(.*)\]$', re.S)
    body = source[source.index("{") + 1:source.rstrip().rindex("}")].rstrip("\n")
    for stmt in re.split(r"\n(?=\t)", body):
        if m := edge.match(stmt):
            edges.append((_id(m.group(1)), _id(m.group(2)), _attrs(m.group(3) or "")))
        elif (m := node.match(stmt)) and _id(m.group(1)) not in ("graph", "node", "edge"):
            nodes[_id(m.group(1))] = _attrs(m.group(2))
    return nodes, edges


def _text(label: str) -> str:
    """The visible text of a label (HTML tags dropped)."""
    return re.sub(r"<[^>]*>", " ", label)


def state_edges(source: str, *, style: str | None = None) -> set[tuple[str, str]]:
    """(tail, head) of the DOT's edges between states (not the initial marker), optionally of one style."""
    _, edges = parse_dot(source)
    return {(a, b) for a, b, attrs in edges if not a.startswith("__")
            and (style is None or attrs.get("style", "solid") == style)}


def test_dot_reader_reads_quoted_ids_and_html_labels():
    nodes, edges = parse_dot('digraph x {\n\t"a-b" [label=<x<BR/>y> tooltip="say \\"hi\\""]\n\t"a-b" -> c [label=go style=dashed]\n}\n')
    assert nodes == {"a-b": {"label": "<x<BR/>y>", "tooltip": 'say "hi"'}}
    assert edges == [("a-b", "c", {"label": "go", "style": "dashed"})]


# ---------------------------------------------------------------------------- component machines
@pytest.mark.parametrize("name", list(MACHINES))
def test_machine_diagram_shows_the_declaration(name):
    decl = MACHINES[name]
    d = D.machine_diagram(decl)
    source = d.to_dot()
    nodes, edges = parse_dot(source)
    states = {n for n in nodes if not n.startswith("__")}
    assert states == set(decl.state_names)
    # the initial state is pointed at by a point node, terminal states are double
    assert (f"__start_{decl.initial}", decl.initial) in {(a, b) for a, b, _ in edges}
    assert nodes[f"__start_{decl.initial}"]["shape"] == "point"
    assert {n for n in states if nodes[n].get("peripheries") == "2"} == set(decl.terminal)
    # every declared edge is drawn: from its source, or from the box holding its source
    boxes = {c.id: {n.id for n in d.nodes if n.cluster == c.id} for c in d.clusters}
    drawn = set()
    for a, b, attrs in edges:
        if a.startswith("__"):
            continue
        tails = boxes[attrs["ltail"][len("cluster_"):]] if "ltail" in attrs else {a}
        drawn |= {(t, b) for t in tails}
    assert drawn == decl.edges()
    # auto transitions, and only they, are dashed
    auto = {(s, t.dest) for t in decl.transitions if t.auto for s in t.source}
    dashed = {(a, b) for a, b, attrs in edges if attrs.get("style") == "dashed"}
    assert dashed <= auto and (not auto or dashed)
    # labels name the triggers; the table lists every trigger with its guards
    labelled = {attrs["label"] for _, _, attrs in edges if "label" in attrs}
    table = _text(nodes["__table"]["label"])
    for t in decl.transitions:
        assert t.trigger in table
        for g in t.guards:
            assert g in table
    assert labelled <= set(decl.triggers)
    assert "legend" in _text(nodes["__legend"]["label"])


def test_container_machine_groups_states_and_colours_fan_ins():
    d = D.machine_diagram(MACHINES["container"])
    assert {c.id: tuple(n.id for n in d.nodes if n.cluster == c.id) for c in d.clusters} == {
        "waiting": ("Waiting", "ErrImagePull", "ImagePullBackOff", "CreateContainerConfigError"),
        "running": ("Running", "Started", "Ready"),
        "exited": ("Terminated", "CrashLoopBackOff"),
    }
    # exit leaves every running state: one edge from the running box
    exits = [e for e in d.edges if e.label == "exit"]
    assert [(e.source, e.dest, e.ltail) for e in exits] == [("Running", "Terminated", "running")]
    # sandbox_reset still needs 5 edges: drawn unlabelled in one colour, named in the legend
    resets = [e for e in d.edges if "sandbox_reset" in e.tooltip]
    assert len(resets) >= D.FAN_IN and len({e.color for e in resets}) == 1 and not any(e.label for e in resets)
    assert any("sandbox_reset" in row[1] and row[2] == resets[0].color for row in d.legend if len(row) == 3)
    assert 'compound=true' in d.to_dot()


def test_modified_declaration_changes_the_diagram():
    decl = MACHINES["container"].without_transition("restart", "CrashLoopBackOff")
    before, after = D.machine_diagram(MACHINES["container"]), D.machine_diagram(decl)
    assert before.edge_pairs() - after.edge_pairs() == {("CrashLoopBackOff", "Running")}
    assert [(e.source, e.ltail) for e in before.edges if e.label == "restart"] == [("Terminated", "exited")]
    assert [(e.source, e.ltail) for e in after.edges if e.label == "restart"] == [("Terminated", None)]


# ---------------------------------------------------------------------------- derived diagrams
@pytest.fixture(scope="module")
def derived():
    """Every bundled diagram, built once."""
    return {d.name: d for d in D.bundled_diagrams()}


@pytest.fixture
def built_once(derived, monkeypatch):
    """`podmodel diagrams` reusing the module's diagrams instead of exploring again."""
    monkeypatch.setattr(D, "bundled_diagrams", lambda *a, **k: list(derived.values()))


@pytest.mark.parametrize("policy", ["always", "onfailure", "never"])
def test_phase_diagram_nothing_leaves_a_terminal_phase(derived, policy):
    source = derived[f"phase-{policy}"].to_dot()
    nodes, _ = parse_dot(source)
    assert not {(a, b) for a, b in state_edges(source) if a in TERMINAL_PHASES}
    assert all(nodes[p].get("peripheries") == "2" for p in TERMINAL_PHASES)
    assert {("Pending", "Running"), ("Running", "Succeeded"), ("Running", "Failed"), ("Pending", "Failed")} <= \
        state_edges(source, style="solid")


def test_running_back_to_pending_only_under_always(derived):
    assert ("Running", "Pending") in state_edges(derived["phase-always"].to_dot(), style="solid")
    for policy in ("onfailure", "never"):
        source = derived[f"phase-{policy}"].to_dot()
        assert ("Running", "Pending") not in state_edges(source, style="solid")
        assert ("Running", "Pending") in state_edges(source, style="dotted")  # declared, never taken


def test_pending_goes_to_terminal_phases_directly(derived):
    # A container may start and exit between two status syncs (ContainerStartedAndExited),
    # so Pending -> Succeeded and Pending -> Failed are real, solid edges.
    for policy in ("onfailure", "never"):
        source = derived[f"phase-{policy}"].to_dot()
        assert ("Pending", "Succeeded") in state_edges(source, style="solid")
        assert ("Pending", "Failed") in state_edges(source, style="solid")


def test_phase_edges_are_labelled_by_the_actions_that_cause_them(derived):
    d = derived["phase-always"]
    edge = {(e.source, e.dest): e for e in d.edges}
    back = edge[("Running", "Pending")]
    # the phase goes back when an init container runs again after the sandbox is recreated
    assert {line.split(" \u00d7")[0] for line in back.detail} == {"KubeletStartContainer", "KubeletRestartContainer"}
    assert "DeadlineExceeded" in edge[("Pending", "Failed")].tooltip and "Evict" in edge[("Pending", "Failed")].tooltip
    assert edge[("Running", "Failed")].detail[-1].startswith("+")  # more kinds than shown
    labels = {(a, b): _text(attrs.get("label", "")) for a, b, attrs in parse_dot(d.to_dot())[1]}
    assert "ContainerExit \u00d7176" in labels[("Running", "Succeeded")]


def test_derived_diagrams_pin_the_explored_sizes(derived):
    sizes = {name: re.search(r"quotient of ([\d,]+) explored states, ([\d,]+) transitions", d.title).groups()
             for name, d in derived.items() if name.startswith(("phase-", "container-"))}
    assert sizes == {
        "phase-always": ("20,261", "36,224"), "phase-onfailure": ("1,732", "2,831"), "phase-never": ("219", "336"),
        "container-always": ("395", "1,092"), "container-onfailure": ("124", "298"), "container-never": ("46", "105"),
    }


def test_container_diagrams_follow_the_restart_policy(derived):
    never, onfailure, always = (derived[f"container-{p}"] for p in ("never", "onfailure", "always"))
    assert never.node("Terminated").terminal and never.node("CrashLoopBackOff").faded
    assert ("Terminated", "Running") not in {(e.source, e.dest) for e in never.edges if e.style != "dotted"}
    for d in (onfailure, always):
        solid = {(e.source, e.dest) for e in d.edges if e.style == "solid"}
        assert not d.node("Terminated").terminal and not d.node("CrashLoopBackOff").faded
        assert {("Terminated", "CrashLoopBackOff")} <= solid
    # only Always recreates the sandbox: whole boxes go back to Waiting
    boxed = {(e.ltail, e.dest) for e in always.edges if e.ltail}
    assert {("running", "Waiting"), ("exited", "Waiting")} <= boxed
    assert not any(e.dest == "Waiting" and e.style != "dotted" for e in onfailure.edges)


def test_quotient_agrees_with_the_model(derived):
    """Every phase change of the explored graph, recomputed with next_state, is an edge of the quotient."""
    model = D.scenario_models(D.SCENARIO_DIR / "phase.yaml")["Never"]
    result = explore(model, properties=())
    q = D.explored_quotient(model, lambda s: s.phase)
    seen = set()
    for u in result.graph().nodes:
        s = result.graph().nodes[u]["state"]
        for a in model.actions(s):
            t = model.next_state(s, a)
            if s.phase != t.phase:
                seen.add((s.phase, t.phase, D.action_kind(a)))
    assert seen == {(a, b, k) for (a, b), counts in q.edges.items() for k in counts}
    assert (q.states, q.transitions) == (result.states, result.transitions)


# ---------------------------------------------------------------------------- paths
def _never_restart_counterexample():
    config = PodConfig(containers=(ContainerSpec("app"),), restart_policy="Never")
    broken = DEFAULT.replace_machine(DEFAULT["container"].without_guard("restart", "should_restart"))
    model = Model(config, declarations=broken)
    cex = explore(model).violations["restart-policy-honoured"]
    return model, cex


def test_path_diagram_draws_a_counterexample_over_the_machines():
    model, cex = _never_restart_counterexample()
    assert cex.actions[-1] == KubeletRestartContainer("app")
    d = D.path_diagram(model, cex.actions, cex.states)
    n = len(cex.actions)
    path = [e for e in d.edges if e.color == D._PATH_COLOR]
    # the restart, with the auto transitions after it (no probes: started and ready at once), is step n
    assert ("container_0__Terminated", "container_0__Ready", str(n)) in {(e.source, e.dest, e.label) for e in path}
    assert {c.id for c in d.clusters} >= {"phase", "binding", "sandbox", "container_0"}
    assert "deletion" not in {c.id for c in d.clusters}  # never moved, not drawn
    assert d.node("container_0__Ready").bold and d.node("container_0__Terminated").highlight
    assert [row[1] for row in d.legend] == [repr(a) for a in cex.actions]
    nodes, edges = parse_dot(d.to_dot())
    assert ("container_0__Terminated", "container_0__Ready") in {(a, b) for a, b, _ in edges}


def test_path_steps_on_the_same_edge_are_merged_and_self_loops_kept():
    model = Model(PodConfig(containers=(ContainerSpec("app"),), restart_policy="Always"))
    acts = [SchedulerBind("node-1"), KubeletCreateSandbox(), KubeletStartContainer("app"), ContainerExit("app", 1),
            KubeletRestartContainer("app"), ContainerExit("app", 1)]
    d = D.path_diagram(model, acts, model.replay(acts))
    labels = {(e.source, e.dest): e.label for e in d.edges if e.color == D._PATH_COLOR}
    assert labels[("container_0__Ready", "container_0__Terminated")] == "4, 6"
    assert labels[("binding__Unbound", "binding__Bound")] == "1"
    with pytest.raises(ValueError, match="needs 7 states"):
        D.path_diagram(model, acts, model.replay(acts)[:-1])


def test_bundled_counterexample(derived):
    d = derived["path-counterexample"]
    assert "restart-policy-honoured" in d.title and "'restart' without guard 'should_restart'" in d.title
    steps = [row[1] for row in d.legend]
    assert steps[-2:] == ["ContainerStartedAndExited(container='app', code=0)", "KubeletRestartContainer(container='app')"]
    red = {(e.source, e.dest): e.label for e in d.edges if e.color == D._PATH_COLOR}
    assert red[("container_0__Terminated", "container_0__Ready")] == str(len(steps))
    assert red[("phase__Pending", "phase__Succeeded")] == str(len(steps) - 1)  # never seen running


def test_a_harmless_mutation_has_no_counterexample_to_draw(tmp_path, monkeypatch):
    monkeypatch.setattr(D, "SEEDED_BUG", ("container", "start", "start_order"))  # one container: no order to break
    with pytest.raises(D.DiagramError, match="breaks no 'restart-policy-honoured'"):
        D.bundled_counterexample(D.SCENARIO_DIR / "counterexample.yaml")


def test_lasso_cycle_is_drawn_dashed_and_numbered_on():
    model = Model(PodConfig(containers=(ContainerSpec("app"),), restart_policy="Always"))
    acts = [SchedulerBind("node-1"), KubeletCreateSandbox(), KubeletStartContainer("app")]
    for _ in range(model.bounds.max_restarts):
        acts += [ContainerExit("app", 1), KubeletRestartContainer("app")]
    states = model.replay(acts)
    cycle = [ContainerExit("app", 1), KubeletRestartContainer("app")]
    loop = model.replay(cycle, states[-1])
    assert loop[-1] == states[-1]  # restartCount saturated: the loop closes
    d = D.path_diagram(model, acts, states, cycle=cycle, cycle_states=loop[1:])
    n = len(acts)
    dashed = {(e.source, e.dest): e.label for e in d.edges if e.style == "bold,dashed"}
    assert dashed[("container_0__Ready", "container_0__Terminated")] == str(n + 1)
    assert dashed[("container_0__Terminated", "container_0__Ready")] == str(n + 2)
    assert d.legend[-1][1].startswith(f"steps {n + 1}-{n + 2} (dashed) repeat forever")
    with pytest.raises(ValueError, match="cycle of 2 actions needs 2 states"):
        D.path_diagram(model, acts, states, cycle=cycle, cycle_states=loop)


def test_write_counterexample_titles_it(tmp_path):
    model, cex = _never_restart_counterexample()
    text = D.write_counterexample(tmp_path / "c.dot", model, cex).read_text()
    assert f"restart-policy-honoured: {cex.label} ({len(cex.actions)} steps)" in text and cex.label == "violation"


@pytest.mark.parametrize("fmt", ["svg", "dot", "png"])
def test_write_path_diagram(tmp_path, fmt):
    model, cex = _never_restart_counterexample()
    out = D.write_path_diagram(tmp_path / f"cex.{fmt}", model, cex.actions, cex.states)
    data = out.read_bytes()
    assert {"svg": b"<svg", "dot": b"digraph path", "png": b"\x89PNG"}[fmt] in data[:300]
    with pytest.raises(ValueError, match="unknown diagram format"):
        D.write_path_diagram(tmp_path / "cex.gif", model, cex.actions, cex.states)


# ---------------------------------------------------------------------------- the command and freshness
def test_committed_diagrams_are_current(tmp_path, capsys):
    """`podmodel diagrams` into a fresh directory reproduces diagrams/: DOT byte for byte,
    SVG in content (and byte for byte on the same Graphviz release)."""
    assert main(["diagrams", "--out", str(tmp_path)]) == 0
    assert "wrote 38 files" in capsys.readouterr().out
    committed = {p.name for p in D.DIAGRAM_DIR.iterdir() if p.suffix in (".dot", ".svg")}
    assert committed == {p.name for p in tmp_path.iterdir()}, "run `podmodel diagrams`"
    stale = []
    for name in sorted(committed):
        new, old = (tmp_path / name).read_bytes(), (D.DIAGRAM_DIR / name).read_bytes()
        same = new == old if name.endswith(".dot") else D.svg_content(new) == D.svg_content(old)
        if not same:
            stale.append(name)
    assert not stale, f"stale diagrams (run `podmodel diagrams`): {stale}"
    assert b"Generated by graphviz" not in (tmp_path / "phase-always.svg").read_bytes()


def test_check_finds_stale_missing_and_extra_files(tmp_path, capsys, built_once):
    assert main(["diagrams", "--out", str(tmp_path)]) == 0
    # --check agrees: current here, stale once a file is touched, removed or added
    assert main(["diagrams", "--check", "--out", str(tmp_path)]) == 0
    (tmp_path / "phase-never.dot").write_text("digraph x {}\n")
    (tmp_path / "machine-binding.svg").unlink()
    shutil.copy(tmp_path / "phase-always.dot", tmp_path / "old.dot")
    capsys.readouterr()
    assert main(["diagrams", "--check", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "phase-never.dot: differs" in err and "machine-binding.svg: missing" in err and "old.dot: not generated" in err


def test_diagrams_command_formats(tmp_path, built_once):
    assert main(["diagrams", "--out", str(tmp_path / "d"), "--format", "dot"]) == 0
    assert {p.suffix for p in (tmp_path / "d").iterdir()} == {".dot"}
    assert main(["diagrams", "--out", str(tmp_path / "p"), "--format", "png"]) == 0
    assert {p.suffix for p in (tmp_path / "p").iterdir()} == {".dot", ".png"}


def test_diagrams_command_without_dot_is_a_usage_error(tmp_path, monkeypatch, capsys, built_once):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["diagrams", "--out", str(tmp_path / "x")]) == 2
    assert "`dot` was not found" in capsys.readouterr().err


def test_unreadable_scenario_is_a_clear_error(tmp_path):
    with pytest.raises(D.DiagramError, match="cannot read"):
        D.scenario_models(tmp_path / "nope.yaml")
    (tmp_path / "bad.yaml").write_text("spec: {restartPolicy: Always, containers: []}\n")
    with pytest.raises(D.DiagramError, match="bad.yaml"):
        D.scenario_models(tmp_path / "bad.yaml")


# ---------------------------------------------------------------------------- podmodel explore --diagram
SINGLE_NEVER = ROOT / "specs" / "scenarios" / "single-never.yaml"


def test_explore_diagram_draws_the_first_counterexample(tmp_path, monkeypatch, capsys):
    from podmodel.verifier.scenarios import Scenario

    broken = DEFAULT.replace_machine(DEFAULT["container"].without_guard("restart", "should_restart"))
    monkeypatch.setattr(Scenario, "model", lambda self, **kw: Model(self.config, self.bounds, declarations=broken))
    out = tmp_path / "cex.dot"
    assert main(["explore", str(SINGLE_NEVER), "--quiet", "--diagram", str(out)]) == 1
    assert "drawn" in capsys.readouterr().err
    from podmodel.cli.explore import counterexample_for_diagram
    from podmodel.verifier.scenarios import load_scenario

    expected = counterexample_for_diagram(explore(load_scenario(SINGLE_NEVER).model()))  # the broken model, patched
    text = out.read_text()
    assert f'label="{expected.property}: violation ({len(expected.actions)} steps)"' in text
    _, edges = parse_dot(text)
    assert ("container_0__Terminated", "container_0__Ready") in {(a, b) for a, b, _ in edges}


def test_explore_diagram_draws_a_witness_on_request(tmp_path, capsys):
    out = tmp_path / "w.svg"
    assert main(["explore", str(SINGLE_NEVER), "--quiet", "--diagram", str(out), "--diagram-property", "reaches-succeeded"]) == 0
    assert "reaches-succeeded (witness, 3 steps) drawn" in capsys.readouterr().err
    assert ("title", "phase__Succeeded") in D.svg_content(out.read_bytes())


def test_explore_diagram_with_nothing_to_draw_writes_nothing(tmp_path, capsys):
    out = tmp_path / "none.svg"
    assert main(["explore", str(SINGLE_NEVER), "--quiet", "--diagram", str(out)]) == 0
    assert "no counterexample; nothing drawn" in capsys.readouterr().err and not out.exists()


@pytest.mark.parametrize("argv, message", [
    (["--diagram", "x.gif"], "use a .svg, .png or .dot file name"),
    (["--diagram", "x.svg", "--diagram-property", "no-such"], "no such property"),
    (["--diagram-property", "reaches-running"], "needs --diagram FILE"),
])
def test_explore_diagram_bad_arguments(argv, message, capsys):
    assert main(["explore", str(SINGLE_NEVER), "--quiet", *argv]) == 2
    assert message in capsys.readouterr().err
