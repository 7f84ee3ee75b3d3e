"""Counterexamples as ITF traces (the Informal Trace Format of Apalache and Quint).

ITF (Apalache ADR-015, https://apalache-mc.org/docs/adr/015adr-trace.html) is a JSON
object ``{"#meta", "vars", "states", "loop"}``; each state maps every variable to a value.
Values used here: strings, booleans, integers as JSON numbers (``{"#bigint": "n"}`` beyond 2**53), records (JSON
objects), maps ``{"#map": [[k, v], ...]}``, and the tagged unions Quint writes for its
sum types (``{"tag": "Some", "value": v}`` / ``{"tag": "Absent", "value": "U_OF_UNIT"}``).

Variables, one per product-state field (`podmodel.render.pods.state_data` names), plus
``mbt::actionTaken`` (the action that led to the state, ``"init"`` for the first) and
``mbt::nondetPicks`` (its parameters, each an option), which is how Quint's model-based
testing traces name them.  A liveness counterexample (a lasso) sets ``loop`` to the index
of the state the cycle returns to.

>>> from podmodel.model import Model
>>> from podmodel.model.config import PodConfig, ContainerSpec
>>> m = Model(PodConfig(containers=(ContainerSpec("app"),)))
>>> value(None), value(3), value({"a": 1})
({'tag': 'Absent', 'value': 'U_OF_UNIT'}, 3, {'a': 1})
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from podmodel.engines.results import Counterexample
from podmodel.model.actions import Action
from podmodel.model.product import Model
from podmodel.render.pods import state_data

#: An absent value.  Quint writes ``None`` as ``{"tag": "None", "value": {"#tup": []}}``, which
#: itf-py (0.5) cannot load (it makes a namedtuple called ``None``); so options here are the
#: sum type ``Some(v) | Absent``, ``Absent`` carrying Apalache's unit value.
#: ITF writes integers within JSON's safe range as numbers, others as ``{"#bigint": "n"}``
#: (itf-py cannot read a ``#bigint`` inside a sum type, and podmodel's integers are small).
SAFE = 2**53 - 1
NONE = {"tag": "Absent", "value": "U_OF_UNIT"}
#: State fields that may be absent (encoded as Quint options).
OPTIONAL = frozenset({"node", "stopReason", "exitCode", "reason", "lastExitCode"})


def value(v: Any, *, optional: bool = False) -> Any:
    """One Python value as an ITF value (``optional``: wrapped as ``Some``/``None``)."""
    if optional:
        return NONE if v is None else {"tag": "Some", "value": value(v)}
    if v is None:
        return NONE
    if isinstance(v, bool) or isinstance(v, str):
        return v
    if isinstance(v, int):
        return v if -SAFE <= v <= SAFE else {"#bigint": str(v)}
    if isinstance(v, dict):
        return {str(k): value(x, optional=k in OPTIONAL) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [value(x) for x in v]
    raise TypeError(f"no ITF encoding for {type(v).__name__}")


def _keyed(d: dict[str, Any]) -> dict[str, Any]:
    return {"#map": [[k, value(x)] for k, x in d.items()]}


def _state(model: Model, s, action: Action | None) -> dict[str, Any]:
    data = state_data(model, s)
    out: dict[str, Any] = {}
    for key, v in data.items():
        if key in ("containers", "readinessGates"):
            out[key] = {"#map": [[k, value(x, optional=key == "readinessGates")] for k, x in v.items()]}
        elif key == "conditions":
            out[key] = _keyed({c["type"]: {"status": c["status"], "reason": c["reason"]} for c in v})
        else:
            out[key] = value(v, optional=key in OPTIONAL)
    out["mbt::actionTaken"] = type(action).__name__ if action is not None else "init"
    picks = {f.name: getattr(action, f.name) for f in dataclasses.fields(action)} if action is not None else {}
    out["mbt::nondetPicks"] = {k: value(x, optional=True) for k, x in picks.items()}
    return out


def trace(model: Model, cx: Counterexample) -> dict[str, Any]:
    """The ITF document of ``cx``."""
    actions: list[Action | None] = [None, *cx.actions]
    states = list(cx.states)
    loop = None
    if cx.cycle:
        # the last cycle state is states[-1] again: the trace loops back to it
        states += list(cx.cycle_states[:-1])
        actions += list(cx.cycle[:-1])
        loop = len(cx.states) - 1
    elif cx.stutter:
        loop = len(cx.states) - 1
    body = [{"#meta": {"index": k}, **_state(model, s, a)} for k, (s, a) in enumerate(zip(states, actions))]
    doc: dict[str, Any] = {
        "#meta": {"format": "ITF", "format-description": "https://apalache-mc.org/docs/adr/015adr-trace.html",
                  "source": "podmodel explore", "description": f"{cx.property}: {cx.label}",
                  "pod": model.config.name},
        "states": body,
    }
    doc["vars"] = [k for k in body[0] if k != "#meta"] if body else []
    if loop is not None:
        doc["loop"] = loop
    return doc


def write_itf(path: str | Path, model: Model, cx: Counterexample) -> int:
    """Write `trace` to ``path``; returns the number of states."""
    doc = trace(model, cx)
    Path(path).write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    return len(doc["states"])
