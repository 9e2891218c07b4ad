"""Every chart the product draws, by name: a chart is a function of stored tables, so ``run.py plot``
can redraw any of them without rerunning the model.

Charts come in families, one per kind of results folder (an ensemble, a sweep, a comparison, an
explanation); each family's module lists its charts in ``CHARTS`` as name -> (draw, summary).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from analysis import style
from analysis.charts import comparison, ensemble, explanation, sweep
from analysis.charts.options import ChartOptions
from model.files import InputError

Draw = Callable[[dict[str, Any], dict[str, pd.DataFrame], ChartOptions], Figure]
FORMATS = ("png", "svg", "pdf")
FAMILIES: dict[str, dict[str, tuple[Draw, str]]] = {
    "ensemble": ensemble.CHARTS,
    "sweep": sweep.CHARTS,
    "comparison": comparison.CHARTS,
    "explanation": explanation.CHARTS,
}


def family(kind: str) -> dict[str, tuple[Draw, str]]:
    return FAMILIES[kind]


def folder_kind(folder: Path) -> str:
    """What wrote a folder, from its manifest: an ensemble, a sweep, a comparison or an explanation."""
    path = folder / "manifest.json"
    if not folder.is_dir():
        raise InputError(folder, "RESULTS", "an existing results folder")
    if not path.is_file():
        raise InputError(folder, "manifest.json", "a folder written by run.py (run, sweep, compare or explain)")
    try:
        kind = json.loads(path.read_text()).get("kind", "ensemble")
    except (json.JSONDecodeError, AttributeError):
        raise InputError(path, "kind", "a readable manifest") from None
    if kind not in FAMILIES:
        raise InputError(path, "kind", f"one of {', '.join(FAMILIES)}, got {kind!r}")
    return kind


def load(folder: Path) -> tuple[str, dict[str, Any], dict[str, pd.DataFrame]]:
    """A folder's kind, manifest and the tables its charts are drawn from."""
    kind = folder_kind(folder)
    meta, tables = READERS[kind](folder)
    return kind, meta, tables


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

    Every figure is built before any is saved, so a chart refused for its options (a date outside
    the run, say) leaves no other chart half-redrawn; each file is written whole or not at all.
    """
    charts = family(kind)
    figures = []
    try:
        for name in names:
            figures.append(charts[name][0](meta, tables, options or ChartOptions()))
    except BaseException:
        for figure in figures:
            style.close(figure)
        raise
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{name}.{fmt}" for name in names]
    for figure, path in zip(figures, paths, strict=True):
        style.save(figure, path)
    return paths


def draw_all(meta: dict[str, Any], tables: dict[str, pd.DataFrame], folder: Path, fmt: str = "png") -> list[Path]:
    return draw("ensemble", available("ensemble", meta, tables), meta, tables, folder, fmt)


def read_sweep(folder: Path) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    from analysis.sweep import read_manifest, read_runs

    tables = {"runs": read_runs(folder)}
    if (folder / "sensitivity.csv").is_file():
        tables["sensitivity"] = pd.read_csv(folder / "sensitivity.csv")
    return read_manifest(folder), tables


def read_ensemble(folder: Path) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    from analysis.storage import read_results

    return read_results(folder)


def read_comparison(folder: Path) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    from analysis.comparison import read_comparison

    return read_comparison(folder)


def read_explanation(folder: Path) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    from analysis.explanation import read_explanation

    return read_explanation(folder)


READERS = {
    "ensemble": read_ensemble,
    "sweep": read_sweep,
    "comparison": read_comparison,
    "explanation": read_explanation,
}
