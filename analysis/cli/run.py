"""``run.py run``: a scenario as an ensemble of worlds, written as tables (and charts) to a new folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from powershift.analysis.analyze.headline import HEADLINE_COLUMNS, headline
from powershift.analysis.charts.registry import charts_for
from powershift.analysis.cli.common import RESULTS_ROOT, announce_parameters, chosen_posterior, reserve_out
from powershift.analysis.cli.options import (
    execution_options,
    no_charts_option,
    out_option,
    posterior_options,
    replication_options,
    set_option,
    years_option,
)
from powershift.analysis.experiments.ensemble import (
    check_replicate_count,
    check_replicates,
    estimated_bytes,
    write_ensemble,
)
from powershift.analysis.results.readers import read_ensemble
from powershift.analysis.results.storage import Results, default_folder, write_streamed
from powershift.model.scenario import load_scenario

NAME = "run"
HELP = "run a scenario as an ensemble and write tables and charts"


def add_options(command: argparse.ArgumentParser) -> None:
    """The scenario, its replicates and overrides, where and how to write, and how to run."""
    command.add_argument("scenario", help="a scenario name (see 'list') or a path to a scenario file")
    replication_options(
        command,
        replicates_help="stochastic replicates (default 20)",
        seed_help="run seed (default 0)",
        replicates_default=20,
        seed_default=0,
    )
    years_option(command)
    set_option(command)
    out_option(command, "results folder; must not exist (default results/<scenario>[-k])")
    command.add_argument("--format", choices=("parquet", "csv"), default="parquet", help="table format")
    no_charts_option(command)
    posterior_options(command)
    execution_options(command, default_workers=1)


def act(args: argparse.Namespace) -> None:
    """Everything is checked (posterior, scenario, replicates, --out) before the first world runs. The tables
    go to disk chunk by chunk as the worlds run (``write_ensemble``), so memory does not grow with the
    replicates; only charts read them back whole, so only a run with charts must fit in memory."""
    posterior = chosen_posterior(args)
    scenario = load_scenario(args.scenario, tuple(args.set), args.years)
    if args.no_charts:
        check_replicate_count(args.replicates)
    else:
        check_replicates(scenario, args.replicates)
    announce_parameters(args, posterior, [scenario])
    need = estimated_bytes(scenario, args.replicates)
    out = reserve_out(args, need) or default_folder(RESULTS_ROOT, scenario.name)

    def produce(staging: Path) -> tuple[Results, dict[str, int]]:
        return write_ensemble(
            staging,
            args.format,
            scenario,
            args.replicates,
            args.seed,
            args.chunk,
            tuple(args.set),
            args.workers,
            args.dask,
            quiet=args.quiet,
            posterior=posterior,
        )

    extras = None if args.no_charts else charts_for("ensemble")
    meta, tables = write_streamed(out, args.format, produce, need, extras)
    if tables is None:
        ends = (0, scenario.steps)  # the headline reads the first and the last step
        tables = read_ensemble(out, only=("trajectories",), columns=HEADLINE_COLUMNS, steps=ends)[1]
    print(f"{scenario.name}: {args.replicates} replicate(s), {scenario.steps} steps, {meta['seconds']:.2f} s -> {out}")
    for line in headline(meta, tables):
        print(line)
    if not args.no_charts:
        print(f"charts: {out / 'charts'}")
