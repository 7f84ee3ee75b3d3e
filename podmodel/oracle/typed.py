"""A typed check of an observation's members: "certainly valid", decided in C.

`podmodel.oracle.validate` (the API server's rules, hand-written) and
`podmodel.oracle.schema` (the published Pod schema, jsonschema-rs) word every problem of an
observation with its field path.  Most observations have none, and for those the two walk
every member of ``metadata`` and ``status`` in Python -- the largest part of the checker's
cost per observation on a large trace (``benchmarks/oracle.py``).

This module answers the yes/no question for the common case with `msgspec`: from the same
schema of the same Kubernetes version it generates msgspec ``Struct`` types (unknown fields
forbidden, ``null`` refused except for timestamps, int32/int64 ranges, and the constraints of
`~podmodel.oracle.validate` that a type can state: required and non-empty names, enums,
non-negative counts, a ``terminated`` state's required ``exitCode``), decodes the members'
*bytes* (the JSON Lines lane keeps them, `~podmodel.oracle.formats.Observation.members`) with
them, and checks in Python only the cross-field rules no type states (`cross_fields`:
names that exist in the spec and appear once, condition types once, at most one state
member, observedGeneration <= generation).

It is one-sided by construction: every type here is *at least as strict* as the schema and
the rules (a field the schema lets be ``null`` is refused here unless it is a timestamp; an
empty ``phase``, which the rules allow, is refused), so "accepted" implies that
`validate_pod` and the schema find nothing, and anything else -- refused, undecodable,
a member this module has no type for, a schema construct it does not translate -- goes to
those two, which word the problems exactly as before.  ``tests/test_oracle_typed.py``
checks the implication on the invalid-object corpus, on Hypothesis corruptions and on every
generated trace.

>>> typed = typed_pod("1.35")
>>> import msgspec
>>> members = lambda **kw: {k: msgspec.Raw(v.encode()) for k, v in kw.items()}
>>> names = ((), ("app",), ())
>>> typed.accepts(members(metadata='{"name":"p"}', status='{"phase":"Running","containerStatuses":[{"name":"app","restartCount":0}]}'), names)
True
>>> typed.accepts(members(metadata='{"name":"p"}', status='{"containerStatuses":[{"name":"app","restartCount":-1}]}'), names)
False
>>> typed.accepts(members(metadata='{"name":"p"}', status='{"containerStatuses":[{"name":"other"}]}'), names)
False
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
import orjson

from podmodel.model.gates import _version
from podmodel.oracle.formats import _WATCH_TYPES
from podmodel.oracle.schema import _lenient, _reachable
from podmodel.oracle.validate import CONDITION_STATUSES, INT32_MAX, INT64_MAX, PHASES

_UNSET = msgspec.UNSET
_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
_STATUS = "io.k8s.api.core.v1.PodStatus"
_TIME = "io.k8s.apimachinery.pkg.apis.meta.v1.Time"
_V1 = "io.k8s.api.core.v1."

_INT32 = Annotated[int, msgspec.Meta(ge=-(2**31), le=INT32_MAX)]
_INT64 = Annotated[int, msgspec.Meta(ge=-(2**63), le=INT64_MAX)]
_COUNT32 = Annotated[int, msgspec.Meta(ge=0, le=INT32_MAX)]
_COUNT64 = Annotated[int, msgspec.Meta(ge=0, le=INT64_MAX)]
_NAME = Annotated[str, msgspec.Meta(min_length=1)]

#: The rules of `podmodel.oracle.validate` a type states: (definition, property) -> (type, required).
#: Every other property gets the schema's type, never null (timestamps excepted).
_RULES: dict[tuple[str, str], tuple[Any, bool]] = {
    (_META, "name"): (_NAME, True),
    (_META, "generation"): (_COUNT64, False),
    (_META, "deletionGracePeriodSeconds"): (_COUNT64, False),
    (_STATUS, "phase"): (Literal[tuple(sorted(PHASES))], False),  # type: ignore[misc]
    (_STATUS, "observedGeneration"): (_COUNT64, False),
    (_V1 + "PodCondition", "type"): (_NAME, True),
    (_V1 + "PodCondition", "status"): (Literal[tuple(sorted(CONDITION_STATUSES))], True),  # type: ignore[misc]
    (_V1 + "PodCondition", "observedGeneration"): (_COUNT64, False),
    (_V1 + "ContainerStatus", "name"): (_NAME, True),
    (_V1 + "ContainerStatus", "restartCount"): (_COUNT32, False),
    (_V1 + "ContainerStateTerminated", "exitCode"): (_INT32, True),
    (_V1 + "ContainerStateTerminated", "signal"): (_INT32, False),
}


class Unsupported(ValueError):
    """A schema construct this module does not translate (then it offers no typed check)."""


class _Builder:
    def __init__(self, defs: dict) -> None:
        self.defs = defs
        self.structs: dict[str, Any] = {}
        self.building: set[str] = set()

    def ref(self, name: str) -> Any:
        if name == _TIME:
            return str | None  # metav1.Time: a zero time marshals as null
        if name in self.structs:
            return self.structs[name]
        if name in self.building:
            raise Unsupported(f"recursive definition {name}")
        d = self.defs.get(name)
        if d is None:
            raise Unsupported(f"no definition {name}")
        self.building.add(name)
        try:
            t = self.type_of(d, name)
        finally:
            self.building.discard(name)
        self.structs[name] = t
        return t

    def struct(self, schema: dict, name: str) -> Any:
        fields = []
        for prop, p in schema["properties"].items():
            rule = _RULES.get((name, prop))
            if rule is not None:
                t, required = rule
            else:
                t, required = self.type_of(p, f"{name}.{prop}"), False
            fields.append((prop, t) if required else (prop, t | msgspec.UnsetType, _UNSET))
        fields.sort(key=lambda f: len(f) == 3)  # required fields first
        if schema.get("additionalProperties", False) is not False:
            raise Unsupported(f"{name}: properties and additionalProperties")
        # gc=False: these objects hold no cycles, and untracked they cost the collector nothing
        return msgspec.defstruct(name.rsplit(".", 1)[-1], fields, kw_only=True, forbid_unknown_fields=True, gc=False)

    def type_of(self, p: dict, name: str) -> Any:
        if "$ref" in p:
            ref = p["$ref"]
            if not ref.startswith("#/$defs/"):
                raise Unsupported(f"{name}: reference {ref}")
            return self.ref(ref[len("#/$defs/"):])
        if "oneOf" in p:
            # Quantity: a string or a number (never null here)
            alts = [self.type_of(a, name) for a in p["oneOf"]]
            if sorted(map(repr, alts)) != sorted(map(repr, [float, str])):
                raise Unsupported(f"{name}: oneOf {p['oneOf']}")
            return str | float
        known = {"type", "description", "format", "items", "properties", "additionalProperties", "enum"}
        extra = {k for k in p if not k.startswith("x-kubernetes-")} - known
        if extra:
            raise Unsupported(f"{name}: {sorted(extra)}")
        types = p.get("type")
        types = [types] if isinstance(types, str) else list(types or [])
        types = [t for t in types if t != "null"]
        if len(types) != 1:
            raise Unsupported(f"{name}: type {p.get('type')}")
        t = types[0]
        if "enum" in p:
            values = tuple(v for v in p["enum"] if v is not None)
            if t != "string" or not values or not all(isinstance(v, str) for v in values):
                raise Unsupported(f"{name}: enum {p['enum']}")
            return Literal[values]  # type: ignore[valid-type]
        if t == "string":
            return str
        if t == "integer":
            return _INT32 if p.get("format") == "int32" else _INT64
        if t == "number":
            return float
        if t == "boolean":
            return bool
        if t == "array":
            return list[self.type_of(p.get("items") or {}, f"{name}[]")]  # type: ignore[misc]
        if t == "object":
            if "properties" in p:
                return self.struct(p, name)
            ap = p.get("additionalProperties", True)
            if ap is True:
                return dict[str, Any]
            if ap is False:
                return self.struct({"properties": {}}, name)
            return dict[str, self.type_of(ap, f"{name}{{}}")]  # type: ignore[misc]
        raise Unsupported(f"{name}: type {t}")


def cross_fields(meta: Any, status: Any, names: tuple) -> bool:
    """The rules of `~podmodel.oracle.validate.validate_status` that no type states."""
    if status is None:
        return True
    generation = meta.generation if meta is not None else _UNSET
    og = status.observedGeneration
    if og is not _UNSET and generation is not _UNSET and og > generation:
        return False
    conds = status.conditions
    if conds is not _UNSET:
        types: set = set()
        for c in conds:
            if c.type in types:
                return False
            types.add(c.type)
            cog = c.observedGeneration
            if cog is not _UNSET and generation is not _UNSET and cog > generation:
                return False
    for items, allowed in ((status.initContainerStatuses, names[0]), (status.containerStatuses, names[1]),
                           (status.ephemeralContainerStatuses, names[2])):
        if items is _UNSET:
            continue
        seen: set = set()
        for c in items:
            name = c.name
            if name in seen or name not in allowed:
                return False
            seen.add(name)
            for st in (c.state, c.lastState):
                if st is not _UNSET and (st.waiting is not _UNSET) + (st.running is not _UNSET) \
                        + (st.terminated is not _UNSET) > 1:
                    return False
    return True


class TypedPod:
    """The typed check of one Kubernetes version (`typed_pod` caches one per version)."""

    def __init__(self, version: str) -> None:
        spec = importlib.util.find_spec("kubernetes_validate")
        if spec is None or not spec.submodule_search_locations:
            raise Unsupported("kubernetes_validate is not installed")
        base = Path(list(spec.submodule_search_locations)[0]) / "kubernetes-json-schema" / f"v{version}.0-local-strict"
        pod = _lenient(orjson.loads((base / "pod-v1.json").read_bytes()))
        defs = _lenient(_reachable(orjson.loads((base / "_definitions.json").read_bytes())["$defs"], [_META, _STATUS]))
        props = pod["properties"]
        if pod.get("additionalProperties", True) is not False or set(props) != {"apiVersion", "kind", "metadata", "spec", "status"}:
            raise Unsupported(f"Pod schema of {version}: top level {sorted(props)}")
        if props["metadata"].get("$ref") != "#/$defs/" + _META or props["status"].get("$ref") != "#/$defs/" + _STATUS:
            raise Unsupported(f"Pod schema of {version}: metadata or status")
        b = _Builder(defs)
        self.version = version
        self._meta = msgspec.json.Decoder(b.ref(_META))
        self._status = msgspec.json.Decoder(b.ref(_STATUS))
        self._top = {k: msgspec.json.Decoder(b.type_of(props[k], k)) for k in ("apiVersion", "kind")}
        # The same types for a whole Pod object, its spec left undecoded (what `parts` decodes, in
        # one pass), and for a watch event carrying one: for the JSON Lines lane
        # (`podmodel.oracle.lines`), which reads a line with them before cutting it into members.
        unset = msgspec.UnsetType
        obj = msgspec.defstruct("PodObject", [
            ("apiVersion", self._top["apiVersion"].type | unset, _UNSET), ("kind", self._top["kind"].type | unset, _UNSET),
            ("metadata", self._meta.type | unset, _UNSET), ("spec", msgspec.Raw | unset, _UNSET),
            ("status", self._status.type | unset, _UNSET)], kw_only=True, forbid_unknown_fields=True, gc=False)
        #: Decoders of a line holding a Pod object, or a watch event ``{"type": str, "object": Pod}``,
        #: into Structs: ``metadata`` and ``status`` as `parts` decodes them, ``spec`` a ``msgspec.Raw``.
        self.object_decoder = msgspec.json.Decoder(obj)
        #: The event's ``type`` is one of the watch events that carry a Pod (`formats._WATCH_TYPES`;
        #: a ``BOOKMARK`` or ``ERROR`` line does not decode): one string object each, so comparing
        #: and hashing it is free.
        self.event_decoder = msgspec.json.Decoder(msgspec.defstruct(
            "PodEvent", [("type", Literal[_WATCH_TYPES]), ("object", obj)],  # type: ignore[valid-type]
            forbid_unknown_fields=True, gc=False))

    def accepts(self, members: dict, names: tuple) -> bool:
        """Whether the Pod whose top-level members' JSON bytes are ``members`` (``spec``
        excepted: the caller knows it valid, and ``names`` are its ``(init, app, ephemeral)``
        container names) certainly passes `~podmodel.oracle.validate.validate_pod` and the
        schema.  False means "not decided here", never "invalid"."""
        return self.decode(members, names) is not None

    def decode(self, members: dict, names: tuple) -> tuple[Any, Any] | None:
        """`accepts`, returning the decoded ``(metadata, status)`` (status None when absent)
        when it does, else None."""
        parts = self.parts(members)
        if parts is None or not cross_fields(parts[0], parts[1], names):
            return None
        return parts

    def parts(self, members: dict) -> tuple[Any, Any] | None:
        """The members decoded with the types, before the cross-field rules (`cross_fields`):
        ``(metadata, status)`` (status None when absent), or None when a type refuses them or
        there is no ``metadata``."""
        meta = status = None
        try:
            for k, raw in members.items():
                if k == "metadata":
                    meta = self._meta.decode(raw)
                elif k == "status":
                    status = self._status.decode(raw)  # null: refused, the full validation decides
                elif k != "spec":
                    dec = self._top.get(k)
                    if dec is None:
                        return None
                    dec.decode(raw)
        except (msgspec.ValidationError, msgspec.DecodeError):
            return None
        if meta is None:  # no metadata: no name
            return None
        return meta, status


@functools.lru_cache(maxsize=None)
def typed_pod(version: str | None = None) -> TypedPod | None:
    """The typed check of a Kubernetes version, or None when its schema uses a construct this
    module does not translate (then every observation goes to the full validation)."""
    try:
        return TypedPod(_version(version))
    except (Unsupported, FileNotFoundError, KeyError, TypeError):
        return None
