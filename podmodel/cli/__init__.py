"""``podmodel`` command line: a dispatcher over `podmodel.cli` modules.

Each subcommand module exposes ``add_parser(subparsers)`` and ``run(args) -> int``.
Exit codes: 0 all good, 1 a violation was found, 2 unusable input.  No traceback
reaches the user for bad input: errors are one clear line on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import sys

#: subcommand -> module under podmodel.cli
COMMANDS = {
    "explore": "explore",
    "verify": "verify",
    "diagrams": "diagrams",
    "check-trace": "check_trace",
    "export": "export",
    "phase": "phase",
}


class UsageError(Exception):
    """Unusable input: printed as one line, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    from podmodel import __version__

    parser = argparse.ArgumentParser(prog="podmodel", description="A formal model of the Kubernetes Pod lifecycle.")
    parser.add_argument("--version", action="version", version=f"podmodel {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in COMMANDS.items():
        try:
            mod = importlib.import_module(f"podmodel.cli.{module}")
        except ModuleNotFoundError as e:
            if e.name != f"podmodel.cli.{module}":
                raise
            continue  # a subcommand not built yet
        mod.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None) or not hasattr(args, "run"):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.run(args) or 0)
    except UsageError as e:
        print(f"podmodel {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
