"""The subset of jq that KWOK's Stage selectors use, with gojq's semantics as KWOK runs it.

KWOK evaluates each ``matchExpressions[].key`` with gojq (kwok
``pkg/utils/expression/query.go``, ``Query.Execute``): the results are collected, ``null``
results dropped, and any error makes the whole query yield nothing.  Supported:

* paths: ``.``, ``.a.b``, ``.a["key"]``, ``.["key"]``, ``.[]`` (also ``.a.[]``, ``.a[]``),
  ``.[N]``;
* pipes ``|`` and ``select( PATH == "literal" )`` / ``!=`` (string, number, true, false, null).

Anything else raises `Unsupported`.  jq's rules kept: ``.a`` of ``null`` is ``null``; ``.a``
of a list or a string, and ``.[]`` of ``null`` or a scalar, are errors.

>>> run('.status.conditions.[] | select( .type == "Ready" ) | .status',
...     {"status": {"conditions": [{"type": "Ready", "status": "True"}]}})
['True']
>>> run(".status.initContainerStatuses.[].state", {"status": {}})
[]
"""

from __future__ import annotations

import json
import re
from typing import Any


class Unsupported(ValueError):
    """A query outside the supported subset."""


class _Error(Exception):
    """A jq run-time error (the query then yields nothing, as in KWOK)."""


_STEP = re.compile(r"""\.?(?:
    (?P<name>[A-Za-z_][A-Za-z0-9_]*)|
    \[\s*(?P<key>"(?:[^"\\]|\\.)*")\s*\]|
    \[\s*(?P<idx>-?\d+)\s*\]|
    (?P<iter>\[\s*\]))""", re.X)
_SELECT = re.compile(r"""^select\s*\(\s*(?P<path>\.[^=!]*?)\s*(?P<op>==|!=)\s*(?P<lit>"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null)\s*\)$""")


def _split_pipes(src: str) -> list[str]:
    out, cur, quoted, k = [], "", False, 0
    while k < len(src):
        ch = src[k]
        if ch == "\\" and quoted:
            cur += src[k:k + 2]
            k += 2
            continue
        if ch == '"':
            quoted = not quoted
        if ch == "|" and not quoted:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
        k += 1
    out.append(cur.strip())
    return out


def _path(src: str) -> list[tuple[str, Any]]:
    src = src.strip()
    if not src.startswith("."):
        raise Unsupported(f"jq expression {src!r} is not supported (docs/kwok.md lists the subset)")
    if src == ".":
        return []
    steps, pos = [], 0
    while pos < len(src):
        m = _STEP.match(src, pos)
        if not m or m.end() == pos:
            raise Unsupported(f"jq expression {src!r} is not supported (docs/kwok.md lists the subset)")
        if m.group("name") is not None:
            steps.append(("key", m.group("name")))
        elif m.group("key") is not None:
            steps.append(("key", json.loads(m.group("key"))))
        elif m.group("idx") is not None:
            steps.append(("idx", int(m.group("idx"))))
        else:
            steps.append(("iter", None))
        pos = m.end()
    return steps


def parse(src: str) -> list[tuple[str, Any]]:
    """The query as a list of stages (``("path", steps)`` or ``("select", (steps, op, literal))``)."""
    stages = []
    for part in _split_pipes(src):
        m = _SELECT.match(part)
        if m:
            stages.append(("select", (_path(m.group("path")), m.group("op"), json.loads(m.group("lit")))))
        elif part.startswith("select"):
            raise Unsupported(f"jq expression {part!r} is not supported (docs/kwok.md lists the subset)")
        else:
            stages.append(("path", _path(part)))
    return stages


def _walk(steps: list[tuple[str, Any]], v: Any):
    if not steps:
        yield v
        return
    (kind, arg), rest = steps[0], steps[1:]
    if kind == "key":
        if v is None:
            yield from _walk(rest, None)
        elif isinstance(v, dict):
            yield from _walk(rest, v.get(arg))
        else:
            raise _Error(f"cannot index {type(v).__name__} with {arg!r}")
    elif kind == "idx":
        if v is None:
            yield from _walk(rest, None)
        elif isinstance(v, list):
            yield from _walk(rest, v[arg] if -len(v) <= arg < len(v) else None)
        else:
            raise _Error(f"cannot index {type(v).__name__} with a number")
    else:
        if isinstance(v, list):
            for x in v:
                yield from _walk(rest, x)
        elif isinstance(v, dict):
            for x in v.values():
                yield from _walk(rest, x)
        else:
            raise _Error(f"cannot iterate over {type(v).__name__}")


def _run(stages: list, v: Any):
    if not stages:
        yield v
        return
    (kind, arg), rest = stages[0], stages[1:]
    if kind == "path":
        for x in _walk(arg, v):
            yield from _run(rest, x)
    else:
        steps, op, lit = arg
        for x in _walk(steps, v):
            if (x == lit) == (op == "=="):
                yield from _run(rest, v)


def run(src: str | list, data: Any) -> list[Any]:
    """The non-null results of the query, or ``[]`` if it fails at run time (as KWOK does)."""
    stages = parse(src) if isinstance(src, str) else src
    try:
        return [x for x in _run(stages, data) if x is not None]
    except _Error:
        return []
