"""The query language of ``podmodel explore --query``: a whitelisted expression over one state.

A query is a Python *expression* that is parsed (`ast.parse`), checked node by node
against a whitelist, and only then compiled and evaluated with no builtins at all.
Nothing outside the whitelist can be named, so a query cannot reach an object's
internals (``__class__``, ``__subclasses__()``, ``__globals__``), call a method, import,
or define a function.

What a query may name:

* the state's fields: ``phase``, ``binding``, ``node``, ``sandbox``, ``recreations``,
  ``termination``, ``stop_reason``, ``deletion``, ``gates``;
* ``containers``: container name -> its state, whose fields are ``machine``,
  ``exit_code``, ``reason``, ``last_exit_code``, ``restart_count``;
* ``spec``: container name -> its spec, whose fields are ``name``, ``kind``,
  ``restart_policy``, ``restart_rules`` (each with ``action``, ``operator``, ``values``),
  ``probes``;
* ``restart_policy`` (the pod's), and ``condition(type)`` ("True", "False" or None);
* the functions ``any``, ``all``, ``len``, ``sum``, ``min``, ``max``, ``sorted`` and,
  on ``containers`` and ``spec``, the methods ``values()``, ``keys()``, ``items()``;
* literals (strings, numbers, True, False, None, tuples, lists, sets), comparisons
  (``== != < <= > >= in not in is is not``), ``and``/``or``/``not``, ``+ - * // %``,
  ``x if c else y``, subscripts (``containers['app']``), and generator expressions and
  list/set comprehensions (``any(c.machine == 'Running' for c in containers.values())``).

Anything else -- another name, an attribute that is not one of the fields above, a call of
anything but the functions above, a lambda, a string longer than 1,000 characters, more
than 500 nodes -- is refused with a `QueryError` naming it, before anything runs.

>>> q = compile_query("containers['app'].machine == 'Waiting' and condition('Ready') is None")
>>> q.names
('condition', 'containers')
>>> compile_query("().__class__.__base__.__subclasses__()")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
podmodel.engines.query.QueryError: query refused: attribute '__subclasses__' is not a field a query may read (fields: ...)
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from podmodel.model.config import ContainerSpec, RestartRule
from podmodel.model.product import ContainerState, Model, PodState

#: The state's fields a query names directly.
STATE_FIELDS: tuple[str, ...] = ("phase", "binding", "node", "sandbox", "recreations", "termination", "stop_reason",
                                 "deletion", "gates")
#: Every name a query may use at top level.
NAMES: frozenset[str] = frozenset(STATE_FIELDS + ("containers", "spec", "restart_policy", "condition"))
#: The functions a query may call.
FUNCTIONS: Mapping[str, Callable[..., Any]] = {"any": any, "all": all, "len": len, "sum": sum, "min": min, "max": max,
                                               "sorted": sorted}
#: The attributes a query may read: the data fields of a container's state, spec and restart rule.
FIELDS: frozenset[str] = frozenset(ContainerState._fields) | frozenset(f.name for f in dataclasses.fields(ContainerSpec)) \
    | frozenset(f.name for f in dataclasses.fields(RestartRule))
#: Methods a query may call on ``containers`` and ``spec`` (plain dicts).
DICT_METHODS: frozenset[str] = frozenset({"values", "keys", "items"})

MAX_LENGTH = 1000
MAX_NODES = 500

_ALLOWED_NODES = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd, ast.BinOp, ast.Add, ast.Sub,
    ast.Mult, ast.FloorDiv, ast.Mod, ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn,
    ast.Is, ast.IsNot, ast.IfExp, ast.Constant, ast.Name, ast.Load, ast.Store, ast.Attribute, ast.Subscript, ast.Call,
    ast.Tuple, ast.List, ast.Set, ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.comprehension,
)


class QueryError(ValueError):
    """A query that is not valid or not allowed (a `ValueError`: the CLI reports it as bad input)."""


class Query:
    """A checked, compiled query: ``query(model, state) -> bool``.

    ``text`` is the query as given, ``names`` the top-level names it uses.
    """

    __slots__ = ("text", "names", "_code")

    def __init__(self, text: str, names: tuple[str, ...], code: Any) -> None:
        self.text, self.names, self._code = text, names, code

    def env(self, m: Model, s: PodState) -> dict[str, Any]:
        env: dict[str, Any] = {}
        for name in self.names:
            if name in STATE_FIELDS:
                env[name] = getattr(s, name)
            elif name == "containers":
                env[name] = dict(zip((c.name for c in m.specs), s.containers))
            elif name == "spec":
                env[name] = {c.name: c for c in m.specs}
            elif name == "restart_policy":
                env[name] = m.config.restart_policy
            elif name == "condition":
                env[name] = s.condition
        return env

    def __call__(self, m: Model, s: PodState) -> bool:
        globs = {"__builtins__": {}}
        globs.update(FUNCTIONS)
        try:
            return bool(eval(self._code, globs, self.env(m, s)))  # noqa: S307 - the AST was checked against the whitelist
        except Exception as e:  # a query is user input: report, never a traceback
            raise QueryError(f"query {self.text!r} failed: {type(e).__name__}: {e}") from None

    def __repr__(self) -> str:
        return f"compile_query({self.text!r})"


def compile_query(text: str) -> Query:
    """Parse and check a query; raise `QueryError` if it is malformed or names anything not allowed.

    >>> from podmodel.model.config import PodConfig, ContainerSpec
    >>> m = Model(PodConfig(containers=(ContainerSpec("app"),)))
    >>> compile_query("any(c.restart_count > 0 for c in containers.values())")(m, m.initial_states()[0])
    False
    >>> compile_query("__import__('os')")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    podmodel.engines.query.QueryError: query refused: name '__import__' is not one a query may use (allowed: ...)
    """
    if not isinstance(text, str):
        raise QueryError(f"a query is a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise QueryError(f"query refused: longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), "<query>", "eval")
    except SyntaxError as e:
        raise QueryError(f"bad query {text!r}: {e.msg}") from None
    except (ValueError, RecursionError, MemoryError) as e:
        raise QueryError(f"bad query {text!r}: {type(e).__name__}") from None
    names = _check(tree)
    return Query(text, tuple(sorted(names)), compile(tree, "<query>", "eval"))


def _check(tree: ast.Expression) -> set[str]:
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise QueryError(f"query refused: more than {MAX_NODES} syntax nodes")
    bound = {t.id for n in nodes if isinstance(n, ast.comprehension) for t in ast.walk(n.target) if isinstance(t, ast.Name)}
    used: set[str] = set()
    allowed_names = sorted(NAMES | set(FUNCTIONS))
    for node in nodes:
        if not isinstance(node, _ALLOWED_NODES):
            raise QueryError(f"query refused: {type(node).__name__} ({_snippet(node)}) is not allowed in a query")
        if isinstance(node, ast.Constant) and not (node.value is None or isinstance(node.value, (bool, int, float, str))):
            raise QueryError(f"query refused: constant {node.value!r} is not allowed")
    # names and attributes first (the clearest message), then calls
    nodes.sort(key=lambda n: isinstance(n, ast.Call))
    for node in nodes:
        if isinstance(node, ast.Name):
            if node.id in bound and node.id not in NAMES and node.id not in FUNCTIONS:
                continue
            if node.id not in NAMES and node.id not in FUNCTIONS:
                raise QueryError(f"query refused: name {node.id!r} is not one a query may use "
                                 f"(allowed: {', '.join(allowed_names)})")
            if isinstance(node.ctx, ast.Store):
                raise QueryError(f"query refused: {node.id!r} cannot be rebound")
            if node.id in NAMES:
                used.add(node.id)
        elif isinstance(node, ast.Attribute):
            if node.attr in DICT_METHODS:
                continue  # checked with its call below
            if node.attr not in FIELDS:
                raise QueryError(f"query refused: attribute {node.attr!r} is not a field a query may read "
                                 f"(fields: {', '.join(sorted(FIELDS))})")
        elif isinstance(node, ast.Call):
            if node.keywords:
                raise QueryError(f"query refused: keyword arguments ({_snippet(node)})")
            f = node.func
            if isinstance(f, ast.Name) and (f.id in FUNCTIONS or f.id == "condition"):
                continue
            if (isinstance(f, ast.Attribute) and f.attr in DICT_METHODS and isinstance(f.value, ast.Name)
                    and f.value.id in ("containers", "spec") and not node.args):
                continue
            raise QueryError(f"query refused: only {', '.join(sorted(FUNCTIONS))}, condition(type) and "
                             f"containers/spec .values()/.keys()/.items() may be called, not {_snippet(f)}")
    # a dict method named outside a call (e.g. `containers.values`) is refused
    called = {id(n.func) for n in nodes if isinstance(n, ast.Call)}
    for node in nodes:
        if isinstance(node, ast.Attribute) and node.attr in DICT_METHODS - FIELDS and id(node) not in called:
            raise QueryError(f"query refused: {node.attr} may only be called, as containers.{node.attr}()")
    return used


def _snippet(node: ast.AST) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # noqa: BLE001 - only for the message
        text = type(node).__name__
    return text if len(text) <= 60 else text[:57] + "..."
