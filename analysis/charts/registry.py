"""Every chart the product draws, by name: a chart is a function of stored tables, so ``run.py plot``
can redraw any of them without rerunning the model.

Charts come in families, one per kind of results folder (an ensemble, a sweep, a comparison, an
explanation); each family's module lists its charts in ``CHARTS`` as name -> (draw, summary).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from powershift.analysis.charts import comparison, discovery, ensemble, explanation, share_explanation, style, sweep
from powershift.analysis.charts.options import ChartOptions
from powershift.analysis.results.paths import CHART_BYTES, check_output
from powershift.analysis.results.staging import staged_files
from powershift.analysis.results.storage import Extras
from powershift.model.files import InputError

Draw = Callable[[dict[str, Any], dict[str, pd.DataFrame], ChartOptions], Figure]
FORMATS = ("png", "svg", "pdf")
FAMILIES: dict[str, dict[str, tuple[Draw, str]]] = {
    "ensemble": ensemble.CHARTS,
    "sweep": sweep.CHARTS,
    "comparison": comparison.CHARTS,
    "explanation": explanation.CHARTS,
    "share_explanation": share_explanation.CHARTS,
    "discovery": discovery.CHARTS,
}


def family(kind: str) -> dict[str, tuple[Draw, str]]:
    return FAMILIES[kind]


def available(kind: str, meta: dict[str, Any], tables: dict[str, pd.DataFrame]) -> list[str]:
    """The charts this folder has the data for (a one-parameter sweep has no two-parameter heatmap, an ensemble
    written before bloc safety was recorded no bloc-safety chart)."""
    names = list(family(kind))
    if kind == "sweep":
        if len(meta["design"]["params"]) < 2:
            names.remove("outcome_heatmap")
        if "sensitivity" not in tables:
            names.remove("sensitivity")
    if kind == "ensemble" and "p_bloc1" not in tables["trajectories"].columns:
        names.remove("bloc_safety")  # written before bloc safety was recorded
    if kind == "explanation" and not meta.get("counterfactual"):
        names.remove("event_effects")
    return names


def check_names(kind: str, names: list[str], folder: Path) -> None:
    unknown = [n for n in names if n not in family(kind)]
    if unknown:
        raise InputError(
            folder, "--chart", f"one of {', '.join(family(kind))} (for a {kind} folder), got {unknown[0]!r}"
        )


def draw(
    kind: str,
    names: list[str],
    meta: dict[str, Any],
    tables: dict[str, pd.DataFrame],
    folder: Path,
    fmt: str = "png",
    options: ChartOptions | None = None,
) -> list[Path]:
    """Draw the named charts of one family into ``folder``.

    ``folder`` is checked first (``paths.check_output``). Every figure is built before any
    is saved, so a chart refused for its options (a date outside the run, say) leaves no other chart
    half-redrawn; the files are saved into a staging folder and moved into ``folder`` as a set only
    when all are written, so a full disk leaves none of them.
    """
    folder = Path(folder)
    check_output(folder, CHART_BYTES * len(names), existing_folder=True)
    charts = family(kind)
    figures = []
    try:
        for name in names:
            figures.append(charts[name][0](meta, tables, options or ChartOptions()))
        with staged_files(folder) as staging:
            for figure, name in zip(figures, names, strict=True):
                style.save(figure, staging / f"{name}.{fmt}")
    finally:
        for figure in figures:
            style.close(figure)
    return [folder / f"{name}.{fmt}" for name in names]


def charts_for(kind: str) -> Extras:
    """The ``extras`` of a folder writer (``write_results``, ``write_comparison``, ...) that draws every chart
    of a folder of this kind into its charts/ as the folder is written, so the charts appear with it or not
    at all."""

    def draw_into(folder: Path, meta: dict[str, Any], tables: dict[str, pd.DataFrame]) -> None:
        draw(kind, available(kind, meta, tables), meta, tables, folder / "charts")

    return draw_into


def draw_all(meta: dict[str, Any], tables: dict[str, pd.DataFrame], folder: Path, fmt: str = "png") -> list[Path]:
    return draw("ensemble", available("ensemble", meta, tables), meta, tables, folder, fmt)
