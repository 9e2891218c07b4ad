"""Which swept parameters drive which outcomes: Sobol or Morris indices from SALib.

Each outcome is first averaged over a point's replicates (the mean outcome of that parameter
set), then analysed. Sobol gives first-order (S1) and total (ST) indices, shares of the outcome's
variance; Morris gives mu_star (mean absolute elementary effect, in the outcome's units) and
sigma. Both come with 95 % bootstrap confidence half-widths. ``first_bloc_switch`` is analysed
with "never" counted as the horizon (a censored time). An outcome that does not vary across
points has no indices (NaN): nothing can drive it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from powershift.analysis.experiments.design import MORRIS_LEVELS, SweepDesign, salib_problem

COLUMNS = ["outcome", "parameter", "index", "value", "conf"]
SOBOL_INDICES = ("S1", "ST")
MORRIS_INDICES = ("mu_star", "sigma")


def outcome_columns(runs: pd.DataFrame, design: SweepDesign) -> list[str]:
    fixed = {"point", "replicate", "seed", *(p.path for p in design.params)}
    return [c for c in runs.columns if c not in fixed]


def point_means(runs: pd.DataFrame, outcome: str, horizon_years: float) -> np.ndarray:
    values = runs[outcome].astype(float)
    if outcome == "first_bloc_switch":
        values = values.fillna(horizon_years)
    return values.groupby(runs["point"]).mean().sort_index().to_numpy()


def indices(design: SweepDesign, points: np.ndarray, runs: pd.DataFrame, horizon_years: float) -> pd.DataFrame:
    """A long table: outcome, parameter, index name, value and 95 % confidence half-width."""
    from SALib.analyze import morris, sobol

    problem = salib_problem(design)
    names = problem["names"]
    rows = []
    for outcome in outcome_columns(runs, design):
        y = point_means(runs, outcome, horizon_years)
        kinds = SOBOL_INDICES if design.sampler == "sobol" else MORRIS_INDICES
        if np.ptp(y) == 0:
            rows += [(outcome, name, kind, np.nan, np.nan) for kind in kinds for name in names]
            continue
        if design.sampler == "sobol":
            found = sobol.analyze(problem, y, calc_second_order=False, seed=design.seed)
            conf = {"S1": found["S1_conf"], "ST": found["ST_conf"]}
        else:
            found = morris.analyze(problem, points, y, num_levels=MORRIS_LEVELS, seed=design.seed)
            conf = {"mu_star": found["mu_star_conf"], "sigma": np.full(len(names), np.nan)}
        rows += [
            (outcome, name, kind, float(found[kind][d]), float(conf[kind][d]))
            for kind in kinds
            for d, name in enumerate(names)
        ]
    return pd.DataFrame(rows, columns=COLUMNS)


def write_sensitivity(
    out: Path, meta: dict[str, Any], design: SweepDesign, points: np.ndarray, runs: pd.DataFrame
) -> pd.DataFrame:
    """The indices of a finished sweep written whole to ``out``/sensitivity.csv (``meta``: its manifest)."""
    table = indices(design, points, runs, meta["steps"] / meta["steps_per_year"])
    staging = out / f".sensitivity.csv.tmp-{os.getpid()}"
    table.to_csv(staging, index=False)
    os.replace(staging, out / "sensitivity.csv")
    return table
