"""What moves the balance of power: every named scenario's paired 2034 difference from baseline.

    python docs/experiments/balance_of_power.py

Prints the Markdown table docs/explanation/balance-of-power.md shows (a test
keeps the two equal). Each scenario runs 50 replicates with seed 0 and the committed posterior
(what `run` and `compare` use by default), so replicate r of every scenario shares its random
numbers and its parameter draw with replicate r of the baseline; the difference is taken
world by world at the last recorded step, then summarised by its median and 5-95 % range. Power
shares are on the headline economic-military index; P(bloc 1) is the finite-temperature
probability of sitting in the bloc opposite the USA's (ODD §3.3.14). Both are fractions of 1 in the
frames, as in every table, and written in percent (differences in percentage points).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from powershift.analysis.experiments.ensemble import run_ensemble
from powershift.analysis.experiments.posterior import DEFAULT_POSTERIOR, read_posterior
from powershift.model.scenario import load_scenario, scenario_names

REPLICATES = 50
SEED = 0
SHOWN = ("RUS", "PAK", "IND", "CHN", "USA")
PERCENT = 100.0  # a fraction of 1 times this is in % (a difference of two, in percentage points)
BLOC_FLOOR = 0.5
"""Percentage points of P(bloc 1) below which a change is reported as none (the 5-95 % range stays inside)."""


def end_state(name: str) -> pd.DataFrame:
    """Per replicate and actor: the end power share and P(bloc 1), fractions of 1."""
    posterior = read_posterior(DEFAULT_POSTERIOR)
    traj = run_ensemble(load_scenario(name), REPLICATES, SEED, posterior=posterior).tables["trajectories"]
    end = traj[traj.step == traj.step.max()].set_index(["replicate", "actor"])
    return end[["power_share", "p_bloc1"]]


def interval(values: pd.Series) -> str:
    """A difference of fractions in percentage points: median [5 %, 95 %], or 0 when the whole range rounds to 0."""
    low, mid, high = PERCENT * np.percentile(values.to_numpy(), [5, 50, 95])
    if max(abs(low), abs(high)) < 0.005:
        return "0"
    return f"{mid:+.2f} [{low:+.2f}, {high:+.2f}]"


def bloc_change(diff: pd.Series) -> str:
    """The state whose P(bloc 1) moved furthest in some world (5-95 % range), if beyond the 0.5 pp noise floor."""
    reach = diff.groupby(level="actor").apply(lambda v: PERCENT * np.abs(np.percentile(v.to_numpy(), [5, 95])).max())
    code = reach.idxmax()
    if reach[code] < BLOC_FLOOR:
        return f"none beyond ±{BLOC_FLOOR}"
    return f"{code} {interval(diff.xs(code, level='actor'))}"


def table() -> str:
    base = end_state("baseline")
    names = [n for n in scenario_names() if n != "baseline" and load_scenario(n).actors.spec.name == "five-2024"]
    lines = [
        "| scenario | " + " | ".join(f"{c} share (pp)" for c in SHOWN) + " | P(bloc 1) change (pp) |",
        "|---|" + "---|" * (len(SHOWN) + 1),
    ]
    for name in names:
        diff = end_state(name) - base
        shares = [interval(diff["power_share"].xs(c, level="actor")) for c in SHOWN]
        lines.append(f"| `{name}` | " + " | ".join(shares) + f" | {bloc_change(diff['p_bloc1'])} |")
    start = base["power_share"].groupby(level="actor").median()
    return "\n".join(lines) + "\n\n" + baseline_line(start) + "\n"


def baseline_line(end: pd.Series) -> str:
    """The baseline's own change 2024 -> 2034 (median world), against which the differences are small or not."""
    traj = run_ensemble(load_scenario("baseline"), REPLICATES, SEED).tables["trajectories"]
    first = traj[traj.step == 0].groupby("actor").power_share.median()
    changes = ", ".join(f"{c} {PERCENT * first[c]:.1f} → {PERCENT * end[c]:.1f}" for c in SHOWN)
    return f"Baseline power shares (%, median world), 2024 → 2034: {changes}."


if __name__ == "__main__":
    print(table(), end="")
