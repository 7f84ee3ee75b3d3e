"""``podmodel diagrams``: regenerate the diagrams in ``diagrams/`` from the model.

Writes one diagram per component machine (``machine-<name>``), and the pod-phase and
container-state diagrams derived from the explored model for each restart policy
(``phase-<policy>``, ``container-<policy>``, from the manifests in
``diagrams/scenarios/``).  The DOT file is always written; ``--format`` picks the
rendering beside it (svg by default; ``dot`` for DOT only).  ``--check`` writes nothing
and exits 1 when ``--out`` is not what would be generated.
"""

from __future__ import annotations

import sys

from podmodel.cli import UsageError


def add_parser(sub) -> None:
    p = sub.add_parser("diagrams", help="regenerate diagrams/ from the model",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=None, metavar="DIR", help="output directory (default: the repository's diagrams/)")
    p.add_argument("--format", choices=("svg", "png", "dot"), default="svg",
                   help="rendered format written beside the DOT (default svg; dot: DOT only)")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 if DIR's DOT and SVG files are not what would be generated")
    p.add_argument("--follow-symlinks", action="store_true",
                   help="write into DIR even where a symbolic link sits (refused by default)")
    p.set_defaults(run=run)


def run(args) -> int:
    import graphviz

    from podmodel.render import diagrams

    out = args.out or diagrams.DIAGRAM_DIR
    try:
        if args.check:
            problems = diagrams.check(out)
            for line in problems:
                print(line, file=sys.stderr)
            if problems:
                print("run `podmodel diagrams` to regenerate them", file=sys.stderr)
                return 1
            print(f"{out}: diagrams are current")
            return 0
        from podmodel.cli.outputs import check_output_dir

        check_output_dir(out, follow_symlinks=getattr(args, "follow_symlinks", False))
        written = diagrams.generate(out, args.format)
    except diagrams.DiagramError as e:
        raise UsageError(str(e)) from None
    except graphviz.ExecutableNotFound:
        raise UsageError("Graphviz's `dot` was not found on PATH (Debian: apt-get install graphviz)") from None
    except OSError as e:
        raise UsageError(f"{out}: cannot write: {e.strerror or e}") from None
    print(f"wrote {len(written)} files to {out}")
    return 0
