"""Scenario discovery: within which ranges of the swept parameters an outcome happens, found by PRIM.

The question after a sweep is "under which conditions does Pakistan end in the other bloc?". PRIM
(Friedman and Fisher 1999, the Patient Rule Induction Method; EMA Workbench's implementation, with
peeling and pasting) starts from the whole swept space and peels off slices where the outcome is
rare, one parameter at a time, tracing a trajectory of boxes from large (high coverage: most of
the runs where it happens lie inside) to pure (high density: most runs inside are ones where it
happens). Each box says which parameters it restricts and to what.

The outcome is a pandas expression over a sweep's runs table, true or false per run, e.g.
``share_IND > 0.1`` or ``bloc_PAK != bloc_PAK_start``: shares are fractions of 1 there, as in every
table (0.1 is 10 %), and ``bloc_<CODE>_start`` is each state's bloc at the start (the same in every
world: the start state is data).
"""

from __future__ import annotations

import inspect
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from powershift.analysis.results.manifests import FORMAT_VERSION, write_manifest
from powershift.analysis.results.storage import Extras, new_folder, package_version
from powershift.model.files import InputError
from powershift.model.scenario import Scenario
from powershift.model.world import World, world_seed

THRESHOLD = 0.8  # the density a box should reach: 80 % of the runs inside it show the outcome
PEEL_ALPHA = 0.05  # the share of runs each peel removes (EMA Workbench's default)
MASS_MIN = 0.05  # the smallest box, as a share of all runs


@dataclass(frozen=True)
class Discovery:
    """PRIM's peeling trajectory (one row per box), every box's limits, and the box chosen."""

    trajectory: pd.DataFrame
    limits: pd.DataFrame
    chosen: int | None
    runs: int
    cases: int


def start_blocs(scenario: Scenario) -> dict[str, int]:
    """Each state's bloc at step 0 (the start state is data, so one world tells it)."""
    world = World(scenario, [world_seed(0, 0)])
    blocs = world.recording.actors["bloc"][0, 0]
    return {f"bloc_{code}_start": int(blocs[k]) for k, code in enumerate(world.actor_set.codes)}


def outcome_flags(runs: pd.DataFrame, expression: str, extra: dict[str, int]) -> np.ndarray:
    """The expression evaluated on every run (names with dots or dashes in backticks), as booleans."""
    frame = runs.assign(**extra)
    try:
        flags = frame.eval(expression, engine="python")
    except Exception as exc:  # pandas raises many kinds for a bad expression: all are the user's input
        names = ", ".join(c for c in frame.columns if c not in ("point", "replicate", "seed"))
        raise InputError(
            "--outcome", expression, f"an expression over the runs' columns ({names}); {type(exc).__name__}: {exc}"
        ) from None
    if not isinstance(flags, pd.Series) or flags.dtype != bool:
        raise InputError(
            "--outcome",
            expression,
            "a condition that is true or false for each run, e.g. share_IND > 0.1 (shares are fractions: 0.1 is 10 %)",
        )
    return flags.to_numpy()


def discover(runs: pd.DataFrame, params: list[str], flags: np.ndarray, threshold: float = THRESHOLD) -> Discovery:
    """PRIM's boxes for the runs where ``flags`` is true, over the swept ``params``."""
    cases = int(flags.sum())
    if cases == 0 or cases == len(flags):
        return Discovery(pd.DataFrame(), pd.DataFrame(), None, len(flags), cases)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its notices on optional packages (ipyparallel) and degenerate peels
        try:
            from ema_workbench.analysis import prim  # seconds to import: only when a discovery is asked for
        except ImportError:
            needed = "its PRIM package: pip install -e '.[discover]'"
            raise InputError("run.py discover", "ema-workbench", needed) from None

        found = prim.Prim(runs[params], flags, peel_alpha=PEEL_ALPHA, mass_min=MASS_MIN, **threshold_option(prim))
        box = found.find_box()
    whole = box.box_lims[0]
    trajectory = box.peeling_trajectory[["coverage", "density", "mass", "res_dim"]].reset_index(drop=True)
    trajectory.insert(0, "box", np.arange(len(trajectory)))
    rows = []
    for k, lims in enumerate(box.box_lims):
        for param in params:
            low, high = float(lims.at[0, param]), float(lims.at[1, param])
            full_low, full_high = float(whole.at[0, param]), float(whole.at[1, param])
            restricted = low > full_low or high < full_high
            rows.append({"box": k, "parameter": param, "low": low, "high": high, "restricted": restricted})
    limits = pd.DataFrame(rows)
    return Discovery(trajectory, limits, choose(trajectory, threshold), len(flags), cases)


def threshold_option(prim: Any) -> dict[str, float]:
    """EMA Workbench 2 asks ``Prim`` for a density threshold, used there only to log whether the box found
    meets it (with true/false outcomes it changes no box); version 3 (Python 3.12+) dropped it. The box is
    chosen against ``--threshold`` here (``choose``) in both."""
    return {"threshold": THRESHOLD} if "threshold" in inspect.signature(prim.Prim).parameters else {}


def choose(trajectory: pd.DataFrame, threshold: float) -> int:
    """The box with the most coverage among those dense enough, fewer restrictions on a tie; else the densest."""
    dense = trajectory[trajectory["density"] >= threshold]
    if dense.empty:
        return int(trajectory["density"].idxmax())
    best = dense.sort_values(["coverage", "res_dim"], ascending=[False, True])
    return int(best["box"].iloc[0])


def markdown(meta: dict[str, Any], found: Discovery) -> str:
    lines = [
        f"Where '{meta['outcome']}' happens in sweep {meta['sweep']} ({found.cases:,} of {found.runs:,} runs)",
        "",
    ]
    if found.chosen is None:
        verdict = "in no run" if found.cases == 0 else "in every run"
        return "\n".join([*lines, f"It happens {verdict} of the swept ranges: there is no box to find."]) + "\n"
    stats = found.trajectory.loc[found.chosen]
    box = found.limits[(found.limits["box"] == found.chosen) & found.limits["restricted"]]
    lines += [
        f"Chosen box {found.chosen}: coverage {stats.coverage:.0%} (of the runs where it happens, the share inside),"
        f" density {stats.density:.0%} (of the runs inside, the share where it happens),"
        f" {int(stats.res_dim)} restricted parameter(s):",
        "",
        "| Parameter | From | To |",
        "|---|---|---|",
        *[f"| {r.parameter} | {r.low:.4g} | {r.high:.4g} |" for r in box.itertuples()],
    ]
    if int(stats.res_dim) == 0:
        lines += [
            "",
            "No range of the swept parameters makes it more likely than across the whole sweep: where it happens",
            "depends on chance (the replicates' draws) or on what was not swept, not on these ranges.",
        ]
    elif stats.density < meta["threshold"]:
        lines += ["", f"No box reaches the density asked for ({meta['threshold']:.0%}): this is the densest."]
    return "\n".join(lines) + "\n"


def write_discovery(meta: dict[str, Any], found: Discovery, out: Path, extras: Extras | None = None) -> str:
    """Write the trajectory, every box's limits, the summary (CSV and Markdown) and what ``extras`` adds."""
    meta = {
        "format_version": FORMAT_VERSION,
        "kind": "discovery",
        **meta,
        "runs": found.runs,
        "cases": found.cases,
        "chosen_box": found.chosen,
        "version": package_version(),
        "written": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    text = markdown(meta, found)
    with new_folder(out, 1_000_000) as staging:
        found.trajectory.to_csv(staging / "trajectory.csv", index=False)
        found.limits.to_csv(staging / "boxes.csv", index=False)
        (staging / "discovery.md").write_text(text)
        write_manifest(staging, meta)
        if extras is not None and found.chosen is not None:
            extras(staging, meta, {"trajectory": found.trajectory, "limits": found.limits})
    return text
