"""Helpers shared by the compiled engine's check tests (imported as a sibling module, like
``apiserver``)."""

from __future__ import annotations

from podmodel.engines import compiled
from podmodel.engines.facade import choose_engine
from podmodel.verifier.mutants import CATALOGUE as MUTANTS
from podmodel.verifier.suite import scenario as named_scenario


def recorded(model, props):
    """A compiled run, and the arguments ``(e, rid, r, l)`` of each `_Checks.transitions`
    call it made (copies: the run goes on with its own arrays)."""
    calls = []
    real = compiled._Checks.transitions

    def spy(self, e, rid, r, l, src, act):
        calls.append(tuple(None if x is None else x.copy() for x in (e, rid, r, l)))
        return real(self, e, rid, r, l, src, act)

    compiled._Checks.transitions = spy
    try:
        res = compiled.explore_compiled(model, properties=props, workers=1)
    finally:
        compiled._Checks.transitions = real
    return res, calls


def built_core(T, d: int, p: tuple) -> int:
    """The reference for a permuted core (`Tables._permuted_core`, `Tables._permuted_cores`): the
    state of core ``d`` with its containers moved by ``p``, built and interned."""
    t = T.cores[d]
    out = [None] * T.n
    for j in range(T.n):
        out[p[j]] = compiled._relabel(t.containers[j], p[j])
    return T.intern(t._replace(containers=tuple(out)))


def mutant_model(mutant: str, name: str):
    """The mutant ``mutant`` (of the catalogue) and its model on scenario ``name``; the model is
    None for a mutant with its own guard (`compiled.unsupported`): only the readable engine
    applies there, and `auto` knows it (asserted here)."""
    m = next(m for m in MUTANTS if m.id == mutant)
    model = m.build(named_scenario(name))
    if compiled.unsupported(model) is not None:
        assert choose_engine(model) == "readable"
        return m, None
    return m, model
