"""The checking engines, behind one facade.

- `~podmodel.engines.facade`: `explore` picks the readable or the compiled engine and applies the limits
- `~podmodel.engines.search`: the readable search loop (pluggable frontier)
- `~podmodel.engines.compiled`: the compiled engine (packed states, successor tables derived from the model)
- `~podmodel.engines.hypothesis`: Hypothesis stateful testing, for models too big to enumerate
- `~podmodel.engines.analysis`: networkx analyses of an explored graph (liveness, stuck states, vacuity)
- `~podmodel.engines.symmetry`: interchangeable containers
- `~podmodel.engines.coverage`: which declared transitions a run exercised
- `~podmodel.engines.results`, `~podmodel.engines.exploration`: what the engines produce

Engines import the model (`podmodel.model`), never the verifier, renderers or command line.

>>> from podmodel.engines import explore
>>> from podmodel.verifier.scenarios import load_scenario, SCENARIO_DIR
>>> explore(load_scenario(SCENARIO_DIR / "single-never.yaml").model()).states
30
"""

from podmodel.engines.exploration import ExploreResult
from podmodel.engines.facade import bound_sensitivity, explore
from podmodel.engines.hypothesis import HypothesisResult, run_hypothesis
from podmodel.engines.results import (
    Counterexample,
    Progress,
    StateSpace,
    intern,
    state_diff,
)
from podmodel.engines.search import BFS, DFS, FRONTIERS, Frontier

__all__ = [
    "explore", "bound_sensitivity", "run_hypothesis", "HypothesisResult", "ExploreResult",
    "Counterexample", "Progress", "StateSpace", "intern", "state_diff", "FRONTIERS", "BFS", "DFS", "Frontier",
]
