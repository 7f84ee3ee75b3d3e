"""``podmodel`` command line: a dispatcher over `podmodel.cli` modules.

Each subcommand module exposes ``add_parser(subparsers)`` and ``run(args) -> int``.
Exit codes: 0 all good, 1 a violation was found, 2 unusable input, 3 incomplete.  No
traceback reaches the user for bad input: errors are one clear line on stderr.

Every ``--json`` document carries ``"format"`` (``podmodel-<command>``) and ``"version"``
(an integer raised when a field changes meaning or goes away; docs/json.md).

The base install is the oracle; a command that needs an extra says which one
(``pip install 'podmodel[explore]'``) instead of failing with a traceback.
"""

from __future__ import annotations

import argparse
import os
import signal
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
    "watch": "watch",
    "lint-kwok": "lint_kwok",
    "completion": "completion",
}

#: Third-party module -> the extra that installs it (pyproject.toml).
EXTRAS = {"hypothesis": "explore", "transitions": "explore", "networkx": "explore", "graphviz": "explore",
          "numpy": "explore", "kubernetes": "watch"}


class UsageError(Exception):
    """Unusable input: printed as one line, exit code 2."""


def missing_extra(e: ModuleNotFoundError) -> str | None:
    """The message for a missing optional dependency, or None if ``e`` is something else."""
    top = (e.name or "").split(".")[0]
    if top not in EXTRAS:
        return None
    extra = EXTRAS[top]
    return f"needs the {extra!r} extra ({top} is not installed): pip install 'podmodel[{extra}]'"


def _needs_extra(sub, name: str, message: str) -> None:
    """A placeholder subcommand for a command whose dependencies are not installed."""
    p = sub.add_parser(name, help=f"(not available: {message})", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)

    def run(args) -> int:
        raise UsageError(message)

    p.set_defaults(run=run)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or (``only``) the top level plus one subcommand.

    Building a subcommand imports its module, and the engines' modules pull in NumPy,
    NetworkX and Hypothesis: ``podmodel check-trace`` should not pay for ``explore``.
    ``main`` therefore builds only the subcommand named on the command line; ``--help``,
    a mistyped command and shell completion get the whole parser.
    """
    from podmodel import __version__

    parser = argparse.ArgumentParser(prog="podmodel", description="A formal model of the Kubernetes Pod lifecycle.")
    parser.add_argument("--version", action="version", version=f"podmodel {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in COMMANDS.items():
        if only is not None and name != only:
            continue
        try:
            mod = importlib.import_module(f"podmodel.cli.{module}")
        except ModuleNotFoundError as e:
            message = missing_extra(e)
            if message is not None:
                _needs_extra(sub, name, message)
                continue
            if e.name != f"podmodel.cli.{module}":
                raise
            continue  # a subcommand not built yet
        try:
            mod.add_parser(sub)
        except ModuleNotFoundError as e:  # add_parser's own lazy imports
            message = missing_extra(e)
            if message is None:
                raise
            sub._name_parser_map.pop(name, None)
            sub._choices_actions[:] = [a for a in sub._choices_actions if a.dest != name]
            _needs_extra(sub, name, message)
    return parser


def _named_command(argv: list[str]) -> str | None:
    """The subcommand named on the command line, if its first word is one (else None)."""
    for arg in argv:
        if arg.startswith("-"):
            return None  # a top-level option first (--help, --version): the whole parser
        return arg if arg in COMMANDS else None
    return None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(_named_command(sys.argv[1:] if argv is None else list(argv)))
    args = parser.parse_args(argv)
    if not getattr(args, "command", None) or not hasattr(args, "run"):
        parser.print_help(sys.stderr)
        return 2
    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread (an embedding program): leave signals alone
        previous = None
    try:
        return int(args.run(args) or 0)
    except UsageError as e:
        print(f"podmodel {args.command}: error: {e}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as e:
        message = missing_extra(e)
        if message is None:
            raise
        print(f"podmodel {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    except SystemExit as e:
        if e.code == 128 + signal.SIGTERM:
            print("terminated", file=sys.stderr)
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _terminate(signum, frame) -> None:
    """SIGTERM: unwind (workers are stopped on the way out), exit status 143."""
    raise SystemExit(128 + signal.SIGTERM)


def _quiet_stdout() -> None:
    """The reader went away (``| head``): drop what is left of stdout, no traceback at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
