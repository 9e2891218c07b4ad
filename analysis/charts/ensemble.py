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
from matplotlib.ticker import FormatStrFormatter

from powershift.analysis.charts import style
from powershift.analysis.charts.bands import banded_line, legend_entries, quantiles
from powershift.analysis.charts.options import ChartOptions, snapshot_dates
from powershift.analysis.results.power_index import index_name, power_index
from powershift.model.dyads import Dyad
from powershift.model.files import InputError

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
    level.set_ylabel(style.share_label(meta))
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
    ax.set_ylabel(style.share_label(meta, "Share of the set's power"))
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


SAFETY_COLUMNS = 6  # small multiples per row before the actors wrap onto another pair of rows
REACH = 0.01  # a probability within this of 0 or 1 is "not within reach": its wiggles are rounding, not effects
NOISE_LABEL = "one year of alignment noise: s.d. of the flip's energy change (median)"


def switch_chances(traj: pd.DataFrame) -> pd.DataFrame:
    """The trajectories with ``start_bloc`` (each world's bloc at step 0) and ``switch``, the chance (%) of being
    in the other bloc: p_bloc1 for a state that started in bloc 0, 1 − p_bloc1 for one that started in bloc 1."""
    start = traj.loc[traj.step == 0, ["replicate", "actor", "bloc"]].rename(columns={"bloc": "start_bloc"})
    out = traj.merge(start, on=["replicate", "actor"], how="left")
    out["switch"] = 100 * np.where(out["start_bloc"] == 1, 1 - out["p_bloc1"], out["p_bloc1"])
    return out


def within_reach(traj: pd.DataFrame) -> bool:
    """Whether any state, in any world and year, has a membership probability more than ``REACH`` from 0 and 1."""
    p = traj["p_bloc1"].dropna().to_numpy()
    return bool(p.size) and bool(np.minimum(p, 1 - p).max() > REACH)


def anchor_actors(traj: pd.DataFrame) -> set[str]:
    """The start's largest power in each world: bloc 0 is its side, so its p_bloc1 is 0 by construction."""
    start = traj[traj.step == 0]
    return set(start.loc[start.groupby("replicate")["power_share"].idxmax(), "actor"])


def flip_noise(meta: dict[str, Any], tables: Tables) -> pd.DataFrame | None:
    """How much one year of alignment noise typically moves the energy of each state's flip (replicate, step, date,
    actor, scale), from the tables; None when the manifest does not give the noise parameters.

    The noise on pair i-j has s.d. sd × (1 + boost × (1 − the less stable side's stability)) × (1 − A_ij²) per
    sqrt(year), and moves the landscape energy by s_i s_j times that; k's flip changes the status of every pair
    k-j, so its energy change has s.d. sqrt(sum over j of (s_k s_j noise_kj)²): the scale against which the
    membership probabilities weigh k's flip cost (at ``blocs.temperature`` = 1 year).
    """
    noise = ((meta.get("parameters") or {}).get("mechanisms") or {}).get("noise") or {}
    traj, align = tables["trajectories"], tables.get("alignment")
    if "sd" not in noise or align is None or "stability" not in traj:
        return None
    keys = ["replicate", "step"]
    states = traj[[*keys, "actor", "power_share", "stability"]]
    pairs = align[[*keys, "date", "actor_a", "actor_b", "alignment"]]
    for side in ("a", "b"):
        named = states.rename(columns={"actor": f"actor_{side}", "power_share": f"s_{side}", "stability": f"q_{side}"})
        pairs = pairs.merge(named, on=[*keys, f"actor_{side}"])
    weakest = np.minimum(pairs["q_a"], pairs["q_b"])
    sd = noise["sd"] * (1 + noise.get("instability_boost", 0.0) * (1 - weakest)) * (1 - pairs["alignment"] ** 2)
    term = (pairs["s_a"] * pairs["s_b"] * sd) ** 2
    both = pd.concat(
        [pairs[[*keys, "date"]].assign(actor=pairs[f"actor_{side}"], term=term) for side in ("a", "b")],
        ignore_index=True,
    )
    out = both.groupby([*keys, "date", "actor"], as_index=False)["term"].sum()
    return out.assign(scale=np.sqrt(out.pop("term")))


def year_step(dates: list[Any], ticks: int = 4) -> int:
    """A year-tick step that puts at most ``ticks`` labels on a narrow panel."""
    span = (pd.Timestamp(dates[-1]) - pd.Timestamp(dates[0])).days / 365.25
    return next(s for s in (1, 2, 4, 5, 10, 20, 50, 100) if span / s <= ticks)


def percent(value: float) -> str:
    """A chance as a reader takes it in: 0.1 % steps, and '< 0.1 %' rather than a rounding residue like 2e-07 %."""
    return "< 0.1 %" if value < 0.05 else f"{value:.1f} %"


def median_band(ax: Any, q: pd.DataFrame, colour: str, label: str, bands: bool) -> None:
    """The median over worlds and, when there are several, the band holding 90 % of them (5–95 %)."""
    if bands:
        ax.fill_between(q["date"], q[0.05], q[0.95], color=colour, alpha=0.22, linewidth=0)
    ax.plot(q["date"], q[0.5], color=colour, linewidth=2, label=label)


def bloc_safety(meta: dict[str, Any], tables: Tables, options: ChartOptions) -> Figure:
    """How close each state is to switching bloc: its chance of being in the other bloc than at the start
    (top row) and the energy it would take to switch alone, against the noise scale (bottom row)."""
    if "p_bloc1" not in tables["trajectories"].columns:
        raise InputError("--chart", "bloc_safety", "a results folder that records bloc safety (rerun it: p_bloc1)")
    traj = switch_chances(tables["trajectories"])
    codes = meta["actors"]
    bands = meta["replicates"] > 1
    anchors, noise = anchor_actors(traj), flip_noise(meta, tables)
    cols = min(SAFETY_COLUMNS, len(codes))
    blocks = -(-len(codes) // cols)
    height = 2.4 + 5.0 * blocks
    fig, axes = style.figure(2.9 * cols + 1.6, height, nrows=2 * blocks, ncols=cols, squeeze=False)
    step = year_step(sorted(traj["date"].unique()))
    for k, code in enumerate(codes):
        chance, cost = axes[2 * (k // cols), k % cols], axes[2 * (k // cols) + 1, k % cols]
        rows = traj[traj.actor == code]
        colour = style.actor_colour(code, codes)
        chance_panel(chance, rows, code, colour, bands, code in anchors)
        scale = None if noise is None else noise[noise.actor == code].groupby("date")["scale"].median()
        cost_panel(cost, rows, code, colour, bands, scale)
        label_safety_panels(chance, cost, step, first_column=k % cols == 0, last_block=k // cols == blocks - 1)
    hide_unused(axes, len(codes), cols)
    safety_legend(fig, bands, noise is not None, height)
    safety_caption(fig, meta, height)
    safety_layout(fig, meta, height, within_reach(traj))
    return fig


def chance_panel(ax: Any, rows: pd.DataFrame, code: str, colour: str, bands: bool, anchor: bool) -> None:
    """A state's chance of being in the other bloc, on the whole 0–100 % scale so that the panels compare;
    the note gives the highest chance in words, which a line hugging 0 % hides."""
    median_band(ax, quantiles(rows, ["date"], "switch"), colour, code, bands)
    ax.set_title(code, color=colour, fontweight="bold")
    ax.axhline(50, color=style.REFERENCE, linewidth=0.6, linestyle=":")
    ax.set_ylim(-4, 104)
    ax.set_yticks([0, 25, 50, 75, 100])
    if anchor:
        note = "the start's largest power:\nits side defines bloc 0,\nso 0 % by construction"
    else:
        note = f"highest in any world\nand year: {percent(rows['switch'].max())}"
    ax.text(0.5, 0.75, note, transform=ax.transAxes, ha="center", va="center", fontsize=8, color="#555555")


def cost_panel(ax: Any, rows: pd.DataFrame, code: str, colour: str, bands: bool, scale: pd.Series | None) -> None:
    """A state's flip cost on its own scale, with the noise ``scale`` of its flip (when known) as the
    yardstick: a cost well above the dashed line is safe, one near it is within the noise's reach."""
    median_band(ax, quantiles(rows, ["date"], "flip_cost"), colour, code, bands)
    if scale is not None:
        ax.plot(scale.index, scale.to_numpy(), color="#555555", linewidth=1, linestyle="--", label=NOISE_LABEL)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(FormatStrFormatter("%.2g"))


def label_safety_panels(chance: Any, cost: Any, step: int, first_column: bool, last_block: bool) -> None:
    """Axis labels only where they are read: y labels on the first column, the x label under the last
    block of states (elsewhere it would run into the titles of the next row)."""
    for ax in (chance, cost):
        style.date_axis(ax, step)
    chance.set_xlabel("")
    if not last_block:
        cost.set_xlabel("")
    if first_column:
        chance.set_ylabel("Chance of being in the other\nbloc than at the start (%)")
        cost.set_ylabel("Flip cost (landscape energy,\npower-share² × alignment)")


def safety_legend(fig: Figure, bands: bool, noise: bool, height: float) -> None:
    """One legend for all panels, under them: the lines are in each state's colour, so its entries are black."""
    median = "median over worlds" if bands else "the one world"
    handles = [Line2D([], [], color="black", linewidth=2, label=f"{median} (in each state's colour)")]
    if bands:
        handles.append(mpatches.Patch(color="black", alpha=0.22, label="90 % of worlds (5–95 %)"))
    if noise:
        handles.append(Line2D([], [], color="#555555", linewidth=1, linestyle="--", label=NOISE_LABEL))
    inch = 1 / height
    fig.legend(
        handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.42 * inch), ncols=len(handles), frameon=False
    )


def safety_caption(fig: Figure, meta: dict[str, Any], height: float) -> None:
    """What the two rows measure, in words, at the foot: neither quantity is one a reader already knows."""
    temperature = ((meta.get("parameters") or {}).get("blocs") or {}).get("temperature", 1.0)
    years = f"{temperature:g} year{'s' * (temperature != 1)}"
    inch = 1 / height
    fig.text(
        0.5,
        0.2 * inch,
        f"Chance: the weight of every split of the states into two blocs, each weighed by how likely {years} of "
        "alignment noise is to close its energy lead over the best split. Flip cost: the energy rise if the state "
        "alone switched side (each panel has its own scale).",
        ha="center",
        va="bottom",
        fontsize=8,
        color="#333333",
        wrap=True,
    )


def safety_layout(fig: Figure, meta: dict[str, Any], height: float, reach: bool) -> None:
    """Title, the caveat when no state comes within reach (flat lines would otherwise look like a drawing
    fault), and margins in inches, so that the heading and legend keep their room whatever the height."""
    inch = 1 / height
    if not reach:
        caveat = fig.text(
            0.5,
            1 - 0.95 * inch,
            f"No state comes within reach of switching: every probability stays within {100 * REACH:g} % of 0 "
            "or 100 % in every world and year.",
            ha="center",
            va="center",
            fontsize=10,
            fontweight="bold",
            color="#333333",
            bbox={"boxstyle": "round,pad=0.35", "facecolor": "#F2F2F2", "edgecolor": "#BBBBBB"},
        )
    title = "How close each state is to switching bloc"
    style.finish(fig, meta, title, tight=False)
    lines = style.heading(fig, meta, title).count("\n") + 1
    if not reach:
        caveat.set_y(1 - (0.42 + 0.22 * lines) * inch)
    left = 1.1 / fig.get_figwidth()
    fig.subplots_adjust(
        left=left,
        right=0.99,
        top=1 - (0.6 + 0.22 * lines + 0.4 * (not reach)) * inch,
        bottom=1.35 * inch,
        hspace=0.36,
        wspace=0.32,
    )


def hide_unused(axes: np.ndarray, used: int, cols: int) -> None:
    for k in range(used, axes.shape[0] // 2 * cols):
        axes[2 * (k // cols), k % cols].set_visible(False)
        axes[2 * (k // cols) + 1, k % cols].set_visible(False)


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


def focus_dyads(meta: dict[str, Any]) -> list[Dyad]:
    """The run's focus dyads, in the alphabetical order the alignment table holds pairs in."""
    return [Dyad.parse(p).canonical() for p in meta["parameters"].get("focus") or []]


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
        banded_line(ax, sorted(rows.date.unique()), q, colour, Dyad(a, b).label, bands, linestyle=dash)
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
    # one date still gets the width of two: the title, footnote and legend need it
    fig, axes = style.figure(max(5.2 * len(dates), 10.4), 6.3, ncols=len(dates), squeeze=False)
    index = index_name(power_index(meta))
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
        mpatches.Patch(color=style.BLOC_COLOURS[0], label=f"bloc 0 (node size = power share, {index})"),
        mpatches.Patch(color=style.BLOC_COLOURS[1], label="bloc 1"),
    ]
    fig.legend(handles=legend, loc="lower center", bbox_to_anchor=(0.5, 0.03), ncol=4, frameon=False, fontsize=9)
    style.finish(fig, meta, "Signed alignment network (median over worlds; most common bloc)", bottom=0.1)
    fig.subplots_adjust(top=1 - 1.2 / fig.get_figheight())  # tight_layout leaves the dates under the subtitle
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
        label = f"{code} {100 * share:.1f}%"  # whole percent would hide PAK's 0.9 → 1.0 and most changes
        ax.text(x * (1 + radius), y * (1 + radius), label, ha="center", va="center", fontweight="bold", zorder=3)
    ax.set_xlim(-1.65, 1.65)
    ax.set_ylim(-1.45, 1.45)
    ax.set_aspect("equal")
    ax.axis("off")


CHARTS = {
    "power_shares": (power_shares, "power share of each state over time, median with 50 %/90 % bands"),
    "bloc_power": (bloc_power, "power of the two landscape blocs over time (stacked), membership changes marked"),
    "bloc_safety": (
        bloc_safety,
        "how close each state is to switching bloc: its chance of the other bloc, and its flip cost against noise",
    ),
    "alignment_heatmaps": (
        alignment_heatmaps,
        "alignment matrix at chosen dates (default: start, middle, end)",
    ),
    "focus_alignment": (focus_alignment, "the scenario's focus dyads over time, with its events marked and listed"),
    "network": (network, "signed alignment network at chosen dates: node size = power, colour = bloc"),
}
