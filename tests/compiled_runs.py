"""Helpers shared by the compiled engine's check tests (imported as a sibling module, like
``apiserver``)."""

from __future__ import annotations

from podmodel.engines import compiled


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
