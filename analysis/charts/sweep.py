"""Charts of a sweep: how outcomes respond to the swept parameters, and which parameters matter most."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.colors import Normalize, TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.ticker import FormatStrFormatter, MaxNLocator, ScalarFormatter

from powershift.analysis.charts import style
from powershift.analysis.charts.bands import banded_line, legend_entries, quantiles
from powershift.analysis.charts.comparison import FLOORS
from powershift.analysis.charts.options import ChartOptions
from powershift.analysis.results.power_index import index_name, power_index
from powershift.model.dyads import Dyad
from powershift.model.files import InputError

Tables = dict[str, pd.DataFrame]
BINS = 10
RUN_KEYS = ("point", "replicate", "seed")


def sensitivity(meta: dict[str, Any], tables: Tables, options: ChartOptions) -> Figure:
    """One panel per outcome that varies: each swept parameter's indices with 95 % confidence bars."""
    table = tables["sensitivity"]
    kinds = list(dict.fromkeys(table["index"]))
    shown = table.dropna(subset=["value"])
    outcomes = list(dict.fromkeys(shown["outcome"]))
    params = list(dict.fromkeys(table["parameter"]))
    if not outcomes:
        raise ValueError("no outcome varies across the sweep's points: there are no indices to draw")
    cols = min(4, len(outcomes))
    rows = -(-len(outcomes) // cols)
    height = 0.9 + rows * (0.5 + 0.32 * len(params) * len(kinds))
    fig, axes = style.figure(3.4 * cols + 1.5, height, nrows=rows, ncols=cols, squeeze=False, sharey=True)
    y = np.arange(len(params))
    width = 0.8 / len(kinds)
    colours = ["#0072B2", "#E69F00"]
    variance = "S1" in kinds
    for ax, outcome in zip(axes.ravel(), outcomes, strict=False):
        rows_of = shown[shown.outcome == outcome].set_index(["index", "parameter"])
        # shares of variance have no unit; elementary effects are in the outcome's, shown as its axis shows it
        factor = 1.0 if variance else outcome_label(outcome)[1]
        for k, kind in enumerate(kinds):
            values = [factor * rows_of["value"].get((kind, p), np.nan) for p in params]
            conf = [factor * rows_of["conf"].get((kind, p), np.nan) for p in params]
            offset = (k - (len(kinds) - 1) / 2) * width
            ax.barh(y + offset, values, width, xerr=np.nan_to_num(conf), color=colours[k % 2], label=kind, capsize=2)
        ax.axvline(0, color="#555555", linewidth=0.6)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.xaxis.set_major_formatter(FormatStrFormatter("%.2g"))  # no offset text to collide with labels
        ax.set_title(outcome if variance or factor == 1 else f"{outcome} (pp)", fontsize=9)
        ax.set_yticks(y, [wrapped_path(p) for p in params], fontsize=8)
        ax.invert_yaxis()
    for ax in axes.ravel()[len(outcomes) :]:
        ax.set_visible(False)
    unit = "share of outcome variance" if variance else "outcome units (mean |elementary effect|)"
    if variance:  # shares of variance: the panel holds [0, 1] and every bar's interval, up to [-1, 2]
        ends = pd.concat([shown["value"] - shown["conf"].fillna(0), shown["value"] + shown["conf"].fillna(0)])
        for ax in axes.ravel():
            ax.set_xlim(max(-1.0, min(-0.15, ends.min() - 0.05)), min(2.0, max(1.15, ends.max() + 0.05)))
    for ax in axes[-1]:
        ax.set_xlabel(unit, fontsize=8)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", bbox_to_anchor=(0.97, 1.0), ncols=len(kinds), frameon=False)
    style.finish(fig, meta, "Which parameters drive which outcomes (bars: 95 % confidence)")
    return fig


def wrapped_path(path: str, width: int = 30) -> str:
    """A parameter path in full, broken at its dots onto lines of about ``width`` characters (shortening it
    would hide which event or actor it is)."""
    lines, line = [], ""
    for part in path.split("."):
        piece = f".{part}" if line else part
        if line and len(line) + len(piece) > width:
            lines.append(line + ".")  # the dot stays, at the end of the line it closes
            line = part
        else:
            line += piece
    return "\n".join([*lines, line])


def outcome_label(name: str, index: str | None = None) -> tuple[str, float]:
    """An outcome's axis label with its unit, and the factor that puts its values in that unit.

    ``index``, the power index's name ('economic–military index'), joins the unit of power shares.
    """
    on = f", {index}" if index else ""
    if name.startswith("share_"):
        return f"{name.removeprefix('share_')} power share (%{on})", 100.0
    if name.startswith("alignment_"):
        return f"{Dyad.parse(name.removeprefix('alignment_')).label} alignment (−1 hostile … +1 allied)", 1.0
    if name == "bloc_power_0":
        return f"Power share of bloc 0 (%{on})", 100.0
    if name.startswith("bloc_"):
        return f"{name.removeprefix('bloc_')}'s bloc (0 = the start's largest power's, 1 = the other)", 1.0
    if name == "polarity":
        return "Polarity (effective number of poles)", 1.0
    if name == "first_bloc_switch":
        return "First bloc switch (years; never = not counted)", 1.0
    return name, 1.0


def name_of(label: str) -> str:
    return label.split(" (")[0]


def stacked(label: str) -> str:
    """A long label's unit on a line of its own: wrapping at a fixed width would split it mid-phrase."""
    return label if len(label) <= 30 else label.replace(" (", "\n(", 1)


def counted(runs: pd.DataFrame, outcome: str) -> str:
    """How many runs have a value, when some have none: the chart shows only those."""
    valid = int(runs[outcome].notna().sum())
    return "" if valid == len(runs) else f" · only {valid:,} of {len(runs):,} runs have a value"


def swept(meta: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["path"]: p for p in meta["design"]["params"]}


def chosen_outcome(meta: dict[str, Any], runs: pd.DataFrame, options: ChartOptions) -> str:
    """The reader's outcome, else the one the swept parameters move most: the largest spread of a parameter's
    binned medians, counted in the outcome's floor (``FLOORS``), so that shares, alignments and polarity
    compare on one footing and an outcome nobody swept for is not the default."""
    outcomes = [c for c in runs.columns if c not in RUN_KEYS and c not in swept(meta)]
    name = options.outcome or most_moved(meta, runs, [c for c in outcomes if floor_of(c) is not None])
    if name not in outcomes:
        raise InputError("--outcome", name, f"one of: {', '.join(outcomes)}")
    if runs[name].isna().all():
        raise InputError("--outcome", name, "an outcome with a value in at least one run (it has none here)")
    return name


def most_moved(meta: dict[str, Any], runs: pd.DataFrame, outcomes: list[str]) -> str:
    grid = meta["design"]["sampler"] == "grid"
    moved = {}
    for outcome in outcomes:
        _, factor = outcome_label(outcome)
        spreads = []
        for path, param in swept(meta).items():
            medians = (runs[outcome] * factor).groupby(binned(runs[path], param, grid).of_run).median()
            spreads.append(medians.max() - medians.min())
        moved[outcome] = np.nanmax(spreads) / floor_of(outcome)
    return max(moved, key=lambda o: (np.nan_to_num(moved[o]), o.startswith("share_")))


def floor_of(outcome: str) -> float | None:
    """The smallest span an axis or colour scale of this outcome covers, in its unit (``comparison.FLOORS``)."""
    return next((value for prefix, value in FLOORS.items() if outcome.startswith(prefix)), None)


def spread_at_least(low: float, high: float, floor: float | None) -> tuple[float, float]:
    """``low``–``high`` widened about its middle to ``floor``: a response smaller than the floor is drawn flat."""
    if floor is None or high - low >= floor:
        return low, high
    middle = (low + high) / 2
    return middle - floor / 2, middle + floor / 2


def outcome_colour(outcome: str, meta: dict[str, Any]) -> str:
    """A state's share in that state's colour; anything else in the colour of no state."""
    code = outcome.removeprefix("share_")
    return style.actor_colour(code, meta["actors"]) if outcome.startswith("share_") else style.NEUTRAL


def chosen_params(meta: dict[str, Any], options: ChartOptions) -> list[str]:
    paths = list(swept(meta))
    for path in options.params:
        if path not in paths:
            raise InputError("--param", path, f"one of the swept parameters: {', '.join(paths)}")
    return list(dict.fromkeys(options.params)) or paths


@dataclass(frozen=True)
class Bins:
    of_run: np.ndarray  # each run's bin, as the bin's centre
    centres: np.ndarray
    edges: np.ndarray


def binned(values: pd.Series, param: dict[str, Any], grid: bool) -> Bins:
    """Equal-width bins over the swept range.

    Grid (and other few-valued) designs keep their own values: binning them would merge or split levels.
    """
    levels = np.unique(values)
    if grid or len(levels) <= BINS:
        gaps = np.diff(levels) if len(levels) > 1 else np.array([1.0])
        edges = np.concatenate([[levels[0] - gaps[0] / 2], (levels[:-1] + levels[1:]) / 2, [levels[-1] + gaps[-1] / 2]])
        return Bins(values.to_numpy(dtype=float), levels, edges)
    edges = np.linspace(param["low"], param["high"], BINS + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    index = np.clip(np.searchsorted(edges, values.to_numpy(), side="right") - 1, 0, BINS - 1)
    return Bins(centres[index], centres, edges)


def plain_numbers(axis: Any) -> None:
    """Ticks as the values themselves: an offset ("+4.31e1") hides what a tick means."""
    axis.set_major_formatter(ScalarFormatter(useOffset=False))


def outcome_by_parameter(meta: dict[str, Any], tables: Tables, options: ChartOptions) -> Figure:
    """Small multiples of the outcome against each parameter: the shape of each response at a glance."""
    runs = tables["runs"]
    outcome, params = chosen_outcome(meta, runs, options), chosen_params(meta, options)
    label, factor = outcome_label(outcome, index_name(power_index(meta)))
    grid = meta["design"]["sampler"] == "grid"
    cols = min(3, len(params))
    rows = -(-len(params) // cols)
    fig, axes = style.figure(
        max(8.5, 4.2 * cols + 1.6), 0.9 + 3.3 * rows, nrows=rows, ncols=cols, squeeze=False, sharey=True
    )
    for ax, path in zip(axes.ravel(), params, strict=False):
        bins = binned(runs[path], swept(meta)[path], grid)
        frame = pd.DataFrame({"bin": bins.of_run, "value": runs[outcome].to_numpy() * factor})
        q = quantiles(frame, ["bin"], "value")
        banded_line(ax, q["bin"], q, outcome_colour(outcome, meta), "median of the runs in a bin", True, marker=".")
        ax.set_xlim(bins.edges[0], bins.edges[-1])
        ax.set_xlabel(path, fontsize=9)
        plain_numbers(ax.yaxis)
    for ax in axes.ravel()[len(params) :]:
        ax.set_visible(False)
    axes[0, 0].set_ylim(*spread_at_least(*axes[0, 0].get_ylim(), floor_of(outcome)))  # shared by every panel
    for ax in axes[:, 0]:
        ax.set_ylabel(stacked(label), fontsize=9)
    legend = legend_entries(axes[0, 0], True)
    fig.legend(*legend, loc="lower center", bbox_to_anchor=(0.5, 0.035), ncols=3, frameon=False, fontsize=8)
    title = f"{name_of(label)} against each swept parameter; other parameters vary across their ranges"
    title += counted(runs, outcome) + floor_note(outcome)
    style.finish(fig, meta, textwrap.fill(title, int(11 * fig.get_figwidth())), bottom=0.1 / rows)
    return fig


def heatmap_params(meta: dict[str, Any], options: ChartOptions) -> list[str]:
    """The reader's two parameters, topped up from the swept ones in order."""
    params = chosen_params(meta, options)
    params += [p for p in swept(meta) if p not in params]
    if len(params) < 2:
        raise InputError("--chart", "outcome_heatmap", "a sweep of at least two parameters")
    return params[:2]


def outcome_norm(outcome: str, values: np.ndarray) -> tuple[str, Normalize]:
    """Alignment diverges around 0 (its sign is the meaning); other outcomes run one way, over at least the
    outcome's floor, so that a spread of 0.005 pp does not take the whole colour scale.

    Alignment's scale is symmetric: equal shades mean equal strength, friendly or hostile, and a
    value barely above 0 does not take the darkest blue.
    """
    low, high = np.nanmin(values), np.nanmax(values)
    if outcome.startswith("alignment_"):
        reach = max(abs(low), abs(high), (floor_of(outcome) or 0.0) / 2, 1e-9)
        return "RdBu", TwoSlopeNorm(0.0, vmin=-reach, vmax=reach)
    return "viridis", Normalize(*spread_at_least(low, high, floor_of(outcome)))


def floor_note(outcome: str) -> str:
    floor = floor_of(outcome)
    if floor is None:
        return ""
    unit = " percentage points" if outcome.startswith(("share_", "bloc_power")) else ""
    return f" · the scale spans at least {floor:g}{unit}: smaller responses are drawn flat"


def outcome_heatmap(meta: dict[str, Any], tables: Tables, options: ChartOptions) -> Figure:
    """The outcome over two parameters at once: where they interact, the small multiples cannot show it."""
    runs = tables["runs"]
    outcome = chosen_outcome(meta, runs, options)
    (px, py), grid = heatmap_params(meta, options), meta["design"]["sampler"] == "grid"
    label, factor = outcome_label(outcome, index_name(power_index(meta)))
    x, y = binned(runs[px], swept(meta)[px], grid), binned(runs[py], swept(meta)[py], grid)
    frame = pd.DataFrame({"x": x.of_run, "y": y.of_run, "value": runs[outcome].to_numpy() * factor})
    cells = frame.groupby(["y", "x"])["value"].mean().unstack().reindex(index=y.centres, columns=x.centres)
    values = np.ma.masked_invalid(cells.to_numpy())
    cmap, norm = outcome_norm(outcome, values.filled(np.nan))
    fig, ax = style.figure(7.6, 5.8)
    ax.patch.set(hatch="///", edgecolor="#c8c8c8")  # empty cells: told apart from alignment's near-white 0
    mesh = ax.pcolormesh(x.edges, y.edges, values, cmap=cmap, norm=norm)
    bar = fig.colorbar(mesh, ax=ax, label=stacked(label))
    plain_numbers(bar.ax.yaxis)
    ax.set_xlabel(px)
    ax.set_ylabel(py)
    title = f"{name_of(label)}: mean of the runs in each cell (hatched: no run with a value){counted(runs, outcome)}"
    title += floor_note(outcome)
    style.finish(fig, meta, textwrap.fill(title, int(11 * fig.get_figwidth())))
    return fig


CHARTS = {
    "sensitivity": (sensitivity, "Sobol S1/ST or Morris mu*/sigma of every outcome, with 95 % confidence bars"),
    "outcome_by_parameter": (
        outcome_by_parameter,
        "an outcome (--outcome) against each swept parameter (--param): median with 50 %/90 % bands",
    ),
    "outcome_heatmap": (outcome_heatmap, "an outcome's mean over two swept parameters (--param twice)"),
}
