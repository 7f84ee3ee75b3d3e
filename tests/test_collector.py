"""explore() runs with fewer garbage collections and gives the caller's thresholds back."""

import gc

import pytest

from podmodel.engines import explore
from podmodel.model.collector import GC_THRESHOLDS
from podmodel.model.properties import Property
from podmodel.verifier.scenarios import SCENARIO_DIR, load_scenario


@pytest.mark.parametrize("engine", ["readable", "compiled", "auto"])
def test_explore_runs_with_the_thresholds_and_restores_them(engine):
    seen = set()
    spy = Property("spy", "always", "records the collector's thresholds", "test",
                   lambda m, s: seen.add(gc.get_threshold()) or True)
    model = load_scenario(SCENARIO_DIR / "single-always.yaml").model()
    before = (701, 11, 12)
    old = gc.get_threshold()
    gc.set_threshold(*before)
    try:
        r = explore(model, properties=[spy], engine=engine)
        assert gc.get_threshold() == before
    finally:
        gc.set_threshold(*old)
    assert r.complete and r.violations == {}
    assert seen == {GC_THRESHOLDS}
