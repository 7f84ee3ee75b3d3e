"""Checking a large trace file in several processes.

**JSON Lines** (the framing of ``kubectl get pods -w -o json | jq -c``, of watch recordings and
of audit logs): the file is cut into byte ranges at line boundaries and each process reads
*only* its ranges, checking every pod it sees in a range as `~podmodel.oracle.api.check_trace`
would.  The processes start with ``jobs`` regions and take the rest from each other as they go
(`_Board`: one that ends first takes the end of the region expected to end last), so a process
slowed down checks less of the file.  The parent process is the first range's worker (the others are forked first), and its
checker -- memo of clean steps warm, its pods' tokens valid -- stitches the heads below.  A pod
whose observations span ranges is then *stitched*, range after range, in the parent process:

* each worker reports, per pod, its **head** (the pod's first observation in the range, as
  read) and its end (its state at the end of the range, or its result if the range ends it) --
  the heads, the ended pods' results and the violations as it goes (`_Outbox`, read by the
  parent between its own claims: `_Inbox`), the rest at its end;
* the parent keeps the state of every pod still alive after the ranges before; when a range's
  head continues such a pod, the head is checked again against that state -- the step from the
  pod's last observation in the earlier range to the head, and the single-observation rules
  with what is known of the pod before (``seen_initialized``, its configuration) -- and its
  violations replace those the worker found for it, which were checked as for a new pod;
* once the head is checked, the pod's state in the parent and in the worker must agree (the
  same last observation, configuration and "seen initialized"); the rest of the range was
  then checked exactly as a single process would.  When they do not agree (a head that is an
  invalid object, an out-of-order head, a head without a spec, a pod seen initialized before
  the boundary and not at its head) that range is checked again in the parent, starting from
  the pods alive before it: the verdict is the serial one, always.

Indices are made global by shifting each range by the number of observations before it.  An
input error in any range (bad JSON, a value over several lines: not JSON Lines) makes the
parent check the file in one process, which reports the error with its true location -- but
for a file changed while it was checked (`~podmodel.oracle.formats.FileChanged`: a head read
again that is not the pod and resourceVersion the worker read, `_feed_head`; a range checked
again in a file whose `_stamp` changed), which is raised as it is.

**Other framings**, and ``coverage=True``: worker ``k`` of ``N`` reads the whole file and checks
the pods whose uid hashes to ``k`` (CRC-32 of the uid, or of namespace/name), so every worker
pays for parsing the whole file.

Either way the verdict is the single-process verdict: violations in input order, pods in
the order a single process reports them (``tests/test_oracle_parallel.py`` compares them on
many traces with pods spanning ranges and violations at the boundaries).

>>> import json, os, tempfile
>>> pods = [{"metadata": {"name": f"p{i}", "uid": f"u{i}"}, "spec": {"containers": [{"name": "c"}]},
...          "status": {"phase": "Failed" if j == 0 else "Running"}} for j in range(2) for i in range(4)]
>>> with tempfile.TemporaryDirectory() as d:
...     path = os.path.join(d, "t.jsonl")
...     _ = open(path, "w").write("\\n".join(json.dumps(p) for p in pods))
...     check_file_parallel(path, jobs=2).ids() == check_trace_serial(path).ids()
True
"""

from __future__ import annotations

import dataclasses
import gc
import io
import multiprocessing
import os
import pickle
import re
import signal
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from typing import Any, NamedTuple

import orjson
from msgspec import UNSET as _UNSET

from podmodel.model.collector import fewer_collections
from podmodel.oracle.checker import TraceChecker, _PodState, file_changed, same_line, same_meta
from podmodel.oracle.formats import FileChanged, InputError, Location, Observation, nothing_to_check
from podmodel.oracle.lines import (
    LaneObservation,
    lane_items,
    lane_observations,
    members_of_line,
    pod_of_members,
    read_observations,
    reread_item,
)
from podmodel.oracle.observation import pod_identity, pod_key
from podmodel.oracle.verdict import PodResult, Verdict, Violation, pod_result


def partition_of(pod: Mapping[str, Any], parts: int) -> int:
    """The worker (``0 .. parts-1``) that checks ``pod`` in the uid-hash mode: stable across processes and runs.

    >>> partition_of({"metadata": {"uid": "abc"}}, 4) == partition_of({"metadata": {"uid": "abc"}}, 4)
    True
    """
    uid, namespace, name = pod_identity(pod)
    key = uid if uid is not None else f"{namespace}/{name}"
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % parts


# ---------------------------------------------------------------------------------------------
# Byte ranges of a JSON Lines file
# ---------------------------------------------------------------------------------------------


#: The first range's size relative to the others': it is checked in the parent, which records no
#: heads and sends nothing -- 4 % fewer instructions per byte than a worker's range on the
#: benchmark's trace (callgrind: the two halves of 100,000 observations, 51.3 % and 53.5 % of the
#: whole) -- and which, once its ranges are checked, waits while the workers pickle and send their
#: parts: so it takes 10 % more bytes.  Measured on the benchmark's 685 MB trace (idle machine, 15
#: alternated runs each, session 10): 1.04 waited 44-190 ms for the worker's part and gave 1.45-1.89x
#: wall (mean 1.69x), 1.10 waited 7-115 ms and gave 1.51-1.95x (mean 1.75x); 1.14 1.50-1.88x in four
#: runs (the worker then often took the end of the parent's region).  A small gain, within the
#: machine's noise run by run.  Session 12: a worker now sends its part as it goes (`_Outbox`) and
#: its last message is small, so the parent no longer waits for its pickling; the parent, which
#: now unpickles that stream between its claims, still runs 4.6 % fewer instructions per byte
#: (cachegrind, a --jobs 2 run on the benchmark's 20,000-observation trace: 41.4 M/MB against
#: 43.4 M/MB), so it takes 5 % more bytes.  With 1.10 the worker took the end of the parent's
#: region in 4 runs of 4 (a second cut: its heads stitched, its live states sent), with 1.05 in
#: 0 of 4 (load ~5.5, 685 MB trace; the parent took a range once).  Speed only: any cut gives
#: the same verdict.
FIRST_SHARE = 1.05


def line_ranges(path: str, parts: int, first: float = 1.0) -> list[tuple[int, int]]:
    """``parts`` (or fewer) byte ranges ``[start, end)`` covering the file, each starting at a line
    start; the first ``first`` times as large as each of the others (as near as lines allow).

    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "t")
    ...     _ = open(p, "wb").write(b"aaaa\\nbb\\ncccccc\\nd\\n")
    ...     line_ranges(p, 2)
    [(0, 8), (8, 17)]
    """
    size = os.path.getsize(path)
    cuts = [0]
    total = first + parts - 1
    with open(path, "rb") as f:
        for k in range(1, parts):
            at = max(int(size * (first + k - 1) / total), cuts[-1])
            if at >= size:
                break
            at = _line_start(f, at, size)
            if at >= size:
                break
            if at > cuts[-1]:
                cuts.append(at)
    cuts.append(size)
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a] or [(0, size)]


def _line_start(f: Any, at: int, size: int) -> int:
    """The first line start at or after byte ``at`` of the open file ``f`` (``size`` if none)."""
    if at <= 0:
        return 0
    f.seek(at - 1)
    while True:
        block = f.read(1 << 16)
        if not block:
            return size
        nl = block.find(b"\n")
        if nl >= 0:
            return f.tell() - len(block) + nl + 1


def _looks_like_json_lines(path: str) -> bool:
    """The file starts like JSON Lines: no gzip, no byte order mark, first non-blank byte ``{``.

    (Whether every line holds one value is then checked by the workers, which read with
    ``format="jsonl"``; any doubt sends the file to one process.)"""
    with open(path, "rb") as f:
        head = f.read(4096)
    if head[:2] == b"\x1f\x8b" or head[:3] == b"\xef\xbb\xbf" or head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return False
    stripped = head.lstrip(b" \t\r\n")
    return stripped[:1] == b"{"


# ---------------------------------------------------------------------------------------------
# Regions taken dynamically: a board shared by the forked processes
# ---------------------------------------------------------------------------------------------


#: How many bytes a process claims at a time from its region (`_Board.claim`): a range's lines are
#: read up to its claimed limit, and another process may take the rest of the region beyond it.
CLAIM = 1 << 20
#: Another process's region is split (`_Board.steal`) only if that is expected to bring the end
#: this many seconds nearer: each split costs a boundary -- the new range's heads recorded, its
#: live pods pickled, its heads stitched in the parent (about 20-30 ms of CPU on the benchmark's
#: trace) -- worth it only for enough work moved.
STEAL_GAIN = 0.05


def _shared_file(name: str) -> int:
    """A descriptor of a new, empty, nameless file in memory (``memfd_create``; elsewhere an unlinked
    temporary file), which processes forked afterwards share: the `_Board`'s numbers, a worker's
    `_Outbox`.  Read and written at explicit offsets (``pread``/``pwrite``, ``mmap``): the
    processes share its file offset."""
    if hasattr(os, "memfd_create"):
        return os.memfd_create(name, 0)
    import tempfile  # pragma: no cover - POSIX without memfd (macOS)

    with tempfile.TemporaryFile() as f:  # pragma: no cover
        return os.dup(f.fileno())


class _Board:
    """The regions of a byte-range check, shared by the processes that check them (forked after
    it is made): each process ``k`` reads its region ``[start, end)`` up to the limit it claimed
    (``front``), ``CLAIM`` bytes at a time (`claim`), and when its region is done takes the end of
    the region expected to end last (`steal`), as much of it as makes both end together at the
    speeds the two processes have shown so far (bytes claimed per second since their first
    claim).  So a process slowed down (another job on its core, caches shared with the other
    process) takes less of the file, the others more; the first cut (`line_ranges`) is only where
    they start.

    The numbers live in a shared memory map (``MAP_SHARED``, made before the fork), changed under
    a POSIX record lock (``fcntl.lockf`` on the map's file: held by a process, not a file
    descriptor, so forked processes exclude each other, and released if one dies).  Speed only: a
    region is a range like any other, checked and stitched as such (the verdict does not depend on
    where the cuts fall; ``tests/test_oracle_parallel.py`` checks that at every line boundary)."""

    #: per process: start, front (claimed up to), end, bytes claimed in all, first claim (monotonic ns),
    #: bytes its `_Outbox` holds for the parent (whole pickles)
    _FIELDS = 6

    def __init__(self, path: str, ranges: list[tuple[int, int]]) -> None:
        import fcntl
        import mmap

        self._lockf, self._locked, self._unlocked = fcntl.lockf, fcntl.LOCK_EX, fcntl.LOCK_UN
        self.path = path
        self.size = ranges[-1][1]
        self.jobs = len(ranges)
        self._fd = _shared_file("podmodel-ranges")
        length = 8 * (1 + self._FIELDS * self.jobs)
        os.ftruncate(self._fd, length)  # (zeros)
        self._map = mmap.mmap(self._fd, length)
        # [stopped, then the fields of each process]; stopped: a process failed, all stop
        self._v = memoryview(self._map).cast("q")
        for k, (a, b) in enumerate(ranges):
            i = self._at(k)
            self._v[i], self._v[i + 1], self._v[i + 2] = a, a, b

    def _at(self, k: int) -> int:
        return 1 + self._FIELDS * k

    def close(self) -> None:
        """Release the map and its file (each process, when it is done with the board)."""
        self._v.release()
        self._map.close()
        os.close(self._fd)

    def __enter__(self) -> memoryview:
        self._lockf(self._fd, self._locked)
        return self._v

    def __exit__(self, *exc: object) -> None:
        self._lockf(self._fd, self._unlocked)

    def start(self, k: int) -> int:
        with self as v:
            return v[self._at(k)]

    def claim(self, k: int, offset: int, rest: bool = False) -> int:
        """Process ``k``'s next limit, its lines read up to ``offset`` (`podmodel.oracle.lines.lane_items`'s
        ``claim``): ``CLAIM`` bytes more, at most to the region's end; ``offset`` itself when the
        region is done (then its end is ``offset``) or when another process failed.  ``rest``:
        the whole region, its end fixed from then on."""
        now = time.monotonic_ns()
        with self as v:
            i = self._at(k)
            end = v[i + 2]
            if v[0]:
                return offset
            if offset >= end:
                v[i + 1] = end  # (done: nothing left to take)
                return offset
            old = max(offset, v[i + 1])
            front = end if rest else min(old + CLAIM, end)
            v[i + 1] = front
            v[i + 3] += front - old
            if not v[i + 4]:
                v[i + 4] = now
            return front

    def publish(self, k: int, sent: int) -> None:
        """Process ``k``'s `_Outbox` holds ``sent`` bytes (whole pickles) the parent may read."""
        with self as v:
            v[self._at(k) + 5] = sent

    def published(self, k: int) -> int:
        """How many bytes process ``k``'s `_Outbox` holds (`publish`)."""
        with self as v:
            return v[self._at(k) + 5]

    def done(self, k: int) -> int:
        """The end of process ``k``'s region, which it has read to the end (the file's end, or
        where `claim` stopped it): fixed from now on."""
        with self as v:
            i = self._at(k)
            v[i + 1] = v[i + 2]
            return v[i + 2]

    def stop(self) -> None:
        """A process failed: the others stop at their next claim (the parent raises its error)."""
        with self as v:
            v[0] = 1

    def steal(self, k: int, file: Any) -> int | None:
        """A new region for process ``k`` (whose region is done), or None: the end of the region
        expected to end last -- its unclaimed bytes at its process's speed -- if taking a share
        of them brings the end `STEAL_GAIN` seconds nearer; the share that makes both end
        together (``k``'s speed over the sum of both speeds), cut at a line start (``file``: the
        trace, opened).  Its start."""
        now = time.monotonic_ns()
        with self as v:
            if v[0]:
                return None

            def speed(j: int) -> float | None:  # bytes claimed per second so far
                i = self._at(j)
                return v[i + 3] * 1e9 / (now - v[i + 4]) if v[i + 4] and now > v[i + 4] and v[i + 3] else None

            mine = speed(k)
            best = None
            for j in range(self.jobs):
                i = self._at(j)
                left = v[i + 2] - v[i + 1]
                if j == k or left < 2 * CLAIM:
                    continue
                theirs = speed(j) or mine or 1.0
                ours = mine or theirs
                alone, together = left / theirs, left / (theirs + ours)
                if alone - together >= STEAL_GAIN and (best is None or alone > best[0]):
                    best = (alone, j, left, ours / (theirs + ours))
            if best is None:
                return None
            _alone, j, left, share = best
            i = self._at(j)
            front, end = v[i + 1], v[i + 2]
            at = _line_start(file, front + int(left * (1 - share)), self.size)
            if at >= end or at <= front:
                return None
            v[i + 2] = at
            i = self._at(k)
            v[i], v[i + 1], v[i + 2] = at, at, end
            return at


def _check_regions(path: str, board: _Board, k: int, gates: Mapping[str, bool] | None, version: str | None,
                   keep: dict | None = None, retain: dict | None = None, *, outbox: _Outbox | None = None,
                   inbox: _Inbox | None = None) -> list[tuple[int, int, _Part]]:
    """Process ``k``'s ranges ``(start, end, part)``: its region, then those it takes from the others
    (`_Board.steal`), each checked as a range (`_check_range`) by one checker started over (its
    memo of clean steps warm: a process warms up once, not once per range).  ``keep``: as for
    `_check_range` (the parent, whose region starts at 0).  At each claim a worker sends what its
    ranges have made so far (``outbox``, `_Outbox.flush`; its parts' lists then hold what the last
    flush has not sent) and the parent reads what the workers sent (``inbox``, `_Inbox.poll`)."""

    def claim(offset: int, rest: bool = False) -> int:
        if outbox is not None:
            outbox.flush(STREAM_CHUNK)
        front = board.claim(k, offset, rest)
        if inbox is not None:
            inbox.poll()
        return front

    checker = TraceChecker(gates, kubernetes_version=version)
    specs: dict = {}
    if retain is not None:
        retain["checker"] = checker
    done: list[tuple[int, int, _Part]] = []
    starts: set[int] = set()
    start: int | None = board.start(k)
    with open(path, "rb") as file:
        while start is not None:
            # A region taken is never one this process had (a steal starts past the other
            # region's claimed front): a start seen again is a board gone wrong, which would
            # loop taking the same range -- an error, never a verdict.
            if start in starts:
                raise RuntimeError(f"the --jobs board gave process {k} the range at byte {start} twice")
            starts.add(start)
            part = _check_range(path, start, None, gates, version, keep if not start else None, checker=checker,
                                specs=specs, claim=claim, outbox=outbox)
            done.append((start, board.done(k), part))
            start = board.steal(k, file)
    return done


# ---------------------------------------------------------------------------------------------
# Workers
# ---------------------------------------------------------------------------------------------


class _Report(NamedTuple):
    """The reporting part of a pod's record: what the parent combines across ranges."""

    count: int
    violations: int
    first: Violation | None
    rows: tuple
    previous_index: int | None


class _Head(NamedTuple):
    """A pod's first observation in a range, and what the worker made of it (as for a new pod).

    A worker keeps (and sends) each head as one flat tuple of scalars (`_flat_head`), the parent
    makes a `_Head` only of those it reads (`_head_of`): thousands of heads per range, of which
    the parent stitches the few whose pod was alive before it (on the benchmark's trace 365 of
    8,043 at the cut), and four nested containers fewer per head to pickle and unpickle."""

    index: int
    # where the pod's line is in the file and its resourceVersion, ``(start, end, rv)``, for a Pod
    # the typed lane read (its observation is that line's: the parent reads it again only if it
    # stitches the head, and checks that it is the same pod's, `checker.same_line`); else the pod
    # pickled (exact, whatever the reader produced)
    pod: bytes | tuple
    event: str | None
    location: tuple | None  # (line, column, offset) in the file (its name: the path)
    found: list  # violations of the head, checked as a new pod's first observation
    # the head's reporting (count 1), split off the pod's report, when it has violations; None when
    # it has none (the pod's report then counts the head: one observation, nothing else)
    report: _Report | None
    after: Any  # (last index, config key, seen_initialized) after the head, or "ended"


class _Part(NamedTuple):
    count: int
    cpu: float  # CPU seconds the worker spent (for the benchmark)
    violations: list  # not including the heads'
    heads: dict  # key -> the head as a flat tuple (`_flat_head`), in first-seen order
    ended: list  # (key, PodResult) in emission order; head groups with the head's part taken out
    live: dict  # key -> _PodState at the end of the range (``final``: its PodResult); head groups with the head's part taken out
    reported: list  # the keys of the heads whose report was split off (with violations), in first-seen order
    # the range ends the file and a worker sent it: its live pods as their results (`_live_results`)
    final: bool = False


def _flat_head(index: int, pod: bytes | tuple, event: str | None, location: tuple, found: list,
               report: _Report | None, after: Any) -> tuple:
    """A `_Head` as a worker keeps and sends it: ``(index, start, end, rv, event, line, column,
    offset, found, report, last, cfg_key, seen_initialized)`` -- ``start`` the pickled pod and
    ``end`` None for a pod not read by the typed lane, ``found`` None for no violation, ``last``
    ``"ended"`` for a pod the head ended.

    >>> h = _Head(3, (10, 20, "7"), "ADDED", (2, 1, 10), [], None, (3, ("cfg",), False))
    >>> _head_of(_flat_head(*h)) == h
    True
    """
    start, end, rv = pod if type(pod) is tuple else (pod, None, None)
    last, cfg_key, seen = ("ended", None, None) if after == "ended" else after
    return (index, start, end, rv, event, *location, found or None, report, last, cfg_key, seen)


def _head_of(flat: tuple) -> _Head:
    """The `_Head` of a head kept flat (`_flat_head`)."""
    index, start, end, rv, event, line, column, offset, found, report, last, cfg_key, seen = flat
    return _Head(index, start if end is None else (start, end, rv), event, (line, column, offset), found or [], report,
                 "ended" if last == "ended" else (last, cfg_key, seen))


def _key_of_result(r: PodResult) -> Any:
    return pod_key(r.uid, r.namespace, r.name)


def _state_key(pod: Any) -> Any:
    return pod_key(*(pod_identity(pod) if type(pod) is dict else (None, None, None)))


def _blank(path: str, start: int, end: int) -> bool:
    with open(path, "rb") as f:
        f.seek(start)
        while start < end:
            block = f.read(min(1 << 20, end - start))
            if not block:
                break
            if block.strip(b" \t\r\n"):
                return False
            start += len(block)
    return True


def _after(st: _PodState | None) -> Any:
    if st is None:
        return "ended"
    # the last observation's index, without building its snapshot if the memo skipped it
    last = st.pending[1] if st.pending is not None else st._last.index if st._last is not None else None
    return (last, st.cfg_key, st.seen_initialized)


def _check_range(path: str, start: int, end: int | None, gates: Mapping[str, bool] | None,
                 version: str | None, keep: dict | None = None, retain: dict | None = None, *,
                 checker: TraceChecker | None = None, specs: dict | None = None,
                 claim: Callable[..., int] | None = None, outbox: _Outbox | None = None) -> _Part:
    """Check the lines in ``[start, end)`` as a whole trace; report heads, ended and live pods.

    ``keep`` (the first range, checked in the parent): receives the range's ``checker`` and the
    lane's cache of decoded ``specs``, for the stitch (`_stitch`): its memo of clean steps is
    warm and its pods' tokens valid in this process.  ``retain`` receives the range's ``checker``
    (`_range_worker`: so that it is not freed yet).

    ``checker`` and ``specs`` (the lane's cache of decoded specs): those of a range this process
    checked before (`_check_regions`: its memo of clean steps warm), started over here.
    ``claim``: the range's end is not fixed (``end`` None), the lane asks ``claim`` how far to read
    (`podmodel.oracle.lines.lane_items`; `_Board.claim`).  ``outbox``: the range's violations, heads
    and ended pods are streamed to the parent as they are made (`_Outbox.open`; a range not at
    the file's start)."""
    # The heads and the ended pods pile up over a range: with the default thresholds the collector
    # re-scans them again and again (a quarter of a range's CPU time on the benchmark's trace).
    # Speed only: no result depends on when the collector runs (TraceChecker.run does the same).
    with fewer_collections():
        return _check_range_collected(path, start, end, gates, version, keep, retain, checker, specs, claim, outbox)


def _check_range_collected(path: str, start: int, end: int | None, gates: Mapping[str, bool] | None,
                           version: str | None, keep: dict | None, retain: dict | None,
                           checker: TraceChecker | None, specs: dict | None, claim: Callable[..., int] | None,
                           outbox: _Outbox | None) -> _Part:
    cpu = time.process_time()
    ended: list = []

    def on_pod(r: PodResult) -> None:
        ended.append((_key_of_result(r), r))

    if checker is None:
        checker = TraceChecker(gates, kubernetes_version=version, on_pod=on_pod)
    else:
        checker.start_over(on_pod)
    checker._source = path  # the lane reads ``path`` (its items name it): pods' last lines kept as places in it
    specs = {} if specs is None else specs
    heads: dict = {}
    reported: list = []
    total = 0
    if retain is not None:
        retain["checker"] = checker
    try:
        typed = checker._typed
        if not start:
            # The first range: no pod is alive before it, so the parent stitches none of its heads
            # and takes its violations and reports as they are (as `_stitch_part` does with a head
            # whose pod is new): the range is checked as a whole trace, nothing recorded per pod.
            observe, feed = checker._observe_item, checker.feed_observation
            for obs in lane_items(path, "jsonl", start=start, end=end, name=path, typed=typed, sink=observe,
                                  specs=specs, claim=claim):
                feed(obs)
            if keep is not None:
                keep.update(checker=checker, specs=specs)
        else:
            # Every other range: each pod's first observation in it is its head (what the parent
            # stitches to the pod's state before the range, if it was alive).  The lane hands its
            # typed items straight to `on_item` (no generator switch per line, as in the first range).
            violations, pods, observe, feed = checker.violations, checker._pods, checker._observe_item, checker.feed_observation
            rows: list = []  # the heads, (key, flat head), in first-seen order: what `outbox` streams
            if outbox is not None:
                outbox.open(start, violations, rows, ended)

            def head(key: Any, index: int, pod: bytes | tuple, event: str | None, location: tuple, found: list,
                     n_before: int, n_ended: int) -> None:
                if key in heads:
                    return  # a new pod under a key seen before in the range (after a DELETED): not a head
                st = pods.get(key)
                if not found:
                    # Nothing to split off: the pod's report counts the head (one observation, no
                    # violation); the parent subtracts it only if it stitches the head.
                    report = None
                elif st is not None:
                    report = _Report(st.count, st.violations, st.first, st.rows, st.previous_index)
                    st.count, st.violations, st.first, st.rows, st.previous_index = 0, 0, None, (), None
                else:  # ended by the head (a DELETED event): its result was emitted
                    r = ended[n_ended][1]
                    report = _Report(r.observations, r.violations, r.first, r.rows, r.previous_index)
                    ended[n_ended] = (key, dataclasses.replace(r, observations=0, violations=0, first=None, rows=(),
                                                               previous_index=None))
                del violations[n_before:]
                heads[key] = flat = _flat_head(index, pod, event, location, found, report, _after(st))
                rows.append((key, flat))
                if report is not None:
                    reported.append(key)

            first_item = checker._first_item

            def first_of_pod(item: tuple) -> list:  # (index, event, line, where, spec, metadata, status): lane_items
                # `_observe_item` of an item whose uid has no live pod (the only way to a new pod: a head
                # if the range had no pod of its key yet); the items of live pods go straight to it
                n_before, n_ended, groups = len(violations), len(ended), checker.pods_seen
                found = first_item(item)
                if checker.pods_seen == groups:
                    return found  # a pod already seen in the range
                uid = item[5].uid
                _name, line_no, col, at = item[3]
                key = uid if type(uid) is str and uid else _state_key(LaneObservation.of(item, typed).pod)
                # the pod's line in the file, (start, end), and its resourceVersion: the parent reads it
                # again only if it stitches the head (and checks it is the same pod's, `_feed_head`)
                rv = item[5].resourceVersion
                head(key, item[0], (at - col + 1, at - col + 1 + len(item[2]), None if rv is _UNSET else rv), item[1],
                     (line_no, col, at), found, n_before, n_ended)
                return found

            checker._first_item = first_of_pod  # (for this range: removed below)
            try:
                for obs in lane_items(path, "jsonl", start=start, end=end, name=path, typed=typed, sink=observe,
                                      specs=specs, claim=claim):
                    n_before, n_ended, groups = len(violations), len(ended), checker.pods_seen
                    found = feed(obs)
                    if checker.pods_seen != groups:
                        # the pod as pickle bytes: thousands of heads held as dicts would be scanned by
                        # every collection (and sent to the parent, which stitches a few)
                        loc = obs.location
                        head(_state_key(obs.pod), obs.index, pickle.dumps(obs.pod, pickle.HIGHEST_PROTOCOL), obs.event,
                             (loc.line, loc.column, loc.offset), found, n_before, n_ended)
            finally:
                del checker._first_item
        total = checker.observations
    except InputError:
        if checker.observations or not _blank(path, start, claim(start, True) if claim is not None else end):
            raise
        # a range of blank lines only: nothing in it (one process reads them as blanks too)
    part = _Part(total, time.process_time() - cpu, checker.violations, heads, ended, dict(checker._pods), reported)
    # the checker may go on (as the stitcher, or with the next range): nothing of it is the range's any more
    checker.start_over()
    return part


#: What a worker keeps of the ranges it checked (`_range_worker`): nothing reads it.
_RETAINED: list = []


def _range_worker(path: str, start: int, end: int, gates: Mapping[str, bool] | None, version: str | None,
                  retain: bool = False, final: bool = False) -> bytes:
    """`_check_range` in a pool's worker, its part pickled here (``final``: the range ends the file, its
    live pods sent as their results, `_live_results`): the
    parent unpickles it with the collector off, before stitching (unpickled by a pool, in the
    parent's result thread, the part's tens of thousands of objects would set off collections
    over the parent's heap: about four times the unpickling's own cost, measured on the
    benchmark's trace).

    With ``retain`` (a worker process), the part and the range's checker are kept (`_RETAINED`)
    until the process ends: freeing them object by object would come before the part is sent,
    on the path the parent waits on (a worker exits without freeing its heap)."""
    keep: dict = {}
    part = _check_range(path, start, end, gates, version, retain=keep)
    if retain:
        _RETAINED.append((part, keep))
    return _pickled(lambda: part._replace(**_live_results(part, final)))


def _pickled(make: Callable[[], Any]) -> bytes:
    """``make()`` pickled, with the cyclic collector off: what it makes (a part's live states, tens
    of thousands of results in a pool's part) could set off a full collection over the worker's
    heap, on the path the parent waits on (benchmark trace, the second range's part: 42 ms with
    it, 13 ms without, then the pickling 27-34 ms).  Speed only."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return pickle.dumps(make(), pickle.HIGHEST_PROTOCOL)
    finally:
        if collecting:
            gc.enable()


class _Child(NamedTuple):
    """A forked worker checking its ranges (`_fork_range`)."""

    pid: int
    fd: int  # the read end of the pipe it writes its part to
    box: int  # its `_Outbox`'s file (`_shared_file`), read by the parent's `_Inbox`


#: How many entries (violations, heads, ended pods) a worker's `_Outbox` sends at least at a claim:
#: each send costs two system calls (the write, the board's lock) and a poll in the parent, and
#: a larger pickle shares more (a configuration key many heads hold is written once per pickle).
STREAM_CHUNK = 256


class _Outbox:
    """What a forked worker sends *while* it checks: the entries of its ranges that no later line
    changes -- violations, heads and ended pods, appended as it goes (`_check_range`) -- pickled at
    a claim once `STREAM_CHUNK` are new (`flush`, between two lines: a head's violations are split
    off, and the result of the pod it ended replaced, while its line is checked) and appended to a file in memory shared
    with the parent (``box``, `_shared_file`, made before the fork), the bytes written published on
    the board (`_Board.publish`).  The parent reads and unpickles them between its own claims
    (`_Inbox`), so that neither pickles nor unpickles them after the ranges: the part sent at the
    end holds only the live pods and the counts.  On the benchmark's trace the worker's ranges
    end some 7,700 pods and record 8,000 heads (about 1.4 MB pickled).  Speed only: the parent
    puts the entries back into the parts (`_Inbox.taken`) as they were."""

    def __init__(self, box: int, board: _Board, k: int) -> None:
        self.box, self.board, self.k = box, board, k
        self.sent = 0  # bytes written to box (whole pickles)
        self._start: int | None = None  # the range whose lists are streamed
        self._lists: tuple[list, ...] = ()
        self._at: list[int] = []  # how many entries of each list are sent

    def open(self, start: int, violations: list, heads: list, ended: list) -> None:
        """The range at byte ``start`` is checked from now on: its lists, appended to as it goes --
        the violations not a head's, the heads as ``(key, flat head)``, the ended pods as ``(key,
        PodResult)`` (`_Part`)."""
        self.flush()
        self._start, self._lists, self._at = start, (violations, heads, ended), [0, 0, 0]

    def flush(self, least: int = 1) -> None:
        """Send the entries appended since the last flush, if there are ``least`` of them: ``(range
        start, violations, heads, ended)`` pickled, written to the box, published."""
        lists, at = self._lists, self._at
        if sum(len(entries) - n for entries, n in zip(lists, at)) < least:
            return
        new = [entries[n:] for entries, n in zip(lists, at)]
        self._at = [len(entries) for entries in lists]
        view = memoryview(pickle.dumps((self._start, *new), pickle.HIGHEST_PROTOCOL))
        while view:
            n = os.pwrite(self.box, view, self.sent)
            self.sent += n
            view = view[n:]
        self.board.publish(self.k, self.sent)

    def last(self, done: list[tuple[int, int, _Part]]) -> bytes:
        """What the worker sends at its end, its ranges ``(start, end, part)`` checked: the entries not
        sent yet (`flush`), then how many bytes the box holds (8 bytes, little-endian) and the ranges
        pickled, each part without the entries the box holds (`_Inbox.taken` puts them back) and
        with its live pods as `_live_results` makes them."""
        self.flush()
        size = self.board.size
        parts = _pickled(lambda: [(a, b, part._replace(violations=[], heads={}, ended=[], **_live_results(part, b == size)))
                                  for a, b, part in done])
        return self.sent.to_bytes(8, "little") + parts


class _Inbox:
    """The parent's side of the workers' `_Outbox` es.  Between its own claims (`poll`) it reads what
    each has published and unpickles it, per range ``start`` -> ``[violations, heads, ended]``
    (the heads as a dict: key -> flat head, in first-seen order).  Once a worker's final part has
    come (`_receive`: it starts with how many bytes the box holds), the rest of its box is read
    (`rest`, before the boxes are closed) and unpickled with its part (`taken`), which puts the
    entries back into the part of each range."""

    def __init__(self, board: _Board) -> None:
        self.board = board
        self.boxes: dict[int, list] = {}  # process -> [its box, bytes read, bytes read but not unpickled]
        self.ranges: dict[int, list] = {}

    def add(self, k: int, box: int) -> None:
        self.boxes[k] = [box, 0, b""]

    def poll(self) -> None:
        """Read and unpickle what every worker has published so far."""
        for k in self.boxes:
            self.fetch(k, self.board.published(k))
            self._load(k)

    def fetch(self, k: int, upto: int) -> None:
        """Read process ``k``'s box up to byte ``upto`` (the end of a pickle), not unpickled yet."""
        entry = self.boxes[k]
        box, done, data = entry
        if upto <= done:
            return
        data = bytearray(data)
        while done < upto:
            got = os.pread(box, upto - done, done)
            if not got:
                raise RuntimeError(f"the --jobs worker {k} sent {upto} bytes, {done} found")
            data += got
            done += len(got)
        entry[1:] = [done, data]

    def _load(self, k: int) -> None:
        entry = self.boxes[k]
        data = entry[2]
        if not data:
            return
        entry[2] = b""
        stream = io.BytesIO(data)
        while stream.tell() < len(data):
            start, violations, heads, ended = pickle.load(stream)
            entries = self.ranges.get(start)
            if entries is None:
                entries = self.ranges[start] = [[], {}, []]
            entries[0] += violations
            entries[1].update(heads)
            entries[2] += ended

    def rest(self, k: int, sent: bytes) -> None:
        """Read the rest of process ``k``'s box, ``sent`` the final part it sent (`_regions_worker`:
        it starts with the bytes its box holds, then all are written)."""
        self.fetch(k, int.from_bytes(sent[:8], "little"))

    def taken(self, k: int, sent: bytes) -> list[tuple[int, int, _Part]]:
        """The ranges ``(start, end, part)`` process ``k`` took, from ``sent``, the final part it sent
        (`_regions_worker`: its parts without what its box holds), each part with the violations,
        heads and ended pods its box holds for it (read: `rest`)."""
        self._load(k)
        out = []
        for a, b, part in pickle.loads(memoryview(sent)[8:]):
            violations, heads, ended = self.ranges.pop(a, ([], {}, []))
            out.append((a, b, part._replace(violations=violations, heads=heads, ended=ended)))
        return out


def _regions_worker(path: str, board: _Board, k: int, gates: Mapping[str, bool] | None, version: str | None,
                    outbox: _Outbox) -> bytes:
    """`_check_regions` in forked process ``k``, its ranges sent through ``outbox`` as they are made and
    at the end (`_Outbox.last`: the bytes returned); the parts and the checker kept until the
    process ends (as `_range_worker` with ``retain``)."""
    keep: dict = {}
    done = _check_regions(path, board, k, gates, version, retain=keep, outbox=outbox)
    _RETAINED.append((done, keep))
    return outbox.last(done)


def _live_results(part: _Part, final: bool) -> dict:
    """What of ``part``'s live pods a worker sends: for the range that ends the file (``final``), the
    pods' results (`~podmodel.oracle.checker._PodState.result`, not deleted) -- all the parent makes
    of them, as no range after it continues a pod -- about a tenth of the bytes of their states,
    pickled and unpickled after the ranges (benchmark trace: 375 states, 300 kB, 14 ms); else
    the states, which the next range's heads continue."""
    if not final:
        return {}
    return {"live": {key: st.result(deleted=False) for key, st in part.live.items()}, "final": True}


def _fork_range(path: str, board: _Board, k: int, gates: Mapping[str, bool] | None, version: str | None) -> _Child:
    """A child process, forked here, that checks the ranges it takes from ``board`` as process ``k``
    and writes them -- ``b"P"`` and its ranges as `_regions_worker` pickles them, or ``b"E"`` and the
    exception it raised, pickled (the board stopped first) -- to a pipe, then exits with
    ``os._exit`` (its heap is never freed object by object).

    A plain fork, not a process pool: no semaphores, threads or call queue to set up before the
    worker starts (about 25 ms for the first pool of a process, most of it naming its
    semaphores), and the parent reads the part itself once its own range is checked."""
    box = _shared_file("podmodel-part")
    try:
        read, write = os.pipe()
    except OSError:
        os.close(box)
        raise
    try:
        pid = os.fork()
    except OSError:
        for fd in (box, read, write):
            os.close(fd)
        raise
    if pid:
        os.close(write)
        return _Child(pid, read, box)
    code = 1
    try:  # the child: whatever happens, it ends here
        os.close(read)
        try:
            data = b"P" + _regions_worker(path, board, k, gates, version, _Outbox(box, board, k))
        except Exception as e:  # (an InputError: the parent checks the file in one process, which words it)
            board.stop()
            try:
                data = b"E" + pickle.dumps(e, pickle.HIGHEST_PROTOCOL)
            except Exception:
                data = b"E" + pickle.dumps(RuntimeError(f"{type(e).__name__}: {e}"), pickle.HIGHEST_PROTOCOL)
        view = memoryview(data)
        while view:
            view = view[os.write(write, view):]
        code = 0
    finally:
        os._exit(code)


def _receive(child: _Child) -> bytes:
    """The part a forked worker sent (pickled), or the exception it sent raised; a worker that
    ended without sending anything (killed) raises `RuntimeError`."""
    with open(child.fd, "rb", closefd=False) as f:
        data = f.read()
    if data[:1] == b"P":
        return data[1:]
    if data[:1] == b"E":
        raise pickle.loads(data[1:])
    raise RuntimeError(f"the --jobs worker {child.pid} ended without a result")


#: Forked workers that had sent their part but not yet exited when last looked at: reaped later.
_EXITING: set[int] = set()


def _end(children: list[_Child], received: bool) -> None:
    """Close the pipes of forked workers and reap them.  Workers that sent their part (``received``)
    are not waited for -- one still exiting is tearing down its heap, which the verdict need not
    wait for: it is reaped at the next call (`_EXITING`) or by the system when this process ends.
    Others (an error, an interrupt) are stopped first."""
    for pid in list(_EXITING):
        try:
            if os.waitpid(pid, os.WNOHANG)[0]:
                _EXITING.discard(pid)
        except ChildProcessError:
            _EXITING.discard(pid)
    for child in children:
        os.close(child.fd)
        os.close(child.box)
        try:
            if not received:
                os.kill(child.pid, signal.SIGKILL)
                os.waitpid(child.pid, 0)
            elif not os.waitpid(child.pid, os.WNOHANG)[0]:
                _EXITING.add(child.pid)
        except (ChildProcessError, ProcessLookupError):
            pass


# ---------------------------------------------------------------------------------------------
# Stitching
# ---------------------------------------------------------------------------------------------

_OUT_OF_ORDER = re.compile(r"\(observation (\d+) is not compared with (\d+)\)$")


def _shift_violation(v: Violation | None, base: int) -> Violation | None:
    if v is None or not base:
        return v
    message = v.message
    if v.id == "out-of-order":  # the only message that names indices (steps.out_of_order)
        message = _OUT_OF_ORDER.sub(lambda m: f"(observation {int(m[1]) + base} is not compared with {int(m[2]) + base})",
                                    message)
    return dataclasses.replace(v, index=v.index + base, message=message)


def _shift_report(r: _Report, base: int) -> _Report:
    return r._replace(first=_shift_violation(r.first, base),
                      previous_index=r.previous_index + base if r.previous_index is not None else None)


def _shift_state(st: _PodState, base: int) -> None:
    st.first_index += base
    if st.pending is not None:  # the last observation, not read yet (a step from the memo)
        members, index, event = st.pending
        st.pending = (members, index + base, event)
    elif st.last is not None:
        st.last = st.last._replace(index=st.last.index + base)
    st.first = _shift_violation(st.first, base)
    if st.previous_index is not None:
        st.previous_index += base


def _shifted_results(ended: Iterable[tuple[Any, PodResult]], base: int) -> list[PodResult]:
    """The results of a range's ended pods ``(key, result)``, their indices shifted by ``base`` *in
    place*: each is a result a range's checker made (in a worker, then unpickled here: `_Inbox`, a
    pool's part; or in this process, for a range checked here) that nothing else holds, not yet in
    a verdict.  Its fields are written in its ``__dict__``, as `~podmodel.oracle.verdict.pod_result`
    writes those of a result it makes (a frozen dataclass has no setter): a worker ends thousands
    of pods per range, shifted after the ranges, on the path the verdict waits on, and making each
    again costs about six times as much (benchmark trace, 7,668 results, warm: 11 ms made again,
    1.7 ms shifted in place; in the stitch, the results cold, ~4 ms under load)."""
    if not base:
        return [r for _key, r in ended]
    out = []
    for _key, r in ended:
        d = r.__dict__
        d["first_index"] += base
        d["last_index"] += base
        if r.previous_index is not None:
            d["previous_index"] += base
        if r.first is not None:
            d["first"] = _shift_violation(r.first, base)
        out.append(r)
    return out


def _shift_head(h: _Head, base: int) -> _Head:
    if not base:
        return h
    after = h.after if h.after == "ended" or h.after[0] is None else (h.after[0] + base, *h.after[1:])
    return h._replace(index=h.index + base, found=[_shift_violation(v, base) for v in h.found],
                      report=_shift_report(h.report, base) if h.report is not None else None, after=after)


def _shift_part(part: _Part, base: int) -> _Part:
    """The live states (or results) and violations of a range shifted by ``base`` (its heads and
    ended results: by `_stitch_part`, which reads each once)."""
    if not base:
        return part
    if part.final:
        _shifted_results(part.live.items(), base)
    else:
        for st in part.live.values():
            _shift_state(st, base)
    return part._replace(violations=[_shift_violation(v, base) for v in part.violations])


def _combine(head: _Report, rest: _Report) -> _Report:
    if head.first is not None:
        first, rows, previous = head.first, head.rows, head.previous_index
    else:
        first, rows, previous = rest.first, rest.rows, rest.previous_index
    return _Report(head.count + rest.count, head.violations + rest.violations, first, rows, previous)


def _with_head(r: PodResult, hr: tuple) -> PodResult:
    """The result ``r`` a range's checker made for a pod (ended in the range, or alive at the end of
    the range that ends the file) whose head's report was split off or stitched (``hr``: the
    head's report, the pod's first index, whether ``r`` still counts the head, the pod's identity
    as first seen or None; `_stitch_part`), with the head's report put back."""
    # the worker's report without the head's part, if it still counts it (no violation in it)
    rep = _combine(hr[0], _Report(r.observations - hr[2], r.violations, r.first, r.rows, r.previous_index))
    uid, namespace, name = hr[3] or (r.uid, r.namespace, r.name)
    return pod_result(uid, namespace, name, rep.count, hr[1], r.last_index, rep.violations, rep.first, rep.rows,
                      rep.previous_index, r.deleted, r.coverage)


class _Unstitchable(Exception):
    """A head whose state after the stitch differs from the worker's: check in one process."""


def _feed_head(path: str, key: Any, head: _Head, stitcher: TraceChecker, specs: dict, file: Any) -> list[Violation]:
    """Check the head of the pod of ``key`` with ``stitcher``: the Pod as the worker's lane read it
    -- its line read again from ``file`` (``path`` opened for reading;
    `podmodel.oracle.lines.reread_item`; ``specs``: spec bytes -> the one decoded spec), which
    must still be an observation of that pod with the resourceVersion the worker read
    (`~podmodel.oracle.checker.same_line`: else `~podmodel.oracle.formats.FileChanged`, the file
    changed while it was checked) -- or unpickled."""
    where = (path, *head.location)
    if type(head.pod) is tuple:
        start, end, rv = head.pod
        file.seek(start)
        line = file.read(end - start)
        item = reread_item(line, head.index, where, stitcher._typed, specs) if stitcher._typed is not None else None
        if item is not None:
            # (its metadata decoded by the typed lane: the same uid and resourceVersion as
            # `same_line` would decode, without decoding the line again)
            if item[1] != head.event or not same_meta(item[5], key, rv):
                raise file_changed(where)
            return stitcher._observe_item(item)
        line = same_line(line, where, head.event, key, rv)
        members = members_of_line(line, head.event)
        spec = members.get("spec")
        pod = pod_of_members(members, orjson.loads(memoryview(spec)) if spec is not None else None)
    else:
        pod = pickle.loads(head.pod)
    return stitcher.feed_observation(Observation(head.index, pod, head.event, Location(*where)))


def _stitch_part(path: str, part: _Part, live: dict, stitcher: TraceChecker, emitted: list,
                 base: int = 0, specs: dict | None = None) -> tuple[list, list, dict]:
    """``(violations, ended results, live states)`` of one range (`_shift_part` by ``base``; its heads
    and ended results are shifted here), given the pods alive before it.  ``specs``: the decoded
    specs (a `podmodel.oracle.lines.lane_items` cache) to read the heads with.

    Raises `_Unstitchable` when a head cannot be stitched; ``live`` is then untouched (the
    heads are checked on copies of the states)."""
    violations = list(part.violations)
    specs = {} if specs is None else specs
    # key -> (the head's report, the pod's first index, whether the worker's report still counts the
    # head, the pod's (uid, namespace, name) as first seen -- before the range -- or None: the worker's)
    head_reports: dict = {}
    consumed = []
    file = None
    heads = part.heads
    for key in part.reported:
        if key not in live:  # a new pod for a single process too: the worker's reading stands
            head = _shift_head(_head_of(heads[key]), base)  # (its report split off: the head has violations)
            violations.extend(head.found)
            head_reports[key] = (head.report, head.index, False, None)
    # The heads of pods alive before the range, in first-seen order (the other heads are new pods,
    # whose reading stands: not looked at, but for their reports above).
    continued = sorted(live.keys() & heads.keys(), key=lambda k: heads[k][0])
    try:
        for key in continued:
            pred = live[key]
            head = _shift_head(_head_of(heads[key]), base)
            consumed.append(key)
            # (a copy with its token: a state the stitcher itself checked, in the first range, takes the
            # head from the stitcher's memo; one sent by a worker has none)
            stitcher._pods[key] = stitcher.adopt(pred.clone())
            del emitted[:]
            if file is None:  # (opened once, for the heads stitched)
                try:
                    file = open(path, "rb")  # noqa: SIM115
                except OSError:  # (the file the workers read is gone)
                    raise FileChanged(f"{path}: the file changed while it was checked (it cannot be read again)",
                                      name=path, expected="the file as it was read") from None
            found = _feed_head(path, key, head, stitcher, specs, file)
            st = stitcher._pods.pop(key, None)
            if _after(st) != head.after:
                raise _Unstitchable(key)
            violations.extend(found)
            if st is not None:
                rep = _Report(st.count, st.violations, st.first, st.rows, st.previous_index), st.first_index
            else:
                r = emitted[0]
                rep = _Report(r.observations, r.violations, r.first, r.rows, r.previous_index), r.first_index
            # (a pod's result and state name it as first seen, whatever its later observations say)
            head_reports[key] = (*rep, head.report is None, (pred.uid, pred.namespace, pred.name))
    finally:
        if file is not None:
            file.close()
    ended = _shifted_results(part.ended, base)
    for i, (key, _r) in enumerate(part.ended):
        if not head_reports:  # (the pods of the heads stitched are the range's oldest: they end first)
            break
        hr = head_reports.pop(key, None)
        if hr is not None:
            ended[i] = _with_head(ended[i], hr)
    for key in consumed:
        del live[key]
    for key, st in part.live.items():  # (shifted by _shift_part)
        hr = head_reports.pop(key, None)
        if hr is not None and part.final:
            part.live[key] = _with_head(st, hr)
        elif hr is not None:
            rep = _combine(hr[0], _Report(st.count - hr[2], st.violations, st.first, st.rows, st.previous_index))
            st.count, st.violations, st.first, st.rows, st.previous_index = rep
            st.first_index = hr[1]
            if hr[3] is not None:
                st.uid, st.namespace, st.name = hr[3]
    return violations, ended, part.live


def _recheck(path: str, start: int, end: int, base: int, live: dict, gates: Mapping[str, bool] | None,
             version: str | None) -> tuple[list, list, dict]:
    """One range checked again in this process, starting from the pods alive before it: what one
    process does on that range (for a range whose heads cannot be stitched)."""
    ended: list = []
    checker = TraceChecker(gates, kubernetes_version=version, on_pod=ended.append)
    checker._pods = live
    try:
        for obs in lane_observations(path, "jsonl", start=start, end=end, name=path):
            checker.feed_observation(Observation(obs.index + base, obs.pod, obs.event, obs.location,
                                                 obs.timestamp, obs.shared_spec, obs.members))
    except InputError:
        if not _blank(path, start, end):
            raise
    return checker.violations, ended, checker._pods


def _stamp(path: str) -> tuple[int, int, int, int] | None:
    """The file's device, inode, size and modification time (ns), None if it cannot be read: a
    range checked again in the parent (`_recheck`) reads bytes a worker read before, and must
    find the same file (`_same_file`)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def _same_file(path: str, stamp: tuple | None, start: int, end: int) -> None:
    """`~podmodel.oracle.formats.FileChanged` unless the file still has its `_stamp` ``stamp``
    (taken before the ranges were read; None: not taken) after ``[start, end)`` was read again."""
    if stamp is not None and _stamp(path) != stamp:
        raise FileChanged(f"{path}: the file changed while it was checked (bytes {start}-{end} read again)",
                          name=path, offset=start, expected="the file as it was read")


def _stitch(path: str, ranges: list[tuple[int, int]], parts: list[_Part], gates: Mapping[str, bool] | None,
            version: str | None, timings: dict | None = None, own: dict | None = None,
            stamp: tuple | None = None) -> Verdict:
    """The verdict of the ranges' parts.  ``own``: what `_check_range` kept of the first range
    checked in this process (its checker stitches the heads, with the specs its lane decoded).
    ``stamp``: the file's `_stamp` before the ranges were read; when a range is checked again, the
    file must still have it afterwards (else `~podmodel.oracle.formats.FileChanged`: that range's
    verdict would be on other bytes than the rest's)."""
    emitted: list = []
    if own is not None:
        stitcher, specs = own["checker"], own["specs"]
        stitcher._on_pod = emitted.append
    else:
        stitcher, specs = TraceChecker(gates, kubernetes_version=version, on_pod=emitted.append), None
    stitcher._hits = 0  # (the first range's checker counted its own: its part is made)
    live: dict[Any, _PodState] = {}
    results: list[PodResult] = []
    violations: list[Violation] = []
    base = 0
    rechecked = 0
    hits = []  # heads stitched from the memo, per range
    for (start, end), part in zip(ranges, parts):
        shifted = _shift_part(part, base)
        before = stitcher._hits
        try:
            found, ended, new_live = _stitch_part(path, shifted, live, stitcher, emitted, base, specs)
            live.update(new_live)
        except _Unstitchable:
            rechecked += 1
            try:
                found, ended, live = _recheck(path, start, end, base, live, gates, version)
            finally:  # its verdict, or its input error, must be on the bytes the workers read
                _same_file(path, stamp, start, end)
        hits.append(stitcher._hits - before)
        base += part.count
        violations.extend(found)
        results.extend(ended)
    violations.sort(key=lambda v: v.index)
    for st in sorted(live.values(), key=lambda s: s.first_index):
        # (a result: a pod alive at the end of the file as a worker sent it, `_live_results`)
        results.append(st if type(st) is PodResult else st.result(deleted=False))
    if timings is not None:
        timings["rechecked_ranges"] = rechecked
        timings["stitch_memo_hits"] = stitcher._hits  # heads (and first observations) taken from the memo
        timings["stitch_memo_hits_per_range"] = hits
    return Verdict(violations, tuple(results), base, None)


# ---------------------------------------------------------------------------------------------
# The uid-hash mode (other framings, coverage)
# ---------------------------------------------------------------------------------------------


def _check_part(path: str, fmt: str, gates: Mapping[str, bool] | None, coverage: bool, part: int, parts: int,
                version: str | None = None) -> Verdict:
    checker = TraceChecker(gates, coverage, kubernetes_version=version)
    total = 0
    stats: dict = {}
    for obs in read_observations(path, format=fmt, stats=stats):
        total += 1
        if partition_of(obs.pod, parts) == part:
            checker.feed_observation(obs)
    if not total:
        raise nothing_to_check(stats, stats.get("name", path))
    verdict = checker.finish()
    return Verdict(verdict.violations, verdict.pods, total, verdict.coverage)


def _end_order(result: PodResult) -> tuple[int, int]:
    # a single process reports a pod when its DELETED event comes, the others at the end in first-seen order
    return (0, result.last_index) if result.deleted else (1, result.first_index)


def merge(parts: list[Verdict]) -> Verdict:
    """Merge the verdicts of the uid-hash partitions into the verdict of the whole trace.

    >>> merge([Verdict([], observations=4), Verdict([], observations=4)]).observations
    4
    """
    violations = sorted((v for p in parts for v in p.violations), key=lambda v: v.index)
    pods = tuple(sorted((r for p in parts for r in p.pods), key=_end_order))
    coverage = None
    if any(p.coverage is not None for p in parts):
        total: Counter = Counter()
        for p in parts:
            total.update(p.coverage or {})
        coverage = dict(total)
    observations = max((p.observations for p in parts), default=0)
    return Verdict(violations, pods, observations, coverage)


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------


def _pool(jobs: int) -> ProcessPoolExecutor:
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    return ProcessPoolExecutor(max_workers=jobs, mp_context=ctx)


def check_file_parallel(path: str, *, jobs: int, feature_gates: Mapping[str, bool] | None = None, coverage: bool = False,
                        format: str = "auto", progress: bool = False, kubernetes_version: str | None = None,
                        mode: str = "auto", timings: dict | None = None) -> Verdict:
    """`~podmodel.oracle.api.check_trace` of a file in ``jobs`` processes.

    Same result as the serial check (raises the same `~podmodel.oracle.formats.InputError`
    for unusable input).  ``progress`` is accepted for the CLI and ignored.  ``mode``:
    ``"ranges"`` (JSON Lines cut into byte ranges), ``"uid"`` (every worker reads the whole
    file, pods shared by uid hash) or ``"auto"`` (ranges for a JSON Lines file without
    coverage, uid otherwise).  ``timings``, if given, receives ``mode``, the CPU seconds of
    each range's worker (``workers_cpu``) and of the stitch (``stitch_cpu``), for the benchmark.

    >>> merge([Verdict([], observations=4), Verdict([], observations=4)]).observations
    4
    """
    del progress
    path = os.fspath(path)
    if jobs <= 1:
        return check_trace_serial(path, feature_gates=feature_gates, coverage=coverage, format=format,
                                  kubernetes_version=kubernetes_version)
    gates = dict(feature_gates) if feature_gates else None
    TraceChecker(gates, kubernetes_version=kubernetes_version)  # validate the gates here, not in every worker
    if mode == "auto":
        ranges_ok = not coverage and format in ("auto", "jsonl") and os.path.isfile(path) and _looks_like_json_lines(path)
        mode = "ranges" if ranges_ok else "uid"
    if mode == "ranges":
        verdict = _check_ranges(path, jobs, gates, kubernetes_version, timings)
        if verdict is not None:
            return verdict
        if timings is not None:
            timings["mode"] = "one process (the ranges could not be stitched or read)"
        return check_trace_serial(path, feature_gates=feature_gates, coverage=coverage, format=format,
                                  kubernetes_version=kubernetes_version)
    if timings is not None:
        timings["mode"] = "uid"
    with _pool(jobs) as pool:
        futures = [pool.submit(_check_part, path, format, gates, coverage, k, jobs, kubernetes_version)
                   for k in range(jobs)]
        results = [f.result() for f in futures]
    return merge(results)


def _check_ranges(path: str, jobs: int, gates: Mapping[str, bool] | None, version: str | None,
                  timings: dict | None = None) -> Verdict | None:
    """The byte-range check, or None when the file must be checked in one process."""
    began = time.perf_counter()
    checked = received = began  # (wall clock: when this process's ranges were checked, the workers' parts read)
    stamp = _stamp(path)
    ranges = line_ranges(path, jobs, FIRST_SHARE)
    own: dict = {}
    mine: list | None = None  # the ranges this process took from the board (forked workers)
    try:
        sent: list[bytes] = []  # the other ranges' parts, pickled by their workers
        if len(ranges) == 1:
            parts = [_check_range(path, *ranges[0], gates, version)]
        else:
            # The workers check the other ranges while this process checks the first: one process
            # fewer to start, one part fewer to send, and its checker, warm, stitches the heads.
            if hasattr(os, "fork"):
                # The processes take their ranges from a shared board: each its first region, then
                # halves of the regions others have not reached yet (`_Board`).
                children: list[_Child] = []
                board = _Board(path, ranges)
                inbox = _Inbox(board)  # what the workers send as they go, read between this process's claims
                try:
                    for k in range(1, len(ranges)):
                        try:
                            children.append(_fork_range(path, board, k, gates, version))
                        except OSError:  # no process to be had (a limit): one process checks the file
                            return None
                        inbox.add(k, children[-1].box)
                    mine = _check_regions(path, board, 0, gates, version, own, inbox=inbox)
                    checked = time.perf_counter()
                    sent = [_receive(child) for child in children]
                    for k, data in enumerate(sent, 1):  # (the rest of each box, read before it is closed)
                        inbox.rest(k, data)
                    received = time.perf_counter()
                finally:
                    _end(children, len(sent) == len(children))
                    board.close()
            else:  # pragma: no cover - no fork (Windows): a pool of spawned processes
                pool = _pool(len(ranges) - 1)
                try:
                    futures = [pool.submit(_range_worker, path, a, b, gates, version, True, b == ranges[-1][1])
                               for a, b in ranges[1:]]
                    parts = [_check_range(path, *ranges[0], gates, version, own)]
                    sent = [f.result() for f in futures]
                finally:
                    # not waiting for the workers to exit (to tear down their heaps): they have
                    # nothing more to say (the pool's thread joins them)
                    pool.shutdown(wait=False, cancel_futures=True)
    except FileChanged as e:
        raise _by_byte(e) from None  # (checked again in one process, the changed file would get a verdict)
    except InputError:
        return None  # one process words the error with its true location
    cpu = time.process_time()
    collecting = gc.isenabled()
    gc.disable()  # the parts are a large heap of results: full collections while stitching would scan it again and again
    try:
        if mine is None:
            parts += [pickle.loads(b) for b in sent]
        else:  # the ranges the processes took (`_check_regions`), in file order
            taken = [mine, *(inbox.taken(k, b) for k, b in enumerate(sent, 1))]
            ranges, parts = _in_file_order(taken, ranges[-1][1])
        unpickled = time.process_time()
        if not sum(p.count for p in parts):
            return None  # nothing to check: one process says why
        verdict = _stitch(path, ranges, parts, gates, version, timings, own or None, stamp)
    except FileChanged as e:
        raise _by_byte(e) from None
    except InputError:
        return None
    finally:
        if collecting:
            gc.enable()
    if timings is not None:
        if mine is None:
            workers_cpu = [p.cpu for p in parts]
        else:  # per process: the CPU time of the ranges it checked
            workers_cpu = [sum(part.cpu for _a, _b, part in done) for done in taken]
            timings["taken"] = [len(done) for done in taken]
        timings.update(mode="ranges", workers_cpu=workers_cpu, unpickle_cpu=unpickled - cpu,
                       stitch_cpu=time.process_time() - unpickled, ranges=len(parts))
        if mine is not None:
            # the serial tail, wall clock: this process waiting for the workers' parts once its own
            # ranges are checked (a worker still checking, or pickling and sending its part), then
            # unpickling and stitching them
            timings.update(waited_wall=received - checked, tail_wall=time.perf_counter() - checked)
    return verdict


def _by_byte(error: FileChanged) -> FileChanged:
    """``error`` located by its byte offset only: a range's lines are counted from the range's start
    (a worker's lane, a head's location), so its line number is not the file's."""
    if error.line is None:
        return error
    return file_changed((error.name, None, None, error.offset))


def _in_file_order(taken: list[list[tuple[int, int, Any]]], size: int) -> tuple[list[tuple[int, int]], list]:
    """The ranges ``(start, end, part)`` each process took (`_check_regions`), as the ranges and
    their parts in file order; `RuntimeError` unless they cover ``[0, size)`` exactly, each byte
    once."""
    regions = sorted((r for done in taken for r in done), key=lambda r: (r[0], r[1]))
    ranges = [(a, b) for a, b, _part in regions]
    if not ranges or [a for a, _b in ranges] != [0, *(b for _a, b in ranges[:-1])] or ranges[-1][1] != size:
        raise RuntimeError(f"the --jobs ranges do not cover the file: {ranges}")
    return ranges, [part for _a, _b, part in regions]


def check_trace_serial(path: str, *, feature_gates: Mapping[str, bool] | None = None, coverage: bool = False,
                       format: str = "auto", kubernetes_version: str | None = None) -> Verdict:
    """The single-process check (for comparison and for ``jobs=1``)."""
    return TraceChecker(feature_gates, coverage, kubernetes_version=kubernetes_version).run(path, format=format)
