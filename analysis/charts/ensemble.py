"""Outcome charts of one ensemble, drawn from its stored tables so any chart can be redrawn without rerunning.

Each chart answers one question about the balance of power; bands show the spread across
replicates (50 % and 90 % of worlds) when there is more than one.
"""

from __future__ import annotations

import textwrap
from typing import Any

import matplotlib.patches as mpatches
import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from analysis import style
from analysis.charts.bands import banded_line, legend_entries, quantiles
from analysis.charts.options import ChartOptions, snapshot_dates

Tables = dict[str, pd.DataFrame]


def power_shares(meta: dict[str, Any], tables: Tables, options: ChartOptions) -> Figure:
    """Who holds how much of the set's power (left), and how that moves from the start (right)."""
    fig, (level, change) = style.figure(12, 5.2, ncols=2, gridspec_kw={"width_ratios": [1, 1]})
    traj = tables["trajectories"].copy()
    start = traj[traj.step == 0][["replicate", "actor", "power_share"]].rename(columns={"power_share": "start"})
    traj = traj.merge(start, on=["replicate", "actor"], how="left")
    traj["change"] = 100 * (traj["power_share"] - traj["start"])
    traj["percent"] = 100 * traj["power_share"]
    bands = meta["replicates"] > 1
    codes = meta["actors"]
    for code in codes:
        rows = traj[traj.actor == code]
        colour = style.actor_colour(code, codes)
        banded_line(level, sorted(rows.date.unique()), quantiles(rows, ["date"], "percent"), colour, code, bands)
        banded_line(change, sorted(rows.date.unique()), quantiles(rows, ["date"], "change"), colour, code, bands)
    level.set_ylabel("Share of the set's capability (%)")
    level.set_ylim(bottom=0)
    level.set_title("Power share")
    change.axhline(0, color="grey", linewidth=0.8)
    change.set_ylabel("Change since the start (percentage points)")
    change.set_title("Change since the start")
    for ax in (level, change):
        style.date_axis(ax)
    change.legend(*legend_entries(level, bands), loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    style.finish(fig, meta, "Power shares (median line)")
    return fig


def modal_members(traj: pd.DataFrame, step: int) -> dict[int, list[str]]:
    at = traj[traj.step == step]
    modal = at.groupby("actor")["bloc"].agg(lambda b: round(b.mean()))
    return {bloc: sorted(modal[modal == bloc].index) for bloc in (0, 1)}


def bloc_power(meta: dict[str, Any], tables: Tables, options: ChartOptions) -> Figure:
    """How much power each landscape-theory bloc holds, and who is in it."""
    fig, ax = style.figure()
    metrics, traj = tables["metrics"], tables["trajectories"]
    median = metrics.groupby("date")[["bloc_power_0", "bloc_power_1"]].median() * 100
    last = int(traj.step.max())
    start, end = modal_members(traj, 0), modal_members(traj, last)
    labels = [f"Bloc {b}: start {'+'.join(start[b]) or '—'} → end {'+'.join(end[b]) or '—'}" for b in (0, 1)]
    ax.stackplot(
        median.index,
        median["bloc_power_0"],
        median["bloc_power_1"],
        colors=style.BLOC_COLOURS,
        alpha=0.8,
        labels=labels,
    )
    for date, align in ((median.index[0], "left"), (median.index[-1], "right")):
        value = median.loc[date, "bloc_power_0"]
        for share, middle in ((value, value / 2), (100 - value, value + (100 - value) / 2)):
            ax.annotate(
                f"{share:.1f} %",
                (date, middle),
                ha=align,
                va="center",
                fontsize=9,
                color="white",
                fontweight="bold",
                xytext=(6 if align == "left" else -6, 0),
                textcoords="offset points",
            )
    changes = modal_changes(traj)
    for date, text in changes:
        ax.axvline(date, color="black", linewidth=0.8, linestyle=":")
        ax.annotate(text, (date, 98), rotation=90, va="top", ha="right", fontsize=7)
    ax.set_ylabel("Share of the set's capability (%)")
    ax.set_ylim(0, 100)
    style.date_axis(ax)
    ax.legend(loc="lower left", frameon=True, fontsize=9)
    style.finish(fig, meta, "Bloc power (median over worlds; most common membership)")
    return fig


def modal_changes(traj: pd.DataFrame) -> list[tuple[Any, str]]:
    """Dates at which an actor's most common bloc changes, with a label."""
    modal = traj.groupby(["date", "actor"])["bloc"].mean().round().unstack()
    changes = []
    for actor in modal.columns:
        series = modal[actor]
        for date in series.index[1:][series.diff().iloc[1:].ne(0).to_numpy()]:
            changes.append((date, f"{actor} → bloc {int(series[date])}"))
    return changes


def alignment_matrix(frame: pd.DataFrame, codes: list[str]) -> np.ndarray:
    index = {c: k for k, c in enumerate(codes)}
    m = np.full((len(codes), len(codes)), np.nan)
    for row in frame.itertuples():
        i, j = index[row.actor_a], index[row.actor_b]
        m[i, j] = m[j, i] = row.alignment
    return m


def alignment_heatmaps(meta: dict[str, Any], tables: Tables, options: ChartOptions) -> Figure:
    """Who is friends with whom at a few dates (median over worlds), one matrix per date."""
    align = tables["alignment"]
    codes = meta["actors"]
    dates = snapshot_dates(align["date"], options.dates)
    fig, axes = style.figure(4.3 * len(dates) + 1.2, 4.9, ncols=len(dates), squeeze=False)
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-1.0, vmax=1.0)
    image = None
    for ax, date in zip(axes[0], dates, strict=True):
        at = align[align.date == date].groupby(["actor_a", "actor_b"], as_index=False)["alignment"].median()
        m = alignment_matrix(at, codes)
        image = ax.imshow(m, cmap="RdBu", norm=norm)
        if len(codes) <= 12:
            for i, j in zip(*np.nonzero(~np.eye(len(codes), dtype=bool)), strict=True):
                colour = "white" if abs(m[i, j]) > 0.55 else "black"
                ax.text(j, i, f"{m[i, j]:+.2f}", ha="center", va="center", fontsize=8, color=colour)
        ax.set_xticks(range(len(codes)), codes)
        ax.set_yticks(range(len(codes)), codes)
        ax.set_title(f"{date:%Y-%m}", fontweight="bold")
        for side in ("top", "right"):
            ax.spines[side].set_visible(True)
    fig.subplots_adjust(left=0.05, right=0.88, top=0.84, bottom=0.08, wspace=0.25)
    fig.colorbar(image, ax=axes[0].tolist(), label="Alignment (−1 hostile … +1 allied)", shrink=0.85)
    style.finish(fig, meta, "Alignment between each pair of states (median over worlds)", tight=False)
    return fig


def focus_dyads(meta: dict[str, Any]) -> list[tuple[str, str]]:
    focus = meta["parameters"].get("focus") or []
    return [tuple(sorted(p.split("-"))) for p in focus]  # type: ignore[misc]


def first_firings(meta: dict[str, Any], events: pd.DataFrame) -> pd.DataFrame:
    """Each event's first firing date, for events that fire at that date in at least half the worlds."""
    share = events.groupby(["event", "date"]).size() / meta["replicates"]
    common = share[share >= 0.5].reset_index()
    return common.sort_values(["date", "event"]).groupby("event").head(1)


def focus_alignment(meta: dict[str, Any], tables: Tables, options: ChartOptions) -> Figure:
    """How the dyads the scenario is about move, with the scenario's events marked."""
    align, events = tables["alignment"], tables["events"]
    dyads = focus_dyads(meta) or sorted({(r.actor_a, r.actor_b) for r in align.itertuples()})[:4]
    fig, ax = style.figure(12.5, 6.5 + 0.25 * (len(dyads) // 6))
    bands = meta["replicates"] > 1
    for k, (a, b) in enumerate(dyads):
        rows = align[(align.actor_a == a) & (align.actor_b == b)]
        colour, dash = style.dyad_style(k)
        q = quantiles(rows, ["date"], "alignment")
        banded_line(ax, sorted(rows.date.unique()), q, colour, f"{a}–{b}", bands, linestyle=dash)
    ax.axhline(0, color="grey", linewidth=0.8)
    listing = []
    for n, (date, group) in enumerate(first_firings(meta, events).groupby("date"), 1):
        ax.axvline(date, color="#999999", linewidth=0.6, linestyle="--", zorder=0)
        ax.annotate(
            str(n),
            (date, 1.0),
            ha="center",
            va="bottom",
            fontsize=8,
            fontweight="bold",
            bbox={"boxstyle": "circle,pad=0.2", "facecolor": "white", "edgecolor": "#777777"},
        )
        listing += textwrap.wrap(f"{n:>2}  {date:%Y-%m}  {', '.join(group.event)}", 58, subsequent_indent=" " * 13)
    ax.set_ylim(-1.05, 1.12)
    ax.set_ylabel("Alignment (−1 hostile … +1 allied)")
    style.date_axis(ax)
    handles, labels = legend_entries(ax, bands)
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=min(6, len(labels)), frameon=False)
    if listing:
        more = [f"    … {len(listing) - 40} more lines"] if len(listing) > 40 else []
        ax.text(
            1.02,
            1.0,
            "Events (first firing in ≥ half of worlds)\n" + "\n".join(listing[:40] + more),
            transform=ax.transAxes,
            va="top",
            ha="left",
            fontsize=7,
            family="monospace",
        )
    style.finish(fig, meta, "Focus dyads: alignment over time (median" + (", 50 %/90 % bands)" if bands else ")"))
    return fig


def network(meta: dict[str, Any], tables: Tables, options: ChartOptions) -> Figure:
    """The signed alignment network at a few dates: who leans with whom, sized by power, coloured by bloc.

    Every state keeps its place on the circle in every panel, so a reader compares dates by eye.
    """
    align, traj = tables["alignment"], tables["trajectories"]
    codes = meta["actors"]
    dates = snapshot_dates(align["date"], options.dates)
    angle = np.pi / 2 - 2 * np.pi * np.arange(len(codes)) / len(codes)
    pos = {c: (np.cos(a), np.sin(a)) for c, a in zip(codes, angle, strict=True)}
    fig, axes = style.figure(5.2 * len(dates), 5.8, ncols=len(dates), squeeze=False)
    for ax, date in zip(axes[0], dates, strict=True):
        ties = align[align.date == date].groupby(["actor_a", "actor_b"], as_index=False)["alignment"].median()
        now = traj[traj.date == date]
        power = now.groupby("actor")["power_share"].median()
        bloc = now.groupby("actor")["bloc"].mean().round().astype(int)
        network_panel(ax, pos, ties, power, bloc, labels=len(codes) <= 8)
        ax.set_title(f"{date:%Y-%m}", pad=16, fontweight="bold")
    legend = [
        Line2D([], [], color=style.POSITIVE, linewidth=4, label="positive alignment (width = strength)"),
        Line2D([], [], color=style.NEGATIVE, linewidth=4, label="negative alignment"),
        mpatches.Patch(color=style.BLOC_COLOURS[0], label="bloc 0 (node size = power share)"),
        mpatches.Patch(color=style.BLOC_COLOURS[1], label="bloc 1"),
    ]
    fig.legend(handles=legend, loc="lower center", bbox_to_anchor=(0.5, 0.03), ncol=4, frameon=False, fontsize=9)
    style.finish(fig, meta, "Signed alignment network (median over worlds; most common bloc)", bottom=0.1)
    return fig


def network_panel(
    ax: Any, pos: dict[str, tuple[float, float]], ties: pd.DataFrame, power: pd.Series, bloc: pd.Series, labels: bool
) -> None:
    for row in ties.itertuples():
        (x1, y1), (x2, y2) = pos[row.actor_a], pos[row.actor_b]
        strength = abs(row.alignment)
        ax.plot(
            [x1, x2],
            [y1, y2],
            color=style.POSITIVE if row.alignment >= 0 else style.NEGATIVE,
            linewidth=0.5 + 7 * strength,
            alpha=0.35 + 0.6 * strength,
            solid_capstyle="round",
            zorder=1,
        )
        if labels:
            box = {"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1}
            ax.text(
                (x1 + x2) / 2, (y1 + y2) / 2, f"{row.alignment:+.2f}", fontsize=8, ha="center", va="center", bbox=box
            )
    for code, (x, y) in pos.items():
        share = power[code]
        ax.scatter([x], [y], s=300 + 6000 * share, color=style.BLOC_COLOURS[bloc[code]], zorder=2, edgecolor="black")
        radius = 0.22 + 0.5 * np.sqrt(share)
        label = f"{code} {100 * share:.0f}%"
        ax.text(x * (1 + radius), y * (1 + radius), label, ha="center", va="center", fontweight="bold", zorder=3)
    ax.set_xlim(-1.65, 1.65)
    ax.set_ylim(-1.45, 1.45)
    ax.set_aspect("equal")
    ax.axis("off")


CHARTS = {
    "power_shares": (power_shares, "power share of each state over time, median with 50 %/90 % bands"),
    "bloc_power": (bloc_power, "power of the two landscape blocs over time (stacked), membership changes marked"),
    "alignment_heatmaps": (
        alignment_heatmaps,
        "alignment matrix at chosen dates (default: start, middle, end)",
    ),
    "focus_alignment": (focus_alignment, "the scenario's focus dyads over time, with its events marked and listed"),
    "network": (network, "signed alignment network at chosen dates: node size = power, colour = bloc"),
}
