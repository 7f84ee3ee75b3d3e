"""The compiled search's chunks (`podmodel.engines.compiled._chunks`): a layer's frontier
is tiled by chunks of at most `CHUNK` transitions, each as long as the bound allows (a
slice's leftover states go with the next slice's first ones), and a capped run cuts each
slice alone; what the search finds does not depend on the chunks."""

import numpy as np
import pytest

from podmodel.engines import compiled
from podmodel.verifier.scenarios import SCENARIO_DIR, load_scenario


def _model():
    return load_scenario(SCENARIO_DIR / "large" / "four-containers.yaml").model()


def _space(r) -> list:
    """What a run found, in its own numbering (the codes' values are not compared: they
    number core states in the order their rows were compiled)."""
    sp = r.space
    return ([a.tolist() for a in (sp.parent, sp.via, sp.depth, *sp.edges())],
            [sp.state(i) for i in range(0, r.states, 97)],
            r.states, r.transitions, r.complete, r.verdicts(fairness="strong"))


def _recording(monkeypatch):
    """Every layer's chunks as ``(lo, hi, transitions, degrees)``, and the slices' starts."""
    layers, slices = [], []
    real_chunks, real_rows = compiled._chunks, compiled.Tables.rows

    def chunks(size, T, core, l, rows, deg, room):
        layer = []
        layers.append((size, layer))
        slices.append([])
        for lo, hi in real_chunks(size, T, core, l, rows, deg, room):
            layer.append((lo, hi, int(deg[lo:hi].sum()), deg))
            yield lo, hi

    def rows(self, core, l):
        slices[-1].append(core.size)
        return real_rows(self, core, l)

    monkeypatch.setattr(compiled, "_chunks", chunks)
    monkeypatch.setattr(compiled.Tables, "rows", rows)
    return layers, slices


@pytest.mark.parametrize("cap", [None, 30_000])
def test_chunks_tile_each_layer_as_long_as_allowed(monkeypatch, cap):
    """Small chunks and slices (`CHUNK` 1000 transitions, `SLICE` 300 states): each layer
    is tiled in order; a chunk has at most `CHUNK` transitions (or one state); without a
    cap a chunk stops only where the next state would pass `CHUNK` or the layer ends, across
    slices; with one, every slice ends a chunk (the cap is read before each slice)."""
    monkeypatch.setattr(compiled, "CHUNK", 1000)
    monkeypatch.setattr(compiled, "SLICE", 300)
    layers, slices = _recording(monkeypatch)
    r = compiled.explore_compiled(_model(), max_states=cap, workers=1)
    assert r.complete == (cap is None)
    across = 0
    for (size, layer), sl in zip(layers, slices):
        if r.complete:
            assert layer and layer[0][0] == 0 and layer[-1][1] == size
        bounds = {0, *np.cumsum(sl).tolist()}   # where the slices begin and end
        for k, (lo, hi, n, deg) in enumerate(layer):
            assert lo < hi and (n <= 1000 or hi == lo + 1)
            if k + 1 < len(layer):
                assert layer[k + 1][0] == hi
                if cap is None:
                    assert n + int(deg[hi]) > 1000   # the next state would not have fitted
                else:
                    assert n + int(deg[hi]) > 1000 or hi in bounds
            across += any(lo < b < hi for b in bounds)   # a chunk across two slices
    if cap is None:
        assert across > 10
    else:
        assert across == 0


def test_what_the_search_finds_does_not_depend_on_the_chunks(monkeypatch):
    """States, parents, actions, depths, edges and verdicts are the same with the default
    chunks and slices (every state expanded with all the model's transitions) as with small
    ones (leftovers carried across many slices)."""
    from podmodel.model.properties import properties_for

    model = _model()
    props = properties_for(model)
    r = compiled.explore_compiled(model, properties=props, workers=1)
    src = r.space.edges()[0]
    for i in range(0, r.states, 997):   # every state expanded, with all its transitions
        assert np.count_nonzero(src == i) == len(model.actions(r.space.state(i)))
    want = _space(r)
    monkeypatch.setattr(compiled, "CHUNK", 777)
    monkeypatch.setattr(compiled, "SLICE", 100)
    assert _space(compiled.explore_compiled(model, properties=props, workers=1)) == want
