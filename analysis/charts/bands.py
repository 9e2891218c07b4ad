"""Uncertainty bands: a median line with the middle 50 % and 90 % of worlds around it."""

from __future__ import annotations

from typing import Any

import matplotlib.patches as mpatches
import pandas as pd

from powershift.analysis.analyze.spread import quantiles

__all__ = ["banded_line", "legend_entries", "quantiles"]


def banded_line(ax: Any, x: Any, q: pd.DataFrame, colour: str, label: str, bands: bool, **line: Any) -> None:
    if bands:
        ax.fill_between(x, q[0.05], q[0.95], color=colour, alpha=0.12, linewidth=0)
        ax.fill_between(x, q[0.25], q[0.75], color=colour, alpha=0.28, linewidth=0)
    ax.plot(x, q[0.5], color=colour, linewidth=2, label=label, **line)


def legend_entries(ax: Any, bands: bool) -> tuple[list[Any], list[str]]:
    """The axes' lines, plus swatches explaining the bands when there are any."""
    handles, labels = ax.get_legend_handles_labels()
    if bands:
        handles += [mpatches.Patch(color="grey", alpha=0.4), mpatches.Patch(color="grey", alpha=0.15)]
        labels += ["50 % of worlds", "90 % of worlds"]
    return handles, labels
