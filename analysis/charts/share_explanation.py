"""What moved a state's power share relative to a baseline: components that add up, couplings that overlap."""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from powershift.analysis.analyze.share_against import PP, summarise
from powershift.analysis.charts import style
from powershift.analysis.charts.comparison import FLOORS
from powershift.analysis.charts.options import ChartOptions

Tables = dict[str, pd.DataFrame]


def share_parts(meta: dict[str, Any], tables: Tables, options: ChartOptions) -> Figure:
    """Top: the difference and each component's exact part of it; bottom: what each coupling carries and
    what is left with every coupling off. Means over worlds in pp, with the 90 % range across worlds."""
    summary = summarise(tables["parts"])
    top = summary[summary["kind"].isin(["difference", "component"])]
    bottom = summary[summary["kind"].isin(["coupling", "remaining"])]
    rows = len(top) + len(bottom)
    fig, (upper, lower) = style.figure(
        11, 2.6 + 0.42 * rows, nrows=2, height_ratios=[max(len(top), 1), max(len(bottom), 1)]
    )
    colour = style.actor_colour(meta["state"], meta["source"]["actors"])
    draw_bars(upper, top, colour)
    draw_bars(lower, bottom, colour)
    low, high = axis_range(summary[summary["kind"] != "level"])
    for ax in (upper, lower):
        ax.set_xlim(low, high)
        ax.axvline(0, color="#555555", linewidth=0.8)
    upper.set_title("Components: their parts add up to the difference", loc="left", fontsize=10)
    lower.set_title("Couplings: the difference each carries (overlapping, not additive)", loc="left", fontsize=10)
    base = meta["against"]["scenario"]
    lower.set_xlabel(style.share_label(meta, f"{meta['state']}'s power share, scenario minus {base}", "pp"))
    keys = [
        Patch(color=style.REFERENCE, label="difference (scenario − baseline)"),
        Patch(color=colour, label="part of it"),
        Patch(facecolor=style.REFERENCE, hatch="//", edgecolor="white", label="left with every coupling off"),
        Line2D([], [], color="black", linewidth=1, label="90 % of worlds"),
    ]
    upper.legend(handles=keys, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=9)
    note = (
        f"The axis spans at least {FLOORS['share_']:g} pp, so that a part too small to matter looks small. "
        "A coupling's bar is the difference minus the paired difference with that coupling switched off "
        "in both runs."
    )
    lower.text(1.01, 0.0, textwrap.fill(note, 38), transform=lower.transAxes, fontsize=8, va="bottom")
    title = f"What moved {meta['state']}'s power share relative to {base}"
    style.finish(fig, meta, title)
    return fig


def axis_range(rows: pd.DataFrame) -> tuple[float, float]:
    """From zero to the widest interval (either side), at least the share floor wide, with room for labels."""
    low = min(0.0, PP * rows["low"].min(), PP * rows["mean"].min())
    high = max(0.0, PP * rows["high"].max(), PP * rows["mean"].max())
    if high - low < FLOORS["share_"]:
        grow = FLOORS["share_"] - (high - low)
        low, high = (
            (low - grow / 2, high + grow / 2)
            if low < 0 < high
            else (low, high + grow)
            if low == 0
            else (low - grow, high)
        )
    pad = 0.2 * (high - low)
    return low - (pad if low < 0 else 0.02 * (high - low)), high + (pad if high > 0 else 0.02 * (high - low))


def draw_bars(ax: Any, rows: pd.DataFrame, colour: str) -> None:
    y = np.arange(len(rows))
    fills = [style.REFERENCE if kind in ("difference", "remaining") else colour for kind in rows["kind"]]
    hatches = ["//" if kind == "remaining" else None for kind in rows["kind"]]
    for k, (value, fill, hatch) in enumerate(zip(PP * rows["mean"], fills, hatches, strict=True)):
        ax.barh(k, value, color=fill, height=0.6, hatch=hatch, edgecolor="white" if hatch else fill, linewidth=0)
    ax.hlines(y, PP * rows["low"], PP * rows["high"], color="black", linewidth=1)
    for k, r in enumerate(rows.itertuples()):
        ax.annotate(
            f"{PP * r.mean:+.3f}",
            (max(0.0, PP * r.mean, PP * r.high), k),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    ax.set_yticks(y, [label(r) for r in rows.itertuples()], fontsize=9)
    ax.invert_yaxis()


def label(row: Any) -> str:
    if row.kind == "coupling":
        return f"{row.what} ({row.name})"
    if row.kind in ("difference", "remaining"):
        return row.what
    return f"{row.name} — {row.what}"


CHARTS = {
    "share_parts": (share_parts, "the share difference from the baseline split by component, and each coupling's part"),
}
