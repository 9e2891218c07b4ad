"""Charts of a scenario discovery: the trade-off PRIM traced, and the chosen box's limits."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from powershift.analysis.charts import style
from powershift.analysis.charts.options import ChartOptions

Tables = dict[str, pd.DataFrame]


def tradeoff(meta: dict[str, Any], tables: Tables, options: ChartOptions) -> Figure:
    """Coverage against density for every box of the peeling trajectory, coloured by how many parameters it
    restricts; the chosen box ringed, the density asked for drawn as a line."""
    boxes = tables["trajectory"]
    fig, ax = style.figure(8.5, 5.6)
    points = ax.scatter(boxes["coverage"], boxes["density"], c=boxes["res_dim"], cmap="viridis", s=28, zorder=3)
    chosen = boxes.loc[meta["chosen_box"]]
    ax.scatter([chosen["coverage"]], [chosen["density"]], s=160, facecolors="none", edgecolors="black", zorder=4)
    ax.annotate(
        f"box {meta['chosen_box']}",
        (chosen["coverage"], chosen["density"]),
        xytext=(8, -12),
        textcoords="offset points",
    )
    ax.axhline(meta["threshold"], color=style.REFERENCE, linestyle="--", linewidth=1)
    base = meta["cases"] / meta["runs"]
    ax.axhline(base, color=style.REFERENCE, linestyle=":", linewidth=1)
    ax.text(0.01, base, f" share of all runs ({base:.0%})", va="bottom", fontsize=8, color="#555555")
    ax.text(0.01, meta["threshold"], f" density asked for ({meta['threshold']:.0%})", va="bottom", fontsize=8)
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("Coverage: of the runs where it happens, the share inside the box")
    ax.set_ylabel("Density: of the runs inside, the share where it happens")
    fig.colorbar(points, ax=ax, label="Restricted parameters")
    style.finish(fig, meta, f"Where '{meta['outcome']}' happens: PRIM's boxes")
    return fig


def box_limits(meta: dict[str, Any], tables: Tables, options: ChartOptions) -> Figure:
    """Each parameter's swept range, with the chosen box's limits on it (unrestricted ones drawn in full)."""
    limits = tables["limits"]
    chosen = limits[limits["box"] == meta["chosen_box"]].reset_index(drop=True)
    whole = limits[limits["box"] == 0].set_index("parameter")[["low", "high"]]
    for param, (low, high) in (meta.get("ranges") or {}).items():  # the design's ranges, not the samples' extremes
        whole.loc[param] = (low, high)
    fig, ax = style.figure(9.5, 1.6 + 0.55 * len(chosen))
    for k, row in chosen.iterrows():
        full_low, full_high = whole.at[row.parameter, "low"], whole.at[row.parameter, "high"]
        span = (full_high - full_low) or 1.0
        ax.barh(k, 1.0, left=0.0, color="#EEEEEE", height=0.6)
        colour = style.POSITIVE if row.restricted else style.REFERENCE
        ax.barh(k, (row.high - row.low) / span, left=(row.low - full_low) / span, color=colour, height=0.6)
        ax.text(1.01, k, f"{row.low:.3g} … {row.high:.3g}  (swept {full_low:.3g} … {full_high:.3g})", va="center")
    ax.set_yticks(np.arange(len(chosen)), chosen["parameter"])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xticks([0, 0.5, 1], ["low end", "middle", "high end"])
    ax.set_xlabel("Position within the swept range (blue: restricted by the box, grey: any value)")
    stats = tables["trajectory"].loc[meta["chosen_box"]]
    title = f"Box {meta['chosen_box']}: coverage {stats['coverage']:.0%}, density {stats['density']:.0%}"
    style.finish(fig, meta, title)
    return fig


CHARTS = {
    "tradeoff": (tradeoff, "coverage against density of PRIM's boxes"),
    "box_limits": (box_limits, "the chosen box's limits on each swept parameter"),
}
