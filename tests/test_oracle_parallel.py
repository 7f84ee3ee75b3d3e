"""Differential test of ``check-trace --jobs N`` on JSON Lines: the byte-range check equals one process.

Traces are interleaved random walks of the bundled scenarios' models (projected to Pod
objects, one uid per pod), mutated so that they hold violations of many kinds: an observation
moved back (out of order, regressions), a terminal phase reverted, an impossible object
(invalid-object), an observation without a spec, a DELETED event and the same uid again
afterwards, pods keyed by name (no uid).  Each trace is cut at *every* line boundary into two
ranges, and at random places into three to five, so pods span ranges and violations fall
on the first observation after a boundary.  The ranges are checked as the workers check them
(in this process, for speed; one test goes through the process pool) and stitched; the
verdict must equal the single-process verdict exactly (violations, their indices and
messages, pod results and their order).  A range whose head cannot be stitched (an invalid
or out-of-order head, one without a spec, a pod seen initialized before the boundary and not
at its head) is checked again in the parent from the pods alive before it; that must be
rare on legal walks.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import random

import pytest

from podmodel.oracle import parallel
from podmodel.oracle.formats import InputError
from podmodel.oracle.parallel import _check_range, _range_worker, _stitch, check_file_parallel, check_trace_serial, line_ranges
from podmodel.oracle.verdict import PodResult, Violation
from podmodel.verifier.scenarios import bundled_scenarios

SCENARIOS = bundled_scenarios()
_MODELS: dict = {}


def _model(i: int):
    sc = SCENARIOS[i % len(SCENARIOS)]
    if sc.name not in _MODELS:
        _MODELS[sc.name] = sc.model()
    return _MODELS[sc.name]


def _walk(model, rng: random.Random, length: int) -> list:
    s = rng.choice(model.initial_states())
    out = [s]
    for _ in range(length):
        actions = list(model.actions(s))
        if not actions:
            break
        t = model.next_state(s, rng.choice(actions))
        if t.deletion == "Removed":
            break
        out.append(t)
        s = t
    return out


def _pod_sequences(rng: random.Random, *, mutate: bool) -> list[list[tuple[str | None, dict]]]:
    seqs = []
    for j in range(rng.randint(2, 6)):
        model = _model(rng.randrange(len(SCENARIOS)))
        states = _walk(model, rng, rng.randint(2, 10))
        pods = []
        for i, s in enumerate(states):
            pod = model.to_pod(s, resource_version=i + 1)
            pod["metadata"]["uid"] = f"uid-{j}"
            pod["metadata"]["name"] = f"pod-{j}"
            pods.append(pod)
        events: list[tuple[str | None, dict]] = [("ADDED" if i == 0 else "MODIFIED", p) for i, p in enumerate(pods)]
        if mutate:
            kind = rng.randrange(9)
            k = rng.randrange(len(events))
            if kind == 0 and len(events) > 2:  # moved back: out of order, or a regression
                events.insert(rng.randrange(k + 1), events.pop(k))
            elif kind == 1:
                events[k][1]["status"]["phase"] = "Pending"
            elif kind == 2:
                events[k][1]["status"]["phase"] = "Maybe"  # invalid-object
            elif kind == 3:
                del events[k][1]["spec"]
            elif kind == 4:  # deleted, then the same uid again
                events.append(("DELETED", json.loads(json.dumps(events[-1][1]))))
                again = json.loads(json.dumps(events[0][1]))
                events.append(("ADDED", again))
            elif kind == 5:  # keyed by name
                for _, p in events:
                    del p["metadata"]["uid"]
            elif kind == 6 and k > 0:  # a dropped observation (coalesced updates)
                del events[k]
            elif kind == 7:
                events[k][1]["metadata"]["resourceVersion"] = "0"
        seqs.append(events)
    return seqs


def _trace(seed: int, *, mutate: bool = True) -> str:
    rng = random.Random(seed)
    seqs = _pod_sequences(rng, mutate=mutate)
    watch = rng.random() < 0.6
    lines = []
    while any(seqs):
        seq = rng.choice([s for s in seqs if s])
        event, pod = seq.pop(0)
        lines.append(json.dumps({"type": event, "object": pod}) if watch and event else json.dumps(pod))
        if rng.random() < 0.05:
            lines.append("")
    return "\n".join(lines) + ("\n" if rng.random() < 0.7 else "")


def _line_starts(data: bytes) -> list[int]:
    return [i + 1 for i, b in enumerate(data) if b == 0x0A and i + 1 < len(data)]


def _ranged(path: str, cuts: list[int], size: int, timings: dict | None = None, own: bool = True):
    """The ranges checked and stitched as `parallel._check_ranges` does (the first range's checker,
    kept, stitches: ``own``; the others' parts pickled by `_range_worker`, the last one's live pods
    as their results), in this process."""
    bounds = [0, *cuts, size]
    ranges = [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]
    keep: dict | None = {} if own and len(ranges) > 1 else None
    parts = [_check_range(path, a, b, None, None, keep) if i == 0
             else pickle.loads(_range_worker(path, a, b, None, None, final=b == size))
             for i, (a, b) in enumerate(ranges)]
    return _stitch(path, ranges, parts, None, None, timings, keep)


@pytest.mark.parametrize("mutate", [False, True], ids=["legal", "mutated"])
def test_ranges_stitched_equal_one_process(tmp_path, mutate):
    compared = unstitchable = violations = 0
    for seed in range(60 if mutate else 30):
        path = tmp_path / f"t{seed}.jsonl"
        path.write_text(_trace(seed, mutate=mutate))
        data = path.read_bytes()
        serial = check_trace_serial(str(path))
        violations += len(serial.violations)
        starts = _line_starts(data)
        rng = random.Random(seed)
        cut_sets = [[c] for c in starts] + [sorted(rng.sample(starts, min(len(starts), rng.randint(2, 4))))
                                             for _ in range(5)]
        for n, cuts in enumerate(cut_sets):
            timings: dict = {}
            # (every fourth: stitched by a fresh checker, as before the first range's checker did it)
            got = _ranged(str(path), cuts, len(data), timings, own=n % 4 != 0)
            compared += 1
            unstitchable += timings["rechecked_ranges"]
            assert got == serial, (seed, cuts)
    if mutate:
        assert violations > 50  # the mutations do produce violations (and some at the boundaries)
        assert compared > 2 * unstitchable  # every pod has a mutation; many make a head unstitchable
    else:
        # legal walks: only a pod seen initialized before the boundary whose head is not
        # initialized (sandbox recreation) cannot be stitched -- rare
        assert violations == 0 and unstitchable * 50 < compared
    assert compared > 500


def test_violation_on_the_first_observation_after_the_boundary(tmp_path):
    pod = {"metadata": {"name": "a", "uid": "u"}, "spec": {"containers": [{"name": "c"}]}}
    lines = [dict(pod, status={"phase": "Failed"}), dict(pod, status={"phase": "Running"}),
             dict(pod, status={"phase": "Running"})]
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in lines))
    data = path.read_bytes()
    cut = _line_starts(data)[0]
    got = _ranged(str(path), [cut], len(data))
    assert got == check_trace_serial(str(path))
    assert ("terminal-phase-reverted", 1) in got.ids() and got.pods[0].observations == 3
    assert got.pods[0].previous_index == 0


def test_a_range_whose_head_cannot_be_stitched_is_checked_again_from_the_live_pods(tmp_path):
    pod = {"metadata": {"name": "a", "uid": "u"}, "spec": {"containers": [{"name": "c"}]}}
    lines = [dict(pod, status={"phase": "Running"}), {"metadata": {"name": "a", "uid": "u"}, "status": {"phase": "Running"}},
             dict(pod, status={"phase": "Succeeded"})]
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in lines))
    data = path.read_bytes()
    timings: dict = {}
    assert _ranged(str(path), [_line_starts(data)[0]], len(data), timings) == check_trace_serial(str(path))
    assert timings["rechecked_ranges"] == 1  # the head has no spec: its range was checked again in the parent
    assert check_file_parallel(str(path), jobs=2) == check_trace_serial(str(path))


def _appended(n: int) -> str:
    """``n`` random traces appended, each ending its last line (a trace may end without one)."""
    return "".join(t if t.endswith("\n") else t + "\n" for t in map(_trace, range(n)))


def test_through_the_process_pool(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(_appended(3))
    # several traces appended: uids repeat, so pods are deleted, revived and out of order across ranges
    serial = check_trace_serial(str(path))
    assert len(line_ranges(str(path), 3)) == 3
    timings: dict = {}
    assert check_file_parallel(str(path), jobs=3, mode="ranges", timings=timings) == serial
    assert timings["mode"] == "ranges"  # checked in ranges, not by one process after a failed split
    if hasattr(os, "fork"):  # the serial tail, measured for the benchmark: waiting, then unpickling and stitching
        assert 0 <= timings["waited_wall"] <= timings["tail_wall"]
    assert check_file_parallel(str(path), jobs=2) == serial
    assert check_file_parallel(str(path), jobs=2, mode="uid") == serial
    old = check_trace_serial(str(path), kubernetes_version="1.33", feature_gates={"SidecarContainers": True})
    assert check_file_parallel(str(path), jobs=2, kubernetes_version="1.33", feature_gates={"SidecarContainers": True}) == old


def test_a_result_is_shifted_in_place_as_if_made_again():
    """`parallel._shifted_results` shifts a worker's results (unpickled in the parent) in place: a
    result is then equal to the one made with its indices -- first, last, previous, its first
    violation's, and the indices that violation's message names -- shifted, every other field
    kept; base 0 leaves it as it was."""
    v = Violation("out-of-order", 7, "default", "web", "u1", None, "metadata.resourceVersion", "12", "11",
                  "older resourceVersion (observation 7 is not compared with 5)", "API concepts")
    rows = (("status.phase", "Running", "Pending"),)
    for r in (PodResult("u1", "default", "web", 4, 2, 9, 1, v, rows, 5, True, {"item": 2}),
              PodResult(None, None, "web", 1, 0, 0)):
        for base in (0, 1, 100):
            sent = pickle.loads(pickle.dumps(r))
            [shifted] = parallel._shifted_results([("key", sent)], base)
            first = r.first if r.first is None or not base else dataclasses.replace(
                r.first, index=r.first.index + base,
                message=f"older resourceVersion (observation {7 + base} is not compared with {5 + base})")
            made = PodResult(r.uid, r.namespace, r.name, r.observations, r.first_index + base, r.last_index + base,
                             r.violations, first, r.rows, None if r.previous_index is None else r.previous_index + base,
                             r.deleted, r.coverage)
            assert shifted is sent and shifted == made and vars(shifted) == vars(made)
    assert r == PodResult(None, None, "web", 1, 0, 0)  # (the original: not shifted)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the forked workers need os.fork")
def test_a_forked_worker_that_fails_or_dies_is_not_taken_for_a_result(tmp_path, monkeypatch):
    """A forked worker's exception is raised in the parent; a worker that ends without sending its
    part is an error, never an empty part; no worker is left running or unreaped; when no process
    can be forked, one process checks the file."""
    path = tmp_path / "t.jsonl"
    path.write_text(_trace(3, mutate=False) * 3)
    assert len(line_ranges(str(path), 2)) == 2
    real = parallel._check_range
    parent = os.getpid()

    def failing(path, start, end, *args, **kwargs):
        if os.getpid() != parent:  # the worker (never this process, even if it takes a range from the worker)
            raise ValueError("worker failed")
        return real(path, start, end, *args, **kwargs)

    def dying(path, start, end, *args, **kwargs):
        if os.getpid() != parent:
            os._exit(3)
        return real(path, start, end, *args, **kwargs)

    forked: list = []
    real_fork = parallel._fork_range
    monkeypatch.setattr(parallel, "_fork_range", lambda *a: forked.append(real_fork(*a)) or forked[-1])
    monkeypatch.setattr(parallel, "_check_range", failing)
    with pytest.raises(ValueError, match="worker failed"):
        check_file_parallel(str(path), jobs=2)
    monkeypatch.setattr(parallel, "_check_range", dying)
    with pytest.raises(RuntimeError, match="ended without a result"):
        check_file_parallel(str(path), jobs=2)
    assert len(forked) == 2
    for child in forked:  # reaped: by the parent (stopped), or at the next call
        with pytest.raises(ChildProcessError):
            os.waitpid(child.pid, os.WNOHANG)
    monkeypatch.setattr(parallel, "_check_range", real)
    serial = check_trace_serial(str(path))
    assert check_file_parallel(str(path), jobs=2) == serial

    def no_fork():
        raise BlockingIOError("fork: resource temporarily unavailable")
    monkeypatch.setattr(os, "fork", no_fork)
    timings: dict = {}
    assert check_file_parallel(str(path), jobs=2, timings=timings) == serial  # one process, then
    assert timings["mode"].startswith("one process")


def test_input_errors_are_those_of_one_process(tmp_path, monkeypatch):
    pods = [{"metadata": {"name": f"p{i}", "uid": f"u{i}"}, "spec": {"containers": [{"name": "c"}]}} for i in range(40)]
    text = "".join(json.dumps(p) + "\n" for p in pods)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(text + '{"kind": "Pod", \n' + text)
    pretty = tmp_path / "pretty.json"
    pretty.write_text("".join(json.dumps(p, indent=2) + "\n" for p in pods))
    calls = []
    monkeypatch.setattr(parallel, "check_trace_serial", lambda *a, **k: calls.append(a) or check_trace_serial(*a, **k))
    with pytest.raises(InputError) as one:
        check_trace_serial(str(bad))
    with pytest.raises(InputError) as two:
        check_file_parallel(str(bad), jobs=2, mode="ranges")
    assert str(one.value) == str(two.value) and calls
    calls.clear()
    assert check_file_parallel(str(pretty), jobs=2, mode="ranges") == check_trace_serial(str(pretty))
    assert calls  # not JSON Lines: the workers' jsonl reading refused it, one process checked it


def test_without_fork_the_other_ranges_go_to_a_process_pool(tmp_path, monkeypatch):
    """Where `os` has no ``fork`` (Windows), `_check_ranges` submits the other ranges to a pool
    (`parallel._pool`) and still checks the first range itself: same verdict as one process."""
    import types

    path = tmp_path / "t.jsonl"
    path.write_text(_appended(3))
    serial = check_trace_serial(str(path))
    no_fork = types.SimpleNamespace(**{k: getattr(os, k) for k in dir(os) if k != "fork" and not k.startswith("__")})
    pools: list = []
    real_pool = parallel._pool
    monkeypatch.setattr(parallel, "os", no_fork)
    monkeypatch.setattr(parallel, "_fork_range", lambda *a: pytest.fail("forked without os.fork"))
    monkeypatch.setattr(parallel, "_pool", lambda jobs: pools.append(jobs) or real_pool(jobs))
    timings: dict = {}
    assert check_file_parallel(str(path), jobs=3, mode="ranges", timings=timings) == serial
    assert pools == [2] and timings["mode"] == "ranges"


def _taken_in_turn(path: str, jobs: int, order: list[int]) -> tuple[list, dict]:
    """The ranges the processes of a board take when each runs to its end in turn (``order``: the
    first takes its region, then halves of the others' regions, not started yet, again and again),
    every part but the first process's sent as a forked worker sends it (`_regions_worker`: its
    entries streamed through its box as it goes, `_Outbox`) and received as the parent receives
    it (`_Inbox`: what is in the boxes read at the first process's claims, the rest at the end);
    and what the first range's checker keeps (the stitcher)."""
    board = parallel._Board(path, line_ranges(path, jobs, parallel.FIRST_SHARE))
    inbox = parallel._Inbox(board)
    boxes = [parallel._shared_file("test-part") for _k in range(1, jobs)]
    for k, box in enumerate(boxes, 1):
        inbox.add(k, box)
    taken: list = [None] * jobs
    own: dict = {}
    try:
        for k in order:
            if k == 0:
                taken[k] = parallel._check_regions(path, board, k, None, None, own, inbox=inbox)
            else:
                sent = parallel._regions_worker(path, board, k, None, None, parallel._Outbox(boxes[k - 1], board, k))
                inbox.rest(k, sent)
                taken[k] = sent
        taken[1:] = [inbox.taken(k, sent) for k, sent in enumerate(taken[1:], 1)]
    finally:
        board.close()
        for box in boxes:
            os.close(box)
        parallel._RETAINED.clear()  # (what a worker keeps until it exits)
    return taken, own


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the board is shared by forked processes")
@pytest.mark.parametrize("mutate", [False, True], ids=["legal", "mutated"])
def test_regions_taken_from_the_board_give_the_verdict_of_one_process(tmp_path, monkeypatch, mutate):
    """`parallel._Board`: each process reads its region a claim at a time, then takes the second half
    of the region expected to end last, again and again.  With tiny claims and any gain worth a split, processes that
    run one after the other take many ranges each (pods spanning many of them, heads of every
    range stitched, one checker per process started over for each of its ranges): the stitched
    verdict is one process's, and the ranges cover the file exactly."""
    monkeypatch.setattr(parallel, "CLAIM", 300)
    monkeypatch.setattr(parallel, "STREAM_CHUNK", 2)
    monkeypatch.setattr(parallel, "STEAL_GAIN", 0.0)
    many = finals = 0
    for seed in range(8):
        path = tmp_path / f"t{seed}.jsonl"
        rng = random.Random(seed)
        path.write_text("".join(t if t.endswith("\n") else t + "\n"
                                for t in (_trace(seed * 10 + i, mutate=mutate) for i in range(3))))
        serial = check_trace_serial(str(path))
        for jobs, order in ((2, [1, 0]), (2, [0, 1]), (3, rng.sample(range(3), 3))):
            taken, own = _taken_in_turn(str(path), jobs, order)
            ranges, parts = parallel._in_file_order(taken, path.stat().st_size)
            many += len(ranges) > 2 * jobs
            finals += parts[-1].final  # (the last range a worker's: its live pods sent as results)
            assert all(a == 0 or path.read_bytes()[a - 1:a] == b"\n" for a, _b in ranges)  # cut at line starts
            got = _stitch(str(path), ranges, parts, None, None, None, own or None)
            assert got == serial, (seed, jobs, order, ranges)
    assert many > 10  # the processes did take many ranges
    assert finals > 5


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the board is shared by forked processes")
def test_a_board_that_gives_a_range_twice_is_an_error_not_a_loop(tmp_path, monkeypatch):
    """A board gone wrong -- a steal that does not shorten the other region, so the same range is
    given again -- would make a process loop checking it: `_check_regions` refuses a range it had."""
    monkeypatch.setattr(parallel, "CLAIM", 300)
    monkeypatch.setattr(parallel, "STEAL_GAIN", 0.0)
    path = tmp_path / "t.jsonl"
    path.write_text(_appended(2))
    real, given = parallel._Board.steal, []

    def steal(self, k, file):
        if len(given) > 50:
            pytest.fail("the process went on taking the same range")
        given.append(given[0] if given else real(self, k, file))
        return given[-1]

    monkeypatch.setattr(parallel._Board, "steal", steal)
    board = parallel._Board(str(path), line_ranges(str(path), 2, parallel.FIRST_SHARE))
    try:
        with pytest.raises(RuntimeError, match="twice"):
            parallel._check_regions(str(path), board, 1, None, None)  # the second process, first: it takes from the first's region
    finally:
        board.close()
    assert given[0] is not None and len(given) == 2


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the board is shared by forked processes")
def test_what_a_worker_streams_is_put_back_into_its_parts(tmp_path, monkeypatch):
    """`parallel._Outbox` sends a worker's violations, heads and ended pods as its ranges make them, a
    pickle per claim, into its box; `_Inbox` reads them as the parent does -- between its own claims
    (here: after some of the first flushes), the rest once the worker's last message has come -- and puts
    them back: each range's part is the one the worker made, entry for entry, in order; the range
    that ends the file has its live pods as their results (`final`), the others their states."""
    monkeypatch.setattr(parallel, "CLAIM", 300)
    monkeypatch.setattr(parallel, "STREAM_CHUNK", 3)  # (sent at a claim when 3 entries are new)
    monkeypatch.setattr(parallel, "STEAL_GAIN", 0.0)  # (the worker, alone, takes the first region's ranges too)
    path = tmp_path / "t.jsonl"
    path.write_text("".join(t if t.endswith("\n") else t + "\n" for t in (_trace(s, mutate=True) for s in range(12))))
    size = path.stat().st_size
    board = parallel._Board(str(path), line_ranges(str(path), 2, parallel.FIRST_SHARE))
    box = parallel._shared_file("test-part")
    inbox = parallel._Inbox(board)
    inbox.add(1, box)
    flushes: list = []
    real_flush = parallel._Outbox.flush

    def flush(self, least=1):
        real_flush(self, least)
        flushes.append(self.sent)
        if len(flushes) % 2 and len(flushes) < 10:
            inbox.poll()  # (the parent, between two of its claims)

    monkeypatch.setattr(parallel._Outbox, "flush", flush)
    try:
        outbox = parallel._Outbox(box, board, 1)
        done = parallel._check_regions(str(path), board, 1, None, None, outbox=outbox)
        sent = outbox.last(done)
        read_before = inbox.boxes[1][1]
        inbox.rest(1, sent)
        got = inbox.taken(1, sent)
    finally:
        board.close()
        os.close(box)
    assert 0 < read_before < outbox.sent and len(set(flushes)) > 10  # many pickles, some read before the end
    assert len(done) > 2 and [(a, b) for a, b, _p in got] == [(a, b) for a, b, _p in done]
    assert sum(p.final for _a, _b, p in got) == 1
    for (_a, b, mine), (_a2, _b2, theirs) in zip(done, got):
        assert theirs.final == (b == size)
        assert (theirs.count, theirs.violations, theirs.heads, theirs.ended, theirs.reported) \
            == (mine.count, mine.violations, mine.heads, mine.ended, mine.reported)
        assert list(theirs.live) == list(mine.live)
        results = {k: st.result(deleted=False) for k, st in theirs.live.items()} if not theirs.final else theirs.live
        assert results == {k: st.result(deleted=False) for k, st in mine.live.items()}
    assert any(p.heads for _a, _b, p in got) and any(p.ended for _a, _b, p in got) and any(p.violations for _a, _b, p in got)


def test_ranges_that_do_not_cover_the_file_are_an_error():
    with pytest.raises(RuntimeError, match="do not cover"):
        parallel._in_file_order([[(0, 10, None)], [(12, 20, None)]], 20)  # a gap
    with pytest.raises(RuntimeError, match="do not cover"):
        parallel._in_file_order([[(0, 10, None)], [(8, 20, None)]], 20)  # an overlap
    with pytest.raises(RuntimeError, match="do not cover"):
        parallel._in_file_order([[(0, 10, None)], [(10, 18, None)]], 20)  # short of the end
    assert parallel._in_file_order([[(10, 20, "b")], [(0, 10, "a")]], 20) == ([(0, 10), (10, 20)], ["a", "b"])


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the forked workers need os.fork")
def test_forked_processes_taking_small_regions_give_the_verdict_of_one_process(tmp_path, monkeypatch):
    """The board through real forked workers, with claims and splits small enough that the
    processes take ranges from each other as they go (where the cuts fall depends on timing:
    any cuts must give the verdict of one process)."""
    monkeypatch.setattr(parallel, "CLAIM", 200)
    monkeypatch.setattr(parallel, "STEAL_GAIN", 0.0)
    path = tmp_path / "t.jsonl"
    path.write_text(_appended(6))
    serial = check_trace_serial(str(path))
    for jobs in (2, 3, 2):
        timings: dict = {}
        assert check_file_parallel(str(path), jobs=jobs, mode="ranges", timings=timings) == serial
        assert timings["mode"] == "ranges" and len(timings["taken"]) == jobs
        assert timings["ranges"] == sum(timings["taken"]) >= jobs


def test_a_part_is_pickled_with_the_collector_off_and_the_callers_setting_kept():
    """`parallel._pickled` makes and pickles a part with the cyclic collector off (speed only), and
    leaves the collector as it found it, on or off, also when making the part fails."""
    import gc

    seen = []

    def make():
        seen.append(gc.isenabled())
        return {"a": (1, 2)}

    was = gc.isenabled()
    try:
        for on in (True, False):
            gc.enable() if on else gc.disable()
            assert pickle.loads(parallel._pickled(make)) == {"a": (1, 2)}
            assert gc.isenabled() == on
            with pytest.raises(ZeroDivisionError):
                parallel._pickled(lambda: 1 / 0)
            assert gc.isenabled() == on
    finally:
        gc.enable() if was else gc.disable()
    assert seen == [False, False]
