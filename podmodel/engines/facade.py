"""The one way in to the checking engines: pick an engine, apply the limits.

`explore` explores a model exhaustively with the readable search loop
(`podmodel.engines.search`) or the compiled one (`podmodel.engines.compiled`), which
give the same states, numbering and counterexamples; `bound_sensitivity` explores again
with the bounds raised.  The Hypothesis engine (`podmodel.engines.hypothesis`) is the
other engine, for models too big to enumerate.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from podmodel.engines import analysis, compiled
from podmodel.model.collector import fewer_collections
from podmodel.engines.exploration import ExploreResult
from podmodel.engines.results import Progress, default_properties
from podmodel.engines.search import FRONTIERS, Frontier, search
from podmodel.engines.symmetry import Symmetry
from podmodel.model.bounds import _camel
from podmodel.model.product import Model
from podmodel.model.properties import KINDS, Property

#: ``engine="auto"`` (`auto_switches`): the readable engine's frontier must hold at least this
#: many states per state it has expanded for the compiled engine to take over.
AUTO_GROWTH = 1.0
#: ``podmodel explore``'s default state cap (``--max-states 0`` lifts it): about 1-2 GB
#: with the readable engine.  A run cut by it reports INCOMPLETE (exit 3), never OK.
DEFAULT_MAX_STATES = 2_000_000
#: ``podmodel explore``'s default memory guard, MB of peak resident memory (both engines).
DEFAULT_MEMORY_LIMIT = 4096


def auto_switches(states: int, expanded: int, frontier: int) -> bool:
    """``engine="auto"``'s rule, asked by the readable search every 512 expansions: hand
    the rest to the compiled engine when the frontier holds at least as many states as
    the search has expanded (`AUTO_GROWTH`), i.e. when the space is still growing at least
    as fast as the search goes through it.

    The compiled engine cannot take over a readable run: it starts again from the initial
    states, so a switch throws away what the readable engine did.  It pays when the rest
    of the space is large, and only then: the compiled engine's fixed cost (tables, NumPy
    per layer) makes it a little slower than the readable one below a few hundred to two
    thousand states, and just past any fixed switching size the thrown-away run is pure
    loss (that was `AUTO_SWITCH`, 2,000 states: ``auto`` was up to 1.4x slower than
    readable on the matrix pods of 2,000-2,500 states).  A growing frontier is the sign
    of a large rest: on every matrix pod of 3,500 states or more but two, the frontier
    outgrows the expanded states by the first check (512 expansions, 1,000-2,100 states
    seen), and on no pod below 3,500 states does it ever (benchmarks/README.md, "Choosing
    the engine").  A space that never grows that fast is explored by the readable engine
    to its end: ``auto`` is then exactly the readable engine, never slower.

    >>> auto_switches(1500, 512, 1000), auto_switches(1000, 512, 488), auto_switches(20, 0, 20)
    (True, False, True)
    """
    return frontier >= AUTO_GROWTH * expanded


def choose_engine(model: Model, *, frontier: str = "bfs", symmetry: bool = False,
                  probe: ExploreResult | None = None) -> str:
    """The engine ``explore(engine="auto")`` ends with: ``"readable"`` or ``"compiled"``.

    ``"readable"`` when the compiled engine does not apply (`compiled.unsupported`), or
    when a readable ``probe`` (``explore(engine="auto")``'s run, asked `auto_switches`)
    did not hand over (it finished, or a limit cut it); ``"compiled"`` otherwise.  Without
    a probe (``podmodel verify`` asks so: the suite's total is lowest with the compiled
    engine on every pod, docs/verify.md): ``"compiled"`` wherever it applies.

    >>> from podmodel.verifier.scenarios import load_scenario, SCENARIO_DIR
    >>> m = load_scenario(SCENARIO_DIR / "single-never.yaml").model()
    >>> choose_engine(m), choose_engine(m, symmetry=True), choose_engine(m, probe=explore(m, engine="readable"))
    ('compiled', 'readable', 'readable')
    """
    if compiled.unsupported(model, frontier=frontier, symmetry=symmetry) is not None:
        return "readable"
    if probe is not None and probe.stop_reason != "switch":
        return "readable"
    return "compiled"


def explore(
    model: Model,
    *,
    properties: Iterable[Property] | None = None,
    max_states: int | None = None,
    frontier: str | Callable[[], Frontier] = "bfs",
    symmetry: bool = False,
    progress: Callable[[Progress], None] | None = None,
    time_limit: float | None = None,
    engine: str = "auto",
    memory_limit: float | None = None,
    workers: int | None = None,
) -> ExploreResult:
    """Explore every state of ``model`` reachable from its initial states.

    Parameters
    ----------
    model : Model
        The product model (anything with ``initial_states``, ``actions``, ``next_state``).
    properties : iterable of Property, optional
        Properties to check; default: every catalogue property that applies to ``model``.
        ``always`` and ``step`` are checked on the fly, ``sometimes`` look for witnesses,
        ``eventually`` are decided afterwards by `ExploreResult.liveness`.
    max_states : int, optional
        Stop after this many distinct states (``complete`` is then False).
    frontier : {"bfs", "dfs"} or callable
        The search order, or a factory of an object with ``push``, ``pop``, ``len``.
        Only breadth-first search guarantees shortest counterexamples.
    symmetry : bool
        Keep one representative per orbit of interchangeable containers
        (`podmodel.engines.symmetry`); not combined with liveness.
    progress : callable, optional
        Called with a `Progress` about twice a second.
    time_limit : float, optional
        Stop after this many seconds (``complete`` is then False).  The limit also
        covers the graph analyses done later on the result (liveness): what they have
        not decided by then is ``unknown``.
    memory_limit : float, optional
        Stop the search (either engine) when the process' peak resident memory reaches
        this many MB (``stop_reason="memory"``).
    workers : int, optional
        Processes the compiled engine may use to compile its tables (default: 2 on a
        machine with 2 cores or more; 1 = this process only, as the verifier's workers do
        when they already keep every core busy).
    engine : {"auto", "readable", "compiled"}
        ``readable``: this loop over `PodState` values.  ``compiled``: the fast path of
        `podmodel.engines.compiled` (breadth-first, no symmetry, standard guards; same states,
        numbering and counterexamples).  ``auto``: ``readable`` while the space does not
        grow fast (`auto_switches`), then ``compiled`` from the start if it applies
        (`choose_engine`); the same states, numbering, verdicts and counterexamples.

    Returns
    -------
    ExploreResult

    Raises
    ------
    ValueError
        For an unknown frontier or engine, or a non-positive ``max_states``.

    Examples
    --------
    >>> from podmodel.model.config import PodConfig, ContainerSpec
    >>> r = explore(Model(PodConfig(containers=(ContainerSpec("app"),), restart_policy="OnFailure")), max_states=10)
    >>> r.states, r.complete, r.stop_reason
    (10, False, 'max_states')
    """
    if max_states is not None and (not isinstance(max_states, int) or max_states < 1):
        raise ValueError(f"max_states must be a positive integer, got {max_states!r}")
    if time_limit is not None and time_limit <= 0:
        raise ValueError(f"time_limit must be positive, got {time_limit!r}")
    if isinstance(frontier, str):
        if frontier not in FRONTIERS:
            raise ValueError(f"unknown frontier {frontier!r} (known: {', '.join(FRONTIERS)})")
        fname, make = frontier, FRONTIERS[frontier]
    elif callable(frontier):
        fname, make = getattr(frontier, "__name__", "custom").lower(), frontier
    else:
        raise ValueError(f"frontier must be a name or a factory, got {frontier!r}")
    if engine not in ("auto", "readable", "compiled"):
        raise ValueError(f"unknown engine {engine!r} (known: auto, readable, compiled)")
    props = tuple(default_properties(model) if properties is None else properties)
    for p in props:
        if p.kind not in KINDS:
            raise ValueError(f"property {p.id!r}: unknown kind {p.kind!r}")
    deadline = None if time_limit is None else time.monotonic() + time_limit
    sym = (model.symmetry() if hasattr(model, "symmetry") else Symmetry.of(model)) if symmetry else None
    with fewer_collections():  # speed only (podmodel.model.collector)
        result = _explore(model, props, max_states, fname, make, sym, progress, time_limit, engine, frontier, memory_limit,
                          workers)
    result.deadline = deadline
    return result


def _explore(model, props, max_states, fname, make, sym, progress, time_limit, engine, frontier, memory_limit,
             workers=None):
    if engine == "compiled":
        why = compiled.unsupported(model, frontier=fname, symmetry=bool(sym))
        if why is not None:
            raise ValueError(f"the compiled engine does not apply: {why}")
        return compiled.explore_compiled(model, properties=props, max_states=max_states, progress=progress,
                                         time_limit=time_limit, memory_limit=memory_limit, workers=workers)
    if engine == "auto" and choose_engine(model, frontier=fname, symmetry=bool(sym)) == "compiled":
        # state by state while the space does not grow fast; then the compiled engine, from the start
        first = search(model, props, max_states, fname, make, sym, progress, time_limit, memory_limit,
                       switch=auto_switches)
        if choose_engine(model, frontier=fname, symmetry=bool(sym), probe=first) == "readable":
            return first
        left = None if time_limit is None else max(time_limit - first.elapsed, 1e-9)
        return compiled.explore_compiled(model, properties=props, max_states=max_states, progress=progress,
                                         time_limit=left, memory_limit=memory_limit, workers=workers)
    return search(model, props, max_states, fname, make, sym, progress, time_limit, memory_limit)


def bound_sensitivity(result: ExploreResult, **explore_kwargs: Any) -> list[str]:
    """Properties that hold only because of a bound: re-explore with the bounds that were
    reached raised by one and report every property whose verdict becomes a failure.

    Examples
    --------
    >>> from podmodel.model.properties import Property
    >>> from podmodel.verifier.scenarios import load_scenario, SCENARIO_DIR
    >>> few = Property("few-restarts", "always", "restartCount stays below 3", "example",
    ...                lambda m, s: all(c.restart_count < 3 for c in s.containers))
    >>> r = explore(load_scenario(SCENARIO_DIR / "single-always.yaml").model(), properties=[few])
    >>> r.violations, bound_sensitivity(r)
    ({}, ['few-restarts holds only because of the bound maxRestarts=2: violated with maxRestarts=3'])
    """
    result = analysis._check_result(result)
    analysis._need_complete(result, "bound_sensitivity")
    model = result.model
    b = model.bounds
    raised = {"max_restarts": b.max_restarts + 1}
    if b.sandbox_recreations:
        raised["sandbox_recreations"] = b.sandbox_recreations + 1
    wider = Model(model.config, replace(b, **raised), model.decl, model.guards, getattr(model, "derived", None))
    again = explore(wider, properties=result.properties, symmetry=bool(result.symmetry), **explore_kwargs)
    before, after = result.verdicts(), again.verdicts()
    label = ", ".join(f"{_camel(k)}={getattr(b, k)}" for k in raised)
    label_new = ", ".join(f"{_camel(k)}={v}" for k, v in raised.items())
    return [f"{pid} holds only because of the bound {label}: {after[pid]} with {label_new}"
            for pid, v in before.items() if v in ("held", "witnessed") and after.get(pid) in ("violated", "no-witness")]

