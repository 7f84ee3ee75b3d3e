"""The compiled engine's search, piece by piece against its reference computations
(`podmodel.engines.compiled`, `podmodel.engines.visited`): the faster paths must give
exactly what the slower ones give."""

import numpy as np
import pytest

from podmodel.engines import compiled, explore
from podmodel.verifier.scenarios import SCENARIO_DIR, load_scenario


@pytest.mark.parametrize("name", ["two-init-two-app", "deletion-grace", "container-restart-rules"])
def test_the_code_table_is_the_digit_arithmetic(name):
    """`Tables.apply_op`'s one table (built from the two split tables) gives `Tables._op`
    (arithmetic on the digits) for every code operation of a run and every codes value,
    and `op_one` agrees on a sample; the table is extended as operations appear."""
    T = explore(load_scenario(SCENARIO_DIR / f"{name}.yaml").model(), engine="compiled").space.tables
    assert len(T.ops) > 1 and T.LB > 1
    ops = np.repeat(np.arange(len(T.ops), dtype=np.int64), T.LB)
    codes = np.tile(np.arange(T.LB, dtype=np.int64), len(T.ops))
    assert (T.apply_op(codes, ops) == T._op(codes, ops)).all()
    for o, l in zip(ops[::97].tolist(), codes[::97].tolist()):
        assert T.apply_op(np.array([l]), np.array([o]))[0] == T.op_one(l, o)
    T.ops.append(tuple((compiled._COPY, (j + 1) % T.n) for j in range(T.n)))   # a new operation: a rotation
    top = len(T.ops) - 1
    l = np.arange(T.LB, dtype=np.int64)
    got = T.apply_op(l, np.full(T.LB, top, np.int64))
    assert len(T._op_table) == len(T.ops)
    assert (got == T._op(l, np.full(T.LB, top, np.int64))).all()
