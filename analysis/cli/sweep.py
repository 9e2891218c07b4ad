"""``run.py sweep``: a scenario over a design of parameter points, with the runs table, sensitivity
indices (sobol, morris) and charts in one folder that an interrupted sweep can ``--resume``."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from powershift.analysis.analyze.sensitivity import write_sensitivity
from powershift.analysis.charts import registry
from powershift.analysis.cli.common import RESULTS_ROOT
from powershift.analysis.cli.options import execution_options, out_option, replication_options, set_option, years_option
from powershift.analysis.experiments.design import build_design, parse_param, read_design
from powershift.analysis.experiments.sweep import run_sweep
from powershift.analysis.results.design_schema import SweepDesign
from powershift.analysis.results.storage import default_folder
from powershift.model.files import InputError

NAME = "sweep"
HELP = "sweep parameters over a design; runs table, sensitivity indices"


def add_options(command: argparse.ArgumentParser) -> None:
    """The design (flags or a --spec file, flags win), the folder, and how to run; unset design flags
    stay None so that a --spec file's values show through."""
    command.add_argument("scenario", nargs="?", help="a scenario name or file (or give it in --spec)")
    command.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="PATH=LOW:HIGH[:STEPS]",
        help="a swept parameter, e.g. actors.PAK.policy.hedging=0:1 (repeatable; STEPS for grid)",
    )
    command.add_argument("--spec", help="a YAML sweep spec (fields as the flags; flags given here win)")
    command.add_argument("--sampler", choices=("grid", "lhs", "sobol", "morris"), help="default lhs")
    command.add_argument("--samples", type=int, help="points (lhs), base samples (sobol) or trajectories (morris)")
    replication_options(
        command,
        replicates_help="stochastic replicates per point (default 5)",
        seed_help="sweep seed: sampler and replicates (default 0)",
    )
    years_option(command)
    set_option(command, "fixed override (repeatable)")
    out_option(command, "new sweep folder, or the one to --resume (default results/sweep-<scenario>[-k])")
    command.add_argument("--resume", action="store_true", help="finish the sweep in --out: run only missing chunks")
    command.add_argument("--trajectories", action="store_true", help="also keep every run's per-step tables")
    execution_options(command, default_workers=os.cpu_count() or 1)


def sweep_design(args: argparse.Namespace) -> SweepDesign:
    """The design from --spec (if any) with the flags given on the command line on top."""
    fields: dict[str, Any] = read_design(args.spec) if args.spec else {}
    flags = {
        "scenario": args.scenario,
        "sampler": args.sampler,
        "samples": args.samples,
        "replicates": args.replicates,
        "seed": args.seed,
        "years": args.years,
    }
    fields.update({k: v for k, v in flags.items() if v is not None})
    if args.param:
        fields["params"] = [parse_param(text) for text in args.param]
    if args.set:
        fields["set"] = list(args.set)
    if args.trajectories:
        fields["trajectories"] = True
    if not fields.get("scenario"):
        raise InputError("run.py sweep", "scenario", "a scenario name or file (or a --spec file naming one)")
    if not fields.get("params"):
        raise InputError(args.spec or "run.py sweep", "params", "at least one --param PATH=LOW:HIGH[:STEPS]")
    return build_design(fields, args.spec or "run.py sweep")


def act(args: argparse.Namespace) -> None:
    """Run (or resume) the sweep; the folder checks and locks are run_sweep's, which knows resuming."""
    design = sweep_design(args)
    if args.resume and not args.out:
        raise InputError("--resume", "--out", "the folder of the sweep to resume")
    name = Path(design.scenario).stem
    out = Path(args.out) if args.out else default_folder(RESULTS_ROOT, f"sweep-{name}")
    result = run_sweep(design, out, args.chunk, args.workers, args.dask, args.resume, args.quiet, finish_sweep)
    # the rate the progress bar shows: runs per second of simulating, not of the indices and charts after
    rate = result.ran / result.simulated if result.simulated > 0 else float("inf")
    timing = f"{rate:,.0f} runs/s over {result.simulated:.2f} s of runs, {result.seconds:.2f} s with indices and charts"
    print(f"{name}: {result.runs:,} runs ({result.ran:,} run now, {timing}) -> {out}")


def finish_sweep(out: Path, meta: dict[str, Any], points: np.ndarray, runs: pd.DataFrame) -> dict[str, int]:
    """A finished sweep's sensitivity indices (sobol and morris designs) and its charts; the sensitivity
    chart only when some index could be computed."""
    design = SweepDesign.model_validate(meta["design"])
    tables = {"runs": runs}
    rows = {}
    if design.sampler in ("sobol", "morris"):
        indices = write_sensitivity(out, meta, design, points, runs)
        rows["sensitivity"] = len(indices)
        if indices["value"].notna().any():
            tables["sensitivity"] = indices
    registry.draw("sweep", registry.available("sweep", meta, tables), meta, tables, out / "charts")
    return rows
