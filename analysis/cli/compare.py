"""``run.py compare``: results folders or scenarios side by side, the first as the reference."""

from __future__ import annotations

import argparse
from pathlib import Path

from powershift.analysis.analyze.comparison import gather, write_comparison
from powershift.analysis.charts.registry import charts_for
from powershift.analysis.cli.common import RESULTS_ROOT, announce_parameters, chosen_posterior, reserve_out
from powershift.analysis.cli.options import (
    no_charts_option,
    out_option,
    posterior_options,
    quiet_option,
    replication_options,
    workers_option,
    years_option,
)
from powershift.analysis.experiments.posterior import Posterior
from powershift.analysis.results.storage import default_folder
from powershift.model.scenario import load_scenario

NAME = "compare"
HELP = "compare results folders or scenarios: trajectories, differences"


def add_options(command: argparse.ArgumentParser) -> None:
    """The items; the run options apply only to the items that are scenario names."""
    command.add_argument(
        "items", nargs="+", metavar="A B", help="results folders or scenario names (first = reference)"
    )
    replication_options(
        command,
        replicates_help="replicates for scenario names (default: first folder's, or 20)",
        seed_help="seed for scenario names (default: first folder's, or 0)",
    )
    years_option(command, "override the horizon of scenario names")
    out_option(command, "new folder (default results/compare-A-vs-B[-k])")
    no_charts_option(command)
    workers_option(command, help="local worker processes for scenario runs (default 1)")
    quiet_option(command)
    posterior_options(command)


def announce(args: argparse.Namespace, chosen: Posterior | None) -> None:
    """Say which parameters the members use: the chosen set when some item is a scenario to run (checked
    against those scenarios), else each folder's own. Fewer than two items: gather's refusal says it."""
    names = [i for i in args.items if not Path(i).is_dir() and "/" not in i and Path(i).suffix in ("", ".yaml", ".yml")]
    if len(args.items) >= 2 and names:  # gather refuses anything else, in its own words
        scenarios = [load_scenario(name, years=args.years) for name in names] if chosen is not None else []
        announce_parameters(args, chosen, scenarios)
    elif len(args.items) >= 2:
        print("parameters: each folder's own (as its manifest records; nothing is run)")


def act(args: argparse.Namespace) -> None:
    """Gather the members (running the scenario names), write the comparison and print its end state."""
    chosen = chosen_posterior(args)
    announce(args, chosen)
    reserved = reserve_out(args)
    members = gather(args.items, args.seed, args.replicates, args.years, args.workers, args.quiet, chosen)
    name = "compare-" + "-vs-".join(m.label for m in members)
    out = reserved or default_folder(RESULTS_ROOT, name)
    write_comparison(members, out, None if args.no_charts else charts_for("comparison"))
    print((out / "end_state.md").read_text(), end="")
    print(f"-> {out}")
