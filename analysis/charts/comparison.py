"""Charts of a comparison: where the futures differ, by how much, and how sure that is.

The first scenario is the reference, drawn in grey; every other scenario keeps the actor's colour
(or black for dyads and system measures) with its own line style. The lower row of each chart is
the difference from the reference with its 50 % and 90 % intervals over paired replicates, and a
grey hatched band: where the median difference could lie from seed noise alone (``noise_band``), so
that an effect is told from chance. Shares and probabilities come as fractions of 1 and are drawn in
percent, their differences in percentage points (``display_factor``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import ScalarFormatter

from powershift.analysis.analyze.comparison import differences, display_factor, noise_band
from powershift.analysis.analyze.spread import QUANTILES
from powershift.analysis.charts import style
from powershift.analysis.charts.bands import banded_line, quantiles
from powershift.analysis.charts.options import ChartOptions
from powershift.analysis.results.power_index import index_name, power_index

Tables = dict[str, pd.DataFrame]
MAX_COLUMNS = 5
# The narrowest difference axis of a group in the end-state chart, in the unit it is drawn in (percentage points for
# shares and probabilities, ``display_factor``): an axis stretched over differences
# that are all 0 or rounding residue (±1e-9) would draw them as effects. Probabilities that differ by less than a
# percentage point are "not within reach" (as in the ensemble's bloc-safety chart).
FLOORS = {"share_": 0.1, "alignment_": 0.01, "bloc_power": 0.1, "polarity": 0.01, "p_bloc1_": 1.0}
# A difference panel spans at least this share of its level panel's range either side of 0: a difference of
# 0.01 points on a share that varies by 5 across worlds must not fill its panel like an effect.
DIFFERENCE_FLOOR = 0.1
FORMATS = {"bloc_gap": "+.2g"}  # energies are ~0.001: three decimals would write every difference as +0.000
LEGEND_INCHES = 0.15  # the legend's distance from the bottom edge: above the footnote's line
NOISE = {"facecolor": "none", "edgecolor": "#7A7A7A", "hatch": "////", "linewidth": 0.0}  # the seed-noise band


def outcome_panels(
    meta: dict[str, Any],
    table: pd.DataFrame,
    outcomes: list[str],
    colours: list[str],
    units: tuple[str, str],
    title: str,
) -> Figure:
    """Per outcome, a column of two panels: each scenario's trajectory, then its difference from the first; the
    legend below them and ``title`` above."""
    scenarios = meta["scenarios"]
    drawn = table[table["outcome"].isin(outcomes)]
    diff, noise = differences(drawn, meta["paired"]), noise_band(drawn, meta["paired"])
    cols = min(MAX_COLUMNS, len(outcomes))
    blocks = -(-len(outcomes) // cols)
    fig, axes = style.figure(3.3 * cols + 1.8, 5.6 * blocks + 0.6, nrows=2 * blocks, ncols=cols, squeeze=False)
    for k, outcome in enumerate(outcomes):
        level, change = axes[2 * (k // cols), k % cols], axes[2 * (k // cols) + 1, k % cols]
        factor, lines, ends = display_factor(outcome), [], []
        for s, scenario in enumerate(scenarios):
            rows = drawn[(drawn["scenario"] == scenario) & (drawn["outcome"] == outcome)]
            colour, dash = line_style(s, colours[k])
            q = scaled(quantiles(rows, ["date"], "value"), factor)
            banded_line(level, q["date"], q, colour, scenario, True, linestyle=dash)
            if s:
                d = diff[(diff["scenario"] == scenario) & (diff["outcome"] == outcome)]
                dq = scaled(quantiles(d, ["date"], "value"), factor)
                band = noise[(noise["scenario"] == scenario) & (noise["outcome"] == outcome)]
                change.fill_between(band["date"], factor * band["low"], factor * band["high"], zorder=1.5, **NOISE)
                banded_line(change, dq["date"], dq, colour, f"{scenario} − {scenarios[0]}", True, linestyle=dash)
                lines.append(dq)
                ends.append(band.iloc[-1])
        change.axhline(0, color=style.REFERENCE, linewidth=1)
        low, high = level.get_ylim()
        floor = DIFFERENCE_FLOOR * (high - low)
        bottom, top = change.get_ylim()
        change.set_ylim(min(bottom, -floor), max(top, floor))
        noise_notes(change, lines, ends, factor)
        level.set_title(outcome_name(outcome), fontweight="bold", color=colours[k])
        for ax in (level, change):
            style.date_axis(ax, step=4)
        level.set_ylabel(units[0] if k % cols == 0 else "")
        change.set_ylabel(units[1] if k % cols == 0 else "")
    hide_unused(axes, len(outcomes), cols)
    top = fitted_legend(fig, legend(scenarios, colours, meta["paired"]))
    style.finish(fig, meta, f"{title} ({pairing(meta)})", (top + 0.1) / fig.get_figheight())
    return fig


def fitted_legend(fig: Figure, handles: list[Any]) -> float:
    """The legend at the foot of the figure, above the footnote, in as many columns as its width holds (a figure
    of one or two panels stacks the entries); its top edge, in inches from the bottom."""
    renderer = fig.canvas.get_renderer()
    for ncols in range(len(handles), 0, -1):
        placed = fig.legend(
            handles=handles,
            loc="lower center",
            bbox_to_anchor=(0.5, LEGEND_INCHES / fig.get_figheight()),
            ncols=ncols,
            frameon=False,
        )
        box = placed.get_window_extent(renderer)
        if box.width <= 0.98 * fig.bbox.width or ncols == 1:
            break
        placed.remove()
    return box.y1 / fig.dpi


def noise_notes(ax: Any, lines: list[pd.DataFrame], bands: list[pd.Series], factor: float) -> None:
    """Each difference's end with the half-width of its seed-noise band there, written in the panel: the band is
    often thinner than the line. 'at 2034: +0.094 ± 0.0029 pp (± seed noise)'; with several scenarios their values
    on a second line, in the scenarios' order (each names its line by where it ends). In the left half, at the top
    or the bottom, whichever the difference lines leave more room at."""
    unit = " pp" if factor != 1 else ""
    parts = [noise_note(q.iloc[-1], band, factor) for q, band in zip(lines, bands, strict=True)]
    left = pd.concat([q[0.5].iloc[: len(q) // 2 + 1] for q in lines])
    bottom, top = ax.get_ylim()
    up = top - left.max() >= left.min() - bottom
    year = f"{lines[0]['date'].iloc[-1]:%Y}"
    several = f"at {year}, ± seed noise{f' ({unit.strip()})' if unit else ''}:\n{', '.join(parts)}"
    ax.text(
        0.02,
        0.97 if up else 0.03,
        f"at {year}: {parts[0]}{unit} (± seed noise)" if len(parts) == 1 else several,
        transform=ax.transAxes,
        va="top" if up else "bottom",
        fontsize=7,
        color="#333333",
    )


def noise_note(end: pd.Series, band: pd.Series, factor: float) -> str:
    """'+0.094 ± 0.0029': a difference's end and its band's half-width, to the digits the noise leaves meaningful
    (two of the half-width)."""
    half = factor * (band["high"] - band["low"]) / 2
    digits = 3 if half <= 0 else max(0, 1 - math.floor(math.log10(half)))
    value = f"{end[0.5]:+.{digits}f}".replace("-", "−")  # the axes' minus sign
    return f"{value} ± {half:.{digits}f}"


def scaled(q: pd.DataFrame, factor: float) -> pd.DataFrame:
    """Quantiles in the unit they are drawn in (``display_factor``): shares and probabilities in %."""
    out = q.copy()
    out[list(QUANTILES)] = q[list(QUANTILES)] * factor
    return out


def hide_unused(axes: np.ndarray, used: int, cols: int) -> None:
    for k in range(used, axes.shape[0] // 2 * cols):
        axes[2 * (k // cols), k % cols].set_visible(False)
        axes[2 * (k // cols) + 1, k % cols].set_visible(False)


def line_style(index: int, colour: str) -> tuple[str, str]:
    if index == 0:
        return style.REFERENCE, "-"
    return colour, style.SCENARIO_STYLES[(index - 1) % len(style.SCENARIO_STYLES)]


def legend(scenarios: list[str], colours: list[str], paired: bool) -> list[Any]:
    """One entry per scenario (its line style; 'coloured' when each panel has its own colour), then the bands."""
    coloured = len(set(colours)) > 1
    handles = [Line2D([], [], color=style.REFERENCE, linewidth=2, label=f"{scenarios[0]} (reference)")]
    for s, name in enumerate(scenarios[1:], 1):
        colour, dash = line_style(s, "black" if coloured else colours[0])
        label = f"{name} (in each state's colour)" if coloured else name
        handles.append(Line2D([], [], color=colour, linestyle=dash, linewidth=2, label=label))
    handles += [
        Line2D([], [], color="grey", alpha=0.45, linewidth=8, label="50 % of worlds"),
        Line2D([], [], color="grey", alpha=0.2, linewidth=8, label="90 % of worlds"),
        noise_patch(paired),
    ]
    return handles


def noise_patch(paired: bool) -> Patch:
    """The legend entry of the seed-noise band: what it is and what was resampled (on two lines, so that it fits
    beside the others in a figure of one panel)."""
    over = "paired worlds" if paired else "each scenario's worlds"
    return Patch(**NOISE, label=f"90 % band of the median from seed noise\n(bootstrap over {over})")


def outcome_name(outcome: str) -> str:
    """The axis label of an outcome column: the state or dyad it is about."""
    named = {"bloc_power_0": "bloc 0", "polarity": "polarity", "bloc_gap": "bloc gap"}
    return named.get(outcome, outcome.removeprefix("p_bloc1_").split("_", 1)[-1])


def pairing(meta: dict[str, Any]) -> str:
    return "paired replicates" if meta["paired"] else "all pairs of worlds (not paired: different seeds)"


def compare_power_shares(meta: dict[str, Any], tables: Tables, options: ChartOptions) -> Figure:
    """Each state's power share in every scenario, and how much each scenario moves it."""
    table = tables["series"]
    outcomes = [o for o in table["outcome"].unique() if o.startswith("share_")]
    codes = [o.removeprefix("share_") for o in outcomes]
    colours = [style.actor_colour(c, codes) for c in codes]
    units = (style.share_label(meta, stacked=True), "Difference\n(percentage points)")
    return outcome_panels(
        meta, table, outcomes, colours, units, "Power shares: scenarios and their difference from the first"
    )


def compare_alignment(meta: dict[str, Any], tables: Tables, options: ChartOptions) -> Figure:
    """The focus dyads in every scenario, and how much each scenario moves them."""
    table = tables["series"]
    outcomes = [o for o in table["outcome"].unique() if o.startswith("alignment_")]
    units = ("Alignment\n(−1 hostile … +1 allied)", "Difference")
    title = "Alignment: scenarios and their difference from the first"
    return outcome_panels(meta, table, outcomes, [style.NEUTRAL] * len(outcomes), units, title)


def compare_end_state(meta: dict[str, Any], tables: Tables, options: ChartOptions) -> Figure:
    """Every outcome's difference from the reference at the end, on one page: where the futures part."""
    table = tables["series"]
    last = table[table["date"] == table["date"].max()]
    diff = quantiles(differences(last, meta["paired"]), ["outcome", "scenario"], "value")
    factors = diff["outcome"].map(display_factor)
    diff[list(QUANTILES)] = diff[list(QUANTILES)].mul(factors, axis=0)
    noise = noise_band(last, meta["paired"])
    noise[["low", "high"]] = noise[["low", "high"]].mul(noise["outcome"].map(display_factor), axis=0)
    noise = noise.set_index(["outcome", "scenario"])
    index = index_name(power_index(meta))
    groups = [
        ("share_", f"Power share (percentage points, {index})"),
        ("alignment_", "Alignment (−1 … +1 scale)"),
        ("bloc_power", f"Power of bloc 0 (percentage points, {index})"),
        ("polarity", "Polarity (effective poles)"),
        ("p_bloc1_", f"P(bloc 1): probability of being in bloc 1 (percentage points){bloc_sides(meta)}"),
        ("bloc_gap", "Bloc gap (landscape energy, power-share² × alignment)"),
    ]
    groups = [(p, label) for p, label in groups if diff["outcome"].str.startswith(p).any()]
    sizes = [diff[diff["outcome"].str.startswith(p)]["outcome"].nunique() for p, _ in groups]
    fig, axes = style.figure(
        9.5,
        1.6 + 0.42 * sum(sizes) + 0.5 * len(groups),
        nrows=len(groups),
        squeeze=False,
        gridspec_kw={"height_ratios": [s + 1.2 for s in sizes]},
    )
    scenarios = meta["scenarios"][1:]
    for ax, (prefix, label) in zip(axes[:, 0], groups, strict=True):
        rows = diff[diff["outcome"].str.startswith(prefix)]
        names = [o for o in table["outcome"].unique() if o.startswith(prefix)]
        for s, scenario in enumerate(scenarios):
            offset = (s - (len(scenarios) - 1) / 2) * 0.25
            at = rows[rows["scenario"] == scenario].set_index("outcome").loc[names]
            y = np.arange(len(names)) + offset
            colour = "black" if len(scenarios) == 1 else style.SPARE_COLOURS[s % len(style.SPARE_COLOURS)]
            band = noise.xs(scenario, level="scenario").loc[names]
            ax.barh(y, band["high"] - band["low"], left=band["low"], height=0.22, zorder=0.5, **NOISE)
            interval_rows(ax, at, y, colour, f"{scenario} − {meta['scenarios'][0]}", FORMATS.get(prefix, "+.3f"))
        ax.axvline(0, color=style.REFERENCE, linewidth=1)
        ax.set_yticks(range(len(names)), [outcome_name(n) for n in names])
        ax.invert_yaxis()
        ax.set_xlabel(label)
        limit = max(abs(rows[0.05]).max(), abs(rows[0.95]).max(), FLOORS.get(prefix, 1e-9)) * 1.15
        ax.set_xlim(-limit, limit)
        ax.xaxis.set_major_formatter(ScalarFormatter(useOffset=False))
    handles, labels = axes[0, 0].get_legend_handles_labels()
    handles += [Line2D([], [], color="black", linewidth=4), Line2D([], [], color="black", linewidth=1.2)]
    handles.append(noise_patch(meta["paired"]))
    labels += ["50 % of pairs", "90 % of pairs", handles[-1].get_label()]
    axes[0, 0].legend(handles, labels, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, frameon=False, fontsize=9)
    date = pd.Timestamp(last["date"].iloc[0]).date()
    style.finish(
        fig, meta, f"Difference from '{meta['scenarios'][0]}' at {date} (median and intervals over {pairing(meta)})"
    )
    return fig


def bloc_sides(meta: dict[str, Any]) -> str:
    """When the scenarios' bloc 0 is not the same state's side (another index can make another state the largest),
    say whose it is in each: a P(bloc 1) difference may then only mean that bloc 1 names another side."""
    sides = {m["label"]: m.get("bloc_0_side") for m in meta.get("members") or []}
    if len({side for side in sides.values() if side}) < 2:
        return ""
    return "\nbloc 0 is the side of " + ", ".join(f"{side} in {label}" for label, side in sides.items() if side)


def interval_rows(ax: Any, at: pd.DataFrame, y: np.ndarray, colour: str, label: str, fmt: str = "+.3f") -> None:
    """Median dots with 50 % and 90 % intervals, the median also written in the right margin."""
    ax.hlines(y, at[0.05], at[0.95], color=colour, linewidth=1.2)
    ax.hlines(y, at[0.25], at[0.75], color=colour, linewidth=4)
    ax.plot(at[0.5], y, "o", color="white", markeredgecolor=colour, label=label)
    for value, row in zip(at[0.5], y, strict=True):
        ax.annotate(
            f"{value:{fmt}}",
            (1.0, row),
            xycoords=("axes fraction", "data"),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
            color=colour,
            annotation_clip=False,
        )


CHARTS = {
    "compare_power_shares": (compare_power_shares, "each state's power share per scenario, and the difference"),
    "compare_alignment": (compare_alignment, "the focus dyads per scenario, and the difference from the first"),
    "compare_end_state": (compare_end_state, "every outcome's difference from the first scenario at the end"),
}
