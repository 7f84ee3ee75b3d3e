"""The property catalogue as a markdown table, and the README's copy of it kept current.

The README holds the table between two markers::

    <!-- catalogue:start -->
    ...generated table...
    <!-- catalogue:end -->

``python -m podmodel.render.catalogue --check README.md`` exits 1 when the block differs from
what `catalogue_table` renders now; ``--write README.md`` replaces it.

>>> print(catalogue_table().splitlines()[0])
| id | kind | statement | source |
>>> catalogue_table().count("\\n| `") == len(CATALOGUE) + len(TRACE_ONLY)
True
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from podmodel.model.properties import CATALOGUE, TRACE_ONLY, Property

START = "<!-- catalogue:start -->"
END = "<!-- catalogue:end -->"
#: The kind shown for the properties only the trace oracle checks.
TRACE_KIND = "trace"


class MarkerError(ValueError):
    """The document has no (or a malformed) catalogue block."""


def _cell(text: str) -> str:
    """A markdown table cell: pipes escaped, line breaks folded."""
    return " ".join(text.replace("|", "\\|").split())


def catalogue_rows(catalogue: Iterable[Property] = CATALOGUE,
                   trace_only: Iterable[tuple[str, str, str]] = TRACE_ONLY) -> list[tuple[str, str, str, str]]:
    """``(id, kind, statement, source)`` for every property, catalogue order, then the
    trace-only properties (kind ``trace``).

    >>> catalogue_rows()[0][:2]
    ('phase-never-unknown', 'always')
    >>> catalogue_rows()[-1][1]
    'trace'
    """
    rows = [(p.id, p.kind, p.statement, p.source) for p in catalogue]
    rows += [(pid, TRACE_KIND, statement, source) for pid, statement, source in trace_only]
    return rows


def catalogue_table(catalogue: Iterable[Property] = CATALOGUE,
                    trace_only: Iterable[tuple[str, str, str]] = TRACE_ONLY) -> str:
    """The catalogue as a markdown table (id, kind, statement, source), ending in a newline.

    Parameters
    ----------
    catalogue : iterable of Property
        Default: `podmodel.model.properties.CATALOGUE`.
    trace_only : iterable of (id, statement, source)
        Properties only the oracle checks; default `podmodel.model.properties.TRACE_ONLY`.

    Returns
    -------
    str

    Examples
    --------
    >>> from podmodel.model.properties import by_id
    >>> print(catalogue_table([by_id("no-rebinding")], ()))
    | id | kind | statement | source |
    |---|---|---|---|
    | `no-rebinding` | step | spec.nodeName never changes once set, and a bound pod is never bound again. | k8s-invariants.md B1-B3; storage.go BindingREST |
    <BLANKLINE>
    """
    lines = ["| id | kind | statement | source |", "|---|---|---|---|"]
    lines += [f"| `{pid}` | {kind} | {_cell(statement)} | {_cell(source)} |"
              for pid, kind, statement, source in catalogue_rows(catalogue, trace_only)]
    return "\n".join(lines) + "\n"


def _block(text: str) -> tuple[int, int]:
    """Offsets of the block's content: just after START's line, up to END."""
    if text.count(START) != 1 or text.count(END) != 1:
        raise MarkerError(f"expected one {START} and one {END} marker")
    start = text.index(START) + len(START)
    end = text.index(END)
    if end < start:
        raise MarkerError(f"{END} comes before {START}")
    if text[start:start + 1] == "\n":
        start += 1
    return start, end


def has_markers(text: str) -> bool:
    """Whether ``text`` has a catalogue block."""
    return START in text and END in text


def update(text: str, table: str | None = None) -> str:
    """``text`` with the block between the markers replaced by ``table`` (default: the catalogue).

    >>> update("a\\n<!-- catalogue:start -->\\nold\\n<!-- catalogue:end -->\\nb\\n", "| t |\\n")
    'a\\n<!-- catalogue:start -->\\n| t |\\n<!-- catalogue:end -->\\nb\\n'
    """
    table = catalogue_table() if table is None else table
    start, end = _block(text)
    return text[:start] + table + text[end:]


def is_current(text: str) -> bool:
    """Whether the block in ``text`` is what `catalogue_table` renders now."""
    return update(text) == text


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m podmodel.render.catalogue [--check | --write FILE]``: check or rewrite FILE's block; without a file, print the table."""
    parser = argparse.ArgumentParser(prog="python -m podmodel.render.catalogue", description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", help="a markdown file with the catalogue markers (e.g. README.md)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="exit 1 if FILE's catalogue block is not current")
    mode.add_argument("--write", action="store_true", help="rewrite FILE's catalogue block")
    args = parser.parse_args(argv)
    if not args.file:
        if args.check or args.write:
            parser.error("--check and --write need a FILE")
        sys.stdout.write(catalogue_table())
        return 0
    if not (args.check or args.write):
        parser.error("with a FILE, give --check or --write")
    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
        new = update(text)
    except OSError as e:
        print(f"{path}: cannot read: {e.strerror or e}", file=sys.stderr)
        return 2
    except MarkerError as e:
        print(f"{path}: {e}", file=sys.stderr)
        return 2
    if args.write:
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"{path}: catalogue table updated")
        return 0
    if new != text:
        print(f"{path}: the catalogue table is stale; run: python -m podmodel.render.catalogue --write {path}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
