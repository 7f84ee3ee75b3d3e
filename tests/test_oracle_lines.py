"""The JSON Lines lane (`podmodel.oracle.lines`) reads what the general reader reads, and the
checker's shortcut for a shared (unchanged) spec never hides a problem.

The lane is an optimisation: every test here compares it with the general reader
(`podmodel.oracle.formats.iter_observations`, or a `TraceChecker` fed from a file object,
which the lane never reads): observations with their locations, the statistics behind
"nothing to check", error messages, and verdicts.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_oracle_invalid import BASE, CORRUPTIONS, FIELD_CASES, mutate
from test_oracle_parallel import _trace

from podmodel.oracle import check_trace
from podmodel.oracle.checker import TraceChecker
from podmodel.oracle.formats import InputError, iter_observations
from podmodel.oracle.lines import eligible, lane_observations, read_observations


def _pod(name: str, **extra) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "uid": "u" + name},
            "spec": {"containers": [{"name": "c", "image": "i"}]}, "status": {"phase": "Pending"}, **extra}


def _ev(kind: str, pod: dict) -> str:
    return json.dumps({"type": kind, "object": pod})


_BOOKMARK = json.dumps({"type": "BOOKMARK", "object": {"kind": "Pod", "metadata": {"resourceVersion": "5"}}})
_AUDIT = {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "auditID": "x", "stage": "ResponseComplete", "verb": "update",
          "objectRef": {"resource": "pods"}, "stageTimestamp": "2024-01-01T00:00:00Z"}

# name -> lines (each written with "\n" after it); str lines are UTF-8, bytes lines as they are
LINES = {
    "watch-events-and-blank-lines": [_ev("ADDED", _pod("a")), _ev("MODIFIED", _pod("a")), "", "   ", _ev("DELETED", _pod("a"))],
    "bare-pods-indented-and-kindless": [json.dumps(_pod("a")), "  " + json.dumps(_pod("b")),
                                        json.dumps({k: v for k, v in _pod("c").items() if k != "kind"})],
    "bookmark-between": [_ev("ADDED", _pod("a")), _BOOKMARK, _ev("MODIFIED", _pod("a"))],
    "only-a-bookmark": [_BOOKMARK],
    "watch-error-event": [_ev("ADDED", _pod("a")), json.dumps({"type": "ERROR", "object": {"kind": "Status", "message": "gone"}})],
    "nan-orjson-refuses": [_ev("ADDED", _pod("a")),
                           '{"type": "MODIFIED", "object": {"kind": "Pod", "metadata": {"name": "a"}, "status": {"x": NaN}}}',
                           _ev("MODIFIED", _pod("a"))],
    "invalid-utf8": [_ev("ADDED", _pod("a")), b'{"type": "MODIFIED", "object": {"kind": "Pod", "metadata": {"name": "\xff"}}}',
                     _ev("MODIFIED", _pod("a"))],
    "lone-surrogate": [_ev("ADDED", _pod("a")), '{"type": "MODIFIED", "object": {"kind": "Pod", "metadata": {"name": "\\ud800"}}}'],
    "pretty-printed-in-the-middle": [_ev("ADDED", _pod("a")), json.dumps(_pod("b"), indent=1), _ev("MODIFIED", _pod("a"))],
    "two-values-on-a-line": [_ev("ADDED", _pod("a")) + " " + _ev("ADDED", _pod("b")), _ev("MODIFIED", _pod("a"))],
    "a-list": [json.dumps({"kind": "List", "items": [_pod("a"), _pod("b")]}), _ev("MODIFIED", _pod("a"))],
    "status-null": [_ev("ADDED", _pod("a")), _ev("MODIFIED", {**_pod("a"), "status": None})],
    "spec-null": [_ev("ADDED", _pod("a")), _ev("MODIFIED", {**_pod("a"), "spec": None})],
    "metadata-null": [_ev("ADDED", _pod("a")), _ev("MODIFIED", {**_pod("a"), "metadata": None})],
    "name-a-number": [_ev("ADDED", _pod("a")), _ev("MODIFIED", {**_pod("a"), "metadata": {"name": 5}})],
    "container-a-number": [_ev("ADDED", _pod("a")), _ev("MODIFIED", {**_pod("a"), "spec": {"containers": [1]}})],
    "statuses-null": [_ev("ADDED", {**_pod("a"), "status": {"containerStatuses": None}})],
    "not-a-pod": [_ev("ADDED", _pod("a")), _ev("MODIFIED", {"kind": "Service", "metadata": {"name": "x"}})],
    "garbage-line": [_ev("ADDED", _pod("a")), "hello", _ev("MODIFIED", _pod("a"))],
    "array-line": [_ev("ADDED", _pod("a")), "[" + json.dumps(_pod("a")) + "]"],
    "truncated-line": [_ev("ADDED", _pod("a")), _ev("MODIFIED", _pod("a"))[:-3]],
    "audit-event": [json.dumps({**_AUDIT, "responseObject": _pod("a")})],
    "audit-event-without-pod": [json.dumps(_AUDIT)],
    "duplicate-spec-key": ['{"type": "ADDED", "object": {"kind": "Pod", "metadata": {"name": "a"}, "spec": {"containers": []}, '
                           '"spec": {"containers": [{"name": "z"}]}}}'],
    "deep-nesting": [_ev("ADDED", _pod("a")),
                     '{"type": "MODIFIED", "object": {"kind": "Pod", "metadata": {"name": "a"}, "status": '
                     + "[" * 5000 + "]" * 5000 + "}}"],
    "huge-integer": [_ev("ADDED", _pod("a")),
                     '{"type": "MODIFIED", "object": {"kind": "Pod", "metadata": {"name": "a", "generation": 1' + "0" * 40 + "}}}"],
    "crlf": [_ev("ADDED", _pod("a")) + "\r", _ev("MODIFIED", _pod("a")) + "\r"],
    "watch-event-with-kind": ['{"kind": "WatchEvent", "type": "ADDED", "object": ' + json.dumps(_pod("a")) + "}"],
    "watch-event-with-more": ['{"object": ' + json.dumps(_pod("a")) + ', "type": "ADDED", "x": 1}'],
    "type-a-number": ['{"type": 5, "object": ' + json.dumps(_pod("a")) + "}"],
    "object-not-pod-shaped": [_ev("ADDED", {k: v for k, v in _pod("a").items() if k != "kind"}), _ev("ADDED", {"metadata": {"name": "x"}})],
    "spec-shared-by-two-pods": [_ev("ADDED", _pod("a")), _ev("ADDED", _pod("b")), _ev("MODIFIED", _pod("a"))],
}


def _write(tmp_path, name: str, lines: list, *, final_newline: bool = True):
    path = tmp_path / f"{name}.jsonl"
    data = b"\n".join(x if isinstance(x, bytes) else x.encode("utf-8") for x in lines)
    path.write_bytes(data + (b"\n" if final_newline else b""))
    return str(path)


def _read(reader, path: str):
    stats: dict = {}
    try:
        return [(o.index, o.pod, o.event, str(o.location), o.timestamp) for o in reader(path, stats)], stats, None
    except InputError as e:
        return None, stats, str(e)


@pytest.mark.parametrize("name", sorted(LINES))
@pytest.mark.parametrize("final_newline", [True, False])
def test_the_lane_reads_what_the_general_reader_reads(tmp_path, name, final_newline):
    path = _write(tmp_path, name, LINES[name], final_newline=final_newline)
    assert eligible(path, "auto") == path
    general = _read(lambda p, s: iter_observations(p, stats=s), path)
    lane = _read(lambda p, s: lane_observations(p, stats=s), path)
    assert lane == general
    assert _read(lambda p, s: iter_observations(p, format="jsonl", stats=s), path) == \
        _read(lambda p, s: lane_observations(p, "jsonl", stats=s), path)


@pytest.mark.parametrize("name", sorted(LINES))
def test_lines_longer_than_the_read_buffer_are_read_whole(tmp_path, monkeypatch, name):
    """The lane's read buffer (`lines.READ_BUFFER`) is smaller than a large trace's lines can be:
    with a buffer of a few bytes every line is refilled many times, and read as the general reader
    reads it (observations, locations, errors), with the typed decoder too."""
    from podmodel.oracle import lines
    from podmodel.oracle.typed import typed_pod

    path = _write(tmp_path, name, LINES[name])
    general = _read(lambda p, s: iter_observations(p, stats=s), path)
    typed = _read(lambda p, s: lane_observations(p, stats=s, typed=typed_pod()), path)
    taken = _taken(path)
    monkeypatch.setattr(lines, "READ_BUFFER", 7)
    assert _read(lambda p, s: lane_observations(p, stats=s), path) == general
    assert _read(lambda p, s: lane_observations(p, stats=s, typed=typed_pod()), path) == typed
    assert _taken(path) == taken  # read by the lane itself, not handed to the general reader


def _taken(path: str) -> list:
    """Which observations of the lane (typed) are its own (`LaneObservation`), up to any error."""
    from podmodel.oracle.lines import LaneObservation
    from podmodel.oracle.typed import typed_pod

    out = []
    try:
        for o in lane_observations(path, typed=typed_pod()):
            out.append(type(o) is LaneObservation)
    except InputError:
        pass
    return out


def test_the_lane_shares_an_unchanged_spec(tmp_path):
    path = _write(tmp_path, "shared", LINES["spec-shared-by-two-pods"])
    obs = list(lane_observations(path))
    assert obs[0].pod["spec"] is obs[1].pod["spec"] is obs[2].pod["spec"]
    assert [o.pod for o in obs] == [o.pod for o in iter_observations(path)]


def test_a_byte_range_is_read_as_its_lines(tmp_path):
    lines = [_ev("ADDED", _pod(str(i))) for i in range(6)]
    path = _write(tmp_path, "range", lines)
    data = open(path, "rb").read()
    start = data.index(b"\n", data.index(b"\n") + 1) + 1  # the third line
    end = data.index(b"\n", start) + 1
    end = data.index(b"\n", end) + 1  # two lines
    got = [(o.index, o.pod["metadata"]["name"], o.location.line, o.location.offset)
           for o in lane_observations(path, "jsonl", start=start, end=end)]
    assert got == [(0, "2", 1, start), (1, "3", 2, start + len(lines[2]) + 1)]


def test_what_the_lane_does_not_take(tmp_path):
    assert eligible(_write(tmp_path, "ok", LINES["bookmark-between"]), "auto")
    assert eligible(_write(tmp_path, "ok", LINES["bookmark-between"]), "watch") is None
    pretty = tmp_path / "pretty.json"
    pretty.write_text("[" + json.dumps(_pod("a")) + "]")
    assert eligible(str(pretty), "auto") is None
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(b"\xef\xbb\xbf" + _ev("ADDED", _pod("a")).encode())
    assert eligible(str(bom), "auto") is None
    assert eligible("-", "auto") is None
    assert eligible([_pod("a")], "auto") is None


def _verdicts(path: str):
    """The lane's verdict (check_trace of the path) and the general reader's (a file object)."""
    def run(source):
        try:
            return _plain(check_trace(source))
        except InputError as e:
            return str(e).split(": ", 1)[1]  # the name differs (a path, a file object)
    with open(path, "rb") as f:
        general = run(f)
    return run(path), general


def _plain(verdict) -> tuple:
    return (verdict.ok, verdict.observations, [(v.id, v.index, v.field, v.container, v.message) for v in verdict.violations],
            [(p.uid, p.observations, p.violations, p.first_index, p.last_index, p.deleted) for p in verdict.pods])


@pytest.mark.parametrize("name", sorted(LINES))
def test_verdicts_through_the_lane_are_the_general_readers(tmp_path, name):
    lane, general = _verdicts(_write(tmp_path, name, LINES[name]))
    assert lane == general


@pytest.mark.parametrize("seed", range(30))
def test_verdicts_on_mutated_model_traces(tmp_path, seed):
    path = tmp_path / "t.jsonl"
    path.write_text(_trace(seed))
    lane, general = _verdicts(str(path))
    assert lane == general


# -- the shared-spec shortcut of the checker never hides a problem --------------------------------

def _two_observations(tmp_path, second: dict, name: str = "t") -> str:
    """BASE, then ``second``, as watch events: the lane shares the spec when its bytes are BASE's."""
    return _write(tmp_path, name, [_ev("ADDED", BASE), _ev("MODIFIED", second)])


_OUTSIDE_SPEC = [c for c in FIELD_CASES if not c[1].startswith("spec")]


def test_the_corpus_outside_the_spec_is_big_enough():
    assert len(_OUTSIDE_SPEC) >= 40


@pytest.mark.parametrize("case, path, value, field", _OUTSIDE_SPEC, ids=[c[0] for c in _OUTSIDE_SPEC])
def test_an_impossible_second_observation_with_the_same_spec_is_reported(tmp_path, case, path, value, field):
    second = mutate(path, value)
    trace = _two_observations(tmp_path, second)
    lane, general = _verdicts(trace)
    assert lane == general
    if isinstance(lane, str):
        return  # not even a Pod (exit 2), through both readers
    obs = list(read_observations(trace))
    try:
        orjson.loads(json.dumps(second))
    except orjson.JSONDecodeError:  # NaN, Infinity: the general reader reads that line, nothing is shared
        assert obs[0].pod["spec"] is not obs[1].pod["spec"]
    else:
        assert obs[0].pod["spec"] is obs[1].pod["spec"]  # the shortcut is taken
    verdict = check_trace(trace)
    assert not verdict.ok
    bad = [v for v in verdict.violations if v.index == 1]
    assert bad and bad[0].id == "invalid-object" and (field in bad[0].field or field in bad[0].message), bad


@pytest.mark.parametrize("case, path, value, field", [c for c in FIELD_CASES if c[1].startswith("spec")],
                         ids=[c[0] for c in FIELD_CASES if c[1].startswith("spec")])
def test_an_impossible_spec_in_a_later_observation_is_reported(tmp_path, case, path, value, field):
    trace = _two_observations(tmp_path, mutate(path, value))
    lane, general = _verdicts(trace)
    assert lane == general
    try:
        verdict = check_trace(trace)
    except InputError:
        return  # exit 2 either way (the general reader too: compared above)
    assert [v.id for v in verdict.violations if v.index == 1][:1] == ["invalid-object"]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(sorted(CORRUPTIONS)), data=st.data())
def test_one_corrupted_field_after_a_valid_observation_is_never_legal(tmp_path, path, data):
    value = data.draw(CORRUPTIONS[path], label=path)
    trace = _two_observations(tmp_path, mutate(path, value), name="h")
    lane, general = _verdicts(trace)
    assert lane == general
    if not isinstance(lane, str):  # an input error (exit 2) otherwise
        assert lane[0] is False and any(v[0] == "invalid-object" and v[1] == 1 for v in lane[2])


def test_a_static_pod_annotation_with_the_same_spec_bytes_changes_the_configuration(tmp_path):
    mirror = copy.deepcopy(BASE)
    mirror["metadata"]["annotations"] = {"kubernetes.io/config.mirror": "x", "kubernetes.io/config.source": "file"}
    trace = _two_observations(tmp_path, mirror)
    obs = list(read_observations(trace))
    assert obs[0].pod["spec"] is obs[1].pod["spec"]
    checker = TraceChecker()
    checker.feed_observation(obs[0])
    before = checker._pods["u1"].cfg
    checker.feed_observation(obs[1])
    after = checker._pods["u1"].cfg
    assert after is not before and after.static and not before.static
    lane, general = _verdicts(trace)
    assert lane == general


def test_a_spec_changed_in_place_between_two_feeds_is_checked_again():
    """A caller may feed the same dict twice, changed in between: only the lane's shared specs
    (Observation.shared_spec) take the shortcut."""
    pod = copy.deepcopy(BASE)
    checker = TraceChecker()
    assert checker.feed(pod) == []
    pod["spec"]["containers"][0]["image"] = 5
    pod["metadata"]["resourceVersion"] = "11"
    found = checker.feed(pod)
    assert [v.id for v in found] == ["invalid-object"] and "image" in found[0].field


def test_the_shortcut_needs_the_readers_word(tmp_path):
    trace = _two_observations(tmp_path, copy.deepcopy(BASE))
    obs = list(read_observations(trace))
    assert obs[0].shared_spec and obs[1].shared_spec and obs[0].pod["spec"] is obs[1].pod["spec"]
    assert not any(o.shared_spec for o in iter_observations(trace))
    # the same object, changed in place, without the reader's word: the spec is validated again
    checker = TraceChecker()
    assert checker.feed_observation(obs[0]) == []
    obs[1].pod["spec"]["containers"][0]["image"] = 5
    found = checker.feed_observation(dataclasses.replace(obs[1], shared_spec=False))
    assert [v.id for v in found] == ["invalid-object"] and "image" in found[0].field


_RECORDED = sorted((Path(__file__).resolve().parent.parent / "examples" / "traces").glob("*.json"))


def test_there_are_recorded_traces():
    assert len(_RECORDED) >= 5


@pytest.mark.parametrize("recorded", _RECORDED, ids=[p.name for p in _RECORDED])
def test_recorded_cluster_traces_as_json_lines_keep_their_verdicts(tmp_path, recorded):
    """The recorded traces of examples/traces, written as JSON Lines watch events: the lane's
    verdict is the general reader's and the recorded file's (violations and pods alike)."""
    obs = list(iter_observations(str(recorded)))
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps({"type": o.event, "object": o.pod} if o.event else o.pod) + "\n" for o in obs))
    assert all(o.shared_spec for o in read_observations(str(path)))
    lane, general = _verdicts(str(path))
    assert lane == general == _plain(check_trace(str(recorded)))
