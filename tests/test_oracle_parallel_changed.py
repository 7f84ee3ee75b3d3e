"""A file changed while ``check-trace --jobs N`` checks it is an input error (exit code 2), as in one
process, never a verdict on other bytes.

The parent reads a head (a pod's first observation in a worker's range) again from the file, by
byte range, when it stitches it to the pod's state before the range
(`podmodel.oracle.parallel._feed_head`): the line read must still be an observation of the same
pod (its uid, or namespace and name) with the resourceVersion the worker read
(`podmodel.oracle.checker.same_line`, the check the one-process path makes of a pod's last line,
`_line_at`).  A range checked again in the parent (`_recheck`) must find the file as it was
before the ranges were read (`parallel._stamp`).  The error is raised as it is: the parent does
not check the changed file again in one process (as it does for other input errors, to word them).

The files are changed between the workers' reading and the parent's stitching, in this process
(the ranges checked as `_check_ranges` does, then the file rewritten), and once through
`check_file_parallel` and the CLI with the forked workers (the stitch wrapped to rewrite first).
"""

from __future__ import annotations

import json
import pickle
import re
from pathlib import Path

import pytest
from test_oracle_parallel import _line_starts, _trace

from podmodel.cli import main
from podmodel.oracle import parallel
from podmodel.oracle.formats import FileChanged, InputError
from podmodel.oracle.parallel import _check_range, _range_worker, _stitch, check_file_parallel, check_trace_serial

CHANGES = ["other resourceVersion", "other pod", "not JSON", "emptied", "gone"]


def _parts(path: Path, cut: int) -> tuple[list, list, dict]:
    """The two ranges' parts, as `_check_ranges` has them before it stitches (the first checked
    here, its checker kept; the second as a worker sends it)."""
    size = path.stat().st_size
    keep: dict = {}
    ranges = [(0, cut), (cut, size)]
    parts = [_check_range(str(path), 0, cut, None, None, keep), pickle.loads(_range_worker(str(path), cut, size, None, None))]
    return ranges, parts, keep


def _stitched_heads(path: Path) -> tuple[int, str, tuple]:
    """A cut of a legal trace and a head the parent reads again there: ``(cut, key, (start, end, rv))``
    (a pod alive before the cut, its head in the second range read by the typed lane)."""
    for seed in range(40):
        path.write_text(_trace(seed, mutate=False))
        for cut in _line_starts(path.read_bytes()):
            _ranges, (first, second), _keep = _parts(path, cut)
            for key, flat in second.heads.items():
                head = parallel._head_of(flat)
                if key in first.live and type(head.pod) is tuple and type(key) is str:
                    return cut, key, head.pod
    raise AssertionError("no head read again by byte range")


def _change(path: Path, change: str, key: str, place: tuple) -> None:
    """Rewrite the file: the head's line (at ``place``: start, end, resourceVersion) replaced by the
    same number of bytes that are another observation, or no JSON; or the file emptied, or removed."""
    data = path.read_bytes()
    start, end, rv = place
    line = data[start:end]
    if change == "other resourceVersion":
        old = f'"resourceVersion": "{rv}"'.encode()
        assert old in line
        other = ("9" if rv != "9" * len(rv) else "8") * len(rv)  # (as long: the line's end stays where it was)
        path.write_bytes(data[:start] + line.replace(old, f'"resourceVersion": "{other}"'.encode()) + data[end:])
    elif change == "other pod":
        old = f'"uid": "{key}"'.encode()
        assert old in line
        other = ("x" * len(key)).encode()
        path.write_bytes(data[:start] + line.replace(old, b'"uid": "' + other + b'"') + data[end:])
    elif change == "not JSON":
        path.write_bytes(data[:start] + b"x" * len(line) + data[end:])
    elif change == "emptied":
        path.write_bytes(b"")
    else:
        path.unlink()


@pytest.mark.parametrize("change", CHANGES)
def test_a_head_read_again_from_a_changed_file_is_an_input_error(tmp_path, change):
    path = tmp_path / "t.jsonl"
    cut, key, place = _stitched_heads(path)
    ranges, parts, keep = _parts(path, cut)
    serial = check_trace_serial(str(path))
    # unchanged, the head is read again and stitched: the verdict of one process
    assert _stitch(str(path), ranges, parts, None, None, None, keep, parallel._stamp(str(path))) == serial
    ranges, parts, keep = _parts(path, cut)
    stamp = parallel._stamp(str(path))
    _change(path, change, key, place)
    with pytest.raises(FileChanged, match=re.escape("the file changed while it was checked")) as raised:
        _stitch(str(path), ranges, parts, None, None, None, keep, stamp)
    assert isinstance(raised.value, InputError) and raised.value.name == str(path)


def test_a_range_checked_again_in_a_changed_file_is_an_input_error(tmp_path):
    """A head without a spec cannot be stitched: its range is read again in the parent, from a file
    that must be the one the worker read (here: a line appended, the head's own line unchanged)."""
    pod = {"metadata": {"name": "a", "uid": "u", "resourceVersion": "1"}, "spec": {"containers": [{"name": "c"}]}}
    lines = [dict(pod, status={"phase": "Running"}),
             {"metadata": {"name": "a", "uid": "u", "resourceVersion": "2"}, "status": {"phase": "Running"}},
             dict(pod, status={"phase": "Succeeded"})]
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in lines))
    cut = _line_starts(path.read_bytes())[0]
    ranges, parts, keep = _parts(path, cut)
    stamp = parallel._stamp(str(path))
    timings: dict = {}
    assert _stitch(str(path), ranges, parts, None, None, timings, keep, stamp) == check_trace_serial(str(path))
    assert timings["rechecked_ranges"] == 1
    ranges, parts, keep = _parts(path, cut)
    with path.open("a") as f:
        f.write(json.dumps(dict(pod, status={"phase": "Pending"})) + "\n")
    with pytest.raises(FileChanged, match="bytes .* read again"):
        _stitch(str(path), ranges, parts, None, None, None, keep, stamp)


def test_a_changed_file_is_not_checked_again_in_one_process(tmp_path, monkeypatch):
    """Through `check_file_parallel` (forked workers) and the CLI: the file changed before the
    stitch is exit code 2, and the file is not checked again in one process (the changed file's
    verdict); sent by a worker, the error is still a `FileChanged` (it pickles as one)."""
    path = tmp_path / "t.jsonl"
    _cut, key, _place = _stitched_heads(path)
    data = path.read_bytes()
    error = FileChanged("changed", name="t", line=3, column=1, offset=7, expected="the file as it was read")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is FileChanged and str(again) == str(error) and again.expected == error.expected
    # every head of the pod's key made another pod's (the same length), whatever the cut
    other = data.replace(f'"uid": "{key}"'.encode(), b'"uid": "' + b"x" * len(key) + b'"')
    assert other != data
    real_stitch = parallel._stitch
    serial: list = []

    def changed_then_stitched(p, *a, **k):
        path.write_bytes(other)
        return real_stitch(p, *a, **k)

    monkeypatch.setattr(parallel, "_stitch", changed_then_stitched)
    monkeypatch.setattr(parallel, "check_trace_serial", lambda *a, **k: serial.append(a) or check_trace_serial(*a, **k))
    for cut in _line_starts(data):
        path.write_bytes(data)
        monkeypatch.setattr(parallel, "line_ranges", lambda *a, cut=cut: [(0, cut), (cut, len(data))])
        try:
            check_file_parallel(str(path), jobs=2)
        except FileChanged as e:
            # located by its byte (a range counts its lines from its own start, not the file's)
            assert e.line is None and e.offset >= cut and f"the line at byte {e.offset}" in str(e)
            break
    else:
        raise AssertionError("no cut whose heads are read again")
    assert not serial
    path.write_bytes(data)
    assert main(["check-trace", str(path), "--jobs", "2"]) == 2
    assert not serial


def test_the_check_of_a_line_read_again_knows_the_pod_and_its_version():
    """`same_line` on the forms a line takes: a Pod, a watch event, a pod without uid (keyed by
    namespace and name), no resourceVersion."""
    from podmodel.oracle.checker import same_line

    where = ("f", 1, 1, 0)
    pod = {"metadata": {"uid": "u", "name": "a", "namespace": "n", "resourceVersion": "5"}}
    line = json.dumps(pod).encode()
    event = json.dumps({"type": "MODIFIED", "object": pod}).encode()
    assert same_line(line, where, None, "u", "5") is line
    assert same_line(event, where, "MODIFIED", "u", "5") is event
    nameless = json.dumps({"metadata": {"name": "a", "namespace": "n"}}).encode()
    assert same_line(nameless, where, None, ("name", "n", "a"), None) is nameless
    for args in [(line, None, "u", "6"), (line, None, "v", "5"), (line, "MODIFIED", "u", "5"), (event, None, "u", "5"),
                 (nameless, None, ("name", "n", "b"), None), (b"", None, "u", "5"), (line[:-1], None, "u", "5")]:
        with pytest.raises(FileChanged):
            same_line(args[0], where, *args[1:])



def test_a_changed_file_found_by_a_worker_is_raised_in_the_parent(tmp_path, monkeypatch):
    """A forked worker that finds the file changed (reading a pod's last line again, `_line_at`)
    sends the error; the parent raises it instead of checking the file again in one process."""
    path = tmp_path / "t.jsonl"
    path.write_text(_trace(0, mutate=False) * 3)
    real = parallel._check_regions
    serial: list = []

    def worker_finds_a_change(p, board, k, *a, **kw):
        if k:
            raise FileChanged(f"{p}: the file changed while it was checked (line 2 is not the one read)", name=p, line=2,
                              offset=0)
        return real(p, board, k, *a, **kw)

    monkeypatch.setattr(parallel, "_check_regions", worker_finds_a_change)
    monkeypatch.setattr(parallel, "check_trace_serial", lambda *a, **k: serial.append(a) or check_trace_serial(*a, **k))
    with pytest.raises(FileChanged, match=r"the line at byte 0 is not the one read") as raised:
        check_file_parallel(str(path), jobs=2, mode="ranges")
    assert raised.value.line is None  # (the worker's line 2 is its range's, not the file's)
    assert not serial
