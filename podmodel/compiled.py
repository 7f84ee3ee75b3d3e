"""The compiled fast path of the explorer (in progress: not available yet)."""

from __future__ import annotations


def unsupported(model, *, frontier: str, symmetry: bool) -> str | None:
    """Why the compiled engine cannot explore ``model`` (None when it can)."""
    return "the compiled engine is not built yet"


def explore_compiled(model, **kwargs):  # pragma: no cover - replaced by the fast path
    raise NotImplementedError
