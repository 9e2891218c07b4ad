"""The waterfall of an explanation: from the dyad's start level, each part's push, to its end level."""

from __future__ import annotations

import textwrap
from typing import Any

import matplotlib.patches as mpatches
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from powershift.analysis.analyze.explanation import summarise, total_effects
from powershift.analysis.charts import style
from powershift.analysis.charts.options import ChartOptions

Tables = dict[str, pd.DataFrame]
MAX_PARTS = 14  # beyond this many, the smallest parts are drawn as one bar


def waterfall(meta: dict[str, Any], tables: Tables, options: ChartOptions) -> Figure:
    """Bars of mean pushes that add up from start to end, each with the 90 % range across worlds."""
    summary = summarise(tables["parts"])
    start, end = (summary[summary["kind"] == "level"].set_index("name").loc[k] for k in ("start", "end"))
    parts = grouped_parts(summary[summary["kind"].isin(["mechanism", "event"])])
    fig, ax = style.figure(11, 2.2 + 0.42 * (len(parts) + 2))
    base = meta.get("against")
    labels = [f"{'Difference at start' if base else 'Start'} ({meta['from'][:7]})"]
    ax.barh(0, start["mean"], color=style.REFERENCE, height=0.6)
    ax.hlines(0, start["low"], start["high"], color="black", linewidth=1)
    level = start["mean"]
    for row, part in enumerate(parts.itertuples(), 1):
        colour = style.POSITIVE if part.mean >= 0 else style.NEGATIVE
        ax.barh(
            row,
            part.mean,
            left=level,
            color=colour,
            height=0.6,
            hatch="//" if part.kind == "event" else None,
            edgecolor="white" if part.kind == "event" else colour,
            linewidth=0,
        )
        ax.hlines(row, level + part.low, level + part.high, color="black", linewidth=1)
        ax.annotate(
            f"{part.mean:+.3f}",
            (max(level, level + part.mean, level + part.high), row),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
        ax.plot([level + part.mean] * 2, [row - 0.3, row + 0.7], color="#555555", linewidth=0.6)
        level += part.mean
        labels.append(part_label(part))
    last = len(parts) + 1
    ax.barh(last, end["mean"], color=style.REFERENCE, height=0.6)
    ax.hlines(last, end["low"], end["high"], color="black", linewidth=1)
    labels.append(f"{'Difference at end' if base else 'End'} ({meta['to'][:7]})")
    ax.set_yticks(np.arange(last + 1), labels, fontsize=9)
    ax.invert_yaxis()
    ax.axvline(0, color="#555555", linewidth=0.8)
    ax.set_xlabel(
        f"{meta['dyad']} alignment, scenario minus {base['scenario']}"
        if base
        else f"{meta['dyad']} alignment (−1 hostile … +1 allied)"
    )
    ax.legend(handles=legend(), loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=9)
    note = (
        "Bars: means over worlds, which add up from start to end. An event's bar is its direct push; "
        "what it does through trade, ties or threat is in the mechanisms' bars."
    )
    ax.text(1.01, 0.0, textwrap.fill(note, 38), transform=ax.transAxes, fontsize=8, va="bottom", color="#333333")
    title = (
        f"What moved {meta['dyad']} relative to {base['scenario']}: each part's paired difference"
        if base
        else f"Why {meta['dyad']} moved: what each mechanism and event added"
    )
    style.finish(fig, meta, title)
    return fig


def grouped_parts(parts: pd.DataFrame) -> pd.DataFrame:
    """The largest parts, with the rest summed into one bar (its interval is not drawn: it is a sum)."""
    if len(parts) <= MAX_PARTS:
        return parts
    kept, rest = parts.iloc[: MAX_PARTS - 1], parts.iloc[MAX_PARTS - 1 :]
    other = {"kind": "other", "name": f"{len(rest)} smaller parts", "what": "", "mean": rest["mean"].sum()}
    other.update({"low": other["mean"], "high": other["mean"], "median": other["mean"], "acted": 1.0})
    return pd.concat([kept, pd.DataFrame([other])], ignore_index=True)


def part_label(part: Any) -> str:
    if part.kind == "mechanism":
        return f"{part.name} — {part.what}"
    if part.kind == "event":
        return f"event: {part.name} ({part.what})" if part.what else f"event: {part.name}"
    return part.name


def legend() -> list[Any]:
    return [
        mpatches.Patch(color=style.POSITIVE, label="warming"),
        mpatches.Patch(color=style.NEGATIVE, label="cooling"),
        mpatches.Patch(facecolor="#999999", hatch="//", edgecolor="white", label="event (direct push)"),
        mpatches.Patch(color=style.REFERENCE, label="level at start / end"),
        Line2D([], [], color="black", linewidth=1, label="90 % of worlds"),
    ]


def event_effects(meta: dict[str, Any], tables: Tables, options: ChartOptions) -> Figure:
    """Each event's total effect (paired runs without it): median and 90 % of worlds, largest first."""
    effects = total_effects(tables["parts"])
    effects = effects[effects["acted"] > 0]
    fig, ax = style.figure(10, 1.8 + 0.36 * max(len(effects), 1))
    y = np.arange(len(effects))
    colours = [style.POSITIVE if m >= 0 else style.NEGATIVE for m in effects["median"]]
    ax.barh(y, effects["median"], color=colours, height=0.6)
    ax.hlines(y, effects["low"], effects["high"], color="black", linewidth=1)
    ax.set_yticks(y, [f"{r.name} ({r.what})" for r in effects.itertuples()], fontsize=9)
    ax.invert_yaxis()
    ax.axvline(0, color="#555555", linewidth=0.8)
    ax.set_xlabel(f"Effect on the {meta['dyad']} alignment change (with the event minus without it)")
    keys = legend()
    handles = [keys[0], keys[1], keys[-1]]  # warming, cooling, interval
    ax.legend(handles=handles, loc="lower right", frameon=False, fontsize=9)
    style.finish(fig, meta, f"What each event did to {meta['dyad']}, indirect effects included (not additive)")
    return fig


CHARTS = {
    "waterfall": (waterfall, "the dyad's change split into each mechanism's and event's push, start to end"),
    "event_effects": (
        event_effects,
        "each event's total effect from paired runs without it (explain --counterfactual)",
    ),
}
