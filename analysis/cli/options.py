"""The option groups several commands share, defined once so that a flag is spelled, typed and
checked the same way in every command that takes it.

Each function adds its options to a command's parser in place; the commands keep their own help
texts where the same flag means something slightly different to them (``--seed`` of a run versus
of a sweep), so those are arguments here. :func:`check_options` is the one check of the counts
and seeds, run before any command starts.
"""

from __future__ import annotations

import argparse
import datetime as dt

from powershift.model.files import InputError, check_seed

SET_HELP = "override a parameter by dotted path, e.g. actors.PAK.policy.hedging=0.8 (repeatable)"
YEARS_HELP = "override the scenario's horizon in years"


def iso_date(text: str) -> dt.date:
    """An argparse type: a date as YYYY-MM-DD, refused in argparse's own one-line form otherwise."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def replication_options(
    command: argparse.ArgumentParser,
    replicates_help: str,
    seed_help: str,
    replicates_default: int | None = None,
    seed_default: int | None = None,
) -> None:
    """--replicates and --seed; a default of None lets the command fill them in later (from a spec
    file or a results folder)."""
    command.add_argument("--replicates", type=int, default=replicates_default, help=replicates_help)
    command.add_argument("--seed", type=int, default=seed_default, help=seed_help)


def years_option(command: argparse.ArgumentParser, help: str = YEARS_HELP) -> None:
    """--years: a horizon shorter or longer than the scenario file's."""
    command.add_argument("--years", type=float, help=help)


def set_option(command: argparse.ArgumentParser, help: str = SET_HELP) -> None:
    """--set PATH=VALUE, repeatable: fixed parameter overrides, in the order given."""
    command.add_argument("--set", action="append", default=[], metavar="PATH=VALUE", help=help)


def out_option(command: argparse.ArgumentParser, help: str) -> None:
    """--out: the folder to write (each command says its default and whether it may exist)."""
    command.add_argument("--out", help=help)


def no_charts_option(command: argparse.ArgumentParser) -> None:
    """--no-charts: the tables without drawing (drawing is the slow part of small runs)."""
    command.add_argument("--no-charts", action="store_true", help="write tables only")


def workers_option(command: argparse.ArgumentParser, default: int = 1, help: str | None = None) -> None:
    """--workers: local worker processes (the default help names the default)."""
    help = help or f"local worker processes (default {default})"
    command.add_argument("--workers", type=int, default=default, help=help)


def quiet_option(command: argparse.ArgumentParser) -> None:
    """--quiet: no progress bar (for logs and scripts)."""
    command.add_argument("--quiet", action="store_true", help="no progress bar")


def execution_options(command: argparse.ArgumentParser, default_workers: int) -> None:
    """How the worlds are run: --workers, --dask, --chunk and --quiet."""
    workers_option(command, default_workers)
    command.add_argument("--dask", metavar="ADDRESS|local", help="a Dask scheduler, or 'local' to start one")
    command.add_argument("--chunk", type=int, default=500, help="worlds advanced together as one model (default 500)")
    quiet_option(command)


def posterior_options(command: argparse.ArgumentParser) -> None:
    """--posterior FILE or --no-posterior (not both): which parameter set the worlds are drawn from."""
    choice = command.add_mutually_exclusive_group()
    choice.add_argument(
        "--posterior",
        metavar="FILE",
        help="draw each world's parameters from this posterior (its .yaml manifest, its .csv, or their folder); "
        "default model/data/posterior-2014-2019.yaml once it exists",
    )
    choice.add_argument("--no-posterior", action="store_true", help="run every world with the default parameters")


def check_options(args: argparse.Namespace) -> None:
    """Counts and seeds, checked before anything runs or any folder is made."""
    if getattr(args, "seed", None) is not None:
        check_seed(args.seed)
    replicates = getattr(args, "replicates", None)
    if replicates is not None and replicates < 1:
        raise InputError("--replicates", "replicates", f"at least 1 replicate, got {replicates}")
    samples = getattr(args, "samples", None)
    if samples is not None and samples < 1:
        raise InputError("--samples", "samples", f"at least 1 sample, got {samples}")
