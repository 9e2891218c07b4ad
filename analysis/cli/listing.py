"""``run.py list``: the named scenarios, each with its title and the start of its description."""

from __future__ import annotations

import argparse

from powershift.model.scenario import load_scenario, scenario_names

NAME = "list"
HELP = "list the named scenarios"


def add_options(command: argparse.ArgumentParser) -> None:
    """No options: the list is of the scenarios shipped with the package."""


def act(args: argparse.Namespace) -> None:
    """Two lines per scenario: name and title, then the description cut at about 100 characters."""
    for name in scenario_names():
        spec = load_scenario(name).spec
        line = " ".join(spec.description.split())
        line = line if len(line) <= 100 else line[:99].rsplit(" ", 1)[0] + " …"
        print(f"{name:27s} {spec.title}\n{'':27s} {line}")
