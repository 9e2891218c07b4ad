"""``run.py history``: score the 2014 replay and the rolling hindcasts against the record, or with
``--calibrate`` refit the posterior on the calibration years (docs/explanation/validation.md)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from powershift.analysis.charts.registry import charts_for
from powershift.analysis.charts.scores import hindcast_charts
from powershift.analysis.cli.common import RESULTS_ROOT, announce_parameters, chosen_posterior, reserve_out
from powershift.analysis.cli.options import (
    out_option,
    posterior_options,
    quiet_option,
    replication_options,
    workers_option,
)
from powershift.analysis.validation import calibration, hindcast, replay
from powershift.model.files import InputError
from powershift.model.scenario import load_scenario

NAME = "history"
HELP = "score the 2014 replay and the rolling hindcasts against the record (docs/explanation/validation.md)"


def add_options(command: argparse.ArgumentParser) -> None:
    """Scoring options, the parameter set, and --calibrate (which reuses --seed, --out and --workers)."""
    command.add_argument("--json", action="store_true", help="print the scorecard and hindcast scores as JSON")
    replication_options(
        command,
        replicates_help="worlds per replay and per hindcast origin (default 100)",
        seed_help="seed (default 0)",
        seed_default=0,
    )
    posterior_options(command)
    command.add_argument(
        "--calibrate",
        action="store_true",
        help="refit the posterior on 2014-2019 with pyabc (about 25 minutes) instead of scoring; "
        "--out names the new posterior (default results/posterior-2014-2019)",
    )
    out_option(command, "new folder for the replay, scorecard.json, hindcast scores and charts")
    workers_option(command)
    quiet_option(command)


def act(args: argparse.Namespace) -> None:
    """Score the replay's checks and the rolling hindcasts, or (``--calibrate``) refit the posterior."""
    if args.calibrate:
        calibrate_posterior(args)
        return
    posterior = chosen_posterior(args)
    out = reserve_out(args)
    if not args.json:
        announce_parameters(args, posterior, [load_scenario(o.scenario) for o in hindcast.ORIGINS])
    replicates = args.replicates or 100
    results = replay.replay(posterior, replicates, args.seed, args.workers, args.quiet)
    forecasts = hindcast.run_hindcast(posterior, replicates, args.seed)
    card = {**replay.score(results), "hindcast": hindcast.report(forecasts)}
    if out is not None:

        def extras(folder: Path, meta: dict[str, Any], tables: dict[str, Any]) -> None:
            charts_for("ensemble")(folder, meta, tables)
            hindcast.write(forecasts, folder)
            hindcast_charts(forecasts, folder)

        replay.write_replay(results, card, out, extras)
    print(json.dumps(card, indent=2) if args.json else f"{replay.text(card)}\n\n{hindcast.text(forecasts)}")


def calibrate_posterior(args: argparse.Namespace) -> None:
    """Fit the posterior on the calibration years (pyabc) and write NAME.csv and NAME.yaml for --out.

    --out is not reserved as a folder: it names two new files, which writing the posterior refuses to put
    over existing ones."""
    if args.replicates is not None:
        raise InputError("--replicates", "(option)", "no --replicates with --calibrate (it runs one world per draw)")
    if args.out is None:
        RESULTS_ROOT.mkdir(exist_ok=True)  # the default's folder, as other commands make it
    out = Path(args.out) if args.out else RESULTS_ROOT / "posterior-2014-2019"
    posterior = calibration.calibrate(out, calibration.FULL, args.seed, args.workers)
    details = posterior.manifest["details"]
    print(
        f"posterior {posterior.name}: {posterior.size} draws from {details['simulations']:,} simulations, "
        f"{details['generations']} generations, {details['minutes']:.1f} min -> {posterior.path}"
    )
    print(f"use it with: run.py run seed-2024 --posterior {posterior.path}")
