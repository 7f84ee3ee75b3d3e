"""The keyed values' dense blocks (`podmodel.engines.compiled._Dense`): a step or state
predicate keyed by some counts and codes is looked up per element from a small block per
class (or hidden transition) instead of sorting the elements' keys.  The blocks are a
cache: with them or without them (`DENSE_BLOCK` 0), every value, verdict, violation and
witness is the same."""

import numpy as np
import pytest
from compiled_runs import recorded as _recorded  # (a sibling module of the tests)

from podmodel.engines import compiled, explore
from podmodel.model.properties import Property, properties_for
from podmodel.verifier.scenarios import SCENARIO_DIR, load_scenario
from podmodel.verifier.suite import scenario as named_scenario


def _model(name):
    path = SCENARIO_DIR / f"{name}.yaml"
    return (load_scenario(path) if path.exists() else named_scenario(name)).model()


def _user_steps(n: int) -> list[Property]:
    """Step properties outside the catalogue (keyed by every count and code)."""
    return [Property(f"no-step-to-{j}-2", "step", f"no transition raises container {j}'s count to 2", "test",
                     check=lambda m, s, a, t, j=j: not (t.containers[j].restart_count == 2
                                                        and s.containers[j].restart_count != 2))
            for j in range(n)]


@pytest.mark.parametrize("name", ["two-identical-apps", "always-i2s0a2-pdx", "onfailure-i1s1a3"])
def test_slot_numbers_the_digits_at_a_mask_without_gaps(name):
    """`_Digits.slot` is below `span`, and equal exactly where `key` (the digits at the
    mask's positions, the others zero) is equal, for every mask."""
    T = explore(_model(name), engine="compiled").space.tables
    d = compiled._Digits(T)
    assert d.slots
    rng = np.random.default_rng(7)
    size = 4000
    for rb in range(1 << T.n):
        lb = (rb * 5 + 3) % (1 << T.n)
        rbs, lbs = np.full(size, rb), np.full(size, lb)
        rr, ll = rng.integers(0, T.R, size), rng.integers(0, T.LB, size)
        got, key = d.slot(rbs, lbs, rr, ll), d.key(rbs, lbs, rr, ll)
        span = int(d.span(rbs[:1], lbs[:1])[0])
        assert span == (T.M + 1) ** bin(rb).count("1") * T.B ** bin(lb).count("1")
        assert got.min() >= 0 and got.max() < span
        _, a = np.unique(got, return_inverse=True)
        _, b = np.unique(key, return_inverse=True)
        assert (a.reshape(-1) == b.reshape(-1)).all()




@pytest.mark.parametrize("name", ["onfailure-i1s1a3", "two-identical-apps", "always-i2s0a2-pdx"])
def test_dense_blocks_give_the_values_the_sorted_keys_give(name, monkeypatch):
    """Every step predicate's value on every transition of a run, asked twice (the second
    time from the filled blocks), equals its value with the blocks off, where every keyed
    element goes through the sorted keys and the memo."""
    model = _model(name)
    props = [*properties_for(model), *_user_steps(len(model.specs))]
    steps = [p for p in props if p.kind == "step"]
    r, calls = _recorded(model, steps)
    T = r.space.tables

    def values(checks):
        out = []
        for e, rid, rr, ll in calls:
            table = np.ones(e.size, bool) if rid is None else rid < 0
            for p in steps:
                v_table, v_res = checks.ev[p.id]
                got = np.empty(e.size, bool)
                got[table] = v_table.values(e[table], rr[table], ll[table])
                if rid is not None and (~table).any():
                    got[~table] = v_res.values(rid[~table], rr[~table], ll[~table])
                out.append(got)
        return out

    dense = compiled._Checks(T, steps)
    first, again = values(dense), values(dense)
    blocks = sum(b.buf.n for pair in dense.ev.values() for v in pair for b in (v.kdense, v.hdense, v.odense) if b)
    monkeypatch.setattr(compiled, "DENSE_BLOCK", 0)
    plain = values(compiled._Checks(T, steps))
    assert blocks > 0  # the blocks were used
    assert all((a == b).all() and (a == c).all() for a, b, c in zip(first, again, plain))


@pytest.mark.parametrize("name", ["onfailure-i1s1a1-gdx", "two-identical-apps", "container-restart-rules"])
def test_runs_with_and_without_dense_blocks_agree(name, monkeypatch):
    """Verdicts, violations and witnesses (first in the readable engine's order) are the
    same with the blocks and without them."""
    model = _model(name)
    props = [*properties_for(model), *_user_steps(len(model.specs))]
    a = compiled.explore_compiled(model, properties=props, workers=1)
    monkeypatch.setattr(compiled, "DENSE_BLOCK", 0)
    b = compiled.explore_compiled(model, properties=props, workers=1)
    assert a.verdicts(fairness="strong") == b.verdicts(fairness="strong")
    assert {k: v.actions for k, v in a.violations.items()} == {k: v.actions for k, v in b.violations.items()}
    assert {k: v.actions for k, v in a.witnesses.items()} == {k: v.actions for k, v in b.witnesses.items()}


def test_own_masks_move_each_position_by_the_permutation():
    """`_Digits.own_masks`: bit ``k`` of the representative's mask is bit ``p[k]`` of the
    element's, for every permutation the run met and every mask."""
    T = explore(_model("two-identical-apps"), engine="compiled").space.tables
    assert len(T.perms) > 1
    d = compiled._Digits(T)
    masks = np.arange(1 << T.n)
    for pid, p in enumerate(T.perms):
        got_r, got_l = d.own_masks(np.full(masks.size, pid), masks, masks[::-1].copy())
        want = [sum(1 << p[k] for k in range(T.n) if m >> k & 1) for m in masks.tolist()]
        assert got_r.tolist() == want and got_l.tolist() == want[::-1]


@pytest.mark.parametrize("name", ["two-identical-apps", "onfailure-i1s1a3"])
def test_own_masks_keep_what_the_representative_reads(name):
    """An element's digits at its own masks (`own_masks`) determine its representative's
    digits at the representative's masks (counts and codes permuted by `Tables.to_rep`):
    what a value cached per class in the class's own order relies on."""
    T = explore(_model(name), engine="compiled").space.tables
    d = compiled._Digits(T)
    rng = np.random.default_rng(11)
    size = 20000
    for pid in range(1, len(T.perms)):
        rb, lb = rng.integers(1, 1 << T.n, 2)
        pids = np.full(size, pid)
        rr, ll = rng.integers(0, T.R, size), rng.integers(0, T.LB, size)
        own_rb, own_lb = d.own_masks(pids, np.full(size, rb), np.full(size, lb))
        own = d.slot(own_rb, own_lb, rr, ll)
        r2, l2 = T.to_rep(pids, rr, ll)
        rep = d.slot(np.full(size, rb), np.full(size, lb), r2, l2)
        order = np.argsort(own, kind="stable")
        same_own = own[order][1:] == own[order][:-1]
        assert (rep[order][1:][same_own] == rep[order][:-1][same_own]).all()
        assert len(np.unique(own)) == len(np.unique(rep))  # and the other way round
