"""The command line (``run.py``, or the ``powershift`` console script): one module per command, and
the parser assembled from them here, with :func:`main`.

- :mod:`.options`: the option groups several commands share, and the checks of counts and seeds;
- :mod:`.common`: the output folder (``--out`` reserved before any work) and the parameter set;
- :mod:`.listing`, :mod:`.run`, :mod:`.sweep`, :mod:`.plot`, :mod:`.compare`, :mod:`.explain`, :mod:`.discover`,
  :mod:`.history`, :mod:`.validate`, :mod:`.landscape`, :mod:`.explore`: each command's ``NAME``, ``HELP``,
  ``add_options(parser)`` and ``act(args)``; the order of :data:`COMMANDS` is the order ``--help``
  lists them in.

Bad input is reported as one line ``FILE: field.path: what was expected`` with exit status 2, and
nothing is written. This is the top layer: the only one that combines computing, drawing and writing.
"""

from __future__ import annotations

import argparse
import os
import sys
from types import ModuleType

from powershift.analysis.cli import (
    compare,
    discover,
    explain,
    explore,
    history,
    landscape,
    listing,
    plot,
    run,
    sweep,
    validate,
)
from powershift.analysis.cli.options import check_options
from powershift.analysis.results import locks
from powershift.model.files import InputError

PROG = "run.py"
DESCRIPTION = "powershift command line: list, run and validate scenarios; search coalition landscapes."
COMMANDS: tuple[ModuleType, ...] = (
    listing,
    run,
    sweep,
    plot,
    compare,
    explain,
    discover,
    history,
    validate,
    landscape,
    explore,
)


class Parser(argparse.ArgumentParser):
    """argparse that reports a bad command line as one line, ``run.py COMMAND: message``, with status 2.

    ``--help`` is untouched. Subcommand parsers are of this class too (argparse makes them so).
    """

    argv: list[str] = []  # set on the top parser: the command line being parsed

    def error(self, message: str) -> None:  # type: ignore[override]
        prog = self.prog
        commands = [a for a in self._actions if isinstance(a, argparse._SubParsersAction)]
        named = [arg for arg in self.argv if commands and arg in commands[0].choices][:1]
        if named and message.startswith("unrecognized arguments"):
            prog = f"{prog} {named[0]}"  # argparse reports these from the top parser
        self.exit(2, f"{prog}: {' '.join(message.split())} (see '{prog} --help')\n")


def build_parser() -> Parser:
    """The top parser with one subcommand per module of :data:`COMMANDS`, each running its ``act``."""
    top = Parser(prog=PROG, description=DESCRIPTION)
    sub = top.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        parser = sub.add_parser(command.NAME, help=command.HELP)
        command.add_options(parser)
        parser.set_defaults(func=command.act)
    return top


def main(argv: list[str] | None = None) -> int:
    """Run one command line (default ``sys.argv[1:]``) and return its exit status instead of exiting, so
    that tests and other Python callers can run commands in process: 0 done, 2 bad input (one line on
    stderr, nothing written), 130 interrupted."""
    argv = sys.argv[1:] if argv is None else list(argv)
    cli = build_parser()
    cli.argv = argv
    try:
        args = cli.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a bad command line (2, its one line already printed)
        return exc.code if isinstance(exc.code, int) else int(exc.code is not None) * 2
    try:
        check_options(args)
        args.func(args)
    except InputError as exc:
        print(" ".join(str(exc).splitlines()), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: nothing was half-written (a sweep keeps its finished chunks: --resume)", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    finally:  # locks taken for --out are released even when the command failed (in-process callers)
        locks.release_all()
    return 0
