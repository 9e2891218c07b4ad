"""``run.py list``: the named scenarios, each with its title and the start of its description (all of it, and
its horizon and events, with ``--long``)."""

from __future__ import annotations

import argparse
import textwrap

from powershift.model.scenario import load_scenario, scenario_names

NAME = "list"
HELP = "list the named scenarios"
INDENT = " " * 27


def add_options(command: argparse.ArgumentParser) -> None:
    """Only how much to say: the list is of the scenarios shipped with the package."""
    command.add_argument(
        "--long", action="store_true", help="the whole description, the horizon and the number of events"
    )


def act(args: argparse.Namespace) -> None:
    """Two lines per scenario: name and title, then the description cut at about 100 characters; with
    ``--long``, the description wrapped in full and a line with the start, horizon and events."""
    for name in scenario_names():
        scenario = load_scenario(name)
        spec = scenario.spec
        line = " ".join(spec.description.split())
        if not args.long:
            line = line if len(line) <= 100 else line[:99].rsplit(" ", 1)[0] + " …"
            print(f"{name:27s} {spec.title}\n{INDENT} {line}")
            continue
        print(f"{name:27s} {spec.title}")
        print(
            textwrap.fill(
                line, 100, initial_indent=INDENT + " ", subsequent_indent=INDENT + " ", break_on_hyphens=False
            )
        )
        print(f"{INDENT} from {spec.start}, {spec.years:g} years, {len(scenario.events)} events\n")
