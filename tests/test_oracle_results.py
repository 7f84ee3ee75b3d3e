"""`podmodel.oracle.verdict.pod_result`: a `PodResult` made from its fields without the dataclass's
``__init__`` is the same result (equal, same fields, frozen), for any fields."""

from __future__ import annotations

import dataclasses
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from podmodel.oracle.verdict import PodResult, Violation, _field_setter, pod_result

_V = Violation("out-of-order", 7, "default", "web", "u1", None, "metadata.resourceVersion", "12", "11",
               "older resourceVersion (observation 7 is not compared with 5)", "API concepts")
_text = st.none() | st.text(max_size=8)
_fields = st.tuples(_text, _text, _text, st.integers(0, 9), st.integers(0, 99), st.integers(0, 99), st.integers(0, 9),
                    st.sampled_from([None, _V]), st.sampled_from([(), (("status.phase", "Running", "Pending"),)]),
                    st.none() | st.integers(0, 99), st.booleans(),
                    st.none() | st.dictionaries(st.text(max_size=4), st.integers(0, 9), max_size=3))


@given(_fields)
def test_a_result_made_from_its_fields_is_the_dataclasss_own(fields):
    made, plain = pod_result(*fields), PodResult(*fields)
    assert made == plain and repr(made) == repr(plain)
    if fields[-1] is None:  # (a coverage dict is not hashable, either way)
        assert hash(made) == hash(plain)
    assert list(made.__dict__.items()) == list(plain.__dict__.items())  # every field, in order
    assert tuple(getattr(made, f.name) for f in dataclasses.fields(PodResult)) == tuple(fields)
    assert pickle.loads(pickle.dumps(made)) == plain
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.violations = 1  # type: ignore[misc]


def test_a_dataclass_whose_init_does_more_than_set_its_fields_gets_no_setter():
    @dataclasses.dataclass(frozen=True)
    class Checked:
        a: int

        def __post_init__(self) -> None:  # pragma: no cover - never called here
            raise ValueError

    @dataclasses.dataclass(frozen=True)
    class Derived:
        a: int
        b: int = dataclasses.field(init=False, default=0)

    for cls in (Checked, Derived):
        with pytest.raises(TypeError, match="does more than set its fields"):
            _field_setter(cls)

    @dataclasses.dataclass(frozen=True)
    class Plain:
        a: int
        b: str = "x"

    assert _field_setter(Plain)(1, "y") == Plain(1, "y")
