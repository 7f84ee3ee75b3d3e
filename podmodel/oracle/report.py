"""Reports: the side-by-side of two observations, the human report, and the JSON form.

`relevant_rows` picks the fields a violation is about and shows them for the previous
observation of the pod and the violating one.  `render_pod` writes one pod's verdict;
`render_summary` the closing line; `json_document` the stable ``--json`` document:

.. code-block:: text

    {"ok": bool, "observations": int, "pods": int,
     "violations": [{"id", "index", "namespace", "name", "uid", "container",
                     "field", "expected", "actual", "message", "source"}, ...],
     "coverage": {"total": {item: count}, "pods": [{"uid", "namespace", "name",
                  "items": {item: count}}]}}            # only with --coverage

>>> from podmodel.oracle.verdict import Verdict
>>> json_document(Verdict(violations=[], observations=3), pods=1)
{'ok': True, 'observations': 3, 'pods': 1, 'violations': []}
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from podmodel.oracle.observation import ContainerSnap, Snapshot
from podmodel.oracle.verdict import PodResult, Verdict, Violation

Row = tuple[str, str, str]
_Getter = Callable[[Snapshot], Any]


def _show(v: Any) -> str:
    if v is None or v == "":
        return "-"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _container_rows(name: str, kind: str | None) -> list[tuple[str, _Getter]]:
    def get(attr: str) -> _Getter:
        def f(s: Snapshot) -> Any:
            c = s.container(name, kind) if kind else s.container(name)
            if c is None:
                return None
            return _container_attr(c, attr)
        return f
    return [(f"{name}.{attr}", get(attr)) for attr in ("state", "restartCount", "containerID", "image", "ready", "started")]


def _container_attr(c: ContainerSnap, attr: str) -> Any:
    return {
        "state": c.describe,
        "restartCount": lambda: c.restart_count,
        "containerID": lambda: c.container_id,
        "image": lambda: c.image or c.spec_image,
        "ready": lambda: c.status.ready,
        "started": lambda: c.status.started,
    }[attr]()


def _pod_rows(v: Violation, new: Snapshot) -> list[tuple[str, _Getter]]:
    rows: list[tuple[str, _Getter]] = [("resourceVersion", lambda s: s.resource_version), ("phase", lambda s: s.phase)]
    rid = v.id
    if rid == "node-rebound":
        rows.append(("spec.nodeName", lambda s: s.node_name))
    elif rid == "identity-changed":
        rows += [("metadata.name", lambda s: s.name), ("metadata.namespace", lambda s: s.namespace)]
    elif rid == "deletion-reverted":
        rows += [("deletionTimestamp", lambda s: s.deletion_timestamp),
                 ("deletionGracePeriodSeconds", lambda s: s.deletion_grace)]
    elif rid == "containers-changed":
        rows += [("spec.initContainers", lambda s: ", ".join(s.spec_names[0]) if s.spec_names else None),
                 ("spec.containers", lambda s: ", ".join(s.spec_names[1]) if s.spec_names else None),
                 ("spec.ephemeralContainers", lambda s: ", ".join(s.spec_names[2]) if s.spec_names else None)]
    elif rid in ("terminal-phase-reverted", "phase-inconsistent", "condition-inconsistent"):
        rows += [("reason", lambda s: s.reason), ("deletionTimestamp", lambda s: s.deletion_timestamp)]
        for ctype in ("Initialized", "ContainersReady", "Ready", "DisruptionTarget"):
            rows.append((f"condition {ctype}", lambda s, t=ctype: " ".join(filter(None, s.condition(t) or ()))))
    if v.container and rid not in ("phase-inconsistent", "condition-inconsistent", "init-order"):
        c = new.container(v.container)
        rows += _container_rows(v.container, c.kind if c else None)
    elif rid in ("phase-inconsistent", "condition-inconsistent", "init-order"):
        for c in new.init + new.app:
            rows.append((f"{c.name}.state", lambda s, n=c.name, k=c.kind: (s.container(n, k).describe() if s.container(n, k) else None)))
            if rid == "condition-inconsistent":
                rows.append((f"{c.name}.ready", lambda s, n=c.name, k=c.kind: (s.container(n, k).status.ready if s.container(n, k) else None)))
    return rows


def relevant_rows(old: Snapshot | None, new: Snapshot, v: Violation) -> tuple[Row, ...]:
    """``(field, value before, value at the violation)`` rows for a violation.

    ``old`` is the pod's previous observation (None for its first one: shown as ``-``).

    >>> from podmodel.oracle.observation import snapshot
    >>> a = snapshot({"metadata": {"uid": "u"}, "spec": {"nodeName": "n1"}}, None, index=0)
    >>> b = snapshot({"metadata": {"uid": "u"}, "spec": {"nodeName": "n2"}}, None, index=1)
    >>> v = Violation("node-rebound", 1, None, None, "u", None, "spec.nodeName", "n1", "n2", "m", "s")
    >>> relevant_rows(a, b, v)[-1]
    ('spec.nodeName', 'n1', 'n2')
    """
    rows = []
    for label, get in _pod_rows(v, new):
        rows.append((label, _show(get(old)) if old is not None else "-", _show(get(new))))
    return tuple(rows)


def _table(rows: Iterable[Row], left: str, right: str, indent: str) -> list[str]:
    rows = list(rows)
    w0 = max([len(r[0]) for r in rows] + [5])
    w1 = max([len(r[1]) for r in rows] + [len(left)])
    lines = [f"{indent}  {'':{w0}}  {left:{w1}}  {right}"]
    for label, a, b in rows:
        mark = " " if a == b else "*"
        lines.append(f"{indent}{mark} {label:{w0}}  {a:{w1}}  {b}")
    return lines


def render_pod(result: PodResult, *, coverage: bool = False) -> str:
    """The human report for one pod.

    >>> r = PodResult(uid="u1", namespace="default", name="web", observations=3, first_index=0, last_index=2)
    >>> print(render_pod(r))
    pod default/web (uid u1): legal, 3 observations (#0..#2)
    """
    who = f"{result.namespace}/{result.name}" if result.namespace else str(result.name)
    span = f"{result.observations} observation{'s' if result.observations != 1 else ''} (#{result.first_index}..#{result.last_index})"
    gone = ", deleted" if result.deleted else ""
    if result.ok:
        lines = [f"pod {who} (uid {result.uid}): legal, {span}{gone}"]
    else:
        v = result.first
        assert v is not None
        lines = [f"pod {who} (uid {result.uid}): VIOLATION, {span}{gone}",
                 f"  #{v.index} {v.id}: {v.message}"]
        if v.container:
            lines.append(f"    container: {v.container}")
        lines += [f"    field:     {v.field}", f"    expected:  {v.expected}", f"    actual:    {v.actual}",
                  f"    source:    {v.source}"]
        if result.rows:
            before = f"#{result.previous_index} (before)" if result.previous_index is not None else "(first observation)"
            lines += _table(result.rows, before, f"#{v.index}", "    ")
        more = result.violations - 1
        if more:
            lines.append(f"  and {more} more violation{'s' if more != 1 else ''} in this pod")
    if coverage and result.coverage:
        lines.append("  coverage:")
        lines += [f"    {n:5}  {item}" for item, n in sorted(result.coverage.items())]
    return "\n".join(lines)


def render_summary(verdict: Verdict, pods: int, bad_pods: int) -> str:
    """The closing line (and total coverage when present).

    >>> render_summary(Verdict(violations=[], observations=7), 2, 0)
    'LEGAL: 7 observations, 2 pods'
    """
    n = len(verdict.violations)
    head = (f"{'LEGAL' if verdict.ok else 'ILLEGAL'}: {verdict.observations} observations, {pods} pod{'s' if pods != 1 else ''}"
            + ("" if verdict.ok else f", {n} violation{'s' if n != 1 else ''} in {bad_pods} pod{'s' if bad_pods != 1 else ''}"))
    lines = [head]
    if not verdict.ok:
        counts: dict[str, int] = {}
        for v in verdict.violations:
            counts[v.id] = counts.get(v.id, 0) + 1
        lines.append("  " + ", ".join(f"{k}: {c}" for k, c in sorted(counts.items())))
    if verdict.coverage is not None:
        lines.append(f"coverage (all pods, {len(verdict.coverage)} items):")
        lines += [f"  {n:6}  {item}" for item, n in sorted(verdict.coverage.items())]
    return "\n".join(lines)


def json_document(verdict: Verdict, *, pods: int, pod_coverage: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The ``--json`` document (see the module docstring for its shape)."""
    doc: dict[str, Any] = {"ok": verdict.ok, "observations": verdict.observations, "pods": pods,
                           "violations": [v.to_dict() for v in verdict.violations]}
    if verdict.coverage is not None:
        doc["coverage"] = {"total": dict(sorted(verdict.coverage.items())), "pods": pod_coverage or []}
    return doc
