"""Trace oracle: decide whether a recorded sequence of Pod observations is legal.

>>> from podmodel.oracle import check_trace
>>> pod = {"metadata": {"name": "web", "uid": "u1"}, "spec": {"containers": [{"name": "c"}]},
...        "status": {"phase": "Pending"}}
>>> check_trace([pod, pod]).ok
True

See ``docs/oracle.md``.  Modules: `~podmodel.oracle.formats` (input),
`~podmodel.oracle.validate` (could the API server have returned it?), `~podmodel.oracle.observation` (snapshots), `~podmodel.oracle.rules` (one observation),
`~podmodel.oracle.steps` (two observations), `~podmodel.oracle.checker` (the monitor), `~podmodel.oracle.api` (the entry points),
`~podmodel.oracle.coverage`, `~podmodel.oracle.report`, `~podmodel.oracle.verdict`,
`~podmodel.oracle.parallel` (``jobs=N``).
"""

from podmodel.oracle.api import check_trace, check_transition
from podmodel.oracle.checker import TraceChecker
from podmodel.oracle.validate import validate_pod
from podmodel.oracle.verdict import RULES, VIOLATION_IDS, PodResult, Verdict, Violation

__all__ = ["check_transition", "check_trace", "TraceChecker", "Verdict", "Violation", "VIOLATION_IDS", "RULES", "PodResult", "validate_pod"]
