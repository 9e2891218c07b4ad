"""The few numbers a run is about, for the line ``run`` prints after writing its folder.

Power shares at the end (median and 90 % of worlds, in percent on the run's index) and each state's
probability of ending in bloc 1, the side opposite the start's largest power: what a reader looks
for first, so that the folder's tables and charts are where they look second.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from powershift.analysis.results.power_index import index_name, power_index

HEADLINE_COLUMNS = ["step", "date", "actor", "power_share", "p_bloc1"]
"""The trajectories' columns the headline reads."""


def headline(meta: dict[str, Any], tables: dict[str, pd.DataFrame]) -> list[str]:
    """Two or three lines: end shares with intervals, largest first; P(bloc 1) by state; which side that is."""
    traj = tables["trajectories"]
    last = traj[traj["date"] == traj["date"].max()]
    shares = 100 * last.groupby("actor")["power_share"].quantile([0.05, 0.5, 0.95]).unstack()
    shares = shares.sort_values(0.5, ascending=False)
    date = last["date"].iloc[0].date().isoformat()
    cells = [f"{code} {row[0.5]:.1f} [{row[0.05]:.1f}, {row[0.95]:.1f}]" for code, row in shares.iterrows()]
    lines = [
        f"power shares on {date}, % on the {index_name(power_index(meta))} (median [90 % of worlds]): "
        + ", ".join(cells)
    ]
    if "p_bloc1" in last:
        start = traj[traj["step"] == traj["step"].min()]
        largest = start.groupby("actor")["power_share"].median().idxmax()
        chance = last.groupby("actor")["p_bloc1"].mean().reindex(shares.index)
        odds = ", ".join(f"{code} {100 * p:.0f} %" for code, p in chance.items() if code != largest)
        lines.append(f"chance of ending opposite {largest} (bloc 1): {odds}")
    return lines
