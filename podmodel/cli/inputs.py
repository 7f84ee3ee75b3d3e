"""Input files of the commands that read manifests (``explore``, ``verify``): read first
through the trace reader's defences, so a hostile or broken file is one line, never a traceback.
"""

from __future__ import annotations

from pathlib import Path

from podmodel.cli import UsageError


def check_input_file(path: str) -> None:
    """Raise `UsageError` when ``path`` is a file the hardened reader refuses (depth, size,
    integer limits, malformed JSON/YAML; `podmodel.oracle.formats.load_documents`).
    Anything that is not a file (a bundled scenario's name) is left to the caller."""
    from podmodel.oracle.formats import InputError, load_documents

    p = Path(path)
    if not p.is_file():
        return
    try:
        load_documents(p)
    except InputError as e:
        raise UsageError(str(e)) from None
