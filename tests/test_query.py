"""`podmodel explore --query`: a whitelisted expression language, never eval of arbitrary Python."""

from __future__ import annotations

import pytest

from podmodel.engines import analysis
from podmodel.engines.query import FIELDS, NAMES, QueryError, compile_query
from podmodel.model import Model
from podmodel.model.config import ContainerSpec, PodConfig

MODEL = Model(PodConfig(containers=(ContainerSpec("app"),), restart_policy="OnFailure"))
STATE = MODEL.initial_states()[0]

ESCAPES = [
    "().__class__.__base__.__subclasses__()",
    "[c for c in ().__class__.__base__.__subclasses__() if c.__name__ == 'Popen'][0]('id')",
    "__import__('os').system('id')",
    "condition.__self__",
    "condition.__globals__",
    "phase.format",
    "'{0.__class__}'.format(phase)",
    "containers['app'].__class__",
    "containers['app']._replace(machine='x')",
    "containers['app'].count('Waiting')",
    "spec['app'].__init__",
    "(lambda: 1)()",
    "eval('1')",
    "open('/etc/passwd')",
    "getattr(phase, 'upper')()",
    "type(phase)",
    "[x for x in containers.values.__self__]",
    "containers.items",
    "phase.upper()",
    "any(phase.join(x) for x in 'ab')",
    "b'bytes' == phase",
    "(x := 1)",
    "f'{phase}'",
    "len(containers, key=1)",
    "'a' * 10**9",
    "phase" + " and phase" * 400,
]


@pytest.mark.parametrize("text", ESCAPES)
def test_escapes_are_refused_before_running(text):
    with pytest.raises(QueryError, match="refused|bad query"):
        compile_query(text)


def test_the_cli_path_refuses_them_too():
    with pytest.raises(ValueError, match="refused"):
        analysis.query("().__class__.__base__.__subclasses__()")


@pytest.mark.parametrize("text, expected", [
    ("phase == 'Pending'", True),
    ("containers['app'].machine == 'Waiting' and condition('Ready') is None", True),
    ("any(c.restart_count > 0 for c in containers.values())", False),
    ("all(s.kind == 'app' for s in spec.values())", True),
    ("restart_policy == 'OnFailure' and 'app' in containers", True),
    ("len([n for n, c in containers.items() if c.exit_code is None]) == 1", True),
    ("spec['app'].restart_rules == () and recreations + 1 == 1", True),
    ("phase in ('Running', 'Succeeded') or not binding", False),
])
def test_allowed_queries_evaluate(text, expected):
    assert compile_query(text)(MODEL, STATE) is expected


def test_every_documented_name_is_usable():
    for name in sorted(NAMES - {"condition"}):
        compile_query(f"{name} == {name}")(MODEL, STATE)
    for field in sorted(FIELDS):
        compile_query(f"containers['app'].{field} is None or True")


def test_a_failing_query_is_a_clean_error():
    with pytest.raises(QueryError, match="failed: KeyError"):
        compile_query("containers['nope'].machine == 'Ready'")(MODEL, STATE)
