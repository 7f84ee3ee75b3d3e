"""Lint KWOK Stage resources: simulate the Pod lifecycles they drive and check them with the oracle.

KWOK (kubernetes-sigs/kwok) replaces the kubelet with ``Stage`` resources: each has a
``selector`` (``matchLabels``, ``matchAnnotations``, ``matchExpressions`` of jq keys), a
``delay``, a ``weight``, and ``next`` (``statusTemplate``: a Go template rendered against
the Pod and applied to its status; ``delete``; ``event``; ``finalizers``).  `lint` starts
from a Pod manifest as the API server holds it after create and bind, applies every stage
that matches (KWOK picks one of them at random, by weight: all are explored), plus a client
``DELETE`` at any point, and checks every resulting sequence of Pod objects with the
oracle (`podmodel.oracle.api.check_trace`).  Each violation names the stage whose update
showed it.

How KWOK does it, and how this simulation follows (kwok commit 172defa5, files):

* matching: ``pkg/utils/lifecycle/lifecycle.go`` (``Stage.match``: labels, annotations and
  every jq requirement; ``pkg/utils/expression/selector.go``: ``In``/``NotIn``/``Exists``/
  ``DoesNotExist`` over the query's non-null results; an error means no results);
* choice: ``Lifecycle.ListAllPossible``: stages with a positive weight when any has one,
  else every matching stage; the weight is ``spec.weight`` or, when ``weightFrom`` finds a
  value, that value;
* applying ``next``: ``pkg/utils/lifecycle/next.go`` (``doStageSteps``: event, then
  finalizers, then delete, then the status patch).  The status template is rendered with
  `podmodel.oracle.gotemplate` and applied as a *strategic-merge* patch of ``status``
  (``computePatch``: a ``*corev1.Pod`` gets ``StrategicMergePatchType``): ``conditions``
  merge by ``type``, ``podIPs``/``hostIPs`` by ``ip``, everything else is replaced; the API
  then drops empty strings and nulls (``omitempty``);
* IP functions (``pkg/kwok/controllers/pod_controller.go``, ``funcPodIPWith``,
  ``funcNodeIPWith``): they return an address, or KWOK's ``--node-ip`` when KWOK knows no
  node address, which is empty unless configured.  ``ip="both"`` (default) explores both
  outcomes, since the linter cannot know how KWOK runs; ``"address"`` only the first.
* ``delay`` and jitter are timing only: not modelled (any order the selectors allow is
  explored).  ``Now`` gives a time that grows with each step.

Not simulated (reported as unsupported, the lint then says INCOMPLETE): CEL
``matchExpressions``, ``spec.next.patches`` and ``spec.steps``, ``immediateNextStage``,
templates outside the subset of `podmodel.oracle.gotemplate`, jq outside `podmodel.oracle.jq`.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from podmodel.oracle import gotemplate, jq
from podmodel.oracle.api import check_trace

#: Addresses the IP functions return when KWOK knows one (the values of KWOK's testdata).
NODE_IP, POD_IP = "10.0.0.1", "10.0.0.2"
NODE = "kwok-node-0"
#: Default bound on the number of stage steps of one lifecycle.
MAX_STEPS = 16
_IP_FUNCS = ("NodeIPWith", "PodIPWith", "NodeIPsWith", "PodIPsWith")


class KwokError(ValueError):
    """Unusable stage or pod input (one line, names the file)."""


@dataclass(frozen=True)
class Stage:
    name: str
    source: str
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    expressions: tuple = ()
    weight: int = 0
    weight_from: Any = None
    template: str | None = None
    delete: bool = False
    event: Mapping[str, Any] | None = None
    finalizers: Mapping[str, Any] | None = None
    unsupported: tuple[str, ...] = ()

    @property
    def uses_ips(self) -> bool:
        return bool(self.template) and any(f in self.template for f in _IP_FUNCS)


# ----------------------------------------------------------------------------- loading
def _stage(doc: Mapping[str, Any], source: str) -> Stage | None:
    spec = doc.get("spec") or {}
    ref = spec.get("resourceRef") or {}
    if ref.get("kind") != "Pod":
        return None
    name = str((doc.get("metadata") or {}).get("name") or "?")
    unsupported: list[str] = []
    sel = spec.get("selector") or {}
    exprs = []
    for e in sel.get("matchExpressions") or []:
        if "key" not in e:
            unsupported.append("a matchExpression without a jq key (CEL)")
            continue
        op, values = e.get("operator"), [str(v) for v in e.get("values") or []]
        if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            unsupported.append(f"operator {op!r}")
            continue
        try:
            exprs.append((e["key"], jq.parse(e["key"]), op, tuple(values)))
        except jq.Unsupported as err:
            unsupported.append(str(err))
    weight_from = None
    wf = (spec.get("weightFrom") or {}).get("expressionFrom")
    if wf:
        try:
            weight_from = jq.parse(wf)
        except jq.Unsupported as err:
            unsupported.append(f"weightFrom: {err}")
    nxt = spec.get("next") or {}
    for key in ("patches",):
        if nxt.get(key):
            unsupported.append(f"next.{key}")
    for key in ("steps", "immediateNextStage"):
        if spec.get(key):
            unsupported.append(f"spec.{key}")
    template = nxt.get("statusTemplate")
    if template:
        try:
            gotemplate.parse(template)
        except gotemplate.Unsupported as err:
            unsupported.append(f"statusTemplate: {err}")
    return Stage(name=name, source=source, labels=dict(sel.get("matchLabels") or {}),
                 annotations=dict(sel.get("matchAnnotations") or {}), expressions=tuple(exprs),
                 weight=int(spec.get("weight") or 0), weight_from=weight_from, template=template,
                 delete=bool(nxt.get("delete")), event=nxt.get("event"), finalizers=nxt.get("finalizers"),
                 unsupported=tuple(unsupported))


def load_stages(paths: Iterable[str | Path]) -> list[Stage]:
    """Every Pod ``Stage`` in the files (or the ``*.yaml`` files of the directories) given."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted(f for f in p.glob("*.yaml") if f.name != "kustomization.yaml")
        elif p.exists():
            files.append(p)
        else:
            raise KwokError(f"{p}: no such file or directory")
    stages: list[Stage] = []
    for f in files:
        try:
            docs = list(yaml.safe_load_all(f.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as e:
            raise KwokError(f"{f}: cannot read: {e}") from None
        except yaml.YAMLError as e:
            raise KwokError(f"{f}: not valid YAML: {getattr(e, 'problem', None) or e}") from None
        for doc in docs:
            if isinstance(doc, Mapping) and doc.get("kind") == "Stage":
                s = _stage(doc, str(f))
                if s is not None:
                    stages.append(s)
    if not stages:
        raise KwokError(f"no Pod Stage resources in {', '.join(map(str, paths))}")
    return stages


def initial_pod(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The Pod as the API server holds it after create and bind (what KWOK sees first).

    A Job, Deployment, ... manifest gives its template's pod, owned by that kind of object
    (KWOK's ``pod-complete`` selects pods owned by a Job).
    """
    if not isinstance(manifest, Mapping):
        raise KwokError("expected a Pod or workload manifest")
    kind = manifest.get("kind", "Pod")
    meta = dict(manifest.get("metadata") or {})
    if kind == "Pod":
        spec = copy.deepcopy(manifest.get("spec") or {})
        owners = meta.get("ownerReferences") or []
    else:
        tpl = (manifest.get("spec") or {}).get("template") or {}
        if kind == "CronJob":
            tpl = (((manifest.get("spec") or {}).get("jobTemplate") or {}).get("spec") or {}).get("template") or {}
        if not tpl:
            raise KwokError(f"a {kind} without spec.template")
        spec = copy.deepcopy(tpl.get("spec") or {})
        owner = "Job" if kind in ("Job", "CronJob") else ("ReplicaSet" if kind == "Deployment" else kind)
        owners = [{"apiVersion": "batch/v1" if owner == "Job" else "apps/v1", "kind": owner,
                   "name": meta.get("name", "owner"), "uid": "owner-uid", "controller": True}]
        meta = {**(tpl.get("metadata") or {}), "name": f"{meta.get('name', 'pod')}-x1"}
    if not isinstance(spec.get("containers"), list) or not spec["containers"]:
        raise KwokError("the pod has no spec.containers")
    name = str(meta.get("name") or "pod")
    meta.update(name=name, namespace=meta.get("namespace") or "default", uid=f"kwok-lint-{name}",
                resourceVersion="1", creationTimestamp=_now(0))
    if owners:
        meta["ownerReferences"] = owners
    spec.setdefault("nodeName", NODE)
    spec.setdefault("restartPolicy", "Always")
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec,
            "status": {"phase": "Pending", "qosClass": "BestEffort",
                       "conditions": [{"type": "PodScheduled", "status": "True", "lastTransitionTime": _now(0)}]}}


# ----------------------------------------------------------------------------- matching
def _matches_set(selector: Mapping[str, str], values: Mapping[str, Any] | None) -> bool:
    values = values or {}
    return all(values.get(k) == v for k, v in selector.items())


def _requirement(stages: list, op: str, values: tuple[str, ...], pod: Mapping[str, Any]) -> bool:
    data = jq.run(stages, pod)

    def has(vs: tuple[str, ...]) -> bool:
        for d in data:
            if isinstance(d, bool):
                d = "true" if d else "false"
            elif isinstance(d, int):
                d = str(d)
            if isinstance(d, str) and d in vs:
                return True
        return False

    if op == "In":
        return has(values)
    if op == "NotIn":
        return not has(values)
    if op == "Exists":
        return bool(data)
    return not data


def matches(stage: Stage, pod: Mapping[str, Any]) -> bool:
    meta = pod.get("metadata") or {}
    return (_matches_set(stage.labels, meta.get("labels")) and _matches_set(stage.annotations, meta.get("annotations"))
            and all(_requirement(q, op, vs, pod) for _, q, op, vs in stage.expressions))


def _weight(stage: Stage, pod: Mapping[str, Any]) -> int:
    if stage.weight_from is not None:
        for v in jq.run(stage.weight_from, pod):
            try:
                return int(v)
            except (TypeError, ValueError):
                pass
    return stage.weight


def candidates(stages: list[Stage], pod: Mapping[str, Any]) -> list[Stage]:
    """The stages KWOK may apply next (``Lifecycle.ListAllPossible``)."""
    found = [(s, _weight(s, pod)) for s in stages if not s.unsupported and matches(s, pod)]
    if any(w > 0 for _, w in found):
        return [s for s, w in found if w > 0]
    return [s for s, w in found if w >= 0]


# ----------------------------------------------------------------------------- applying
def _now(step: int) -> str:
    return f"2024-01-01T00:{step // 60:02d}:{step % 60:02d}Z"


def _funcs(step: int, address: bool) -> dict[str, Any]:
    node = NODE_IP if address else ""
    pod = POD_IP if address else ""
    return {"Now": lambda: _now(step), "NodeIPWith": lambda *a: node,
            "PodIPWith": lambda node_name, host_network, *a: node if gotemplate.is_true(host_network) else pod,
            "NodeIPsWith": lambda *a: [node] if node else [],
            "PodIPsWith": lambda node_name, host_network, *a: ([node] if node else []) if gotemplate.is_true(host_network)
            else ([pod] if pod else [])}


_MERGE_KEYS = {"conditions": "type", "podIPs": "ip", "hostIPs": "ip"}


def _merge_list(old: list, new: list, key: str) -> list:
    out = [dict(x) for x in old]
    for item in new:
        for k, cur in enumerate(out):
            if cur.get(key) == item.get(key):
                out[k] = _merge_map(cur, item)
                break
        else:
            out.append(item)
    return out


def _merge_map(old: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """Strategic merge of ``patch`` into ``old`` for PodStatus (k8s.io/api core/v1 types.go tags)."""
    out = dict(old)
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        elif k in _MERGE_KEYS and isinstance(v, list) and isinstance(out.get(k), list):
            out[k] = _merge_list(out[k], v, _MERGE_KEYS[k])
        elif isinstance(v, dict) and isinstance(out.get(k), dict) and k not in ("state", "lastState"):
            out[k] = _merge_map(out[k], v)
        else:
            out[k] = v
    return out


def _omitempty(v: Any) -> Any:
    """What the API server serves: nulls, empty strings and empty lists of optional (``omitempty``)
    fields are dropped."""
    if isinstance(v, dict):
        return {k: _omitempty(x) for k, x in v.items() if x is not None and x != "" and x != []}
    if isinstance(v, list):
        return [_omitempty(x) for x in v]
    return v


class StageFailure(Exception):
    """The stage cannot be applied to this pod (its template fails, as it would in KWOK)."""


def apply(stage: Stage, pod: Mapping[str, Any], step: int, *, address: bool = True) -> dict[str, Any] | None:
    """The pod after ``stage``'s ``next`` (None: deleted)."""
    new = copy.deepcopy(dict(pod))
    meta = new.setdefault("metadata", {})
    if stage.finalizers:
        current = list(meta.get("finalizers") or [])
        if stage.finalizers.get("empty"):
            current = []
        for f in stage.finalizers.get("remove") or []:
            current = [x for x in current if x != f.get("value")]
        for f in stage.finalizers.get("add") or []:
            if f.get("value") not in current:
                current.append(f.get("value"))
        if current:
            meta["finalizers"] = current
        else:
            meta.pop("finalizers", None)
    if stage.delete:
        if not meta.get("finalizers"):
            return None
        meta.setdefault("deletionTimestamp", _now(step))
        meta.setdefault("deletionGracePeriodSeconds", 0)
    if stage.template:
        try:
            text = gotemplate.render(stage.template, pod, _funcs(step, address))
            patch = yaml.safe_load(text) or {}
        except gotemplate.TemplateError as e:
            raise StageFailure(f"its statusTemplate fails: {e}") from None
        except yaml.YAMLError as e:
            raise StageFailure(f"its statusTemplate renders invalid YAML: {getattr(e, 'problem', None) or e}") from None
        if not isinstance(patch, dict):
            raise StageFailure("its statusTemplate does not render a mapping")
        new["status"] = _omitempty(_merge_map(new.get("status") or {}, patch))
    return new


def _key(pod: Mapping[str, Any] | None) -> str:
    """The pod without its times (two states that differ only by when are one state)."""
    def strip(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items() if k not in (
                "lastTransitionTime", "lastProbeTime", "startedAt", "finishedAt", "startTime", "resourceVersion",
                "deletionTimestamp", "creationTimestamp")}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v
    return json.dumps(strip(pod), sort_keys=True)


# ----------------------------------------------------------------------------- linting
@dataclass
class Finding:
    """A violation the oracle found, with the stage (or client action) whose update showed it."""

    id: str
    stage: str
    source: str | None
    message: str
    path: list[str]
    index: int
    pods: list[dict[str, Any]] = field(repr=False, default_factory=list)
    ip: str = "address"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "stage": self.stage, "source": self.source, "message": self.message,
                "path": self.path, "index": self.index, "ip": self.ip}


@dataclass
class LintResult:
    stages: list[Stage]
    pod: dict[str, Any]
    findings: list[Finding]
    failures: list[dict[str, str]]
    lifecycles: int
    ends: list[dict[str, Any]]
    cut: bool

    @property
    def unsupported(self) -> list[Stage]:
        return [s for s in self.stages if s.unsupported]

    @property
    def complete(self) -> bool:
        return not self.cut and not self.unsupported

    def to_dict(self) -> dict[str, Any]:
        return {"ok": not self.findings and self.complete, "complete": self.complete,
                "findings": [f.to_dict() for f in self.findings],
                "failures": self.failures, "lifecycles": self.lifecycles, "ends": self.ends, "cut": self.cut,
                "stages": [{"name": s.name, "source": s.source, "unsupported": list(s.unsupported)} for s in self.stages]}


def lint(stages: list[Stage], manifest: Mapping[str, Any], *, deletes: bool = True, ip: str = "both",
         max_steps: int = MAX_STEPS) -> LintResult:
    """Explore every lifecycle ``stages`` can drive for ``manifest`` and check each with the oracle."""
    if ip not in ("both", "address"):
        raise ValueError(f"ip: expected 'both' or 'address', got {ip!r}")
    start = initial_pod(manifest)
    findings: dict[tuple, Finding] = {}
    failures: dict[tuple[str, str], dict[str, str]] = {}
    ends: dict[str, dict[str, Any]] = {}
    count = 0
    cut = False
    # depth-first over lifecycles: (pods so far, labels of the steps, the ip outcome used, keys on the path)
    # ``final``: None (go on), "deleted" (the object is gone) or "loop" (back to an earlier state)
    stack: list[tuple[list[dict[str, Any]], list[str], str | None, str, frozenset]] = [
        ([start], [], None, "address", frozenset({_key(start)}))]
    while stack:
        pods, labels, final, ipmode, seen = stack.pop()
        removed = final == "deleted"
        pod = pods[-1]
        nexts: list[tuple[dict[str, Any] | None, str, str]] = []
        if final is None and len(labels) < max_steps:
            for s in candidates(stages, pod):
                outcomes = [True, False] if (ip == "both" and s.uses_ips) else [True]
                for address in outcomes:
                    try:
                        new = apply(s, pod, len(labels) + 1, address=address)
                    except StageFailure as e:
                        failures.setdefault((s.name, str(e)), {"stage": s.name, "source": s.source, "message": str(e)})
                        continue
                    label = s.name if address else f"{s.name} (IP functions returned \"\")"
                    nexts.append((new, label, "address" if address else "empty"))
            meta = pod.get("metadata") or {}
            if deletes and not meta.get("deletionTimestamp"):
                deleted = copy.deepcopy(pod)
                deleted["metadata"]["deletionTimestamp"] = _now(len(labels) + 1)
                deleted["metadata"]["deletionGracePeriodSeconds"] = int(pod["spec"].get("terminationGracePeriodSeconds", 30))
                nexts.append((deleted, "client DELETE", "address"))
        elif final is None:
            cut = True
        extended = False
        for new, label, mode in nexts:
            mode = "empty" if "empty" in (mode, ipmode) else "address"
            if new is None:
                stack.append((pods, [*labels, label], "deleted", mode, seen))
                extended = True
                continue
            key = _key(new)
            if key == _key(pod):
                continue  # nothing visible changed: no watch event
            new["metadata"]["resourceVersion"] = str(len(pods) + 1)
            # back to a state of this lifecycle: checked up to here, nothing new beyond
            stack.append(([*pods, new], [*labels, label], "loop" if key in seen else None, mode, seen | {key}))
            extended = True
        if extended:
            continue
        count += 1
        last = pods[-1]
        end = "deleted" if removed else (last.get("status") or {}).get("phase", "?") + (", then again" if final == "loop" else "")
        ends.setdefault(" -> ".join(labels) or "(no stage applies)", {"path": labels, "end": end})
        events = [{"type": "ADDED" if k == 0 else "MODIFIED", "object": p} for k, p in enumerate(pods)]
        if removed:
            events.append({"type": "DELETED", "object": pods[-1]})
        verdict = check_trace(events)
        by_stage = {s.name: s for s in stages}
        first: dict[str, Any] = {}
        for v in verdict.violations:  # a state that stays wrong is reported again: blame its first step
            first.setdefault((v.id, v.container, v.field), v)
        for v in first.values():
            k = v.index
            step_label = labels[k - 1] if 0 < k <= len(labels) else "the Pod as created"
            if removed and k == len(pods):
                step_label = labels[-1]
            stage_name = step_label.split(" (")[0]
            fkey = (v.id, stage_name, v.container, v.field)
            old = findings.get(fkey)
            rank = (ipmode == "empty", len(labels))
            if old is None or rank < (old.ip == "empty", len(old.path)):
                src = by_stage[stage_name].source if stage_name in by_stage else None
                findings[fkey] = Finding(id=v.id, stage=step_label, source=src, message=v.message,
                                         path=labels[:k] if k else labels, index=k, pods=pods[:k + 1], ip=ipmode)
    return LintResult(stages=stages, pod=start, findings=sorted(findings.values(), key=lambda f: (f.stage, f.id)),
                      failures=list(failures.values()), lifecycles=count, ends=list(ends.values()), cut=cut)
