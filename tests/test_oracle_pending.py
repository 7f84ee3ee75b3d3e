"""A pod's last line, after a step from the memo, is kept as its place in the file the checker's own
lane reads (`podmodel.oracle.checker._PodState.pending`, `_line_at`), not as its bytes: read again
only if a rule needs the pod's last observation, the same observation; a file changed under the
checker is an input error, never a verdict on other bytes."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from test_oracle_memo import _pod_trace, _renamed, _write

from podmodel.oracle.checker import TraceChecker, _PodState
from podmodel.oracle.formats import InputError
from podmodel.oracle.lines import lane_observations


def _trace(tmp_path: Path, seed: int) -> Path:
    """A pod's trace and two renamed copies (their steps come from the memo), without their
    deletions at the end (so pods are alive when the file is read)."""
    pods = [(e, p) for e, p in _pod_trace(seed) if e != "DELETED"]
    path = tmp_path / f"t{seed}.jsonl"
    _write(path, pods, _renamed(pods, 1), _renamed(pods, 2))
    return path


def _places(checker: TraceChecker) -> list[_PodState]:
    return [st for st in checker._pods.values() if st.pending is not None and type(st.pending[0]) is tuple]


def _with_line(state: _PodState, path: Path) -> _PodState:
    """A copy of ``state`` whose pending line is the bytes at its place (as before places)."""
    where, index, event = state.pending
    with open(path, "rb") as f:
        f.seek(where[3])
        line = f.readline()
    other = state.clone()
    other.pending = (line, index, event)
    return other


@pytest.mark.parametrize("seed", range(8))
def test_a_last_line_kept_as_its_place_is_read_again_as_the_same_observation(tmp_path, seed):
    path = _trace(tmp_path, seed)
    checker = TraceChecker()
    checker.feed_source(str(path))
    places = _places(checker)
    assert places or not checker._pods  # live pods after steps from the memo keep places
    for state in places:
        assert state.pending[0][0] == str(path)
        expected = _with_line(state, path).last
        # sent to another process (a --jobs worker's live pods): the place, not the line
        data = pickle.dumps(state)
        assert len(data) < len(pickle.dumps(_with_line(state, path)))
        assert pickle.loads(data).last == expected
        assert state.last == expected and state.pending is None
    # and the verdict is the one of a checker that keeps no places (observations fed one by one)
    one_by_one = TraceChecker()
    for obs in lane_observations(str(path), name="display name", typed=one_by_one._typed):
        one_by_one.feed_observation(obs)
    assert not _places(one_by_one)  # read elsewhere: its where does not name the checker's file
    assert one_by_one.finish() == checker.finish() == TraceChecker(memo=False).run(str(path))


def test_places_are_kept_at_all(tmp_path):
    kept = 0
    for seed in range(8):
        checker = TraceChecker()
        checker.feed_source(str(_trace(tmp_path, seed)))
        kept += len(_places(checker))
    assert kept >= 8


@pytest.mark.parametrize("change", ["emptied", "other resourceVersion", "other pod", "not JSON", "gone"])
def test_a_file_changed_while_it_is_checked_is_an_input_error(tmp_path, change):
    for seed in range(8):
        path = _trace(tmp_path, seed)
        checker = TraceChecker()
        checker.feed_source(str(path))
        places = _places(checker)
        if places:
            break
    state = places[0]
    where = state.pending[0]
    data = path.read_bytes()
    line = data[where[3]:data.index(b"\n", where[3]) + 1]
    assert _with_line(state, path).last is not None  # unchanged: read again
    if change == "emptied":
        path.write_bytes(b"")
    elif change == "other resourceVersion":
        rv = f'"resourceVersion":"{state.rv}"'.encode()
        assert rv in line
        path.write_bytes(data.replace(line, line.replace(rv, b'"resourceVersion":"999999"')))
    elif change == "other pod":
        uid = f'"uid":"{state.key}"'.encode()
        assert uid in line
        path.write_bytes(data.replace(line, line.replace(uid, b'"uid":"someone-else"')))
    elif change == "not JSON":
        path.write_bytes(data[:where[3]] + b"x" * len(line) + data[where[3] + len(line):])
    else:
        path.unlink()
    with pytest.raises(InputError, match="changed while it was checked"):
        state.last  # noqa: B018
