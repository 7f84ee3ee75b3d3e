"""The published Pod schema of a Kubernetes version, for every field of an observation.

`podmodel.oracle.validate` checks the fields the oracle reads, with the API server's
rules that no schema states (names that exist in the spec, unique statuses, enums the Go
types declare as plain strings, observedGeneration <= generation).  This module checks the
rest of the object against the official OpenAPI schema of the Kubernetes version in use,
as shipped per version by `kubernetes-validate
<https://github.com/willthames/kubernetes-validate>`_ (its ``*-local-strict`` JSON Schemas,
generated from ``api/openapi-spec`` of each release): every field's type (``image: 5``,
``ports[0].containerPort: "x"``), required fields (a container without ``name``),
``apiVersion: v1`` and ``kind: Pod``, and no field the version does not have
(``status.foo``).  The API server serialises only fields of its own types, so an unknown
field means the object was not returned by that version -- or was recorded on a newer one,
which the message says (``--kubernetes-version``).

One deliberate leniency: the schema's ``required`` lists are dropped.  They come from Go
fields without ``omitempty`` (``imageID``, ``ready``, ``restartCount``), which the API
server always writes, but which tools between it and the oracle drop when empty (the
Python client's ``to_dict``, objects rebuilt from simulator stages such as
``examples/traces/*.reconstructed.json``), and a missing field decodes to its zero value in
the API server itself.  The identities that must be present (``metadata.name``, a
container's ``name``, a condition's ``type``) are required by `podmodel.oracle.validate`.

Why this validator: ``jsonschema-rs`` (Rust) validates a 4 kB Pod against the whole
schema in about 3 microseconds, where the pure-Python ``jsonschema`` that
``kubernetes-validate`` itself uses takes milliseconds and ``fastjsonschema``'s generated
code about 75 microseconds (measured on this project's traces; ``benchmarks/oracle.py``).
The checker validates the whole object on every observation: its configuration cache is
keyed by what the lifecycle reads, so it cannot stand for "this spec was schema-checked".

>>> schema = pod_schema("1.35")
>>> pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
...        "spec": {"containers": [{"name": "c", "image": 5}]}, "status": {"phase": "Pending", "foo": 1}}
>>> [str(p) for p in schema.problems(pod)]  # doctest: +NORMALIZE_WHITESPACE
['spec.containers[0].image: expected a string (Kubernetes 1.35 Pod schema), got 5',
 "status: expected no field 'foo' (not in the Kubernetes 1.35 Pod schema; recorded on a newer version? see --kubernetes-version), got an object"]
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Mapping
from pathlib import Path
from typing import Any

try:
    import orjson as json
except ModuleNotFoundError:  # pragma: no cover - orjson is a dependency; json is the fallback
    import json  # type: ignore[no-redef]

from podmodel.model.gates import _version
from podmodel.oracle.validate import Problem, _show

#: The schema definitions a Pod's fields start from (the rest is what they reference).
_ROOTS = ("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "io.k8s.api.core.v1.PodSpec",
          "io.k8s.api.core.v1.PodStatus")
_SOURCE = "kubernetes-validate {dir}/pod-v1.json (OpenAPI core/v1 Pod of Kubernetes {version})"


class SchemaUnavailable(ValueError):
    """The installed ``kubernetes-validate`` has no schema for the version (a ValueError, so
    the commands report it in one line with exit 2, like an unknown version)."""


def _path(parts: Any) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "<object>"


class PodSchema:
    """The compiled Pod schema of one Kubernetes version (`pod_schema` caches one per version)."""

    def __init__(self, version: str) -> None:
        import jsonschema_rs

        self.version = version
        folder = f"v{version}.0-local-strict"
        try:
            # The package's data only: importing kubernetes_validate itself would pull in jsonschema.
            spec = importlib.util.find_spec("kubernetes_validate")
            if spec is None or not spec.submodule_search_locations:
                raise ModuleNotFoundError("kubernetes_validate is not installed")
            base = Path(list(spec.submodule_search_locations)[0]) / "kubernetes-json-schema" / folder
            pod = json.loads((base / "pod-v1.json").read_bytes())
            defs = json.loads((base / "_definitions.json").read_bytes())["$defs"]
        except (ModuleNotFoundError, FileNotFoundError, KeyError) as e:
            raise SchemaUnavailable(f"no Pod schema for Kubernetes {version} in the installed kubernetes-validate "
                                    f"({e}): pip install -U kubernetes-validate") from None
        self.source = _SOURCE.format(dir=folder, version=version)
        defs = _lenient(_reachable(defs, list(_ROOTS)))
        top = _lenient(pod)
        top["$defs"] = defs
        self._pod = jsonschema_rs.validator_for(top)

    def problems(self, pod: Mapping[str, Any]) -> list[Problem]:
        """Every schema problem of a whole Pod object (empty when it fits the schema)."""
        if self._pod.is_valid(pod):
            return []
        try:
            return [self._problem(e) for e in self._pod.iter_errors(pod)]
        except ValueError:  # jsonschema-rs words no error under a key that is not a string (a caller's dict)
            return [self._problem(e) for e in self._pod.iter_errors(_json_keys(pod))]

    def problems_but_spec(self, pod: Mapping[str, Any]) -> list[Problem]:
        """`problems`, for a Pod whose ``spec`` is known to fit the schema (the same object as in an
        observation that fitted it): only the other members are validated -- the schema's root is
        ``properties`` and ``additionalProperties: false``, so each member fits or not on its own --
        and, when one does not fit, the whole object is (the same problems, in the same words)."""
        if self._pod.is_valid({k: v for k, v in pod.items() if k != "spec"}):
            return []
        return self.problems(pod)

    def _problem(self, e: Any) -> Problem:
        where = _path(e.instance_path)
        kind = type(e.kind).__name__
        details = e.kind.as_dict()
        v = self.version
        if kind == "AdditionalProperties":
            names = ", ".join(repr(n) for n in details.get("unexpected", ()))
            return Problem(where, f"no field {names} (not in the Kubernetes {v} Pod schema; recorded on a newer "
                                  "version? see --kubernetes-version)", _show(e.instance))
        if kind == "Type":
            types = [t for t in details.get("types", ()) if t != "null"]
            names = {"string": "a string", "integer": "an integer", "boolean": "a boolean", "object": "an object",
                     "array": "a list", "number": "a number"}
            return Problem(where, f"{' or '.join(names.get(t, t) for t in types) or 'null'} (Kubernetes {v} Pod schema)",
                           _show(e.instance))
        if kind == "Enum":
            options = ", ".join(str(o) for o in details.get("options", ()) if o is not None)
            return Problem(where, f"one of {options} (Kubernetes {v} Pod schema)", _show(e.instance))
        return Problem(where, f"a value the Kubernetes {v} Pod schema allows ({e.message})", _show(e.instance))


_JSON_KEYS = {None: "null", True: "true", False: "false"}


def _json_key(k: Any) -> str:
    """One key as ``json.dumps`` writes it (``1 == True``: the literals are told apart by type)."""
    if isinstance(k, str):
        return k
    if k is None or isinstance(k, bool):
        return _JSON_KEYS[k]
    return str(k)


def _json_keys(o: Any) -> Any:
    """``o`` with every mapping key a string, as ``json.dumps`` writes keys (``2`` -> ``"2"``,
    ``True`` -> ``"true"``, ``None`` -> ``"null"``; any other key as its ``str``): a Pod built in
    Python may have keys JSON cannot carry, and the schema's problems are worded for the object
    as it would be sent."""
    if isinstance(o, Mapping):
        return {_json_key(k): _json_keys(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_json_keys(x) for x in o]
    return o


def _lenient(o: Any) -> Any:
    """The schema with ``/api/_definitions.json#/...`` references made local (``#/...``) and
    no ``required`` lists (see the module docstring)."""
    if isinstance(o, dict):
        return {k: (v.replace("/api/_definitions.json#", "#") if k == "$ref" and isinstance(v, str) else _lenient(v))
                for k, v in o.items() if not (k == "required" and isinstance(v, list))}
    if isinstance(o, list):
        return [_lenient(x) for x in o]
    return o


def _reachable(defs: dict, roots: list[str]) -> dict:
    """The definitions the roots reference, transitively (the Pod needs 130 of the 735)."""
    keep: dict = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in keep or name not in defs:
            continue
        keep[name] = defs[name]
        todo.extend(_refs(defs[name]))
    return keep


def _refs(o: Any):
    if isinstance(o, dict):
        for k, v in o.items():
            if k == "$ref" and isinstance(v, str) and "#/$defs/" in v:
                yield v.split("#/$defs/", 1)[1]
            else:
                yield from _refs(v)
    elif isinstance(o, list):
        for x in o:
            yield from _refs(x)


@functools.lru_cache(maxsize=None)
def pod_schema(version: str | None = None) -> PodSchema:
    """The compiled Pod schema of a Kubernetes version (``"1.35"``, ``"v1.34.2"``; default 1.35)."""
    return PodSchema(_version(version))
