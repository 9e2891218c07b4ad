"""One visual style for every chart: fixed actor colours, titles, units, dates and a footnote."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

# Okabe-Ito colour-blind-safe palette; the five states keep their colour in every chart.
ACTOR_COLOURS = {
    "USA": "#0072B2",
    "CHN": "#D55E00",
    "RUS": "#CC79A7",
    "IND": "#E69F00",
    "PAK": "#009E73",
}
SPARE_COLOURS = ["#56B4E9", "#F0E442", "#000000", "#999999", "#882255", "#44AA99", "#117733", "#332288"]
BLOC_COLOURS = ("#44AA99", "#882255")  # distinct from the sign colours of alignment
POSITIVE, NEGATIVE = "#0072B2", "#D55E00"  # signs of alignment and of contributions
# Dyads are pairs, not actors: their lines take colours no actor has (Tol's dark/olive tones), then dashes.
DYAD_COLOURS = ("#000000", "#332288", "#999933", "#882255", "#88CCEE")
NEUTRAL = "#332288"  # series that belong to no single actor (dyads, system measures)
REFERENCE = "#8C8C8C"  # the first scenario of a comparison, and zero lines
SCENARIO_STYLES = ("-", "--", ":", "-.")  # scenarios in a comparison: one line style each, actors keep colour
DPI = 150
TITLE_INCHES = 0.1  # the title's distance from the top edge, the same on short and tall figures
DATA_NOTE = "Data: COW NMC v7.0, SIPRI, World Bank, national trade figures (model/data)."


def actor_colour(code: str, codes: list[str]) -> str:
    if code in ACTOR_COLOURS:
        return ACTOR_COLOURS[code]
    others = [c for c in codes if c not in ACTOR_COLOURS]
    return SPARE_COLOURS[others.index(code) % len(SPARE_COLOURS)]


def dyad_style(index: int) -> tuple[str, str]:
    """Colour and line style of the k-th dyad in a chart."""
    colour = DYAD_COLOURS[index % len(DYAD_COLOURS)]
    return colour, ("-", "--", ":")[index // len(DYAD_COLOURS) % 3]


def figure(width: float = 9.0, height: float = 5.0, **kwargs: Any) -> tuple[Figure, Any]:
    plt.rcParams.update({"font.size": 10, "axes.titlesize": 12, "axes.spines.top": False, "axes.spines.right": False})
    return plt.subplots(figsize=(width, height), **kwargs)


def subtitle(meta: dict[str, Any]) -> str:
    """What a chart was drawn from: scenario(s), replicates and seed, read from the folder's manifest."""
    kind = meta.get("kind", "ensemble")
    if kind == "sweep":
        design = meta["design"]
        return (
            f"Sweep of scenario '{meta['scenario']}' · {design['sampler']} · {meta['points']:,} points × "
            f"{design['replicates']} replicates · seed {design['seed']}"
        )
    if kind == "explanation":
        return f"{subtitle(meta['source'])} · {meta['dyad']} from {meta['from']} to {meta['to']}"
    reps = meta["replicates"]
    worlds = f"{reps} replicate{'s' * (reps != 1)}"
    if kind == "comparison":
        seeds = f"seed {meta['seed']}" if meta["paired"] else "different seeds"
        return f"Scenarios {' vs '.join(repr(s) for s in meta['scenarios'])} · {worlds} each · {seeds}"
    return f"Scenario '{meta['scenario']}' · {worlds} · seed {meta['seed']}"


def finish(fig: Figure, meta: dict[str, Any], title: str, bottom: float = 0.03, tight: bool = True) -> None:
    """Title naming scenario, replicates and seed; a source/version footnote.

    ``tight=False`` keeps a layout the chart arranged itself (e.g. around a shared colour bar).
    """
    fig.suptitle(f"{title}\n{subtitle(meta)}", fontsize=12, x=0.01, y=1 - TITLE_INCHES / fig.get_figheight(), ha="left")
    fig.text(
        0.01,
        0.005,
        f"powershift {meta.get('version', '')} · {DATA_NOTE}",
        fontsize=7,
        color="#555555",
        ha="left",
        va="bottom",
    )
    if tight:
        fig.tight_layout(rect=(0, bottom, 1, 1))


def date_axis(ax: Any, step: int = 2) -> None:
    ax.xaxis.set_major_locator(mdates.YearLocator(step))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_xlabel("Year")


def save(fig: Figure, path: Path) -> None:
    """Write the figure under a temporary name and rename it: a chart file is whole or absent."""
    staging = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        fig.savefig(staging, dpi=DPI, format=path.suffix.lstrip("."))
        os.replace(staging, path)
    finally:
        staging.unlink(missing_ok=True)
        close(fig)


def close(fig: Figure) -> None:
    plt.close(fig)
