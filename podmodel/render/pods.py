"""Counterexamples as data: structured states and actions, and the Pod objects a path shows.

A counterexample found by ``podmodel explore`` is a path through the product model.  This
module turns it into values other tools can read:

* `action_data` / `state_data`: plain JSON values (no Python ``repr``) for ``explore --json``;
* `counterexample_pods`: the sequence of Pod objects an observer of the API would see along
  the path (the model's projection, `podmodel.model.projection.to_pod`), one per state, with
  a ``resourceVersion`` that grows by one per object.  ``podmodel check-trace`` reads the file
  ``explore --counterexample-pods FILE`` writes, so a violation found in the model can be
  replayed against an implementation, a simulator or the oracle.

What the oracle can see of a path is what the API shows: a violation that lies only in
hidden state (e.g. the kubelet starting a container of a pod being deleted, when no status
shows it) yields a legal-looking trace.  ``docs/explorer.md`` lists which seeded bugs the
oracle flags from their counterexample's Pods.

>>> from podmodel.model import Model
>>> from podmodel.model.config import PodConfig, ContainerSpec
>>> from podmodel.model.actions import SchedulerBind
>>> m = Model(PodConfig(containers=(ContainerSpec("app"),)))
>>> action_data(SchedulerBind("node-1"))
{'action': 'SchedulerBind', 'actor': 'scheduler', 'node': 'node-1'}
>>> state_data(m, m.initial_states()[0])["phase"]
'Pending'
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from podmodel.engines.results import Counterexample
from podmodel.model.actions import Action
from podmodel.model.product import Model, PodState


def action_data(action: Action) -> dict[str, Any]:
    """``{"action": class name, "actor": ..., field: value, ...}``."""
    out: dict[str, Any] = {"action": type(action).__name__, "actor": action.actor}
    for f in dataclasses.fields(action):
        out[f.name] = getattr(action, f.name)
    return out


def state_data(model: Model, s: PodState) -> dict[str, Any]:
    """A product state as plain data: containers and readiness gates keyed by name."""
    names = [c.name for c in model.config.all_containers]
    return {
        "phase": s.phase,
        "binding": s.binding,
        "node": s.node,
        "sandbox": s.sandbox,
        "recreations": s.recreations,
        "termination": s.termination,
        "stopReason": s.stop_reason,
        "deletion": s.deletion,
        "containers": {name: {"machine": c.machine, "exitCode": c.exit_code, "reason": c.reason,
                              "lastExitCode": c.last_exit_code, "restartCount": c.restart_count}
                       for name, c in zip(names, s.containers)},
        "readinessGates": {g: v for g, v in zip(model.config.readiness_gates, s.gates)},
        "conditions": [{"type": t, "status": st, "reason": r} for t, st, r in s.conditions],
    }


def path_states(cx: Counterexample) -> list[PodState]:
    """The states of the path: the prefix, then one turn of the cycle (if any)."""
    return [*cx.states, *cx.cycle_states]


def counterexample_data(model: Model, cx: Counterexample) -> dict[str, Any]:
    """The structured form of a counterexample: every state and action as plain data."""
    return {
        "property": cx.property,
        "kind": cx.label,
        "states": [state_data(model, s) for s in cx.states],
        "actions": [action_data(a) for a in cx.actions],
        "cycle": {"actions": [action_data(a) for a in cx.cycle],
                  "states": [state_data(model, s) for s in cx.cycle_states]} if cx.cycle else None,
        "stutter": cx.stutter,
    }


def counterexample_pods(model: Model, cx: Counterexample, *, uid: str = "podmodel-counterexample") -> list[dict[str, Any]]:
    """The Pod objects the API shows along ``cx`` (prefix, then one turn of the cycle).

    Consecutive states that show the same object (a step the API cannot see, e.g. a probe
    that changes nothing visible) give one object: a watcher would not get an event.
    """
    pods: list[dict[str, Any]] = []
    last = None
    for s in path_states(cx):
        pod = model.to_pod(s, uid=uid)
        key = json.dumps(pod, sort_keys=True)
        if key == last:
            continue
        last = key
        pod["metadata"]["resourceVersion"] = str(len(pods) + 1)
        pods.append(pod)
    return pods


def write_counterexample_pods(path: str | Path, model: Model, cx: Counterexample) -> int:
    """Write `counterexample_pods` as a JSON array (``check-trace``'s ``json-array``); returns the count."""
    pods = counterexample_pods(model, cx)
    Path(path).write_text(json.dumps(pods, indent=1) + "\n", encoding="utf-8")
    return len(pods)
