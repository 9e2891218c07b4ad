"""Outcome charts drawn from stored tables, so any chart can be redrawn without rerunning.

Each chart answers one question about the balance of power; bands show the spread across
replicates (50 % and 90 % of worlds) when there is more than one.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib.patches as mpatches
import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm
from matplotlib.lines import Line2D
from matplotlib.ticker import FormatStrFormatter, MaxNLocator

from analysis import style

Tables = dict[str, pd.DataFrame]


def quantiles(frame: pd.DataFrame, by: list[str], column: str) -> pd.DataFrame:
    grouped = frame.groupby(by)[column]
    return pd.DataFrame({q: grouped.quantile(q) for q in (0.05, 0.25, 0.5, 0.75, 0.95)}).reset_index()


def banded_line(ax: Any, x: Any, q: pd.DataFrame, colour: str, label: str, bands: bool) -> None:
    if bands:
        ax.fill_between(x, q[0.05], q[0.95], color=colour, alpha=0.12, linewidth=0)
        ax.fill_between(x, q[0.25], q[0.75], color=colour, alpha=0.28, linewidth=0)
    ax.plot(x, q[0.5], color=colour, linewidth=2, label=label)


def legend_entries(ax: Any, bands: bool) -> tuple[list[Any], list[str]]:
    """The axes' lines, plus swatches explaining the bands when there are any."""
    handles, labels = ax.get_legend_handles_labels()
    if bands:
        handles += [mpatches.Patch(color="grey", alpha=0.4), mpatches.Patch(color="grey", alpha=0.15)]
        labels += ["50 % of worlds", "90 % of worlds"]
    return handles, labels


def power_shares(meta: dict[str, Any], tables: Tables, path: Path) -> None:
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
    style.save(fig, path)


def modal_members(traj: pd.DataFrame, step: int) -> dict[int, list[str]]:
    at = traj[traj.step == step]
    modal = at.groupby("actor")["bloc"].agg(lambda b: round(b.mean()))
    return {bloc: sorted(modal[modal == bloc].index) for bloc in (0, 1)}


def bloc_power(meta: dict[str, Any], tables: Tables, path: Path) -> None:
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
    style.save(fig, path)


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


def alignment_heatmaps(meta: dict[str, Any], tables: Tables, path: Path) -> None:
    """Who is friends with whom at the start and at the end (median over worlds)."""
    align = tables["alignment"]
    codes = meta["actors"]
    steps = sorted({0, int(align.step.max())})
    fig, axes = style.figure(4.6 * len(steps) + 1.2, 4.8, ncols=len(steps), squeeze=False)
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-1.0, vmax=1.0)
    image = None
    for ax, step in zip(axes[0], steps, strict=True):
        at = align[align.step == step].groupby(["actor_a", "actor_b"], as_index=False)["alignment"].median()
        m = alignment_matrix(at, codes)
        image = ax.imshow(m, cmap="RdBu", norm=norm)
        for i in range(len(codes)):
            for j in range(len(codes)):
                if i != j and len(codes) <= 12:
                    ax.text(
                        j,
                        i,
                        f"{m[i, j]:+.2f}",
                        ha="center",
                        va="center",
                        fontsize=8,
                        color="white" if abs(m[i, j]) > 0.55 else "black",
                    )
        ax.set_xticks(range(len(codes)), codes)
        ax.set_yticks(range(len(codes)), codes)
        ax.set_title(str(align.loc[align.step == step, "date"].iloc[0].date()))
        for side in ("top", "right"):
            ax.spines[side].set_visible(True)
    fig.colorbar(image, ax=axes[0].tolist(), label="Alignment (−1 hostile … +1 allied)", shrink=0.85)
    fig.suptitle(f"Alignment at start and end (median)\n{style.subtitle(meta)}", x=0.01, ha="left")
    fig.text(0.01, 0.005, f"powershift {meta.get('version', '')} · {style.DATA_NOTE}", fontsize=7, color="#555555")
    style.save(fig, path)


def focus_dyads(meta: dict[str, Any]) -> list[tuple[str, str]]:
    focus = meta["parameters"].get("focus") or []
    return [tuple(sorted(p.split("-"))) for p in focus]  # type: ignore[misc]


def first_firings(meta: dict[str, Any], events: pd.DataFrame) -> pd.DataFrame:
    """Each event's first firing date, for events that fire at that date in at least half the worlds."""
    share = events.groupby(["event", "date"]).size() / meta["replicates"]
    common = share[share >= 0.5].reset_index()
    return common.sort_values(["date", "event"]).groupby("event").head(1)


def focus_alignment(meta: dict[str, Any], tables: Tables, path: Path) -> None:
    """How the dyads the scenario is about move, with the scenario's events marked."""
    align, events = tables["alignment"], tables["events"]
    dyads = focus_dyads(meta) or sorted({(r.actor_a, r.actor_b) for r in align.itertuples()})[:4]
    fig, ax = style.figure(12, 6)
    palette = ["#000000", "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00"]
    bands = meta["replicates"] > 1
    for k, (a, b) in enumerate(dyads):
        rows = align[(align.actor_a == a) & (align.actor_b == b)]
        banded_line(
            ax,
            sorted(rows.date.unique()),
            quantiles(rows, ["date"], "alignment"),
            palette[k % len(palette)],
            f"{a}–{b}",
            bands,
        )
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
    ax.legend(*legend_entries(ax, bands), loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    if listing:
        more = [f"    … {len(listing) - 30} more lines"] if len(listing) > 30 else []
        ax.text(
            1.02,
            0.55,
            "Events (first firing in ≥ half of worlds)\n" + "\n".join(listing[:30] + more),
            transform=ax.transAxes,
            va="top",
            ha="left",
            fontsize=7,
            family="monospace",
        )
    style.finish(fig, meta, "Focus dyads: alignment over time (median" + (", 50 %/90 % bands)" if bands else ")"))
    style.save(fig, path)


def network(meta: dict[str, Any], tables: Tables, path: Path) -> None:
    """The signed alignment network at the end: who leans with whom, sized by power."""
    align, traj = tables["alignment"], tables["trajectories"]
    codes = meta["actors"]
    last = int(align.step.max())
    ties = align[align.step == last].groupby(["actor_a", "actor_b"], as_index=False)["alignment"].median()
    power = traj[traj.step == last].groupby("actor")["power_share"].median()
    bloc = traj[traj.step == last].groupby("actor")["bloc"].mean().round().astype(int)
    angle = np.pi / 2 - 2 * np.pi * np.arange(len(codes)) / len(codes)
    pos = {c: (np.cos(a), np.sin(a)) for c, a in zip(codes, angle, strict=True)}
    fig, ax = style.figure(7.5, 7.0)
    for row in ties.itertuples():
        (x1, y1), (x2, y2) = pos[row.actor_a], pos[row.actor_b]
        colour = "#0072B2" if row.alignment >= 0 else "#D55E00"
        ax.plot(
            [x1, x2],
            [y1, y2],
            color=colour,
            linewidth=0.5 + 7 * abs(row.alignment),
            alpha=0.35 + 0.6 * abs(row.alignment),
            solid_capstyle="round",
            zorder=1,
        )
        if len(codes) <= 8:
            ax.text(
                (x1 + x2) / 2,
                (y1 + y2) / 2,
                f"{row.alignment:+.2f}",
                fontsize=8,
                ha="center",
                va="center",
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1},
            )
    for code in codes:
        x, y = pos[code]
        ax.scatter(
            [x], [y], s=300 + 6000 * power[code], color=style.BLOC_COLOURS[bloc[code]], zorder=2, edgecolor="black"
        )
        radius = 0.2 + 0.45 * np.sqrt(power[code])
        ax.text(
            x * (1 + radius),
            y * (1 + radius),
            f"{code} {100 * power[code]:.0f}%",
            ha="center",
            va="center",
            fontweight="bold",
            fontsize=10,
            zorder=3,
        )
    ax.set_xlim(-1.6, 1.6)
    ax.set_ylim(-1.6, 1.6)
    ax.set_aspect("equal")
    ax.axis("off")
    legend = [
        Line2D([], [], color="#0072B2", linewidth=4, label="positive alignment (width = strength)"),
        Line2D([], [], color="#D55E00", linewidth=4, label="negative alignment"),
        mpatches.Patch(color=style.BLOC_COLOURS[0], label="bloc 0 (node size = power share)"),
        mpatches.Patch(color=style.BLOC_COLOURS[1], label="bloc 1"),
    ]
    ax.legend(handles=legend, loc="lower center", bbox_to_anchor=(0.5, -0.08), ncol=2, frameon=False, fontsize=8)
    date = align.loc[align.step == last, "date"].iloc[0].date()
    style.finish(fig, meta, f"Signed alignment network at {date} (median)")
    style.save(fig, path)


def sensitivity_bars(meta: dict[str, Any], table: pd.DataFrame, path: Path) -> None:
    """One panel per outcome that varies: each swept parameter's indices with 95 % confidence bars."""
    kinds = list(dict.fromkeys(table["index"]))
    shown = table.dropna(subset=["value"])
    outcomes = list(dict.fromkeys(shown["outcome"]))
    params = list(dict.fromkeys(table["parameter"]))
    if not outcomes:
        return
    cols = min(4, len(outcomes))
    rows = -(-len(outcomes) // cols)
    height = 0.9 + rows * (0.5 + 0.32 * len(params) * len(kinds))
    fig, axes = style.figure(3.4 * cols + 1.5, height, nrows=rows, ncols=cols, squeeze=False, sharey=True)
    y = np.arange(len(params))
    width = 0.8 / len(kinds)
    colours = ["#0072B2", "#E69F00"]
    for ax, outcome in zip(axes.ravel(), outcomes, strict=False):
        rows_of = shown[shown.outcome == outcome].set_index(["index", "parameter"])
        for k, kind in enumerate(kinds):
            values = [rows_of["value"].get((kind, p), np.nan) for p in params]
            conf = [rows_of["conf"].get((kind, p), np.nan) for p in params]
            offset = (k - (len(kinds) - 1) / 2) * width
            ax.barh(y + offset, values, width, xerr=np.nan_to_num(conf), color=colours[k % 2], label=kind, capsize=2)
        ax.axvline(0, color="#555555", linewidth=0.6)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.xaxis.set_major_formatter(FormatStrFormatter("%.2g"))  # no offset text to collide with labels
        ax.set_title(outcome, fontsize=9)
        ax.set_yticks(y, [textwrap.shorten(p, 34) for p in params], fontsize=8)
        ax.invert_yaxis()
    for ax in axes.ravel()[len(outcomes) :]:
        ax.set_visible(False)
    unit = "share of outcome variance" if "S1" in kinds else "outcome units (mean |elementary effect|)"
    for ax in axes[-1]:
        ax.set_xlabel(unit, fontsize=8)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", bbox_to_anchor=(0.97, 1.0), ncols=len(kinds), frameon=False)
    style.finish(fig, meta, "Which parameters drive which outcomes (bars: 95 % confidence)")
    path.parent.mkdir(parents=True, exist_ok=True)
    style.save(fig, path)


CHARTS: dict[str, Callable[[dict[str, Any], Tables, Path], None]] = {
    "power_shares": power_shares,
    "bloc_power": bloc_power,
    "alignment_heatmaps": alignment_heatmaps,
    "focus_alignment": focus_alignment,
    "network": network,
}


def draw_all(meta: dict[str, Any], tables: Tables, folder: Path, fmt: str = "png") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, draw in CHARTS.items():
        path = folder / f"{name}.{fmt}"
        draw(meta, tables, path)
        paths.append(path)
    return paths
