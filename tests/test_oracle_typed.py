"""The typed check (podmodel.oracle.typed) accepts only what the full validation accepts.

"Accepted" lets the checker skip `validate_pod` and the schema check on an observation of
the JSON Lines lane, so it must imply "no problem": on the invalid-object corpus, on
Hypothesis corruptions and replaced subtrees, on the cross-field rules (legal in one
context, illegal in another), and through the checker, where a corrupted member that
differs from the previous valid one by one byte must still be reported.
"""

from __future__ import annotations

import copy
import json

import msgspec
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_oracle_invalid import _ALL_PATHS, _ANY, BASE, CORRUPTIONS, FIELD_CASES, mutate, replace_subtrees
from test_oracle_lines import _RECORDED
from test_oracle_parallel import _trace

from podmodel.oracle import check_trace
from podmodel.oracle.checker import TraceChecker
from podmodel.oracle.formats import InputError, iter_observations
from podmodel.oracle.lines import read_observations
from podmodel.oracle.schema import pod_schema
from podmodel.oracle.typed import TypedPod, typed_pod
from podmodel.oracle.validate import validate_pod

NAMES = (("init",), ("app",), ("dbg",))  # BASE's spec


def _members(pod: dict) -> dict:
    return {k: msgspec.Raw(orjson.dumps(v)) for k, v in pod.items()}


def _valid(pod: dict) -> bool:
    return not validate_pod(pod, NAMES, spec_checked=True) and not pod_schema().problems(pod)


def _accepts(pod: dict) -> bool:
    try:
        members = _members(pod)
    except TypeError:  # orjson cannot write it (NaN is written as null, a huge int refused): no lane line
        return False
    return typed_pod().accepts(members, NAMES)


def test_the_typed_check_is_built_for_the_supported_versions():
    for version in ("1.33", "1.34", "1.35"):
        assert isinstance(typed_pod(version), TypedPod)


def test_the_base_pod_and_the_benchmark_pods_are_accepted():
    assert _accepts(BASE) and _valid(BASE)


@pytest.mark.parametrize("case, path, value, field", [c for c in FIELD_CASES if not c[1].startswith("spec")],
                         ids=[c[0] for c in FIELD_CASES if not c[1].startswith("spec")])
def test_no_case_of_the_invalid_corpus_is_accepted(case, path, value, field):
    pod = mutate(path, value)
    assert not _valid(pod)
    assert not _accepts(pod)


@pytest.mark.parametrize("status, generation", [
    ({"containerStatuses": [{"name": "app"}, {"name": "app"}]}, 1),  # a status listed twice
    ({"containerStatuses": [{"name": "init"}]}, 1),  # a container of another list
    ({"initContainerStatuses": [{"name": "nope"}]}, 1),  # no such container
    ({"conditions": [{"type": "Ready", "status": "True"}, {"type": "Ready", "status": "False"}]}, 1),
    ({"observedGeneration": 2}, 1),
    ({"conditions": [{"type": "Ready", "status": "True", "observedGeneration": 3}]}, 2),
    ({"containerStatuses": [{"name": "app", "state": {"running": {}, "waiting": {}}}]}, 1),
    ({"containerStatuses": [{"name": "app", "lastState": {"terminated": {"exitCode": 1}, "running": {}}}]}, 1),
    ({"containerStatuses": [{"name": "app", "state": {"terminated": {}}}]}, 1),  # exitCode is required
    ({"containerStatuses": [{"name": "app", "restartCount": 2**31}]}, 1),
    ({"phase": ""}, 1),  # legal for validate_pod, refused here (stricter: the full check decides)
    ({"reason": None}, 1),
    ({"foo": 1}, 1),
])
def test_cross_field_rules_and_stricter_types(status, generation):
    pod = copy.deepcopy(BASE)
    pod["status"] = status
    pod["metadata"]["generation"] = generation
    assert not _accepts(pod)
    if status != {"phase": ""}:
        assert not _valid(pod)


def test_the_same_status_is_legal_in_one_context_and_illegal_in_another():
    status = {"observedGeneration": 2, "containerStatuses": [{"name": "app", "restartCount": 0}]}
    pod = copy.deepcopy(BASE)
    pod["status"] = status
    pod["metadata"]["generation"] = 2
    assert _accepts(pod) and _valid(pod)
    pod["metadata"]["generation"] = 1  # the same status bytes, a lower generation
    assert not _accepts(pod) and not _valid(pod)
    assert typed_pod().accepts(_members({**pod, "metadata": {"name": "p", "generation": 2}}), NAMES)
    assert not typed_pod().accepts(_members({**pod, "metadata": {"name": "p", "generation": 2}}), ((), ("web",), ()))


@settings(max_examples=300, deadline=None)
@given(path=st.sampled_from(sorted(p for p in CORRUPTIONS if not p.startswith("spec"))), data=st.data())
def test_a_corrupted_field_is_never_accepted(path, data):
    pod = mutate(path, data.draw(CORRUPTIONS[path], label=path))
    assert not _accepts(pod)


_OUTSIDE_SPEC_PATHS = [p for p in _ALL_PATHS if p[0] != "spec"]


@settings(max_examples=500, deadline=None)
@given(edits=st.lists(st.tuples(st.sampled_from(_OUTSIDE_SPEC_PATHS), _ANY), min_size=1, max_size=3))
def test_accepted_implies_valid_on_replaced_subtrees(edits):
    pod = replace_subtrees(BASE, edits)
    if _accepts(pod):
        # what the typed check read: orjson writes NaN and +-Infinity as null (e.g. a startedAt of
        # inf is a null startedAt on the line), so the document validated is the one written
        written = orjson.loads(orjson.dumps(pod))
        assert _valid(written), written


# -- through the checker and the lane ---------------------------------------------------------------

def _ev(kind: str, pod: dict) -> str:
    return json.dumps({"type": kind, "object": pod}, separators=(",", ":"))


def _checked(path) -> tuple:
    """The verdict of the lane's checker and ``[refused, accepted]``: its typed check's answers."""
    checker = TraceChecker()
    verdict = checker.run(str(path))
    return verdict, [checker.taken["refused"], checker.taken["typed"]]


def test_the_checker_takes_the_typed_check_on_the_lane(tmp_path):
    second = copy.deepcopy(BASE)
    second["metadata"]["resourceVersion"] = "11"
    p = tmp_path / "t.jsonl"
    p.write_text("\n".join([_ev("ADDED", BASE), _ev("MODIFIED", second)]) + "\n")
    verdict, hits = _checked(p)
    assert verdict.ok and verdict == check_trace(str(p))
    assert hits == [0, 1]  # the second observation (the first has no validated spec yet)


@pytest.mark.parametrize("old, new, invalid", [
    (b'"phase":"Running"', b'"phase":"Rxnning"', True),
    (b'"name":"app","restartCount":0', b'"name":"apq","restartCount":0', True),
    (b'"observedGeneration":1,"conditions"', b'"observedGeneration":7,"conditions"', True),
    (b'"type":"Ready","status":"True"', b'"type":"Ready","status":"Txue"', True),
    (b'"containerID":"containerd://1"', b'"containerID":"containerd://2"', False),  # a lifecycle question
])
def test_a_member_one_byte_off_a_valid_one_is_reported(tmp_path, old, new, invalid):
    first = _ev("ADDED", BASE).encode()
    assert old in first and len(old) == len(new)
    second = first.replace(b'"ADDED"', b'"MODIFIED"', 1).replace(old, new, 1)
    p = tmp_path / "t.jsonl"
    p.write_bytes(first + b"\n" + second + b"\n")
    verdict, hits = _checked(p)
    general = TraceChecker().run(p.read_text())  # the general reader: no typed check
    assert [(v.id, v.index, v.field) for v in verdict.violations] == \
        [(v.id, v.index, v.field) for v in general.violations]
    assert hits[0] + hits[1] == 1  # the typed check was asked about the second observation
    if invalid:
        assert hits == [1, 0] and [(v.id, v.index) for v in verdict.violations] == [("invalid-object", 1)]
    else:
        assert hits == [0, 1]


def test_an_observation_refused_by_the_typed_check_gets_the_full_validation(tmp_path):
    second = copy.deepcopy(BASE)
    second["status"]["phase"] = ""  # legal (validate_pod), refused by the stricter typed check
    p = tmp_path / "t.jsonl"
    p.write_text("\n".join([_ev("ADDED", BASE), _ev("MODIFIED", second)]) + "\n")
    obs = list(read_observations(str(p)))
    assert obs[1].members is not None and obs[0].pod["spec"] is obs[1].pod["spec"]
    assert not typed_pod().accepts(obs[1].members, NAMES)
    assert [v.id for v in check_trace(str(p)).violations] == [v.id for v in check_trace([BASE, second]).violations]


# -- the typed check changes no verdict on real and model traces -------------------------------

@pytest.mark.parametrize("seed", range(12))
def test_the_typed_check_changes_no_verdict_on_model_traces(tmp_path, seed):
    p = tmp_path / "t.jsonl"
    p.write_text(_trace(seed, mutate=seed % 2 == 1))
    try:
        lane, (_, accepted) = _checked(p)
    except InputError:
        return
    assert lane == TraceChecker().run(p.read_text())  # the general reader: no typed check
    assert accepted or seed % 2


@pytest.mark.parametrize("recorded", _RECORDED, ids=[p.name for p in _RECORDED])
def test_the_typed_check_changes_no_verdict_on_recorded_traces(tmp_path, recorded):
    obs = list(iter_observations(str(recorded)))
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps({"type": o.event, "object": o.pod} if o.event else o.pod) + "\n" for o in obs))
    lane, (_, accepted) = _checked(path)
    assert lane == TraceChecker().run(path.read_text())
    assert accepted


@pytest.mark.parametrize("status", [
    b'{"phase":"Running","phase":"Bogus"}',
    b'{"containerStatuses":[{"name":"app","restartCount":0,"restartCount":-1}]}',
    b'{"containerStatuses":[{"name":"app","name":"nope"}]}',
])
def test_a_repeated_key_is_read_as_the_decoders_read_it_the_last_one(status):
    """orjson keeps a repeated key's last value; the typed decode checks every value and keeps the
    last too: a valid first value never hides an invalid last one."""
    pod = copy.deepcopy(BASE)
    members = _members(pod)
    members["status"] = msgspec.Raw(status)
    pod["status"] = orjson.loads(status)
    assert not _valid(pod)
    assert not typed_pod().accepts(members, NAMES)


def test_the_checker_runs_with_the_explorers_collector_thresholds_and_restores_the_callers():
    import gc

    from podmodel.model.collector import GC_THRESHOLDS

    before = gc.get_threshold()
    seen = []
    real = TraceChecker.feed_observation

    def spy(self, obs):
        seen.append(gc.get_threshold())
        return real(self, obs)

    TraceChecker.feed_observation = spy
    try:
        assert TraceChecker().run([BASE]).ok
    finally:
        TraceChecker.feed_observation = real
    assert seen == [GC_THRESHOLDS] and gc.get_threshold() == before
