"""The explorer's views: the command line's own chart functions, drawn from a look held in memory.

Each view is a chart of ``analysis.charts`` called with the manifest and tables the command line
would have written, so a chart in the page and the same chart in a results folder are drawn by
one function in one style. The page shows them as PNG images.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from matplotlib.figure import Figure

from powershift.analysis.analyze.against import against
from powershift.analysis.analyze.explanation import explanation
from powershift.analysis.charts import comparison, ensemble, style
from powershift.analysis.charts import explanation as why
from powershift.analysis.charts.options import ChartOptions
from powershift.analysis.explorer.session import Look
from powershift.analysis.results.storage import manifest
from powershift.model.dyads import Dyad

PAGE_DPI = 100  # the page scales images to its width; 100 dpi keeps text sharp there and drawing quick


@dataclass(frozen=True)
class Choices:
    """What a reader picks inside the views: the network's date, the waterfall's dyad (default: the first
    focus dyad, else the first pair) and whether the waterfall explains the change or the difference from
    the baseline (``explain --against``)."""

    date: str | None = None
    dyad: str | None = None
    against: bool = False


def power_shares(look: Look, choices: Choices) -> Figure:
    return ensemble.power_shares(look.meta, look.results.tables, ChartOptions())


def difference(look: Look, choices: Choices) -> Figure:
    return comparison.compare_power_shares(look.comparison, {"series": look.series}, ChartOptions())


def focus_alignment(look: Look, choices: Choices) -> Figure:
    return ensemble.focus_alignment(look.meta, look.results.tables, ChartOptions())


def bloc_safety(look: Look, choices: Choices) -> Figure:
    return ensemble.bloc_safety(look.meta, look.results.tables, ChartOptions())


def network(look: Look, choices: Choices) -> Figure:
    dates = (pd.Timestamp(choices.date).date(),) if choices.date else (end_date(look),)
    return ensemble.network(look.meta, look.results.tables, ChartOptions(dates=dates))


def waterfall(look: Look, choices: Choices) -> Figure:
    dyad = choices.dyad or dyads(look)[0]
    meta, parts = explanation(look.meta, look.results.tables, dyad, None, None, look.state.label)
    if choices.against:
        baseline = (manifest(look.baseline, "parquet"), look.baseline.tables)
        meta, parts = against(meta, parts, baseline, look.baseline.scenario.name)
    return why.waterfall(meta, {"parts": parts}, ChartOptions())


VIEWS: dict[str, tuple[str, Callable[[Look, Choices], Figure]]] = {
    "power_shares": ("Power shares", power_shares),
    "difference": ("Difference from baseline", difference),
    "focus_alignment": ("Focus alignment", focus_alignment),
    "bloc_safety": ("Bloc safety", bloc_safety),
    "network": ("Network", network),
    "waterfall": ("Why it moved", waterfall),
}


def end_date(look: Look) -> object:
    return look.results.tables["alignment"]["date"].max().date()


def dyads(look: Look) -> list[str]:
    """The dyads a reader can ask about: the focus dyads first, then every other pair."""
    focus = [str(d) for d in ensemble.focus_dyads(look.meta)]
    return focus + [str(d) for d in Dyad.every(look.meta["actors"]) if str(d) not in focus]


def dates(look: Look) -> list[str]:
    """The recorded dates, as the network's date picker offers them."""
    return [d.date().isoformat() for d in sorted(look.results.tables["alignment"]["date"].unique())]


def png(name: str, look: Look, choices: Choices) -> bytes:
    """One view drawn as a PNG image."""
    fig = VIEWS[name][1](look, choices)
    try:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=PAGE_DPI)
        return buffer.getvalue()
    finally:
        style.close(fig)
