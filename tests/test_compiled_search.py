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


@pytest.mark.parametrize("cap", [None, 700])
def test_edges_and_depths_rebuilt_from_counts_are_the_models(cap):
    """The search keeps each expanded state's number of edges and each layer's size; the
    edges' sources and the depths rebuilt from them when it ends are the model's: every
    edge ``(u, a, v)`` has ``next_state(state(u), a) == state(v)``, sources in search order,
    each expanded state with exactly its successors that were numbered (all of them in a
    complete run), and each state one deeper than its parent."""
    model = load_scenario(SCENARIO_DIR / "two-init-two-app.yaml").model()
    r = compiled.explore_compiled(model, max_states=cap, workers=1)
    assert r.complete == (cap is None)
    sp = r.space
    src, dst, act = sp.edges()
    assert src.dtype == np.int32 and (np.diff(src) >= 0).all() and src.size == dst.size == act.size
    states = [sp.state(i) for i in range(r.states)]
    index = {s: i for i, s in enumerate(states)}
    for u, v, a in zip(src.tolist(), dst.tolist(), act.tolist()):
        assert model.next_state(states[u], sp.actions[a]) == states[v]
    expanded = int(src.max()) + 1
    for u in range(expanded if cap is None else expanded - 1):   # the last source may be cut mid-way
        want = sorted(index[t] for t in (model.next_state(states[u], a) for a in model.actions(states[u]))
                      if t in index)
        assert sorted(dst[src == u].tolist()) == want
    depth, parent = sp.depth, sp.parent
    assert depth.size == r.states and int(depth.max()) == r.depth
    assert all(depth[i] == (0 if parent[i] < 0 else depth[parent[i]] + 1) for i in range(r.states))
