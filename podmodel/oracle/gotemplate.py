"""The subset of Go's ``text/template`` that KWOK's Stage templates use.

KWOK renders a Stage's ``statusTemplate`` with Go's text/template (kwok
``pkg/utils/gotpl``) and reads the result as YAML.  `podmodel lint-kwok` needs the same
output, so this module implements the part of the language those templates use, with Go's
semantics, and refuses everything else with `Unsupported` (never a silent misreading):

* text, actions ``{{ ... }}`` with the trim markers ``{{-`` / ``-}}``, comments ``{{/* */}}``;
* ``if`` / ``else if`` / ``else`` / ``end``, ``range PIPELINE``, ``range $x := ...``,
  ``range $i, $x := ...``, ``with PIPELINE`` (and its ``else``);
* variables ``$x := ...``, ``$x = ...``, ``$`` and ``$x.field``;
* fields ``.a.b`` on maps (a missing key is Go's zero value: nil, printed ``<no value>``),
  ``.``, string (``"..."``, raw backquoted), integer, ``true``/``false``/``nil`` literals,
  parenthesised pipelines, pipes ``|`` (the value becomes the last argument);
* functions: Go's ``and``, ``or``, ``not``, ``eq``, ``ne``, ``len``, ``index``; KWOK's
  ``Quote`` (JSON-quotes, ``gotpl/funcs.go``) and ``Now``; and the functions the caller
  passes (`podmodel.oracle.kwok` passes KWOK's ``NodeIPWith``, ``PodIPWith``,
  ``NodeIPsWith``, ``PodIPsWith``).

Truth follows Go (``text/template`` ``isTrue``): false, 0, nil, and empty strings, lists and
maps are false.  ``eq`` with a nil argument is false, as in Go's ``eq`` (``funcs.go``: values
of different kinds compare unequal unless both are valid).

>>> render('{{ range .items }}- {{ .name | Quote }}\\n{{ end }}', {"items": [{"name": "a"}, {"name": "b"}]})
'- "a"\\n- "b"\\n'
>>> render('{{ if eq .p "Always" }}yes{{ else }}no{{ end }}', {})
'no'
>>> render('{{ printf "%d" 1 }}', {})
Traceback (most recent call last):
...
podmodel.oracle.gotemplate.Unsupported: function printf is not supported (docs/kwok.md lists the template subset)
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


class TemplateError(ValueError):
    """The template fails as Go's would (e.g. ``index`` out of range)."""


class Unsupported(TemplateError):
    """The template uses something outside the supported subset."""


# ----------------------------------------------------------------------------- values
def is_true(v: Any) -> bool:
    """Go's ``isTrue``: the zero value and empty collections are false."""
    if v is None or v is False:
        return False
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return v != 0
    if isinstance(v, (str, list, tuple, dict)):
        return len(v) > 0
    return True


def show(v: Any) -> str:
    """How Go prints a value in template output."""
    if v is None:
        return "<no value>"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (str, int, float)):
        return str(v)
    raise Unsupported(f"printing a {type(v).__name__} value is not supported")


def quote(v: Any) -> str:
    """KWOK's ``Quote`` (gotpl/funcs.go): JSON encoding, strings as they are, others quoted again."""
    data = json.dumps(v, separators=(",", ":"))
    return data if data.startswith('"') else json.dumps(data)


def _index(v: Any, *keys: Any) -> Any:
    for k in keys:
        if v is None:
            raise TemplateError("error calling index: index of untyped nil")
        if isinstance(v, list):
            if not isinstance(k, int) or isinstance(k, bool) or not 0 <= k < len(v):
                raise TemplateError(f"error calling index: index out of range: {k}")
            v = v[k]
        elif isinstance(v, dict):
            v = v.get(k)
        else:
            raise TemplateError(f"error calling index: can't index item of type {type(v).__name__}")
    return v


def _eq(a: Any, *bs: Any) -> bool:
    if not bs:
        raise TemplateError("missing argument for comparison")
    for b in bs:
        if a is None or b is None:
            if a is None and b is None:
                return True
            continue
        if isinstance(a, bool) != isinstance(b, bool) or isinstance(a, str) != isinstance(b, str):
            raise TemplateError("error calling eq: incompatible types for comparison")
        if a == b:
            return True
    return False


def _len(v: Any) -> int:
    if isinstance(v, (str, list, dict)):
        return len(v)
    raise TemplateError(f"error calling len: len of {type(v).__name__}")


def _and(*args: Any) -> Any:
    for a in args:
        if not is_true(a):
            return a
    return args[-1]


def _or(*args: Any) -> Any:
    for a in args:
        if is_true(a):
            return a
    return args[-1]


BUILTINS: dict[str, Callable[..., Any]] = {
    "and": _and, "or": _or, "not": lambda v: not is_true(v), "eq": _eq,
    "ne": lambda a, b: not _eq(a, b), "len": _len, "index": _index, "Quote": quote,
}


# ----------------------------------------------------------------------------- parsing
_ACTION = re.compile(r"\{\{(-\s)?(.*?)(\s-)?\}\}", re.S)
_TOKEN = re.compile(r"""\s*(?:
    (?P<str>"(?:[^"\\]|\\.)*")|(?P<raw>`[^`]*`)|(?P<num>-?\d+)|
    (?P<decl>:=)|(?P<assign>=)|(?P<pipe>\|)|(?P<lp>\()|(?P<rp>\))|(?P<comma>,)|
    (?P<var>\$[A-Za-z0-9_]*)(?P<vfields>(?:\.[A-Za-z0-9_]+)*)|
    (?P<field>(?:\.[A-Za-z0-9_]+)+|\.)|
    (?P<ident>[A-Za-z_][A-Za-z0-9_]*))""", re.X)


def _tokens(src: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    src = src.strip()
    while pos < len(src):
        m = _TOKEN.match(src, pos)
        if not m or m.end() == pos:
            raise Unsupported(f"cannot read {src[pos:pos + 20]!r} in {{{{ {src} }}}}")
        kind = m.lastgroup if m.lastgroup != "vfields" else "var"
        if m.group("var") is not None:
            out.append(("var", m.group("var") + (m.group("vfields") or "")))
        else:
            out.append((kind, m.group(kind)))
        pos = m.end()
        while pos < len(src) and src[pos].isspace():
            pos += 1
    return out


@dataclass
class _Node:
    kind: str  # text, out, if, range, with, set
    text: str = ""
    pipe: list = field(default_factory=list)
    names: tuple[str, ...] = ()
    declare: bool = True
    body: list = field(default_factory=list)
    orelse: list = field(default_factory=list)


def _parse_pipeline(toks: list[tuple[str, str]]) -> list[list]:
    """A pipeline: a list of commands, each a list of operands."""
    cmds: list[list] = [[]]
    i = 0
    while i < len(toks):
        kind, val = toks[i]
        if kind == "pipe":
            cmds.append([])
        elif kind == "lp":
            depth, j = 1, i + 1
            while j < len(toks) and depth:
                depth += {"lp": 1, "rp": -1}.get(toks[j][0], 0)
                j += 1
            if depth:
                raise Unsupported("unbalanced parenthesis")
            cmds[-1].append(("sub", _parse_pipeline(toks[i + 1:j - 1])))
            i = j
            continue
        elif kind in ("str", "raw", "num", "field", "var", "ident"):
            cmds[-1].append((kind, val))
        else:
            raise Unsupported(f"unexpected {val!r}")
        i += 1
    if any(not c for c in cmds):
        raise Unsupported("empty command in pipeline")
    return cmds


def _decl(toks: list[tuple[str, str]]) -> tuple[tuple[str, ...], bool, list[tuple[str, str]]]:
    """``$a, $b := rest`` -> (names, declare, rest) or ((), True, toks)."""
    for k, (kind, _) in enumerate(toks):
        if kind in ("decl", "assign"):
            names = tuple(v for kd, v in toks[:k] if kd == "var")
            if not names or any(kd not in ("var", "comma") for kd, _ in toks[:k]):
                raise Unsupported("bad variable declaration")
            return names, kind == "decl", toks[k + 1:]
    return (), True, toks


def parse(src: str) -> list[_Node]:
    """The template's tree (raises `Unsupported` for anything outside the subset)."""
    pieces: list[tuple[str, str]] = []
    pos = 0
    for m in _ACTION.finditer(src):
        text = src[pos:m.start()]
        if m.group(1):
            text = text.rstrip()
        pieces.append(("text", text))
        pieces.append(("action", m.group(2)))
        pos = m.end()
        if m.group(3):
            while pos < len(src) and src[pos].isspace():
                pos += 1
    pieces.append(("text", src[pos:]))
    if "{{" in "".join(t for k, t in pieces if k == "text"):
        raise Unsupported("unterminated action")

    root: list[_Node] = []
    stack: list[tuple[_Node, list[_Node]]] = []
    cur = root
    for kind, text in pieces:
        if kind == "text":
            if text:
                cur.append(_Node("text", text))
            continue
        body = text.strip()
        if body.startswith("/*"):
            if not body.endswith("*/"):
                raise Unsupported("unterminated comment")
            continue
        toks = _tokens(body)
        if not toks:
            raise Unsupported("empty action")
        head = toks[0][1] if toks[0][0] == "ident" else None
        if head in ("if", "range", "with"):
            names, declare, rest = _decl(toks[1:])
            if names and head == "if":
                raise Unsupported("variables in if are not supported")
            node = _Node(head, pipe=_parse_pipeline(rest), names=names)
            cur.append(node)
            stack.append((node, cur))
            cur = node.body
        elif head == "else":
            if not stack:
                raise Unsupported("else without if/range/with")
            node, parent = stack[-1]
            if len(toks) > 1:
                if toks[1] != ("ident", "if") or node.kind != "if":
                    raise Unsupported(f"{{{{ {body} }}}} is not supported")
                inner = _Node("if", pipe=_parse_pipeline(toks[2:]))
                node.orelse = [inner]
                stack[-1] = (inner, parent)  # the chain's one `end` closes it
                cur = inner.body
                continue
            cur = node.orelse
        elif head == "end":
            if not stack:
                raise Unsupported("end without if/range/with")
            _, cur = stack.pop()
        elif head in ("template", "define", "block", "break", "continue"):
            raise Unsupported(f"{head} is not supported")
        else:
            names, declare, rest = _decl(toks)
            cur.append(_Node("set" if names else "out", pipe=_parse_pipeline(rest), names=names, declare=declare))
    if stack:
        raise Unsupported("missing end")
    _check(root)
    return root


def _check(nodes: list[_Node]) -> None:
    for n in nodes:
        for cmd in n.pipe:
            _check_cmd(cmd)
        _check(n.body)
        _check(n.orelse)


def _check_cmd(cmd: list) -> None:
    for k, (kind, val) in enumerate(cmd):
        if kind == "sub":
            for c in val:
                _check_cmd(c)
        elif kind == "ident" and val not in ("true", "false", "nil"):
            if k != 0:
                raise Unsupported(f"{val} used as an argument (call it in parentheses)")
            if val not in BUILTINS and val not in _CALLER_FUNCS:
                raise Unsupported(f"function {val} is not supported (docs/kwok.md lists the template subset)")


#: Functions that the caller may pass in `render`'s ``funcs`` (KWOK's, gotpl and pod_controller.go).
_CALLER_FUNCS = frozenset({"Now", "NodeIPWith", "PodIPWith", "NodeIPsWith", "PodIPsWith"})


# ----------------------------------------------------------------------------- rendering
def _field(v: Any, path: str) -> Any:
    for name in path.strip(".").split(".") if path.strip(".") else []:
        if v is None:
            raise TemplateError(f"nil pointer evaluating interface {{}}.{name}")
        if not isinstance(v, dict):
            raise TemplateError(f"can't evaluate field {name} in type {type(v).__name__}")
        v = v.get(name)
    return v


class _Scope:
    def __init__(self, root: Any, funcs: Mapping[str, Callable[..., Any]]) -> None:
        self.vars: list[dict[str, Any]] = [{"$": root}]
        self.funcs = {**BUILTINS, **funcs}

    def get(self, name: str) -> Any:
        for frame in reversed(self.vars):
            if name in frame:
                return frame[name]
        raise TemplateError(f"undefined variable: {name}")

    def set(self, name: str, value: Any, declare: bool) -> None:
        if declare:
            self.vars[-1][name] = value
            return
        for frame in reversed(self.vars):
            if name in frame:
                frame[name] = value
                return
        raise TemplateError(f"undefined variable: {name}")


def _operand(op: tuple[str, Any], dot: Any, scope: _Scope) -> Any:
    kind, val = op
    if kind == "str":
        return json.loads(val)
    if kind == "raw":
        return val[1:-1]
    if kind == "num":
        return int(val)
    if kind == "field":
        return _field(dot, val)
    if kind == "var":
        name, _, rest = val.partition(".")
        return _field(scope.get(name), rest)
    if kind == "sub":
        return _pipeline(val, dot, scope)
    if kind == "ident":
        if val in ("true", "false"):
            return val == "true"
        if val == "nil":
            return None
        return _call(val, [], scope)
    raise Unsupported(f"operand {val!r}")


def _call(name: str, args: list[Any], scope: _Scope) -> Any:
    fn = scope.funcs.get(name)
    if fn is None:
        raise Unsupported(f"function {name} is not supported (docs/kwok.md lists the template subset)")
    try:
        return fn(*args)
    except TypeError as e:
        raise TemplateError(f"wrong number of arguments for {name}: {e}") from None


def _pipeline(cmds: list[list], dot: Any, scope: _Scope) -> Any:
    value: Any = _NOTHING
    for cmd in cmds:
        first = cmd[0]
        extra = [] if value is _NOTHING else [value]
        if first[0] == "ident" and first[1] not in ("true", "false", "nil"):
            value = _call(first[1], [_operand(op, dot, scope) for op in cmd[1:]] + extra, scope)
        else:
            if len(cmd) > 1 or extra:
                raise TemplateError(f"can't give argument to non-function {first[1]}")
            value = _operand(first, dot, scope)
    return value


_NOTHING = object()


def _walk(nodes: list[_Node], dot: Any, scope: _Scope, out: list[str]) -> None:
    for n in nodes:
        if n.kind == "text":
            out.append(n.text)
        elif n.kind == "out":
            out.append(show(_pipeline(n.pipe, dot, scope)))
        elif n.kind == "set":
            scope.set(n.names[0], _pipeline(n.pipe, dot, scope), n.declare)
        elif n.kind in ("if", "with"):
            v = _pipeline(n.pipe, dot, scope)
            scope.vars.append({})
            if is_true(v):
                _walk(n.body, v if n.kind == "with" else dot, scope, out)
            else:
                _walk(n.orelse, dot, scope, out)
            scope.vars.pop()
        elif n.kind == "range":
            v = _pipeline(n.pipe, dot, scope)
            if v is None:
                items: list[tuple[Any, Any]] = []
            elif isinstance(v, list):
                items = list(enumerate(v))
            elif isinstance(v, dict):
                items = sorted(v.items())
            elif isinstance(v, int) and not isinstance(v, bool):
                items = [(k, k) for k in range(v)]
            else:
                raise TemplateError(f"range can't iterate over {v!r}")
            if not items:
                _walk(n.orelse, dot, scope, out)
            for k, item in items:
                frame: dict[str, Any] = {}
                if len(n.names) == 1:
                    frame[n.names[0]] = item
                elif len(n.names) == 2:
                    frame[n.names[0]], frame[n.names[1]] = k, item
                scope.vars.append(frame)
                _walk(n.body, item, scope, out)
                scope.vars.pop()


def render(src: str, data: Any, funcs: Mapping[str, Callable[..., Any]] | None = None) -> str:
    """Render ``src`` with ``data`` as dot (raises `Unsupported` or `TemplateError`)."""
    tree = parse(src)
    out: list[str] = []
    _walk(tree, data, _Scope(data, funcs or {}), out)
    return "".join(out)
