"""Charts of hindcast scores: skill against the baselines by horizon, and calibration (coverage, PIT).

Both draw from a tidy frame of scores, one row per origin × period × quantity × horizon, with
columns ``origin``, ``period`` ("calibration" | "held-back"), ``quantity``, ``horizon``,
``crps_skill_vs_persistence``, ``crps_skill_vs_trend``, ``brier_skill``, ``coverage_50``,
``coverage_90`` and ``n`` (outcomes scored); the PIT chart also takes a frame of ``period``,
``quantity`` and ``pit`` values (``analysis.scores.pit``).
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from powershift.analysis.charts import style
from powershift.analysis.validation.hindcast import Hindcast, footnote
from powershift.analysis.validation.scores import pit_histogram

PERIODS = ("calibration", "held-back")
# Periods are neither actors nor signs: indigo and orange, far apart for every colour vision.
PERIOD_COLOURS = {"calibration": style.NEUTRAL, "held-back": "#E69F00"}
BASELINES = {"persistence": ("crps_skill_vs_persistence", "-"), "trend": ("crps_skill_vs_trend", "--")}
RAW_BASELINES = {"crps_skill_vs_persistence": "crps_persistence", "crps_skill_vs_trend": "crps_trend"}
SCORE_COLUMNS = ("origin", "period", "quantity", "horizon", "n")
SMALL_N = 30  # a point pooled from fewer outcomes than this has its n written next to it
SKILL_FLOOR = -1.0  # skill below this (worse than twice the baseline's CRPS) is drawn at the floor, value written
TARGET_90 = (0.75, 0.98)  # coverage of the 90 % band that is acceptable for a model of this kind
TARGET_COLOUR = "#E3E3E3"
PIT_BINS = 10
ZERO_LABEL = "0: no better than the baseline"
FOOTNOTE_POINTS = 7


def hindcast_charts(hindcast: Hindcast, folder: Path) -> list[Path]:
    """The hindcast's two charts, skill by horizon and coverage, into ``folder``/charts."""
    charts = folder / "charts"
    charts.mkdir(exist_ok=True)
    note = footnote(hindcast)
    return [
        skill_by_horizon(hindcast.scores, charts / "hindcast_skill.png", note),
        coverage_chart(hindcast.scores, hindcast.pits, charts / "hindcast_coverage.png", note),
    ]


def skill_by_horizon(scores: pd.DataFrame, path: Path, footnote: str) -> Path:
    """Write ``skill_chart`` to ``path`` (PNG, or the format its suffix names)."""
    return _write(skill_chart(scores, footnote), path)


def coverage_chart(scores: pd.DataFrame, pits: pd.DataFrame, path: Path, footnote: str) -> Path:
    """Write ``calibration_chart`` to ``path`` (PNG, or the format its suffix names)."""
    return _write(calibration_chart(scores, pits, footnote), path)


def skill_chart(scores: pd.DataFrame, footnote: str) -> Figure:
    """One panel per quantity: CRPS skill against persistence (solid) and trend (dashed) by horizon.

    One colour per period, so that held-back skill can be read against calibration skill: skill
    that holds only in the calibration period is fitted, not forecast. A point is the skill pooled
    over origins (see ``_pooled``; a frame with one row per period × quantity × horizon is drawn as
    it is); faint dots are the single origins' skills, so that one lucky origin is seen as one.
    """
    _check(scores, (*SCORE_COLUMNS, *(column for column, _ in BASELINES.values())))
    quantities = list(dict.fromkeys(scores["quantity"]))
    periods = _periods(scores)
    cols = min(3, len(quantities))
    rows = -(-len(quantities) // cols)
    fig, axes = style.figure(
        max(9.0, 4.2 * cols + 0.6), 3.3 * rows + 1.9, nrows=rows, ncols=cols, squeeze=False, sharey=True
    )
    horizons = np.sort(scores["horizon"].unique())
    low = _skill_floor(scores)
    for ax, quantity in zip(axes.ravel(), quantities, strict=False):
        _skill_panel(ax, scores[scores["quantity"] == quantity], quantity, periods, horizons, low)
    top = axes[0, 0].get_ylim()[1]
    axes[0, 0].set_ylim(low - 0.1 * (top - low), top)  # room under the floor for the values clipped to it
    for ax in axes[:, 0]:
        ax.set_ylabel("CRPS skill (1 − CRPS / baseline CRPS)")
    for ax in axes.ravel()[len(quantities) :]:
        ax.set_visible(False)
    handles, labels = _skill_legend(periods)
    title = "CRPS skill of the ensemble by horizon: skill > 0 beats the baseline, skill < 0 does worse than it"
    _finish(fig, title, _subtitle(scores), footnote, handles, labels)
    return fig


def _skill_panel(
    ax: Any, frame: pd.DataFrame, quantity: str, periods: list[str], horizons: np.ndarray, low: float
) -> None:
    """One quantity's skill by horizon, every period against both baselines. The outcome counts are written
    at the points only when they differ: one count for the whole panel goes in its title once."""
    ax.axhline(0, color=style.REFERENCE, linewidth=1.2, zorder=1)
    counts = {
        int(n)
        for period in periods
        for n in _pooled(frame[frame["period"] == period], BASELINES["persistence"][0])["n"]
        if n > 0
    }
    uniform = len(counts) == 1  # one n for every point: say it once in the title instead of at each point
    for k, period in enumerate(periods):
        rows_of = frame[frame["period"] == period]
        colour = PERIOD_COLOURS.get(period, style.SPARE_COLOURS[k % len(style.SPARE_COLOURS)])
        nudge = (k - (len(periods) - 1) / 2) * 0.06  # periods side by side, so their dots and labels part
        for column, dashes in BASELINES.values():
            counted = column == BASELINES["persistence"][0] and not uniform
            _baseline_skill(ax, rows_of, column, dashes, colour, nudge, low, counted, above=k % 2 == 0)
    ax.set_title(f"{quantity} ({next(iter(counts))} outcomes a point)" if uniform else quantity, fontsize=10)
    ax.set_xticks(horizons)
    ax.set_xlim(horizons.min() - 0.4, horizons.max() + 0.4)
    ax.set_xlabel("Horizon (years after the origin)")
    ax.yaxis.set_major_locator(MaxNLocator(6))


def _baseline_skill(
    ax: Any,
    rows_of: pd.DataFrame,
    column: str,
    dashes: str,
    colour: str,
    nudge: float,
    low: float,
    counted: bool,
    above: bool,
) -> None:
    """One period's skill against one baseline: the pooled line, each origin's faint dot, the value of a
    point clipped to the floor ``low`` (so that one collapse does not flatten the rest of the panel) and,
    when ``counted``, the n of points pooled from too few outcomes to trust."""
    pooled = _pooled(rows_of, column)
    x = pooled.index.to_numpy(float) + nudge
    shown = pooled["value"].clip(lower=low)
    ax.plot(x, shown, dashes, color=colour, linewidth=1.8, marker="o", markersize=3.5, zorder=3)
    ax.scatter(
        rows_of["horizon"] + nudge,
        rows_of[column].clip(lower=low),
        s=8,
        color=colour,
        alpha=0.25,
        linewidths=0,
        zorder=2,
    )
    for h, value in zip(x, pooled["value"], strict=True):
        if value < low:
            _note(ax, h, low, f"↓ {value:.1f}".replace("-", "−"), colour, above=False)
    if counted:
        for h, value, n in zip(x, shown, pooled["n"], strict=True):
            if n < SMALL_N and np.isfinite(value):
                _note(ax, h, value, f"n={n:g}", colour, above=above)


def _skill_legend(periods: list[str]) -> tuple[list, list[str]]:
    """The skill chart's one legend: the panels share their periods, reference line and baselines."""
    handles = [Line2D([], [], color=PERIOD_COLOURS.get(p, style.SPARE_COLOURS[0]), linewidth=2.5) for p in periods]
    labels = [f"{p} period" for p in periods]
    handles.append(Line2D([], [], color=style.REFERENCE, linewidth=1.2))
    labels.append(ZERO_LABEL)
    for name, (_, dashes) in BASELINES.items():
        handles.append(Line2D([], [], color="#333333", linestyle=dashes, linewidth=1.5))
        labels.append(f"vs {name}")
    handles.append(Line2D([], [], color="#333333", marker="o", linestyle="", alpha=0.3, markersize=3))
    labels.append("one origin")
    return handles, labels


def calibration_chart(scores: pd.DataFrame, pits: pd.DataFrame, footnote: str) -> Figure:
    """Calibration: how often the 50 % and 90 % bands held the observation, and the PIT histograms.

    Left, the observed coverage of each band per quantity and period against its nominal level
    (pooled over origins and horizons, weighted by ``n``), with the 75–98 % range accepted for the
    90 % band shaded: below it the ensemble is over-confident, above it too wide to be informative.
    Right, one PIT histogram per period, pooled over quantities and horizons, as a density: flat at
    1 (dashed) is calibrated, a U over-confident, a hump under-confident, a slope biased.
    """
    _check(scores, (*SCORE_COLUMNS, "coverage_50", "coverage_90"))
    _check(pits, ("period", "quantity", "pit"))
    periods = _periods(scores)
    pit_periods = [p for p in _periods(pits) if pits.loc[pits["period"] == p, "pit"].notna().any()]
    fig, axes = style.figure(12.0, 7.6, nrows=2, ncols=2, width_ratios=(1.5, 1.0))
    _coverage_panels(axes, scores, periods)
    _pit_panels(axes, pits, pit_periods)
    handles: list[Any] = [Patch(color=PERIOD_COLOURS.get(p, style.SPARE_COLOURS[0])) for p in periods]
    labels = [f"{p} period" for p in periods]
    handles += [
        Line2D([], [], color="#333333", linewidth=1.2),
        Patch(color=TARGET_COLOUR),
        Line2D([], [], color="#333333", linestyle="--", linewidth=1.2),
    ]
    labels += ["nominal coverage", "target range of the 90 % band: 75–98 %", "uniform PIT density = calibrated"]
    title = "Calibration of the ensemble: do its bands hold the observations as often as they claim?"
    _finish(fig, title, _subtitle(scores), footnote, handles, labels)
    return fig


def _coverage_panels(axes: np.ndarray, scores: pd.DataFrame, periods: list[str]) -> None:
    """The left column: each band's observed coverage per quantity and period as bars, against the nominal
    level (and for the 90 % band the accepted range), so that a miss reads as a bar off its line."""
    quantities = list(dict.fromkeys(scores["quantity"]))
    bands = [(axes[0, 0], "coverage_50", 0.5), (axes[1, 0], "coverage_90", 0.9)]
    x = np.arange(len(quantities))
    width = 0.8 / len(periods)
    for ax, column, level in bands:
        if level == 0.9:
            ax.axhspan(*TARGET_90, color=TARGET_COLOUR, linewidth=0, zorder=0)
        ax.axhline(level, color="#333333", linewidth=1.2, zorder=2)
        for k, period in enumerate(periods):
            rows_of = scores[scores["period"] == period]
            values = [_weighted(rows_of[rows_of["quantity"] == q], column) for q in quantities]
            colour = PERIOD_COLOURS.get(period, style.SPARE_COLOURS[k % len(style.SPARE_COLOURS)])
            bars = ax.bar(x + (k - (len(periods) - 1) / 2) * width, values, width * 0.92, color=colour, zorder=3)
            _bar_values(ax, bars, values)
        ax.set_ylim(0, 1.12)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xticks(x, quantities)
        ax.set_xlim(-0.6, len(quantities) - 0.4)
        ax.set_ylabel("Observations inside the band")
        ax.set_title(f"{level:.0%} band: observed coverage against nominal", fontsize=10)


def _pit_panels(axes: np.ndarray, pits: pd.DataFrame, pit_periods: list[str]) -> None:
    """The right column: one PIT density per period (at most two), all on one scale so that the periods
    compare; a panel with no period to show is blanked, and says so when there are no PIT values at all."""
    histograms = {p: pit_histogram(pits.loc[pits["period"] == p, "pit"].to_numpy(float), PIT_BINS) for p in pit_periods}
    densities = {p: counts / max(counts.sum(), 1) * PIT_BINS for p, counts in histograms.items()}
    top = max([2.0, *(1.12 * d.max() for d in densities.values())])  # one scale, so the periods compare
    edges = np.linspace(0, 1, PIT_BINS + 1)
    for row, period in enumerate(pit_periods[:2]):
        ax, counts = axes[row, 1], histograms[period]
        colour = PERIOD_COLOURS.get(period, style.SPARE_COLOURS[row])
        ax.bar(edges[:-1], densities[period], 1 / PIT_BINS, align="edge", color=colour, edgecolor="white", zorder=2)
        ax.axhline(1.0, color="#333333", linestyle="--", linewidth=1.2, zorder=3)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, top)
        ax.set_xlabel("PIT value (where the observation fell in its ensemble)")
        ax.set_ylabel("Density")
        ax.set_title(f"PIT, {period} period (n = {counts.sum():,})", fontsize=10)
    for ax in axes[len(pit_periods[:2]) :, 1]:
        ax.set_axis_off()
    if not pit_periods:
        axes[0, 1].text(0.5, 0.5, "No PIT values to show", ha="center", va="center", transform=axes[0, 1].transAxes)


def _write(fig: Figure, path: Path) -> Path:
    try:
        style.save(fig, Path(path))
    finally:
        style.close(fig)  # also when writing fails: a chart that was not written leaves no open figure
    return Path(path)


def _check(frame: pd.DataFrame, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"the scores frame lacks column(s) {', '.join(missing)}")
    if frame.empty:
        raise ValueError("there are no scores to draw")


def _periods(frame: pd.DataFrame) -> list[str]:
    """Calibration before held-back, then any other period in the order it appears."""
    present = list(dict.fromkeys(frame["period"]))
    return [p for p in PERIODS if p in present] + [p for p in present if p not in PERIODS]


def _weighted(rows: pd.DataFrame, column: str) -> float:
    """The n-weighted mean of ``column`` over rows where it exists (NaN when none does)."""
    known = rows[rows[column].notna() & (rows["n"] > 0)]
    if known.empty:
        return float("nan")
    return float(np.average(known[column], weights=known["n"]))


def _pooled(rows: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per horizon: the skill pooled over origins, and the outcomes behind it.

    Where the frame keeps the mean CRPS of forecast and baseline per row (``crps`` and
    ``crps_persistence`` / ``crps_trend``, as the hindcast writes them), the pooled skill is exact,
    1 − Σ n·CRPS / Σ n·baseline CRPS, the ``analysis.scores.skill`` of all the outcomes together;
    otherwise it is the n-weighted mean of the per-origin skills.
    """
    raw = ("crps", RAW_BASELINES[column])
    pooled = {}
    for h, g in rows.groupby("horizon"):
        known = g[g[column].notna()]
        if set(raw) <= set(g.columns):
            both = g[g[list(raw)].notna().all(axis=1) & (g["n"] > 0)]
            base = (both[raw[1]] * both["n"]).sum()
            value = 1 - (both[raw[0]] * both["n"]).sum() / base if len(both) and base > 0 else float("nan")
            known = both
        else:
            value = _weighted(g, column)
        pooled[h] = {"value": value, "n": known["n"].sum()}
    return pd.DataFrame.from_dict(pooled, orient="index").sort_index()


def _skill_floor(scores: pd.DataFrame) -> float:
    """The skill axis's lower end: the lowest value shown, but not below ``SKILL_FLOOR``."""
    columns = [column for column, _ in BASELINES.values()]
    lowest = np.nanmin(scores[columns].to_numpy(float)) if scores[columns].notna().any().any() else 0.0
    return max(SKILL_FLOOR, min(-0.2, lowest - 0.05))


def _bar_values(ax: Any, bars: Any, values: list[float]) -> None:
    """Each bar's coverage written inside its top (white), or above a bar too short to hold it: never on
    the nominal line, which bars near their nominal level would put the label on."""
    for bar, value in zip(bars, values, strict=True):
        if np.isnan(value):
            continue
        inside = value >= 0.15
        ax.annotate(
            f"{value:.0%}",
            (bar.get_x() + bar.get_width() / 2, value),
            xytext=(0, -3 if inside else 2),
            textcoords="offset points",
            ha="center",
            va="top" if inside else "bottom",
            fontsize=7.5,
            color="white" if inside else "#333333",
            zorder=4,
        )


def _note(ax: Any, x: float, y: float, text: str, colour: str, above: bool) -> None:
    ax.annotate(
        text,
        (x, y),
        xytext=(0, 5 if above else -6),
        textcoords="offset points",
        ha="center",
        va="bottom" if above else "top",
        fontsize=7,
        color=colour,
    )


def _subtitle(scores: pd.DataFrame) -> str:
    parts = []
    for period in _periods(scores):
        rows = scores[scores["period"] == period]
        first, last = int(rows["origin"].min()), int(rows["origin"].max())
        span = f"{first}" if first == last else f"{first}–{last}"
        parts.append(f"{period} origins {span}")
    return " · ".join([*parts, f"{int(scores['n'].sum()):,} outcomes scored"])


def _finish(fig: Figure, title: str, subtitle: str, footnote: str, handles: list, labels: list) -> None:
    """Title and subtitle top left, one legend under the panels, the caller's footnote and the data note.

    ``style.finish`` words its subtitle from a results folder's manifest; a hindcast's scores have
    none, so the title is placed the same way here and the footnote takes the caller's words.
    """
    height, width = fig.get_figheight(), fig.get_figwidth()
    heading = "\n".join([*textwrap.wrap(title, int(style.CHARS_PER_INCH * width)), subtitle])
    fig.suptitle(heading, fontsize=12, x=0.01, y=1 - style.TITLE_INCHES / height, ha="left", va="top")
    chars = int(style.CHARS_PER_INCH * 12 / FOOTNOTE_POINTS * (width - 0.2))
    note = "\n".join(textwrap.wrap(f"{footnote} · {style.DATA_NOTE}" if footnote else style.DATA_NOTE, chars))
    fig.text(0.01, 0.005, note, fontsize=FOOTNOTE_POINTS, color="#555555", ha="left", va="bottom")
    note_inches = 0.05 + 0.14 * (note.count("\n") + 1)
    ncols = _legend_columns(labels, width)
    fig.legend(
        handles,
        labels,
        loc="lower center",
        bbox_to_anchor=(0.5, (note_inches + 0.02) / height),
        ncols=ncols,
        frameon=False,
        fontsize=9,
    )
    legend_inches = 0.1 + 0.25 * -(-len(labels) // ncols)
    fig.tight_layout(rect=(0, (note_inches + legend_inches) / height, 1, 1))  # it leaves room for the suptitle


def _legend_columns(labels: list[str], width: float) -> int:
    """All legend entries in one row if they fit across the figure, else as many columns as the widest
    entry allows (about 0.065 inch a character at 9 points, 0.6 inch for the handle and gap), so that a
    narrow figure's legend wraps into rows rather than runs off the edge."""
    entries = [0.065 * len(label) + 0.6 for label in labels]
    room = width - 0.4
    if sum(entries) <= room:
        return len(labels)
    return max(1, min(len(labels), int(room // max(entries))))
