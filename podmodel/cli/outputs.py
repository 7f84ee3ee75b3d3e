"""Where the commands write: refuse to follow a symbolic link planted at an output path.

A command asked to write ``--export graph.json`` or ``--out DIR`` writes a file of the
user's choosing.  If a symbolic link sits at that place (left there by someone else, in a
shared or world-writable directory), following it would overwrite the file it points to.
`check_output` refuses, naming the link and its target, unless the user says
``--follow-symlinks``.

>>> import os, tempfile
>>> d = tempfile.mkdtemp()
>>> os.symlink(os.path.join(d, "elsewhere"), os.path.join(d, "out.json"))
>>> check_output(os.path.join(d, "out.json"))  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
podmodel.cli.UsageError: .../out.json is a symbolic link (to .../elsewhere): not writing through it; remove it, or pass --follow-symlinks
>>> check_output(os.path.join(d, "out.json"), follow_symlinks=True)
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from podmodel.cli import UsageError

FLAG_HELP = "write through a symbolic link found at an output path (refused by default)"


def check_output(path: str | os.PathLike, *, follow_symlinks: bool = False) -> None:
    """Raise `UsageError` if ``path`` is a symbolic link and ``follow_symlinks`` is False."""
    if follow_symlinks:
        return
    p = os.fspath(path)
    if os.path.islink(p):
        try:
            target = os.readlink(p)
        except OSError:
            target = "?"
        raise UsageError(f"{p} is a symbolic link (to {target}): not writing through it; "
                         "remove it, or pass --follow-symlinks")


def check_output_dir(directory: str | os.PathLike, names: Iterable[str] | None = None, *,
                     follow_symlinks: bool = False) -> None:
    """`check_output` for a directory and the files about to be written in it.

    ``names`` are the files' paths relative to ``directory``; when None, every symbolic link
    directly in the directory counts.
    """
    if follow_symlinks:
        return
    check_output(directory)
    d = os.fspath(directory)
    if not os.path.isdir(d):
        return
    if names is None:
        try:
            names = [e.name for e in os.scandir(d) if e.is_symlink()]
        except OSError:
            return
    for name in names:
        parts = os.path.normpath(name).split(os.sep)
        for i in range(1, len(parts) + 1):
            check_output(os.path.join(d, *parts[:i]))
