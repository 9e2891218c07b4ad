"""``run.py validate``: check scenario files without running them (the same checks a run makes first)."""

from __future__ import annotations

import argparse

from powershift.model.scenario import load_scenario

NAME = "validate"
HELP = "check scenario files without running them"


def add_options(command: argparse.ArgumentParser) -> None:
    """The files (or scenario names) to check."""
    command.add_argument("files", nargs="+")


def act(args: argparse.Namespace) -> None:
    """One ``ok`` line per file; the first bad one stops with its one-line error (exit 2)."""
    for name in args.files:
        scenario = load_scenario(name)
        print(f"{name}: ok ({len(scenario.events)} events, {scenario.steps} steps)")
