"""One visual style for every chart: fixed actor colours, titles, units, dates and a footnote."""

from __future__ import annotations

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
DPI = 150
DATA_NOTE = "Data: COW NMC v7.0, SIPRI, World Bank, national trade figures (model/data)."


def actor_colour(code: str, codes: list[str]) -> str:
    if code in ACTOR_COLOURS:
        return ACTOR_COLOURS[code]
    others = [c for c in codes if c not in ACTOR_COLOURS]
    return SPARE_COLOURS[others.index(code) % len(SPARE_COLOURS)]


def figure(width: float = 9.0, height: float = 5.0, **kwargs: Any) -> tuple[Figure, Any]:
    plt.rcParams.update({"font.size": 10, "axes.titlesize": 12, "axes.spines.top": False, "axes.spines.right": False})
    return plt.subplots(figsize=(width, height), **kwargs)


def subtitle(meta: dict[str, Any]) -> str:
    if meta.get("kind") == "sweep":
        design = meta["design"]
        return (
            f"Sweep of scenario '{meta['scenario']}' · {design['sampler']} · {meta['points']:,} points × "
            f"{design['replicates']} replicates · seed {design['seed']}"
        )
    reps = meta["replicates"]
    return f"Scenario '{meta['scenario']}' · {reps} replicate{'s' * (reps != 1)} · seed {meta['seed']}"


def finish(fig: Figure, meta: dict[str, Any], title: str) -> None:
    """Title naming scenario, replicates and seed; a source/version footnote."""
    fig.suptitle(f"{title}\n{subtitle(meta)}", fontsize=12, x=0.01, ha="left")
    fig.text(
        0.01,
        0.005,
        f"powershift {meta.get('version', '')} · {DATA_NOTE}",
        fontsize=7,
        color="#555555",
        ha="left",
        va="bottom",
    )
    fig.tight_layout(rect=(0, 0.03, 1, 1))


def date_axis(ax: Any) -> None:
    ax.xaxis.set_major_locator(mdates.YearLocator(2))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_xlabel("Year")


def save(fig: Figure, path: Any) -> None:
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
