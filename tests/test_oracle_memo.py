"""The memo of clean steps (podmodel.oracle.transitions) changes no verdict.

The checker takes a step from the memo when another pod showed the same step clean, up to a
one-to-one renaming of the volatile values (uid, name, deletionTimestamp, container IDs and
the timestamps in ``state``/``lastState``).  So the tests put a pod's trace first and then
*renamed copies* of it -- the copies' steps are looked up in the memo the first pod filled --
and corrupt the copies the way a wrong memo key would go unnoticed: a volatile value made
equal to another one (the same container instance, the same termination record), made fresh,
emptied or removed, a restart count moved, a state or termination record cleared, an
observation dropped (coalesced updates) or moved back, the pod rebound to another node or its
image changed (another configuration).  The checker with the memo must give
exactly the verdict of the checker without it, and of the general reader (which has no memo
and no typed check): violations with indices and messages, and every pod's result.  The traces
are random walks of the bundled scenarios' models and realistic lifecycles built with
`PodSim` (deployments, jobs, crash loops, init containers and sidecars, deletion).
"""

from __future__ import annotations

import copy
import json
import pickle
import random
import tempfile
from pathlib import Path

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_oracle_builder import PodSim
from test_oracle_lines import _RECORDED
from test_oracle_parallel import SCENARIOS, _model, _walk

from podmodel.oracle.checker import TraceChecker
from podmodel.oracle.formats import InputError, iter_observations
from podmodel.oracle.lines import read_observations
from podmodel.oracle.transitions import FIXED, WHOLE, Shapes, labels, shapes_for

_LISTS = ("initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses")
_TIMES = ("startedAt", "finishedAt")


# -- traces ---------------------------------------------------------------------------------------

def _model_pod(rng: random.Random) -> list[tuple[str, dict]]:
    model = _model(rng.randrange(len(SCENARIOS)))
    states = _walk(model, rng, rng.randint(3, 12))
    pods = []
    for i, s in enumerate(states):
        pod = model.to_pod(s, resource_version=i + 1)
        pod["metadata"].update(uid="model-uid", name="model-pod")
        pods.append(("ADDED" if i == 0 else "MODIFIED", pod))
    return pods


def _sim_pod(rng: random.Random) -> list[tuple[str, dict]]:
    """A realistic lifecycle: created, bound, containers created, started, ready changes,
    crashes and restarts, completion or deletion."""
    kind = rng.choice(["deploy", "job", "init", "sidecar"])
    p = PodSim("web", node=None, restart_policy="Never" if kind == "job" else rng.choice(["Always", "OnFailure"]),
               init=("setup",) if kind == "init" else (), sidecars=("proxy",) if kind == "sidecar" else ())
    out = [("ADDED", p.obs())]
    out.append(("MODIFIED", p.bind().obs()))
    out.append(("MODIFIED", p.start_kubelet().obs()))
    if kind == "init":
        p.running("setup")
        out.append(("MODIFIED", p.obs()))
        p.terminated("setup", 0)
    if kind == "sidecar":
        p.running("proxy")
    p.running("app").phase("Running")
    out.append(("MODIFIED", p.obs()))
    for _ in range(rng.randint(0, 3)):
        if kind == "job":
            break
        p.terminated("app", rng.choice([0, 1, 137]))
        if rng.random() < 0.7:
            out.append(("MODIFIED", p.obs()))
        p.crashloop("app")
        out.append(("MODIFIED", p.obs()))
        p.running("app")
        out.append(("MODIFIED", p.obs()))
    if kind == "job":
        p.terminated("app", 0).phase("Succeeded")
        out.append(("MODIFIED", p.obs()))
    else:
        out.append(("MODIFIED", p.delete().obs()))
        p.terminated("app", 143).phase("Failed")
        out.append(("MODIFIED", p.obs()))
    out.append(("DELETED", p.obs()))
    return out


def _pod_trace(seed: int) -> list[tuple[str, dict]]:
    rng = random.Random(seed)
    pods = (_model_pod if rng.random() < 0.5 else _sim_pod)(rng)
    if rng.random() < 0.3:
        # no container IDs in the termination records: then their exit codes and timestamps tell
        # two records apart (hidden.relation)
        for _, pod in pods:
            for lst in _LISTS:
                for c in (pod.get("status") or {}).get(lst) or []:
                    for part in ("state", "lastState"):
                        term = (c.get(part) or {}).get("terminated")
                        if isinstance(term, dict):
                            term.pop("containerID", None)
    return pods


def _volatile_paths(pod: dict) -> list[tuple]:
    """Where the volatile values of an observation are: ``(key path...)`` into the pod."""
    out: list[tuple] = [("metadata", k) for k in ("name", "deletionTimestamp") if k in pod.get("metadata", {})]
    status = pod.get("status") or {}
    for lst in _LISTS:
        for i, c in enumerate(status.get(lst) or []):
            if "containerID" in c:
                out.append(("status", lst, i, "containerID"))
            for part in ("state", "lastState"):
                st_ = c.get(part) or {}
                for member, keys in (("running", ("startedAt",)), ("terminated", (*_TIMES, "containerID"))):
                    if isinstance(st_.get(member), dict):
                        out += [("status", lst, i, part, member, k) for k in keys if k in st_[member]]
    return out


def _get(pod: dict, path: tuple):
    for k in path[:-1]:
        pod = pod[k]
    return pod.get(path[-1])


def _set(pod: dict, path: tuple, value) -> None:
    for k in path[:-1]:
        pod = pod[k]
    if value is _DELETE:
        pod.pop(path[-1], None)
    else:
        pod[path[-1]] = value


_DELETE = object()


def _renamed(pods: list[tuple[str, dict]], copy_no: int) -> list[tuple[str, dict]]:
    """The same pod with every non-empty volatile value renamed one-to-one (valid values: an
    RFC 3339 time for a timestamp, a container ID for an ID), and a new uid."""
    table: dict = {}

    def fresh(path: tuple, value):
        if not isinstance(value, str) or not value:
            return value
        if value not in table:
            n = len(table)
            if path[-1] in _TIMES or path[-1] == "deletionTimestamp":
                table[value] = f"203{copy_no}-0{1 + n // 1440 % 9}-01T{n // 60 % 24:02d}:{n % 60:02d}:00Z"
            elif path[-1] == "containerID":
                table[value] = f"containerd://copy{copy_no}x{n:04d}"
            else:
                table[value] = f"copy{copy_no}-{n}"
        return table[value]

    out = []
    for event, pod in pods:
        pod = copy.deepcopy(pod)
        pod["metadata"]["uid"] = f"copy-{copy_no}-uid"
        for path in _volatile_paths(pod):
            _set(pod, path, fresh(path, _get(pod, path)))
        out.append((event, pod))
    return out


def _corrupt(pods: list[tuple[str, dict]], rng: random.Random, how: str, k: int | None = None) -> list[tuple[str, dict]]:
    """``pods`` with one corruption ``how`` at observation ``k`` (random if None)."""
    pods = [(e, copy.deepcopy(p)) for e, p in pods]
    k = rng.randrange(len(pods)) if k is None else k
    pod = pods[k][1]
    paths = _volatile_paths(pod)
    if how == "alias" and paths:
        # a volatile value made equal to another one, of this observation or the one before
        others = paths + [("prev", *q) for q in (_volatile_paths(pods[k - 1][1]) if k else [])]
        src = rng.choice(others)
        value = _get(pods[k - 1][1], src[1:]) if src[0] == "prev" else _get(pod, src)
        _set(pod, rng.choice(paths), value)
    elif how == "fresh" and paths:
        path = rng.choice(paths)
        _set(pod, path, "2039-01-01T00:00:00Z" if path[-1] in _TIMES or path[-1] == "deletionTimestamp"
             else f"containerd://fresh{rng.randrange(10**6)}" if path[-1] == "containerID" else "fresh-name")
    elif how == "empty" and paths:
        path = rng.choice(paths)
        _set(pod, path, rng.choice(["", None, _DELETE]) if path[-1] != "name" else _DELETE)
    elif how in ("count", "clear") and (pod.get("status") or {}).get("containerStatuses"):
        c = rng.choice(pod["status"]["containerStatuses"])
        if how == "count":
            c["restartCount"] = max(0, c.get("restartCount", 0) + rng.choice([-1, 1]))
        else:
            c[rng.choice(["state", "lastState"])] = {}
    elif how == "drop" and len(pods) > 2:
        del pods[k]
    elif how == "prefix" and len(pods) > 2:  # the copy is first seen later in its life
        pods = [("ADDED", pods[k][1])] + pods[k + 1:]
    elif how == "back" and k > 0:
        pods.insert(k - 1, pods.pop(k))
    elif how == "node":  # rebound, unbound or bound later (spec.nodeName)
        spec = pod.setdefault("spec", {})
        value = rng.choice(["node-9", "", None, _DELETE, (pods[k - 1][1].get("spec") or {}).get("nodeName", "node-1")])
        _set(pod, ("spec", "nodeName"), value)
    elif how == "image" and (pod.get("spec") or {}).get("containers"):  # another configuration
        for later in pods[k:]:
            later[1]["spec"]["containers"][0]["image"] = "registry.example/other:2"
    elif how == "phase":
        pod.setdefault("status", {})["phase"] = rng.choice(["Pending", "Running", "Succeeded", "Failed"])
    return pods


def _write(path: Path, *pod_lists) -> None:
    lines = [json.dumps({"type": e, "object": p}, separators=(",", ":")) for pods in pod_lists for e, p in pods]
    path.write_text("\n".join(lines) + "\n")


def _all_three(path: Path):
    """The verdicts with the memo, without it, and of the general reader; and the memo's hits."""
    memo = TraceChecker()
    with_memo = memo.run(str(path))
    without = TraceChecker(memo=False).run(str(path))
    general = TraceChecker().run(path.read_text())
    return with_memo, without, general, memo.taken["memo"]


def _agree(path: Path) -> int:
    with_memo, without, general, hits = _all_three(path)
    assert with_memo == without, (with_memo.ids(), without.ids())
    assert with_memo == general
    return hits


# -- tests ----------------------------------------------------------------------------------------

def test_a_renamed_pod_takes_its_steps_from_the_memo_with_the_same_verdict(tmp_path):
    hits = 0
    for seed in range(12):
        pods = _pod_trace(seed)
        path = tmp_path / f"t{seed}.jsonl"
        _write(path, pods, _renamed(pods, 1), _renamed(pods, 2))
        hits += _agree(path)
        # the premise of the memo: a renamed pod gets the first pod's verdict
        verdict = TraceChecker(memo=False).run(str(path))
        per_uid: dict = {}
        for v in verdict.violations:
            per_uid.setdefault(v.uid, []).append((v.id, v.field, v.index % len(pods)))
        assert len({tuple(x) for x in per_uid.values()}) <= 1 and len(per_uid) in (0, 3), per_uid
    assert hits > 100  # the copies' steps did come from the memo


_HOW = ["alias", "fresh", "empty", "count", "clear", "drop", "prefix", "back", "node", "image", "phase"]


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**31), corruptions=st.lists(st.tuples(st.integers(0, 2**31), st.sampled_from(_HOW)),
                                                        min_size=1, max_size=3))
def test_a_corrupted_renamed_copy_gets_the_verdict_of_the_full_check(seed, corruptions):
    pods = _pod_trace(seed)
    copy_ = _renamed(pods, 1)
    for cseed, how in corruptions:
        copy_ = _corrupt(copy_, random.Random(cseed), how)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "t.jsonl"
        _write(path, pods, _renamed(pods, 2), copy_)
        try:
            _agree(path)
        except InputError:  # a corruption the reader refuses: no verdict either way
            with pytest.raises(InputError):
                TraceChecker(memo=False).run(str(path))


@pytest.mark.parametrize("seed", range(6))
def test_a_copy_corrupted_at_its_first_observation_gets_the_verdict_of_the_full_check(tmp_path, seed):
    """A pod's first observation comes from the memo too (`TraceChecker._first_item`: the step
    from nothing, when another pod's first observation with the same configuration and token was
    clean): copies corrupted right there, one way each, get the verdict of the full check."""
    rng = random.Random(seed)
    pods = _pod_trace(seed)
    copies = [_corrupt(_renamed(pods, n + 3), rng, how, k=0) for n, how in enumerate(_HOW) for _ in range(3)]
    path = tmp_path / "t.jsonl"
    _write(path, pods, _renamed(pods, 1), _renamed(pods, 2), *copies)
    try:
        memo = TraceChecker()
        memo.run(str(path))
        assert memo._hits > 0  # first observations (and steps) did come from the memo
        _agree(path)
    except InputError:  # a corruption the reader refuses: no verdict either way
        with pytest.raises(InputError):
            TraceChecker(memo=False).run(str(path))


def test_a_copy_first_seen_in_the_middle_of_its_life_takes_its_steps_from_the_memo(tmp_path):
    """A pod first seen in the middle of its life (a watch started late, a ``--jobs`` range)
    numbers its volatile values otherwise than one seen from its creation; its steps are found
    in the memo under labels numbered from their two observations (`transitions.canonical`),
    with the verdict of the full check."""
    gained = steps = 0
    for seed in range(10):
        pods = _pod_trace(seed)
        if len(pods) < 5:
            continue
        late = _renamed(pods, 1)[len(pods) // 2:]
        base, path = tmp_path / f"b{seed}.jsonl", tmp_path / f"t{seed}.jsonl"
        _write(base, pods)
        _write(path, pods, late)
        alone, both = TraceChecker(), TraceChecker()
        alone.run(str(base))
        both.run(str(path))
        gained += both._hits - alone._hits
        steps += len(late) - 1
        _agree(path)
    assert steps and gained >= steps // 2, (gained, steps)


def test_a_first_observation_with_a_deletion_is_not_taken_for_one_without(tmp_path):
    """Under restartPolicy Always a Failed pod needs a cause; a deletion is one.  Pods p and a are
    first seen Failed and being deleted (clean: a's first observation is stored in the memo),
    then pod b the same but for its deletionTimestamp, absent: its label tells it apart
    (the shape holds no deletionTimestamp), and b gets the full check's violation."""
    def pod(name: str, deleting: bool) -> dict:
        meta = {"name": name, "namespace": "d", "uid": f"uid-{name}", "resourceVersion": "5"}
        if deleting:
            meta["deletionTimestamp"] = "2024-01-01T00:00:30Z"
        return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
                "spec": {"restartPolicy": "Always", "nodeName": "n1", "containers": [{"name": "c", "image": "i"}]},
                "status": {"phase": "Failed", "containerStatuses": [
                    {"name": "c", "image": "i", "imageID": "i@sha", "ready": False, "restartCount": 0,
                     "containerID": f"cri://{name}", "state": {"terminated": {"exitCode": 1, "containerID": f"cri://{name}"}}}]}}
    path = tmp_path / "t.jsonl"
    _write(path, [("ADDED", pod("p", True))], [("ADDED", pod("a", True))], [("ADDED", pod("b", False))])
    memo = TraceChecker()
    verdict = memo.run(str(path))
    assert memo._hits == 0 and [(v.id, v.index) for v in verdict.violations] == [("phase-inconsistent", 2)]
    _agree(path)


@pytest.mark.parametrize("recorded", _RECORDED, ids=[p.name for p in _RECORDED])
def test_the_memo_changes_no_verdict_on_recorded_traces(tmp_path, recorded):
    obs = list(iter_observations(str(recorded)))
    pods = [(o.event or "MODIFIED", o.pod) for o in obs]
    path = tmp_path / "t.jsonl"
    _write(path, pods, _renamed(pods, 1))
    _agree(path)


def test_the_shape_holds_every_field_of_the_compared_container_states():
    for version in ("1.33", "1.34", "1.35"):
        shapes = shapes_for(version)
        assert isinstance(shapes, Shapes), version
    for struct, volatile in WHOLE.values():
        assert not set(struct.__struct_fields__) & volatile


def test_a_container_state_field_the_shape_does_not_know_turns_the_memo_off(monkeypatch):
    from podmodel.oracle import transitions

    # the waiting state's shape without its fields: the schema's reason and message are unknown to it
    monkeypatch.setitem(transitions.WHOLE, "ContainerStateWaiting", (transitions._Running, frozenset()))
    with pytest.raises(ValueError, match="ContainerStateWaiting"):
        Shapes("1.35")


def test_labels_tell_equal_values_apart_from_absent_null_and_empty():
    known = dict(FIXED)
    a = labels(["x", "y", "x", None, "", msgspec.UNSET], known, 0)
    assert a[0] == a[2] != a[1] and a[3:] == (-2, -3, -1)
    assert labels(["y", "z"], known, len(a)) == (a[1], len(a) + 1)


def test_a_pod_state_copied_or_sent_to_another_process_carries_its_shape_numbered_again(tmp_path, monkeypatch):
    """A state pickled (a ``--jobs`` worker's live pods) carries its token's shape, not the shape's
    number, and is numbered again where it is unpickled: the same token in this process; in a
    process whose numbers differ (a fresh numbering here), the number of the same shape there."""
    from podmodel.oracle import transitions

    pods = _pod_trace(3)
    path = tmp_path / "t.jsonl"
    _write(path, pods, _renamed(pods, 1))
    checker = TraceChecker()
    sent = []
    for obs in read_observations(str(path)):
        checker.feed_observation(obs)
        for state in checker._pods.values():
            if state.token is not None:
                for other in (pickle.loads(pickle.dumps(state)), copy.copy(state)):
                    assert other.token == state.token and other.count == state.count
                    assert other.last == state.last  # built from the member bytes if the memo skipped it
                sent.append((pickle.dumps(state), transitions.shape_of(state.token[0]), state.token))
    assert sent
    # "another process": numbers start elsewhere and no shape is known yet
    monkeypatch.setattr(transitions, "_SHAPE_IDS", {})
    monkeypatch.setattr(transitions, "_SHAPES", {})
    monkeypatch.setattr(transitions, "_NEXT", [10**6])
    for data, shape, token in sent:
        other = pickle.loads(data)
        assert other.token[0] >= 10**6 and transitions.shape_of(other.token[0]) == shape
        assert other.token[1:] == token[1:]


def test_a_state_adopted_takes_the_checkers_own_configuration_of_its_key(tmp_path):
    """`TraceChecker.adopt`: a state made by another checker gets this checker's configuration object
    of the same key (equal), so the memo of clean steps -- keyed by configuration ids -- takes the
    pod's next step; a key this checker has not seen leaves the state as it is."""
    pods = _pod_trace(3)
    path = tmp_path / "t.jsonl"
    _write(path, pods)
    one, other = TraceChecker(), TraceChecker()
    for obs in read_observations(str(path)):
        one.feed_observation(obs)
        other.feed_observation(obs)
    states = [pickle.loads(pickle.dumps(st)) for st in one._pods.values() if st.cfg is not None]
    assert states
    for st in states:
        assert st.cfg is not other._configs[st.cfg_key][0] and st.cfg == other._configs[st.cfg_key][0]
        assert other.adopt(st) is st
        assert st.cfg is other._configs[st.cfg_key][0] and st.info is other._configs[st.cfg_key][1]
    fresh = TraceChecker()
    st = pickle.loads(pickle.dumps(states[0]))
    cfg = st.cfg
    assert fresh.adopt(st).cfg is cfg


@pytest.mark.parametrize("seed", range(6))
def test_ranges_checked_apart_and_stitched_agree_with_the_memo(tmp_path, seed):
    from test_oracle_parallel import _line_starts, _ranged

    pods = _pod_trace(seed)
    copy_ = _corrupt(_renamed(pods, 1), random.Random(seed), _HOW[seed % len(_HOW)])
    path = tmp_path / "t.jsonl"
    _write(path, pods, _renamed(pods, 2), copy_)
    data = path.read_bytes()
    whole = TraceChecker(memo=False).run(str(path))
    for cut in _line_starts(data)[::3]:
        assert _ranged(str(path), [cut], len(data)) == whole


@pytest.mark.parametrize("seed", range(6))
def test_heads_at_a_cut_are_stitched_from_the_first_ranges_memo_with_the_same_verdict(tmp_path, seed):
    """``--jobs``: the first range is checked in the parent, whose checker then stitches the heads
    of the next range -- the pods alive at the cut -- with its memo, warm, and the pods' tokens.
    Renamed copies interleaved (every copy alive at the cut), some corrupted at their head (the
    first observation after the cut): the verdict of one process, and legal heads from the memo."""
    from test_oracle_parallel import _line_starts, _ranged

    rng = random.Random(seed)
    pods = _pod_trace(seed)
    while len(pods) < 4:
        seed += 1000
        pods = _pod_trace(seed)
    half = len(pods) // 2
    copies = [_renamed(pods, i) for i in range(1, 9)]
    for i in range(1, len(copies), 2):  # every other copy corrupted at its head
        copies[i] = _corrupt(copies[i], rng, _HOW[(seed + i) % len(_HOW)], k=half)
    lines = [json.dumps({"type": e, "object": p}, separators=(",", ":"))
             for k in range(max(map(len, copies))) for c in copies if k < len(c) for e, p in [c[k]]]
    path = tmp_path / "t.jsonl"
    path.write_text(_HEADER(pods) + "\n".join(lines) + "\n")
    data = path.read_bytes()
    whole = TraceChecker(memo=False).run(str(path))
    starts = _line_starts(data)
    hits = 0
    later = [0, 0]
    middle = starts[len(starts) // 2 - 4:len(starts) // 2 + 4]
    for cut in middle:
        timings: dict = {}
        assert _ranged(str(path), [cut], len(data), timings) == whole, cut
        assert _ranged(str(path), [cut], len(data), own=False) == whole, cut
        hits += timings["stitch_memo_hits"]
        # Three ranges: the third range's heads continue states the second range's worker sent
        # (pickled: shapes numbered again, configurations adopted by the stitcher); the second
        # range has a line of every copy.  Without the adoption, fewer heads come from the memo.
        for adopting in (True, False):
            timings = {}
            with pytest.MonkeyPatch.context() as mp:
                if not adopting:
                    mp.setattr(TraceChecker, "adopt", lambda self, state: state)
                assert _ranged(str(path), [starts[len(starts) // 2 - 20], cut], len(data), timings) == whole, cut
            later[adopting] += timings["stitch_memo_hits_per_range"][-1]
    assert hits > 0  # heads did come from the memo
    assert later[True] > later[False]  # also heads whose pod's state a worker sent


def _HEADER(pods: list[tuple[str, dict]]) -> str:
    """The pod's own trace, first: the memo learns its steps before the copies come."""
    return "".join(json.dumps({"type": e, "object": p}, separators=(",", ":")) + "\n" for e, p in pods)


@pytest.mark.parametrize("seed", range(8))
def test_labels_in_one_pass_equal_labels_of_the_volatile_values(seed):
    from podmodel.oracle.transitions import token_parts, volatile_values
    from podmodel.oracle.typed import typed_pod

    typed = typed_pod()
    known_a, known_b, base = dict(FIXED), dict(FIXED), 0
    for _, pod in _pod_trace(seed) + _corrupt(_renamed(_pod_trace(seed), 1), random.Random(seed), "alias"):
        parts = typed.parts({k: msgspec.Raw(json.dumps(v).encode()) for k, v in pod.items()})
        if parts is None:
            continue
        node = pod.get("spec", {}).get("nodeName", msgspec.UNSET)
        values = volatile_values(parts[0], parts[1], node)
        assert token_parts(parts[0], parts[1], node, known_b, base)[1] == labels(values, known_a, base)
        base += len(values)


def test_a_step_across_a_configuration_change_is_not_taken_for_one_within_a_configuration(tmp_path):
    """Pod x restarts its container under restartPolicy Never after exit 0 while its image
    changes (the kubelet restarts a container whose image changed: legal); pod y shows the same
    statuses with the new image all along (a forbidden restart).  Both steps have the same new
    configuration, shapes and labels: only the previous configuration tells them apart."""
    y = PodSim("y", restart_policy="Never", image="registry.example/app:2")
    y.up().status_image("app", "registry.example/app:1").terminated("app", 0)
    y_before = y.obs()
    y_after = y.running("app").obs()
    x = PodSim("x", restart_policy="Never", image="registry.example/app:1")
    x.up().terminated("app", 0)
    x_before = x.obs()
    x_after = x.image("app", "registry.example/app:2").running("app").obs()
    path = tmp_path / "t.jsonl"
    _write(path, [("ADDED", y_before)], [("ADDED", x_before), ("MODIFIED", x_after)], [("MODIFIED", y_after)])
    with_memo, without, general, _ = _all_three(path)
    assert with_memo == without == general
    assert with_memo.ids() == [("restart-forbidden", 3)]


@pytest.mark.parametrize("seed", range(8))
def test_the_shape_read_off_the_typed_objects_partitions_like_the_decoded_shape(seed):
    """`token_parts` reads the shape off the typed check's objects: two observations get equal
    shapes there exactly when their statuses decode to equal `Shape` Structs (and equal metadata
    parts), and its labels are those of `volatile_values`."""
    from podmodel.oracle.transitions import token_parts, volatile_values
    from podmodel.oracle.typed import typed_pod

    typed, shapes = typed_pod(), shapes_for()
    rng = random.Random(seed)
    pods = _pod_trace(seed) + _pod_trace(seed + 100)
    for how in _HOW:
        pods += _corrupt(_renamed(_pod_trace(seed), 1), rng, how)
    known_a, known_b, base = dict(FIXED), dict(FIXED), 0
    pairs = {}
    for _, pod in pods:
        members = {k: msgspec.Raw(json.dumps(v).encode()) for k, v in pod.items()}
        parts = typed.parts(members)
        if parts is None:
            continue
        node = pod.get("spec", {}).get("nodeName", msgspec.UNSET)
        shape, labs = token_parts(parts[0], parts[1], node, known_a, base)
        assert labs == labels(volatile_values(parts[0], parts[1], node), known_b, base)
        base += len(labs)
        pairs.setdefault(shape, set()).add(shapes.shape(members, parts[0]))
    decoded = [d for ds in pairs.values() for d in ds]
    assert all(len(ds) == 1 for ds in pairs.values()) and len(set(decoded)) == len(decoded)
    assert len(pairs) > 3  # the traces have several distinct shapes


def test_a_step_seen_after_initialization_is_not_taken_for_the_same_step_before_it(tmp_path):
    """An app container that ran while an init container is not done is an ``init-order``
    violation -- unless the pod was seen initialized before (a re-initialization,
    `rules.check_init_order`).  Pod a is seen initialized, then (its statuses lost) shows the init
    container running again and the app container waiting, then terminated: that last step is
    clean for a.  Pod b shows the same two observations but was never seen initialized: the same
    step, told apart only by the memo key's ``seen_initialized``, is a violation for b."""
    def pod(name: str, rv: int, init: dict, app: dict, phase: str) -> dict:
        meta = {"name": name, "namespace": "d", "uid": f"uid-{name}", "resourceVersion": str(rv)}
        return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
                "spec": {"restartPolicy": "Always", "nodeName": "n1", "initContainers": [{"name": "i", "image": "i"}],
                         "containers": [{"name": "c", "image": "i"}]},
                "status": {"phase": phase, "initContainerStatuses": [
                    {"name": "i", "image": "i", "imageID": "i@sha", "ready": "terminated" in init, "restartCount": 0,
                     "containerID": f"cri://{name}-i", "state": init}], "containerStatuses": [
                    {"name": "c", "image": "i", "imageID": "i@sha", "ready": False, "restartCount": 0,
                     "containerID": f"cri://{name}-c", "state": app}]}}
    done = {"terminated": {"exitCode": 0, "reason": "Completed", "containerID": "cri://x"}}
    running = {"running": {"startedAt": "2024-01-01T00:00:01Z"}}
    waiting = {"waiting": {"reason": "PodInitializing"}}
    killed = {"terminated": {"exitCode": 137, "reason": "Error", "containerID": "cri://y"}}
    a = [pod("a", 1, done, running, "Running"), pod("a", 2, running, waiting, "Pending"),
         pod("a", 3, running, killed, "Pending")]
    b = [pod("b", 2, running, waiting, "Pending"), pod("b", 3, running, killed, "Pending")]
    path = tmp_path / "t.jsonl"
    _write(path, [("ADDED", a[0])] + [("MODIFIED", p) for p in a[1:]], [("ADDED", b[0]), ("MODIFIED", b[1])])
    verdict = TraceChecker().run(str(path))
    assert [(v.id, v.index) for v in verdict.violations if v.id == "init-order"] == [("init-order", 4)]
    _agree(path)
