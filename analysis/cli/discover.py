"""``run.py discover``: under which conditions of a sweep an outcome happens (PRIM boxes)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from powershift.analysis.analyze.discovery import THRESHOLD, discover, outcome_flags, start_blocs, write_discovery
from powershift.analysis.charts.registry import charts_for
from powershift.analysis.cli.common import reserve_out
from powershift.analysis.cli.options import no_charts_option, out_option
from powershift.analysis.results.storage import default_folder
from powershift.analysis.results.sweep_reader import read_sweep
from powershift.model.files import InputError
from powershift.model.scenario import load_scenario

NAME = "discover"
HELP = "find the swept parameter ranges where an outcome happens (PRIM scenario discovery)"


def add_options(command: argparse.ArgumentParser) -> None:
    """The sweep, the outcome, the density wanted; where to write."""
    command.add_argument("sweep", help="a finished sweep folder written by 'run.py sweep'")
    command.add_argument(
        "--outcome",
        required=True,
        metavar="EXPR",
        help="a condition on the runs table, e.g. 'share_IND > 0.1' or 'bloc_PAK != bloc_PAK_start' "
        "(shares are fractions; names with dots or dashes in backticks)",
    )
    command.add_argument(
        "--threshold",
        type=float,
        default=THRESHOLD,
        help=f"the density a box should reach, 0 to 1 (default {THRESHOLD})",
    )
    out_option(command, "new folder (default SWEEP/discoveries/<outcome>[-k])")
    no_charts_option(command)


def act(args: argparse.Namespace) -> None:
    """Read the sweep, evaluate the outcome per run, run PRIM, write the folder and print the chosen box."""
    if not 0 < args.threshold <= 1:
        raise InputError("--threshold", "threshold", f"a density above 0 and at most 1, got {args.threshold}")
    folder = Path(args.sweep)
    reserved = reserve_out(args)
    meta, tables = read_sweep(folder)
    design = meta["design"]
    scenario = load_scenario(meta.get("scenario_path") or design["scenario"], tuple(design["set"]), design["years"])
    flags = outcome_flags(tables["runs"], args.outcome, start_blocs(scenario))
    params = [p["path"] for p in design["params"]]
    found = discover(tables["runs"], params, flags, args.threshold)
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", args.outcome).strip("_")[:60] or "outcome"
    out = reserved or default_folder(folder / "discoveries", slug)
    about = {"outcome": args.outcome, "threshold": args.threshold, "sweep": str(folder), "scenario": meta["scenario"]}
    about["ranges"] = {p["path"]: [p["low"], p["high"]] for p in design["params"]}
    text = write_discovery({**about, "params": params}, found, out, None if args.no_charts else charts_for("discovery"))
    print(text, end="")
    print(f"-> {out}")
